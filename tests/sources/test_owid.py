"""OWID grapher sources: owid_ai_publications and owid_internet_users (shared reader owid.py)."""

from __future__ import annotations

import httpx
import pytest
import respx
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import owid_ai_publications as pubs
from aicap.sources import owid_internet_users as net

PF, NF = pubs.FILE, net.FILE
PUBS = (
    b"Entity,Code,Year,Number of articles - Field: All\n"
    b"ASEAN (Association of Southeast Asian Nations) (CSET),,2013,3509\n"
    b"United States,USA,2023,41000\n"
    b"World,OWID_WRL,2023,250000\n"
    b'"Five Eyes (Australia, Canada, New Zealand, UK, and the US) (CSET)",,2023,60000\n'
)
NET = (
    b"Entity;Code;Year;Individuals using the Internet (% of population)\r\n"
    b"Afghanistan;AFG;1990;0\r\n"
    b"United States;USA;2022;97.1299\r\n"
    b"Faeroe Islands;;2022;98\r\n"
    b"Kosovo;OWID_KOS;2022;\r\n"
)


def test_publications_happy_path() -> None:
    parsed = pubs.parse({PF: PUBS})
    check_shape(parsed)
    assert value_of(parsed, "USA", 2023, "OWID.AI_PUBS") == 41000
    assert value_of(parsed, "OWID_WRL", 2023, "OWID.AI_PUBS") == 250000
    entity = "ASEAN (Association of Southeast Asian Nations) (CSET)"
    assert value_of(parsed, entity, 2013, "OWID.AI_PUBS") == 3509
    (meta,) = parsed.indicators
    assert meta.licence.startswith("CC BY-NC 4.0")
    assert meta.unit == "articles"


def test_internet_semicolon_and_comma_files_read_the_same() -> None:
    semi = net.parse({NF: NET})
    comma = net.parse({NF: NET.replace(b";", b",")})
    check_shape(semi)
    assert semi.observations.equals(comma.observations)
    assert value_of(semi, "USA", 2022, "OWID.INTERNET_USERS") == pytest.approx(97.1299)
    assert value_of(semi, "Faeroe Islands", 2022, "OWID.INTERNET_USERS") == 98
    assert len(semi.observations) == 3  # empty Kosovo value dropped
    assert any("';'" in n for n in semi.notes)
    assert "IT.NET.USER.ZS" in semi.indicators[0].description


def test_other_delimiter_is_an_error() -> None:
    expect_error(net.parse, {NF: NET.replace(b";", b"\t")}, file=NF, row=1, column="Entity")


def test_owid_short_name_of_the_value_column_is_read() -> None:
    data = PUBS.replace(b"Number of articles - Field: All", b"num_articles__field_all")
    parsed = pubs.parse({PF: data})
    assert value_of(parsed, "USA", 2023, "OWID.AI_PUBS") == 41000
    assert any("num_articles__field_all" in n for n in parsed.notes)


def test_value_column_renamed_to_another_measure_is_an_error() -> None:
    data = PUBS.replace(b"Number of articles - Field: All", b"Number of citations - Field: All")
    expect_error(
        pubs.parse,
        {PF: data},
        file=PF,
        row=1,
        column="Number of citations - Field: All",
        message="another measure",
    )


def test_missing_value_column() -> None:
    data = b"Entity,Code,Year\nWorld,OWID_WRL,2023\n"
    expect_error(pubs.parse, {PF: data}, file=PF, column="Number of articles - Field: All")


def test_missing_id_column() -> None:
    data = PUBS.replace(b"Entity,Code,Year", b"Entity,Code,Yr")
    expect_error(pubs.parse, {PF: data}, file=PF, row=1, column="Year")


def test_truncated() -> None:
    expect_error(net.parse, {NF: NET + b"Albania;ALB"}, file=NF, row=6, message="truncated")


def test_wrong_encoding() -> None:
    data = NET.replace(b"Faeroe Islands", "Curaçao".encode("cp1252"))
    expect_error(net.parse, {NF: data}, file=NF, row=4, message="utf-8")


def test_non_numeric() -> None:
    data = NET.replace(b"97.1299", b"97,13")
    expect_error(
        net.parse,
        {NF: data},
        file=NF,
        row=3,
        column="Individuals using the Internet (% of population)",
        value="97,13",
    )


def test_duplicate_with_different_values() -> None:
    data = NET + b"United States;USA;2022;96\r\n"
    expect_error(net.parse, {NF: data}, file=NF, row=6, message="duplicate (USA, 2022")


def test_empty_entity() -> None:
    data = NET + b";;2022;5\r\n"
    expect_error(net.parse, {NF: data}, file=NF, row=6)


def test_empty_file() -> None:
    expect_error(pubs.parse, {PF: b""}, file=PF, message="empty")


def test_fetch_uses_grapher_csv() -> None:
    assert net.SOURCE.live_url.startswith("https://ourworldindata.org/grapher/")
    with respx.mock:
        respx.get(net.SOURCE.live_url).mock(
            return_value=httpx.Response(200, content=NET.replace(b";", b","))
        )
        respx.get(url__startswith=f"https://ourworldindata.org/grapher/{net.SLUG}.metadata").mock(
            return_value=httpx.Response(200, json={"columns": {}})
        )
        with httpx.Client() as client:
            files = net.fetch(client)
    assert value_of(net.parse(files), "USA", 2022, "OWID.INTERNET_USERS") == pytest.approx(
        97.13, abs=0.01
    )


@pytest.mark.slow
def test_real_publications() -> None:
    parsed = pubs.parse(real_files("owid_ai_publications"))
    check_shape(parsed)
    assert parsed.observations["year"].between(2013, 2023).all()
    result = harmonise("owid_ai_publications", parsed)
    assert result.warnings == []
    assert result.countries["iso3"].nunique() >= 190
    assert "OWID_WRL" in set(result.aggregates["code"])
    assert "XKX" in set(result.countries["iso3"])


@pytest.mark.slow
def test_real_internet_users() -> None:
    parsed = net.parse(real_files("owid_internet_users"))
    check_shape(parsed)
    assert value_of(parsed, "USA", 2022, "OWID.INTERNET_USERS") == pytest.approx(97.13, abs=0.005)
    assert value_of(parsed, "GBR", 2022, "OWID.INTERNET_USERS") == pytest.approx(95.34, abs=0.005)
    assert value_of(parsed, "OWID_WRL", 2023, "OWID.INTERNET_USERS") == pytest.approx(
        67.4, abs=0.05
    )
    result = harmonise("owid_internet_users", parsed)
    assert result.warnings == []
    assert {"FRO", "XKX", "USA"} <= set(result.countries["iso3"])
    assert "High-income countries" in set(result.aggregates["code"])
