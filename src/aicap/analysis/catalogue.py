"""The intervention catalogue: AI capacity-building interventions as validated data.

``catalogues/interventions.yaml`` lists areas (each tied to the index pillars it serves) and
interventions, each with its tiers, prerequisites (a DAG), cooperation modality, provider types,
cost band, lead time, the warehouse indicators it moves and the mandate paragraphs that call for
it. :func:`load_catalogue` checks everything at load time: the fields (pydantic, no extra or
missing keys), unknown areas, prerequisites and indicators, cycles among prerequisites, tiers,
that every mandate reference resolves to a paragraph of the mandate library, and that the
references fit the intervention (:func:`citation_problems`): the library's ``status`` of each
text decides how it may be cited (a ``report`` never as a mandate, a ``statement`` only as
background), every intervention has at least one operative paragraph of an agreed text, and a
text that limits itself to the non-military domain never answers a military-domain area.

Besides what an intervention is, the catalogue holds what the recommender needs to condition it
on the country: ``eligible`` (tiers, income groups, LDC/LLDC/SIDS), ``builds`` (the asset it
creates, and what to do when the country already has it), ``actions`` (one distinct text per
audience), ``sdg_targets``, ``tier_condition`` (the next-tier condition of A/79/966 it meets) and
``cost_estimate`` (the band bounds behind a country's cost range).

>>> cat = load_catalogue(default_catalogue_path(), MandateLibrary.load(), {"IT.NET.BBND.P2"})
...     # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aicap import yamlload
from aicap.analysis.mandates import (
    ROLE_CONTEXT,
    ROLE_EVIDENCE,
    ROLE_MANDATE,
    ROLE_ORIGIN,
    MandateError,
    MandateLibrary,
    citation_role,
)


class CatalogueError(ValueError):
    """The catalogue is invalid: the message names the intervention and the problem."""


class Modality(StrEnum):
    north_south = "north_south"
    south_south = "south_south"
    triangular = "triangular"
    multilateral = "multilateral"


class Audience(StrEnum):
    """Who the briefing addresses a recommendation to."""

    member_states = "member_states"
    un_system = "un_system"
    ifis = "ifis"  # international and regional financial institutions


class CostBand(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    very_high = "very_high"


class LeadTime(StrEnum):
    short = "short"
    medium = "medium"
    long = "long"


#: Definitions shown with every recommendation (the catalogue's ``bands`` must match these keys).
COST_BANDS = {
    "low": "under US$1 million a year",
    "medium": "US$1-10 million",
    "high": "US$10-100 million",
    "very_high": "over US$100 million",
}
LEAD_TIMES = {
    "short": "under 1 year",
    "medium": "1-3 years",
    "long": "over 3 years",
}
MODALITY_WORDS = {
    "north_south": "North-South",
    "south_south": "South-South",
    "triangular": "triangular",
    "multilateral": "multilateral",
}
#: The income groups (World Bank) and country groups eligibility may name.
INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")
COUNTRY_GROUPS = ("LDC", "LLDC", "SIDS")
#: Asset states (what the warehouse records about what the country has).
PRESENT, ABSENT, NOT_ASSESSED = "present", "absent", "not assessed"
DOMAINS = ("civil", "military")
AUDIENCE_WORDS = {
    "member_states": "Member States",
    "un_system": "the United Nations system",
    "ifis": "international and regional financial institutions",
}


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=3)
    pillars: tuple[str, ...] = Field(min_length=1)  # index pillar codes it serves
    domain: Literal["civil", "military"] = "civil"


class Eligibility(BaseModel):
    """Who may be offered an intervention (None: no restriction on that axis). ``groups``: the
    country must belong to at least one of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tiers: tuple[int, ...] | None = None
    income_groups: tuple[Literal["LIC", "LMC", "UMC", "HIC"], ...] | None = None
    groups: tuple[Literal["LDC", "LLDC", "SIDS"], ...] | None = None
    reason: str = Field(min_length=10)


