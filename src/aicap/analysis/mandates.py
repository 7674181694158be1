"""The mandate library: UN texts whose paragraphs aicap cites (``shared/mandates/*.yaml``).

A reference is ``"<symbol> <paragraph id>"``, e.g. ``"A/RES/78/311 OP4"``,
``"A/RES/79/1 para62"``, ``"A/RES/78/265 OP6(h)"`` or ``"A/79/966 tier-0-to-1-pathway"``; the
ids are those of the files (see their README). A reference resolves only to a paragraph that
exists and whose text was obtained: entries marked ``missing`` cannot be cited, and entries
that are summaries are cited but never shown as quotations (``quotable`` is False).

Every file states what the text is (``status``): a ``mandate`` (a General Assembly resolution
or its annex: agreed text), a ``report`` (a Secretary-General's report: evidence, or the origin
of a proposal, never a mandate) or a ``statement`` (one Member State's statement: background).
:func:`citation_role` turns a paragraph's status into the only use a recommendation may make
of it: "mandated by" is reserved for the operative paragraphs of a ``mandate`` (a preambular
paragraph recalls or recognises; it asks for nothing).

>>> lib = MandateLibrary.load("../shared/mandates")                      # doctest: +SKIP
>>> lib.resolve("A/RES/78/311 OP15").citation                            # doctest: +SKIP
'A/RES/78/311, OP 15'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aicap import yamlload

#: Fidelity words meaning the text is the document's own wording.
_VERBATIM = ("verbatim",)
#: What a document is (the ``status`` of every mandate file, README of the library).
STATUSES = ("mandate", "report", "statement")
#: The use a recommendation may make of a paragraph, by role (see :func:`citation_role`).
ROLE_MANDATE = "mandated by"
ROLE_CONTEXT = "recalled as context"
ROLE_EVIDENCE = "evidence"
ROLE_ORIGIN = "origin of the proposal"
ROLE_BACKGROUND = "background"
#: The roles each status allows.
ROLES_BY_STATUS = {
    "mandate": (ROLE_MANDATE, ROLE_CONTEXT),
    "report": (ROLE_EVIDENCE, ROLE_ORIGIN),
    "statement": (ROLE_BACKGROUND,),
}


class MandateError(LookupError):
    """A reference names no paragraph of the library, or the library cannot be read."""


@dataclass(frozen=True)
class Paragraph:
    """One citable paragraph (or sub-paragraph)."""

    symbol: str
    id: str
    text: str
    fidelity: str
    document_title: str
    document_fidelity: str
    source_file: str
    status: str = "mandate"
    status_note: str = ""

    @property
    def ref(self) -> str:
        return f"{self.symbol} {self.id}"

    @property
    def quotable(self) -> bool:
        """True when the text is the document's own wording (verbatim, including verbatim
        reproductions), False for summaries and paraphrases."""
        f = self.fidelity.lower()
        return f.startswith(_VERBATIM) and "summary" not in f

    @property
    def citation(self) -> str:
        """Human citation, following each file's ``citation_format``."""
        pid = self.id
        m = re.fullmatch(r"(OP|PP)(\d+)(\(.+\))?", pid)
        if m:
            return f"{self.symbol}, {m.group(1)} {m.group(2)}{m.group(3) or ''}"
        m = re.fullmatch(r"para(\d+)(.*)", pid)
        if m:
            annex = ", annex I" if self.symbol == "A/RES/79/1" else ""
            return f"{self.symbol}{annex}, para. {m.group(1)}{m.group(2)}"
        return f"{self.symbol}, {pid.replace('-', ' ')} (paragraph number not known)"

    def excerpt(self, limit: int = 320) -> str:
        """The text cut at a word boundary to about ``limit`` characters."""
        text = " ".join(self.text.split())
        if len(text) <= limit:
            return text
        cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
        return cut + " …"

    def as_dict(self, limit: int = 320) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "citation": self.citation,
            "symbol": self.symbol,
            "paragraph": self.id,
            "document": self.document_title,
            "fidelity": self.fidelity,
            "quotable": self.quotable,
            "excerpt": self.excerpt(limit),
            "status": self.status,
        }

    @property
    def preambular(self) -> bool:
        return bool(re.fullmatch(r"PP\d+.*", self.id))


def citation_role(para: Paragraph, origin: bool = False) -> str:
    """The only use a recommendation may make of ``para``: an operative paragraph of a
    ``mandate`` "mandated by" (a preambular one "recalled as context"); a ``report``
    "evidence", or "origin of the proposal" when ``origin`` (the catalogue says which report
    paragraphs a proposal comes from); a ``statement`` "background"."""
    if para.status == "mandate":
        return ROLE_CONTEXT if para.preambular else ROLE_MANDATE
    if para.status == "report":
        return ROLE_ORIGIN if origin else ROLE_EVIDENCE
    return ROLE_BACKGROUND


