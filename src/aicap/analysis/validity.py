"""Validity: rank correlation of the aicap index with external indices, and why they disagree.

Reported and explained, never tuned: the framework is fixed before these numbers are computed.
Spearman's rho with its n, a 95 % confidence interval (Fisher z with the Bonett-Wright variance
``(1 + rho^2 / 2) / (n - 3)``) and a p-value; the largest disagreements in percentile rank
(both directions) with the aicap pillars that drive each one (the pillars whose percentile rank
departs most from the external index's, in the direction of the disagreement). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps


@dataclass(frozen=True)
class Correlation:
    target: str
    name: str
    year: int
    n: int
    rho: float
    ci_low: float
    ci_high: float
    p_value: float
    disagreements: pd.DataFrame

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "name": self.name,
            "year": self.year,
            "n": self.n,
            "spearman_rho": round(self.rho, 4),
            "ci95": [round(self.ci_low, 4), round(self.ci_high, 4)],
            "p_value": float(f"{self.p_value:.3g}"),
            "largest_disagreements": self.disagreements.to_dict(orient="records"),
        }


def spearman_ci(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for Spearman's rho: Fisher z with Bonett & Wright's (2000) variance."""
    if n <= 3 or not np.isfinite(rho):
        return (float("nan"), float("nan"))
    r = float(np.clip(rho, -0.999999, 0.999999))
    z = np.arctanh(r)
    se = np.sqrt((1 + r**2 / 2) / (n - 3))
    q = float(sps.norm.ppf(0.5 + level / 2))
    return (float(np.tanh(z - q * se)), float(np.tanh(z + q * se)))


def _pct_rank(s: pd.Series) -> pd.Series:
    """Percentile rank in [0, 100], 100 = highest."""
    r = s.rank(method="average")
    return (r - 1) / (r.notna().sum() - 1) * 100


def correlate(
    results: pd.DataFrame,
    target: pd.Series,
    pillars: list[str],
    *,
    target_code: str,
    target_name: str,
    year: int,
    top: int = 5,
) -> Correlation:
    """``results``: the aicap results of one year (``iso3``, ``status``, ``score``, pillar
    columns); ``target``: the external index by ISO3. Countries scored by both are compared."""
    res = results[results["status"] == "scored"].set_index("iso3")
    common = res.index.intersection(target.dropna().index)
    a = res.loc[common, "score"].astype(float)
    b = target.loc[common].astype(float)
    n = len(common)
    rho, p = sps.spearmanr(a.to_numpy(), b.to_numpy())
    rho_f, p_f = float(rho), float(p)
    lo, hi = spearman_ci(rho_f, n)
    pa, pb = _pct_rank(a), _pct_rank(b)
    diff = pa - pb  # > 0: aicap ranks the country higher than the target does
    pil = pd.DataFrame({c: _pct_rank(res.loc[common, c].astype(float)) for c in pillars})
    dev = pil.sub(pb, axis=0)  # pillar percentile minus target percentile
    order = diff.sort_values()
    pick = list(order.index[:top]) + list(order.index[::-1][:top])
    rows: list[dict[str, Any]] = []
    for iso in pick:
        d = float(diff[iso])
        sign = 1.0 if d > 0 else -1.0
        drivers = (dev.loc[iso] * sign).sort_values(ascending=False)
        drivers = drivers[drivers > 0].head(3)
        rows.append(
            {
                "iso3": iso,
                "aicap_rank": int(a.rank(ascending=False, method="min")[iso]),
                "target_rank": int(b.rank(ascending=False, method="min")[iso]),
                "aicap_pct": round(float(pa[iso]), 1),
                "target_pct": round(float(pb[iso]), 1),
                "difference_pct": round(d, 1),
                "direction": "aicap higher" if d > 0 else "aicap lower",
                "drivers": ", ".join(f"{c} ({sign * v:+.0f} pct)" for c, v in drivers.items()),
            }
        )
    table = pd.DataFrame(rows)
    return Correlation(target_code, target_name, year, n, rho_f, lo, hi, p_f, table)
