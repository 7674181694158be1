"""Frame level: apply one recipe step to a stage (a units x indicators DataFrame).

Each ``run_*`` takes the step, the current :class:`State` and the context, and returns a
:class:`StepResult` (the new stage, per-cell flags and details). Columns sharing a (method,
parameters) spec after per-element overrides are processed together by the array-level method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicap.index.aggregate import DomainError
from aicap.index.errors import ComputationError, ValidationError
from aicap.index.framework import Framework, Indicator, Tree
from aicap.index.recipe import FRAME_PARAMS, Step
from aicap.index.registry import REGISTRY, Method
from aicap.index.treat import ValueMap, map_values, treatment_table, value_map
from aicap.index.weights import WeightContext, level_matrix, resolve

FloatArray = npt.NDArray[np.float64]

FLAG_COLUMNS = ["uCode", "iCode", "step", "flag"]


@dataclass(frozen=True)
class State:
    """Everything a step may read: current stage, unit metadata, panel history, weights."""

    data: pd.DataFrame  # index uCode, columns indicator codes (plus aggregates once aggregated)
    units: pd.DataFrame  # index uCode: uName, groups, denominators (target time)
    panel: pd.DataFrame | None  # all times: columns Time, uCode, indicators, denominators
    weights: FloatArray  # per element of tree.codes
    time: float | None = None  # target time of a panel
    stages: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    # per indicator, what the treatment did to its values (see treat.value_map)
    transforms: Mapping[str, ValueMap] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    """What a step produced."""

    step: Step
    state: State
    flags: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    framework: Framework
    label: str = "recipe"

    @property
    def tree(self) -> Tree:
        return self.framework.tree


def no_flags() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in FLAG_COLUMNS})


def flags_from_mask(
    mask: npt.NDArray[np.bool_] | npt.NDArray[Any],
    index: pd.Index,
    columns: list[str],
    step: str,
    text: str | npt.NDArray[Any],
) -> pd.DataFrame:
    """Long flag table from a boolean mask (and a constant text or an array of texts)."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return no_flags()
    flag = np.asarray(text, dtype=object)
    vals = flag[rows, cols] if flag.ndim == 2 else np.full(rows.size, str(text), dtype=object)
    return pd.DataFrame(
        {
            "uCode": np.asarray(index)[rows],
            "iCode": np.asarray(columns, dtype=object)[cols],
            "step": step,
            "flag": vals,
        }
    )


def _with(data: pd.DataFrame, arr: FloatArray) -> pd.DataFrame:
    """A stage like ``data`` holding ``arr`` (one block, built once)."""
    return pd.DataFrame(arr, index=data.index, columns=data.columns)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else no_flags()


def _method(ctx: Context, step: Step, name: str, code: str | None = None) -> Method:
    loc = f"step {step.step}" + (f", element {code!r}" if code else "") + ".method"
    return REGISTRY.get(step.step, name, ctx.label, loc)


def _func_params(method: Method, params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in FRAME_PARAMS[method.kind]}


def _check_codes(ctx: Context, step: Step) -> None:
    valid = set(ctx.tree.codes)
    for code in step.overrides:
        if code not in valid:
            raise ValidationError(
                ctx.label,
                f"step {step.step}.overrides.{code}",
                f"unknown element code {code!r} (not in the framework)",
            )


def _call(
    ctx: Context, step: Step, method: Method, codes: list[str], *args: Any, **kwargs: Any
) -> Any:
    try:
        return method.func(*args, **kwargs)
    except (ComputationError, TypeError, ValueError) as exc:
        shown = ", ".join(codes[:5]) + ("..." if len(codes) > 5 else "")
        raise ComputationError(
            f"{ctx.label}: step {step.step}, method {method.name!r} on {shown}: {exc}"
        ) from exc


