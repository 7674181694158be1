"""Helpers for the publisher-module tests (imported by the test files of this folder)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pytest

from aicap.sources.base import Parsed, SourceError
from aicap.sources.country_reference import Reference, load_reference
from aicap.sources.files import read_source_files
from aicap.sources.harmonise import Harmonised, Harmoniser, load_mapping

RAW = Path(
    os.environ.get("AICAP_DATA_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "data" / "raw"
)

ParseFn = Callable[[Mapping[str, bytes]], Parsed]


def module(source_id: str) -> ModuleType:
    return importlib.import_module(f"aicap.sources.{source_id}")


def real_files(source_id: str) -> dict[str, bytes]:
    """The snapshot's files of ``source_id`` (skips when the snapshot is absent)."""
    folder = RAW / source_id
    if not folder.is_dir():
        pytest.skip(f"open-data snapshot not found at {folder}")
    return read_source_files(folder, module(source_id).SOURCE)


@lru_cache(maxsize=1)
def reference() -> Reference:
    return load_reference(RAW / "country_reference")


def harmonise(source_id: str, parsed: Parsed) -> Harmonised:
    mod = module(source_id)
    harmoniser = Harmoniser(
        reference(), load_mapping(source_id), entity_kind=mod.SOURCE.entity_kind
    )
    return harmoniser.apply(parsed.observations)


def expect_error(
    parse: ParseFn,
    files: Mapping[str, bytes],
    *,
    file: str,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    message: str | None = None,
) -> SourceError:
    """Assert ``parse(files)`` raises a SourceError located as given; returns it."""
    with pytest.raises(SourceError) as info:
        parse(files)
    err = info.value
    text = str(err)
    assert err.file == file, text
    assert f"file {file}" in text
    if row is not None:
        assert err.row == row, text
        assert f"row {row}" in text
    if column is not None:
        assert err.column == column, text
        assert repr(column) in text
    if value is not None:
        assert err.value == value, text
        assert repr(value)[:60] in text
    if message is not None:
        assert message in text, text
    return err


def value_of(parsed: Parsed, entity: str, year: int, indicator: str) -> float:
    obs = parsed.observations
    hit = obs[(obs["entity"] == entity) & (obs["year"] == year) & (obs["indicator"] == indicator)]
    assert len(hit) == 1, f"{len(hit)} observations for ({entity}, {year}, {indicator})"
    return float(hit["value"].iloc[0])


def check_shape(parsed: Parsed) -> None:
    """Invariants of every parse result."""
    obs = parsed.observations
    raw = ["entity", "year", "indicator", "value", "flags", "file", "row"]
    # "column" (the publisher's column of each value) is optional; validity.check drops it
    assert list(obs.columns) in (raw, [*raw, "column"])
    assert not obs.duplicated(["entity", "year", "indicator"]).any()
    assert obs["value"].notna().all()
    assert (obs["row"] >= 1).all()
    codes = {m.code for m in parsed.indicators}
    assert set(obs["indicator"]) <= codes
