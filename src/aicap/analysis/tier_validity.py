"""Is the tier rule measuring what A/79/966 describes? Figures reported, never tuned.

From the latest results with tiers (:func:`aicap.analysis.tier_build.latest_tiers`): the
cross-tabulation of tiers with income groups and LDC/LLDC/SIDS status, the countries whose tier
differs from what income alone predicts (the median tier of their income group) and why, which
condition holds each country in its tier, and internal consistency checks. Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from aicap.analysis.spec import TierRule
from aicap.analysis.tier_statement import state_tier

INCOME_ORDER = ["LIC", "LMC", "UMC", "HIC"]


@dataclass
class TierValidity:
    by_income: pd.DataFrame  # tier range label x income group (counts)
    by_group: pd.DataFrame  # tier range label x LDC / LLDC / SIDS / all
    income_outliers: pd.DataFrame  # iso3, name, income_group, tier, predicted, direction, why
    holding: pd.DataFrame  # condition -> countries it holds in their tier (first unmet)
    checks: dict[str, Any] = field(default_factory=dict)
    # countries whose tier an enabler holds below their capacity level (tier_statement)
    held: pd.DataFrame = field(default_factory=pd.DataFrame)

    def as_dict(self) -> dict[str, Any]:
        return {
            "by_income": _records(self.by_income),
            "by_group": _records(self.by_group),
            "income_outliers": self.income_outliers.to_dict(orient="records"),
            "holding": self.holding.to_dict(orient="records"),
            "held_below_capacity": json.loads(self.held.to_json(orient="records")),
            "checks": self.checks,
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(frame.reset_index().to_json(orient="records"))
    return out


def _label(r: pd.Series) -> str:
    return str(r["tier_range"]) if r["tier_range"] == r["tier_range"] else "none"


def held_by_zero_fill(
    results: pd.DataFrame, cells: pd.DataFrame, rule: TierRule, weights: dict[str, float]
) -> pd.DataFrame:
    """Countries held below their next tier by a pillar condition that they would meet if the
    pillar's zero-filled cells (flag ``zero:not_listed``: no record in a global list) were left
    out: ``iso3, condition, pillar, score, without_zero_fill, zero_filled``. Arithmetic pillar
    means (the nominal recipe); ``weights``: indicator code -> weight."""
    cols = ["iso3", "condition", "pillar", "score", "without_zero_fill", "zero_filled"]
    flags = cells["flags"].astype(str)
    rows: list[dict[str, Any]] = []
    by_iso = {str(k): g for k, g in cells.assign(_zf=flags.str.contains("zero:")).groupby("iso3")}
    for _, r in results.iterrows():
        if r["next_needs"] != r["next_needs"] or not r["next_needs"]:
            continue
        g = by_iso.get(str(r["iso3"]))
        if g is None:
            continue
        for need in json.loads(str(r["next_needs"])):
            c = rule.condition(str(need["condition"]))
            m = c.measure
            if m.pillar is None or m.min is None or need["state"] != "not_met":
                continue
            sub = g[
                (g["pillar"] == m.pillar)
                & g["normalised"].notna()
                & ~g["indicator"].isin(list(m.exclude))
            ]
            zf = sub[sub["_zf"]]
            if zf.empty:
                continue
            keep = sub[~sub["_zf"]]
            if keep.empty:
                continue
            w = keep["indicator"].map(weights).fillna(1.0)
            without = float((keep["normalised"] * w).sum() / w.sum())
            if without >= m.min:
                rows.append(
                    {
                        "iso3": r["iso3"],
                        "condition": c.code,
                        "pillar": m.key,
                        "score": round(float(m.min) - float(need.get("gap_points", 0.0)), 2),
                        "without_zero_fill": round(without, 2),
                        "zero_filled": ",".join(sorted(zf["indicator"])),
                    }
                )
    return pd.DataFrame(rows, columns=cols)


def tier_validity(
    results: pd.DataFrame, rule: TierRule, zero_fill: pd.DataFrame | None = None
) -> TierValidity:
    """``results``: one row per Member State with ``iso3, name, income_group, ldc, lldc, sids,
    score, tier, tier_high, tier_range, tier_conditions, next_needs, near_boundary``;
    ``zero_fill``: :func:`held_by_zero_fill`'s table, reported in the checks."""
    res = results.copy()
    res["range"] = res.apply(_label, axis=1)
    order = sorted(res["range"].unique(), key=lambda s: (s == "none", s))
    inc = res["income_group"].fillna("none")
    by_income = pd.crosstab(res["range"], inc).reindex(index=order)
    cols = [c for c in INCOME_ORDER if c in by_income.columns] + [
        c for c in by_income.columns if c not in INCOME_ORDER
    ]
    by_income = by_income[cols]
    by_income["all"] = by_income.sum(axis=1)
    groups = {
        g.upper(): res.loc[res[g].fillna(False).astype(bool), "range"].value_counts()
        for g in ("ldc", "lldc", "sids")
    }
    groups["all"] = res["range"].value_counts()
    by_group = pd.DataFrame(groups).reindex(index=order).fillna(0).astype(int)

    firm = res[(res["tier"].notna()) & (res["tier"] == res["tier_high"])].copy()
    firm["tier_i"] = firm["tier"].astype(int)
    med = firm.groupby("income_group")["tier_i"].median()
    firm["predicted"] = firm["income_group"].map(med)
    out_rows: list[dict[str, Any]] = []
    for _, r in firm.iterrows():
        pred = r["predicted"]
        if pred != pred or r["tier_i"] == pred:
            continue
        conds = json.loads(str(r["tier_conditions"]))
        direction = "above" if r["tier_i"] > pred else "below"
        if direction == "below":
            # what fails at the tier its income predicts (the lowest tier it misses)
            lo = int(r["tier_i"]) + 1
            why = [
                f"{c['name']}: {c['detail']}"
                for c in conds
                if c["required"] and c["state"] != "met" and int(c["tier"]) == lo
            ]
        else:
            why = [
                f"{c['name']}: {c['detail']}"
                for c in conds
                if c["required"]
                and c["state"] == "met"
                and pred < int(c["tier"]) <= r["tier_i"]
                and not str(c["condition"]).split("_")[-1].isdigit()
            ] or [
                "meets the pillar floors of the higher tiers"
                " (every foundation pillar at the thresholds)"
            ]
        out_rows.append(
            {
                "iso3": r["iso3"],
                "name": r.get("name"),
                "income_group": r["income_group"],
                "tier": int(r["tier_i"]),
                "predicted": float(pred),
                "direction": direction,
                "why": "; ".join(why),
            }
        )
    outliers = pd.DataFrame(
        out_rows,
        columns=["iso3", "name", "income_group", "tier", "predicted", "direction", "why"],
    ).sort_values(["direction", "income_group", "iso3"], kind="stable")

    # which condition holds each country (its next tier's first unmet or unknown condition)
    hold: dict[str, int] = {}
    for needs in res["next_needs"].dropna():
        items = json.loads(str(needs))
        for item in items:
            hold[item["condition"]] = hold.get(item["condition"], 0) + 1
    holding = pd.DataFrame(
        [
            {
                "condition": c.code,
                "tier": rule.tier_of(c.code),
                "holds": hold.get(c.code, 0),
                "name": c.name,
            }
            for c in rule.conditions
            if c.required
        ]
    )
    checks = _checks(res, rule)
    held = held_below_capacity(res, rule)
    checks["held_below_capacity"] = _held_checks(held, res)
    if zero_fill is not None:
        checks["held_by_zero_filled_values"] = {
            "countries": sorted(set(zero_fill["iso3"])),
            "by_indicator": zero_fill["zero_filled"].value_counts().to_dict(),
            "tier_0": sorted(
                set(zero_fill["iso3"]) & set(res.loc[res["tier"] == 0, "iso3"].astype(str))
            ),
        }
    return TierValidity(by_income, by_group, outliers, holding, checks, held)