# ------------------------------------------------------------------------------ denominate
def run_denominate(step: Step, st: State, ctx: Context) -> StepResult:
    _check_codes(ctx, step)
    by: dict[str, str | None] = {
        i.code: i.denominator for i in ctx.framework.indicators if i.code in st.data.columns
    }
    by.update(step.params.get("by", {}) or {})
    scale = {i.code: i.denominator_scale for i in ctx.framework.indicators}
    scale.update(step.params.get("scale", {}) or {})
    arr = st.data.to_numpy(dtype=np.float64, copy=True)
    col = {c: j for j, c in enumerate(st.data.columns)}
    panel = st.panel.copy() if st.panel is not None else None
    flags: list[pd.DataFrame] = []
    for code, den in by.items():
        if den is None:
            continue
        if code not in col:
            raise ValidationError(
                ctx.label, f"step denominate.params.by.{code}", f"unknown indicator {code!r}"
            )
        if den not in st.units.columns:
            raise ValidationError(
                ctx.label,
                f"step denominate, indicator {code!r}",
                f"denominator column {den!r} not found in the unit data",
            )
        name, params = step.spec_for(code)
        m = _method(ctx, step, name, code)
        fp = _func_params(m, params)
        d = st.units[den].to_numpy(dtype=np.float64) / float(scale.get(code, 1.0))
        x = arr[:, col[code]].copy()
        arr[:, col[code]] = _call(ctx, step, m, [code], x, d, **fp)
        flags.append(
            flags_from_mask(
                ~np.isnan(x)[:, None],
                st.data.index,
                [code],
                "denominate",
                f"denominated:{m.name}:{den}",
            )
        )
        if panel is not None and den in panel.columns:
            dp = panel[den].to_numpy(dtype=np.float64) / float(scale.get(code, 1.0))
            panel[code] = m.func(panel[code].to_numpy(dtype=np.float64), dp, **fp)
    return StepResult(
        step,
        replace(st, data=_with(st.data, arr), panel=panel),
        _concat(flags),
        {"denominators": {k: v for k, v in by.items() if v is not None}},
    )


# ------------------------------------------------------------------------------ impute
def _panel_cube(st: State, codes: list[str], time_col: str) -> tuple[FloatArray, FloatArray]:
    assert st.panel is not None
    times = np.sort(st.panel[time_col].unique())
    units = st.data.index
    full = pd.MultiIndex.from_product([times, units], names=[time_col, "uCode"])
    p = st.panel.set_index([time_col, "uCode"])[codes].reindex(full)
    cube = p.to_numpy(dtype=np.float64).reshape(len(times), len(units), len(codes))
    return cube, times.astype(np.float64)


def run_impute(step: Step, st: State, ctx: Context) -> StepResult:
    _check_codes(ctx, step)
    codes = [c for c in ctx.tree.indicators if c in st.data.columns]
    data = st.data
    arr = st.data.to_numpy(dtype=np.float64, copy=True)
    col = {c: j for j, c in enumerate(st.data.columns)}
    before = arr.copy()
    panel = st.panel
    flags: list[pd.DataFrame] = []
    for name, params, cols in step.groups(codes):
        m = _method(ctx, step, name, cols[0])
        fp = _func_params(m, params)
        idx = [col[c] for c in cols]
        x = arr[:, idx]
        if "panel" in m.needs:
            time_col = str(params.get("time_col", "Time"))
            if st.panel is None or st.panel[time_col].nunique() < 2:
                raise ValidationError(
                    ctx.label,
                    f"step impute ({m.name})",
                    f"panel imputation needs unit data with a {time_col!r} column holding "
                    "at least two time points",
                )
            cube, times = _panel_cube(st, cols, time_col)
            filled = _call(ctx, step, m, cols, cube, times, **fp)
            target = times[-1] if st.time is None else st.time
            t_idx = int(np.nonzero(times == float(target))[0][0])
            y = np.where(np.isnan(x), filled[t_idx], x)
        elif "groups" in m.needs:
            group = params.get("group")
            if group is None or group not in st.units.columns:
                raise ValidationError(
                    ctx.label,
                    f"step impute ({m.name}).params.group",
                    f"group imputation needs 'group' naming a unit group column; got {group!r}"
                    f" (available: {', '.join(map(str, st.units.columns))})",
                )
            g_codes, _ = pd.factorize(st.units.loc[data.index, group], use_na_sentinel=True)
            y = _call(ctx, step, m, cols, x, groups=np.asarray(g_codes, dtype=np.int64), **fp)
        else:
            y = _call(ctx, step, m, cols, x, **fp)
        y = np.asarray(y, dtype=np.float64)
        known = ~np.isnan(x)
        if not np.array_equal(y[known], x[known]):
            raise ComputationError(
                f"{ctx.label}: step impute, method {m.name!r} changed non-missing values"
            )
        arr[:, idx] = y
        flags.append(
            flags_from_mask(
                np.isnan(x) & ~np.isnan(y), data.index, cols, "impute", f"imputed:{m.name}"
            )
        )
    after = arr
    data = _with(st.data, arr)
    details = {
        "n_missing_before": int(np.isnan(before).sum()),
        "n_missing_after": int(np.isnan(after).sum()),
    }
    return StepResult(step, replace(st, data=data, panel=panel), _concat(flags), details)


