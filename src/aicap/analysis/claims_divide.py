"""The claims aicap makes about the global divide and about change over time.

Producers take numbers that were computed on **constant-composition** scores
(:mod:`aicap.analysis.trend`) and return :class:`~aicap.analysis.claims.Claim` records; the
sentences come from the claim catalogue. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from aicap.analysis.claims import Claim, binomial_excess, claim_id, holm
from aicap.analysis.divide import GROUP_WORDS, DivideVerdict, group_mask

RECOMPUTE_DIVIDE = "aicap claim show {id} --recompute"


def divide_claims(
    v: DivideVerdict,
    label: str = "the aicap index",
    data: Sequence[str] = (),
    sample: str = "",
) -> list[Claim]:
    """The answer, the gap, the Gini, the spread and beta-convergence of one verdict."""
    rich_w = GROUP_WORDS.get(v.rich, v.rich)
    poor_w = GROUP_WORDS.get(v.poor, v.poor)
    subject = v.measure if v.measure != "score" else "index"
    common = {
        "start": v.start,
        "end": v.end,
        "data": tuple(data),
        "sample": sample,
        "level": v.gap_change.level,
    }
    words = {"rich": rich_w, "poor": poor_w, "label": label, "measure": v.measure}

    def cid(kind: str, *extra: object) -> str:
        return claim_id(kind, subject, *extra, f"{v.start}-{v.end}")

    gap_id = cid("gap_change", v.rich, v.poor)
    gap = Claim(
        id=gap_id,
        kind="gap_change",
        subject=subject,
        value=v.gap_change.estimate,
        low=v.gap_change.low,
        high=v.gap_change.high,
        n=v.n_rich + v.n_poor,
        params={
            **words,
            "n_rich": v.n_rich,
            "n_poor": v.n_poor,
            "start_value": v.gap_start,
            "end_value": v.gap_end,
            "n_boot": v.n_boot,
        },
        recompute=RECOMPUTE_DIVIDE.format(id=gap_id),
        **common,  # type: ignore[arg-type]
    )
    ans_id = cid("divide_answer", v.rich, v.poor)
    answer = Claim(
        id=ans_id,
        kind="divide_answer",
        subject=subject,
        value=v.gap_change.estimate,
        low=v.gap_change.low,
        high=v.gap_change.high,
        n=v.n_rich + v.n_poor,
        params={**words, "from_claim": gap_id},
        recompute=RECOMPUTE_DIVIDE.format(id=ans_id),
        **common,  # type: ignore[arg-type]
    )
    out = [answer, gap]
    for kind, iv, s0, s1 in (
        ("inequality_change", v.gini_change, v.gini_start, v.gini_end),
        ("dispersion_change", v.sd_change, v.extra.get("sd_start"), v.extra.get("sd_end")),
    ):
        i = cid(kind)
        out.append(
            Claim(
                id=i,
                kind=kind,
                subject=subject,
                value=iv.estimate,
                low=iv.low,
                high=iv.high,
                n=v.n,
                params={
                    **words,
                    "start_value": float("nan") if s0 is None else s0,
                    "end_value": float("nan") if s1 is None else s1,
                    "n_boot": v.n_boot,
                },
                recompute=RECOMPUTE_DIVIDE.format(id=i),
                **common,  # type: ignore[arg-type]
            )
        )
    i = cid("beta_convergence")
    out.append(
        Claim(
            id=i,
            kind="beta_convergence",
            subject=subject,
            value=v.beta.fit.slope,
            low=v.beta.fit.slope_ci[0],
            high=v.beta.fit.slope_ci[1],
            n=int(v.beta.fit.n),
            params=dict(words),
            recompute=RECOMPUTE_DIVIDE.format(id=i),
            **common,  # type: ignore[arg-type]
        )
    )
    return out


def change_count_claim(
    changes: pd.DataFrame,
    threshold: float,
    start: int,
    end: int,
    data: Sequence[str] = (),
    sample: str = "",
    z: float = 1.96,
) -> Claim:
    """How many countries improved, declined, or show no clear change (``changes`` has a
    ``direction`` column: improved / declined / stable / not_comparable)."""
    d = changes["direction"]
    n = int((d != "not_comparable").sum())
    i = claim_id("change_count", "index", f"{start}-{end}")
    return Claim(
        id=i,
        kind="change_count",
        subject="index",
        value=float((d == "improved").sum()),
        n=n,
        start=start,
        end=end,
        sample=sample,
        data=tuple(data),
        params={
            "improved": int((d == "improved").sum()),
            "declined": int((d == "declined").sum()),
            "stable": int((d == "stable").sum()),
            "threshold": float(threshold),
            # a country that did not change crosses a z-sigma threshold with this chance
            "expected_by_chance": float(n * 2 * stats.norm.sf(z)),
            "z": float(z),
        },
        recompute=f"aicap claim show {i} --recompute",
    )


def outlier_claim(
    table: pd.DataFrame,
    level: float,
    year: int,
    subject: str = "income",
    data: Sequence[str] = (),
) -> tuple[Claim, pd.DataFrame]:
    """Countries outside a prediction band against chance. ``table`` has ``iso3, residual,
    pi_low, pi_high, actual`` (one row per country). Returns the claim and the table with
    ``p_value`` (two-sided, from the band's implied standard error) and ``named`` (Holm-
    significant at 5 %: only these may be named as over- or under-performers)."""
    t = table.copy()
    lo = t["pi_low"].to_numpy(dtype=np.float64)
    hi = t["pi_high"].to_numpy(dtype=np.float64)
    actual = t["actual"].to_numpy(dtype=np.float64)
    n = int(np.isfinite(actual).sum())
    df = max(n - 2, 1)  # the OLS prediction band's t quantile
    t_band = float(stats.t.ppf(0.5 + level / 2, df))
    se = (hi - lo) / (2 * t_band)
    mid = (hi + lo) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (actual - mid) / se, np.nan)
    p = 2 * stats.t.sf(np.abs(z), df)
    t["p_value"] = p
    t["named"] = holm(np.nan_to_num(p, nan=1.0).tolist())
    outside_over = actual > hi
    outside_under = actual < lo
    k_over, k_under = int(outside_over.sum()), int(outside_under.sum())
    k = k_over + k_under
    rate = 1 - level
    pval = binomial_excess(k, n, rate)
    i = claim_id("outlier_count", subject, year)
    c = Claim(
        id=i,
        kind="outlier_count",
        subject=subject,
        value=float(k),
        n=n,
        level=level,
        end=year,
        data=tuple(data),
        params={
            "k": k,
            "k_over": k_over,
            "k_under": k_under,
            "expected": n * rate,
            "p_value": pval,
            "alpha": 0.05,
            "n_named": int(t["named"].sum()),
        },
        recompute=f"aicap claim show {i} --recompute",
    )
    return c, t


def group_difference_claim(
    scores: pd.Series,
    countries: pd.DataFrame,
    group: str,
    other: pd.Index,
    label: str,
    year: int,
    *,
    subject: str,
    other_words: str = "other developing countries",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 20240701,
) -> Claim:
    """Median of ``group`` minus median of ``other`` (``scores``: iso3 -> value), with a
    percentile bootstrap interval (countries resampled within each group)."""
    mask = group_mask(countries, group)
    a = scores.reindex(mask[mask].index).dropna().to_numpy(dtype=np.float64)
    b = scores.reindex(other).dropna().to_numpy(dtype=np.float64)
    rng = np.random.default_rng(seed)
    if a.size < 2 or b.size < 2:
        est, lo, hi = float("nan"), float("nan"), float("nan")
    else:
        est = float(np.median(a) - np.median(b))
        da = np.median(a[rng.integers(0, a.size, (n_boot, a.size))], axis=1)
        db = np.median(b[rng.integers(0, b.size, (n_boot, b.size))], axis=1)
        alpha = (1 - level) / 2
        lo, hi = (float(x) for x in np.quantile(da - db, [alpha, 1 - alpha]))
    i = claim_id("group_difference", subject, group, year)
    return Claim(
        id=i,
        kind="group_difference",
        subject=subject,
        value=est,
        low=lo,
        high=hi,
        level=level,
        n=int(a.size + b.size),
        end=year,
        params={
            "label": label,
            "group": GROUP_WORDS.get(group, group),
            "other": other_words,
            "a": float(np.median(a)) if a.size else float("nan"),
            "b": float(np.median(b)) if b.size else float("nan"),
            "n_group": int(a.size),
            "n_other": int(b.size),
        },
        recompute=f"aicap claim show {i} --recompute",
    )
