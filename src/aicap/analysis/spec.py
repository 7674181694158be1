"""The aicap index framework as validated data (``frameworks/aicap.yaml``).

The file is a document an analyst reads: pillars (A/79/966 foundations and enablers), each
indicator with its concept, warehouse series, unit, direction, transformation, fixed goalposts
with their basis, data window and rationale; the tier rule; the yearly series; the validation
targets. :class:`IndexSpec` validates it (pydantic plus rules: licences are open, every
indicator has a rationale, no validation target is an input) and turns it into the engine's
:class:`~aicap.index.Framework` and :class:`~aicap.index.Recipe`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicap import yamlload
from aicap.analysis.tier_spec import (  # re-exported: the tier rule is part of the framework
    STATEMENT_FIELDS as STATEMENT_FIELDS,
)
from aicap.analysis.tier_spec import (
    TierCitation as TierCitation,
)
from aicap.analysis.tier_spec import (
    TierCondition as TierCondition,
)
from aicap.analysis.tier_spec import (
    TierMeasure as TierMeasure,
)
from aicap.analysis.tier_spec import (
    TierRule as TierRule,
)
from aicap.analysis.tier_spec import (
    TierSpec as TierSpec,
)
from aicap.analysis.tier_spec import (
    TierStatements as TierStatements,
)
from aicap.index import Framework, Recipe

INDEX_CODE = "AICAP"
Transform = Literal["none", "log10", "log10p1"]
Basis = Literal["natural", "published", "pooled_percentile", "policy"]


class SpecError(ValueError):
    """The framework file breaks a rule; the message names the file, the field and the rule."""


class PerCapita(BaseModel):
    """Divide by a same-year denominator series (e.g. population), times ``scale``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    denominator: str
    scale: float = 1.0


class Goalposts(BaseModel):
    """Fixed lower and upper goalposts in the indicator's unit (after per-capita, before the
    transformation), with the reason for them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lower: float
    upper: float
    basis: Basis
    note: str = Field(min_length=10)
    # for basis pooled_percentile: which percentiles (None = the natural bound given) of the
    # pooled Member State values in ``years`` the goalposts were computed from, once
    percentiles: tuple[float | None, float | None] | None = None
    years: tuple[int, int] = (2015, 2024)

    @model_validator(mode="after")
    def _ordered(self) -> Goalposts:
        if not self.lower < self.upper:
            raise ValueError(f"goalposts lower {self.lower} must be < upper {self.upper}")
        if self.basis == "pooled_percentile" and self.percentiles is None:
            raise ValueError("pooled_percentile goalposts must name their 'percentiles'")
        return self


class MethodBreak(BaseModel):
    """The source changed its method: values before ``year`` are not comparable with values
    from ``year`` on, so no trend is claimed across the break."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    note: str = Field(min_length=10)


ScreenCheck = Literal["bounds", "jump", "outlier"]
ActOn = Literal["jump_and_outlier", "jump_or_outlier", "jump", "outlier", "never"]


class ScreenSpec(BaseModel):
    """The plausibility screen of one indicator (values after per capita, before rolling sums,
    zero fill and the transformation).

    * ``bounds``: what the indicator's definition allows (a share is 0-100 %); a value outside
      is impossible and always dropped;
    * ``jump``: a value further than ``jump`` times the goalpost range (on the transformed
      scale) from the median of the country's own previous observations in ``jump_window``
      years (at least ``jump_min_prior`` of them) is a jump;
    * ``outlier_z``: a robust z-score (median and MAD of the pooled Member State values in the
      goalpost years, transformed scale) beyond this is an outlier across countries;
    * ``act_on`` names which flagged values the ``action`` applies to (the others are only
      flagged): ``drop`` removes the value (the country's previous value is carried as for any
      missing year), ``cap`` clamps it to the edge of the plausible range it broke.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    bounds: tuple[float | None, float | None] | None = None
    jump: float | None = Field(default=None, gt=0)
    jump_window: int = Field(default=5, ge=1)
    jump_min_prior: int = Field(default=2, ge=1)
    outlier_z: float | None = Field(default=None, gt=0)
    act_on: ActOn = "jump_and_outlier"
    action: Literal["drop", "cap"] = "drop"
    note: str | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ScreenSpec:
        if self.bounds is not None:
            lo, hi = self.bounds
            if lo is not None and hi is not None and not lo < hi:
                raise ValueError(f"screen bounds {lo} must be < {hi}")
        return self


class ScreenDefaults(BaseModel):
    """The framework-wide plausibility rule (``plausibility:``): its text and the defaults every
    indicator's ``screen:`` starts from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=40)
    defaults: ScreenSpec


