"""The tier rule of the framework as validated data (``frameworks/aicap.yaml``, ``tiers:``):
A/79/966's maturity tiers as conditions on pillar scores and asset registers, each condition a
capacity (foundation) or an enabler, with the citations and the wordings of a tier as stated
(:mod:`aicap.analysis.tier_statement`). Split from :mod:`aicap.analysis.spec`, which
re-exports these names."""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aicap.analysis.assets import ASSETS


class TierCitation(BaseModel):
    """The A/79/966 text a tier condition comes from. A/79/966 is a Secretary-General's *report*
    (``status: report`` in the mandate library): cited as the origin of the tier scale, never as
    a mandate. ``entry`` is an entry id of ``mandates/A-79-966.yaml`` (its paragraph numbers are
    not known)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: Literal["A/79/966"] = "A/79/966"
    status: Literal["report"] = "report"
    entry: str
    quote: str = Field(min_length=5)


class TierMeasure(BaseModel):
    """How a condition is measured: an asset of :mod:`aicap.analysis.assets` (``asset``; a
    ``presence`` asset is met when ``yes``; a ``measure`` asset compares its value with ``min``
    or ``max``), a pillar score (``pillar`` with ``min``), or any of several measures
    (``any_of``: met when one is met, not met when all are not met, otherwise unknown)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asset: str | None = None
    pillar: str | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    any_of: tuple[TierMeasure, ...] | None = None
    # a pillar measure without these indicators (the pillar recomputed from the others)
    exclude: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The column a pillar measure reads: the pillar code, or ``PILLAR-without-a-b``."""
        if self.pillar is None:
            return ""
        return self.pillar + "".join(f"-without-{e}" for e in self.exclude)

    @model_validator(mode="after")
    def _one(self) -> TierMeasure:
        kinds = [k for k in (self.asset, self.pillar, self.any_of) if k is not None]
        if len(kinds) != 1:
            raise ValueError("a measure names exactly one of 'asset', 'pillar' or 'any_of'")
        if self.pillar is not None and self.min is None:
            raise ValueError(f"pillar measure {self.pillar!r} needs 'min'")
        if self.min is not None and self.max is not None:
            raise ValueError("give 'min' or 'max', not both")
        if self.exclude and self.pillar is None:
            raise ValueError("'exclude' applies to a pillar measure only")
        return self


def _assets_of(m: TierMeasure) -> list[str]:
    return ([m.asset] if m.asset else []) + [a for sub in m.any_of or () for a in _assets_of(sub)]


def _bounded(m: TierMeasure, asset: str) -> bool:
    if m.asset == asset:
        return m.min is not None or m.max is not None
    return all(_bounded(sub, asset) for sub in m.any_of or () if asset in _assets_of(sub))


class TierCondition(BaseModel):
    """One condition of the tier rule, in A/79/966's terms, with its measure and reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    cites: tuple[TierCitation, ...] = Field(min_length=1)
    measure: TierMeasure
    reason: str = Field(min_length=40)  # why this measure and threshold
    needs: str = Field(min_length=5)  # what is missing, in natural units ("a national AI strategy")
    interventions: tuple[str, ...] = ()  # catalogue ids (catalogues/interventions.yaml)
    required: bool = True  # False: reported as evidence, never decides a tier
    coverage: str = Field(min_length=10)  # what the source covers; where it is unknown
    # "capacity": a foundation (compute, a pillar floor, models); "enabler": an institutional
    # step (a strategy, an AI body). A country's capacity level is the tier its capacity
    # conditions alone reach; an enabler that holds it below that level is named.
    role: Literal["capacity", "enabler"]
    # enabler: what the tier statement says when it is not met ("no adopted national AI ...")
    absent: str | None = Field(default=None, min_length=5)

    @model_validator(mode="after")
    def _absent(self) -> TierCondition:
        if self.role == "enabler" and self.absent is None:
            raise ValueError(f"condition {self.code!r}: an enabler needs 'absent'")
        if self.role == "capacity" and self.absent is not None:
            raise ValueError(f"condition {self.code!r}: 'absent' is for enablers only")
        return self


#: The placeholders each tier statement must use, exactly (``statements:`` of the tier rule).
STATEMENT_FIELDS: dict[str, frozenset[str]] = {
    "held": frozenset({"tier", "count", "held", "capacity"}),
    "held_capacity_range": frozenset(
        {"tier", "count", "held", "capacity", "capacity_high", "unknown"}
    ),
    "range": frozenset({"range", "unknown"}),
    "range_capacity": frozenset({"range", "unknown", "capacity"}),
    "one_condition": frozenset(),
    "n_conditions": frozenset({"n"}),
    "not_assessed": frozenset({"condition"}),
}


