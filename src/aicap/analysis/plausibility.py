"""The plausibility screen of the index's inputs (``plausibility:`` and each indicator's
``screen:`` in ``frameworks/aicap.yaml``).

Three checks per value (natural units after per capita; jumps and outliers on the indicator's
transformed scale, measured in goalpost ranges or robust z-scores):

* ``bounds``: outside what the indicator's definition allows (a share above 100 %): impossible,
  always dropped;
* ``jump``: far from the median of the country's own previous observations;
* ``outlier``: far from the pooled Member State values across countries (median and MAD).

The framework says which flagged values are acted on (``act_on``) and how (``action``: drop,
so the country's previous value is carried as for any missing year, or cap at the edge of the
plausible range); every flagged value is listed, acted on or not, and the index's cell flags
say so (``screen:...``, ``capped:...``, ``dropped:<year>:...``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aicap.analysis.spec import IndexSpec, IndicatorSpec, ScreenSpec, apply_transform

#: Scale factor of the MAD to a standard deviation under normality.
MAD_SCALE = 1.4826
LOG_COLUMNS = ["iso3", "code", "year", "value", "checks", "action", "detail"]


@dataclass(frozen=True)
class Screened:
    """The indicator's values after the screen, and the log of every flagged value."""

    values: pd.DataFrame  # iso3, year, value (+ any other columns passed through)
    log: pd.DataFrame  # LOG_COLUMNS: one row per flagged value


def empty_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in LOG_COLUMNS}).astype(
        {"year": "int64", "value": "float64"}
    )


def _reference(t: np.ndarray) -> tuple[float, float]:
    """Median and scaled MAD of the finite transformed values."""
    t = t[np.isfinite(t)]
    if len(t) < 5:
        return np.nan, np.nan
    med = float(np.median(t))
    return med, float(MAD_SCALE * np.median(np.abs(t - med)))


def _own_median(df: pd.DataFrame, t: np.ndarray, window: int, min_prior: int) -> np.ndarray:
    """Per row: the median of the country's own transformed values in the ``window`` years
    before the row's year (at least ``min_prior`` of them), else NaN."""
    frame = pd.DataFrame({"iso3": df["iso3"].to_numpy(), "year": df["year"].to_numpy(), "t": t})
    wide = frame.pivot_table(index="year", columns="iso3", values="t", aggfunc="first")
    years = range(int(wide.index.min()), int(wide.index.max()) + 1)
    wide = wide.reindex(years)
    med = wide.shift(1).rolling(window, min_periods=min_prior).median()
    stacked = med.stack()
    keys = pd.MultiIndex.from_arrays([frame["year"], frame["iso3"]])
    return np.asarray(stacked.reindex(keys).to_numpy(dtype=np.float64))


def screen_indicator(
    spec: IndexSpec,
    ind: IndicatorSpec,
    df: pd.DataFrame,
    rule: ScreenSpec | None = None,
    start: int | None = None,
) -> Screened:
    """Screen one indicator's long values ``df`` (``iso3, year, value``); values before
    ``start`` (years the index never reads) are left as they are, unflagged, but still serve
    as the country's own history."""
    rule = rule if rule is not None else spec.screen_of(ind)
    if rule is None or df.empty:
        return Screened(df, empty_log())
    df = df.reset_index(drop=True)
    x = df["value"].to_numpy(dtype=np.float64)
    n = len(x)
    bounds = np.zeros(n, dtype=bool)
    if rule.bounds is not None:
        lo, hi = rule.bounds
        if lo is not None:
            bounds |= x < lo
        if hi is not None:
            bounds |= x > hi
    t = np.asarray(apply_transform(x, ind.transform), dtype=np.float64)
    t_lo, t_hi = spec.transformed_goalposts(ind)
    span = t_hi - t_lo
    jump = np.zeros(n, dtype=bool)
    own = np.full(n, np.nan)
    if rule.jump is not None:
        ok = np.where(bounds, np.nan, t)
        own = _own_median(df, ok, rule.jump_window, rule.jump_min_prior)
        with np.errstate(invalid="ignore"):
            jump = np.abs(t - own) > rule.jump * span
        jump &= ~bounds
    outlier = np.zeros(n, dtype=bool)
    z = np.full(n, np.nan)
    med, mad = np.nan, np.nan
    if rule.outlier_z is not None:
        y0, y1 = ind.goalposts.years
        years = df["year"].to_numpy()
        pool = t[(years >= y0) & (years <= y1) & ~bounds]
        med, mad = _reference(pool)
        if np.isfinite(mad) and mad > 0:
            z = (t - med) / mad
            with np.errstate(invalid="ignore"):
                outlier = (np.abs(z) > rule.outlier_z) & ~bounds
    if start is not None:
        early = df["year"].to_numpy() < start
        bounds &= ~early
        jump &= ~early
        outlier &= ~early
    flagged = bounds | jump | outlier
    if not flagged.any():
        return Screened(df, empty_log())
    act = {
        "jump_and_outlier": jump & outlier,
        "jump_or_outlier": jump | outlier,
        "jump": jump,
        "outlier": outlier,
        "never": np.zeros(n, dtype=bool),
    }[rule.act_on]
    drop = bounds | (act & (rule.action == "drop"))
    cap = act & ~bounds & (rule.action == "cap")
    new_t = t.copy()
    if cap.any():
        lo_t = np.full(n, -np.inf)
        hi_t = np.full(n, np.inf)
        if rule.jump is not None:
            j = cap & jump
            lo_t[j] = np.maximum(lo_t[j], own[j] - rule.jump * span)
            hi_t[j] = np.minimum(hi_t[j], own[j] + rule.jump * span)
        if rule.outlier_z is not None and np.isfinite(mad):
            o = cap & outlier
            lo_t[o] = np.maximum(lo_t[o], med - rule.outlier_z * mad)
            hi_t[o] = np.minimum(hi_t[o], med + rule.outlier_z * mad)
        new_t = np.clip(t, lo_t, hi_t)
    new_x = x.copy()
    if cap.any():
        new_x[cap] = _untransform(new_t[cap], ind.transform)
    checks = [
        "+".join(c for c, f in (("bounds", b), ("jump", j), ("outlier", o)) if f)
        for b, j, o in zip(bounds, jump, outlier, strict=True)
    ]
    detail = [
        _detail(x[k], own[k], z[k], span, ind.transform, bool(jump[k]), bool(outlier[k]))
        for k in range(n)
    ]
    action = np.where(drop, "drop", np.where(cap, "cap", "flag"))
    sel = flagged
    log = pd.DataFrame(
        {
            "iso3": df["iso3"].to_numpy()[sel],
            "code": ind.code,
            "year": df["year"].to_numpy(dtype=np.int64)[sel],
            "value": x[sel],
            "checks": np.asarray(checks, dtype=object)[sel],
            "action": action[sel],
            "detail": np.asarray(detail, dtype=object)[sel],
        }
    )
    out = df.copy()
    out["value"] = new_x
    out = out[~drop].reset_index(drop=True)
    return Screened(out, log.reset_index(drop=True))


