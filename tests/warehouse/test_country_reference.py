"""The country reference: 193 Member States, observers and territories apart, six languages,
WB FY2025 income groups, LDC/LLDC/SIDS with the known corrections, aggregates recognised."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aicap.sources import country_reference as cr
from aicap.sources.base import SourceError


@pytest.fixture(scope="module")
def files(data_dir: Path) -> dict[str, bytes]:
    folder = data_dir / "country_reference"
    return {name: (folder / name).read_bytes() for name in cr.SOURCE.files}


@pytest.fixture(scope="module")
def ref(files: dict[str, bytes]) -> cr.Reference:
    return cr.parse(files)


def row(ref: cr.Reference, iso3: str) -> pd.Series:
    return ref.countries.set_index("iso3").loc[iso3]


def test_member_states_observers_and_others(ref: cr.Reference) -> None:
    status = ref.countries.set_index("iso3")["status"]
    assert (status == "member").sum() == 193
    assert set(status[status == "observer"].index) == {"PSE", "VAT"}
    assert {"COK", "NIU", "XKX", "CHI"} <= set(status[status == "other"].index)
    assert status["TWN"] == "territory"
    assert status["GRL"] == "territory"
    # the two Member States whose UNTERM columns are empty in the datasets file
    assert status["CIV"] == "member" and status["TUR"] == "member"


def test_six_language_names_for_every_member(ref: cr.Reference) -> None:
    members = ref.countries[ref.countries["status"] == "member"]
    for lang in cr.LANGS:
        assert members[f"name_{lang}"].notna().all(), lang
    assert row(ref, "CIV")["name_fr"] == "Côte d'Ivoire"
    assert row(ref, "KEN")["name_zh"] == "肯尼亚"
    assert row(ref, "KEN")["name_ar"] == "كينيا"
    assert row(ref, "DEU")["name_ru"] == "Германия"


def test_groups_and_flags(ref: cr.Reference) -> None:
    members = ref.countries[ref.countries["status"] == "member"]
    assert int(members["ldc"].sum()) == 44  # STP graduated in December 2024
    assert not row(ref, "STP")["ldc"]
    assert row(ref, "AFG")["ldc"] and row(ref, "AFG")["lldc"]
    assert int(members["lldc"].sum()) == 32
    assert row(ref, "FJI")["sids"]
    assert row(ref, "SRB")["income_group"] == "UMC"  # CLASS lists Serbia as SCG
    assert pd.isna(row(ref, "VEN")["income_group"])  # unclassified since FY2022
    assert row(ref, "VEN")["wb_region"] == "Latin America & Caribbean"
    assert members["income_group"].isna().sum() == 1
    assert row(ref, "KEN")["un_region"] == "Africa"
    assert row(ref, "KEN")["m49"] == 404


def test_aggregates_are_not_countries(ref: cr.Reference) -> None:
    codes = set(ref.aggregates["code"])
    assert {"WLD", "HIC", "LIC", "SSF", "EUU", "LDC"} <= codes
    assert "VEN" not in codes
    assert not codes & set(ref.countries["iso3"])


def test_name_index_is_unambiguous_for_common_names(ref: cr.Reference) -> None:
    index = ref.names.groupby("key")["iso3"].agg(set)
    for name, iso3 in {
        "Republic of Korea": "KOR",
        "Türkiye": "TUR",
        "Côte d'Ivoire": "CIV",
        "Bahamas (the)": "BHS",
        "United States of America": "USA",
        "Viet Nam": "VNM",
    }.items():
        assert index[cr.normalise_name(name)] == {iso3}, name


def test_stale_override_is_an_error(files: dict[str, bytes]) -> None:
    overrides = cr.load_overrides()
    stale = cr.Overrides(
        ldc_graduated={**overrides.ldc_graduated, "DEU": "never an LDC"},
        wb_code_fixes=overrides.wb_code_fixes,
        non_iso_entities=overrides.non_iso_entities,
        unterm_markers=overrides.unterm_markers,
    )
    with pytest.raises(SourceError, match=r"ldc_graduated\.DEU"):
        cr.parse(files, stale)


def test_unknown_wb_code_is_named(files: dict[str, bytes]) -> None:
    bad = dict(files)
    bad[cr.WB_FILE] = files[cr.WB_FILE] + b"Atlantis,ATL,Europe & Central Asia,High income,IBRD\n"
    with pytest.raises(SourceError) as info:
        cr.parse(bad)
    assert "wb-class-fy2025-economies.csv" in str(info.value)
    assert "'ATL'" in str(info.value)