class ZeroRule(BaseModel):
    """What a zero and a missing value mean for one indicator (``zeros:``).

    * ``zero``: ``measured`` (a reported 0 is a measurement) or ``exhaustive_source`` (the
      source lists every case, so a country it does not list has none of them);
    * ``unlisted``: what a country-year the source does not list reads as: ``missing`` (never
      zero) or ``zero`` (only with an exhaustive source);
    * ``zero_needs_pillar``: an unlisted zero counts only where the country has at least this
      many *other* indicators of the pillar with a value in the year (a system measured by
      other indicators); elsewhere the cell is missing (``missing:not_listed``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    zero: Literal["measured", "exhaustive_source"] = "measured"
    unlisted: Literal["missing", "zero"] = "missing"
    zero_needs_pillar: int = Field(default=0, ge=0)
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ZeroRule:
        if self.unlisted == "zero" and self.zero != "exhaustive_source":
            raise ValueError("an unlisted country reads as zero only with an exhaustive source")
        if self.unlisted == "zero" and not self.note:
            raise ValueError("a zero for unlisted countries needs a 'note' justifying it")
        return self


class IndicatorSpec(BaseModel):
    """One indicator of the aicap index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    pillar: str
    series: str  # warehouse indicator code
    concept: str = Field(min_length=10)
    unit: str
    direction: Literal[1, -1] = 1
    per_capita: PerCapita | None = None
    rolling_sum: int | None = Field(default=None, ge=2)  # sum over the last k years
    zero_fill: bool = False  # no record means zero (e.g. no notable model listed)
    transform: Transform = "none"
    goalposts: Goalposts
    max_age: int | None = Field(default=None, ge=0)  # years; default from window
    weight: float = Field(default=1.0, gt=0)
    rationale: str = Field(min_length=40)
    caveats: str | None = None
    screen: ScreenSpec | None = None  # overrides of the framework's plausibility defaults
    zeros: ZeroRule = ZeroRule()
    method_break: MethodBreak | None = None

    @model_validator(mode="after")
    def _zero_rule(self) -> IndicatorSpec:
        if self.zero_fill != (self.zeros.unlisted == "zero"):
            raise ValueError(
                f"indicator {self.code!r}: zero_fill must match zeros.unlisted == 'zero'"
            )
        return self


class PillarSpec(BaseModel):
    """A pillar: foundations or enablers of A/79/966, with its data-availability threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str
    group: str
    a79966: str = Field(min_length=5)  # what of A/79/966 it stands for
    dat_thresh: float = Field(gt=0, le=1)  # share of its indicators needed (after the window)
    weight: float = Field(default=1.0, gt=0)
    rationale: str = Field(min_length=40)


class GroupSpec(BaseModel):
    """Foundations or enablers (level 3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str
    weight: float = Field(gt=0)
    rationale: str = Field(min_length=20)


class SeriesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=1990)
    end: int | Literal["latest"] = "latest"
    change_noise_z: float = Field(default=1.96, gt=0)
    rationale: str = Field(min_length=20)


class WindowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_age: int = Field(ge=0)
    rationale: str = Field(min_length=20)


class ValidationTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    name: str
    year: int
    licence_note: str