class TierStatements(BaseModel):
    """How a country's tier is stated when A/79/966's name for it would contradict the
    evidence: the tier held below the country's capacity level by an enabler (``held``; with
    ``held_capacity_range`` when a capacity condition is not assessed), or a tier that depends
    on a condition not assessed (``range``; ``range_capacity`` when the capacity conditions
    alone reach a higher tier). The tier's own label (``Tier 0: AI nascent``) is used only when
    the tier is proven and the capacity conditions reach exactly that tier. Each wording is an
    English msgid of the ``report`` gettext domain, with exactly the placeholders of
    :data:`STATEMENT_FIELDS`; none may contain "; " (generated text is split there)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    held: str
    held_capacity_range: str
    range: str
    range_capacity: str
    one_condition: str
    n_conditions: str
    not_assessed: str

    @model_validator(mode="after")
    def _fields(self) -> TierStatements:

        for key, want in STATEMENT_FIELDS.items():
            text = str(getattr(self, key))
            try:
                got = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            except ValueError as exc:
                raise ValueError(f"statements.{key}: {exc}") from exc
            if got != want:
                raise ValueError(
                    f"statements.{key}: placeholders must be exactly {sorted(want)}; "
                    f"got {sorted(got)}"
                )
            if "; " in text:
                raise ValueError(f"statements.{key}: no '; ' inside a statement")
        return self


class TierSpec(BaseModel):
    """One maturity tier and the conditions it adds. Tiers are cumulative: tier k needs every
    condition of tiers 1..k."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tier: int = Field(ge=0, le=4)
    label: str
    name: str | None = None  # A/79/966's name where known
    name_source: str
    description: str
    conditions: tuple[str, ...] = ()  # condition codes this tier adds


class TierRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=20)
    source_note: str = Field(min_length=20)
    near_boundary_probability: float = Field(default=0.9, gt=0.5, lt=1)
    replications: int = Field(default=2000, ge=100)
    seed: int = 17
    conditions: tuple[TierCondition, ...]
    tiers: tuple[TierSpec, ...]
    statements: TierStatements

    @model_validator(mode="after")
    def _ordered(self) -> TierRule:
        numbers = [t.tier for t in self.tiers]
        if numbers != list(range(len(numbers))) or len(numbers) != 5:
            raise ValueError(f"tiers must be 0, 1, 2, 3, 4 in order; got {numbers}")
        if self.tiers[0].conditions:
            raise ValueError("tier 0 has no conditions (every country is at least tier 0)")
        codes = [c.code for c in self.conditions]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate condition code(s) in {codes}")
        used: list[str] = []
        for t in self.tiers:
            for c in t.conditions:
                if c not in codes:
                    raise ValueError(f"tier {t.tier}: unknown condition {c!r}")
                used.append(c)
        if len(set(used)) != len(used):
            raise ValueError("a condition belongs to one tier only (tiers are cumulative)")
        for cond in self.conditions:
            for a in _assets_of(cond.measure):
                if a not in ASSETS:
                    raise ValueError(f"condition {cond.code!r}: unknown asset {a!r}")
                if ASSETS[a]["kind"] == "measure" and not _bounded(cond.measure, a):
                    raise ValueError(
                        f"condition {cond.code!r}: measure asset {a!r} needs min or max"
                    )
        for t in self.tiers[1:]:
            if not any(self.condition(c).required for c in t.conditions):
                raise ValueError(f"tier {t.tier} has no required condition")
        return self

    def condition(self, code: str) -> TierCondition:
        for c in self.conditions:
            if c.code == code:
                return c
        raise KeyError(code)

    def tier_of(self, code: str) -> int:
        """The tier a condition belongs to (0 when reported by no tier)."""
        for t in self.tiers:
            if code in t.conditions:
                return t.tier
        return 0

    def variants(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Pillar measures that leave indicators out: key -> (pillar, excluded indicators)."""
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        for c in self.conditions:
            m = c.measure
            if m.pillar and m.exclude:
                out[m.key] = (m.pillar, m.exclude)
        return out

    def pillars_used(self) -> set[str]:
        out: set[str] = set()

        def walk(m: TierMeasure) -> None:
            if m.pillar:
                out.add(m.pillar)
            for sub in m.any_of or ():
                walk(sub)

        for c in self.conditions:
            walk(c.measure)
        return out