# ------------------------------------------------------------------------------ screen
def run_screen(step: Step, st: State, ctx: Context) -> StepResult:
    m = _method(ctx, step, step.method)
    codes = [c for c in ctx.tree.indicators if c in st.data.columns]
    x = st.data[codes].to_numpy(dtype=np.float64)
    keep = np.asarray(_call(ctx, step, m, codes, x, **_func_params(m, step.params)), dtype=bool)
    force = step.params.get("force", {}) or {}
    for code, inc in force.items():
        if code not in st.data.index:
            raise ValidationError(
                ctx.label, f"step screen.params.force.{code}", f"unknown unit code {code!r}"
            )
        keep[st.data.index.get_loc(code)] = bool(inc)
    removed = [str(u) for u in st.data.index[~keep]]
    data = st.data.loc[keep]
    mask = np.zeros(x.shape, dtype=bool)
    mask[~keep] = True
    flags = flags_from_mask(mask, st.data.index, codes, "screen", "excluded:screen")
    return StepResult(step, replace(st, data=data), flags, {"removed_units": removed})


# ------------------------------------------------------------------------------ treat
def run_treat(step: Step, st: State, ctx: Context) -> StepResult:
    _check_codes(ctx, step)
    codes = [c for c in ctx.tree.indicators if c in st.data.columns]
    data = st.data
    arr = st.data.to_numpy(dtype=np.float64, copy=True)
    col = {c: j for j, c in enumerate(st.data.columns)}
    flags: list[pd.DataFrame] = []
    treated: dict[str, str] = {}
    maps: dict[str, ValueMap] = {}
    tables: list[pd.DataFrame] = []
    for name, params, cols in step.groups(codes):
        m = _method(ctx, step, name, cols[0])
        f2 = params.get("f2")
        if isinstance(f2, str) and f2 != "none":
            _method(ctx, step, f2, cols[0])
        idx = [col[c] for c in cols]
        before = arr[:, idx]
        y, fl = _call(ctx, step, m, cols, before, **_func_params(m, params))
        arr[:, idx] = np.asarray(y, dtype=np.float64)
        fl = np.asarray(fl, dtype=object)
        maps.update(zip(cols, value_map(m.name, params, before, fl), strict=True))
        tables.append(treatment_table(m.name, params, cols, before, arr[:, idx], fl))
        flags.append(flags_from_mask(fl != "", data.index, cols, "treat", fl))
        for j, c in enumerate(cols):
            kinds = sorted({str(v).split("(")[0] for v in fl[:, j] if v != ""})
            if kinds:
                treated[c] = "+".join(kinds)
    data = _with(st.data, arr)
    return StepResult(
        step,
        replace(st, data=data, transforms=maps),
        _concat(flags),
        {
            "treated": treated,
            "maps": maps,
            "table": pd.concat(tables, ignore_index=True)
            .set_index("iCode")
            .reindex(codes)
            .reset_index(),
        },
    )


# ------------------------------------------------------------------------------ normalise
def _framework_param(ctx: Context, step: Step, cols: list[str], attr: str) -> list[Any]:
    vals = []
    for c in cols:
        el = ctx.tree.elements[c]
        v = getattr(el, attr, None) if isinstance(el, Indicator) else None
        if v is None:
            raise ValidationError(
                ctx.label,
                f"step normalise, indicator {c!r}",
                f"the method needs a {attr!r} for {c!r}: give it in the framework or as "
                f"params.{attr} (or per indicator in overrides)",
            )
        vals.append(v)
    return vals


