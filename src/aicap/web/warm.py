"""What the first request of each kind would otherwise wait for, computed off the request
path when a server process starts (``aicap serve``, one process or ``--workers N``)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from aicap.web import monitor
from aicap.web.data import SiteData


def warm_up(app: FastAPI, site: SiteData) -> None:  # pragma: no cover - a server thread
    """Compute, off the request path, what the first request of each kind would otherwise
    wait for: the Monitor's tables, the country voice (the registry's vocabulary and the voice
    data) and the tables every profile shares. It sends requests to the app in process, so
    it warms exactly what a request computes; a failure here only leaves the work to the
    first request."""

    monitor.tables(site)
    first = min(site.countries)

    async def get(path: str) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"warm-up"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 0),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            return None

        await app(scope, receive, send)

    for path in (f"/api/country/{first}", f"/country/{first}", "/api/monitor/concentration"):
        try:
            asyncio.run(get(path))
        except Exception:
            return
