"""`aicap serve --workers 2`: two server processes answer on one port from the same
read-only warehouse and index outputs (the outputs `aicap build` writes)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from capacity_helpers import shipped

from aicap.analysis.run import write_outputs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Worker processes of ``pid`` (Linux /proc; multiprocessing's spawned children)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(entry.name))
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads worker processes from /proc")
def test_serve_with_two_worker_processes(full_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(shipped(full_warehouse), out)
    port = _free_port()
    aicap = Path(sys.executable).with_name("aicap")  # the console script of this environment
    cmd = [str(aicap), "serve", "--port", str(port)]
    cmd += ["--workers", "2", "--warehouse", str(full_warehouse), "--index-dir", str(out)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        answered = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answered = httpx.get(base + "/api/map", timeout=60)
                break
            except httpx.HTTPError:
                time.sleep(1)
        assert answered is not None and answered.status_code == 200, server.poll()
        assert len(_children(server.pid)) == 2
        # both processes serve the same, read-only truth
        with httpx.Client(timeout=120) as c:
            bodies = {c.get(base + "/api/ranking").content for _ in range(6)}
            assert len(bodies) == 1
            assert c.get(base + "/api/country/XXX").status_code == 404
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert not _children(server.pid)
