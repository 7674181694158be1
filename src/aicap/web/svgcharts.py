"""The dashboard's charts drawn on the server: each Vega-Lite spec of :mod:`aicap.web.charts`
becomes an SVG with ``vl-convert`` (Vega's own renderer compiled into a Python wheel, no
browser), inlined in the page so that a chart shows without JavaScript; the same spec gives the
chart's PNG, its data as CSV and its Vega-Lite JSON (downloads and embeds, ``/api/chart/...``).
The browser loads Vega only when the reader asks for the interactive chart."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from markupsafe import Markup

from aicap.web.svgslim import slim

_LOCK = threading.Lock()
_CACHE: OrderedDict[str, str] = OrderedDict()
_MAX = 4096  # SVGs kept (a profile's two charts in six languages are ~12)
_DRAWN = [0, 0.0]  # SVGs drawn (cache misses) and the seconds it took, in this process


def stats() -> tuple[int, float]:
    """SVGs drawn so far in this process and the seconds spent drawing them."""
    return int(_DRAWN[0]), float(_DRAWN[1])


def _key(spec: dict[str, Any]) -> str:
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_DISK: list[Path] = []  # a folder of drawn SVGs named by their spec's hash (use_disk_cache)


def use_disk_cache(folder: Path | None) -> None:
    """Keep drawn SVGs in ``folder`` too (``None``: memory only), so that a second export
    draws only the charts whose spec changed."""
    _DISK.clear()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        _DISK.append(folder)


def started() -> bool:
    """Whether this process has started vl-convert's runtime (a forked child must not
    inherit it: its threads do not survive ``fork``)."""
    return "vl_convert" in sys.modules


def svg(spec: dict[str, Any]) -> str:
    """The chart as SVG text (cached by the spec's content, in memory and on disk when
    :func:`use_disk_cache` names a folder)."""
    key = _key(spec)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        path = _DISK[0] / f"{key}.svg" if _DISK else None
        if path is not None and path.is_file():
            text = path.read_text(encoding="utf-8")
        else:
            import vl_convert as vlc  # on first use: the Deno runtime starts in ~0.6 s

            t0 = time.perf_counter()
            text = str(vlc.vegalite_to_svg(spec))
            _DRAWN[0] += 1
            _DRAWN[1] += time.perf_counter() - t0
            if path is not None:
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)  # atomic: parallel exporters share the folder
        _CACHE[key] = text
        if len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return text


def png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """The chart as PNG (``scale`` times its CSS size), rasterised from its SVG (the same
    drawing as the page's, and no second Vega run)."""
    text = svg(spec)
    import vl_convert as vlc

    with _LOCK:
        return bytes(vlc.svg_to_png(text, scale=scale))


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def inline(spec: dict[str, Any], labelled_by: str) -> Markup:
    """The SVG for an HTML page: no XML prologue, ``role="img"`` labelled by the caption,
    and scaled down (never up) to the width of its box."""
    text = slim(svg(spec))

    def attrs(m: re.Match[str]) -> str:
        a = re.sub(r'\s(width|height)="([\d.]+)"', r' data-\1="\2"', m.group(1))
        w = re.search(r'data-width="([\d.]+)"', a)
        style = f' style="max-width:{w.group(1)}px"' if w else ""
        return f'<svg{a} role="img" aria-labelledby="{labelled_by}" focusable="false"{style}>'

    return Markup(_SVG_OPEN.sub(attrs, text, count=1))


def rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's data rows (the spec's inline ``data.values``, top level or first layer)."""
    for part in [spec, *spec.get("layer", [])]:
        values = (part.get("data") or {}).get("values")
        if isinstance(values, list):
            return [v for v in values if isinstance(v, dict)]
    return []


def to_csv(spec: dict[str, Any]) -> str:
    """The chart's data as CSV (columns in first-seen order)."""
    data = rows(spec)
    cols: list[str] = []
    for r in data:
        cols += [k for k in r if k not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(data)
    return buf.getvalue()
