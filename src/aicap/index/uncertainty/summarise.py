"""Summarise: per-country bands, the pairwise matrix, failures, and Sobol' indices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicap.index.sensitivity import SobolIndices
from aicap.index.uncertainty.evaluate import Raw
from aicap.index.uncertainty.plan import OK, FloatArray, IntArray, Plan
from aicap.index.uncertainty.sample import Decoded
from aicap.index.uncertainty.stream import Summary, TaskTime


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
    """Monte Carlo uncertainty analysis of one composite: the streamed summaries, and every
    replication's outputs when they were kept (``raw``; ``None`` otherwise)."""

    plan: Plan
    raw: Raw | None
    stream: Summary | None = None
    chunk_size: int = 0
    block: int = 0
    n_chunks: int = 0

    def __post_init__(self) -> None:
        if self.stream is None:  # built from kept replications (one pass over them)
            if self.raw is None:
                raise ValueError("an uncertainty result needs its summaries or replications")
            self.stream = summary_of(self.plan, self.raw)
            self.chunk_size, self.n_chunks = self.raw.chunk_size, self.raw.n_chunks

    @property
    def summaries(self) -> Summary:
        assert self.stream is not None
        return self.stream

    def _kept(self, what: str) -> Raw:
        if self.raw is None:
            raise ValueError(
                f"{what} needs every replication, which this run did not keep in memory "
                "(keep_samples=False, or a Dask run: write them with a sink)"
            )
        return self.raw

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self._kept("ok").fail == OK)

    def countries(self) -> pd.DataFrame:
        """Per unit: nominal, median, 5th and 95th percentile of score and rank, and the mean
        absolute rank shift from nominal; best nominal rank first. Ranks (and the shift) come
        from exact rank histograms; scores are exact when the replications were kept, else
        read from the streamed bins (within ``summary()['score_error']``)."""
        sm = self.summaries
        qr = sm.rank_percentiles()
        q = _quantiles(self.raw.score[self.ok]) if self.raw is not None else sm.score_percentiles()
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
                "mean_abs_rank_shift": sm.rank_shift(self.plan.nominal_rank),
                "n_ranked": sm.n_ranked(),
            }
        )
        keep = out["n_ranked"].gt(0) | out["rank_nominal"].notna()
        return (
            out[keep].sort_values(["rank_nominal", "uCode"], kind="stable").reset_index(drop=True)
        )

    def pairwise(self) -> pd.DataFrame:
        """``P[a, b]``: share of (successful) replications in which ``a`` ranks above ``b``."""
        sm = self.summaries
        if sm.wins is None or sm.both is None:
            raise ValueError("the spec turned the pairwise matrix off (pairwise: false)")
        with np.errstate(invalid="ignore", divide="ignore"):
            p = sm.wins / sm.both
        np.fill_diagonal(p, np.nan)
        order = self.countries()["uCode"].tolist()
        idx = [self.plan.units.index(u) for u in order]
        frame = pd.DataFrame(p[np.ix_(idx, idx)], index=order, columns=order)
        frame.index.name = "uCode"
        return frame

    def samples(self) -> pd.DataFrame:
        """The sampled parameters of every replication, and whether it failed."""
        raw = self._kept("samples()")
        out = _labels_frame(self.plan, raw.decoded)
        out["failed"] = raw.fail != OK
        return out

    def failures(self) -> pd.DataFrame:
        rows, reasons = self.summaries.failures()
        return pd.DataFrame({"replication": rows, "reason": [r or "failed" for r in reasons]})

    def mean_abs_rank_shift(self) -> FloatArray:
        """Per replication: mean over units of |rank - nominal rank| (COINr's scalar)."""
        return self._kept("mean_abs_rank_shift()").mars

    def summary(self) -> dict[str, Any]:
        sm = self.summaries
        if self.raw is not None:
            m = self.raw.mars
            shift = float(np.nanmean(m)) if np.isfinite(m).any() else None
        else:
            shift = sm.mean_abs_rank_shift()
        return {
            "replications": sm.replications,
            "failed": sm.failed,
            "data_variants": self.plan.n_variants,
            "chunks": self.n_chunks,
            "chunk_size": self.chunk_size,
            "bytes_per_chunk": self.plan.chunk_bytes(self.chunk_size),
            "mean_abs_rank_shift": shift,
            "replications_kept": self.raw is not None,
            "score_quantiles": "exact" if self.raw is not None else "binned",
            "score_error": 0.0 if self.raw is not None else sm.score_error,
            "scores_outside_bins": sm.score_outside,
        }


