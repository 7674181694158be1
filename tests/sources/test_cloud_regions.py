from __future__ import annotations

from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import check_shape, expect_error, real_files, value_of

from aicap.sources import cloud_regions as m

H = "region,location_name,lat,lon,osm_id,country_tld"
AWS = "\n".join(
    [
        H,
        'eu-west-2,"EU (London)","51.5","-0.12",65606,uk',
        'us-east-1,"US East (N. Virginia)","37.1","-78.4",224042,us',
        'us-gov-west-1,"AWS GovCloud (US)",,,,',
        'eu-south-2,"EU () - ???",,,,',
        'il-central-1,"Middle East (Israel) - ???","31.5","34.8",1473946,il',
    ]
).encode()
GCP = f'{H}\nasia-east1,"Changhua County, Taiwan, APAC","24.07","120.54",2917549,tw\n'.encode()
GOOD = {"aws_data.csv": AWS, "gcp_data.csv": GCP}


def test_regions_and_counts() -> None:
    parsed = m.parse(GOOD)
    check_shape(parsed)
    check_records_shape(parsed, m.SOURCE.id)
    assert value_of(parsed, "us", 2022, "CLOUD.REGIONS") == 2  # GovCloud counts as US
    assert value_of(parsed, "uk", 2022, "CLOUD.REGIONS") == 1
    obs = parsed.observations
    assert obs[obs["entity"] == "il"].empty  # announced, not open
    regions = parsed.records["regions"]
    gov = regions[regions["region"] == "us-gov-west-1"].iloc[0]
    assert gov["country_entity"] == "us" and gov["country_method"] == "region id (GovCloud)"
    assert any("absent" in n for n in parsed.notes)


def test_tld_mapping() -> None:
    result = harmonise_all(m.SOURCE.id, m.parse(GOOD))
    rec = result.records["regions"].set_index("region")
    assert rec.loc["eu-west-2", "iso3"] == "GBR"  # uk is a TLD, not ISO
    assert rec.loc["asia-east1", "iso3"] == "TWN"
    assert rec["iso3"].isna().sum() == 1  # eu-south-2


def test_bad_inputs() -> None:
    bad = {"aws_data.csv": AWS.replace(b'"51.5"', b'"north"')}
    expect_error(m.parse, bad, file="aws_data.csv", row=2, column="lat", value="north")
    bad = {"aws_data.csv": AWS.replace(b"country_tld", b"country")}
    expect_error(m.parse, bad, file="aws_data.csv", column="country_tld")
    bad = {"aws_data.csv": AWS + b"\neu-west-2,x,1,1,1,uk\n"}
    expect_error(m.parse, bad, file="aws_data.csv", message="listed twice")
    expect_error(m.parse, {"other.csv": AWS}, file="aws_data.csv", message="none of the")


def test_real_files() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    assert len(parsed.records["regions"]) == 181
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    regions = result.countries.set_index("iso3")["value"]
    assert regions["USA"] == 43 and regions["GBR"] == 8 and regions["IND"] == 13
    assert len(regions) == 32


test_fuzz_mutations = fuzz(m.parse, GOOD, "aws_data.csv")
test_fuzz_arbitrary = arbitrary(m.parse, ("aws_data.csv", "azure_data.csv"))
