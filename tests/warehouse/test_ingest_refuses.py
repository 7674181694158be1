"""Ingest-level bad inputs (issue 25, item 6): a missing SOURCE.md, a removed source, a new
undocumented folder, an indicator code another publisher owns, an unreadable folder, a file
that differs from the snapshot manifest. Each is reported in one line (errors leave the
warehouse byte-identical); none gives a traceback, also through the CLI."""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicap.cli.main import app
from aicap.sources import microsoft_ai_diffusion as ms
from aicap.sources import un_egdi
from aicap.warehouse.checks import MANIFEST
from aicap.warehouse.ingest import IngestError, ingest
from support import DATA_DIR, make_data_dir

MS_BYTES = (DATA_DIR / "microsoft_ai_diffusion" / ms.FILE).read_bytes()
EGDI_BYTES = (DATA_DIR / "un_egdi" / un_egdi.FILE).read_bytes()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    data = make_data_dir(
        tmp_path,
        {"microsoft_ai_diffusion": {ms.FILE: MS_BYTES}, "un_egdi": {un_egdi.FILE: EGDI_BYTES}},
    )
    wh = tmp_path / "wh" / "aicap.duckdb"
    ingest(data, wh)
    return data, wh


def cli_ingest(data: Path, wh: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["ingest", "--data-dir", str(data), "--warehouse", str(wh), *args]
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, " ".join(result.output.split())


def test_a_source_folder_without_its_source_md_is_an_error(built: tuple[Path, Path]) -> None:
    data, wh = built
    before = digest(wh)
    (data / "un_egdi" / "SOURCE.md").unlink()
    with pytest.raises(IngestError, match=r"un_egdi/SOURCE.md: SOURCE.md is missing"):
        ingest(data, wh, force=True)
    code, out = cli_ingest(data, wh)
    assert code == 2 and "SOURCE.md is missing" in out and "Traceback" not in out
    assert digest(wh) == before


def test_a_new_folder_without_source_md_and_a_removed_source_are_reported(
    built: tuple[Path, Path],
) -> None:
    data, wh = built
    (data / "itu_prices").mkdir()
    (data / "itu_prices" / "prices.csv").write_text("a,b\n1,2\n", "utf-8")
    shutil.rmtree(data / "un_egdi")
    report = ingest(data, wh)
    text = " | ".join(report.warnings)
    assert "folder 'itu_prices' has no SOURCE.md" in text
    assert "source 'un_egdi' is in the warehouse but its folder is gone" in text
    code, out = cli_ingest(data, wh)
    assert code == 0 and "itu_prices" in out and "un_egdi" in out


def test_an_indicator_code_another_publisher_owns_is_one_line_and_nothing_is_written(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, wh = built
    before = digest(wh)
    real = ms.parse

    def claims_egdi(files: dict[str, bytes]) -> object:  # MS.AIDIFF.H1 relabelled as EGDI
        parsed = real(files)
        obs = parsed.observations
        obs = obs[obs["indicator"] == "MS.AIDIFF.H1"].assign(
            indicator="EGDI", value=lambda f: f["value"] / 100
        )
        meta = replace(
            next(m for m in parsed.indicators if m.code == "MS.AIDIFF.H1"),
            code="EGDI",
            unit="index (0-1)",
        )
        return replace(parsed, observations=obs, indicators=[meta])

    monkeypatch.setattr(ms, "parse", claims_egdi)
    (data / "microsoft_ai_diffusion" / ms.FILE).write_bytes(MS_BYTES + b"\n")  # changed
    with pytest.raises(IngestError) as info:
        ingest(data, wh)
    text = str(info.value)
    assert "indicator code 'EGDI' is published by both 'un_egdi' and 'microsoft_ai_diffusion'" in (
        text
    )
    assert "ROLLBACK" not in text
    assert digest(wh) == before


def test_an_unreadable_source_folder_is_one_line(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, wh = built
    before = digest(wh)
    blocked = data / "un_egdi"
    real_is_file = pathlib.Path.is_file

    def is_file(self: Path) -> bool:
        if self.parent == blocked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    with pytest.raises(IngestError, match=r"un_egdi: source folder cannot be read: Permission"):
        ingest(data, wh, force=True)
    code, out = cli_ingest(data, wh)
    assert code == 2 and "cannot be read" in out
    monkeypatch.undo()
    assert digest(wh) == before


def test_a_file_that_differs_from_the_snapshot_manifest_is_an_error(
    built: tuple[Path, Path],
) -> None:
    data, wh = built
    before = digest(wh)
    files = [p for p in sorted(data.rglob("*")) if p.is_file()]
    entries = [
        {
            "path": p.relative_to(data).as_posix(),
            "bytes": p.stat().st_size,
            "sha256": digest(p),
        }
        for p in files
    ]
    (data / MANIFEST).write_text(json.dumps({"files": entries}), "utf-8")
    assert ingest(data, wh).written is False  # the manifest matches: nothing changed
    # a value truncated inside its last field: "Zimbabwe,...,8.70%" -> "8.7": still a number
    target = data / "microsoft_ai_diffusion" / ms.FILE
    body = target.read_bytes().rstrip(b"\r\n")
    assert body.endswith(b"%")
    target.write_bytes(body[:-2])
    with pytest.raises(IngestError, match=r"file is \d+ bytes, the snapshot manifest records"):
        ingest(data, wh)
    assert digest(wh) == before
