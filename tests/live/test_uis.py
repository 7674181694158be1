"""UNESCO UIS Data API (``unesco_uis``), a live-only source: replayed answers (hand-made in the
documented shape, see ``fixtures/unesco_uis/README.md``) through ``fetch``, ``parse``, the
harmoniser and ``aicap update``; failures (429, 500 HTML page, truncated JSON, unknown
indicator) leave what is stored unchanged; a build without any UIS snapshot is unaffected."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import httpx
import pytest
import respx
from helpers import client, fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aicap.cli.main import app
from aicap.sources import microsoft_ai_diffusion as ms
from aicap.sources import unesco_uis as uis
from aicap.sources.base import SourceError
from aicap.sources.country_reference import load_reference
from aicap.sources.harmonise import Harmoniser, load_mapping
from aicap.sources.http import FetchError
from aicap.sources.live import LIVE, NOT_LIVE, read_snapshot, take_snapshot
from aicap.sources.registry import LIVE_ONLY, discover
from aicap.warehouse.ingest import ingest
from aicap.warehouse.read import Warehouse
from support import DATA_DIR, make_data_dir

runner = CliRunner()
DIR = "unesco_uis"
DATA_RE = r"^https://api\.uis\.unesco\.org/api/public/data/indicators\?"
VERSION = json.loads(fixture(f"{DIR}/versions-default.json"))["version"]


def answer(uis_id: str) -> bytes:
    return fixture(f"{DIR}/{uis_id}.json")


def snapshot_files() -> dict[str, bytes]:
    """The files a snapshot of the fixtures holds."""
    files = {uis.VERSION_FILE: fixture(f"{DIR}/versions-default.json")}
    files.update({uis.data_file(s.uis): answer(s.uis) for s in uis.SERIES})
    return files


def replay(request: httpx.Request) -> httpx.Response:
    """The data endpoint: the fixture named by ``indicator=``."""
    ids = request.url.params.get_list("indicator")
    assert len(ids) == 1, ids  # one request per indicator
    return httpx.Response(200, content=answer(ids[0]), headers={"content-type": "application/json"})


def mock_uis(router: respx.MockRouter) -> respx.Route:
    router.get(uis.VERSION_URL).mock(
        return_value=httpx.Response(200, content=fixture(f"{DIR}/versions-default.json"))
    )
    return router.get(url__regex=DATA_RE).mock(side_effect=replay)


def harmonise(obs):  # type: ignore[no-untyped-def]
    ref = load_reference(DATA_DIR / "country_reference")
    return Harmoniser(ref, load_mapping(uis.SOURCE.id), entity_kind="code").apply(obs)


# -- registration -----------------------------------------------------------------------------


def test_registered_as_live_only() -> None:
    assert "unesco_uis" in LIVE and "unesco_uis" not in NOT_LIVE
    assert "unesco_uis" in LIVE_ONLY
    assert LIVE["unesco_uis"].info.licence == "CC BY-SA 4.0"
    codes = [s.code for s in uis.SERIES]
    assert len(set(codes)) == len(codes) and all(c.startswith("UIS.") for c in codes)


def test_discover_lists_the_live_only_source_only_when_asked(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, {})
    assert "unesco_uis" not in {f.name for f in discover(data)}
    (folder,) = [f for f in discover(data, live_only=["unesco_uis"]) if f.name == "unesco_uis"]
    assert folder.live_only and folder.module is uis and not folder.path.exists()
    # names that are not live-only are ignored
    assert "nope" not in {f.name for f in discover(data, live_only=["nope"])}


# -- parse -------------------------------------------------------------------------------------


def test_parse_keeps_flags_and_drops_null_and_not_applicable() -> None:
    parsed = uis.parse(snapshot_files())
    obs = parsed.observations
    ger = obs[obs["indicator"] == "UIS.GER.5T8"].set_index(["entity", "year"])
    assert ger.loc[("KEN", 2022), "value"] == 11.5
    assert ger.loc[("KEN", 2022), "flags"] == "UIS_EST"
    assert ger.loc[("FRA", 2022), "flags"] == "NAT_EST"
    assert ger.loc[("BRA", 2021), "flags"] == ""
    assert ger.loc[("ZAF", 2022), "flags"] == "magnitude:NIL"
    assert ("KEN", 2021) not in ger.index  # value null
    assert ("TKL", 2022) not in ger.index  # magnitude NA: not applicable
    # row is the record's position in the answer's records list
    assert (
        ger.loc[("KEN", 2022), "row"] == 6 and ger.loc[("KEN", 2022), "file"] == "api/GER.5T8.json"
    )
    notes = " | ".join(parsed.notes)
    assert f"UIS data version {VERSION}" in notes
    assert "GER.5T8: dropped 1 record(s) with value null" in notes
    assert "magnitude NA" in notes
    assert "FOSGP.5T8.F600: the API returned no records" in notes
    meta = {m.code: m for m in parsed.indicators}
    assert set(meta) == {s.code for s in uis.SERIES}
    assert meta["UIS.GER.5T8"].source_code == "GER.5T8"
    assert "last UIS data update 2025-09-17" in meta["UIS.GER.5T8"].description


def test_aggregates_are_kept_apart_from_countries() -> None:
    result = harmonise(uis.parse(snapshot_files()).observations)
    assert not result.warnings  # the aggregate pattern is used
    assert set(result.aggregates["code"]) == {
        "SDG: Sub-Saharan Africa",
        "SDG: World",
        "WB: Low income (July 2024)",
    }
    assert not result.countries["iso3"].str.contains(":").any()
    assert {"BRA", "FRA", "IND", "KEN", "ZAF"} <= set(result.countries["iso3"])


def test_an_unknown_geo_unit_fails_naming_it_and_the_mapping() -> None:
    doc = json.loads(answer("GER.5T8"))
    doc["records"][0]["geoUnit"] = "QQQ"
    files = snapshot_files() | {uis.data_file("GER.5T8"): json.dumps(doc).encode()}
    with pytest.raises(SourceError, match=r"mappings/unesco_uis\.yaml") as err:
        harmonise(uis.parse(files).observations)
    assert err.value.value == "QQQ" and err.value.row == 1


def test_duplicates_exact_are_dropped_conflicting_fail() -> None:
    doc = json.loads(answer("XGDP.FSGOV"))
    doc["records"].append(dict(doc["records"][0]))
    files = snapshot_files() | {uis.data_file("XGDP.FSGOV"): json.dumps(doc).encode()}
    parsed = uis.parse(files)
    assert "dropped 1 exact repeat observation(s)" in parsed.notes
    doc["records"][-1]["value"] = 9.9
    files[uis.data_file("XGDP.FSGOV")] = json.dumps(doc).encode()
    with pytest.raises(SourceError, match="duplicate") as err:
        uis.parse(files)
    assert err.value.file == "api/XGDP.FSGOV.json" and err.value.row == 5


def test_truncated_or_non_json_answer_is_a_located_error() -> None:
    body = answer("GER.5T8")
    files = snapshot_files() | {uis.data_file("GER.5T8"): body[: len(body) // 2]}
    with pytest.raises(SourceError, match="invalid JSON") as err:
        uis.parse(files)
    assert err.value.file == "api/GER.5T8.json" and err.value.row is not None
    files[uis.data_file("GER.5T8")] = fixture("html-error.html")
    with pytest.raises(SourceError, match="invalid JSON"):
        uis.parse(files)


@pytest.mark.parametrize(
    ("change", "message", "column"),
    [
        (lambda r: r.update(indicatorId="CR.1"), "another indicator", "indicatorId"),
        (lambda r: r.update(year="2022"), "not a year", "year"),
        (lambda r: r.update(value="57.2"), "not a number", "value"),
        (lambda r: r.update(geoUnit=""), "without a geoUnit", "geoUnit"),
        (lambda r: r.update(qualifier=3), "string or null", "qualifier"),
    ],
)
def test_bad_records_are_named(change, message: str, column: str) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(answer("GER.5T8"))
    change(doc["records"][2])
    files = snapshot_files() | {uis.data_file("GER.5T8"): json.dumps(doc).encode()}
    with pytest.raises(SourceError, match=message) as err:
        uis.parse(files)
    assert err.value.row == 3 and err.value.column == column


def test_empty_records_with_hints_is_an_error_quoting_them() -> None:
    files = snapshot_files() | {uis.data_file("GER.5T8"): answer("unknown-indicator")}
    with pytest.raises(SourceError, match="could not be found") as err:
        uis.parse(files)
    assert "UIS::HINT::001" in str(err.value)


def test_answer_without_records_or_version_is_refused() -> None:
    files = snapshot_files() | {uis.data_file("GER.5T8"): b'{"hints": []}'}
    with pytest.raises(SourceError, match="no records list"):
        uis.parse(files)
    with pytest.raises(SourceError, match="no data version"):
        uis.read_version(b'{"publicationDate": "2025-09-17"}')
    with pytest.raises(SourceError, match="no UIS Data API answer"):
        uis.parse({uis.VERSION_FILE: fixture(f"{DIR}/versions-default.json")})


def test_old_snapshots_with_other_indicators_still_parse() -> None:
    files = snapshot_files()
    del files[uis.data_file("EXPGDP.TOT")]
    files["api/CR.1.json"] = b'{"hints": [], "records": []}'
    parsed = uis.parse(files)
    assert "UIS.EXPGDP.TOT" not in {m.code for m in parsed.indicators}
    assert any("api/CR.1.json: not an indicator" in n for n in parsed.notes)
    assert any("EXPGDP.TOT: no answer" in n for n in parsed.notes)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_FIELDS = ("indicatorId", "geoUnit", "year", "value", "magnitude", "qualifier")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.binary(max_size=200),
    field=st.sampled_from(_FIELDS),
    junk=_JSON,
    cut=st.integers(min_value=0, max_value=2000),
)
def test_parse_returns_parsed_or_source_error(
    raw: bytes, field: str, junk: object, cut: int
) -> None:
    """Whatever the answer's bytes, ``parse`` gives a ``Parsed`` or a ``SourceError``."""
    doc = json.loads(answer("GER.5T8"))
    doc["records"][0][field] = junk
    body = json.dumps(doc).encode()
    for variant in (raw, body, body[:cut]):
        files = snapshot_files() | {uis.data_file("GER.5T8"): variant}
        with contextlib.suppress(SourceError):
            uis.parse(files)


