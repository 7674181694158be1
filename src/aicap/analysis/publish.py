"""Publish a set of freshly written files into an output folder, touching only what changed.

``aicap build`` writes its outputs into a private folder first, then moves each file into
place with an atomic rename, except where the file already there holds the same bytes: that
file is left alone, with its modification time. So a reader never sees a half-written file,
a failed build leaves the previous outputs whole, and a build whose inputs did not change
leaves every output byte for byte and time for time as it was, which is what lets the
briefing's cache (keyed by the outputs' bytes and time, :mod:`aicap.report.reuse`) be reused
after a no-op build.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Written beside the outputs: the warehouse they were computed from (size and SHA-256).
BUILT_FROM = "built_from.json"


def publish(staging: Path, out: Path, names: list[str]) -> list[str]:
    """Move ``names`` from ``staging`` into ``out``; returns the names that changed (new or
    different bytes). Unchanged files in ``out`` keep their bytes and modification time."""
    out.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    for name in names:
        src, dst = staging / name, out / name
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            continue
        src.replace(dst)
        changed.append(name)
    return changed


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A private folder inside ``out`` (same file system, so renames are atomic), removed
    afterwards whatever happens."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".writing-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_published(out: Path, write: Callable[[Path], list[str]]) -> tuple[list[str], list[str]]:
    """Run ``write(folder) -> names`` into a staging folder, then :func:`publish` them into
    ``out``. Returns (every name written, the names that changed)."""
    with staging_folder(out) as tmp:
        names = write(tmp)
        return names, publish(tmp, out, names)


def warehouse_stamp(warehouse: Path) -> dict[str, Any]:
    """What identifies the warehouse a build read: its name, size and SHA-256."""
    h = hashlib.sha256()
    with warehouse.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"warehouse": warehouse.name, "bytes": warehouse.stat().st_size, "sha256": h.hexdigest()}


def outputs_stale(warehouse: Path, folder: Path) -> bool:
    """Whether the index outputs in ``folder`` were computed from another warehouse than
    ``warehouse``. Outputs left untouched by a build whose results did not change keep their
    old times, so the test is the warehouse's checksum recorded in :data:`BUILT_FROM`; for
    outputs without that record, whether the warehouse is newer than ``results.parquet``."""
    record = folder / BUILT_FROM
    if record.is_file():
        try:
            built = json.loads(record.read_text(encoding="utf-8"))
            return bool(built["sha256"] != warehouse_stamp(warehouse)["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return warehouse.stat().st_mtime > (folder / "results.parquet").stat().st_mtime + 1
