"""Vega's SVG made smaller for a page without changing what it draws (issue 24: the static
export's profiles carried 23 KB of chart markup each, six languages, 193 countries).

:func:`slim` takes the SVG text ``vl-convert`` wrote and returns a standalone SVG that draws
the same picture (``tests/web/test_svgslim.py`` rasterises both and compares the pixels):

* per-mark ARIA attributes, classes, ``pointer-events``, no-op opacities and invisible parts
  (hidden paths, zero-size backgrounds, no-op ``translate(0,0)``) go; groups without
  attributes are unwrapped; the one font is said once on the root;
* coordinates keep one decimal (a tenth of a CSS pixel);
* a run of sibling ``<line>`` elements with the same stroke (an axis's ticks, a grid) becomes
  one ``<path>`` with a subpath per line;
* a run of sibling ``<path>`` elements that differ only by their ``translate`` (a symbol per
  data point) becomes one path whose subpaths are the symbol moved to each point (only when
  nothing is translucent or stroked over a fill, where overlaps would draw differently);
* text placed by ``translate(x,y)`` alone gets ``x``/``y`` instead;
* a line's dots (a filled circle on each vertex of the line just drawn, a trend's yearly
  points) become one marker, defined once and placed by the line's ``marker-start``,
  ``marker-mid`` and ``marker-end``: the same circle path at the same places, drawn just
  after the line as before (3 KB of a profile's trend chart).
"""

from __future__ import annotations

import hashlib
import re

_NOISE = re.compile(
    r'\s(?:role|aria-[a-z]+|class|pointer-events)="[^"]*"|\sopacity="1"'
    r'|\stransform="translate\(0,0\)"'
)
_DIGITS = re.compile(r"(\d\.\d)\d+")
#: invisible parts: hidden paths and zero-width or zero-height backgrounds
_HIDDEN = re.compile(
    r'<path[^>]*display="none"[^>]*/>'
    r'|<path d="M0,0h0v[\d.]+h0Z"/>|<path d="M0,0h[\d.]+v0h-?[\d.]+Z"/>'
)
_G_TAG = re.compile(r"<g>|<g\s[^>]*>|</g>")
_FONT = re.compile(r'\sfont-family="([^"]*)"')
_FONT_SIZE = re.compile(r'\sfont-size="([^"]*)"')
_BARE_PATH = re.compile(r'<path d="[^"]*"/>')
_ATTR = re.compile(r'([a-z][a-z0-9:-]*)="([^"]*)"')
_NUM = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_TRANSLATE = re.compile(rf"translate\(({_NUM}),({_NUM})\)")
_LINE_RUN = re.compile(r"(?:<line\s[^>]*/>)+")
_PATH_RUN = re.compile(r'(?:<path transform="[^"]*"\s[^>]*/>)+')
_TEXT_AT = re.compile(rf'(<text\b[^>]*?)\stransform="translate\(({_NUM}),({_NUM})\)"')
_CMD = re.compile(rf"[MLHVCSQTAZmlhvcsqtaz]|{_NUM}")
#: how many numbers each absolute command takes, and which of them are x (0) or y (1)
_XY = {
    "M": (0, 1),
    "L": (0, 1),
    "T": (0, 1),
    "H": (0,),
    "V": (1,),
    "C": (0, 1, 0, 1, 0, 1),
    "S": (0, 1, 0, 1),
    "Q": (0, 1, 0, 1),
    "A": (None, None, None, None, None, 0, 1),
}


