"""COINr interoperability: read ``iMeta``/``iData`` tables, lay stages out as COINr does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aicap.index.errors import ValidationError
from aicap.index.framework import Framework

IMETA_FIELDS = {
    "code": "iCode",
    "name": "iName",
    "parent": "Parent",
    "direction": "Direction",
    "weight": "Weight",
    "unit": "Unit",
    "target": "Target",
    "denominator": "Denominator",
    "level": "Level",
    "goalposts": "goalpost_lower/goalpost_upper",
}
REQUIRED = ("iCode", "Level", "Parent", "Type")


def _val(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def framework_from_imeta(
    imeta: pd.DataFrame, label: str = "iMeta.csv", name: str | None = None
) -> Framework:
    """A framework from COINr's ``iMeta`` table (``Type`` = Indicator, Aggregate, Group,
    Denominator). Errors name the CSV row (header = row 1) and the column. The framework is
    named ``name``, or after the top aggregate."""
    for col in REQUIRED:
        if col not in imeta.columns:
            raise ValidationError(label, f"column {col!r}", "required iMeta column is missing")
    inds: list[dict[str, Any]] = []
    aggs: list[dict[str, Any]] = []
    rows: dict[tuple[str, int], int] = {}
    groups: list[str] = []
    denoms: list[str] = []
    for i, rec in enumerate(imeta.to_dict(orient="records")):
        row = i + 2
        typ = _val(rec.get("Type"))
        code = _val(rec.get("iCode"))
        if code is None:
            raise ValidationError(label, f"row {row}, column 'iCode'", "empty iCode")
        code = str(code)
        if typ == "Group":
            groups.append(code)
            continue
        if typ == "Denominator":
            denoms.append(code)
            continue
        if typ not in ("Indicator", "Aggregate"):
            if typ is None:
                raise ValidationError(
                    label, f"row {row} (iCode {code!r}), column 'Type'", "empty Type"
                )
            continue
        d: dict[str, Any] = {"code": code}
        for fld, col in IMETA_FIELDS.items():
            if fld in ("code", "goalposts") or col not in imeta.columns:
                continue
            v = _val(rec.get(col))
            if v is not None:
                d[fld] = v
        for fld in ("parent", "name", "unit", "denominator"):
            if fld in d:
                d[fld] = str(d[fld])
        if "goalpost_lower" in imeta.columns and "goalpost_upper" in imeta.columns:
            lo, hi = _val(rec.get("goalpost_lower")), _val(rec.get("goalpost_upper"))
            if lo is not None and hi is not None:
                d["goalposts"] = [lo, hi]
        if "direction" in d:
            d["direction"] = (
                int(d["direction"]) if float(d["direction"]) in (1, -1) else d["direction"]
            )
        if typ == "Indicator":
            lev = d.pop("level", 1)
            if lev != 1:
                raise ValidationError(
                    label,
                    f"row {row} (iCode {code!r}), column 'Level'",
                    f"an indicator must be at level 1, not {lev}",
                )
            rows[("indicators", len(inds))] = row
            inds.append(d)
        else:
            d.pop("direction", None)
            d.pop("target", None)
            d.pop("denominator", None)
            if "level" in d:
                d["level"] = int(d["level"])
            rows[("aggregates", len(aggs))] = row
            aggs.append(d)

    def locator(loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 2 and isinstance(loc[1], int):
            row = rows.get((str(loc[0]), loc[1]))
            fld = str(loc[2]) if len(loc) > 2 else "code"
            rec_list = inds if loc[0] == "indicators" else aggs
            code = rec_list[loc[1]]["code"] if loc[1] < len(rec_list) else "?"
            return f"row {row} (iCode {code!r}), column {IMETA_FIELDS.get(fld, fld)!r}"
        return "field " + ".".join(map(str, loc))

    if name is None:
        tops = [a for a in aggs if a.get("parent") is None]
        name = str(tops[0].get("name", tops[0]["code"])) if tops else "index"
    spec = {
        "name": name,
        "indicators": inds,
        "aggregates": aggs,
        "groups": groups,
        "denominators": denoms,
    }
    return Framework.from_dict(spec, label, locator)


def coinr_columns(fw: Framework, stage_codes: list[str]) -> list[str]:
    """Column order COINr writes: indicators in iMeta order, then aggregates level by level,
    alphabetically within a level (COINr's ``tapply`` order)."""
    tree = fw.tree
    inds = [c for c in tree.indicators if c in stage_codes]
    aggs: list[str] = []
    for lev in tree.levels:
        aggs += sorted((c for c in lev.codes if c in stage_codes), key=lambda s: (s.lower(), s))
    return inds + aggs


def stage_table(fw: Framework, stage: pd.DataFrame) -> pd.DataFrame:
    """A stage as COINr lays it out: ``uCode`` then one column per indicator/aggregate."""
    cols = coinr_columns(fw, list(stage.columns))
    out = stage[cols].reset_index()
    out.columns = pd.Index(["uCode", *cols])
    return out
