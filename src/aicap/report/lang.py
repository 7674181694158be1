"""The briefing's and the profiles' language: the Jinja2 environment of one language (gettext
from the ``report`` and ``messages`` catalogues, numbers and dates formatted for the locale)
and the right-to-left finishing of Arabic pages.

In Arabic, numbers, ranges, units and Latin-script codes are written left to right inside
right-to-left text; without isolation the bidirectional algorithm moves a leading minus sign
or a range's dash to the wrong end (``-1.7`` shown as ``1.7-``). :func:`isolate_ltr` wraps
every such run of a page's text in the Unicode isolates LRI ... PDI, which WeasyPrint (through
Pango and FriBidi) and browsers honour; tags, attributes, styles and SVG are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from aicap.analysis.localise import LANG_NAMES, LRI, PDI, Localiser, isolate_ltr

__all__ = ["LRI", "PDI", "environment", "finish", "first_sentence", "isolate_ltr"]


def finish(html: str, loc: Localiser) -> str:
    """The rendered page, isolated for a right-to-left language."""
    return isolate_ltr(html) if loc.rtl else html


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)”\"’][.;!?])\s+(?=[A-Z“\"(])")


def first_sentence(text: str, limit: int = 150) -> str:
    """The first sentence of a quotation (a whole sentence, never cut mid-word): empty when
    even that is longer than ``limit`` characters (the citation then stands alone)."""
    t = " ".join(str(text or "").split())
    if not t:
        return ""
    parts = _SENTENCE_END.split(t, maxsplit=1)
    first = parts[0]
    if len(parts) == 1 and not first.endswith((".", "!", "?", ";")):
        return ""  # an excerpt cut by the library: no sentence boundary to stop at
    return first.rstrip(";") if len(first) <= limit else ""


def _bad(v: Any) -> bool:
    if v is None:
        return True
    try:
        f = float(v)
    except (TypeError, ValueError):
        return False
    return f != f


def environment(loc: Localiser) -> Environment:
    """The report templates' environment in ``loc``'s language."""
    env = Environment(
        loader=PackageLoader("aicap.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        loc.gettext, loc.ngettext, newstyle=True
    )

    def num(v: Any, nd: int = 1) -> str:
        if _bad(v):
            return loc.gettext("n/a")
        if isinstance(v, str):
            return v
        f = float(v)
        if abs(f) >= 1000:
            return loc.num(f, 0)
        if abs(f) < 1 and f != 0 and nd < 2:
            return loc.num(f, 2)
        return loc.num(f, nd)

    def signed(v: Any, nd: int = 1) -> str:
        return loc.gettext("n/a") if _bad(v) else loc.num(float(v), nd, sign=True)

    def pct(v: Any, nd: int = 0) -> str:
        return loc.gettext("n/a") if _bad(v) else loc.num(float(v), nd) + "\u00a0%"

    env.filters["first_sentence"] = first_sentence
    env.filters["capitalize_first"] = lambda v: str(v)[:1].upper() + str(v)[1:]
    env.filters["num"] = num
    env.filters["signed"] = signed
    env.filters["pct"] = pct
    env.filters["gen"] = loc.sentence
    env.filters["label"] = loc.label
    env.globals.update(
        lang=loc.lang,
        dir="rtl" if loc.rtl else "ltr",
        lang_name=LANG_NAMES[loc.lang],
        loc=loc,
        colon=loc.colon,
        semi=loc.join(["", ""], "; "),
    )
    return env
