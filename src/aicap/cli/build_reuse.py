"""A no-op ``aicap build``: the index outputs reused when nothing they depend on changed.

The outputs are a pure function of the warehouse (its bytes), the aicap code, the framework
and catalogue files, the mandate library, the versions of the numerical libraries, and the
build's options. :func:`build_key` hashes all of them (about 0.2 s); ``aicap build`` records
the key and every output's SHA-256 in :data:`RECORD` beside the outputs, and the next build
with the same key reuses them, after checking every recorded file is still there with the
same bytes. Anything else (a changed input, a file edited or removed, ``--rebuild``)
recomputes the index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aicap.report.cache import file_digest, key
from aicap.report.reuse import (
    _folder_digest,
    catalogue_paths,
    framework_path,
    library_versions,
    package_digest,
)

RECORD = "build_key.json"


def build_key(warehouse: Path, framework: Path | None, uncertainty: bool) -> str:
    from aicap.analysis.mandates import default_mandates_dir

    fw = framework if framework is not None else framework_path()
    wal = warehouse.with_name(warehouse.name + ".wal")  # changes not yet checkpointed
    cats = catalogue_paths(None)
    parts = [
        "warehouse",
        file_digest(warehouse),
        *(
            [file_digest(wal)]
            if (wal := warehouse.with_name(warehouse.name + ".wal")).is_file()
            else []
        ),
        "framework",
        str(fw.name),
        file_digest(fw) if fw.is_file() else f"absent:{fw}",
        _folder_digest(fw.parent, (".yaml",)),
        "catalogues",
        *(file_digest(p) if p.is_file() else f"absent:{p}" for p in cats),
        _folder_digest(cats[0].parent, (".yaml",)),
        "mandates",
        _folder_digest(default_mandates_dir(), (".yaml",)),
        "code",
        package_digest(),
        library_versions(),
        f"uncertainty={uncertainty}",
    ]
    return key("build", *parts)


def reusable(out: Path, build: str) -> dict[str, Any] | None:
    """The record in ``out`` when its key is ``build`` and every file it lists is there with
    its recorded bytes; else None."""
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
        if record.get("key") != build:
            return None
        files = record["files"]
        for name, digest in files.items():
            path = out / name
            if not path.is_file() or file_digest(path) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return record  # type: ignore[no-any-return]


def remember(out: Path, build: str, files: list[str]) -> None:
    """Record ``build`` and the outputs' checksums (written atomically, only if changed)."""
    record = {"key": build, "files": {n: file_digest(out / n) for n in sorted(set(files))}}
    text = json.dumps(record, indent=1)
    target = out / RECORD
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    tmp = out / f".{RECORD}.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
