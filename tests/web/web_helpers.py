"""Shared by the web tests: one site per session, built from the session warehouse (the
index is built in process, with its rank bands; ``var/out`` is not used)."""

from __future__ import annotations

from pathlib import Path

from aicap.web.data import SiteData, load_site

_SITE: dict[str, SiteData] = {}


def site_for(warehouse: Path) -> SiteData:
    key = str(warehouse)
    if key not in _SITE:
        _SITE[key] = load_site(warehouse, warehouse.parent / "no-index-outputs")
    return _SITE[key]
