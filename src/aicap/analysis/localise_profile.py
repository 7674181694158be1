"""A country profile (:func:`aicap.analysis.profile.build_profile`) in one of the six UN
languages: every displayed label and generated sentence through :class:`Localiser`.

The profile is computed once, in English (its JSON, its claims and the data files stay
English: they are the record); :func:`localise_profile` returns a copy whose display fields are
in the target language, for the PDF page and the web page alike. Numbers stay numbers (the
templates format them for the locale); quotations of mandates stay in English (the official
texts exist in all six languages under their document symbols, and aicap holds only the
English).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from aicap.analysis.localise import Localiser, country_names, localiser, prose_name

#: Pillar codes as the generated English text writes them, and the name the reader gets.
PILLAR_CODES = {
    "CONN": "Connectivity and energy access",
    "INFRA": "Digital and compute infrastructure",
    "DATA": "Data",
    "SKILLS": "Skills and human capital",
    "RESEARCH": "Research and innovation",
    "GOV": "Governance and institutions",
    "ECON": "Economy and adoption",
}


def names_for(countries: pd.DataFrame | Iterable[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """Every English form of a country's name found in generated text (the reference's
    ``name`` and ``name_en``, with and without UNTERM's article) -> its prose name in ``lang``,
    plus the pillar codes -> the pillar's name in ``lang`` (lower case in running text)."""
    rows: list[Mapping[str, Any]]
    if isinstance(countries, pd.DataFrame):
        rows = [{str(k): v for k, v in r.items()} for r in countries.to_dict(orient="records")]
    else:
        rows = list(countries)
    local = country_names(rows, lang)
    out: dict[str, str] = {}
    for r in rows:
        iso = str(r.get("iso3", ""))
        for col in ("name", "name_en"):
            v = r.get(col)
            if isinstance(v, str) and v:
                out[v] = local[iso]
                out[prose_name(v)] = local[iso]
    loc = localiser(lang)
    for code, name in PILLAR_CODES.items():
        t = loc.gettext(name)
        out[code] = t if lang in ("zh", "ar", "de") else t[:1].lower() + t[1:]
    return out


def make_localiser(countries: pd.DataFrame | Iterable[Mapping[str, Any]], lang: str) -> Localiser:
    return Localiser(lang, names_for(countries, lang))


#: the expected-capacity verdict "as expected" as a profile shows it
NO_CLEAR_DIFFERENCE = "not clearly different from expected"


def _lab(loc: Localiser, d: dict[str, Any], *keys: str) -> None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, str):
            d[k] = loc.text(v)


def _sen(loc: Localiser, d: dict[str, Any], *keys: str) -> None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, str):
            d[k] = loc.sentence(v)


def localise_profile(
    p: Mapping[str, Any], loc: Localiser, iso_name: str | None = None
) -> dict[str, Any]:
    """A copy of profile ``p`` whose displayed text is in ``loc``'s language."""
    q: dict[str, Any] = copy.deepcopy(dict(p))
    q["lang"] = loc.lang
    q["name"] = iso_name or loc.names.get(str(p.get("name", "")), str(p.get("name", "")))
    code = q.get("binding_constraint")
    if isinstance(code, str) and code in PILLAR_CODES:
        q["binding_constraint_name"] = loc.label(PILLAR_CODES[code])
    _lab(loc, q, "income_group_label", "un_region")
    # the evidence without its first clause when that repeats the tier's label
    ev = str(q.get("tier_evidence") or "")
    lab = str(q.get("tier_label") or "")
    rest = ev[len(lab) + 2 :] if lab and ev.startswith(lab + "; ") else ev
    q["tier_evidence_rest"] = loc.sentence(rest) if rest and rest != lab else ""
    _sen(loc, q, "tier_label", "tier_evidence")
    ec = q.get("expected_capacity")
    if isinstance(ec, dict):
        if ec.get("verdict") == "as expected":  # the residual's interval holds zero: said so,
            ec["verdict"] = NO_CLEAR_DIFFERENCE  # not "as expected" beside a residual of +14.8
        _lab(loc, ec, "verdict")
    for g in q.get("peers", []) or []:
        _lab(loc, g, "label")
    for r in q.get("pillars", []) or []:
        r["status_code"] = r.get("status")
        _lab(loc, r, "name", "status")
    for t in q.get("trends", []) or []:
        _lab(loc, t, "name", "relative", "unit")
    for key in ("bottlenecks", "strengths", "indicators"):
        for b in q.get(key, []) or []:
            _lab(loc, b, "name", "unit")
    for r in q.get("recommendations", []) or []:
        _lab(loc, r, "title")
        r["cost_label"] = loc.label(str(r.get("cost_band", "")))
        r["lead_label"] = loc.label(str(r.get("lead_time", "")))
        band = str(r.get("cost_band", "")).split(" (")[0].replace("_", " ")
        lead = str(r.get("lead_time", "")).split(" (")[0]
        r["cost_short"] = loc.label(f"cost {band}") if band else ""
        r["lead_short"] = loc.label(f"{lead} lead time") if lead else ""
        r["reasons"] = [loc.sentence(x) for x in r.get("reasons", []) or []]
        _sen(loc, r, "why_now")
    mo = q.get("monitor")
    if isinstance(mo, dict):
        mo["gaps"] = [loc.text(x) for x in mo.get("gaps", []) or []]
    gd = q.get("gender")
    if isinstance(gd, dict):
        for x in gd.get("gaps", []) or []:
            _lab(loc, x, "name")
    dg = q.get("data_gaps")
    if isinstance(dg, dict):
        for key in ("missing_indicators", "old_values"):
            for x in dg.get(key, []) or []:
                _lab(loc, x, "name")
        dg["missing_pillars"] = [loc.text(x) for x in dg.get("missing_pillars", []) or []]
    return q
