"""Static SVG charts built by hand (no JavaScript, no CDN): line charts, grouped horizontal bars,
a scatter with a fitted line and its prediction band, and the per-pillar profile chart.

Every function returns an ``<svg>`` string sized in CSS pixels that WeasyPrint and browsers
render identically. Text is escaped; colours come from a colour-blind-safe palette (Okabe-Ito).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
FONT = "font-family='DejaVu Sans, Noto Sans, sans-serif'"
GRID = "#d9d9d9"


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10 or v == int(v):
        return f"{v:.0f}"
    return f"{v:.2g}" if abs(v) < 0.1 else f"{v:.1f}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering ``lo..hi``."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}' {FONT}>"
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


#: The longest legend label (characters, English) drawn in two columns.
LEGEND_CHARS = 22


def line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
    y_label: str,
    width: int = 520,
    height: int = 230,
    y_min: float | None = None,
    y_max: float | None = None,
    band: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> str:
    """One line per entry of ``series`` (``[(x, y), ...]``); optional shaded ``band`` per
    series (``[(x, low, high), ...]``)."""
    pts = [(x, y) for s in series.values() for x, y in s if math.isfinite(y)]
    for b in (band or {}).values():
        pts += [(x, lo) for x, lo, _ in b] + [(x, hi) for x, _, hi in b]
    xs = [p[0] for p in pts] or [0.0, 1.0]
    ys = [p[1] for p in pts] or [0.0, 1.0]
    yt = nice_ticks(min(ys) if y_min is None else y_min, max(ys) if y_max is None else y_max)
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    # one legend column when a label is long: a translation can be nearly twice as long
    cols = 1 if max((len(str(n)) for n in series), default=0) > LEGEND_CHARS else 2
    n_rows = (len(series) + cols - 1) // cols
    left, right, top, bottom = 48, 10, 12, 30 + 14 * n_rows
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + ph - (y - yt[0]) / (yt[-1] - yt[0]) * ph

    body = []
    for t in yt:
        body.append(
            f"<line x1='{left}' x2='{left + pw}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' "
            f"stroke='{GRID}' stroke-width='0.6'/>"
        )
        body.append(
            f"<text x='{left - 4}' y='{sy(t) + 3:.1f}' font-size='9' text-anchor='end'>"
            f"{_fmt(t)}</text>"
        )
    for x in sorted(set(xs)):
        if float(x).is_integer():
            body.append(
                f"<text x='{sx(x):.1f}' y='{top + ph + 13}' font-size='9' "
                f"text-anchor='middle'>{int(x)}</text>"
            )
    body.append(
        f"<text x='12' y='{top + ph / 2:.1f}' font-size='9' text-anchor='middle' "
        f"transform='rotate(-90 12 {top + ph / 2:.1f})'>{escape(y_label)}</text>"
    )
    legend = []
    for k, (name, s) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        if band and name in band:
            b = band[name]
            poly = [f"{sx(x):.1f},{sy(hi):.1f}" for x, _, hi in b]
            poly += [f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _ in reversed(b)]
            body.append(f"<polygon points='{' '.join(poly)}' fill='{colour}' fill-opacity='0.15'/>")
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s if math.isfinite(y))
        body.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        for x, y in s:
            if math.isfinite(y):
                body.append(f"<circle cx='{sx(x):.1f}' cy='{sy(y):.1f}' r='2' fill='{colour}'/>")
        legend.append((name, colour))
    for k, (label, colour) in enumerate(legend):
        lx = left + (k % cols) * (pw / 2)
        ly = top + ph + 30 + (k // cols) * 14
        body.append(
            f"<line x1='{lx:.1f}' y1='{ly - 4}' x2='{lx + 16:.1f}' y2='{ly - 4}' "
            f"stroke='{colour}' stroke-width='3'/>"
        )
        body.append(f"<text x='{lx + 20:.1f}' y='{ly}' font-size='9.5'>{escape(label)}</text>")
    return _svg(width, height, body, title)


def grouped_bars(
    categories: Sequence[str],
    groups: Mapping[str, Sequence[float]],
    *,
    title: str,
    x_label: str = "score (0-100)",
    width: int = 520,
    x_max: float = 100.0,
) -> str:
    """Horizontal bars: for each category one bar per group (NaN: no bar)."""
    n_g = len(groups)
    bar_h = 7
    row_h = bar_h * n_g + 8
    left, right, top = 190, 20, 8
    legend_h = 13 * n_g + 6
    # the axis title on a row of its own, below the ticks: a translated legend label runs as
    # far right as it needs without running into it
    height = top + row_h * len(categories) + 34 + legend_h
    pw = width - left - right
    body = []
    for t in nice_ticks(0, x_max):
        x = left + t / x_max * pw
        if t <= x_max:
            body.append(
                f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top}' y2='{top + row_h * len(categories)}' "
                f"stroke='{GRID}' stroke-width='0.6'/>"
            )
            body.append(
                f"<text x='{x:.1f}' y='{top + row_h * len(categories) + 11}' font-size='9' "
                f"text-anchor='middle'>{_fmt(t)}</text>"
            )
    for i, cat in enumerate(categories):
        y = top + i * row_h + 4
        body.append(
            f"<text x='{left - 6}' y='{y + row_h / 2:.1f}' font-size='9.5' text-anchor='end'>"
            f"{escape(cat)}</text>"
        )
        for k, vals in enumerate(groups.values()):
            v = vals[i]
            if v is None or not math.isfinite(v):
                continue
            w = max(0.0, min(v, x_max)) / x_max * pw
            body.append(
                f"<rect x='{left}' y='{y + k * bar_h:.1f}' width='{w:.1f}' height='{bar_h - 1}' "
                f"fill='{PALETTE[k % len(PALETTE)]}'/>"
            )
    ly = top + row_h * len(categories) + 38
    for k, name in enumerate(groups):
        lx = left
        yy = ly + k * 13
        body.append(
            f"<rect x='{lx:.1f}' y='{yy - 8}' width='10' height='8' "
            f"fill='{PALETTE[k % len(PALETTE)]}'/>"
        )
        body.append(f"<text x='{lx + 14:.1f}' y='{yy}' font-size='9.5'>{escape(name)}</text>")
    body.append(
        f"<text x='{left + pw:.1f}' y='{top + row_h * len(categories) + 23}' font-size='8' "
        f"text-anchor='end' fill='#555'>{escape(x_label)}</text>"
    )
    return _svg(width, height, body, title)


def scatter_fit(
    x: Sequence[float],
    y: Sequence[float],
    fit: tuple[float, float],
    band: Sequence[tuple[float, float, float]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    highlight: dict[int, str] | None = None,
    width: int = 520,
    height: int = 260,
    log_x_labels: bool = True,
) -> str:
    """Points, the fitted line ``y = a + b x`` and its prediction band (``[(x, lo, hi)]``);
    ``highlight``: index -> label for annotated points."""
    pts = [(a, b) for a, b in zip(x, y, strict=True) if math.isfinite(a) and math.isfinite(b)]
    xs = [p[0] for p in pts] + [b[0] for b in band]
    yt = nice_ticks(0, 100)
    x0, x1 = min(xs), max(xs)
    left, right, top, bottom = 44, 12, 10, 34
    pw, ph = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def sy(v: float) -> float:
        v = min(max(v, yt[0]), yt[-1])
        return top + ph - (v - yt[0]) / (yt[-1] - yt[0]) * ph

    body = []
    for t in yt:
        body.append(
            f"<line x1='{left}' x2='{left + pw}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' "
            f"stroke='{GRID}' stroke-width='0.6'/>"
        )
        body.append(
            f"<text x='{left - 4}' y='{sy(t) + 3:.1f}' font-size='9' text-anchor='end'>"
            f"{_fmt(t)}</text>"
        )
    for e in range(math.ceil(x0), math.floor(x1) + 1):
        label = f"{10**e:,.0f}" if log_x_labels else _fmt(e)
        body.append(
            f"<text x='{sx(e):.1f}' y='{top + ph + 12}' font-size='9' text-anchor='middle'>"
            f"{label}</text>"
        )
    poly = [f"{sx(a):.1f},{sy(hi):.1f}" for a, _, hi in band]
    poly += [f"{sx(a):.1f},{sy(lo):.1f}" for a, lo, _ in reversed(band)]
    body.append(f"<polygon points='{' '.join(poly)}' fill='{PALETTE[0]}' fill-opacity='0.12'/>")
    a, b = fit
    body.append(
        f"<line x1='{sx(x0):.1f}' y1='{sy(a + b * x0):.1f}' x2='{sx(x1):.1f}' "
        f"y2='{sy(a + b * x1):.1f}' stroke='{PALETTE[0]}' stroke-width='1.5'/>"
    )
    for i, (px, py) in enumerate(zip(x, y, strict=True)):
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        hl = highlight is not None and i in highlight
        body.append(
            f"<circle cx='{sx(px):.1f}' cy='{sy(py):.1f}' r='{3 if hl else 2}' "
            f"fill='{PALETTE[1] if hl else '#777'}' fill-opacity='{1 if hl else 0.6}'/>"
        )
        if hl and highlight is not None:
            body.append(
                f"<text x='{sx(px) + 4:.1f}' y='{sy(py) - 3:.1f}' font-size='8.5'>"
                f"{escape(highlight[i])}</text>"
            )
    body.append(
        f"<text x='{left + pw / 2:.1f}' y='{height - 4}' font-size='9' text-anchor='middle'>"
        f"{escape(x_label)}</text>"
    )
    body.append(
        f"<text x='11' y='{top + ph / 2:.1f}' font-size='9' text-anchor='middle' "
        f"transform='rotate(-90 11 {top + ph / 2:.1f})'>{escape(y_label)}</text>"
    )
    return _svg(width, height, body, title)


def pillar_profile(
    names: Sequence[str],
    scores: Sequence[float],
    peers: Sequence[float],
    frontier: Sequence[float],
    *,
    title: str,
    peer_label: str,
    binding: int | None = None,
    width: int = 330,
    words: Mapping[str, str] | None = None,
) -> str:
    """One row per pillar: the country's bar, a tick at the peer median, a diamond at the
    frontier (90th percentile); the binding constraint's bar in the accent colour. ``words``:
    the legend's words in the document's language (``score``, ``peer median``, ``frontier``,
    ``no score``)."""
    w = {"score": "score", "peer median": "peer median", "frontier": "frontier"}
    w["no score"] = "no score"
    w.update(words or {})
    left, right, top, row_h = 150, 10, 6, 17
    height = top + row_h * len(names) + 34
    pw = width - left - right
    body = []
    for t in (0, 20, 40, 60, 80, 100):
        x = left + t / 100 * pw
        body.append(
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top}' y2='{top + row_h * len(names)}' "
            f"stroke='{GRID}' stroke-width='0.6'/>"
        )
        body.append(
            f"<text x='{x:.1f}' y='{top + row_h * len(names) + 10}' font-size='8' "
            f"text-anchor='middle'>{t}</text>"
        )
    for i, name in enumerate(names):
        y = top + i * row_h
        body.append(
            f"<text x='{left - 5}' y='{y + 11}' font-size='8' text-anchor='end'>"
            f"{escape(name)}</text>"
        )
        s = scores[i]
        if s is not None and math.isfinite(s):
            colour = PALETTE[1] if binding == i else PALETTE[0]
            body.append(
                f"<rect x='{left}' y='{y + 3}' width='{max(0.0, min(s, 100)) / 100 * pw:.1f}' "
                f"height='10' fill='{colour}'/>"
            )
        else:
            body.append(
                f"<text x='{left + 3}' y='{y + 11}' font-size='8'>{escape(w['no score'])}</text>"
            )
        p = peers[i]
        if p is not None and math.isfinite(p):
            x = left + min(max(p, 0), 100) / 100 * pw
            body.append(
                f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{y + 1}' y2='{y + 15}' stroke='#000' "
                f"stroke-width='2'/>"
            )
        f = frontier[i]
        if f is not None and math.isfinite(f):
            x = left + min(max(f, 0), 100) / 100 * pw
            body.append(
                f"<polygon points='{x:.1f},{y + 3} {x + 4:.1f},{y + 8} {x:.1f},{y + 13} "
                f"{x - 4:.1f},{y + 8}' fill='{PALETTE[2]}'/>"
            )
    ly = top + row_h * len(names) + 24

    def wide(text: str) -> float:  # rough advance at 8 px: CJK glyphs are square
        return sum(8.0 if ord(ch) > 0x2E80 else 4.6 for ch in text)

    x0 = float(left)
    body.append(f"<rect x='{x0}' y='{ly - 8}' width='10' height='8' fill='{PALETTE[0]}'/>")
    body.append(f"<text x='{x0 + 13}' y='{ly}' font-size='8'>{escape(w['score'])}</text>")
    x0 += 13 + wide(w["score"]) + 10
    body.append(
        f"<line x1='{x0:.1f}' x2='{x0:.1f}' y1='{ly - 9}' y2='{ly + 1}' stroke='#000' "
        f"stroke-width='2'/>"
    )
    body.append(f"<text x='{x0 + 4:.1f}' y='{ly}' font-size='8'>{escape(w['peer median'])}</text>")
    fx = x0 + 4 + wide(w["peer median"]) + 12
    body.append(
        f"<polygon points='{fx:.1f},{ly - 9} {fx + 4:.1f},{ly - 4} {fx:.1f},{ly + 1} "
        f"{fx - 4:.1f},{ly - 4}' fill='{PALETTE[2]}'/>"
    )
    body.append(f"<text x='{fx + 7:.1f}' y='{ly}' font-size='8'>{escape(w['frontier'])}</text>")
    return _svg(width, height, body, title)


def lorenz_chart(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    gini: float,
    x_label: str,
    y_label: str,
    width: int = 330,
    height: int = 250,
) -> str:
    """A Lorenz curve (``[(% of units, % of quantity)]``, both 0-100, from (0, 0)) with the line
    of equality and the Gini coefficient."""
    left, right, top, bottom = 44, 12, 10, 34
    pw, ph = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + min(max(v, 0.0), 100.0) / 100.0 * pw

    def sy(v: float) -> float:
        return top + ph - min(max(v, 0.0), 100.0) / 100.0 * ph

    body = []
    for t in nice_ticks(0, 100):
        body.append(
            f"<line x1='{left}' x2='{left + pw}' y1='{sy(t):.1f}' y2='{sy(t):.1f}' "
            f"stroke='{GRID}' stroke-width='0.6'/>"
        )
        body.append(
            f"<text x='{left - 4}' y='{sy(t) + 3:.1f}' font-size='9' text-anchor='end'>"
            f"{_fmt(t)}</text>"
        )
        body.append(
            f"<text x='{sx(t):.1f}' y='{top + ph + 12}' font-size='9' text-anchor='middle'>"
            f"{_fmt(t)}</text>"
        )
    body.append(
        f"<line x1='{sx(0):.1f}' y1='{sy(0):.1f}' x2='{sx(100):.1f}' y2='{sy(100):.1f}' "
        f"stroke='#777' stroke-width='1' stroke-dasharray='4,3'/>"
    )
    pts = [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]
    area = [f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts]
    body.append(
        f"<polygon points='{sx(0):.1f},{sy(0):.1f} {' '.join(area)} {sx(100):.1f},{sy(100):.1f}' "
        f"fill='{PALETTE[1]}' fill-opacity='0.12'/>"
    )
    body.append(
        f"<polyline points='{' '.join(area)}' fill='none' stroke='{PALETTE[1]}' stroke-width='2'/>"
    )
    g = f"Gini {gini:.3f}" if math.isfinite(gini) else "Gini n/a"
    body.append(f"<text x='{sx(4):.1f}' y='{sy(92):.1f}' font-size='9.5'>{escape(g)}</text>")
    body.append(
        f"<text x='{sx(52):.1f}' y='{sy(58):.1f}' font-size='8.5' fill='#555' "
        f"transform='rotate(-{math.degrees(math.atan2(ph, pw)):.1f} {sx(52):.1f} {sy(58):.1f})'>"
        "line of equality</text>"
    )
    body.append(
        f"<text x='{left + pw / 2:.1f}' y='{height - 4}' font-size='9' text-anchor='middle'>"
        f"{escape(x_label)}</text>"
    )
    body.append(
        f"<text x='11' y='{top + ph / 2:.1f}' font-size='9' text-anchor='middle' "
        f"transform='rotate(-90 11 {top + ph / 2:.1f})'>{escape(y_label)}</text>"
    )
    return _svg(width, height, body, title)


def pillar_profile_html(
    names: Sequence[str],
    scores: Sequence[float],
    peers: Sequence[float],
    frontier: Sequence[float],
    *,
    title: str,
    binding: int | None = None,
    words: Mapping[str, str] | None = None,
    rtl: bool = False,
) -> str:
    """:func:`pillar_profile` drawn with HTML boxes instead of SVG text, for right-to-left
    scripts: the labels are set by the page's text engine (shaped, in reading order), and the
    scale runs from the right edge (0) to the left (100) as the page reads."""
    w = {"score": "score", "peer median": "peer median", "frontier": "frontier"}
    w["no score"] = "no score"
    w.update(words or {})
    side = "right" if rtl else "left"

    def pos(v: float) -> str:
        return f"{min(max(v, 0.0), 100.0):.1f}%"

    rows = []
    for i, name in enumerate(names):
        s, p, f = scores[i], peers[i], frontier[i]
        marks = []
        if s is not None and math.isfinite(s):
            colour = PALETTE[1] if binding == i else PALETTE[0]
            marks.append(
                f"<span class='pc-bar' style='{side}: 0; width: {pos(s)}; "
                f"background: {colour}'></span>"
            )
        else:
            marks.append(f"<span class='pc-none'>{escape(w['no score'])}</span>")
        if p is not None and math.isfinite(p):
            marks.append(f"<span class='pc-peer' style='{side}: {pos(p)}'></span>")
        if f is not None and math.isfinite(f):
            marks.append(f"<span class='pc-front' style='{side}: {pos(f)}'>\u25c6</span>")
        rows.append(
            f"<tr><td class='pc-label'>{escape(name)}</td>"
            f"<td class='pc-cell'><div class='pc-track'>{''.join(marks)}</div></td></tr>"
        )
    ticks = "".join(
        f"<span class='pc-tick' style='{side}: {t}%'>{t}</span>" for t in (0, 20, 40, 60, 80, 100)
    )
    rows.append(f"<tr><td></td><td class='pc-cell'><div class='pc-axis'>{ticks}</div></td></tr>")
    legend = (
        f"<span class='pc-key' style='background: {PALETTE[0]}'></span> {escape(w['score'])} "
        f"<span class='pc-keypeer'></span> {escape(w['peer median'])} "
        f"<span style='color: {PALETTE[2]}'>\u25c6</span> {escape(w['frontier'])}"
    )
    return (
        f"<div class='pchart' role='img' aria-label='{escape(title)}'>"
        f"<table class='pchart'>{''.join(rows)}</table>"
        f"<div class='pc-legend'>{legend}</div></div>"
    )
