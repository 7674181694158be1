"""Every annex profile on one A4 page: each profile comes in versions, from the fullest to
the most compact, and each is laid out in the first version that fits.

A profile's versions (:func:`versions`) are, for each number of recommendations it may show
(the most first), the page as written and then the same page with tighter spacing
(``fit-tight``: line height, margins and cell padding; no text is dropped and no type is made
smaller than 8.5 pt) and with wider text columns (``fit-wide``: the figure narrower). A
version with fewer recommendations comes only after every spacing of the one before it, and
its heading says how many of how many it shows ("first 1 of 7"); all are in the briefing's
HTML and ``data/profiles.json``.

:func:`layout` lays out a chunk of profiles (each on pages of its own) in their first
versions and reads, from the anchors WeasyPrint records per page, how many pages each took;
a profile that ran over is laid out alone in its next versions until one fits, and the chunk
is laid out again with the versions found. The result is deterministic: the same versions
give the same pages, whichever chunk a profile falls in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: Spacing classes tried, in order, before a recommendation is dropped (style.css.j2).
SPACINGS = ("", "fit-tight", "fit-tight fit-wide", "fit-tight fit-wide fit-brief")
#: The id each profile's section carries while its pages are counted.
ANCHOR = "aicap-fit-"
_SECTION = re.compile(r'<section class="profile"')
#: An empty page ahead of re-laid profiles (as in :mod:`aicap.report.pdf`'s chunks: a profile
#: then starts after a page break, as in the whole document).
PLACEHOLDER = '<section class="profile"></section>'


def with_spacing(section: str, spacing: str) -> str:
    """``section`` (``<section class="profile" ...``) with the spacing classes added."""
    if not spacing:
        return section
    return _SECTION.sub(f'<section class="profile {spacing}"', section, count=1)


def versions(by_recs: Sequence[str]) -> list[str]:
    """A profile's versions, fullest first, from its HTML with each number of
    recommendations (most first); a number that gives the same HTML as the one before (a
    country with fewer recommendations) adds nothing."""
    out: list[str] = []
    previous = None
    for section in by_recs:
        if section == previous:
            continue
        previous = section
        out += [with_spacing(section, s) for s in SPACINGS]
    return out


def _tagged(section: str, i: int) -> str:
    return section.replace("<section ", f'<section id="{ANCHOR}{i}" ', 1)


def _starts(doc: Any) -> dict[int, int]:
    """The page (index in ``doc``) each tagged profile begins on."""
    starts: dict[int, int] = {}
    for number, page in enumerate(doc.pages):
        for name in page.anchors:
            if name.startswith(ANCHOR):
                starts.setdefault(int(name[len(ANCHOR) :]), number)
    return starts


def profile_pages(doc: Any, n: int) -> list[int]:
    """Pages each of ``n`` tagged profiles takes in the laid-out ``doc`` (a profile runs
    to the next one's first page, the last to the end); 0 for a profile whose anchor is
    missing."""
    starts = _starts(doc)
    out = []
    for i in range(n):
        if i not in starts:
            out.append(0)
            continue
        after = [s for j, s in starts.items() if j > i]
        out.append((min(after) if after else len(doc.pages)) - starts[i])
    return out


def layout(
    head: str,
    profiles: Sequence[Sequence[str]],
    tail: str,
    base_url: str | None,
    before: str = "",
    first_number: int = 1,
) -> tuple[Any, list[int], list[int]]:
    """Lay out ``head + before + profiles + tail``, each profile (its versions, fullest
    first) in the first version that fits one page. Returns the WeasyPrint document, the
    version chosen per profile and the pages each took (more than 1 where even the last
    version ran over). ``before``: what comes ahead of the profiles (the document's main
    part, or a chunk's placeholder page); ``first_number``: the number the document's first
    page carries (its page counter).

    Where a profile ran over, the profiles before it keep their pages (one page each, rightly
    numbered); those from it on are laid out again after a placeholder page, numbered on from
    there, and the pages are put together (WeasyPrint's ``Document.copy``: one font
    configuration for every piece)."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    fonts = FontConfiguration()

    def render(html: str) -> Any:
        return HTML(string=html, base_url=base_url).render(font_config=fonts)

    def body(levels: Sequence[int], start: int) -> str:
        pairs = list(enumerate(zip(profiles, levels, strict=True)))[start:]
        return "".join(_tagged(v[lv], i) for i, (v, lv) in pairs)

    levels = [0] * len(profiles)
    doc = render(head + before + body(levels, 0) + tail)
    pages = profile_pages(doc, len(profiles))
    over = [i for i, p in enumerate(pages) if p > 1]
    if not over or 0 in pages:
        return doc, levels, pages
    for i in over:  # each alone, in its next versions, until one fits
        for lv in range(1, len(profiles[i])):
            levels[i] = lv
            if len(render(head + _tagged(profiles[i][lv], 0) + tail).pages) == 1:
                break
    if over[0] == 0:  # nothing to keep: all again, as before
        doc = render(head + before + body(levels, 0) + tail)
        return doc, levels, profile_pages(doc, len(profiles))
    first = _starts(doc)[over[0]]  # the page the first profile that ran over began on
    # a placeholder page numbered as the page before it, then the profiles from there
    reset = f"<style>@page :first {{ counter-reset: page {first_number + first - 1}; }}</style>"
    top = head.replace("</head>", reset + "</head>", 1)
    again = render(top + PLACEHOLDER + body(levels, over[0]) + tail)
    joined = doc.copy(doc.pages[:first] + again.pages[1:])
    return joined, levels, profile_pages(joined, len(profiles))
