from __future__ import annotations

import httpx
import pytest
import respx
from parsers_support import check_shape, expect_error, harmonise, real_files, value_of

from aicap.sources import epoch_notable_ai_models as epoch

F = epoch.FILE
NAMED = [
    "Model",
    "Organization",
    "Publication date",
    "Domain",
    "Training compute (FLOP)",
    "Abstract",
    "Organization categorization",
    "Country (of organization)",
    "Notability criteria",
]
PAD = 4  # trailing empty header fields, as in Epoch's export
HEADER = ",".join(NAMED) + "," * PAD
USA, GBR = "United States of America", "United Kingdom of Great Britain and Northern Ireland"


def row(*fields: str) -> str:
    cells = [f'"{f}"' if ("," in f or "\n" in f) else f for f in fields]
    cells += [""] * (len(NAMED) + PAD - len(fields))
    return ",".join(cells)


GOOD_ROWS = [
    row("GPT-4", "OpenAI", "2023-03-15", "Language", "2.1E+025", "x", "Industry", USA),
    row(
        "Gemini",
        "Google DeepMind,Google",
        "2023-12-06",
        "Multimodal",
        "5.0E+025",
        "y",
        "Industry,Industry",
        f"{USA},{GBR},Multinational",
    ),
    row(
        "LLaVA",
        "UW,Microsoft",
        "2023-04-17",
        "Vision",
        "",
        "z",
        "Academia,Industry",
        f"{USA},{USA}",
    ),
    row("ELIZA", "MIT", "1966-01-01", "Language", "", "", "", ""),
]
GOOD = ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode()


def test_counts_whole_and_fractional() -> None:
    parsed = epoch.parse({F: GOOD})
    check_shape(parsed)
    assert value_of(parsed, USA, 2023, "EPOCH.NOTABLE.N") == 3
    assert value_of(parsed, GBR, 2023, "EPOCH.NOTABLE.N") == 1
    assert value_of(parsed, "Multinational", 2023, "EPOCH.NOTABLE.N") == 1
    # GPT-4 1 + Gemini 1/3 + LLaVA 2/2
    assert value_of(parsed, USA, 2023, "EPOCH.NOTABLE.NFRAC") == pytest.approx(1 + 1 / 3 + 1)
    assert value_of(parsed, GBR, 2023, "EPOCH.NOTABLE.NFRAC") == pytest.approx(1 / 3)
    assert value_of(parsed, USA, 2023, "EPOCH.NOTABLE.FLOP_MAX") == 5.0e25
    assert value_of(parsed, GBR, 2023, "EPOCH.NOTABLE.FLOP_MAX") == 5.0e25
    assert value_of(parsed, USA, 2023, "EPOCH.NOTABLE.N") == 3
    assert any("no country" in n and "ELIZA" in n for n in parsed.notes)
    assert "3 models counted" in parsed.notes
    obs = parsed.observations
    assert obs.loc[obs["entity"] == GBR, "row"].unique().tolist() == [3]


def test_ragged_row_with_fields_shifted_left() -> None:
    # like QwQ-32B: fewer leading fields than the header says, then a merged second record
    ragged = "QwQ-32B,Alibaba,2025-03-06,Language,3.51E+024,Industry,China,SOTA improvement"
    ragged += "," * 10 + "Mistral OCR,Industry,France,SOTA improvement"
    data = ("\n".join([HEADER, *GOOD_ROWS, ragged]) + "\n").encode()
    parsed = epoch.parse({F: data})
    assert value_of(parsed, "China", 2025, "EPOCH.NOTABLE.N") == 1
    assert "France" not in set(parsed.observations["entity"])
    assert any("QwQ-32B" in n and "misaligned" in n for n in parsed.notes)
    assert (
        not (parsed.observations["indicator"] == "EPOCH.NOTABLE.FLOP_MAX")
        .loc[parsed.observations["entity"] == "China"]
        .any()
    )


def test_shifted_row_with_category_in_country_column() -> None:
    # like VGG16: a stray field pushes the category into the country column
    shifted = row("VGG16", "Oxford", "2014-09-04", "Vision", "", "a", "", "Academia", GBR)
    data = ("\n".join([HEADER, shifted]) + "\n").encode()
    parsed = epoch.parse({F: data})
    assert value_of(parsed, GBR, 2014, "EPOCH.NOTABLE.N") == 1
    assert "Academia" not in set(parsed.observations["entity"])


