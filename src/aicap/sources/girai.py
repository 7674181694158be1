"""Global Index on Responsible AI (GIRAI), 2nd edition 2026: scores, AI-policy frameworks and
government initiatives for 135 countries.

Files read (CSV exports of girai.global; the 2024 workbook uses another framework and scale and
is not read, so the two editions are never differenced):

* ``girai2026_ranking_and_scores.csv``: **two header rows** (group labels ``DIMENSIONS
  SCORES`` / ``PILLAR SCORES`` with ``__EMPTY*`` placeholders, then the real names). The second
  row names the grouped columns; it is read as such and dropped from the data;
* ``girai2026_frameworks.csv``: one row per country and AI-policy *thematic area* (17 areas,
  e.g. ``AI-facilitated Misinformation and Violence``, ``Safety and Security``), with the area's
  framework status (No framework / Draft / Adopted) and up to two framework documents
  (``fr1_*``, ``fr2_*``): title, link, type (Strategy, Law, Policy, Guideline, International Law,
  White Paper, Draft framework), **approval date as an Excel day serial** (``45883`` =
  2025-08-15), enforceability, reach, scope, defence-and-security coverage;
* ``girai2026_initiatives.csv``: the same rows, with up to 2 x 3 government initiatives
  (``init<i>_name<j>``...) with category (e.g. Capacity Building & Public Engagement) and type.

``n/a`` and empty cells are missing; ``GDP_per_capita_PPP`` (decimal comma) is not read.

Records: ``areas`` (country x thematic area, with status and framework count), ``frameworks``
(one row per framework document slot filled), ``initiatives`` (one row per initiative named).
Countries are GIRAI's ``ISO3`` codes (``country_entity``).

Observations (year 2026 = the edition, flag ``edition_year``: the evidence predates it):
``GIRAI.SCORE`` (0-100), ``GIRAI.PILLAR.POLICY`` (AI Policy pillar, 0-100),
``GIRAI.AREAS.ADOPTED`` (thematic areas with an adopted framework, of 17) and
``GIRAI.FRAMEWORKS.N`` (distinct framework documents, by title, that are not drafts). Survey
based: absent countries are not covered, not zero.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from aicap.sources._common import check_codes, finish, read_table
from aicap.sources._records import excel_dates, frame_of, number, rows, text
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    require_file,
)

SCORES = "girai2026_ranking_and_scores.csv"
FRAMEWORKS = "girai2026_frameworks.csv"
INITIATIVES = "girai2026_initiatives.csv"
YEAR = 2026
FLAG = "edition_year"

SOURCE = SourceInfo(
    id="girai",
    publisher="Global Center on AI Governance",
    title="Global Index on Responsible AI (GIRAI), 2nd edition 2026",
    url="https://girai.global/",
    licence="CC BY 4.0",
    citation="Global Index on Responsible AI (2026), Global Center on AI Governance, "
    "https://girai.global/ (data via github.com/dataphyte-africa/girai-global-index).",
    entity_kind="code",
    files=(SCORES, FRAMEWORKS, INITIATIVES),
    vintage="dataphyte-africa/girai-global-index@ecc3897976c5367a2e68c046de15744c942b3921 "
    "(files last changed 2026-06-14)",
)

INDICATORS = [
    IndicatorMeta(
        code="GIRAI.SCORE",
        name="Global Index on Responsible AI score",
        unit="score (0-100)",
        description="GIRAI 2026 index score (0-100). Year = edition year; the 2024 edition uses "
        "another framework and scale and is not comparable.",
        source_code="girai",
    ),
    IndicatorMeta(
        code="GIRAI.PILLAR.POLICY",
        name="GIRAI AI Policy pillar score",
        unit="score (0-100)",
        description="GIRAI 2026 'AI Policy' pillar score (0-100): government frameworks across "
        "the 17 AI-policy thematic areas.",
        source_code="AI Policy (0-100)",
    ),
    IndicatorMeta(
        code="GIRAI.AREAS.ADOPTED",
        name="AI-policy thematic areas with an adopted framework (GIRAI, of 17)",
        unit="thematic areas",
        description="Number of GIRAI's 17 AI-policy thematic areas for which the country has an "
        "adopted framework (fr_status = Adopted).",
        source_code="fr_status",
    ),
    IndicatorMeta(
        code="GIRAI.FRAMEWORKS.N",
        name="AI-relevant framework documents (GIRAI)",
        unit="documents",
        description="Distinct framework documents (strategy, law, policy, guideline, "
        "international law, white paper; drafts excluded) cited by GIRAI 2026 for the country "
        "across its AI-policy thematic areas, counted once per title.",
        source_code="fr1_title, fr2_title",
    ),
]

_STATUS = {"No framework", "Draft", "Adopted"}
_AREA_COLS = ("ISO3", "country", "dimension", "pillar", "indicator", "fr_status")


def _scores(files: Mapping[str, bytes]) -> pd.DataFrame:
    table = read_table(
        require_file(files, SCORES, source=SOURCE.id), file=SCORES, required=("iso3", "girai")
    )
    # second header row: names of the grouped columns; the first data row when iso3 is empty
    first_code = str(table["iso3"].iloc[0] or "").strip()
    if not first_code:
        sub = table.iloc[0]
        renames = {
            str(col): str(sub[col]).strip()
            for col in table.columns
            if col != "_row" and str(sub[col] or "").strip()
        }
        table = table.iloc[1:].rename(columns=renames).reset_index(drop=True)
    if table.empty:
        raise SourceError("file has no country rows", file=SCORES)
    check_codes(table, "iso3", file=SCORES)
    return table


def _slots(table: pd.DataFrame, file: str) -> pd.DataFrame:
    out: dict[str, list[object]] = {
        k: []
        for k in (
            "country_entity",
            "area",
            "dimension",
            "area_status",
            "slot",
            "title",
            "link",
            "type",
            "approval_date",
            "enforceability",
            "reach",
            "scope",
            "defence_and_security",
            "file",
            "row",
        )
    }
    iso3 = text(table, "ISO3").tolist()
    area = text(table, "indicator").tolist()
    dim = text(table, "dimension").tolist()
    status = text(table, "fr_status").tolist()
    lines = rows(table).tolist()
    for slot in (1, 2):
        p = f"fr{slot}_"
        missing = [c for c in ("type", "title", "approval") if f"{p}{c}" not in table.columns]
        if missing:
            raise SourceError(
                f"missing column(s) {', '.join(repr(p + c) for c in missing)}",
                file=file,
                row=1,
                column=p + missing[0],
            )
        kind = text(table, f"{p}type").tolist()
        title = text(table, f"{p}title").tolist()
        approval = excel_dates(table, f"{p}approval", file=file).tolist()
        extra = {
            c: text(table, f"{p}{c}").tolist() if f"{p}{c}" in table.columns else [""] * len(kind)
            for c in ("link", "enforceability", "reach", "scope", "defence_and_security")
        }
        for i in range(len(kind)):
            if kind[i] in ("", "No framework") and not title[i]:
                continue
            out["country_entity"].append(iso3[i])
            out["area"].append(area[i])
            out["dimension"].append(dim[i])
            out["area_status"].append(status[i])
            out["slot"].append(slot)
            out["title"].append(title[i])
            out["type"].append(kind[i])
            out["approval_date"].append(approval[i])
            for c, values in extra.items():
                out[c].append(values[i])
            out["file"].append(file)
            out["row"].append(lines[i])
    frame = frame_of(
        dict(out), {k: "string" for k in out if k not in ("slot", "row")} | {"slot": "int64"}
    )
    frame["approval_year"] = pd.to_numeric(frame["approval_date"].str[:4]).astype("Int64")
    frame["row"] = frame["row"].astype("int64")
    return frame.sort_values(["row", "slot"], kind="stable").reset_index(drop=True)


def _initiatives(files: Mapping[str, bytes]) -> pd.DataFrame:
    table = read_table(
        require_file(files, INITIATIVES, source=SOURCE.id), file=INITIATIVES, required=_AREA_COLS
    )
    check_codes(table, "ISO3", file=INITIATIVES)
    keys = ("country_entity", "area", "dimension", "group", "slot", "name", "link")
    out: dict[str, list[object]] = {
        k: [] for k in (*keys, "category", "type", "body_name", "file", "row")
    }
    iso3 = text(table, "ISO3").tolist()
    area = text(table, "indicator").tolist()
    dim = text(table, "dimension").tolist()
    lines = rows(table).tolist()
    for group in (1, 2):
        body_col = f"imp{group}_body_name"
        body = text(table, body_col).tolist() if body_col in table.columns else [""] * len(iso3)
        body = ["" if b.lower() == "n/a" else b for b in body]
        for slot in (1, 2, 3):
            name_col = f"init{group}_name{slot}"
            if name_col not in table.columns:
                continue
            names = text(table, name_col).tolist()
            cols = {
                c: (
                    text(table, f"init{group}_{c}{slot}").tolist()
                    if f"init{group}_{c}{slot}" in table.columns
                    else [""] * len(iso3)
                )
                for c in ("link", "category", "type")
            }
            for i, name in enumerate(names):
                if not name:
                    continue
                out["country_entity"].append(iso3[i])
                out["area"].append(area[i])
                out["dimension"].append(dim[i])
                out["group"].append(group)
                out["slot"].append(slot)
                out["name"].append(name)
                for c, values in cols.items():
                    out[c].append(values[i])
                out["body_name"].append(body[i])
                out["file"].append(INITIATIVES)
                out["row"].append(lines[i])
    ints = {"group", "slot", "row"}
    frame = frame_of(dict(out), {k: ("int64" if k in ints else "string") for k in out})
    return frame.sort_values(["row", "group", "slot"], kind="stable").reset_index(drop=True)


def parse(files: Mapping[str, bytes]) -> Parsed:
    """GIRAI scores, thematic-area statuses, framework documents and initiatives."""
    notes: list[str] = []
    scores = _scores(files)
    table = read_table(
        require_file(files, FRAMEWORKS, source=SOURCE.id),
        file=FRAMEWORKS,
        required=(*_AREA_COLS, "fr_counts"),
    )
    check_codes(table, "ISO3", file=FRAMEWORKS)
    status = text(table, "fr_status")
    bad = ~status.isin(list(_STATUS))
    if bool(bad.any()):
        first = int(bad.to_numpy().nonzero()[0][0])
        raise SourceError(
            f"expected one of {sorted(_STATUS)}",
            file=FRAMEWORKS,
            row=int(table["_row"].iloc[first]),
            column="fr_status",
            value=str(status.iloc[first]),
        )
    twice = table.duplicated(["ISO3", "indicator"])
    if bool(twice.any()):
        first = int(twice.to_numpy().nonzero()[0][0])
        raise SourceError(
            "country and thematic area listed twice",
            file=FRAMEWORKS,
            row=int(table["_row"].iloc[first]),
            column="indicator",
            value=f"{table['ISO3'].iloc[first]} / {table['indicator'].iloc[first]}",
        )
    areas = frame_of(
        {
            "country_entity": text(table, "ISO3"),
            "country": text(table, "country"),
            "dimension": text(table, "dimension"),
            "pillar": text(table, "pillar"),
            "area": text(table, "indicator"),
            "status": status,
            "n_frameworks": number(table, "fr_counts", file=FRAMEWORKS, non_negative=True),
            "file": [FRAMEWORKS] * len(table),
            "row": rows(table),
        },
        {
            "country_entity": "string",
            "country": "string",
            "dimension": "string",
            "pillar": "string",
            "area": "string",
            "status": "string",
            "n_frameworks": "float64",
            "file": "string",
            "row": "int64",
        },
    )
    frameworks = _slots(table, FRAMEWORKS)
    initiatives = _initiatives(files)
    notes.append(
        f"{areas['country_entity'].nunique()} countries x {areas['area'].nunique()} thematic "
        f"areas; {len(frameworks)} framework slots filled, {len(initiatives)} initiatives"
    )

    score_rows = rows(scores)
    frames = [
        observations(
            entity=text(scores, "iso3"),
            year=YEAR,
            indicator="GIRAI.SCORE",
            value=number(scores, "girai", file=SCORES),
            file=SCORES,
            row=score_rows,
            flags=FLAG,
        )
    ]
    policy = "AI Policy (0-100)"
    if policy in scores.columns:
        frames.append(
            observations(
                entity=text(scores, "iso3"),
                year=YEAR,
                indicator="GIRAI.PILLAR.POLICY",
                value=number(scores, policy, file=SCORES),
                file=SCORES,
                row=score_rows,
                flags=FLAG,
            )
        )
    else:
        notes.append(f"{SCORES}: no column {policy!r}; GIRAI.PILLAR.POLICY not produced")
    by_country = areas.groupby("country_entity", sort=True).agg(
        adopted=("status", lambda s: float((s == "Adopted").sum())), row=("row", "min")
    )
    frames.append(
        observations(
            entity=pd.Series(by_country.index, dtype="string"),
            year=YEAR,
            indicator="GIRAI.AREAS.ADOPTED",
            value=by_country["adopted"].reset_index(drop=True),
            file=FRAMEWORKS,
            row=by_country["row"].reset_index(drop=True),
            flags=FLAG,
        )
    )
    final = frameworks[
        (frameworks["type"] != "Draft framework")
        & (frameworks["area_status"] != "Draft")
        & (frameworks["title"] != "")
    ].assign(key=lambda f: f["title"].str.lower().str.strip())
    docs = final.drop_duplicates(["country_entity", "key"]).groupby("country_entity").size()
    count = by_country[["row"]].join(docs.rename("n")).fillna({"n": 0.0})
    frames.append(
        observations(
            entity=pd.Series(count.index, dtype="string"),
            year=YEAR,
            indicator="GIRAI.FRAMEWORKS.N",
            value=count["n"].astype("float64").reset_index(drop=True),
            file=FRAMEWORKS,
            row=count["row"].reset_index(drop=True),
            flags=FLAG,
        )
    )
    obs = finish(frames, notes)
    return Parsed(
        observations=obs,
        indicators=list(INDICATORS),
        notes=notes,
        records={"areas": areas, "frameworks": frameworks, "initiatives": initiatives},
    )
