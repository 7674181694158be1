"""The data files aicap ships: ``frameworks/`` and ``catalogues/``, one resolver for all.

The repository's ``frameworks/`` and ``catalogues/`` folders are the single source. A wheel
carries copies of them inside the package as ``aicap/_data/frameworks`` and
``aicap/_data/catalogues`` (``[tool.hatch.build.targets.wheel.force-include]`` in
``pyproject.toml``), read with :mod:`importlib.resources`; from a source checkout (an editable
install, the tests) the repository's folders are read directly.

>>> path("frameworks/aicap.yaml").name
'aicap.yaml'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path, PurePosixPath

#: The top-level folders a wheel carries inside the package, under ``aicap/_data/``.
SHIPPED = ("frameworks", "catalogues")


class ResourceError(LookupError):
    """A shipped data file is not where the package or the source tree should hold it."""


def _packaged(rel: PurePosixPath) -> Path | None:
    root = files("aicap").joinpath("_data")
    target = root.joinpath(*rel.parts)
    # an installed wheel lives on the file system (the callers need real paths: digests,
    # ``.parent``, YAML loaders); a zipped import would give a non-Path Traversable
    if isinstance(target, Path) and target.exists():
        return target
    return None


def source_root() -> Path:
    """The repository root of a source checkout (``src/aicap/..``/``..``)."""
    return Path(__file__).resolve().parents[2]


def path(rel: str) -> Path:
    """The shipped file or folder ``rel`` (``"frameworks/aicap.yaml"``, ``"catalogues"``):
    inside the installed package when it carries it, else in the source checkout.

    Raises :class:`ResourceError` for a path outside the shipped folders, and when neither place
    holds it (the message names both places looked in)."""
    parts = PurePosixPath(rel)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise ResourceError(f"{rel!r}: not a relative path inside the shipped folders")
    if parts.parts[0] not in SHIPPED:
        raise ResourceError(f"{rel!r}: aicap ships only {', '.join(SHIPPED)}")
    found = _packaged(parts)
    if found is not None:
        return found
    candidate = source_root().joinpath(*parts.parts)
    if candidate.exists():
        return candidate
    raise ResourceError(
        f"{rel} is neither in the installed package (aicap/_data/{rel}) nor in the source "
        f"tree ({candidate}); reinstall aicap"
    )
