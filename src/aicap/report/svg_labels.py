"""The words of the briefing's SVG charts as HTML text laid over the drawing, for right-to-left
languages.

WeasyPrint draws SVG ``<text>`` glyph by glyph: Arabic letters come out unjoined and in the
wrong order. :func:`overlay_labels` takes each SVG text whose words are in a right-to-left
script out of the drawing and sets it as an absolutely positioned HTML ``<span>`` at the same
place (anchor, baseline, rotation, colour and size as drawn), so that the page's text engine
shapes it and orders it, and the PDF holds it as text. Numbers, codes and Latin words stay in
the SVG, where they draw correctly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape, unescape

_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_ATTR = re.compile(r"""([\w:-]+)=(?:'([^']*)'|"([^"]*)")""")
_ROTATE = re.compile(r"rotate\(\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+)[\s,]+(-?[\d.]+))?\s*\)")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
#: the baseline's distance below the top of a one-line box at ``line-height: 1`` (share of the
#: font size), for the report's fonts (DejaVu Sans, Noto Naskh Arabic)
BASELINE = 0.8
#: the width of the box a centred label is laid out in (CSS px): wider than any chart label
CENTRED = 400


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTR.finditer(text)
    }


def _num(v: str | None, default: float = 0.0) -> float:
    try:
        return float(str(v).replace("px", ""))
    except ValueError:
        return default


def _label(a: dict[str, str], words: str, width: float) -> str:
    """One SVG text (its attributes ``a``) as an absolutely positioned span."""
    x, y = _num(a.get("x")), _num(a.get("y"))
    size = _num(a.get("font-size"), 10.0)
    top = y - BASELINE * size
    anchor = a.get("text-anchor", "start")
    style = [f"top: {top:.1f}px", f"font-size: {size:g}px"]
    origin_x = 0.0
    if anchor == "middle":
        style += [f"left: {x - CENTRED / 2:.1f}px", f"width: {CENTRED}px", "text-align: center"]
        origin_x = CENTRED / 2
    elif anchor == "end":
        style.append(f"right: {width - x:.1f}px")
    else:
        style.append(f"left: {x:.1f}px")
    if a.get("fill"):
        style.append(f"color: {a['fill']}")
    rot = _ROTATE.search(a.get("transform", ""))
    if rot:
        if anchor == "end":  # the box's origin is its right end: rotate about the anchor
            style.append(f"transform-origin: 100% {BASELINE * size:.1f}px")
        else:
            style.append(f"transform-origin: {origin_x:.1f}px {BASELINE * size:.1f}px")
        style.append(f"transform: rotate({float(rot.group(1)):g}deg)")
    return f"<span class='svgt' style='{'; '.join(style)}'>{escape(words)}</span>"


def overlay_labels(svg: str, translate: Callable[[str], str]) -> str:
    """``svg`` (one chart) with its words translated (``translate``: English -> the
    language); those in a right-to-left script taken out of the drawing and laid over it as
    HTML in a box of the chart's size (class ``svgl``)."""
    head = _attrs(svg[: svg.find(">") + 1])
    width, height = _num(head.get("width")), _num(head.get("height"))
    if not width or not height:
        return svg
    spans: list[str] = []

    def text(m: re.Match[str]) -> str:
        raw = unescape(m.group(2)).strip()
        if not re.search(r"[A-Za-z]{2}", raw):
            return m.group(0)  # numbers and ticks: drawn as they are
        words = translate(raw)
        if not _RTL.search(words):
            return f"<text{m.group(1)}>{escape(words)}</text>"
        a = _attrs(m.group(1))
        size = _num(a.get("font-size"), 10.0)
        x = _num(a.get("x"))
        if a.get("text-anchor") == "end" and "transform" not in a and text_width(words, size) > x:
            first, second = _halves(words)  # past the chart's left edge: on two lines
            if first and second:
                y = _num(a.get("y"))
                for dy, part in ((-0.55 * size, first), (0.55 * size, second)):
                    spans.append(_label({**a, "y": f"{y + dy:.1f}"}, part, width))
                return ""
        spans.append(_label(a, words, width))
        return ""

    body = _TEXT.sub(text, svg)
    if not spans:
        return body
    return (
        f"<div class='svgl' style='width: {width:g}px; height: {height:g}px'>"
        + body
        + "".join(spans)
        + "</div>"
    )


def overlay_all(html: str, translate: Callable[[str], str]) -> str:
    """Every SVG chart of ``html`` through :func:`overlay_labels`."""
    return _SVG.sub(lambda m: overlay_labels(m.group(0), translate), html)


def text_width(text: str, size: float) -> float:
    """A generous estimate of ``text``'s advance at ``size`` px in DejaVu Sans, Noto Naskh
    Arabic or Noto Sans CJK (ideographs and kana are square; Latin and Cyrillic average
    0.62 em, Arabic 0.5 em)."""
    return sum(
        size if ord(ch) >= 0x2E80 else (0.5 if _RTL.match(ch) else 0.62) * size for ch in text
    )


def _halves(text: str) -> tuple[str, str]:
    """``text`` cut in two lines near its middle: at a space, or between two ideographs."""
    mid = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - mid))
        return text[:cut], text[cut + 1 :]
    cut = round(mid)
    return text[:cut], text[cut:]


def fit_text(open_tag: str, words: str) -> str:
    """One SVG ``<text>`` (its opening tag and its words, escaped here): a label anchored at
    its end whose words would run past the chart's left edge (a translation longer than the
    English the chart was laid out for) is set on two lines about the same middle."""
    a = _attrs(open_tag)
    x, y, size = _num(a.get("x")), _num(a.get("y")), _num(a.get("font-size"), 10.0)
    if a.get("text-anchor") != "end" or "transform" in a or text_width(words, size) <= x - 2:
        return f"{open_tag}{escape(words)}</text>"
    first, second = _halves(words)
    if not first or not second:
        return f"{open_tag}{escape(words)}</text>"
    lead = 0.55 * size
    tags = []
    for dy, part in ((-lead, first), (lead, second)):
        tag = re.sub(r"\sy=(?:'[^']*'|\"[^\"]*\")", f" y='{y + dy:.1f}'", open_tag, count=1)
        tags.append(f"{tag}{escape(part)}</text>")
    return "".join(tags)
