"""Vega-Lite (v5) chart specifications for the Monitor, as plain dicts with the data inlined:
concentration over time, the Lorenz curve of compute across Member States, and the rule-gap
matrix. The web layer serialises them as they are."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from aicap.analysis.monitor.concentration import DOJ_FTC_2023, HIGH, MODERATE, gini, lorenz

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return data


def concentration_over_time(table: pd.DataFrame, title: str = "") -> dict[str, Any]:
    """HHI (interval band low-high and a line at the low end) per year, one colour per
    resource, with the DOJ/FTC 2023 thresholds as rules. ``table``: rows of
    :func:`~aicap.analysis.monitor.concentration.concentration_table` for one view, dimension
    and variant."""
    data = table[["resource", "year", "hhi_low", "hhi_high", "class"]]
    return {
        "$schema": SCHEMA,
        "title": title or "Concentration (HHI) over time",
        "description": f"Thresholds: {DOJ_FTC_2023}",
        "layer": [
            {
                "data": {"values": _values(data)},
                "mark": {"type": "area", "opacity": 0.25},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal"},
                    "y": {"field": "hhi_low", "type": "quantitative", "title": "HHI"},
                    "y2": {"field": "hhi_high"},
                    "color": {"field": "resource", "type": "nominal"},
                },
            },
            {
                "data": {"values": _values(data)},
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal"},
                    "y": {"field": "hhi_low", "type": "quantitative"},
                    "color": {"field": "resource", "type": "nominal"},
                    "tooltip": [
                        {"field": "resource"},
                        {"field": "year"},
                        {"field": "hhi_low", "format": ",.0f"},
                        {"field": "hhi_high", "format": ",.0f"},
                        {"field": "class"},
                    ],
                },
            },
            {
                "data": {
                    "values": [
                        {"threshold": MODERATE, "label": "moderately concentrated"},
                        {"threshold": HIGH, "label": "highly concentrated"},
                    ]
                },
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {"y": {"field": "threshold", "type": "quantitative"}},
            },
        ],
    }


def lorenz_curve(amounts: pd.Series, title: str = "") -> dict[str, Any]:
    """Lorenz curve of a quantity over units (e.g. H100e over all 193 Member States, zeros
    included), with the equality line and the Gini coefficient in the title."""
    curve = lorenz(amounts)
    g = gini(amounts)
    return {
        "$schema": SCHEMA,
        "title": title or f"Lorenz curve (Gini {g:.3f})",
        "data": {"values": _values(curve)},
        "layer": [
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": {
                        "field": "units_share",
                        "type": "quantitative",
                        "title": "share of units",
                    },
                    "y": {
                        "field": "quantity_share",
                        "type": "quantitative",
                        "title": "share of the quantity",
                    },
                },
            },
            {
                "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
                "mark": {"type": "line", "strokeDash": [4, 4], "color": "gray"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "y", "type": "quantitative"},
                },
            },
        ],
    }


STATUS_COLOURS = {
    "addressed": "#1a9850",
    "draft only": "#fee08b",
    "gap": "#d73027",
    "not covered": "#d9d9d9",
    "not assessed": "#f0f0f0",
}


def gap_matrix_chart(matrix: pd.DataFrame, title: str = "") -> dict[str, Any]:
    """Countries x risks heat map of the gap status, with incident counts as text."""
    data = matrix[["iso3", "risk_name", "status", "incidents"]]
    return {
        "$schema": SCHEMA,
        "title": title or "AI risks and the instruments that address them",
        "data": {"values": _values(data)},
        "encoding": {
            "x": {"field": "risk_name", "type": "nominal", "title": None},
            "y": {"field": "iso3", "type": "nominal", "title": None},
        },
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    "color": {
                        "field": "status",
                        "type": "nominal",
                        "scale": {
                            "domain": list(STATUS_COLOURS),
                            "range": list(STATUS_COLOURS.values()),
                        },
                    },
                    "tooltip": [
                        {"field": "iso3"},
                        {"field": "risk_name"},
                        {"field": "status"},
                        {"field": "incidents", "title": "documented incidents"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "fontSize": 9},
                "encoding": {"text": {"field": "incidents", "type": "quantitative"}},
            },
        ],
    }
