"""Uncertainty and sensitivity analysis of a composite, with replications as an array axis.

>>> plan = make_plan(comp, spec)                  # doctest: +SKIP
>>> mc = run_uncertainty(plan)                    # per-country bands, pairwise matrix, samples
>>> sa = run_sobol(plan)                          # first/total-order indices per country

How it is vectorised:

* every *data-side* alternative (imputation, treatment, ``winmax``, normalisation; indicator
  exclusion when it changes the data, e.g. through screening) is built **once** with the engine
  itself (:meth:`Composite.rebuild`), giving the indicator matrix before aggregation and the
  nominal weights of that variant: ``X (V, n_units, n_indicators)``, ``W0 (V, n_elements)``;
* a replication is a row of uniforms ``u`` decoded into a data variant, an aggregation
  alternative, an exclusion and a weight vector (``W0[v] * noise``, Dirichlet draws, zero for an
  excluded indicator);
* replications are sorted by (variant, aggregation) and cut into chunks; a chunk is a few
  batched contractions per aggregation level (weighted arithmetic, geometric, harmonic and
  generalised means are all ``phi^-1(sum w phi(x) / sum w)``), then batched ranks and outranking
  counts. No Python loop runs over replications.

Failed replications (a build that raised, a geometric mean of a non-positive value, an
aggregate left with no children) are recorded with their reason and left out of the summaries.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from aicap.index import collapse
from aicap.index.backend import device_of, get_backend, like
from aicap.index.collapse import phi as transform
from aicap.index.composite import Composite, build
from aicap.index.errors import EngineError, ValidationError
from aicap.index.framework import Framework, Tree
from aicap.index.ranks import outrank_counts, rank_desc_batched
from aicap.index.recipe import Step
from aicap.index.registry import REGISTRY
from aicap.index.sensitivity import SobolIndices, saltelli_sample, sobol_indices
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

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

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


# ---------------------------------------------------------------------------- decoding
@dataclass(frozen=True)
class Decoded:
    """The parameters of a batch of replications."""

    u: FloatArray  # (R, D) uniforms
    choices: IntArray  # (R, n_factors) alternative index (-1 for weight factors)
    variant: IntArray  # (R,)
    agg: IntArray  # (R,)
    excl: IntArray  # (R,)
    weights: FloatArray  # (R, E) final weights (zero for an excluded indicator)
    weight_fail: npt.NDArray[np.bool_]  # (R,)
    incl: npt.NDArray[np.bool_]  # (R, k) indicators kept
    dead: npt.NDArray[np.bool_]  # (R,) an aggregate lost all its indicators


def decode(plan: Plan, u: FloatArray) -> Decoded:
    """Map uniforms ``(R, D)`` to replications' parameters (vectorised over ``R``)."""
    u = np.asarray(u, dtype=np.float64)
    r = u.shape[0]
    edges = np.cumsum([0, *plan.dims])
    choices = np.full((r, len(plan.factors)), -1, dtype=np.int64)
    out_bits: list[tuple[Factor, npt.NDArray[np.bool_]]] = []
    for i, f in enumerate(plan.factors):
        if f.discrete:
            k = len(f.labels)
            choices[:, i] = np.minimum((u[:, edges[i]] * k).astype(np.int64), k - 1)
        elif f.kind == "include":  # each indicator out with probability p: a bit mask
            ex = u[:, edges[i] : edges[i + 1]] < f.p_exclude
            choices[:, i] = ex.astype(np.int64) @ (1 << np.arange(f.dims, dtype=np.int64))
            out_bits.append((f, ex))
    variant = np.zeros(r, dtype=np.int64)
    for fi, rad in zip(plan.data_factors, plan.radix, strict=True):
        variant = variant * rad + choices[:, fi]
    agg = choices[:, plan.agg_factor] if plan.agg_factor is not None else np.zeros(r, np.int64)
    excl = choices[:, plan.excl_factor] if plan.excl_factor is not None else np.zeros(r, np.int64)
    w = plan.W0[variant] if plan.W0.shape[0] > 1 else np.repeat(plan.W0, r, axis=0)
    for i, f in enumerate(plan.factors):
        uu = u[:, edges[i] : edges[i + 1]]
        pos: Any = list(f.positions)
        if pos and pos == list(range(pos[0], pos[-1] + 1)):
            pos = slice(pos[0], pos[-1] + 1)  # a view, not a gather
        if f.kind == "weight_noise":
            fr = np.asarray(f.fractions)
            noise = uu * (2 * fr)
            noise += 1 - fr
            w[:, pos] *= noise  # w (1 + f (2u - 1))
        elif f.kind == "dirichlet":
            base = w[:, pos]
            out = np.empty_like(base)
            for g in f.groups:  # sibling groups (a handful), not replications
                gi = list(g)
                tot = base[:, gi].sum(axis=1, keepdims=True)
                alpha = f.concentration * base[:, gi] / tot
                draw = _gammaincinv_runs(alpha, uu[:, gi])
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[:, gi] = draw / draw.sum(axis=1, keepdims=True) * tot
            w[:, pos] = out
    k = plan.kernel.X.shape[2]
    incl = plan.kernel.incl[excl]  # (R, k), a copy
    for f, ex in out_bits:
        incl[:, list(f.positions)] &= ~ex
    dead = np.zeros(r, dtype=bool)
    if not incl.all():
        w[:, :k] = np.where(incl, w[:, :k], 0.0)
        dead = np.asarray(~((incl.astype(np.float32) @ plan.descend) > 0).all(axis=1))
    bad = np.asarray(~np.isfinite(w.sum(axis=1)), dtype=bool)  # a non-finite weight in the row
    return Decoded(u, choices, variant, agg, excl, w, bad, incl, dead)


