"""The plan of an uncertainty analysis: the uncertain inputs as factors (Sobol' groups), the
data variants built once each by the engine, and the aggregation tree as arrays (the
:class:`Kernel` a chunk needs). Also :func:`replay`: one replication rebuilt the plain way."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicap.index.composite import Composite, build
from aicap.index.errors import EngineError, ValidationError
from aicap.index.framework import Framework, Tree
from aicap.index.recipe import Step
from aicap.index.registry import REGISTRY
from aicap.index.spec import (
    DirichletInput,
    ExcludeInput,
    IncludeInput,
    StepInput,
    UncertaintySpec,
    WeightNoiseInput,
    WinmaxInput,
)
from aicap.index.stats import rank_desc

if TYPE_CHECKING:
    from aicap.index.uncertainty.sample import Decoded

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CROSS_COLUMN_IMPUTE = frozenset({"knn", "iterative"})
DATA_WEIGHTS = frozenset({"pca"})
OK, FAIL_VARIANT, FAIL_DOMAIN, FAIL_EXCLUDE, FAIL_WEIGHTS = 0, 1, 2, 3, 4


# ---------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Factor:
    """One uncertain input (one Sobol' group) and how its uniforms map to parameters."""

    name: str
    kind: str
    dims: int
    labels: tuple[str, ...] = ()  # discrete: one label per alternative
    positions: tuple[int, ...] = ()  # weights: element positions (tree.codes) perturbed
    fractions: tuple[float, ...] = ()  # weight_noise: +- fraction per position
    concentration: float = 0.0  # dirichlet
    groups: tuple[tuple[int, ...], ...] = ()  # dirichlet: sibling groups (indices into positions)
    input: int = 0  # index of its spec input (an ``include`` input may give several factors)
    p_exclude: float = 0.0  # include: probability that each of its indicators is left out

    @property
    def discrete(self) -> bool:
        return bool(self.labels)


@dataclass(frozen=True)
class LevelPlan:
    """One aggregation level: its aggregates and their children's positions."""

    level: int
    codes: tuple[str, ...]
    positions: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]  # per aggregate
    all_children: tuple[int, ...]


@dataclass(frozen=True)
class Kernel:
    """Everything a chunk needs (picklable; scattered once to Dask workers)."""

    X: FloatArray  # (V, n, k) indicator scores before aggregation, per data variant
    variant_fail: tuple[str | None, ...]
    levels: tuple[LevelPlan, ...]
    agg_steps: tuple[Step, ...]
    incl: npt.NDArray[np.bool_]  # (n_exclusion_alternatives, k)
    n_elements: int
    target: int
    pairwise: bool
    #: Collapse levels sharing a mean into one contraction when a chunk's data have no gaps
    #: (:mod:`aicap.index.collapse`); ``False`` forces the level-by-level path (tests).
    collapse: bool = True
    #: The nominal ranks (for each replication's mean absolute rank shift, computed per chunk).
    nominal_rank: FloatArray | None = None


@dataclass(frozen=True)
class Plan:
    """A composite, a spec, the factors and the pre-computed data variants."""

    comp: Composite
    spec: UncertaintySpec
    factors: tuple[Factor, ...]
    data_factors: tuple[int, ...]  # factor indices that select the data variant (mixed radix)
    radix: tuple[int, ...]
    agg_factor: int | None
    excl_factor: int | None
    exclusions: tuple[tuple[str, ...], ...]
    exclusion_in_data: bool
    W0: FloatArray  # (V, E)
    kernel: Kernel
    units: tuple[str, ...]
    target: str
    nominal_score: FloatArray
    nominal_rank: FloatArray
    label: str = "uncertainty"
    #: ``(k, n_aggregates)`` indicator-under-aggregate membership (an aggregate whose
    #: indicators are all left out has no value: the replication fails).
    descend: npt.NDArray[np.float32] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.float32)
    )

    @property
    def dims(self) -> list[int]:
        return [f.dims for f in self.factors]

    @property
    def n_variants(self) -> int:
        return int(self.kernel.X.shape[0])

    def chunk_bytes(self, chunk: int) -> int:
        """Peak bytes of the arrays a chunk of ``chunk`` replications allocates (estimate:
        per level, the children's values, their transform and masks, and the outputs)."""
        n, k = self.kernel.X.shape[1:]
        k_ = k
        stacked = [
            len(kids)
            for lp in self.kernel.levels
            for kids in lp.children
            if any(c >= k_ for c in kids)
        ]
        widest = max(stacked, default=0)
        outs = sum(len(lp.codes) for lp in self.kernel.levels)
        e = self.kernel.n_elements
        # per replication: level outputs, (R, n, c) stacks of children (values, transform,
        # masks, products), numerators/denominators, weights, ranks and sort keys
        per_rep = 8 * (n * (outs + 5 * widest + 8) + 2 * e + k)
        pair = 16 * n * n + 18 * n * n if self.kernel.pairwise else 0  # blocks, sums, counts
        return int(chunk * per_rep + pair)


