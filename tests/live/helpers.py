"""Recorded responses for the live tests (``fixtures/``, made by ``fixtures/make_fixtures.py``)
and respx routes that replay them. No test touches the network: respx refuses any request that
no route matches."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import respx

from aicap.sources import microsoft_ai_diffusion, owid_internet_users
from aicap.sources.http import LiveClient

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WB = FIXTURES / "worldbank"
WB_DATA = re.compile(r"^https://api\.worldbank\.org/v2/country/all/indicator/([^?]+)\?")
WB_META = re.compile(r"^https://api\.worldbank\.org/v2/indicator/([^?]+)\?")
IMF = re.compile(r"^https://www\.imf\.org/external/datamapper/api/v1/([A-Z_]+)$")
OWID = "https://ourworldindata.org/grapher/"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def client(**kwargs: object) -> LiveClient:
    """A client that never waits (back-off sleeps are recorded, not slept)."""
    return LiveClient(sleep=lambda _seconds: None, backoff=0.5, **kwargs)  # type: ignore[arg-type]


def worldbank(request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    meta = WB_META.match(url)
    if meta:
        return httpx.Response(200, content=fixture(f"worldbank/{meta.group(1)}-meta.json"))
    data = WB_DATA.match(url)
    assert data, url
    page = request.url.params.get("page", "1")
    path = WB / f"{data.group(1)}-p{page}.json"
    if not path.exists():
        return httpx.Response(200, content=fixture("worldbank/error-120.json"))
    return httpx.Response(200, content=path.read_bytes())


def imf(request: httpx.Request) -> httpx.Response:
    match = IMF.match(str(request.url))
    assert match
    return httpx.Response(200, content=fixture(f"imf/{match.group(1)}.json"))


def mock_all(router: respx.MockRouter) -> None:
    """Routes for every live source the fixtures cover."""
    router.get(url__regex=r"^https://api\.worldbank\.org/").mock(side_effect=worldbank)
    router.get(url__regex=IMF.pattern).mock(side_effect=imf)
    slug = owid_internet_users.SLUG
    router.get(url__startswith=f"{OWID}{slug}.csv").mock(
        return_value=httpx.Response(200, content=fixture(f"owid/{slug}.csv"))
    )
    router.get(url__startswith=f"{OWID}{slug}.metadata.json").mock(
        return_value=httpx.Response(200, content=fixture(f"owid/{slug}.metadata.json"))
    )
    router.get(microsoft_ai_diffusion.SOURCE.live_url).mock(
        return_value=httpx.Response(
            200, content=fixture(f"microsoft/{microsoft_ai_diffusion.FILE}")
        )
    )
