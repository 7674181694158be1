"""aicap for notebooks: ``aicap.results()``, ``aicap.profile("KEN")``, ``aicap.panel(...)``,
``aicap.composite(...)`` (docs/python.md, whose examples run as doctests).

``import aicap`` imports none of this: :mod:`aicap` loads this module on first use of one of its
names. Locations follow the command line's (``aicap where``): the ``AICAP_WAREHOUSE`` and
``AICAP_OUT`` variables, else the project directory found upwards from the current one, else
the per-user data directory; every function also takes them as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from aicap.index import Composite, Framework, Recipe

__all__ = ["ApiError", "composite", "panel", "profile", "results"]


class ApiError(ValueError):
    """A clear message for a wrong argument or a missing input (names the path or code)."""


def _location(env: str, given: str | Path | None) -> Path:
    if given is not None:
        return Path(given)
    if os.environ.get(env):
        return Path(os.environ[env])
    from aicap import paths

    for loc in paths.locate():
        if loc.env == env:
            return loc.path
    raise ApiError(f"no location for {env}")  # pragma: no cover - locate lists every variable


def _warehouse(path: str | Path | None) -> Any:
    from aicap.warehouse.read import Warehouse, WarehouseError

    try:
        return Warehouse(_location("AICAP_WAREHOUSE", path))
    except WarehouseError as exc:
        raise ApiError(str(exc)) from None


def results(
    year: int | None = None,
    *,
    index_dir: str | Path | None = None,
    warehouse: str | Path | None = None,
) -> pd.DataFrame:
    """The aicap index per Member State (193 rows): ``status``, ``score``, ``rank``, the
    pillar scores, the tier, the rank band (``rank_p05``, ``rank_p95``) and the age of the
    values. The latest year from ``index_dir/results.parquet`` (written by ``aicap build``);
    another ``year`` from the yearly series (``series.parquet``). A country the index does not
    score has ``status == "insufficient_data"`` and no score (NaN, never 0). With no outputs
    yet, the latest year is built from the warehouse (about a minute; nothing written)."""
    import pandas as pd

    folder = _location("AICAP_OUT", index_dir)
    if year is None:
        if (folder / "results.parquet").is_file():
            return pd.read_parquet(folder / "results.parquet")
        from aicap.analysis.run import run_index

        return run_index(_warehouse(warehouse)).results
    series = folder / "series.parquet"
    if not series.is_file():
        raise ApiError(f"no yearly series in {series}: run `aicap build` first")
    frame = pd.read_parquet(series)
    have = sorted(int(y) for y in frame["year"].unique())
    if int(year) not in have:
        raise ApiError(f"no index for {year}: the series covers {have[0]}-{have[-1]}")
    return frame[frame["year"] == int(year)].reset_index(drop=True)


def profile(
    iso3: str,
    *,
    warehouse: str | Path | None = None,
    index_dir: str | Path | None = None,
    mandates: str | Path | None = None,
) -> dict[str, Any]:
    """A country profile as ``aicap profile ISO3 --format json --no-monitor`` gives it: tier,
    score with its band, peers, pillars, bottlenecks, trends, recommendations with their
    mandate citations, data gaps, claims, sources. ``iso3`` in any case; an unknown code is
    an :class:`ApiError` with "did you mean"."""
    from aicap.analysis.capacity_data import load_capacity_data
    from aicap.analysis.catalogue import CatalogueError, load_catalogue
    from aicap.analysis.mandates import MandateError, MandateLibrary
    from aicap.analysis.profile import build_profile
    from aicap.cli.conventions import unknown_country
    from aicap.warehouse.read import WarehouseError

    try:
        data = load_capacity_data(_warehouse(warehouse), _location("AICAP_OUT", index_dir))
        catalogue = load_catalogue(None, MandateLibrary.load(mandates), None)
    except (WarehouseError, MandateError, CatalogueError, OSError) as exc:
        raise ApiError(str(exc)) from None
    code = iso3.strip().upper()
    if code not in set(data.countries["iso3"]):
        cols = [c for c in ("name", "name_en", "formal_name_en") if c in data.countries.columns]
        names = {
            str(r["iso3"]): [str(r[c]) for c in cols if isinstance(r[c], str)]
            for r in data.countries.to_dict(orient="records")
        }
        raise ApiError(unknown_country(iso3, names, "a UN Member State (ISO3 code expected)"))
    prof: dict[str, Any] = build_profile(data, code, catalogue)
    return prof


def _series_of(codes: Sequence[str]) -> list[str]:
    """Warehouse series codes for ``codes``: a framework indicator code (``fixed_broadband``)
    becomes the series it reads (``IT.NET.BBND.P2``); a series code stays itself."""
    from aicap.analysis.spec import IndexSpec, default_framework_path

    by_code = {i.code: i.series for i in IndexSpec.load(default_framework_path()).indicators}
    return [by_code.get(c, c) for c in codes]


def panel(
    indicators: str | Sequence[str],
    years: Iterable[int] | None = None,
    countries: str | Sequence[str] | None = None,
    *,
    wide: bool = False,
    provenance: bool = False,
    warehouse: str | Path | None = None,
) -> pd.DataFrame:
    """Published values from the warehouse, as they were published (not transformed by the
    index): a long frame ``iso3, year, indicator, value, unit, flags, source`` (with
    ``provenance=True``, the publisher, file, row and checksum too), or with ``wide=True`` one
    row per country and year and one column per indicator. ``indicators`` are series codes
    (``IT.NET.BBND.P2``) or the framework's indicator codes (``fixed_broadband``). A missing
    value is absent (long) or NaN (wide), never 0."""
    from aicap.warehouse.read import WarehouseError

    wanted = [indicators] if isinstance(indicators, str) else list(indicators)
    series = _series_of(wanted)
    units = [countries] if isinstance(countries, str) else countries
    try:
        frame: pd.DataFrame = _warehouse(warehouse).panel(
            series,
            years=years,
            countries=[c.upper() for c in units] if units is not None else None,
            provenance=provenance,
        )
    except WarehouseError as exc:
        raise ApiError(str(exc)) from None
    if not wide:
        return frame
    out = frame.pivot_table(index=["iso3", "year"], columns="indicator", values="value")
    out.columns.name = None
    flat: pd.DataFrame = out.reset_index()
    return flat


def composite(
    recipe: str | Path | Recipe | None = None,
    *,
    framework: str | Path | Framework | None = None,
    data: str | Path | pd.DataFrame | None = None,
    folder: str | Path | None = None,
    label: str = "data",
) -> Composite:
    """A composite indicator built by the engine (:mod:`aicap.index`): from a ``framework``
    (YAML path or :class:`~aicap.index.Framework`), unit ``data`` (a CSV path or a DataFrame
    in COINr's iData layout: ``uCode`` and one column per indicator) and a ``recipe`` (YAML
    or JSON path, or :class:`~aicap.index.Recipe`); or the one stored in ``folder`` by
    ``aicap index build --out``. ``.stage("aggregated")``, ``.results_table()``,
    ``.flags`` and ``.weights_table()`` give its numbers."""
    import pandas as pd

    from aicap.index import ComputationError, Framework, Recipe, ValidationError, build

    if folder is not None:
        from aicap.cli import composite_dir

        try:
            return composite_dir.load(Path(folder))
        except (composite_dir.CompositeDirError, ValidationError, ComputationError) as exc:
            raise ApiError(str(exc)) from None
    if recipe is None or framework is None or data is None:
        raise ApiError("give framework, data and recipe (or folder=)")
    try:
        fw = (
            framework
            if isinstance(framework, Framework)
            else Framework.from_yaml(Path(framework).read_text("utf-8"), str(framework))
        )
        if isinstance(recipe, Recipe):
            rec = recipe
        else:
            text = Path(recipe).read_text("utf-8")
            rec = (
                Recipe.from_json(text, str(recipe))
                if str(recipe).lower().endswith(".json")
                else Recipe.from_yaml(text, str(recipe))
            )
        frame = data if isinstance(data, pd.DataFrame) else pd.read_csv(Path(data))
        return build(fw, frame, rec, label if isinstance(data, pd.DataFrame) else str(data))
    except (ValidationError, ComputationError, OSError) as exc:
        raise ApiError(str(exc)) from None
