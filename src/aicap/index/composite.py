"""The composite: framework + unit data + recipe, with every stage and per-cell flags kept.

>>> comp = build(framework, data, recipe)          # doctest: +SKIP
>>> comp.stages["normalised"]; comp.flags; comp.ranks()
>>> comp2 = comp.rebuild({"normalise": {"method": "n_prank"}})  # recomputes normalise onwards
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from aicap.index.errors import ValidationError
from aicap.index.framework import Framework
from aicap.index.pipeline import RUNNERS, Context, State, StepResult, _concat, aggregate_tree
from aicap.index.recipe import Recipe
from aicap.index.stats import rank_desc
from aicap.index.weights import weights_table

UNIT_COLUMNS = ("uCode", "uName", "Time")


@dataclass(frozen=True, eq=False)
class Composite:
    """A built index. Immutable: :meth:`rebuild` returns a new composite."""

    framework: Framework
    recipe: Recipe
    data: pd.DataFrame
    initial: State
    results: tuple[StepResult, ...]
    computed: tuple[str, ...]
    label: str = "data"

    # ------------------------------------------------------------------ stages
    @property
    def stages(self) -> dict[str, pd.DataFrame]:
        """Every stage, in order: ``raw`` then one per data step (``denominated``...)."""
        out = {"raw": self.initial.data}
        for r in self.results:
            if r.step.step != "weight":
                out[r.step.stage] = r.state.data
        return out

    def stage(self, name: str) -> pd.DataFrame:
        stages = self.stages
        if name not in stages:
            raise KeyError(f"no stage {name!r}; stages are {', '.join(stages)}")
        return stages[name]

    @property
    def last(self) -> State:
        return self.results[-1].state if self.results else self.initial

    @property
    def flags(self) -> pd.DataFrame:
        """Per-cell flags (long form): ``uCode, iCode, step, flag``."""
        return _concat([r.flags for r in self.results])

    def flags_wide(self) -> pd.DataFrame:
        """One row per unit, one column per indicator/aggregate, flags joined with ``; ``."""
        f = self.flags
        codes = self.framework.tree.codes
        units = list(self.initial.data.index)
        if f.empty:
            return pd.DataFrame("", index=pd.Index(units, name="uCode"), columns=codes)
        joined = f.groupby(["uCode", "iCode"], sort=False)["flag"].agg("; ".join)
        wide = joined.unstack("iCode").reindex(index=units, columns=codes).astype(object)
        wide = wide.where(wide.notna(), "")
        wide.index.name = "uCode"
        return wide.astype(str)

    def details(self, step: str) -> dict[str, Any]:
        for r in self.results:
            if r.step.step == step:
                return r.details
        return {}

    @property
    def weights(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        return self.last.weights

    def weights_table(self) -> pd.DataFrame:
        """Weights used for aggregation, within-group and effective weights."""
        return weights_table(self.framework.tree, self.weights)

    # ------------------------------------------------------------------ results
    @property
    def scores(self) -> pd.DataFrame:
        """The aggregated stage (indicators and aggregates) or the last stage."""
        return self.last.data

    def ranks(self) -> pd.DataFrame:
        """Ranks of every column of :attr:`scores` (1 = best, ties share the lowest rank)."""
        s = self.scores
        r = rank_desc(s.to_numpy(dtype=np.float64))
        return pd.DataFrame(r, index=s.index, columns=s.columns)

    def results_table(self, code: str | None = None) -> pd.DataFrame:
        """Units sorted by ``code`` (the index by default): score and rank, then all columns."""
        code = code or self.framework.tree.top[0]
        s = self.scores
        out = pd.DataFrame({"uCode": s.index, "Rank": self.ranks()[code].to_numpy()})
        out = pd.concat([out, s.reset_index(drop=True)], axis=1)
        return out.sort_values(code, ascending=False, kind="stable").reset_index(drop=True)

    def aggregate_with(
        self, weights: np.ndarray[Any, np.dtype[np.float64]]
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Scores of every element for a batch of weight vectors ``(..., n_elements)``
        (in ``framework.tree.codes`` order), reusing the stage before aggregation: returns
        ``(..., n_units, n_elements)``. One batched contraction per level, no loop over the
        batch (the building block for uncertainty analysis)."""
        step = self.recipe.step("aggregate")
        if step is None:
            raise ValueError("the recipe has no aggregate step")
        k = next(i for i, r in enumerate(self.results) if r.step.step == "aggregate")
        before = self.results[k - 1].state.data if k > 0 else self.initial.data
        x = before[self.framework.tree.indicators].to_numpy(dtype=np.float64)
        vals, _ = aggregate_tree(
            x, np.asarray(weights, dtype=np.float64), self.framework.tree, step, self.recipe.name
        )
        return vals

    # ------------------------------------------------------------------ record / replay
    def rebuild(self, changes: Mapping[str, Any] | Recipe) -> Composite:
        """A composite with the recipe changed; steps before the first change are reused."""
        new = changes if isinstance(changes, Recipe) else self.recipe.with_changes(changes)
        if new.time != self.recipe.time:  # another time point: prepare the data again
            return build(self.framework, self.data, new, self.label)
        k = new.first_difference(self.recipe)
        return _run(self.framework, self.data, new, self.initial, self.results[:k], self.label)

    def replay(self) -> Composite:
        """Rebuild everything from the input data with the recorded recipe."""
        return build(self.framework, self.data, self.recipe, self.label)

    def equals(self, other: Composite) -> bool:
        """Same recipe, same stages (values and NaNs), same flags and weights."""
        if self.recipe != other.recipe or self.framework != other.framework:
            return False
        a, b = self.stages, other.stages
        if list(a) != list(b) or any(not a[k].equals(b[k]) for k in a):
            return False
        if not np.array_equal(self.weights, other.weights):
            return False
        return self.flags.reset_index(drop=True).equals(other.flags.reset_index(drop=True))


