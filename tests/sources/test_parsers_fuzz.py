"""Property tests: whatever bytes a publisher module is given, ``parse`` returns a ``Parsed``
or raises a ``SourceError`` -- never any other exception."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsers_support import check_shape

from aicap.sources import (
    ai_readiness_indices,
    epoch_notable_ai_models,
    geo,
    microsoft_ai_diffusion,
    owid_ai_publications,
    owid_internet_users,
    un_egdi,
    undp_hdr,
    wdi,
    wgi,
)
from aicap.sources.base import Parsed, SourceError

ParseFn = Callable[[Mapping[str, bytes]], Parsed]

_AIR = {
    "sources": [],
    "metrics": {
        "readiness": {"USA": 0.771, "ADVEC": 0.68},
        "readinessMeta": {"year": 2023},
        "readinessSubIndices": {
            "USA": {
                "digitalInfrastructure": 0.19,
                "humanCapital": None,
                "innovation": 0.18,
                "regulationEthics": 0.22,
            }
        },
        "governmentReadiness": {"USA": 84.8},
    },
}
_EPOCH_HEADER = (
    "Model,Organization,Publication date,Domain,Training compute (FLOP),"
    "Organization categorization,Country (of organization),Notability criteria,,,"
)
_GEO = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "FJI",
            "properties": {"name": "Fiji"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]},
        }
    ],
}

#: source -> (parse, real-shaped files that parse)
CASES: dict[str, tuple[ParseFn, dict[str, bytes]]] = {
    "wdi": (
        wdi.parse,
        {
            "indicators/sp.pop.totl/data.csv": b"Country Name,Country Code,Year,Value\r\n"
            b"Aruba,ABW,1960,54608\r\nWorld,WLD,1960,3031474234\r\n",
            "indicators/sp.pop.totl/datapackage.json": b'{"title": "Population, total", '
            b'"readme": "Total population", "licenses": [{"name": "CC-BY-4.0"}]}',
        },
    ),
    "wgi": (
        wgi.parse,
        {
            wgi.FILE: b"\xef\xbb\xbfcodeindyr,code,countryname,year,indicator,estimate,stddev,"
            b"nsource,pctrank,pctranklower,pctrankupper\r\n"
            b"AFGcc1996,AFG,Afghanistan,1996,cc,-1.29,0.34,2,4.3,0.0,27.4\r\n"
            b"ASMcc1996,ASM,American Samoa,1996,cc,..,..,..,..,..,..\r\n"
        },
    ),
    "un_egdi": (
        un_egdi.parse,
        {
            un_egdi.FILE: b"Survey Year,Country,Rank,E_Index,E_Participation,Online_Service,"
            b"Human_Capital,Tele_Infra,Region\r\n"
            b"2024,Denmark ,1,0.98474,0.9,0.99,0.96,0.99,Europe\r\n"
            b"2024,T\xc3\xbcrkiye,27,0.89,0.8,0.9,0.85,0.9,Asia\r\n"
        },
    ),
    "undp_hdr": (
        undp_hdr.parse,
        {
            undp_hdr.FILE: b"\xef\xbb\xbfiso3,country,hdicode,region,hdi_rank_2022,hdi_1990,"
            b"hdi_2022,eys_2022\r\nAFG,Afghanistan,Low,SA,182,0.284,0.462,10.7\r\n"
            b"ZZK.WORLD,World,,,,0.601,0.739,NaN\r\n"
        },
    ),
    "ai_readiness_indices": (
        ai_readiness_indices.parse,
        {ai_readiness_indices.FILE: json.dumps(_AIR, indent=2).encode()},
    ),
    "microsoft_ai_diffusion": (
        microsoft_ai_diffusion.parse,
        {
            microsoft_ai_diffusion.FILE: b"Economy,H1 2025 AI Diffusion,H2 2025 AI Diffusion,"
            b"Q1 2026 AI Diffusion\r\nUnited Arab Emirates,59.40%,64.00%,70.10%\r\n"
            b"T\x9frkiye,20.00%,21.50%,23.10%"
        },
    ),
    "epoch_notable_ai_models": (
        epoch_notable_ai_models.parse,
        {
            epoch_notable_ai_models.FILE: (
                _EPOCH_HEADER + "\n"
                "GPT-4,OpenAI,2023-03-15,Language,2.1E+025,Industry,United States of America,"
                "SOTA improvement,,,\n"
                'Gemini,Google,2023-12-06,Multimodal,5E+025,"Industry,Academia",'
                '"United States of America,Multinational",,,,\n'
                "QwQ,Alibaba,2025-03-06,Language,Industry,China,SOTA improvement,,,,,,,\n"
            ).encode()
        },
    ),
    "owid_ai_publications": (
        owid_ai_publications.parse,
        {
            owid_ai_publications.FILE: b"Entity,Code,Year,Number of articles - Field: All\n"
            b"ASEAN (CSET),,2013,3509\nUnited States,USA,2023,41000\nWorld,OWID_WRL,2023,9\n"
        },
    ),
    "owid_internet_users": (
        owid_internet_users.parse,
        {
            owid_internet_users.FILE: b"Entity;Code;Year;Individuals using the Internet "
            b"(% of population)\r\nAfghanistan;AFG;1990;0\r\nUnited States;USA;2022;97.1299\r\n"
        },
    ),
    "geo": (geo.parse, {geo.FILE: json.dumps(_GEO).encode()}),
}

SOURCES = sorted(CASES)


def run(parse: ParseFn, files: Mapping[str, bytes]) -> None:
    """The property: a Parsed with the documented shape, or a SourceError."""
    try:
        parsed = parse(files)
    except SourceError as err:
        assert str(err)  # the message renders
        return
    assert isinstance(parsed, Parsed)
    check_shape(parsed)


@pytest.mark.parametrize("source", SOURCES)
def test_fixtures_parse(source: str) -> None:
    parse, files = CASES[source]
    parsed = parse(files)
    assert isinstance(parsed, Parsed)
    assert source == "geo" or len(parsed.observations) > 0


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few random edits: byte flips, insertions (bytes or CSV/JSON
    punctuation), deletions, truncation, a duplicated line, a changed delimiter."""
    data = bytearray(base)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["flip", "insert", "token", "delete", "cut", "dup", "delim"]))
        pos = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(min_value=0, max_value=255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            token = draw(
                st.sampled_from(
                    [b",", b";", b'"', b"\n", b"\r\n", b"..", b"NaN", b"1e999", b"-", b"{", b"]",
                     b"null", b"true", b'"x":', b"\xef\xbb\xbf", b"\x00", b"\xff", b"%"]
                )
            )  # fmt: skip
            data[pos:pos] = token
        elif op == "delete":
            end = draw(st.integers(min_value=pos, max_value=min(len(data), pos + 20)))
            del data[pos:end]
        elif op == "cut":
            del data[pos:]
        elif op == "dup":
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines.insert(i, lines[i])
            data = bytearray(b"\n".join(lines))
        elif op == "delim":
            old, new = draw(st.sampled_from([(b",", b";"), (b";", b","), (b",", b"\t")]))
            data = bytearray(bytes(data).replace(old, new))
    return bytes(data)


@st.composite
def mutated_files(draw: st.DrawFn, files: dict[str, bytes]) -> dict[str, bytes]:
    key = draw(st.sampled_from(sorted(files)))
    out = dict(files)
    out[key] = draw(mutated(files[key]))
    return out


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes(source: str, data: st.DataObject) -> None:
    parse, files = CASES[source]
    fuzzed = {k: data.draw(st.binary(max_size=600), label=k) for k in files}
    run(parse, fuzzed)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_csv_and_json_like_text(source: str, data: st.DataObject) -> None:
    parse, files = CASES[source]
    alphabet = st.sampled_from([*',;\t\n\r"{}[]:.-+eE%0123456789 aAZzü', "..", "null"])
    fuzzed = dict(files)
    key = data.draw(st.sampled_from(sorted(files)))
    first_line = files[key].split(b"\n", 1)[0] + b"\n"
    body = "".join(data.draw(st.lists(alphabet, max_size=200))).encode()
    fuzzed[key] = data.draw(st.sampled_from([body, first_line + body]))
    run(parse, fuzzed)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_mutated_real_shaped_files(source: str, data: st.DataObject) -> None:
    parse, files = CASES[source]
    run(parse, data.draw(mutated_files(files)))