HELD_COLUMNS = [
    "iso3",
    "name",
    "income_group",
    "tier",
    "tier_range",
    "capacity_tier",
    "capacity_tier_high",
    "held_tiers",
    "p_capacity_tier",
    "condition",
    "state",
]


def held_below_capacity(results: pd.DataFrame, rule: TierRule) -> pd.DataFrame:
    """One row per country and enabler condition that holds its (proven) tier below its
    capacity level (:func:`aicap.analysis.tier_statement.state_tier`, recomputed from each
    country's ``tier_conditions``): ``iso3, name, income_group, tier, tier_range,
    capacity_tier, capacity_tier_high, held_tiers, p_capacity_tier, condition, state``
    (``p_capacity_tier``: the capacity level's probability where computed; ``not_met``, or
    ``unknown`` where the tier is a range)."""
    rows: list[dict[str, Any]] = []
    for _, r in results.iterrows():
        if r["tier"] != r["tier"] or r["tier"] is pd.NA:
            continue
        conds = json.loads(str(r["tier_conditions"]))
        states = {str(c["condition"]): str(c["state"]) for c in conds}
        low, high = int(r["tier"]), int(r["tier_high"])
        unknown = [u for u in str(r.get("unknown_conditions") or "").split(",") if u]
        st = state_tier(rule, states, low, high, unknown)
        if st.capacity_tier <= low:
            continue
        for code in st.held_by:
            rows.append(
                {
                    "iso3": r["iso3"],
                    "name": r.get("name"),
                    "income_group": r.get("income_group"),
                    "tier": low,
                    "tier_range": r["tier_range"],
                    "capacity_tier": st.capacity_tier,
                    "capacity_tier_high": st.capacity_tier_high,
                    "held_tiers": st.capacity_tier - low,
                    "p_capacity_tier": r.get("p_capacity_tier", np.nan),
                    "condition": code,
                    "state": states.get(code, "unknown"),
                }
            )
    return pd.DataFrame(rows, columns=HELD_COLUMNS).sort_values(
        ["condition", "state", "capacity_tier", "iso3"], ascending=[True, True, False, True]
    )


