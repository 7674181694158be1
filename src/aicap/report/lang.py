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
from html import unescape
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from aicap.analysis.localise import LANG_NAMES, LRI, PDI, Localiser, fill, isolate_ltr
from aicap.report.svg_labels import fit_text, overlay_all

_LATIN = re.compile(r"[A-Za-z]{2}")


class Note(str):
    """An English sentence written from a catalogue wording (``msgid``, with ``{name}``
    placeholders), which renders itself in any language. Its values: numbers (formatted for
    the locale), other notes (rendered in turn), lists of those (joined in the locale's way
    with ``"; "``), generated English phrases (the keys in ``gen``, translated with
    :meth:`Localiser.sentence`), and anything else as data, cited as published (publishers,
    titles, snapshots, codes). The English text is the str itself."""

    msgid: str
    params: dict[str, Any]
    gen: frozenset[str]

    def __new__(cls, msgid: str, gen: frozenset[str] = frozenset(), /, **params: Any) -> Note:
        self = super().__new__(cls, fill(msgid, {k: _english(v) for k, v in params.items()}))
        self.msgid, self.params, self.gen = msgid, dict(params), frozenset(gen)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_note, (self.msgid, self.gen, self.params))

    def render(self, loc: Localiser) -> Markup:
        """The note in ``loc``'s language (HTML: its values escaped)."""
        vals = {k: _local(v, loc, k in self.gen) for k, v in self.params.items()}
        if not loc.known(self.msgid):
            loc.label(self.msgid)  # kept in English and recorded (Localiser.unmatched)
        return Markup(fill(str(escape(loc.gettext(self.msgid))), vals))


class English(str):
    """Text written in English (a framework's documentation note): shown in the document's
    language where the catalogue translates it whole or every one of its sentences
    (:func:`translated`), otherwise as it is, marked ``lang="en"``."""


_SENTENCES = re.compile(r"(?<=[.;!?])\s+(?=[A-Z])")


def translated(text: str, loc: Localiser) -> str | None:
    """``text`` in ``loc``'s language: its whole translation, or the translations of all its
    sentences; None where one has no entry (the text then stays in English)."""
    flat = " ".join(str(text).split())
    if loc.lang == "en":
        return flat
    whole = loc.lookup(flat)
    if whole is not None:
        return whole
    parts = [loc.lookup(x) for x in _SENTENCES.split(flat)]
    if any(x is None for x in parts):
        return None
    return ("" if loc.lang == "zh" else " ").join(x for x in parts if x is not None)


class Sentences(str):
    """Notes written one after the other (each its own catalogue wording)."""

    parts: tuple[Note, ...]

    def __new__(cls, *parts: Note) -> Sentences:
        self = super().__new__(cls, " ".join(parts))
        self.parts = parts
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Sentences, self.parts)

    def render(self, loc: Localiser) -> Markup:
        return Markup("" if loc.lang == "zh" else " ").join(p.render(loc) for p in self.parts)


def _english(v: Any) -> str:
    if isinstance(v, list):
        return "; ".join(_english(x) for x in v)
    if isinstance(v, float):
        return "n/a" if v != v else f"{v:.1f}"
    return str(v)


def _local(v: Any, loc: Localiser, gen: bool) -> Markup:
    if isinstance(v, (Note, Sentences)):
        return v.render(loc)
    if isinstance(v, English):
        done = translated(v, loc)
        if done is not None:
            return escape(done)
        return Markup('<span lang="en">{}</span>').format(v)
    if isinstance(v, list):
        return Markup(loc.join([str(_local(x, loc, gen)) for x in v], "; "))
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if gen:
            return escape(loc.sentence(str(v)))
        if loc.lang != "en" and _LATIN.search(str(v)):  # data cited as published
            return Markup('<span lang="en">{}</span>').format(v)
        return escape(str(v))
    return escape(loc.num(v, 1 if isinstance(v, float) else 0))


def _note(msgid: str, gen: frozenset[str], params: dict[str, Any]) -> Note:
    return Note(msgid, gen, **params)


__all__ = ["LRI", "PDI", "environment", "finish", "first_sentence", "isolate_ltr"]


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def localise_svg(html: str, loc: Localiser) -> str:
    """The words of the SVG charts in ``html`` (titles, axes, legends, labels) in ``loc``'s
    language; numbers and ISO codes as drawn. In a right-to-left language the words are laid
    over the drawing as HTML text (:func:`aicap.report.svg_labels.overlay_all`): WeasyPrint
    neither shapes nor reorders SVG text."""
    if loc.lang == "en":
        return html
    if loc.rtl:
        return overlay_all(html, lambda w: w if _ISO3.match(w) else loc.text(w))

    def text(m: re.Match[str]) -> str:
        raw = unescape(m.group(2))
        word = raw.strip()
        if not re.search(r"[A-Za-z]{2}", word) or _ISO3.match(word):
            return m.group(0)
        return fit_text(m.group(1), loc.text(word))

    return _SVG.sub(lambda s: _SVG_TEXT.sub(text, s.group(0)), html)


def finish(html: str, loc: Localiser) -> str:
    """The rendered page, isolated for a right-to-left language."""
    return isolate_ltr(html) if loc.rtl else html


#: The mandate library's words inside citations (the symbols themselves are not translated).
_CITATION_NOTES = ("paragraph number not known", "tier 0 to 1 pathway", "annex I", "para.")
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

    def pct(v: Any, nd: int = 0) -> str:  # a share already in percent
        return loc.gettext("n/a") if _bad(v) else loc.num(float(v), nd) + "\u00a0%"

    def note(text: Any) -> Markup:
        if isinstance(text, (Note, Sentences)):
            return text.render(loc)
        return escape(loc.sentence(str(text)))

    def code(text: str) -> Markup:
        return Markup(f"<code>{escape(text)}</code>")

    def en(text: str) -> Markup:
        """A quotation kept in English (the official texts exist in the six languages)."""
        return Markup(f'<span lang="en" class="en">{escape(text)}</span>')

    def sup(ref: Any) -> Markup:
        return Markup(f'<sup class="ref">{escape(str(ref))}</sup>')

    def citation(text: str) -> str:
        """A mandate's citation: the symbol as written, the library's notes translated."""
        out = str(text)
        for eng in _CITATION_NOTES:
            if eng in out:
                out = out.replace(eng, loc.gettext(eng))
        return out

    env.filters["citation"] = citation
    env.filters["notes"] = lambda items, sep=", ": Markup(loc.join([note(x) for x in items], sep))
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
        note=note,
        code=code,
        sup=sup,
        en=en,
        colon=loc.colon,
        semi=loc.join(["", ""], "; "),
        # between an interval's two ends: never a comma where the comma is the decimal mark
        isep=loc.join(["", ""], "; ") if loc.num(0.5) == "0,5" else ", ",
    )
    return env
