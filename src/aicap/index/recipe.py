"""A recipe: the construction steps of an index, each naming its method and parameters, as data.

Recipes are validated against the method registry (an unknown method fails here, listing the
valid ones), serialise to YAML and JSON and back, and can be changed step by step
(:meth:`Recipe.with_changes`) for a rebuild.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from aicap import yamlload
from aicap.index.errors import ValidationError
from aicap.index.registry import REGISTRY, Method

StepName = Literal["denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate"]

STAGE_OF: dict[str, str] = {
    "denominate": "denominated",
    "impute": "imputed",
    "screen": "screened",
    "treat": "treated",
    "normalise": "normalised",
    "weight": "weighted",
    "aggregate": "aggregated",
}

# parameters the frame layer consumes itself (not passed to the method function)
FRAME_PARAMS: dict[str, frozenset[str]] = {
    "denominate": frozenset({"by", "scale"}),
    "impute": frozenset({"group", "time_col"}),
    "screen": frozenset({"force"}),
    "treat": frozenset(),
    "normalise": frozenset({"ref", "goalposts", "target", "transform_posts"}),
    "weight": frozenset(),
    "aggregate": frozenset({"dat_thresh"}),
}


class Override(BaseModel):
    """Per-element change of a step: another method and/or other parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Step(BaseModel):
    """One construction step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: StepName
    method: str
    params: dict[str, Any] = Field(default_factory=dict)
    overrides: dict[str, Override] = Field(default_factory=dict)
    levels: dict[int, Override] = Field(default_factory=dict)

    @property
    def stage(self) -> str:
        return STAGE_OF[self.step]

    def spec_for(self, code: str, level: int | None = None) -> tuple[str, dict[str, Any]]:
        """Method and parameters for one element: step < level < element override.

        Overrides *merge* into the step's parameters: a level or element override keeps every
        parameter of the step (``dat_thresh``, an imputation ``group``...) and adds or replaces
        the ones it names. When an override names another method, inherited parameters that
        method does not take (e.g. the step's ``l_u`` for ``n_dist2targ``) stay with the
        step's method; the frame-level ones (:data:`FRAME_PARAMS`) always carry over.
        """
        method, params = self.method, dict(self.params)
        own: set[str] = set()
        changed = False
        for ov in (self.levels.get(level) if level is not None else None, self.overrides.get(code)):
            if ov is None:
                continue
            if ov.method is not None:
                method, own, changed = ov.method, set(), True
            params.update(ov.params)
            own |= set(ov.params)
        if changed:
            accepted = accepted_params(REGISTRY.get(self.step, method))
            if accepted is not None:
                params = {k: v for k, v in params.items() if k in accepted or k in own}
        return method, params

    def groups(
        self, codes: Sequence[str], levels: Mapping[str, int] | None = None
    ) -> list[tuple[str, dict[str, Any], list[str]]]:
        """Elements grouped by identical (method, params), in first-seen order."""
        out: list[tuple[str, dict[str, Any], list[str]]] = []
        keys: dict[str, int] = {}
        for c in codes:
            m, p = self.spec_for(c, levels.get(c) if levels else None)
            key = json.dumps([REGISTRY.canonical(self.step, m), p], sort_keys=True, default=str)
            if key not in keys:
                keys[key] = len(out)
                out.append((m, p, []))
            out[keys[key]][2].append(c)
        return out


class Recipe(BaseModel):
    """An ordered list of steps (data steps in any order; weight then aggregate last)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "recipe"
    time: int | None = None
    steps: tuple[Step, ...]

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], label: str = "recipe") -> Recipe:
        if not isinstance(data, Mapping):
            raise ValidationError(label, "", "a recipe must be a mapping with 'steps'")
        try:
            rec = cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            where = _where(data, tuple(err["loc"]))
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ValidationError(label, where, msg) from None
        check_recipe(rec, label)
        return rec

    @classmethod
    def from_yaml(cls, text: str, label: str = "recipe.yaml") -> Recipe:
        try:
            data = yamlload.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(label, "", f"not valid YAML ({exc})") from None
        return cls.from_dict(data if data is not None else {}, label)

    @classmethod
    def from_json(cls, text: str, label: str = "recipe.json") -> Recipe:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(label, "", f"not valid JSON ({exc})") from None
        return cls.from_dict(data, label)

    def to_dict(self) -> dict[str, Any]:
        d = self.model_dump(mode="json")
        for s in d["steps"]:
            for key in ("overrides", "levels"):
                if not s[key]:
                    del s[key]
        if d["time"] is None:
            del d["time"]
        return d

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    # ------------------------------------------------------------------ access and change
    def step(self, name: str) -> Step | None:
        for s in self.steps:
            if s.step == name:
                return s
        return None

    def with_changes(
        self, changes: Mapping[str, Mapping[str, Any]], label: str = "changes"
    ) -> Recipe:
        """A new recipe with some steps changed, e.g. ``{"normalise": {"method": "n_prank"}}``.

        A change is merged into the step: ``params`` are updated key by key, also when the
        method changes (as when a COINr log entry is edited and regenerated: the other
        arguments stay), except that the step's old parameters the new method does not take
        are dropped (``n_minmax``'s ``l_u`` when switching to ``n_prank``); an imputation
        ``group`` or an aggregation ``dat_thresh`` always stays. A step not in the recipe is
        added at its usual place. ``{"impute": None}`` removes a step.
        """
        steps = [s.model_dump() for s in self.steps]
        names = [s["step"] for s in steps]
        for name, change in changes.items():
            if change is None:
                if name in names:
                    del steps[names.index(name)]
                    names.remove(name)
                continue
            if name in names:
                cur = steps[names.index(name)]
                new = copy.deepcopy(cur)
                ch = dict(change)
                for key, val in ch.items():
                    if key == "params":
                        new["params"].update(val or {})
                    else:
                        new[key] = val
                if "method" in ch and ch["method"] != cur["method"]:
                    m = REGISTRY.get(name, str(ch["method"]), label, f"{name}.method")
                    accepted = accepted_params(m)
                    given = set((ch.get("params") or {}).keys())
                    if accepted is not None:
                        new["params"] = {
                            k: v for k, v in new["params"].items() if k in accepted or k in given
                        }
                steps[names.index(name)] = new
            else:
                order = list(STAGE_OF)
                pos = sum(1 for n in names if order.index(n) < order.index(name))
                steps.insert(pos, {"step": name, **dict(change)})
                names.insert(pos, name)
        return Recipe.from_dict({**self.to_dict(), "steps": steps}, label)

    def first_difference(self, other: Recipe) -> int:
        """Index of the first step that differs between two recipes (len if none)."""
        if self.time != other.time:
            return 0
        for k, (a, b) in enumerate(zip(self.steps, other.steps, strict=False)):
            if a.model_dump() != b.model_dump():
                return k
        return min(len(self.steps), len(other.steps))


