"""Access, governance register, rule gaps and incidents on small frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aicap.analysis.monitor import access, governance, incidents, risks

COUNTRIES = pd.DataFrame(
    {
        "iso3": ["KEN", "TZA", "ZAF", "USA", "FRA"],
        "name": ["Kenya", "Tanzania", "South Africa", "USA", "France"],
        "status": ["member"] * 5,
        "un_region": ["Africa", "Africa", "Africa", "Americas", "Europe"],
        "un_subregion": ["Sub-Saharan Africa"] * 3 + ["Northern America", "Western Europe"],
        "income_group": ["LMC", "LMC", "UMC", "HIC", "HIC"],
        "ldc": [False, True, False, False, False],
        "latitude": [0.0, -6.0, -29.0, 39.0, 46.0],
        "longitude": [38.0, 35.0, 24.0, -98.0, 2.0],
    }
)
CLUSTERS = pd.DataFrame(
    {
        "status": ["Existing", "Existing", "Planned"],
        "possible_duplicate": [False, True, False],
        "iso3": ["USA", "ZAF", "KEN"],
        "h100e": [100.0, 5.0, 50.0],
    }
)
REGIONS = pd.DataFrame({"announced": [False, False], "iso3": ["ZAF", "USA"]})
LINKS = pd.DataFrame({"tier": ["notable", "notable"], "model": ["M", "M"], "iso3": ["FRA", "FRA"]})


def test_access_table_and_nearest_hosts() -> None:
    table = access.access_table(COUNTRIES, CLUSTERS, REGIONS, LINKS).set_index("iso3")
    assert table.loc["USA", "hosts_compute"] and not table.loc["ZAF", "hosts_compute"]
    assert not table.loc["KEN", "hosts_compute"]  # planned clusters do not count
    assert table.loc["KEN", "nearest_cloud_region"].startswith("ZAF (")
    assert table.loc["KEN", "nearest_cloud_region_scope"] == "subregion"
    assert table.loc["KEN", "nearest_compute_scope"] == "none"
    assert (
        table.loc["FRA", "hosts_model_developer"]
        and table.loc["FRA", "model_developer_amount"] == 1
    )
    summary = access.access_summary(table.reset_index())
    assert summary["developing"] == 3 and summary["developing_with_none"] == 2  # KEN, TZA
    assert summary["member_states_with_none"] == 2
    assert "income group" in str(summary["developing_definition"])
    # KEN-ZAF great-circle distance is about 3,550 km
    km = float(table.loc["KEN", "nearest_cloud_region"].split("(")[1].split()[0].replace(",", ""))
    assert 3400 < km < 3700


def test_open_weight_share() -> None:
    models = pd.DataFrame(
        {
            "tier": ["notable"] * 4,
            "model": list("abcd"),
            "year": pd.array([2024, 2024, 2024, 2025], dtype="Int64"),
            "open_weights": pd.array([True, False, None, True], dtype="boolean"),
        }
    )
    share = access.open_weight_share(models).set_index("year")
    assert share.loc[2024, "open_share"] == pytest.approx(50.0)  # unknown not in the denominator
    assert share.loc[2024, "models"] == 3 and share.loc[2025, "open_share"] == pytest.approx(100.0)


FRAMEWORKS = pd.DataFrame(
    {
        "iso3": ["KEN", "KEN", "FRA"],
        "area": ["Safety and Security", "Labour Protections", "Safety and Security"],
        "dimension": ["T", "L", "T"],
        "area_status": ["Adopted", "Draft", "Adopted"],
        "title": ["Cyber Act", "Labour draft", "AI Act"],
        "link": ["", "", ""],
        "type": ["Law", "Draft framework", "Law"],
        "approval_date": ["2024-01-01", None, "2024-08-01"],
        "approval_year": pd.array([2024, None, 2024], dtype="Int64"),
        "enforceability": ["Binding", "Non-Binding", "Binding"],
        "defence_and_security": ["No it isn’t", "", "Yes it is"],
        "file": ["f.csv"] * 3,
        "row": [2, 3, 4],
    }
)
INITIATIVES = pd.DataFrame(
    {
        "iso3": ["KEN"],
        "area": ["AI Literacy"],
        "dimension": ["L"],
        "category": ["Capacity Building & Public Engagement"],
        "type": ["Training courses workshops"],
        "name": ["AI bootcamp"],
        "link": [""],
        "file": ["i.csv"],
        "row": [5],
    }
)
AREAS = pd.DataFrame(
    {
        "iso3": ["KEN", "KEN", "FRA", "FRA", "KEN", "FRA", "KEN", "FRA"],
        "area": ["Safety and Security", "Labour Protections"] * 2
        + ["AI-facilitated Misinformation and Violence"] * 2
        + ["Fairness and Non-discrimination"] * 2,
        "status": [
            "Adopted",
            "Draft",
            "Adopted",
            "No framework",
            "No framework",
            "No framework",
            "No framework",
            "No framework",
        ],
        "file": ["f.csv"] * 8,
        "row": list(range(2, 10)),
    }
)


def test_register_and_summary() -> None:
    reg = governance.from_girai(FRAMEWORKS, INITIATIVES)
    assert list(reg["kind"]) == ["framework"] * 3 + ["initiative"]
    assert list(reg["status"]) == ["Adopted", "Draft", "Adopted", "Implemented"]
    assert reg["binding"].tolist()[:3] == [True, False, True]
    summary = governance.register_summary(reg).set_index("iso3")
    assert summary.loc["KEN", "frameworks_adopted"] == 1
    assert summary.loc["KEN", "frameworks_draft"] == 1
    assert summary.loc["KEN", "capacity_building_initiatives"] == 1
    assert summary.loc["FRA", "laws"] == 1 and summary.loc["FRA", "latest_approval_year"] == 2024
    inst = governance.Instrument(
        iso3="BRA",
        kind="framework",
        area="Safety and Security",
        type="Law",
        title="X",
        status="Adopted",
        source="oecd",
        file="x.csv",
        row=1,
    )
    combined = governance.combine([reg, governance.from_instruments([inst])])
    assert combined["iso3"].tolist()[-1] == "BRA"
    with pytest.raises(ValueError, match="lacks"):
        governance.combine([reg.drop(columns="title")])


def test_taxonomy_validation(tmp_path: Path) -> None:
    tax = risks.load_taxonomy()
    assert tax.ids()[:2] == ["misuse", "disinformation"]
    assert set(risks.REQUIRED_RISKS) <= set(tax.ids())
    assert tax.tag("mit_subdomain", ["4.3. Fraud, scams"]) == {"misuse"}
    assert "disinformation" in tax.tag("aiaaic_ethical", ["Mis/disinformation"])
    bad = tmp_path / "risks.yaml"
    bad.write_text(
        "version: 1\nrisks:\n  - id: misuse\n    name: M\n    description: d\n"
        "    instrument_areas: [A]\n    incident_terms: {nowhere: ['x']}\n"
    )
    with pytest.raises(risks.TaxonomyError, match="unknown incident field"):
        risks.load_taxonomy(bad)
    bad.write_text(
        "version: 1\nrisks:\n  - id: misuse\n    name: M\n    description: d\n"
        "    instrument_areas: [A]\n"
    )
    with pytest.raises(risks.TaxonomyError, match="lacks required"):
        risks.load_taxonomy(bad)


def test_gap_matrix_statuses() -> None:
    tax = risks.load_taxonomy()
    reg = governance.from_girai(FRAMEWORKS, INITIATIVES)
    cov = AREAS.assign(source="girai")
    counts = pd.DataFrame({"iso3": ["KEN"], "risk": ["disinformation"], "incidents": [4]})
    m = risks.gap_matrix(tax, reg, cov, ["KEN", "FRA", "BRA"], counts).set_index(["iso3", "risk"])
    assert m.loc[("KEN", "safety_security"), "status"] == "addressed"
    assert m.loc[("KEN", "labour_economic"), "status"] == "draft only"
    assert m.loc[("KEN", "disinformation"), "status"] == "gap"
    assert m.loc[("KEN", "disinformation"), "incidents"] == 4
    # armed conflict needs a framework covering defence and security: FRA yes, KEN no
    assert m.loc[("FRA", "armed_conflict_terrorism"), "status"] == "addressed"
    assert m.loc[("KEN", "armed_conflict_terrorism"), "status"] == "gap"
    assert m.loc[("BRA", "misuse"), "status"] == "not covered"
    assert m.loc[("KEN", "privacy"), "status"] == "not assessed"
    assert risks.gaps_only(m.reset_index())["iso3"].iloc[0] == "KEN"


def test_incident_matching_and_counts() -> None:
    tax = risks.load_taxonomy()
    aiid = pd.DataFrame(
        {
            "incident_id": [1, 2],
            "date": ["2023-05-01", "2019-01-01"],
            "year": pd.array([2023, 2019], dtype="Int64"),
            "title": ["Lawyer Cites Fake Cases Generated by ChatGPT in Court", "Robot vacuum"],
            "deployers": ["steven-schwartz", "roomba"],
            "developers": ["openai", "irobot"],
            "mit_subdomain": ["3.1. False or misleading information", ""],
        }
    )
    aiid_c = pd.DataFrame(
        {"incident_id": [1], "iso3": ["USA"], "country_method": ["explicit field (CSETv1)"]}
    )
    aiaaic = pd.DataFrame(
        {
            "aiaaic_id": ["AIAAIC1", "AIAAIC2"],
            "year": pd.array([2023, 2023], dtype="Int64"),
            "headline": ["Lawyer cites fake ChatGPT cases in court", "Deepfake of minister"],
            "deployer": ["Steven Schwartz", "Unknown"],
            "developer": ["OpenAI", "Unknown"],
            "ethical_issues": ["Accuracy/reliability", "Mis/disinformation"],
            "harm_individual": ["", ""],
            "harm_societal": ["", ""],
            "sector": ["Legal", "Politics"],
            "url": ["u1", "u2"],
        }
    )
    aiaaic_c = pd.DataFrame(
        {
            "aiaaic_id": ["AIAAIC1", "AIAAIC2", "AIAAIC2"],
            "iso3": ["USA", "KEN", None],
            "country_method": ["jurisdiction"] * 3,
        }
    )
    ev = incidents.events(aiid, aiid_c, aiaaic, aiaaic_c, tax)
    matches = incidents.match_events(ev)
    assert list(zip(matches["aiid_id"], matches["aiaaic_id"], strict=True)) == [("1", "AIAAIC1")]
    assert matches["title_similarity"].iloc[0] >= 0.5
    deduped = incidents.deduplicate(ev, matches)
    assert len(deduped) == 3
    merged = deduped[deduped["event_id"] == "aiaaic:AIAAIC1"].iloc[0]
    assert merged["merged_with"] == "aiid:1" and merged["countries"] == ["USA"]
    assert "disinformation" in merged["risks"]  # from AIID's MIT subdomain
    counts = incidents.counts_by_country_year(deduped).set_index(["iso3", "year"])
    assert counts.loc[("USA", 2023), "documented_incidents"] == 1  # once, not twice
    assert "not incidence rates" in counts["caveat"].iloc[0]
    by_risk = incidents.counts_by_country_risk(deduped).set_index(["iso3", "risk"])
    assert by_risk.loc[("KEN", "disinformation"), "incidents"] == 1
    summary = incidents.attribution_summary(deduped)
    assert summary["events"] == 3 and summary["with_country"] == 2
