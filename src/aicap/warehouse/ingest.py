"""Ingest the raw-data snapshot into the warehouse: incremental and atomic.

* **Incremental**: each source has a fingerprint (its files' SHA-256, its mapping file, its
  importer's code, the country reference's fingerprint, the schema version). A source whose
  fingerprint is unchanged is not parsed again; when nothing changed, the warehouse file is not
  touched at all.
* **Atomic**: every changed source is parsed and harmonised in memory first (any bad input fails
  here, before anything is written). The new warehouse is then written to a temporary copy beside
  the old one and moved over it with ``os.replace`` after ``fsync``. A crash, an exception or a
  ``kill -9`` at any point leaves the previous file byte for byte as it was; leftover temporary
  files are removed by the next ingest.
* **Live snapshots**: ``overrides={source_id: snapshot_folder}`` reads a source from a snapshot
  that ``aicap update`` downloaded (:mod:`aicap.sources.live`) instead of its bundled folder,
  through the same ``parse``; the ``sources`` row then says ``origin = 'live'`` with the
  snapshot's id, retrieval time and URLs. A source stored from a live snapshot stays live on
  later ingests (its snapshot folder is read again) until that folder is deleted, when the
  bundled files take over again (with a warning). With ``tolerate=True`` an override that fails
  (damaged snapshot, bad data) is reported in :attr:`IngestReport.failed` and left out: what is
  stored for that source stays as it was, and the other sources are still written.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import inspect
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd

import aicap
from aicap.sources import country_reference, validity
from aicap.sources.base import (
    CANONICAL_COLUMNS,
    SourceError,
    SourceInfo,
    check_duplicates,
    check_records,
    sha256,
)
from aicap.sources.country_reference import Reference
from aicap.sources.files import read_source_files
from aicap.sources.harmonise import Harmoniser, load_mapping
from aicap.sources.live import Snapshot, read_snapshot
from aicap.sources.registry import REFERENCE_FOLDER, SourceFolder, discover
from aicap.sources.route import live_route, read_route
from aicap.warehouse import checks
from aicap.warehouse.schema import DDL, PER_SOURCE_TABLES, RECORD_TABLE_PREFIX, SCHEMA_VERSION
from aicap.warehouse.stored import stored_fingerprints as _stored_fingerprints
from aicap.warehouse.stored import stored_live as _stored_live

Progress = Callable[[str, str], None]
"""Called as ``progress(source_id, stage)`` with stage one of checking, parsing, writing, done."""


class IngestError(RuntimeError):
    """An ingest failed; the warehouse is unchanged. ``source`` names the culprit."""

    def __init__(self, source: str, error: Exception) -> None:
        self.source = source
        self.error = error
        super().__init__(f"source {source!r}: {error}")


@dataclass
class IngestReport:
    """What an ingest did."""

    warehouse: Path
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    no_importer: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    written: bool = False
    #: Overrides left out with ``tolerate=True``: source -> error message.
    failed: dict[str, str] = field(default_factory=dict)
    #: Sources read from a live snapshot in this run: source -> snapshot id.
    live: dict[str, str] = field(default_factory=dict)


@dataclass
class _Staged:
    """One changed source, parsed and harmonised, ready to write."""

    folder: SourceFolder
    info: SourceInfo
    fingerprint: str
    files: dict[str, bytes]
    retrieved: str
    observations: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregate_observations: pd.DataFrame = field(default_factory=pd.DataFrame)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregates: pd.DataFrame = field(default_factory=pd.DataFrame)
    geometries: pd.DataFrame = field(default_factory=pd.DataFrame)
    records: dict[str, pd.DataFrame] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reference: Reference | None = None
    snapshot: Snapshot | None = None
    route: list[dict[str, str]] = field(default_factory=list)


def _module_fingerprint(module: ModuleType, source_id: str) -> str:
    h = hashlib.sha256()
    h.update(f"aicap {aicap.__version__} schema {SCHEMA_VERSION}\n".encode())
    src = inspect.getsourcefile(module)
    if src:
        h.update(Path(src).read_bytes())
    node = resources.files("aicap.sources").joinpath(f"mappings/{source_id}.yaml")
    if node.is_file():
        h.update(node.read_bytes())
    h.update(validity.catalogue_bytes())
    return h.hexdigest()


def _fingerprint(files: dict[str, bytes], module: ModuleType, source_id: str, extra: str) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(f"{path}\0{sha256(files[path])}\n".encode())
    h.update(_module_fingerprint(module, source_id).encode())
    h.update(extra.encode())
    return h.hexdigest()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _retrieved(info: SourceInfo, folder: Path, files: dict[str, bytes]) -> str:
    """The snapshot's date: the last ISO date its vintage names (upstream commit or
    retrieval), else the files' modification date."""
    dates = _ISO_DATE.findall(info.vintage)
    if dates:
        return str(max(dates))
    mtimes = [(folder / p).stat().st_mtime for p in files]
    return datetime.fromtimestamp(max(mtimes), tz=UTC).date().isoformat() if mtimes else ""