def _gammaincinv_runs(alpha: FloatArray, u: FloatArray) -> FloatArray:
    """``gammaincinv(alpha, u)`` row by row, computed once per run of identical rows (the
    inverse gamma CDF is costly, and in a Saltelli design the rows ``A, AB_1 ... AB_G`` of a
    block repeat a factor's columns except in ``AB_factor`` and ``B``)."""
    key = np.concatenate([alpha, u], axis=1)
    start = np.ones(key.shape[0], dtype=bool)
    start[1:] = (key[1:] != key[:-1]).any(axis=1)
    if start.all():
        return np.asarray(special.gammaincinv(alpha, u), dtype=np.float64)
    first = np.nonzero(start)[0]
    draw = special.gammaincinv(alpha[first], u[first])
    return np.asarray(draw[np.cumsum(start) - 1], dtype=np.float64)


# ---------------------------------------------------------------------------- the kernel
def _transform(step: Step, code: str, level: int) -> tuple[str, float]:
    name, params = step.spec_for(code, level)
    m = REGISTRY.get("aggregate", name).name
    if params.get("nonpositive", "error") != "error":
        raise ValidationError(
            "uncertainty",
            f"aggregate {code!r}",
            "the uncertainty kernels do not implement a geometric mean's nonpositive option "
            f"({params['nonpositive']!r}); run the analysis with nonpositive: error",
        )
    p = float(params.get("p", 1.0))
    if m == "genmean" and p == 0:
        return "gmean", 0.0
    return m, p


@dataclass
class ChunkOut:
    rows: IntArray
    score: FloatArray
    rank: FloatArray
    fail: IntArray
    reason: list[str | None] = field(default_factory=list)
    wins: IntArray | None = None
    both: IntArray | None = None
    mars: FloatArray | None = None  # per replication: mean |rank - nominal rank|


def evaluate_chunk(
    kernel: Kernel,
    backend: str,
    variant: int,
    agg: int,
    weights: FloatArray,
    incl: npt.NDArray[np.bool_],
    rows: IntArray,
    weight_fail: npt.NDArray[np.bool_] | None = None,
) -> ChunkOut:
    """Target scores, ranks and failure codes of ``R`` replications sharing one data variant
    and one aggregation alternative (``weights (R, E)``, indicators kept ``incl (R, k)``):
    batched contractions per level, batched ranks."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _evaluate_chunk(kernel, backend, variant, agg, weights, incl, rows, weight_fail)


def _evaluate_chunk(
    kernel: Kernel,
    backend: str,
    variant: int,
    agg: int,
    weights: FloatArray,
    incl: npt.NDArray[np.bool_],
    rows: IntArray,
    weight_fail: npt.NDArray[np.bool_] | None,
) -> ChunkOut:
    be = get_backend(backend)
    r = weights.shape[0]
    n = kernel.X.shape[1]
    fail = np.zeros(r, dtype=np.int64)
    reasons: list[str | None] = [None] * r
    if kernel.variant_fail[variant] is not None:
        fail[:] = FAIL_VARIANT
        nanr = np.full((r, n), np.nan)
        return ChunkOut(rows, nanr, nanr.copy(), fail, [kernel.variant_fail[variant]] * r)
    score, domain_fail, live = _device_scores(kernel, be, variant, agg, weights, incl)
    return _finish(kernel, be, rows, score, domain_fail, fail, reasons, weight_fail, live, n)


def _device_scores(
    kernel: Kernel,
    be: Any,
    variant: int,
    agg: int,
    weights: Any,
    incl: npt.NDArray[np.bool_],
) -> tuple[Any, Any, npt.NDArray[np.bool_]]:
    """Target scores ``(R, n_live)`` of a chunk on the backend's device, the per-replication
    domain failures, and which units this variant keeps (``live``)."""
    xp = be.xp
    r = weights.shape[0]
    step = kernel.agg_steps[agg]
    k = kernel.X.shape[2]
    live = ~np.isnan(kernel.X[variant]).all(axis=1)  # units screened out of this variant
    x_np = kernel.X[variant][live]
    n = int(live.sum())
    X = be.asarray(x_np)
    W = weights if not isinstance(weights, np.ndarray) else be.asarray(weights)
    incl_np = incl  # (R, k)
    segs = None
    if (
        kernel.collapse and not np.isnan(x_np).any()
    ):  # gapless: levels sharing a mean collapse (index.collapse)
        clevels = [collapse.Level(lp.positions, lp.children) for lp in kernel.levels]
        methods = [_level_method(step, lp) for lp in kernel.levels]
        if all(m is not None for m in methods):
            segs = collapse.segments(clevels, methods, k, kernel.target)  # type: ignore[arg-type]
    if segs is not None:
        y, is_log, domain_fail = collapse.evaluate(
            xp, X, W, be.asarray(incl_np), clevels, segs, kernel.n_elements, kernel.target
        )
        return (xp.exp(y) if is_log else y), domain_fail, live
    score, domain_fail = _levels(kernel, be, step, X, x_np, W, incl_np, r, n)
    return score, domain_fail, live


def evaluate_chunk_device(
    kernel: Kernel,
    be: Any,
    variant: int,
    agg: int,
    weights: Any,
    incl: npt.NDArray[np.bool_],
) -> tuple[Any, Any, Any]:
    """The chunk kernel with its outputs left on the device (for benchmarks of a GPU
    backend): target scores, batched ranks and, when the plan keeps it, the outranking counts
    ``wins`` (else ``None``). No failure bookkeeping and no copy back to the host."""
    score, _, _ = _device_scores(kernel, be, variant, agg, weights, incl)
    rank = rank_desc_batched(be.xp, score)
    wins = outrank_counts(be.xp, rank)[0] if kernel.pairwise else None
    return score, rank, wins


def _level_method(step: Step, lp: LevelPlan) -> tuple[str, float] | None:
    """The level's mean when all its aggregates use the same one (else ``None``)."""
    ms = {_transform(step, a, lp.level) for a in lp.codes}
    return ms.pop() if len(ms) == 1 else None


