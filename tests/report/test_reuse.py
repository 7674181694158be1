"""A whole briefing (and a profile) reused from the cache only while none of its inputs changed:
the key covers every input, a reused briefing is the one a fresh run writes, and a change to the
warehouse or the catalogue gives a new briefing and a new profile (never a stale one)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES

from aicap.cli import report_cmd
from aicap.report import reuse
from aicap.report.cache import Cache

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ the key
@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Small stand-ins for every input file (the key hashes bytes, it does not parse them)."""
    wh = tmp_path / "wh.duckdb"
    wh.write_bytes(b"warehouse")
    idx = tmp_path / "out"
    idx.mkdir()
    for name in reuse.OUTPUT_FILES:
        (idx / name).write_bytes(name.encode())
    cats = tmp_path / "catalogues"
    shutil.copytree(REPO / "catalogues", cats)
    monkeypatch.setenv("AICAP_MONITOR_LINKS", str(cats / "monitor_links.yaml"))
    monkeypatch.setenv("AICAP_RISKS", str(cats / "risks.yaml"))
    fw = tmp_path / "frameworks"
    shutil.copytree(REPO / "frameworks", fw)
    monkeypatch.setattr(reuse, "framework_path", lambda: fw / "aicap.yaml")
    mandates = tmp_path / "mandates"
    shutil.copytree(MANDATES, mandates)
    return {
        "warehouse": wh,
        "index": idx,
        "catalogue": cats / "interventions.yaml",
        "mandates": mandates,
        "framework": fw / "aicap.yaml",
        "links": cats / "monitor_links.yaml",
        "risks": cats / "risks.yaml",
    }


def _key(i: dict[str, Path], **options: object) -> str:
    kw: dict[str, object] = {"annex": "focus", "pdf": True, "boot": 1000, "workers": 2}
    kw.update(options)
    return reuse.briefing_key(
        i["warehouse"],
        i["index"],
        catalogue=i["catalogue"],
        mandates=i["mandates"],
        **kw,  # type: ignore[arg-type]
    )


def _append(path: Path, text: bytes = b"\n# changed\n") -> None:
    path.write_bytes(path.read_bytes() + text)


def test_the_key_changes_with_every_input(inputs: dict[str, Path]) -> None:
    first = _key(inputs)
    assert _key(inputs) == first  # nothing changed
    assert _key(inputs, annex=" Focus ") == first  # the same selection
    seen = {first}
    changes: list[Callable[[], None]] = [
        lambda: _append(inputs["warehouse"], b"x"),
        lambda: inputs["warehouse"].with_name("wh.duckdb.wal").write_bytes(b"not checkpointed"),
        lambda: _append(inputs["index"] / "series_cells.parquet", b"x"),
        lambda: _append(inputs["index"] / "results.parquet", b"x"),
        lambda: _append(inputs["catalogue"]),
        lambda: _append(inputs["links"]),
        lambda: _append(inputs["risks"]),
        lambda: _append(inputs["framework"]),
        lambda: _append(next(iter(sorted(inputs["mandates"].glob("*.yaml"))))),
    ]
    for change in changes:
        change()
        k = _key(inputs)
        assert k not in seen
        seen.add(k)
    last = _key(inputs)
    for options in ({"annex": "all"}, {"annex": "KEN"}, {"pdf": False}, {"boot": 200}):
        assert _key(inputs, **options) != last
    assert _key(inputs, workers=1) != last  # the PDF's chunks (bytes) depend on it