def test_unlocatable_and_undated_rows_are_noted() -> None:
    absent = row(
        "ReALM", "Apple", "2024-03-29", "Language", "", "b", "x", "Industry", "SOTA improvement"
    )
    undated = row("Pixtral", "Mistral", "NVIDIA V100", "Vision", "", "c", "Industry", "France")
    data = ("\n".join([HEADER, *GOOD_ROWS, absent, undated]) + "\n").encode()
    parsed = epoch.parse({F: data})
    notes = " ".join(parsed.notes)
    assert "ReALM" in notes and "Pixtral" in notes
    assert "France" not in set(parsed.observations["entity"])


def test_truncated_row() -> None:
    data = GOOD + b"Claude,Anthropic,2024"
    expect_error(epoch.parse, {F: data}, file=F, row=6, message="truncated")


def test_truncated_inside_quotes() -> None:
    data = GOOD + b'Claude,Anthropic,2024-03-04,Language,,"An abstract that never'
    expect_error(epoch.parse, {F: data}, file=F, row=6, message="truncated")


def test_wrong_delimiter() -> None:
    data = GOOD.replace(b",", b";")
    expect_error(epoch.parse, {F: data}, file=F, row=1, column="Model", message="';'")


def test_wrong_encoding() -> None:
    data = GOOD.replace(b"OpenAI", "Zürich".encode("latin-1"))
    expect_error(epoch.parse, {F: data}, file=F, row=2, message="utf-8")


def test_non_numeric_compute() -> None:
    data = GOOD.replace(b"2.1E+025", b"about 2e25")
    expect_error(
        epoch.parse, {F: data}, file=F, row=2, column="Training compute (FLOP)", value="about 2e25"
    )


def test_missing_column() -> None:
    data = GOOD.replace(b"Country (of organization)", b"Country")
    expect_error(epoch.parse, {F: data}, file=F, row=1, column="Country (of organization)")


def test_empty_and_countryless_files() -> None:
    expect_error(epoch.parse, {F: b""}, file=F, message="empty")
    data = ("\n".join([HEADER, GOOD_ROWS[-1]]) + "\n").encode()
    expect_error(epoch.parse, {F: data}, file=F, message="no model")


def test_fetch() -> None:
    with respx.mock:
        respx.get(epoch.SOURCE.live_url).mock(return_value=httpx.Response(200, content=GOOD))
        with httpx.Client() as client:
            files = epoch.fetch(client)
    assert value_of(epoch.parse(files), USA, 2023, "EPOCH.NOTABLE.N") == 3


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = epoch.parse(real_files("epoch_notable_ai_models"))
    check_shape(parsed)
    obs = parsed.observations
    n = obs[obs["indicator"] == "EPOCH.NOTABLE.N"]
    totals = n.groupby("entity")["value"].sum()
    # SOURCE.md counts tokens with repeats (USA 851); distinct models per country are fewer
    assert totals[USA] == 639
    assert totals["China"] == 131
    assert totals[GBR] == 129
    assert totals.idxmax() == USA
    assert value_of(parsed, "China", 2025, "EPOCH.NOTABLE.N") >= 1  # QwQ-32B, the ragged row
    # Falcon-40B and Falcon-180B (both misaligned rows, realigned) and Jais
    assert value_of(parsed, "United Arab Emirates", 2023, "EPOCH.NOTABLE.N") == 3
    assert "935 models counted" in parsed.notes
    assert any("QwQ-32B" in note for note in parsed.notes)
    frac = obs[obs["indicator"] == "EPOCH.NOTABLE.NFRAC"]["value"].sum()
    assert frac == pytest.approx(935, abs=1e-6)
    assert value_of(parsed, USA, 2023, "EPOCH.NOTABLE.FLOP_MAX") > 1e25
    result = harmonise("epoch_notable_ai_models", parsed)
    assert result.warnings == []
    assert set(result.excluded) == {"Multinational"}
    assert {"USA", "CHN", "GBR", "KOR", "HKG", "TWN", "IRN", "RUS", "ARE"} <= set(
        result.countries["iso3"]
    )
