"""Every chart of the dashboard draws with the site's palette only (issue 24: the trend chart's
points were Vega's default blue #4c78a8): each chart function, given synthetic data, is drawn
to SVG by vl-convert and every fill and stroke must be a colour of :data:`charts.PALETTE`
(each mark colour >= 3:1 against the page, text >= 4.5:1, ``test_web_contrast.py``). The
interactive render reads the same spec, so it carries the same configuration."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from chart_helpers import drawn_colours
from test_web_contrast import contrast

from aicap.web import charts, svgcharts

VEGA_BLUE = "#4c78a8"
YEARS = [2019, 2020, 2021]
PILLARS = ["Connectivity", "Skills", "الحوسبة"]


def _specs() -> dict[str, dict[str, Any]]:
    trend = [
        {"year": y, "measure": m, "value": 30.0 + i + k}
        for k, y in enumerate(YEARS)
        for i, m in enumerate(["Index score", *PILLARS])
    ]
    labels = {"score": "Index score", **{p: p for p in PILLARS}}
    countries = ["Kenya", "Nigeria", "South Africa"]
    conc = [
        {"resource": r, "year": y, "hhi_low": 1000.0 + k, "hhi_high": 2000.0 + k, "class": "x"}
        for k, y in enumerate(YEARS)
        for r in ("Compute", "Models")
    ]
    gaps = [
        {"iso3": i, "risk_name": r, "status": s, "incidents": n}
        for i, (r, s, n) in zip(
            ["KEN", "NGA", "ZAF"],
            [("Bias", "gap", 2), ("Privacy", "addressed", 0), ("Safety", "not assessed", 1)],
            strict=True,
        )
    ]
    statuses = {k: k for k in charts.GAP_STATUS}
    return {
        "country_trend": charts.country_trend(trend, "Trend", labels),
        "pillar_bars": charts.pillar_bars(
            [{"pillar": p, "score": 40.0 + i, "median": 50.0} for i, p in enumerate(PILLARS)],
            "Pillar scores",
            "Score",
        ),
        "divide_lines": charts.divide_lines(
            [
                {"year": y, "measure": m, "value": 0.3 + k}
                for k, y in enumerate(YEARS)
                for m in ("Gap", "Gini")
            ],
            "Global divide",
        ),
        "indicator_strip": charts.indicator_strip(
            [{"name": n, "region": "Africa", "score": 20.0 * i} for i, n in enumerate(countries)],
            "Internet use",
            "Score",
        ),
        "year_bars": charts.year_bars(
            [{"year": y, "events": 3 + k} for k, y in enumerate(YEARS)], "Incidents", "Cases"
        ),
        "compare_pillars": charts.compare_pillars(
            [
                {"pillar": p, "country": c, "score": 10.0 * i + j}
                for i, p in enumerate(PILLARS)
                for j, c in enumerate(countries)
            ],
            "Pillar scores",
            "Score",
            countries,
        ),
        "compare_trend": charts.compare_trend(
            [
                {"year": y, "country": c, "score": 30.0 + j + k}
                for k, y in enumerate(YEARS)
                for j, c in enumerate(countries)
            ],
            "Trend",
            "Index score",
            countries,
        ),
        "concentration_over_time": charts.concentration_over_time(
            conc, "HHI", {"compute": "Compute", "models": "Models"}, "HHI"
        ),
        "lorenz": charts.lorenz(
            pd.Series([0.0, 1.0, 5.0, 50.0], index=["A", "B", "C", "D"]), "Lorenz", "x", "y"
        ),
        "gap_matrix": charts.gap_matrix(gaps, "Rule gaps", statuses),
    }


SPECS = _specs()


def test_the_palette_is_readable() -> None:
    assert contrast(charts.TEXT, charts.BACKGROUND) >= 4.5
    assert contrast(charts.AXIS, charts.BACKGROUND) >= 3.0
    assert VEGA_BLUE not in charts.PALETTE


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_chart_draws_with_the_site_palette(name: str) -> None:
    spec = SPECS[name]
    assert spec["config"] == charts.CONFIG  # the browser's render reads the same colours
    colours = drawn_colours(svgcharts.svg(spec))
    assert colours, name
    assert colours <= charts.PALETTE, (name, sorted(colours - charts.PALETTE))


def test_without_the_configuration_vega_blue_comes_back() -> None:
    """The check can fail: the trend chart without the site's configuration draws its points
    in Vega's default blue."""
    spec = copy.deepcopy(SPECS["country_trend"])
    del spec["config"]
    assert VEGA_BLUE in drawn_colours(svgcharts.svg(spec))


def test_png_is_the_svg_rasterised() -> None:
    from chart_helpers import png_size

    spec = SPECS["pillar_bars"]
    width, height = png_size(svgcharts.png(spec, scale=2))
    w = float(svgcharts.svg(spec).split('width="', 1)[1].split('"', 1)[0])
    assert width == pytest.approx(2 * w, abs=2) and height > 50


def test_disk_cache_skips_a_second_drawing(tmp_path: Path) -> None:
    spec = copy.deepcopy(SPECS["year_bars"])
    spec["description"] = "cache test"
    svgcharts.use_disk_cache(tmp_path)
    try:
        first = svgcharts.svg(spec)
        assert len(list(tmp_path.glob("*.svg"))) == 1
        svgcharts._CACHE.clear()  # a new process: memory empty, the folder kept
        drawn = svgcharts.stats()[0]
        assert svgcharts.svg(spec) == first and svgcharts.stats()[0] == drawn
    finally:
        svgcharts.use_disk_cache(None)
