"""The page's SVG is smaller and draws the same (issue 24: the static export's size):
:func:`aicap.web.svgslim.slim` is checked on every kind of chart (the synthetic specs of
``test_charts_palette.py``) by rasterising vl-convert's SVG and the slimmed one with the same
renderer (resvg, through ``vl_convert.svg_to_png``) and comparing the PNG files byte for byte,
and on hand-made SVG where the right answer is known. The bytes it removes must not come back:
no coordinate with more than one decimal, no run of ``<line>`` elements, no symbol per point."""

from __future__ import annotations

import re

import pytest
from test_charts_palette import SPECS

from aicap.web import svgcharts
from aicap.web.svgslim import slim

#: the one change the reference keeps: coordinates cut to one decimal (a tenth of a pixel)
_ONE_DECIMAL = re.compile(r"(\d\.\d)\d+")


def _png(svg: str) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.svg_to_png(svg, scale=2))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_slim_svg_draws_the_same_pixels(name: str) -> None:
    raw = svgcharts.svg(SPECS[name])
    raw = raw[raw.find("<svg") :]
    small = slim(raw)
    assert _png(small) == _png(_ONE_DECIMAL.sub(r"\1", raw)), name
    assert len(small) < 0.75 * len(raw), (name, len(small), len(raw))


def test_the_trend_chart_loses_what_it_did_not_draw() -> None:
    raw = svgcharts.svg(SPECS["country_trend"])
    small = slim(raw)
    assert len(small) < 0.4 * len(raw), (len(small), len(raw))
    assert not re.search(r"\d\.\d\d", small)  # one decimal
    assert not re.search(r"/><line\b", small)  # ticks and grid lines: one path per run
    assert 'transform="translate(' not in "".join(re.findall(r"<path[^>]*>", small))
    assert " aria-" not in small and ' class="' not in small.partition(">")[2]


def test_lines_become_one_path_per_stroke() -> None:
    svg = (
        '<svg width="10" height="10"><g fill="none">'
        '<line transform="translate(1,2)" x2="0" y2="5" stroke="#595959" stroke-width="1"/>'
        '<line transform="translate(3,2)" x2="4" y2="0" stroke="#595959" stroke-width="1"/>'
        '<line transform="translate(0,0)" x1="1" y1="1" x2="2" y2="3" stroke="#595959"/>'
        '<line x2="9" y2="0" stroke="#e0e0e0"/>'
        "</g></svg>"
    )
    out = slim(svg)
    assert '<path d="M1,2v5M3,2h4M1,1l1,2" stroke="#595959"/>' in out, out
    assert '<line x2="9" y2="0" stroke="#e0e0e0"/>' in out  # a run of one stays a line


def test_symbols_are_moved_into_one_path_unless_overlaps_would_show() -> None:
    dot = 'd="M2,0A2,2,0,1,1,-2,0A2,2,0,1,1,2,0" fill="#3e4989"'
    svg = (
        '<svg width="10" height="10"><g fill="none">'
        f'<path transform="translate(5,5)" {dot}/><path transform="translate(1.5,0)" {dot}/>'
        "</g></svg>"
    )
    out = slim(svg)
    assert 'd="M7,5A2,2,0,1,1,3,5A2,2,0,1,1,7,5M3.5,0A2,2,0,1,1,-0.5,0A2,2,0,1,1,3.5,0"' in out
    # translucent points: their overlaps are darker, so each stays a path of its own
    faded = svg.replace('fill="#3e4989"', 'fill="#3e4989" fill-opacity="0.5"')
    assert slim(faded).count("<path") == 2
    # a relative first move would become relative to the previous symbol: left alone
    relative = svg.replace('d="M2,0', 'd="m2,0')
    assert slim(relative).count("<path") == 2


def test_a_lines_dots_become_its_markers_and_draw_the_same() -> None:
    """A line and a filled circle on each of its vertices (a trend's yearly points): the
    circles become the line's markers, pixel for pixel; dots off the vertices stay."""
    line = '<path d="M10,40L30,20.5L50,30" stroke="#3e4989" stroke-width="2"/>'
    dot = "M{x},{y}A2.7,2.7,0,1,1,{w},{y}A2.7,2.7,0,1,1,{x},{y}"
    dots = "".join(
        dot.format(x=x + 2.7, w=round(x - 2.7, 1), y=y) for x, y in ((10, 40), (30, 20.5), (50, 30))
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60"><g fill="none">'
        f'<rect width="60" height="60" fill="#fff"/>{line}'
        f'<path d="{dots}" fill="#3e4989" stroke-width="2"/></g></svg>'
    )
    out = slim(svg)
    assert out.count("marker-mid=") == 1 and out.count("<marker ") == 1, out
    assert "A2.7" not in out.split("</defs>")[1]  # no circle left in the drawing
    assert _png(out) == _png(svg)
    # a dot that is not on the line's vertex: left as drawn
    off = svg.replace("M32.7,20.5", "M32.7,22.5").replace("27.3,20.5", "27.3,22.5")
    assert "marker" not in slim(off)