def test_the_key_changes_with_the_code(
    inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _key(inputs)
    monkeypatch.setattr(reuse, "package_digest", lambda: "other code")
    assert _key(inputs) != first
    monkeypatch.undo()
    monkeypatch.setattr(reuse, "library_versions", lambda: "other weasyprint")
    assert _key(inputs) != first
    monkeypatch.undo()
    monkeypatch.setattr(reuse, "system_fingerprint", lambda: "another pango, new fonts")
    assert _key(inputs) != first
    monkeypatch.undo()
    assert "libpango" in reuse.system_fingerprint() or not Path("/usr/lib").is_dir()


def test_default_paths_are_the_loaders_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from aicap.analysis.catalogue import default_catalogue_path
    from aicap.analysis.monitor.links import default_links_path
    from aicap.analysis.monitor.risks import default_taxonomy_path
    from aicap.analysis.spec import default_framework_path

    for var in ("AICAP_CATALOGUE", "AICAP_MONITOR_LINKS", "AICAP_RISKS"):
        monkeypatch.delenv(var, raising=False)
    expected = [default_catalogue_path(), default_links_path(), default_taxonomy_path()]
    assert reuse.catalogue_paths(None) == expected
    assert reuse.framework_path() == default_framework_path()
    monkeypatch.setenv("AICAP_CATALOGUE", "/elsewhere/c.yaml")
    monkeypatch.setenv("AICAP_MONITOR_LINKS", "/elsewhere/l.yaml")
    monkeypatch.setenv("AICAP_RISKS", "/elsewhere/r.yaml")
    expected = [default_catalogue_path(), default_links_path(), default_taxonomy_path()]
    assert reuse.catalogue_paths(None) == expected
    assert reuse.catalogue_paths(Path("x.yaml"))[0] == Path("x.yaml")


def test_entries_round_trip_and_only_the_newest_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    (run / "data").mkdir(parents=True)
    (run / "briefing.html").write_text("<html>é</html>", "utf-8")
    (run / "briefing.pdf").write_bytes(b"%PDF-1.7 ...")
    (run / "data" / "a.csv").write_text("x\n1\n")
    stored = reuse.capture(
        run,
        run / "briefing.html",
        [run / "data" / "a.csv"],
        run / "briefing.pdf",
        3,
        ["KEN"],
        "2025-01-01 00:00 UTC",
        ["a warning"],
    )
    cache = Cache(tmp_path / "cache")
    monkeypatch.setitem(reuse.KEEP, reuse.KIND_BRIEFING, 2)
    for k in ("k1", "k2", "k3"):
        reuse.put(cache, reuse.KIND_BRIEFING, k, stored)
    assert reuse.get(cache, reuse.KIND_BRIEFING, "k1") is None  # pruned: two kept
    got = reuse.get(cache, reuse.KIND_BRIEFING, "k3")
    assert isinstance(got, reuse.Stored) and cache.hits == 1 and cache.misses == 1
    html, files, pdf = reuse.write(got, tmp_path / "again")
    assert html.read_text("utf-8") == "<html>é</html>"
    assert [f.relative_to(tmp_path / "again").as_posix() for f in files] == ["data/a.csv"]
    assert files[0].read_text() == "x\n1\n" and pdf is not None
    assert pdf.read_bytes() == b"%PDF-1.7 ..."
    assert got.warnings == ["a warning"] and got.annex == ["KEN"] and got.pages == 3


# ------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def index_dir(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real index for its last three years, written as `aicap build` writes it."""
    from aicap.analysis.run import run_index
    from aicap.warehouse.read import Warehouse

    probe = run_index(Warehouse(full_warehouse), uncertainty=False, start=2023)
    out = tmp_path_factory.mktemp("index")
    probe.series.to_parquet(out / "series.parquet")
    probe.results.to_parquet(out / "results.parquet")
    cells = pd.concat([ys.cells for ys in probe.index.years.values()], ignore_index=True)
    cells.to_parquet(out / "series_cells.parquet")
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _without_time(html: bytes) -> bytes:
    import re

    return re.sub(rb"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", b"generated T", html)


def _set_gdp(warehouse: Path, iso3: str, factor: float) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "UPDATE observations SET value = value * ? "
            "WHERE iso3 = ? AND indicator = 'NY.GDP.PCAP.PP.CD'",
            [factor, iso3],
        )
    finally:
        con.close()


