"""Change over time: like-for-like score changes, the noise of the yearly series, and the lists of
countries that improved and that fell behind.

The yearly index (one build per year, fixed goalposts) can change composition: an indicator that
starts (AI diffusion, 2025) or stops (statistical capacity after 2022) changes a country's score
without any real change. Changes are therefore measured **like for like**: for each country, only
the indicators it has in every year of the comparison, aggregated by the engine's own aggregation
(same weights, same thresholds). The noise is the scatter of these comparable yearly scores
around each country's linear trend (pooled median); a change counts when it exceeds
``z * noise * sqrt(2)`` (two noisy end points). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aicap.analysis.spec import INDEX_CODE, IndexSpec
from aicap.index import Composite
from aicap.index.pipeline import aggregate_tree


@dataclass(frozen=True)
class Change:
    """Comparable yearly scores, the noise estimate, the threshold and per-country changes."""

    comparable: pd.DataFrame  # index iso3, columns years: like-for-like index scores
    changes: pd.DataFrame  # one row per Member State
    noise: float
    threshold: float
    start: int
    end: int


def comparable_scores(
    composites: Mapping[int, Composite], spec: IndexSpec, code: str = INDEX_CODE
) -> pd.DataFrame:
    """Like-for-like scores of ``code`` for every year of ``composites``: each country's
    normalised indicators masked to the cells it has in *every* year, then aggregated with the
    recipe's aggregate step and the composite's weights."""
    years = sorted(composites)
    first = composites[years[0]]
    tree = first.framework.tree
    step = first.recipe.step("aggregate")
    assert step is not None
    inds = tree.indicators
    units = first.stage("normalised").index
    stack = np.stack(
        [
            composites[y].stage("normalised").reindex(index=units, columns=inds).to_numpy(float)
            for y in years
        ]
    )  # (T, n, k)
    common = ~np.isnan(stack).any(axis=0)  # (n, k)
    # an indicator whose method changed inside the window is not comparable across it
    from aicap.analysis.trend import break_exclusions

    broken = break_exclusions(spec, years[0], years[-1])
    common &= np.array([c not in broken for c in inds], dtype=bool)[None, :]
    masked = np.where(common[None, :, :], stack, np.nan)
    vals, _ = aggregate_tree(masked, first.weights, tree, step, "comparable")
    j = tree.codes.index(code)
    return pd.DataFrame(vals[..., j].T, index=units, columns=years)


def trend_noise(comparable: pd.DataFrame, min_years: int = 4) -> float:
    """Pooled noise of the yearly series: median over countries of the residual standard
    deviation around the country's own least-squares line (ddof 2)."""
    years = np.asarray(comparable.columns, dtype=np.float64)
    sds: list[float] = []
    for row in comparable.to_numpy(dtype=np.float64):
        ok = ~np.isnan(row)
        if ok.sum() < min_years:
            continue
        x, y = years[ok], row[ok]
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (slope * x + intercept)
        sds.append(float(np.sqrt((resid**2).sum() / (ok.sum() - 2))))
    return float(np.median(sds)) if sds else float("nan")


def classify_changes(
    composites: Mapping[int, Composite],
    spec: IndexSpec,
    names: pd.Series | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Change:
    """Per Member State: comparable score at ``start`` and ``end`` (default: first and last
    year of ``composites``), change, change relative to the median change, and the
    classification ``improved`` / ``declined`` / ``stable`` (absolute) and ``fell_behind`` /
    ``caught_up`` / ``kept_pace`` (relative to the median change), with the noise threshold."""
    years = sorted(y for y in composites if (start is None or y >= start))
    years = [y for y in years if end is None or y <= end]
    comp = comparable_scores({y: composites[y] for y in years}, spec)
    s, e = years[0], years[-1]
    noise = trend_noise(comp)
    threshold = spec.series.change_noise_z * noise * float(np.sqrt(2.0))
    change = comp[e] - comp[s]
    med = float(np.nanmedian(change.to_numpy(dtype=np.float64)))
    rel = change - med
    out = pd.DataFrame(
        {
            "iso3": comp.index,
            "start": s,
            "end": e,
            "score_start": comp[s].to_numpy(),
            "score_end": comp[e].to_numpy(),
            "change": change.to_numpy(),
            "change_vs_median": rel.to_numpy(),
        }
    )
    if names is not None:
        out.insert(1, "name", names.reindex(comp.index).to_numpy())
    ch = out["change"].to_numpy(dtype=np.float64)
    rv = out["change_vs_median"].to_numpy(dtype=np.float64)
    nan = np.isnan(ch)
    out["direction"] = np.where(
        nan, "not_comparable", np.where(ch > threshold, "improved", "stable")
    )
    out.loc[~nan & (ch < -threshold), "direction"] = "declined"
    out["relative"] = np.where(
        nan,
        "not_comparable",
        np.where(
            rv < -threshold, "fell_behind", np.where(rv > threshold, "caught_up", "kept_pace")
        ),
    )
    out = out.sort_values("change", ascending=False, na_position="last").reset_index(drop=True)
    return Change(comp, out, noise, threshold, s, e)
