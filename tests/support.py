"""Paths and helpers shared by the tests (imported as ``support``; a module of its own, not
``conftest``, since tests/cooperation has a conftest.py of its own and two modules named
``conftest`` shadow each other)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR") or REPO.parent / "shared")
DATA_DIR = Path(os.environ.get("AICAP_DATA_DIR") or SHARED / "data" / "raw")

REFERENCE_FILES = (
    "SOURCE.md",
    "datasets-country-codes.csv",
    "wb-class-fy2025-economies.csv",
    "hdx-python-country-4.2.5-countries-territories-taxonomy.csv",
    "lukes-iso3166-all.csv",
)


def make_data_dir(root: Path, sources: dict[str, dict[str, bytes]]) -> Path:
    """A snapshot folder with the real country reference and the given small sources
    (``{folder: {file: bytes}}``), each with a SOURCE.md."""
    data = root / "raw"
    ref = data / "country_reference"
    ref.mkdir(parents=True)
    for name in REFERENCE_FILES:
        shutil.copyfile(DATA_DIR / "country_reference" / name, ref / name)
    for folder, files in sources.items():
        (data / folder).mkdir()
        (data / folder / "SOURCE.md").write_text(f"# {folder} (test fixture)\n")
        for name, content in files.items():
            path = data / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return data
