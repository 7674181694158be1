from __future__ import annotations

import pytest
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import wdi

DATA = "indicators/it.net.bbnd.p2/data.csv"
META = "indicators/it.net.bbnd.p2/datapackage.json"
GOOD_CSV = (
    b"Country Name,Country Code,Year,Value\r\n"
    b"Aruba,ABW,2003,1.51554544469722\r\n"
    b"Aruba,ABW,2004,7.5\r\n"
    b"World,WLD,2004,3.25\r\n"
)
GOOD_META = (
    b'{"title": "Fixed broadband subscriptions (per 100 people)", "readme": "Fixed broadband '
    b'subscriptions refers to ...", "licenses": [{"name": "CC-BY-4.0"}]}'
)


def files(csv: bytes = GOOD_CSV, meta: bytes = GOOD_META) -> dict[str, bytes]:
    return {DATA: csv, META: meta}


def test_happy_path() -> None:
    parsed = wdi.parse(files())
    check_shape(parsed)
    assert len(parsed.observations) == 3
    assert value_of(parsed, "ABW", 2003, "IT.NET.BBND.P2") == pytest.approx(1.51554544469722)
    assert value_of(parsed, "WLD", 2004, "IT.NET.BBND.P2") == 3.25
    assert parsed.observations["row"].tolist() == [2, 3, 4]
    assert set(parsed.observations["file"]) == {DATA}
    (meta,) = parsed.indicators
    assert meta.code == "IT.NET.BBND.P2"
    assert meta.unit == "per 100 people"
    assert meta.name == "Fixed broadband subscriptions (per 100 people)"
    assert meta.description.startswith("Fixed broadband")
    assert meta.licence == ""  # same as the source's CC BY 4.0


def test_units_from_titles() -> None:
    assert wdi.unit_from_title("X", "GDP per capita, PPP (current international $)") == (
        "current international $"
    )
    assert wdi.unit_from_title("SP.POP.TOTL", "Population, total") == "people"
    assert wdi.unit_from_title("X.Y", "Something") == ""


def test_other_licence_is_kept_on_the_indicator() -> None:
    meta = b'{"title": "T (%)", "licenses": [{"name": "CC-BY-NC-4.0"}]}'
    assert wdi.parse(files(meta=meta)).indicators[0].licence == "CC-BY-NC-4.0"


def test_truncated_row() -> None:
    expect_error(wdi.parse, files(GOOD_CSV + b"Aruba,ABW,20"), file=DATA, row=5, message="trunc")


def test_truncated_inside_quotes() -> None:
    expect_error(wdi.parse, files(GOOD_CSV + b'"Bahamas, The,BHS'), file=DATA, row=5)


def test_wrong_delimiter() -> None:
    csv = GOOD_CSV.replace(b",", b";")
    expect_error(wdi.parse, files(csv), file=DATA, row=1, column="Country Code", message="';'")


def test_wrong_encoding() -> None:
    csv = GOOD_CSV + "Curaçao,CUW,2004,1.0\r\n".encode("latin-1")
    expect_error(wdi.parse, files(csv), file=DATA, row=5, message="not valid utf-8")


def test_non_numeric_value() -> None:
    csv = GOOD_CSV.replace(b"7.5", b"7,5").replace(b"ABW,2004,7,5", b'ABW,2004,"7,5"')
    expect_error(wdi.parse, files(csv), file=DATA, row=3, column="Value", value="7,5")


def test_non_numeric_year() -> None:
    csv = GOOD_CSV.replace(b"ABW,2004", b"ABW,FY04")
    expect_error(wdi.parse, files(csv), file=DATA, row=3, column="Year", value="FY04")


def test_duplicate_with_different_values() -> None:
    csv = GOOD_CSV + b"Aruba,ABW,2004,8.5\r\n"
    expect_error(wdi.parse, files(csv), file=DATA, row=5, message="duplicate (ABW, 2004")


def test_exact_repeat_is_dropped() -> None:
    parsed = wdi.parse(files(GOOD_CSV + b"Aruba,ABW,2004,7.5\r\n"))
    assert len(parsed.observations) == 3
    assert any("repeat" in n for n in parsed.notes)


def test_missing_column() -> None:
    csv = b"Country Name,Country Code,Year\r\nAruba,ABW,2003\r\n"
    expect_error(wdi.parse, files(csv), file=DATA, row=1, column="Value", message="missing")


def test_empty_file() -> None:
    expect_error(wdi.parse, files(b""), file=DATA, message="empty")


def test_header_only() -> None:
    expect_error(wdi.parse, files(b"Country Name,Country Code,Year,Value\r\n"), file=DATA)


def test_empty_country_code() -> None:
    csv = GOOD_CSV + b"Nowhere,,2004,1\r\n"
    expect_error(wdi.parse, files(csv), file=DATA, row=5, column="Country Code")


def test_missing_value_cells_are_dropped() -> None:
    parsed = wdi.parse(files(GOOD_CSV + b"Aruba,ABW,2005,\r\nAruba,ABW,2006,..\r\n"))
    assert len(parsed.observations) == 3


def test_missing_datapackage() -> None:
    expect_error(wdi.parse, {DATA: GOOD_CSV}, file=META)


def test_bad_datapackage() -> None:
    expect_error(wdi.parse, files(meta=b'{"title": '), file=META, row=1, message="JSON")
    expect_error(wdi.parse, files(meta=b'{"readme": "x"}'), file=META, column="title")


def test_no_indicator_files() -> None:
    with pytest.raises(wdi.SourceError):
        wdi.parse({})


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = wdi.parse(real_files("wdi"))
    check_shape(parsed)
    codes = {m.code for m in parsed.indicators}
    assert len(codes) == 52
    assert {"IT.NET.BBND.P2", "NY.GDP.PCAP.PP.CD", "SP.POP.TOTL", "GB.XPD.RSDV.GD.ZS"} <= codes
    assert value_of(parsed, "ABW", 2003, "IT.NET.BBND.P2") == pytest.approx(1.51554544469722)
    assert value_of(parsed, "ABW", 1961, "AG.LND.TOTL.K2") == 180.0
    units = {m.code: m.unit for m in parsed.indicators}
    assert units["EG.ELC.ACCS.ZS"] == "% of population"
    assert units["IT.NET.SECR.P6"] == "per 1 million people"
    result = harmonise("wdi", parsed)
    assert result.warnings == []
    assert {"XKX", "CHI", "KEN", "USA"} <= set(result.countries["iso3"])
    assert {"WLD", "HIC", "EUU", "SSF"} <= set(result.aggregates["code"])
