"""Vega-Lite specifications of the dashboard's charts (rendered in the browser by the vendored
vega, vega-lite and vega-embed; every chart also has its data table in the page, which is the
fallback without JavaScript). Colours: viridis and Okabe-Ito (colour-blind safe), every mark
colour at least 3:1 against the white background (``tests/web/test_web_contrast.py``), dashes
or text for the second series so that colour is never the only cue. The Monitor's charts start
from the specs of ``aicap.analysis.monitor.charts`` and get translated titles and these
colours here."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from aicap.analysis.monitor import charts as monitor_charts

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
BACKGROUND = "#ffffff"
MAIN = "#3e4989"  # viridis
SECOND = "#26828e"  # viridis: the pillar bars
#: The peer median drawn over the pillar bars: black, so it stands out against the white
#: background (21:1) and against the bars (4.7:1) by lightness alone, which every kind of
#: colour vision sees (the former viridis yellow #d8e219 was 1.4:1 against white).
MEDIAN_TICK = "#000000"
#: Categories (resources): Okabe-Ito blue, vermillion, bluish green, then purple and black;
#: lines also differ by dash and point shape.
CATEGORY = ("#0072b2", "#d55e00", "#009e73", "#6a3d9a", "#000000")
THRESHOLD_RULE = "#595959"
#: Rule-gap statuses: dark enough for white incident counts on them (>= 4.5:1) and 3:1
#: against the page; blue (addressed) and red (gap) stay apart for red-green colour blindness,
#: and the table beside the chart names every status.
GAP_STATUS = {
    "addressed": "#2166ac",
    "draft only": "#7b3294",
    "gap": "#b2182b",
    "not covered": "#404040",
    "not assessed": "#737373",
}
#: Text (axis labels and titles, facet headers, legends): the page's text colour (AA, 4.5:1
#: and more); axis lines and ticks: 3:1 against white; grid lines are decoration.
TEXT = "#1a1a1a"
AXIS = "#595959"
GRID = "#e0e0e0"
MARK_COLOURS = (
    MAIN,
    SECOND,
    MEDIAN_TICK,
    *CATEGORY,
    THRESHOLD_RULE,
    *GAP_STATUS.values(),
    AXIS,
)
#: Every colour a chart may draw with (tests check each drawn SVG against it): Vega's
#: defaults (mark #4c78a8, the tableau10 categories, #888 axes) are replaced in CONFIG.
PALETTE = frozenset(c.lower() for c in (*MARK_COLOURS, TEXT, GRID, BACKGROUND))
#: One configuration for every chart, the same for the server's SVG and the browser's
#: interactive render (both read it from the spec): the site's palette, not Vega's.
CONFIG: dict[str, Any] = {
    "font": "system-ui, sans-serif",
    # the server measures labels with its own font; the reader's system-ui can be a few per
    # cent wider, and a long pillar name was cut at the left edge ("igital and compute...")
    "padding": {"left": 16, "right": 12, "top": 5, "bottom": 5},
    "background": BACKGROUND,
    "view": {"stroke": None},
    "mark": {"color": MAIN},
    "point": {"color": MAIN},
    "line": {"color": MAIN},
    "bar": {"color": MAIN},
    "tick": {"color": MAIN},
    "range": {"category": list(CATEGORY)},
    "axis": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "domainColor": AXIS,
        "tickColor": AXIS,
        "gridColor": GRID,
    },
    "header": {"labelColor": TEXT, "titleColor": TEXT},
    "legend": {"labelColor": TEXT, "titleColor": TEXT},
    "title": {"color": TEXT},
}


def _base(title: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "description": title,
        "data": {"values": values},
        "config": copy.deepcopy(CONFIG),
    }


def country_trend(
    values: list[dict[str, Any]], title: str, labels: dict[str, str]
) -> dict[str, Any]:
    """Score per year, one small panel per measure (``values``: year, measure, value)."""
    spec = _base(title, values)
    spec.update(
        {
            "facet": {
                "field": "measure",
                "type": "nominal",
                "sort": list(labels.values()),
                "title": None,
                "header": {"labelFontSize": 11, "labelLimit": 160},
            },
            "columns": 4,
            "spec": {
                "width": 150,
                "height": 80,
                "mark": {"type": "line", "point": True, "color": MAIN},
                "encoding": {
                    "x": {
                        "field": "year",
                        "type": "ordinal",
                        "title": None,
                        "axis": {
                            "labelAngle": 0,
                            "values": [values[0]["year"], values[-1]["year"]] if values else [],
                        },
                    },
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": None,
                        "scale": {"domain": [0, 100]},
                    },
                    "tooltip": [
                        {"field": "measure", "type": "nominal"},
                        {"field": "year", "type": "ordinal"},
                        {"field": "value", "type": "quantitative", "format": ".1f"},
                    ],
                },
            },
        }
    )
    return spec


def pillar_bars(values: list[dict[str, Any]], title: str, x_title: str) -> dict[str, Any]:
    """Pillar scores with the peer median as a tick (``values``: pillar, score, median)."""
    spec = _base(title, values)
    spec.update(
        {
            "width": 360,
            "height": {"step": 22},
            "encoding": {
                "y": {
                    "field": "pillar",
                    "type": "nominal",
                    "sort": None,
                    "title": None,
                    "axis": {"labelLimit": 220},
                },
            },
            "layer": [
                {
                    "mark": {"type": "bar", "color": SECOND},
                    "encoding": {
                        "x": {
                            "field": "score",
                            "type": "quantitative",
                            "title": x_title,
                            "scale": {"domain": [0, 100]},
                        },
                        "tooltip": [{"field": "pillar"}, {"field": "score", "format": ".1f"}],
                    },
                },
                {
                    "mark": {"type": "tick", "color": MEDIAN_TICK, "thickness": 3, "size": 20},
                    "encoding": {"x": {"field": "median", "type": "quantitative"}},
                },
            ],
        }
    )
    return spec


def divide_lines(values: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Gap and Gini per year, one panel each (``values``: year, measure, value)."""
    spec = _base(title, values)
    spec.update(
        {
            "facet": {"field": "measure", "type": "nominal", "title": None},
            "columns": 2,
            "resolve": {"scale": {"y": "independent"}},
            "spec": {
                "width": 280,
                "height": 140,
                "mark": {"type": "line", "point": True, "color": MAIN},
                "encoding": {
                    "x": {
                        "field": "year",
                        "type": "ordinal",
                        "title": None,
                        "axis": {"labelAngle": 0},
                    },
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": None,
                        "scale": {"zero": False},
                    },
                    "tooltip": [{"field": "year"}, {"field": "value", "format": ".3f"}],
                },
            },
        }
    )
    return spec


