from __future__ import annotations

from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import expect_error, real_files

from aicap.sources import aiaaic_incidents as m

F = m.FILE
HEAD = (
    "Incidents,,,,,,,,,,,,,,,,,,\r\n"
    "AIAAIC ID#,Headline,Occurred,Deployer,Developer,System name,Technology,Purpose,"
    "News trigger (taxonomy),Ethical issue (taxonomy),Impacted area,,External harm (taxonomy),,,"
    "Consequence (taxonomy),Response (taxonomy),Summary/links,\r\n"
    ",,,,,,,,,,Jurisdiction,Sector,Individual,Societal ,Environmental,,,,\r\n"
)


def row(ident: str, occurred: str, jurisdiction: str, ethical: str = "Safety") -> str:
    return (
        f'{ident},"Bot harms, user",{occurred},Acme,OpenAI,Bot,Generative AI,Chat,Lawsuit,'
        f'{ethical},"{jurisdiction}",Health,Loss of life,,,,,https://aiaaic.org/x,\r\n'
    )


BODY = (
    row("AIAAIC3", "2024", "USA; California")
    + row("AIAAIC2", "2019-2024", "UK, Scotland")
    + row("AIAAIC1", "2020-", "Multiple")
    + row("AIAAIC2", "2019", "UK")
    + row("", "", "")
)
GOOD = {F: (HEAD + BODY).encode()}


def test_incidents_and_jurisdictions() -> None:
    parsed = m.parse(GOOD)
    check_records_shape(parsed, m.SOURCE.id)
    inc = parsed.records["incidents"]
    assert list(inc["aiaaic_id"]) == ["AIAAIC3", "AIAAIC2", "AIAAIC1", "AIAAIC?line8"]
    assert any("AIAAIC2 (line 7)" in n for n in parsed.notes)  # repeat kept at first row
    assert inc["year"].tolist()[:3] == [2024, 2019, 2020]
    assert inc["year_end"].iloc[1] == 2024 and inc["year_end"].isna().iloc[2]
    assert inc["jurisdiction"].iloc[0] == "USA; California"
    assert inc["sector"].iloc[0] == "Health" and inc["harm_individual"].iloc[0] == "Loss of life"
    result = harmonise_all(m.SOURCE.id, parsed)
    links = result.records["incident_countries"]
    assert list(links["iso3"].fillna("-")) == ["USA", "USA", "GBR", "GBR", "-"]
    assert links["country_resolution"].iloc[4].startswith("excluded")


def test_bad_inputs() -> None:
    bad = {F: (HEAD + row("AIAAIC9", "sometime", "UK")).encode()}
    expect_error(m.parse, bad, file=F, row=4, column="Occurred", value="sometime")
    bad = {F: (HEAD + row("AIAAIC9", "2024-2019", "UK")).encode()}
    expect_error(m.parse, bad, file=F, row=4, column="Occurred", message="ends before")
    no_sub = HEAD.split("\r\n")
    bad = {F: ("\r\n".join(no_sub[:2]) + "\r\n" + BODY).encode()}
    expect_error(m.parse, bad, file=F, row=3, message="sub-header")
    expect_error(m.parse, {F: HEAD.encode()[:120]}, file=F)
    expect_error(m.parse, {F: (HEAD + BODY[:-40]).encode()}, file=F, message="fields")


def test_real_file() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    inc = parsed.records["incidents"]
    assert len(inc) == 2242 and inc["aiaaic_id"].is_unique
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    links = result.records["incident_countries"]
    countries = links.dropna(subset=["iso3"])
    assert countries["iso3"].nunique() == 125  # SOURCE.md: 125 countries/territories
    per_incident = countries.drop_duplicates(["aiaaic_id", "iso3"])
    assert (per_incident["iso3"] == "USA").sum() >= 1153


test_fuzz_mutations = fuzz(m.parse, GOOD, F)
test_fuzz_arbitrary = arbitrary(m.parse, (F,))