def _levels(
    kernel: Kernel,
    be: Any,
    step: Step,
    X: Any,
    x_np: FloatArray,
    W: Any,
    incl_np: npt.NDArray[np.bool_],
    r: int,
    n: int,
) -> tuple[Any, Any]:
    """The target's values level by level (any data, gaps included), and the per-replication
    domain failures."""
    xp = be.xp
    k = kernel.X.shape[2]
    # element position -> (block, j): level outputs are kept as blocks (R, g, n), units last
    vals: dict[int, tuple[Any, int]] = {}
    blocks: dict[int, tuple[int, ...]] = {}  # id(block) -> positions of its rows, in order
    nan = like(xp, X, xp.nan, xp.float64)

    # A geometric-mean level keeps its output as logs (``in_log``): the next geometric level
    # uses them as they are, so the exp/log round trip between geometric levels is skipped.
    in_log: set[int] = set()  # id(block) of blocks holding logs

    def get(c: int, log: bool = False) -> Any:
        if c < k:
            x = xp.broadcast_to(X[:, c][None, :], (r, n))
            return xp.log(x) if log else x
        blk, j = vals[c]
        v = blk[:, j, :]
        if log == (id(blk) in in_log):
            return v
        return xp.log(v) if log else xp.exp(v)

    def gather(kids: list[int], log: bool | None = False) -> tuple[Any, bool]:
        """Children values as (R, c, n), as logs when ``log`` (``None``: as stored): an
        existing block when it is exactly those rows. Returns the values and whether they
        are logs."""
        if kids and kids[0] in vals:
            blk, _ = vals[kids[0]]
            if blocks.get(id(blk)) == tuple(kids):
                is_log = id(blk) in in_log
                if log is None or log == is_log:
                    return blk, is_log
                return (xp.log(blk) if log else xp.exp(blk)), bool(log)
        want = bool(log)
        return xp.stack([get(c, want) for c in kids], axis=1), want

    domain_fail = xp.zeros(r, dtype=xp.bool, device=device_of(X))
    for lp in kernel.levels:
        methods = {a: _transform(step, a, lp.level) for a in lp.codes}
        # the domain of a mean is checked on its own aggregate's children only (as the engine
        # and COINr do), never on the whole level
        pos_kids: list[int] = []  # children of geometric means (and genmean with p < 0)
        nz_kids: list[int] = []  # children of harmonic means
        for a, kids in zip(lp.codes, lp.children, strict=True):
            m, p = methods[a]
            if m == "gmean" or (m == "genmean" and p < 0):
                pos_kids += list(kids)
            elif m == "hmean":
                nz_kids += list(kids)
        for kids_d, positive in ((pos_kids, True), (nz_kids, False)):
            if not kids_d:
                continue
            ind = [c for c in kids_d if c < k]
            agg_kids = [c for c in kids_d if c >= k]
            if ind:
                xi = x_np[:, ind]
                with np.errstate(invalid="ignore"):
                    bad_col = (xi <= 0) if positive else (xi == 0)
                hit = (incl_np[:, ind] & np.asarray(bad_col.any(axis=0))[None, :]).any(axis=1)
                domain_fail = domain_fail | be.asarray(hit)
            if agg_kids:
                yk, yk_log = gather(agg_kids, None)
                # exp of a log is > 0 unless it underflows to 0 (a log of -inf)
                plain_bad = (yk <= 0) if positive else (yk == 0)
                badv = (yk == -xp.inf) if yk_log else plain_bad
                domain_fail = domain_fail | xp.any(xp.reshape(badv, (r, -1)), axis=1)
        shared: list[tuple[int, Any]] = []
        stacked: dict[tuple[str, float, Any], list[int]] = {}
        for j, (a, kids) in enumerate(zip(lp.codes, lp.children, strict=True)):
            m, p = methods[a]
            thresh = step.spec_for(a, lp.level)[1].get("dat_thresh")
            kid = list(kids)
            if not all(c < k for c in kid):
                stacked.setdefault((m, p, thresh), []).append(j)
                continue
            # children are indicators, shared by the chunk: one GEMM (R, c) x (c, n)
            wk = W[:, kid] if be.is_numpy else xp.take(W, be.asarray(kid, xp.int64), axis=1)
            xc = x_np[:, kid]
            ok = ~np.isnan(xc)
            phi = transform(np, m, p, np.where(ok, xc, 1.0))
            phi_t = be.asarray(np.ascontiguousarray(np.where(ok, phi, 0.0).T))
            okf_t = be.asarray(np.ascontiguousarray(ok.T.astype(np.float64)))
            num = collapse.wmatmul(xp, wk, phi_t)  # (R, n)
            den = wk @ okf_t if not ok.all() else xp.sum(wk, axis=1, keepdims=True)
            y = num / den if m == "gmean" else _inverse(xp, m, p, num, den)  # gmean: logs
            if thresh is not None:
                inc = be.asarray(incl_np[:, kid].astype(np.float64))
                avail = (inc @ okf_t) / xp.sum(inc, axis=1, keepdims=True)
                y = xp.where(avail < float(thresh), nan, y)
            shared.append((j, y))
        if shared:
            logs = [methods[lp.codes[j]][0] == "gmean" for j, _ in shared]
            all_log = all(logs)
            if not all_log:  # mixed methods in one block: store plain values
                shared = [
                    (j, xp.exp(y) if lg else y) for (j, y), lg in zip(shared, logs, strict=True)
                ]
            blk = xp.stack([y for _, y in shared], axis=1)  # (R, g, n)
            blocks[id(blk)] = tuple(lp.positions[j] for j, _ in shared)
            if all_log:
                in_log.add(id(blk))
            for jj, (j, _) in enumerate(shared):
                vals[lp.positions[j]] = (blk, jj)
        for (m, p, thresh), js in stacked.items():
            # children vary by replication: (R, g, c) weights times (R, c, n) children
            kids_all = sorted({c for j in js for c in lp.children[j]})
            member = np.zeros((len(js), len(kids_all)))
            for jj, j in enumerate(js):
                for c in lp.children[j]:
                    member[jj, kids_all.index(c)] = 1.0
            yc, _ = gather(kids_all, m == "gmean")
            wsel = (
                W[:, kids_all]
                if be.is_numpy
                else xp.take(W, be.asarray(kids_all, xp.int64), axis=1)
            )
            mem = be.asarray(member)
            wl = wsel[:, None, :] * mem[None, :, :]  # (R, g, c)
            isnan = xp.isnan(yc)
            gaps = bool(xp.any(isnan))
            if gaps:
                ok = ~isnan
                okf = xp.astype(ok, xp.float64)
                if m == "gmean":  # yc holds logs already
                    phi = xp.where(ok, yc, 0.0)
                else:
                    phi = xp.where(ok, transform(xp, m, p, xp.where(ok, yc, xp.ones_like(yc))), 0.0)
                den = wl @ okf
            else:
                phi = yc if m == "gmean" else transform(xp, m, p, yc)
                den = xp.sum(wl, axis=2)[:, :, None]
            # (R, g, n); a geometric mean stays as logs
            num = collapse.wmatmul(xp, wl, phi)
            y = num / den if m == "gmean" else _inverse(xp, m, p, num, den)
            if thresh is not None and gaps:
                incm = np.ones((r, len(kids_all)))
                for i, c in enumerate(kids_all):
                    if c < k:
                        incm[:, i] = incl_np[:, c]
                inc = be.asarray(incm)
                incw = inc[:, None, :] * mem[None, :, :]  # (R, g, c)
                avail = (incw @ okf) / xp.sum(incw, axis=2)[:, :, None]
                y = xp.where(avail < float(thresh), nan, y)
            blocks[id(y)] = tuple(lp.positions[j] for j in js)
            if m == "gmean":
                in_log.add(id(y))
            for jj, j in enumerate(js):
                vals[lp.positions[j]] = (y, jj)
    return get(kernel.target, False), domain_fail


