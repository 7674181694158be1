"""``/api/chart/{lang}/{page}/{chart}.{svg,png,csv,vl.json}``: every chart of the dashboard as
a file to download or embed (``<img src=".../pillar_chart.svg">``), drawn from the same
Vega-Lite spec as the page's inline SVG (:mod:`aicap.web.svgcharts`)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import Response

from aicap.web import find, i18n, svgcharts
from aicap.web.data import SiteData
from aicap.web.pages import Page, chart_specs

#: page path (as in the JSON twin's URL) -> page name and keyword
ROUTES: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(r"country/([A-Z]{3})"), "country", "iso3"),
    (re.compile(r"indicator/([A-Za-z0-9_.-]+)"), "indicator", "code"),
    (re.compile(r"divide"), "divide", None),
    (re.compile(r"compare"), "compare", None),
    (re.compile(r"monitor/concentration"), "monitor_concentration", None),
    (re.compile(r"monitor/governance"), "monitor_governance", None),
    (re.compile(r"monitor/incidents"), "monitor_incidents", None),
]
MEDIA = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "csv": "text/csv; charset=utf-8",
    "vl.json": "application/json",
}


def resolve(path: str) -> tuple[str, dict[str, str]]:
    """The page name and keywords of a page path (``KeyError`` if it has no charts)."""
    for pattern, name, kw in ROUTES:
        m = pattern.fullmatch(path)
        if m:
            return name, ({kw: m.group(1)} if kw else {})
    raise KeyError(path)


def chart_spec(site: SiteData, page: Page, lang: str, key: str) -> dict[str, Any]:
    specs = chart_specs(site, page, lang)
    if key not in specs:
        raise KeyError(key)
    spec: dict[str, Any] = specs[key]
    spec["usermeta"] = {"key": key}
    return spec


def mount(app: FastAPI, site: SiteData, get_page: Callable[..., Page]) -> None:
    @app.get(
        "/api/chart/{lang}/{rest:path}",
        tags=["api"],
        summary="A chart as SVG, PNG, CSV of its data or its Vega-Lite spec",
        description=(
            "`rest` is the page path and the chart's name with its format, e.g. "
            "`country/KEN/pillar_chart.svg`, `divide/divide_chart.csv`, "
            "`indicator/internet_use/strip_chart.png`, `.vl.json` for the spec."
        ),
    )
    async def chart_file(lang: str, rest: str, c: str | None = None) -> Response:
        if lang not in i18n.LANGS:
            raise HTTPException(404, f"no language {lang[:20]!r}")
        head, _, last = rest.rpartition("/")
        key, _, ext = last.partition(".")
        if ext not in MEDIA:
            raise HTTPException(404, f"no chart format {ext[:20]!r} (svg, png, csv, vl.json)")
        try:
            name, kw = resolve(head)
        except KeyError:
            raise HTTPException(404, f"no charts at {head[:200]!r}") from None
        args: dict[str, Any] = dict(kw)
        if name == "compare":
            try:
                args["isos"] = find.resolve(site, [c or ""])
                find.compare(site, args["isos"])
            except find.CompareError as exc:
                raise HTTPException(422, str(exc)) from None
        page = await asyncio.to_thread(get_page, name, **args)
        try:
            spec = chart_spec(site, page, lang, key)
        except KeyError:
            raise HTTPException(404, f"no chart {key[:60]!r} on {head[:200]!r}") from None
        filename = f"aicap-{head.replace('/', '-')}-{key}-{lang}.{ext}"
        headers = {"Content-Disposition": f'inline; filename="{filename}"'}
        if ext == "svg":
            body: bytes = (await asyncio.to_thread(svgcharts.svg, spec)).encode()
        elif ext == "png":
            body = await asyncio.to_thread(svgcharts.png, spec)
        elif ext == "csv":
            body = svgcharts.to_csv(spec).encode()
        else:
            body = json.dumps(spec, ensure_ascii=False).encode()
        return Response(body, media_type=MEDIA[ext], headers=headers)