def _held_checks(held: pd.DataFrame, res: pd.DataFrame) -> dict[str, Any]:
    """Per enabler condition and state: how many countries it holds, by how many tiers, which
    (ISO3) and by income group; and tier-0 countries whose capacity level is 2 or more."""
    out: dict[str, Any] = {}
    for (code, state), g in held.groupby(["condition", "state"], sort=True):
        out[f"{code}:{state}"] = {
            "countries": len(set(g["iso3"])),
            "capacity_at_least_1": int((g["capacity_tier"] >= 1).sum()),
            "capacity_at_least_2": int((g["capacity_tier"] >= 2).sum()),
            "by_tiers_held": {str(k): int(v) for k, v in g["held_tiers"].value_counts().items()},
            "by_income": {
                str(k): int(v) for k, v in g["income_group"].fillna("none").value_counts().items()
            },
            "iso3_by_capacity": {
                str(c): sorted(x["iso3"].astype(str)) for c, x in g.groupby("capacity_tier")
            },
        }
    zero = held[(held["tier"] == 0) & (held["capacity_tier"] >= 2)]
    firm0 = held[held["tier_range"].astype(str) == "0"]
    return {
        "by_condition": out,
        "tier_0_proven_with_capacity_2_or_more": sorted(
            set(zero.loc[zero["tier_range"].astype(str) == "0", "iso3"].astype(str))
        ),
        "tier_0_range_with_capacity_2_or_more": sorted(
            set(zero.loc[zero["tier_range"].astype(str) != "0", "iso3"].astype(str))
        ),
        "tier_0_proven_held": len(set(firm0["iso3"])),
        **_tier0_statements(res),
    }


def _tier0_statements(res: pd.DataFrame) -> dict[str, Any]:
    """How the proven tier-0 countries are stated: with A/79/966's name ('AI nascent':
    capacity level 0, nothing held), held by an enabler above a known capacity level, or held
    with a capacity level not assessed beyond 0; counts by income group, high-income listed."""
    if "tier_named" not in res.columns:
        return {}
    firm0 = res[(res["tier"] == 0) & (res["tier_high"] == 0)].copy()
    cap = firm0["capacity_tier"].astype("Float64").fillna(0.0).astype(float)
    kind = np.where(
        firm0["tier_named"].fillna(False).astype(bool),
        "named_ai_nascent",
        np.where(cap > 0, "held_above_capacity_0", "held_capacity_not_assessed"),
    )
    firm0["kind"] = kind
    inc = firm0["income_group"].fillna("none")
    return {
        "tier_0_proven": len(firm0),
        "tier_0_named_ai_nascent": int((firm0["kind"] == "named_ai_nascent").sum()),
        "tier_0_statements": {
            str(k): {str(i): int(n) for i, n in g.groupby(inc.loc[g.index]).size().items()}
            for k, g in firm0.groupby("kind")
        },
        "tier_0_high_income": {
            str(r["iso3"]): str(r["kind"]) for _, r in firm0[inc == "HIC"].iterrows()
        },
    }


