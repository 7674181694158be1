"""Checks of the snapshot as a whole, run by :func:`aicap.warehouse.ingest.ingest` before it
parses anything (issue 25):

* every source folder documents itself: a folder aicap has an importer for whose ``SOURCE.md``
  is missing is an error (its origin, licence and vintage would be unknown); a folder with
  neither a ``SOURCE.md`` nor an importer is reported and ignored;
* a source the warehouse holds whose folder is gone from the snapshot is reported (its stored
  rows are kept, and say when they were read);
* when the snapshot carries a manifest (``MANIFEST.json``, written by ``aicap data pack`` and
  kept by ``aicap data fetch``), every file it lists must be present with the recorded size
  and SHA-256: a file cut short (a value truncated inside its last field parses as a shorter
  number) or altered is an error;
* an indicator code one publisher declares that another already owns is an error before
  anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from aicap.sources.base import SourceError
from aicap.sources.registry import LIVE_ONLY, importer_module

MANIFEST = "MANIFEST.json"


@dataclass
class FolderReport:
    errors: list[SourceError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_folders(data_dir: Path, stored: Iterable[str]) -> FolderReport:
    """Missing ``SOURCE.md`` files, new undocumented folders and removed sources."""
    report = FolderReport()
    try:
        entries = sorted(data_dir.iterdir())
    except OSError as exc:
        report.errors.append(
            SourceError(f"data directory cannot be read: {exc.strerror}", file=str(data_dir))
        )
        return report
    present: set[str] = set()
    for path in entries:
        try:
            if not path.is_dir():
                continue
            documented = (path / "SOURCE.md").is_file()
        except OSError as exc:
            report.errors.append(
                SourceError(f"source folder cannot be read: {exc.strerror}", file=str(path))
            )
            continue
        present.add(path.name)
        if documented or path.name.startswith((".", "_")):
            continue
        if importer_module(path.name) is not None:
            report.errors.append(
                SourceError(
                    "SOURCE.md is missing: every source folder states its origin, licence "
                    "and vintage there (restore it from the snapshot archive)",
                    file=f"{path.name}/SOURCE.md",
                )
            )
        else:
            report.warnings.append(
                f"folder {path.name!r} has no SOURCE.md and aicap has no importer for it: "
                "ignored (add a SOURCE.md, and an importer, to make it a source)"
            )
    for source in sorted(set(stored) - present - set(LIVE_ONLY)):
        report.warnings.append(
            f"source {source!r} is in the warehouse but its folder is gone from the snapshot "
            f"{data_dir}: its stored data is kept as it was (restore the folder, or rebuild "
            "the warehouse with `aicap ingest --force` into a new file to drop it)"
        )
    return report


def check_manifest(data_dir: Path) -> list[SourceError]:
    """Files that differ from the snapshot's ``MANIFEST.json`` (none when it has none)."""
    path = data_dir / MANIFEST
    if not path.is_file():
        return []
    try:
        doc = json.loads(path.read_text("utf-8"))
        files = doc["files"]
        assert isinstance(files, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return [SourceError("snapshot manifest is not valid JSON with a files list", file=MANIFEST)]
    errors: list[SourceError] = []
    for entry in files:
        rel = str(entry.get("path", ""))
        if "/" not in rel:
            continue  # top-level files (README.md) are not read by ingest
        target = data_dir / rel
        if not target.is_file():
            continue  # a removed folder or file is reported by the folder checks and parsers
        try:
            data = target.read_bytes()
        except OSError as exc:
            errors.append(SourceError(f"cannot be read: {exc.strerror}", file=rel))
            continue
        if len(data) != int(entry.get("bytes", -1)):
            errors.append(
                SourceError(
                    f"file is {len(data)} bytes, the snapshot manifest records "
                    f"{entry.get('bytes')} (truncated or altered since `aicap data fetch`; "
                    "fetch the snapshot again)",
                    file=rel,
                )
            )
        elif hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            errors.append(
                SourceError(
                    "file's SHA-256 differs from the snapshot manifest (altered since "
                    "`aicap data fetch`; fetch the snapshot again)",
                    file=rel,
                )
            )
    return errors


def check_indicator_owners(
    con: duckdb.DuckDBPyConnection, declared: dict[str, list[str]]
) -> SourceError | None:
    """An indicator code declared by two sources, or by a source other than the one the
    warehouse already stores it for (``declared``: source -> codes of the sources being
    written, which replace their own stored rows)."""
    owner: dict[str, str] = {}
    for source, codes in declared.items():
        for code in codes:
            if code in owner and owner[code] != source:
                return _clash(code, owner[code], source)
            owner[code] = source
    stored = con.execute("SELECT code, source_id FROM indicators").fetchall()
    for code, source in stored:
        if source in declared:
            continue  # replaced by this ingest
        if code in owner:
            return _clash(str(code), str(source), owner[code])
    return None


def _clash(code: str, first: str, second: str) -> SourceError:
    return SourceError(
        f"indicator code {code!r} is published by both {first!r} and {second!r}: codes must "
        "be unique across publishers (prefix one of them); nothing was written",
        column="indicator",
        value=code,
    )
