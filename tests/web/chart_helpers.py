"""Shared by the chart tests: a PNG decoder that checks what a browser would (signature, every
chunk's CRC, the image data inflating to exactly height x (1 + width x bytes per pixel)), and
the colours an SVG draws with. A unique module name: no conftest in test subfolders."""

from __future__ import annotations

import re
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG that decodes; ``AssertionError`` otherwise."""
    assert data[:8] == PNG_SIGNATURE, data[:8]
    pos, idat = 8, b""
    width = height = depth = ctype = 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        crc = int.from_bytes(data[pos + 8 + n : pos + 12 + n], "big")
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, ctype = body[8], body[9]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    raw = zlib.decompress(idat)
    assert width > 0 and height > 0
    assert len(raw) == height * (1 + (width * _CHANNELS[ctype] * depth + 7) // 8)
    return width, height


def _hex6(colour: str) -> str:
    c = colour.lower()
    return "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c


NAMED = {"white": "#ffffff", "black": "#000000"}


def drawn_colours(svg: str) -> set[str]:
    """Every fill and stroke colour in ``svg`` as ``#rrggbb`` (``none`` and
    ``transparent`` left out)."""
    found = re.findall(r'(?:fill|stroke)="([^"]+)"', svg)
    found += re.findall(r"(?:fill|stroke):\s*([^;\"]+)", svg)
    out = set()
    for c in (x.strip() for x in found):
        if c in ("none", "transparent"):
            continue
        out.add(_hex6(NAMED.get(c, c)))
    return out
