"""One font subset per document, however many pieces it is rendered in.

The briefing's PDF is laid out in pieces (its main part and chunks of annex profiles, in
parallel processes, :mod:`aicap.report.pdf`) and merged. WeasyPrint embeds in each piece a
subset of every font with only the glyphs that piece uses, so the merged file held one subset
of each font per piece: for Chinese, whose pages use some two thousand distinct glyphs of a
large CJK font, nine subsets made a 7 MB file.

While :func:`document_chars` is active, WeasyPrint's subsetting (HarfBuzz, glyph ids kept)
is given, besides the glyphs the piece uses, every character of the whole document and the
glyphs these reach through the font's substitutions (contextual Arabic forms, ligatures):
every piece then embeds the *same* subset of a font, byte for byte, and the merge keeps one
copy (:func:`aicap.report.pdf.merge` drops identical objects). Glyph ids are kept, so the
pages' text is unchanged whatever the subset holds; a piece that used a glyph outside the
document's characters (none is expected) embeds a subset of its own, still correct, only not
shared.

Where WeasyPrint or HarfBuzz lack what this needs, nothing is patched and every piece embeds
its own subset, as before (correct, larger).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

#: The characters of the document being written (empty: WeasyPrint's own subsetting).
_CHARS: list[tuple[int, ...]] = [()]
_INSTALLED: list[bool] = []
#: CPU seconds spent subsetting fonts in this process (while installed).
SUBSET_SECONDS: list[float] = [0.0]

#: Tables WeasyPrint drops from embedded fonts (as in weasyprint.pdf.fonts).
_DROP = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    # GSUB kept: the subset closes over its substitutions (ligatures, contextual forms)
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)


#: Characters a page draws that its HTML need not hold: list markers, and what generated
#: content writes (page numbers, leaders, dashes).
_GENERATED = "\u2022\u25e6\u25aa0123456789.,:;-\u2013\u2014\u2026 \u00a0"
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})")


def codepoints(html: str) -> tuple[int, ...]:
    """The characters a document of ``html`` can draw, sorted (what :func:`document_chars`
    takes): those of its text and markup, those its style sheet writes as escapes
    (``content: "\\2014"``), list markers and digits."""
    chars = {ord(c) for c in html} | {ord(c) for c in _GENERATED}
    for m in _CSS_ESCAPE.finditer(html):
        cp = int(m.group(1), 16)
        if 0 < cp <= 0x10FFFF:
            chars.add(cp)
    return tuple(sorted(chars))


def install() -> bool:
    """Patch WeasyPrint's font subsetting (once per process); False where it cannot be."""
    if _INSTALLED:
        return _INSTALLED[0]
    ok = False
    try:
        from weasyprint.pdf import fonts  # type: ignore[import-untyped]
        from weasyprint.text.ffi import (  # type: ignore[import-untyped]
            harfbuzz,
            harfbuzz_subset,
        )

        ok = (
            bool(harfbuzz_subset)
            and bool(harfbuzz.hb_version_atleast(4, 1, 0))
            and callable(getattr(fonts.Font, "subset", None))
            and hasattr(harfbuzz_subset, "HB_SUBSET_SETS_UNICODE")
        )
    except (ImportError, AttributeError, OSError):
        ok = False
    if ok:
        original = fonts.Font.subset

        def subset(self: Any, to_unicode: dict[int, str], hinting: bool) -> None:
            chars = _CHARS[0]
            t0 = time.process_time()
            if not chars or not to_unicode or not _subset(self, to_unicode, hinting, chars):
                original(self, to_unicode, hinting)
            SUBSET_SECONDS[0] += time.process_time() - t0

        fonts.Font.subset = subset
    _INSTALLED.append(ok)
    return ok


@contextlib.contextmanager
def document_chars(chars: tuple[int, ...]) -> Iterator[None]:
    """Within this block, fonts are subset for a document of these characters."""
    install()
    before = _CHARS[0]
    _CHARS[0] = chars
    try:
        yield
    finally:
        _CHARS[0] = before


#: Per process: (font, document) -> the glyph ids its characters reach (see :func:`_closure`).
_CLOSURES: dict[tuple[str, int, int], tuple[int, ...]] = {}


