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
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)


def codepoints(text: str) -> tuple[int, ...]:
    """The distinct code points of ``text``, sorted (what :func:`document_chars` takes)."""
    return tuple(sorted({ord(c) for c in text}))


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


def _subset(font: Any, to_unicode: dict[int, str], hinting: bool, chars: tuple[int, ...]) -> bool:
    """Subset ``font`` (a WeasyPrint Font) to the glyphs used and those of ``chars``, glyph ids
    kept; False when HarfBuzz fails (WeasyPrint's own subsetting then runs)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data  # type: ignore[import-untyped]

    hb = harfbuzz_subset
    plan = ffi.gc(hb.hb_subset_input_create_or_fail(), hb.hb_subset_input_destroy)
    if plan == ffi.NULL:
        return False
    gids = sorted(to_unicode)
    gid_set = hb.hb_subset_input_glyph_set(plan)
    harfbuzz.hb_set_add_sorted_array(
        gid_set, ffi.new(f"hb_codepoint_t[{len(gids)}]", gids), len(gids)
    )
    uni_set = hb.hb_subset_input_set(plan, hb.HB_SUBSET_SETS_UNICODE)
    harfbuzz.hb_set_add_sorted_array(
        uni_set, ffi.new(f"hb_codepoint_t[{len(chars)}]", chars), len(chars)
    )
    # the same flags for every piece (WeasyPrint sets the .notdef outline only where a glyph
    # is missing, which would make the pieces' subsets differ)
    flags = (
        hb.HB_SUBSET_FLAGS_RETAIN_GIDS
        | hb.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | hb.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | hb.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    )
    if not hinting:
        flags |= hb.HB_SUBSET_FLAGS_NO_HINTING
    hb.hb_subset_input_set_flags(plan, flags)
    drop = hb.hb_subset_input_set(plan, hb.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(harfbuzz.hb_tag_from_string(t, -1) for t in _DROP)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = hb.hb_subset_or_fail(font.hb_face, plan)
    if face == ffi.NULL:
        return False
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    content = get_hb_object_data(face)
    if not content:
        return False
    font.file_content = content
    return True