def _reduced(fw: Framework, drop: Sequence[str]) -> Framework:
    d = fw.to_dict()
    d["indicators"] = [i for i in d["indicators"] if i["code"] not in set(drop)]
    return Framework.from_dict(d, f"{fw.name} without {', '.join(drop)}")


def _dropped(
    factors: Sequence[Factor],
    choice: dict[int, int],
    exclusions: Sequence[tuple[str, ...]],
    excl_factor: int | None,
    tree: Tree,
) -> tuple[str, ...]:
    """The indicators a data-side choice leaves out: the ``exclude`` alternative's, and those
    whose bit is set in each ``include`` factor's mask."""
    drop = list(exclusions[choice[excl_factor]]) if excl_factor in choice else []
    for fi, c in choice.items():
        f = factors[fi]
        if f.kind == "include":
            drop += [tree.codes[p] for j, p in enumerate(f.positions) if c >> j & 1]
    return tuple(dict.fromkeys(drop))


def _descendants(tree: Tree) -> npt.NDArray[np.float32]:
    """``(k, n_aggregates)``: 1 where indicator ``i`` lies under aggregate ``a``."""
    k = len(tree.indicators)
    out = np.zeros((k, len(tree.aggregates)), dtype=np.float32)
    col = {a: j for j, a in enumerate(tree.aggregates)}
    for i, c in enumerate(tree.indicators):
        a = tree.parent_of[c]
        while a is not None:
            out[i, col[a]] = 1.0
            a = tree.parent_of[a]
    return out


def _factors(spec: UncertaintySpec, comp: Composite, label: str) -> list[Factor]:
    tree = comp.framework.tree
    out: list[Factor] = []
    levels = {
        lv: [i for i, c in enumerate(tree.codes) if tree.level_of[c] == lv]
        for lv in set(tree.level_of.values())
    }
    for k, inp in enumerate(spec.inputs):
        loc = f"field inputs[{k}] ({inp.kind})"
        if isinstance(inp, StepInput):
            if comp.recipe.step(inp.kind) is None:
                raise ValidationError(label, loc, f"the recipe has no {inp.kind} step to vary")
            labels = tuple(a.name() for a in inp.alternatives)
            out.append(Factor(inp.name, inp.kind, 1, labels, input=k))
        elif isinstance(inp, WinmaxInput):
            if comp.recipe.step("treat") is None:
                raise ValidationError(label, loc, "the recipe has no treat step to vary")
            out.append(Factor(inp.name, "winmax", 1, tuple(str(v) for v in inp.values), input=k))
        elif isinstance(inp, ExcludeInput):
            for j, c in enumerate(inp.indicators):
                if c not in tree.indicators:
                    raise ValidationError(
                        label, f"{loc}.indicators[{j}]", f"unknown indicator {c!r}"
                    )
            labels = (("none",) if inp.include_none else ()) + tuple(inp.indicators)
            out.append(Factor(inp.name, "exclude", 1, labels, input=k))
        elif isinstance(inp, IncludeInput):
            for j, c in enumerate(inp.indicators):
                if c not in tree.indicators:
                    raise ValidationError(
                        label, f"{loc}.indicators[{j}]", f"unknown indicator {c!r}"
                    )
            pos = tuple(tree.codes.index(c) for c in inp.indicators)
            parts = (
                [((f"{inp.name}:{tree.codes[p]}",), (p,)) for p in pos]
                if inp.separate
                else [((inp.name,), pos)]
            )
            for (nm,), ps in parts:
                out.append(
                    Factor(nm, "include", len(ps), positions=ps, input=k, p_exclude=inp.p_exclude)
                )
        else:
            top = tree.max_level
            for lev in inp.levels:
                if lev not in levels or lev >= top:
                    raise ValidationError(
                        label,
                        f"{loc}.levels.{lev}",
                        f"no weights to vary at level {lev}: levels with weights are 1..{top - 1}",
                    )
            pos = tuple(p for lev in sorted(inp.levels) for p in levels[lev])
            if isinstance(inp, WeightNoiseInput):
                fr = tuple(inp.levels[tree.level_of[tree.codes[p]]] for p in pos)
                out.append(
                    Factor(inp.name, "weight_noise", len(pos), positions=pos, fractions=fr, input=k)
                )
            else:
                assert isinstance(inp, DirichletInput)
                parents: dict[str | None, list[int]] = {}
                for j, p in enumerate(pos):
                    parents.setdefault(tree.parent_of[tree.codes[p]], []).append(j)
                groups = tuple(tuple(g) for g in parents.values())
                out.append(
                    Factor(
                        inp.name,
                        "dirichlet",
                        len(pos),
                        positions=pos,
                        concentration=inp.concentration,
                        groups=groups,
                        input=k,
                    )
                )
    return out