def _finish(
    kernel: Kernel,
    be: Any,
    rows: IntArray,
    score: Any,
    domain_fail: Any,
    fail: IntArray,
    reasons: list[str | None],
    weight_fail: npt.NDArray[np.bool_] | None,
    live: npt.NDArray[np.bool_],
    n_all: int,
) -> ChunkOut:
    """Failures, batched ranks and outranking counts of a chunk's target scores."""
    xp = be.xp
    r = score.shape[0]
    fail_np = be.to_numpy(domain_fail)
    fail[fail_np] = FAIL_DOMAIN
    for i in np.nonzero(fail_np)[0].tolist():
        reasons[i] = "aggregate: mean undefined for a zero or negative value"
    if weight_fail is not None and weight_fail.any():
        fail[weight_fail] = FAIL_WEIGHTS
        for i in np.nonzero(weight_fail)[0].tolist():
            reasons[i] = "weights: a drawn weight is not finite"
    if (fail != OK).any():
        okrow = be.asarray(fail == OK)
        score = xp.where(okrow[:, None], score, like(xp, score, xp.nan, xp.float64))
    rank = rank_desc_batched(xp, score)
    every = bool(live.all())
    rank_host = _ranks_to_host(be, rank)
    if every:  # no unit screened out of this variant
        score_full, rank_full = be.to_numpy(score), rank_host
    else:
        score_full = np.full((r, n_all), np.nan)
        rank_full = np.full((r, n_all), np.nan)
        score_full[:, live] = be.to_numpy(score)
        rank_full[:, live] = rank_host
    out = ChunkOut(rows, score_full, rank_full, fail, reasons)
    if kernel.nominal_rank is not None:
        if be.is_numpy:
            out.mars = _mars(rank_full, kernel.nominal_rank)
        else:  # on the device: (R,) comes back instead of a pass over (R, n) on the host
            d = xp.abs(rank - like(xp, rank, kernel.nominal_rank[live]))
            ok = ~xp.isnan(d)
            tot = xp.sum(xp.where(ok, d, xp.zeros_like(d)), axis=1)
            out.mars = be.to_numpy(tot / xp.sum(xp.astype(ok, xp.float64), axis=1))
    if kernel.pairwise:
        wins, both = outrank_counts(xp, rank)
        if every:
            out.wins, out.both = be.to_numpy(wins), be.to_numpy(both)
        else:
            idx = np.ix_(live, live)
            out.wins = np.zeros((n_all, n_all), dtype=np.int64)
            out.both = np.zeros((n_all, n_all), dtype=np.int64)
            out.wins[idx] = be.to_numpy(wins)
            out.both[idx] = be.to_numpy(both)
    return out