def default_mandates_dir() -> Path:
    """``AICAP_MANDATES_DIR``, else the nearest ``shared/mandates`` from the current directory
    upwards, else the one next to this checkout."""
    env = os.environ.get("AICAP_MANDATES_DIR")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        candidate = base / "shared" / "mandates"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[4] / "shared" / "mandates"


def split_ref(ref: str) -> tuple[str, str]:
    """``"A/RES/78/311 OP4"`` -> ``("A/RES/78/311", "OP4")``."""
    parts = ref.strip().rsplit(" ", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise MandateError(f"mandate reference {ref!r} is not '<symbol> <paragraph id>'")
    return parts[0], parts[1]


class MandateLibrary:
    """Every paragraph of every mandate file, by reference."""

    def __init__(self, paragraphs: Iterable[Paragraph], folder: Path | None = None) -> None:
        self.folder = folder
        self.paragraphs: dict[str, Paragraph] = {}
        self.documents: dict[str, str] = {}
        for p in paragraphs:
            self.paragraphs[p.ref] = p
            self.documents.setdefault(p.symbol, p.document_title)

    @classmethod
    def load(cls, folder: str | Path | None = None) -> MandateLibrary:
        """Read every ``*.yaml`` of ``folder`` (default: :func:`default_mandates_dir`)."""
        root = Path(folder) if folder is not None else default_mandates_dir()
        if not root.is_dir():
            raise MandateError(
                f"mandate library not found: {root} (set AICAP_MANDATES_DIR or --mandates)"
            )
        files = sorted(root.glob("*.yaml"))
        if not files:
            raise MandateError(f"no mandate files (*.yaml) in {root}")
        out: list[Paragraph] = []
        for path in files:
            try:
                doc = yamlload.safe_load(path.read_text("utf-8"))
            except yaml.YAMLError as exc:
                raise MandateError(f"{path.name}: not valid YAML ({exc})") from None
            if not isinstance(doc, dict) or "symbol" not in doc or "paragraphs" not in doc:
                raise MandateError(f"{path.name}: needs 'symbol' and 'paragraphs'")
            out.extend(_paragraphs(doc, path.name))
        return cls(out, root)

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and ref in self.paragraphs and self._citable(ref)

    def _citable(self, ref: str) -> bool:
        return self.paragraphs[ref].fidelity.lower() != "missing"

    def resolve(self, ref: str) -> Paragraph:
        """The paragraph of ``ref``; :class:`MandateError` if it does not exist or was not
        obtained."""
        symbol, pid = split_ref(ref)
        if symbol not in self.documents:
            raise MandateError(
                f"unknown document {symbol!r} in {ref!r}; "
                f"known: {', '.join(sorted(self.documents))}"
            )
        key = f"{symbol} {pid}"
        if key not in self.paragraphs:
            raise MandateError(f"{symbol} has no paragraph {pid!r} (reference {ref!r})")
        if not self._citable(key):
            raise MandateError(f"{ref!r}: the text of this paragraph was not obtained")
        return self.paragraphs[key]


def _paragraphs(doc: dict[str, Any], filename: str) -> list[Paragraph]:
    symbol = str(doc["symbol"])
    title = str(doc.get("title", ""))
    doc_fid = str(doc.get("fidelity", ""))
    status = str(doc.get("status", ""))
    if status not in STATUSES:
        raise MandateError(
            f"{filename}: 'status' must be one of {', '.join(STATUSES)} "
            f"(mandate, report or statement: see the library's README), not {status!r}"
        )
    note = str(doc.get("status_note", ""))
    out: list[Paragraph] = []

    def add(entry: dict[str, Any], parent_fid: str | None = None) -> None:
        fid = str(entry.get("fidelity") or parent_fid or doc_fid)
        out.append(
            Paragraph(
                symbol,
                str(entry["id"]),
                str(entry["text"]),
                fid,
                title,
                doc_fid,
                filename,
                status,
                note,
            )
        )

    for entry in doc["paragraphs"]:
        if not isinstance(entry, dict) or "id" not in entry or "text" not in entry:
            raise MandateError(f"{filename}: every paragraph needs 'id' and 'text'")
        add(entry)
        for sub in entry.get("subparagraphs") or []:
            add(sub, str(entry.get("fidelity") or doc_fid))
    return out
