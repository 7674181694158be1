"""A no-op build reuses the index outputs only when the key matches and every file is intact."""

from __future__ import annotations

from pathlib import Path

from aicap.cli import build_reuse


def _outputs(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.parquet").write_bytes(b"results")
    (out / "summary.json").write_text("{}")
    return out


def test_reused_with_the_same_key_and_intact_files(tmp_path: Path) -> None:
    out = _outputs(tmp_path)
    build_reuse.remember(out, "k1", ["results.parquet", "summary.json"])
    record = build_reuse.reusable(out, "k1")
    assert record is not None and set(record["files"]) == {"results.parquet", "summary.json"}


def test_not_reused_when_anything_differs(tmp_path: Path) -> None:
    out = _outputs(tmp_path)
    build_reuse.remember(out, "k1", ["results.parquet", "summary.json"])
    assert build_reuse.reusable(out, "k2") is None  # another input, code or option
    (out / "results.parquet").write_bytes(b"edited by hand")
    assert build_reuse.reusable(out, "k1") is None
    (out / "results.parquet").write_bytes(b"results")
    (out / "summary.json").unlink()
    assert build_reuse.reusable(out, "k1") is None
    (out / build_reuse.RECORD).write_text("not json")
    assert build_reuse.reusable(out, "k1") is None
    assert build_reuse.reusable(tmp_path / "nothing", "k1") is None


def test_the_key_follows_the_warehouse_and_the_options(tmp_path: Path) -> None:
    wh = tmp_path / "aicap.duckdb"
    wh.write_bytes(b"one")
    k = build_reuse.build_key(wh, None, True)
    assert build_reuse.build_key(wh, None, True) == k
    assert build_reuse.build_key(wh, None, False) != k
    wh.write_bytes(b"two")
    assert build_reuse.build_key(wh, None, True) != k
