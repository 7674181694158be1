"""Find and compare: the country search (names in the six UN languages, ISO codes; accents,
case and punctuation ignored) and the comparison of 2-5 Member States side by side (score and
band, rank and band, tier and how sure, pillars, the like-for-like trend)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from aicap.web.data import SiteData
from aicap.web.views import _trend_comparable, row_summary

MIN_COMPARE, MAX_COMPARE = 2, 5


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed ("Côte d’Ivoire" ->
    "cote d ivoire"); Arabic, Chinese and Cyrillic letters are kept."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def _index(site: SiteData) -> list[tuple[str, list[str]]]:
    cached = site.cache.get("search_index")
    if isinstance(cached, list):
        return cached
    out = []
    for iso3, c in sorted(site.countries.items()):
        keys = {fold(iso3)}
        for names in (c.names, c.formal):
            keys.update(fold(n) for n in names.values() if n)
        out.append((iso3, sorted(k for k in keys if k)))
    site.cache["search_index"] = out
    return out


def search(site: SiteData, query: str, limit: int = 20) -> list[str]:
    """ISO3 codes matching ``query``, best first: an exact code or name, then a name that
    starts with it, then a word that starts with it, then any name that contains it."""
    q = fold(query or "")
    if not q:
        return []
    scored: list[tuple[int, str]] = []
    for iso3, keys in _index(site):
        best = 9
        for k in keys:
            if k == q:
                best = 0
            elif k.startswith(q):
                best = min(best, 1)
            elif any(w.startswith(q) for w in k.split()):
                best = min(best, 2)
            elif len(q) >= 2 and q in k:
                best = min(best, 3)
        if best < 9:
            scored.append((best, iso3))
    return [iso3 for _, iso3 in sorted(scored)[:limit]]


def search_view(site: SiteData, query: str) -> dict[str, Any]:
    hits = search(site, query)
    return {
        "query": query,
        "count": len(hits),
        "results": [_brief(site, iso3) for iso3 in hits],
    }


def _brief(site: SiteData, iso3: str) -> dict[str, Any]:
    s = row_summary(site, iso3)
    keep = ("iso3", "names", "un_region", "income_group", "score", "rank", "tier", "tier_range")
    return {k: s.get(k) for k in keep}


def directory(site: SiteData) -> list[dict[str, Any]]:
    """Every Member State with its names (the search page's list and its static version)."""
    return [{"iso3": i, "names": c.names} for i, c in sorted(site.countries.items())]


class CompareError(ValueError):
    """A comparison asked with too few, too many or unknown countries."""


def resolve(site: SiteData, items: Iterable[str]) -> list[str]:
    """ISO3 codes for ``items`` (codes or names in any of the six languages), in order and
    without repeats; :class:`CompareError` names an item that matches no Member State."""
    out: list[str] = []
    for raw in items:
        for part in re.split(r"[,;]", raw or ""):
            text = part.strip()
            if not text:
                continue
            iso = text.upper()
            if iso not in site.countries:
                hits = search(site, text, limit=2)
                exact = [h for h in hits if fold(text) in {k for k in dict(_index(site))[h]}]
                if not hits or (len(hits) > 1 and not exact):
                    raise CompareError(f"no single Member State matches {text[:80]!r}")
                iso = exact[0] if exact else hits[0]
            if iso not in out:
                out.append(iso)
    return out


def compare(site: SiteData, isos: list[str]) -> dict[str, Any]:
    """2-5 Member States side by side."""
    if not MIN_COMPARE <= len(isos) <= MAX_COMPARE:
        raise CompareError(
            f"compare {MIN_COMPARE} to {MAX_COMPARE} Member States ({len(isos)} given)"
        )
    rows = []
    for iso3 in isos:
        s = row_summary(site, iso3)
        s["trend"] = _trend_comparable(site, iso3)
        # the change's own test: beyond the year-to-year noise of like-for-like scores or not
        ch = site.changes.loc[iso3] if iso3 in site.changes.index else None
        s["change_direction"] = None if ch is None else str(ch.get("direction"))
        rows.append(s)
    return {
        "year": site.year,
        "iso3": isos,
        "pillars": site.pillar_codes,
        "countries": rows,
        "note": (
            "Trend: constant-composition scores (the same indicators in every year), the only "
            "series a change over time may be read from."
        ),
    }