class IndexSpec(BaseModel):
    """The whole ``frameworks/aicap.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    version: str
    description: str
    window: WindowSpec
    series: SeriesSpec
    plausibility: ScreenDefaults | None = None
    allowed_licences: tuple[str, ...]
    excluded_sources: dict[str, str] = Field(default_factory=dict)  # series -> reason
    validation_targets: tuple[ValidationTarget, ...]
    groups: tuple[GroupSpec, ...]
    pillars: tuple[PillarSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    tiers: TierRule

    @field_validator("allowed_licences")
    @classmethod
    def _no_nc(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for lic in v:
            if re.search(r"\bNC\b|non-?commercial", lic, re.IGNORECASE):
                raise ValueError(f"licence pattern {lic!r} is not open (non-commercial)")
        return v

    @model_validator(mode="after")
    def _structure(self) -> IndexSpec:
        groups = {g.code for g in self.groups}
        pillars = {p.code for p in self.pillars}
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            dup = sorted({c for c in codes if codes.count(c) > 1})
            raise ValueError(f"duplicate indicator code(s) {dup}")
        for p in self.pillars:
            if p.group not in groups:
                raise ValueError(f"pillar {p.code!r}: unknown group {p.group!r}")
        for i in self.indicators:
            if i.pillar not in pillars:
                raise ValueError(f"indicator {i.code!r}: unknown pillar {i.pillar!r}")
        for p in self.pillars:
            if not any(i.pillar == p.code for i in self.indicators):
                raise ValueError(f"pillar {p.code!r} has no indicator")
        targets = {t.series for t in self.validation_targets}
        for i in self.indicators:
            if i.series in targets:
                raise ValueError(
                    f"indicator {i.code!r}: {i.series} is a validation target, never an input"
                )
            if i.series in self.excluded_sources:
                raise ValueError(
                    f"indicator {i.code!r}: {i.series} is excluded "
                    f"({self.excluded_sources[i.series]})"
                )
        for i in self.indicators:
            others = sum(1 for j in self.indicators if j.pillar == i.pillar) - 1
            if i.zeros.zero_needs_pillar > others:
                raise ValueError(
                    f"indicator {i.code!r}: zeros.zero_needs_pillar {i.zeros.zero_needs_pillar} "
                    f"exceeds the {others} other indicators of pillar {i.pillar!r}"
                )
        for code in sorted(self.tiers.pillars_used()):
            if code not in pillars:
                raise ValueError(f"tier rule: unknown pillar {code!r} in a condition's measure")
        for cond in self.tiers.conditions:
            m = cond.measure
            for e in m.exclude:
                if e not in codes or self.indicator(e).pillar != m.pillar:
                    raise ValueError(
                        f"tier condition {cond.code!r}: {e!r} is not an indicator of {m.pillar}"
                    )
        return self

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], label: str = "aicap.yaml") -> IndexSpec:
        try:
            return cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise SpecError(f"{label}: field {where or '(top)'}: {msg}") from None

    @classmethod
    def from_yaml(cls, text: str, label: str = "aicap.yaml") -> IndexSpec:
        try:
            data = yamlload.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{label}: not valid YAML ({exc})") from None
        if not isinstance(data, Mapping):
            raise SpecError(f"{label}: the framework must be a mapping")
        return cls.from_dict(data, label)

    @classmethod
    def load(cls, path: str | Path) -> IndexSpec:
        p = Path(path)
        return cls.from_yaml(p.read_text(encoding="utf-8"), str(p))

    # ------------------------------------------------------------------ derived
    @property
    def pillar_codes(self) -> list[str]:
        return [p.code for p in self.pillars]

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def indicator(self, code: str) -> IndicatorSpec:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def pillar(self, code: str) -> PillarSpec:
        for p in self.pillars:
            if p.code == code:
                return p
        raise KeyError(code)

    def indicators_of(self, pillar: str) -> list[IndicatorSpec]:
        return [i for i in self.indicators if i.pillar == pillar]

    def screen_of(self, ind: IndicatorSpec) -> ScreenSpec | None:
        """The indicator's plausibility screen: the framework's defaults overridden by the
        fields its own ``screen:`` sets; None when the framework has no ``plausibility:``."""
        if self.plausibility is None:
            return None
        base = self.plausibility.defaults.model_dump()
        if ind.screen is not None:
            base.update(ind.screen.model_dump(exclude_unset=True))
        return ScreenSpec.model_validate(base)

    def max_age(self, ind: IndicatorSpec) -> int:
        return self.window.max_age if ind.max_age is None else ind.max_age

    def input_series(self) -> list[str]:
        """Warehouse series read by the index (indicators and denominators)."""
        out = [i.series for i in self.indicators]
        out += [i.per_capita.denominator for i in self.indicators if i.per_capita]
        return list(dict.fromkeys(out))

    def check_licences(self, licences: Mapping[str, str]) -> None:
        """Every input series must carry an allowed (open) licence; ``licences`` maps series
        codes to the licence recorded in the warehouse."""
        for s in self.input_series():
            lic = licences.get(s)
            if lic is None:
                raise SpecError(f"series {s} is not in the warehouse")
            if re.search(r"\bNC\b|non-?commercial", lic, re.IGNORECASE) or not any(
                lic.startswith(a) for a in self.allowed_licences
            ):
                raise SpecError(
                    f"series {s} has licence {lic!r}, not one of the open licences allowed "
                    f"({', '.join(self.allowed_licences)})"
                )

    def transformed_goalposts(self, ind: IndicatorSpec) -> tuple[float, float]:
        g = ind.goalposts
        return (apply_transform(g.lower, ind.transform), apply_transform(g.upper, ind.transform))

    def framework(self) -> Framework:
        """The engine framework: indicators (transformed goalposts) -> pillars -> foundations /
        enablers -> AICAP."""
        inds = [
            {
                "code": i.code,
                "name": i.name,
                "parent": i.pillar,
                "direction": i.direction,
                "weight": i.weight,
                "unit": i.unit + ("" if i.transform == "none" else f" ({i.transform})"),
                "goalposts": list(self.transformed_goalposts(i)),
            }
            for i in self.indicators
        ]
        aggs: list[dict[str, Any]] = [
            {"code": p.code, "name": p.name, "parent": p.group, "weight": p.weight, "level": 2}
            for p in self.pillars
        ]
        aggs += [
            {"code": g.code, "name": g.name, "parent": INDEX_CODE, "weight": g.weight, "level": 3}
            for g in self.groups
        ]
        aggs.append({"code": INDEX_CODE, "name": self.title, "level": 4})
        return Framework.from_dict(
            {"name": INDEX_CODE, "indicators": inds, "aggregates": aggs}, "frameworks/aicap.yaml"
        )

    def recipe(self, year: int) -> Recipe:
        """Own-country panel fill within the window, fixed goalposts (0-100, truncated), weighted
        arithmetic means with each pillar's data-availability threshold; foundations, enablers
        and the index need every one of their children."""
        impute_overrides = {
            i.code: {"params": {"max_time": self.max_age(i)}}
            for i in self.indicators
            if self.max_age(i) != self.window.max_age
        }
        agg_overrides: dict[str, Any] = {
            p.code: {"params": {"dat_thresh": p.dat_thresh}} for p in self.pillars
        }
        return Recipe.from_dict(
            {
                "name": f"{self.name}-{self.version}",
                "time": year,
                "steps": [
                    {
                        "step": "impute",
                        "method": "panel_latest",
                        "params": {"max_time": self.window.max_age},
                        "overrides": impute_overrides,
                    },
                    {
                        "step": "normalise",
                        "method": "n_goalposts",
                        "params": {"scale": 100.0, "trunc2posts": True},
                    },
                    {
                        "step": "aggregate",
                        "method": "a_amean",
                        "params": {"dat_thresh": 1.0},
                        "overrides": agg_overrides,
                    },
                ],
            },
            "aicap recipe",
        )


def apply_transform(x: Any, transform: Transform) -> Any:
    """The fixed (data-independent) transformation of a value or array."""
    import numpy as np

    if transform == "none":
        return x
    arr = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "log10":
            out = np.where(arr > 0, np.log10(np.where(arr > 0, arr, 1.0)), np.nan)
        else:  # log10p1
            out = np.where(arr >= 0, np.log10(1.0 + np.where(arr >= 0, arr, 0.0)), np.nan)
    if np.ndim(x) == 0:
        return float(out)
    return out


def default_framework_path() -> Path:
    """``frameworks/aicap.yaml`` as shipped: inside the installed package, else in the source
    tree (:func:`aicap.resources.path`)."""
    from aicap import resources

    return resources.path("frameworks/aicap.yaml")
