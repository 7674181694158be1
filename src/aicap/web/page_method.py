"""The methodology page's prose and the divide page's constant-composition note in the page's
language (issue 19, item 5).

The framework file (``frameworks/aicap.yaml``) holds the index's method in English: rationales,
tier rules, condition reasons and coverage notes, excluded sources, method-break notes. Each of
its sentences is a msgid of the gettext domain ``report`` (the same catalogue as the generated
sentences, :mod:`aicap.analysis.localise`); a sentence whose numbers the locale writes
differently (``3,000 km``, ``1.96 times``) is a wording with placeholders, so Babel formats them.
A text is translated sentence by sentence; if one of its sentences has no entry the whole text
stays English, marked ``lang="en"``, and the sentence is recorded as unmatched (the tests fail
on it). Quotations of UN texts inside the prose stay English (the template shows them with
:func:`aicap.web.page_lang.quoted`).

The divide's note is rebuilt from the composition's record (window, indicators held, indicators
left out and why, why the window starts where it does) with translated wordings and numbers in
the locale's form, instead of being read back from the English sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aicap.analysis.localise import fill

if TYPE_CHECKING:
    from aicap.web.page_lang import _Page

#: sentence boundaries of the framework's prose (a full stop before a capital, a quotation
#: mark or a parenthesis)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
_BREAK = re.compile(r"^(\w+): method break in (\d{4})(?:: (.*))?$", re.S)

HEAD = (
    "constant composition {start}-{end}: each country's scores use only the indicators it has "
    "in every year of the window (median {held} of {n} usable)"
)
LEFT_OUT = "left out for every country"
STARTS = (
    "the comparison starts in {start}: over {first}-{end} fewer than {pct}% of the countries "
    "keep a comparable score"
)
_STARTS = re.compile(
    r"^the comparison starts in (\d{4}): over (\d{4})-(\d{4}) fewer than (\d+)% of the "
    r"countries keep a comparable score$"
)
BREAK = "method break in {year}"
#: a distance in the nearest hosts' record ("ZAF (3,552 km); KEN (1,204 km)")
_KM = re.compile(r" ?\((\d[\d,]*) km\)")


def prose(p: _Page, text: Any) -> Any:
    """``text`` (framework prose, one or more sentences) in the page's language, or English
    (marked, its missing sentences recorded) when a sentence has no entry."""
    if not isinstance(text, str) or not text or p.loc.lang == "en":
        return text
    loc = p.loc
    whole = loc.lookup(" ".join(text.split()))  # a text translated whole ("e.g. China")
    if whole is not None:
        return whole
    before = set(loc._missing)
    out = [loc.sentence(s) for s in _SENTENCE.split(" ".join(text.split()))]
    if loc._missing - before:
        p.english.add(text)
        return text
    return ("" if loc.lang == "zh" else " ").join(out)


def wording(p: _Page, msgid: str, **values: str) -> str:
    """The translation of ``msgid`` filled with ``values`` (already localised); a wording with
    no translation is recorded and written in English."""
    loc = p.loc
    got = msgid if loc.lang == "en" else loc.lookup(msgid)
    if got is None:
        loc._missing.add(msgid)
        got = msgid
    return fill(got, values)


def _paren(lang: str, text: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _why(p: _Page, why: str) -> str:
    """Why an indicator is left out: not available, or a method break with its note."""
    m = _BREAK.match(why) or re.match(r"^()method break in (\d{4})(?:: (.*))?$", why, re.S)
    if m is None:
        return str(p.sentence(why))
    _, year, note = m.groups()
    head = wording(p, BREAK, year=year)
    return head + (p.loc.colon + str(prose(p, note)) if note else "")


def _note(p: _Page, note: str) -> str:
    """Why the window starts where it does: the shortened window, then each method break."""
    loc = p.loc
    first, *rest = note.split("; ")
    m = _STARTS.match(first)
    if m is None:
        head = str(p.sentence(first))
    else:
        start, since, end, pct = m.groups()
        head = wording(p, STARTS, start=start, first=since, end=end, pct=loc.num(pct, 0))
    parts = [head]
    for item in rest:
        b = _BREAK.match(item)
        parts.append(
            f"{b.group(1)}{loc.colon}{_why(p, item[len(b.group(1)) + 2 :])}" if b else item
        )
    return loc.join(parts, "; ")


def composition(p: _Page, comp: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    """The divide's constant-composition note in the page's language, from the composition's
    record (:meth:`aicap.analysis.trend.Composition.as_dict`); None without one."""
    if not isinstance(comp, Mapping) or comp.get("start") is None:
        return None
    loc = p.loc
    eligible = list(comp.get("eligible") or [])
    excluded: dict[str, str] = dict(comp.get("excluded") or {})
    n = len(eligible) - sum(1 for c in excluded if c in eligible)
    text = wording(
        p,
        HEAD,
        start=str(comp["start"]),
        end=str(comp["end"]),
        held=loc.num(comp.get("median_held"), 0),
        n=loc.num(n, 0),
    )
    if excluded:
        items = [
            f"{p.text(names.get(c, c))}{_paren(loc.lang, _why(p, why))}"
            for c, why in excluded.items()
        ]
        text += loc.join(["", ""], "; ") + wording(p, LEFT_OUT) + loc.colon + loc.join(items, "; ")
    if comp.get("note"):
        text += _paren(loc.lang, _note(p, str(comp["note"])))
    return text


def methodology(p: _Page, d: dict[str, Any]) -> None:
    """The methodology page's framework prose, condition names and units."""
    d["description"] = prose(p, d.get("description"))
    for key in ("window", "series"):
        if isinstance(d.get(key), dict):
            d[key]["rationale"] = prose(p, d[key].get("rationale"))
    p.each(d.get("groups"), lambda v: prose(p, v), "rationale")
    for pillar in d.get("pillars") or []:
        pillar["rationale"] = prose(p, pillar.get("rationale"))
        pillar["a79966"] = p.text(pillar.get("a79966"))
        p.each(pillar.get("indicators"), p.text, "name", "unit")
    t = d.get("tiers") or {}
    for key in ("rule", "source_note"):
        t[key] = prose(p, t.get(key))
    p.each(t.get("tiers"), lambda v: prose(p, v), "description")
    p.each(t.get("conditions"), p.text, "name")
    p.each(t.get("conditions"), lambda v: prose(p, v), "reason", "coverage")
    ex = d.get("excluded_sources")
    if isinstance(ex, dict):
        d["excluded_sources"] = {k: prose(p, v) for k, v in ex.items()}
    p.each(d.get("sources"), p.record, "route")
    d["origin"] = p.record(d.get("origin"))
    d["notes"] = [p.record(x) for x in d.get("notes") or []]


