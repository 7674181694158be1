"""Robust downloads: retries with back-off on 429/5xx (Retry-After honoured), no retry on 4xx,
a one-line offline error, and content checks (HTML page, truncated body, empty body)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from helpers import client, fixture

from aicap.sources import http
from aicap.sources.http import FetchError, OfflineError, retry_after

URL = "https://api.example.org/data.json"


def test_429_then_success_waits_as_told_and_logs_the_retrieval() -> None:
    with respx.mock:
        route = respx.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "7"}),
                httpx.Response(503),
                httpx.Response(200, content=b'{"ok": true}'),
            ]
        )
        with client() as c:
            body = http.get(c, URL, file="data.json", expect="json")
    assert body == b'{"ok": true}'
    assert route.call_count == 3
    # Retry-After: 7 is honoured; then exponential back-off from 0.5 s (second attempt -> 1.0)
    assert c.waits == [7.0, 1.0]
    got = c.log["data.json"]
    assert (got.url, got.status, got.attempts) == (URL, 200, 3)


def test_500_exhausts_the_retries_and_names_the_url() -> None:
    with respx.mock:
        route = respx.get(URL).mock(return_value=httpx.Response(500))
        with client(retries=3) as c, pytest.raises(FetchError) as info:
            http.get(c, URL)
    assert route.call_count == 4
    assert c.waits == [0.5, 1.0, 2.0]
    assert info.value.url == URL and info.value.status == 500
    assert URL in str(info.value) and "500" in str(info.value) and "4 attempt" in str(info.value)


def test_back_off_is_capped() -> None:
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
        with client(retries=1, max_wait=30) as c, pytest.raises(FetchError):
            http.get(c, URL)
    assert c.waits == [30]


def test_404_is_not_retried() -> None:
    with respx.mock:
        route = respx.get(URL).mock(return_value=httpx.Response(404))
        with client() as c, pytest.raises(FetchError, match="HTTP 404"):
            http.get(c, URL)
    assert route.call_count == 1 and c.waits == []


def test_offline_is_one_clear_line() -> None:
    with respx.mock:
        respx.get(URL).mock(side_effect=httpx.ConnectError("Name or service not known"))
        with client() as c, pytest.raises(OfflineError) as info:
            http.get(c, URL)
    text = str(info.value)
    assert "\n" not in text and "offline" in text and URL in text


def test_timeouts_are_retried_then_fail() -> None:
    with respx.mock:
        route = respx.get(URL).mock(side_effect=httpx.ReadTimeout("slow"))
        with client(retries=2) as c, pytest.raises(FetchError, match="timed out after 3"):
            http.get(c, URL)
    assert route.call_count == 3


def test_html_error_page_is_rejected_even_with_status_200() -> None:
    page = fixture("html-error.html")
    with respx.mock:
        respx.get(URL).mock(
            return_value=httpx.Response(200, content=page, headers={"content-type": "text/html"})
        )
        with client() as c, pytest.raises(FetchError, match="HTML page") as info:
            http.get(c, URL, expect="csv")
    assert info.value.url == URL
    # the same page announced as CSV is still recognised by its content
    with respx.mock:
        respx.get(URL).mock(
            return_value=httpx.Response(200, content=page, headers={"content-type": "text/csv"})
        )
        with client() as c, pytest.raises(FetchError, match="HTML page"):
            http.get(c, URL, expect="json")


def test_truncated_json_is_an_error_naming_the_url() -> None:
    body = fixture("worldbank/SP.POP.TOTL-p1.json")
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, content=body[: len(body) // 2]))
        with client() as c, pytest.raises(FetchError, match="truncated") as info:
            http.get(c, URL, expect="json")
    assert info.value.url == URL


def test_body_shorter_than_content_length_is_truncated() -> None:
    def short(_request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, content=b"Entity,Code\n")
        response.headers["content-length"] = "500"
        return response

    with respx.mock:
        respx.get(URL).mock(side_effect=short)
        with client(retries=0) as c, pytest.raises(FetchError, match="truncated"):
            http.get(c, URL)


def test_empty_body() -> None:
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, content=b"  \n"))
        with client() as c, pytest.raises(FetchError, match="empty body"):
            http.get(c, URL)


def test_retry_after_forms() -> None:
    now = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0
    assert retry_after("soon") is None and retry_after(None) is None
