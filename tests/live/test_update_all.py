"""``aicap update --all`` builds a warehouse from nothing but the country reference (which has no
API) and the publishers' APIs, replaying recorded responses (issue 25, item 2)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx
import respx
from helpers import FIXTURES, WB_META, mock_all, worldbank
from typer.testing import CliRunner

from aicap.cli.main import app
from support import make_data_dir

runner = CliRunner()


def _recorded(router: respx.MockRouter) -> None:
    """The recorded responses; anything not recorded answers 404 (as if not published)."""

    def wb(request: httpx.Request) -> httpx.Response:
        meta = WB_META.match(str(request.url))
        if meta and not (FIXTURES / "worldbank" / f"{meta.group(1)}-meta.json").is_file():
            return httpx.Response(404)
        return worldbank(request)

    router.get(url__regex=r"^https://api\.worldbank\.org/v2/").mock(side_effect=wb)
    mock_all(router)
    router.route().mock(return_value=httpx.Response(404))


def _update(data: Path, wh: Path, snaps: Path, *args: str) -> tuple[int, str]:
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
            "0",
        ],
    )
    return result.exit_code, result.output


def test_update_all_builds_a_warehouse_from_the_apis(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, {})  # the country reference only
    wh = tmp_path / "new" / "aicap.duckdb"
    snaps = tmp_path / "snapshots"
    with respx.mock(assert_all_called=False) as router:
        _recorded(router)
        code, out = _update(data, wh, snaps, "--all")
    text = " ".join(out.split())
    assert "building one from the publishers' APIs" in text
    assert code == 1, out  # sources with no recorded response failed, and say so
    assert "updated microsoft_ai_diffusion" in text and "updated owid_internet_users" in text
    assert "failed owid_ai_publications" in text and "HTTP 404" in text
    # wgi needs its bundled file beside the API series: refused with a reason, not a traceback
    assert "failed wgi" in text
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = dict(
            con.execute("SELECT source_id, origin FROM sources ORDER BY source_id").fetchall()
        )
        kenya = con.execute(
            "SELECT value FROM observations WHERE iso3 = 'KEN' AND indicator = 'MS.AIDIFF.H1'"
        ).fetchone()
    finally:
        con.close()
    assert rows["country_reference"] == "snapshot"
    assert rows["microsoft_ai_diffusion"] == "live" and rows["owid_internet_users"] == "live"
    assert "wgi" not in rows and "owid_ai_publications" not in rows
    assert kenya == (7.8,)
    # a second run with nothing new: the live sources stay live, nothing is reported missing
    with respx.mock(assert_all_called=False) as router:
        _recorded(router)
        code, out = _update(data, wh, snaps, "microsoft_ai_diffusion")
    assert code == 0, out
    assert "gone from the snapshot" not in out


def test_update_all_needs_the_country_reference(tmp_path: Path) -> None:
    empty = tmp_path / "raw"
    empty.mkdir()
    code, out = _update(empty, tmp_path / "wh.duckdb", tmp_path / "s", "--all")
    assert code == 2 and "no country reference" in out and "aicap data fetch" in out
    assert not (tmp_path / "wh.duckdb").exists()


def test_update_all_and_names_are_exclusive(tmp_path: Path) -> None:
    code, out = _update(tmp_path, tmp_path / "wh.duckdb", tmp_path / "s", "--all", "wgi")
    assert code == 2 and "not both" in out