def _n(v: float) -> str:
    """A coordinate at one decimal, without a trailing ``.0`` or ``-0``."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _unwrap_groups(body: str) -> str:
    """Drop the ``<g>`` elements without attributes (Vega nests them five deep around each
    axis and facet cell): their children draw the same without them."""
    out: list[str] = []
    stack: list[bool] = []
    pos = 0
    for m in _G_TAG.finditer(body):
        out.append(body[pos : m.start()])
        tag = m.group(0)
        if tag == "</g>":
            if stack.pop():
                out.append(tag)
        else:
            keep = tag != "<g>"
            stack.append(keep)
            if keep:
                out.append(tag)
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)


def _attrs(tag: str) -> dict[str, str]:
    return dict(_ATTR.findall(tag))


def _offset(transform: str | None) -> tuple[float, float] | None:
    """(x, y) of a transform that is one ``translate`` (or none); ``None`` otherwise."""
    if not transform:
        return 0.0, 0.0
    m = _TRANSLATE.fullmatch(transform.strip())
    return (float(m.group(1)), float(m.group(2))) if m else None


def _lines(run: re.Match[str]) -> str:
    """Sibling ``<line>`` elements with the same presentation attributes: one ``<path>``."""
    out: list[str] = []
    group: list[str] = []
    style: dict[str, str] | None = None

    def flush() -> None:
        if style is not None and len(group) > 1:
            rest = "".join(f' {k}="{v}"' for k, v in style.items())
            out.append(f'<path d="{"".join(group)}"{rest}/>')
        elif style is not None:
            out.append(single)

    single = ""
    for tag in re.findall(r"<line\s[^>]*/>", run.group(0)):
        a = _attrs(tag)
        at = _offset(a.pop("transform", None))
        x1, y1 = float(a.pop("x1", 0)), float(a.pop("y1", 0))
        x2, y2 = float(a.pop("x2", 0)), float(a.pop("y2", 0))
        if at is None or a.get("fill", "none") != "none":
            flush()
            style, group = None, []
            out.append(tag)
            continue
        if a != style:
            flush()
            style, group, single = a, [], tag
        dx, dy = x2 - x1, y2 - y1
        step = f"h{_n(dx)}" if dy == 0 else f"v{_n(dy)}" if dx == 0 else f"l{_n(dx)},{_n(dy)}"
        group.append(f"M{_n(at[0] + x1)},{_n(at[1] + y1)}{step}")
    flush()
    return "".join(out)


def _moved(d: str, dx: float, dy: float) -> str | None:
    """Path data ``d`` moved by (dx, dy); ``None`` if it does not start with an absolute
    move (a relative first move would become relative to the previous subpath)."""
    tokens = _CMD.findall(d)
    if not tokens or tokens[0] != "M":
        return None
    out: list[str] = []
    cmd = ""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            out.append(tok)
            i += 1
            continue
        roles = _XY.get(cmd, ())
        if not roles:  # relative commands (and Z) take their numbers as they are
            args = tokens[i : i + 1]
            out.append(("," if out and not out[-1].isalpha() else "") + args[0])
            i += 1
            continue
        args = tokens[i : i + len(roles)]
        if len(args) < len(roles) or any(a.isalpha() for a in args):
            return None
        shifted = [
            a if r is None else _n(float(a) + (dx if r == 0 else dy))
            for a, r in zip(args, roles, strict=True)
        ]
        out.append(("," if out and not out[-1].isalpha() else "") + ",".join(shifted))
        i += len(roles)
        if cmd == "M":
            cmd = "L"  # further pairs after a move are lines
    return "".join(out)


_OVERLAP_SENSITIVE = ("opacity", "fill-opacity", "stroke-opacity", "stroke-dasharray")


def _paths(run: re.Match[str]) -> str:
    """Sibling ``<path>`` elements that differ only by their translate: one path."""
    out: list[str] = []
    group: list[str] = []
    key: tuple[str, ...] | None = None
    first = ""

    def flush() -> None:
        if key is not None and len(group) > 1:
            rest = "".join(f' {k}="{v}"' for k, v in zip(key[::2], key[1::2], strict=True))
            out.append(f'<path d="{"".join(group)}"{rest}/>')
        elif key is not None:
            out.append(first)

    for tag in re.findall(r"<path\s[^>]*/>", run.group(0)):
        a = _attrs(tag)
        at = _offset(a.pop("transform", None))
        d = a.pop("d", "")
        stroked = "stroke" in a and a.get("stroke") != "none"
        filled = a.get("fill", "none") != "none"
        moved = None if at is None else _moved(d, *at)
        if (
            moved is None
            or any(k in a for k in _OVERLAP_SENSITIVE)
            or (stroked and filled)
            or "d" in a
        ):
            flush()
            key, group = None, []
            out.append(tag)
            continue
        k = tuple(x for kv in sorted(a.items()) for x in kv)
        if k != key:
            flush()
            key, group, first = k, [], tag
        group.append(moved)
    flush()
    return "".join(out)


def _text_at(m: re.Match[str]) -> str:
    if re.search(r'\s[xy]="', m.group(1)):
        return m.group(0)
    return f'{m.group(1)} x="{m.group(2)}" y="{m.group(3)}"'


_LINE_THEN_DOTS = re.compile(
    r'<path d="(M[-\d.,L]+)" stroke="(#[0-9a-f]{3,6})"( stroke-width="[\d.]+")?/>'
    r'<path d="(M[-\d.,AM]+)" fill="(#[0-9a-f]{3,6})"(?: stroke-width="[\d.]+")?/>'
)
_DOT = re.compile(rf"M({_NUM}),({_NUM})A({_NUM}),\3,0,1,1,({_NUM}),\2A\3,\3,0,1,1,\1,\2")


def _vertices(d: str) -> list[tuple[float, float]] | None:
    """The points of a path of absolute moves and lines only (``M x,y L x,y ...``)."""
    tokens = _CMD.findall(d)
    if not tokens or tokens[0] != "M" or any(t.isalpha() and t not in "ML" for t in tokens):
        return None
    nums = [float(t) for t in tokens if not t.isalpha()]
    if len(nums) % 2 or tokens.count("M") != 1:
        return None
    return list(zip(nums[::2], nums[1::2], strict=True))


def _markers(body: str, uid: str) -> str:
    """A line followed by a path of one filled circle on each of its vertices (and nothing
    else): the circles become the line's markers, defined once per colour and radius."""
    defs: dict[tuple[str, str], str] = {}

    def one(m: re.Match[str]) -> str:
        line, stroke, width, dots, fill = m.groups()
        points = _vertices(line)
        matches = list(_DOT.finditer(dots))
        if not points or "".join(x.group(0) for x in matches) != dots:  # circles and nothing else
            return m.group(0)
        found = [x.groups() for x in matches]
        radii = {r for _, _, r, _ in found}
        centres = [((float(a) + float(c)) / 2, float(b)) for a, b, _, c in found]
        if len(radii) != 1 or len(centres) != len(points):
            return m.group(0)
        if any(
            abs(x - u) > 0.06 or abs(y - v) > 0.06
            for (x, y), (u, v) in zip(centres, points, strict=True)
        ):
            return m.group(0)
        r = radii.pop()
        key = (fill, r)
        if key not in defs:
            defs[key] = f"{uid}{len(defs)}"
        ref = f"url(#{defs[key]})"
        return (
            f'<path d="{line}" stroke="{stroke}"{width or ""} marker-start="{ref}" '
            f'marker-mid="{ref}" marker-end="{ref}"/>'
        )

    if re.search(r"<g\b[^>]*\sstroke=", body):  # a group's stroke would outline the dots
        return body
    body = _LINE_THEN_DOTS.sub(one, body)
    if not defs:
        return body
    marks = "".join(
        f'<marker id="{i}" markerUnits="userSpaceOnUse" overflow="visible">'
        f'<path d="M{r},0A{r},{r},0,1,1,-{r},0A{r},{r},0,1,1,{r},0" fill="{fill}"/></marker>'
        for (fill, r), i in defs.items()
    )
    return f"<defs>{marks}</defs>{body}"


