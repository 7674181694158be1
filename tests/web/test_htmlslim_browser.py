"""The export's HTML without its optional end tags (:mod:`aicap.web.htmlslim`) builds the same
document in Chromium as the page as rendered: every element with its attributes and parent,
and every piece of text, in order (profile, ranking, comparison and Monitor pages, English
and Arabic), and the bytes it removes stay removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, chromium
from web_helpers import site_for

from aicap.web import htmlslim
from aicap.web.export_pages import compare_page
from aicap.web.pages import page_data, render_page
from aicap.web.render import Renderer

pytestmark = MARKS

#: each element (tag, attributes, parent's tag) and each non-blank text, in document order
SIGNATURE = """() => {
  const out = [];
  const w = document.createTreeWalker(document.documentElement,
                                      NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  let n;
  while ((n = w.nextNode())) {
    if (n.nodeType === 1) {
      const attrs = Array.from(n.attributes, a => a.name + '=' + a.value).join(' ');
      out.push('<' + n.tagName + ' ' + attrs + ' in ' + (n.parentElement || {}).tagName);
    } else if (n.data.trim()) {
      out.push('#' + n.data.trim());
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("country", {"iso3": "KEN"}),
        ("ranking", {"filters": {"region": "Africa"}}),
        ("compare", {}),
        ("monitor_governance", {}),
    ],
)
def test_slim_html_builds_the_same_document(
    browser: Any, full_warehouse: Path, name: str, kw: dict[str, Any], lang: str
) -> None:
    site = site_for(full_warehouse)
    page = compare_page(site) if name == "compare" else page_data(site, name, **kw)
    link_kw = kw.get("filters", kw)
    html = render_page(
        Renderer(site, static=True), page, lang, current="x/page.html", lang_kw=link_kw
    )
    small = htmlslim.slim(html)
    assert len(small) < 0.97 * len(html), (name, len(small), len(html))
    assert "</td>" not in small and "</li><li" not in small
    ctx = browser.new_context(java_script_enabled=False)
    tab = ctx.new_page()
    tab.set_content(html)
    expected = tab.evaluate(SIGNATURE)
    tab.set_content(small)
    got = tab.evaluate(SIGNATURE)
    ctx.close()
    assert len(expected) > 500
    assert got == expected
