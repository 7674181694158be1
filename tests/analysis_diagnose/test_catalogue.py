"""The intervention catalogue and the mandate library: validation failures and real citations."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from aicap.analysis.catalogue import (
    CatalogueError,
    default_catalogue_path,
    load_catalogue,
    parse_catalogue,
    topological_order,
)
from aicap.analysis.mandates import MandateError, MandateLibrary, split_ref
from aicap.warehouse.read import Warehouse

MANDATES = (
    Path(os.environ.get("AICAP_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
    / "mandates"
)


@pytest.fixture(scope="module")
def lib() -> MandateLibrary:
    return MandateLibrary.load(MANDATES)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data = yaml.safe_load(default_catalogue_path().read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _item(data: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for i in data["interventions"] if i["id"] == iid)


def test_shipped_catalogue_is_valid_against_the_warehouse(
    lib: MandateLibrary, full_warehouse: Path
) -> None:
    codes = set(Warehouse(full_warehouse).indicators()["code"])
    cat = load_catalogue(None, lib, codes)
    assert 30 <= len(cat) <= 60
    areas = {i.area for i in cat}
    assert areas == set(cat.areas)  # every area has at least one intervention
    modalities = {m.value for i in cat for m in i.modality}
    assert modalities == {"north_south", "south_south", "triangular", "multilateral"}


def test_every_citation_resolves_to_the_paragraph_text(lib: MandateLibrary) -> None:
    cat = load_catalogue(None, lib, None)
    files = {p.name: yaml.safe_load(p.read_text("utf-8")) for p in MANDATES.glob("*.yaml")}
    for it in cat:
        for ref in it.mandates:
            para = lib.resolve(ref)
            doc = files[para.source_file]
            texts = [p["text"] for p in doc["paragraphs"]]
            texts += [s["text"] for p in doc["paragraphs"] for s in p.get("subparagraphs") or []]
            assert para.text in texts, ref
            assert para.fidelity.lower() != "missing"


def test_bundle_is_the_a79966_pathway_and_prerequisites_come_first(lib: MandateLibrary) -> None:
    cat = load_catalogue(None, lib, None)
    bundle = cat.bundle()
    areas = {cat.get(i).area for i in bundle}
    # compute, data, skills, reuse of models, strategy and institutions (A/79/966 pathway)
    assert {"compute", "data", "skills", "models_open_source", "strategy_institutions"} <= areas
    for iid in bundle:
        assert any(r.startswith("A/79/966 ") for r in cat.get(iid).mandates), iid
    pos = {k: n for n, k in enumerate(cat.order)}
    for it in cat:
        for p in it.prerequisites:
            assert pos[p] < pos[it.id]
    assert "CONN-01" in cat.ancestors("COMP-01") and "SKILL-01" in cat.ancestors("COMP-01")


def test_cycle_fails(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    _item(data, "SKILL-01")["prerequisites"] = ["MODEL-01"]  # MODEL-01 -> SKILL-02 -> SKILL-01
    with pytest.raises(CatalogueError, match="cycle") as err:
        parse_catalogue(data, lib)
    assert "SKILL-01" in str(err.value) and "MODEL-01" in str(err.value)


def test_topological_order_detects_two_cycle() -> None:
    assert topological_order({"A": [], "B": ["A"]}) == ["A", "B"]
    with pytest.raises(CatalogueError, match="A, B"):
        topological_order({"A": ["B"], "B": ["A"]})


def test_unknown_prerequisite_fails(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    _item(data, "COMP-02")["prerequisites"] = ["COMP-99"]
    with pytest.raises(CatalogueError, match="COMP-02: unknown prerequisite 'COMP-99'"):
        parse_catalogue(data, lib)


def test_unknown_indicator_fails(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    _item(data, "CONN-01")["indicators"] = ["IT.NET.BBND.P2", "NOT.A.CODE"]
    codes = {i for it in raw["interventions"] for i in it["indicators"]}
    with pytest.raises(CatalogueError, match=r"CONN-01: unknown indicator 'NOT\.A\.CODE'"):
        parse_catalogue(data, lib, codes)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("A/RES/78/311 OP16", "has no paragraph 'OP16'"),
        ("A/RES/99/1 OP1", "unknown document"),
        ("A/79/966 tier-2", "not obtained"),
        ("OP4", "is not '<symbol> <paragraph id>'"),
    ],
)
def test_unknown_or_uncitable_mandate_fails(
    lib: MandateLibrary, raw: dict[str, Any], ref: str, message: str
) -> None:
    data = copy.deepcopy(raw)
    _item(data, "STRAT-01")["mandates"] = [ref]
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data, lib)


@pytest.mark.parametrize(
    "field",
    [
        "area",
        "min_tier",
        "target_tier",
        "prerequisites",
        "modality",
        "cost_band",
        "lead_time",
        "indicators",
        "mandates",
        "providers",
        "audiences",
    ],
)
def test_missing_field_fails(lib: MandateLibrary, raw: dict[str, Any], field: str) -> None:
    data = copy.deepcopy(raw)
    del _item(data, "DATA-02")[field]
    with pytest.raises(CatalogueError, match=rf"intervention DATA-02\.{field}: Field required"):
        parse_catalogue(data, lib)


def test_bad_values_fail(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    _item(data, "DATA-02")["modality"] = ["bilateral"]
    with pytest.raises(CatalogueError, match=r"DATA-02\.modality"):
        parse_catalogue(data, lib)
    data = copy.deepcopy(raw)
    _item(data, "DATA-02")["target_tier"] = 0
    with pytest.raises(CatalogueError, match="DATA-02"):
        parse_catalogue(data, lib)
    data = copy.deepcopy(raw)
    _item(data, "DATA-02")["surprise"] = 1
    with pytest.raises(CatalogueError, match="Extra inputs"):
        parse_catalogue(data, lib)
    data = copy.deepcopy(raw)
    _item(data, "DATA-02")["area"] = "astrology"
    with pytest.raises(CatalogueError, match="unknown area 'astrology'"):
        parse_catalogue(data, lib)


def test_prerequisite_above_min_tier_fails(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    _item(data, "SKILL-01")["prerequisites"] = ["COMP-04"]  # tier 2 before a tier 0 item
    with pytest.raises(CatalogueError, match="prerequisite COMP-04 needs tier 2"):
        parse_catalogue(data, lib)


def test_citation_formats_and_fidelity(lib: MandateLibrary) -> None:
    assert lib.resolve("A/RES/78/311 OP15").citation == "A/RES/78/311, OP 15"
    assert lib.resolve("A/RES/78/265 OP6(h)").citation == "A/RES/78/265, OP 6(h)"
    assert lib.resolve("A/RES/79/1 para62").citation == "A/RES/79/1, annex I, para. 62"
    tier = lib.resolve("A/79/966 tier-0-to-1-pathway")
    assert "paragraph number not known" in tier.citation
    assert tier.quotable
    assert "minimum irreducible capacity" in tier.text
    assert not lib.resolve("A/RES/79/325 dialogue-summary").quotable
    assert lib.resolve("A/RES/78/311 OP15").quotable
    excerpt = lib.resolve("A/RES/78/311 OP5").excerpt(80)
    assert excerpt.endswith("…") and len(excerpt) <= 82
    assert "A/RES/78/311 OP4" in lib and "A/79/966 tier-3" not in lib


def test_library_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "X.yaml").write_text(
        "symbol: X/1\ntitle: t\nstatus: mandate\nfidelity: verbatim\n"
        "paragraphs:\n- {id: OP1, text: hello}\n"
    )
    lib = MandateLibrary.load(tmp_path)
    assert lib.resolve("X/1 OP1").text == "hello"
    with pytest.raises(MandateError):
        lib.resolve("X/1 OP2")
    with pytest.raises(MandateError, match="not found"):
        MandateLibrary.load(tmp_path / "nowhere")
    assert split_ref("A/RES/79/1 para56(b)") == ("A/RES/79/1", "para56(b)")


def test_citations_must_fit_status_and_domain(lib: MandateLibrary, raw: dict[str, Any]) -> None:
    # a non-military text for the military-domain intervention
    data = copy.deepcopy(raw)
    _item(data, "SEC-03")["mandates"] = ["A/RES/79/239 bridge-divides", "A/RES/78/311 OP5"]
    with pytest.raises(CatalogueError, match=r"SEC-03: 'A/RES/78/311 OP5' does not fit"):
        parse_catalogue(data, lib)
    # nothing but a report and a statement: nothing can be cited as mandating it
    data = copy.deepcopy(raw)
    _item(data, "COMPET-01")["mandates"] = [
        "A/79/966 tier-0",
        "CHN-PR-2021-05-17-ARRIA-EMERGING-TECH proposal-2",
    ]
    with pytest.raises(CatalogueError, match="COMPET-01: no operative paragraph"):
        parse_catalogue(data, lib)
    # a preambular paragraph alone does not mandate either
    data = copy.deepcopy(raw)
    _item(data, "SKILL-04")["mandates"] = ["A/RES/78/311 PP11"]
    with pytest.raises(CatalogueError, match="SKILL-04: no operative paragraph"):
        parse_catalogue(data, lib)
    # a text the documents list does not describe
    data = copy.deepcopy(raw)
    data["documents"] = [d for d in data["documents"] if d["symbol"] != "A/RES/79/239"]
    with pytest.raises(CatalogueError, match="A/RES/79/239 is not in the documents list"):
        parse_catalogue(data, lib)


def test_roles_follow_status(lib: MandateLibrary) -> None:
    from aicap.analysis.mandates import citation_role

    assert citation_role(lib.resolve("A/RES/78/311 OP5")) == "mandated by"
    assert citation_role(lib.resolve("A/RES/78/311 PP11")) == "recalled as context"
    assert citation_role(lib.resolve("A/79/966 tier-0")) == "evidence"
    assert citation_role(lib.resolve("A/79/966 global-fund-for-ai"), True) == (
        "origin of the proposal"
    )
    stmt = lib.resolve("CHN-PR-2021-05-17-ARRIA-EMERGING-TECH proposal-2")
    assert stmt.status == "statement" and citation_role(stmt) == "background"


def test_every_intervention_has_actions_sdgs_and_known_assets(raw: dict[str, Any]) -> None:
    for it in raw["interventions"]:
        assert set(it["actions"]) == set(it["audiences"]), it["id"]
        assert it["sdg_targets"], it["id"]
    data = copy.deepcopy(raw)
    _item(data, "STRAT-01")["builds"]["asset"] = "unicorns"
    lib = MandateLibrary.load(MANDATES)
    with pytest.raises(CatalogueError, match="builds unknown asset 'unicorns'"):
        parse_catalogue(data, lib)
    data = copy.deepcopy(raw)
    del _item(data, "STRAT-01")["actions"]["un_system"]
    with pytest.raises(CatalogueError, match="one text for each audience"):
        parse_catalogue(data, lib)


def test_library_file_without_status_fails(tmp_path: Path) -> None:
    (tmp_path / "X.yaml").write_text(
        "symbol: X/1\ntitle: t\nfidelity: verbatim\nparagraphs:\n- {id: OP1, text: hello}\n"
    )
    with pytest.raises(MandateError, match="'status' must be one of"):
        MandateLibrary.load(tmp_path)