def distances(p: _Page, text: Any) -> Any:
    """The nearest hosts of a resource (``"ZAF (3,552 km); KEN (1,204 km)"``, codes kept)
    with the distances in the locale's form."""
    if not isinstance(text, str) or not text or p.loc.lang == "en":
        return text
    lang, num = p.loc.lang, p.loc.num

    def km(m: re.Match[str]) -> str:
        return _paren(lang, f"{num(m.group(1).replace(',', ''), 0)} km")

    return p.loc.join((_KM.sub(km, x) for x in text.split("; ")), "; ")


def nearest(p: _Page, row: Any) -> None:
    """A row's ``nearest_<resource>`` records with their distances in the locale's form."""
    if isinstance(row, dict):
        for k in row:
            if k.startswith("nearest_") and not k.endswith("_scope"):
                row[k] = distances(p, row[k])


def monitor(p: _Page, name: str, d: dict[str, Any]) -> None:
    """The Monitor pages' generated notes: coverage of the capacity views, the Lorenz curve's
    quantity, the definition of "developing", the incident attribution methods. Actors,
    incident titles and the competition authorities' thresholds are records, kept as written."""
    if name == "monitor_concentration":
        p.each(d.get("markets"), p.sentence, "note")
        for rows in (d.get("top_compute") or {}).values():
            for r in rows or []:
                if isinstance(r, dict) and r.get("actor") == "(unattributed)":
                    r["actor"] = p.text(r["actor"])  # a generated label, not an actor's name
        lz = d.get("lorenz")
        if isinstance(lz, dict):
            lz["quantity"] = p.text(lz.get("quantity"))
    elif name == "monitor_access":
        for row in d.get("countries") or []:
            nearest(p, row)
        a = d.get("summary")
        if isinstance(a, dict):
            a["developing_definition"] = p.text(a.get("developing_definition"))
    elif name == "monitor_incidents":
        at = d.get("attribution")
        if isinstance(at, dict) and isinstance(at.get("by_method"), dict):
            at["by_method"] = {p.text(k): v for k, v in at["by_method"].items()}
        for e in d.get("recent_cases") or []:
            if isinstance(e, dict):
                e["methods"] = [p.text(m) for m in e.get("methods") or []]
