"""The engine stays pure (no file, network or database access) and batches replications."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from index_helpers import asem_fixture  # noqa: F401 (the asem fixture)

from aicap.index import Composite

INDEX = Path(__file__).resolve().parents[2] / "src" / "aicap" / "index"
FORBIDDEN = {
    "duckdb",
    "httpx",
    "requests",
    "urllib",
    "sqlite3",
    "pathlib",
    "os",
    "shutil",
    "socket",
    "subprocess",
    "aicap.warehouse",
    "aicap.sources",
    "aicap.analysis",
    "aicap.cli",
}


def test_index_imports_no_io_modules() -> None:
    for path in sorted(INDEX.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (
                    path.name,
                    name,
                )
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", path.name


def test_batched_weights_equal_one_rebuild_per_replication(asem: Composite) -> None:
    rng = np.random.default_rng(7)
    w0 = asem.weights
    batch = w0[None, :] * rng.uniform(0.5, 1.5, size=(4, w0.size))
    scores = asem.aggregate_with(batch)
    assert scores.shape == (4, 51, len(asem.framework.tree.codes))
    codes = asem.framework.tree.codes
    for r in range(4):
        weights = dict(zip(codes, batch[r].tolist(), strict=True))
        one = asem.rebuild({"weight": {"method": "explicit", "params": {"weights": weights}}})
        np.testing.assert_allclose(scores[r], one.scores[codes].to_numpy(), rtol=0, atol=1e-12)
