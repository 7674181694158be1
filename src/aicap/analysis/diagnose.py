"""Country diagnosis: strengths, bottlenecks, the binding constraint, expected versus actual
capacity, and trends relative to peers.

Definitions (also in ``docs/diagnose.md``):

* **Peers** of a country: the other Member States of its World Bank income group, of its UN
  region, and of each of the LDC, LLDC and SIDS groups it belongs to. The income group is the
  *primary* peer group (the one gaps are ranked by); a country with no income group
  (Venezuela) is compared with all Member States instead.
* **Frontier**: the 90th percentile of all scored Member States in the same year
  (``FRONTIER_QUANTILE``): high enough to be the frontier, robust to one outlier.
* **Gaps**: country minus peer median (negative = lags), in normalised points (0-100 on the
  index's fixed goalposts, direction-adjusted) and in the indicator's natural unit.
* **Strength / bottleneck** (pillars and indicators): a strength is more than
  ``MATERIAL_GAP`` (2 normalised points) above the median of every peer group; a bottleneck is
  more than 2 points below the primary peer median and below the median of at least one other
  peer group by as much (or of the primary group alone when it has no other); "mixed" when
  more than 2 points from the primary median but not so against the other peer groups; else
  "par".
* **Binding constraint** (non-compensatory view): the pillar whose score is furthest below the
  primary peer median (score minus median, most negative). With no pillar below, the weakest
  relative to the median.
* **Expected capacity**: OLS of the index score on log10 GDP per capita (PPP) across the scored
  Member States of the year; the country's prediction interval (95 %) gives the residual's
  interval. Over-performer when the whole interval of the residual is above zero (UNCTAD's
  "over-performance" in the Technology and Innovation Report), under-performer when below.
  Caveat: GNI per person is one of the index's own indicators (economy pillar), so part of the
  association is mechanical; the residual is still informative about the other pillars.
* **Trends**: OLS slope per year over the last ``TREND_YEARS`` years of values observed in
  that year (carried values excluded); catching up / falling behind from the slope (with its
  95 % interval) of the gap to the primary peer median in normalised points.
* **Gender gaps**: female / male parity of the sex-disaggregated series the warehouse holds
  (:mod:`aicap.analysis.gender`); a missing pair is "no data", never parity.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.divide import OLSFit, ols
from aicap.analysis.gender import gender_gaps

FRONTIER_QUANTILE = 0.9
#: Gaps smaller than this (normalised points) are "at par", neither strength nor bottleneck.
MATERIAL_GAP = 2.0
TREND_YEARS = 5
PI_LEVEL = 0.95
GROUP_LABELS = {
    "HIC": "high-income countries",
    "UMC": "upper-middle-income countries",
    "LMC": "lower-middle-income countries",
    "LIC": "low-income countries",
}


@dataclass(frozen=True)
class PeerGroup:
    key: str  # income:LIC, region:Africa, LDC, LLDC, SIDS, all
    label: str
    members: tuple[str, ...]  # iso3, the country itself excluded


def peer_groups(iso3: str, countries: pd.DataFrame) -> list[PeerGroup]:
    """The peer groups of ``iso3``, primary (income group) first."""
    c = countries.set_index("iso3")
    if iso3 not in c.index:
        raise KeyError(f"{iso3} is not in the country reference")
    row = c.loc[iso3]
    others = c.drop(index=iso3)
    out: list[PeerGroup] = []
    inc = row["income_group"]
    if isinstance(inc, str) and inc:
        members = tuple(others.index[others["income_group"] == inc])
        out.append(PeerGroup(f"income:{inc}", GROUP_LABELS.get(inc, inc), members))
    else:
        out.append(PeerGroup("all", "all Member States", tuple(others.index)))
    reg = row["un_region"]
    if isinstance(reg, str) and reg:
        out.append(PeerGroup(f"region:{reg}", reg, tuple(others.index[others["un_region"] == reg])))
    for flag, label in (
        ("ldc", "least developed countries"),
        ("lldc", "landlocked developing countries"),
        ("sids", "small island developing States"),
    ):
        if bool(row[flag]):
            out.append(
                PeerGroup(flag.upper(), label, tuple(others.index[others[flag].astype(bool)]))
            )
    return out


def _memo(data: CapacityData, key: tuple[Any, ...], compute: Any) -> Any:
    """Cache ``compute()`` on ``data`` (its tables never change once built): diagnosing many
    countries reuses peer groups and peer medians instead of recomputing them per country."""
    cache: dict[tuple[Any, ...], Any] = data.__dict__.setdefault("_diagnose_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _peers(data: CapacityData, iso3: str) -> list[PeerGroup]:
    return list(_memo(data, ("peers", iso3), lambda: peer_groups(iso3, data.countries)))


def _scores(data: CapacityData, year: int) -> pd.DataFrame:
    return _memo(data, ("scores", year), lambda: data.scores(year))  # type: ignore[no-any-return]


def _rows(index: pd.Index, members: tuple[str, ...]) -> np.ndarray:
    """Positions in ``index`` of the ``members`` it holds."""
    pos = index.get_indexer(pd.Index(list(members)))
    return pos[pos >= 0]


def _nanmedian(block: np.ndarray) -> Any:
    """Column medians ignoring NaN (NaN where a column has no value), without warnings."""
    if block.shape[0] == 0:
        return np.full(block.shape[1:], np.nan) if block.ndim > 1 else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        return np.nanmedian(block, axis=0)


def _classify(gap_primary: float, gaps_other: list[float]) -> str:
    """strength / bottleneck / par from the gaps to the peer medians (see module doc)."""
    gaps = [g for g in [gap_primary, *gaps_other] if np.isfinite(g)]
    if not np.isfinite(gap_primary) or not gaps:
        return "no data"
    if all(g > MATERIAL_GAP for g in gaps):
        return "strength"
    other = [g for g in gaps_other if np.isfinite(g)]
    if gap_primary < -MATERIAL_GAP and (not other or any(g < -MATERIAL_GAP for g in other)):
        return "bottleneck"
    if abs(gap_primary) > MATERIAL_GAP:
        # more than 2 points from the primary median, but the other peer groups disagree:
        # never "par" beside a gap of +20 (Bangladesh's data pillar against lower-middle income)
        return "mixed"
    return "par"


# ------------------------------------------------------------------------------ pillars
def pillar_gaps(data: CapacityData, iso3: str, year: int | None = None) -> pd.DataFrame:
    """One row per pillar: score, the median of each peer group (``median:<key>``), the
    frontier, gaps (``gap_peer`` to the primary median, ``gap_frontier``), ``status``, and
    ``binding`` (True for the binding constraint)."""
    y = data.year if year is None else year
    scores = _scores(data, y)
    groups = _peers(data, iso3)
    own: dict[str, Any] = (
        {str(k): v for k, v in scores.loc[iso3].to_dict().items()} if iso3 in scores.index else {}
    )
    rows: list[dict[str, Any]] = []
    codes = [c for c in data.pillars if c in scores.columns]
    table = scores[codes].to_numpy(dtype=np.float64)  # units x pillars
    group_medians = {g.key: _nanmedian(table[_rows(scores.index, g.members)]) for g in groups}
    for code, name in data.pillars.items():
        col = scores[code] if code in scores.columns else pd.Series(dtype=float)
        v = own.get(code)
        score = float(v) if v is not None and pd.notna(v) else float("nan")
        rec: dict[str, Any] = {"pillar": code, "name": name, "score": score}
        gaps = []
        for g in groups:
            med = float(group_medians[g.key][codes.index(code)]) if code in codes else np.nan
            rec[f"median:{g.key}"] = med
            gaps.append(score - med)
        frontier = _memo(
            data,
            ("pillar_frontier", y, code),
            lambda c=col: (
                float(c.dropna().quantile(FRONTIER_QUANTILE)) if c.notna().any() else np.nan
            ),
        )
        rec["frontier"] = frontier
        rec["peer_median"] = rec[f"median:{groups[0].key}"]
        rec["gap_peer"] = gaps[0]
        rec["gap_frontier"] = score - frontier
        rec["status"] = _classify(gaps[0], gaps[1:])
        rows.append(rec)
    out = pd.DataFrame(rows)
    out["binding"] = False
    # the binding constraint is the weakest pillar *below* the peers; a country at or above
    # its peers on every pillar has none (a pillar at par is never called a constraint)
    valid = out["gap_peer"] < -MATERIAL_GAP
    if valid.any():
        k = out.loc[valid].sort_values(["gap_peer", "score"]).index[0]
        out.loc[k, "binding"] = True
    return out


# ------------------------------------------------------------------------------ indicators
def indicator_gaps(data: CapacityData, iso3: str, year: int | None = None) -> pd.DataFrame:
    """One row per indicator of the index: the country's value (natural unit, with its year and
    flags) and normalised score; per peer group the median of both; the frontier (90th
    percentile) of both; the gaps to the primary peers and to the frontier; ``status``."""
    y = data.year if year is None else year
    groups = _peers(data, iso3)
    meta = _memo(data, ("indicator_meta",), data.indicator_meta)
    norm = data.year_block("normalised", y)
    val = data.year_block("value", y)
    info = data.cell_info
    codes = list(meta.index)
    own_n = norm.reindex(index=[iso3], columns=codes).iloc[0].to_numpy(dtype=np.float64)
    own_v = val.reindex(index=[iso3], columns=codes).iloc[0].to_numpy(dtype=np.float64)
    out = pd.DataFrame(
        {
            "indicator": codes,
            "name": meta["name"].to_numpy(),
            "pillar": meta["pillar"].to_numpy(),
            "series": meta["series"].to_numpy(),
            "unit": meta["unit"].to_numpy(),
            "value": own_v,
            "normalised": own_n,
        }
    )
    vy: list[int | None] = []
    fl: list[str] = []
    for code, v in zip(codes, own_v, strict=True):
        got = info.get((y, iso3, code))
        if got is not None:
            year_v = got[0]
            vy.append(int(year_v) if np.isfinite(v) and pd.notna(year_v) else None)
            fl.append(got[1])
        else:
            vy.append(None)
            fl.append("missing")
    out["value_year"] = pd.array(vy, dtype="Int64")
    out["flags"] = fl
    gaps = []
    norm_arr = _memo(data, ("norm_arr", y), lambda: norm[codes].to_numpy(dtype=np.float64))
    val_arr = _memo(data, ("val_arr", y), lambda: val[codes].to_numpy(dtype=np.float64))
    for g in groups:
        mn = _nanmedian(norm_arr[_rows(norm.index, g.members)])
        mv = _nanmedian(val_arr[_rows(val.index, g.members)])
        out[f"median:{g.key}"] = mn
        out[f"median_value:{g.key}"] = mv
        gaps.append(own_n - mn)
    out["peer_median"] = out[f"median:{groups[0].key}"]
    out["peer_median_value"] = out[f"median_value:{groups[0].key}"]
    out["gap_peer"] = gaps[0]
    out["gap_peer_value"] = out["value"] - out["peer_median_value"]
    direction = meta["direction"].to_numpy(dtype=np.int64)
    out["frontier"], hi, lo = _memo(
        data,
        ("indicator_frontier", y),
        lambda: (
            norm[codes].quantile(FRONTIER_QUANTILE).to_numpy(dtype=np.float64),
            val[codes].quantile(FRONTIER_QUANTILE).to_numpy(dtype=np.float64),
            val[codes].quantile(1 - FRONTIER_QUANTILE).to_numpy(dtype=np.float64),
        ),
    )
    out["frontier_value"] = np.where(direction < 0, lo, hi)
    out["gap_frontier"] = out["normalised"] - out["frontier"]
    out["gap_frontier_value"] = out["value"] - out["frontier_value"]
    out["status"] = [
        _classify(float(gaps[0][k]), [float(g[k]) for g in gaps[1:]]) for k in range(len(codes))
    ]
    return out


# ------------------------------------------------------------------------------ expected
@dataclass(frozen=True)
class ExpectedCapacity:
    """Score regressed on log10 GDP per capita (PPP) across the scored Member States."""

    year: int
    measure: str
    fit: OLSFit
    table: pd.DataFrame  # iso3, gdp_pc, gdp_year, log_gdp, actual, expected, pi_low, pi_high,
    # residual, residual_low, residual_high, verdict

    def row(self, iso3: str) -> dict[str, Any] | None:
        t = self.table.set_index("iso3")
        if iso3 not in t.index:
            return None
        rec = {str(k): v for k, v in t.loc[iso3].to_dict().items()}
        rec["iso3"] = iso3
        return rec


def expected_capacity(
    scores: pd.DataFrame,
    gdp: pd.DataFrame,
    measure: str = "score",
    year: int = 0,
    level: float = PI_LEVEL,
) -> ExpectedCapacity:
    """``scores``: ``iso3`` and ``measure`` (NaN = not scored); ``gdp``: ``iso3, value[, year]``.
    Pure: fits on the countries with both, then gives each its prediction interval."""
    s = scores.reset_index() if "iso3" not in scores.columns else scores
    g = gdp.rename(columns={"value": "gdp_pc", "year": "gdp_year"})
    df = s[["iso3", measure]].merge(g, on="iso3", how="inner")
    df = df[(df["gdp_pc"] > 0) & df[measure].notna()].copy()
    df["log_gdp"] = np.log10(df["gdp_pc"].to_numpy(dtype=np.float64))
    fit = ols(df["log_gdp"], df[measure], level)
    lo, hi = fit.prediction_interval(df["log_gdp"])
    df["actual"] = df[measure].astype(float)
    df["expected"] = fit.predict(df["log_gdp"])
    df["pi_low"], df["pi_high"] = lo, hi
    df["residual"] = df["actual"] - df["expected"]
    df["residual_low"] = df["actual"] - df["pi_high"]
    df["residual_high"] = df["actual"] - df["pi_low"]
    df["verdict"] = np.where(
        df["residual_low"] > 0,
        "over-performs",
        np.where(df["residual_high"] < 0, "under-performs", "as expected"),
    )
    cols = ["iso3", "gdp_pc", "log_gdp", "actual", "expected", "pi_low", "pi_high", "residual"]
    cols += ["residual_low", "residual_high", "verdict"]
    if "gdp_year" in df.columns:
        cols.insert(2, "gdp_year")
    return ExpectedCapacity(year, measure, fit, df[cols].reset_index(drop=True))


def expected_for(data: CapacityData, year: int | None = None) -> ExpectedCapacity:
    y = data.year if year is None else year
    sc = data.scores(y)
    if "status" in sc.columns:
        sc = sc[sc["status"] == "scored"]
    return expected_capacity(sc.reset_index(), data.gdp, "score", y)


# ------------------------------------------------------------------------------ trends
def _slope(years: np.ndarray, values: np.ndarray) -> tuple[float, float, float, int]:
    keep = np.isfinite(values)
    n = int(keep.sum())
    if n < 3 or np.ptp(years[keep]) == 0:
        return float("nan"), float("nan"), float("nan"), n
    fit = ols(years[keep], values[keep])
    return fit.slope, fit.slope_ci[0], fit.slope_ci[1], n


def _relative(gap_now: float, lo: float, hi: float, slope: float = float("nan"), n: int = 0) -> str:
    """Catching up, falling behind... only when the slope's interval excludes zero *and* the
    gap moves by at least :data:`MATERIAL_GAP` points over the years observed."""
    if not np.isfinite(lo):
        return "too few years"
    if np.isfinite(slope) and n > 1 and abs(slope) * (n - 1) < MATERIAL_GAP:
        # an interval that excludes zero is a change, if a small one: never "no clear change"
        # beside an interval that contradicts it (the claims' relative_trend rule)
        return "small change" if (lo > 0 or hi < 0) else "no clear change"
    if lo > 0:
        return "catching up" if gap_now < 0 else "pulling ahead"
    if hi < 0:
        return "falling behind" if gap_now < 0 else "losing its lead"
    return "no clear change"


def trends(
    data: CapacityData, iso3: str, *, end: int | None = None, n_years: int = TREND_YEARS
) -> pd.DataFrame:
    """Per pillar and per indicator: ``slope`` per year over the last ``n_years`` (pillars:
    index years ``end - n_years + 1 .. end``, in points; indicators: the ``n_years`` ending with
    the country's latest observation, values observed in their own year only, natural units),
    the gap to the primary peer median now, its slope with a 95 % interval (indicators: at the
    years the country was observed), and ``relative``: catching up, falling behind, pulling
    ahead, losing its lead, no clear change, or too few years (fewer than 3)."""
    y1 = data.year if end is None else end
    y0 = max(y1 - n_years + 1, min(data.years))
    years = list(range(y0, y1 + 1))
    peers = _peers(data, iso3)[0].members
    rows: list[dict[str, Any]] = []
    yr = np.asarray(years, dtype=np.float64)
    # pillar trends like for like: the same indicators in every year of the window
    pw = _memo(data, ("pillar_constant", y0, y1), lambda: _constant_pillars(data, y0, y1))
    own_p = _own(pw, iso3).reindex(index=years)
    med_p = _memo(data, ("pillar_medians", y0, y1, peers), lambda: _peer_medians(pw, list(peers)))
    med_p = med_p.reindex(index=years)
    for code, name in data.pillars.items():
        if code not in pw.columns:
            continue
        own = own_p[code].to_numpy(dtype=np.float64)
        gap = own - med_p[code].to_numpy(dtype=np.float64)
        s, _, _, n = _slope(yr, own)
        gs, glo, ghi, _ = _slope(yr, gap)
        rows.append(
            _trend_row("pillar", code, name, "points a year", n, own, s, _last(gap), gs, glo, ghi)
        )
    meta = _memo(data, ("indicator_meta",), data.indicator_meta)
    own_obs = _own(data.observed_wide, iso3)
    nw = data.normalised_wide
    med_n = _memo(data, ("normalised_medians", peers), lambda: _peer_medians(nw, list(peers)))
    gap_all = _own(nw, iso3) - med_n
    for code in meta.index:
        col = own_obs[code].dropna() if code in own_obs.columns else pd.Series(dtype=float)
        col = col[col.index <= y1]
        if len(col):
            last_year = int(col.index.max())
            col = col[col.index > last_year - n_years]
        oy = np.asarray(col.index, dtype=np.float64)
        ov = col.to_numpy(dtype=np.float64)
        s, _, _, n = _slope(oy, ov)
        gap = gap_all[code].reindex(col.index).to_numpy(dtype=np.float64)
        gs, glo, ghi, _ = _slope(oy, gap)
        unit = f"{meta.loc[code, 'unit']} a year"
        rows.append(
            _trend_row(
                "indicator",
                code,
                str(meta.loc[code, "name"]),
                unit,
                n,
                ov,
                s,
                _last(gap),
                gs,
                glo,
                ghi,
            )
        )
    return pd.DataFrame(rows)


def _constant_pillars(data: CapacityData, start: int, end: int) -> pd.DataFrame:
    """``(year, iso3) x pillar`` constant-composition scores over ``start..end``."""
    comp = data.composition(start, end)
    cols = [c for c in data.pillars if c in comp.scores.columns]
    out: pd.DataFrame = comp.scores.set_index(["year", "iso3"])[cols].sort_index()
    return out


def _own(wide: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """``year x column`` rows of ``iso3`` in a ``(year, iso3) x column`` table."""
    sel = wide[wide.index.get_level_values(1) == iso3]
    return sel.droplevel(1)


def _peer_medians(wide: pd.DataFrame, peers: list[str]) -> pd.DataFrame:
    """``year x column`` medians over ``peers`` in a ``(year, iso3) x column`` table."""
    sel = wide[wide.index.get_level_values(1).isin(peers)]
    return sel.groupby(level=0).median()


def _trend_row(
    kind: str,
    code: str,
    name: str,
    unit: str,
    n: int,
    values: np.ndarray,
    slope: float,
    gap_now: float,
    gap_slope: float,
    lo: float,
    hi: float,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": code,
        "name": name,
        "unit": unit,
        "n_years": n,
        "first": _first(values),
        "last": _last(values),
        "slope": slope,
        "gap_now": gap_now,
        "gap_slope": gap_slope,
        "gap_slope_low": lo,
        "gap_slope_high": hi,
        "relative": _relative(gap_now, lo, hi, gap_slope, n),
    }


def _first(a: np.ndarray) -> float:
    v = a[np.isfinite(a)]
    return float(v[0]) if v.size else float("nan")


def _last(a: np.ndarray) -> float:
    v = a[np.isfinite(a)]
    return float(v[-1]) if v.size else float("nan")


# ------------------------------------------------------------------------------ diagnosis
@dataclass(frozen=True)
class Diagnosis:
    """Everything said about one country, with the tables it rests on."""

    iso3: str
    name: str
    year: int
    peers: list[PeerGroup]
    pillars: pd.DataFrame
    indicators: pd.DataFrame
    trends: pd.DataFrame
    expected: dict[str, Any] | None
    expected_fit: OLSFit | None
    tier: int | None
    status: str
    #: gender gaps from the sex-disaggregated series (:func:`aicap.analysis.gender.gender_gaps`)
    gender: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def binding(self) -> str | None:
        b = self.pillars[self.pillars["binding"]]
        return str(b["pillar"].iloc[0]) if len(b) else None

    @property
    def bottlenecks(self) -> pd.DataFrame:
        return self.indicators[self.indicators["status"] == "bottleneck"].sort_values("gap_peer")

    @property
    def strengths(self) -> pd.DataFrame:
        return self.indicators[self.indicators["status"] == "strength"].sort_values(
            "gap_peer", ascending=False
        )


def diagnose(
    data: CapacityData,
    iso3: str,
    *,
    expected: Any | None = None,
    n_years: int = TREND_YEARS,
) -> Diagnosis:
    """The diagnosis of ``iso3`` in the latest year. ``expected``: a precomputed
    :class:`ExpectedCapacity` (saves refitting when diagnosing many countries)."""
    iso3 = iso3.upper()
    info = data.country(iso3)
    sc = data.scores()
    row = sc.loc[iso3] if iso3 in sc.index else None
    tier = None
    if row is not None and "tier" in sc.columns and pd.notna(row["tier"]):
        tier = int(float(str(row["tier"])))
    status = str(row["status"]) if row is not None and "status" in sc.columns else "unknown"
    exp = expected
    if exp is None:
        try:
            exp = expected_for(data)
        except ValueError:
            exp = None
    return Diagnosis(
        iso3=iso3,
        name=str(info["name"]),
        year=data.year,
        peers=_peers(data, iso3),
        pillars=pillar_gaps(data, iso3),
        indicators=indicator_gaps(data, iso3),
        trends=trends(data, iso3, n_years=n_years),
        expected=exp.row(iso3) if exp is not None else None,
        expected_fit=exp.fit if exp is not None else None,
        tier=tier,
        status=status,
        gender=gender_gaps(data.sex, iso3),
    )