# -- fetch -------------------------------------------------------------------------------------


def test_fetch_pins_the_version_and_asks_once_per_indicator() -> None:
    with respx.mock as router:
        data = mock_uis(router)
        with client() as c:
            files = uis.fetch(c)
    assert files == snapshot_files()
    assert data.call_count == len(uis.SERIES)
    for call in data.calls:
        params = call.request.url.params
        assert params["version"] == VERSION
        assert params["indicatorMetadata"] == "true" and params["footnotes"] == "false"
        assert "geoUnit" not in params  # all geo units, all years: one indicator < 100,000 rows


def test_429_then_success_waits_as_told() -> None:
    with respx.mock as router:
        router.get(url__regex=DATA_RE + r"indicator=GER\.5T8&").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "3"}),
                httpx.Response(200, content=answer("GER.5T8")),
            ]
        )
        mock_uis(router)  # the other indicators (routes match in order)
        with client() as c:
            files = uis.fetch(c)
            assert c.waits == [3.0]
            assert c.log["api/GER.5T8.json"].attempts == 2
    assert files[uis.data_file("GER.5T8")] == answer("GER.5T8")


def test_500_html_error_page_fails_after_the_retries() -> None:
    page = fixture("html-error.html")
    with respx.mock as router:
        mock_uis(router)
        route = router.get(url__regex=DATA_RE).mock(
            return_value=httpx.Response(500, content=page, headers={"content-type": "text/html"})
        )
        with client(retries=2) as c, pytest.raises(FetchError, match="HTTP 500") as err:
            uis.fetch(c)
    assert route.call_count == 3 and "api.uis.unesco.org" in str(err.value)
    # the same page with status 200 is refused as HTML, not read as data
    with respx.mock as router:
        mock_uis(router)
        router.get(url__regex=DATA_RE).mock(
            return_value=httpx.Response(200, content=page, headers={"content-type": "text/html"})
        )
        with client() as c, pytest.raises(FetchError, match="HTML page"):
            uis.fetch(c)


