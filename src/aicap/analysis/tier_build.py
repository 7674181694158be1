"""Tiers for the shipped index: per year from that year's assets and pillar scores, and for the
latest year with the evidence in natural units and the Monte Carlo probabilities. Pure (the
assets' record tables come in as :class:`~aicap.analysis.assets.AssetInputs`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aicap.analysis.assets import AssetInputs, country_assets
from aicap.analysis.capacity_index import STATUS_SCORED
from aicap.analysis.spec import IndexSpec
from aicap.analysis.tiers import (
    add_probabilities,
    assign_tiers,
    evaluate_conditions,
    natural_units,
    nominal_variants,
    pillar_draws,
    tier_probabilities,
)
from aicap.index.spec import UncertaintySpec


@dataclass(frozen=True)
class McSettings:
    """The index Monte Carlo's settings that move pillar scores: the level-1 weight noise and
    the pillar aggregation's power-mean exponents (1 = arithmetic)."""

    weight_noise: float
    powers: tuple[float, ...]
    source: str

    @classmethod
    def from_uncertainty(cls, uspec: UncertaintySpec | None) -> McSettings:
        noise, powers = 0.0, [1.0]
        if uspec is None:
            return cls(noise, tuple(powers), "none (no uncertainty spec): pillar scores fixed")
        for inp in uspec.inputs:
            kind = getattr(inp, "kind", None)
            if kind == "weight_noise":
                noise = float(getattr(inp, "levels", {}).get(1, 0.0))
            elif kind == "aggregate":
                ps: list[float] = []
                for alt in getattr(inp, "alternatives", ()):
                    m = str(alt.method)
                    if m in ("a_amean", "amean"):
                        ps.append(1.0)
                    elif m in ("a_genmean", "genmean"):
                        ps.append(float(alt.params.get("p", 1.0)))
                    elif m in ("a_gmean", "gmean"):
                        ps.append(1e-6)  # geometric: the limit p -> 0
                if ps:
                    powers = ps
        return cls(noise, tuple(powers), f"{uspec.name}: weight noise {noise:g}, means {powers}")


def _with_variants(
    spec: IndexSpec, results: pd.DataFrame, cells: pd.DataFrame | None
) -> pd.DataFrame:
    """The pillar scores of ``results`` (index iso3) plus the rule's pillar variants computed
    from ``cells`` (NaN without cells: those conditions are then unknown)."""
    pillars = results.set_index("iso3")[spec.pillar_codes]
    variants = spec.tiers.variants()
    if not variants:
        return pillars
    if cells is None:
        return pillars.assign(**{k: np.nan for k in variants})
    extra = nominal_variants(spec, cells, list(pillars.index), spec.tiers)
    return pillars.join(extra)


def with_tiers(
    spec: IndexSpec,
    results: pd.DataFrame,
    inputs: AssetInputs,
    *,
    cells: pd.DataFrame | None = None,
    natural: bool = False,
) -> pd.DataFrame:
    """``results`` (one year) with the tier columns of :func:`assign_tiers` (assets as of that
    year). ``cells`` (that year's cells) give the rule's pillar variants; with ``natural``,
    pillar gaps are also read in natural units (the latest year's tiers do it in
    :func:`latest_tiers`).
    ``tier_basis`` says whether every pillar was scored."""
    year = int(results["year"].iloc[0])
    pillars = _with_variants(spec, results, cells)
    assets = country_assets(inputs, list(pillars.index), as_of=year)
    conds = evaluate_conditions(spec.tiers, pillars, assets, year)
    hints = (
        natural_units(spec, cells, pillars, spec.tiers) if natural and cells is not None else None
    )
    tiers = assign_tiers(spec.tiers, conds, natural=hints)
    out = results.merge(tiers, left_on="iso3", right_index=True, how="left")
    out["tier_basis"] = np.where(
        out["status"] == STATUS_SCORED,
        "all pillars",
        "available evidence (" + out["missing_pillars"].astype(str) + " not scored)",
    )
    return out


def latest_tiers(
    spec: IndexSpec,
    results: pd.DataFrame,
    inputs: AssetInputs,
    cells: pd.DataFrame,
    mc: McSettings,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The latest year's results with tiers, probabilities and natural-unit needs; also the
    asset table and the condition table (long) it rests on."""
    year = int(results["year"].iloc[0])
    pillars = _with_variants(spec, results, cells)
    countries = list(pillars.index)
    assets = country_assets(inputs, countries, as_of=year)
    conds = evaluate_conditions(spec.tiers, pillars, assets, year)
    natural = natural_units(spec, cells, pillars, spec.tiers)
    tiers = assign_tiers(spec.tiers, conds, natural=natural)
    rule = spec.tiers
    draws = pillar_draws(
        spec,
        cells,
        countries,
        replications=rule.replications,
        seed=rule.seed,
        weight_noise=mc.weight_noise,
        powers=mc.powers,
        variants=rule.variants(),
    )
    probs = tier_probabilities(rule, conds, draws, countries)
    tiers = add_probabilities(tiers, probs, rule)
    base = results.drop(columns=[c for c in tiers.columns if c in results.columns])
    out = base.merge(tiers, left_on="iso3", right_index=True, how="left")
    out["tier_basis"] = np.where(
        out["status"] == STATUS_SCORED,
        "all pillars",
        "available evidence (" + out["missing_pillars"].astype(str) + " not scored)",
    )
    return out, assets, conds