class Builds(BaseModel):
    """The asset an intervention creates. ``if_present``: ``skip`` (not proposed when the
    country has it) or ``implement`` (proposed as ``title_if_present``, with ``{year}`` the
    asset's year, only when the asset is older than ``stale_after_years`` or the
    intervention's indicators lag the peers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    if_present: Literal["skip", "implement"]
    title_if_present: str | None = None
    stale_after_years: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _title(self) -> Builds:
        if self.if_present == "implement" and not self.title_if_present:
            raise ValueError("if_present: implement needs title_if_present")
        return self


class Document(BaseModel):
    """How the catalogue may use a text of the mandate library: the domains it covers (a
    text that limits itself to the non-military domain is ``[civil]``) and, for a report, the
    entries that are the origin of a proposal (others are cited as evidence)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str
    domains: tuple[Literal["civil", "military"], ...] = Field(min_length=1)
    note: str = Field(min_length=10)
    origin_of: tuple[str, ...] = ()


class CostEstimate(BaseModel):
    """US$ million per country, over the intervention's lead time, by cost band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: str = Field(min_length=40)
    bands: dict[CostBand, tuple[float, float]]

    @model_validator(mode="after")
    def _bounds(self) -> CostEstimate:
        for band, (lo, hi) in self.bands.items():
            if not 0 <= lo <= hi:
                raise ValueError(f"cost band {band.value}: bounds {lo}-{hi} not ordered")
        return self


class Intervention(BaseModel):
    """One capacity-building intervention."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z]+-[0-9]{2}$")
    title: str = Field(min_length=10)
    area: str
    description: str = Field(min_length=60)
    min_tier: int = Field(ge=0, le=4)
    target_tier: int = Field(ge=1, le=4)
    bundle: bool = False  # part of A/79/966's minimum irreducible AI capacity (tier 0 -> 1)
    prerequisites: tuple[str, ...]
    modality: tuple[Modality, ...] = Field(min_length=1)
    providers: tuple[str, ...] = Field(min_length=1)
    audiences: tuple[Audience, ...] = Field(min_length=1)
    cost_band: CostBand
    lead_time: LeadTime
    indicators: tuple[str, ...]
    mandates: tuple[str, ...] = Field(min_length=1)
    actions: dict[Audience, str]
    sdg_targets: tuple[str, ...] = Field(min_length=1)
    eligible: Eligibility | None = None
    builds: Builds | None = None
    tier_condition: str | None = None
    gender: bool = False
    #: proposed only where a Monitor signal points to it (no index indicator measures it)
    signal_only: bool = False

    @model_validator(mode="after")
    def _tiers(self) -> Intervention:
        if set(self.actions) != set(self.audiences):
            raise ValueError(
                "actions must give one text for each audience "
                f"({', '.join(a.value for a in self.audiences)})"
            )
        for a, text in self.actions.items():
            if len(text.split()) < 8:
                raise ValueError(f"actions.{a.value}: too short to be a recommendation")
        for t in self.sdg_targets:
            if not re.fullmatch(r"(1[0-7]|[1-9])\.([1-9][0-9]?|[a-d])", t):
                raise ValueError(f"sdg target {t!r} is not an SDG target code such as '9.c'")
        if self.target_tier <= self.min_tier:
            raise ValueError(
                f"target_tier {self.target_tier} must be above min_tier {self.min_tier}"
            )
        if self.bundle and self.min_tier != 0:
            raise ValueError("a minimum-irreducible-capacity bundle item must have min_tier 0")
        if self.id in self.prerequisites:
            raise ValueError("an intervention cannot be its own prerequisite")
        return self


class CatalogueModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    description: str = Field(min_length=20)
    cost_bands: dict[CostBand, str]
    cost_estimate: CostEstimate
    lead_times: dict[LeadTime, str]
    assets: dict[str, str]  # asset key -> words ("a national AI strategy")
    documents: tuple[Document, ...] = Field(min_length=1)
    areas: tuple[Area, ...] = Field(min_length=1)
    interventions: tuple[Intervention, ...] = Field(min_length=1)


