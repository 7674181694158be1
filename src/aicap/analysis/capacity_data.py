"""What the diagnosis, the divide, the recommendations and the briefing read: plain DataFrames.

:class:`CapacityData` bundles the index results (pillar scores per Member State and year, with
tiers and, for the latest year, uncertainty bands when the index provides them), the per-cell
values (natural units, normalised scores, the year of each value, flags), the country
reference, indicator metadata with their publishers and licences, and GDP per capita (for the
expected-capacity regression). Every consumer takes this container (or its frames), so each
analysis can be tested on small synthetic frames without the warehouse or the index.

It is filled either from the files ``aicap build`` writes (``var/out``: seconds) or, when they
are missing, by building the index in process (about a minute).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.warehouse.read import Warehouse, WarehouseError

#: GDP per capita, PPP (current international $): the regressor of expected capacity.
GDP_SERIES = "NY.GDP.PCAP.PP.CD"
#: A value older than this many years before the analysis year is not used for GDP.
GDP_MAX_AGE = 5
COUNTRY_COLUMNS = ["iso3", "name", "un_region", "income_group", "ldc", "lldc", "sids"]
BAND_COLUMNS = ["score_p05", "score_p95", "rank_p05", "rank_p95"]
#: Sex-disaggregated series of the warehouse (female, male) read for the gender gaps; a value
#: older than ``SEX_MAX_AGE`` years before the analysis year is not used.
SEX_SERIES = (
    "HDR.EYS_F",
    "HDR.EYS_M",
    "HDR.MYS_F",
    "HDR.MYS_M",
    "HDR.SE_F",
    "HDR.SE_M",
    "HDR.LFPR_F",
    "HDR.LFPR_M",
    "HDR.GNI_PC_F",
    "HDR.GNI_PC_M",
)
SEX_MAX_AGE = 8


@dataclass(frozen=True)
class CapacityData:
    """Index results and inputs for the analyses (see the module docstring).

    * ``countries``: ``iso3, name, un_region, income_group, ldc, lldc, sids`` (Member States);
    * ``series``: one row per Member State and year: ``iso3, year, status, score``, one column
      per pillar, optional ``tier``, ``holding_pillars``, ``binding_pillar``, ``evidence`` and,
      for the latest year, ``score_p05, score_p95, rank, rank_p05, rank_p95`` when available;
    * ``cells``: one row per Member State, year and indicator: ``iso3, year, pillar,
      indicator, series, value`` (natural units), ``value_year``, ``normalised`` (0-100),
      ``imputed`` (value carried from an earlier year), ``flags``;
    * ``indicators``: ``code, name, pillar, series, unit, direction, publisher, licence,
      source, source_title, vintage, route`` (publisher: the custodian; route: how the snapshot
      obtained the file, the mirror and its commit);
    * ``pillars``: pillar code -> name, in framework order;
    * ``gdp``: ``iso3, value, year`` (GDP per capita, PPP) for the latest year;
    * ``assets``: what each Member State has (:func:`aicap.analysis.assets.country_assets`,
      long: ``iso3, asset, kind, state, value, year, detail, source, note``); empty when
      unknown (every asset then reads "not assessed");
    * ``sex``: the latest sex-disaggregated values (``iso3, indicator, value, year``) of
      :data:`SEX_SERIES`, for the gender gaps of the diagnosis; empty when unknown.
    """

    year: int
    countries: pd.DataFrame
    series: pd.DataFrame
    cells: pd.DataFrame
    indicators: pd.DataFrame
    pillars: dict[str, str]
    gdp: pd.DataFrame
    index_title: str = "aicap AI Capacity Index"
    index_version: str = ""
    origin: str = ""
    tiers: dict[int, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    assets: pd.DataFrame = field(default_factory=pd.DataFrame)
    sex: pd.DataFrame = field(default_factory=pd.DataFrame)
    spec: Any = None  # the IndexSpec the scores were built with (None: the shipped framework)

    def composition(self, start: int | None = None, end: int | None = None) -> Any:
        """Constant-composition scores over ``start..end``, the only basis for statements
        about change (:mod:`aicap.analysis.trend`). Default ``start``: the earliest year from
        which most countries keep a comparable score (a window across a method break or a
        vanished indicator is shortened, and the composition's ``note`` says why). Cached."""
        import dataclasses

        from aicap.analysis.trend import comparable_start, constant_composition

        ys = self.years
        e = ys[-1] if end is None else end
        spec = self.spec
        if spec is None:
            from aicap.analysis.spec import IndexSpec, default_framework_path

            spec = IndexSpec.load(default_framework_path())
        note = ""
        if start is None:
            # the longest window that keeps comparable scores for most countries
            starts: dict[int, tuple[int, str]] = self.__dict__.setdefault("_starts", {})
            if e not in starts:
                starts[e] = comparable_start(self.cells, spec, e)
            s, note = starts[e]
        else:
            s = start
        cache: dict[tuple[int, int], Any] = self.__dict__.setdefault("_compositions", {})
        if (s, e) not in cache:
            comp = constant_composition(self.cells, spec, s, e)
            cache[(s, e)] = dataclasses.replace(comp, note=note) if note else comp
        return cache[(s, e)]

    def data_age(self, year: int | None = None) -> pd.DataFrame:
        """Per Member State, the age of the values behind its ``year`` scores: ``n_values``,
        ``n_carried`` (values carried forward from an earlier year), ``carried_share``,
        ``oldest``, ``newest``, ``median_year`` (of the values' own years)."""
        y = self.year if year is None else year
        cache: dict[int, pd.DataFrame] = self.__dict__.setdefault("_data_age", {})
        if y in cache:
            return cache[y]
        c = self.cells[(self.cells["year"] == y) & self.cells["value"].notna()]
        g = c.groupby("iso3")
        out = pd.DataFrame(
            {
                "n_values": g.size(),
                "n_carried": g["imputed"].sum().astype(int),
                "oldest": g["value_year"].min(),
                "newest": g["value_year"].max(),
                "median_year": g["value_year"].median(),
            }
        )
        out["carried_share"] = out["n_carried"] / out["n_values"]
        cache[y] = out.reset_index()
        return cache[y]

    def data_age_of(self, iso3: str, year: int | None = None) -> dict[str, Any] | None:
        """:meth:`data_age` of one country as a dict (None: no values)."""
        t = self.data_age(year)
        row = t[t["iso3"] == iso3]
        if row.empty:
            return None
        r = row.iloc[0]
        return {
            "values": int(r["n_values"]),
            "carried_forward": int(r["n_carried"]),
            "carried_share": float(r["carried_share"]),
            "oldest": int(r["oldest"]),
            "newest": int(r["newest"]),
            "median_year": float(r["median_year"]),
        }

    # ------------------------------------------------------------------ views
    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.series["year"].unique())

    def scores(self, year: int | None = None) -> pd.DataFrame:
        """Rows of ``series`` for ``year`` (default: the latest), indexed by iso3."""
        y = self.year if year is None else year
        return self.series[self.series["year"] == y].set_index("iso3")

    def year_cells(self, year: int | None = None) -> pd.DataFrame:
        y = self.year if year is None else year
        return self.cells[self.cells["year"] == y]

    @property
    def has_bands(self) -> bool:
        latest = self.scores()
        return "score_p05" in latest.columns and bool(latest["score_p05"].notna().any())

    def country(self, iso3: str) -> dict[str, Any]:
        c = self.countries.set_index("iso3")
        if iso3 not in c.index:
            raise KeyError(f"{iso3} is not a UN Member State in the country reference")
        rec = {str(k): v for k, v in c.loc[iso3].to_dict().items()}
        rec["iso3"] = iso3
        return rec

    def indicator_meta(self) -> pd.DataFrame:
        return self.indicators.set_index("code")

    # ------------------------------------------------------------------ cached wide tables
    def _wide(self, column: str) -> pd.DataFrame:
        return self.cells.pivot_table(
            index=["year", "iso3"], columns="indicator", values=column, aggfunc="first"
        ).reindex(columns=list(self.indicators["code"]))

    @cached_property
    def normalised_wide(self) -> pd.DataFrame:
        """``(year, iso3) x indicator`` normalised scores (carried values included)."""
        return self._wide("normalised")

    @cached_property
    def value_wide(self) -> pd.DataFrame:
        """``(year, iso3) x indicator`` values in natural units (carried values included)."""
        return self._wide("value")

    @cached_property
    def observed_wide(self) -> pd.DataFrame:
        """``(year, iso3) x indicator`` values observed in that very year (carried ones NaN)."""
        c = self.cells
        obs = c[~c["imputed"].astype(bool)]
        return obs.pivot_table(
            index=["year", "iso3"], columns="indicator", values="value", aggfunc="first"
        ).reindex(columns=list(self.indicators["code"]))

    @cached_property
    def pillar_wide(self) -> pd.DataFrame:
        """``(year, iso3) x pillar`` scores."""
        cols = [c for c in self.pillars if c in self.series.columns]
        return self.series.set_index(["year", "iso3"])[cols].sort_index()

    @cached_property
    def cell_info(self) -> dict[tuple[int, str, str], tuple[Any, str]]:
        """``(year, iso3, indicator)`` -> ``(value_year, flags)``."""
        c = self.cells
        keys = zip(
            c["year"].astype(int), c["iso3"].astype(str), c["indicator"].astype(str), strict=True
        )
        vals = zip(c["value_year"].tolist(), c["flags"].fillna("").astype(str), strict=True)
        return dict(zip(keys, vals, strict=True))

    def year_block(self, which: str, year: int) -> pd.DataFrame:
        """``iso3 x indicator`` table of ``which`` (normalised, value) for ``year``."""
        cache: dict[tuple[str, int], pd.DataFrame] = self.__dict__.setdefault("_blocks", {})
        key = (which, year)
        if key not in cache:
            wide = self.normalised_wide if which == "normalised" else self.value_wide
            sel = wide[wide.index.get_level_values(0) == year]
            cache[key] = sel.droplevel(0)
        return cache[key]


