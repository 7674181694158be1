"""The framework of a composite indicator, as validated data.

A framework lists indicators (level 1) and aggregates (level 2 and up), each with a parent, a
direction, a weight and optional metadata (unit, target, goalposts, denominator). It is read from
YAML text or a dict (:meth:`Framework.from_yaml`, :meth:`Framework.from_dict`) or from COINr's
``iMeta`` table (:func:`aicap.index.coinr.framework_from_imeta`). Errors name the label given by
the caller (usually the file name), the row or field, and the rule broken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicap import yamlload
from aicap.index.errors import ValidationError

FloatArray = npt.NDArray[np.float64]
Locator = Callable[[tuple[int | str, ...]], str]


class Indicator(BaseModel):
    """An indicator (level 1 of the framework)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    name: str | None = None
    parent: str = Field(min_length=1)
    direction: Literal[1, -1] = 1
    weight: float = 1.0
    unit: str | None = None
    target: float | None = None
    goalposts: tuple[float, float] | None = None
    denominator: str | None = None
    denominator_scale: float = 1.0

    @field_validator("weight")
    @classmethod
    def _positive_weight(cls, v: float) -> float:
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"non-positive weight {v}: weights must be > 0")
        return v

    @field_validator("goalposts")
    @classmethod
    def _ordered_goalposts(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"goalposts {list(v)} must be [lower, upper] with lower < upper")
        return v

    @property
    def level(self) -> int:
        return 1


class Aggregate(BaseModel):
    """An aggregate (a pillar, sub-index or the index itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    name: str | None = None
    parent: str | None = None
    level: int | None = Field(default=None, ge=2)
    weight: float = 1.0
    unit: str | None = None

    @field_validator("weight")
    @classmethod
    def _positive_weight(cls, v: float) -> float:
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"non-positive weight {v}: weights must be > 0")
        return v


class Framework(BaseModel):
    """Indicators, aggregates, unit groups and denominators of an index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "index"
    indicators: tuple[Indicator, ...]
    aggregates: tuple[Aggregate, ...]
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], label: str = "framework", locator: Locator | None = None
    ) -> Framework:
        """Validate a framework given as a mapping; errors name ``label`` and the field."""
        if not isinstance(data, Mapping):
            raise ValidationError(label, "", "a framework must be a mapping with 'indicators'")
        try:
            fw = cls.model_validate(dict(data))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(err["loc"])
            where = locator(loc) if locator else _default_locator(data, loc)
            msg = str(err["msg"]).removeprefix("Value error, ")
            raise ValidationError(label, where, msg) from None
        check_framework(fw, label, locator)
        return fw

    @classmethod
    def from_yaml(cls, text: str, label: str = "framework.yaml") -> Framework:
        """Parse YAML *text* (not a path) and validate it."""
        try:
            data = yamlload.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(label, "", f"not valid YAML ({exc})") from None
        return cls.from_dict(data if data is not None else {}, label)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    # ------------------------------------------------------------------ derived structure
    @cached_property
    def tree(self) -> Tree:
        return Tree.from_framework(self)

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def element(self, code: str) -> Indicator | Aggregate:
        return self.tree.elements[code]


