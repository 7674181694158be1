"""Helpers for the cooperation tests: a throwaway PostgreSQL server and store factories."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ROOT = Path("/usr/lib/postgresql")


def pg_bindir() -> Path | None:
    """Debian's PostgreSQL binaries (``/usr/lib/postgresql/<ver>/bin``) or those on PATH."""
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for d in found:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL in a temporary folder (initdb + pg_ctl on a free localhost port, as the
    ``postgres`` user when running as root) and yield a SQLAlchemy URL; stop and delete it after.
    """
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries absent (scripts/setup.sh installs Debian's postgresql)")
    root = Path(tempfile.mkdtemp(prefix="aicap-pg-"))
    data = root / "data"
    sock = root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    user = "postgres"
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
        shutil.chown(sock, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        import getpass

        user = getpass.getuser()
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=80"
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            str(root / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "createdb"),
                "-h",
                str(sock),
                "-p",
                str(port),
                "-U",
                user,
                "aicap",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/aicap"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
