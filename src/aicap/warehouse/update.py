"""Live update: fetch sources from their publishers, then write the warehouse once.

1. Each requested source is downloaded into a new snapshot (:func:`aicap.sources.live.
   take_snapshot`); a failure (HTTP error, API error message, HTML page, truncated body) is
   recorded and the other sources go on. After a connection failure (offline) the remaining
   sources are not tried: they would fail the same way, each after its own timeout.
2. The snapshots that arrived are ingested together with ``overrides`` and ``tolerate=True``
   (:func:`aicap.warehouse.ingest.ingest`): each goes through its source's pure ``parse`` and the
   harmoniser; one that fails is left out, and the warehouse is written once, atomically, with
   the others. What is stored for a failed source stays byte for byte as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from aicap.sources.base import SourceError
from aicap.sources.http import OfflineError
from aicap.sources.live import LIVE, NOT_LIVE, Snapshot, take_snapshot
from aicap.warehouse.ingest import IngestReport, Progress, ingest


class UpdateError(ValueError):
    """The request itself is wrong (e.g. a source with no live update)."""


@dataclass
class UpdateReport:
    """What an update did, per source."""

    requested: list[str]
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    #: source -> one-line reason (download or data rejected); stored data unchanged.
    failed: dict[str, str] = field(default_factory=dict)
    #: sources that failed because there is no connection (a subset of ``failed``).
    offline: list[str] = field(default_factory=list)
    ingest: IngestReport | None = None

    @property
    def updated(self) -> list[str]:
        """Sources whose live snapshot is now in the warehouse (changed or already there)."""
        if self.ingest is None:
            return []
        done = set(self.ingest.changed) | set(self.ingest.unchanged)
        return [s for s in self.requested if s in self.snapshots and s in done]


def resolve_sources(names: Sequence[str]) -> list[str]:
    """The sources to update: ``names`` (checked) or every live source when empty."""
    if not names:
        return list(LIVE)
    out: list[str] = []
    for name in names:
        if name in LIVE:
            if name not in out:
                out.append(name)
            continue
        if name in NOT_LIVE:
            raise UpdateError(f"no live update for {name!r}: {NOT_LIVE[name]}")
        raise UpdateError(f"unknown source {name!r}; sources with a live update: {', '.join(LIVE)}")
    return out


def update(
    data_dir: Path,
    warehouse: Path,
    sources: Sequence[str],
    *,
    snapshots: Path,
    client: httpx.Client,
    progress: Progress | None = None,
) -> UpdateReport:
    """Fetch ``sources`` (all live sources when empty) into ``snapshots`` and ingest what
    arrived; see the module doc. Raises :class:`UpdateError` for a bad request and
    :class:`~aicap.warehouse.ingest.IngestError` when the warehouse as a whole cannot be written
    (it is then unchanged)."""
    notify = progress or (lambda _source, _stage: None)
    report = UpdateReport(requested=resolve_sources(sources))
    offline = False
    for source in report.requested:
        if offline:
            report.failed[source] = "not tried: offline (no connection to the previous publisher)"
            report.offline.append(source)
            notify(source, "skipped")
            continue
        notify(source, "fetching")
        try:
            report.snapshots[source] = take_snapshot(source, client, snapshots, data_dir=data_dir)
        except OfflineError as exc:
            offline = True
            report.failed[source] = str(exc)
            report.offline.append(source)
            notify(source, "failed")
        except SourceError as exc:
            report.failed[source] = str(exc)
            notify(source, "failed")
        else:
            notify(source, "fetched")
    if report.snapshots:
        overrides = {s: snap.folder for s, snap in report.snapshots.items()}
        report.ingest = ingest(
            data_dir, warehouse, overrides=overrides, tolerate=True, progress=progress
        )
        report.failed.update(report.ingest.failed)
    return report
