from __future__ import annotations

import json

import pytest
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import ai_readiness_indices as air

F = air.FILE


def doc(**overrides: object) -> dict[str, object]:
    metrics: dict[str, object] = {
        "diffusion": {"ARE": 70.1},
        "readiness": {"USA": 0.77126908302307, "ADVEC": 0.68, "SGP": 0.80},
        "readinessMeta": {"id": "imf-aipi", "year": 2023},
        "readinessSubIndices": {
            "USA": {
                "digitalInfrastructure": 0.19,
                "humanCapital": 0.18,
                "innovation": 0.18,
                "regulationEthics": 0.22,
            },
            "TWN": {
                "digitalInfrastructure": None,
                "humanCapital": 0.2,
                "innovation": 0.13,
                "regulationEthics": 0.18,
            },
        },
        "readinessSubIndexMeta": {"year": 2023},
        "governmentReadiness": {"USA": 84.8, "SGP": 81.97},
        "oxfordMeta": {"year": 2023},
    }
    metrics.update(overrides)
    return {"generatedAt": "2026-06-30T14:10:06Z", "sources": [], "metrics": metrics}


def encode(d: object) -> bytes:
    return json.dumps(d, indent=2).encode()


def test_happy_path() -> None:
    parsed = air.parse({F: encode(doc())})
    check_shape(parsed)
    assert value_of(parsed, "USA", 2023, "IMF.AIPI") == pytest.approx(0.771269083)
    assert value_of(parsed, "ADVEC", 2023, "IMF.AIPI") == 0.68
    assert value_of(parsed, "USA", 2023, "IMF.AIPI.DI") == 0.19
    assert value_of(parsed, "USA", 2023, "IMF.AIPI.HCLMP") == 0.18
    assert value_of(parsed, "USA", 2023, "IMF.AIPI.RE") == 0.22
    assert value_of(parsed, "USA", 2023, "OXF.GAIRI") == 84.8
    obs = parsed.observations
    # null pillar dropped; Microsoft blocks not read
    assert not ((obs["entity"] == "TWN") & (obs["indicator"] == "IMF.AIPI.DI")).any()
    assert "ARE" not in set(obs["entity"])
    assert len(obs) == 3 + 4 + 3 + 2
    licences = {m.code: m.licence for m in parsed.indicators}
    assert licences["OXF.GAIRI"] == "CC BY 4.0"
    assert "IMF" in licences["IMF.AIPI"] and "IMF" in licences["IMF.AIPI.IEI"]


def test_rows_are_json_lines() -> None:
    text = encode(doc())
    parsed = air.parse({F: text})
    lines = text.decode().splitlines()
    for _, obs in parsed.observations.iterrows():
        assert f'"{obs["entity"]}"' in lines[int(obs["row"]) - 1]


def test_year_from_meta() -> None:
    parsed = air.parse({F: encode(doc(oxfordMeta={"year": 2024}))})
    assert value_of(parsed, "USA", 2024, "OXF.GAIRI") == 84.8


def test_truncated() -> None:
    text = encode(doc())
    expect_error(air.parse, {F: text[: len(text) // 2]}, file=F, message="truncated")


def test_wrong_encoding() -> None:
    text = encode(doc()).replace(b'"2026-06-30T14:10:06Z"', '"Türkiye"'.encode("latin-1"))
    expect_error(air.parse, {F: text}, file=F, row=2, message="utf-8")


def test_non_numeric() -> None:
    text = encode(doc(governmentReadiness={"USA": "84.8"}))
    err = expect_error(
        air.parse, {F: text}, file=F, column="metrics.governmentReadiness.USA", value="84.8"
    )
    assert err.row is not None and '"USA"' in text.decode().splitlines()[err.row - 1]


def test_boolean_and_nan_are_not_numbers() -> None:
    expect_error(air.parse, {F: encode(doc(readiness={"USA": True}))}, file=F, value=True)
    text = encode(doc()).replace(b"84.8", b"NaN")
    expect_error(air.parse, {F: text}, file=F, message="number")


def test_missing_block() -> None:
    d = doc()
    del d["metrics"]["governmentReadiness"]  # type: ignore[attr-defined]
    expect_error(air.parse, {F: encode(d)}, file=F, column="metrics.governmentReadiness")


def test_wrong_shape() -> None:
    text = encode(doc(readinessSubIndices={"USA": 0.5}))
    expect_error(air.parse, {F: text}, file=F, column="metrics.readinessSubIndices.USA")
    expect_error(air.parse, {F: b"[1, 2]"}, file=F, column="(root)")


def test_unknown_pillar() -> None:
    text = encode(doc(readinessSubIndices={"USA": {"ethics": 0.1}}))
    expect_error(air.parse, {F: text}, file=F, value="ethics")


def test_empty_file() -> None:
    expect_error(air.parse, {F: b"\n"}, file=F, message="empty")


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = air.parse(real_files("ai_readiness_indices"))
    check_shape(parsed)
    assert value_of(parsed, "USA", 2023, "IMF.AIPI") == pytest.approx(0.771, abs=5e-4)
    assert value_of(parsed, "SGP", 2023, "IMF.AIPI") == pytest.approx(0.801, abs=5e-4)
    assert value_of(parsed, "USA", 2023, "OXF.GAIRI") == 84.80
    assert value_of(parsed, "SGP", 2023, "OXF.GAIRI") == 81.97
    obs = parsed.observations
    usa = obs[(obs["entity"] == "USA") & obs["indicator"].str.startswith("IMF.AIPI.")]
    assert usa["value"].sum() == pytest.approx(value_of(parsed, "USA", 2023, "IMF.AIPI"))
    assert not obs["indicator"].str.startswith("MS.").any()
    result = harmonise("ai_readiness_indices", parsed)
    assert result.warnings == []
    assert {"ADVEC", "EME", "EU", "WE", "LIC"} <= set(result.aggregates["code"])
    gairi = result.countries[result.countries["indicator"] == "OXF.GAIRI"]
    assert gairi["iso3"].nunique() == 193