# ------------------------------------------------------------------------------ builders
def _countries(wh: Warehouse) -> pd.DataFrame:
    c = wh.countries("member")[COUNTRY_COLUMNS].copy()
    for k in ("ldc", "lldc", "sids"):
        c[k] = c[k].fillna(False).astype(bool)
    return c.reset_index(drop=True)


def _indicators(wh: Warehouse, spec: Any) -> pd.DataFrame:
    meta = wh.indicators().set_index("code")
    src = wh.sources().set_index("source_id")
    rows = []
    for ind in spec.indicators:
        m = meta.loc[ind.series] if ind.series in meta.index else None
        sid = str(m["source_id"]) if m is not None else ""
        s = src.loc[sid] if sid in src.index else None
        rows.append(
            {
                "code": ind.code,
                "name": ind.name,
                "pillar": ind.pillar,
                "series": ind.series,
                "unit": ind.unit,
                "direction": int(ind.direction),
                "publisher": str(m["publisher"]) if m is not None else "",
                "licence": str(m["licence"]) if m is not None else "",
                "source": sid,
                "source_title": str(s["title"]) if s is not None else "",
                "vintage": str(s["vintage"]) if s is not None else "",
                "route": str(s["route"]) if s is not None and "route" in s.index else "",
            }
        )
    return pd.DataFrame(rows)


