from __future__ import annotations

import pytest
from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import check_shape, expect_error, real_files, value_of

from aicap.sources import epoch_gpu_clusters as m

F = m.FILE
HEADER = (
    "Name,Status,Certainty,H100 equivalents,Country,Owner,First Operational Date,"
    "Possible Duplicate,Include in Standard Analysis,Power Capacity (MW),Sector"
)
USA = "United States of America"
ROWS = [
    f"A,Existing,Confirmed,1000,{USA},Meta AI,2023-05-01,,True,10,Private",
    "B,Existing,Likely,500,China,Alibaba,2024-01-10,,True,,Private",
    f'C,Existing,Confirmed,300,{USA},"OpenAI,Microsoft",2024-06-01,True,True,,Private',
    "D,Planned,Likely,9000,China,,,,,,",
    "E,Existing,Confirmed,,Japan,AIST,2022-03-01,,True,,Public",
    "F,Existing,Confirmed,200,,Anon,2024-02-02,,True,,",
]
GOOD = {F: ("\n".join([HEADER, *ROWS]) + "\n").encode()}


def test_stock_per_country_and_year() -> None:
    parsed = m.parse(GOOD)
    check_shape(parsed)
    check_records_shape(parsed, m.SOURCE.id)
    # C is a possible duplicate, D planned: neither counts; E has no H100e (count only)
    assert value_of(parsed, USA, 2023, "EPOCH.GPU.H100E") == 1000
    assert value_of(parsed, USA, 2024, "EPOCH.GPU.H100E") == 1000
    assert value_of(parsed, "China", 2024, "EPOCH.GPU.H100E") == 500
    assert value_of(parsed, "Japan", 2023, "EPOCH.GPU.H100E") == 0
    assert value_of(parsed, "Japan", 2022, "EPOCH.GPU.N") == 1
    obs = parsed.observations
    assert obs[(obs["entity"] == "China") & (obs["year"] == 2023)].empty
    assert any("no country" in n and "200" in n for n in parsed.notes)
    rec = parsed.records["clusters"]
    assert list(rec["standard"]) == [True, True, False, False, True, True]
    assert rec["first_year"].isna().sum() == 1


def test_records_resolve_countries_and_keep_empty_as_null() -> None:
    parsed = m.parse(GOOD)
    result = harmonise_all(m.SOURCE.id, parsed)
    rec = result.records["clusters"]
    assert list(rec["iso3"].fillna("-")) == ["USA", "CHN", "USA", "CHN", "JPN", "-"]
    assert rec["country_resolution"].iloc[5] == "none"


def test_bad_inputs() -> None:
    bad = GOOD[F].replace(b"1000,United", b"lots,United")
    expect_error(m.parse, {F: bad}, file=F, row=2, column="H100 equivalents", value="lots")
    bad = GOOD[F].replace(b"2023-05-01", b"2023-13-01")
    expect_error(m.parse, {F: bad}, file=F, row=2, column="First Operational Date")
    bad = GOOD[F].replace(b"B,Existing", b"B,Maybe")
    expect_error(m.parse, {F: bad}, file=F, row=3, column="Status", value="Maybe")
    bad = GOOD[F].replace(b",True,10,", b",Yes,10,")
    expect_error(m.parse, {F: bad}, file=F, row=2, column="Include in Standard Analysis")
    expect_error(m.parse, {F: GOOD[F].replace(b"Country,", b"Land,")}, file=F, column="Country")
    expect_error(m.parse, {F: GOOD[F][:-30]}, file=F, message="expected 11 fields")
    expect_error(m.parse, {F: b""}, file=F, message="empty")


def test_unknown_country_in_records_is_an_error() -> None:
    from aicap.sources.base import SourceError

    parsed = m.parse({F: GOOD[F].replace(b"Japan", b"Atlantis")})
    with pytest.raises(SourceError) as info:
        harmonise_all(m.SOURCE.id, parsed)
    assert info.value.row == 6 and info.value.value == "Atlantis"
    assert "clusters" in str(info.value)


def test_real_file() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    rec = parsed.records["clusters"]
    assert len(rec) == 786
    assert int(rec["standard"].sum()) == 482
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    clusters = result.records["clusters"]
    assert clusters["iso3"].notna().sum() == 786 - 85
    obs = result.countries
    h = obs[(obs["indicator"] == "EPOCH.GPU.H100E") & (obs["year"] == 2025)]
    share = float(h.loc[h["iso3"] == "USA", "value"].iloc[0]) / float(h["value"].sum())
    assert 0.75 < share < 0.85  # SOURCE.md: USA 76.9 % of existing H100e (all existing rows)


test_fuzz_mutations = fuzz(m.parse, GOOD, F)
test_fuzz_arbitrary = arbitrary(m.parse, (F,))
