"""AI incidents from AIID and AIAAIC: one frame, de-duplicated across the two databases, tagged
with the risk taxonomy, counted per country and year as **documented cases**.

Both databases are built from media reports (mostly English-language press): a count is the
number of incidents documented there, not an incidence rate; a low count means "little
reported", never "few incidents". Every count frame carries :data:`CAVEAT`.

De-duplication rule (explainable, reported pair by pair by :func:`match_events`): an AIID
incident and an AIAAIC incident describe the same event when their years differ by at most
``window`` (AIAAIC gives only a year), and either their normalised titles are similar (token
Jaccard >= ``title_threshold``) or they are dated the same year, share a deployer or developer
(normalised name) and their titles are similar at >= ``entity_threshold``. Pairs are matched
one-to-one, best score first. Merged events keep the AIAAIC record's country (jurisdiction)
and add AIID's.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from aicap.analysis.monitor.concentration import _actor
from aicap.analysis.monitor.risks import Taxonomy

CAVEAT = (
    "documented cases: incidents recorded by AIID and AIAAIC from (mostly English-language) "
    "media reports; counts reflect media coverage and curation, not incidence rates"
)
EVENT_COLUMNS = (
    "event_id",
    "source",
    "source_id",
    "date",
    "year",
    "title",
    "deployer",
    "developer",
    "countries",
    "country_methods",
    "risks",
    "url",
)
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "and",
        "or",
        "by",
        "with",
        "at",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "its",
        "it",
        "after",
        "over",
        "into",
        "about",
        "via",
        "ai",
    }
)
_METHOD_ORDER = {"explicit field": 0, "jurisdiction": 1, "harmed-party text": 2}


def normalise_title(text: object) -> list[str]:
    """Lower-case ASCII word tokens of a title, stop words and 1-letter tokens removed."""
    raw = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", raw.lower())
    return [w for w in words if len(w) > 1 and w not in _STOP]


def normalise_entity(text: object) -> str:
    """An organisation name or AIID slug as comparable text (``OpenAI`` = ``openai``)."""
    raw = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", raw.lower())


def _entities(value: object) -> set[str]:
    text = _actor(value)
    if text is None:
        return set()
    parts = re.split(r"[;,]", text)
    out = {normalise_entity(p) for p in parts}
    return {p for p in out if len(p) > 2 and p not in ("unknown", "na")}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _countries(links: pd.DataFrame, key: str) -> dict[str, tuple[list[str], list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}
    sel = links[links["iso3"].map(_actor).notna()].copy()
    sel["_m"] = sel["country_method"].astype(str)
    sel["_o"] = sel["_m"].map(
        lambda m: min((v for k, v in _METHOD_ORDER.items() if m.startswith(k)), default=9)
    )
    sel = sel.sort_values("_o", kind="stable").drop_duplicates([key, "iso3"])
    # grouped by incident in order of first appearance, rows in order (a groupby with
    # sort=False, without building a frame per incident)
    for ident, iso3, method in zip(
        sel[key].astype(str).tolist(),
        sel["iso3"].astype(str).tolist(),
        sel["_m"].tolist(),
        strict=True,
    ):
        if pd.isna(ident):
            continue
        isos, methods = out.setdefault(str(ident), ([], []))
        isos.append(iso3)
        methods.append(method)
    return out


def events(
    aiid: pd.DataFrame,
    aiid_countries: pd.DataFrame,
    aiaaic: pd.DataFrame,
    aiaaic_countries: pd.DataFrame,
    taxonomy: Taxonomy,
) -> pd.DataFrame:
    """Both databases' incidents in one frame (:data:`EVENT_COLUMNS`), not yet de-duplicated;
    ``countries``/``country_methods``/``risks`` are lists."""
    rows: list[dict[str, object]] = []
    memo: dict[tuple[str, tuple[str, ...]], set[str]] = {}

    def tag(field: str, values: list[str]) -> set[str]:
        """``taxonomy.tag``, once per distinct field and tokens (many incidents share them)."""
        k = (field, tuple(values))
        if k not in memo:
            memo[k] = taxonomy.tag(field, values)
        return memo[k]

    ids = taxonomy.ids()
    aiid_c = _countries(aiid_countries, "incident_id")
    for rec in _records(aiid):
        ident = str(rec["incident_id"])
        isos, methods = aiid_c.get(ident, ([], []))
        tagged = tag("mit_subdomain", [str(rec["mit_subdomain"] or "")])
        risks = [r for r in ids if r in tagged]
        rows.append(
            {
                "source": "aiid_incidents",
                "source_id": ident,
                "date": _actor(rec["date"]),
                "year": None if _actor(rec["year"]) is None else int(rec["year"]),
                "title": str(rec["title"]),
                "deployer": str(rec["deployers"] or ""),
                "developer": str(rec["developers"] or ""),
                "countries": isos,
                "country_methods": methods,
                "risks": risks,
                "url": f"https://incidentdatabase.ai/cite/{ident}",
            }
        )
    aiaaic_c = _countries(aiaaic_countries, "aiaaic_id")
    for rec in _records(aiaaic):
        ident = str(rec["aiaaic_id"])
        isos, methods = aiaaic_c.get(ident, ([], []))

        def toks(value: object) -> list[str]:
            return [t.strip() for t in re.split(r"[;,]", str(_actor(value) or "")) if t.strip()]

        found = set()
        found |= tag("aiaaic_ethical", toks(rec["ethical_issues"]))
        found |= tag("aiaaic_harm", toks(rec["harm_individual"]) + toks(rec["harm_societal"]))
        found |= tag("aiaaic_sector", toks(rec["sector"]))
        rows.append(
            {
                "source": "aiaaic_incidents",
                "source_id": ident,
                "date": None,
                "year": None if _actor(rec["year"]) is None else int(rec["year"]),
                "title": str(rec["headline"]),
                "deployer": str(rec["deployer"] or ""),
                "developer": str(rec["developer"] or ""),
                "countries": isos,
                "country_methods": methods,
                "risks": [r for r in ids if r in found],
                "url": str(rec["url"] or ""),
            }
        )
    out = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    out["event_id"] = (
        out["source"].str.replace("_incidents", "", regex=False)
        + ":"
        + out["source_id"].astype(str)
    )
    out["year"] = out["year"].astype("Int64")
    return out


def _token_matrix(titles: list[list[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    rows, cols = [], []
    for i, toks in enumerate(titles):
        for t in set(toks):
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(titles), max(len(vocab), 1))
    )


def match_events(
    events_frame: pd.DataFrame,
    *,
    window: int = 1,
    title_threshold: float = 0.5,
    entity_threshold: float = 0.3,
) -> pd.DataFrame:
    """Pairs (AIID, AIAAIC) judged to describe the same event, one-to-one, with the evidence:
    ``aiid_id, aiaaic_id, year_gap, title_similarity, shared_entities, rule``."""
    a = events_frame[events_frame["source"] == "aiid_incidents"].reset_index(drop=True)
    b = events_frame[events_frame["source"] == "aiaaic_incidents"].reset_index(drop=True)
    cols = ["aiid_id", "aiaaic_id", "year_gap", "title_similarity", "shared_entities", "rule"]
    if a.empty or b.empty:
        return pd.DataFrame(columns=cols)
    vocab: dict[str, int] = {}
    ta = [normalise_title(t) for t in a["title"]]
    tb = [normalise_title(t) for t in b["title"]]
    ma = _token_matrix(ta, vocab)
    mb = _token_matrix(tb, vocab)
    width = len(vocab)
    ma = sparse.csr_matrix((ma.data, ma.indices, ma.indptr), shape=(ma.shape[0], width))
    mb = sparse.csr_matrix((mb.data, mb.indices, mb.indptr), shape=(mb.shape[0], width))
    inter = (ma @ mb.T).tocoo()
    size_a = np.asarray(ma.sum(axis=1)).ravel()
    size_b = np.asarray(mb.sum(axis=1)).ravel()
    ya = a["year"].astype("float64").to_numpy()
    yb = b["year"].astype("float64").to_numpy()
    ent_a = [
        _entities(d) | _entities(v) for d, v in zip(a["deployer"], a["developer"], strict=True)
    ]
    ent_b = [
        _entities(d) | _entities(v) for d, v in zip(b["deployer"], b["developer"], strict=True)
    ]
    candidates: list[tuple[float, int, int, float, str, str]] = []
    for i, j, n in zip(inter.row, inter.col, inter.data, strict=True):
        union = size_a[i] + size_b[j] - n
        sim = float(n / union) if union else 0.0
        if sim < entity_threshold:
            continue
        gap = abs(ya[i] - yb[j])
        if not gap <= window:  # NaN years never match
            continue
        shared = ent_a[i] & ent_b[j]
        if sim >= title_threshold:
            rule = f"title similarity >= {title_threshold}"
        elif shared and gap == 0:
            rule = f"same year, shared deployer/developer, title similarity >= {entity_threshold}"
        else:
            continue
        candidates.append(
            (sim + (0.01 if shared else 0.0), i, j, sim, ", ".join(sorted(shared)), rule)
        )
    candidates.sort(key=lambda c: -c[0])
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[dict[str, object]] = []
    for _score, i, j, sim, shared, rule in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append(
            {
                "aiid_id": str(a["source_id"].iloc[i]),
                "aiaaic_id": str(b["source_id"].iloc[j]),
                "year_gap": int(abs(ya[i] - yb[j])),
                "title_similarity": round(sim, 3),
                "shared_entities": shared,
                "rule": rule,
                "aiid_title": str(a["title"].iloc[i]),
                "aiaaic_title": str(b["title"].iloc[j]),
            }
        )
    return pd.DataFrame(out, columns=[*cols, "aiid_title", "aiaaic_title"])


def deduplicate(events_frame: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """One row per event: a matched AIID incident is folded into its AIAAIC incident (countries,
    methods and risks united; ``merged_with`` names the AIID id)."""
    recs = _records(events_frame)
    for rec in recs:
        rec["merged_with"] = ""
    pos = {str(r["event_id"]): i for i, r in enumerate(recs)}
    drop: set[int] = set()
    for aiid_id, aiaaic_id in zip(matches["aiid_id"], matches["aiaaic_id"], strict=True):
        ia, ib = pos[f"aiid:{aiid_id}"], pos[f"aiaaic:{aiaaic_id}"]
        a, b = recs[ia], recs[ib]
        isos, methods = list(b["countries"]), list(b["country_methods"])
        for iso, method in zip(a["countries"], a["country_methods"], strict=True):
            if iso not in isos:
                isos.append(iso)
                methods.append(method)
        b["countries"], b["country_methods"] = isos, methods
        b["risks"] = list(dict.fromkeys([*b["risks"], *a["risks"]]))
        b["merged_with"] = f"aiid:{aiid_id}"
        if b["date"] is None:
            b["date"] = a["date"]
        drop.add(ia)
    kept = [r for i, r in enumerate(recs) if i not in drop]
    out = pd.DataFrame(kept, columns=[*EVENT_COLUMNS, "merged_with"])
    out["year"] = out["year"].astype("Int64")
    return out


def counts_by_country_year(deduped: pd.DataFrame) -> pd.DataFrame:
    """Documented incidents per country and year (a multi-country event counts once per
    country), with the caveat."""
    rows = []
    for rec in _records(deduped):
        if _actor(rec["year"]) is None:
            continue
        for iso, method in zip(rec["countries"], rec["country_methods"], strict=True):
            rows.append({"iso3": iso, "year": int(rec["year"]), "method": method})
    frame = pd.DataFrame(rows, columns=["iso3", "year", "method"])
    if frame.empty:
        return pd.DataFrame(columns=["iso3", "year", "documented_incidents", "caveat"])
    out = frame.groupby(["iso3", "year"]).size().rename("documented_incidents").reset_index()
    out["caveat"] = CAVEAT
    return out


def counts_by_country_risk(deduped: pd.DataFrame) -> pd.DataFrame:
    """Documented incidents per country and risk (columns ``iso3, risk, incidents``)."""
    rows = [
        {"iso3": iso, "risk": risk}
        for isos, risks in zip(deduped["countries"], deduped["risks"], strict=True)
        for iso in isos
        for risk in risks
    ]
    frame = pd.DataFrame(rows, columns=["iso3", "risk"])
    return frame.groupby(["iso3", "risk"]).size().rename("incidents").reset_index()


def attribution_summary(deduped: pd.DataFrame) -> dict[str, object]:
    """How many events have a country, and through which method."""
    with_country = deduped[deduped["countries"].map(len) > 0]
    methods: dict[str, int] = {}
    for ms in with_country["country_methods"]:
        for m in set(ms):
            key = m.split(" (")[0]
            methods[key] = methods.get(key, 0) + 1
    by_source = {
        str(s): {"events": len(g), "with_country": int((g["countries"].map(len) > 0).sum())}
        for s, g in deduped.groupby("source")
    }
    return {
        "events": len(deduped),
        "with_country": len(with_country),
        "by_method": methods,
        "by_source": by_source,
        "caveat": CAVEAT,
    }
