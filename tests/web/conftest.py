"""Fixtures shared by the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_helpers import site_for

from aicap.web.data import SiteData


@pytest.fixture(scope="module")
def site(full_warehouse: Path) -> SiteData:
    """The site over the full snapshot's warehouse, built once per test module."""
    return site_for(full_warehouse)
