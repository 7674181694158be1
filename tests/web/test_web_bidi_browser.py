"""Numeric ranges as Chromium draws them on Arabic pages (issue 19, item 3): in a right-to-left
paragraph the bidi algorithm shows a bare "122–129" as "129–122" (the en dash between two
numbers takes the paragraph's direction), so every range (rank and score bands, years, costs)
must be isolated left to right. ``test_web_bidi`` checks the markup; this checks what is drawn:
the first number of each range must stand to the left of the last. Screenshots go to
``$AICAP_SCREENSHOTS`` (look at them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, app_url, chromium_browser, shot_dir  # noqa: F401 (fixtures)

pytestmark = MARKS

#: every numeric range of the page's visible text: its text, whether its first character is
#: drawn left of its last (None when the two are on different lines), and some context
RANGES_JS = r"""
() => {
  const out = [];
  const re = /(?<![\d.,])-?\d[\d.,]*\s?[–-]\s?-?\d[\d.,]*/g;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest("script,style,code,svg,details:not([open])")) continue;
    if (!el.getClientRects().length) continue;
    re.lastIndex = 0;
    let m;
    while ((m = re.exec(n.data))) {
      const r = document.createRange();
      const box = (i) => {
        r.setStart(n, i);
        r.setEnd(n, i + 1);
        return r.getBoundingClientRect();
      };
      const a = box(m.index), b = box(m.index + m[0].length - 1);
      if (!a.width || !b.width) continue;
      const sameLine = Math.abs(a.top - b.top) < 4;
      out.push({text: m[0], inOrder: sameLine ? a.left < b.left : null,
                context: n.data.slice(Math.max(0, m.index - 25), m.index + m[0].length + 25)});
    }
  }
  return out;
}
"""


def _ranges(page: Any) -> list[dict[str, Any]]:
    return [r for r in page.evaluate(RANGES_JS) if r["inOrder"] is not None]


def test_the_check_sees_a_bare_range_reversed(browser: Any) -> None:
    """The measurement can fail: a bare range in right-to-left text is drawn reversed, the same
    range isolated (``<bdi dir="ltr">``, or LRI ... PDI as ``isolate_ltr`` writes) in order."""
    page = browser.new_page()
    page.set_content(
        '<html dir="rtl" lang="ar"><body><p id="a">نطاق المرتبة: 122–129</p>'
        '<p id="b">نطاق المرتبة: <bdi dir="ltr">122–129</bdi></p>'
        '<p id="c">نطاق المرتبة: \u2066122–129\u2069</p></body></html>'
    )
    got = [r["inOrder"] for r in _ranges(page)]
    assert got == [False, True, True]
    page.close()


@pytest.mark.parametrize(
    "path", ["/ar/country/KEN", "/ar/ranking", "/ar/compare?c=KEN,VNM,PHL", "/ar/divide"]
)
def test_ranges_are_drawn_low_to_high(browser: Any, base_url: str, shots: Path, path: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + path, timeout=180_000)  # the first builds the site
    assert page.locator("html").get_attribute("dir") == "rtl"
    found = _ranges(page)
    assert found, "no numeric range on the page"
    reversed_ = [(r["text"], r["context"]) for r in found if not r["inOrder"]]
    assert reversed_ == []
    if path == "/ar/country/KEN":
        band = page.locator("p", has_text="نطاق المرتبة").first
        assert re.search(r"\d+–\d+", band.inner_text())
        band.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "bidi_ar_KEN_rank_band.png"))
    page.close()