def test_truncated_body_is_refused_at_download() -> None:
    body = answer("GER.5T8")
    with respx.mock as router:
        mock_uis(router)
        router.get(url__regex=DATA_RE).mock(return_value=httpx.Response(200, content=body[:200]))
        with client() as c, pytest.raises(FetchError, match="incomplete or invalid JSON"):
            uis.fetch(c)


def test_record_limit_answer_says_why() -> None:
    too_much = (
        b'{"message":"Too much data requested (224879 records), please reduce the amount of '
        b'records queried to less than 100000 by using the available filter options.",'
        b'"error":"Bad Request","statusCode":400}'
    )
    with respx.mock as router:
        mock_uis(router)
        router.get(url__regex=DATA_RE).mock(return_value=httpx.Response(400, content=too_much))
        with client() as c, pytest.raises(FetchError, match="100000 records") as err:
            uis.fetch(c)
    assert err.value.status == 400


def test_snapshot_records_url_sha256_licence_and_data_version(tmp_path: Path) -> None:
    with respx.mock as router:
        mock_uis(router)
        with client() as c:
            snap = take_snapshot("unesco_uis", c, tmp_path, data_dir=tmp_path)
    manifest = json.loads((snap.folder / "snapshot.json").read_text())
    assert manifest["licence"] == "CC BY-SA 4.0"
    assert manifest["data_version"]["version"] == VERSION
    assert manifest["data_version"]["publicationDate"].startswith("2025-09-17")
    entries = {e["path"]: e for e in manifest["files"]}
    assert entries[uis.VERSION_FILE]["url"] == uis.VERSION_URL
    ger = entries["api/GER.5T8.json"]
    assert ger["url"].startswith(uis.DATA_URL + "?indicator=GER.5T8&")
    assert f"version={VERSION}" in ger["url"] and ger["status"] == 200 and ger["retrieved"]
    assert ger["sha256"] == hashlib.sha256(answer("GER.5T8")).hexdigest()
    _, files = read_snapshot(snap.folder)
    assert files == snapshot_files()


