"""The Monitor's results and each country's signals for the briefing and the profiles, from the
warehouse's records, cached per warehouse (:mod:`aicap.report.cache`).

Computing them takes about 1.5 s (15 s before the Monitor was vectorised); they depend only on
the warehouse file, the aicap code and the catalogues (interventions, links, risk taxonomy),
which the cache key hashes. On a miss the briefing computes them in a worker process while the
countries are diagnosed (:class:`MonitorJob`); ``aicap profile`` computes them in process.
``aicap build`` fills the cache (``--no-briefing-cache``: not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aicap.analysis.monitor.data import MonitorData
from aicap.analysis.monitor.data import load as load_frames
from aicap.analysis.monitor.links import (
    Links,
    MonitorResults,
    Signal,
    all_signals,
    compute_results,
    default_links_path,
)
from aicap.report.cache import Cache, code_digest, file_digest, key, tree_digest
from aicap.warehouse.read import Warehouse

Signals = dict[str, list[Signal]]
Computed = tuple[MonitorResults, Signals]


@dataclass
class MonitorJob:
    """The Monitor still to compute from the warehouse ``frames`` (:func:`compute`), and where
    to keep the result (``store``)."""

    frames: MonitorData
    links: Links
    store: Callable[[MonitorResults, Signals], None] | None = None


def compute(frames: MonitorData, links: Links) -> Computed:
    """The Monitor's results and every Member State's signals (pure; about 1.5 s)."""
    results = compute_results(frames, links.taxonomy)
    return results, all_signals(links, results)


def cache_key(warehouse: Path, extra: Sequence[Path] = ()) -> str:
    """What the Monitor's results and signals depend on: the warehouse's bytes, the code, the
    catalogues folder (links, taxonomy, interventions) and ``extra`` files (a --catalogue)."""
    catalogues = default_links_path().parent
    parts = [file_digest(warehouse), code_digest()]
    parts.append(tree_digest([catalogues]) if catalogues.is_dir() else "")
    parts += [file_digest(p) for p in extra if p.is_file()]
    return key("monitor", *parts)


def load(
    warehouse: Path, links: Links, cache: Cache, extra: Sequence[Path] = ()
) -> Computed | MonitorJob:
    """The cached results and signals, or the job that computes them (and caches them when
    it is done). A warehouse without the Monitor's records raises ``WarehouseError``."""
    k = cache_key(warehouse, extra) if cache.folder is not None else ""
    got = cache.get("monitor", k) if k else None
    if got is not None:
        cache.hits += 1
        results, signals = got
        return results, signals
    frames = load_frames(Warehouse(warehouse))
    cache.misses += 1

    def store(results: MonitorResults, signals: Signals) -> None:
        if k:
            cache.put("monitor", k, (results, signals))

    return MonitorJob(frames, links, store)


def load_now(warehouse: Path, links: Links, cache: Cache, extra: Sequence[Path] = ()) -> Computed:
    """:func:`load`, computing in process on a miss."""
    got = load(warehouse, links, cache, extra)
    if isinstance(got, MonitorJob):
        results, signals = compute(got.frames, links)
        if got.store is not None:
            got.store(results, signals)
        return results, signals
    return got