def _posts(ctx: Context, st: State, cols: list[str], g: FloatArray, what: str) -> FloatArray:
    """Goalposts or targets (rows per indicator), written in the indicator's natural units,
    mapped as the treatment mapped the indicator's values (``ln 100`` for an income treated
    with ``ln``)."""
    out = np.array(g, dtype=np.float64, copy=True)
    for i, c in enumerate(cols):
        vmap = st.transforms.get(c, ("identity",))
        if vmap[0] == "unknown":
            raise ValidationError(
                ctx.label,
                f"step normalise, indicator {c!r}",
                f"its {what} are in the indicator's natural units but its treatment "
                f"({vmap[1]}) is no fixed function of the value, so they cannot be mapped "
                "with it: treat it with ln, log_CT, log_CT_orig or boxcox, or give them in "
                "treated units with params.transform_posts: false",
            )
        mapped = map_values(vmap, out[i])
        if np.isnan(mapped).any() and not np.isnan(out[i]).any():
            raise ValidationError(
                ctx.label,
                f"step normalise, indicator {c!r}",
                f"its {what} {out[i].tolist()} fall outside the domain of its treatment "
                f"({vmap[0]}): give them in treated units with params.transform_posts: false",
            )
        out[i] = mapped
    return out


def run_normalise(step: Step, st: State, ctx: Context) -> StepResult:
    _check_codes(ctx, step)
    codes = [c for c in ctx.tree.indicators if c in st.data.columns]
    dirs = dict(zip(ctx.tree.indicators, ctx.tree.directions().tolist(), strict=True))
    data = st.data
    arr = st.data.to_numpy(dtype=np.float64, copy=True)
    col = {c: j for j, c in enumerate(st.data.columns)}
    for name, params, cols in step.groups(codes):
        m = _method(ctx, step, name, cols[0])
        fp = _func_params(m, params)
        d = np.array([dirs[c] for c in cols])
        idx = [col[c] for c in cols]
        x = arr[:, idx] * d
        mapped = bool(params.get("transform_posts", True))
        if "targ" in _signature(m):
            tg = params.get("target")
            targ = (
                np.full(len(cols), float(tg))
                if tg is not None
                else np.array(_framework_param(ctx, step, cols, "target"), dtype=np.float64)
            )
            if mapped:
                targ = _posts(ctx, st, cols, targ[:, None], "target")[:, 0]
            fp["targ"] = targ * d
        if "gposts" in _signature(m):
            gp = params.get("goalposts")
            g = (
                np.array([gp] * len(cols), dtype=np.float64)
                if gp is not None
                else np.array(_framework_param(ctx, step, cols, "goalposts"), dtype=np.float64)
            )
            if mapped:
                g = _posts(ctx, st, cols, g, "goalposts")
            lo = np.where(d < 0, -g[:, 1], g[:, 0])
            hi = np.where(d < 0, -g[:, 0], g[:, 1])
            fp["gposts"] = np.vstack([lo, hi])
        if "iref" in _signature(m):
            ref = params.get("ref")
            if ref not in data.index:
                raise ValidationError(
                    ctx.label,
                    f"step normalise ({m.name}).params.ref",
                    f"reference unit {ref!r} is not among the units",
                )
            fp["iref"] = list(data.index).index(ref)
        arr[:, idx] = np.asarray(_call(ctx, step, m, cols, x, **fp), dtype=np.float64)
    return StepResult(step, replace(st, data=_with(st.data, arr)), no_flags(), {})


def _signature(m: Method) -> set[str]:
    import inspect

    return set(inspect.signature(m.func).parameters)


# ------------------------------------------------------------------------------ weight
def run_weight(step: Step, st: State, ctx: Context) -> StepResult:
    m = _method(ctx, step, step.method)
    wctx = WeightContext(ctx.tree, st.stages)
    given = _call(ctx, step, m, [], wctx, **_func_params(m, step.params))
    w = resolve(ctx.tree, given, ctx.label, "step weight")
    return StepResult(step, replace(st, weights=w), no_flags(), {"weights": dict(given)})


