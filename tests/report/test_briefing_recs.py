"""The briefing's recommendations per audience (numbered, no sentence repeated across
audiences), its financing estimate and its gender section, on synthetic data."""

from __future__ import annotations

import re
import sys
from html import unescape
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.report.briefing import briefing_context, render_html
from aicap.report.briefing_recs import (
    audience_section,
    audience_sentences,
    repeated_sentences,
)

NOTHING = {
    "strategy": ("no", None),
    "ai_body": ("no", None),
    "data_protection_law": ("no", None),
    "gpu_clusters": ("no", None),
    "cloud_region": ("no", 2022),
}


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue(None, MANDATES)


def _blocks(html: str) -> dict[str, str]:
    """The text of each 'To ...' subsection of the recommendations."""
    body = html.split("Recommendations</h2>", 1)[1].split("What it costs", 1)[0]
    parts = re.split(r"<h3>[^<]*To ([^<]+)</h3>", body)
    return {
        parts[i].strip(): " ".join(unescape(re.sub(r"<[^>]+>", " ", parts[i + 1])).split())
        for i in range(1, len(parts) - 1, 2)
    }


def _sentences(text: str) -> set[str]:
    # a sentence ends before a capital or a quotation mark ("para. 61" does not end one)
    return {s.strip() for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“\"])", text) if len(s.strip()) > 20}


def test_briefing_numbers_audiences_costs_and_gender(cat: Catalogue) -> None:
    assets = {f"L{i}": NOTHING for i in range(6)} | {f"M{i}": NOTHING for i in range(3)}
    sex = {
        "L1": {"HDR.MYS_F": 2.0, "HDR.MYS_M": 4.0},
        "L2": {"HDR.MYS_F": 4.0, "HDR.MYS_M": 4.0, "HDR.LFPR_F": 50.0, "HDR.LFPR_M": 80.0},
    }
    data = make_data(bands=True, assets=assets, sex=sex)
    ctx = briefing_context(data, cat, annex=["L1"], n_boot=50)
    assert _sentences("See para. 61 of the Compact here. The next sentence starts here") == {
        "See para. 61 of the Compact here.",
        "The next sentence starts here",
    }
    html = render_html(ctx)
    blocks = _blocks(html)
    assert set(blocks) == {
        "Member States",
        "the United Nations system",
        "international and regional financial institutions",
    }
    for a in ctx["audiences"]:
        nums = [e["number"] for e in a["entries"]]
        assert nums == [f"{a['prefix']}-{k}" for k in range(1, len(nums) + 1)]
        for n in nums:
            assert f"{n}." in html
    assert ctx["audiences"][0]["entries"], "Member States get recommendations"
    # no sentence said to two audiences, in the rendered text and in the section's data
    seen: dict[str, str] = {}
    for aud, text in blocks.items():
        for s in _sentences(text):
            assert seen.setdefault(s, aud) == aud, f"repeated across audiences: {s!r}"
    assert repeated_sentences(audience_sentences(ctx["audiences"])) == []
    # the financing estimate, by group, with its range and the Fund's target
    f = ctx["financing"]
    assert "What it costs and who pays" in html and "estimate" in html
    ldc = next(t for t in f["totals"] if t["group"] == "LDC")
    assert ldc["n_costed"] >= 1 and 0 < ldc["low_usd_m"] < ldc["high_usd_m"]
    lo = sum(
        sum(cat.cost_range(i)[0] for i in ctx["recommendations"][iso][:5])
        for iso in ctx["recommendations"]
        if iso in set(data.countries.loc[data.countries["ldc"], "iso3"])
    )
    assert ldc["low_usd_m"] == pytest.approx(lo)
    assert "US$ 1-3 billion" in " ".join(html.split())
    # the gender section counts the synthetic gaps
    g = {r["indicator"]: r for r in ctx["gender"]["rows"]}
    assert g["HDR.MYS"]["n_data"] == 2 and g["HDR.MYS"]["n_gap_women"] == 1
    assert g["HDR.LFPR"]["n_gap_women"] == 1 and g["HDR.EYS"]["n_data"] == 0
    assert "Women and girls" in html


def test_repeated_sentences_are_caught(cat: Catalogue) -> None:
    sec = audience_section(cat, {"A": ["FIN-01", "CONN-04"]}, ["A"], 5)
    assert repeated_sentences(audience_sentences(sec)) == []
    # the same action text under two audiences is a repetition
    sec[1]["entries"][0]["action"] = sec[0]["entries"][0]["action"]
    assert repeated_sentences(audience_sentences(sec))


def test_catalogue_actions_never_repeat_across_audiences(cat: Catalogue) -> None:
    by_aud: dict[str, list[str]] = {}
    for it in cat:
        for a, text in it.actions.items():
            by_aud.setdefault(a.value, []).append(text)
    assert repeated_sentences(by_aud) == []


def test_never_assessed_country_reads_not_assessed_not_none(cat: Catalogue) -> None:
    from monitor_helpers import synthetic_results

    from aicap.analysis.monitor.risks import load_taxonomy
    from aicap.report.briefing import profile_html
    from aicap.report.monitor_section import profile_monitor

    data = make_data()
    res = synthetic_results(data.countries, load_taxonomy())
    # M0: every risk 'not covered' but privacy, which no country has assessed
    m0 = profile_monitor(res, [], "M0", {})
    assert m0 is not None and m0["covered"] is False and m0["n_risks"] == 0
    h0 = profile_monitor(res, [], "H0", {})
    assert h0 is not None and h0["covered"] is True and h0["gaps"] == []
    from aicap.analysis.profile import build_profile

    p = build_profile(data, "M0", cat)
    p["monitor"] = m0
    p["figure"] = ""
    text = " ".join(re.sub(r"<[^>]+>", " ", profile_html(p)).split())
    assert "governance gaps (GIRAI 2026): not assessed" in text
    p["monitor"] = h0
    text = " ".join(re.sub(r"<[^>]+>", " ", profile_html(p)).split())
    assert "none among the" in text and "risks assessed" in text


def test_profile_page_reports_gender_gaps(tmp_path: Path, cat: Catalogue) -> None:
    from aicap.analysis.profile import build_profile
    from aicap.report.briefing import write_profile_pdf

    sex = {"L4": {"HDR.MYS_F": 3.0, "HDR.MYS_M": 5.0, "HDR.EYS_F": 9.0, "HDR.EYS_M": 9.0}}
    prof = build_profile(make_data(assets={"L4": NOTHING}, sex=sex), "L4", cat)
    out = tmp_path / "l4.pdf"
    assert write_profile_pdf(prof, out) == 1
    from pypdf import PdfReader

    text = " ".join((PdfReader(str(out)).pages[0].extract_text() or "").split())
    assert "Women and girls" in text and "mean years of schooling 0.60 (2022)" in text
