"""The global AI divide: gaps between groups, inequality across countries, convergence.

Pure functions on plain arrays and DataFrames (no warehouse access), so that every measure can
be checked against an analytic answer:

* :func:`gini` (population Gini of a non-negative variable, 0 = all equal);
* :func:`theil_t` and :func:`theil_decompose` (Theil T, with its exact between/within
  decomposition by a grouping: ``total == between + within`` to rounding error);
* :func:`sigma_convergence` (dispersion per year on a balanced panel) and
  :func:`beta_convergence` (annual change regressed on the initial level: a negative slope
  whose confidence interval excludes zero means lagging countries catch up);
* :func:`divide_table` (per year and measure: the high-income minus least developed countries
  gap, Gini, Theil with its between-group shares by income group and by UN region);
* :func:`is_divide_widening` (the plain answer, with bootstrap intervals over countries).

Scores are the aicap index and pillar scores on fixed goalposts (0-100), so changes over time
are real changes and not re-scaling. Zero scores are allowed (``0 ln 0 = 0`` in Theil).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]

#: Income-group codes of the World Bank FY2025 classification, as in the country reference.
HIGH_INCOME = "HIC"
LOW_INCOME = "LIC"


# ------------------------------------------------------------------------------ inequality
def _clean(x: ArrayLike) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    arr = arr[np.isfinite(arr)]
    if (arr < 0).any():
        raise ValueError("inequality measures need non-negative values")
    return arr


def gini(x: ArrayLike) -> float:
    """Gini coefficient of non-negative values (NaN dropped): 0 when all are equal, ``(n-1)/n``
    when one country holds everything. NaN for fewer than two values or a zero mean."""
    arr = np.sort(_clean(x))
    n = arr.size
    total = arr.sum()
    if n < 2 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2.0 * np.sum(ranks * arr) / (n * total) - (n + 1.0) / n)


def gini_rows(matrix: FloatArray) -> FloatArray:
    """Gini of each row of a 2-D array of non-negative values (no NaN), vectorised."""
    arr = np.sort(matrix, axis=1)
    n = arr.shape[1]
    total = arr.sum(axis=1)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 2.0 * (arr @ ranks) / (n * total) - (n + 1.0) / n
    return np.where(total > 0, out, np.nan)


def _xlogx_ratio(x: FloatArray, mu: float) -> FloatArray:
    r = x / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)


def theil_t(x: ArrayLike) -> float:
    """Theil T index ``(1/n) sum (x/mu) ln(x/mu)`` (0 when all are equal, ``ln n`` when one
    country holds everything). NaN for no values or a zero mean."""
    arr = _clean(x)
    if arr.size == 0:
        return float("nan")
    mu = float(arr.mean())
    if mu <= 0:
        return float("nan")
    return float(_xlogx_ratio(arr, mu).mean())


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split by a grouping: ``total = between + within`` exactly.

    ``groups``: one row per group with ``n``, ``pop_share`` (share of countries), ``mean``,
    ``score_share`` (share of the sum of scores), ``theil`` (within the group) and
    ``within_contribution`` (``score_share * theil``)."""

    total: float
    between: float
    within: float
    groups: pd.DataFrame

    @property
    def between_share(self) -> float:
        return self.between / self.total if self.total > 0 else float("nan")


