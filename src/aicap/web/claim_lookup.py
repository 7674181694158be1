"""Where ``/api/claims/{id}`` finds a claim: the divide's standard claims, a country profile's
(its id names the country: ``binding-constraint.KEN.2025``) and the Monitor's (computed once
from the Monitor's tables), so every sentence the pages print links to its numbers, test and
data (docs/claims.md)."""

from __future__ import annotations

from typing import Any

from aicap.analysis.claims import ClaimSet
from aicap.analysis.claims_monitor import MONITOR_KINDS, monitor_claims
from aicap.analysis.claims_profile import PROFILE_KINDS
from aicap.analysis.claims_run import COUNTRY_KINDS
from aicap.web.data import SiteData


def monitor_claim_set(site: SiteData) -> ClaimSet | None:
    """The Monitor's claims (None without Monitor records), computed once per site."""
    got = site.cache.get("monitor:claims")
    if isinstance(got, ClaimSet):
        return got
    from aicap.analysis.monitor.links import load_market_coverage
    from aicap.web import monitor

    t = monitor.tables(site)
    if t is None:
        return None
    countries = site.diagnosis_data.countries
    countries = countries[countries["iso3"].isin(t.members)]
    mc = load_market_coverage()
    cs = monitor_claims(
        t.concentration,
        t.shares,
        t.access,
        t.matrix,
        t.incidents,
        countries,
        {r["id"]: r["name"] for r in t.risks},
        mc.min_share if mc is not None else None,
    )
    site.cache["monitor:claims"] = cs
    return cs


def find_claim(site: SiteData, claim_id: str) -> dict[str, Any] | None:
    """The claim ``claim_id`` as JSON-ready data (None: no page publishes it)."""
    for c in site.divide.get("claims", []):
        if c.get("id") == claim_id:
            return dict(c)
    kind = claim_id.split(".")[0].replace("-", "_")
    parts = claim_id.split(".")
    if kind in (*COUNTRY_KINDS, *PROFILE_KINDS) and len(parts) > 1:
        iso3 = parts[1].upper()
        if iso3 not in site.countries:
            return None
        from aicap.web import views

        for c in views.country(site, iso3).get("claims", []):
            if c.get("id") == claim_id:
                return dict(c)
        return None
    if kind in MONITOR_KINDS:
        cs = monitor_claim_set(site)
        if cs is not None and claim_id in cs:
            return cs[claim_id].as_dict()
    return None


def monitor_claims_json(site: SiteData) -> list[dict[str, Any]]:
    cs = monitor_claim_set(site)
    return cs.as_list() if cs is not None else []