def _where(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            step = None
            if isinstance(node, Sequence) and not isinstance(node, str) and item < len(node):
                node = node[item]
                if isinstance(node, Mapping):
                    step = node.get("step")
            tag = f"[{item}]" + (f" ({step})" if step else "")
            if parts:
                parts[-1] += tag
            else:
                parts.append(tag)
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return "field " + ".".join(parts) if parts else ""


def accepted_params(m: Method) -> frozenset[str] | None:
    """Recipe parameters method ``m`` takes (its keyword arguments and the frame layer's
    parameters of its step); ``None`` when it takes any (``**kwargs``)."""
    sig = inspect.signature(m.func)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    accepted = {
        n
        for n, p in list(sig.parameters.items())[1:]
        if p.kind is inspect.Parameter.KEYWORD_ONLY
        or (p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.default is not p.empty)
    }
    accepted |= FRAME_PARAMS[m.kind]
    accepted -= {"groups", "times", "targ", "gposts", "iref", "context"}
    return frozenset(accepted)


def _check_params(m: Method, params: Mapping[str, Any], label: str, location: str) -> None:
    accepted = accepted_params(m)
    if accepted is None:
        return
    for key in params:
        if key not in accepted:
            raise ValidationError(
                label,
                f"{location}.params.{key}",
                f"{m.kind} method {m.name!r} takes no parameter {key!r}; it takes: "
                f"{', '.join(sorted(accepted)) or 'none'}",
            )


def check_recipe(rec: Recipe, label: str) -> None:
    """Methods exist and take the given parameters; step order is workable."""
    seen: set[str] = set()
    for k, s in enumerate(rec.steps):
        loc = f"field steps[{k}] ({s.step})"
        if s.step in seen:
            raise ValidationError(label, loc, f"step {s.step!r} appears twice")
        seen.add(s.step)
        m = REGISTRY.get(s.step, s.method, label, f"{loc}.method")
        _check_params(m, s.params, label, loc)
        f2 = s.params.get("f2")
        if s.step == "treat" and isinstance(f2, str) and f2 != "none":
            REGISTRY.get("treat", f2, label, f"{loc}.params.f2")
        for code, ov in s.overrides.items():
            oloc = f"{loc}.overrides.{code}"
            om = REGISTRY.get(s.step, ov.method, label, f"{oloc}.method") if ov.method else m
            _check_params(om, ov.params if ov.method else {**s.params, **ov.params}, label, oloc)
        for lev, ov in s.levels.items():
            oloc = f"{loc}.levels.{lev}"
            if s.step != "aggregate":
                raise ValidationError(label, oloc, "'levels' applies to the aggregate step only")
            om = REGISTRY.get(s.step, ov.method, label, f"{oloc}.method") if ov.method else m
            _check_params(om, ov.params if ov.method else {**s.params, **ov.params}, label, oloc)
    names = [s.step for s in rec.steps]
    if "aggregate" in names and names[-1] != "aggregate":
        raise ValidationError(
            label, f"field steps[{names.index('aggregate')}]", "aggregate must be the last step"
        )
    if (
        "weight" in names
        and "aggregate" in names
        and names.index("weight") > names.index("aggregate")
    ):
        raise ValidationError(
            label, f"field steps[{names.index('weight')}]", "weight must come before aggregate"
        )
