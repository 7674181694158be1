"""The what-if's warning: a power mean near the geometric lets one zero collapse a pillar."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest

from aicap.web.whatif import zero_collapses


def _comp() -> Any:
    # pillar P has three indicators; unit A has one zero, B none, C a zero and otherwise low
    codes = ["a", "b", "c", "P", "TOP"]
    tree = SimpleNamespace(
        codes=codes,
        indicators=["a", "b", "c"],
        parent_of={"a": "P", "b": "P", "c": "P", "P": "TOP", "TOP": None},
    )
    norm = pd.DataFrame(
        {"a": [90.0, 90.0, 5.0], "b": [80.0, 80.0, 5.0], "c": [0.0, 70.0, 0.0]},
        index=["A", "B", "C"],
    )
    return SimpleNamespace(
        framework=SimpleNamespace(tree=tree),
        weights=np.ones(len(codes)),
        stage=lambda name: norm,
    )


def test_arithmetic_never_warns() -> None:
    assert zero_collapses(cast(Any, _comp()), "arithmetic").empty


def test_near_geometric_flags_the_zero() -> None:
    out = zero_collapses(cast(Any, _comp()), "near_geometric")
    assert list(out["iso3"]) == ["A"]  # C loses under 10 points: its other values are low too
    a = out.iloc[0]
    assert a["zeros"] == "c" and a["pillar"] == "P"
    x = np.array([90.0, 80.0, 0.0])
    p = 0.1
    assert a["score"] == pytest.approx(np.mean(x**p) ** (1 / p))
    assert a["without_zeros"] == pytest.approx(np.mean(x[:2] ** p) ** (1 / p))
    assert a["drop"] > 50  # one zero of three takes most of the pillar away


def test_power_mean_half_flags_less() -> None:
    strong = zero_collapses(cast(Any, _comp()), "near_geometric")["drop"].iloc[0]
    half = zero_collapses(cast(Any, _comp()), "power_mean")["drop"].iloc[0]
    assert 0 < half < strong