def theil_decompose(x: ArrayLike, groups: ArrayLike) -> TheilDecomposition:
    """Decompose Theil T of ``x`` by ``groups`` (same length; rows with NaN in either are
    dropped). Between: ``sum_g (n_g/n)(mu_g/mu) ln(mu_g/mu)``; within:
    ``sum_g (n_g/n)(mu_g/mu) T_g``."""
    vals = np.asarray(x, dtype=np.float64).ravel()
    grp = pd.Series(np.asarray(groups, dtype=object).ravel())
    keep = np.isfinite(vals) & grp.notna().to_numpy()
    vals = vals[keep]
    grp = grp[keep].astype(str).reset_index(drop=True)
    if (vals < 0).any():
        raise ValueError("inequality measures need non-negative values")
    n = vals.size
    empty = pd.DataFrame(
        columns=["group", "n", "pop_share", "mean", "score_share", "theil", "within_contribution"]
    )
    if n == 0 or vals.sum() <= 0:
        nan = float("nan")
        return TheilDecomposition(nan, nan, nan, empty)
    mu = float(vals.mean())
    total = float(_xlogx_ratio(vals, mu).mean())
    rows: list[dict[str, Any]] = []
    between = 0.0
    within = 0.0
    for name in sorted(grp.unique()):
        sel = vals[(grp == name).to_numpy()]
        n_g = sel.size
        mu_g = float(sel.mean())
        share = (n_g / n) * (mu_g / mu)
        t_g = float(_xlogx_ratio(sel, mu_g).mean()) if mu_g > 0 else 0.0
        if mu_g > 0:
            between += share * float(np.log(mu_g / mu))
        within += share * t_g
        rows.append(
            {
                "group": name,
                "n": n_g,
                "pop_share": n_g / n,
                "mean": mu_g,
                "score_share": share,
                "theil": t_g,
                "within_contribution": share * t_g,
            }
        )
    return TheilDecomposition(total, between, within, pd.DataFrame(rows))


