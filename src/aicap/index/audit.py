"""Statistical audit of a composite (COINr's ``get_stats``, ``get_corr_flags``,
``get_cronbach``, ``get_PCA``, ``remove_elements``, ``get_str_weak``, ``get_eff_weights``)."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from aicap.index.composite import Composite
from aicap.index.errors import ValidationError
from aicap.index.stats import kurt, rank_desc, skew
from aicap.index.weights import pca_by_group

CorrMethod = Literal["pearson", "kendall", "spearman"]


def indicator_stats(
    data: pd.DataFrame,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unq: float = 0.5,
) -> pd.DataFrame:
    """Per column: min, max, mean, median, sd, skew, kurtosis, counts and COINr's flags
    (``Flag.Avail``, ``Flag.NonZero``, ``Flag.Unique``: ``ok``/``LOW``; ``Flag.SkewKurt``:
    ``ok``/``OUT``)."""
    x = data.to_numpy(dtype=np.float64)
    n = x.shape[0]
    ok = ~np.isnan(x)
    n_avail = ok.sum(axis=0)
    nonzero = ((x != 0) & ok).sum(axis=0)
    srt = np.sort(x, axis=0)  # NaNs last
    new = np.vstack([np.ones((1, x.shape[1]), dtype=bool), srt[1:] != srt[:-1]]) & ~np.isnan(srt)
    n_unique = new.sum(axis=0)
    n_same = np.array(
        [np.unique(col[~np.isnan(col)], return_counts=True)[1].max(initial=0) for col in x.T]
    )
    sk, kt = skew(x), kurt(x)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = pd.DataFrame(
            {
                "iCode": data.columns,
                "Min": np.nanmin(np.where(ok, x, np.inf), axis=0),
                "Max": np.nanmax(np.where(ok, x, -np.inf), axis=0),
                "Mean": np.nanmean(x, axis=0),
                "Median": np.nanmedian(x, axis=0),
                "Std": np.nanstd(x, axis=0, ddof=1),
                "Skew": sk,
                "Kurt": kt,
                "N.Avail": n_avail,
                "N.NonZero": nonzero,
                "N.Unique": n_unique,
                "N.Same": n_same,
                "Frc.Avail": n_avail / n,
                "Frc.NonZero": nonzero / n_avail,
                "Frc.Unique": n_unique / n_avail,
                "Frc.Same": n_same / n_avail,
            }
        )
    out["Flag.Avail"] = np.where(out["Frc.Avail"] >= t_avail, "ok", "LOW")
    out["Flag.NonZero"] = np.where(nonzero / n >= t_zero, "ok", "LOW")
    out["Flag.Unique"] = np.where(n_unique / n >= t_unq, "ok", "LOW")
    out["Flag.SkewKurt"] = np.where((np.abs(sk) > t_skew) & (kt > t_kurt), "OUT", "ok")
    return out.reset_index(drop=True)


def _corr(a: pd.DataFrame, b: pd.DataFrame, method: CorrMethod = "pearson") -> pd.DataFrame:
    joined = pd.concat([a.add_prefix("a:"), b.add_prefix("b:")], axis=1)
    c = joined.corr(method=method)  # pairwise complete observations
    out = c.loc[[f"a:{x}" for x in a.columns], [f"b:{x}" for x in b.columns]]
    out.index = pd.Index(list(a.columns))
    out.columns = pd.Index(list(b.columns))
    return out


def _level_codes(comp: Composite, data: pd.DataFrame, stage: str, level: int) -> list[str]:
    """The stage's columns at ``level``; an error (never an empty table) when it has none."""
    t = comp.framework.tree
    codes = [c for c in t.codes if t.level_of[c] == level and c in data.columns]
    if not codes:
        held = sorted({t.level_of[c] for c in data.columns if c in t.level_of})
        hint = " (aggregates are in the 'aggregated' stage)" if level > 1 else ""
        raise ValidationError(
            "audit",
            f"stage {stage!r}, level {level}",
            f"the stage has no elements at level {level}; it holds level(s) "
            f"{', '.join(map(str, held)) or 'none'}{hint}",
        )
    return codes