def _closure(font: Any, chars: tuple[int, ...]) -> tuple[int, ...]:
    """The glyph ids that ``chars`` reach in ``font``: those its character map gives and those
    its substitutions (ligatures, contextual forms) give, read from a subset by characters
    alone (glyph ids kept). Every piece then asks for the same glyphs: a glyph is requested by
    id only when a piece uses one outside these (HarfBuzz adds to the subset's character map
    the characters of every glyph requested by id, which would make the pieces differ)."""
    k = (str(font.hash), len(font.file_content or b""), hash(chars))
    got = _CLOSURES.get(k)
    if got is not None:
        return got
    import io

    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from weasyprint.text.fonts import get_hb_object_data  # type: ignore[import-untyped]

    gids: set[int] = {0}
    face = _hb_subset(font, (), chars, False, fast=True)
    data = get_hb_object_data(face) if face is not None else None
    if data:
        tt = TTFont(io.BytesIO(data), lazy=True)
        order = tt.getGlyphOrder()
        ids = {name: i for i, name in enumerate(order)}
        gids.update(ids[n] for n in (tt.getBestCmap() or {}).values() if n in ids)
        if "glyf" in tt and "loca" in tt:
            loca = tt["loca"]
            gids.update(i for i in range(len(order)) if loca[i + 1] > loca[i])
        elif "CFF " in tt:
            index = tt["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex
            offsets = getattr(index, "offsets", None)
            if offsets is not None:
                gids.update(i for i in range(len(offsets) - 1) if offsets[i + 1] - offsets[i] > 1)
    out = tuple(sorted(gids))
    _CLOSURES[k] = out
    return out


def _hb_subset(
    font: Any,
    gids: tuple[int, ...],
    chars: tuple[int, ...],
    hinting: bool,
    fast: bool = False,
) -> Any:
    """A HarfBuzz subset face of ``font`` (glyph ids kept), or None."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    hb = harfbuzz_subset
    plan = ffi.gc(hb.hb_subset_input_create_or_fail(), hb.hb_subset_input_destroy)
    if plan == ffi.NULL:
        return None
    if gids:
        gid_set = hb.hb_subset_input_glyph_set(plan)
        gid_array = ffi.new(f"hb_codepoint_t[{len(gids)}]", list(gids))
        harfbuzz.hb_set_add_sorted_array(gid_set, gid_array, len(gids))
    uni_set = hb.hb_subset_input_set(plan, hb.HB_SUBSET_SETS_UNICODE)
    uni_array = ffi.new(f"hb_codepoint_t[{len(chars)}]", list(chars))
    harfbuzz.hb_set_add_sorted_array(uni_set, uni_array, len(chars))
    # the same flags for every piece (WeasyPrint sets the .notdef outline only where a glyph
    # is missing, which would make the pieces' subsets differ)
    flags = (
        hb.HB_SUBSET_FLAGS_RETAIN_GIDS
        | hb.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | hb.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    )
    if not fast:  # the closure's subset is only read, never embedded
        flags |= hb.HB_SUBSET_FLAGS_DESUBROUTINIZE
    if not hinting:
        flags |= hb.HB_SUBSET_FLAGS_NO_HINTING
    hb.hb_subset_input_set_flags(plan, flags)
    drop = hb.hb_subset_input_set(plan, hb.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(harfbuzz.hb_tag_from_string(t, -1) for t in _DROP)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = hb.hb_subset_or_fail(font.hb_face, plan)
    if face == ffi.NULL:
        return None
    return ffi.gc(face, harfbuzz.hb_face_destroy)


def _subset(font: Any, to_unicode: dict[int, str], hinting: bool, chars: tuple[int, ...]) -> bool:
    """Subset ``font`` (a WeasyPrint Font) to the glyphs ``chars`` reach and those used, glyph
    ids kept; False when HarfBuzz fails (WeasyPrint's own subsetting then runs)."""
    from weasyprint.text.fonts import get_hb_object_data

    reach = _closure(font, chars)
    count = int(getattr(font, "glyph_count", 1 << 16))  # ids past it: missing glyphs
    extra = {g for g in to_unicode if g < count}.difference(reach)
    gids = tuple(sorted(extra.union(reach))) if extra else reach
    face = _hb_subset(font, gids, chars, hinting)
    content = get_hb_object_data(face) if face is not None else None
    if not content:
        return False
    font.file_content = content
    return True
