"""The aicap AI Capacity Index for the 193 UN Member States, year by year.

Read the warehouse through its read API, derive each indicator (per capita with the same year's
denominator, rolling sums, zero for "not listed" where the framework says so, fixed
transformations), then run the engine once per year with the framework's recipe: own-country
panel fill within the data window, fixed goalposts, arithmetic means with each pillar's
data-availability threshold. Nothing depends on other countries' data, so a country's score
for a year changes only when its own data change.

>>> idx = build_index(Warehouse("var/aicap.duckdb"), IndexSpec.load("frameworks/aicap.yaml"))
...     # doctest: +SKIP
>>> idx.latest.results  # one row per Member State: status, score, rank, pillars, tier...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.plausibility import CellScreen, empty_log, screen_indicator
from aicap.analysis.spec import INDEX_CODE, IndexSpec, apply_transform
from aicap.index import Composite, Framework, build
from aicap.index.stats import rank_desc
from aicap.warehouse.read import Warehouse

STATUS_SCORED = "scored"
STATUS_INSUFFICIENT = "insufficient_data"
MEMBER_COLUMNS = ["iso3", "name", "un_region", "wb_region", "income_group", "ldc", "lldc", "sids"]


# ------------------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class Inputs:
    """Everything the index reads from the warehouse, already derived per indicator.

    ``values`` is long: ``iso3, year, code, series, value`` (indicator unit, after per capita,
    rolling sum and zero fill; before the transformation), ``tvalue`` (transformed),
    ``zero_filled`` (bool). ``screened`` lists every value the plausibility screen flagged
    (:mod:`aicap.analysis.plausibility`), with what was done to it."""

    spec: IndexSpec
    members: pd.DataFrame
    values: pd.DataFrame
    licences: dict[str, str]
    last_data_year: dict[str, int]  # per indicator code: latest year with data
    screened: pd.DataFrame = field(default_factory=empty_log)


def read_inputs(wh: Warehouse, spec: IndexSpec, years: Iterable[int] | None = None) -> Inputs:
    """Read and derive every indicator for the Member States (``years``: all by default)."""
    members = wh.countries("member")[MEMBER_COLUMNS].reset_index(drop=True)
    meta = wh.indicators()
    licences = dict(zip(meta["code"], meta["licence"].astype(str), strict=True))
    spec.check_licences(licences)
    iso = list(members["iso3"])
    raw = wh.panel(spec.input_series(), years=years, countries=iso)
    return derive(spec, raw, members, licences)


def derive(
    spec: IndexSpec, raw: pd.DataFrame, members: pd.DataFrame, licences: dict[str, str]
) -> Inputs:
    """Derive each indicator from the long warehouse panel ``raw`` (``iso3, year, indicator,
    value``). Pure: no I/O."""
    iso = list(members["iso3"])
    raw = raw[raw["iso3"].isin(iso)]
    by_series = {s: g[["iso3", "year", "value"]] for s, g in raw.groupby("indicator", sort=False)}
    frames: list[pd.DataFrame] = []
    logs: list[pd.DataFrame] = [empty_log()]
    last: dict[str, int] = {}
    for ind in spec.indicators:
        base = by_series.get(ind.series, pd.DataFrame(columns=["iso3", "year", "value"]))
        df = base.astype({"year": "int64", "value": "float64"}).copy()
        if ind.per_capita is not None:
            den = by_series.get(ind.per_capita.denominator)
            if den is None:
                df["value"] = np.nan
            else:
                d = den.rename(columns={"value": "den"})
                df = df.merge(d, on=["iso3", "year"], how="left")
                with np.errstate(divide="ignore", invalid="ignore"):
                    df["value"] = (
                        df["value"] / df["den"].where(df["den"] > 0) * (ind.per_capita.scale)
                    )
                df = df.drop(columns="den")
        df = df.dropna(subset=["value"])
        first = spec.series.start - spec.max_age(ind) - (ind.rolling_sum or 1) + 1
        screened = screen_indicator(spec, ind, df, start=first)
        df = screened.values
        logs.append(screened.log)
        df["zero_filled"] = False
        if ind.zero_fill and len(df):
            lo, hi = int(df["year"].min()), int(df["year"].max())
            grid = pd.MultiIndex.from_product([iso, range(lo, hi + 1)], names=["iso3", "year"])
            df = df.set_index(["iso3", "year"]).reindex(grid).reset_index()
            df["zero_filled"] = df["value"].isna()
            df["value"] = df["value"].fillna(0.0)
        if ind.rolling_sum is not None and len(df):
            k = ind.rolling_sum
            lo, hi = int(df["year"].min()), int(df["year"].max())
            grid = pd.MultiIndex.from_product([iso, range(lo, hi + 1)], names=["iso3", "year"])
            full = df.set_index(["iso3", "year"]).reindex(grid)
            wide = full["value"].unstack("year")
            summed = wide.T.rolling(k, min_periods=k).sum().T
            zf = full["zero_filled"].unstack("year").fillna(True).astype(bool)
            all_zero = zf.T.rolling(k, min_periods=k).min().T.astype(bool)
            df = (
                pd.DataFrame(
                    {
                        "value": summed.stack(),
                        "zero_filled": all_zero.stack(),
                    }
                )
                .dropna(subset=["value"])
                .reset_index()
            )
        df = df.dropna(subset=["value"])
        df = df[np.isfinite(df["value"].to_numpy(dtype=np.float64))]
        df["code"] = ind.code
        df["series"] = ind.series
        df["tvalue"] = apply_transform(df["value"].to_numpy(dtype=np.float64), ind.transform)
        df = df.dropna(subset=["tvalue"])
        if len(df):
            last[ind.code] = int(df["year"].max())
        frames.append(df[["iso3", "year", "code", "series", "value", "tvalue", "zero_filled"]])
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    values["year"] = values["year"].astype("int64")
    values["zero_filled"] = values["zero_filled"].astype(bool)
    log = pd.concat([g for g in logs if len(g)] or logs[:1], ignore_index=True)
    return Inputs(spec, members, values, licences, last, log)


def latest_year(inputs: Inputs) -> int:
    """The series' end: ``series.end`` or, for ``latest``, the most recent year with data for any
    indicator (values older than the window then drop out by themselves)."""
    end = inputs.spec.series.end
    if end != "latest":
        return int(end)
    return max(inputs.last_data_year.values())


# ------------------------------------------------------------------------------ one year
@dataclass(frozen=True)
class YearScores:
    """The index for one year: the composite and tidy tables."""

    year: int
    spec: IndexSpec
    composite: Composite
    results: pd.DataFrame  # one row per Member State
    cells: pd.DataFrame  # one row per Member State x indicator: value, its year, flags


def unit_data(inputs: Inputs, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr-style unit data for the engine (``uCode``, ``Time``, one column per indicator,
    transformed) for every year from ``year - max window`` to ``year``, every Member State in
    every year; and the matching table of value years (for the year of each carried value)."""
    spec = inputs.spec
    depth = max(spec.max_age(i) for i in spec.indicators)
    years = list(range(year - depth, year + 1))
    iso = list(inputs.members["iso3"])
    v = inputs.values
    v = v[(v["year"] >= years[0]) & (v["year"] <= year)]
    wide = v.pivot_table(index=["year", "iso3"], columns="code", values="tvalue", aggfunc="first")
    grid = pd.MultiIndex.from_product([years, iso], names=["year", "iso3"])
    wide = wide.reindex(index=grid, columns=spec.indicator_codes)
    wide = _uncounted_zeros(inputs, v, wide, year)
    data = wide.reset_index().rename(columns={"year": "Time", "iso3": "uCode"})
    data.columns.name = None
    return data, wide


