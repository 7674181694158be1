from __future__ import annotations

from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import check_shape, expect_error, real_files, value_of

from aicap.sources import girai as m

SCORES = (
    b"ranking,iso3,country,girai,PILLAR SCORES,__EMPTY_4\n"
    b",,,,AI Policy (0-100),CSO Engagement (0-100)\n"
    b"1,NOR,Norway,74.66,71.2,36.94\n"
    b"2,KEN,Kenya,30.5,20.0,10\n"
)
AREA = "interview_key,country,ISO3,dimension,pillar,indicator,fr_counts,fr_status"
FR = ",fr1_title,fr1_link,fr1_type,fr1_approval,fr1_enforceability,fr1_defence_and_security"
FR2 = ",fr2_title,fr2_link,fr2_type,fr2_approval,fr2_enforceability,fr2_defence_and_security"
FRAMEWORKS = (
    "\n".join(
        [
            AREA + FR + FR2,
            "k1,Norway,NOR,Trust and Safety,AI Policy,Safety and Security,2,Adopted,"
            "AI Act,http://a,Law,45883,Binding,Yes it is,"
            "Strategy 2020,http://b,Strategy,43831,Non-Binding,No it isn’t",
            "k2,Norway,NOR,Labour,AI Policy,Labour Protections,1,Adopted,"
            "AI Act,http://a,Law,45883,Binding,No it isn’t,,,No framework,,,",
            "k3,Kenya,KEN,Trust and Safety,AI Policy,Safety and Security,1,Draft,"
            "Draft bill,http://c,Draft framework,45600,Non-Binding,No it isn’t,,,No framework,,,",
            "k4,Kenya,KEN,Labour,AI Policy,Labour Protections,0,No framework,"
            ",,No framework,,,,,,No framework,,,",
        ]
    )
    + "\n"
).encode()
INI_H = (
    "interview_key,country,ISO3,dimension,pillar,indicator,fr_status,imp1_body_name,"
    "init1_name1,init1_link1,init1_category1,init1_type1"
)
INITIATIVES = (
    INI_H + "\nk1,Norway,NOR,Trust and Safety,AI Policy,Safety and Security,Adopted,n/a,"
    "AI Academy,http://d,Capacity Building & Public Engagement,Training courses workshops\n"
    "k4,Kenya,KEN,Labour,AI Policy,Labour Protections,No framework,,,,,\n"
).encode()
GOOD = {m.SCORES: SCORES, m.FRAMEWORKS: FRAMEWORKS, m.INITIATIVES: INITIATIVES}


def test_scores_areas_frameworks_initiatives() -> None:
    parsed = m.parse(GOOD)
    check_shape(parsed)
    check_records_shape(parsed, m.SOURCE.id)
    assert value_of(parsed, "NOR", 2026, "GIRAI.SCORE") == 74.66
    assert value_of(parsed, "NOR", 2026, "GIRAI.PILLAR.POLICY") == 71.2  # second header row
    assert value_of(parsed, "NOR", 2026, "GIRAI.AREAS.ADOPTED") == 2
    assert value_of(parsed, "KEN", 2026, "GIRAI.AREAS.ADOPTED") == 0
    assert value_of(parsed, "NOR", 2026, "GIRAI.FRAMEWORKS.N") == 2  # AI Act once + strategy
    assert value_of(parsed, "KEN", 2026, "GIRAI.FRAMEWORKS.N") == 0  # drafts excluded
    fw = parsed.records["frameworks"]
    assert len(fw) == 4
    act = fw[fw["title"] == "AI Act"].iloc[0]
    assert act["approval_date"] == "2025-08-14"  # Excel serial 45883 (1899-12-30 origin)
    assert fw[fw["title"] == "Strategy 2020"]["approval_date"].iloc[0] == "2020-01-01"
    ini = parsed.records["initiatives"]
    assert list(ini["name"]) == ["AI Academy"] and ini["body_name"].iloc[0] == ""
    assert set(parsed.observations["flags"]) == {"edition_year"}


def test_codes_resolve() -> None:
    result = harmonise_all(m.SOURCE.id, m.parse(GOOD))
    assert set(result.records["areas"]["iso3"]) == {"NOR", "KEN"}


def test_bad_inputs() -> None:
    bad = dict(
        GOOD, **{m.FRAMEWORKS: FRAMEWORKS.replace(b"45883,Binding,Yes", b"soon,Binding,Yes")}
    )
    expect_error(m.parse, bad, file=m.FRAMEWORKS, row=2, column="fr1_approval", value="soon")
    bad = dict(GOOD, **{m.FRAMEWORKS: FRAMEWORKS.replace(b",Draft,", b",Pending,")})
    expect_error(m.parse, bad, file=m.FRAMEWORKS, row=4, column="fr_status", value="Pending")
    bad = dict(GOOD, **{m.SCORES: SCORES.replace(b"74.66", b"high")})
    expect_error(m.parse, bad, file=m.SCORES, column="girai", value="high")
    dup = FRAMEWORKS + FRAMEWORKS.split(b"\n")[1] + b"\n"
    expect_error(m.parse, dict(GOOD, **{m.FRAMEWORKS: dup}), file=m.FRAMEWORKS, message="twice")
    expect_error(m.parse, {m.SCORES: SCORES}, file=m.FRAMEWORKS, message="missing")


def test_real_files() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    areas = parsed.records["areas"]
    assert len(areas) == 2295 and areas["country_entity"].nunique() == 135
    fw = parsed.records["frameworks"]
    assert fw["approval_year"].dropna().between(2008, 2025).all()  # SOURCE.md: 2008-2025
    mis = areas[areas["area"] == "AI-facilitated Misinformation and Violence"]
    assert mis["status"].value_counts().to_dict() == {
        "No framework": 74,
        "Adopted": 49,
        "Draft": 12,
    }
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    score = result.countries
    nor = score[(score["iso3"] == "NOR") & (score["indicator"] == "GIRAI.SCORE")]
    assert float(nor["value"].iloc[0]) == 74.66


test_fuzz_mutations = fuzz(m.parse, GOOD, m.FRAMEWORKS)
test_fuzz_arbitrary = arbitrary(m.parse, (m.SCORES, m.FRAMEWORKS, m.INITIATIVES))