def _state(conds: list[dict[str, Any]], code: str) -> str:
    for c in conds:
        if c["condition"] == code:
            return str(c["state"])
    return "unknown"


def _checks(res: pd.DataFrame, rule: TierRule) -> dict[str, Any]:
    conds = {str(r["iso3"]): json.loads(str(r["tier_conditions"])) for _, r in res.iterrows()}
    t = res.set_index("iso3")
    tier4 = [i for i in t.index if t.at[i, "tier"] == 4]
    dev_ok = [i for i in tier4 if _state(conds[i], "develops_models") == "met"]
    zero = [i for i in t.index if t.at[i, "tier"] == 0]
    strat_compute = [
        i
        for i in zero
        if _state(conds[i], "strategy") == "met" and _state(conds[i], "compute_access") == "met"
    ]
    held_by_strategy = [
        i
        for i in strat_compute
        if any(n["condition"] == "strategy" for n in json.loads(str(t.at[i, "next_needs"])))
    ]
    ranged = t[t["tier"] != t["tier_high"]]
    score = t["score"].astype(float)
    tier = t["tier"].astype("Float64").astype(float)
    ok = score.notna() & tier.notna()
    rho = float(sps.spearmanr(score[ok], tier[ok])[0]) if ok.sum() > 3 else float("nan")
    inc = t["income_group"]
    return {
        "member_states": len(t),
        "tier_4": len(tier4),
        "tier_4_with_notable_models": len(dev_ok),
        "tier_4_without_notable_models": sorted(set(tier4) - set(dev_ok)),
        "tier_0": len(zero),
        "tier_0_with_strategy_and_compute": sorted(strat_compute),
        "tier_0_for_want_of_a_strategy_despite_one": sorted(held_by_strategy),
        "ranges": len(ranged),
        "ranges_by_unknown_condition": ranged["unknown_conditions"].value_counts().to_dict(),
        "near_boundary": int(t["near_boundary"].fillna(False).astype(bool).sum()),
        "low_income_in_tier_0": int(((inc == "LIC") & (t["tier"] == 0)).sum()),
        "low_income": int((inc == "LIC").sum()),
        "high_income_in_tier_4": int(((inc == "HIC") & (t["tier"] == 4)).sum()),
        "high_income": int((inc == "HIC").sum()),
        "tier_4_not_high_income": sorted(i for i in tier4 if inc.get(i) != "HIC"),
        "spearman_tier_vs_score": round(rho, 3) if np.isfinite(rho) else None,
    }