def _locate(s: _Staged, exc: SourceError) -> SourceError:
    """``exc`` located in the source's folder (bundled) or snapshot (live, with the URL)."""
    if s.snapshot is None:
        return exc.located(file=f"{s.folder.name}/{exc.file}" if exc.file else s.folder.name)
    record = s.snapshot.file(exc.file) if exc.file else None
    message = exc.message + (f" (downloaded from {record.url})" if record and record.url else "")
    return SourceError(
        message,
        file=f"{s.snapshot.folder}/{exc.file}" if exc.file else str(s.snapshot.folder),
        row=exc.row,
        column=exc.column,
        value=exc.value,
    )


def _tmp_prefix(path: Path) -> str:
    return f"{path.name}.tmp-"


def _remove_stale_temps(path: Path) -> None:
    for stale in path.parent.glob(_tmp_prefix(path) + "*"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock beside the warehouse, so two ingests never interleave."""
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestError(
                "*", RuntimeError(f"another ingest holds {lock_path}; try again when it ends")
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stage_reference(staged: _Staged) -> None:
    ref = country_reference.parse(staged.files)
    staged.reference = ref
    staged.aggregates = ref.aggregates.assign(source_id=staged.info.id)


def _stage_source(staged: _Staged, reference: Reference) -> None:
    parse = staged.folder.parse
    assert parse is not None
    info = staged.info
    parsed = validity.check(parse(staged.files), info.id, geometry_file=info.files[0])
    obs = parsed.observations
    check_duplicates(obs)
    obs = obs.drop_duplicates(["entity", "year", "indicator"])
    check_records(parsed.records, source=info.id)
    harmoniser = Harmoniser(
        reference,
        load_mapping(info.id),
        entity_kind=info.entity_kind,
        entity_column=validity.entity_column(info.id),
    )
    result = harmoniser.apply(obs, parsed.records)
    staged.records = result.records
    meta = pd.DataFrame(
        [
            {
                "code": m.code,
                "name": m.name,
                "unit": m.unit,
                "description": m.description,
                "source_id": info.id,
                "source_code": m.source_code or m.code,
                "licence": m.licence or info.licence,
            }
            for m in parsed.indicators
        ],
        columns=["code", "name", "unit", "description", "source_id", "source_code", "licence"],
    )
    dup = meta["code"].duplicated()
    if bool(dup.any()):
        raise SourceError(f"indicator {meta['code'][dup].iloc[0]!r} declared twice")
    undeclared = set(result.countries["indicator"]) | set(result.aggregates["indicator"])
    undeclared -= set(meta["code"])
    if undeclared:
        raise SourceError(
            f"observations for undeclared indicator(s) {sorted(undeclared)[:5]} "
            "(the importer must describe every indicator it emits)"
        )
    units = dict(zip(meta["code"], meta["unit"], strict=True))
    countries = result.countries.assign(
        source=info.id, unit=result.countries["indicator"].map(units)
    )
    staged.observations = countries[[*CANONICAL_COLUMNS, "unit"]]
    staged.aggregate_observations = result.aggregates.assign(source=info.id)
    staged.indicators = meta
    staged.aggregates = (
        result.aggregates[["code", "name"]]
        .drop_duplicates("code")
        .assign(publisher=info.publisher, source_id=info.id)
    )
    staged.excluded = result.excluded
    staged.warnings = list(result.warnings)
    staged.notes = list(parsed.notes)
    if parsed.geometries is not None and len(parsed.geometries):
        geo = parsed.geometries.copy()
        kinds = geo["entity"].map(lambda e: harmoniser.resolve(str(e)))
        unknown = geo[kinds.map(lambda k: k[0]) != "country"]
        if len(unknown):
            raise SourceError(
                "geometry id is not a country code in the reference",
                file=info.files[0],
                column=validity.entity_column(info.id) or "id",
                value=str(unknown["entity"].iloc[0]),
            )
        geo["iso3"] = kinds.map(lambda k: k[1])
        staged.geometries = geo.assign(source_id=info.id, file=info.files[0])[
            ["iso3", "name", "geometry", "source_id", "file"]
        ]


def _write(path: Path, staged: list[_Staged], report: IngestReport, started: datetime) -> None:
    tmp = path.with_name(f"{_tmp_prefix(path)}{os.getpid()}")
    try:
        fresh = not path.exists() or not _stored_fingerprints(path)
        if not fresh:
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            if fresh:
                for table in con.execute("SHOW TABLES").fetchall():
                    con.execute(f'DROP TABLE "{table[0]}"')
            for ddl in DDL:
                con.execute(ddl)
            con.execute("BEGIN TRANSACTION")
            owners = checks.check_indicator_owners(
                con, {s.info.id: [str(c) for c in s.indicators.get("code", [])] for s in staged}
            )
            if owners is not None:
                raise owners
            for s in staged:
                _write_source(con, s)
            dup = con.execute(
                "SELECT iso3, year, indicator, list(source_id) FROM observations "
                "GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
            ).fetchone()
            if dup is not None:
                raise SourceError(
                    f"two observations for ({dup[0]}, {dup[1]}, {dup[2]}) from {dup[3]}"
                )
            # indicator codes must be unique across publishers
            clash = con.execute(
                "SELECT code, list(source_id) FROM indicators GROUP BY code HAVING count(*) > 1"
            ).fetchone()
            if clash is not None:
                raise SourceError(f"indicator code {clash[0]!r} is published by {clash[1]}")
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('aicap_version', ?)",
                [SCHEMA_VERSION, aicap.__version__],
            )
            con.execute(
                "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?)",
                [
                    started,
                    datetime.now(UTC),
                    json.dumps(report.changed),
                    json.dumps(report.unchanged),
                    json.dumps(report.no_importer),
                ],
            )
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame is None or frame.empty:
        return
    cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
    data = frame.rename(columns={"source": "source_id"})
    data = data[[c for c in cols if c in data.columns]]
    con.register("_frame", data)
    try:
        names = ", ".join(f'"{c}"' for c in data.columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _frame")
    finally:
        con.unregister("_frame")


def _record_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A record frame ready for DuckDB: object columns as nullable strings (so an all-empty
    column still has a type), ``row`` as a 64-bit integer."""
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: None if v is None or v is pd.NA else str(v))
            out[col] = out[col].astype("string")
    out["row"] = out["row"].astype("int64")
    return out


