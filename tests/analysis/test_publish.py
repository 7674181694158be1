"""Outputs are published atomically and only where their bytes changed, so a no-op build
leaves them (and the briefing's cache key, which hashes their bytes and times) as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from capacity_helpers import shipped

from aicap.analysis.publish import publish, write_published
from aicap.analysis.run import write_outputs


def _stamp(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir() if p.is_file()}


def test_publish_moves_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "same.txt").write_text("a")
    (out / "diff.txt").write_text("old")
    os.utime(out / "same.txt", ns=(1, 1))
    stage = tmp_path / "stage"
    stage.mkdir()
    for name, text in [("same.txt", "a"), ("diff.txt", "new"), ("new.txt", "n")]:
        (stage / name).write_text(text)
    changed = publish(stage, out, ["same.txt", "diff.txt", "new.txt"])
    assert changed == ["diff.txt", "new.txt"]
    assert (out / "same.txt").stat().st_mtime_ns == 1  # untouched, time and all
    assert (out / "diff.txt").read_text() == "new" and (out / "new.txt").read_text() == "n"


def test_a_failed_write_leaves_the_outputs_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.csv").write_text("previous")

    def failing(folder: Path) -> list[str]:
        (folder / "results.csv").write_text("half")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError):
        write_published(out, failing)
    assert (out / "results.csv").read_text() == "previous"
    assert [p.name for p in out.iterdir()] == ["results.csv"]  # no staging folder left


@pytest.mark.slow
def test_writing_the_same_run_twice_changes_nothing_but_the_timings(
    full_warehouse: Path, tmp_path: Path
) -> None:
    run = shipped(full_warehouse)
    out = tmp_path / "out"
    names = write_outputs(run, out)
    assert "results.parquet" in names and "timings.json" in names
    before = _stamp(out)
    assert not any(p.name.startswith(".writing-") for p in out.iterdir())
    write_outputs(run, out)
    after = _stamp(out)
    assert after == before


def test_outputs_are_stale_by_the_warehouse_they_were_built_from(tmp_path: Path) -> None:
    import json

    from aicap.analysis.publish import BUILT_FROM, outputs_stale, warehouse_stamp

    wh = tmp_path / "aicap.duckdb"
    wh.write_bytes(b"warehouse one")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.parquet").write_bytes(b"results")
    (out / BUILT_FROM).write_text(json.dumps(warehouse_stamp(wh)))
    os.utime(out / "results.parquet", ns=(1, 1))  # results left untouched by a later build
    assert not outputs_stale(wh, out)  # same warehouse: current, however old the files
    wh.write_bytes(b"warehouse two")
    assert outputs_stale(wh, out)
    (out / BUILT_FROM).unlink()  # outputs of an older aicap: by time
    assert outputs_stale(wh, out)
    os.utime(out / "results.parquet")
    os.utime(wh, ns=(2, 2))
    assert not outputs_stale(wh, out)
