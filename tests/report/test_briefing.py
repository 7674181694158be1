"""The briefing and the profiles: rendered PDF pages, text, traceable data, CLI end to end."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from aicap.analysis.spec import IndexSpec, default_framework_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.analysis.profile import build_profile
from aicap.report import charts
from aicap.report.briefing import (
    annex_countries,
    write_briefing,
    write_profile_pdf,
)


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue(None, MANDATES)


def _pages(pdf: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def test_charts_are_wellformed_svg() -> None:
    assert charts.nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(0.0, 0.23)[-1] >= 0.23
    svgs = [
        charts.line_chart({"a": [(2015, 1.0), (2016, 2.0)]}, title="t <&>", y_label="y"),
        charts.grouped_bars(["x", "y"], {"g": [10.0, float("nan")]}, title="b"),
        charts.scatter_fit(
            [3.0, 4.0],
            [20.0, 60.0],
            (0.0, 10.0),
            [(3, 0, 40), (4, 20, 70)],
            title="s",
            x_label="x",
            y_label="y",
            highlight={0: "A&B"},
        ),
        charts.pillar_profile(["P"], [50.0], [40.0], [90.0], title="p", peer_label="peers"),
    ]
    for s in svgs:
        root = ET.fromstring(s)
        assert root.tag.endswith("svg")
    assert "t &lt;&amp;&gt;" in svgs[0]


def test_briefing_pdf_has_sections_annex_pages_and_data(tmp_path: Path, cat: Catalogue) -> None:
    data = make_data(bands=True)
    annex = ["L1", "U0", "H3"]
    b = write_briefing(data, cat, tmp_path, annex=annex, n_boot=300)
    assert b.pdf is not None and b.pdf.is_file() and b.html.is_file()
    pages = _pages(b.pdf)
    assert b.pages == len(pages)
    text = "\n".join(pages)
    for needle in [
        "Is the AI divide widening?",
        "The state of the global AI divide",
        "Least developed countries",
        "Landlocked developing countries",
        "Small island developing states",
        "Low-income countries",
        "To Member States",
        "To the United Nations system",
        "To international and regional financial institutions",
        "A/RES/78/311, OP 15",
        "Sources and method",
    ]:
        assert needle.lower() in " ".join(text.split()).lower(), needle
    # one page per profile: each annex page opens with its own heading
    heads = [i for i, t in enumerate(pages) if "Country profile:" in t]
    assert len(heads) == len(annex)
    assert heads == list(range(len(pages) - len(annex), len(pages)))
    for i, iso in zip(heads, annex, strict=True):
        assert f"({iso})" in pages[i]
    # figures trace to data files
    names = {p.name for p in b.data_files}
    assert {
        "divide_by_year_and_pillar.csv",
        "divide_verdicts.csv",
        "expected_capacity.csv",
        "group_findings.csv",
        "recommendations_by_audience.csv",
        "profiles.json",
    } <= names
    verdicts = pd.read_csv(tmp_path / "data" / "divide_verdicts.csv").set_index("measure")
    gap_end = verdicts.loc["score", "gap_end"]
    html = b.html.read_text("utf-8")
    assert f"{gap_end:.1f}" in html
    # synthetic: identical growth everywhere, so the gap does not change
    assert verdicts.loc["score", "gap_change"] == pytest.approx(0.0, abs=1e-9)
    assert "<script" not in html and "http://" not in html.split("<body>", 1)[1][:2000]


def test_profile_pdf_is_one_page(tmp_path: Path, cat: Catalogue) -> None:
    lacks = {"strategy": ("no", None), "gpu_clusters": ("no", None), "cloud_region": ("no", 2022)}
    prof = build_profile(make_data(assets={"L4": lacks}), "L4", cat)
    out = tmp_path / "l4.pdf"
    assert write_profile_pdf(prof, out) == 1
    pages = _pages(out)
    assert len(pages) == 1
    t = " ".join(pages[0].split())
    assert "Country profile: Low 4 (L4)" in t
    assert "not available" in t  # no uncertainty bands in this data
    assert "A/79/966" in t and "Recommendations" in t
    assert "origin of the proposal" in t.lower() and "Bundle of the first" in t


def test_annex_selection() -> None:
    data = make_data()
    assert annex_countries(data, "none") == []
    assert len(annex_countries(data, "all")) == 24
    focus = annex_countries(data, "focus")
    assert "U0" in focus and "H0" not in focus and set(f"L{i}" for i in range(6)) <= set(focus)
    assert annex_countries(data, "l1, m2") == ["L1", "M2"]
    with pytest.raises(KeyError, match="XXX"):
        annex_countries(data, "L1,XXX")


@pytest.fixture(scope="module")
def index_dir(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real index for its last three years, written as `aicap build` writes it."""
    from aicap.analysis.run import run_index
    from aicap.warehouse.read import Warehouse

    wh = Warehouse(full_warehouse)
    probe = run_index(wh, uncertainty=False, start=2023)
    out = tmp_path_factory.mktemp("index")
    probe.series.to_parquet(out / "series.parquet")
    probe.results.to_parquet(out / "results.parquet")
    cells = pd.concat([ys.cells for ys in probe.index.years.values()], ignore_index=True)
    cells.to_parquet(out / "series_cells.parquet")
    return out


