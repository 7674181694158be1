"""AI Incident Database (AIID): incidents with the CSETv1 and MIT classifications (weekly
snapshot of February 2026).

Files:

* ``incidents.csv``: one row per incident (``incident_id``, ``date`` YYYY-MM-DD, ``title``,
  ``description``, and JSON-like lists of entity slugs: ``Alleged deployer of AI system``,
  ``Alleged developer of AI system``, ``Alleged harmed or nearly harmed parties``; quoted cells
  with embedded newlines and doubled quotes, read with the :mod:`csv` module and parsed with
  ``json.loads``). **No country field.**
* ``classifications_MIT.csv``: MIT AI Risk Repository domain and subdomain per incident
  (``Risk Domain``, ``Risk Subdomain``, ``Entity``, ``Intent``, ``Timing``), published rows only.
* ``classifications_CSETv1.csv``: CSET v1 harm taxonomy, with **``Location Country (two
  letters)``** for about 140 incidents; rows with ``Published`` not ``True`` are empty shells
  and skipped; ``--`` and blanks are "not set"; the column ``AI System`` appears twice (the
  second copy is ignored); a stray ``United States`` is a name, not a code (both resolve).

Country attribution (``records["incident_countries"]``, one row per incident and country
token, ``country_method`` saying how):

* ``explicit field``: CSETv1's two-letter code (ISO 3166-1 alpha-2, mapped in
  ``mappings/aiid_incidents.yaml``);
* ``harmed-party text``: a harmed-party slug ``general-public-of-<place>`` (e.g.
  ``general-public-of-south-korea``), the place written as a name (``south korea``) and resolved
  by the harmoniser; sub-national places (``texas``, ``kerala``...) are mapped to their country,
  regions and groups (``the european union``, ``west africa``) are excluded with a reason.

Incidents without either have no row there: most AIID incidents carry no country, which is
why per-country counts lean on AIAAIC (see :mod:`aicap.sources.aiaaic_incidents`).

No observations: per-country counts of documented incidents are computed after harmonisation
and cross-database de-duplication (:mod:`aicap.analysis.monitor.incidents`), because several
entities (a state and its country) must add up to one country-year, which the one-entity,
one-country observation harmoniser rejects on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from aicap.sources._common import read_table
from aicap.sources._records import dates, frame_of, json_list, read_table_renaming, rows, text
from aicap.sources.base import Parsed, SourceError, SourceInfo, empty_observations, require_file

INCIDENTS = "incidents.csv"
MIT = "classifications_MIT.csv"
CSET = "classifications_CSETv1.csv"

SOURCE = SourceInfo(
    id="aiid_incidents",
    publisher="Responsible AI Collaborative",
    title="AI Incident Database (incidents, CSETv1 and MIT classifications)",
    url="https://incidentdatabase.ai/",
    licence="CC BY-SA 4.0",
    citation="McGregor, S. (2021), 'Preventing Repeated Real World AI Failures by Cataloging "
    "Incidents: The AI Incident Database', IAAI-21; AI Incident Database, "
    "https://incidentdatabase.ai/ (snapshot via github.com/TanviPatel9722/AI-incident-snapshot).",
    entity_kind="name",
    files=(INCIDENTS, MIT, CSET),
    vintage="TanviPatel9722/AI-incident-snapshot@2c6f1a2ab5eeb3aadf9a2befdad873f76a49f1d2 "
    "(2026-02-28)",
)

DEPLOYER = "Alleged deployer of AI system"
DEVELOPER = "Alleged developer of AI system"
HARMED = "Alleged harmed or nearly harmed parties"
CSET_COUNTRY = "Location Country (two letters)"
EXPLICIT = "explicit field (CSETv1 Location Country)"
HARMED_TEXT = "harmed-party text (general-public-of-<place>)"

_PUBLIC = re.compile(r"^general-public-of-(.+)$")


def _incident_ids(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    raw = text(frame, column)
    ok = raw.str.fullmatch(r"\d{1,9}")
    if not bool(ok.all()):
        first = int((~ok).to_numpy().nonzero()[0][0])
        raise SourceError(
            "not an incident number",
            file=file,
            row=int(frame["_row"].iloc[first]),
            column=column,
            value=str(raw.iloc[first]),
        )
    return raw.astype("int64")


def _published(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    ids = _incident_ids(frame, "Incident ID", file=file)
    keep = (text(frame, "Published") == "True").to_numpy()
    out = frame[keep].copy()
    out["_id"] = ids[keep].to_numpy()
    twice = out["_id"].duplicated()
    if bool(twice.any()):
        first = out[twice].iloc[0]
        raise SourceError(
            "incident classified twice",
            file=file,
            row=int(first["_row"]),
            column="Incident ID",
            value=int(first["_id"]),
        )
    return out.reset_index(drop=True)


def _not_set(value: str) -> str:
    return "" if value.strip() in ("", "--") else value.strip()


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Incident records (with MIT and CSET classifications) and country attributions."""
    table = read_table(
        require_file(files, INCIDENTS, source=SOURCE.id),
        file=INCIDENTS,
        required=("incident_id", "date", "title", "description", DEPLOYER, DEVELOPER, HARMED),
    )
    ids = _incident_ids(table, "incident_id", file=INCIDENTS)
    twice = ids.duplicated()
    if bool(twice.any()):
        first = int(twice.to_numpy().nonzero()[0][0])
        raise SourceError(
            "incident listed twice",
            file=INCIDENTS,
            row=int(table["_row"].iloc[first]),
            column="incident_id",
            value=int(ids.iloc[first]),
        )
    day, year = dates(table, "date", file=INCIDENTS)
    lines = rows(table)
    lists: dict[str, list[list[str]]] = {}
    for col in (DEPLOYER, DEVELOPER, HARMED):
        lists[col] = [
            json_list(v, file=INCIDENTS, row=int(r), column=col)
            for v, r in zip(text(table, col).tolist(), lines.tolist(), strict=True)
        ]
    notes: list[str] = []

    mit_cols = ("Incident ID", "Published", "Risk Domain", "Risk Subdomain", "Entity", "Intent")
    mit = _published(
        read_table(require_file(files, MIT, source=SOURCE.id), file=MIT, required=mit_cols), MIT
    ).set_index("_id")
    cset = _published(
        read_table_renaming(
            require_file(files, CSET, source=SOURCE.id),
            file=CSET,
            required=("Incident ID", "Published", CSET_COUNTRY),
        ),
        CSET,
    ).set_index("_id")
    known = set(ids.tolist())
    for name, frame in (("MIT", mit), ("CSETv1", cset)):
        orphan = sorted(set(frame.index) - known)
        if orphan:
            notes.append(
                f"{name}: {len(orphan)} classification(s) of incidents not in {INCIDENTS}: "
                f"{orphan[:10]}"
            )

    def mit_col(col: str) -> list[str]:
        values = mit[col].astype("string").fillna("").str.strip()
        return [str(values.get(i, "")) if i in values.index else "" for i in ids.tolist()]

    def cset_col(col: str) -> list[str]:
        if col not in cset.columns:
            return [""] * len(ids)
        values = cset[col].astype("string").fillna("")
        return [_not_set(str(values[i])) if i in values.index else "" for i in ids.tolist()]

    incidents = frame_of(
        {
            "incident_id": ids,
            "date": day,
            "year": year,
            "title": text(table, "title"),
            "description": text(table, "description"),
            "deployers": ["; ".join(v) for v in lists[DEPLOYER]],
            "developers": ["; ".join(v) for v in lists[DEVELOPER]],
            "harmed_parties": ["; ".join(v) for v in lists[HARMED]],
            "mit_domain": mit_col("Risk Domain"),
            "mit_subdomain": mit_col("Risk Subdomain"),
            "mit_entity": mit_col("Entity"),
            "mit_intent": mit_col("Intent"),
            "cset_harm_domain": cset_col("Harm Domain"),
            "cset_sector": cset_col("Sector of Deployment"),
            "cset_region": cset_col("Location Region"),
            "file": [INCIDENTS] * len(ids),
            "row": lines,
        },
        {
            "incident_id": "int64",
            "date": "string",
            "year": "Int64",
            "title": "string",
            "description": "string",
            "deployers": "string",
            "developers": "string",
            "harmed_parties": "string",
            "mit_domain": "string",
            "mit_subdomain": "string",
            "mit_entity": "string",
            "mit_intent": "string",
            "cset_harm_domain": "string",
            "cset_sector": "string",
            "cset_region": "string",
            "file": "string",
            "row": "int64",
        },
    )

    links: dict[str, list[object]] = {
        k: [] for k in ("incident_id", "country_entity", "country_method", "file", "row")
    }
    cset_country = cset[CSET_COUNTRY].astype("string").fillna("").str.strip()
    cset_rows = cset["_row"]
    for incident in ids.tolist():
        if incident in cset_country.index:
            code = _not_set(str(cset_country[incident]))
            if code:
                links["incident_id"].append(incident)
                links["country_entity"].append(code)
                links["country_method"].append(EXPLICIT)
                links["file"].append(CSET)
                links["row"].append(int(cset_rows[incident]))
    for incident, parties, line in zip(ids.tolist(), lists[HARMED], lines.tolist(), strict=True):
        for slug in dict.fromkeys(parties):
            match = _PUBLIC.match(slug)
            if match:
                links["incident_id"].append(incident)
                links["country_entity"].append(match.group(1).replace("-", " ").strip())
                links["country_method"].append(HARMED_TEXT)
                links["file"].append(INCIDENTS)
                links["row"].append(line)
    countries = frame_of(
        dict(links),
        {
            "incident_id": "int64",
            "country_entity": "string",
            "country_method": "string",
            "file": "string",
            "row": "int64",
        },
    )
    with_country = countries["incident_id"].nunique()
    notes.insert(
        0,
        f"{len(incidents)} incidents; {with_country} with a country token "
        f"({int((countries['country_method'] == EXPLICIT).sum())} explicit CSETv1 codes, "
        f"{int((countries['country_method'] == HARMED_TEXT).sum())} harmed-party slugs)",
    )
    return Parsed(
        observations=empty_observations(),
        indicators=[],
        notes=notes,
        records={"incidents": incidents, "incident_countries": countries},
    )