def _changes(factors: Sequence[Factor], spec: UncertaintySpec, choice: dict[int, int]) -> Any:
    changes: dict[str, Any] = {}
    for fi, c in choice.items():
        inp = spec.inputs[factors[fi].input]
        if isinstance(inp, StepInput):
            changes[inp.kind] = inp.alternatives[c].change()
        elif isinstance(inp, WinmaxInput):
            changes["treat"] = {"params": {"winmax": inp.values[c]}}
    return changes


def _exclusion_separable(comp: Composite, spec: UncertaintySpec) -> bool:
    """Dropping an indicator equals giving it zero weight when no step mixes columns."""
    r = comp.recipe
    if r.step("screen") is not None:
        return False
    imp = r.step("impute")
    names = {REGISTRY.canonical("impute", imp.method)} if imp is not None else set()
    for inp in spec.inputs:
        if isinstance(inp, StepInput) and inp.kind == "impute":
            names |= {REGISTRY.canonical("impute", a.method) for a in inp.alternatives}
    if names & CROSS_COLUMN_IMPUTE:
        return False
    w = r.step("weight")
    return w is None or REGISTRY.canonical("weight", w.method) not in DATA_WEIGHTS


def make_plan(comp: Composite, spec: UncertaintySpec, label: str = "uncertainty") -> Plan:
    """Validate the spec against the composite and build every data-side variant once."""
    tree = comp.framework.tree
    if comp.recipe.step("aggregate") is None:
        raise ValidationError(label, "", "the composite's recipe has no aggregate step")
    target = spec.target or tree.top[0]
    if target not in tree.codes:
        raise ValidationError(label, "field target", f"unknown element {target!r}")
    factors = _factors(spec, comp, label)
    kinds = [f.kind for f in factors]
    agg_factor = kinds.index("aggregate") if "aggregate" in kinds else None
    excl_factor = kinds.index("exclude") if "exclude" in kinds else None
    include = [i for i, f in enumerate(factors) if f.kind == "include"]
    exclusion_in_data = (excl_factor is not None or bool(include)) and not _exclusion_separable(
        comp, spec
    )
    data_factors = [
        i for i, f in enumerate(factors) if f.kind in ("impute", "treat", "normalise", "winmax")
    ]
    if exclusion_in_data:
        data_factors += [i for i in (excl_factor, *include) if i is not None]
    # an include factor's choice is a bit mask of its excluded indicators
    radix = tuple(
        2 ** factors[i].dims if factors[i].kind == "include" else len(factors[i].labels)
        for i in data_factors
    )
    if int(np.prod(radix)) > 4096:
        raise ValidationError(
            label, "field inputs", f"{int(np.prod(radix))} data-side variants: at most 4096"
        )
    exclusions: list[tuple[str, ...]] = [()]
    if excl_factor is not None:
        inp = spec.inputs[factors[excl_factor].input]
        assert isinstance(inp, ExcludeInput)
        exclusions = ([()] if inp.include_none else []) + [(c,) for c in inp.indicators]
    k = len(tree.indicators)
    incl = np.ones((len(exclusions), k), dtype=bool)
    for j, drop in enumerate(exclusions):
        for c in drop:
            incl[j, tree.indicators.index(c)] = False
    # aggregation alternatives
    agg_steps: list[Step] = []
    if agg_factor is not None:
        inp = spec.inputs[factors[agg_factor].input]
        assert isinstance(inp, StepInput)
        for j, alt in enumerate(inp.alternatives):
            rec = comp.recipe.with_changes(
                {"aggregate": alt.change()},
                f"{label}: field inputs[{agg_factor}].alternatives[{j}]",
            )
            step = rec.step("aggregate")
            assert step is not None
            agg_steps.append(step)
    else:
        step = comp.recipe.step("aggregate")
        assert step is not None
        agg_steps.append(step)
    # data variants, built once each by the engine
    units = tuple(str(u) for u in comp.initial.data.index)
    n_var = int(np.prod(radix)) if radix else 1
    X = np.full((n_var, len(units), k), np.nan)
    W0 = np.zeros((n_var, len(tree.codes)))
    vfail: list[str | None] = []
    for v, combo in enumerate(itertools.product(*(range(r) for r in radix))):
        choice = dict(zip(data_factors, combo, strict=True))
        drop = _dropped(factors, choice, exclusions, excl_factor, tree) if exclusion_in_data else ()
        try:
            built = _variant(comp, factors, spec, choice, drop, label)
        except EngineError as exc:
            vfail.append(f"data variant failed: {exc}")
            continue
        vfail.append(None)
        before = _before_aggregate(built)
        cols = [c for c in tree.indicators if c in before.columns]
        X[v][:, [tree.indicators.index(c) for c in cols]] = (
            before[cols].reindex(pd.Index(units)).to_numpy(dtype=np.float64)
        )
        btree = built.framework.tree
        for c, w in zip(btree.codes, built.weights, strict=True):
            W0[v, tree.codes.index(c)] = w
    pos = {c: i for i, c in enumerate(tree.codes)}
    levels = tuple(
        LevelPlan(
            lev.level,
            tuple(lev.codes),
            tuple(pos[a] for a in lev.codes),
            tuple(tuple(pos[c] for c in tree.children(a)) for a in lev.codes),
            tuple(pos[c] for c in lev.children),
        )
        for lev in tree.levels
    )
    nominal = comp.scores[target].reindex(pd.Index(units)).to_numpy(dtype=np.float64)
    nominal_rank = rank_desc(nominal[:, None])[:, 0]
    kernel = Kernel(
        X,
        tuple(vfail),
        levels,
        tuple(agg_steps),
        incl,
        len(tree.codes),
        pos[target],
        spec.pairwise,
        nominal_rank=nominal_rank,
    )
    return Plan(
        comp,
        spec,
        tuple(factors),
        tuple(data_factors),
        radix,
        agg_factor,
        excl_factor,
        tuple(exclusions),
        exclusion_in_data,
        W0,
        kernel,
        units,
        target,
        nominal,
        nominal_rank,
        label,
        _descendants(tree),
    )


