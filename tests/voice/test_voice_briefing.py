"""The right of reply in the briefing's annex: the country's own words beside its profile,
marked as such, in the HTML and in data/profiles.json; nothing for a country without one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import load_catalogue
from aicap.report.briefing import write_briefing

EN = "Our national census counts compute the international source does not list."
AR = "يحصي تعدادنا الوطني قدرات الحوسبة التي لا يدرجها المصدر الدولي."


def test_annex_carries_the_reply_marked_as_the_countrys_own(tmp_path: Path) -> None:
    cat = load_catalogue(None, MANDATES)
    replies = {
        "L1": [
            {"lang": "en", "finding": "", "text": EN, "fictitious": False},
            {"lang": "ar", "finding": "tier", "text": AR, "fictitious": False},
        ]
    }
    b = write_briefing(
        make_data(bands=True), cat, tmp_path, annex=["L1", "H3"], pdf=False, n_boot=100,
        replies=replies,
    )  # fmt: skip
    html = b.html.read_text("utf-8")
    assert html.count("The country's own statement (right of reply)") == 1
    assert EN in html and AR in html and '<blockquote lang="ar" dir="rtl"><b>On tier:</b>' in html
    assert "FICTITIOUS" not in html.split("right of reply", 1)[1][:400]
    profiles = json.loads((tmp_path / "data" / "profiles.json").read_text("utf-8"))
    by_iso = {p["iso3"]: p for p in profiles}
    assert [r["text"] for r in by_iso["L1"]["country_reply"]] == [EN, AR]
    assert by_iso["H3"]["country_reply"] == []
