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
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


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