def _before_aggregate(comp: Composite) -> pd.DataFrame:
    k = next(i for i, r in enumerate(comp.results) if r.step.step == "aggregate")
    return comp.results[k - 1].state.data if k > 0 else comp.initial.data


def _variant(
    comp: Composite,
    factors: Sequence[Factor],
    spec: UncertaintySpec,
    choice: dict[int, int],
    drop: Sequence[str],
    label: str,
) -> Composite:
    changes = _changes(factors, spec, choice)
    if drop:
        fw = _reduced(comp.framework, drop)
        rec = comp.recipe.with_changes(changes, label) if changes else comp.recipe
        w = rec.step("weight")
        if w is not None and REGISTRY.canonical("weight", w.method) == "explicit":
            given = {c: v for c, v in w.params.get("weights", {}).items() if c not in set(drop)}
            rec = rec.with_changes({"weight": {"params": {"weights": given}}}, label)
        return build(fw, comp.data, rec, comp.label)
    return comp.rebuild(changes) if changes else comp


# ---------------------------------------------------------------------------- replay
def replay(plan: Plan, dec: Decoded, r: int) -> Composite:
    """Replication ``r`` rebuilt the plain way: the recipe with its alternatives, a framework
    without its excluded indicator, and its weights as an explicit weight set."""
    choice = {
        fi: int(dec.choices[r, fi])
        for fi in plan.data_factors
        if plan.factors[fi].kind not in ("exclude", "include")
    }
    indicators = plan.comp.framework.tree.indicators
    drop = [c for c, keep in zip(indicators, dec.incl[r], strict=True) if not keep]
    changes = _changes(plan.factors, plan.spec, choice)
    if plan.agg_factor is not None:
        inp = plan.spec.inputs[plan.factors[plan.agg_factor].input]
        assert isinstance(inp, StepInput)
        changes["aggregate"] = inp.alternatives[int(dec.agg[r])].change()
    comp = plan.comp
    rec = comp.recipe.with_changes(changes, plan.label) if changes else comp.recipe
    fw = _reduced(comp.framework, drop) if drop else comp.framework
    codes = comp.framework.tree.codes
    weights = {c: float(dec.weights[r, codes.index(c)]) for c in fw.tree.codes}
    rec = rec.with_changes({"weight": {"method": "explicit", "params": {"weights": weights}}})
    return build(fw, comp.data, rec, comp.label)