def compare(a: Composite, b: Composite, code: str | None = None) -> pd.DataFrame:
    """Score and rank of each unit in two composites, and the changes (b minus a)."""
    code = code or a.framework.tree.top[0]
    sa, sb = a.scores[code], b.scores[code]
    ra, rb = a.ranks()[code], b.ranks()[code]
    out = pd.DataFrame({"score_a": sa, "score_b": sb, "rank_a": ra, "rank_b": rb})
    out["score_change"] = out["score_b"] - out["score_a"]
    out["rank_change"] = out["rank_b"] - out["rank_a"]
    out["abs_rank_change"] = out["rank_change"].abs()
    out.index.name = "uCode"
    return out.sort_values("rank_a", kind="stable")


# ---------------------------------------------------------------------------- build
def prepare(
    framework: Framework, data: pd.DataFrame, time: int | None = None, label: str = "data"
) -> State:
    """Validate unit data (COINr ``iData`` layout) and make the raw state."""
    if not isinstance(data, pd.DataFrame):
        raise ValidationError(label, "", "unit data must be a pandas DataFrame")
    df = data.reset_index() if "uCode" not in data.columns and data.index.name == "uCode" else data
    if "uCode" not in df.columns:
        raise ValidationError(label, "column uCode", "unit data need a 'uCode' column")
    codes = framework.indicator_codes
    missing = [c for c in codes if c not in df.columns]
    if missing:
        raise ValidationError(
            label,
            f"column {missing[0]!r}",
            f"indicator column(s) missing from the data: {', '.join(missing)}",
        )
    needed = list(framework.groups) + sorted(
        {i.denominator for i in framework.indicators if i.denominator is not None}
        | set(framework.denominators)
    )
    for col in needed:
        if col not in df.columns:
            raise ValidationError(
                label, f"column {col!r}", "column named in the framework is missing from the data"
            )
    df = df.reset_index(drop=True)
    num_cols = list(dict.fromkeys(codes + [c for c in needed if c not in framework.groups]))
    try:
        values = df[num_cols].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        for col in num_cols:
            conv = pd.to_numeric(df[col], errors="coerce")
            bad = conv.isna() & df[col].notna()
            if bad.any():
                i = int(np.nonzero(bad.to_numpy())[0][0])
                raise ValidationError(
                    label,
                    f"row {i + 2} (uCode {df['uCode'].iloc[i]!r}), column {col!r}",
                    f"non-numeric value {df[col].iloc[i]!r}",
                ) from None
        values = df[num_cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    other = [c for c in df.columns if c not in num_cols]
    df = pd.concat([df[other], pd.DataFrame(values, columns=num_cols, index=df.index)], axis=1)
    df["uCode"] = df["uCode"].astype(str)
    has_time = "Time" in df.columns and df["Time"].nunique(dropna=True) > 1
    keys = ["Time", "uCode"] if "Time" in df.columns else ["uCode"]
    dup = df.duplicated(keys)
    if dup.any():
        i = int(np.nonzero(dup.to_numpy())[0][0])
        raise ValidationError(
            label,
            f"row {i + 2} (uCode {df['uCode'].iloc[i]!r})",
            "duplicate unit code" + (" for this time" if has_time else ""),
        )
    panel: pd.DataFrame | None = None
    target: float | None = None
    if has_time:
        times = pd.to_numeric(df["Time"], errors="coerce")
        target = float(times.max()) if time is None else float(time)
        if target not in set(times.dropna().astype(float)):
            raise ValidationError(label, "column 'Time'", f"no rows for time {time}")
        panel = df.assign(Time=times)
        cur = panel[panel["Time"] == target]
    else:
        if time is not None and "Time" in df.columns and float(df["Time"].iloc[0]) != time:
            raise ValidationError(label, "column 'Time'", f"no rows for time {time}")
        cur = df
    cur = cur.sort_values("uCode", kind="stable").set_index("uCode")
    raw = cur[codes].astype(np.float64)
    raw.columns = pd.Index(codes)
    unit_cols = [c for c in cur.columns if c not in codes]
    units = cur[unit_cols]
    return State(data=raw, units=units, panel=panel, weights=framework.tree.weights(), time=target)


def _run(
    framework: Framework,
    data: pd.DataFrame,
    recipe: Recipe,
    initial: State,
    reused: tuple[StepResult, ...],
    label: str,
) -> Composite:
    ctx = Context(framework, label=f"{recipe.name}")
    results = list(reused)
    st = results[-1].state if results else initial
    stages: dict[str, pd.DataFrame] = {"raw": initial.data}
    for r in results:
        stages[r.step.stage] = r.state.data
    computed: list[str] = []
    for step in recipe.steps[len(results) :]:
        st = replace(st, stages=dict(stages))
        res = RUNNERS[step.step](step, st, ctx)
        results.append(res)
        stages[step.stage] = res.state.data
        computed.append(step.step)
        st = res.state
    return Composite(framework, recipe, data, initial, tuple(results), tuple(computed), label)


def build(
    framework: Framework, data: pd.DataFrame, recipe: Recipe, label: str = "data"
) -> Composite:
    """Build a composite: validate the data, then run the recipe's steps in order."""
    initial = prepare(framework, data, recipe.time, label)
    return _run(framework, data, recipe, initial, (), label)
