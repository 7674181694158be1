"""The dashboard's pages: for each, its template, its data (the JSON twin) and its charts,
shared by the live app and the static export."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aicap.web import charts, find, i18n, monitor, page_lang, timeline, views
from aicap.web.data import SiteData
from aicap.web.render import Linker, Renderer


@dataclass(frozen=True)
class Page:
    name: str
    template: str
    api: str  # the JSON twin's path under /api/
    data: dict[str, Any]


def _gettext(lang: str) -> Any:
    return i18n.gettext_for(lang)


def page_data(site: SiteData, name: str, **kw: Any) -> Page:
    """The page ``name`` (``KeyError`` for an unknown country or indicator)."""
    if name == "home":
        year = kw.get("year")
        api = "map" + (f"?year={year}" if year else "")
        return Page(name, "home.html", api, timeline.world_map(site, year))
    if name == "ranking":
        filters = kw.get("filters") or {}
        return Page(name, "ranking.html", "ranking", views.ranking(site, filters))
    if name == "country":
        iso3 = str(kw["iso3"])
        if iso3 not in site.countries:
            raise KeyError(iso3)
        return Page(name, "country.html", f"country/{iso3}", views.country(site, iso3))
    if name == "divide":
        return Page(name, "divide.html", "divide", views.divide(site))
    if name == "indicators":
        return Page(name, "indicators.html", "indicators", views.indicators(site))
    if name == "indicator":
        code, year = str(kw["code"]), kw.get("year")
        api = f"indicator/{code}" + (f"?year={year}" if year else "")
        return Page(name, "indicator.html", api, timeline.indicator(site, code, year))
    if name == "methodology":
        return Page(name, "methodology.html", "methodology", views.methodology(site))
    if name == "whatif":
        return Page(name, "whatif.html", "what-if", views.whatif_result(site, kw.get("result")))
    if name == "search":
        query = str(kw.get("query") or "")
        data = find.search_view(site, query) | {"directory": find.directory(site)}
        return Page(name, "search.html", "search", data)
    if name == "compare":
        isos = list(kw.get("isos") or [])
        data = find.compare(site, isos) if isos else {"countries": [], "iso3": []}
        api = "compare" + ("?c=" + ",".join(isos) if isos else "")
        return Page(name, "compare.html", api, data)
    if name == "monitor_country":
        iso3 = str(kw["iso3"])
        data = monitor.governance_country(site, iso3)
        return Page(name, "monitor_country.html", f"monitor/governance/{iso3}", data)
    if name in MONITOR_VIEWS:
        sub = name.removeprefix("monitor").lstrip("_")
        api = "monitor" + (f"/{sub}" if sub else "")
        return Page(name, f"{name}.html", api, MONITOR_VIEWS[name](site))
    raise KeyError(name)


MONITOR_VIEWS = {
    "monitor": monitor.overview,
    "monitor_concentration": monitor.concentration,
    "monitor_access": monitor.access,
    "monitor_governance": monitor.governance,
    "monitor_incidents": monitor.incidents,
}


def chart_specs(site: SiteData, page: Page, lang: str) -> dict[str, Any]:
    """The Vega-Lite specs of a page, with labels in ``lang``."""
    _ = _gettext(lang)
    d = page.data
    pname = {p: _(i18n.PILLARS.get(p, site.pillar_name(p))) for p in site.pillar_codes}
    if page.name == "country":
        diag = d.get("diagnosis") or {}
        med = {q["pillar"]: q.get("peer_median") for q in diag.get("pillars", [])}
        bars = (
            [
                {"pillar": pname[p], "score": v, "median": med.get(p)}
                for p, v in d["pillars"].items()
            ]
            if d.get("pillars")
            else []
        )
        labels = {"score": _("Index score"), **pname}
        values = [
            {"year": r["year"], "measure": labels[k], "value": r[k]}
            for r in d.get("trend_comparable") or []
            for k in labels
            if r.get(k) is not None
        ]
        return {
            "pillar_chart": charts.pillar_bars(bars, _("Pillar scores"), _("Score")),
            "trend_chart": charts.country_trend(values, _("Trend"), labels),
        }
    if page.name == "compare" and d.get("countries"):
        names = [page_lang.display_name(c["names"], lang) for c in d["countries"]]
        dots = [
            {"pillar": pname[p], "country": n, "score": c["pillars"][p]}
            for p in site.pillar_codes
            for n, c in zip(names, d["countries"], strict=True)
            if (c.get("pillars") or {}).get(p) is not None
        ]
        lines = [
            {"year": r["year"], "country": n, "score": r["score"]}
            for n, c in zip(names, d["countries"], strict=True)
            for r in c["trend"]
            if r.get("score") is not None
        ]
        return {
            "compare_pillars": charts.compare_pillars(dots, _("Pillar scores"), _("Score"), names),
            "compare_trend": charts.compare_trend(lines, _("Trend"), _("Index score"), names),
        }
    if page.name == "divide":
        rows = [r for r in d["table"] if r["measure"] == "score"]
        gap, gini = _("Gap"), "Gini"
        values = [{"year": r["year"], "measure": gap, "value": r["gap"]} for r in rows] + [
            {"year": r["year"], "measure": gini, "value": r["gini"]} for r in rows
        ]
        return {"divide_chart": charts.divide_lines(values, _("Global divide"))}
    if page.name == "indicator":
        regions = {r: _(i18n.REGIONS.get(r, r)) for r in site.regions()}
        values = [
            {
                "name": page_lang.display_name(r["names"], lang),
                "region": regions.get(r["un_region"], r["un_region"]),
                "score": r["normalised"],
            }
            for r in d["rows"]
            if r["normalised"] is not None
        ]
        return {"strip_chart": charts.indicator_strip(values, d["name"], _("Score"))}
    if page.name == "monitor_concentration":
        labels = {r: _(m) for r, m in i18n.RESOURCES.items()}
        out = {}
        for view, title in (
            ("capacity", _("Concentration by country, capacity-weighted (HHI)")),
            ("count", _("Concentration by country, count-based (HHI)")),
        ):
            rows = [
                r | {"resource": labels.get(r["resource"], r["resource"])}
                for r in d["over_time"][view]
            ]
            present = {k: v for k, v in labels.items() if any(r["resource"] == v for r in rows)}
            out[f"hhi_{view}_chart"] = charts.concentration_over_time(rows, title, present, "HHI")
        t = monitor.tables(site)
        amounts = t.compute_by_country if t is not None else pd.Series(dtype=float)
        gini = d["lorenz"]["gini"]
        out["lorenz_chart"] = charts.lorenz(
            amounts,
            _("Lorenz curve of AI compute across Member States (Gini %(gini)s)")
            % {"gini": "–" if gini is None else f"{gini:.3f}"},
            _("Share of Member States"),
            _("Share of AI compute (H100e)"),
        )
        return out
    if page.name == "monitor_governance":
        statuses = {k: _(v) for k, v in i18n.GAP_STATUSES.items()}
        rows = [
            {
                "iso3": c["iso3"],
                "risk_name": _(i18n.RISKS.get(r, r)),
                "status": statuses.get(v["status"], v["status"]),
                "incidents": v["incidents"],
            }
            for c in d["countries"]
            if c["gaps"]
            for r, v in c["risks"].items()
        ]
        title = _("Rule gaps: Member States with at least one risk no instrument addresses")
        return {"gap_chart": charts.gap_matrix(rows, title, statuses)}
    if page.name == "monitor_incidents":
        title = _("Documented AI incidents per year (AIID and AIAAIC, de-duplicated)")
        return {"year_chart": charts.year_bars(d["per_year"], title, _("Documented cases"))}
    return {}


def render_page(
    renderer: Renderer,
    page: Page,
    lang: str,
    *,
    current: str = "",
    lang_kw: Mapping[str, str] | None = None,
    **extra: Any,
) -> str:
    """HTML of ``page`` in ``lang``; ``lang_kw`` are the page's link arguments (for the
    language switcher)."""
    kw = dict(lang_kw or {})
    link = Linker(lang, renderer.static, current)
    lang_links = {lg: link.page(page.name, lang=lg, **kw) for lg in i18n.LANGS}
    specs = chart_specs(renderer.site, page, lang)
    for key, spec in specs.items():  # the chart's name in its download and embed URLs
        spec["usermeta"] = {"key": key}
    path, _, query = page.api.partition("?")
    base = None if renderer.static else f"/api/chart/{lang}/{path}/"
    live = renderer.live_url  # the export: the page on the live site
    chart_live = f"{live}/{'' if lang == 'en' else lang + '/'}{path}" if live else None
    data = page_lang.localise(renderer.site, page.name, page.data, lang)  # generated text
    html = renderer.render(
        page.template,
        lang,
        data,
        en=page_lang.english_marker(data),
        en_text=page_lang.english_text(data),
        quoted=page_lang.quoted,
        current=current,
        twin=page.api,
        lang_links=lang_links,
        api_url=link.api(page.api),
        chart_base=base,
        chart_live=chart_live,
        chart_query="?" + query if query else "",
        **specs,
        **extra,
    )
    return page_lang.finish(html, lang)
