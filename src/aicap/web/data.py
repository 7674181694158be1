"""Everything the dashboard shows, computed once at startup.

:func:`load_site` reads the warehouse (country reference in six languages, geometry,
provenance) and the index outputs that ``aicap build`` wrote (``var/out``); without them it
builds the index in process. Pages then only look things up, so a profile page costs a few
dictionary look-ups and a template render (and is cached after its first render).

The country diagnosis and ranked recommendations (``aicap.analysis.diagnose`` /
``recommend``) read :attr:`SiteData.diagnosis_data`, assembled here from the same index frames;
the Monitor's tables (``aicap.web.monitor``) are computed on first use.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData, from_frames
from aicap.analysis.capacity_index import read_inputs, score_year, unit_data
from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.analysis.claims_run import standard_claims
from aicap.analysis.diagnose import ExpectedCapacity, expected_for
from aicap.analysis.divide import divide_table
from aicap.analysis.publish import outputs_stale
from aicap.analysis.run import audit_for_scored, run_index
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.index import Composite
from aicap.warehouse.read import Warehouse

LANGS = ("en", "fr", "es", "ru", "zh", "ar")
RESULT_FILES = ("results.parquet", "series.parquet", "series_cells.parquet")
GROUP_FLAGS = ("ldc", "lldc", "sids")


def jsonable(v: Any) -> Any:
    """A JSON-ready scalar: NaN/NA -> None, numpy scalars -> Python, floats rounded."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else round(f, 4)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


@dataclass
class Country:
    iso3: str
    names: dict[str, str]
    formal: dict[str, str]
    un_region: str
    un_subregion: str
    income_group: str | None
    ldc: bool
    lldc: bool
    sids: bool
    lat: float | None
    lon: float | None

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "iso3": self.iso3,
            "names": self.names,
            "un_region": self.un_region,
            "un_subregion": self.un_subregion,
            "income_group": self.income_group,
            "ldc": self.ldc,
            "lldc": self.lldc,
            "sids": self.sids,
        }


@dataclass
class SiteData:
    """The dashboard's data (read-only after :func:`load_site`)."""

    spec: IndexSpec
    year: int
    countries: dict[str, Country]  # the 193 Member States, by ISO3
    results: pd.DataFrame  # latest year, indexed by iso3
    series: pd.DataFrame  # every year: iso3, year, score, pillars, tier, rank
    cells: pd.DataFrame  # every year and indicator (natural units, normalised, flags)
    changes: pd.DataFrame
    indicators: list[dict[str, Any]]  # framework order, with publisher and licence
    provenance: dict[tuple[str, str, int], dict[str, Any]]  # (iso3, series, year) -> source
    geometries: dict[str, dict[str, Any]]  # iso3 -> GeoJSON geometry
    composite: Composite  # the latest year's composite, scored Member States (what-if)
    divide: dict[str, Any]
    catalogue: Catalogue
    origin: str
    has_bands: bool
    diagnosis_data: CapacityData  # what aicap.analysis.diagnose / recommend read
    expected: ExpectedCapacity | None  # the expected-capacity fit, shared by every profile
    warehouse: Path
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ look-ups
    @property
    def pillar_codes(self) -> list[str]:
        return self.spec.pillar_codes

    def pillar_name(self, code: str) -> str:
        return self.spec.pillar(code).name

    def indicator(self, code: str) -> dict[str, Any] | None:
        return next((i for i in self.indicators if i["code"] == code), None)

    def ranked(self) -> pd.DataFrame:
        """Latest results, best first, insufficient-data rows last."""
        r = self.results.reset_index()
        return r.sort_values(["rank", "iso3"], na_position="last", kind="stable")

    def regions(self) -> list[str]:
        return sorted({c.un_region for c in self.countries.values() if c.un_region})

    def income_groups(self) -> list[str]:
        order = ["LIC", "LMC", "UMC", "HIC"]
        have = {c.income_group for c in self.countries.values() if c.income_group}
        return [g for g in order if g in have] + sorted(have - set(order))


