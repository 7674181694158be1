"""Maturity tiers 0-4 by A/79/966's own criteria, with the evidence, the range and the odds.

The rule is data (``tiers:`` in ``frameworks/aicap.yaml``, :class:`~aicap.analysis.spec.TierRule`):
named conditions, each measured by an asset of :mod:`aicap.analysis.assets` (a strategy, compute,
models) or a pillar score, each citing A/79/966 (a report). Tiers are cumulative: tier k needs
every required condition of tiers 1..k. Each condition is ``met``, ``not_met`` or ``unknown``;
``tier`` is what the known evidence proves (unknown counts as not met) and ``tier_high`` what the
country would reach if every unknown were met, so a country whose tier depends on an unknown
shows a range. Pure: no I/O.

- :func:`evaluate_conditions` -> long table ``iso3, condition, ...`` (state, value, year, source);
- :func:`assign_tiers` -> one row per country (tier, range, evidence, what moves it up);
- :func:`pillar_draws` and :func:`tier_probabilities` -> the tier's probability under the
  index's Monte Carlo (indicator weight noise, aggregation alternatives).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.spec import (
    IndexSpec,
    TierCondition,
    TierMeasure,
    TierRule,
    apply_transform,
)
from aicap.analysis.tier_statement import short_name, state_tier

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
_CODE = {MET: 1, NOT_MET: 0, UNKNOWN: -1}


# --------------------------------------------------------------------------- conditions
def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}".rstrip("0").rstrip(".")


def _measure(
    m: TierMeasure, pillars: pd.Series, assets: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """State and evidence of one measure for one country."""
    if m.any_of is not None:
        parts = [_measure(sub, pillars, assets) for sub in m.any_of]
        met = [p for p in parts if p["state"] == MET]
        if met:
            return met[0]
        unknown = [p for p in parts if p["state"] == UNKNOWN]
        state = UNKNOWN if unknown else NOT_MET
        detail = "; ".join(p["detail"] for p in parts if p["detail"])
        first = parts[-1]
        return {**first, "state": state, "detail": detail}
    if m.pillar is not None:
        v = pillars.get(m.key, np.nan)
        assert m.min is not None
        label = _pillar_label(m)
        if v != v:  # NaN
            return _ev(UNKNOWN, None, None, f"{label} not scored (too few indicators)", "")
        state = MET if float(v) >= m.min else NOT_MET
        return _ev(state, float(v), None, f"{label} {_fmt(float(v))} (needs >= {m.min:g})", "")
    assert m.asset is not None
    a = assets.get(m.asset)
    if a is None or a["state"] in (UNKNOWN, None):
        detail = (a or {}).get("note") or f"{m.asset}: not assessed"
        return _ev(UNKNOWN, None, (a or {}).get("year"), detail, (a or {}).get("source", ""))
    value = a.get("value")
    value = None if value is None or value != value else float(value)
    shown = a.get("detail") or ""
    if m.min is not None or m.max is not None:
        if value is None:
            return _ev(UNKNOWN, None, a.get("year"), shown, a.get("source", ""))
        ok = value >= m.min if m.min is not None else value <= (m.max or 0.0)
        bound = f">= {m.min:g}" if m.min is not None else f"<= {m.max:g}"
        unit = f" {m.unit}" if m.unit else ""
        shown = f"{_fmt(value)}{unit} (needs {bound}{unit})" + (f": {shown}" if shown else "")
        return _ev(MET if ok else NOT_MET, value, a.get("year"), shown, a.get("source", ""))
    state = MET if a["state"] == "yes" else NOT_MET
    if not shown:
        shown = f"{m.asset.replace('_', ' ')}: {'yes' if state == MET else 'none'}"
    return _ev(state, value, a.get("year"), shown, a.get("source", ""))


def _pillar_label(m: TierMeasure) -> str:
    return str(m.pillar) + (f" (without {', '.join(m.exclude)})" if m.exclude else "")


def _ev(state: str, value: Any, year: Any, detail: str, source: str) -> dict[str, Any]:
    y = (
        None
        if year is None or year is pd.NA or (isinstance(year, float) and year != year)
        else year
    )
    return {
        "state": state,
        "value": value,
        "year": None if y is None else int(y),
        "detail": detail,
        "source": source,
    }


def evaluate_conditions(
    rule: TierRule, pillars: pd.DataFrame, assets: pd.DataFrame, year: int | None = None
) -> pd.DataFrame:
    """Every condition for every country of ``pillars`` (index ``iso3``, columns pillar codes).
    ``assets`` is :func:`aicap.analysis.assets.country_assets`'s long table. Columns: ``iso3,
    condition, tier, required, state, value, year, detail, source``. A pillar condition takes
    ``year`` (the index year) as its year."""
    by_iso: dict[str, dict[str, dict[str, Any]]] = {}
    for raw in assets.to_dict(orient="records"):
        rec = {str(k): v for k, v in raw.items()}
        by_iso.setdefault(str(rec["iso3"]), {})[str(rec["asset"])] = rec
    tier_of = {c.code: rule.tier_of(c.code) for c in rule.conditions}
    rows: list[dict[str, Any]] = []
    for iso3, prow in pillars.iterrows():
        a = by_iso.get(str(iso3), {})
        for c in rule.conditions:
            ev = _measure(c.measure, prow, a)
            if c.measure.pillar is not None and ev["year"] is None:
                ev["year"] = year
            rows.append(
                {
                    "iso3": iso3,
                    "condition": c.code,
                    "tier": tier_of[c.code],
                    "required": c.required,
                    **ev,
                    "source": ev["source"]
                    or ("aicap index pillar score" if c.measure.pillar else ""),
                }
            )
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out


# --------------------------------------------------------------------------- tiers
def _tier_from(states: dict[str, int], rule: TierRule, unknown_as: int) -> int:
    """Highest tier k whose required conditions (and those of every lower tier) are met."""
    tier = 0
    for t in rule.tiers[1:]:
        ok = True
        for c in t.conditions:
            if not rule.condition(c).required:
                continue
            s = states.get(c, -1)
            s = unknown_as if s == -1 else s
            if s != 1:
                ok = False
                break
        if not ok:
            break
        tier = t.tier
    return tier


def tier_range_label(low: int, high: int) -> str:
    return f"{low}" if low == high else f"{low}-{high}"


def assign_tiers(
    rule: TierRule,
    conditions: pd.DataFrame,
    *,
    natural: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """One row per country of ``conditions`` (from :func:`evaluate_conditions`). Columns:
    ``tier`` (proven), ``tier_high`` (if every unknown were met), ``tier_range`` ("1" or
    "0-3"), ``tier_label`` (the tier as stated, :mod:`aicap.analysis.tier_statement`: A/79/966's
    label only where the evidence bears it out), ``tier_named``, ``tier_rule_label`` (the rule's
    label for the tier number), ``tier_name`` (A/79/966's name, only when ``tier_named``),
    ``capacity_tier``, ``capacity_tier_high``, ``held_by`` and ``held_tiers`` (the capacity
    level and the enablers holding the tier below it), ``next_tier``, ``unknown_conditions``,
    ``holding_conditions`` (the next tier's unmet required conditions), ``holding_pillars``
    and ``gaps`` (pillar -> points, for pillar conditions), ``binding_pillar``,
    ``binding_gap``, ``next_needs`` (JSON list: what would move it up, in natural units, with
    catalogue interventions), ``tier_conditions`` (JSON: every condition's evidence),
    ``evidence`` (a sentence). ``natural``: per country and pillar, a natural-unit reading of a
    pillar gap (:func:`natural_units`)."""
    cond_by = {c.code: c for c in rule.conditions}
    rows: list[dict[str, Any]] = []
    for iso3, g in conditions.groupby("iso3", sort=False):
        recs = [{str(k): v for k, v in x.items()} for x in g.to_dict(orient="records")]
        states = {str(r["condition"]): _CODE[str(r["state"])] for r in recs}
        low = _tier_from(states, rule, 0)
        high = _tier_from(states, rule, 1)
        unknown = [
            str(r["condition"])
            for r in recs
            if r["state"] == UNKNOWN and r["required"] and low < int(r["tier"]) <= high
        ]
        nxt = low + 1 if low < 4 else None
        holding: list[dict[str, Any]] = []
        gaps: dict[str, float] = {}
        if nxt is not None:
            for r in recs:
                if int(r["tier"]) > nxt or not r["required"] or r["state"] == MET:
                    continue
                c = cond_by[str(r["condition"])]
                if int(r["tier"]) < nxt and r["state"] != UNKNOWN:
                    continue  # (cannot happen: lower tiers are met)
                holding.append(_need(c, r, natural.get(str(iso3), {}) if natural else {}))
                if c.measure.pillar and r["state"] == NOT_MET and c.measure.min is not None:
                    gaps[c.measure.pillar] = round(float(c.measure.min) - float(r["value"]), 3)
        gaps = dict(sorted(gaps.items(), key=lambda kv: -kv[1]))
        binding = next(iter(gaps)) if gaps else None
        spec = rule.tiers[low]
        stated = state_tier(
            rule, {str(r["condition"]): str(r["state"]) for r in recs}, low, high, unknown
        )
        evidence = _sentence(rule, low, high, holding, unknown, stated.label)
        rows.append(
            {
                "iso3": iso3,
                "tier": low,
                "tier_high": high,
                "tier_range": tier_range_label(low, high),
                **stated.as_row(),
                "tier_rule_label": spec.label,
                "tier_name": spec.name if stated.named else None,
                "next_tier": nxt,
                "unknown_conditions": ",".join(unknown),
                "holding_conditions": ",".join(h["condition"] for h in holding),
                "holding_pillars": ",".join(gaps),
                "gaps": json.dumps(gaps),
                "binding_pillar": binding,
                "binding_gap": gaps[binding] if binding else np.nan,
                "next_needs": json.dumps(holding, ensure_ascii=False),
                "tier_conditions": json.dumps(
                    [_cond_record(cond_by[str(r["condition"])], r) for r in recs],
                    ensure_ascii=False,
                ),
                "evidence": evidence,
            }
        )
    out = pd.DataFrame(rows).set_index("iso3")
    for col in ("tier", "tier_high", "next_tier", "capacity_tier", "capacity_tier_high"):
        out[col] = out[col].astype("Int64")
    return out


def _clean(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float | np.floating):
        return None if v != v else round(float(v), 3)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _cond_record(c: TierCondition, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "condition": c.code,
        "name": c.name,
        "tier": _clean(r["tier"]),
        "required": bool(r["required"]),
        "state": r["state"],
        "value": _clean(r["value"]),
        "year": _clean(r["year"]),
        "detail": r["detail"],
        "source": r["source"],
        "cites": [f"{x.doc} (report), {x.entry}: \u201c{x.quote}\u201d" for x in c.cites],
    }


def _need(c: TierCondition, r: dict[str, Any], natural: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "condition": c.code,
        "name": c.name,
        "state": r["state"],
        "needs": c.needs,
        "interventions": list(c.interventions),
    }
    if c.measure.pillar and r["state"] == NOT_MET and c.measure.min is not None:
        gap = float(c.measure.min) - float(r["value"])
        out["gap_points"] = round(gap, 1)
        out["needs"] = f"+{gap:.1f} points of {_pillar_label(c.measure)} (to {c.measure.min:g})"
        hint = natural.get(f"{c.measure.pillar}:{c.measure.min:g}")
        if hint:
            out["needs"] += f", e.g. {hint}"
        elif natural:
            out["needs"] += ": no single indicator can close the gap alone"
    elif r["state"] == UNKNOWN:
        out["needs"] = f"evidence: {c.needs} (not assessed)"
    return out


def _running(name: str) -> str:
    """An indicator's name inside a sentence: "Mobile cellular subscriptions" -> "mobile
    cellular subscriptions"; a proper name keeps its capital ("Online Service Index (EGDI
    component)", "AI diffusion": its second word or letter is a capital)."""
    words = name.split()
    proper = name[:2].isupper() or (len(words) > 1 and words[1][:1].isupper())
    return name if proper else name[:1].lower() + name[1:]


def _lower_first(text: str) -> str:
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _sentence(
    rule: TierRule,
    low: int,
    high: int,
    holding: list[dict[str, Any]],
    unknown: list[str],
    label: str,
) -> str:
    """The evidence: the tier's statement (``label``) or, for a range, what it depends on;
    then what the next tier needs."""
    if high > low:
        short = [_lower_first(rule.condition(u).name.split(" (")[0].split(":")[0]) for u in unknown]
        s = (
            f"Tier {tier_range_label(low, high)}: it depends on {', '.join(short)}, not assessed "
            f"by the sources; the known evidence proves tier {low}"
        )
    else:
        s = label
    if low >= 4:
        return s + "; meets every condition of the top tier"
    missing = [h["needs"] for h in holding if h["state"] == NOT_MET]
    if missing:
        s += f"; tier {low + 1} needs " + "; ".join(missing)
    # the next tier's conditions not assessed are said, never left out (unknown is not "met")
    unassessed = [
        short_name(rule.condition(h["condition"])) for h in holding if h["state"] == UNKNOWN
    ]
    if unassessed and high == low:
        s += (
            f"; tier {low + 1} also depends on {', '.join(dict.fromkeys(unassessed))}, "
            "not assessed by the sources"
        )
    return s


# --------------------------------------------------------------------------- natural units
def natural_units(
    spec: IndexSpec, cells: pd.DataFrame, pillars: pd.DataFrame, rule: TierRule
) -> dict[str, dict[str, str]]:
    """Per country, for each pillar condition it fails: how far one indicator of the pillar
    would have to rise, alone, to close the gap, in that indicator's unit (the indicator with
    most room that can do it). ``cells``: the latest year's cells (``iso3, pillar, indicator,
    normalised``). Arithmetic pillar means are assumed (the nominal recipe)."""
    conds = [c for c in rule.conditions if c.measure.pillar and c.measure.min is not None]
    norm = cells.pivot_table(index="iso3", columns="indicator", values="normalised")
    raw = cells.pivot_table(index="iso3", columns="indicator", values="value")
    out: dict[str, dict[str, str]] = {}
    for c in conds:
        p, need = str(c.measure.pillar), float(c.measure.min or 0.0)
        inds = [
            i
            for i in spec.indicators_of(p)
            if i.code in norm.columns and i.code not in c.measure.exclude
        ]
        key = c.measure.key
        if not inds or key not in pillars.columns:
            continue
        norm_of = {str(k): {str(c): float(v) for c, v in r.items()} for k, r in norm.iterrows()}
        raw_of = {str(k): {str(c): float(v) for c, v in r.items()} for k, r in raw.iterrows()}
        for iso3_, score in pillars[key].items():
            iso3 = str(iso3_)
            if score != score or score >= need or iso3 not in norm_of:
                continue
            row = norm_of[iso3]
            have = {i.code: row.get(i.code, np.nan) == row.get(i.code, np.nan) for i in inds}
            wsum = float(sum(i.weight for i in inds if have[i.code]))
            gap = need - float(score)
            best: tuple[float, str] | None = None
            for i in inds:
                if not have[i.code]:
                    continue
                target = row[i.code] + gap * wsum / float(i.weight)
                if target > 100:
                    continue
                room = 100 - row[i.code]
                txt = _to_natural(spec, i.code, raw_of[iso3].get(i.code, np.nan), target)
                if txt and (best is None or room > best[0]):
                    best = (room, txt)
            if best is not None:
                out.setdefault(str(iso3), {})[f"{p}:{need:g}"] = best[1]
    return out


def _to_natural(spec: IndexSpec, code: str, now: float, target_norm: float) -> str | None:
    ind = spec.indicator(code)
    lo, hi = spec.transformed_goalposts(ind)
    t = (
        lo + target_norm / 100.0 * (hi - lo)
        if ind.direction == 1
        else hi - target_norm / 100.0 * (hi - lo)
    )
    if ind.transform == "log10":
        v = 10**t
    elif ind.transform == "log10p1":
        v = 10**t - 1
    else:
        v = t
    if not np.isfinite(v) or not np.isfinite(now):
        return None
    chk = apply_transform(np.array([v]), ind.transform)
    if not np.isfinite(chk).all():
        return None
    return f"{_running(ind.name)} from {_fmt(now)} to {_fmt(v)} {ind.unit}"


# --------------------------------------------------------------------------- probabilities
def pillar_draws(
    spec: IndexSpec,
    cells: pd.DataFrame,
    countries: list[str],
    *,
    replications: int,
    seed: int,
    weight_noise: float = 0.0,
    powers: tuple[float, ...] = (1.0,),
    variants: dict[str, tuple[str, tuple[str, ...]]] | None = None,
) -> dict[str, np.ndarray]:
    """Pillar scores under the index's Monte Carlo, per pillar an array ``(R, n)``: each
    replication multiplies every indicator weight by ``1 + f (2u - 1)`` (``f`` =
    ``weight_noise``, as the uncertainty spec's level-1 ``weight_noise``) and aggregates each
    pillar with a power mean whose exponent is drawn uniformly from ``powers`` (1 = arithmetic,
    the nominal; 0.5 = the spec's alternative). A pillar below its data-availability threshold
    is NaN, as in the index. ``variants`` (key -> pillar, excluded indicators) adds the
    pillars recomputed without some indicators (same draws)."""
    rng = np.random.default_rng(seed)
    norm = cells.pivot_table(index="iso3", columns="indicator", values="normalised")
    norm = norm.reindex(countries)
    r = replications
    p_idx = rng.integers(0, len(powers), size=r)
    pw = np.asarray(powers, dtype=float)[p_idx]
    codes = [i.code for i in spec.indicators]
    noise_all = 1 + weight_noise * (2 * rng.random((r, len(codes))) - 1)
    col = {c: k for k, c in enumerate(codes)}
    jobs: dict[str, tuple[str, tuple[str, ...]]] = {p.code: (p.code, ()) for p in spec.pillars}
    jobs.update(variants or {})
    out: dict[str, np.ndarray] = {}
    for key, (pcode, exclude) in jobs.items():
        pil = spec.pillar(pcode)
        inds = [i for i in spec.indicators_of(pcode) if i.code not in exclude]
        x = np.stack(
            [
                norm[i.code].to_numpy(dtype=float)
                if i.code in norm.columns
                else np.full(len(countries), np.nan)
                for i in inds
            ],
            axis=1,
        )  # (n, m)
        w0 = np.array([i.weight for i in inds], dtype=float)
        w = w0[None, :] * noise_all[:, [col[i.code] for i in inds]]  # (R, m)
        have = ~np.isnan(x)  # (n, m)
        share = have.sum(axis=1) / len(inds)
        enough = share >= pil.dat_thresh - 1e-9
        xz = np.where(have, np.maximum(x, 0.0), 0.0)
        den = have.astype(float) @ w.T  # (n, R)
        res = np.empty((r, len(countries)))
        for val in np.unique(pw):
            rows = pw == val
            num = (xz if val == 1.0 else xz**val) @ w[rows].T
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = num / den[:, rows]
                res[rows] = (mean if val == 1.0 else mean ** (1.0 / val)).T
        res[:, ~enough] = np.nan
        out[key] = res
    return out


def nominal_variants(
    spec: IndexSpec, cells: pd.DataFrame, countries: list[str], rule: TierRule
) -> pd.DataFrame:
    """The nominal (arithmetic, published weights) scores of the rule's pillar variants
    (pillars without some indicators), one column per variant key, indexed by country."""
    variants = rule.variants()
    if not variants:
        return pd.DataFrame(index=pd.Index(countries, name="iso3"))
    d = pillar_draws(spec, cells, countries, replications=1, seed=0, variants=variants)
    return pd.DataFrame({k: d[k][0] for k in variants}, index=pd.Index(countries, name="iso3"))


def tier_probabilities(
    rule: TierRule,
    conditions: pd.DataFrame,
    draws: dict[str, np.ndarray],
    countries: list[str],
) -> pd.DataFrame:
    """Per country: ``tier_probability`` (JSON: tier -> share of replications whose proven tier
    it is), ``tier_probability_high`` (the same with every unknown condition met), ``p_tier``
    (the probability of the nominal tier) and ``near_boundary`` (``p_tier`` below the rule's
    ``near_boundary_probability``); ``_pc``: the shares of the capacity level (enablers
    ignored), for :func:`add_probabilities`. Asset conditions are held at their state; pillar
    conditions are re-evaluated on each replication's pillar scores."""
    idx = {c: k for k, c in enumerate(countries)}
    n = len(countries)
    r = next(iter(draws.values())).shape[0] if draws else 1
    met_low: dict[str, np.ndarray] = {}
    met_high: dict[str, np.ndarray] = {}
    wide = conditions.pivot(index="iso3", columns="condition", values="state").reindex(countries)
    for c in rule.conditions:
        st = wide[c.code].to_numpy() if c.code in wide.columns else np.full(n, UNKNOWN)
        m = c.measure
        if m.pillar is not None and m.min is not None and m.key in draws:
            d = draws[m.key]
            known = ~np.isnan(d)
            met = np.where(known, d >= m.min, False)
            met_low[c.code] = met
            met_high[c.code] = np.where(known, met, True)
        else:
            base = np.broadcast_to((st == MET)[None, :], (r, n))
            met_low[c.code] = base
            met_high[c.code] = np.broadcast_to(((st == MET) | (st == UNKNOWN))[None, :], (r, n))

    def tiers_of(met: dict[str, np.ndarray], capacity_only: bool = False) -> np.ndarray:
        tier = np.zeros((r, n), dtype=np.int64)
        alive = np.ones((r, n), dtype=bool)
        for t in rule.tiers[1:]:
            ok = alive.copy()
            for code in t.conditions:
                c = rule.condition(code)
                if c.required and not (capacity_only and c.role == "enabler"):
                    ok &= met[code]
            tier = np.where(ok, t.tier, tier)
            alive = ok
        return tier

    low, high = tiers_of(met_low), tiers_of(met_high)
    cap = tiers_of(met_low, capacity_only=True)  # the capacity level (tier_statement)
    nominal = conditions.groupby("iso3", sort=False)["iso3"].first()  # for ordering only
    del nominal
    rows: list[dict[str, Any]] = []
    for iso3 in countries:
        k = idx[iso3]
        pl = np.bincount(low[:, k], minlength=5) / r
        ph = np.bincount(high[:, k], minlength=5) / r
        rows.append(
            {
                "iso3": iso3,
                "tier_probability": json.dumps(
                    {str(t): round(float(p), 4) for t, p in enumerate(pl) if p > 0}
                ),
                "tier_probability_high": json.dumps(
                    {str(t): round(float(p), 4) for t, p in enumerate(ph) if p > 0}
                ),
                "_pl": pl,
                "_pc": np.bincount(cap[:, k], minlength=5) / r,
            }
        )
    return pd.DataFrame(rows).set_index("iso3")


def add_probabilities(tiers: pd.DataFrame, probs: pd.DataFrame, rule: TierRule) -> pd.DataFrame:
    """``tiers`` (from :func:`assign_tiers`) with ``tier_probability``,
    ``tier_probability_high``, ``p_tier``, ``near_boundary`` and ``p_capacity_tier`` (the
    probability of the capacity level: pillar conditions re-evaluated, enablers ignored)."""
    out = tiers.copy()
    out["tier_probability"] = probs["tier_probability"].reindex(out.index)
    out["tier_probability_high"] = probs["tier_probability_high"].reindex(out.index)
    p: list[float] = []
    pl = {str(k): np.asarray(v) for k, v in probs["_pl"].items()}
    for iso3, t in out["tier"].items():
        if str(iso3) not in pl or t is pd.NA:
            p.append(np.nan)
            continue
        p.append(float(pl[str(iso3)][int(t)]))
    out["p_tier"] = p
    out["near_boundary"] = out["p_tier"] < rule.near_boundary_probability
    if "_pc" in probs.columns and "capacity_tier" in out.columns:
        pc = {str(k): np.asarray(v) for k, v in probs["_pc"].items()}
        out["p_capacity_tier"] = [
            float(pc[str(i)][int(c)]) if str(i) in pc and c is not pd.NA else np.nan
            for i, c in out["capacity_tier"].items()
        ]
    return out
