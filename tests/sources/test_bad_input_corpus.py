"""A corpus of bad inputs (issue 25, item 6): one altered copy of a real snapshot file per case,
across every source, each refused with an error naming the file, row, column, value and rule,
or flagged under its documented rule. Each case goes through what ingest does to a changed
source (parse, the validity rules, the harmoniser), on the real files of the snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from parsers_support import RAW, module, real_files, reference

from aicap.sources.base import SourceError
from aicap.sources.registry import SourceFolder
from aicap.warehouse.ingest import _stage_source, _Staged


def stage(source: str, files: Mapping[str, bytes]) -> _Staged:
    """Parse, check and harmonise ``files`` as ingest does for a changed source."""
    mod = module(source)
    staged = _Staged(SourceFolder(source, RAW / source, mod), mod.SOURCE, "", dict(files), "")
    _stage_source(staged, reference())
    return staged


def altered(source: str, file: str, old: bytes, new: bytes, *, keep: str = "") -> dict[str, bytes]:
    """The source's real files (only those whose path starts with ``keep``, when given) with
    the first ``old`` in ``file`` replaced by ``new``."""
    files = {k: v for k, v in real_files(source).items() if k.startswith(keep)}
    assert old in files[file], f"{source}/{file} no longer holds {old!r}"
    files[file] = files[file].replace(old, new, 1)
    return files


WDI = "indicators/sp.pop.totl/data.csv"
MS = "AI_Diffusion_Q12026_Update.csv"
EGDI = "EGOV_DATA_2024.csv"
HDR = "HDR23-24_Composite_indices_complete_time_series.csv"
AIR = "global-ai-metrics.json"
PUBS = "annual-scholarly-publications-on-artificial-intelligence.csv"
NET = "share-of-individuals-using-the-internet.csv"

#: id -> (source, file, old, new, keep, expected file, row, column, value, words in the message)
CASES: dict[str, tuple[str, str, bytes, bytes, str, str, int | None, str, object, str]] = {
    "percentage of 250": (
        "microsoft_ai_diffusion",
        MS,
        b"Kenya,7.80%",
        b"Kenya,250.00%",
        "",
        MS,
        None,
        "H1 2025 AI Diffusion",
        250.0,
        "rule 'share'",
    ),
    "percentage of -5": (
        "owid_internet_users",
        NET,
        b"Kenya;KEN;2020;27.5774",
        b"Kenya;KEN;2020;-5",
        "",
        NET,
        None,
        "Individuals using the Internet (% of population)",
        -5.0,
        "rule 'share'",
    ),
    "index above its 0-1 scale": (
        "un_egdi",
        EGDI,
        b"Kenya ,109,0.63140",
        b"Kenya ,109,1.63140",
        "",
        EGDI,
        None,
        "E_Index",
        1.6314,
        "rule 'index_0_1'",
    ),
    "HDI above 1": (
        "undp_hdr",
        HDR,
        b"KEN,Kenya,Medium,SSA,146,0.48,",
        b"KEN,Kenya,Medium,SSA,146,1.48,",
        "",
        HDR,
        None,
        "hdi_1990",
        1.48,
        "rule 'index_0_1'",
    ),
    "IMF index above 1 (JSON)": (
        "ai_readiness_indices",
        AIR,
        b'"AUS": 0.72710032761097',
        b'"AUS": 1.72710032761097',
        "",
        AIR,
        None,
        "IMF.AIPI",
        1.72710032761097,
        "rule 'index_0_1'",
    ),
    "percentile rank of 150": (
        "wgi",
        "wgidataset.csv",
        b"KEN,Kenya,2023,pv,-0.94,0.23,6,14.7",
        b"KEN,Kenya,2023,pv,-0.94,0.23,6,150",
        "",
        "wgidataset.csv",
        None,
        "pctrank",
        150.0,
        "rule 'score_0_100'",
    ),
    "WGI estimate of 9": (
        "wgi",
        "wgidataset.csv",
        b"KEN,Kenya,2023,pv,-0.94",
        b"KEN,Kenya,2023,pv,9",
        "",
        "wgidataset.csv",
        None,
        "estimate",
        9.0,
        "rule 'wgi_estimate'",
    ),
    "negative count": (
        "owid_ai_publications",
        PUBS,
        b"Kenya,KEN,2020,94",
        b"Kenya,KEN,2020,-94",
        "",
        PUBS,
        None,
        "Number of articles - Field: All",
        -94.0,
        "rule 'count'",
    ),
    "negative population": (
        "wdi",
        WDI,
        b"Kenya,KEN,2020,52217334",
        b"Kenya,KEN,2020,-52217334",
        "indicators/sp.pop",
        WDI,
        None,
        "Value",
        -52217334.0,
        "rule 'quantity'",
    ),
    "observation year 2099": (
        "wdi",
        WDI,
        b"Kenya,KEN,2020,52217334",
        b"Kenya,KEN,2099,52217334",
        "indicators/sp.pop",
        WDI,
        None,
        "year",
        2099,
        "rule 'years'",
    ),
    "year 2099 in a date": (
        "epoch_ai_models_2025_12",
        "notable_ai_models.csv",
        b"Claude Opus 4.5,Anthropic,2025-11-24",
        b"Claude Opus 4.5,Anthropic,2099-11-24",
        "",
        "notable_ai_models.csv",
        2,
        "publication_date",
        "2099-11-24",
        "rule 'date'",
    ),
    "year 999 in a date": (
        "aiid_incidents",
        "incidents.csv",
        b",1,2015-05-19,",
        b",1,0999-05-19,",
        "",
        "incidents.csv",
        2,
        "date",
        "0999-05-19",
        "not a date",
    ),
    "planned date in 2099": (
        "epoch_gpu_clusters",
        "gpu_clusters.csv",
        b"Philippines (the),Alibaba,2025-10-15,",
        b"Philippines (the),Alibaba,2099-10-15,",
        "",
        "gpu_clusters.csv",
        None,
        "first_operational",
        "2099-10-15",
        "rule 'date'",
    ),
    "latitude of 999": (
        "cloud_regions",
        "aws_data.csv",
        b'"-33.928992"',
        b'"999"',
        "",
        "aws_data.csv",
        2,
        "lat",
        "999.0",
        "rule 'latitude'",
    ),
    "GeoJSON with non-numeric coordinates": (
        "geo",
        "world-countries-110m.geo.json",
        b"[[[[178.12438124381248,",
        b'[[[["x",',
        "",
        "world-countries-110m.geo.json",
        0,
        "features[id=FJI].geometry.coordinates",
        "FJI",
        "not a pair of numbers",
    ),
    "duplicate JSON key with a different value": (
        "ai_readiness_indices",
        AIR,
        b'"AUS": 0.72710032761097,',
        b'"AUS": 0.72710032761097,\n      "AUS": 0.5,',
        "",
        AIR,
        977,
        "AUS",
        None,
        "appears twice in one object with different values",
    ),
    "value column renamed to another measure": (
        "owid_ai_publications",
        PUBS,
        b"Number of articles - Field: All",
        b"Number of citations - Field: All",
        "",
        PUBS,
        1,
        "Number of citations - Field: All",
        None,
        "another measure",
    ),
    "unknown country name": (
        "microsoft_ai_diffusion",
        MS,
        b"Kenya,7.80%",
        b"Narnia,7.80%",
        "",
        MS,
        None,
        "Economy",
        "Narnia",
        "not recognised in column 'Economy'",
    ),
    "unknown country code": (
        "wdi",
        WDI,
        b"Kenya,KEN,2020",
        b"Kenya,QQQ,2020",
        "indicators/sp.pop",
        WDI,
        None,
        "Country Code",
        "QQQ",
        "not recognised in column 'Country Code'",
    ),
    "unknown country in a record table": (
        "epoch_gpu_clusters",
        "gpu_clusters.csv",
        b"Philippines (the),Alibaba",
        b"Narnia,Alibaba",
        "",
        "gpu_clusters.csv",
        None,
        "Country",
        "Narnia",
        "not recognised in record table",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_file_is_refused_with_its_location_and_rule(case: str) -> None:
    source, file, old, new, keep, efile, row, column, value, words = CASES[case]
    files = altered(source, file, old, new, keep=keep)
    with pytest.raises(SourceError) as info:
        stage(source, files)
    err = info.value
    text = str(err)
    assert err.file == efile, text
    assert words in text, text
    assert err.column == column, text
    if row == 0:  # a JSON object: no line
        assert err.row is None, text
    elif row is not None:
        assert err.row == row, text
    else:
        assert err.row is not None and err.row > 1, text
    if value is not None:
        assert err.value == value, text
        assert repr(value)[:40] in text


def test_the_real_snapshot_passes_the_rules_and_wgi_beyond_its_nominal_scale_is_flagged() -> None:
    staged = stage("wgi", real_files("wgi"))
    obs = staged.observations
    flagged = obs[obs["flags"].str.contains("outside_nominal_scale")]
    assert len(flagged) == 76  # 72 Political Stability, 3 Regulatory Quality, 1 Rule of Law
    assert set(flagged["indicator"]) == {"WGI.PV.EST", "WGI.RQ.EST", "WGI.RL.EST"}
    assert (flagged["value"].abs() > 2.5).all()
    inside = obs[obs["indicator"].str.endswith(".EST") & (obs["value"].abs() <= 2.5)]
    assert not inside["flags"].str.contains("outside_nominal_scale").any()
    # an altered estimate just beyond the nominal scale is kept and flagged, not refused
    files = altered("wgi", "wgidataset.csv", b"KEN,Kenya,2023,pv,-0.94", b"KEN,Kenya,2023,pv,-2.9")
    obs = stage("wgi", files).observations
    kenya = obs[(obs["iso3"] == "KEN") & (obs["year"] == 2023) & (obs["indicator"] == "WGI.PV.EST")]
    assert kenya["value"].tolist() == [-2.9]
    assert kenya["flags"].tolist() == ["outside_nominal_scale"]


def test_every_source_of_the_snapshot_is_in_the_corpus() -> None:
    covered = {c[0] for c in CASES.values()}
    folders = {p.name for p in Path(RAW).iterdir() if (p / "SOURCE.md").is_file()}
    # the country reference is checked by its own tests; girai and aiaaic below
    assert folders - covered - {"country_reference"} <= {
        "girai",
        "aiaaic_incidents",
        "epoch_notable_ai_models",
    }


@pytest.mark.parametrize(
    ("source", "file", "old", "new", "column", "words"),
    [
        (
            "girai",
            "girai2026_ranking_and_scores.csv",
            b"Lower middle income,6644.13,39.53",
            b"Lower middle income,6644.13,139.53",
            "GIRAI.SCORE",
            "rule 'score_0_100'",
        ),
        (
            "aiaaic_incidents",
            "aiaaic-repository-incidents.csv",
            b"speaking to Discord AI bot,2025,",
            b"speaking to Discord AI bot,2099,",
            "year",
            "rule 'year'",
        ),
        (
            "epoch_notable_ai_models",
            "notable_ai_models.csv",
            b"Pangu Ultra,Huawei,2025-04-10",
            b"Pangu Ultra,Huawei,2099-04-10",
            None,
            "2099",
        ),
    ],
)
def test_more_sources(
    source: str, file: str, old: bytes, new: bytes, column: str | None, words: str
) -> None:
    files = altered(source, file, old, new)
    with pytest.raises(SourceError) as info:
        stage(source, files)
    text = str(info.value)
    assert info.value.file == file and words in text, text
    if column is not None:
        assert info.value.column == column, text


def test_the_docs_show_the_real_message_and_counts() -> None:
    docs = " ".join((Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text().split())
    files = altered("microsoft_ai_diffusion", MS, b"Kenya,7.80%", b"Kenya,250.00%")
    with pytest.raises(SourceError) as info:
        stage("microsoft_ai_diffusion", files)
    shown = str(info.value.located(file=f"microsoft_ai_diffusion/{info.value.file}"))
    assert f"`{shown}`" in docs
    assert "prints 76 beyond it" in docs and "72 Political Stability" in docs


def test_an_unknown_geometry_id_names_its_column() -> None:
    files = altered("geo", "world-countries-110m.geo.json", b'"id":"FJI"', b'"id":"QQQ"')
    with pytest.raises(SourceError) as info:
        stage("geo", files)
    assert info.value.column == "features[].id" and info.value.value == "QQQ"
