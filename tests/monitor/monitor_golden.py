"""A fingerprint of the Monitor's results (:func:`aicap.analysis.monitor.links.compute_results`):
per table its shape, columns, dtypes and the SHA-256 of its full CSV text (floats written with
``repr``, so any change in the last bit shows). ``monitor_golden.json`` holds the fingerprint
of the results on the whole snapshot, taken before the Monitor was vectorised (commit 621abdc);
:mod:`test_monitor_speed` checks that the vectorised code still gives it.

Regenerate (only when a result is meant to change, and say so in the commit):

    .venv/bin/python tests/monitor/monitor_golden.py var/aicap.duckdb \
        > tests/monitor/monitor_golden.json
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from aicap.analysis.monitor.links import MonitorResults

GOLDEN = Path(__file__).with_name("monitor_golden.json")
#: the fields of MonitorResults in the fingerprint (``countries`` and ``sources`` are the
#: warehouse's own frames, passed through; ``sources`` holds ingest times)
FIELDS = (
    "holdings",
    "concentration",
    "shares",
    "access",
    "access_summary",
    "open_weights",
    "matrix",
    "incidents",
    "warnings",
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def frame_print(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "shape": list(frame.shape),
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "index": str(frame.index.dtype) + f":{frame.index.min()}-{frame.index.max()}",
        "csv": _digest(frame.to_csv(index=True, lineterminator="\n")),
    }


def fingerprint(results: MonitorResults) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(results):
        if f.name not in FIELDS:
            continue
        value = getattr(results, f.name)
        if isinstance(value, pd.DataFrame):
            out[f.name] = frame_print(value)
        else:
            out[f.name] = _digest(json.dumps(value, sort_keys=True, default=repr))
    return out


def main(warehouse: str) -> None:
    from aicap.analysis.monitor.data import load
    from aicap.analysis.monitor.links import compute_results
    from aicap.warehouse.read import Warehouse

    results = compute_results(load(Warehouse(Path(warehouse))))
    print(json.dumps(fingerprint(results), indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
