"""Every Monte Carlo replication's outputs written as Parquet, one file per block, by whichever
process ran the block (a Dask worker, or this process).

``ParquetSink(folder)`` is the ``sink`` of :func:`aicap.index.uncertainty.run_uncertainty`:
block ``start`` becomes ``folder/part-<start>.parquet`` with columns ``replication``,
``failed`` (the failure code, 0 = ran), ``mean_abs_rank_shift``, then ``score:<unit>`` and
``rank:<unit>`` (int16, 0 = not ranked) per unit. :func:`read_replications` reads them back in
replication order. The folder must be reachable by every worker (a shared file system).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aicap.index.uncertainty import BlockRows


@dataclass(frozen=True)
class ParquetSink:
    """Writes each block's replications to ``folder/part-<start>.parquet``."""

    folder: Path
    units: tuple[str, ...]

    def __call__(self, start: int, block: BlockRows) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        size = block.fail.size
        cols: dict[str, object] = {
            "replication": np.arange(start, start + size, dtype=np.int64),
            "failed": block.fail.astype(np.int8),
            "mean_abs_rank_shift": block.mars,
        }
        frame = pd.concat(
            [
                pd.DataFrame(cols),
                pd.DataFrame(block.score, columns=[f"score:{u}" for u in self.units]),
                pd.DataFrame(block.rank, columns=[f"rank:{u}" for u in self.units]),
            ],
            axis=1,
        )
        tmp = self.folder / f".part-{start:012d}.parquet.tmp"
        frame.to_parquet(tmp, index=False)
        tmp.replace(self.folder / f"part-{start:012d}.parquet")  # whole files only


def read_replications(folder: Path) -> pd.DataFrame:
    """The replications a :class:`ParquetSink` wrote, in replication order."""
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"no replications (part-*.parquet) in {folder}")
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
