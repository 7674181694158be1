"""Which importer reads which folder of the raw-data snapshot.

Every folder of the data directory that has a ``SOURCE.md`` is a source. A folder whose name is a
module of :mod:`aicap.sources` with a ``SOURCE`` and a ``parse`` has an importer; any other is
reported as "no importer yet", never silently skipped.

A few sources have no folder in the bundled snapshot at all and exist only through
``aicap update`` (:data:`LIVE_ONLY`). :func:`discover` lists one of them only when it is asked
to (``live_only``: the sources the warehouse holds a live snapshot of, or is about to read one
of), so a build without their snapshot neither reads nor misses them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast

from aicap.sources.base import Parsed, SourceInfo

#: Folders read by dedicated code paths rather than ``parse`` -> observations.
REFERENCE_FOLDER = "country_reference"

#: Sources with no folder in the bundled snapshot: they exist only as live snapshots taken by
#: ``aicap update`` (source -> why there is no bundled copy).
LIVE_ONLY: dict[str, str] = {
    "unesco_uis": "the UIS Data API is the only copy; no offline UIS files are bundled",
}


class Importer(Protocol):
    """What a publisher module provides."""

    SOURCE: SourceInfo

    def parse(self, files: Mapping[str, bytes]) -> Parsed: ...


@dataclass(frozen=True)
class SourceFolder:
    """A folder of the snapshot, with its importer when one exists."""

    name: str
    path: Path
    module: ModuleType | None
    #: A :data:`LIVE_ONLY` source listed without a bundled folder (``path`` does not exist).
    live_only: bool = False

    @property
    def info(self) -> SourceInfo | None:
        return cast(SourceInfo, self.module.SOURCE) if self.module is not None else None

    @property
    def parse(self) -> Callable[[Mapping[str, bytes]], Parsed] | None:
        if self.module is None or not hasattr(self.module, "parse"):
            return None
        return cast(Callable[[Mapping[str, bytes]], Parsed], self.module.parse)


def importer_module(name: str) -> ModuleType | None:
    """The module for source folder ``name``, or None when aicap has no importer for it."""
    if not name.isidentifier():
        return None
    try:
        module = importlib.import_module(f"aicap.sources.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"aicap.sources.{name}":
            return None
        raise
    if not hasattr(module, "SOURCE") or not hasattr(module, "parse"):
        return None
    return module


def _entries(data_dir: Path) -> list[Path]:
    try:
        return list(data_dir.iterdir())
    except OSError:
        return []  # reported by aicap.warehouse.checks.check_folders, which ingest runs first


def _is_source(path: Path) -> bool:
    try:
        return path.is_dir() and (path / "SOURCE.md").is_file()
    except OSError:
        return False  # an unreadable folder: reported by check_folders


def discover(data_dir: Path, *, live_only: Iterable[str] = ()) -> list[SourceFolder]:
    """Every source folder (one with a SOURCE.md) of ``data_dir``, sorted by name, with the
    country reference first (the others are harmonised against it); plus the :data:`LIVE_ONLY`
    sources and any other source with an importer named in ``live_only`` that have no such
    folder (``live_only=True``, ``path`` absent). Other names in ``live_only`` are ignored."""
    folders = sorted(p for p in _entries(data_dir) if _is_source(p))
    found = [SourceFolder(p.name, p, importer_module(p.name)) for p in folders]
    present = {f.name for f in found}
    for name in sorted(set(live_only) - present):
        # a LIVE_ONLY source, or a source whose bundled folder is absent (a warehouse built
        # from the publishers' APIs alone, ``aicap update --all``)
        module = importer_module(name) if name != REFERENCE_FOLDER else None
        if module is not None:
            found.append(SourceFolder(name, data_dir / name, module, live_only=True))
    found.sort(key=lambda f: (f.name != REFERENCE_FOLDER, f.name))
    return found