# ------------------------------------------------------------------------------ regression
@dataclass(frozen=True)
class OLSFit:
    """Simple OLS ``y = a + b x`` with the slope's standard error and confidence interval."""

    intercept: float
    slope: float
    slope_se: float
    slope_ci: tuple[float, float]
    p_value: float
    r2: float
    n: int
    resid_sd: float
    x_mean: float
    sxx: float
    level: float

    def predict(self, x: ArrayLike) -> FloatArray:
        return self.intercept + self.slope * np.asarray(x, dtype=np.float64)

    def prediction_interval(self, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Interval for a new observation at ``x``:
        ``yhat +- t s sqrt(1 + 1/n + (x - xbar)^2 / Sxx)``."""
        xs = np.asarray(x, dtype=np.float64)
        t = float(special.stdtrit(self.n - 2, 0.5 + self.level / 2))
        half = t * self.resid_sd * np.sqrt(1 + 1 / self.n + (xs - self.x_mean) ** 2 / self.sxx)
        yhat = self.predict(xs)
        return yhat - half, yhat + half

    def as_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "slope": self.slope,
            "slope_se": self.slope_se,
            "slope_ci": list(self.slope_ci),
            "p_value": self.p_value,
            "r2": self.r2,
            "n": self.n,
            "resid_sd": self.resid_sd,
            "level": self.level,
        }


def ols(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> OLSFit:
    """Least squares of ``y`` on ``x`` (pairs with NaN dropped; needs 3 or more pairs and some
    spread in ``x``)."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    n = xs.size
    if n < 3:
        raise ValueError(f"OLS needs at least 3 observations, got {n}")
    xbar, ybar = float(xs.mean()), float(ys.mean())
    sxx = float(np.sum((xs - xbar) ** 2))
    if sxx <= 0:
        raise ValueError("OLS needs some spread in x")
    slope = float(np.sum((xs - xbar) * (ys - ybar)) / sxx)
    intercept = ybar - slope * xbar
    resid = ys - (intercept + slope * xs)
    sse = float(np.sum(resid**2))
    sst = float(np.sum((ys - ybar) ** 2))
    dof = n - 2
    s = float(np.sqrt(sse / dof)) if dof > 0 else float("nan")
    se = s / float(np.sqrt(sxx))
    # scipy.special's Student-t ufuncs: the same values as stats.t.ppf / stats.t.sf, without
    # the distribution machinery's overhead (this runs thousands of times in a briefing)
    t = float(special.stdtrit(dof, 0.5 + level / 2))
    p = float(2 * special.stdtr(dof, -abs(slope / se))) if se > 0 else float(slope == 0)
    r2 = 1 - sse / sst if sst > 0 else float("nan")
    return OLSFit(
        intercept, slope, se, (slope - t * se, slope + t * se), p, r2, n, s, xbar, sxx, level
    )


# ------------------------------------------------------------------------------ convergence
def balanced(panel: pd.DataFrame, value: str, years: Sequence[int]) -> pd.DataFrame:
    """Wide ``iso3 x year`` of ``value`` restricted to the countries with a value in every one
    of ``years`` (a constant sample, so that composition does not pass for change)."""
    sub = panel[panel["year"].isin(list(years))]
    wide = sub.pivot_table(index="iso3", columns="year", values=value, aggfunc="first")
    wide = wide.reindex(columns=list(years))
    return wide.dropna(how="any")


def sigma_convergence(panel: pd.DataFrame, value: str, years: Sequence[int]) -> pd.DataFrame:
    """Dispersion per year on the balanced panel: ``n``, ``mean``, ``sd``, ``cv`` (sd/mean),
    ``gini``. Falling dispersion is sigma-convergence."""
    wide = balanced(panel, value, years)
    rows = []
    for y in years:
        col = wide[y].to_numpy(dtype=np.float64)
        mean = float(col.mean()) if col.size else float("nan")
        sd = float(col.std(ddof=1)) if col.size > 1 else float("nan")
        rows.append(
            {
                "year": int(y),
                "n": int(col.size),
                "mean": mean,
                "sd": sd,
                "cv": sd / mean if mean > 0 else float("nan"),
                "gini": gini(col) if col.size else float("nan"),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BetaConvergence:
    """Annual change ``(x_end - x_start) / (end - start)`` regressed on ``x_start``."""

    start: int
    end: int
    fit: OLSFit

    @property
    def converging(self) -> bool:
        """Slope negative with its whole confidence interval below zero."""
        return self.fit.slope_ci[1] < 0

    @property
    def diverging(self) -> bool:
        return self.fit.slope_ci[0] > 0

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, **self.fit.as_dict()}


def beta_convergence(
    panel: pd.DataFrame, value: str, start: int, end: int, level: float = 0.95
) -> BetaConvergence:
    """Beta-convergence between ``start`` and ``end`` on the countries with both values.

    Scores on fixed goalposts can be zero, so the change is in points per year (absolute
    beta-convergence on levels), not a log growth rate."""
    if end <= start:
        raise ValueError("end must be after start")
    wide = balanced(panel, value, [start, end])
    x0 = wide[start].to_numpy(dtype=np.float64)
    growth = (wide[end].to_numpy(dtype=np.float64) - x0) / (end - start)
    return BetaConvergence(start, end, ols(x0, growth, level))


# ------------------------------------------------------------------------------ divide table
def group_mask(countries: pd.DataFrame, group: str) -> pd.Series:
    """Boolean Series over ``countries['iso3']``: ``HIC``/``UMC``/``LMC``/``LIC`` (income
    group), ``LDC``/``LLDC``/``SIDS`` (the flags), or a UN region name."""
    c = countries.set_index("iso3")
    if group in {"LDC", "LLDC", "SIDS"}:
        return c[group.lower()].fillna(False).astype(bool)
    if group in {"HIC", "UMC", "LMC", "LIC"}:
        return (c["income_group"] == group).fillna(False).astype(bool)
    return (c["un_region"] == group).fillna(False).astype(bool)


def divide_table(
    scores: pd.DataFrame,
    countries: pd.DataFrame,
    measures: Sequence[str],
    *,
    rich: str = HIGH_INCOME,
    poor: str = "LDC",
) -> pd.DataFrame:
    """Per year and measure (``score`` and pillar columns of ``scores``, a long frame with
    ``iso3, year`` and one column per measure; NaN where not scored): ``n``, the mean of the
    ``rich`` and ``poor`` groups and their ``gap``, ``gini``, ``theil`` and its between-group
    share by income group and by UN region, all on one sample per row (``n``: the countries
    with a score, an income group and a region), so that between + within equals the total."""
    ref = countries.set_index("iso3")
    rich_set = set(group_mask(countries, rich).pipe(lambda s: s[s].index))
    poor_set = set(group_mask(countries, poor).pipe(lambda s: s[s].index))
    rows: list[dict[str, Any]] = []
    for year, frame in scores.groupby("year", sort=True):
        for m in measures:
            sub = frame[["iso3", m]].dropna()
            # one sample for every column of the row: countries with a score, an income
            # group and a UN region, so that between + within == total for both groupings
            known = (
                ref["income_group"].reindex(sub["iso3"]).notna().to_numpy()
                & ref["un_region"].reindex(sub["iso3"]).notna().to_numpy()
            )
            sub = sub[known]
            x = sub[m].to_numpy(dtype=np.float64)
            iso = sub["iso3"].to_numpy()
            in_rich = np.isin(iso, list(rich_set))
            in_poor = np.isin(iso, list(poor_set))
            inc = ref["income_group"].reindex(iso).to_numpy()
            reg = ref["un_region"].reindex(iso).to_numpy()
            by_income = theil_decompose(x, inc)
            by_region = theil_decompose(x, reg)
            rich_mean = float(x[in_rich].mean()) if in_rich.any() else float("nan")
            poor_mean = float(x[in_poor].mean()) if in_poor.any() else float("nan")
            rows.append(
                {
                    "year": int(str(year)),
                    "measure": m,
                    "n": int(x.size),
                    f"{rich.lower()}_mean": rich_mean,
                    f"{poor.lower()}_mean": poor_mean,
                    "gap": rich_mean - poor_mean,
                    "ratio": rich_mean / poor_mean if poor_mean > 0 else float("nan"),
                    "gini": gini(x),
                    "theil": theil_t(x),
                    "theil_between_income": by_income.between,
                    "theil_within_income": by_income.within,
                    "theil_between_income_share": by_income.between_share,
                    "theil_between_region": by_region.between,
                    "theil_within_region": by_region.within,
                    "theil_between_region_share": by_region.between_share,
                }
            )
    return pd.DataFrame(rows)


def group_means(
    scores: pd.DataFrame, countries: pd.DataFrame, measures: Sequence[str], groups: Sequence[str]
) -> pd.DataFrame:
    """Per year, group and measure: number of countries scored, mean and median."""
    rows: list[dict[str, Any]] = []
    masks = {g: group_mask(countries, g) for g in groups}
    for year, frame in scores.groupby("year", sort=True):
        f = frame.set_index("iso3")
        for g, mask in masks.items():
            members = mask[mask].index
            sel = f.reindex(members)
            for m in measures:
                col = sel[m].dropna()
                rows.append(
                    {
                        "year": int(str(year)),
                        "group": g,
                        "measure": m,
                        "n": int(col.size),
                        "mean": float(col.mean()) if col.size else float("nan"),
                        "median": float(col.median()) if col.size else float("nan"),
                    }
                )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ the answer
@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    level: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "level": self.level}


def _interval(point: float, draws: FloatArray, level: float) -> Interval:
    draws = draws[np.isfinite(draws)]
    alpha = (1 - level) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha]) if draws.size else (float("nan"), float("nan"))
    return Interval(point, float(lo), float(hi), level)


