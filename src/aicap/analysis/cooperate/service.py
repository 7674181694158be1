"""Glue between the intervention catalogue, the cooperation registry and matchmaking:
the catalogue's vocabulary for the registry's checks, a matchmaking run over the registry, the
public accountability view, and country facts (LDC status) from the country reference."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from aicap.analysis.catalogue import Catalogue, Modality, load_catalogue
from aicap.analysis.cooperate.match import MatchResult, NeedSpec, OfferSpec, matchmake
from aicap.warehouse.cooperation.schemas import Vocabulary
from aicap.warehouse.cooperation.store import CoopStore, Principal


def vocabulary(catalogue: Catalogue) -> Vocabulary:
    """The registry's controlled terms, from the intervention catalogue."""
    return Vocabulary(
        interventions=frozenset(catalogue.items),
        areas=frozenset(catalogue.areas),
        modalities=frozenset(m.value for m in Modality),
        area_of={i.id: i.area for i in catalogue},
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return vocabulary(load_catalogue())


def _data_dir() -> Path | None:
    env = os.environ.get("AICAP_DATA_DIR")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        cand = base / "shared" / "data" / "raw"
        if cand.is_dir():
            return cand
    return None


@lru_cache(maxsize=4)
def country_facts(data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """ISO3 -> {iso2, ldc, name} from the country reference (empty when it is absent)."""
    from aicap.sources.country_reference import load_reference

    folder = (data_dir or _data_dir() or Path("/nonexistent")) / "country_reference"
    if not folder.is_dir():
        return {}
    ref = load_reference(folder).countries
    out: dict[str, dict[str, Any]] = {}
    for row in ref.itertuples(index=False):
        iso2 = getattr(row, "iso2", None)
        out[str(row.iso3)] = {
            "iso2": str(iso2) if isinstance(iso2, str) else None,
            "ldc": row.ldc is True or str(row.ldc) == "True",
            "name": str(row.name),
        }
    return out


def need_spec(row: Mapping[str, Any], facts: Mapping[str, Mapping[str, Any]]) -> NeedSpec:
    # LDC status is a fact of the country reference, the tier the server's diagnosis snapshot
    # (stored by the server when the need was recorded; clients never set either)
    ldc = facts.get(row["country_iso3"], {}).get("ldc")
    if ldc is None:
        ldc = row.get("ldc")
    tier = row.get("tier")
    return NeedSpec(
        id=int(row["id"]),
        country=str(row["country_iso3"]),
        interventions=tuple(row.get("interventions") or ()),
        areas=tuple(row.get("areas") or ()),
        priority=int(row.get("priority") or 2),
        budget_gap_usd=row.get("budget_gap_usd"),
        demand=dict(row.get("demand") or {}),
        preferred_modality=row.get("preferred_modality"),
        languages=tuple(row.get("languages") or ()),
        tier=tier,
        ldc=bool(ldc),
    )


def offer_spec(row: Mapping[str, Any]) -> OfferSpec:
    def day(v: Any) -> date | None:
        return date.fromisoformat(v) if isinstance(v, str) and v else None

    return OfferSpec(
        id=int(row["id"]),
        provider=str(row["provider_org"]),
        capacity=float(row["capacity_amount"]),
        unit=str(row["capacity_unit"]),
        interventions=tuple(row.get("interventions") or ()),
        areas=tuple(row.get("areas") or ()),
        eligible_countries=tuple(row.get("eligible_countries") or ()),
        eligible_tiers=tuple(int(t) for t in row.get("eligible_tiers") or ()),
        modalities=tuple(row.get("modalities") or ()),
        languages=tuple(row.get("languages") or ()),
        valid_from=day(row.get("valid_from")),
        valid_until=day(row.get("valid_until")),
        open=row.get("status", "open") == "open",
    )


def run_matchmaking(
    store: CoopStore,
    actor: Principal,
    *,
    dataset: str = "real",
    on: date | None = None,
    save: bool = True,
    facts: Mapping[str, Mapping[str, Any]] | None = None,
    after_run: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[MatchResult, list[dict[str, Any]]]:
    """Match the open needs and offers of one dataset (demonstration and real records never
    mix), respecting capacity already taken by accepted matches; store the proposals.
    ``after_run``: the latest run the caller saw (see :meth:`CoopStore.save_proposals`)."""
    store.require_admin(actor, "run matchmaking")
    facts = country_facts() if facts is None else facts
    needs = [
        need_spec(r, facts)
        for r in store.records("need", dataset=dataset)
        if r.get("status", "open") == "open"
    ]
    offers = [offer_spec(r) for r in store.records("offer", dataset=dataset)]
    taken = store.allocated(dataset)
    skip = store.active_commitments(dataset)
    area_of = store.vocab.area_of or default_vocabulary().area_of
    step = progress or (lambda done, total: None)
    step(1, 3)  # records read
    result = matchmake(needs, offers, area_of, on=on, taken=taken, skip=skip)
    step(2, 3)  # matched
    saved: list[dict[str, Any]] = []
    if save:
        run_id = f"run-{uuid.uuid4().hex[:12]}"
        saved = store.save_proposals(
            actor,
            [c.as_proposal() for c in result.chosen],
            run_id=run_id,
            dataset=dataset,
            after_run=after_run,
        )
    step(3, 3)
    return result, saved


BY = ("provider", "country", "modality")


def accountability(
    store: CoopStore, *, by: str = "provider", dataset: str = "real"
) -> dict[str, Any]:
    """Pledged vs committed vs disbursed vs delivered vs results, grouped ``by`` provider,
    country or modality. Pledged: the USD capacity of offers (by provider; by country and
    modality: the USD allocated by accepted or later matches); money: the activities' flows;
    results: indicators with a target, those with an actual, and those meeting their target."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    groups: dict[str, dict[str, Any]] = {}

    def g(key: str | None) -> dict[str, Any]:
        k = key or "(unspecified)"
        return groups.setdefault(
            k,
            {
                by: k,
                "pledged_usd": 0.0,
                "committed_usd": 0.0,
                "disbursed_usd": 0.0,
                "delivered": {},
                "activities": 0,
                "results": 0,
                "results_with_actual": 0,
                "results_meeting_target": 0,
                "sources": set(),
            },
        )

    offers = {o["id"]: o for o in store.records("offer", dataset=dataset)}
    needs = {n["id"]: n for n in store.records("need", dataset=dataset)}
    if by == "provider":
        for o in offers.values():
            if o["capacity_unit"] == "USD" and o.get("status") != "withdrawn":
                g(o["provider_org"])["pledged_usd"] += float(o["capacity_amount"])
    else:
        for m in store.records("match", dataset=dataset):
            if m["state"] in ("proposed", "declined", "lapsed"):
                continue
            if m["allocated_unit"] != "USD":
                continue
            need = needs.get(m["need_id"], {})
            key = (
                need.get("country_iso3")
                if by == "country"
                else need.get("preferred_modality")
                or next(iter(offers.get(m["offer_id"], {}).get("modalities", [])), None)
            )
            g(key)["pledged_usd"] += float(m["allocated_amount"])
    for act in store.activities_full(dataset):
        key = {
            "provider": act["provider_org"] or act["reporting_org_name"],
            "country": act["recipient_iso3"],
            "modality": act["modality"],
        }[by]
        row = g(key)
        row["activities"] += 1
        row["sources"].add(act["source"])
        for f in act["flows"]:
            if f["kind"] == "commitment":
                row["committed_usd"] += float(f["amount"])
            elif f["kind"] == "disbursement":
                row["disbursed_usd"] += float(f["amount"])
            else:
                row["delivered"][f["unit"]] = row["delivered"].get(f["unit"], 0.0) + float(
                    f["amount"]
                )
        for r in act["results"]:
            row["results"] += 1
            if r["actual"] is not None:
                row["results_with_actual"] += 1
                if r["target"] is not None and _meets(r):
                    row["results_meeting_target"] += 1
    rows = []
    for k in sorted(groups):
        row = groups[k]
        row["sources"] = sorted(row["sources"])
        row["disbursed_share_of_committed"] = (
            round(row["disbursed_usd"] / row["committed_usd"], 4) if row["committed_usd"] else None
        )
        rows.append(row)
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("pledged_usd", "committed_usd", "disbursed_usd", "activities", "results")
    }
    return {
        "by": by,
        "dataset": dataset,
        "fictitious": dataset == "demo",
        "rows": rows,
        "totals": totals,
        "notes": [
            "pledged_usd by provider is the USD capacity of its offers (withdrawn offers left "
            "out); by country or modality it is the USD allocated by accepted or later matches",
            "committed and disbursed come from the activities' IATI transactions (types 2 and "
            "3), including activities imported from IATI and the OECD CRS",
            "in-kind deliveries (GPU-hours, training seats, person-months) are listed by unit",
        ],
    }


def _meets(r: Mapping[str, Any]) -> bool:
    actual, target, base = r["actual"], r["target"], r.get("baseline")
    if base is not None and target < base:  # a falling indicator
        return bool(actual <= target)
    return bool(actual >= target)


def summarise(result: MatchResult, proposals: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out = result.as_dict()
    if proposals:
        ids = {(p["need_id"], p["offer_id"]): p["id"] for p in proposals}
        for p in out["proposals"]:
            p["match_id"] = ids.get((p["need_id"], p["offer_id"]))
    return out
