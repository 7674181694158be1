"""``aicap site export DIR``: the dashboard as static files (every language, every Member
State, every indicator, the index pages, the JSON twins and CSV downloads as files) with
relative links, so it opens from disk (``file://``) or from any plain web server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aicap.web import i18n, monitor, views
from aicap.web.data import SiteData
from aicap.web.pages import Page, page_data, render_page
from aicap.web.render import Renderer

STATIC = Path(__file__).with_name("static")
MONITOR_PAGES = {
    "monitor": "monitor",
    "monitor_concentration": "monitor/concentration",
    "monitor_access": "monitor/access",
    "monitor_governance": "monitor/governance",
    "monitor_incidents": "monitor/incidents",
}


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def export_site(
    site: SiteData,
    out: str | Path,
    *,
    langs: tuple[str, ...] = i18n.LANGS,
    countries: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Write the static site under ``out``; returns the number of files written."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(site, static=True)
    count = 0
    isos = countries if countries is not None else sorted(site.countries)
    filters: list[dict[str, str]] = [{}]
    filters += [{"region": r} for r in site.regions()]
    filters += [{"income": g} for g in site.income_groups()]
    filters += [{"group": g} for g in views.GROUP_KEYS]
    jobs: list[tuple[Page, dict[str, str]]] = [
        (page_data(site, "home"), {}),
        (page_data(site, "divide"), {}),
        (page_data(site, "indicators"), {}),
        (page_data(site, "methodology"), {}),
        (page_data(site, "whatif"), {}),
    ]
    jobs += [(page_data(site, "ranking", filters=f), f) for f in filters]
    jobs += [(page_data(site, "country", iso3=c), {"iso3": c}) for c in isos]
    jobs += [(page_data(site, "indicator", code=c), {"code": c}) for c in site.spec.indicator_codes]
    if monitor.tables(site) is not None:  # the warehouse holds the Monitor's records
        jobs += [(page_data(site, name), {}) for name in MONITOR_PAGES]
        jobs += [(page_data(site, "monitor_country", iso3=c), {"iso3": c}) for c in isos]
    for page, kw in jobs:
        if progress:
            progress(page.api)
        for lang in langs:
            prefix = "" if lang == "en" else f"{lang}/"
            if page.name == "ranking" and kw:
                (k, v), *_ = sorted(kw.items())
                rel = f"{prefix}ranking/{k}-{v}.html"
            else:
                path = {
                    "home": "index",
                    "country": f"country/{kw.get('iso3')}",
                    "indicator": f"indicator/{kw.get('code')}",
                    "whatif": "what-if",
                    "monitor_country": f"monitor/governance/{kw.get('iso3')}",
                }.get(page.name, MONITOR_PAGES.get(page.name, page.name))
                rel = f"{prefix}{path}.html"
            _write(root, rel, render_page(renderer, page, lang, current=rel, lang_kw=kw))
            count += 1
        if not (page.name == "ranking" and kw):
            data = views.map_api(site) if page.name == "home" else page.data
            _write(root, f"api/{page.api}.json", _json(data))
            count += 1
        if page.name == "country":
            _write(root, f"api/country/{kw['iso3']}.csv", views.country_csv(page.data))
            count += 1
            for c in page.data.get("claims", []):  # the country page links its claims
                _write(root, f"api/claims/{c['id']}.json", _json(c))
                count += 1
    _write(root, "api/ranking.csv", views.ranking_csv(views.ranking(site), site.pillar_codes))
    count += 1
    _write(root, "api/claims.json", _json(views.claims(site)))
    count += 1
    for c in views.claims(site)["claims"]:  # the divide page links each sentence to its claim
        _write(root, f"api/claims/{c['id']}.json", _json(c))
        count += 1
    target = root / "static"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(STATIC, target)
    count += sum(1 for p in target.rglob("*") if p.is_file())
    return count