def gdp_per_capita(wh: Warehouse, year: int, countries: list[str]) -> pd.DataFrame:
    """Latest GDP per capita (PPP) at or before ``year``, no older than ``GDP_MAX_AGE``."""
    g = wh.latest([GDP_SERIES], countries, max_year=year, min_year=year - GDP_MAX_AGE)
    return g[["iso3", "value", "year"]].reset_index(drop=True)


def sex_values(wh: Warehouse, year: int, countries: list[str]) -> pd.DataFrame:
    """Latest value of each of :data:`SEX_SERIES` at or before ``year`` (``iso3, indicator,
    value, year``); empty when the warehouse has none of them."""
    known = set(wh.indicators()["code"])
    codes = [c for c in SEX_SERIES if c in known]
    if not codes:
        return pd.DataFrame(columns=["iso3", "indicator", "value", "year"])
    g = wh.latest(codes, countries, max_year=year, min_year=year - SEX_MAX_AGE)
    return g[["iso3", "indicator", "value", "year"]].reset_index(drop=True)


def assets_table(wh: Warehouse, year: int) -> tuple[pd.DataFrame, str | None]:
    """The asset table (:mod:`aicap.analysis.assets`) as of ``year``, or an empty frame and a
    warning when the warehouse lacks its record tables."""
    from aicap.analysis.assets import country_assets, load_asset_inputs

    try:
        return country_assets(load_asset_inputs(wh), as_of=year), None
    except (WarehouseError, KeyError, ValueError) as exc:  # no register, cluster or cloud records
        msg = f"what countries have (strategy, compute, cloud) is not assessed: {exc}"
        return pd.DataFrame(), msg