def _default_locator(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
            code = None
            if isinstance(node, Sequence) and not isinstance(node, str) and item < len(node):
                node = node[item]
                if isinstance(node, Mapping):
                    code = node.get("code")
            if code is not None:
                parts[-1] += f" (code {code!r})"
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return "field " + ".".join(parts) if parts else ""


@dataclass(frozen=True)
class Level:
    """One aggregation level: which columns feed which aggregates."""

    level: int
    codes: list[str]  # the aggregates computed at this level
    children: list[str]  # the elements feeding them (union over the aggregates, framework order)
    membership: npt.NDArray[np.bool_]  # (len(children), len(codes))


@dataclass(frozen=True)
class Tree:
    """The framework as arrays: element order, parents, levels, weights and directions."""

    elements: dict[str, Indicator | Aggregate]
    codes: list[str]  # indicators first (framework order), then aggregates by level
    indicators: list[str]
    aggregates: list[str]
    level_of: dict[str, int]
    parent_of: dict[str, str | None]
    levels: list[Level]  # aggregation levels, bottom-up

    @classmethod
    def from_framework(cls, fw: Framework) -> Tree:
        elements: dict[str, Indicator | Aggregate] = {i.code: i for i in fw.indicators}
        elements.update({a.code: a for a in fw.aggregates})
        level_of = _levels(fw)
        aggs = sorted((a.code for a in fw.aggregates), key=lambda c: level_of[c])
        codes = [i.code for i in fw.indicators] + aggs
        parent_of = {c: e.parent for c, e in elements.items()}
        levels: list[Level] = []
        for lev in sorted({level_of[a] for a in aggs}):
            here = [a for a in aggs if level_of[a] == lev]
            kids = [c for c in codes if parent_of[c] in here]
            member = np.zeros((len(kids), len(here)), dtype=bool)
            pos = {a: j for j, a in enumerate(here)}
            for i, c in enumerate(kids):
                member[i, pos[str(parent_of[c])]] = True
            levels.append(Level(lev, here, kids, member))
        return cls(
            elements, codes, [i.code for i in fw.indicators], aggs, level_of, parent_of, levels
        )

    @property
    def max_level(self) -> int:
        return max(self.level_of.values())

    @property
    def top(self) -> list[str]:
        return [c for c in self.codes if self.level_of[c] == self.max_level]

    def weights(self) -> FloatArray:
        """Framework weights of every element in :attr:`codes` order."""
        return np.array([self.elements[c].weight for c in self.codes], dtype=np.float64)

    def directions(self) -> FloatArray:
        out = [getattr(self.elements[c], "direction", 1) for c in self.indicators]
        return np.array(out, dtype=np.float64)

    def children(self, code: str) -> list[str]:
        return [c for c in self.codes if self.parent_of[c] == code]

    def lineage(self) -> dict[str, list[str]]:
        """For each indicator, its ancestors bottom-up (as COINr's ``Meta$Lineage``)."""
        out: dict[str, list[str]] = {}
        for c in self.indicators:
            chain: list[str] = []
            p = self.parent_of[c]
            while p is not None:
                chain.append(p)
                p = self.parent_of[p]
            out[c] = chain
        return out

    def descendants(self, code: str, indicators_only: bool = True) -> list[str]:
        lin = self.lineage()
        if code in self.indicators:
            return [code]
        if indicators_only:
            return [c for c in self.indicators if code in lin[c]]
        return [c for c in self.codes if self._is_below(c, code)]

    def _is_below(self, c: str, code: str) -> bool:
        p = self.parent_of[c]
        while p is not None:
            if p == code:
                return True
            p = self.parent_of[p]
        return False


def _levels(fw: Framework) -> dict[str, int]:
    """Level of each element: given, or the height of the aggregate above its children."""
    level_of: dict[str, int] = {i.code: 1 for i in fw.indicators}
    kids: dict[str, list[str]] = {}
    elems: list[Indicator | Aggregate] = [*fw.indicators, *fw.aggregates]
    for e in elems:
        if e.parent is not None:
            kids.setdefault(e.parent, []).append(e.code)
    given = {a.code: a.level for a in fw.aggregates}

    def height(code: str) -> int:
        if code in level_of:
            return level_of[code]
        lev = given[code]
        if lev is None:
            lev = 1 + max(height(k) for k in kids[code])
        level_of[code] = lev
        return lev

    for a in fw.aggregates:
        height(a.code)
    return level_of


def check_framework(fw: Framework, label: str, locator: Locator | None = None) -> None:
    """Structural rules: unique codes, parents exist, no cycle, aggregates have children."""

    def where(kind: str, idx: int, code: str, field: str) -> str:
        if locator is not None:
            return locator((kind, idx, field))
        return f"field {kind}[{idx}] (code {code!r}).{field}"

    seen: dict[str, str] = {}
    entries: list[tuple[str, int, Indicator | Aggregate]] = [
        ("indicators", k, e) for k, e in enumerate(fw.indicators)
    ]
    entries += [("aggregates", k, e) for k, e in enumerate(fw.aggregates)]
    if not fw.indicators:
        raise ValidationError(label, "field indicators", "a framework needs at least 1 indicator")
    for kind, k, e in entries:
        if e.code in seen:
            raise ValidationError(
                label, where(kind, k, e.code, "code"), f"duplicate code {e.code!r}"
            )
        seen[e.code] = kind
    agg_codes = {a.code for a in fw.aggregates}
    for kind, k, e in entries:
        if e.parent is None:
            continue
        if e.parent not in seen:
            raise ValidationError(
                label, where(kind, k, e.code, "parent"), f"missing parent {e.parent!r}"
            )
        if e.parent not in agg_codes:
            raise ValidationError(
                label,
                where(kind, k, e.code, "parent"),
                f"parent {e.parent!r} is an indicator; a parent must be an aggregate",
            )
    # cycles among aggregates
    parent = {a.code: a.parent for a in fw.aggregates}
    for k, a in enumerate(fw.aggregates):
        path = [a.code]
        p = a.parent
        while p is not None:
            if p in path:
                cyc = " -> ".join([*path, p])
                raise ValidationError(
                    label, where("aggregates", k, a.code, "parent"), f"cycle in parents: {cyc}"
                )
            path.append(p)
            p = parent.get(p)
    has_kids = {e.parent for _, _, e in entries if e.parent is not None}
    for k, a in enumerate(fw.aggregates):
        if a.code not in has_kids:
            raise ValidationError(
                label,
                where("aggregates", k, a.code, "code"),
                f"aggregate {a.code!r} has no children",
            )
    if not fw.aggregates:
        raise ValidationError(label, "field aggregates", "a framework needs at least 1 aggregate")
    level_of = _levels(fw)
    for kind, k, e in entries:
        if e.parent is not None and level_of[e.parent] <= level_of[e.code]:
            raise ValidationError(
                label,
                where(kind, k, e.code, "parent"),
                f"parent {e.parent!r} is at level {level_of[e.parent]}, not above "
                f"{e.code!r} at level {level_of[e.code]}",
            )
    top = max(level_of.values())
    for k, a in enumerate(fw.aggregates):
        if a.parent is None and level_of[a.code] != top:
            raise ValidationError(
                label,
                where("aggregates", k, a.code, "parent"),
                f"aggregate {a.code!r} at level {level_of[a.code]} has no parent; only the top "
                f"level ({top}) may lack one",
            )
    if fw.denominators:
        for k, i in enumerate(fw.indicators):
            if i.denominator is not None and i.denominator not in fw.denominators:
                raise ValidationError(
                    label,
                    where("indicators", k, i.code, "denominator"),
                    f"denominator {i.denominator!r} is not one of the declared denominators "
                    f"({', '.join(fw.denominators)})",
                )
