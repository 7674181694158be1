"""Robust HTTP for the publishers' live endpoints (the only network code in aicap).

:func:`get` downloads one URL with

* a **timeout** (the client's; :class:`LiveClient` sets one for connect, read, write and pool);
* **retries with exponential back-off** on HTTP 429 and 5xx and on timeouts, honouring a
  ``Retry-After`` header (seconds or an HTTP date), capped at :attr:`LiveClient.max_wait`;
* a **clear one-line error when offline** (:class:`OfflineError` on a connection failure);
* **content checks**: an empty body, an HTML page where data was expected (publishers answer
  errors with their web site's HTML page and status 200), a body shorter than its
  ``Content-Length``, and for ``expect="json"`` a body that is not complete JSON (truncated) are
  errors naming the URL.

Every failure is a :class:`FetchError`, a :class:`~aicap.sources.base.SourceError` whose ``file``
is the URL, so callers that handle bad files handle bad downloads too. A :class:`LiveClient`
records what it fetched (URL, HTTP status, retrieval time) per file name, for the snapshot's
manifest.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

import aicap
from aicap.sources.base import SourceError

Expect = Literal["any", "json", "csv"]

#: Statuses worth retrying: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

USER_AGENT = f"aicap/{aicap.__version__} (+https://github.com/; open-data refresh)"


class FetchError(SourceError):
    """A download failed or returned something that is not the publisher's data."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message, file=url)


class OfflineError(FetchError):
    """No connection to the publisher (DNS failure, connection refused, no network)."""


@dataclass(frozen=True)
class Retrieval:
    """What was fetched for one file of a snapshot."""

    url: str
    status: int
    retrieved_at: str
    attempts: int


class LiveClient(httpx.Client):
    """An :class:`httpx.Client` with aicap's retry policy and a log of what it fetched.

    ``sleep`` is injectable so tests replay back-off without waiting; ``on_request`` is called
    with each URL before it is requested (the CLI shows it beside its progress bar).
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        on_request: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        headers = {"User-Agent": USER_AGENT, **dict(kwargs.pop("headers", {}) or {})}
        super().__init__(
            timeout=httpx.Timeout(timeout), headers=headers, follow_redirects=True, **kwargs
        )
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.on_request = on_request
        self.log: dict[str, Retrieval] = {}
        self.waits: list[float] = []


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower():
        return True
    head = body.lstrip()[:256].lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _check_body(response: httpx.Response, url: str, expect: Expect) -> bytes:
    body = response.content
    status = response.status_code
    declared = response.headers.get("content-length")
    if (
        declared is not None
        and declared.isdigit()
        and "content-encoding" not in response.headers
        and len(body) < int(declared)
    ):
        raise FetchError(
            f"truncated body: {len(body)} of {declared} bytes received", url=url, status=status
        )
    if not body.strip():
        raise FetchError("empty body", url=url, status=status)
    content_type = response.headers.get("content-type", "")
    if expect != "any" and _looks_like_html(body, content_type):
        raise FetchError(
            f"received an HTML page instead of {expect.upper()} data (an error or log-in page?)",
            url=url,
            status=status,
        )
    if expect == "json":
        try:
            json.loads(body.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise FetchError("JSON body is not UTF-8 text", url=url, status=status) from None
        except json.JSONDecodeError as exc:
            raise FetchError(
                f"incomplete or invalid JSON (truncated body?): {exc.msg} at character "
                f"{exc.pos} of {len(body)}",
                url=url,
                status=status,
            ) from None
    return body


def get(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, str | int] | None = None,
    file: str | None = None,
    expect: Expect = "any",
) -> bytes:
    """Download ``url`` (with ``params``) and return its checked body; see the module doc.

    With a :class:`LiveClient`, the retrieval is logged under ``file`` (default: the URL).
    A plain :class:`httpx.Client` gets the default policy and no log.
    """
    live = client if isinstance(client, LiveClient) else None
    retries = live.retries if live else 2
    backoff = live.backoff if live else 1.0
    max_wait = live.max_wait if live else 30.0
    sleep = live.sleep if live else time.sleep
    full = str(httpx.URL(url, params=params)) if params else url
    attempt = 0
    while True:
        attempt += 1
        if live and live.on_request:
            live.on_request(full)
        wait: float | None = None
        try:
            response = client.get(full, follow_redirects=True)
        except httpx.ConnectError as exc:
            raise OfflineError(
                f"cannot connect (offline or the host is unreachable): {exc}", url=full
            ) from None
        except httpx.TimeoutException as exc:
            if attempt > retries:
                raise FetchError(
                    f"timed out after {attempt} attempt(s): {type(exc).__name__}", url=full
                ) from None
        except httpx.TransportError as exc:
            if attempt > retries:
                raise FetchError(
                    f"transfer failed after {attempt} attempt(s) (truncated body?): "
                    f"{type(exc).__name__}: {exc}",
                    url=full,
                ) from None
        else:
            status = response.status_code
            if status in RETRY_STATUSES:
                if attempt > retries:
                    raise FetchError(
                        f"HTTP {status} {response.reason_phrase} after {attempt} attempt(s)",
                        url=full,
                        status=status,
                    )
                wait = retry_after(response.headers.get("retry-after"))
            elif status >= 400:
                raise FetchError(f"HTTP {status} {response.reason_phrase}", url=full, status=status)
            else:
                body = _check_body(response, full, expect)
                if live is not None:
                    live.log[file or full] = Retrieval(
                        url=full,
                        status=status,
                        retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        attempts=attempt,
                    )
                return body
        delay = backoff * 2 ** (attempt - 1) if wait is None else wait
        delay = min(delay, max_wait)
        if live is not None:
            live.waits.append(delay)
        sleep(delay)
