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

The package follows SALib's shape, one module each: :mod:`.plan` (the factors and data
variants), :mod:`.sample` (the seeded stream and decoding), :mod:`.kernel` and
:mod:`.evaluate` (a chunk's kernel, and chunks scheduled in process or on Dask) and
:mod:`.summarise` (bands, pairwise matrix, Sobol' indices).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from aicap.index.errors import ComputationError
from aicap.index.sensitivity import SobolIndices, saltelli_sample, sobol_indices
from aicap.index.uncertainty.blocks import BlockRows, Sink, run_blocks
from aicap.index.uncertainty.evaluate import (
    GPU_CHUNK_BUDGET,
    GPU_CHUNK_CAP,
    Progress,
    Raw,
    Task,
    default_chunk,
    evaluate,
    tasks,
)
from aicap.index.uncertainty.kernel import (
    ChunkOut,
    _level_method,
    evaluate_chunk,
    evaluate_chunk_device,
)
from aicap.index.uncertainty.plan import (
    FAIL_DOMAIN,
    FAIL_EXCLUDE,
    FAIL_VARIANT,
    FAIL_WEIGHTS,
    OK,
    Factor,
    Kernel,
    LevelPlan,
    Plan,
    make_plan,
    replay,
)
from aicap.index.uncertainty.sample import Decoded, decode, sample_uniform
from aicap.index.uncertainty.stream import Summary
from aicap.index.uncertainty.summarise import SobolResult, UncertaintyResult

__all__ = [
    "FAIL_DOMAIN",
    "FAIL_EXCLUDE",
    "FAIL_VARIANT",
    "FAIL_WEIGHTS",
    "GPU_CHUNK_BUDGET",
    "GPU_CHUNK_CAP",
    "OK",
    "BlockRows",
    "ChunkOut",
    "Decoded",
    "Factor",
    "Kernel",
    "LevelPlan",
    "Plan",
    "Raw",
    "Sink",
    "SobolResult",
    "Summary",
    "Task",
    "UncertaintyResult",
    "_level_method",
    "decode",
    "default_chunk",
    "evaluate",
    "evaluate_chunk",
    "evaluate_chunk_device",
    "make_plan",
    "replay",
    "run_blocks",
    "run_sobol",
    "run_uncertainty",
    "sample_uniform",
    "tasks",
]


def run_uncertainty(
    plan: Plan,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    client: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
    keep_samples: bool | None = None,
    sink: Sink | None = None,
    block: int | None = None,
    tasks_per_worker: int | None = None,
) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis: ``spec.n`` replications, sampled, evaluated and
    summarised block by block (:mod:`.blocks`). ``keep_samples`` (default: in process yes, on
    Dask no) keeps every replication in memory; without it memory does not grow with the
    replications. ``sink`` receives each block's replications where it ran (e.g. Parquet
    written by the Dask workers). On Dask, ``tasks_per_worker`` tasks per worker thread
    (default 2) each run a stretch of blocks (:mod:`.dask_run`)."""
    keep = client is None if keep_samples is None else keep_samples
    run = run_blocks(
        plan,
        backend=backend,
        chunk_size=chunk_size,
        block=block,
        client=client,
        workers=workers,
        keep=keep,
        sink=sink,
        progress=progress,
        tasks_per_worker=tasks_per_worker,
    )
    return UncertaintyResult(plan, run.raw, run.summary, run.chunk, run.block, run.n_chunks)


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
    if plan.kernel.pairwise:  # the indices do not use the pairwise matrix
        plan = dataclasses.replace(plan, kernel=dataclasses.replace(plan.kernel, pairwise=False))
    g = len(plan.factors)

    def check(runs: int, failed: int, incomplete: int, reasons: list[str | None]) -> None:
        _refuse_failures(plan, n, runs, failed, incomplete, reasons)

    if client is not None:  # the workers sample, evaluate and sum (:mod:`.sobol_dask`)
        from aicap.index.uncertainty.sobol_dask import sobol_dask

        ds = sobol_dask(
            plan,
            n,
            client,
            backend=backend,
            chunk_size=chunk_size,
            progress=progress,
            check=check,
        )
        return SobolResult(
            plan,
            None,
            n,
            ds.per_unit,
            ds.mars,
            ds.pooled_s1,
            ds.pooled_st,
            ds.failed,
            ds.blocks_used,
            runs=ds.runs,
            ranked=ds.ranked,
            fail_rows=ds.fail_rows,
            fail_reasons=ds.fail_reasons,
            chunk_bytes=ds.chunk_bytes,
            task_times=ds.task_times,
        )
    u = saltelli_sample(plan.dims, n, spec.seed)
    dec = decode(plan, u)
    raw = evaluate(
        plan,
        dec,
        backend=backend,
        chunk_size=chunk_size,
        workers=workers,
        progress=progress,
    )
    runs, failed, incomplete = _sobol_failures(raw, n, g)
    check(runs, failed, incomplete, [r for r in raw.reason if r is not None])
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
    return SobolResult(plan, raw, n, per, mars, ps1, pst, failed, n - incomplete)


def _refuse_failures(
    plan: Plan, n: int, runs: int, failed: int, incomplete: int, reasons: list[str | None]
) -> None:
    """Refuse the analysis when more than ``sobol_max_failed`` of its runs failed."""
    spec = plan.spec
    if failed > spec.sobol_max_failed * runs:
        counts = pd.Series([r or "failed" for r in reasons]).value_counts()
        top = "; ".join(f"{c:,} x {why}" for why, c in counts.head(3).items())
        raise ComputationError(
            f"{plan.label}: Sobol' analysis refused: {failed:,} of {runs:,} runs failed "
            f"({failed / runs:.1%}; {incomplete:,} of {n:,} sample blocks incomplete), above "
            f"sobol_max_failed = {spec.sobol_max_failed:.1%}. The indices would describe only "
            f"the successful runs (conditional on success). Failures: {top}. Change the spec so "
            "that runs do not fail, or raise sobol_max_failed to accept conditional indices."
        )


def _sobol_failures(raw: Raw, n: int, g: int) -> tuple[int, int, int]:
    """Runs, failed runs, and sample blocks (``A, AB_1 .. AB_G, B``) with a failed run."""
    bad = raw.fail != OK
    return int(bad.size), int(bad.sum()), int(bad.reshape(n, g + 2).any(axis=1).sum())
