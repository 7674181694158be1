"""The generated text of the web pages in the page's language.

A page's data (its JSON twin, :mod:`aicap.web.views`) is the English record; the HTML page in
French, Spanish, Russian, Chinese or Arabic renders a localised copy made here: every generated
sentence (findings, claims, recommendation titles and reasons, tier evidence, condition names
and details, peer-group names, units and indicator names) goes through
:class:`aicap.analysis.localise.Localiser`, which reads the English sentence back into its
catalogue wording (gettext domain ``report``) and fills the translated wording with localised
values (numbers with the locale's separators, country names in the UN's short form without
UNTERM's article). A sentence no wording reads stays English; the page marks it ``lang="en"``
(:func:`english_marker`) and :func:`unmatched` lists it (the tests fail on it).

Arabic pages get their left-to-right runs (numbers with their sign, ranges, units, Latin-script
codes) isolated with LRI ... PDI (:func:`aicap.analysis.localise.isolate_ltr`), as the
briefing's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from aicap.analysis.localise import Localiser, isolate_ltr, prose_name
from aicap.analysis.localise_profile import make_localiser
from aicap.web import page_indicator, page_method
from aicap.web.data import SiteData

#: The key of the set of strings a localised page kept in English (never in a JSON twin).
ENGLISH = "_english"


def display_name(names: Mapping[str, str], lang: str) -> str:
    """A Member State's name as the pages show it: the UN short name in ``lang`` (English
    where none) without the article UNTERM appends (``"Kenya (le)"`` -> ``"Kenya"``)."""
    return prose_name(str(names.get(lang) or names.get("en") or ""))


def localiser_for(site: SiteData, lang: str) -> Localiser:
    """The site's localiser for ``lang`` (one per language, kept in the site's cache: its
    per-sentence results are reused by every page)."""
    key = f"localiser:{lang}"
    got = site.cache.get(key)
    if isinstance(got, Localiser):
        return got
    rows = [
        {
            "iso3": iso,
            "name": c.names.get("en"),
            "name_en": c.names.get("en"),
            f"name_{lang}": c.names.get(lang),
        }
        for iso, c in site.countries.items()
    ]
    loc = make_localiser(rows, lang)
    site.cache[key] = loc
    return loc


class _Page:
    """Localises one page's copy, recording what stayed English."""

    def __init__(self, loc: Localiser) -> None:
        self.loc = loc
        self.english: set[str] = set()
        #: indicator code -> English name (the divide's note names the indicators left out)
        self.indicator_names: dict[str, str] = {}

    def _keep(self, old: str, new: str) -> str:
        if self.loc.lang != "en" and new == old and any(ch.isalpha() for ch in old):
            self.english.add(new)
        return new

    def sentence(self, v: Any) -> Any:
        if not isinstance(v, str) or not v:
            return v
        before = set(self.loc.unmatched())
        got = self.loc.sentence(v)
        if set(self.loc.unmatched()) - before or got == v:
            return self._keep(v, got)
        return got

    def record(self, v: Any) -> Any:
        """Evidence that quotes records (document titles, cloud-region and file names,
        source citations): its generated wording is translated, the names it quotes stay as
        written (they are not sentences aicap writes, so not recorded as unmatched)."""
        if not isinstance(v, str) or not v:
            return v
        before = set(self.loc._missing)
        got = self.loc.sentence(v)
        if set(self.loc._missing) - before and "; " in v:  # clause by clause, names kept
            got = self.loc.join((self.loc.sentence(x) for x in v.split("; ")), "; ")
        self.loc._missing.intersection_update(before)
        return self._keep(v, got)

    def role(self, v: str) -> str:
        """A citation's role (``"mandated by"``): the template writes the colon after it."""
        got = self.text(v)
        return got.rstrip(" :：\u00a0") if isinstance(got, str) else got

    def text(self, v: Any) -> Any:
        """A label or a short generated phrase (condition names, units, source names)."""
        if not isinstance(v, str) or not v:
            return v
        if self.loc.lang != "en" and self.loc.lookup(v) is not None:
            return self.loc.text(v)  # translated, if written alike ("UNESCO", "score (0-100)")
        return self._keep(v, self.loc.text(v))

    def each(self, rows: Iterable[Any] | None, fn: Callable[[Any], Any], *keys: str) -> None:
        for r in rows or []:
            if isinstance(r, dict):
                for k in keys:
                    if k in r:
                        r[k] = fn(r[k])

    def claims(self, rows: Iterable[Any] | None) -> None:
        self.each(rows, self.sentence, "text")


