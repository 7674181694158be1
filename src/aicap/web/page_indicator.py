"""The single indicator page's framework text in the page's language (issue 19, item 5).

An indicator's concept, goalposts basis and note, rationale and caveats are written in English
in the framework file (``frameworks/aicap.yaml``); each is a msgid of the gettext domain
``report``, the notes that hold a number the locale writes differently (``43.0``, ``1,000``,
``-2.5``) as wordings with placeholders, so Babel formats the number. Publisher and data-set
names, codes (``zero:not_listed``, SDG targets) and quotations of A/79/966 stay as written; a
text without a translation stays English, marked ``lang="en"`` and recorded as unmatched
(:func:`aicap.web.page_method.prose`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aicap.web.page_method import _paren, prose

if TYPE_CHECKING:
    from aicap.web.page_lang import _Page

#: the framework's texts of one indicator that the page shows
TEXTS = ("concept", "rationale", "caveats")


def indicator(p: _Page, d: dict[str, Any]) -> None:
    """The indicator page's name, unit and framework text."""
    d["name"] = p.text(d.get("name"))
    d["unit"] = p.text(d.get("unit"))
    d["route"] = p.record(d.get("route"))  # how the snapshot obtained the file: a record
    for key in TEXTS:
        d[key] = prose(p, d.get(key))
    basis = d["goalposts_basis"] = p.text(d.get("goalposts_basis"))
    note = d["goalposts_note"] = p.sentence(d.get("goalposts_note"))
    text = p.loc.colon.join(str(x) for x in (basis, note) if x)
    d["goalposts_text"] = _paren(p.loc.lang, text).lstrip() if text else ""
    if basis in p.english or note in p.english:  # shown whole, so marked whole
        p.english.add(d["goalposts_text"])
