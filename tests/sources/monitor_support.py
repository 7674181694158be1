"""Helpers shared by the tests of the Monitor's importers (records-returning sources)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsers_support import module, reference

from aicap.sources.base import Parsed, SourceError, check_records
from aicap.sources.harmonise import Harmonised, Harmoniser, load_mapping

ParseFn = Callable[[Mapping[str, bytes]], Parsed]


def check_records_shape(parsed: Parsed, source: str) -> None:
    """Invariants of record tables: provenance columns, valid names, rows >= 1."""
    check_records(parsed.records, source=source)
    for frame in parsed.records.values():
        assert (frame["row"] >= 1).all()
        assert frame["file"].notna().all()


def fuzz(parse: ParseFn, good: Mapping[str, bytes], target: str) -> Callable[[], None]:
    """A hypothesis test: mutated bytes of ``target`` give a Parsed or a SourceError."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cut=st.integers(min_value=0, max_value=max(len(good[target]) - 1, 0)),
        junk=st.binary(max_size=40),
        drop=st.booleans(),
    )
    def run(cut: int, junk: bytes, drop: bool) -> None:
        data = good[target]
        mutated = data[:cut] + junk + (b"" if drop else data[cut + len(junk) :])
        files = dict(good)
        files[target] = mutated
        try:
            parsed = parse(files)
        except SourceError:
            return
        assert isinstance(parsed, Parsed)
        assert isinstance(parsed.observations, pd.DataFrame)

    return run


def arbitrary(parse: ParseFn, names: tuple[str, ...]) -> Callable[[], None]:
    """A hypothesis test: arbitrary bytes in every file give a Parsed or a SourceError."""

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.binary(max_size=200), min_size=len(names), max_size=len(names)))
    def run(blobs: list[bytes]) -> None:
        try:
            parse(dict(zip(names, blobs, strict=True)))
        except SourceError:
            return

    return run


def harmonise_all(source_id: str, parsed: Parsed) -> Harmonised:
    """Harmonise observations and record tables, as the ingest does."""
    mod = module(source_id)
    harmoniser = Harmoniser(
        reference(), load_mapping(source_id), entity_kind=mod.SOURCE.entity_kind
    )
    return harmoniser.apply(parsed.observations, parsed.records)
