"""The briefing's recommendation, financing and gender sections, from the per-country lists.

* :func:`audience_section`: recommendations to each audience (Member States, the UN system,
  international and regional financial institutions), numbered per audience (MS-1, UN-1,
  IFI-1...), each in the catalogue's text *for that audience*; an intervention addressed to
  several audiences carries its count, quotation and citations once, at its first appearance,
  so that no sentence is repeated across audiences (:func:`repeated_sentences` checks it).
* :func:`financing_section`: each focus country's bundle (its first ``TOP_N``
  recommendations) costed from the catalogue's cost bands, totalled by group (LDC, LLDC, SIDS,
  low income) with its range, beside A/79/966's target for the Global Fund for AI.
* :func:`gender_section`: the gender gaps the sex-disaggregated series show among the focus
  countries, and how often women and girls are targeted in the first recommendations.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.catalogue import AUDIENCE_WORDS, Catalogue
from aicap.analysis.diagnose import Diagnosis
from aicap.analysis.financing import GFAI_TARGET_USD_M, GFAI_YEARS, group_totals
from aicap.analysis.gender import NOT_HELD, PAIRS
from aicap.analysis.mandates import ROLE_MANDATE
from aicap.report.lang import first_sentence

PREFIX = {"member_states": "MS", "un_system": "UN", "ifis": "IFI"}
PER_AUDIENCE = 5
#: The longest sentence quoted (characters); a longer one leaves the citation alone.
QUOTE_MAX = 420


def _role_groups(cits: list[dict[str, Any]]) -> str:
    by: dict[str, list[str]] = {}
    for c in cits:
        by.setdefault(str(c["role"]), []).append(str(c["citation"]))
    return "; ".join(f"{role}: {', '.join(v)}" for role, v in by.items())


def _by_role(cits: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    by: dict[str, list[str]] = {}
    for c in cits:
        by.setdefault(str(c["role"]), []).append(str(c["citation"]))
    return list(by.items())


def audience_section(
    catalogue: Catalogue, recs: Mapping[str, list[str]], focus: Sequence[str], top_n: int
) -> list[dict[str, Any]]:
    """Per audience its numbered entries (see the module docstring)."""
    counts = Counter(i for m in focus for i in recs.get(m, [])[:top_n])
    out: list[dict[str, Any]] = []
    first_at: dict[str, str] = {}
    quoted: set[str] = set()
    for aud, words in AUDIENCE_WORDS.items():
        items: list[dict[str, Any]] = []
        for iid, k in counts.most_common():
            it = catalogue.get(iid)
            if aud not in {a.value for a in it.audiences}:
                continue
            number = f"{PREFIX[aud]}-{len(items) + 1}"
            cits = catalogue.citations(iid, 2000)
            entry: dict[str, Any] = {
                "number": number,
                "id": iid,
                "title": it.title,
                "action": it.actions[next(a for a in it.audiences if a.value == aud)],
                "count": k,
                "n": len(focus),
                "sdg_targets": list(it.sdg_targets),
                "see": first_at.get(iid, ""),
                "citations": [f"{c['citation']} ({c['role']})" for c in cits],
                "citation_text": "",
                "citation_groups": [],
                "quote": "",
                "quote_ref": "",
            }
            if iid not in first_at:
                first_at[iid] = number
                entry["citation_text"] = _role_groups(cits)
                entry["citation_groups"] = _by_role(cits)
                pool = [
                    c
                    for c in cits
                    if c["quotable"] and c["role"] == ROLE_MANDATE and c["ref"] not in quoted
                ]
                for c in pool:  # a whole sentence, never an excerpt cut mid-sentence
                    whole = first_sentence(str(c["excerpt"]), QUOTE_MAX)
                    if whole:
                        quoted.add(str(c["ref"]))
                        entry["quote"] = whole
                        entry["quote_ref"] = c["citation"]
                        break
            items.append(entry)
            if len(items) == PER_AUDIENCE:
                break
        out.append({"audience": aud, "prefix": PREFIX[aud], "words": words, "entries": items})
    return out


def audience_sentences(section: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The sentences each audience's block says (action, count, quotation, citations), as
    the template renders them."""
    out: dict[str, list[str]] = {}
    for a in section:
        texts: list[str] = []
        for e in a["entries"]:
            texts.append(str(e["action"]))
            if not e["see"]:
                texts.append(
                    f"{e['title']} ({e['id']}): in the first five for {e['count']} of "
                    f"{e['n']} countries"
                )
            if e["quote"]:
                texts.append(str(e["quote"]))
            if e["citation_text"]:
                texts.append(str(e["citation_text"]))
        out[str(a["audience"])] = texts
    return out


