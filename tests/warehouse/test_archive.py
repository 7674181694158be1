"""``aicap data pack|fetch`` (issue 25, item 2): a reproducible, versioned snapshot archive whose
every file is checked against its manifest; a corrupted or unsafe archive is refused and the
destination is left as it was."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from aicap.warehouse import archive
from aicap.warehouse.archive import ArchiveError, fetch, pack, verify
from aicap.warehouse.checks import MANIFEST, check_manifest


def _snapshot(root: Path) -> Path:
    raw = root / "raw"
    (raw / "wgi").mkdir(parents=True)
    (raw / "wgi" / "SOURCE.md").write_text("# WGI\nLicence: CC BY 4.0\n", "utf-8")
    (raw / "wgi" / "wgidataset.csv").write_bytes(b"code,year,estimate\nKEN,2023,-0.5\n")
    (raw / "geo" / "deep").mkdir(parents=True)
    (raw / "geo" / "SOURCE.md").write_text("# geo\n", "utf-8")
    (raw / "geo" / "deep" / "x.json").write_bytes(b'{"a": 1}')
    (raw / "README.md").write_text("# snapshot\n", "utf-8")
    return raw


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar
            if m.isfile()
        }


def _rewrite(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_pack_is_reproducible_and_complete(tmp_path: Path) -> None:
    raw = _snapshot(tmp_path)
    a = pack(raw, tmp_path / "a", version="1.2.3")
    b = pack(raw, tmp_path / "b", version="1.2.3")
    assert a.archive.name == "aicap-data-1.2.3.tar.gz"
    assert a.archive.read_bytes() == b.archive.read_bytes()
    assert a.sha256 == hashlib.sha256(a.archive.read_bytes()).hexdigest()
    sidecar = a.archive.with_name(a.archive.name + ".sha256").read_text("utf-8")
    assert sidecar == f"{a.sha256}  aicap-data-1.2.3.tar.gz\n"
    members = _members(a.archive)
    root = "aicap-data-1.2.3/"
    assert set(members) == {
        root + p
        for p in (
            MANIFEST,
            "LICENCES.md",
            "README.md",
            "geo/SOURCE.md",
            "geo/deep/x.json",
            "wgi/SOURCE.md",
            "wgi/wgidataset.csv",
        )
    }
    manifest = json.loads(members[root + MANIFEST])
    assert manifest["version"] == "1.2.3"
    entry = {e["path"]: e for e in manifest["files"]}["wgi/wgidataset.csv"]
    data = (raw / "wgi" / "wgidataset.csv").read_bytes()
    assert entry == {
        "path": "wgi/wgidataset.csv",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    licences = members[root + "LICENCES.md"].decode()
    assert "CC BY 4.0" in licences  # from the wgi importer's SOURCE
    assert "World Bank" in licences
    assert {s["id"] for s in manifest["sources"]} == {"geo", "wgi"}


def test_pack_refuses_a_source_folder_without_source_md(tmp_path: Path) -> None:
    raw = _snapshot(tmp_path)
    (raw / "wgi" / "SOURCE.md").unlink()
    with pytest.raises(ArchiveError, match=r"wgi/SOURCE.md is missing"):
        pack(raw, tmp_path / "out", version="1")


def test_fetch_unpacks_a_verified_archive_and_ingest_checks_against_its_manifest(
    tmp_path: Path,
) -> None:
    raw = _snapshot(tmp_path)
    packed = pack(raw, tmp_path / "dist", version="7")
    dest = tmp_path / "user" / "data" / "raw"
    got = fetch(str(packed.archive), dest, expected_sha256=packed.sha256)
    assert got.version == "7" and got.folder == dest.resolve()
    assert (dest / "wgi" / "wgidataset.csv").read_bytes() == (
        raw / "wgi" / "wgidataset.csv"
    ).read_bytes()
    assert (dest / MANIFEST).is_file() and (dest / "LICENCES.md").is_file()
    assert check_manifest(dest) == []
    # a value truncated inside its last field: still a valid CSV, caught by the manifest
    cut = dest / "wgi" / "wgidataset.csv"
    cut.write_bytes(cut.read_bytes().rstrip(b"\n")[:-1])
    (err,) = check_manifest(dest)
    assert err.file == "wgi/wgidataset.csv" and "truncated" in str(err)
    # a fetched snapshot is replaced by the next fetch
    fetch(str(packed.archive), dest)
    assert check_manifest(dest) == []


def _corrupt_cases(good: bytes) -> dict[str, tuple[bytes, str]]:
    members = _members_bytes(good)
    root = next(iter(members)).split("/")[0]
    altered = dict(members)
    altered[f"{root}/wgi/wgidataset.csv"] += b"KEN,2024,9\n"
    missing = {k: v for k, v in members.items() if not k.endswith("x.json")}
    extra = {**members, f"{root}/wgi/evil.csv": b"x"}
    escape = {**members, f"{root}/../../etc/x": b"x"}
    no_manifest = {k: v for k, v in members.items() if not k.endswith(MANIFEST)}
    return {
        "cut short": (good[: len(good) // 2], "corrupted or not a snapshot archive"),
        "not gzip": (b"PK\x03\x04 a zip file", "corrupted or not a snapshot archive"),
        "altered file": (_rewrite(altered), "does not match its size and SHA-256"),
        "missing file": (_rewrite(missing), "listed in MANIFEST.json but absent"),
        "extra file": (_rewrite(extra), "not listed in MANIFEST.json"),
        "path escape": (_rewrite(escape), "points outside the snapshot"),
        "no manifest": (_rewrite(no_manifest), "has no MANIFEST.json"),
    }


def _members_bytes(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def test_corrupted_archives_are_refused_and_the_destination_is_untouched(tmp_path: Path) -> None:
    raw = _snapshot(tmp_path)
    packed = pack(raw, tmp_path / "dist", version="1")
    dest = tmp_path / "dest"
    fetch(str(packed.archive), dest)
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    good = packed.archive.read_bytes()
    for case, (data, message) in _corrupt_cases(good).items():
        bad = tmp_path / f"{case}.tar.gz"
        bad.write_bytes(data)
        with pytest.raises(ArchiveError, match=message):
            fetch(str(bad), dest)
        after = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
        assert after == before, case
    with pytest.raises(ArchiveError, match="expected 0000"):
        verify(good, expected_sha256="0000")
    assert sorted(p.name for p in dest.parent.iterdir() if p.name.startswith(".")) == []


def test_the_mandate_library_travels_with_the_data_and_is_found(tmp_path: Path) -> None:
    from aicap import paths

    library = tmp_path / "mandates"
    library.mkdir()
    (library / "A-RES-78-311.yaml").write_text("symbol: A/RES/78/311\n", "utf-8")
    packed = pack(_snapshot(tmp_path), tmp_path / "dist", version="1", mandates=library)
    dest = tmp_path / "user" / "data" / "raw"
    fetch(str(packed.archive), dest)
    assert (dest / "_mandates" / "A-RES-78-311.yaml").is_file()
    assert check_manifest(dest) == []
    # a fetched snapshot packs again into the same archive (its manifest, licences and
    # _mandates are written anew, not packed twice)
    again = pack(dest, tmp_path / "again", version="1", mandates=dest / "_mandates")
    assert again.archive.read_bytes() == packed.archive.read_bytes()
    alone = tmp_path / "alone"
    alone.mkdir()
    found = {
        loc.name: loc.path
        for loc in paths.locate(alone, {"AICAP_DATA_DIR": str(dest), "HOME": str(tmp_path)})
    }
    assert found["mandates"] == dest / "_mandates"


def test_fetch_leaves_a_folder_it_did_not_write_alone(tmp_path: Path) -> None:
    packed = pack(_snapshot(tmp_path), tmp_path / "dist", version="1")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", "utf-8")
    with pytest.raises(ArchiveError, match="did not come from `aicap data fetch`"):
        fetch(str(packed.archive), mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_fetch_downloads_over_http(tmp_path: Path) -> None:
    packed = pack(_snapshot(tmp_path), tmp_path / "dist", version="2")
    body = packed.archive.read_bytes()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path.endswith("missing.tar.gz"):
            return httpx.Response(404)
        return httpx.Response(200, content=body, headers={"content-type": "application/gzip"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    url = "https://data.example.org/aicap-data-2.tar.gz"
    got = fetch(url, tmp_path / "d", client=client, expected_sha256=packed.sha256)
    assert got.version == "2" and seen == [url]
    with pytest.raises(ArchiveError, match=r"download failed: .*HTTP 404"):
        fetch("https://data.example.org/missing.tar.gz", tmp_path / "e", client=client)
    assert not (tmp_path / "e").exists()


def test_cli_pack_then_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aicap.cli.data_cmd import app

    raw = _snapshot(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AICAP_DATA_DIR", raising=False)
    monkeypatch.delenv(archive.URL_ENV, raising=False)
    runner = CliRunner()
    done = runner.invoke(
        app, ["pack", "--from", str(raw), "--out", str(tmp_path / "d"), "--snapshot-version", "3"]
    )
    assert done.exit_code == 0, done.output
    assert "aicap-data-3.tar.gz" in done.output and "sha256 " in done.output
    done = runner.invoke(app, ["fetch"])
    assert done.exit_code == 1 and "AICAP_DATA_URL" in done.output
    target = tmp_path / "d" / "aicap-data-3.tar.gz"
    monkeypatch.setenv(archive.URL_ENV, str(target))
    done = runner.invoke(app, ["fetch"])
    assert done.exit_code == 0, done.output
    from aicap.cli.data_cmd import default_fetch_dir

    assert (default_fetch_dir() / "wgi" / "wgidataset.csv").is_file()
    target.write_bytes(gzip.compress(b"not a tar"))
    done = runner.invoke(app, ["fetch", "--from", str(target)])
    assert done.exit_code == 2
    assert "corrupted" in done.output and "nothing was changed" in done.output
    assert len(done.output.strip().splitlines()) == 1