@dataclass(frozen=True)
class DivideVerdict:
    """Is the AI divide widening? The numbers behind the plain answer."""

    measure: str
    start: int
    end: int
    n: int
    n_rich: int
    n_poor: int
    rich: str
    poor: str
    gap_start: float
    gap_end: float
    gap_change: Interval
    gini_start: float
    gini_end: float
    gini_change: Interval
    sd_change: Interval
    beta: BetaConvergence
    n_boot: int
    absolute: str  # widening | narrowing | no clear change
    relative: str
    label: str = "the aicap index"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def claims(self) -> list[Any]:
        """The claims this verdict supports (answer, gap, Gini, spread, beta), with ids."""
        from aicap.analysis.claims_divide import divide_claims

        return divide_claims(self, self.label)

    @property
    def text(self) -> str:
        """The published sentences, each rendered from its claim (catalogues/claims.yaml)."""
        return " ".join(c.text for c in self.claims)

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "start": self.start,
            "end": self.end,
            "n_countries": self.n,
            "n_rich": self.n_rich,
            "n_poor": self.n_poor,
            "rich": self.rich,
            "poor": self.poor,
            "gap_start": self.gap_start,
            "gap_end": self.gap_end,
            "gap_change": self.gap_change.as_dict(),
            "gini_start": self.gini_start,
            "gini_end": self.gini_end,
            "gini_change": self.gini_change.as_dict(),
            "sd_change": self.sd_change.as_dict(),
            "beta": self.beta.as_dict(),
            "n_boot": self.n_boot,
            "absolute": self.absolute,
            "relative": self.relative,
            "text": self.text,
            "claims": [c.as_dict() for c in self.claims],
        }