def _ranks_to_host(be: Any, rank: Any) -> FloatArray:
    """Ranks back to the host as float64. From a device, they travel as 16-bit integers (0 for
    NaN) when they fit: a quarter of the bytes over the bus."""
    if be.is_numpy:
        return np.asarray(rank, dtype=np.float64)
    xp = be.xp
    n = rank.shape[1]
    if n >= 2**15 - 1:
        return np.asarray(be.to_numpy(rank), dtype=np.float64)
    nan = xp.isnan(rank)
    small = be.to_numpy(xp.astype(xp.where(nan, xp.zeros_like(rank), rank), xp.int16))
    out: FloatArray = small.astype(np.float64)
    out[small == 0] = np.nan
    return out


def _inverse(xp: Any, m: str, p: float, num: Any, den: Any) -> Any:
    if xp is np:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return _inv(xp, m, p, num, den)
    return _inv(xp, m, p, num, den)


def _inv(xp: Any, m: str, p: float, num: Any, den: Any) -> Any:
    if m == "amean":
        return num / den
    if m == "gmean":
        return xp.exp(num / den)
    if m == "hmean":
        return den / num
    return (num / den) ** (1.0 / p)


# ---------------------------------------------------------------------------- scheduling
@dataclass(frozen=True)
class Task:
    variant: int
    agg: int
    rows: IntArray


def tasks(plan: Plan, dec: Decoded, chunk_size: int) -> list[Task]:
    """Replications sorted by (variant, aggregation) and cut into chunks."""
    order = np.lexsort((np.arange(dec.variant.size), dec.agg, dec.variant))
    key = dec.variant[order] * (len(plan.kernel.agg_steps) + 1) + dec.agg[order]
    cuts = np.nonzero(np.diff(key))[0] + 1
    out: list[Task] = []
    for seg in np.split(order, cuts):  # one segment per (variant, aggregation) cell
        for i in range(0, seg.size, chunk_size):
            rows = seg[i : i + chunk_size]
            out.append(Task(int(dec.variant[rows[0]]), int(dec.agg[rows[0]]), rows))
    return out


