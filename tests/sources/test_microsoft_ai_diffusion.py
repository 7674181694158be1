from __future__ import annotations

import httpx
import pytest
import respx
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import microsoft_ai_diffusion as ms
from aicap.sources.base import SourceError

F = ms.FILE
HEADER = b"Economy,H1 2025 AI Diffusion,H2 2025 AI Diffusion,Q1 2026 AI Diffusion\r\n"
GOOD = (
    HEADER
    + b"United Arab Emirates,59.40%,64.00%,70.10%\r\n"
    + b"T\x9frkiye,20.00%,21.50%,23.10%\r\n"  # Mac Roman 0x9F = u-umlaut
    + b"Congo (DRC),5.10%,,6.10%"
)


def test_happy_path_mac_roman() -> None:
    parsed = ms.parse({F: GOOD})
    check_shape(parsed)
    assert value_of(parsed, "United Arab Emirates", 2025, "MS.AIDIFF.H1") == 59.4
    assert value_of(parsed, "United Arab Emirates", 2025, "MS.AIDIFF.H2") == 64.0
    assert value_of(parsed, "United Arab Emirates", 2026, "MS.AIDIFF.Q1") == 70.1
    assert value_of(parsed, "Türkiye", 2026, "MS.AIDIFF.Q1") == 23.1
    assert len(parsed.observations) == 3 + 3 + 2  # empty H2 cell dropped
    assert "decoded as mac_roman" in parsed.notes
    assert {m.unit for m in parsed.indicators} == {"% of working-age population"}


def test_utf8_copy_reads_the_same() -> None:
    utf8 = GOOD.decode("mac_roman").encode("utf-8")
    a, b = ms.parse({F: GOOD}), ms.parse({F: utf8})
    assert a.observations.equals(b.observations)


def test_wrong_encoding_is_detected_by_name() -> None:
    # Latin-1 "ü" (0xFC) is not UTF-8; read as Mac Roman it becomes a cedilla, not a letter
    data = GOOD.replace(b"T\x9frkiye", b"T\xfcrkiye")
    expect_error(ms.parse, {F: data}, file=F, row=3, column="Economy", message="encoding")


def test_truncated() -> None:
    expect_error(ms.parse, {F: GOOD + b"\r\nNorway,45.30%"}, file=F, row=5)


def test_wrong_delimiter() -> None:
    expect_error(ms.parse, {F: GOOD.replace(b",", b";")}, file=F, column="Economy")


def test_non_numeric() -> None:
    data = GOOD.replace(b"64.00%", b"64.00 pct")
    expect_error(ms.parse, {F: data}, file=F, row=2, column="H2 2025 AI Diffusion")


def test_duplicate_with_different_values() -> None:
    data = GOOD + b"\r\nUnited Arab Emirates,59.50%,64.00%,70.10%\r\n"
    expect_error(ms.parse, {F: data}, file=F, row=5, message="MS.AIDIFF.H1")


def test_missing_column() -> None:
    data = GOOD.replace(b",Q1 2026 AI Diffusion", b",Q1 2026")
    expect_error(ms.parse, {F: data}, file=F, row=1, column="Q1 2026 AI Diffusion")


def test_empty_file() -> None:
    expect_error(ms.parse, {F: b""}, file=F, message="empty")


def test_fetch_returns_the_file_parse_reads() -> None:
    with respx.mock:
        respx.get(ms.SOURCE.live_url).mock(return_value=httpx.Response(200, content=GOOD))
        with httpx.Client() as client:
            files = ms.fetch(client)
    assert set(files) == {F}
    assert len(ms.parse(files).observations) == 8


def test_fetch_failure_is_a_source_error() -> None:
    with respx.mock:
        respx.get(ms.SOURCE.live_url).mock(return_value=httpx.Response(404))
        with httpx.Client() as client, pytest.raises(SourceError, match="404"):
            ms.fetch(client)


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = ms.parse(real_files("microsoft_ai_diffusion"))
    check_shape(parsed)
    assert value_of(parsed, "United Arab Emirates", 2026, "MS.AIDIFF.Q1") == 70.1
    assert value_of(parsed, "United Arab Emirates", 2025, "MS.AIDIFF.H1") == 59.4
    assert value_of(parsed, "Singapore", 2026, "MS.AIDIFF.Q1") == 63.4
    assert value_of(parsed, "Türkiye", 2026, "MS.AIDIFF.Q1") > 0
    result = harmonise("microsoft_ai_diffusion", parsed)
    assert result.warnings == []
    iso = set(result.countries["iso3"])
    assert len(iso) == 147
    assert {"ARE", "TUR", "KOR", "COD", "COG", "CIV", "USA"} <= iso
