"""A whole briefing (or profile) reused when none of its inputs changed.

A briefing is a pure function of files and options: the warehouse (its bytes), the index
outputs that ``aicap build`` wrote (their bytes, and the folder and time named in the
briefing's sources note), the index framework, the intervention catalogue, the Monitor's links
and risk taxonomy, the mandate library, the aicap code and templates, the versions of the
libraries that compute and render it (and the system's text-layout libraries and font
folders, by size and time), and the options (annex, bootstrap resamples, PDF or not,
worker processes, which decide how the PDF is cut into chunks). :func:`briefing_key` hashes
all of them (SHA-256 of every file's bytes: about 0.1 s, no heavy import), so a stored
briefing is reused only when every input is byte for byte the same; a change to any of them is
a miss, and the briefing is computed again and stored under the new key.

What is stored (:class:`Stored`) is everything the run wrote: ``briefing.html``, the data
files, ``briefing.pdf``, with the time the briefing was generated (the subtitle's "generated"
is that time: the document is the one generated then, copied) and the warnings the run
printed. The few most recent entries are kept (:data:`KEEP`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import aicap
from aicap import resources
from aicap.analysis.publish import outputs_stale
from aicap.report.cache import Cache, file_digest, key, tree_digest

KIND_BRIEFING = "briefing"
KIND_PROFILE = "profile"
#: Entries of each kind kept (the newest; older ones are deleted when one is stored).
KEEP = {KIND_BRIEFING: 4, KIND_PROFILE: 400, "derived": 8}
#: Index outputs a briefing reads (as in :mod:`aicap.analysis.capacity_data`).
OUTPUT_FILES = ("series.parquet", "results.parquet", "series_cells.parquet")
#: Libraries whose versions can change a figure or the rendering.
LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "pyarrow",
    "duckdb",
    "jinja2",
    "weasyprint",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "fonttools",
    "pypdf",
    "pyyaml",
    "pydantic",
)


# ------------------------------------------------------------------------------ inputs
@cache
def package_digest() -> str:
    """Every file of the aicap package (code, templates, mappings, catalogues it ships)."""
    pkg = Path(aicap.__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix == ".pyc":
            continue
        h.update(str(p.relative_to(pkg)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


@cache
def library_versions() -> str:
    from importlib import metadata

    versions = [sys.version]
    for name in LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return ";".join(versions)


#: System libraries WeasyPrint lays text out with, and font folders: their files' sizes and
#: times (library upgrades, fonts installed or removed) are part of the key.
SYSTEM_LIBRARIES = ("libpango-1.0.so", "libpangoft2-1.0.so", "libharfbuzz.so", "libfontconfig.so")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


@cache
def system_fingerprint() -> str:
    """Sizes and modification times of the text-layout libraries (as ``ldconfig`` resolves
    them) and of the font folders (a font installed, removed or upgraded changes its folder's
    time)."""
    import subprocess

    parts: list[str] = []
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        listing = subprocess.run(
            [ldconfig, "-p"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    for line in sorted(listing.splitlines()):
        name, _, target = line.strip().partition(" => ")
        if target and name.startswith(SYSTEM_LIBRARIES):
            parts.append(_stat(Path(target).resolve()))
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for here, _dirs, _files in sorted(os.walk(root)):
                parts.append(_stat(Path(here)))
    return ";".join(parts)


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path} absent"
    return f"{path} {st.st_size} {st.st_mtime_ns}"


def framework_path() -> Path:
    """:func:`aicap.analysis.spec.default_framework_path` without importing the index engine
    (a test checks that they agree)."""
    return resources.path("frameworks/aicap.yaml")


def catalogue_paths(catalogue: Path | None) -> list[Path]:
    """The intervention catalogue, the Monitor's links and the risk taxonomy as the commands
    resolve them (``--catalogue``, ``AICAP_CATALOGUE``, ``AICAP_MONITOR_LINKS``,
    ``AICAP_RISKS``, else the shipped ``catalogues/``; a test checks that they agree with the
    loaders' defaults)."""
    root = resources.path("catalogues")

    def pick(env: str, name: str) -> Path:
        value = os.environ.get(env)
        return Path(value) if value else root / name

    cat = catalogue if catalogue is not None else pick("AICAP_CATALOGUE", "interventions.yaml")
    return [
        cat,
        pick("AICAP_MONITOR_LINKS", "monitor_links.yaml"),
        pick("AICAP_RISKS", "risks.yaml"),
    ]


def _digest(path: Path) -> str:
    return file_digest(path) if path.is_file() else f"absent:{path}"


def _folder_digest(folder: Path, suffixes: tuple[str, ...]) -> str:
    return tree_digest([folder], suffixes) if folder.is_dir() else f"absent:{folder}"


def inputs_digest(
    warehouse: Path,
    index: Path,
    *,
    catalogue: Path | None = None,
    mandates: Path | None = None,
) -> str:
    """What a briefing's or a profile's content depends on, besides the options."""
    from aicap.analysis.mandates import default_mandates_dir

    parts = [
        "warehouse",
        str(warehouse),
        _digest(warehouse),
        _digest(warehouse.with_name(warehouse.name + ".wal")),  # changes not yet checkpointed
        "index",
        str(index),
    ]
    results = index / "results.parquet"
    if all((index / f).is_file() for f in OUTPUT_FILES):
        # the briefing names the folder and the minute results.parquet was written, and warns
        # when the warehouse is newer than the outputs (capacity_data.from_outputs)
        written = _dt.datetime.fromtimestamp(results.stat().st_mtime, _dt.UTC)
        parts += [f"written {written:%Y-%m-%d %H:%M}"]
        parts += [f"older {outputs_stale(warehouse, index)}"]
        parts += [file_digest(index / f) for f in OUTPUT_FILES]
    else:
        parts += ["built in process"]
    fw = framework_path()
    parts += ["framework", _digest(fw), _folder_digest(fw.parent, (".yaml",))]
    cats = catalogue_paths(catalogue)
    parts += ["catalogues", *(_digest(p) for p in cats)]
    parts += [_folder_digest(cats[0].parent, (".yaml",))]
    lib = mandates if mandates is not None else default_mandates_dir()
    parts += ["mandates", str(lib), _folder_digest(lib, (".yaml",))]
    parts += ["code", package_digest(), library_versions(), system_fingerprint()]
    return key("inputs", *parts)


def briefing_key(
    warehouse: Path,
    index: Path,
    *,
    annex: str,
    pdf: bool,
    boot: int,
    workers: int,
    catalogue: Path | None = None,
    mandates: Path | None = None,
    digest: str = "",
) -> str:
    """The key of a whole briefing: :func:`inputs_digest` (``digest`` if already computed)
    and the options. ``workers``: the processes the PDF is rendered with (they decide its
    chunks, hence its bytes)."""
    digest = digest or inputs_digest(warehouse, index, catalogue=catalogue, mandates=mandates)
    spec = annex.strip()
    spec = spec.lower() if spec.lower() in ("all", "none", "focus", "") else spec.upper()
    return key(KIND_BRIEFING, digest, spec, f"pdf={pdf}", f"boot={boot}", f"workers={workers}")


def profile_key(
    warehouse: Path,
    index: Path,
    iso3: str,
    *,
    monitor: bool,
    catalogue: Path | None = None,
    mandates: Path | None = None,
) -> str:
    digest = inputs_digest(warehouse, index, catalogue=catalogue, mandates=mandates)
    return key(KIND_PROFILE, digest, iso3.upper(), f"monitor={monitor}")


# ------------------------------------------------------------------------------ entries
@dataclass
class Stored:
    """A briefing as its run wrote it (paths relative to its folder)."""

    html: bytes
    files: dict[str, bytes]  # data/*.csv, data/profiles.json
    pdf: bytes | None
    pages: int | None
    annex: list[str]
    generated: str
    warnings: list[str] = field(default_factory=list)
    #: the file names of ``html`` and ``pdf`` (``briefing-<lang>`` when several languages)
    html_name: str = "briefing.html"
    pdf_name: str = "briefing.pdf"
    #: every language written: language -> (HTML, PDF or None, pages), names under the folder
    languages: dict[str, tuple[str, str | None, int | None]] = field(default_factory=dict)


def capture(
    out: Path,
    html: Path,
    files: Sequence[Path],
    pdf: Path | None,
    pages: int | None,
    annex: Sequence[str],
    generated: str,
    warnings: Sequence[str] = (),
    languages: dict[str, tuple[Path, Path | None, int | None]] | None = None,
) -> Stored:
    """What a briefing run wrote under ``out``, read back for storing (with several
    ``languages``, every language's HTML and PDF among the files)."""
    stored = {str(p.relative_to(out)): p.read_bytes() for p in files}
    langs: dict[str, tuple[str, str | None, int | None]] = {}
    if languages and len(languages) > 1:
        for lg, (h, f, n) in languages.items():
            langs[lg] = (h.name, f.name if f is not None else None, n)
            if h != html:
                stored[str(h.relative_to(out))] = h.read_bytes()
            if f is not None and f != pdf:
                stored[str(f.relative_to(out))] = f.read_bytes()
    return Stored(
        html.read_bytes(),
        stored,
        pdf.read_bytes() if pdf is not None else None,
        pages,
        list(annex),
        generated,
        list(warnings),
        html.name,
        pdf.name if pdf is not None else "briefing.pdf",
        langs,
    )


def write(stored: Stored, out: Path) -> tuple[Path, list[Path], Path | None]:
    """Write a stored briefing to ``out``: the HTML, the data files and the PDF paths."""
    out.mkdir(parents=True, exist_ok=True)
    html = out / stored.html_name
    html.write_bytes(stored.html)
    files = []
    for name, data in stored.files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files.append(path)
    pdf = None
    if stored.pdf is not None:
        pdf = out / stored.pdf_name
        pdf.write_bytes(stored.pdf)
    return html, files, pdf


def get(cache: Cache, kind: str, k: str) -> object | None:
    """The entry (None on a miss); a hit is marked as recently used for :func:`put`."""
    got = cache.get(kind, k)
    if got is None:
        cache.misses += 1
        return None
    cache.hits += 1
    if cache.folder is not None:
        with contextlib.suppress(OSError):
            os.utime(cache.folder / kind / f"{k}.pickle")
    value: object = got
    return value


def put(cache: Cache, kind: str, k: str, value: object) -> None:
    """Store, then keep only the newest :data:`KEEP` entries of ``kind``."""
    cache.put(kind, k, value)
    if cache.folder is None:
        return
    folder = cache.folder / kind
    with contextlib.suppress(OSError):  # another process pruned first
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP.get(kind, 8) :]:
            old.unlink(missing_ok=True)