def _tiers(spec: Any) -> dict[int, str]:
    return {int(t.tier): str(t.label) for t in spec.tiers.tiers}


def from_frames(
    wh: Warehouse,
    spec: Any,
    series: pd.DataFrame,
    results: pd.DataFrame,
    cells: pd.DataFrame,
    origin: str,
    warnings: tuple[str, ...] = (),
) -> CapacityData:
    """Assemble from the index's frames (``series`` all years, ``results`` the latest year
    with its bands, ``cells`` all years)."""
    year = int(results["year"].max())
    series = series.copy()
    extra = [c for c in BAND_COLUMNS if c in results.columns and c not in series.columns]
    if extra:
        bands = results[["iso3", "year", *extra]]
        series = series.merge(bands, on=["iso3", "year"], how="left")
    countries = _countries(wh)
    assets, problem = assets_table(wh, year)
    if problem:
        warnings = (*warnings, problem)
    return CapacityData(
        year=year,
        countries=countries,
        series=series.reset_index(drop=True),
        cells=cells.reset_index(drop=True),
        indicators=_indicators(wh, spec),
        pillars={p.code: p.name for p in spec.pillars},
        gdp=gdp_per_capita(wh, year, list(countries["iso3"])),
        index_title=str(spec.title),
        index_version=str(spec.version),
        origin=origin,
        tiers=_tiers(spec),
        warnings=warnings,
        assets=assets,
        sex=sex_values(wh, year, list(countries["iso3"])),
        spec=spec,
    )


OUTPUT_FILES = ("series.parquet", "results.parquet", "series_cells.parquet")


def has_outputs(folder: Path) -> bool:
    return all((folder / f).is_file() for f in OUTPUT_FILES)


def from_outputs(wh: Warehouse, folder: Path, spec: Any | None = None) -> CapacityData:
    """Read the files ``aicap build`` wrote under ``folder``."""
    from aicap.analysis.spec import IndexSpec, default_framework_path

    spec = spec or IndexSpec.load(default_framework_path())
    series = pd.read_parquet(folder / "series.parquet")
    results = pd.read_parquet(folder / "results.parquet")
    cells = pd.read_parquet(folder / "series_cells.parquet")
    written = _dt.datetime.fromtimestamp((folder / "results.parquet").stat().st_mtime, _dt.UTC)
    warnings: list[str] = []
    from aicap.analysis.publish import outputs_stale

    if outputs_stale(wh.path, folder):
        warnings.append(
            f"the index outputs in {folder} are older than the warehouse {wh.path}: "
            "run `aicap build` to refresh them"
        )
    origin = f"index outputs in {folder} (written {written:%Y-%m-%d %H:%M} UTC)"
    return from_frames(wh, spec, series, results, cells, origin, tuple(warnings))


def from_run(wh: Warehouse, run: Any) -> CapacityData:
    """From an :class:`aicap.analysis.run.IndexRun` built in this process."""
    cells = pd.concat([ys.cells for ys in run.index.years.values()], ignore_index=True)
    return from_frames(
        wh, run.spec, run.series, run.results, cells, "index built in process from the warehouse"
    )


def load_capacity_data(
    wh: Warehouse, index_dir: Path | None = None, *, build: bool = True
) -> CapacityData:
    """The index outputs in ``index_dir`` when present, else (``build``) the index built now
    (without uncertainty bands, which only ``aicap build`` computes)."""
    if index_dir is not None and has_outputs(index_dir):
        return from_outputs(wh, index_dir)
    if not build:
        raise FileNotFoundError(
            f"no index outputs in {index_dir}: run `aicap build` "
            f"(it writes {', '.join(OUTPUT_FILES)})"
        )
    from aicap.analysis.run import run_index

    run = run_index(wh, uncertainty=False)
    return from_run(wh, run)


def nan_to_none(v: Any) -> Any:
    """JSON-ready scalar: NaN/NA -> None, numpy scalars -> Python."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v
