"""The uncertainty specification: which recipe parameters vary, and how, as validated data.

```yaml
name: asem-uncertainty
seed: 42
n: 10000                 # Monte Carlo replications
target: Index            # element whose score/rank is analysed (default: the top aggregate)
inputs:
  - {name: normalise, kind: normalise, alternatives: [{method: n_minmax, params: {l_u: [1, 100]}},
                                                      {method: n_zscore, params: {m_sd: [10, 2]}}]}
  - {name: aggregate, kind: aggregate, alternatives: [{method: a_amean}, {method: a_gmean}]}
  - {name: winmax, kind: winmax, values: [3, 5, 7]}
  - {name: exclude, kind: exclude, indicators: [Goods, Services]}  # none, or one of these
  - {name: keep, kind: include, indicators: [CO2, Renew], p_exclude: 0.2}  # each in or out
  - {name: w1, kind: weight_noise, levels: {1: 0.25}}                  # +-25 % at level 1
  - {name: w2, kind: dirichlet, levels: [2], concentration: 50}
```

Every input is one *factor* of the sensitivity analysis (a Sobol group): a discrete input is one
uniform coordinate mapped to one of its ``k`` alternatives (``floor(u k)``); a weight input is
one coordinate per element it perturbs, swapped together in the Saltelli design.
Errors read ``<label>: field <path>: <rule>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicap import yamlload
from aicap.index.errors import ValidationError
from aicap.index.recipe import _where
from aicap.index.registry import REGISTRY

DATA_KINDS = ("impute", "treat", "normalise")


class Alternative(BaseModel):
    """One alternative of a recipe step: a method, its parameters (and for ``aggregate``,
    per-level methods)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str
    params: dict[str, Any] = Field(default_factory=dict)
    levels: dict[int, dict[str, Any]] = Field(default_factory=dict)
    label: str | None = None

    def change(self) -> dict[str, Any]:
        """The recipe change this alternative makes to its step."""
        out: dict[str, Any] = {"method": self.method, "params": dict(self.params)}
        if self.levels:
            out["levels"] = {k: dict(v) for k, v in self.levels.items()}
        return out

    def name(self) -> str:
        if self.label:
            return self.label
        if not self.params:
            return self.method
        inner = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.method}({inner})"