def default_chunk(plan: Plan, budget: int = 64 * 2**20, cap: int = 16384) -> int:
    """Replications per chunk whose arrays fit ``budget`` bytes (at least 64, at most ``cap``)."""
    per = max(plan.chunk_bytes(2) - plan.chunk_bytes(1), 1)
    return int(max(64, min(cap, (budget - plan.chunk_bytes(0)) // per)))


#: A GPU backend's chunks: up to 1 GiB of device memory and 2^18 replications (per-chunk
#: launch costs amortised; on the CPU, 64 MiB chunks stay in cache and run side by side)
GPU_CHUNK_BUDGET, GPU_CHUNK_CAP = 2**30, 2**18


def _run_task(
    kernel: Kernel,
    backend: str,
    t: Task,
    dec_w: FloatArray,
    dec_i: npt.NDArray[np.bool_],
    wf: Any,
) -> ChunkOut:
    return evaluate_chunk(kernel, backend, t.variant, t.agg, dec_w, dec_i, t.rows, wf)


def _put_rows(dst: FloatArray, rows: IntArray, src: FloatArray) -> None:
    from aicap.index import cpu_kernels  # Numba: imported when first needed

    cpu_kernels.put_rows(
        dst, np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(src, np.float64)
    )


def _dead_reasons(plan: Plan, incl: npt.NDArray[np.bool_]) -> list[str]:
    """Why each of these replications failed: the indicators left out and the first aggregate
    they leave with no children (rows are failures only, never all replications)."""
    tree = plan.comp.framework.tree
    alive = (incl.astype(np.float32) @ plan.descend) > 0
    out = []
    for row, ok in zip(incl, alive, strict=True):
        drop = [c for c, keep in zip(tree.indicators, row, strict=True) if not keep]
        dead = tree.aggregates[int(np.argmin(ok))]
        out.append(f"excluding {', '.join(drop)} leaves aggregate {dead!r} with no children")
    return out


#: Dask runs started from this process (a task that finds its run here shares the client's
#: process: a cluster of threads, whose BLAS limit the client holds).
_LOCAL_RUNS: set[str] = set()


def _dask_task(
    kernel: Kernel,
    backend: str,
    t: Task,
    dec_w: FloatArray,
    dec_i: npt.NDArray[np.bool_],
    wf: Any,
    run_id: str,
) -> ChunkOut:
    if run_id not in _LOCAL_RUNS:
        # a worker process of its own: single-threaded BLAS for good (set, never restored:
        # a restore racing another task's would leave the worker's setting undefined)
        _one_blas_thread()
    # in the client's own process (a cluster of threads), the client holds the limit
    return _run_task(kernel, backend, t, dec_w, dec_i, wf)


def _one_blas_thread() -> Any:
    """The chunk's matrix products are small and many: a multi-threaded BLAS spends more on
    waking threads than on work, so chunks run single-threaded BLAS (parallelism comes from
    running chunks side by side: ``workers`` threads or Dask workers)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class Raw:
    """Per-replication outputs of a batch of runs."""

    decoded: Decoded
    score: FloatArray  # (R, n)
    rank: FloatArray  # (R, n)
    fail: IntArray
    reason: list[str | None]
    wins: IntArray | None
    both: IntArray | None
    mars: FloatArray  # per replication: mean |rank - nominal rank| over ranked units
    chunk_size: int
    chunk_bytes: int
    n_chunks: int


def evaluate(
    plan: Plan,
    dec: Decoded,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    client: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Raw:
    """Run every replication of ``dec``: in process (``workers`` threads), or as Dask tasks
    on ``client`` (a ``distributed.Client`` the caller made). Same results either way."""
    get_backend(backend)  # fail early on a missing library
    chunk = chunk_size or plan.spec.chunk_size
    if not chunk:
        gpu = backend in ("cupy", "torch")
        chunk = default_chunk(plan, GPU_CHUNK_BUDGET, GPU_CHUNK_CAP) if gpu else default_chunk(plan)
    ts = tasks(plan, dec, chunk)
    r, n = dec.u.shape[0], len(plan.units)
    score = np.empty((r, n))  # every row is written by its chunk
    rank = np.empty((r, n))
    mars = np.full(r, np.nan)
    fail = np.zeros(r, dtype=np.int64)
    reason: list[str | None] = [None] * r
    wins = np.zeros((n, n), dtype=np.int64) if plan.kernel.pairwise else None
    both = np.zeros((n, n), dtype=np.int64) if plan.kernel.pairwise else None
    pre_fail = dec.weight_fail | dec.dead

    def args(t: Task) -> tuple[FloatArray, npt.NDArray[np.bool_], Any]:
        return dec.weights[t.rows], dec.incl[t.rows], pre_fail[t.rows]

    def here(t: Task) -> ChunkOut:
        """One chunk in this process; its scores and ranks go into place in the thread that
        computed them (the collecting thread is the one all chunks wait on)."""
        o = _run_task(plan.kernel, backend, t, *args(t))
        _put_rows(score, o.rows, o.score)
        _put_rows(rank, o.rows, o.rank)
        return o

    def collect(o: ChunkOut, done: int, stored: bool = False) -> None:
        rows = o.rows
        if not stored:
            score[rows] = o.score
            rank[rows] = o.rank
        mars[rows] = o.mars if o.mars is not None else _mars(o.rank, plan.nominal_rank)
        fail[rows] = o.fail
        for i in np.nonzero(o.fail != OK)[0].tolist():  # failures only
            reason[int(rows[i])] = o.reason[i]
        if wins is not None and both is not None and o.wins is not None and o.both is not None:
            wins[...] += o.wins
            both[...] += o.both
        if progress is not None:
            progress(done, len(ts))

    if client is not None:
        from distributed import as_completed

        # hash=False: a fresh key per run; with content hashing, a second run on the same
        # kernel can reuse a key the first run is releasing ("lost dependencies")
        kern = client.scatter(plan.kernel, broadcast=True, hash=False)
        run_id = uuid.uuid4().hex
        _LOCAL_RUNS.add(run_id)  # tasks that find it run in this process
        try:
            with _one_blas_thread():
                futs = [
                    client.submit(_dask_task, kern, backend, t, *args(t), run_id, pure=False)
                    for t in ts
                ]
                for i, fut in enumerate(as_completed(futs), start=1):  # type: ignore[no-untyped-call]
                    collect(fut.result(), i)
        finally:
            _LOCAL_RUNS.discard(run_id)
    elif workers > 1:
        with _one_blas_thread(), ThreadPoolExecutor(max_workers=workers) as ex:
            for i, o in enumerate(ex.map(here, ts), start=1):
                collect(o, i, stored=True)
    else:
        with _one_blas_thread():
            for i, t in enumerate(ts, start=1):  # chunks of replications
                collect(here(t), i, stored=True)
    # failures decided before the kernel: exclusions that leave an aggregate empty
    rows = np.nonzero(dec.dead)[0]
    if rows.size:
        fail[rows] = FAIL_EXCLUDE
        score[rows] = np.nan
        rank[rows] = np.nan
        mars[rows] = np.nan
        for row, msg in zip(rows.tolist(), _dead_reasons(plan, dec.incl[rows]), strict=True):
            reason[row] = msg
    return Raw(
        dec, score, rank, fail, reason, wins, both, mars, chunk, plan.chunk_bytes(chunk), len(ts)
    )


# ---------------------------------------------------------------------------- results
def _labels_frame(plan: Plan, dec: Decoded) -> pd.DataFrame:
    tree = plan.comp.framework.tree
    cols: dict[str, Any] = {"replication": np.arange(dec.u.shape[0])}
    for i, f in enumerate(plan.factors):
        if f.discrete:
            cols[f.name] = np.asarray(f.labels, dtype=object)[dec.choices[:, i]]
        elif f.kind == "include":  # which of its indicators were left out
            names = [tree.codes[p] for p in f.positions]
            masks = dec.choices[:, i]
            uniq, inv = np.unique(masks, return_inverse=True)
            text = [
                ", ".join(c for j, c in enumerate(names) if int(m) >> j & 1) or "none" for m in uniq
            ]
            cols[f"{f.name} (excluded)"] = np.asarray(text, dtype=object)[inv]
    weighted = [f for f in plan.factors if f.kind in ("weight_noise", "dirichlet")]
    perturbed = sorted({p for f in weighted for p in f.positions})
    for p in perturbed:
        cols[f"w:{tree.codes[p]}"] = dec.weights[:, p]
    return pd.DataFrame(cols)


@dataclass
class UncertaintyResult:
    """Monte Carlo uncertainty analysis of one composite."""

    plan: Plan
    raw: Raw

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.raw.fail == OK)

    def countries(self) -> pd.DataFrame:
        """Per unit: nominal, median, 5th and 95th percentile of score and rank, and the mean
        absolute rank shift from nominal; best nominal rank first."""
        s = self.raw.score[self.ok]
        rk = self.raw.rank[self.ok]
        q = _quantiles(s)
        qr = _quantiles(rk)
        with np.errstate(invalid="ignore"):
            shift = (
                np.nanmean(np.abs(rk - self.plan.nominal_rank[None, :]), axis=0)
                if len(rk)
                else np.full(len(self.plan.units), np.nan)
            )
        out = pd.DataFrame(
            {
                "uCode": self.plan.units,
                "score_nominal": self.plan.nominal_score,
                "score_median": q[1],
                "score_p05": q[0],
                "score_p95": q[2],
                "rank_nominal": self.plan.nominal_rank,
                "rank_median": qr[1],
                "rank_p05": qr[0],
                "rank_p95": qr[2],
                "mean_abs_rank_shift": shift,
                "n_ranked": (~np.isnan(rk)).sum(axis=0),
            }
        )
        keep = out["n_ranked"].gt(0) | out["rank_nominal"].notna()
        return (
            out[keep].sort_values(["rank_nominal", "uCode"], kind="stable").reset_index(drop=True)
        )

    def pairwise(self) -> pd.DataFrame:
        """``P[a, b]``: share of (successful) replications in which ``a`` ranks above ``b``."""
        if self.raw.wins is None or self.raw.both is None:
            raise ValueError("the spec turned the pairwise matrix off (pairwise: false)")
        with np.errstate(invalid="ignore", divide="ignore"):
            p = self.raw.wins / self.raw.both
        np.fill_diagonal(p, np.nan)
        order = self.countries()["uCode"].tolist()
        idx = [self.plan.units.index(u) for u in order]
        frame = pd.DataFrame(p[np.ix_(idx, idx)], index=order, columns=order)
        frame.index.name = "uCode"
        return frame

    def samples(self) -> pd.DataFrame:
        """The sampled parameters of every replication, and whether it failed."""
        out = _labels_frame(self.plan, self.raw.decoded)
        out["failed"] = self.raw.fail != OK
        return out

    def failures(self) -> pd.DataFrame:
        rows = np.nonzero(self.raw.fail != OK)[0]
        return pd.DataFrame(
            {
                "replication": rows,
                "reason": [self.raw.reason[i] or "failed" for i in rows.tolist()],
            }
        )

    def mean_abs_rank_shift(self) -> FloatArray:
        """Per replication: mean over units of |rank - nominal rank| (COINr's scalar)."""
        return self.raw.mars

    def summary(self) -> dict[str, Any]:
        m = self.mean_abs_rank_shift()
        return {
            "replications": int(self.raw.fail.size),
            "failed": int((self.raw.fail != OK).sum()),
            "data_variants": self.plan.n_variants,
            "chunks": self.raw.n_chunks,
            "chunk_size": self.raw.chunk_size,
            "bytes_per_chunk": self.raw.chunk_bytes,
            "mean_abs_rank_shift": float(np.nanmean(m)) if np.isfinite(m).any() else None,
        }


def _mars(rank: FloatArray, nominal: FloatArray) -> FloatArray:
    """Per replication: mean |rank - nominal rank| over the units ranked in both (a compiled
    loop, :func:`aicap.index.cpu_kernels.mean_abs_shift`)."""
    from aicap.index import cpu_kernels  # Numba: imported when first needed

    out = np.empty(rank.shape[0], dtype=np.float64)
    cpu_kernels.mean_abs_shift(
        np.ascontiguousarray(rank, dtype=np.float64),
        np.ascontiguousarray(nominal, dtype=np.float64),
        out,
    )
    return out


def _quantiles(a: FloatArray) -> FloatArray:
    if a.shape[0] == 0:
        return np.full((3, a.shape[1]), np.nan)
    if not np.isnan(a).any():
        return np.asarray(np.percentile(a, [5, 50, 95], axis=0), dtype=np.float64)
    out = np.full((3, a.shape[1]), np.nan)
    full = ~np.isnan(a).any(axis=0)
    if full.any():
        out[:, full] = np.percentile(a[:, full], [5, 50, 95], axis=0)
    for j in np.nonzero(~full)[0]:  # columns with gaps (units screened out in some variants)
        col = a[:, j]
        col = col[~np.isnan(col)]
        if col.size:
            out[:, j] = np.percentile(col, [5, 50, 95])
    return out


def sample_uniform(plan: Plan, n: int | None = None, seed: int | None = None) -> FloatArray:
    """Monte Carlo design: ``(n, D)`` uniforms (pseudo-random, or a scrambled Sobol'
    sequence with ``sampler: sobol``), from the spec's seed."""
    n = n or plan.spec.n
    seed = plan.spec.seed if seed is None else seed
    d = int(sum(plan.dims))
    if plan.spec.sampler == "sobol":
        from scipy.stats import qmc

        return np.asarray(qmc.Sobol(d=d, scramble=True, seed=seed).random(n), dtype=np.float64)
    return np.random.default_rng(seed).random((n, d))


def run_uncertainty(
    plan: Plan,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    client: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis: ``spec.n`` replications."""
    dec = decode(plan, sample_uniform(plan))
    raw = evaluate(
        plan,
        dec,
        backend=backend,
        chunk_size=chunk_size,
        client=client,
        workers=workers,
        progress=progress,
    )
    return UncertaintyResult(plan, raw)


@dataclass
class SobolResult:
    """Sobol' indices per unit, for the mean absolute rank shift and for all units pooled."""

    plan: Plan
    raw: Raw
    n_base: int
    per_unit: SobolIndices
    mars: SobolIndices
    pooled_s1: FloatArray
    pooled_st: FloatArray

    def table(self) -> pd.DataFrame:
        """Rows: output (``mean_abs_rank_shift``, ``all units`` = variance-weighted over
        units, then each unit), input, S1, S1_conf, ST, ST_conf."""
        names = [f.name for f in self.plan.factors]
        g = len(names)
        recs: list[dict[str, Any]] = []
        for j, nm in enumerate(names):
            recs.append(
                {
                    "output": "mean_abs_rank_shift",
                    "input": nm,
                    "S1": self.mars.S1[j],
                    "S1_conf": self.mars.S1_conf[j],
                    "ST": self.mars.ST[j],
                    "ST_conf": self.mars.ST_conf[j],
                }
            )
        for j, nm in enumerate(names):
            recs.append(
                {
                    "output": "all units",
                    "input": nm,
                    "S1": self.pooled_s1[j],
                    "S1_conf": np.nan,
                    "ST": self.pooled_st[j],
                    "ST_conf": np.nan,
                }
            )
        top = pd.DataFrame(recs)
        pu = self.per_unit
        units = np.repeat(np.asarray(self.plan.units, dtype=object), g)
        per = pd.DataFrame(
            {
                "output": units,
                "input": np.tile(np.asarray(names, dtype=object), len(self.plan.units)),
                "S1": pu.S1.T.reshape(-1),
                "S1_conf": pu.S1_conf.T.reshape(-1),
                "ST": pu.ST.T.reshape(-1),
                "ST_conf": pu.ST_conf.T.reshape(-1),
            }
        )
        ranked = set(UncertaintyResult(self.plan, self.raw).countries()["uCode"])
        per = per[per["output"].isin(ranked)]
        return pd.concat([top, per], ignore_index=True)

    def samples(self) -> pd.DataFrame:
        out = _labels_frame(self.plan, self.raw.decoded)
        g = len(self.plan.factors)
        out.insert(1, "block", out["replication"] // (g + 2))
        names = ["A", *(f"AB:{f.name}" for f in self.plan.factors), "B"]
        out.insert(2, "matrix", np.asarray(names, dtype=object)[out["replication"] % (g + 2)])
        out["failed"] = self.raw.fail != OK
        return out

    def failures(self) -> pd.DataFrame:
        return UncertaintyResult(self.plan, self.raw).failures()


def run_sobol(
    plan: Plan,
    n: int | None = None,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    client: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> SobolResult:
    """Sobol' sensitivity: ``n`` base samples (a power of 2; default ``spec.sobol_n`` or
    ``spec.n`` rounded up), ``n (G + 2)`` runs; indices of each unit's rank (or score, with
    ``output: score``), of the mean absolute rank shift, and pooled over units."""
    spec = plan.spec
    n = n or spec.sobol_n or 1 << max(1, int(np.ceil(np.log2(spec.n))))
    if n & (n - 1):
        raise ValueError(f"Sobol' base sample size {n} must be a power of 2")
    u = saltelli_sample(plan.dims, n, spec.seed)
    if plan.kernel.pairwise:  # the indices do not use the pairwise matrix
        plan = dataclasses.replace(plan, kernel=dataclasses.replace(plan.kernel, pairwise=False))
    dec = decode(plan, u)
    raw = evaluate(
        plan,
        dec,
        backend=backend,
        chunk_size=chunk_size,
        client=client,
        workers=workers,
        progress=progress,
    )
    g = len(plan.factors)
    y = raw.rank if spec.output == "rank" else raw.score
    valid = ~np.isnan(y).all(axis=0) & ~np.isnan(plan.nominal_rank)
    yv = y[:, valid] if not valid.all() else y
    kw: dict[str, Any] = {
        "num_resamples": spec.bootstrap,
        "conf_level": spec.conf_level,
        "seed": spec.seed + 1,
    }
    full = np.full((g, y.shape[1]), np.nan)
    per = SobolIndices(full, full.copy(), full.copy(), full.copy(), 0)
    if valid.any():
        sub = sobol_indices(yv, g, **kw)
        arrs = []
        for a in (sub.S1, sub.S1_conf, sub.ST, sub.ST_conf):
            b = full.copy()
            b[:, valid] = a
            arrs.append(b)
        per = SobolIndices(arrs[0], arrs[1], arrs[2], arrs[3], sub.n_valid)
    mars = sobol_indices(raw.mars, g, **kw)
    # pooled over units: variance-weighted average of the per-unit indices
    blocks = yv.reshape(n, g + 2, -1)
    ab = blocks[:, [0, g + 1]]
    ab = ab[~np.isnan(ab).any(axis=(1, 2)) & ~np.isnan(blocks[:, 1 : g + 1]).any(axis=(1, 2))]
    var = ab.reshape(-1, ab.shape[-1]).var(axis=0)
    tot = var.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        ps1 = (per.S1[:, valid] * var).sum(axis=1) / tot
        pst = (per.ST[:, valid] * var).sum(axis=1) / tot
    return SobolResult(plan, raw, n, per, mars, ps1, pst)


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