def correlation_pvalues(
    a: pd.DataFrame, b: pd.DataFrame, method: CorrMethod = "pearson"
) -> pd.DataFrame:
    """Two-sided p-values of the correlations between the columns of ``a`` and ``b``, on
    pairwise-complete observations (COINr's ``get_pvals``, i.e. R's ``cor.test``). Pearson and
    Spearman use the t test with ``n - 2`` degrees of freedom (R's Pearson test exactly; for
    Spearman R uses an exact test when n < 1290 without ties); Kendall uses scipy's
    ``kendalltau`` (exact for small samples without ties, as R)."""
    r = _corr(a, b, method).to_numpy(dtype=np.float64)
    xa = a.to_numpy(dtype=np.float64)
    xb = b.to_numpy(dtype=np.float64)
    oka, okb = ~np.isnan(xa), ~np.isnan(xb)
    n = oka.astype(np.float64).T @ okb.astype(np.float64)  # pairwise complete counts
    if method == "kendall":
        p = np.full(r.shape, np.nan)
        for i in range(xa.shape[1]):
            for j in range(xb.shape[1]):
                ok = oka[:, i] & okb[:, j]
                if ok.sum() >= 3:
                    p[i, j] = sps.kendalltau(xa[ok, i], xb[ok, j]).pvalue
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            tstat = r * np.sqrt((n - 2) / (1 - r**2))
            p = np.where(n > 2, 2 * sps.t.sf(np.abs(tstat), n - 2), np.nan)
    return pd.DataFrame(p, index=a.columns, columns=b.columns)


def correlations(
    comp: Composite,
    stage: str = "aggregated",
    level_a: int = 1,
    level_b: int | None = None,
    method: CorrMethod = "pearson",
    pval: float = 0.0,
) -> pd.DataFrame:
    """Correlation matrix between the elements at ``level_a`` and ``level_b`` of a stage.

    ``pval > 0`` blanks (NaN) every correlation whose p-value exceeds it, as COINr's
    ``get_corr(pval = 0.05)`` does (COINr's default; here masking is on request). A stage
    without elements at a level is an error.
    """
    data = comp.stage(stage)
    lev_b = level_a if level_b is None else level_b
    ca = _level_codes(comp, data, stage, level_a)
    cb = _level_codes(comp, data, stage, lev_b)
    out = _corr(data[ca], data[cb], method)
    if pval > 0:
        p = correlation_pvalues(data[ca], data[cb], method)
        out = out.where(~(p > pval))
    return out


def correlation_flags(
    comp: Composite,
    stage: str = "normalised",
    group_level: int = 2,
    high: float = 0.9,
    low: float = -0.4,
    method: CorrMethod = "pearson",
) -> pd.DataFrame:
    """Pairs of indicators in the same group (ancestor at ``group_level``) correlated above
    ``high`` (collinear) or below ``low`` (pulling against each other)."""
    t = comp.framework.tree
    data = comp.stage(stage)
    inds = [c for c in t.indicators if c in data.columns]
    lin = t.lineage()
    group = {c: next((p for p in lin[c] if t.level_of[p] == group_level), None) for c in inds}
    cm = data[inds].corr(method=method).to_numpy()
    g = np.array([group[c] for c in inds], dtype=object)
    same = (g[:, None] == g[None, :]) & np.triu(np.ones_like(cm, dtype=bool), 1)
    flag = np.where(cm > high, "high", np.where(cm < low, "negative", ""))
    rows, cols = np.nonzero(same & (flag != ""))
    return pd.DataFrame(
        {
            "Group": g[rows],
            "Ind1": np.array(inds, dtype=object)[rows],
            "Ind2": np.array(inds, dtype=object)[cols],
            "Corr": cm[rows, cols],
            "Flag": flag[rows, cols],
        }
    )


def parent_correlations(
    comp: Composite, stage: str = "aggregated", weak: float = 0.2, method: CorrMethod = "pearson"
) -> pd.DataFrame:
    """Correlation of each element with each of its ancestors (across levels); flags
    ``negative`` (< 0) and ``weak`` (< ``weak``)."""
    t = comp.framework.tree
    data = comp.stage(stage)
    cm = data.corr(method=method).to_numpy()
    pos = {c: i for i, c in enumerate(data.columns)}
    recs = []
    for c in t.codes:
        p = t.parent_of[c]
        while p is not None:
            r = float(cm[pos[c], pos[p]])
            recs.append(
                {
                    "iCode": c,
                    "Level": t.level_of[c],
                    "Ancestor": p,
                    "AncestorLevel": t.level_of[p],
                    "Corr": r,
                    "Flag": "negative" if r < 0 else "weak" if r < weak else "",
                }
            )
            p = t.parent_of[p]
    return pd.DataFrame(recs)


