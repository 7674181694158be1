"""Synthetic frameworks and data (for benchmarks, property tests and examples)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aicap.index.framework import Framework


def synthetic(
    n_units: int = 193,
    n_indicators: int = 60,
    branching: tuple[int, ...] = (12, 4, 1),
    missing: float = 0.05,
    seed: int = 0,
) -> tuple[Framework, pd.DataFrame]:
    """A framework with ``len(branching) + 1`` levels (``branching`` = aggregates per level,
    bottom-up, ending with 1) and skewed random data with some missing cells and a group column.
    """
    rng = np.random.default_rng(seed)
    inds: list[dict[str, Any]] = []
    aggs: list[dict[str, Any]] = []
    names = [[f"L{lev + 2}_{j}" for j in range(n)] for lev, n in enumerate(branching)]
    for i in range(n_indicators):
        inds.append(
            {
                "code": f"i{i:03d}",
                "parent": names[0][i * branching[0] // n_indicators],
                "direction": int(rng.choice([1, 1, 1, -1])),
                "weight": float(rng.choice([1.0, 1.0, 2.0])),
            }
        )
    for lev, codes in enumerate(names):
        for j, code in enumerate(codes):
            d: dict[str, Any] = {"code": code, "level": lev + 2}
            if lev + 1 < len(names):
                d["parent"] = names[lev + 1][j * len(names[lev + 1]) // len(codes)]
            aggs.append(d)
    fw = Framework.from_dict(
        {"name": "synthetic", "indicators": inds, "aggregates": aggs, "groups": ["region"]},
        "synthetic",
    )
    x = rng.lognormal(
        mean=2.0, sigma=rng.uniform(0.2, 1.5, n_indicators), size=(n_units, n_indicators)
    )
    x[rng.random(x.shape) < missing] = np.nan
    data = pd.DataFrame(x, columns=[i["code"] for i in inds])
    data.insert(0, "uCode", [f"U{u:03d}" for u in range(n_units)])
    data.insert(1, "region", rng.choice(["A", "B", "C", "D", "E"], size=n_units))
    return fw, data
