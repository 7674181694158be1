"""The layers import one way: sources -> warehouse -> index -> analysis -> web | report -> cli.
``index/`` is pure computation: no database, network, files or OS access."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "aicap"
LAYERS = {"sources": 0, "warehouse": 1, "index": 2, "analysis": 3, "web": 4, "report": 4, "cli": 5}
IO_MODULES = {
    "duckdb",
    "sqlite3",
    "sqlalchemy",
    "httpx",
    "requests",
    "urllib",
    "http",
    "socket",
    "aiohttp",
    "shutil",
    "subprocess",
    "glob",
    "io",
    "tempfile",
    "pathlib",
    "fcntl",
    "pyarrow.parquet",
    "openpyxl",
}
PURE_FORBIDDEN_AICAP = {"sources", "warehouse", "analysis", "web", "report", "cli"}
FORBIDDEN_CALLS = {"open", "exec", "eval", "__import__"}


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def layer_of(path: Path) -> str | None:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 and rel[0] in LAYERS else None


def imports(tree: ast.AST) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found.extend((f"{node.module}.{a.name}", node.lineno) for a in node.names)
    return found


def violations(path: Path, text: str | None = None) -> list[str]:
    """Layer violations of the module at ``path`` (its ``text`` if given, else the file's)."""
    layer = layer_of(path)
    if layer is None:
        return []
    source = path.read_text("utf-8") if text is None else text
    tree = ast.parse(source, filename=str(path))
    out = []
    for name, line in imports(tree):
        parts = name.split(".")
        if parts[0] == "aicap" and len(parts) > 1 and parts[1] in LAYERS:
            target = parts[1]
            if LAYERS[target] > LAYERS[layer] or (
                LAYERS[target] == LAYERS[layer] and target != layer
            ):
                out.append(f"{path.relative_to(SRC)}:{line}: {layer} imports higher layer {name}")
            if layer == "index" and target in PURE_FORBIDDEN_AICAP:
                out.append(f"{path.relative_to(SRC)}:{line}: index imports {name} (I/O layer)")
        if layer == "index" and (parts[0] in IO_MODULES or ".".join(parts[:2]) in IO_MODULES):
            out.append(f"{path.relative_to(SRC)}:{line}: index imports I/O module {name}")
    if layer == "index":
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else None
                attr = func.attr if isinstance(func, ast.Attribute) else None
                if name in FORBIDDEN_CALLS:
                    out.append(f"{path.relative_to(SRC)}:{node.lineno}: index calls {name}()")
                if attr and (
                    attr.startswith(("read_", "to_"))
                    and attr
                    in {
                        "read_csv",
                        "read_parquet",
                        "read_excel",
                        "read_json",
                        "read_text",
                        "read_bytes",
                        "to_csv",
                        "to_parquet",
                        "to_excel",
                        "write_text",
                        "write_bytes",
                    }
                ):
                    out.append(f"{path.relative_to(SRC)}:{node.lineno}: index calls .{attr}()")
    return out


def test_every_module_respects_the_layers() -> None:
    problems = [v for p in modules() for v in violations(p)]
    assert problems == []


@pytest.mark.parametrize(
    ("layer", "code", "bad"),
    [
        ("sources", "from aicap.warehouse.read import Warehouse\n", True),
        ("warehouse", "import aicap.index.composite\n", True),
        ("index", "import duckdb\n", True),
        ("index", "from pathlib import Path\n", True),
        ("index", "import pandas as pd\ndf = pd.read_csv('x.csv')\n", True),
        ("index", "text = open('x').read()\n", True),
        ("index", "from aicap.warehouse import read\n", True),
        ("web", "from aicap.cli.main import app\n", True),
        ("web", "from aicap.report import pdf\n", True),
        ("cli", "from aicap.warehouse.read import Warehouse\n", False),
        ("index", "import numpy as np\n", False),
    ],
)
def test_the_checker_catches_violations(layer: str, code: str, bad: bool) -> None:
    probe = SRC / layer / "_layer_probe.py"
    assert bool(violations(probe, code)) is bad
