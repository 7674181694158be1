"""Governance instruments register: AI-relevant frameworks (strategy, law, policy, guideline...)
and government initiatives per country, each with its provenance.

The register is a frame with :data:`REGISTER_COLUMNS`; :class:`Instrument` documents (and
validates) one row, so another source (OECD.AI exports, national submissions) fills the same
model with an adapter like :func:`from_girai` and :func:`combine`. The thematic-area coverage
of each source is a second frame (:data:`COVERAGE_COLUMNS`: country, area, status), which tells
"no instrument" (the source looked and found none) apart from "not covered".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from aicap.analysis.monitor.concentration import _actor

REGISTER_COLUMNS = (
    "iso3",
    "kind",
    "area",
    "dimension",
    "type",
    "category",
    "title",
    "link",
    "status",
    "approval_date",
    "approval_year",
    "binding",
    "defence_and_security",
    "source",
    "file",
    "row",
)
COVERAGE_COLUMNS = ("iso3", "area", "status", "source", "file", "row")

#: GIRAI framework types that are instruments in force once adopted (drafts are not).
FRAMEWORK_TYPES = (
    "Strategy",
    "Law",
    "Policy",
    "Guideline",
    "International Law",
    "White Paper",
    "Draft framework",
)


class Instrument(BaseModel):
    """One row of the register."""

    model_config = ConfigDict(extra="forbid")

    iso3: str
    kind: Literal["framework", "initiative"]
    area: str
    dimension: str = ""
    type: str
    category: str = ""
    title: str
    link: str = ""
    status: Literal["Adopted", "Draft", "Implemented"]
    approval_date: str | None = None
    approval_year: int | None = None
    binding: bool | None = None
    defence_and_security: bool | None = None
    source: str
    file: str
    row: int


def from_instruments(items: Iterable[Instrument]) -> pd.DataFrame:
    """A register frame from validated instruments (for sources without an adapter)."""
    rows = [i.model_dump() for i in items]
    return _typed(pd.DataFrame(rows, columns=list(REGISTER_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=list(REGISTER_COLUMNS))
    for col in REGISTER_COLUMNS:
        if col in ("approval_year",):
            out[col] = out[col].astype("Int64")
        elif col == "row":
            out[col] = out[col].astype("int64")
        elif col in ("binding", "defence_and_security"):
            out[col] = out[col].astype("boolean")
        else:
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def _yes_no(value: object, yes: str, no: str) -> bool | None:
    text = _actor(value)
    if text is None:
        return None
    if text.lower().startswith(yes.lower()):
        return True
    if text.lower().startswith(no.lower()):
        return False
    return None


def from_girai(
    frameworks: pd.DataFrame, initiatives: pd.DataFrame, source: str = "girai"
) -> pd.DataFrame:
    """The register rows of GIRAI's framework documents and government initiatives
    (``girai/frameworks`` and ``girai/initiatives`` records). A framework's status is its
    thematic area's (``Draft`` when the type is ``Draft framework``); an initiative's is
    ``Implemented``."""
    fw = frameworks[frameworks["iso3"].map(_actor).notna()]
    fw_rows = pd.DataFrame(
        {
            "iso3": fw["iso3"],
            "kind": "framework",
            "area": fw["area"],
            "dimension": fw["dimension"],
            "type": fw["type"],
            "category": "",
            "title": fw["title"],
            "link": fw["link"],
            "status": [
                "Draft" if t == "Draft framework" or s == "Draft" else "Adopted"
                for t, s in zip(fw["type"], fw["area_status"], strict=True)
            ],
            "approval_date": fw["approval_date"],
            "approval_year": fw["approval_year"],
            "binding": [_yes_no(v, "Binding", "Non-Binding") for v in fw["enforceability"]],
            "defence_and_security": [_yes_no(v, "Yes", "No") for v in fw["defence_and_security"]],
            "source": source,
            "file": fw["file"],
            "row": fw["row"],
        }
    )
    ini = initiatives[initiatives["iso3"].map(_actor).notna()]
    ini_rows = pd.DataFrame(
        {
            "iso3": ini["iso3"],
            "kind": "initiative",
            "area": ini["area"],
            "dimension": ini["dimension"],
            "type": ini["type"],
            "category": ini["category"],
            "title": ini["name"],
            "link": ini["link"],
            "status": "Implemented",
            "approval_date": None,
            "approval_year": None,
            "binding": None,
            "defence_and_security": None,
            "source": source,
            "file": ini["file"],
            "row": ini["row"],
        }
    )
    return combine([fw_rows, ini_rows])


def coverage_from_girai(areas: pd.DataFrame, source: str = "girai") -> pd.DataFrame:
    """Thematic-area coverage (``girai/areas`` records): every country x area GIRAI assessed,
    with its status (No framework / Draft / Adopted)."""
    sel = areas[areas["iso3"].map(_actor).notna()]
    return pd.DataFrame(
        {
            "iso3": sel["iso3"].astype("string"),
            "area": sel["area"].astype("string"),
            "status": sel["status"].astype("string"),
            "source": source,
            "file": sel["file"].astype("string"),
            "row": sel["row"].astype("int64"),
        }
    ).reset_index(drop=True)


def combine(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack register frames of several sources (columns checked, types normalised)."""
    parts = []
    for frame in frames:
        missing = [c for c in REGISTER_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"register frame lacks column(s) {missing}")
        parts.append(_typed(frame))
    if not parts:
        return _typed(pd.DataFrame(columns=list(REGISTER_COLUMNS)))
    return pd.concat(parts, ignore_index=True)


def country_register(register: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """A country's instruments, frameworks first, newest approval first."""
    sel = register[register["iso3"] == iso3.upper()].copy()
    sel["_k"] = sel["kind"].map({"framework": 0, "initiative": 1})
    sel = sel.sort_values(["_k", "approval_year", "area"], ascending=[True, False, True])
    return sel.drop(columns="_k").reset_index(drop=True)


def register_summary(register: pd.DataFrame) -> pd.DataFrame:
    """Per country: distinct adopted framework documents (by title), binding ones, drafts,
    strategies, initiatives, capacity-building initiatives, latest approval year."""
    if register.empty:
        return pd.DataFrame(columns=["iso3"])
    fw = register[register["kind"] == "framework"].copy()
    fw["key"] = fw["title"].str.lower().str.strip()
    docs = fw.drop_duplicates(["iso3", "key"])
    adopted = docs[docs["status"] == "Adopted"]
    ini = register[register["kind"] == "initiative"]
    out = pd.DataFrame(index=pd.Index(sorted(register["iso3"].dropna().unique()), name="iso3"))
    out["frameworks_adopted"] = adopted.groupby("iso3").size()
    out["frameworks_binding"] = adopted[adopted["binding"].fillna(False)].groupby("iso3").size()
    out["frameworks_draft"] = docs[docs["status"] == "Draft"].groupby("iso3").size()
    out["strategies"] = adopted[adopted["type"] == "Strategy"].groupby("iso3").size()
    out["laws"] = adopted[adopted["type"] == "Law"].groupby("iso3").size()
    out["initiatives"] = ini.drop_duplicates(["iso3", "title"]).groupby("iso3").size()
    cap = ini[ini["category"].fillna("").str.contains("Capacity Building", case=False)]
    out["capacity_building_initiatives"] = (
        cap.drop_duplicates(["iso3", "title"]).groupby("iso3").size()
    )
    out = out.fillna(0).astype("int64")
    out["latest_approval_year"] = adopted.groupby("iso3")["approval_year"].max()
    out["latest_approval_year"] = out["latest_approval_year"].astype("Int64")
    return out.reset_index()