def _direction(iv: Interval) -> str:
    if iv.low > 0:
        return "widening"
    if iv.high < 0:
        return "narrowing"
    return "no clear change"


GROUP_WORDS = {
    "HIC": "high-income countries",
    "UMC": "upper-middle-income countries",
    "LMC": "lower-middle-income countries",
    "LIC": "low-income countries",
    "LDC": "least developed countries",
    "LLDC": "landlocked developing countries",
    "SIDS": "small island developing States",
}


def is_divide_widening(
    scores: pd.DataFrame,
    countries: pd.DataFrame,
    measure: str = "score",
    *,
    start: int | None = None,
    end: int | None = None,
    rich: str = HIGH_INCOME,
    poor: str = "LDC",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 20240701,
    label: str = "the aicap index",
) -> DivideVerdict:
    """Answer "is the AI divide widening?" for ``measure`` between ``start`` and ``end``
    (default: the first and last years of ``scores``), on the countries scored in both years.

    * absolute divide: change in the gap between the ``rich`` and ``poor`` group means
      (bootstrap: countries resampled with replacement within each group);
    * relative divide: change in the Gini across all countries (bootstrap over countries);
    * dispersion (sigma) and beta-convergence (OLS slope with its t interval).
    """
    years = sorted(int(y) for y in scores["year"].unique())
    y0 = years[0] if start is None else start
    y1 = years[-1] if end is None else end
    wide = balanced(scores[["iso3", "year", measure]], measure, [y0, y1])
    iso = wide.index.to_numpy()
    a = wide[y0].to_numpy(dtype=np.float64)
    b = wide[y1].to_numpy(dtype=np.float64)
    rich_m = group_mask(countries, rich).reindex(iso).fillna(False).to_numpy(dtype=bool)
    poor_m = group_mask(countries, poor).reindex(iso).fillna(False).to_numpy(dtype=bool)
    if rich_m.sum() < 2 or poor_m.sum() < 2:
        raise ValueError(f"need two or more countries in {rich} and {poor} scored in both years")
    rng = np.random.default_rng(seed)

    gap0 = float(a[rich_m].mean() - a[poor_m].mean())
    gap1 = float(b[rich_m].mean() - b[poor_m].mean())
    ir = np.flatnonzero(rich_m)
    ip = np.flatnonzero(poor_m)
    br = ir[rng.integers(0, ir.size, size=(n_boot, ir.size))]
    bp = ip[rng.integers(0, ip.size, size=(n_boot, ip.size))]
    d = b - a
    gap_draws = d[br].mean(axis=1) - d[bp].mean(axis=1)
    gap_change = _interval(gap1 - gap0, gap_draws, level)

    g0, g1 = gini(a), gini(b)
    ia = rng.integers(0, iso.size, size=(n_boot, iso.size))
    gini_draws = gini_rows(b[ia]) - gini_rows(a[ia])
    gini_change = _interval(g1 - g0, gini_draws, level)
    sd_draws = b[ia].std(axis=1, ddof=1) - a[ia].std(axis=1, ddof=1)
    sd_change = _interval(float(b.std(ddof=1) - a.std(ddof=1)), sd_draws, level)

    beta = beta_convergence(scores[["iso3", "year", measure]], measure, y0, y1, level)
    absolute = _direction(gap_change)
    relative = _direction(gini_change)
    return DivideVerdict(
        measure=measure,
        start=y0,
        end=y1,
        n=int(iso.size),
        n_rich=int(rich_m.sum()),
        n_poor=int(poor_m.sum()),
        rich=rich,
        poor=poor,
        gap_start=gap0,
        gap_end=gap1,
        gap_change=gap_change,
        gini_start=g0,
        gini_end=g1,
        gini_change=gini_change,
        sd_change=sd_change,
        beta=beta,
        n_boot=n_boot,
        absolute=absolute,
        relative=relative,
        label=label,
        extra={
            "sd_start": float(a.std(ddof=1)) if a.size > 1 else float("nan"),
            "sd_end": float(b.std(ddof=1)) if b.size > 1 else float("nan"),
        },
    )
