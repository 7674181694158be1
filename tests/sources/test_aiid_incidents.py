from __future__ import annotations

from monitor_support import arbitrary, check_records_shape, fuzz, harmonise_all
from parsers_support import expect_error, real_files

from aicap.sources import aiid_incidents as m

INC = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
    'ObjectId(1),1,2015-05-19,"[2,3]","[""youtube""]","[""youtube""]","[""children""]",'
    '"Line one\nline two",YouTube Kids shows inappropriate content\n'
    'ObjectId(2),7,2024-03-01,[9],"[""unknown""]","[""openai""]",'
    '"[""general-public-of-south-korea"",""general-public-of-texas""]",d,Deepfake fraud\n'
)
MIT = (
    "Namespace,Incident ID,Published,Risk Domain,Risk Subdomain,Entity,Timing,Intent\n"
    "MIT,7,True,4. Malicious Actors,4.3. Fraud,Human,Post,Intentional\n"
)
CSET = (
    "Namespace,Incident ID,Published,AI System,Location Country (two letters),AI System,"
    "Harm Domain,Location Region\n"
    "CSETv1,1,True,yes,US,yes,yes,North America\n"
    "CSETv1,7,False,,,,,\n"
)
GOOD = {m.INCIDENTS: INC.encode(), m.MIT: MIT.encode(), m.CSET: CSET.encode()}


def test_incidents_and_attribution() -> None:
    parsed = m.parse(GOOD)
    check_records_shape(parsed, m.SOURCE.id)
    assert parsed.observations.empty and parsed.indicators == []
    inc = parsed.records["incidents"].set_index("incident_id")
    assert inc.loc[1, "description"] == "Line one\nline two"
    assert inc.loc[7, "mit_subdomain"] == "4.3. Fraud"
    assert inc.loc[7, "developers"] == "openai"
    assert inc.loc[1, "cset_harm_domain"] == "yes"  # the first 'AI System' kept, duplicate renamed
    links = parsed.records["incident_countries"]
    assert list(zip(links["incident_id"], links["country_entity"], strict=True)) == [
        (1, "US"),
        (7, "south korea"),
        (7, "texas"),
    ]
    assert links["country_method"].iloc[0] == m.EXPLICIT
    result = harmonise_all(m.SOURCE.id, parsed)
    assert list(result.records["incident_countries"]["iso3"]) == ["USA", "KOR", "USA"]


def test_bad_inputs() -> None:
    bad = dict(GOOD, **{m.INCIDENTS: INC.replace("2015-05-19", "yesterday").encode()})
    expect_error(m.parse, bad, file=m.INCIDENTS, column="date", value="yesterday")
    bad = dict(GOOD, **{m.INCIDENTS: INC.replace('"[""children""]"', '"[children"').encode()})
    expect_error(m.parse, bad, file=m.INCIDENTS, column=m.HARMED, message="JSON")
    bad = dict(GOOD, **{m.INCIDENTS: INC.replace("ObjectId(2),7,", "ObjectId(2),1,").encode()})
    expect_error(m.parse, bad, file=m.INCIDENTS, column="incident_id", message="twice")
    bad = dict(GOOD, **{m.MIT: (MIT + "MIT,7,True,x,y,z,t,i\n").encode()})
    expect_error(m.parse, bad, file=m.MIT, row=3, message="classified twice")
    bad = dict(GOOD, **{m.CSET: CSET.replace("Location Country (two letters)", "Where").encode()})
    expect_error(m.parse, bad, file=m.CSET, column="Location Country (two letters)")


def test_real_files() -> None:
    parsed = m.parse(real_files(m.SOURCE.id))
    inc = parsed.records["incidents"]
    assert len(inc) == 1367 and inc["incident_id"].is_unique
    per_year = inc["year"].value_counts()
    assert per_year[2024] == 283 and per_year[2025] == 370  # SOURCE.md
    links = parsed.records["incident_countries"]
    explicit = links[links["country_method"] == m.EXPLICIT]
    assert explicit["incident_id"].nunique() in (140, 141, 142, 143)  # 143 minus blanks/unpublished
    result = harmonise_all(m.SOURCE.id, parsed)
    assert result.warnings == []
    resolved = result.records["incident_countries"]
    us = resolved[(resolved["country_method"] == m.EXPLICIT) & (resolved["iso3"] == "USA")]
    assert len(us) == 92  # 91 'US' + 1 stray 'United States'


test_fuzz_mutations = fuzz(m.parse, GOOD, m.INCIDENTS)
test_fuzz_arbitrary = arbitrary(m.parse, (m.INCIDENTS, m.MIT, m.CSET))