def _write_records(con: duckdb.DuckDBPyConnection, s: _Staged) -> None:
    """Drop the source's record tables and create the new ones (inside the caller's
    transaction), listing each in ``record_tables``."""
    info = s.info
    old = con.execute(
        "SELECT table_name FROM record_tables WHERE source_id = ?", [info.id]
    ).fetchall()
    for (table,) in old:
        con.execute(f'DROP TABLE IF EXISTS "{table}"')
    con.execute("DELETE FROM record_tables WHERE source_id = ?", [info.id])
    for name, frame in sorted(s.records.items()):
        table = f"{RECORD_TABLE_PREFIX}{info.id}_{name}"
        data = _record_frame(frame)
        con.register("_records", data)
        try:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _records')
        finally:
            con.unregister("_records")
        described = con.execute(f'DESCRIBE "{table}"').fetchall()
        columns = [{"name": str(r[0]), "type": str(r[1])} for r in described]
        con.execute(
            "INSERT INTO record_tables VALUES (?, ?, ?, ?, ?)",
            [info.id, name, table, json.dumps(columns), len(data)],
        )


def _write_source(con: duckdb.DuckDBPyConnection, s: _Staged) -> None:
    info = s.info
    _write_records(con, s)
    for table in PER_SOURCE_TABLES:
        con.execute(f"DELETE FROM {table} WHERE source_id = ?", [info.id])
    con.execute("DELETE FROM sources WHERE source_id = ?", [info.id])
    if s.reference is not None:
        for table in ("countries", "country_names"):
            con.execute(f"DELETE FROM {table}")
        _insert(con, "countries", s.reference.countries)
        _insert(con, "country_names", s.reference.names)
    snap = s.snapshot
    vintage = info.vintage
    if snap is not None:
        vintage = f"live snapshot {snap.id} (retrieved {snap.retrieved})"
    con.execute(
        "INSERT INTO sources VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            info.id,
            info.publisher,
            info.title,
            info.url,
            info.licence,
            info.citation,
            vintage,
            info.live_url,
            s.retrieved,
            "snapshot" if snap is None else "live",
            s.folder.name if snap is None else str(snap.folder),
            "" if snap is None else snap.id,
            "" if snap is None else snap.retrieved,
            json.dumps([] if snap is None else snap.urls),
            s.fingerprint,
            datetime.now(UTC),
            len(s.observations),
            len(s.aggregate_observations),
            json.dumps(s.excluded, ensure_ascii=False),
            json.dumps(s.notes, ensure_ascii=False),
            json.dumps(s.warnings, ensure_ascii=False),
            json.dumps(s.route, ensure_ascii=False),
        ],
    )
    records = {f.path: f for f in snap.files} if snap is not None else {}
    files = pd.DataFrame(
        {
            "source_id": info.id,
            "path": list(s.files),
            "sha256": [sha256(b) for b in s.files.values()],
            "bytes": [len(b) for b in s.files.values()],
            "origin": [records[p].origin if p in records else "snapshot" for p in s.files],
            "url": [records[p].url if p in records else "" for p in s.files],
        }
    )
    _insert(con, "source_files", files)
    _insert(con, "indicators", s.indicators)
    _insert(con, "observations", s.observations)
    _insert(con, "aggregate_observations", s.aggregate_observations)
    _insert(con, "aggregates", s.aggregates)
    _insert(con, "geometries", s.geometries)


