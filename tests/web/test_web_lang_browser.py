"""The Kenyan profile in Arabic and Chinese in real headless Chromium (issue 19, item 5): the
generated text (the summary, the top recommendations, the tier evidence) is drawn in the
page's script, Arabic right to left with its numbers isolated. Screenshots go to
``$AICAP_SCREENSHOTS`` (look at them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, app_url, chromium_browser, shot_dir  # noqa: F401 (fixtures)

pytestmark = MARKS

SCRIPT = {"ar": re.compile(r"[\u0600-\u06ff]"), "zh": re.compile(r"[\u4e00-\u9fff]")}


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_the_kenyan_profile_reads_in_its_language(
    browser: Any, base_url: str, shots: Path, lang: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/{lang}/country/KEN", timeout=180_000)  # the first builds the site
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("h1").inner_text().strip() in ("كينيا", "肯尼亚")
    things = page.locator("#things li").all_inner_texts()
    recs = page.locator("#top-recs li").all_inner_texts()
    assert len(things) == 3 and len(recs) == 3
    for text in [*things, *recs]:
        assert SCRIPT[lang].search(text), text
        assert not re.search(r"\b(the|of|and|against|points)\b", text), text
    page.screenshot(path=str(shots / f"lang_{lang}_KEN_summary.png"))
    tier = page.locator("#tier")
    tier.scroll_into_view_if_needed()
    evidence = page.locator("#t-tier-conditions tbody tr").first.inner_text()
    assert SCRIPT[lang].search(evidence), evidence
    page.screenshot(path=str(shots / f"lang_{lang}_KEN_tier.png"))
    if lang == "ar":
        # a negative gap: the minus sign is drawn before the digits (to their left), not after
        claim = page.locator("#claims + p + ul li", has_text="-1.7").first
        box = claim.evaluate(
            """e => { const t = e.textContent; const i = t.indexOf('-1.7');
                 const r = document.createRange(); const n = e.firstChild;
                 r.setStart(n, i); r.setEnd(n, i + 1); const m = r.getBoundingClientRect();
                 r.setStart(n, i + 1); r.setEnd(n, i + 2); const d = r.getBoundingClientRect();
                 return [m.left, d.left]; }"""
        )
        assert box[0] < box[1], box
        claim.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "lang_ar_KEN_claims.png"))
    page.close()