def _country(p: _Page, d: dict[str, Any]) -> None:
    t = d.get("tier_detail") or {}
    t["evidence"] = p.sentence(t.get("evidence"))
    p.each(t.get("next_needs"), p.sentence, "needs")
    p.each(t.get("conditions"), p.text, "name")
    p.each(t.get("conditions"), p.record, "detail", "source")
    p.claims(d.get("claims"))
    p.each(d.get("breaks"), p.sentence, "text")
    dg = d.get("diagnosis") or {}
    p.each(dg.get("peers"), p.text, "label")
    for key in ("bottlenecks", "strengths"):
        p.each(dg.get(key), p.text, "name", "unit")
    p.each(dg.get("trends"), p.text, "name")
    recs = (d.get("recommendations") or {}).get("ranked") or []
    for r in recs:
        r["title"] = p.text(r.get("title"))
        r["area_name"] = p.text(r.get("area_name"))
        r["phase"] = p.text(r.get("phase"))
        r["reasons"] = [p.sentence(x) for x in r.get("reasons") or []]
        r["why_now"] = p.sentence(r.get("why_now"))
        p.each(r.get("gaps"), p.text, "name", "unit")
        nt = r.get("next_tier")
        if isinstance(nt, dict):
            nt["condition"] = p.text(nt.get("condition"))
        r["description"] = p.text(r.get("description"))  # catalogue text (report domain)
        for key in ("cost_band", "lead_time"):
            r[key] = p.text(r.get(key))
        for key in ("modality", "providers"):
            r[key] = [p.text(x) for x in r.get(key) or []]
        for m in r.get("mandates") or []:  # the role's word; the quotation stays English
            if isinstance(m, dict):
                m["role"] = p.role(m.get("role") or "mandated by")
    fin = d.get("financing")
    if isinstance(fin, dict):
        if isinstance(fin.get("cost"), dict):
            fin["cost"]["basis"] = p.text(fin["cost"].get("basis"))
        p.each(fin.get("instruments"), p.text, "title")
        p.each(fin.get("instruments"), p.sentence, "why")
        for f in fin.get("instruments") or []:  # "(FIN-02): ", "（FIN-02）："
            f["ref"] = page_method._paren(p.loc.lang, str(f.get("id"))).lstrip() + p.loc.colon
    gen = d.get("gender")
    if isinstance(gen, dict):
        p.each(gen.get("gaps"), p.text, "name", "unit")
        gen["not_held"] = p.sentence(gen.get("not_held"))
    p.each(d.get("data"), p.text, "name", "unit")
    page_method.nearest(p, (d.get("monitor") or {}).get("access"))  # "(3 552 km)"
    for r in d.get("data") or []:  # how the snapshot obtained the file: a record
        src = r.get("source") if isinstance(r, dict) else None
        if isinstance(src, dict) and src.get("route"):
            src["route"] = p.record(src["route"])


def _divide(p: _Page, d: dict[str, Any]) -> None:
    for v in (d.get("verdicts") or {}).values():
        if isinstance(v, dict):
            if v.get("error"):  # the verdict's text is shown only for an error
                v["text"] = p.sentence(v.get("text"))
            v["absolute"] = p.sentence(v.get("absolute"))
            p.claims(v.get("claims"))
    # the constant-composition note, rebuilt from its record in the page's language
    comp = d.get("composition")
    if p.loc.lang != "en" and isinstance(comp, dict) and d.get("composition_text"):
        got = page_method.composition(p, comp, p.indicator_names)
        d["composition_text"] = got if got is not None else d["composition_text"]
    age = d.get("data_age")
    if isinstance(age, dict):
        age["text"] = p.sentence(age.get("text"))
    p.each(d.get("breaks"), p.sentence, "text")
    p.claims(d.get("claims"))


