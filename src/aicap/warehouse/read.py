"""Read API for the layers above: DataFrames in, DataFrames out; no SQL or DuckDB objects leak.

>>> wh = Warehouse("var/aicap.duckdb")                                     # doctest: +SKIP
>>> wh.panel(["IT.NET.BBND.P2"], years=range(2015, 2024), countries=["KEN"])  # doctest: +SKIP
>>> wh.latest(["IT.NET.BBND.P2", "EG.ELC.ACCS.ZS"], max_year=2023)          # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from aicap.sources.route import route_text
from aicap.warehouse.schema import SCHEMA_VERSION


class WarehouseError(LookupError):
    """The warehouse is missing, stale, or has no such value."""


_PROVENANCE_SQL = """
    SELECT o.iso3, c.name AS country, o.year, o.indicator, i.name AS indicator_name,
           o.value, o.unit, o.flags,
           s.source_id AS source, s.publisher, s.title AS source_title, s.url, s.live_url,
           i.licence, s.citation, s.vintage, s.retrieved, s.origin, s.ingested_at,
           s.folder || '/' || o.file AS file, o.row, f.sha256, i.source_code,
           s.snapshot AS _snapshot_id, s.snapshot_retrieved AS _snapshot_retrieved,
           s.folder AS _snapshot_folder, f.url AS _file_url, f.origin AS _file_origin,
           s.route AS _route
    FROM observations o
    JOIN indicators i ON i.code = o.indicator
    JOIN sources s ON s.source_id = o.source_id
    LEFT JOIN source_files f ON f.source_id = o.source_id AND f.path = o.file
    LEFT JOIN countries c ON c.iso3 = o.iso3