def test_cli_profile_json_and_pdf_on_the_real_index(
    full_warehouse: Path, index_dir: Path, tmp_path: Path
) -> None:
    from aicap.cli.main import app

    runner = CliRunner()
    args = ["--warehouse", str(full_warehouse), "--index-dir", str(index_dir)]
    res = runner.invoke(app, ["profile", "KEN", "--json", *args, "--mandates", str(MANDATES)])
    assert res.exit_code == 0, res.output
    prof = json.loads(res.stdout)
    assert prof["iso3"] == "KEN" and prof["name"] == "Kenya"
    assert prof["tier"] in {0, 1, 2, 3, 4}
    assert prof["uncertainty"] == "not available"  # built without uncertainty
    assert [g["group"] for g in prof["peers"]][:2] == ["income:LMC", "region:Africa"]
    assert prof["recommendations"] and all(r["mandates"] for r in prof["recommendations"])
    assert len(prof["indicators"]) == len(IndexSpec.load(default_framework_path()).indicators)
    pdf = tmp_path / "ken.pdf"
    res = runner.invoke(app, ["profile", "KEN", "--pdf", str(pdf), *args])
    assert res.exit_code == 0, res.output
    assert len(PdfReader(str(pdf)).pages) == 1
    res = runner.invoke(app, ["profile", "ZZZ", *args])
    assert res.exit_code == 2


def test_cli_briefing_on_the_real_index(
    full_warehouse: Path, index_dir: Path, tmp_path: Path
) -> None:
    from aicap.cli.main import app

    out = tmp_path / "brief"
    res = CliRunner().invoke(
        app,
        [
            "report",
            "briefing",
            "--out",
            str(out),
            "--warehouse",
            str(full_warehouse),
            "--index-dir",
            str(index_dir),
            "--annex",
            "TUV,NER",
            "--boot",
            "200",
        ],
    )
    assert res.exit_code == 0, res.output
    pages = _pages(out / "briefing.pdf")
    assert sum("Country profile:" in p for p in pages) == 2
    assert "Tuvalu" in pages[-2] and "Niger" in pages[-1]
    text = " ".join(" ".join(pages).split())
    assert "Is the AI divide widening?" in text
    # the Monitor section from the warehouse records, and a Monitor line in each profile
    assert "3. Concentration of AI resources and governance gaps" in text
    # the sentence whole in the document; in the PDF it may run over a page break, where the
    # text layer puts the page's figure labels and footer between its two parts
    html_text = " ".join(re.sub(r"<[^>]+>", "", (out / "briefing.html").read_text()).split())
    assert re.search(r"Of the \d+ developing Member States, \d+ host none of the three", html_text)
    assert re.search(r"Of the \d+ developing Member States, \d+ host none of", text)
    assert "documented AI incidents" in " ".join(pages[-1].split())
    assert "Monitor: hosts no AI compute" in " ".join(pages[-1].split())  # Niger
    assert (out / "data" / "monitor_signals.csv").is_file()
    assert "between 2023 and 2025" in text.lower() or "2023 and 2025" in text


