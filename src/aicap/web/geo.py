"""Server-side world map: the Equal Earth projection (Šavrič, Patterson and Jenny, 2018) of
the Natural Earth polygons in the warehouse, as SVG path data, so the map needs no JavaScript,
no tile server and no CDN. Member States without a polygon (small islands) are drawn as points
at their reference latitude and longitude."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
X_MAX = 2.7063  # projected half-width at the equator (lon 180) for a unit sphere
Y_MAX = 1.3173  # projected half-height (lat 90)
WIDTH = 960.0
SCALE = WIDTH / (2 * X_MAX)
HEIGHT = round(2 * Y_MAX * SCALE, 1)
# Antarctica is not a Member State: crop the bottom of the map at about 60 degrees south.
CROP_SOUTH = -58.0


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth: degrees to SVG coordinates (origin top left, y down)."""
    lam = math.radians(max(-180.0, min(180.0, lon)))
    phi = math.radians(max(-90.0, min(90.0, lat)))
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return (x + X_MAX) * SCALE, (Y_MAX - y) * SCALE


def map_height() -> float:
    return round(project(0.0, CROP_SOUTH)[1], 1)


def _ring(coords: Sequence[Sequence[float]], tol: float) -> str:
    """One ring as closed subpaths; a jump across the antimeridian (more than half the map's
    width between two points) starts a new subpath instead of drawing a line across the map."""
    parts: list[list[tuple[float, float]]] = [[]]
    for c in coords:
        x, y = project(float(c[0]), float(c[1]))
        cur = parts[-1]
        if cur and abs(x - cur[-1][0]) > WIDTH / 2:
            parts.append([(x, y)])
            continue
        if cur and abs(x - cur[-1][0]) < tol and abs(y - cur[-1][1]) < tol:
            continue
        cur.append((x, y))
    out = []
    for pts in parts:
        if len(pts) < 3:
            continue
        head = f"M{pts[0][0]:.1f} {pts[0][1]:.1f}"
        out.append(head + "".join(f"L{x:.1f} {y:.1f}" for x, y in pts[1:]) + "Z")
    return "".join(out)


def path_data(geometry: dict[str, Any], tol: float = 0.6) -> str:
    """SVG path ``d`` of a GeoJSON Polygon or MultiPolygon (points closer than ``tol`` pixels
    to the previous one are dropped: the map stays light)."""
    kind = geometry.get("type")
    polys: Iterable[Any]
    if kind == "Polygon":
        polys = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        return ""
    return "".join(_ring(ring, tol) for poly in polys for ring in poly)


def point(lon: float, lat: float) -> tuple[float, float]:
    x, y = project(lon, lat)
    return round(x, 1), round(y, 1)