def _split(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?”])\s+(?=[A-Z“\"])", " ".join(text.split()))
    return [p.strip() for p in parts if len(p.strip()) > 20]


def repeated_sentences(by_audience: Mapping[str, Sequence[str]]) -> list[str]:
    """Sentences that appear under more than one audience."""
    seen: dict[str, str] = {}
    out: list[str] = []
    for aud, texts in by_audience.items():
        for s in {x for t in texts for x in _split(t)}:
            if s in seen and seen[s] != aud:
                out.append(s)
            seen.setdefault(s, aud)
    return out


def financing_section(
    catalogue: Catalogue,
    recs: Mapping[str, list[str]],
    countries: pd.DataFrame,
    tiers: Mapping[str, int | None],
    focus: Sequence[str],
    top_n: int,
) -> dict[str, Any]:
    """Cost ranges of the focus countries' bundles (their first ``top_n``
    recommendations), totals by group, and the tier-0 total beside the Global Fund's target."""
    costs: dict[str, tuple[float, float]] = {}
    for iso in focus:
        ids = recs.get(iso, [])[:top_n]
        if ids:
            lo = sum(catalogue.cost_range(i)[0] for i in ids)
            hi = sum(catalogue.cost_range(i)[1] for i in ids)
            costs[iso] = (lo, hi)
    c = countries[countries["iso3"].isin(focus)]
    totals = group_totals(costs, c)
    t0 = [i for i in costs if tiers.get(i) == 0]
    t0_lo = sum(costs[i][0] for i in t0)
    t0_hi = sum(costs[i][1] for i in t0)
    rows = [
        {"iso3": i, "tier": tiers.get(i), "low_usd_m": v[0], "high_usd_m": v[1]}
        for i, v in sorted(costs.items())
    ]
    return {
        "totals": totals,
        "n_costed": len(costs),
        "n_focus": len(focus),
        "tier0": {"n": len(t0), "low_usd_m": round(t0_lo, 1), "high_usd_m": round(t0_hi, 1)},
        "gfai_target_usd_m": list(GFAI_TARGET_USD_M),
        "gfai_years": list(GFAI_YEARS),
        "basis": " ".join(catalogue.model.cost_estimate.basis.split()),
        "bands": {b.value: list(v) for b, v in catalogue.model.cost_estimate.bands.items()},
        "table": pd.DataFrame(rows, columns=["iso3", "tier", "low_usd_m", "high_usd_m"]),
        "top_n": top_n,
    }


def _span(years: pd.Series) -> str:
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def gender_section(
    diags: Mapping[str, Diagnosis], recs: Mapping[str, list[str]], focus: Sequence[str], top_n: int
) -> dict[str, Any]:
    """Per sex-disaggregated pair: focus countries with data, with a gap to the disadvantage of
    women, the median parity; and how many focus countries have SKILL-05 (women and girls in
    AI) among their first recommendations."""
    rows = []
    frames = [diags[i].gender.assign(iso3=i) for i in focus if i in diags and len(diags[i].gender)]
    allg = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for f, _m, name, unit in PAIRS:
        code = f.removesuffix("_F")
        sub = allg[allg["indicator"] == code] if len(allg) else allg
        with_data = sub[sub["status"] != "no data"] if len(sub) else sub
        par = pd.to_numeric(with_data["parity"], errors="coerce") if len(with_data) else None
        rows.append(
            {
                "indicator": code,
                "name": name,
                "unit": unit,
                "n_data": len(with_data),
                "n_gap_women": int((sub["status"] == "gap (women)").sum()) if len(sub) else 0,
                "n_gap_men": int((sub["status"] == "gap (men)").sum()) if len(sub) else 0,
                "median_parity": float(np.nanmedian(par)) if par is not None and len(par) else None,
                "years": _span(with_data["year"]) if len(with_data) else "",
            }
        )
    targeted = sum(1 for i in focus if "SKILL-05" in recs.get(i, [])[:top_n])
    return {
        "rows": rows,
        "table": pd.DataFrame(rows),
        "n_focus": len(focus),
        "n_targeted": targeted,
        "not_held": NOT_HELD,
        "top_n": top_n,
    }
