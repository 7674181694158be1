"""Ingest: incremental (checksums decide), atomic (a failure or a kill leaves the old file byte for
byte), and loud on bad input (file, row, column, value named; nothing stored changes)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from aicap.warehouse.ingest import IngestError, ingest
from aicap.warehouse.read import Warehouse
from support import make_data_dir

HEADER = (
    "codeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank,"
    "pctranklower,pctrankupper\n"
)


def wgi_csv(rows: list[str]) -> bytes:
    return ("\ufeff" + HEADER + "".join(r + "\n" for r in rows)).encode()


GOOD = [
    "KENge2022,KEN,Kenya,2022,ge,-0.35,0.2,9,40.1,30.0,50.2",
    "KENge2023,KEN,Kenya,2023,ge,-0.30,0.2,9,41.5,31.0,51.0",
    "ZARge2023,ZAR,Congo Dem. Rep.,2023,ge,-1.60,0.2,9,5.2,1.0,9.9",
    "ANTge2000,ANT,Netherlands Antilles (former),2000,ge,1.0,0.3,3,80.0,70.0,90.0",
    "FRAge2023,FRA,France,2023,ge,..,..,..,..,..,..",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path, {"wgi": {"wgidataset.csv": wgi_csv(GOOD)}})


def test_first_ingest_then_warm_does_nothing(snapshot: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh" / "aicap.duckdb"
    first = ingest(snapshot, wh)
    assert first.written
    assert first.changed == ["country_reference", "wgi"]
    before = digest(wh)
    mtime = wh.stat().st_mtime_ns
    second = ingest(snapshot, wh)
    assert not second.written
    assert second.changed == []
    assert sorted(second.unchanged) == ["country_reference", "wgi"]
    assert digest(wh) == before
    assert wh.stat().st_mtime_ns == mtime


def test_values_codes_mapped_and_missing_markers_dropped(snapshot: Path, tmp_path: Path) -> None:
    wh_path = tmp_path / "aicap.duckdb"
    ingest(snapshot, wh_path)
    wh = Warehouse(wh_path)
    panel = wh.panel(["WGI.GE.EST"])
    assert sorted(panel["iso3"].unique()) == ["COD", "KEN"]  # ZAR -> COD; ANT excluded
    assert "FRA" not in set(panel["iso3"])  # ".." is missing, not zero
    rec = wh.explain("COD", "WGI.GE.EST", 2023)
    assert rec["value"] == pytest.approx(-1.60)
    assert rec["row"] == 4
    assert rec["file"] == "wgi/wgidataset.csv"
    assert (
        rec["sha256"] == hashlib.sha256((snapshot / "wgi/wgidataset.csv").read_bytes()).hexdigest()
    )
    sources = wh.sources().set_index("source_id")
    assert "ANT" in sources.loc["wgi", "excluded"]


def test_only_changed_source_is_reparsed(snapshot: Path, tmp_path: Path) -> None:
    wh = tmp_path / "aicap.duckdb"
    ingest(snapshot, wh)
    (snapshot / "wgi" / "wgidataset.csv").write_bytes(
        wgi_csv([*GOOD, "KENge2021,KEN,Kenya,2021,ge,-0.40,0.2,9,39.0,29.0,49.0"])
    )
    report = ingest(snapshot, wh)
    assert report.changed == ["wgi"]
    assert report.unchanged == ["country_reference"]
    assert 2021 in set(Warehouse(wh).panel(["WGI.GE.EST"], countries=["KEN"])["year"])


BAD_INPUTS = {
    "truncated": (
        (("\ufeff" + HEADER + GOOD[0] + "\n" + "KENge2023,KEN,Kenya,2023,ge,-0.3").encode()),
        ["wgi/wgidataset.csv", "row 3", "truncated"],
    ),
    "wrong delimiter": (
        ("\ufeff" + HEADER.replace(",", ";") + GOOD[0].replace(",", ";") + "\n").encode(),
        ["wgi/wgidataset.csv", "delimited"],
    ),
    "wrong encoding": (
        wgi_csv(GOOD).replace(b"Kenya", "Kény".encode("latin-1")),
        ["wgi/wgidataset.csv", "utf-8"],
    ),
    "non-numeric": (
        wgi_csv([GOOD[0], "KENge2023,KEN,Kenya,2023,ge,high,0.2,9,41.5,31.0,51.0"]),
        ["wgi/wgidataset.csv", "row 3", "'estimate'", "'high'"],
    ),
    "duplicate with different values": (
        wgi_csv([GOOD[1], "KENge2023,KEN,Kenya,2023,ge,-0.10,0.2,9,41.5,31.0,51.0"]),
        ["wgi/wgidataset.csv", "row 3", "duplicate"],
    ),
    "unknown country": (
        wgi_csv([GOOD[0], "XYZge2023,XYZ,Atlantis,2023,ge,1.0,0.2,9,41.5,31.0,51.0"]),
        ["wgi/wgidataset.csv", "row 3", "'XYZ'", "mappings/wgi.yaml"],
    ),
    "missing column": (
        (
            "\ufeff"
            + HEADER.replace(",estimate", "")
            + "KENge2023,KEN,Kenya,2023,ge,0.2,9,41,31,51\n"
        ).encode(),
        ["wgi/wgidataset.csv", "'estimate'"],
    ),
    "empty file": (b"", ["wgi/wgidataset.csv", "empty"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_changes_nothing(case: str, snapshot: Path, tmp_path: Path) -> None:
    wh = tmp_path / "aicap.duckdb"
    ingest(snapshot, wh)
    before = digest(wh)
    content, expected = BAD_INPUTS[case]
    (snapshot / "wgi" / "wgidataset.csv").write_bytes(content)
    with pytest.raises(IngestError) as info:
        ingest(snapshot, wh)
    message = str(info.value)
    for part in expected:
        assert part.lower() in message.lower(), (part, message)
    assert digest(wh) == before
    assert not list(wh.parent.glob("aicap.duckdb.tmp-*"))
    # the stored data is intact and readable
    assert len(Warehouse(wh).panel(["WGI.GE.EST"])) == 3


def test_failure_on_first_ingest_leaves_no_file(tmp_path: Path) -> None:
    snapshot = make_data_dir(tmp_path, {"wgi": {"wgidataset.csv": b""}})
    wh = tmp_path / "aicap.duckdb"
    with pytest.raises(IngestError):
        ingest(snapshot, wh)
    assert not wh.exists()


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import aicap.warehouse.ingest as ing

    point = sys.argv[3]
    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)
    if point == "mid-transaction":
        original = ing._write_source
        calls = []
        def write_source(con, s):
            original(con, s)
            calls.append(1)
            die()
        ing._write_source = write_source
    elif point == "before-rename":
        ing.os.fsync = die
    elif point == "after-copy":
        ing.duckdb.connect = die
    ing.ingest(Path(sys.argv[1]), Path(sys.argv[2]), force=True)
    """
)


