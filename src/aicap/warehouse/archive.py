"""The open-data snapshot as one versioned archive anyone can get (issue 25, item 2).

:func:`pack` writes ``aicap-data-<version>.tar.gz`` from a snapshot folder (``shared/data/raw``):
every file of every source folder that has a ``SOURCE.md`` (a folder without one is refused),
the snapshot's ``README.md``, a ``LICENCES.md`` (each source's publisher, licence and citation,
from its importer, with a pointer to its ``SOURCE.md``) and ``MANIFEST.json`` (the version, and
each file's path, size and SHA-256). The archive is reproducible: members sorted, owner and
times fixed, so the same snapshot and version give the same bytes (and the same
``.sha256`` sidecar, written beside it).

:func:`fetch` reads such an archive from a URL (httpx, with the retries of
:mod:`aicap.sources.http`) or a file, refuses anything unsafe (absolute paths, ``..``, links,
devices) or corrupt (not gzip/tar, a file missing, extra, or whose size or SHA-256 differs from
the manifest, an archive whose own SHA-256 differs from the one expected), and only then moves
the unpacked snapshot into place. The manifest stays in the folder, so ``aicap ingest`` keeps
checking the files against it (:func:`aicap.warehouse.checks.check_manifest`).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

import aicap
from aicap.sources.base import SourceError
from aicap.sources.http import get as http_get
from aicap.sources.registry import importer_module
from aicap.warehouse.checks import MANIFEST

NAME = "aicap-data"
FORMAT = 1
LICENCES = "LICENCES.md"
#: Folder of the archive (and of the fetched snapshot) holding the mandate library (the UN
#: texts recommendations cite); ingest ignores it, :mod:`aicap.paths` finds it.
MANDATES = "_mandates"
URL_ENV = "AICAP_DATA_URL"
#: Files of the snapshot folder that are not packed (editor and OS litter).
SKIP = (".DS_Store", "Thumbs.db")


class ArchiveError(RuntimeError):
    """A snapshot archive could not be written, read or trusted; the message says why."""


@dataclass(frozen=True)
class Packed:
    archive: Path
    sha256: str
    files: int
    bytes: int
    version: str


@dataclass(frozen=True)
class Fetched:
    folder: Path
    version: str
    files: int
    bytes: int
    sources: list[str]
    archive_sha256: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_version(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y.%m.%d")


def _snapshot_files(raw: Path) -> tuple[list[tuple[str, Path]], list[dict[str, str]]]:
    """(relative path, file) of everything packed, and one licence entry per source."""
    if not raw.is_dir():
        raise ArchiveError(f"snapshot folder not found: {raw}")
    files: list[tuple[str, Path]] = []
    sources: list[dict[str, str]] = []
    for path in sorted(raw.iterdir()):
        if path.is_file() and path.name not in (*SKIP, MANIFEST, LICENCES):
            files.append((path.name, path))  # written anew: the manifest and licences
            continue
        if not path.is_dir() or path.name.startswith((".", "_")):
            continue  # hidden, or _mandates of a fetched snapshot (packed from --mandates)
        if not (path / "SOURCE.md").is_file():
            raise ArchiveError(
                f"{path.name}/SOURCE.md is missing: every source folder must say where its "
                "data come from and under which licence before it is published"
            )
        for item in sorted(path.rglob("*")):
            if item.is_symlink():
                raise ArchiveError(f"{item.relative_to(raw)} is a link: pack real files only")
            if item.is_file() and item.name not in SKIP:
                files.append((item.relative_to(raw).as_posix(), item))
        module = importer_module(path.name)
        info = getattr(module, "SOURCE", None)
        sources.append(
            {
                "id": path.name,
                "publisher": str(getattr(info, "publisher", "")),
                "title": str(getattr(info, "title", "")),
                "licence": str(getattr(info, "licence", "")) or "see SOURCE.md",
                "citation": str(getattr(info, "citation", "")),
                "source_md": f"{path.name}/SOURCE.md",
            }
        )
    if not sources:
        raise ArchiveError(f"no source folder (with a SOURCE.md) in {raw}")
    return files, sources


def _licences(sources: list[dict[str, str]], version: str) -> bytes:
    lines = [
        f"# Licences of the aicap open-data snapshot {version}",
        "",
        "Each folder keeps its publisher's files unmodified, under the publisher's terms; its",
        "`SOURCE.md` gives the origin, vintage and licence in full. Cite the publisher.",
        "",
        "| folder | publisher | licence | citation |",
        "|---|---|---|---|",
    ]
    for s in sources:
        cells = [f"`{s['id']}/`", s["publisher"], s["licence"], s["citation"]]
        lines.append(
            "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"
        )
    return ("\n".join(lines) + "\n").encode()


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def pack(
    raw: Path, out_dir: Path, *, version: str | None = None, mandates: Path | None = None
) -> Packed:
    """Write ``<out_dir>/aicap-data-<version>.tar.gz`` and its ``.sha256`` (see module doc);
    with ``mandates``, the mandate library goes into the archive's ``_mandates/`` folder."""
    version = version or default_version()
    if not version.replace(".", "").replace("-", "").isalnum():
        raise ArchiveError(f"version {version!r}: use letters, digits, dots and dashes only")
    files, sources = _snapshot_files(raw)
    if mandates is not None:
        if not mandates.is_dir():
            raise ArchiveError(f"mandate library not found: {mandates}")
        files += [
            (f"{MANDATES}/{p.relative_to(mandates).as_posix()}", p)
            for p in sorted(mandates.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.parts)
        ]
    extra = {LICENCES: _licences(sources, version)}
    entries: list[dict[str, Any]] = []
    blobs: dict[str, bytes | Path] = {}
    for rel, path in files:
        data = path.read_bytes()
        entries.append({"path": rel, "bytes": len(data), "sha256": _sha256(data)})
        blobs[rel] = path
    for rel, data in extra.items():
        entries.append({"path": rel, "bytes": len(data), "sha256": _sha256(data)})
        blobs[rel] = data
    entries.sort(key=lambda e: str(e["path"]))
    manifest = {
        "name": NAME,
        "format": FORMAT,
        "version": version,
        "packed_by": f"aicap {aicap.__version__}",
        "sources": sources,
        "files": entries,
    }
    manifest_bytes = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()
    root = f"{NAME}-{version}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{root}.tar.gz"
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("wb") as raw_out:
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw_out, mtime=0, compresslevel=9)
            with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(
                    _tarinfo(f"{root}/{MANIFEST}", len(manifest_bytes)), io.BytesIO(manifest_bytes)
                )
                for entry in entries:
                    rel = str(entry["path"])
                    blob = blobs[rel]
                    info = _tarinfo(f"{root}/{rel}", int(entry["bytes"]))
                    if isinstance(blob, bytes):
                        tar.addfile(info, io.BytesIO(blob))
                    else:
                        with blob.open("rb") as handle:
                            tar.addfile(info, handle)
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ArchiveError(f"cannot write {target}: {exc.strerror or exc}") from None
    digest = _sha256(target.read_bytes())
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", "utf-8")
    return Packed(
        archive=target,
        sha256=digest,
        files=len(entries),
        bytes=sum(int(e["bytes"]) for e in entries),
        version=version,
    )


