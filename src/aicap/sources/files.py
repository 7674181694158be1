"""Reading a source's files from disk (the only file I/O in ``sources/``, besides ``fetch``)."""

from __future__ import annotations

from pathlib import Path

from aicap.sources.base import SourceError, SourceInfo


def source_paths(folder: Path, info: SourceInfo) -> list[Path]:
    """The files of ``info`` inside ``folder``, sorted; an error if a pattern matches nothing."""
    if not folder.is_dir():
        raise SourceError(f"source folder not found for {info.id!r}", file=str(folder))
    paths: set[Path] = set()
    for pattern in info.files:
        found = [p for p in folder.glob(pattern) if p.is_file()]
        if not found:
            raise SourceError(
                f"no file matches {pattern!r} for source {info.id!r}", file=str(folder / pattern)
            )
        paths.update(found)
    return sorted(paths)


def read_source_files(folder: Path, info: SourceInfo) -> dict[str, bytes]:
    """Map each file of ``info`` (path relative to ``folder``, POSIX style) to its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in source_paths(folder, info)}