class StepInput(BaseModel):
    """A discrete choice among alternatives of one recipe step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["impute", "treat", "normalise", "aggregate"]
    alternatives: tuple[Alternative, ...] = Field(min_length=1)


class WinmaxInput(BaseModel):
    """A discrete choice of the treat step's winsorisation limit ``winmax``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["winmax"]
    values: tuple[int, ...] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _non_negative(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(x < 0 for x in v):
            raise ValueError("winmax values must be >= 0")
        return v


class ExcludeInput(BaseModel):
    """A discrete choice: keep every indicator, or drop one of ``indicators`` (``k + 1``
    alternatives; with ``include_none: false`` one of them is always dropped)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["exclude"]
    indicators: tuple[str, ...] = Field(min_length=1)
    include_none: bool = True


class IncludeInput(BaseModel):
    """Each listed indicator is left out independently with probability ``p_exclude``
    (``2^m`` combinations). With ``separate: true`` (the default) every indicator is a factor
    of its own in the sensitivity analysis (``<name>:<code>``): its Sobol' indices say how much
    that one indicator's inclusion moves each country; ``separate: false`` makes the whole set
    one factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["include"]
    indicators: tuple[str, ...] = Field(min_length=1)
    p_exclude: float = Field(default=0.5, gt=0, lt=1)
    separate: bool = True

    @field_validator("indicators")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        dup = sorted({c for c in v if v.count(c) > 1})
        if dup:
            raise ValueError(f"indicator {dup[0]!r} is listed twice")
        return v


class WeightNoiseInput(BaseModel):
    """Uniform multiplicative noise on the weights: ``w (1 + f (2u - 1))`` for every element at
    each listed level (``{level: f}``, ``0 <= f < 1``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["weight_noise"]
    levels: dict[int, float] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _fractions(cls, v: dict[int, float]) -> dict[int, float]:
        for lev, f in v.items():
            if not 0 <= f < 1:
                raise ValueError(f"noise fraction {f} at level {lev} must be in [0, 1)")
        return v


class DirichletInput(BaseModel):
    """Weights within each group at the listed levels drawn from a Dirichlet distribution
    centred on the nominal within-group weights: ``Dir(concentration * w_nominal)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["dirichlet"]
    levels: tuple[int, ...] = Field(min_length=1)
    concentration: float = Field(gt=0)


Input = Annotated[
    StepInput | WinmaxInput | ExcludeInput | IncludeInput | WeightNoiseInput | DirichletInput,
    Field(discriminator="kind"),
]


class UncertaintySpec(BaseModel):
    """What varies, the seed, the number of replications and how the work is chunked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "uncertainty"
    seed: int = 0
    n: int = Field(default=1000, ge=1)
    sobol_n: int | None = Field(default=None, ge=2)
    #: random: NumPy's PCG64 stream; sobol: scrambled Sobol' points; counter: a counter-based
    #: SplitMix64 stream drawn on the backend's device (aicap.index.uncertainty.device)
    sampler: Literal["random", "sobol", "counter"] = "random"
    target: str | None = None
    output: Literal["rank", "score"] = "rank"
    chunk_size: int | None = Field(default=None, ge=1)
    pairwise: bool = True
    bootstrap: int = Field(default=100, ge=2)
    conf_level: float = Field(default=0.95, gt=0, lt=1)
    #: Sobol': the largest share of failed runs accepted (above it the analysis refuses: the
    #: indices would describe the successful runs only)
    sobol_max_failed: float = Field(default=0.05, ge=0, le=1)
    inputs: tuple[Input, ...] = Field(min_length=1)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], label: str = "uncertainty") -> UncertaintySpec:
        if not isinstance(data, Mapping):
            raise ValidationError(label, "", "an uncertainty spec must be a mapping with 'inputs'")
        try:
            spec = cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(x for x in err["loc"] if not _is_tag(x))
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ValidationError(label, _where(data, loc), msg) from None
        check_spec(spec, label)
        return spec

    @classmethod
    def from_yaml(cls, text: str, label: str = "uncertainty.yaml") -> UncertaintySpec:
        try:
            data = yamlload.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(label, "", f"not valid YAML ({exc})") from None
        return cls.from_dict(data if data is not None else {}, label)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def _is_tag(x: Any) -> bool:
    kinds = ("impute", "treat", "normalise", "aggregate", "winmax", "exclude", "include")
    return isinstance(x, str) and x in (*kinds, "weight_noise", "dirichlet")


def check_spec(spec: UncertaintySpec, label: str) -> None:
    """Unique input names, one input per step, known methods."""
    seen: set[str] = set()
    steps: dict[str, int] = {}
    for k, inp in enumerate(spec.inputs):
        loc = f"field inputs[{k}] ({inp.kind})"
        if inp.name in seen:
            raise ValidationError(label, f"{loc}.name", f"duplicate input name {inp.name!r}")
        seen.add(inp.name)
        keys: list[str] = ["treat" if inp.kind == "winmax" else str(inp.kind)]
        if isinstance(inp, WeightNoiseInput | DirichletInput):
            keys = [f"weights at level {lev}" for lev in inp.levels]
        elif isinstance(inp, IncludeInput):
            keys = [f"the inclusion of {c}" for c in inp.indicators]
        for key in keys:
            if key in steps:
                raise ValidationError(
                    label,
                    loc,
                    f"inputs[{steps[key]}] already varies {key}; one input per step or "
                    "weight level (give every alternative in one list)",
                )
            steps[key] = k
        if isinstance(inp, StepInput):
            if inp.kind == "aggregate":
                for j, alt in enumerate(inp.alternatives):
                    names = [alt.method, *(str(v.get("method")) for v in alt.levels.values())]
                    for m in names:
                        if m == "None":
                            continue
                        meth = REGISTRY.get("aggregate", m, label, f"{loc}.alternatives[{j}]")
                        if meth.name == "copeland":
                            raise ValidationError(
                                label,
                                f"{loc}.alternatives[{j}].method",
                                "copeland is not a mean and cannot be batched over weights; "
                                "use amean, gmean, hmean or genmean",
                            )
            else:
                for j, alt in enumerate(inp.alternatives):
                    REGISTRY.get(inp.kind, alt.method, label, f"{loc}.alternatives[{j}].method")
    if spec.sobol_n is not None and spec.sobol_n & (spec.sobol_n - 1):
        raise ValidationError(
            label, "field sobol_n", f"sobol_n {spec.sobol_n} must be a power of 2 (Sobol' balance)"
        )