def indicator_strip(values: list[dict[str, Any]], title: str, x_title: str) -> dict[str, Any]:
    """Normalised score of every Member State by region (``values``: name, region, score)."""
    spec = _base(title, values)
    spec.update(
        {
            "width": 480,
            "height": {"step": 30},
            "mark": {"type": "tick", "color": MAIN, "thickness": 2},
            "encoding": {
                "x": {
                    "field": "score",
                    "type": "quantitative",
                    "title": x_title,
                    "scale": {"domain": [0, 100]},
                },
                "y": {"field": "region", "type": "nominal", "title": None},
                "tooltip": [{"field": "name"}, {"field": "score", "format": ".1f"}],
            },
        }
    )
    return spec


# ------------------------------------------------------------------------------ monitor
def concentration_over_time(
    rows: list[dict[str, Any]], title: str, labels: dict[str, str], hhi: str
) -> dict[str, Any]:
    """HHI per year and resource (band low-high, line at the low end) with the DOJ/FTC
    thresholds, from :func:`aicap.analysis.monitor.charts.concentration_over_time`;
    ``rows``: resource (a label), year, hhi_low, hhi_high, class."""
    table = pd.DataFrame(rows, columns=["resource", "year", "hhi_low", "hhi_high", "class"])
    spec = monitor_charts.concentration_over_time(table, title)
    spec.update({"width": 560, "height": 260, "config": _base("", [])["config"]})
    spec["description"] = title
    order = list(labels.values())
    colour = {
        "field": "resource",
        "type": "nominal",
        "title": None,
        "scale": {"domain": order, "range": list(CATEGORY[: len(order)])},
        "legend": {"orient": "bottom", "columns": 3, "labelLimit": 240},
    }
    area, line, rules = spec["layer"]
    area["encoding"]["color"] = copy.deepcopy(colour)
    area["encoding"]["y"]["title"] = hhi
    line["encoding"]["color"] = colour
    # one legend: colour, dash and point shape of each resource merge into it
    same = {k: colour[k] for k in ("field", "type", "title", "legend")}
    line["encoding"]["strokeDash"] = copy.deepcopy(same) | {"scale": {"domain": order}}
    line["encoding"]["shape"] = copy.deepcopy(same) | {"scale": {"domain": order}}
    line["mark"] = {"type": "line", "point": {"filled": True, "size": 40}}
    for layer in (area, line):
        layer["encoding"]["x"]["title"] = None
        layer["encoding"]["x"]["axis"] = {"labelAngle": 0}
    rules["mark"] = {"type": "rule", "strokeDash": [4, 4], "color": THRESHOLD_RULE}
    return spec


