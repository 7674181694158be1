from __future__ import annotations

import pytest
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import wgi

F = wgi.FILE
HEADER = (
    b"\xef\xbb\xbfcodeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank,"
    b"pctranklower,pctrankupper\r\n"
)
GOOD = (
    HEADER
    + b"AFGcc1996,AFG,Afghanistan,1996,cc,-1.29,0.34,2,4.3,0.0,27.4\r\n"
    + b'ZARcc1996,ZAR,"Congo, Dem. Rep.",1996,cc,-1.65,0.32,3,0.0,0.0,12.4\r\n'
    + b"ASMcc1996,ASM,American Samoa,1996,cc,..,..,..,..,..,..\r\n"
    + b"AFGge2023,AFG,Afghanistan,2023,ge,-1.9,0.2,5,1.4,..,5.0\r\n"
)


def test_happy_path_with_bom_and_missing_markers() -> None:
    parsed = wgi.parse({F: GOOD})
    check_shape(parsed)
    assert value_of(parsed, "AFG", 1996, "WGI.CC.EST") == -1.29
    assert value_of(parsed, "AFG", 1996, "WGI.CC.SD") == 0.34
    assert value_of(parsed, "AFG", 1996, "WGI.CC.NSRC") == 2
    assert value_of(parsed, "AFG", 1996, "WGI.CC.PCT") == 4.3
    assert value_of(parsed, "AFG", 1996, "WGI.CC.PCT_LO") == 0.0
    assert value_of(parsed, "AFG", 1996, "WGI.CC.PCT_HI") == 27.4
    assert value_of(parsed, "ZAR", 1996, "WGI.CC.EST") == -1.65
    assert value_of(parsed, "AFG", 2023, "WGI.GE.PCT_HI") == 5.0
    obs = parsed.observations
    assert "ASM" not in set(obs["entity"])  # all '..'
    assert not ((obs["entity"] == "AFG") & (obs["indicator"] == "WGI.GE.PCT_LO")).any()
    assert len(obs) == 6 + 6 + 5
    assert len(parsed.indicators) == 36
    assert {m.code for m in parsed.indicators} >= {"WGI.VA.EST", "WGI.RL.PCT_LO", "WGI.PV.NSRC"}
    assert any("'..'" in n for n in parsed.notes)


def test_truncated() -> None:
    expect_error(wgi.parse, {F: GOOD + b"ALBcc1996,ALB,Albania,1996,cc,-0.8"}, file=F, row=6)


def test_wrong_delimiter() -> None:
    expect_error(wgi.parse, {F: GOOD.replace(b",", b"\t")}, file=F, row=1, message="'\\t'")


def test_wrong_encoding() -> None:
    data = GOOD.replace(b"American Samoa", "Côte d'Ivoire".encode("cp1252"))
    expect_error(wgi.parse, {F: data}, file=F, row=4, message="utf-8")


def test_non_numeric() -> None:
    data = GOOD.replace(b"-1.29", b"n/a")
    expect_error(wgi.parse, {F: data}, file=F, row=2, column="estimate", value="n/a")


def test_unknown_dimension() -> None:
    data = GOOD.replace(b",1996,cc,-1.29", b",1996,xx,-1.29")
    expect_error(wgi.parse, {F: data}, file=F, row=2, column="indicator", value="xx")


def test_duplicate_with_different_values() -> None:
    data = GOOD + b"AFGcc1996,AFG,Afghanistan,1996,cc,-1.30,0.34,2,4.3,0.0,27.4\r\n"
    expect_error(wgi.parse, {F: data}, file=F, row=6, value=-1.3, message="WGI.CC.EST")


def test_missing_column() -> None:
    data = GOOD.replace(b",pctrankupper", b",upper")
    expect_error(wgi.parse, {F: data}, file=F, row=1, column="pctrankupper")


def test_empty_file() -> None:
    expect_error(wgi.parse, {F: b"\xef\xbb\xbf\r\n"}, file=F, message="empty")


def test_missing_file() -> None:
    expect_error(wgi.parse, {}, file=F, message="missing")


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = wgi.parse(real_files("wgi"))
    check_shape(parsed)
    assert parsed.observations["year"].min() == 1996
    assert parsed.observations["year"].max() == 2023
    assert value_of(parsed, "AFG", 1996, "WGI.CC.EST") == -1.29
    assert value_of(parsed, "ALB", 1996, "WGI.CC.PCT_HI") == 43.0
    assert value_of(parsed, "ZAR", 1996, "WGI.CC.PCT_HI") == 12.4
    result = harmonise("wgi", parsed)
    assert result.warnings == []
    assert result.excluded.keys() == {"ANT"}
    iso = set(result.countries["iso3"])
    assert {"AND", "COD", "ROU", "TLS", "XKX", "PSE", "JEY"} <= iso
    assert not {"ADO", "ZAR", "ROM", "TMP", "KSV", "WBG"} & iso
    assert len(iso) == 213
