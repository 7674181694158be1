"""Pages the static export writes in its own form: the comparison, which the live application
computes per request (``/compare?c=KEN,NGA``), becomes one table of every Member State that
``static/compare.js`` narrows to the 2-5 countries of the address (``compare.html?c=KEN,NGA``,
the same parameter as the live page); without JavaScript the table lists them all."""

from __future__ import annotations

from typing import Any

from aicap.web.data import SiteData
from aicap.web.pages import Page
from aicap.web.views import _trend_comparable, row_summary


def _change(site: SiteData, iso3: str) -> dict[str, Any] | None:
    """The like-for-like change first year -> last year and its own noise test (as on the
    live comparison: :func:`aicap.web.find.compare`)."""
    trend = [r for r in _trend_comparable(site, iso3) if r.get("score") is not None]
    if len(trend) < 2:
        return None
    ch = site.changes.loc[iso3] if iso3 in site.changes.index else None
    return {
        "first": trend[0]["year"],
        "last": trend[-1]["year"],
        "delta": trend[-1]["score"] - trend[0]["score"],
        "direction": None if ch is None else str(ch.get("direction")),
    }


def compare_page(site: SiteData) -> Page:
    """The export's comparison: every Member State's row, ranked ones first in rank order."""
    rows = []
    for iso3 in site.countries:
        row = row_summary(site, iso3)
        row["change"] = _change(site, iso3)
        rows.append(row)
    rows.sort(key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["iso3"]))
    # "rows", not "countries": the live page's charts are drawn for its 2-5 "countries"
    data = {"year": site.year, "pillars": site.pillar_codes, "rows": rows}
    # its JSON: the ranking's twin holds the same rows (the live /api/compare needs a server)
    return Page("compare", "compare_static.html", "ranking", data)
