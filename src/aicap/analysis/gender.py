"""Gender gaps: what the warehouse's sex-disaggregated series say about women and girls.

The warehouse holds female and male values of a few UNDP Human Development Report series
(:data:`aicap.analysis.capacity_data.SEX_SERIES`: expected and mean years of schooling, the
share of adults with some secondary education, labour-force participation, GNI per person). It
holds no sex-disaggregated Internet use, tertiary enrolment or STEM graduates: those gaps are
"no data", never "no gap".

For each pair the **parity index** is female / male (UNESCO's gender parity index): between
``PARITY_LOW`` (0.97) and ``1 / PARITY_LOW`` is parity; below is a gap to the disadvantage of
women and girls, above one to the disadvantage of men and boys. Both values must come from
the same year. ``shortfall`` is how far the index is below parity, in points of the index
(``(PARITY_LOW - parity) * 100``, zero at or above parity): the need the recommender gives
interventions that target women and girls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

PARITY_LOW = 0.97
#: (female code, male code, words, unit)
PAIRS = (
    ("HDR.EYS_F", "HDR.EYS_M", "expected years of schooling", "years"),
    ("HDR.MYS_F", "HDR.MYS_M", "mean years of schooling", "years"),
    ("HDR.SE_F", "HDR.SE_M", "adults with at least some secondary education", "%"),
    ("HDR.LFPR_F", "HDR.LFPR_M", "labour-force participation", "% of the population 15+"),
    ("HDR.GNI_PC_F", "HDR.GNI_PC_M", "GNI per person", "2017 PPP $"),
)
#: The pairs a skills intervention for women and girls addresses (education and work).
SKILLS_PAIRS = ("HDR.EYS_F", "HDR.MYS_F", "HDR.SE_F", "HDR.LFPR_F")
NOT_HELD = (
    "Internet use, tertiary enrolment and STEM graduates by sex are not in the warehouse: "
    "no data, not parity"
)
COLUMNS = ["indicator", "name", "unit", "female", "male", "year", "parity", "status", "shortfall"]


def gender_gaps(sex: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """One row per pair of :data:`PAIRS` (``COLUMNS``); ``status``: ``gap (women)``,
    ``parity``, ``gap (men)`` or ``no data`` (a value missing, or female and male from
    different years). ``sex``: ``iso3, indicator, value, year``."""
    rows: list[dict[str, Any]] = []
    own = sex[sex["iso3"] == iso3] if len(sex) else sex
    got = {
        str(i): (float(v), int(y))
        for i, v, y in zip(
            own.get("indicator", []), own.get("value", []), own.get("year", []), strict=True
        )
    }
    for f, m, name, unit in PAIRS:
        fv, mv = got.get(f), got.get(m)
        rec: dict[str, Any] = {"indicator": f.removesuffix("_F"), "name": name, "unit": unit}
        if (
            fv is None
            or mv is None
            or fv[1] != mv[1]
            or not np.isfinite(fv[0] + mv[0])
            or mv[0] <= 0
        ):
            rec.update(
                female=fv[0] if fv else None,
                male=mv[0] if mv else None,
                year=None,
                parity=None,
                status="no data",
                shortfall=0.0,
            )
        else:
            parity = fv[0] / mv[0]
            status = (
                "gap (women)"
                if parity < PARITY_LOW
                else "gap (men)"
                if parity > 1 / PARITY_LOW
                else "parity"
            )
            rec.update(
                female=fv[0],
                male=mv[0],
                year=fv[1],
                parity=parity,
                status=status,
                shortfall=max(0.0, (PARITY_LOW - parity) * 100.0),
            )
        rows.append(rec)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


def skills_shortfall(gaps: pd.DataFrame) -> float:
    """Mean shortfall below parity over the education and work pairs with a gap to the
    disadvantage of women (0 when none)."""
    if gaps is None or not len(gaps):
        return 0.0
    sel = gaps[
        gaps["indicator"].isin([c.removesuffix("_F") for c in SKILLS_PAIRS])
        & (gaps["status"] == "gap (women)")
    ]
    return float(sel["shortfall"].mean()) if len(sel) else 0.0