def ingest(
    data_dir: Path,
    warehouse: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    overrides: Mapping[str, Path] | None = None,
    tolerate: bool = False,
) -> IngestReport:
    """Bring ``warehouse`` up to date with the snapshot in ``data_dir``, reading the sources
    named in ``overrides`` from those live snapshot folders instead (see the module doc).

    Raises :class:`IngestError` (wrapping a :class:`SourceError` that names the file, row,
    column and value) on bad input; the warehouse is then unchanged. With ``tolerate``, a
    failing override is reported in ``failed`` instead and the rest is written.
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    notify = progress or (lambda _source, _stage: None)
    data_dir = data_dir.resolve()
    if not data_dir.is_dir():
        raise IngestError("*", SourceError("data directory not found", file=str(data_dir)))
    warehouse = warehouse.resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    report = IngestReport(warehouse=warehouse)
    with _lock(warehouse):
        _remove_stale_temps(warehouse)
        found = checks.check_folders(
            data_dir, set(_stored_fingerprints(warehouse)) - set(_stored_live(warehouse))
        )
        problems = found.errors + checks.check_manifest(data_dir)
        if problems:
            culprit = (problems[0].file or "*").split("/")[0] or "*"
            raise IngestError(culprit, problems[0])
        report.warnings.extend(found.warnings)
        stored = {} if force else _stored_fingerprints(warehouse)
        explicit = dict(overrides or {})
        live_folders = {**_stored_live(warehouse), **explicit}
        # live-only sources (no bundled folder) are read only when a snapshot of them is known
        folders = discover(data_dir, live_only=live_folders)
        unknown = sorted(set(explicit) - {f.name for f in folders if f.info is not None})
        if unknown:
            raise IngestError(
                unknown[0], SourceError("a live snapshot is given for an unknown source")
            )
        if not folders or folders[0].name != REFERENCE_FOLDER:
            raise IngestError(
                REFERENCE_FOLDER,
                SourceError("country reference folder missing", file=str(data_dir)),
            )
        staged: list[_Staged] = []
        reference_fp = ""
        for folder in folders:
            info = folder.info
            if info is None or folder.module is None:
                report.no_importer.append(folder.name)
                notify(folder.name, "no importer")
                continue
            notify(info.id, "checking")
            snapshot: Snapshot | None = None
            snap_folder = live_folders.get(info.id)
            if snap_folder is not None and info.id not in explicit and not snap_folder.is_dir():
                if folder.live_only:
                    report.warnings.append(
                        f"{info.id}: live snapshot folder {snap_folder} is gone and the source "
                        f"has no bundled folder; the stored values are kept (run aicap update "
                        f"{info.id} to refresh them)"
                    )
                    report.unchanged.append(info.id)
                    notify(info.id, "unchanged")
                    continue
                report.warnings.append(
                    f"{info.id}: live snapshot folder {snap_folder} is gone; "
                    "the bundled files are read again"
                )
                snap_folder = None
            if snap_folder is not None:
                try:
                    snapshot, files = read_snapshot(snap_folder)
                    if snapshot.source != info.id:
                        raise SourceError(
                            f"snapshot is of source {snapshot.source!r}, not {info.id!r}",
                            file=str(snap_folder),
                        )
                except (SourceError, OSError) as exc:
                    if tolerate and info.id in explicit:
                        report.failed[info.id] = str(exc)
                        notify(info.id, "failed")
                        continue
                    raise IngestError(info.id, exc) from exc
                extra = f"{reference_fp}\0live:{snapshot.id}"
                route = live_route(snapshot.urls, snapshot.retrieved)
                fp = _fingerprint(files, folder.module, info.id, extra)
                retrieved = snapshot.retrieved
            else:
                try:
                    files = read_source_files(folder.path, info)
                except (SourceError, OSError) as exc:
                    raise IngestError(info.id, exc) from exc
                route = read_route(folder.path)
                extra = f"{reference_fp}\0route:{json.dumps(route, sort_keys=True)}"
                fp = _fingerprint(files, folder.module, info.id, extra)
                retrieved = _retrieved(info, folder.path, files)
            if folder.name == REFERENCE_FOLDER:
                reference_fp = fp
            if stored.get(info.id) == fp:
                report.unchanged.append(info.id)
                notify(info.id, "unchanged")
                continue
            staged.append(
                _Staged(folder, info, fp, files, retrieved, snapshot=snapshot, route=route)
            )
        reference: Reference | None = None
        kept: list[_Staged] = []
        for s in staged:
            notify(s.info.id, "parsing")
            try:
                try:
                    if s.folder.name == REFERENCE_FOLDER:
                        _stage_reference(s)
                        reference = s.reference
                    else:
                        if reference is None:
                            reference = country_reference.load_reference(
                                data_dir / REFERENCE_FOLDER
                            )
                        _stage_source(s, reference)
                except SourceError as exc:
                    raise IngestError(s.info.id, _locate(s, exc)) from exc
                except (ValueError, KeyError, TypeError) as exc:
                    raise IngestError(s.info.id, exc) from exc
            except IngestError as exc:
                if tolerate and s.info.id in explicit:
                    report.failed[s.info.id] = str(exc.error)
                    notify(s.info.id, "failed")
                    continue
                raise
            kept.append(s)
            report.changed.append(s.info.id)
            if s.snapshot is not None:
                report.live[s.info.id] = s.snapshot.id
            report.warnings.extend(f"{s.info.id}: {w}" for w in s.warnings)
        staged = kept
        if not staged:
            report.seconds = time.perf_counter() - t0
            return report
        notify("*", "writing")
        try:
            _write(warehouse, staged, report, started)
        except SourceError as exc:
            raise IngestError("*", exc) from exc
        except (duckdb.Error, OSError) as exc:
            raise IngestError("*", SourceError(f"writing the warehouse failed: {exc}")) from exc
        report.written = True
    report.seconds = time.perf_counter() - t0
    return report