@pytest.mark.slow
def test_a_changed_input_gives_a_new_briefing_and_profile(
    full_warehouse: Path, index_dir: Path, tmp_path: Path
) -> None:
    wh = tmp_path / "aicap.duckdb"
    shutil.copyfile(full_warehouse, wh)
    cache = tmp_path / "cache"
    common = ["--warehouse", str(wh), "--index-dir", str(index_dir), "--cache", str(cache)]
    common += ["--mandates", str(MANDATES)]
    app = report_cmd.standalone()
    runner = CliRunner()

    def briefing(out: Path, *extra: str) -> str:
        args = ["report", "briefing", "--out", str(out), "--annex", "KEN", "--boot", "200"]
        res = runner.invoke(app, [*args, "--no-pdf", *common, *extra])
        assert res.exit_code == 0, res.output
        return res.stdout

    def profile(*extra: str) -> tuple[str, dict[str, object]]:
        res = runner.invoke(app, ["profile", "KEN", "--json", *common, *extra])
        assert res.exit_code == 0, res.output
        return res.stdout, json.loads(res.stdout)

    first = briefing(tmp_path / "b1")
    assert "reused from the cache" not in first
    again = briefing(tmp_path / "b2")
    assert "reused from the cache" in again
    assert _files(tmp_path / "b2") == _files(tmp_path / "b1")
    # what is reused is what a fresh run writes
    fresh = briefing(tmp_path / "fresh", "--no-cache")
    assert "reused" not in fresh
    f1, f2 = _files(tmp_path / "b1"), _files(tmp_path / "fresh")
    assert f1.keys() == f2.keys()
    for name in f1:
        a, b = (_without_time(f1[name]), _without_time(f2[name]))
        assert a == b, name

    # another option: a new briefing, on the diagnoses stored by the first (same inputs)
    (stored,) = (cache / "derived").glob("*.pickle")
    written = stored.stat().st_mtime_ns
    other = briefing(tmp_path / "boot300", "--boot", "300")
    assert "reused from the cache" not in other
    assert stored.stat().st_mtime_ns == written  # read, not computed and written again
    fresh300 = briefing(tmp_path / "fresh300", "--boot", "300", "--no-cache")
    assert "reused" not in fresh300
    f1, f2 = _files(tmp_path / "boot300"), _files(tmp_path / "fresh300")
    assert f1.keys() == f2.keys() and f1 != _files(tmp_path / "b1")
    for name in f1:
        assert _without_time(f1[name]) == _without_time(f2[name]), name
    f1 = _files(tmp_path / "b1")

    p1, prof1 = profile()
    p2, _ = profile()
    assert p1 == p2 and list((cache / "profile").glob("*.pickle"))

    # a value in the warehouse changes: a new briefing and a new profile, not the stored ones
    _set_gdp(wh, "KEN", 2.0)
    changed = briefing(tmp_path / "b3")
    assert "reused from the cache" not in changed
    old = pd.read_csv(tmp_path / "b1" / "data" / "expected_capacity.csv").set_index("iso3")
    new = pd.read_csv(tmp_path / "b3" / "data" / "expected_capacity.csv").set_index("iso3")
    assert new.loc["KEN", "gdp_pc"] == pytest.approx(2 * old.loc["KEN", "gdp_pc"])
    assert (tmp_path / "b3" / "data" / "profiles.json").read_bytes() != f1["data/profiles.json"]
    p3, prof3 = profile()
    assert p3 != p1
    gdp1 = prof1["expected_capacity"]["gdp_per_capita_ppp"]  # type: ignore[index]
    gdp3 = prof3["expected_capacity"]["gdp_per_capita_ppp"]  # type: ignore[index]
    assert gdp3 == pytest.approx(2 * gdp1, abs=1)

    # the catalogue changes: the recommendations' titles follow it
    rec_id = str(prof3["recommendations"][0]["id"])  # type: ignore[index]
    cat = tmp_path / "interventions.yaml"
    text = (REPO / "catalogues" / "interventions.yaml").read_text("utf-8")
    marker = f"id: {rec_id}\n"
    assert marker in text
    head, tail = text.split(marker, 1)
    title_line = next(line for line in tail.splitlines() if line.strip().startswith("title:"))
    renamed = title_line.replace("title:", "title: Renamed", 1)
    cat.write_text(head + marker + tail.replace(title_line, renamed, 1), "utf-8")
    changed_cat = briefing(tmp_path / "b4", "--catalogue", str(cat))
    assert "reused from the cache" not in changed_cat
    assert "Renamed" in (tmp_path / "b4" / "data" / "profiles.json").read_text("utf-8")
    assert "Renamed" not in (tmp_path / "b3" / "data" / "profiles.json").read_text("utf-8")
    _, prof4 = profile("--catalogue", str(cat))
    assert str(prof4["recommendations"][0]["title"]).startswith("Renamed")  # type: ignore[index]


# ------------------------------------------------------------------------------ the entry point
def test_report_and_profile_start_without_the_other_commands() -> None:
    """`aicap report ...` and `aicap profile ...` import neither cli.main (every command) nor
    pandas before they know that they must compute; their help is the full command line's."""
    import subprocess

    code = (
        "import sys\n"
        "sys.argv = ['aicap', 'report', 'briefing', '--help']\n"
        "from aicap.cli import entry\n"
        "try:\n"
        "    entry.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('IMPORTED', 'aicap.cli.main' in sys.modules, 'pandas' in sys.modules)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert "IMPORTED False False" in res.stdout
    from aicap.cli.main import app

    runner = CliRunner()
    for args in (["report", "briefing", "--help"], ["profile", "--help"], ["report"]):
        full = runner.invoke(app, args)
        light = runner.invoke(report_cmd.standalone(), args)
        assert light.exit_code == full.exit_code and light.output == full.output