def _short_of_pillar(inputs: Inputs, wide: pd.DataFrame, year: int, code: str) -> list[str]:
    """Member States whose cell of ``code`` is a zero that must not count in ``year``: the
    indicator's ``zeros.zero_needs_pillar`` other indicators of its pillar are not all there."""
    spec = inputs.spec
    ind = spec.indicator(code)
    need = ind.zeros.zero_needs_pillar
    iso = list(inputs.members["iso3"])
    count = np.zeros(len(iso), dtype=np.int64)
    for other in spec.indicators_of(ind.pillar):
        if other.code == code:
            continue
        col = wide[other.code].unstack("iso3")  # years x iso3
        col = col[(col.index >= year - spec.max_age(other)) & (col.index <= year)]
        count += col.notna().any(axis=0).reindex(iso, fill_value=False).to_numpy(dtype=np.int64)
    return [i for i, n in zip(iso, count, strict=True) if n < need]


def _uncounted_zeros(
    inputs: Inputs, v: pd.DataFrame, wide: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Blank the zeros of unlisted countries where the framework's zero rule says they do not
    count (``zeros.zero_needs_pillar``): the cell is then missing, never a zero."""
    for ind in inputs.spec.indicators:
        if ind.zeros.zero_needs_pillar == 0:
            continue
        short = _short_of_pillar(inputs, wide, year, ind.code)
        if not short:
            continue
        zf = v[(v["code"] == ind.code) & v["zero_filled"] & v["iso3"].isin(short)]
        if zf.empty:
            continue
        keys = pd.MultiIndex.from_arrays([zf["year"], zf["iso3"]], names=["year", "iso3"])
        wide = wide.copy()
        wide.loc[wide.index.intersection(keys), ind.code] = np.nan
    return wide


def value_years(inputs: Inputs, wide: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per Member State and indicator: the year of the value used for ``year`` (latest
    observation within the indicator's window, as the engine's ``panel_latest``), or NaN."""
    spec = inputs.spec
    out = {}
    for ind in spec.indicators:
        col = wide[ind.code].unstack("iso3")  # years x iso3
        lo = year - spec.max_age(ind)
        col = col[(col.index >= lo) & (col.index <= year)]
        have = col.notna()
        yrs = pd.DataFrame(
            np.where(have, np.asarray(col.index)[:, None], np.nan),
            index=col.index,
            columns=col.columns,
        )
        out[ind.code] = yrs.max(axis=0)
    return pd.DataFrame(out).reindex(columns=spec.indicator_codes)


def score_year(inputs: Inputs, year: int, framework: Framework | None = None) -> YearScores:
    """Build the index for ``year`` (values up to ``year`` only)."""
    spec = inputs.spec
    fw = framework or spec.framework()
    data, wide = unit_data(inputs, year)
    comp = build(fw, data, spec.recipe(year), f"aicap {year}")
    vyears = value_years(inputs, wide, year)
    results = _results(inputs, comp, year)
    cells = _cells(inputs, comp, year, vyears)
    return YearScores(year, spec, comp, results, cells)


def _results(inputs: Inputs, comp: Composite, year: int) -> pd.DataFrame:
    spec = inputs.spec
    agg = comp.stage("aggregated").reindex(inputs.members["iso3"])
    pillars = spec.pillar_codes
    groups = [g.code for g in spec.groups]
    score = agg[INDEX_CODE]
    scored = score.notna().to_numpy()
    ranks = np.full(len(score), np.nan)
    ranks[scored] = rank_desc(score.to_numpy(dtype=np.float64)[scored][:, None])[:, 0]
    missing = [",".join(p for p in pillars if np.isnan(agg[p].iloc[k])) for k in range(len(agg))]
    res = inputs.members[["iso3", "name"]].copy()
    res["year"] = year
    res["status"] = np.where(scored, STATUS_SCORED, STATUS_INSUFFICIENT)
    res["score"] = score.to_numpy()
    res["rank"] = pd.array(np.where(scored, ranks, np.nan), dtype="Int64")
    res["n_scored"] = int(scored.sum())
    res["missing_pillars"] = missing
    for code in groups + pillars:
        res[code] = agg[code].to_numpy()
    for k in ("un_region", "income_group", "ldc", "lldc", "sids"):
        res[k] = inputs.members[k].to_numpy()
    return res.reset_index(drop=True)


def _cells(inputs: Inputs, comp: Composite, year: int, vyears: pd.DataFrame) -> pd.DataFrame:
    """Long per-cell table: raw value (indicator unit), its year and age, normalised score, flags
    (engine flags plus ``zero_filled``, ``truncated:lower|upper``, ``missing``, ``stale``)."""
    spec = inputs.spec
    iso = list(inputs.members["iso3"])
    codes = spec.indicator_codes
    imputed = comp.stage("imputed").reindex(index=iso, columns=codes)
    norm = comp.stage("normalised").reindex(index=iso, columns=codes)
    flags = comp.flags_wide().reindex(index=iso, columns=codes).fillna("")
    v = inputs.values.set_index(["iso3", "code", "year"])
    vy = vyears.reindex(index=iso)
    screen = CellScreen(inputs.screened)
    depth = max(spec.max_age(i) for i in spec.indicators)
    window = inputs.values[inputs.values["year"].between(year - depth, year)]
    zeros = window[window["zero_filled"]]
    unlisted = set(zip(zeros["iso3"], zeros["code"], strict=True))
    before = inputs.values[inputs.values["year"] <= year]
    last_seen = before.groupby(["iso3", "code"])["year"].max().unstack("code").reindex(index=iso)
    rows: list[pd.DataFrame] = []
    for ind in spec.indicators:
        yrs = vy[ind.code].to_numpy(dtype=np.float64)
        keys = [(i, ind.code, int(y)) for i, y in zip(iso, yrs, strict=True) if not np.isnan(y)]
        got = v.reindex(pd.MultiIndex.from_tuples(keys, names=["iso3", "code", "year"]))
        val = pd.Series(np.nan, index=iso, dtype="float64")
        zf = pd.Series(False, index=iso, dtype=bool)
        if keys:
            val.loc[[k[0] for k in keys]] = got["value"].to_numpy(dtype=np.float64)
            zf.loc[[k[0] for k in keys]] = got["zero_filled"].fillna(False).to_numpy(dtype=bool)
        lo, hi = spec.transformed_goalposts(ind)
        t = imputed[ind.code].to_numpy(dtype=np.float64) * ind.direction
        lo_d, hi_d = (lo, hi) if ind.direction > 0 else (-hi, -lo)
        seen = (
            last_seen[ind.code].to_numpy(dtype=np.float64)
            if ind.code in last_seen.columns
            else np.full(len(iso), np.nan)
        )
        engine_flags = [str(f) for f in flags[ind.code].tolist()]
        max_age = spec.max_age(ind)
        fl = []
        for k in range(len(iso)):
            parts = [f for f in engine_flags[k].split("; ") if f]
            if np.isnan(yrs[k]) and (iso[k], ind.code) in unlisted:
                parts.append("missing:not_listed")
            elif np.isnan(yrs[k]):
                parts.append(
                    f"missing:stale(last {int(seen[k])})" if not np.isnan(seen[k]) else "missing"
                )
            else:
                if yrs[k] < year:
                    parts = [
                        p if p != "imputed:panel_latest" else f"carried:{int(yrs[k])}"
                        for p in parts
                    ]
                if zf.iloc[k]:
                    parts.append("zero:not_listed")
                if t[k] < lo_d:
                    parts.append("truncated:lower")
                elif t[k] > hi_d:
                    parts.append("truncated:upper")
            parts += screen.flags(iso[k], ind.code, yrs[k], year, max_age)
            fl.append("; ".join(parts))
        rows.append(
            pd.DataFrame(
                {
                    "iso3": iso,
                    "year": year,
                    "pillar": ind.pillar,
                    "indicator": ind.code,
                    "series": ind.series,
                    "value": val.to_numpy(),
                    "value_year": pd.array(np.where(np.isnan(yrs), np.nan, yrs), dtype="Int64"),
                    "age": pd.array(np.where(np.isnan(yrs), np.nan, year - yrs), dtype="Int64"),
                    "transformed": imputed[ind.code].to_numpy(),
                    "normalised": norm[ind.code].to_numpy(),
                    "imputed": ~np.isnan(yrs) & (yrs < year),
                    "flags": fl,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------------------------ all years
@dataclass
class CapacityIndex:
    """The index for every year of the series, the latest year first-class."""

    spec: IndexSpec
    inputs: Inputs
    years: dict[int, YearScores] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return max(self.years)

    @property
    def latest(self) -> YearScores:
        return self.years[self.end]

    @cached_property
    def series(self) -> pd.DataFrame:
        """Long yearly series: one row per Member State and year."""
        return pd.concat([self.years[y].results for y in sorted(self.years)], ignore_index=True)


def score_years(inputs: Inputs, years: Sequence[int]) -> dict[int, YearScores]:
    fw = inputs.spec.framework()
    return {y: score_year(inputs, y, fw) for y in years}


def build_index(
    wh: Warehouse, spec: IndexSpec, *, start: int | None = None, end: int | None = None
) -> CapacityIndex:
    """Read the warehouse and score every year of the series (``series.start`` to the latest
    year, or ``start``/``end`` when given)."""
    inputs = read_inputs(wh, spec)
    return index_from_inputs(inputs, start=start, end=end)


def index_from_inputs(
    inputs: Inputs, *, start: int | None = None, end: int | None = None
) -> CapacityIndex:
    last = latest_year(inputs) if end is None else end
    first = inputs.spec.series.start if start is None else start
    years = list(range(first, last + 1))
    return CapacityIndex(inputs.spec, inputs, score_years(inputs, years))


def summary_counts(results: pd.DataFrame) -> dict[str, Any]:
    scored = results[results["status"] == STATUS_SCORED]
    insufficient = results[results["status"] == STATUS_INSUFFICIENT]
    return {
        "member_states": len(results),
        "scored": len(scored),
        "insufficient_data": len(insufficient),
        "insufficient": {
            str(iso): str(miss).split(",")
            for iso, miss in zip(insufficient["iso3"], insufficient["missing_pillars"], strict=True)
        },
    }