"""


def _snapshot(rec: dict[str, Any]) -> dict[str, Any] | None:
    """The live snapshot a value came from (None for the bundled snapshot)."""
    if not rec.get("_snapshot_id"):
        return None
    folder = str(rec.get("_snapshot_folder") or "")
    return {
        "id": rec["_snapshot_id"],
        "retrieved": rec.get("_snapshot_retrieved"),
        "url": rec.get("_file_url") or None,
        "file_origin": rec.get("_file_origin"),
        "folder": folder,
        "manifest": f"{folder}/snapshot.json" if folder else None,
    }


class Warehouse:
    """Read-only access to a warehouse file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WarehouseError(
                f"no warehouse at {self.path}; run `aicap ingest` (or `aicap build`) first"
            )

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if version is None or version[0] != SCHEMA_VERSION:
                raise WarehouseError(
                    f"warehouse {self.path} has schema {version[0] if version else '?'}, "
                    f"this aicap needs {SCHEMA_VERSION}; run `aicap ingest`"
                )
            return con.execute(sql, list(params)).df()
        finally:
            con.close()

    # --- reference ------------------------------------------------------------------------
    def countries(self, status: str | Iterable[str] | None = None) -> pd.DataFrame:
        """The country reference; ``status`` filters (member, observer, territory, other)."""
        frame = self._query("SELECT * FROM countries ORDER BY iso3")
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            frame = frame[frame["status"].isin(wanted)].reset_index(drop=True)
        return frame

    def member_states(self) -> list[str]:
        """ISO3 codes of the 193 UN Member States."""
        return list(self.countries("member")["iso3"])

    def indicators(self) -> pd.DataFrame:
        """Every indicator with its unit, publisher and licence."""
        return self._query(
            """SELECT i.*, s.publisher, s.url FROM indicators i
               JOIN sources s USING (source_id) ORDER BY i.code"""
        )

    def sources(self) -> pd.DataFrame:
        """Every source with its publisher (the custodian), licence, vintage, route (how the
        snapshot obtained the files: ``route`` in words, ``route_detail`` as records) and
        files' checksums."""
        frame = self._query(
            """SELECT s.*, list(struct_pack(path := f.path, sha256 := f.sha256, bytes := f.bytes,
                                            origin := f.origin, url := f.url)
                                ORDER BY f.path) AS files
               FROM sources s LEFT JOIN source_files f USING (source_id)
               GROUP BY ALL ORDER BY s.source_id"""
        )
        detail = [json.loads(str(r or "[]")) for r in frame["route"].tolist()]
        frame["route_detail"] = detail
        frame["route"] = [route_text(d) for d in detail]
        return frame

    def aggregates(self) -> pd.DataFrame:
        """Aggregate entities (regions, income groups, world) recognised in the sources."""
        return self._query("SELECT * FROM aggregates ORDER BY source_id, code")

    def geometries(self) -> pd.DataFrame:
        """Country geometries (GeoJSON text) keyed by ISO3."""
        return self._query("SELECT * FROM geometries ORDER BY iso3")

    # --- record-level tables ------------------------------------------------------------------
    def record_tables(self) -> pd.DataFrame:
        """The record tables: ``source_id, name, table_name, columns, n_rows``."""
        return self._query("SELECT * FROM record_tables ORDER BY source_id, name")

    def records(self, source: str, name: str) -> pd.DataFrame:
        """One record table of a source (e.g. ``records("epoch_gpu_clusters", "clusters")``),
        in the order the importer gave, with its provenance columns ``file`` and ``row`` (and
        ``iso3``, ``country_resolution`` where the records name a country)."""
        found = self._query(
            "SELECT table_name FROM record_tables WHERE source_id = ? AND name = ?",
            [source, name],
        )
        if found.empty:
            have = self._query("SELECT source_id || '/' || name AS t FROM record_tables")
            raise WarehouseError(
                f"no record table {name!r} for source {source!r}; stored: "
                f"{', '.join(sorted(have['t'])) or 'none'}"
            )
        table = str(found["table_name"].iloc[0]).replace('"', '""')
        return self._query(f'SELECT * FROM "{table}"')

    # --- observations -----------------------------------------------------------------------
    def panel(
        self,
        indicators: Sequence[str],
        years: Iterable[int] | None = None,
        countries: Sequence[str] | None = None,
        *,
        provenance: bool = False,
    ) -> pd.DataFrame:
        """Long frame ``iso3, year, indicator, value, unit, flags, source`` (plus the full
        provenance with ``provenance=True``: the publisher, and apart the ``route`` by which the
        snapshot obtained the file) for the given indicators, years and countries."""
        self._check_indicators(indicators)
        where = ["o.indicator IN (SELECT unnest(?))"]
        params: list[Any] = [list(indicators)]
        if years is not None:
            where.append("o.year IN (SELECT unnest(?))")
            params.append([int(y) for y in years])
        if countries is not None:
            where.append("o.iso3 IN (SELECT unnest(?))")
            params.append(list(countries))
        frame = self._query(
            _PROVENANCE_SQL + " WHERE " + " AND ".join(where) + " ORDER BY 1, 3, 4", params
        )
        cols = ["iso3", "year", "indicator", "value", "unit", "flags", "source"]
        if not provenance:
            return frame[cols]
        frame = frame.rename(columns={"_snapshot_id": "snapshot", "_file_url": "file_url"})
        routes = {r: route_text(json.loads(str(r or "[]"))) for r in frame["_route"].unique()}
        frame["route"] = frame["_route"].map(routes)  # how the snapshot obtained the file
        return frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")])

    def latest(
        self,
        indicators: Sequence[str],
        countries: Sequence[str] | None = None,
        *,
        max_year: int | None = None,
        min_year: int | None = None,
    ) -> pd.DataFrame:
        """Latest available value per country and indicator, with its ``year`` (never
        presented as current: the year travels with the value)."""
        self._check_indicators(indicators)
        where = ["indicator IN (SELECT unnest(?))"]
        params: list[Any] = [list(indicators)]
        if countries is not None:
            where.append("iso3 IN (SELECT unnest(?))")
            params.append(list(countries))
        if max_year is not None:
            where.append("year <= ?")
            params.append(int(max_year))
        if min_year is not None:
            where.append("year >= ?")
            params.append(int(min_year))
        return self._query(
            f"""SELECT iso3, indicator, year, value, unit, flags, source_id AS source
                FROM observations WHERE {" AND ".join(where)}
                QUALIFY row_number() OVER (PARTITION BY iso3, indicator ORDER BY year DESC) = 1
                ORDER BY iso3, indicator""",
            params,
        )

    def explain(self, iso3: str, indicator: str, year: int | None = None) -> dict[str, Any]:
        """One value with its full provenance (latest year when ``year`` is None)."""
        iso3 = iso3.upper()
        params: list[Any] = [iso3, indicator]
        where = "WHERE o.iso3 = ? AND o.indicator = ?"
        if year is not None:
            where += " AND o.year = ?"
            params.append(int(year))
        frame = self._query(_PROVENANCE_SQL + where + " ORDER BY o.year DESC LIMIT 1", params)
        if frame.empty:
            self._check_indicators([indicator])
            known = self._query("SELECT 1 FROM countries WHERE iso3 = ?", [iso3])
            if known.empty:
                raise WarehouseError(f"unknown country code {iso3!r}")
            years = self._query(
                "SELECT list(year ORDER BY year) AS y FROM observations "
                "WHERE iso3 = ? AND indicator = ?",
                [iso3, indicator],
            )["y"].iloc[0]
            listed = ", ".join(str(int(y)) for y in years) if years is not None else ""
            have = f"; years with data: {listed}" if listed else "; no year has data"
            raise WarehouseError(
                f"no value for {iso3} {indicator}" + (f" in {year}" if year else "") + have
            )
        rec = frame.to_dict(orient="records")[0]
        out: dict[str, Any] = {}
        for key_, value in rec.items():
            key = str(key_)
            if isinstance(value, pd.Timestamp):
                out[key] = value.isoformat()
            elif hasattr(value, "item"):
                out[key] = value.item()
            else:
                out[key] = value
        out["flags"] = [f for f in str(out.get("flags") or "").split(",") if f]
        out["snapshot"] = _snapshot(out)
        route = json.loads(str(out.get("_route") or "[]"))
        out["route"] = route_text(route)  # how the snapshot obtained the file
        out["route_detail"] = route
        for key in [k for k in out if k.startswith("_")]:
            del out[key]
        return out

    def coverage(self) -> pd.DataFrame:
        """Per indicator: Member States with data, total observations, first and latest year,
        and Member States with a value in the latest year."""
        return self._query(
            """WITH m AS (SELECT iso3 FROM countries WHERE status = 'member'),
                    o AS (SELECT * FROM observations WHERE iso3 IN (SELECT iso3 FROM m)),
                    last AS (SELECT indicator, max(year) AS latest_year FROM o GROUP BY 1)
               SELECT i.code AS indicator, i.name, i.source_id AS source,
                      count(DISTINCT o.iso3) AS member_states,
                      count(o.iso3) AS observations,
                      min(o.year) AS first_year, l.latest_year,
                      count(DISTINCT o.iso3) FILTER (WHERE o.year = l.latest_year)
                          AS member_states_latest_year
               FROM indicators i LEFT JOIN o ON o.indicator = i.code
               LEFT JOIN last l ON l.indicator = i.code
               GROUP BY i.code, i.name, i.source_id, l.latest_year
               ORDER BY i.source_id, i.code"""
        )

    def coverage_summary(self) -> dict[str, Any]:
        """Totals for ``aicap coverage --json``."""
        totals = self._query(
            """SELECT (SELECT count(*) FROM countries WHERE status='member') AS total,
                      (SELECT count(DISTINCT o.iso3) FROM observations o JOIN countries c
                         USING (iso3) WHERE c.status='member') AS with_data,
                      (SELECT count(*) FROM observations) AS observations,
                      (SELECT count(*) FROM indicators) AS indicators,
                      (SELECT count(*) FROM sources) AS sources"""
        ).iloc[0]
        missing = self._query(
            """SELECT iso3 FROM countries WHERE status='member'
               AND iso3 NOT IN (SELECT DISTINCT iso3 FROM observations) ORDER BY iso3"""
        )
        per = self.coverage()
        records = json.loads(per.to_json(orient="records"))
        return {
            "member_states_total": int(totals["total"]),
            "member_states_with_data": int(totals["with_data"]),
            "member_states_without_data": list(missing["iso3"]),
            "observations": int(totals["observations"]),
            "indicators_total": int(totals["indicators"]),
            "sources_total": int(totals["sources"]),
            "indicators": records,
        }

    def _check_indicators(self, indicators: Sequence[str]) -> None:
        if isinstance(indicators, str):
            raise TypeError("indicators must be a sequence of codes, not a string")
        known = set(self._query("SELECT code FROM indicators")["code"])
        unknown = [i for i in indicators if i not in known]
        if unknown:
            raise WarehouseError(f"unknown indicator code(s): {', '.join(unknown)}")
