"""``aicap update`` end to end on a small warehouse, replaying recorded responses: snapshots with
their manifest, live provenance in ``explain``, one failing source leaving what is stored for it
unchanged while the others update, offline handling, and later ingests keeping the live data."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import httpx
import pytest
import respx
from helpers import fixture, mock_all
from typer.testing import CliRunner

from aicap.cli.main import app
from aicap.sources import microsoft_ai_diffusion as ms
from aicap.sources import owid_internet_users as net
from aicap.sources import wgi
from aicap.warehouse.ingest import IngestError, ingest
from aicap.warehouse.read import Warehouse
from support import DATA_DIR, make_data_dir

runner = CliRunner()
MS_LIVE = fixture(f"microsoft/{ms.FILE}")
#: the bundled copy is an older vintage: Kenya's H1 2025 value differs from the live one
MS_BUNDLED = MS_LIVE.replace(b"Kenya,7.80%", b"Kenya,7.00%")
WGI_ROWS = [
    line
    for line in (DATA_DIR / "wgi" / wgi.FILE).read_text("utf-8-sig").splitlines()
    if line.startswith(("codeindyr", "KENge2023", "ZARge2023", "FRAge2023", "KENcc2022"))
]
NET_BUNDLED = fixture(f"owid/{net.SLUG}.csv").replace(b",", b";").replace(b"40.8137", b"40.0")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = make_data_dir(
        tmp_path,
        {
            "microsoft_ai_diffusion": {ms.FILE: MS_BUNDLED},
            "wgi": {wgi.FILE: ("\n".join(WGI_ROWS) + "\n").encode()},
            "owid_internet_users": {net.FILE: NET_BUNDLED},
        },
    )
    wh = tmp_path / "wh" / "aicap.duckdb"
    ingest(data, wh)
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
        for table in ("sources", "source_files", "indicators", "observations"):
            cols = "* EXCLUDE (ingested_at)" if table == "sources" else "*"
            out[table] = con.execute(
                f"SELECT {cols} FROM {table} WHERE source_id = ? ORDER BY ALL", [source]
            ).fetchall()
        return out
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_update_stores_snapshots_and_explain_shows_them(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    assert Warehouse(wh).explain("KEN", "MS.AIDIFF.H1", 2025)["value"] == 7.0
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        code, out = run(data, wh, snaps, "microsoft_ai_diffusion", "owid_internet_users")
    assert code == 0, out
    assert "updated microsoft_ai_diffusion" in out
    folders = list((snaps / "microsoft_ai_diffusion").iterdir())
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "snapshot.json").read_text())
    assert manifest["licence"] == "MIT" and manifest["source"] == "microsoft_ai_diffusion"
    (entry,) = manifest["files"]
    assert entry["url"] == ms.SOURCE.live_url and entry["status"] == 200
    assert entry["sha256"] == hashlib.sha256(MS_LIVE).hexdigest()
    assert (folders[0] / ms.FILE).read_bytes() == MS_LIVE

    result = runner.invoke(
        app, ["explain", "KEN", "MS.AIDIFF.H1", "2025", "--json", "--warehouse", str(wh)]
    )
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["value"] == 7.8 and rec["origin"] == "live"
    snap = rec["snapshot"]
    assert snap["id"] == f"microsoft_ai_diffusion/{folders[0].name}"
    assert snap["url"] == ms.SOURCE.live_url
    assert snap["retrieved"] == manifest["retrieved"]
    assert rec["file"] == f"{folders[0].resolve()}/{ms.FILE}"
    assert rec["sha256"] == entry["sha256"]
    # the route of a live value: the publisher's own URL, not a mirror
    assert rec["route"] == f"downloaded from {ms.SOURCE.live_url} on {manifest['retrieved']}"
    assert rec["publisher"] == ms.SOURCE.publisher
    assert Warehouse(wh).explain("KEN", "OWID.INTERNET_USERS", 2022)["value"] == 40.8137
    # a bundled value has no snapshot
    bundled = Warehouse(wh).explain("KEN", "WGI.GE.EST", 2023)
    assert bundled["snapshot"] is None and bundled["origin"] == "snapshot"
    assert not bundled["route"].startswith("downloaded from")  # its SOURCE.md's mirror


def test_a_failing_source_keeps_its_data_and_the_others_update(
    setup: tuple[Path, Path, Path],
) -> None:
    data, wh, snaps = setup
    before = stored(wh, "wgi")
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)  # then the World Bank answers with its HTML error page
        router.get(url__regex=r"^https://api\.worldbank\.org/").mock(
            return_value=httpx.Response(
                200, content=fixture("html-error.html"), headers={"content-type": "text/html"}
            )
        )
        code, out = run(data, wh, snaps, "wgi", "microsoft_ai_diffusion")
    assert code == 1, out
    assert "failed  wgi" in out and "HTML page" in out and "api.worldbank.org" in out
    assert stored(wh, "wgi") == before
    assert Warehouse(wh).explain("KEN", "MS.AIDIFF.H1", 2025)["value"] == 7.8
    assert not (snaps / "wgi").exists() or not any((snaps / "wgi").iterdir())


def test_data_rejected_after_download_keeps_stored_data(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    before = stored(wh, "microsoft_ai_diffusion")
    truncated = MS_LIVE[: MS_LIVE.index(b"Kenya") + 12]  # cut inside a record
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        router.get(ms.SOURCE.live_url).mock(return_value=httpx.Response(200, content=truncated))
        code, out = run(data, wh, snaps, "microsoft_ai_diffusion", "owid_internet_users")
    assert code == 1, out
    assert "failed  microsoft_ai_diffusion" in out and ms.SOURCE.live_url in out
    assert "truncated" in out
    assert stored(wh, "microsoft_ai_diffusion") == before
    assert Warehouse(wh).explain("KEN", "OWID.INTERNET_USERS", 2022)["value"] == 40.8137


def test_only_failures_leave_the_warehouse_byte_for_byte(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    before = digest(wh)
    with respx.mock:
        route = respx.get(ms.SOURCE.live_url).mock(return_value=httpx.Response(500))
        code, out = run(data, wh, snaps, "microsoft_ai_diffusion")
    assert code == 1 and "HTTP 500" in out and "2 attempt" in out
    assert route.call_count == 2
    assert digest(wh) == before


def test_offline(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    before = digest(wh)
    with respx.mock:
        route = respx.get(url__regex=r".*").mock(side_effect=httpx.ConnectError("no route"))
        code, out = run(data, wh, snaps)
        assert route.call_count == 1  # the other sources are not tried
    assert code == 1 and "offline" in out
    with respx.mock:
        respx.get(url__regex=r".*").mock(side_effect=httpx.ConnectError("no route"))
        code, out = run(data, wh, snaps, "--offline-ok")
    assert code == 0 and "nothing stored was changed" in out
    assert digest(wh) == before


def test_unknown_and_not_live_sources_are_refused(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    code, out = run(data, wh, snaps, "undp_hdr")
    assert code == 2 and "no live update" in out
    code, out = run(data, wh, snaps, "geo")
    assert code == 2 and "Natural Earth" in out
    code, out = run(data, wh, snaps, "nope")
    assert code == 2 and "unknown source" in out


def test_live_data_survive_a_plain_ingest_until_the_snapshot_is_deleted(
    setup: tuple[Path, Path, Path],
) -> None:
    data, wh, snaps = setup
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        code, out = run(data, wh, snaps, "microsoft_ai_diffusion", "wgi")
    assert code == 0, out
    wh_view = Warehouse(wh)
    assert wh_view.explain("KEN", "WGI.GE.EST", 2023)["snapshot"]["url"].startswith(
        "https://api.worldbank.org/v2/country/all/indicator/GOV_WGI_GE.EST?"
    )
    # percentile ranks come from the carried bundled file, named as such
    pct = wh_view.explain("KEN", "WGI.GE.PCT", 2023)
    assert pct["file"].endswith("/wgidataset.csv") and pct["snapshot"]["file_origin"] == "carried"
    again = ingest(data, wh)
    assert not again.written  # nothing changed: the live snapshot is still the stored one
    forced = ingest(data, wh, force=True)
    assert forced.written
    assert Warehouse(wh).explain("KEN", "MS.AIDIFF.H1", 2025)["origin"] == "live"
    snap_dir = next((snaps / "microsoft_ai_diffusion").iterdir())
    # a damaged snapshot is refused, naming the file
    (snap_dir / ms.FILE).write_bytes(MS_BUNDLED)
    with pytest.raises(IngestError, match="SHA-256"):
        ingest(data, wh)
    shutil.rmtree(snap_dir)
    back = ingest(data, wh)
    assert any("is gone" in w for w in back.warnings)
    rec = Warehouse(wh).explain("KEN", "MS.AIDIFF.H1", 2025)
    assert rec["origin"] == "snapshot" and rec["value"] == 7.0 and rec["snapshot"] is None


def test_sources_json_lists_the_snapshot(setup: tuple[Path, Path, Path]) -> None:
    data, wh, snaps = setup
    with respx.mock(assert_all_called=False) as router:
        mock_all(router)
        code, _ = run(data, wh, snaps, "owid_internet_users")
    assert code == 0
    result = runner.invoke(app, ["sources", "--json", "--warehouse", str(wh)])
    row = next(r for r in json.loads(result.stdout) if r["source_id"] == "owid_internet_users")
    assert row["origin"] == "live" and row["snapshot"].startswith("owid_internet_users/")
    assert len(json.loads(row["snapshot_urls"])) == 2
    assert {f["origin"] for f in row["files"]} == {"live"}
