"""Shared set-up of the headless-browser tests: Debian's chromium driven by Playwright, the app
served by uvicorn on a free port, and the screenshot folder (``$AICAP_SCREENSHOTS`` or a
temporary one). A unique module name: no conftest in test subfolders.

A test module of the dashboard imports the module fixtures it uses (``from browser_helpers
import app_url, chromium_browser, shot_dir``): ``base_url`` (the app on the session's full
warehouse), ``browser`` and ``shots``."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/setup.sh)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` served on a free local port in a thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright (which cannot download its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("AICAP_SCREENSHOTS")
    path = Path(env) if env else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module", name="base_url")
def app_url(full_warehouse: Path) -> Iterator[str]:
    """The dashboard on the session's full warehouse, served on a free port."""
    from web_helpers import site_for

    from aicap.web.app import create_app

    with serve(create_app(site_for(full_warehouse))) as url:
        yield url


@pytest.fixture(scope="module", name="browser")
def chromium_browser() -> Iterator[Any]:
    """One headless chromium per test module."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module", name="shots")
def shot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The screenshot folder (:func:`screenshots`)."""
    return screenshots(tmp_path_factory)