def lorenz(amounts: pd.Series, title: str, x_title: str, y_title: str) -> dict[str, Any]:
    """The Lorenz curve of :func:`aicap.analysis.monitor.charts.lorenz_curve` with translated
    titles and this palette."""
    spec = monitor_charts.lorenz_curve(amounts, title)
    spec.update({"width": 360, "height": 300, "config": _base("", [])["config"]})
    spec["description"] = title
    curve, equal = spec["layer"]
    curve["mark"] = {"type": "line", "color": MAIN, "strokeWidth": 2}
    curve["encoding"]["x"]["title"] = x_title
    curve["encoding"]["y"]["title"] = y_title
    equal["mark"] = {"type": "line", "strokeDash": [4, 4], "color": THRESHOLD_RULE}
    return spec


def gap_matrix(rows: list[dict[str, Any]], title: str, statuses: dict[str, str]) -> dict[str, Any]:
    """Member States x risks (``rows``: iso3, risk_name, status (a label), incidents), from
    :func:`aicap.analysis.monitor.charts.gap_matrix_chart`, incident counts in white."""
    table = pd.DataFrame(rows, columns=["iso3", "risk_name", "status", "incidents"])
    spec = monitor_charts.gap_matrix_chart(table, title)
    spec.update({"width": {"step": 64}, "height": {"step": 13}, "config": _base("", [])["config"]})
    spec["description"] = title
    spec["encoding"]["x"]["axis"] = {"orient": "top", "labelAngle": -30, "labelLimit": 200}
    rect, text = spec["layer"]
    rect["encoding"]["color"]["title"] = None
    rect["encoding"]["color"]["scale"] = {
        "domain": [statuses[k] for k in GAP_STATUS],
        "range": list(GAP_STATUS.values()),
    }
    rect["encoding"]["color"]["legend"] = {"orient": "bottom"}
    text["mark"] = {"type": "text", "fontSize": 9, "color": "#ffffff"}
    text["transform"] = [{"filter": "datum.incidents > 0"}]
    return spec


def year_bars(values: list[dict[str, Any]], title: str, y_title: str) -> dict[str, Any]:
    """A count per year (``values``: year, events)."""
    spec = _base(title, values)
    spec.update(
        {
            "width": 480,
            "height": 180,
            "mark": {"type": "bar", "color": MAIN},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "ordinal",
                    "title": None,
                    "axis": {"labelAngle": 0},
                },
                "y": {"field": "events", "type": "quantitative", "title": y_title},
                "tooltip": [{"field": "year"}, {"field": "events"}],
            },
        }
    )
    return spec


# ------------------------------------------------------------------------------ compare
def compare_pillars(
    values: list[dict[str, Any]], title: str, x_title: str, countries: list[str]
) -> dict[str, Any]:
    """Pillar scores of 2-5 countries as dots on one line per pillar (``values``: pillar,
    country, score); colour and shape tell the countries apart."""
    spec = _base(title, values)
    legend = {"field": "country", "type": "nominal", "title": None, "sort": countries}
    spec.update(
        {
            "width": 420,
            "height": {"step": 26},
            "mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.9},
            "encoding": {
                "y": {"field": "pillar", "type": "nominal", "sort": None, "title": None},
                "x": {
                    "field": "score",
                    "type": "quantitative",
                    "title": x_title,
                    "scale": {"domain": [0, 100]},
                },
                "color": legend
                | {
                    "scale": {"domain": countries, "range": list(CATEGORY[: len(countries)])},
                    "legend": {"orient": "bottom", "columns": 3, "labelLimit": 200},
                },
                "shape": legend | {"scale": {"domain": countries}},
                "tooltip": [
                    {"field": "country"},
                    {"field": "pillar"},
                    {"field": "score", "format": ".1f"},
                ],
            },
        }
    )
    return spec


def compare_trend(
    values: list[dict[str, Any]], title: str, y_title: str, countries: list[str]
) -> dict[str, Any]:
    """Index score per year of 2-5 countries (``values``: year, country, score)."""
    spec = _base(title, values)
    legend = {"field": "country", "type": "nominal", "title": None, "sort": countries}
    spec.update(
        {
            "width": 420,
            "height": 200,
            "mark": {"type": "line", "point": {"filled": True, "size": 40}},
            "encoding": {
                "x": {"field": "year", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
                "y": {"field": "score", "type": "quantitative", "title": y_title},
                "color": legend
                | {
                    "scale": {"domain": countries, "range": list(CATEGORY[: len(countries)])},
                    "legend": {"orient": "bottom", "columns": 3, "labelLimit": 200},
                },
                "strokeDash": legend | {"scale": {"domain": countries}},
                "shape": legend | {"scale": {"domain": countries}},
                "tooltip": [
                    {"field": "country"},
                    {"field": "year"},
                    {"field": "score", "format": ".1f"},
                ],
            },
        }
    )
    return spec
