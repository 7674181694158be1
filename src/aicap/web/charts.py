"""Vega-Lite specifications of the dashboard's charts (rendered in the browser by the vendored
vega, vega-lite and vega-embed; every chart also has its data table in the page, which is the
fallback without JavaScript). Colours: viridis (colour-blind safe), dashes for the second
series so that colour is never the only cue."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
MAIN = "#3e4989"
SECOND = "#26828e"


def _base(title: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "description": title,
        "data": {"values": values},
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
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
                    "mark": {"type": "bar", "color": MAIN},
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
                    "mark": {"type": "tick", "color": "#d8e219", "thickness": 3, "size": 20},
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
