"""Time one full ASEM build (COINr's example) and a 193-unit x 60-indicator, four-level
synthetic framework. Prints the median of several runs.

    .venv/bin/python benchmarks/index_build.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from aicap.index import Recipe, build
from aicap.index.coinr import framework_from_imeta
from aicap.index.synthetic import synthetic

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    recipe = Recipe.from_yaml((REPO / "examples/asem/recipe.yaml").read_text(), "recipe.yaml")

    asem = SHARED / "peers" / "coinr" / "asem"
    if asem.is_dir():
        fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
        data = pd.read_csv(asem / "iData.csv")
        med, best = median_time(lambda: build(fw, data, recipe), args.repeat)
        print(
            f"ASEM (51 units x 49 indicators, 4 levels, 6 steps): "
            f"median {med * 1e3:.1f} ms, best {best * 1e3:.1f} ms  (COINr: ~100 ms)"
        )
        comp = build(fw, data, recipe)
        med, best = median_time(
            lambda: comp.rebuild({"normalise": {"method": "n_prank"}}), args.repeat
        )
        print(f"ASEM rebuild from normalise (n_prank): median {med * 1e3:.1f} ms")
    else:
        print(f"ASEM: skipped (no COINr outputs at {asem})")

    fw2, data2 = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    rec2 = Recipe.from_yaml(
        (REPO / "examples/asem/recipe.yaml").read_text().replace("EurAsia_group", "region"),
        "recipe.yaml",
    )
    med, best = median_time(lambda: build(fw2, data2, rec2), args.repeat)
    print(
        f"synthetic (193 units x 60 indicators, 4 levels, same 6 steps): "
        f"median {med * 1e3:.1f} ms, best {best * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
