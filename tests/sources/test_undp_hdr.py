from __future__ import annotations

import pytest
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import undp_hdr

F = undp_hdr.FILE
GOOD = (
    b"\xef\xbb\xbfiso3,country,hdicode,region,hdi_rank_2022,hdi_1990,hdi_2022,eys_2022,"
    b"gdi_group_2022,mys_f_2022\r\n"
    b"AFG,Afghanistan,Low,SA,182,0.284,0.462,10.7,5,1.8\r\n"
    b"NOR,Norway,Very High,,2,0.838,0.966,18.6,1,\r\n"
    b"ZZK.WORLD,World,,,,0.601,0.739,12.8,,NaN\r\n"
)


def test_happy_path_wide_to_long() -> None:
    parsed = undp_hdr.parse({F: GOOD})
    check_shape(parsed)
    assert value_of(parsed, "AFG", 1990, "HDR.HDI") == 0.284
    assert value_of(parsed, "NOR", 2022, "HDR.HDI") == 0.966
    assert value_of(parsed, "NOR", 2022, "HDR.EYS") == 18.6
    assert value_of(parsed, "AFG", 2022, "HDR.GDI_GROUP") == 5
    assert value_of(parsed, "AFG", 2022, "HDR.MYS_F") == 1.8
    assert value_of(parsed, "ZZK.WORLD", 2022, "HDR.EYS") == 12.8
    obs = parsed.observations
    # empty and literal NaN cells dropped; the rank column is not a series
    assert len(obs) == 5 + 4 + 3
    assert not obs["indicator"].str.contains("RANK").any()
    assert obs.loc[obs["entity"] == "NOR", "row"].unique().tolist() == [3]
    metas = {m.code: m for m in parsed.indicators}
    assert set(metas) == {"HDR.HDI", "HDR.EYS", "HDR.GDI_GROUP", "HDR.MYS_F"}
    assert metas["HDR.EYS"].unit == "years"


def test_truncated() -> None:
    expect_error(undp_hdr.parse, {F: GOOD + b"ALB,Albania,High,ECA"}, file=F, row=5)


def test_wrong_delimiter() -> None:
    expect_error(undp_hdr.parse, {F: GOOD.replace(b",", b";")}, file=F, column="iso3")


def test_wrong_encoding() -> None:
    data = GOOD.replace(b"Norway", "Türkiye".encode("latin-1"))
    expect_error(undp_hdr.parse, {F: data}, file=F, row=3, message="utf-8")


def test_non_numeric_names_first_bad_cell() -> None:
    data = GOOD.replace(b"0.966,18.6", b"0.966,18,6").replace(b"18,6", b'"18,6"')
    expect_error(undp_hdr.parse, {F: data}, file=F, row=3, column="eys_2022", value="18,6")


def test_duplicate_with_different_values() -> None:
    data = GOOD + b"AFG,Afghanistan,Low,SA,182,0.3,0.462,10.7,5,1.8\r\n"
    expect_error(undp_hdr.parse, {F: data}, file=F, row=5, message="HDR.HDI")


def test_missing_column() -> None:
    expect_error(undp_hdr.parse, {F: GOOD.replace(b"iso3,", b"iso,")}, file=F, column="iso3")


def test_no_series_columns() -> None:
    data = b"iso3,country\r\nAFG,Afghanistan\r\n"
    expect_error(undp_hdr.parse, {F: data}, file=F, row=1, message="<variable>_<year>")


def test_duplicate_header_column() -> None:
    data = b"iso3,hdi_1990,hdi_1990\r\nAFG,0.2,0.3\r\n"
    expect_error(undp_hdr.parse, {F: data}, file=F, row=1, column="hdi_1990")


def test_empty_file() -> None:
    expect_error(undp_hdr.parse, {F: b""}, file=F, message="empty")


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = undp_hdr.parse(real_files("undp_hdr"))
    check_shape(parsed)
    codes = {m.code for m in parsed.indicators}
    assert {"HDR.HDI", "HDR.EYS", "HDR.MYS", "HDR.GNIPC", "HDR.LE", "HDR.PHDI"} <= codes
    assert len(codes) == 39
    assert value_of(parsed, "AFG", 2022, "HDR.HDI") == 0.462
    assert value_of(parsed, "AFG", 1990, "HDR.HDI") == 0.284
    assert parsed.observations["year"].between(1990, 2022).all()
    result = harmonise("undp_hdr", parsed)
    assert result.warnings == []
    assert len(set(result.countries["iso3"])) == 195
    assert set(result.aggregates["code"]) == {
        "ZZA.VHHD", "ZZB.HHD", "ZZC.MHD", "ZZD.LHD", "ZZE.AS", "ZZF.EAP",
        "ZZG.ECA", "ZZH.LAC", "ZZI.SA", "ZZJ.SSA", "ZZK.WORLD",
    }  # fmt: skip