def summary_of(plan: Plan, raw: Raw) -> Summary:
    """The streamed summaries of kept replications."""
    sm = Summary.empty(plan)
    rows = np.arange(raw.fail.size)
    step = 1 << 16
    for i in range(0, rows.size, step):  # bounded temporaries
        sl = slice(i, i + step)
        rk = raw.rank_int[sl].astype(np.float64)
        rk[raw.rank_int[sl] == 0] = np.nan
        sm.add(rows[sl], raw.score[sl], rk, raw.fail[sl], raw.reason[sl], raw.mars[sl], None, None)
    sm.wins, sm.both = raw.wins, raw.both
    sm.chunks = raw.n_chunks
    return sm


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


@dataclass
class SobolResult:
    """Sobol' indices per unit, for the mean absolute rank shift and for all units pooled."""

    plan: Plan
    #: every run's outputs (in process); ``None`` on Dask (they stayed on the workers)
    raw: Raw | None
    n_base: int
    per_unit: SobolIndices
    mars: SobolIndices
    pooled_s1: FloatArray
    pooled_st: FloatArray
    #: failed runs, and sample blocks used (a block with a failed run is left out)
    failed: int = 0
    blocks_used: int = 0
    #: runs, units ranked in some run, failed runs' numbers and reasons, bytes per chunk
    #: (taken from ``raw`` when it is given)
    runs: int = 0
    ranked: npt.NDArray[np.bool_] | None = None
    fail_rows: IntArray | None = None
    fail_reasons: list[str | None] | None = None
    chunk_bytes: int = 0
    #: the Dask tasks' own measurements (diagnostics; empty in process)
    task_times: list[TaskTime] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.raw is not None:
            raw = self.raw
            self.runs = int(raw.fail.size)
            self.ranked = np.asarray((raw.rank_int != 0).any(axis=0), dtype=bool)
            rows = np.nonzero(raw.fail != OK)[0]
            self.fail_rows = rows.astype(np.int64)
            self.fail_reasons = [raw.reason[i] for i in rows.tolist()]
            self.chunk_bytes = raw.chunk_bytes

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
        seen = self.ranked if self.ranked is not None else np.zeros(len(self.plan.units), bool)
        ranked = {
            u
            for u, c, nom in zip(self.plan.units, seen, self.plan.nominal_rank, strict=True)
            if c or not np.isnan(nom)
        }
        per = per[per["output"].isin(ranked)]
        out = pd.concat([top, per], ignore_index=True)
        # every index with the failures behind it: its indices are those of the successful
        # runs, from the complete sample blocks only
        runs = self.runs
        out["runs"] = runs
        out["failed_runs"] = self.failed
        out["failed_share"] = self.failed / runs if runs else np.nan
        out["blocks_used"] = self.blocks_used
        out["blocks"] = self.n_base
        return out

    def samples(self) -> pd.DataFrame:
        if self.raw is None:
            raise ValueError(
                "samples() needs every run's parameters, which a Dask run leaves on the workers"
            )
        out = _labels_frame(self.plan, self.raw.decoded)
        g = len(self.plan.factors)
        out.insert(1, "block", out["replication"] // (g + 2))
        names = ["A", *(f"AB:{f.name}" for f in self.plan.factors), "B"]
        out.insert(2, "matrix", np.asarray(names, dtype=object)[out["replication"] % (g + 2)])
        out["failed"] = self.raw.fail != OK
        return out

    def failures(self) -> pd.DataFrame:
        rows = self.fail_rows if self.fail_rows is not None else np.zeros(0, dtype=np.int64)
        reasons = self.fail_reasons or []
        return pd.DataFrame({"replication": rows, "reason": [r or "failed" for r in reasons]})
