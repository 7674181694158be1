from __future__ import annotations

import io

import pandas as pd
import pytest
from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import check_shape, expect_error, real_files, value_of

from aicap.sources import epoch_ai_models_2025_12 as m

USA, GBR = "United States of America", "United Kingdom of Great Britain and Northern Ireland"
NOTABLE_H = (
    "Model,Organization,Publication date,Domain,Training compute (FLOP),"
    "Model accessibility,Country (of organization),Frontier model,Abstract"
)
LARGE_H = (
    "Model,Domain,Model accessibility,Publication date,Organization,Training compute (FLOP),"
    "Country (of organization)"
)
FRONT_H = (
    "Model accessibility,Organization,Country (of organization),Model,Publication date,"
    "Training compute (FLOP)"
)


def csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD = {
    m.NOTABLE: csv(
        NOTABLE_H,
        [
            f'GPT-4,OpenAI,2023-03-15,Language,2.1e25,API access,{USA},True,"multi\nline"',
            f'Gemini,"Google DeepMind,Google",2023-12-06,Multimodal,5e25,'
            f'Open weights (unrestricted),"{USA},{GBR},Multinational",,x',
            f'LLaVA,"UW,Microsoft",2023-04-17,Vision,,,"{USA},{USA}",,y',
        ],
    ),
    m.LARGE: csv(LARGE_H, [f"GPT-4,Language,API access,2023-03-15,OpenAI,2.1e25,{USA}"]),
    m.FRONTIER: csv(FRONT_H, [f"API access,OpenAI,{USA},GPT-4,2023-03-15,2.1e25"]),
}


def test_records_and_counts() -> None:
    parsed = m.parse(GOOD)
    check_shape(parsed)
    check_records_shape(parsed, m.SOURCE.id)
    assert value_of(parsed, USA, 2023, "EPOCH.M25.NOTABLE.N") == 3
    assert value_of(parsed, GBR, 2023, "EPOCH.M25.NOTABLE.N") == 1
    assert value_of(parsed, USA, 2023, "EPOCH.M25.FRONTIER.N") == 1
    # fractional (the index's input): GPT-4 1, Gemini 1/3 (of 3 tokens), LLaVA 2 x 1/2
    assert value_of(parsed, USA, 2023, m.NOTABLE_FRAC) == pytest.approx(1 + 1 / 3 + 1)
    assert value_of(parsed, GBR, 2023, m.NOTABLE_FRAC) == pytest.approx(1 / 3)
    models = parsed.records["models"]
    assert list(models["tier"]) == ["notable"] * 3 + ["large_scale", "frontier"]
    assert models["open_weights"].tolist()[:3] == [False, True, None] or (
        models["open_weights"].isna().iloc[2] and models["open_weights"].iloc[1]
    )
    assert list(models["n_countries"])[:3] == [1, 3, 1]
    links = parsed.records["model_countries"]
    gem = links[links["model"] == "Gemini"]
    assert list(gem["position"]) == [1, 2, 3] and set(gem["n_tokens"]) == {3}
    llava = links[links["model"] == "LLaVA"]
    assert len(llava) == 2  # repeats kept for fractional counting


def test_multinational_is_excluded_not_an_error() -> None:
    result = harmonise_all(m.SOURCE.id, m.parse(GOOD))
    links = result.records["model_countries"]
    multi = links[links["country_entity"] == "Multinational"]
    assert multi["iso3"].isna().all()
    assert multi["country_resolution"].iloc[0].startswith("excluded: ")
    assert "Multinational" in result.excluded


def test_bad_inputs() -> None:
    files = dict(GOOD)
    files[m.LARGE] = GOOD[m.LARGE].replace(b"2.1e25", b"big")
    expect_error(m.parse, files, file=m.LARGE, row=2, column="Training compute (FLOP)")
    files = dict(GOOD)
    files[m.NOTABLE] = GOOD[m.NOTABLE].replace(b"2023-03-15", b"March 2023")
    expect_error(m.parse, files, file=m.NOTABLE, column="Publication date", value="March 2023")
    files = dict(GOOD)
    files[m.FRONTIER] = GOOD[m.FRONTIER] + GOOD[m.FRONTIER].split(b"\n")[1] + b"\n"
    expect_error(m.parse, files, file=m.FRONTIER, row=3, message="model listed twice")
    files = dict(GOOD)
    del files[m.FRONTIER]
    expect_error(m.parse, files, file=m.FRONTIER, message="required file missing")


def test_real_files() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    models = parsed.records["models"]
    assert (models["tier"] == "notable").sum() == 965
    assert (models["tier"] == "large_scale").sum() == 481
    assert (models["tier"] == "frontier").sum() == 137
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    obs = result.countries
    notable = obs[obs["indicator"] == "EPOCH.M25.NOTABLE.N"].groupby("iso3")["value"].sum()
    # independent count with pandas: models listing the country at least once (SOURCE.md's
    # 837 / 201 count tokens, so a model by two US organisations counts twice there)
    raw = pd.read_csv(io.BytesIO(real_files(m.SOURCE.id)[m.NOTABLE]), dtype=str)
    country = raw["Country (of organization)"].fillna("")
    tokens = country.str.split(",").map(lambda ts: {t.strip() for t in ts})
    assert notable["USA"] == int(tokens.map(lambda s: USA in s).sum())
    assert notable["CHN"] == int(tokens.map(lambda s: "China" in s).sum())
    assert int(country.str.count(USA).sum()) == 837


test_fuzz_mutations = fuzz(m.parse, GOOD, m.NOTABLE)
test_fuzz_arbitrary = arbitrary(m.parse, (m.NOTABLE, m.LARGE, m.FRONTIER))
