"""Live snapshots: which sources can be refreshed from their publisher, and how the downloaded
bytes are kept.

A **snapshot** is a folder ``<root>/<source>/<UTC timestamp>/`` holding the publisher's bytes,
unchanged, under the file names the source's ``parse`` reads, plus ``snapshot.json``::

    {"source": "wdi", "snapshot": "wdi/20260705T101500Z", "retrieved": "2026-07-05T10:15:00+00:00",
     "publisher": "...", "licence": "CC BY 4.0", "aicap_version": "0.1.0",
     "files": [{"path": "api/IT.NET.BBND.P2/data-p1.json", "sha256": "...", "bytes": 812345,
                "origin": "live", "url": "https://api.worldbank.org/v2/...", "status": 200,
                "retrieved": "2026-07-05T10:15:02+00:00"},
               {"path": "wgidataset.csv", "sha256": "...", "bytes": 3130000,
                "origin": "carried", "from": "/.../raw/wgi/wgidataset.csv"}]}

A source may add fields read from its download (:attr:`LiveSource.describe`): the UNESCO UIS
snapshot records ``"data_version": {"version": "20241030-9d4d089e", "publicationDate": ...}``.
UIS (``unesco_uis``) has no bundled folder at all: it exists only as live snapshots
(:data:`aicap.sources.registry.LIVE_ONLY`).

``carried`` files are copied from the bundled snapshot where the publisher has no live endpoint
for part of a source (WGI percentile ranks, Oxford Insights' GAIRI); ``parse`` takes from them
only what the live files lack. A snapshot is written to a temporary folder and renamed into place,
so a half-written snapshot never exists under its final name; :func:`read_snapshot` checks every
file against its SHA-256 before the warehouse uses it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

import aicap
from aicap.sources import (
    ai_readiness_indices,
    epoch_notable_ai_models,
    microsoft_ai_diffusion,
    owid_ai_publications,
    owid_internet_users,
    unesco_uis,
    wdi,
    wgi,
)
from aicap.sources.base import SourceError, SourceInfo, sha256
from aicap.sources.http import LiveClient

MANIFEST = "snapshot.json"


@dataclass(frozen=True)
class LiveSource:
    """A source that can be refreshed from its publisher."""

    info: SourceInfo
    fetch: Callable[[httpx.Client], dict[str, bytes]]
    #: What is downloaded, in words (for ``aicap update --help`` and the docs).
    endpoint: str
    #: Files copied from the bundled folder (parts the publisher serves no API for).
    carry: tuple[str, ...] = ()
    #: Extra ``snapshot.json`` fields read from the downloaded files (e.g. the publisher's data
    #: release); must not reuse a field the manifest already has.
    describe: Callable[[Mapping[str, bytes]], dict[str, Any]] | None = None

    @property
    def id(self) -> str:
        return self.info.id


LIVE: dict[str, LiveSource] = {
    s.id: s
    for s in (
        LiveSource(
            wdi.SOURCE,
            wdi.fetch,
            "World Bank Indicators API v2 (source 2), 52 series, all pages",
        ),
        LiveSource(
            wgi.SOURCE,
            wgi.fetch,
            "World Bank Indicators API v2, source 3: GOV_WGI_<dim>.EST/.SE/.SR",
            carry=(wgi.FILE,),
        ),
        LiveSource(
            ai_readiness_indices.SOURCE,
            ai_readiness_indices.fetch,
            "IMF DataMapper API v1: AI_PI, DI, HCLMP, IEI, RE",
            carry=(ai_readiness_indices.FILE,),
        ),
        LiveSource(
            owid_ai_publications.SOURCE,
            owid_ai_publications.fetch,
            "Our World in Data grapher CSV + .metadata.json",
        ),
        LiveSource(
            owid_internet_users.SOURCE,
            owid_internet_users.fetch,
            "Our World in Data grapher CSV + .metadata.json",
        ),
        LiveSource(
            epoch_notable_ai_models.SOURCE,
            epoch_notable_ai_models.fetch,
            "Epoch AI notable_ai_models.csv",
        ),
        LiveSource(
            microsoft_ai_diffusion.SOURCE,
            microsoft_ai_diffusion.fetch,
            "Microsoft ai-diffusion-report CSV (GitHub raw)",
        ),
        LiveSource(
            unesco_uis.SOURCE,
            unesco_uis.fetch,
            "UNESCO UIS Data API: /versions/default, then /data/indicators per indicator "
            f"({', '.join(s.uis for s in unesco_uis.SERIES)}) pinned to that version",
            describe=unesco_uis.describe,
        ),
    )
}

#: Sources with no live update, and why (``aicap update`` names the reason).
NOT_LIVE: dict[str, str] = {
    "un_egdi": "UN DESA publishes the EGDI as a yearly download with no API",
    "undp_hdr": "UNDP publishes the HDR time series as a yearly CSV download with no API",
    "country_reference": "the reference is curated from several files; refresh it by hand",
    "geo": "Natural Earth geometry changes rarely; refresh it by hand",
}


@dataclass(frozen=True)
class SnapshotFile:
    """One file of a snapshot, as its manifest describes it."""

    path: str
    sha256: str
    bytes: int
    origin: str  # 'live' or 'carried'
    url: str = ""
    status: int | None = None
    retrieved: str = ""


@dataclass(frozen=True)
class Snapshot:
    """A stored live snapshot."""

    source: str
    id: str
    folder: Path
    retrieved: str
    licence: str
    files: tuple[SnapshotFile, ...]

    @property
    def urls(self) -> list[str]:
        return [f.url for f in self.files if f.url]

    def file(self, path: str) -> SnapshotFile | None:
        return next((f for f in self.files if f.path == path), None)


def _safe_relative(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or path == MANIFEST:
        raise SourceError("unsafe or reserved file name in a snapshot", file=path)
    return pure.as_posix()


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def take_snapshot(
    source_id: str,
    client: httpx.Client,
    root: Path,
    *,
    data_dir: Path,
    now: datetime | None = None,
) -> Snapshot:
    """Fetch ``source_id`` from its publisher and store the bytes as a new snapshot under
    ``root``. Raises :class:`~aicap.sources.http.FetchError` (or another ``SourceError``) and
    then leaves nothing behind."""
    if source_id not in LIVE:
        reason = NOT_LIVE.get(source_id, "no such source with a live endpoint")
        raise SourceError(f"no live update for {source_id!r}: {reason}")
    live = LIVE[source_id]
    started = now or datetime.now(UTC)
    fetched = live.fetch(client)
    log = client.log if isinstance(client, LiveClient) else {}
    records: list[SnapshotFile] = []
    contents: dict[str, bytes] = {}
    for path, data in fetched.items():
        rel = _safe_relative(path)
        got = log.get(path)
        contents[rel] = data
        records.append(
            SnapshotFile(
                path=rel,
                sha256=sha256(data),
                bytes=len(data),
                origin="live",
                url=got.url if got else live.info.live_url,
                status=got.status if got else None,
                retrieved=got.retrieved_at if got else started.isoformat(timespec="seconds"),
            )
        )
    carried_from: dict[str, str] = {}
    for name in live.carry:
        src = data_dir / source_id / name
        if not src.is_file():
            raise SourceError(
                "file to carry from the bundled snapshot is missing (the live source needs it "
                "for what its publisher serves no API for)",
                file=str(src),
            )
        data = src.read_bytes()
        contents[name] = data
        carried_from[name] = str(src.resolve())
        records.append(
            SnapshotFile(path=name, sha256=sha256(data), bytes=len(data), origin="carried")
        )
    base = root / source_id
    base.mkdir(parents=True, exist_ok=True)
    stamp = _timestamp(started)
    final = base / stamp
    n = 1
    while final.exists():
        n += 1
        final = base / f"{stamp}-{n}"
    tmp = base / f".tmp-{final.name}-{os.getpid()}"
    snapshot = Snapshot(
        source=source_id,
        id=f"{source_id}/{final.name}",
        folder=final.resolve(),
        retrieved=started.isoformat(timespec="seconds"),
        licence=live.info.licence,
        files=tuple(records),
    )
    extra = live.describe(fetched) if live.describe is not None else {}
    manifest: dict[str, Any] = {
        "source": source_id,
        "snapshot": snapshot.id,
        "retrieved": snapshot.retrieved,
        "publisher": live.info.publisher,
        "licence": live.info.licence,
        "endpoint": live.endpoint,
        "aicap_version": aicap.__version__,
        "files": [
            {
                "path": r.path,
                "sha256": r.sha256,
                "bytes": r.bytes,
                "origin": r.origin,
                **({"url": r.url, "status": r.status, "retrieved": r.retrieved} if r.url else {}),
                **({"from": carried_from[r.path]} if r.origin == "carried" else {}),
            }
            for r in records
        ],
    }
    clash = sorted(set(extra) & set(manifest))
    if clash:
        raise SourceError(f"snapshot description reuses manifest field(s) {clash}")
    manifest.update(extra)
    try:
        for rel, data in contents.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return snapshot


def _manifest_error(folder: Path, message: str) -> SourceError:
    return SourceError(message, file=str(folder / MANIFEST))


def read_snapshot(folder: Path) -> tuple[Snapshot, dict[str, bytes]]:
    """The snapshot stored in ``folder`` and its files' bytes, each checked against the SHA-256
    its manifest records (a changed or missing file is an error naming it)."""
    path = folder / MANIFEST
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise _manifest_error(folder, "not a snapshot folder (no snapshot.json)") from None
    except (OSError, ValueError) as exc:
        raise _manifest_error(folder, f"unreadable snapshot manifest: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise _manifest_error(folder, "snapshot manifest has no files list")
    records: list[SnapshotFile] = []
    files: dict[str, bytes] = {}
    for entry in doc["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise _manifest_error(folder, "snapshot manifest entry without a path")
        rel = _safe_relative(entry["path"])
        try:
            data = (folder / rel).read_bytes()
        except OSError:
            raise SourceError("snapshot file missing", file=str(folder / rel)) from None
        if sha256(data) != entry.get("sha256"):
            raise SourceError(
                "snapshot file changed since it was downloaded (SHA-256 differs from "
                "snapshot.json)",
                file=str(folder / rel),
            )
        files[rel] = data
        status = entry.get("status")
        records.append(
            SnapshotFile(
                path=rel,
                sha256=str(entry["sha256"]),
                bytes=len(data),
                origin=str(entry.get("origin", "live")),
                url=str(entry.get("url", "")),
                status=status if isinstance(status, int) else None,
                retrieved=str(entry.get("retrieved", "")),
            )
        )
    snapshot = Snapshot(
        source=str(doc.get("source", "")),
        id=str(doc.get("snapshot", "")),
        folder=folder.resolve(),
        retrieved=str(doc.get("retrieved", "")),
        licence=str(doc.get("licence", "")),
        files=tuple(records),
    )
    if not snapshot.source or not snapshot.id:
        raise _manifest_error(folder, "snapshot manifest lacks source or snapshot id")
    return snapshot, files