def read_archive(origin: str, *, client: httpx.Client | None = None) -> bytes:
    """The archive's bytes from a URL (http/https) or a local file."""
    if origin.startswith(("http://", "https://")):
        try:
            with contextlib.ExitStack() as stack:
                c = client or stack.enter_context(
                    httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
                )
                return http_get(c, origin)
        except SourceError as exc:
            raise ArchiveError(f"download failed: {exc}") from None
    path = Path(origin.removeprefix("file://")).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive {path}: {exc.strerror or exc}") from None


def _members(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(path inside the archive, bytes) of every regular file; unsafe members are refused."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                name = member.name
                pure = PurePosixPath(name)
                if pure.is_absolute() or ".." in pure.parts or "\\" in name:
                    raise ArchiveError(f"archive member {name!r} points outside the snapshot")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise ArchiveError(f"archive member {name!r} is not a regular file")
                handle = tar.extractfile(member)
                if handle is None:
                    raise ArchiveError(f"archive member {name!r} cannot be read")
                yield name, handle.read()
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ArchiveError(
            f"the archive is corrupted or not a snapshot archive (.tar.gz): {exc}"
        ) from None


def verify(
    data: bytes, *, expected_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files (path relative to the snapshot) of a trusted archive."""
    digest = _sha256(data)
    if expected_sha256 and digest != expected_sha256.strip().lower():
        raise ArchiveError(
            f"the archive's SHA-256 is {digest}, expected {expected_sha256.strip()}: "
            "corrupted or not the published file"
        )
    files: dict[str, bytes] = {}
    root: str | None = None
    for name, blob in _members(data):
        top, _, rel = name.partition("/")
        if root is None:
            root = top
        if top != root or not rel:
            raise ArchiveError(f"archive member {name!r} is outside its top folder {root!r}")
        files[rel] = blob
    if MANIFEST not in files:
        raise ArchiveError(f"the archive has no {MANIFEST}: not an aicap snapshot archive")
    try:
        manifest = json.loads(files.pop(MANIFEST))
        entries = {str(e["path"]): e for e in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"the archive's {MANIFEST} is not valid: {exc}") from None
    if manifest.get("name") != NAME or manifest.get("format") != FORMAT:
        raise ArchiveError(
            f"not an {NAME} archive of format {FORMAT} (name {manifest.get('name')!r}, "
            f"format {manifest.get('format')!r})"
        )
    missing = sorted(set(entries) - set(files))
    if missing:
        raise ArchiveError(
            f"the archive is corrupted: {missing[0]} is listed in {MANIFEST} but absent"
        )
    extra = sorted(set(files) - set(entries))
    if extra:
        raise ArchiveError(f"the archive is corrupted: {extra[0]} is not listed in {MANIFEST}")
    for rel, entry in sorted(entries.items()):
        blob = files[rel]
        if len(blob) != int(entry.get("bytes", -1)) or _sha256(blob) != entry.get("sha256"):
            raise ArchiveError(
                f"the archive is corrupted: {rel} ({len(blob)} bytes) does not match its "
                f"size and SHA-256 in {MANIFEST} ({entry.get('bytes')} bytes)"
            )
    no_doc = sorted(
        {rel.split("/")[0] for rel in files if "/" in rel and not rel.startswith(MANDATES + "/")}
        - {rel.split("/")[0] for rel in files if rel.count("/") == 1 and rel.endswith("/SOURCE.md")}
    )
    if no_doc:
        raise ArchiveError(f"the archive's folder {no_doc[0]!r} has no SOURCE.md")
    return manifest, files


def fetch(
    origin: str,
    dest: Path,
    *,
    expected_sha256: str | None = None,
    client: httpx.Client | None = None,
    replace: bool = True,
) -> Fetched:
    """Download or read ``origin``, verify it, and unpack it into ``dest`` (atomically: into a
    temporary folder beside it first). An existing ``dest`` is replaced only when it is itself
    a fetched snapshot (it has a ``MANIFEST.json``) or empty."""
    data = read_archive(origin, client=client)
    manifest, files = verify(data, expected_sha256=expected_sha256)
    dest = dest.expanduser().resolve()
    if dest.exists():
        if not dest.is_dir():
            raise ArchiveError(f"{dest} exists and is not a folder")
        if any(dest.iterdir()) and not (dest / MANIFEST).is_file():
            raise ArchiveError(
                f"{dest} holds files that did not come from `aicap data fetch` (no {MANIFEST}); "
                "it is left alone: choose another folder with --into"
            )
        if not replace:
            raise ArchiveError(f"{dest} already holds a snapshot")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.fetch-", dir=dest.parent))
    except OSError as exc:
        raise ArchiveError(f"cannot write into {dest.parent}: {exc.strerror or exc}") from None
    old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
    moved = False
    try:
        for rel, blob in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
        (staging / MANIFEST).write_text(text, "utf-8")
        if dest.exists():
            dest.replace(old)
            moved = True
        staging.replace(dest)
        moved = False
    except OSError as exc:
        if moved:  # put the previous snapshot back
            with contextlib.suppress(OSError):
                old.replace(dest)
        raise ArchiveError(f"cannot unpack into {dest}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not moved:
            shutil.rmtree(old, ignore_errors=True)
    return Fetched(
        folder=dest,
        version=str(manifest.get("version", "")),
        files=len(files),
        bytes=sum(len(b) for b in files.values()),
        sources=[str(s.get("id")) for s in manifest.get("sources", [])],
        archive_sha256=_sha256(data),
    )