def _indicators(p: _Page, d: dict[str, Any]) -> None:
    for pillar in d.get("pillars") or []:
        p.each(pillar.get("indicators"), p.text, "name")


LOCALISERS: dict[str, Callable[[_Page, dict[str, Any]], None]] = {
    "country": _country,
    "divide": _divide,
    "indicators": _indicators,
    "indicator": page_indicator.indicator,
    "methodology": page_method.methodology,
}


_ATOMS = (str, int, float, bool, type(None))


def _copy(x: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy`` for page data (dicts and lists of plain values), about three times
    faster; a container met twice is copied once (as ``deepcopy`` does: a localiser that
    changes it changes it everywhere), anything else is left to ``deepcopy``."""
    t = type(x)
    if t in _ATOMS:
        return x
    if t is dict or t is list:
        seen = memo.get(id(x))
        if seen is not None:
            return seen
        if t is dict:
            d: dict[Any, Any] = {}
            memo[id(x)] = d
            for k, v in x.items():
                d[k] = v if type(v) in _ATOMS else _copy(v, memo)
            return d
        lst: list[Any] = []
        memo[id(x)] = lst
        lst.extend(v if type(v) in _ATOMS else _copy(v, memo) for v in x)
        return lst
    return copy.deepcopy(x, memo)


def localise(site: SiteData, name: str, data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A copy of page ``name``'s data with its generated text in ``lang`` (English: its
    wording as written, country names in running text without UNTERM's article)."""
    out: dict[str, Any] = _copy(dict(data), {})
    p = _Page(localiser_for(site, lang))
    p.indicator_names = {str(i["code"]): str(i["name"]) for i in site.indicators}
    fn = LOCALISERS.get(name)
    if fn is not None:
        fn(p, out)
    if name.startswith("monitor"):
        p.claims(out.get("claims"))
        page_method.monitor(p, name, out)
    out[ENGLISH] = p.english
    return out


def english_marker(data: Mapping[str, Any]) -> Callable[[Any], Markup]:
    """``lang="en"`` for a text the localised page kept in English (a template writes
    ``<span{{ en(x) }}>``), nothing for a translated one."""
    kept = data.get(ENGLISH)
    english = kept if isinstance(kept, set) else None

    def en(text: Any) -> Markup:
        if english is None or (isinstance(text, str) and text in english):
            return Markup(' lang="en"')
        return Markup("")

    return en


def english_text(data: Mapping[str, Any]) -> Callable[[Any], Markup]:
    """A text as the page shows it: inside ``<span lang="en">`` where the localised page kept
    it in English, bare where it is translated (or the page is English): a bare ``<span>``
    around every catalogue phrase was 3 KB of each profile."""
    en = english_marker(data)

    def text(value: Any) -> Markup:
        body, mark = escape("" if value is None else value), en(value)
        return Markup(f"<span{mark}>{body}</span>") if mark else Markup(body)

    return text


_QUOTE = re.compile(r'"([^"<>]+)"')
_CODE = re.compile(r"`([^`<>]+)`")


def quoted(text: Any) -> Markup:
    """A catalogue text whose quotations of UN texts (between straight double quotes) are
    shown as quotations in English (``<q lang="en">``): the translations keep them as the
    library holds them, never translated as if official. Codes between backticks are shown as
    code, left to right."""
    if not isinstance(text, str):
        return Markup("")
    out = _QUOTE.sub(r'<q lang="en" class="inline">\1</q>', str(escape(text)).replace("&#34;", '"'))
    return Markup(_CODE.sub(r'<code dir="ltr">\1</code>', out))  # `carried:<year>`


def finish(html: str, lang: str) -> str:
    """The rendered page; an Arabic one with its left-to-right runs isolated."""
    return isolate_ltr(html) if lang == "ar" else html
