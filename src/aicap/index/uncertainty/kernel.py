"""Evaluate, the kernel: a chunk of replications that share a data variant and an aggregation
alternative, as batched contractions per aggregation level, batched ranks and outranking
counts, on any array backend (:mod:`aicap.index.backend`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aicap.index import collapse
from aicap.index.backend import device_of, get_backend, like
from aicap.index.collapse import phi as transform
from aicap.index.errors import ValidationError
from aicap.index.ranks import outrank_counts, rank_desc_batched
from aicap.index.recipe import Step
from aicap.index.registry import REGISTRY
from aicap.index.uncertainty.plan import (
    FAIL_DOMAIN,
    FAIL_VARIANT,
    FAIL_WEIGHTS,
    OK,
    FloatArray,
    IntArray,
    Kernel,
    LevelPlan,
)


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
    on_host = isinstance(incl, np.ndarray)
    incl_np = incl if on_host else None  # (R, k); a device array goes to the host if needed
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
            xp,
            X,
            W,
            be.asarray(incl) if on_host else incl,
            clevels,
            segs,
            kernel.n_elements,
            kernel.target,
        )
        return (xp.exp(y) if is_log else y), domain_fail, live
    if incl_np is None:  # the level-by-level path reads the kept indicators on the host
        incl_np = np.asarray(be.to_numpy(incl), dtype=bool)
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
