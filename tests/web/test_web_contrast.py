"""WCAG 2.1 contrast of the dashboard's colours: every colour used for chart marks against the
white page (>= 3:1, non-text contrast), the peer-median tick against the pillar bars it is
drawn over, and text colours against their backgrounds (>= 4.5:1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aicap.web import charts
from aicap.web.views import TIER_COLOURS

CSS = Path(charts.__file__).with_name("static") / "style.css"


def luminance(colour: str) -> float:
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[k : k + 2], 16) / 255 for k in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#d8e219", "#ffffff") < 3  # the old peer-median tick failed


@pytest.mark.parametrize("colour", charts.MARK_COLOURS)
def test_chart_marks_against_the_page(colour: str) -> None:
    assert contrast(colour, charts.BACKGROUND) >= 3.0, colour


def test_median_tick_against_the_bars() -> None:
    assert contrast(charts.MEDIAN_TICK, charts.SECOND) >= 3.0
    spec = charts.pillar_bars([{"pillar": "Data", "score": 50, "median": 40}], "t", "x")
    bar, tick = spec["layer"]
    assert bar["mark"]["color"] == charts.SECOND and tick["mark"]["color"] == charts.MEDIAN_TICK


@pytest.mark.parametrize("colour", charts.GAP_STATUS.values())
def test_white_incident_counts_on_gap_cells(colour: str) -> None:
    assert contrast("#ffffff", colour) >= 4.5, colour


def _css_vars() -> dict[str, str]:
    root = re.search(r":root\{([^}]*)\}", CSS.read_text())
    assert root
    return dict(re.findall(r"--([a-z]+):(#[0-9a-fA-F]{3,6})", root.group(1)))


def test_text_colours() -> None:
    v = _css_vars()
    pairs = [
        (v["fg"], v["bg"]),
        (v["muted"], v["bg"]),
        (v["accent"], v["bg"]),  # links
        (v["fg"], v["soft"]),
        ("#ffffff", v["accent"]),  # the header
        ("#b2182b", v["bg"]),  # .st-gap
        ("#2166ac", v["bg"]),  # .st-addressed
    ]
    for fg, bg in pairs:
        assert contrast(fg, bg) >= 4.5, (fg, bg)


def test_tier_badge_text() -> None:
    css = CSS.read_text()
    for tier, fill in enumerate(TIER_COLOURS):
        m = re.search(rf"\.t{tier}\{{background:{fill};color:(#[0-9a-fA-F]{{3,6}})\}}", css)
        assert m, tier
        assert contrast(m.group(1), fill) >= 4.5, (tier, fill)


def test_map_outlines_make_light_tiers_visible() -> None:
    """A tier fill too light to stand out from the map's sea (< 3:1, WCAG 1.4.11) is outlined
    in a colour that does (>= 3:1 against the sea and against that fill)."""
    css = CSS.read_text()
    sea = re.search(r"\.map svg\{[^}]*background:(#[0-9a-fA-F]{3,6})", css)
    m = re.search(r"\.map path,\.map circle\{stroke:(#[0-9a-fA-F]{3,6})", css)
    assert sea and m
    stroke = m.group(1)
    assert contrast(stroke, sea.group(1)) >= 3.0
    light = [f for f in TIER_COLOURS if contrast(f, sea.group(1)) < 3.0]
    assert light  # viridis' light end
    for fill in light:
        assert contrast(stroke, fill) >= 3.0, fill
