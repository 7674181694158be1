"""Constant-composition series: the only basis aicap uses for any statement about change.

A yearly score can move because the world moved or because its ingredients changed: an
indicator that starts (AI diffusion in 2025, the Online Service Index in 2024), stops
(statistical capacity after 2022) or changes method (secure servers, from 2018).
:func:`constant_composition` rebuilds, for a window ``start..end``, every country's index and
pillar scores from the **same indicators in every year of the window** (the cells the country
has in all of them), on the same fixed goalposts, with the engine's own aggregation (same
weights, same data-availability thresholds); indicators with a method break inside the window
are left out for everyone. The result says which indicators it holds, per country and overall,
and which it excluded and why, so that every trend sentence can name its composition.

``composition_breaks`` lists the years where the set of indicators the yearly index can use
changes: the pages draw a break marker there and never read a trend across it from the yearly
(not constant-composition) scores. Pure: no I/O.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.spec import INDEX_CODE, IndexSpec
from aicap.index.pipeline import aggregate_tree

#: The column that holds the index score in the tables below (pillars keep their codes).
SCORE = "score"


@dataclass(frozen=True)
class Composition:
    """Constant-composition scores over ``start..end``.

    * ``scores``: one row per country and year: ``iso3, year, score`` and one column per
      pillar (NaN where the country's constant set does not meet a threshold);
    * ``held``: one row per country: ``iso3, n_held, n_indicators, held`` (comma-separated
      indicator codes held in every year of the window);
    * ``eligible``: the indicators allowed in the window (not excluded for a method break);
    * ``excluded``: indicator -> reason, for the indicators no country can use in the window
      (absent in some year for every country, or a method break inside the window).
    """

    start: int
    end: int
    years: tuple[int, ...]
    scores: pd.DataFrame
    held: pd.DataFrame
    eligible: tuple[str, ...]
    excluded: dict[str, str]
    note: str = ""  # why the window starts where it does (see comparable_start)

    def wide(self, measure: str = SCORE) -> pd.DataFrame:
        """``iso3 x year`` table of ``measure``."""
        return self.scores.pivot(index="iso3", columns="year", values=measure)

    def describe(self, names: dict[str, str] | None = None) -> str:
        """One sentence naming the composition (for captions and methods notes)."""
        names = names or {}
        n_ind = len(self.eligible) - sum(1 for c in self.excluded if c in self.eligible)
        out = [
            f"constant composition {self.start}-{self.end}: each country's scores use only the "
            f"indicators it has in every year of the window (median "
            f"{_median_int(self.held['n_held'])} of {n_ind} usable)"
        ]
        if self.excluded:
            out.append(
                "left out for every country: "
                + "; ".join(f"{names.get(c, c)} ({why})" for c, why in self.excluded.items())
            )
        text = ", ".join(out[:1]) + ("; " + out[1] if len(out) > 1 else "")
        return text + (f" ({self.note})" if self.note else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "years": list(self.years),
            "eligible": list(self.eligible),
            "excluded": dict(self.excluded),
            "median_held": _median_int(self.held["n_held"]),
            "note": self.note,
        }


def _median_int(s: pd.Series) -> int:
    v = s.to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return int(np.median(v)) if v.size else 0


def method_break_year(ind: Any) -> int | None:
    """The year from which ``ind``'s values are not comparable with earlier ones, if any."""
    mb = getattr(ind, "method_break", None)
    if mb is None:
        return None
    return int(mb.year)


def break_exclusions(spec: IndexSpec, start: int, end: int) -> dict[str, str]:
    """Indicators with a method break inside ``start < year <= end``: code -> reason."""
    out: dict[str, str] = {}
    for ind in spec.indicators:
        y = method_break_year(ind)
        if y is not None and start < y <= end:
            note = getattr(getattr(ind, "method_break", None), "note", "")
            out[ind.code] = f"method break in {y}" + (f": {note}" if note else "")
    return out


def _stack(cells: pd.DataFrame, years: list[int], inds: list[str]) -> tuple[list[str], np.ndarray]:
    """``(T, n, k)`` normalised scores of ``cells`` for ``years`` x countries x ``inds``."""
    sel = cells[cells["year"].isin(years)]
    units = sorted(sel["iso3"].astype(str).unique())
    wide = sel.pivot_table(
        index=["year", "iso3"], columns="indicator", values="normalised", aggfunc="first"
    )
    full = pd.MultiIndex.from_product([years, units], names=["year", "iso3"])
    wide = wide.reindex(index=full, columns=inds)
    arr = wide.to_numpy(dtype=np.float64).reshape(len(years), len(units), len(inds))
    return units, arr


def constant_composition(
    cells: pd.DataFrame,
    spec: IndexSpec,
    start: int,
    end: int,
    *,
    years: list[int] | None = None,
) -> Composition:
    """Constant-composition index and pillar scores for every year of ``start..end`` (or the
    given ``years`` within it), from ``cells`` (``iso3, year, indicator, normalised``)."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    ys = sorted(
        int(y)
        for y in (years if years is not None else cells["year"].unique())
        if start <= y <= end
    )
    if start not in ys or end not in ys:
        raise ValueError(f"no cells for both {start} and {end}")
    fw = spec.framework()
    tree = fw.tree
    inds = list(tree.indicators)
    excluded = break_exclusions(spec, start, end)
    units, stack = _stack(cells, ys, inds)
    allowed = np.array([c not in excluded for c in inds], dtype=bool)
    common = ~np.isnan(stack).any(axis=0) & allowed[None, :]  # (n, k)
    for j, c in enumerate(inds):
        if c not in excluded and not common[:, j].any():
            excluded[c] = "not available in every year of the window for any country"
    masked = np.where(common[None, :, :], stack, np.nan)
    step = spec.recipe(end).step("aggregate")
    assert step is not None
    vals, _ = aggregate_tree(masked, tree.weights(), tree, step, "constant composition")
    cols = {SCORE: tree.codes.index(INDEX_CODE)}
    for p in spec.pillar_codes:
        cols[p] = tree.codes.index(p)
    frames = []
    for t, y in enumerate(ys):
        f = pd.DataFrame({"iso3": units, "year": y})
        for name, j in cols.items():
            f[name] = vals[t, :, j]
        frames.append(f)
    scores = pd.concat(frames, ignore_index=True)
    codes = np.asarray(inds, dtype=object)
    held = pd.DataFrame(
        {
            "iso3": units,
            "n_held": common.sum(axis=1),
            "n_indicators": int(allowed.sum()),
            "held": [",".join(codes[row]) for row in common],
        }
    )
    eligible = tuple(c for c in inds if c not in excluded)
    return Composition(start, end, tuple(ys), scores, held, eligible, excluded)


def composition_breaks(cells: pd.DataFrame, min_share: float = 0.5) -> list[dict[str, Any]]:
    """Years in which the yearly index changes its ingredients: an indicator that at least
    ``min_share`` of the countries scored with it in the year before no longer has (or that
    many more gain one). ``[{year, entered: [...], left: [...]}]``, sorted by year."""
    have = cells.dropna(subset=["normalised"]).groupby(["year", "indicator"])["iso3"].nunique()
    table = have.unstack("indicator").fillna(0).sort_index()
    out: list[dict[str, Any]] = []
    years = list(table.index)
    for a, b in itertools.pairwise(years):
        before, after = table.loc[a], table.loc[b]
        base = np.maximum(before, after).replace(0, np.nan)
        rel = (after - before) / base
        entered = sorted(str(c) for c in rel.index[rel >= min_share])
        left = sorted(str(c) for c in rel.index[rel <= -min_share])
        if entered or left:
            out.append({"year": int(b), "entered": entered, "left": left})
    return out


#: The share of the units that must have a constant-composition index score for a window to be
#: used for statements about change (see :func:`comparable_start`).
MIN_COMPARABLE_SHARE = 0.5


def comparable_start(
    cells: pd.DataFrame,
    spec: IndexSpec,
    end: int,
    min_share: float = MIN_COMPARABLE_SHARE,
) -> tuple[int, str]:
    """The earliest start year whose window ``start..end`` gives a constant-composition index
    score to at least ``min_share`` of the units, and the reason in words. A longer window
    loses indicators (those not observed in every year, and those with a method break inside
    it); when too few units keep a score, the window is shortened rather than the comparison
    made across a break. Raises ``ValueError`` when no window of two or more years qualifies."""
    years = sorted(int(y) for y in cells["year"].unique() if int(y) < end)
    n_units = int(cells["iso3"].nunique())
    first = years[0] if years else end
    for s in years:
        comp = constant_composition(cells, spec, s, end)
        share = float(comp.wide().notna().all(axis=1).sum()) / max(n_units, 1)
        if share >= min_share:
            if s == first:
                return s, ""
            why = (
                f"the comparison starts in {s}: over {first}-{end} fewer than "
                f"{min_share:.0%} of the countries keep a comparable score"
            )
            breaks = break_exclusions(spec, first, end)
            if breaks:
                why += "; " + "; ".join(f"{c}: {r}" for c, r in breaks.items())
            return s, why
    raise ValueError(f"no window ending in {end} gives comparable scores to {min_share:.0%}")