def slim(svg: str) -> str:
    """``svg`` (vl-convert's output, prologue or not) smaller and drawing the same."""
    svg = svg[svg.find("<svg") :]
    head, sep, body = svg.partition(">")
    body = _DIGITS.sub(r"\1", _NOISE.sub("", body))
    body = _unwrap_groups(_HIDDEN.sub("", body))
    fonts = set(_FONT.findall(body))
    if len(fonts) == 1:  # one font: said once on the root (SVG text inherits it)
        head += f' font-family="{fonts.pop()}"'
        body = _FONT.sub("", body)
    if not re.search(r"<g\b[^>]*\s(?:stroke-width|fill)=", body.replace('<g fill="none"', "<g", 1)):
        # no group sets a stroke width or a fill (the root group's fill="none" aside): a
        # stroke width of 1 is the default, and a path without attributes draws nothing
        body = body.replace(' stroke-width="1"', "")
        if "<clipPath" not in body:  # a clip path's own path has no attributes
            body = _BARE_PATH.sub("", body)
    body = _LINE_RUN.sub(_lines, body)
    body = _PATH_RUN.sub(_paths, body)
    body = _TEXT_AT.sub(_text_at, body)
    uid = "d" + hashlib.sha256(body.encode()).hexdigest()[:6]  # unique in a page of charts
    body = _markers(body, uid)
    sizes = _FONT_SIZE.findall(body)
    if sizes and len(sizes) == body.count("<text"):  # every text says its size: the most
        common = max(set(sizes), key=sizes.count)  # common one is said once on the root
        head += f' font-size="{common}"'
        body = body.replace(f' font-size="{common}"', "")
    return head + sep + body
