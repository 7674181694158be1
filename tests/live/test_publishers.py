"""Each publisher's live format, replayed from recorded responses, goes through the same pure
``parse`` as the bundled files and gives the same numbers."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import httpx
import pytest
import respx
from helpers import WB, client, fixture, mock_all

from aicap.sources import ai_readiness_indices as ari
from aicap.sources import live_worldbank as wb
from aicap.sources import owid_internet_users as net
from aicap.sources import wdi, wgi
from aicap.sources.base import SourceError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from parsers_support import RAW, harmonise, value_of

BBND = "IT.NET.BBND.P2"


def wdi_live(codes: tuple[str, ...] = (BBND, "SP.POP.TOTL")) -> dict[str, bytes]:
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        with client() as c:
            return wdi.fetch(c, codes)


def test_wdi_pages_are_all_fetched_and_parse_like_the_csv() -> None:
    files = wdi_live()
    assert sorted(f for f in files if f.startswith(f"api/{BBND}/")) == [
        f"api/{BBND}/data-p1.json",
        f"api/{BBND}/data-p2.json",
        f"api/{BBND}/data-p3.json",
        f"api/{BBND}/meta.json",
    ]
    parsed = wdi.parse(files)
    assert {m.code for m in parsed.indicators} == {BBND, "SP.POP.TOTL"}
    meta = next(m for m in parsed.indicators if m.code == BBND)
    assert meta.unit == "per 100 people" and meta.name.startswith("Fixed broadband")
    # the same numbers as the bundled CSV mirror
    rows = list(csv.DictReader((RAW / "wdi/indicators/it.net.bbnd.p2/data.csv").open()))
    for iso3 in ("KEN", "USA", "FRA"):
        for year in (2021, 2022, 2023):
            expected = next(
                float(r["Value"])
                for r in rows
                if r["Country Code"] == iso3 and r["Year"] == str(year)
            )
            assert value_of(parsed, iso3, year, BBND) == expected
    obs = parsed.observations
    assert set(obs["file"]) >= {f"api/{BBND}/data-p1.json", f"api/{BBND}/data-p3.json"}
    assert any("without an ISO3 code" in n for n in parsed.notes)
    # harmonised like the mirror: aggregates kept apart
    result = harmonise("wdi", parsed)
    assert "WLD" in set(result.aggregates["code"]) and "KEN" in set(result.countries["iso3"])


def test_wdi_api_error_json_names_the_url() -> None:
    with respx.mock:
        respx.get(url__startswith="https://api.worldbank.org/v2/indicator/NOPE").mock(
            return_value=httpx.Response(200, content=fixture("worldbank/error-120.json"))
        )
        with client() as c, pytest.raises(SourceError) as info:
            wdi.fetch(c, ("NOPE",))
    text = str(info.value)
    assert "120 Invalid value" in text and "https://api.worldbank.org/v2/indicator/NOPE" in text


def test_wdi_error_json_in_a_data_page_is_an_error() -> None:
    with respx.mock:
        respx.get(url__startswith="https://api.worldbank.org/v2/country/all/indicator/X").mock(
            return_value=httpx.Response(200, content=fixture("worldbank/error-120.json"))
        )
        with client() as c, pytest.raises(SourceError, match="120 Invalid value") as info:
            wb.fetch_series(c, "X", prefix="api")
    assert "per_page=20000" in str(info.value)


def test_missing_page_and_short_total_are_errors() -> None:
    files = wdi_live((BBND,))
    without = {k: v for k, v in files.items() if not k.endswith("data-p2.json")}
    with pytest.raises(SourceError, match=r"page\(s\) \[2\] of 3 missing"):
        wdi.parse(without)
    page = json.loads(files[f"api/{BBND}/data-p3.json"])
    page[1] = page[1][:-1]
    damaged = {**files, f"api/{BBND}/data-p3.json": json.dumps(page).encode()}
    with pytest.raises(SourceError, match="announced 16"):
        wdi.parse(damaged)


def test_record_of_another_indicator_is_rejected() -> None:
    files = wdi_live((BBND,))
    body = files[f"api/{BBND}/data-p1.json"].replace(b'"id":"IT.NET.BBND.P2"', b'"id":"X"', 1)
    with pytest.raises(SourceError, match="another indicator") as info:
        wdi.parse({**files, f"api/{BBND}/data-p1.json": body})
    assert info.value.row == 1 and info.value.file == f"api/{BBND}/data-p1.json"


def test_wgi_source_3_with_the_carried_csv() -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get(url__regex=r"^https://api\.worldbank\.org/").mock(
            side_effect=lambda r: httpx.Response(
                200, content=(WB / f"{r.url.path.rsplit('/', 1)[1]}-p1.json").read_bytes()
            )
        )
        with client() as c:
            files = wgi.fetch(c)
    assert route.call_count == 18
    assert all(call.request.url.params["source"] == "3" for call in route.calls)
    bundled = (RAW / "wgi" / wgi.FILE).read_bytes()
    parsed = wgi.parse({**files, wgi.FILE: bundled})
    assert len(parsed.indicators) == 36
    offline = wgi.parse({wgi.FILE: bundled})
    for code in ("WGI.GE.EST", "WGI.CC.SD", "WGI.VA.NSRC"):
        assert value_of(parsed, "KEN", 2023, code) == value_of(offline, "KEN", 2023, code)
    # COD is the API's code where the CSV has ZAR
    assert value_of(parsed, "COD", 2023, "WGI.GE.EST") == value_of(
        offline, "ZAR", 2023, "WGI.GE.EST"
    )
    est = parsed.observations[parsed.observations["indicator"] == "WGI.GE.EST"]
    assert set(est["file"]) == {"api/GOV_WGI_GE.EST/data-p1.json"}
    pct = parsed.observations[parsed.observations["indicator"] == "WGI.GE.PCT"]
    assert set(pct["file"]) == {wgi.FILE}
    # without the carried file only the API measures are declared
    assert len(wgi.parse(files).indicators) == 18


def test_imf_datamapper_with_the_carried_oxford_file() -> None:
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        with client() as c:
            files = ari.fetch(c)
    assert sorted(files) == [f"imf/{s}.json" for s in sorted(ari.IMF_SERIES)]
    bundled = (RAW / "ai_readiness_indices" / ari.FILE).read_bytes()
    parsed = ari.parse({**files, ari.FILE: bundled})
    offline = ari.parse({ari.FILE: bundled})
    for code in ("IMF.AIPI", "IMF.AIPI.DI", "IMF.AIPI.RE"):
        assert value_of(parsed, "KEN", 2023, code) == value_of(offline, "KEN", 2023, code)
    assert value_of(parsed, "USA", 2023, "OXF.GAIRI") == value_of(offline, "USA", 2023, "OXF.GAIRI")
    files_of = {k: set(g["file"]) for k, g in parsed.observations.groupby("indicator")}
    assert files_of["IMF.AIPI"] == {"imf/AI_PI.json"} and files_of["OXF.GAIRI"] == {ari.FILE}
    result = harmonise("ai_readiness_indices", parsed)
    assert "ADVEC" in set(result.aggregates["code"])


def test_imf_unknown_indicator_answer() -> None:
    files = {f"imf/{s}.json": fixture(f"imf/{s}.json") for s in ari.IMF_SERIES}
    files["imf/DI.json"] = b'{"api": {"version": "1", "output-method": "json"}}'
    with pytest.raises(SourceError) as info:
        ari.parse(files)
    assert info.value.file == "imf/DI.json"
    del files["imf/DI.json"]
    with pytest.raises(SourceError, match="missing"):
        ari.parse(files)


def test_owid_grapher_csv_and_metadata() -> None:
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        with client() as c:
            files = net.fetch(c)
    parsed = net.parse(files)
    assert value_of(parsed, "USA", 2022, "OWID.INTERNET_USERS") == pytest.approx(97.1299)
    assert any("last updated" in n for n in parsed.notes)
    broken = {**files, f"{net.SLUG}.metadata.json": b'{"columns": '}
    with pytest.raises(SourceError, match="truncated"):
        net.parse(broken)


def test_csv_from_the_api_text_is_read_with_io() -> None:
    # the excerpt is a real comma-delimited grapher CSV (the bundled copy is ';')
    text = fixture(f"owid/{net.SLUG}.csv").decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["Entity", "Code", "Year", net.VALUE_COLUMN]
