"""The intervention catalogue: AI capacity-building interventions as validated data.

``catalogues/interventions.yaml`` lists areas (each tied to the index pillars it serves) and
interventions, each with its tiers, prerequisites (a DAG), cooperation modality, provider types,
cost band, lead time, the warehouse indicators it moves and the mandate paragraphs that call for
it. :func:`load_catalogue` checks everything at load time: the fields (pydantic, no extra or
missing keys), unknown areas, prerequisites and indicators, cycles among prerequisites, tiers,
and that every mandate reference resolves to a paragraph of the mandate library.

>>> cat = load_catalogue(default_catalogue_path(), MandateLibrary.load(), {"IT.NET.BBND.P2"})
...     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aicap.analysis.mandates import MandateError, MandateLibrary


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

    @model_validator(mode="after")
    def _tiers(self) -> Intervention:
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
    lead_times: dict[LeadTime, str]
    areas: tuple[Area, ...] = Field(min_length=1)
    interventions: tuple[Intervention, ...] = Field(min_length=1)


class Catalogue:
    """A validated catalogue with its prerequisite DAG and resolved mandate paragraphs."""

    def __init__(self, model: CatalogueModel, mandates: MandateLibrary) -> None:
        self.model = model
        self.mandates = mandates
        self.areas = {a.id: a for a in model.areas}
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
        by_id = {i.id: i for i in model.interventions}
        for p in it.prerequisites:
            if p in by_id and by_id[p].min_tier > it.min_tier:
                problems.append(
                    f"{where}: prerequisite {p} needs tier {by_id[p].min_tier}, "
                    f"above this intervention's min_tier {it.min_tier}"
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
        data = yaml.safe_load(p.read_text("utf-8"))
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
