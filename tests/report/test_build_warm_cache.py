"""``aicap build`` ends by warming the briefing's cache: afterwards the Monitor's results and
the annex's rendered pages are found there, so the first ``aicap report briefing`` is warm."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aicap.analysis.catalogue import load_catalogue
from aicap.analysis.mandates import MandateLibrary
from aicap.analysis.monitor.links import load_links
from aicap.cli.main import _warm_briefing_cache
from aicap.report import monitor_source
from aicap.report.cache import Cache
from aicap.report.workers import default_workers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index_dir(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real index for its last three years, written as `aicap build` writes it."""
    from aicap.analysis.run import run_index
    from aicap.warehouse.read import Warehouse

    probe = run_index(Warehouse(full_warehouse), uncertainty=False, start=2023)
    out = tmp_path_factory.mktemp("index")
    probe.series.to_parquet(out / "series.parquet")
    probe.results.to_parquet(out / "results.parquet")
    cells = pd.concat([ys.cells for ys in probe.index.years.values()], ignore_index=True)
    cells.to_parquet(out / "series_cells.parquet")
    return out


def test_build_warms_the_briefing_cache(
    full_warehouse: Path, index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AICAP_CACHE_DIR", str(folder))
    assert _warm_briefing_cache(full_warehouse, index_dir, annex="KEN,TZA") == folder
    assert len(list((folder / "monitor").glob("*.pickle"))) == 1
    if default_workers() > 1:  # the annex is rendered in cached chunks by several workers
        assert list((folder / "pdf").glob("*.pickle"))
    # the briefing's own lookup now finds the Monitor's results (a hit, not a job)
    links = load_links(load_catalogue(None, MandateLibrary.load(None)))
    cache = Cache(folder)
    got = monitor_source.load(full_warehouse, links, cache)
    assert isinstance(got, tuple) and cache.hits == 1 and cache.misses == 0