def test_briefing_with_monitor_section(tmp_path: Path, cat: Catalogue) -> None:
    from monitor_helpers import synthetic_results

    from aicap.analysis.monitor.links import load_links

    links = load_links(cat)
    data = make_data(bands=True)
    res = synthetic_results(data.countries, links.taxonomy)
    annex = ["L1", "H0"]
    b = write_briefing(data, cat, tmp_path, annex=annex, n_boot=200, monitor=res, links=links)
    assert b.pdf is not None
    pages = _pages(b.pdf)
    text = " ".join(" ".join(pages).split())
    for needle in [
        "3. Concentration of AI resources and governance gaps",
        "3.1 Who holds AI compute and models",
        "3.2 Dependency: Member States that host none",
        "3.3 Governance gaps: risks without an instrument",
        "3.4 Links to action",
        "4. Recommendations",
        "Merger Guidelines (2023)",
        "not incidence rates",
    ]:
        assert needle in text, needle
    # the figures come from the Monitor: H0 holds 100 of 130 H100e in 2022 (5 unattributed)
    latest = pd.read_csv(tmp_path / "data" / "monitor_concentration_latest.csv")
    cap = latest[(latest["resource"] == "compute") & (latest["view"] == "capacity")].iloc[0]
    assert cap["top_actor"] == "H0" and cap["top_share"] == pytest.approx(100 * 100 / 130)
    assert cap["hhi_low"] == pytest.approx((100 / 1.3) ** 2 + (20 / 1.3) ** 2 + (5 / 1.3) ** 2)
    assert cap["hhi_high"] == pytest.approx(cap["hhi_low"] + (5 / 1.3) ** 2)
    assert f"{100 * 100 / 130:.1f} %" in text
    # facing pages agree: hosts + Member States that host no compute = all Member States
    acc = res.access
    n_none = int((~acc["hosts_compute"].astype(bool)).sum())
    assert f"Of the {len(acc)} Member States, {n_none} host no AI compute" in text
    # every Monitor and profile statement is a claim, with its marker and in claims.json
    claims = {c["id"]: c for c in json.loads((tmp_path / "data" / "claims.json").read_text())}
    kinds = {c["kind"] for c in claims.values()}
    assert {"market_concentration", "access_count", "governance_gap_count"} <= kinds
    assert "resource_holders" in kinds and claims["resource-holders.compute.2022"]["text"] in text
    assert {"tier_assignment", "peer_gap", "binding_constraint"} <= kinds
    assert claims["access-count.ALL.compute"]["value"] == n_none
    assert claims["access-count.ALL.compute"]["n"] == len(acc)
    assert claims["access-count.ALL.compute"]["text"] in text
    gaps = pd.read_csv(tmp_path / "data" / "monitor_gaps_by_group.csv").set_index("risk")
    assert gaps.loc["misuse", "LIC_gap"] == 6 and gaps.loc["misuse", "HIC_gap"] == 0
    assert gaps.loc["misuse", "incidents_in_gaps"] == 3
    signals = pd.read_csv(tmp_path / "data" / "monitor_signals.csv")
    assert set(signals.loc[signals["iso3"] == "L1", "kind"]) == {
        "governance_gap",
        "dependency",
        "concentration",
    }
    html = b.html.read_text("utf-8")
    # the briefing's eight charts and four Monitor charts (SVG); the annex's pillar charts are
    # HTML boxes, their words at the profile's 8.5 pt
    assert html.count("<svg") >= 8 + 4
    assert "class='pc-track'" in html
    assert "Lorenz curve of AI compute" in html
    # footnotes: the Monitor's sources follow the briefing's own, numbered in order
    # publisher and route apart: the custodian first, then how the snapshot obtained the file
    assert "Epoch AI, Data on GPU Clusters; licence CC BY 4.0. Snapshot of 2025-12-17" in text
    assert "obtained through GitHub mirror cnyke/cnyke.github.io at commit 20889d5" in text
    assert "Global Index on Responsible AI 2026; licence CC BY 4.0. Snapshot of 2026-06-14" in text
    # the annex: one page per profile, each with its Monitor line; L1's recommendations
    # carry its signals
    heads = [i for i, t in enumerate(pages) if "Country profile:" in t]
    assert len(heads) == 2 and heads == [len(pages) - 2, len(pages) - 1]
    l1 = " ".join(pages[heads[0]].split())
    assert "Monitor: hosts no AI compute, cloud region or model developer" in l1
    assert "governance gaps (GIRAI 2026): misuse, disinformation" in l1
    assert "documented AI incidents: 3" in l1
    # the page's own footnotes: every statement's marker and the ids it cites
    n_marks = len(set(re.findall(r"\[C(\d+)\]", l1)))
    assert n_marks >= 9 and f"-C{n_marks} recommendation-need of" in l1
    assert "Claims (ids kind.L1[.code].2023): C1 tier-assignment" in l1
    h0 = " ".join(pages[heads[1]].split())
    assert "AI compute yes, cloud region yes, model developer yes" in h0
    prof = json.loads((tmp_path / "data" / "profiles.json").read_text("utf-8"))
    recs = prof[0]["recommendations"]
    assert recs and all("signals" in r for r in recs)
    # the annex lists what recommend() draws with L1's signals
    from aicap.analysis.diagnose import diagnose
    from aicap.analysis.monitor.links import all_signals
    from aicap.analysis.recommend import recommend

    sig = all_signals(links, res)["L1"]
    hp = str(data.scores().loc["L1"].get("holding_pillars") or "")
    want = recommend(diagnose(data, "L1"), cat, holding_pillars=hp, limit=5, signals=sig)
    assert [r["id"] for r in recs] == [r.intervention.id for r in want]
    assert [r["signals"] for r in recs] == [r.signals for r in want]