def _untransform(t: np.ndarray, transform: str) -> np.ndarray:
    if transform == "log10":
        return np.asarray(10.0**t)
    if transform == "log10p1":
        return np.asarray(10.0**t - 1.0)
    return t


def _detail(
    x: float, own: float, z: float, span: float, transform: str, jump: bool, outlier: bool
) -> str:
    parts = []
    if jump and np.isfinite(own):
        prior = float(_untransform(np.array([own]), transform)[0])
        parts.append(f"own median {prior:.3g}")
    if outlier and np.isfinite(z):
        parts.append(f"z={z:.1f}")
    return ", ".join(parts)


def _rows(log: pd.DataFrame) -> dict[tuple[str, str], list[tuple[int, str, str]]]:
    out: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    cols = [log[c].astype(str).tolist() for c in ("iso3", "code", "checks", "action")]
    years = log["year"].astype("int64").tolist()
    for iso3, code, checks, action, year in zip(*cols, years, strict=True):
        out.setdefault((iso3, code), []).append((int(year), checks, action))
    return out


class CellScreen:
    """The screen's flags of each index cell, looked up from the screen log."""

    def __init__(self, log: pd.DataFrame) -> None:
        self._rows = _rows(log) if len(log) else {}

    def flags(self, iso3: str, code: str, value_year: float, year: int, max_age: int) -> list[str]:
        """Flags of the cell ``iso3``/``code`` scored in ``year`` with a value from
        ``value_year`` (NaN: none): ``screen:<checks>`` / ``capped:<checks>`` for the value
        it uses, ``dropped:<year>:<checks>`` for each later value in the window the screen
        dropped."""
        rows = self._rows.get((iso3, code))
        if not rows:
            return []
        flags: list[str] = []
        have = not np.isnan(value_year)
        for y, checks, action in sorted(rows):
            if y > year or y < year - max_age:
                continue
            if have and y == int(value_year) and action != "drop":
                flags.append(f"{'capped' if action == 'cap' else 'screen'}:{checks}")
            elif action == "drop" and (not have or y > int(value_year)):
                flags.append(f"dropped:{y}:{checks}")
        return flags


def summary(log: pd.DataFrame) -> pd.DataFrame:
    """Counts per indicator and action (``flag``, ``cap``, ``drop``)."""
    if log.empty:
        return pd.DataFrame(columns=["code", "flag", "cap", "drop"])
    tab = log.pivot_table(index="code", columns="action", values="iso3", aggfunc="count")
    tab = tab.reindex(columns=["flag", "cap", "drop"]).fillna(0).astype(int)
    return tab.reset_index()


def pooled_goalposts(
    ind: IndicatorSpec, screened: pd.DataFrame
) -> tuple[float | None, float | None]:
    """The ``pooled_percentile`` goalposts of ``ind`` recomputed from ``screened`` (the
    indicator's values *after* the screen: ``iso3, year, value``, or a long frame with a
    ``code`` column): the written percentiles of the Member State values in the goalposts'
    years. The screen comes first, so a value it dropped never stretches a goalpost (None for
    a natural bound the framework gives instead of a percentile)."""
    g = ind.goalposts
    if g.basis != "pooled_percentile" or g.percentiles is None:
        raise ValueError(f"indicator {ind.code!r}: goalposts are {g.basis!r}, not pooled")
    df = screened[screened["code"] == ind.code] if "code" in screened.columns else screened
    y0, y1 = g.years
    x = df.loc[df["year"].between(y0, y1), "value"].to_numpy(dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        raise ValueError(f"indicator {ind.code!r}: no value in {y0}-{y1} to pool")
    lo, hi = g.percentiles
    return (
        None if lo is None else float(np.percentile(x, lo)),
        None if hi is None else float(np.percentile(x, hi)),
    )