@pytest.mark.parametrize("point", ["after-copy", "mid-transaction", "before-rename"])
def test_killed_ingest_leaves_previous_warehouse(
    point: str, snapshot: Path, tmp_path: Path
) -> None:
    wh = tmp_path / "aicap.duckdb"
    ingest(snapshot, wh)
    before = digest(wh)
    (snapshot / "wgi" / "wgidataset.csv").write_bytes(wgi_csv(GOOD[:2]))
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(snapshot), str(wh), point],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert digest(wh) == before
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute(
        "SELECT count(*) FROM observations WHERE indicator = 'WGI.GE.EST'"
    ).fetchone() == (3,)
    con.close()
    # a later ingest cleans up and succeeds
    report = ingest(snapshot, wh)
    assert report.written
    assert not list(tmp_path.glob("aicap.duckdb.tmp-*"))
    assert len(Warehouse(wh).panel(["WGI.GE.EST"])) == 2


def test_killed_at_random_times_never_corrupts(snapshot: Path, tmp_path: Path) -> None:
    wh = tmp_path / "aicap.duckdb"
    ingest(snapshot, wh)
    before = digest(wh)
    (snapshot / "wgi" / "wgidataset.csv").write_bytes(wgi_csv(GOOD[:2]))
    script = (
        "import sys; from pathlib import Path; from aicap.warehouse.ingest import ingest; "
        "ingest(Path(sys.argv[1]), Path(sys.argv[2]), force=True)"
    )
    for delay in (0.05, 0.3, 0.6, 0.9, 1.2, 1.6):
        proc = subprocess.Popen([sys.executable, "-c", script, str(snapshot), str(wh)])
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        now = digest(wh)
        con = duckdb.connect(str(wh), read_only=True)
        n = con.execute(
            "SELECT count(*) FROM observations WHERE indicator = 'WGI.GE.EST'"
        ).fetchone()
        con.close()
        # either exactly the old file, or a complete new one: never anything in between
        assert (now == before and n == (3,)) or n == (2,)
    ingest(snapshot, wh)
    assert len(Warehouse(wh).panel(["WGI.GE.EST"])) == 2
