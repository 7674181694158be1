from __future__ import annotations

import pytest
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import un_egdi

F = un_egdi.FILE
HEADER = (
    b"Survey Year,Country,Rank,E_Index,E_Participation,Online_Service,Human_Capital,Tele_Infra,"
    b"Region\r\n"
)
GOOD = (
    HEADER
    + b"2024,Denmark ,1,0.98474,0.90411,0.99000,0.96000,0.99000,Europe\r\n"
    + b"2024,T\xc3\xbcrkiye,27,0.89827,0.8,0.9,0.85,0.9,Asia\r\n"
    + b"2024,Georgia (Country),40,0.8,0.5,0.7,0.8,0.9,Asia\r\n"
)


def test_happy_path() -> None:
    parsed = un_egdi.parse({F: GOOD})
    check_shape(parsed)
    assert value_of(parsed, "Denmark", 2024, "EGDI") == 0.98474  # trailing space stripped
    assert value_of(parsed, "Denmark", 2024, "EGDI.RANK") == 1
    assert value_of(parsed, "Türkiye", 2024, "EGDI.OSI") == 0.9
    assert value_of(parsed, "Georgia (Country)", 2024, "EGDI.EPI") == 0.5
    assert {m.code for m in parsed.indicators} == {
        "EGDI",
        "EGDI.OSI",
        "EGDI.HCI",
        "EGDI.TII",
        "EGDI.EPI",
        "EGDI.RANK",
    }
    assert len(parsed.observations) == 18
    assert any("Region" in n for n in parsed.notes)


def test_region_column_is_not_required() -> None:
    data = GOOD.replace(b",Region", b"").replace(b",Europe", b"").replace(b",Asia", b"")
    assert len(un_egdi.parse({F: data}).observations) == 18


def test_truncated() -> None:
    expect_error(un_egdi.parse, {F: GOOD + b"2024,Estonia ,2,0.97"}, file=F, row=5)


def test_wrong_delimiter() -> None:
    expect_error(un_egdi.parse, {F: GOOD.replace(b",", b";")}, file=F, row=1, message="';'")


def test_wrong_encoding() -> None:
    data = GOOD.replace(b"T\xc3\xbcrkiye", b"T\xfcrkiye")
    expect_error(un_egdi.parse, {F: data}, file=F, row=3, message="utf-8")


def test_mojibake_name_is_rejected() -> None:
    data = GOOD.replace(b"T\xc3\xbcrkiye", "TÃ¼rkiye".encode())
    expect_error(un_egdi.parse, {F: data}, file=F, row=3, column="Country", message="encoding")


def test_non_numeric() -> None:
    data = GOOD.replace(b"0.98474", b"0.98474*")
    expect_error(un_egdi.parse, {F: data}, file=F, row=2, column="E_Index", value="0.98474*")


def test_duplicate_with_different_values() -> None:
    data = GOOD + b"2024,Denmark,1,0.97,0.90411,0.99000,0.96000,0.99000,Europe\r\n"
    expect_error(un_egdi.parse, {F: data}, file=F, row=5, message="duplicate (Denmark, 2024")


def test_missing_column() -> None:
    data = GOOD.replace(b"Tele_Infra", b"Telecom")
    expect_error(un_egdi.parse, {F: data}, file=F, row=1, column="Tele_Infra")


def test_empty_file_and_empty_name() -> None:
    expect_error(un_egdi.parse, {F: b"  \r\n"}, file=F, message="empty")
    data = GOOD + b"2024, ,5,0.9,0.9,0.9,0.9,0.9,Europe\r\n"
    expect_error(un_egdi.parse, {F: data}, file=F, row=5, column="Country")


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = un_egdi.parse(real_files("un_egdi"))
    check_shape(parsed)
    assert value_of(parsed, "Denmark", 2024, "EGDI") == 0.98474
    assert value_of(parsed, "Denmark", 2024, "EGDI.RANK") == 1
    assert value_of(parsed, "Estonia", 2024, "EGDI") == 0.97274
    assert value_of(parsed, "Singapore", 2024, "EGDI") == 0.96912
    result = harmonise("un_egdi", parsed)
    assert result.warnings == []
    iso = set(result.countries["iso3"])
    assert len(iso) == 193
    assert {"GEO", "KOR", "TUR", "CIV", "PRK", "COD"} <= iso
