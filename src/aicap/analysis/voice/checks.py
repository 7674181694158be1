"""Checks of a national value or an error report against the framework and the warehouse,
like any ingest: the indicator is one of the framework's, the unit is the warehouse series'
unit, the year lies in the window the index reads (and not after the index year), the value
within the indicator's bounds (after per capita, as the index reads it), and the plausibility
screen (:mod:`aicap.analysis.plausibility`: a jump from the country's own past or an outlier
among Member States) is run on it. Bad input raises a 422 naming the field; the screen's
verdict is kept with the submission for the reviewer (a flagged value is not refused: the
reviewer decides, and the index's own screen still applies to it in the national view)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.plausibility import screen_indicator
from aicap.analysis.spec import IndicatorSpec
from aicap.analysis.voice.data import VoiceData
from aicap.warehouse.cooperation.voice_store import bad


def _norm(unit: str) -> str:
    return " ".join(unit.lower().split())


def _indicator(vd: VoiceData, data: Mapping[str, Any]) -> IndicatorSpec:
    code = str(data.get("indicator") or "")
    ind = vd.indicator(code)
    if ind is None:
        codes = ", ".join(i.code for i in vd.spec.indicators)
        raise bad("indicator", f"unknown indicator {code!r}; the framework's codes: {codes}")
    return ind


def _country(vd: VoiceData, data: Mapping[str, Any]) -> str:
    iso3 = str(data.get("country_iso3") or "")
    if iso3 not in set(vd.members["iso3"]):
        raise bad("country_iso3", f"{iso3!r} is not a UN Member State the index covers")
    return iso3


def _year(vd: VoiceData, ind: IndicatorSpec, data: Mapping[str, Any]) -> int:
    try:
        year = int(data.get("year"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad("year", "a whole year, e.g. 2024") from None
    lo = vd.first_year(ind)
    if not lo <= year <= vd.end:
        raise bad("year", f"the index reads {ind.code} from {lo} to {vd.end} (the index year)")
    if ind.zero_fill:
        have = vd.raw.loc[vd.raw["indicator"] == ind.series, "year"]
        last = int(have.max()) if len(have) else vd.end
        if year < last:
            raise bad(
                "year",
                f"{ind.code} counts what the international source lists each year up to "
                f"{last}; a country not listed counts 0 in {last}, which a value for an "
                f"earlier year would not replace: give the value for {last}",
            )
    return year


def per_capita(vd: VoiceData, ind: IndicatorSpec, iso3: str, year: int, value: float) -> float:
    """``value`` as the index reads it (per capita with the same year's denominator); NaN when
    the denominator is missing."""
    if ind.per_capita is None:
        return value
    den = vd.value(iso3, ind.per_capita.denominator, year)
    if den is None or not den > 0:
        return math.nan
    return value / den * ind.per_capita.scale


def screen(vd: VoiceData, ind: IndicatorSpec, iso3: str, year: int, value: float) -> dict[str, Any]:
    """The plausibility screen's verdict on ``value`` put in place of the warehouse's value
    (``checks``: ``jump``, ``outlier``, ``bounds`` joined by ``+``, empty when it passes)."""
    rule = vd.spec.screen_of(ind)
    if rule is None:
        return {"checks": "", "action": "none", "detail": "the framework has no screen"}
    x = per_capita(vd, ind, iso3, year, value)
    if math.isnan(x):
        return {"checks": "", "action": "none", "detail": "no denominator for that year"}
    r = vd.raw
    df = r.loc[r["indicator"] == ind.series, ["iso3", "year", "value"]].astype(
        {"year": "int64", "value": "float64"}
    )
    if ind.per_capita is not None:
        den = r.loc[r["indicator"] == ind.per_capita.denominator, ["iso3", "year", "value"]]
        df = df.merge(den.rename(columns={"value": "den"}), on=["iso3", "year"], how="inner")
        with np.errstate(divide="ignore", invalid="ignore"):
            df["value"] = df["value"] / df["den"].where(df["den"] > 0) * ind.per_capita.scale
        df = df.drop(columns="den").dropna(subset=["value"])
    df = df[~((df["iso3"] == iso3) & (df["year"] == year))]
    df = pd.concat(
        [df, pd.DataFrame({"iso3": [iso3], "year": [year], "value": [x]})], ignore_index=True
    )
    log = screen_indicator(vd.spec, ind, df).log
    hit = log[(log["iso3"] == iso3) & (log["year"] == year)]
    if hit.empty:
        return {"checks": "", "action": "pass", "detail": ""}
    row = hit.iloc[0]
    return {
        "checks": str(row["checks"]),
        "action": str(row["action"]),
        "detail": str(row["detail"]),
    }


def check_submission(vd: VoiceData, data: Mapping[str, Any]) -> dict[str, Any]:
    """The checks of a national value (see the module doc): what the store keeps with it
    (``series``, ``screen``, ``international_value``), or a 422 naming the field."""
    iso3 = _country(vd, data)
    ind = _indicator(vd, data)
    year = _year(vd, ind, data)
    unit = vd.unit_of(ind)
    given = str(data.get("unit") or "")
    if _norm(given) != _norm(unit):
        raise bad("unit", f"{ind.code} is given in the series' unit {unit!r}, not {given!r}")
    try:
        value = float(data.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad("value", "a number") from None
    if not math.isfinite(value):
        raise bad("value", "a finite number")
    if ind.per_capita is not None and value < 0:
        raise bad("value", "a count cannot be negative")
    rule = vd.spec.screen_of(ind)
    x = per_capita(vd, ind, iso3, year, value)
    if rule is not None and rule.bounds is not None and not math.isnan(x):
        lo, hi = rule.bounds
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            shown = f"{x:.6g} ({ind.unit})" if ind.per_capita is not None else f"{x:.6g}"
            raise bad("value", f"{shown} is outside what {ind.code} allows: {lo} to {hi}")
    return {
        "series": ind.series,
        "unit": unit,
        "screen": screen(vd, ind, iso3, year, value),
        "international_value": vd.value(iso3, ind.series, year),
    }


def check_report(vd: VoiceData, data: Mapping[str, Any]) -> dict[str, Any]:
    """An error report names a value the warehouse holds."""
    iso3 = _country(vd, data)
    ind = _indicator(vd, data)
    year = _year(vd, ind, data)
    held = vd.value(iso3, ind.series, year)
    if held is None:
        raise bad("year", f"the open data hold no value of {ind.code} for {iso3} in {year}")
    return {"series": ind.series, "international_value": held}