def _str(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def _countries(wh: Warehouse) -> dict[str, Country]:
    out: dict[str, Country] = {}
    for r in wh.countries("member").to_dict(orient="records"):
        names = {lang: _str(r.get(f"name_{lang}")) or _str(r["name"]) for lang in LANGS}
        formal = {lang: _str(r.get(f"formal_name_{lang}")) for lang in LANGS}
        lat, lon = jsonable(r.get("latitude")), jsonable(r.get("longitude"))
        out[str(r["iso3"])] = Country(
            iso3=str(r["iso3"]),
            names=names,
            formal=formal,
            un_region=_str(r.get("un_region")),
            un_subregion=_str(r.get("un_subregion")),
            income_group=_str(r.get("income_group")) or None,
            ldc=bool(r.get("ldc")),
            lldc=bool(r.get("lldc")),
            sids=bool(r.get("sids")),
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
        )
    return out


def _indicators(wh: Warehouse, spec: IndexSpec) -> list[dict[str, Any]]:
    meta = wh.indicators().set_index("code")
    src = wh.sources().set_index("source_id")
    out = []
    for ind in spec.indicators:
        m = meta.loc[ind.series] if ind.series in meta.index else None
        out.append(
            {
                "code": ind.code,
                "name": ind.name,
                "pillar": ind.pillar,
                "series": ind.series,
                "series_name": _str(m["name"]) if m is not None else "",
                "unit": ind.unit,
                "direction": ind.direction,
                "transform": ind.transform,
                "per_capita": ind.per_capita.denominator if ind.per_capita else None,
                "goalposts": [ind.goalposts.lower, ind.goalposts.upper],
                "goalposts_basis": ind.goalposts.basis,
                "goalposts_note": ind.goalposts.note,
                "max_age": spec.max_age(ind),
                "weight": ind.weight,
                "concept": ind.concept,
                "rationale": " ".join(ind.rationale.split()),
                "caveats": " ".join(ind.caveats.split()) if ind.caveats else None,
                "publisher": _str(m["publisher"]) if m is not None else "",
                "licence": _str(m["licence"]) if m is not None else "",
                "url": _str(m["url"]) if m is not None else "",
                "source": _str(m["source_id"]) if m is not None else "",
                "source_title": _source_field(src, m, "title"),
                "route": _source_field(src, m, "route"),
            }
        )
    return out


def _source_field(src: pd.DataFrame, m: Any, column: str) -> str:
    """``column`` of the indicator's source (empty when unknown)."""
    if m is None or str(m["source_id"]) not in src.index or column not in src.columns:
        return ""
    return _str(src.loc[str(m["source_id"]), column])


def _provenance(wh: Warehouse, spec: IndexSpec) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Source of every observation of the index's input series (one query)."""
    series = sorted({i.series for i in spec.indicators})
    frame = wh.panel(series, countries=wh.member_states(), provenance=True)
    keep = [
        "publisher",
        "source_title",
        "url",
        "licence",
        "vintage",
        "route",
        "file",
        "row",
        "sha256",
    ]
    out: dict[tuple[str, str, int], dict[str, Any]] = {}
    for rec in frame[["iso3", "indicator", "year", *keep]].to_dict(orient="records"):
        out[(str(rec["iso3"]), str(rec["indicator"]), int(rec["year"]))] = {
            k: jsonable(rec[k]) for k in keep
        }
    return out


def _geometries(wh: Warehouse, members: dict[str, Country]) -> dict[str, dict[str, Any]]:
    g = wh.geometries()
    return {
        str(r["iso3"]): json.loads(str(r["geometry"]))
        for r in g.to_dict(orient="records")
        if str(r["iso3"]) in members
    }


def _divide(diag: CapacityData, expected: ExpectedCapacity | None) -> dict[str, Any]:
    """The divide page's numbers: every change on constant-composition scores, every sentence
    a claim (aicap.analysis.claims_run), with the composition and its breaks."""
    std = standard_claims(
        diag, n_boot=1000, expected_table=expected.table if expected is not None else None
    )
    cols = ["score", *diag.pillars]
    table = divide_table(std.composition.scores, diag.countries, cols)
    verdicts: dict[str, Any] = {}
    for m in cols:
        v = std.verdicts.get(m)
        if v is None:
            verdicts[m] = {
                "measure": m,
                "error": True,
                "text": f"not comparable over {std.composition.start}-{std.composition.end}: "
                "no indicator of it is available in every year for enough countries",
            }
        else:
            verdicts[m] = v.as_dict()
    names = dict(zip(diag.indicators["code"], diag.indicators["name"], strict=True))
    age = std.get("data_age")
    return {
        "table": table,
        "verdicts": verdicts,
        "composition": std.composition.as_dict(),
        "composition_text": std.composition.describe(names),
        "breaks": [
            c.as_dict() for c in std.claims.claims.values() if c.kind == "composition_break"
        ],
        "data_age": age.as_dict() if age is not None else None,
        "claims": std.claims.as_list(),
    }


def load_site(warehouse: str | Path, out_dir: str | Path | None = "var/out") -> SiteData:
    """Read everything once. ``out_dir``: the folder ``aicap build`` wrote; when it holds no
    results the index is built now from the warehouse (with its rank bands)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    wh = Warehouse(warehouse)
    spec = IndexSpec.load(default_framework_path())
    notes: list[str] = []
    folder = Path(out_dir) if out_dir is not None else None
    run = None
    if folder is not None and all((folder / f).is_file() for f in RESULT_FILES):
        results = pd.read_parquet(folder / "results.parquet")
        series = pd.read_parquet(folder / "series.parquet")
        cells = pd.read_parquet(folder / "series_cells.parquet")
        changes_path = folder / "changes.parquet"
        changes = pd.read_parquet(changes_path) if changes_path.is_file() else pd.DataFrame()
        stamp = time.strftime(
            "%Y-%m-%d %H:%M UTC", time.gmtime((folder / "results.parquet").stat().st_mtime)
        )
        origin = f"index outputs in {folder} (written {stamp})"
        if outputs_stale(wh.path, folder):
            notes.append(
                f"The index outputs in {folder} are older than the warehouse: run `aicap build`."
            )
    else:
        run = run_index(wh)
        results, series, changes = run.results, run.series, run.change.changes
        cells = pd.concat([ys.cells for ys in run.index.years.values()], ignore_index=True)
        origin = "index built at startup from the warehouse (no outputs of `aicap build` found)"
    timings["results"] = time.perf_counter() - t0
    year = int(results["year"].max())
    t = time.perf_counter()
    if run is not None:
        composite = run.audit_composite
    else:
        inputs = read_inputs(wh, spec)
        data, _ = unit_data(inputs, year)
        composite = audit_for_scored(score_year(inputs, year), data)
    timings["composite"] = time.perf_counter() - t
    t = time.perf_counter()
    countries = _countries(wh)
    indicators = _indicators(wh, spec)
    provenance = _provenance(wh, spec)
    geometries = _geometries(wh, countries)
    timings["reference"] = time.perf_counter() - t
    catalogue = load_catalogue()
    has_bands = "rank_p05" in results.columns and bool(results["rank_p05"].notna().any())
    if not has_bands:
        notes.append("No rank bands: the index was built without its uncertainty analysis.")
    t = time.perf_counter()
    diag = from_frames(wh, spec, series, results, cells, origin, tuple(notes))
    try:
        expected: ExpectedCapacity | None = expected_for(diag)
    except ValueError as exc:  # too few countries with GDP per person to fit
        expected = None
        notes.append(f"Expected capacity not estimated: {exc}")
    timings["diagnosis"] = time.perf_counter() - t
    t = time.perf_counter()
    divide = _divide(diag, expected)
    timings["divide"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return SiteData(
        spec=spec,
        year=year,
        countries=countries,
        results=results.set_index("iso3"),
        series=series,
        cells=cells,
        changes=changes.set_index("iso3") if "iso3" in changes.columns else changes,
        indicators=indicators,
        provenance=provenance,
        geometries=geometries,
        composite=composite,
        divide=divide,
        catalogue=catalogue,
        origin=origin,
        has_bands=has_bands,
        diagnosis_data=diag,
        expected=expected,
        warehouse=wh.path,
        notes=notes,
        timings=timings,
    )