def cronbach_alpha(
    comp: Composite,
    stage: str = "normalised",
    level: int = 1,
    group: str | None = None,
) -> pd.DataFrame:
    """Cronbach's alpha of the elements at ``level`` under each aggregate (COINr's
    ``get_cronbach(coin, dset, iCodes = group, Level = level)``, pairwise-complete
    covariances): every element at ``level`` that descends from the group, at any depth (the
    index's alpha over all 49 indicators, a sub-index's over its pillars' indicators...).
    ``group`` picks one aggregate; by default every aggregate with at least two such
    elements. A stage without elements at ``level`` is an error."""
    t = comp.framework.tree
    data = comp.stage(stage)
    at_level = set(_level_codes(comp, data, stage, level))
    if group is not None and group not in t.aggregates:
        raise ValidationError(
            "audit", f"cronbach_alpha group {group!r}", "not an aggregate of the framework"
        )

    def ancestors(c: str) -> set[str]:
        out: set[str] = set()
        p = t.parent_of[c]
        while p is not None:
            out.add(p)
            p = t.parent_of[p]
        return out

    lin = {c: ancestors(c) for c in at_level}
    recs = []
    for agg in [group] if group is not None else t.aggregates:
        if t.level_of[agg] <= level:
            continue
        kids = [c for c in t.codes if c in at_level and agg in lin[c]]
        k = len(kids)
        if k < 2:
            continue
        cov = data[kids].cov().to_numpy()
        total = np.nansum(cov)
        avg = (total - np.nansum(np.diag(cov))) / (k * (k - 1))
        recs.append({"Group": agg, "Level": t.level_of[agg], "k": k, "Alpha": k**2 * avg / total})
    if group is not None and not recs:
        raise ValidationError(
            "audit",
            f"cronbach_alpha group {group!r}",
            f"fewer than two elements at level {level} under {group!r} in stage {stage!r}",
        )
    return pd.DataFrame(recs, columns=["Group", "Level", "k", "Alpha"])


def treatment(comp: Composite) -> pd.DataFrame:
    """The treatment step's details per indicator (COINr's ``Treat`` details table): method,
    skew, kurtosis and pass test before (``.0``) and after (``.1``), points winsorised, the
    fallback transform (e.g. ``log_CT``) and, where it fell back, the points winsorisation
    had taken before giving up (``WinsorisedBeforeFallback``)."""
    if comp.recipe.step("treat") is None:
        raise ValidationError("audit", "treatment", "the recipe has no treat step")
    table = comp.details("treat")["table"]
    assert isinstance(table, pd.DataFrame)
    return table


