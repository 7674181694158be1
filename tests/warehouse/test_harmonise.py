"""Harmonisation: one place, loud both ways."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicap.sources import country_reference as cr
from aicap.sources.base import SourceError, observations
from aicap.sources.harmonise import Harmoniser, SourceMapping, load_mapping, parse_mapping


@pytest.fixture(scope="module")
def ref(data_dir: Path) -> cr.Reference:
    return cr.load_reference(data_dir / "country_reference")


def obs(entities: list[str]) -> pd.DataFrame:
    n = len(entities)
    return observations(
        entity=pd.Series(entities),
        year=2023,
        indicator="X",
        value=pd.Series([1.0] * n),
        file="f.csv",
        row=pd.Series(range(2, n + 2)),
    )


def test_names_codes_aggregates_and_exclusions(ref: cr.Reference) -> None:
    mapping = SourceMapping(
        source="t",
        map={"Georgia (Country)": "GEO"},
        aggregates={"Arab States": "Arab States"},
        excluded={"Atlantis": "fictional"},
    )
    h = Harmoniser(ref, mapping, entity_kind="name")
    result = h.apply(obs(["Republic of Korea ", "Georgia (Country)", "Arab States", "Atlantis"]))
    assert list(result.countries["iso3"]) == ["KOR", "GEO"]
    assert list(result.aggregates["code"]) == ["Arab States"]
    assert result.excluded == {"Atlantis": "fictional"}
    assert result.warnings == []


def test_unknown_name_is_an_error_naming_file_row_and_name(ref: cr.Reference) -> None:
    h = Harmoniser(ref, SourceMapping(source="t"), entity_kind="name")
    with pytest.raises(SourceError) as info:
        h.apply(obs(["Kenya", "Wakanda", "Genovia"]))
    text = str(info.value)
    assert "f.csv" in text and "row 3" in text and "'Wakanda'" in text and "'Genovia'" in text


def test_unused_mapping_entries_warn(ref: cr.Reference) -> None:
    mapping = SourceMapping(
        source="t", map={"Old Name": "KEN"}, excluded={"Gone": "why"}, aggregate_patterns=["^ZZ"]
    )
    result = Harmoniser(ref, mapping, entity_kind="name").apply(obs(["Kenya"]))
    assert len(result.warnings) == 3
    assert any("map.Old Name" in w for w in result.warnings)


def test_wb_aggregate_codes_are_recognised(ref: cr.Reference) -> None:
    result = Harmoniser(ref, SourceMapping(source="t"), entity_kind="code").apply(
        obs(["KEN", "WLD", "HIC", "XKX"])
    )
    assert list(result.countries["iso3"]) == ["KEN", "XKX"]
    assert list(result.aggregates["code"]) == ["WLD", "HIC"]


def test_two_entities_onto_one_country_is_an_error(ref: cr.Reference) -> None:
    mapping = SourceMapping(source="t", map={"Kenia": "KEN"})
    with pytest.raises(SourceError, match="two entities map to KEN"):
        Harmoniser(ref, mapping, entity_kind="name").apply(obs(["Kenya", "Kenia"]))


def test_mapping_to_unknown_code_is_rejected(ref: cr.Reference) -> None:
    with pytest.raises(SourceError, match=r"map\.Foo"):
        Harmoniser(ref, SourceMapping(source="t", map={"Foo": "ZZZ"}), entity_kind="name")


def test_mapping_file_validation_names_the_field() -> None:
    with pytest.raises(SourceError) as info:
        parse_mapping("source: t\nexcluded:\n  X: ''\n", label="m.yaml")
    assert "m.yaml" in str(info.value) and "excluded" in str(info.value)
    with pytest.raises(SourceError, match=r"m\.yaml"):
        parse_mapping("source: t\nbogus: 1\n", label="m.yaml")


def test_shipped_mapping_files_are_valid() -> None:
    folder = Path(__file__).resolve().parents[2] / "src/aicap/sources/mappings"
    for path in folder.glob("*.yaml"):
        if path.stem != "country_reference":
            assert load_mapping(path.stem).source == path.stem


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalise_name_is_idempotent(name: str) -> None:
    once = cr.normalise_name(name)
    assert cr.normalise_name(once) == once
