"""A small on-disk cache for the briefing and the profiles, keyed by what the result depends on.

The Monitor's results take about 1.5 s to compute from the warehouse records (15 s before it
was vectorised), and the briefing's annex of 92 one-page profiles about 30 s of WeasyPrint.
Both are pure functions of files: the warehouse (its SHA-256), the code and catalogues that
compute them, and, for a rendered annex chunk, its HTML. A key hashes all of these, so a
cached value is reused only when every input is byte for byte the same; anything else is a miss
and is recomputed (and stored). Entries are pickles written atomically (temporary file, then
rename); an unreadable entry is a miss.

Default location: ``cache/`` next to the warehouse (``var/cache`` for ``var/aicap.duckdb``);
``AICAP_CACHE_DIR`` or the commands' ``--cache`` choose another, ``--no-cache`` none.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import aicap

T = TypeVar("T")

#: Bumped when what an entry holds changes shape.
CACHE_VERSION = "1"


def default_cache_dir(warehouse: Path) -> Path:
    env = os.environ.get("AICAP_CACHE_DIR")
    return Path(env) if env else warehouse.parent / "cache"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (a 20 MB warehouse: about 30 ms)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_digest(roots: Iterable[Path], suffixes: tuple[str, ...] = (".py", ".yaml")) -> str:
    """SHA-256 over the relative paths and bytes of the files under ``roots``."""
    h = hashlib.sha256()
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            if p.suffix not in suffixes:
                continue
            h.update(str(p.relative_to(root.parent)).encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


@cache
def code_digest() -> str:
    """The aicap code that the cached results depend on: the analysis and warehouse packages
    (monitor, diagnosis, recommendations, catalogues' loaders) and the report package."""
    pkg = Path(aicap.__file__).resolve().parent
    return tree_digest([pkg / "analysis", pkg / "warehouse", pkg / "report"], (".py", ".yaml"))


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256(CACHE_VERSION.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p.encode() if isinstance(p, str) else p)
    return h.hexdigest()


class Cache:
    """Pickles under ``folder/<kind>/<key>.pickle``; ``folder=None``: no cache (every lookup
    computes)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, k: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / f"{k}.pickle"

    def get(self, kind: str, k: str) -> Any | None:
        if self.folder is None:
            return None
        path = self._path(kind, k)
        try:
            with path.open("rb") as f:
                value = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return value

    def put(self, kind: str, k: str, value: Any) -> None:
        if self.folder is None:
            return
        path = self._path(kind, k)
        tmp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            tmp = Path(name)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except (OSError, pickle.PicklingError):
            if tmp is not None:
                tmp.unlink(missing_ok=True)  # a cache that cannot be written is no cache

    def get_or_compute(self, kind: str, k: str, compute: Callable[[], T]) -> T:
        got = self.get(kind, k)
        if got is not None:
            self.hits += 1
            return got  # type: ignore[no-any-return]
        self.misses += 1
        value = compute()
        self.put(kind, k, value)
        return value