def tier_validity_markdown(v: TierValidity) -> str:
    """The report as Markdown (``var/out/tier_validity.md``; figures quoted in docs/index.md)."""
    c = v.checks
    lines = [
        "# Tier validity (measured on the latest results)",
        "",
        "Tiers with a range (e.g. `0-3`) depend on a condition the sources did not assess.",
        "",
        "## Tiers by income group",
        "",
        _md(v.by_income),
        "",
        "## Tiers by LDC / LLDC / SIDS status",
        "",
        _md(v.by_group),
        "",
        "## Internal consistency",
        "",
        f"- Tier 4 ('AI developers'): {c['tier_4']}; with notable models developed: "
        f"{c['tier_4_with_notable_models']}; without: "
        f"{c['tier_4_without_notable_models'] or 'none'}.",
        f"- Tier 0 with a strategy and compute within reach: "
        f"{len(c['tier_0_with_strategy_and_compute'])} "
        f"({', '.join(c['tier_0_with_strategy_and_compute']) or 'none'}); held there for want "
        f"of a strategy despite having one: "
        f"{', '.join(c['tier_0_for_want_of_a_strategy_despite_one']) or 'none'}.",
        f"- Ranges (tier depends on evidence not assessed): {c['ranges']} "
        f"({json.dumps(c['ranges_by_unknown_condition'])}).",
        f"- Near a tier boundary (probability of the tier below the threshold): "
        f"{c['near_boundary']}.",
        f"- Low-income in tier 0: {c['low_income_in_tier_0']} of {c['low_income']}; "
        f"high-income in tier 4: {c['high_income_in_tier_4']} of {c['high_income']}; "
        f"tier 4 outside high income: {', '.join(c['tier_4_not_high_income']) or 'none'}.",
        f"- Spearman correlation of the (proven) tier with the index score: "
        f"{c['spearman_tier_vs_score']}.",
        *(
            [
                f"- A pillar condition of the next tier failed only because of zero-filled values "
                f"(met without its `zero:not_listed` cells): "
                f"{len(c['held_by_zero_filled_values']['countries'])} countries "
                f"({', '.join(c['held_by_zero_filled_values']['countries']) or 'none'}); "
                f"by indicator {json.dumps(c['held_by_zero_filled_values']['by_indicator'])}; "
                f"of them in tier 0: "
                f"{', '.join(c['held_by_zero_filled_values']['tier_0']) or 'none'}."
            ]
            if "held_by_zero_filled_values" in c
            else []
        ),
        "",
        *_held_markdown(v),
        "## Which condition holds countries below the next tier",
        "",
        _md(v.holding.set_index("condition")),
        "",
        "## Tier differs from the median tier of the income group",
        "",
        _md(v.income_outliers.set_index("iso3")) if len(v.income_outliers) else "None.",
        "",
    ]
    return "\n".join(lines)


def _held_markdown(v: TierValidity) -> list[str]:
    """The section on enablers holding tiers below the capacity level."""
    h = v.checks.get("held_below_capacity")
    if h is None:
        return []
    lines = [
        "## Held below the capacity level by an enabler",
        "",
        "The capacity level is the tier a country's capacity conditions (compute, the pillar "
        "floors, models) reach on their own; an enabler (the adopted strategy) holds the tier "
        "below it. Where that happens the tier is stated with what holds it and the capacity "
        "level, never with A/79/966's name for the tier (frameworks/aicap.yaml, "
        "`tiers: statements:`). `not_met`: the tier is proven; `unknown`: the enabler was not "
        "assessed and the tier is a range.",
        "",
    ]
    if not h["by_condition"]:
        lines += ["None.", ""]
    for key, d in h["by_condition"].items():
        code, state = key.split(":")
        lines.append(
            f"- `{code}` ({state}): {d['countries']} countries held below their capacity level; "
            f"capacity level at least 1: {d['capacity_at_least_1']}, at least 2: "
            f"{d['capacity_at_least_2']}; by tiers held {json.dumps(d['by_tiers_held'])}; by "
            f"income group {json.dumps(d['by_income'])}."
        )
        for cap, isos in sorted(d["iso3_by_capacity"].items(), reverse=True):
            lines.append(f"  - capacity level {cap}: {', '.join(isos)}")
    lines += [
        "",
        f"- Tier 0 countries whose capacity level is 2 or more: proven tier 0 (no adopted "
        f"strategy): {', '.join(h['tier_0_proven_with_capacity_2_or_more']) or 'none'}; tier "
        f"0 on the known evidence, a range (strategy not assessed): "
        f"{', '.join(h['tier_0_range_with_capacity_2_or_more']) or 'none'}.",
    ]
    if "tier_0_proven" in h:
        lines += [
            f"- Tier 0 proven: {h['tier_0_proven']}; held by an enabler above capacity level "
            f"0: {h['tier_0_proven_held']}; stated with A/79/966's name 'AI nascent' (capacity "
            f"level 0, nothing held): {h['tier_0_named_ai_nascent']}. By statement and income "
            f"group: {json.dumps(h['tier_0_statements'])}; high-income: "
            f"{json.dumps(h['tier_0_high_income'])}.",
        ]
    lines.append("")
    if len(v.held):
        lines += [_md(v.held.set_index("iso3")), ""]
    return lines


def _md(frame: pd.DataFrame) -> str:
    cols = [str(frame.index.name or "")] + [str(c) for c in frame.columns]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in frame.iterrows():
        cells = [str(idx)] + [str(v).replace("|", "/").replace("\n", " ") for v in row.tolist()]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
