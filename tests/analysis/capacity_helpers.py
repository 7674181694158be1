"""Shared, cached builds of the aicap index for the capacity-index tests (imported as
``capacity_helpers``: a unique module name, no conftest in this folder)."""

from __future__ import annotations

import functools
from pathlib import Path

from aicap.analysis.capacity_index import CapacityIndex, Inputs, index_from_inputs, read_inputs
from aicap.analysis.run import IndexRun, run_index
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.warehouse.read import Warehouse

REPO = Path(__file__).resolve().parents[2]
FRAMEWORK = REPO / "frameworks" / "aicap.yaml"


@functools.cache
def spec() -> IndexSpec:
    assert default_framework_path() == FRAMEWORK
    return IndexSpec.load(FRAMEWORK)


@functools.cache
def inputs(warehouse: Path) -> Inputs:
    return read_inputs(Warehouse(warehouse), spec())


@functools.cache
def index(warehouse: Path) -> CapacityIndex:
    return index_from_inputs(inputs(warehouse))


@functools.cache
def shipped(warehouse: Path) -> IndexRun:
    return run_index(Warehouse(warehouse), spec(), uncertainty=True)
