"""Links to action: the mapping validated against the catalogue, country signals, signals in
the recommendations, and ``aicap monitor links``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from diagnose_helpers import MANDATES, countries, make_data
from monitor_helpers import synthetic_results

from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.analysis.diagnose import diagnose
from aicap.analysis.monitor import links as lk
from aicap.analysis.monitor import risks
from aicap.analysis.recommend import SIGNAL_BONUS, recommend
from aicap.cli.main import app

MAND = ["--mandates", str(MANDATES)]
LINKS = Path(__file__).resolve().parents[2] / "catalogues" / "monitor_links.yaml"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue(None, MANDATES)


@pytest.fixture(scope="module")
def links(cat: Catalogue) -> lk.Links:
    return lk.load_links(cat)


def test_shipped_links_resolve_in_the_catalogue(links: lk.Links, cat: Catalogue) -> None:
    table = links.table()
    tax = risks.load_taxonomy()
    assert set(table.loc[table["kind"] == "risk", "key"]) == set(tax.ids())
    assert {"no_compute", "no_cloud_region", "no_model_developer", "concentrated_market"} <= set(
        table["key"]
    )
    assert set(table["intervention"]) <= set(cat.items)
    # the areas the issue names: regulation and safety, fair competition, security and integrity
    assert {"regulation_safety", "fair_competition", "security_integrity"} <= set(table["area"])
    assert all(table["mandates"].str.len() > 0)
    assert links.for_risk("privacy")[0] == "DATA-01"
    assert "COMPET-01" in links.for_signal("concentrated_market")


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "links.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


def test_unknown_ids_and_bad_entries_fail(tmp_path: Path, cat: Catalogue) -> None:
    good = yaml.safe_load(LINKS.read_text("utf-8"))
    bad = json.loads(json.dumps(good))
    bad["signals"][0]["interventions"] = ["COMP-01", "NOPE-99"]
    with pytest.raises(lk.LinksError, match="signal no_compute: unknown intervention 'NOPE-99'"):
        lk.load_links(cat, path=_write(tmp_path, bad))
    bad = json.loads(json.dumps(good))
    bad["signals"][0]["access"] = "electricity"
    with pytest.raises(lk.LinksError, match=r"signal no_compute.*access must be one of"):
        lk.load_links(cat, path=_write(tmp_path, bad))
    bad = json.loads(json.dumps(good))
    bad["signals"][1]["colour"] = "red"
    with pytest.raises(lk.LinksError, match=r"no_cloud_region.*colour"):
        lk.load_links(cat, path=_write(tmp_path, bad))
    # a risk of the taxonomy naming an unknown intervention, or none
    raw = yaml.safe_load(risks.default_taxonomy_path().read_text("utf-8"))
    raw["risks"][0]["interventions"] = ["REG-01", "REG-99"]
    with pytest.raises(lk.LinksError, match="risk misuse: unknown intervention 'REG-99'"):
        lk.parse_links(good, cat, risks.parse_taxonomy(raw))
    raw["risks"][0]["interventions"] = []
    with pytest.raises(lk.LinksError, match="risk misuse names no intervention"):
        lk.parse_links(good, cat, risks.parse_taxonomy(raw))
    assert lk.parse_links(good, cat, risks.load_taxonomy()).signals.keys() >= {"no_compute"}


def test_armed_conflict_is_answered_only_by_military_domain_texts(cat: Catalogue) -> None:
    good = yaml.safe_load(LINKS.read_text("utf-8"))
    raw = yaml.safe_load(risks.default_taxonomy_path().read_text("utf-8"))
    armed = next(r for r in raw["risks"] if r["id"] == "armed_conflict_terrorism")
    assert armed["domain"] == "military" and armed["interventions"] == ["SEC-03"]
    refs = cat.get("SEC-03").mandates
    assert refs and all(r.startswith("A/RES/79/239 ") for r in refs)
    # the texts that limit themselves to the non-military domain cannot answer it
    armed["interventions"] = ["SEC-03", "VOICE-01"]
    with pytest.raises(
        lk.LinksError,
        match=r"armed_conflict_terrorism \(military domain\) "
        r"points to VOICE-01",
    ):
        lk.parse_links(good, cat, risks.parse_taxonomy(raw))


def test_country_signals(links: lk.Links) -> None:
    res = synthetic_results(countries(), links.taxonomy)
    markets = lk.latest_markets(res.concentration)
    compute = markets.set_index("resource").loc["compute"]
    assert compute["year"] == 2022 and compute["class_low"] == "highly concentrated"
    sig = lk.all_signals(links, res)
    l1 = {(s.kind, s.key): s for s in sig["L1"]}
    gap = l1[("governance_gap", "misuse")]
    assert "3 documented incidents" in gap.evidence and gap.interventions[:3] == (
        "REG-01",
        "SEC-01",
        "SEC-02",
    )
    assert sig["L1"][0] is gap  # gaps with incidents come first
    assert ("governance_gap", "safety_security") not in l1  # addressed
    assert {("dependency", "no_compute"), ("dependency", "no_cloud_region")} <= set(l1)
    conc_sig = l1[("concentration", "concentrated_market")]
    assert "HHI" in conc_sig.evidence and "DOJ/FTC 2023" in conc_sig.evidence
    # H0 hosts everything and has no gap: no signal at all
    assert sig["H0"] == []
    # U0 hosts a cloud region only: its compute market is highly concentrated -> signal
    u0 = {(s.kind, s.key) for s in sig["U0"]}
    assert ("dependency", "no_cloud_region") not in u0
    assert ("concentration", "concentrated_market") in u0
    # M0 is not covered by the register: no gap, and no incidents -> no incidents signal
    assert not any(s.kind in ("governance_gap", "incidents") for s in sig["M0"])
    frame = lk.signals_frame(sig)
    assert len(frame) == sum(len(s.interventions) for v in sig.values() for s in v)


def test_incidents_without_instrument_are_a_signal(links: lk.Links) -> None:
    res = synthetic_results(countries(), links.taxonomy)
    m = res.matrix.copy()
    m.loc[(m["iso3"] == "M0") & (m["risk"] == "privacy"), "incidents"] = 2
    sig = lk.country_signals(links, "M0", m, res.access, lk.latest_markets(res.concentration))
    inc = [s for s in sig if s.kind == "incidents"]
    assert len(inc) == 1 and inc[0].key == "privacy" and "not assessed" in inc[0].evidence
    assert inc[0].interventions == links.for_risk("privacy")


def test_recommendations_include_signal_interventions(cat: Catalogue, links: lk.Links) -> None:
    data = make_data(tiers={"H5": 4})
    d = diagnose(data, "H5")
    base = recommend(d, cat, limit=None)
    assert base == []  # tier 4, at or above its peers: everything met
    gap = lk.Signal(
        "H0", "governance_gap", "misuse", "governance gap on misuse", "e", (), ("REG-01",)
    )
    recs = recommend(d, cat, limit=None, signals=[gap])
    reg = next(r for r in recs if r.intervention.id == "REG-01")
    assert reg.signals == [
        {
            "kind": "governance_gap",
            "key": "misuse",
            "label": "governance gap on misuse",
            "evidence": "e",
        }
    ]
    assert reg.reasons[0] == "addresses governance gap on misuse"
    assert reg.priority >= SIGNAL_BONUS and reg.mandates
    assert reg.as_dict()["signals"][0]["key"] == "misuse"
    # only REG-01 and no prerequisite: they are met at tier 4
    assert [r.intervention.id for r in recs] == ["REG-01"]
    # a tier-0 country: REG-01 (useful from tier 1) stays out, SEC-01 (tier 0) comes in
    d0 = diagnose(make_data(), "L0")
    sig0 = lk.Signal("L0", "governance_gap", "misuse", "gap", "e", (), ("REG-01", "SEC-01"))
    recs0 = {r.intervention.id: r for r in recommend(d0, cat, limit=None, signals=[sig0])}
    assert "REG-01" not in recs0 and recs0["SEC-01"].signals[0]["key"] == "misuse"


def test_cli_links_mapping_and_country(full_warehouse: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["monitor", "links", "--json", "--mandates", str(MANDATES)])
    assert res.exit_code == 0, res.output
    rows = pd.DataFrame(json.loads(res.stdout)["links"])
    assert {"risk", "dependency", "concentration"} <= set(rows["kind"])
    res = runner.invoke(
        app,
        ["monitor", "links", "NER", "--json", "--warehouse", str(full_warehouse), *MAND],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    kinds = {s["kind"] for s in out["signals"]}
    assert {"dependency", "concentration"} <= kinds  # Niger hosts no compute
    assert all(i["mandates"] for s in out["signals"] for i in s["interventions"])
    assert "not incidence rates" in out["caveat"]
    res = runner.invoke(app, ["monitor", "links", "ZZZ", "--warehouse", str(full_warehouse)])
    assert res.exit_code == 2