class Catalogue:
    """A validated catalogue with its prerequisite DAG and resolved mandate paragraphs."""

    def __init__(self, model: CatalogueModel, mandates: MandateLibrary) -> None:
        self.model = model
        self.mandates = mandates
        self.areas = {a.id: a for a in model.areas}
        self.documents = {d.symbol: d for d in model.documents}
        self.items = {i.id: i for i in model.interventions}
        self.order = topological_order({i.id: tuple(i.prerequisites) for i in model.interventions})

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.model.interventions)

    def get(self, iid: str) -> Intervention:
        return self.items[iid]

    def pillars_of(self, iid: str) -> tuple[str, ...]:
        return self.areas[self.items[iid].area].pillars

    def ancestors(self, iid: str) -> list[str]:
        """Every direct and indirect prerequisite of ``iid`` (in topological order)."""
        seen: set[str] = set()
        stack = list(self.items[iid].prerequisites)
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(self.items[p].prerequisites)
        return [i for i in self.order if i in seen]

    def citations(self, iid: str, excerpt: int = 300) -> list[dict[str, Any]]:
        """The intervention's references, resolved, each with its ``role``
        (:func:`aicap.analysis.mandates.citation_role`): mandates first."""
        out = []
        for ref in self.items[iid].mandates:
            para = self.mandates.resolve(ref)
            doc = self.documents.get(para.symbol)
            rec = para.as_dict(excerpt)
            rec["role"] = citation_role(para, bool(doc and para.id in doc.origin_of))
            out.append(rec)
        order = {ROLE_MANDATE: 0, ROLE_ORIGIN: 1, ROLE_EVIDENCE: 2, ROLE_CONTEXT: 3}
        return sorted(out, key=lambda r: order.get(str(r["role"]), 4))

    def cost_range(self, iid: str) -> tuple[float, float]:
        """US$ million (low, high) of the intervention's cost band."""
        lo, hi = self.model.cost_estimate.bands[self.items[iid].cost_band]
        return float(lo), float(hi)

    def bundle(self) -> list[str]:
        """The minimum-irreducible-capacity bundle, in topological order."""
        return [i for i in self.order if self.items[i].bundle]


def topological_order(prereqs: Mapping[str, Iterable[str]]) -> list[str]:
    """Kahn's algorithm (ties broken by id, so the order is stable). Raises
    :class:`CatalogueError` naming the interventions on a cycle."""
    deps = {k: set(v) for k, v in prereqs.items()}
    indeg = {k: len(v) for k, v in deps.items()}
    children: dict[str, list[str]] = {k: [] for k in deps}
    for k, v in deps.items():
        for p in v:
            children.setdefault(p, []).append(k)
    ready = sorted(k for k, d in indeg.items() if d == 0)
    out: list[str] = []
    while ready:
        k = ready.pop(0)
        out.append(k)
        for c in children.get(k, []):
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
                ready.sort()
    if len(out) != len(deps):
        stuck = sorted(k for k, d in indeg.items() if d > 0)
        raise CatalogueError(f"prerequisite cycle among: {', '.join(stuck)}")
    return out


def validate(
    model: CatalogueModel, mandates: MandateLibrary, indicators: Collection[str] | None
) -> list[str]:
    """Every problem of the catalogue (empty when valid), cycles excepted (see
    :func:`topological_order`)."""
    problems: list[str] = []
    ids = [i.id for i in model.interventions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"duplicate intervention ids: {', '.join(dupes)}")
    areas = {a.id for a in model.areas}
    known = set(ids)
    if set(model.cost_bands) != set(CostBand) or set(model.lead_times) != set(LeadTime):
        problems.append("cost_bands and lead_times must define every band")
    for it in model.interventions:
        where = f"intervention {it.id}"
        if it.area not in areas:
            problems.append(f"{where}: unknown area {it.area!r}")
        for p in it.prerequisites:
            if p not in known:
                problems.append(f"{where}: unknown prerequisite {p!r}")
        if indicators is not None:
            for code in it.indicators:
                if code not in indicators:
                    problems.append(f"{where}: unknown indicator {code!r}")
        for ref in it.mandates:
            try:
                mandates.resolve(ref)
            except MandateError as exc:
                problems.append(f"{where}: mandate {exc}")
        if it.builds is not None and it.builds.asset not in model.assets:
            problems.append(f"{where}: builds unknown asset {it.builds.asset!r}")
        by_id = {i.id: i for i in model.interventions}
        for p in it.prerequisites:
            if p in by_id and by_id[p].min_tier > it.min_tier:
                problems.append(
                    f"{where}: prerequisite {p} needs tier {by_id[p].min_tier}, "
                    f"above this intervention's min_tier {it.min_tier}"
                )
    return problems