# -- aicap update end to end -------------------------------------------------------------------


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = make_data_dir(
        tmp_path, {"microsoft_ai_diffusion": {ms.FILE: fixture(f"microsoft/{ms.FILE}")}}
    )
    wh = tmp_path / "wh" / "aicap.duckdb"
    report = ingest(data, wh)
    assert "unesco_uis" not in report.changed + report.unchanged + report.no_importer
    return data, wh, tmp_path / "snapshots"


def run(data: Path, wh: Path, snaps: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "update",
            *args,
            "--data-dir",
            str(data),
            "--warehouse",
            str(wh),
            "--snapshots",
            str(snaps),
            "--backoff",
            "0",
            "--retries",
            "1",
        ],
    )
    return result.exit_code, result.output


def stored(wh: Path, source: str) -> dict[str, list[tuple[object, ...]]]:
    """Everything the warehouse holds for ``source``, row by row."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        out = {}
        for table in (
            "sources",
            "source_files",
            "indicators",
            "observations",
            "aggregate_observations",
        ):
            cols = "* EXCLUDE (ingested_at)" if table == "sources" else "*"
            out[table] = con.execute(
                f"SELECT {cols} FROM {table} WHERE source_id = ? ORDER BY ALL", [source]
            ).fetchall()
        return out
    finally:
        con.close()


def test_build_and_coverage_without_any_uis_snapshot(setup: tuple[Path, Path, Path]) -> None:
    data, wh, _ = setup
    again = ingest(data, wh, force=True)
    assert "unesco_uis" not in again.changed + again.unchanged + again.no_importer
    result = runner.invoke(app, ["coverage", "--json", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    assert not any(r["source"] == "unesco_uis" for r in json.loads(result.stdout)["indicators"])


def test_update_ingests_the_snapshot_and_explain_shows_it(
    setup: tuple[Path, Path, Path],
) -> None:
    data, wh, snaps = setup
    with respx.mock as router:
        mock_uis(router)
        code, out = run(data, wh, snaps, "unesco_uis")
    assert code == 0, out
    assert "updated unesco_uis" in out
    (folder,) = list((snaps / "unesco_uis").iterdir())
    result = runner.invoke(
        app, ["explain", "KEN", "UIS.GER.5T8", "2022", "--json", "--warehouse", str(wh)]
    )
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["value"] == 11.5 and rec["flags"] == ["UIS_EST"] and rec["origin"] == "live"
    assert rec["licence"] == "CC BY-SA 4.0"
    assert rec["snapshot"]["id"] == f"unesco_uis/{folder.name}"
    assert rec["snapshot"]["url"].startswith(uis.DATA_URL + "?indicator=GER.5T8&")
    assert rec["file"] == f"{folder.resolve()}/api/GER.5T8.json" and rec["row"] == 6
    assert rec["sha256"] == hashlib.sha256(answer("GER.5T8")).hexdigest()
    cov = runner.invoke(app, ["coverage", "--json", "--warehouse", str(wh)])
    rows = {r["indicator"]: r for r in json.loads(cov.stdout)["indicators"]}
    assert rows["UIS.GER.5T8"]["member_states"] == 5
    srcs = runner.invoke(app, ["sources", "--json", "--warehouse", str(wh)])
    row = next(r for r in json.loads(srcs.stdout) if r["source_id"] == "unesco_uis")
    assert row["origin"] == "live" and VERSION in row["notes"]
    # the aggregates are stored apart
    con = duckdb.connect(str(wh), read_only=True)
    try:
        codes = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT code FROM aggregate_observations WHERE indicator LIKE 'UIS.%'"
            ).fetchall()
        }
    finally:
        con.close()
    assert "SDG: World" in codes


def test_later_ingests_keep_uis_and_a_deleted_snapshot_keeps_the_values(
    setup: tuple[Path, Path, Path],
) -> None:
    data, wh, snaps = setup
    with respx.mock as router:
        mock_uis(router)
        code, out = run(data, wh, snaps, "unesco_uis")
    assert code == 0, out
    assert not ingest(data, wh).written
    assert ingest(data, wh, force=True).written
    assert Warehouse(wh).explain("KEN", "UIS.GER.5T8", 2022)["origin"] == "live"
    before = stored(wh, "unesco_uis")
    shutil.rmtree(next((snaps / "unesco_uis").iterdir()))
    report = ingest(data, wh)
    assert any("no bundled folder" in w for w in report.warnings)
    assert stored(wh, "unesco_uis") == before


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(500, content=b"<html><body>Internal error</body></html>"), "HTTP 500"),
        (httpx.Response(200, content=b'{"hints": [], "records": [{"indicatorId"'), "JSON"),
        (
            httpx.Response(
                200,
                content=b'{"hints": [{"code": "UIS::HINT::001", '
                b'"message": "The indicator could not be found, invalid"}], '
                b'"records": [], "indicatorMetadata": []}',
            ),
            "could not be found",
        ),
    ],
)
def test_a_failing_uis_update_keeps_what_is_stored(
    setup: tuple[Path, Path, Path], response: httpx.Response, expected: str
) -> None:
    data, wh, snaps = setup
    with respx.mock as router:
        mock_uis(router)
        code, out = run(data, wh, snaps, "unesco_uis")
    assert code == 0, out
    before_uis = stored(wh, "unesco_uis")
    before_ms = stored(wh, "microsoft_ai_diffusion")
    live_ms = fixture(f"microsoft/{ms.FILE}").replace(b"Kenya,7.80%", b"Kenya,8.10%")
    with respx.mock(assert_all_called=False) as router:
        mock_uis(router)
        router.get(url__regex=DATA_RE).mock(return_value=response)
        router.get(ms.SOURCE.live_url).mock(return_value=httpx.Response(200, content=live_ms))
        code, out = run(data, wh, snaps, "unesco_uis", "microsoft_ai_diffusion")
    assert code == 1, out
    assert "failed  unesco_uis" in out and expected in out
    assert stored(wh, "unesco_uis") == before_uis
    assert stored(wh, "microsoft_ai_diffusion") != before_ms  # the other source updated
    assert Warehouse(wh).explain("KEN", "MS.AIDIFF.H1", 2025)["value"] == 8.1


def test_offline_uis_update(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    with respx.mock:
        respx.get(url__regex=r".*").mock(side_effect=httpx.ConnectError("no route"))
        code, out = run(data, wh, snaps, "unesco_uis", "--offline-ok")
    assert code == 0 and "offline" in out
    assert not (snaps / "unesco_uis").exists() or not any((snaps / "unesco_uis").iterdir())