def pca(
    comp: Composite, stage: str = "normalised", level: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PCA per group: (variance explained per component, loadings per element)."""
    _level_codes(comp, comp.stage(stage), stage, level)
    res = pca_by_group(comp.stage(stage), comp.framework.tree, level)
    var_rows, load_rows = [], []
    for grp, (var, load, kids) in res.items():
        cum = np.cumsum(var)
        for j, v in enumerate(var):
            var_rows.append({"Group": grp, "PC": j + 1, "VarExplained": v, "Cumulative": cum[j]})
        for i, c in enumerate(kids):
            rec: dict[str, object] = {"Group": grp, "iCode": c}
            rec.update({f"PC{j + 1}": load[i, j] for j in range(min(3, load.shape[1]))})
            load_rows.append(rec)
    return pd.DataFrame(var_rows), pd.DataFrame(load_rows)


def remove_elements(
    comp: Composite, level: int = 1, code: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank change of every unit when each element at ``level`` is removed (its weight set to
    0), computed in one batched aggregation. Returns (rank changes per unit and element,
    summary with mean absolute rank change per element)."""
    t = comp.framework.tree
    step = comp.recipe.step("aggregate")
    if step is None:
        raise ValueError("the composite has no aggregate step")
    code = code or t.top[0]
    elems = [c for c in t.codes if t.level_of[c] == level]
    pos = {c: i for i, c in enumerate(t.codes)}
    w = np.repeat(comp.weights[None, :], len(elems), axis=0)
    w[np.arange(len(elems)), [pos[c] for c in elems]] = 0.0
    vals = comp.aggregate_with(w)
    scores = vals[..., pos[code]].T  # (n, n_elems)
    nominal = comp.scores[code].to_numpy(dtype=np.float64)
    r_nom = rank_desc(nominal[:, None])[:, 0]
    r_new = rank_desc(scores)
    change = pd.DataFrame(r_nom[:, None] - r_new, index=comp.scores.index, columns=elems)
    summary = pd.DataFrame(
        {
            "iCode": elems,
            "MeanAbsRankChange": change.abs().mean().to_numpy(),
            "MaxAbsRankChange": change.abs().max().to_numpy(),
        }
    ).sort_values("MeanAbsRankChange", ascending=False, kind="stable")
    return change, summary.reset_index(drop=True)


PRE_NORMALISE = ("raw", "denominated", "imputed", "screened", "treated")


def strengths_weaknesses(
    comp: Composite,
    stage: str = "normalised",
    top_n: int = 5,
    bottom_n: int | None = None,
    adjust_direction: bool | None = None,
    min_discard: bool = True,
    unq_discard: float | None = None,
) -> pd.DataFrame:
    """Each unit's ``top_n`` best- and ``bottom_n`` worst-ranked indicators (COINr's
    ``get_str_weak``, for every unit at once).

    Ranks are COINr's (highest = 1, ties share the minimum rank). ``adjust_direction``: multiply
    by the framework's directions before ranking, so that a low value of a "lower is better"
    indicator is a strength; by default ``True`` on the stages before normalisation (``raw``
    ... ``treated``) and ``False`` after (normalised data already carry the directions; COINr
    defaults to ``True`` for ``"Raw"`` only). ``min_discard`` skips indicators where the unit
    has the worst rank (shared with the others at the bottom, uninformative); ``unq_discard``
    keeps only indicators whose share of unique values (NA counts as one, as COINr) exceeds it.
    ``Value`` is the stage's value, not direction-adjusted. Weaknesses are listed worst first.
    """
    data = comp.stage(stage)
    tree = comp.framework.tree
    inds = [c for c in tree.indicators if c in data.columns]
    if unq_discard is not None:
        frc = data[inds].nunique(dropna=False) / len(data)
        inds = [c for c in inds if frc[c] > unq_discard]
    x = data[inds].to_numpy(dtype=np.float64)
    if adjust_direction is None:
        adjust_direction = stage in PRE_NORMALISE
    dirs = dict(zip(tree.indicators, tree.directions().tolist(), strict=True))
    d = np.array([dirs[c] for c in inds], dtype=np.float64) if adjust_direction else 1.0
    r = rank_desc(x * d)
    usable = ~np.isnan(r)
    if min_discard:
        worst = np.nanmax(np.where(usable, r, -np.inf), axis=0)
        usable &= r != worst[None, :]
    key = np.where(usable, r, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    n_ok = usable.sum(axis=1)
    bottom = top_n if bottom_n is None else bottom_n
    recs = []
    codes = np.array(inds, dtype=object)
    rows = np.arange(len(data))
    for kind, count in (("strength", top_n), ("weakness", bottom)):
        for pos in range(count):
            if kind == "strength":
                j = order[:, min(pos, order.shape[1] - 1)] if order.shape[1] else None
            else:  # last usable positions, worst first
                take = np.clip(n_ok - 1 - pos, 0, None)
                j = order[rows, take] if order.shape[1] else None
            valid = pos < n_ok
            if j is None or not valid.any():
                continue
            recs.append(
                pd.DataFrame(
                    {
                        "uCode": data.index[valid],
                        "Type": kind,
                        "Position": pos + 1,
                        "iCode": codes[j[valid]],
                        "Rank": r[rows[valid], j[valid]],
                        "Value": x[rows[valid], j[valid]],
                    }
                )
            )
    if not recs:
        return pd.DataFrame(columns=["uCode", "Type", "Position", "iCode", "Rank", "Value"])
    out = pd.concat(recs, ignore_index=True)
    return out.sort_values(["uCode", "Type", "Position"], kind="stable").reset_index(drop=True)