def citation_problems(model: CatalogueModel, mandates: MandateLibrary) -> list[str]:
    """The references that do not fit their intervention: a text the catalogue's
    ``documents`` does not describe; a text whose domains exclude the area's domain (a text
    limited to the non-military domain for a military-domain area); an intervention without one
    operative paragraph of an agreed text (``mandate`` status) to be "mandated by"; a report
    entry named as the origin of a proposal that the library does not hold."""
    problems: list[str] = []
    docs = {d.symbol: d for d in model.documents}
    areas = {a.id: a for a in model.areas}
    for d in model.documents:
        for pid in d.origin_of:
            if f"{d.symbol} {pid}" not in mandates:
                problems.append(f"documents {d.symbol}: origin_of names no paragraph {pid!r}")
    for it in model.interventions:
        where = f"intervention {it.id}"
        domain = areas[it.area].domain if it.area in areas else "civil"
        roles = []
        for ref in it.mandates:
            para = mandates.resolve(ref)
            doc = docs.get(para.symbol)
            if doc is None:
                problems.append(f"{where}: {ref!r}: {para.symbol} is not in the documents list")
                continue
            if domain not in doc.domains:
                problems.append(
                    f"{where}: {ref!r} does not fit the area {it.area!r} ({domain} domain): "
                    f"{para.symbol} covers the {'/'.join(doc.domains)} domain only"
                )
            roles.append(citation_role(para, para.id in doc.origin_of))
        if ROLE_MANDATE not in roles:
            problems.append(
                f"{where}: no operative paragraph of an agreed text (status 'mandate'): "
                "nothing can be cited as mandating it"
            )
    return problems


def parse_catalogue(
    data: Any,
    mandates: MandateLibrary,
    indicators: Collection[str] | None = None,
    label: str = "interventions.yaml",
) -> Catalogue:
    """Validate parsed YAML ``data``; ``indicators``: the known warehouse codes (None skips
    that check)."""
    try:
        model = CatalogueModel.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "interventions" and isinstance(loc[1], int):
                items = data.get("interventions", []) if isinstance(data, dict) else []
                iid = items[loc[1]].get("id", f"#{loc[1]}") if loc[1] < len(items) else loc[1]
                loc = [f"intervention {iid}", *loc[2:]]
            lines.append(f"{'.'.join(str(x) for x in loc)}: {err['msg']}")
        raise CatalogueError(f"{label}: " + "; ".join(lines)) from None
    problems = validate(model, mandates, indicators)
    if not problems:
        problems = citation_problems(model, mandates)
    if problems:
        raise CatalogueError(f"{label}: " + "; ".join(problems))
    try:
        return Catalogue(model, mandates)
    except CatalogueError as exc:
        raise CatalogueError(f"{label}: {exc}") from None


def load_catalogue(
    path: str | Path | None = None,
    mandates: MandateLibrary | str | Path | None = None,
    indicators: Collection[str] | None = None,
) -> Catalogue:
    """Read and validate the catalogue (default: the shipped one) against the mandate library
    (a :class:`MandateLibrary` or its folder; default: :func:`default_mandates_dir`)."""
    p = Path(path) if path is not None else default_catalogue_path()
    lib = mandates if isinstance(mandates, MandateLibrary) else MandateLibrary.load(mandates)
    try:
        data = yamlload.safe_load(p.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{p.name}: not valid YAML ({exc})") from None
    return parse_catalogue(data, lib, indicators, p.name)


def default_catalogue_path() -> Path:
    """The shipped ``catalogues/interventions.yaml`` (or ``AICAP_CATALOGUE``)."""
    import os

    env = os.environ.get("AICAP_CATALOGUE")
    if env:
        return Path(env)
    from aicap import resources

    return resources.path("catalogues/interventions.yaml")