def test_cli_profile_recommends_as_the_briefing_annex_with_monitor_signals(
    full_warehouse: Path, index_dir: Path, tmp_path: Path
) -> None:
    """`aicap profile` draws the recommendations with the country's Monitor signals, as the
    briefing's annex does: the same list, the same signals, the same Monitor line."""
    from aicap.analysis.capacity_data import load_capacity_data
    from aicap.analysis.mandates import MandateLibrary
    from aicap.analysis.monitor.data import load as load_frames
    from aicap.analysis.monitor.links import load_links
    from aicap.cli.main import app
    from aicap.report import monitor_source
    from aicap.report.briefing import briefing_context
    from aicap.warehouse.read import Warehouse

    runner = CliRunner()
    args = ["--warehouse", str(full_warehouse), "--index-dir", str(index_dir)]
    args += ["--mandates", str(MANDATES), "--cache", str(tmp_path / "cache")]
    res = runner.invoke(app, ["profile", "KEN", "--json", *args])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert list((tmp_path / "cache" / "monitor").iterdir())  # cached for the next profile
    wh = Warehouse(full_warehouse)
    data = load_capacity_data(wh, index_dir)
    cat = load_catalogue(None, MandateLibrary.load(MANDATES))
    links = load_links(cat)
    results, signals = monitor_source.compute(load_frames(wh), links)
    ctx = briefing_context(
        data, cat, annex=["KEN"], n_boot=100, monitor=results, links=links, signals=signals
    )
    annex = json.loads(json.dumps(ctx["profiles"][0], default=str))
    assert signals["KEN"]  # Kenya hosts no AI compute: a dependency signal at least
    # the annex lists five (an item's "comes first for" names only the items listed)
    drop = {"comes_first_for", "why_now"}
    head = [{k: v for k, v in r.items() if k not in drop} for r in cli["recommendations"][:5]]
    assert head == [{k: v for k, v in r.items() if k not in drop} for r in annex["recommendations"]]
    want = build_profile(data, "KEN", cat, signals=signals["KEN"])["recommendations"]
    assert cli["recommendations"] == json.loads(json.dumps(want, default=str))
    assert any(r["signals"] for r in cli["recommendations"])
    assert any(r["reasons"][0].startswith("addresses ") for r in cli["recommendations"])
    assert cli["monitor"] == annex["monitor"]
    # the cached run gives the same; --no-monitor draws from the index alone
    again = json.loads(runner.invoke(app, ["profile", "KEN", "--json", *args]).stdout)
    assert again["recommendations"] == cli["recommendations"]
    res = runner.invoke(app, ["profile", "KEN", "--json", "--no-monitor", *args])
    bare = json.loads(res.stdout)
    assert "monitor" not in bare and not any(r["signals"] for r in bare["recommendations"])
    bare_want = build_profile(data, "KEN", cat)["recommendations"]
    assert bare["recommendations"] == json.loads(json.dumps(bare_want, default=str))


Recs = list[dict[str, Any]]


@pytest.fixture(scope="module")
def web_and_cli(
    full_warehouse: Path, index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Recs, dict[str, Recs]]:
    """KEN's recommendations on the web profile (the same index outputs) and from the CLI,
    with and without the Monitor's signals."""
    from aicap.cli.main import app
    from aicap.web import views
    from aicap.web.data import load_site

    site = load_site(full_warehouse, index_dir)
    web, _ = views._profile(site, "KEN")
    runner = CliRunner()
    args = ["--warehouse", str(full_warehouse), "--index-dir", str(index_dir)]
    args += ["--mandates", str(MANDATES), "--cache", str(tmp_path_factory.mktemp("cache"))]
    out: dict[str, Recs] = {}
    for flag in ("--monitor", "--no-monitor"):
        res = runner.invoke(app, ["profile", "KEN", "--json", flag, *args])
        assert res.exit_code == 0, res.output
        out[flag] = json.loads(res.stdout)["recommendations"]
    return json.loads(json.dumps(web["recommendations"], default=str)), out


def test_cli_profile_equals_the_web_profile(web_and_cli: tuple[Recs, dict[str, Recs]]) -> None:
    """Both draw Kenya's recommendations with its Monitor signals, as the briefing does."""
    web, cli = web_and_cli
    assert web and cli["--monitor"] == web
    assert any(r["signals"] for r in web)  # the signals reached the recommender


def test_cli_profile_without_the_monitor_has_no_signals(
    web_and_cli: tuple[Recs, dict[str, Recs]],
) -> None:
    _, cli = web_and_cli
    assert cli["--no-monitor"] and not any(r["signals"] for r in cli["--no-monitor"])
