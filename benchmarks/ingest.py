"""Ingest benchmark: cold (empty warehouse) and warm (nothing changed) ingest of the snapshot.

Usage: ``.venv/bin/python benchmarks/ingest.py [--data-dir DIR] [--repeat N]``
Prints the median and the spread of N runs of each, plus the warehouse size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from aicap.warehouse.ingest import ingest
from aicap.warehouse.read import Warehouse


def main() -> None:
    default = os.environ.get("AICAP_DATA_DIR") or str(
        Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
    )
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(default))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    cold: list[float] = []
    warm: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            path = Path(tmp) / f"cold{i}.duckdb"
            t0 = time.perf_counter()
            report = ingest(args.data_dir, path)
            cold.append(time.perf_counter() - t0)
            assert report.written
            t0 = time.perf_counter()
            report = ingest(args.data_dir, path)
            warm.append(time.perf_counter() - t0)
            assert not report.written
        summary = Warehouse(path).coverage_summary()
        size = path.stat().st_size
    print(f"data: {args.data_dir}")
    print(
        f"sources: {summary['sources_total']}, indicators: {summary['indicators_total']}, "
        f"observations: {summary['observations']:,}, warehouse: {size / 1e6:.1f} MB"
    )
    print(
        f"cold ingest: median {statistics.median(cold):.2f} s "
        f"(min {min(cold):.2f}, max {max(cold):.2f}, n={len(cold)})"
    )
    print(
        f"warm ingest (nothing changed): median {statistics.median(warm) * 1000:.0f} ms "
        f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f}, n={len(warm)})"
    )


if __name__ == "__main__":
    main()