# ------------------------------------------------------------------------------ aggregate
def aggregate_tree(
    x: FloatArray,
    w: FloatArray,
    tree: Tree,
    step: Step,
    label: str = "recipe",
    units: Sequence[str] | None = None,
) -> tuple[FloatArray, npt.NDArray[Any]]:
    """Aggregate indicator scores ``(..., n, k)`` up the tree with weights ``(..., E)``.

    Returns all element scores ``(..., n, E)`` in ``tree.codes`` order, and per cell a flag
    (``""``: none): ``insufficient_data`` (set to NaN by a data-availability threshold),
    ``nonpositive:gmean`` or ``floored:gmean`` (a geometric mean's ``nonpositive`` option;
    over a batch, when any replication hit it). Batched over leading axes of ``x`` and ``w``.
    ``units`` (the row codes) name the units in an error.
    """
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-1])
    n = x.shape[-2]
    out = np.full((*lead, n, len(tree.codes)), np.nan)
    out[..., : x.shape[-1]] = x
    notes = np.full((n, len(tree.codes)), "", dtype=object)
    pos = {c: i for i, c in enumerate(tree.codes)}
    for lev in tree.levels:
        kid_idx = [pos[c] for c in lev.children]
        xc = out[..., kid_idx]
        wl = level_matrix(lev, w, tree)
        levels = dict.fromkeys(lev.codes, lev.level)
        for name, params, aggs in step.groups(lev.codes, levels):
            m = REGISTRY.get("aggregate", name, label, f"step aggregate, level {lev.level}")
            jj = [lev.codes.index(a) for a in aggs]
            fp = _func_params(m, params)
            try:
                y = m.func(xc, wl[..., jj], **fp)
            except (ComputationError, ValueError) as exc:
                msg = str(exc)
                if isinstance(exc, DomainError):
                    names = list(units) if units is not None else None
                    shown = ", ".join(
                        f"unit {names[u]!r}" if names is not None else f"unit row {u}"
                        for u, _ in exc.hits[:3]
                    )
                    shown += " in " + ", ".join(dict.fromkeys(aggs[a] for _, a in exc.hits[:3]))
                    msg = f"{exc.what} ({shown}{exc.more()}): {exc.advice}"
                raise ComputationError(
                    f"{label}: step aggregate, method {m.name!r} on {', '.join(aggs)}: {msg}"
                ) from exc
            cols = [pos[a] for a in aggs]
            option = params.get("nonpositive", "error")
            if m.name == "gmean" and option != "error":
                with np.errstate(invalid="ignore"):
                    bad_x = xc <= 0 if option == "na" else xc < float(params.get("floor", 0.0))
                hit = (bad_x.astype(np.float64) @ (wl[..., jj] != 0).astype(np.float64)) > 0
                hit = hit.reshape(-1, n, len(aggs)).any(axis=0)
                text = "nonpositive:gmean" if option == "na" else "floored:gmean"
                notes[:, cols] = np.where(hit, text, notes[:, cols])
            thresh = params.get("dat_thresh")
            if thresh is not None:
                ok = (~np.isnan(xc)).astype(np.float64)
                member = lev.membership[:, jj].astype(np.float64)
                avail = (ok @ member) / member.sum(axis=0)
                bad = avail < float(thresh)
                y = np.where(bad, np.nan, y)
                low = bad.reshape(-1, n, len(aggs)).any(axis=0)
                notes[:, cols] = np.where(low, "insufficient_data", notes[:, cols])
            out[..., cols] = y
    return out, notes


def run_aggregate(step: Step, st: State, ctx: Context) -> StepResult:
    tree = ctx.tree
    for code in step.overrides:
        if code not in tree.aggregates:
            raise ValidationError(
                ctx.label,
                f"step aggregate.overrides.{code}",
                f"{code!r} is not an aggregate of the framework",
            )
    for lev in step.levels:
        if lev not in [lv.level for lv in tree.levels]:
            raise ValidationError(
                ctx.label,
                f"step aggregate.levels.{lev}",
                f"no aggregation level {lev}; levels are "
                f"{', '.join(str(lv.level) for lv in tree.levels)}",
            )
    x = st.data[tree.indicators].to_numpy(dtype=np.float64)
    vals, notes = aggregate_tree(x, st.weights, tree, step, ctx.label, list(st.data.index))
    data = pd.DataFrame(vals, index=st.data.index, columns=tree.codes)
    flags = flags_from_mask(notes != "", data.index, tree.codes, "aggregate", notes)
    return StepResult(step, replace(st, data=data), flags, {})


RUNNERS = {
    "denominate": run_denominate,
    "impute": run_impute,
    "screen": run_screen,
    "treat": run_treat,
    "normalise": run_normalise,
    "weight": run_weight,
    "aggregate": run_aggregate,
}
