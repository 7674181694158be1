"""Concentration of AI resources: shares, HHI and CR-k per resource, year, view and variant.

A *holdings* frame (:data:`HOLDINGS_COLUMNS`) says how much of a resource each actor (a
country's ISO3 or an organisation) holds in a year; ``actor`` is NULL for the part of the
market that cannot be attributed (a cluster with no country, a model by a "Multinational"
organisation). Builders turn warehouse records into holdings:

* :func:`compute_holdings`: GPU-cluster compute (Epoch AI), the stock operational at the end of
  each year, ``capacity`` = H100-equivalents and ``count`` = clusters;
* :func:`model_holdings`: notable / large-scale / frontier models per publication year,
  ``count`` = models and ``capacity`` = training compute (FLOP); ``full`` counting (a model
  counts once for each country or organisation it lists, shares taken over all attributions)
  and ``fractional`` counting (1/k per listed token) as the sensitivity variant;
* :func:`cloud_holdings`: public-cloud regions (2022), ``count`` only.

:func:`market_stats` gives, for one market, HHI (0-10,000 points) and CR-k (%) as an interval
when part of the market is unattributed: **low** treats the residual as fully fragmented (many
infinitesimal actors, adding nothing to HHI or CR-k), **high** as one more actor. (Were the
residual to belong to the largest known actor, concentration would be higher still; the
interval brackets the two neutral readings, not every conceivable one.) Classification uses
the US DOJ/FTC 2023 Merger Guidelines thresholds and, alongside, the European Commission's 2004
horizontal merger guidelines bands; both sources are named in every result row.

Market coverage: every holding names its ``item`` (the cluster, model or region) and whether
its quantity is ``measured`` (a capacity view's item without an estimate, such as a model with
no training-compute figure, adds 0 and is not measured). :func:`concentration_table` reports,
per market, how many items it rests on (``n_items``, ``n_measured``, ``coverage`` in %); below
the documented minimum (``market_coverage`` in ``catalogues/monitor_links.yaml``) a capacity
view is ``low_coverage`` and its ``note`` points to the count view of the same market, which
the displays show instead. A market with one actor reads :data:`SINGLE_ACTOR` (or
:data:`SINGLE_IDENTIFIED` beside an unattributed part), never a concentration class.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

HOLDINGS_COLUMNS = (
    "resource",
    "year",
    "view",
    "dimension",
    "variant",
    "actor",
    "quantity",
    "item",
    "measured",
)
#: the reading of a market held by one actor: never "highly concentrated"
SINGLE_ACTOR = "a single actor (n = 1)"
#: ... and of a market with one identified actor and a part without one
SINGLE_IDENTIFIED = "a single identified actor (n = 1) and an unattributed part"

#: US DOJ and FTC, Merger Guidelines (18 December 2023), Guideline 1 and section 2.1.
DOJ_FTC_2023 = (
    "U.S. Department of Justice and Federal Trade Commission, Merger Guidelines (2023), "
    "Guideline 1 / section 2.1: HHI above 1,800 = highly concentrated; 1,000-1,800 = "
    "moderately concentrated; below 1,000 = unconcentrated"
)
#: European Commission, Guidelines on the assessment of horizontal mergers (2004/C 31/03).
EC_2004 = (
    "European Commission, Guidelines on the assessment of horizontal mergers (OJ C 31, "
    "5.2.2004), paras 19-21: HHI below 1,000 unlikely to raise concerns; 1,000-2,000 and above "
    "2,000 scrutinised according to the change in HHI"
)
HIGH = 1800.0
MODERATE = 1000.0
EC_LOW = 1000.0
EC_HIGH = 2000.0


def classify(hhi: float) -> str:
    """DOJ/FTC 2023 class of an HHI (points, 0-10,000)."""
    if hhi != hhi:  # NaN
        return "no data"
    if hhi > HIGH:
        return "highly concentrated"
    if hhi >= MODERATE:
        return "moderately concentrated"
    return "unconcentrated"


def classify_ec(hhi: float) -> str:
    """European Commission 2004 HHI band."""
    if hhi != hhi:
        return "no data"
    if hhi < EC_LOW:
        return "below 1,000"
    if hhi <= EC_HIGH:
        return "1,000-2,000"
    return "above 2,000"


def classify_interval(low: float, high: float) -> str:
    """The DOJ/FTC class of an HHI interval (``"moderately to highly concentrated"`` when the
    ends differ)."""
    a, b = classify(low), classify(high)
    if a == b:
        return a
    return f"{a.split()[0]} to {b}"


def market_stats(
    quantities: Mapping[str, float] | pd.Series,
    unattributed: float = 0.0,
    ks: Iterable[int] = (1, 3, 5),
) -> dict[str, object]:
    """HHI and CR-k of one market, with the unattributed residual read both ways.

    ``quantities``: actor -> quantity held (non-negative; zeros are ignored). Shares are over
    the total including ``unattributed``. Returns ``total``, ``n_actors``,
    ``unattributed_share`` (%), ``hhi_low``/``hhi_high`` (points), ``cr<k>_low``/``cr<k>_high``
    (%), ``top_actor`` and ``top_share`` (%), and the classifications of both ends.
    """
    series = pd.Series(quantities, dtype="float64")
    return _stats(series.index.tolist(), series.to_numpy(), unattributed, ks)


def _descending(values: np.ndarray) -> np.ndarray:
    """The order of ``pandas.Series.sort_values(ascending=False)`` on values without NaN
    (pandas' ``nargsort``: quicksort on the reversed values, reversed back), so that ties come
    out as they did when the table was built from Series."""
    idx = np.arange(len(values))[::-1]
    return idx[values[::-1].argsort(kind="quicksort")][::-1]


def _stats(
    actors: list[object], values: np.ndarray, unattributed: float, ks: Iterable[int]
) -> dict[str, object]:
    """:func:`market_stats` on plain arrays: ``actors`` and their quantities ``values``."""
    if bool((values < 0).any()) or unattributed < 0:
        raise ValueError("quantities must be non-negative")
    keep = np.flatnonzero(values > 0)
    kept = values[keep]
    order = _descending(kept)
    sorted_values = kept[order]
    total = float(sorted_values.sum()) + float(unattributed)
    out: dict[str, object] = {"total": total, "n_actors": len(sorted_values)}
    ks = list(ks)
    if total <= 0:
        out.update({"unattributed_share": float("nan"), "hhi_low": float("nan")})
        out.update({"hhi_high": float("nan"), "top_actor": None, "top_share": float("nan")})
        for k in ks:
            out[f"cr{k}_low"] = out[f"cr{k}_high"] = float("nan")
        out.update(
            {"class_low": "no data", "class_high": "no data", "class": "no data"}
            | {"class_ec_low": "no data", "class_ec_high": "no data"}
        )
        return out
    shares = 100.0 * sorted_values / total
    residual = 100.0 * float(unattributed) / total
    hhi_low = float(np.sum(shares**2))
    hhi_high = hhi_low + residual**2
    out["unattributed_share"] = residual
    out["hhi_low"] = hhi_low
    out["hhi_high"] = hhi_high
    with_residual = np.sort(np.append(shares, residual))[::-1]
    for k in ks:
        out[f"cr{k}_low"] = float(shares[:k].sum())
        out[f"cr{k}_high"] = float(with_residual[:k].sum())
    out["top_actor"] = str(actors[int(keep[order[0]])]) if len(sorted_values) else None
    out["top_share"] = float(shares[0]) if len(shares) else 0.0
    out["class_low"] = classify(hhi_low)
    out["class_high"] = classify(hhi_high)
    out["class"] = classify_interval(hhi_low, hhi_high)
    out["class_ec_low"] = classify_ec(hhi_low)
    out["class_ec_high"] = classify_ec(hhi_high)
    return out


def _holdings(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=list(HOLDINGS_COLUMNS))
    out["actor"] = out["actor"].astype("string")
    out["item"] = out["item"].astype("string")
    out["measured"] = out["measured"].astype("boolean")
    out["year"] = out["year"].astype("int64")
    out["quantity"] = out["quantity"].astype("float64")
    return out.reset_index(drop=True)


def _actor(value: object) -> str | None:
    """A cell as an actor name, ``None`` when missing or empty (NaN, NA, None, "")."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _num(value: object) -> float:
    """A cell as float (NaN when missing)."""
    if _actor(value) is None:
        return float("nan")
    return float(str(value))


def _split_orgs(text: object) -> list[str]:
    if _actor(text) is None:
        return []
    return [t.strip() for t in str(text).split(",") if t.strip()]


def compute_holdings(clusters: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Compute operational at the end of each year, by country and by owner.

    ``clusters``: the ``epoch_gpu_clusters/clusters`` records. Only Epoch's standard analysis
    (``standard``: included, not a possible duplicate) with a first operational year counts.
    Capacity = H100e (a cluster without an estimate adds 0 H100e but counts in the count view);
    owners listed together share a cluster equally.
    """
    std = clusters[clusters["standard"].astype(bool) & clusters["first_year"].notna()].copy()
    if std.empty:
        return _holdings(pd.DataFrame(columns=list(HOLDINGS_COLUMNS)))
    std["first_year"] = std["first_year"].astype("int64")
    std["estimated"] = std["h100e"].notna()
    std["h100e"] = std["h100e"].astype("float64").fillna(0.0)
    if {"file", "row"} <= set(std.columns):
        std["item"] = std["file"].astype(str) + ":" + std["row"].astype(str)
    else:  # records without their file position: one item per record
        std["item"] = [f"cluster:{k}" for k in range(len(std))]
    span = (
        list(years)
        if years is not None
        else list(range(int(std["first_year"].min()), int(std["first_year"].max()) + 1))
    )
    rows: list[dict[str, object]] = []
    for year in span:
        live = std[std["first_year"] <= year]
        for rec in live.itertuples(index=False):
            actor = _actor(getattr(rec, "iso3", None))
            for view, qty in (("capacity", _num(rec.h100e)), ("count", 1.0)):
                measured = bool(rec.estimated) if view == "capacity" else True
                rows.append(
                    {
                        "resource": "compute",
                        "year": year,
                        "view": view,
                        "dimension": "country",
                        "variant": "full",
                        "actor": actor,
                        "quantity": qty,
                        "item": rec.item,
                        "measured": measured,
                    }
                )
                owners: list[str | None] = list(_split_orgs(rec.owner)) or [None]
                for owner in owners:
                    rows.append(
                        {
                            "resource": "compute",
                            "year": year,
                            "view": view,
                            "dimension": "organisation",
                            "variant": "full",
                            "actor": owner,
                            "quantity": qty / len(owners),
                            "item": rec.item,
                            "measured": measured,
                        }
                    )
    return _holdings(pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS)))


def model_holdings(
    models: pd.DataFrame, model_countries: pd.DataFrame, tiers: Iterable[str] | None = None
) -> pd.DataFrame:
    """Models per publication year by country and by organisation, full and fractional.

    ``models`` / ``model_countries``: the ``epoch_ai_models_2025_12`` records. Resource names
    are ``models_<tier>``. A model with no country (or only unresolved tokens such as
    ``Multinational``) is unattributed. Capacity = training compute (FLOP); models without an
    estimate add nothing to it.
    """
    wanted = set(tiers) if tiers is not None else set(models["tier"].astype(str))
    rows: list[dict[str, object]] = []
    links = model_countries.copy()
    links["key"] = links["tier"].astype(str) + "\x00" + links["model"].astype(str)
    by_model: dict[str, list[object]] = {}  # key -> its iso3 cells, in row order
    for k, iso3 in zip(links["key"].tolist(), links["iso3"].tolist(), strict=True):
        if not pd.isna(k):
            by_model.setdefault(str(k), []).append(iso3)
    for rec in models[models["tier"].astype(str).isin(wanted) & models["year"].notna()].itertuples(
        index=False
    ):
        year = int(_num(rec.year))
        resource = f"models_{rec.tier}"
        flop = _num(rec.training_compute_flop)
        estimated = flop == flop
        flop = flop if estimated else 0.0
        item = f"{rec.tier}:{rec.model}"
        group = by_model.get(f"{rec.tier}\x00{rec.model}")
        isos: list[str | None] = [_actor(v) for v in group] if group is not None else [None]
        orgs: list[str | None] = list(_split_orgs(rec.organization)) or [None]
        for dimension, actors in (("country", isos), ("organisation", orgs)):
            distinct = list(dict.fromkeys(actors))
            for variant, weights in (
                ("full", dict.fromkeys(distinct, 1.0)),
                ("fractional", _fractions(actors)),
            ):
                for actor, w in weights.items():
                    for view, qty in (("count", w), ("capacity", w * flop)):
                        rows.append(
                            {
                                "resource": resource,
                                "year": year,
                                "view": view,
                                "dimension": dimension,
                                "variant": variant,
                                "actor": actor,
                                "quantity": qty,
                                "item": item,
                                "measured": estimated if view == "capacity" else True,
                            }
                        )
    return _holdings(pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS)))


def _fractions(actors: list[str | None]) -> dict[str | None, float]:
    out: dict[str | None, float] = {}
    for actor in actors:
        out[actor] = out.get(actor, 0.0) + 1.0 / len(actors)
    return out


def cloud_holdings(regions: pd.DataFrame, year: int = 2022) -> pd.DataFrame:
    """Open public-cloud regions by country and by provider (count view)."""
    live = regions[~regions["announced"].astype(bool)]
    names = (
        live["region"].astype(str).tolist()
        if "region" in live.columns
        else [str(k) for k in range(len(live))]
    )
    rows: list[dict[str, object]] = []
    for rec, region in zip(live.itertuples(index=False), names, strict=True):
        for dimension, actor in (
            ("country", _actor(rec.iso3)),
            ("organisation", str(rec.provider)),
        ):
            rows.append(
                {
                    "resource": "cloud_regions",
                    "year": year,
                    "view": "count",
                    "dimension": dimension,
                    "variant": "full",
                    "actor": actor,
                    "quantity": 1.0,
                    "item": f"{rec.provider}:{region}",
                    "measured": True,
                }
            )
    return _holdings(pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS)))


_KEYS = ["resource", "view", "dimension", "variant", "year"]


def _same_sums(
    attributed: pd.DataFrame,
    codes: np.ndarray,
    values: np.ndarray,
    spans: Mapping[Hashable, tuple[int, int]],
) -> None:
    """Make the per-market actor sums in ``values`` (from one groupby over all markets) the
    floats a groupby over each market alone gives, to the last bit: pandas sums a group with
    ``numpy.add.reduceat`` when the rows come sorted by group (and hold no NaN), and with
    compensated (Kahan) summation otherwise; both orders are kept as they were when the table
    was computed market by market. ``codes``: each attributed row's (market, actor) group
    number, increasing with the actor within a market."""
    quantity = attributed["quantity"].to_numpy(dtype="float64")
    for key, rows in attributed.groupby(_KEYS, sort=False).indices.items():
        c = codes[rows]
        q = quantity[rows]
        if len(c) > 1 and bool((np.diff(c) >= 0).all()) and not bool(np.isnan(q).any()):
            a, b = spans[key]
            starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
            values[a:b] = np.add.reduceat(q, starts)


#: what a capacity view's items and estimates are called, per resource prefix
COVERAGE_WORDS = {
    "compute": ("clusters", "an H100e estimate"),
    "models": ("models", "a training-compute estimate"),
}


def _coverage(holdings: pd.DataFrame) -> pd.DataFrame:
    """Per market: ``n_items`` (distinct items), ``n_measured`` (those with a measured
    quantity) and ``coverage`` (%); NaN where the holdings name no items."""
    items = holdings[holdings["item"].notna()] if "item" in holdings else holdings.iloc[:0]
    if items.empty:
        return pd.DataFrame(columns=[*_KEYS, "n_items", "n_measured", "coverage"])
    n_items = items.groupby(_KEYS)["item"].nunique().rename("n_items")
    measured = items[items["measured"].fillna(False).astype(bool)]
    n_measured = measured.groupby(_KEYS)["item"].nunique().rename("n_measured")
    out = pd.concat([n_items, n_measured], axis=1).fillna({"n_measured": 0})
    out["n_measured"] = out["n_measured"].astype("int64")
    out["coverage"] = 100.0 * out["n_measured"] / out["n_items"]
    return out.reset_index()


def coverage_note(resource: str, n_measured: int, n_items: int) -> str:
    """``"4 of 12 models have a training-compute estimate"``."""
    noun, what = COVERAGE_WORDS.get(resource.split("_")[0], ("items", "an estimate"))
    verb = "has" if n_measured == 1 else "have"
    return f"{n_measured} of {n_items} {noun} {verb} {what}"


def _readings(table: pd.DataFrame, min_coverage: float | None) -> pd.DataFrame:
    """Add the coverage reading: ``low_coverage`` (a capacity view below ``min_coverage`` %),
    ``note`` (the coverage in words, and the fallback to the count view when low), and the
    single-actor reading of ``class``."""
    table["n_items"] = table["n_items"].astype("Int64")
    table["n_measured"] = table["n_measured"].astype("Int64")
    capacity = (table["view"] == "capacity").to_numpy()
    cov = table["coverage"].to_numpy(dtype="float64")
    low = capacity & ~np.isnan(cov) & (cov < (min_coverage if min_coverage is not None else -1))
    table["low_coverage"] = low
    notes = []
    resources = table["resource"].astype(str).tolist()
    n_items = table["n_items"].fillna(0).to_numpy(dtype="int64")
    n_measured = table["n_measured"].fillna(0).to_numpy(dtype="int64")
    for k in range(len(table)):
        note = ""
        if capacity[k] and not np.isnan(cov[k]):
            note = coverage_note(resources[k], int(n_measured[k]), int(n_items[k]))
            if low[k]:
                note += f", under the {min_coverage:.0f} % needed: read the count view"
        notes.append(note)
    table["note"] = notes
    single = (table["n_actors"] == 1).to_numpy()
    residual = (table["unattributed_share"].fillna(0.0) > 0).to_numpy()
    table.loc[single & ~residual, "class"] = SINGLE_ACTOR
    table.loc[single & residual, "class"] = SINGLE_IDENTIFIED
    return table


def concentration_table(
    holdings: pd.DataFrame, ks: Iterable[int] = (1, 3, 5), min_coverage: float | None = None
) -> pd.DataFrame:
    """One row per resource, view, dimension, variant and year: :func:`market_stats`, the
    threshold sources, and the market's coverage (``n_items``, ``n_measured``, ``coverage``
    %, ``low_coverage`` below ``min_coverage`` % for a capacity view, ``note``); a market with
    one actor has ``class`` :data:`SINGLE_ACTOR`."""
    ks = list(ks)
    out: list[dict[str, object]] = []
    if holdings.empty:
        return pd.DataFrame(columns=[*_KEYS, "hhi_low", "hhi_high"])
    # Every market at once: the attributed quantities summed per market and actor (one
    # groupby, actors sorted within a market as a per-market groupby sorts them), the
    # unattributed rows' positions per market; then market_stats' arithmetic on arrays.
    markets = holdings.groupby(_KEYS, sort=True).size().index.tolist()
    unknown = holdings["actor"].isna().to_numpy(dtype=bool)
    attributed = holdings[~unknown]
    by_actor = attributed.groupby([*_KEYS, "actor"], sort=True)
    known = by_actor["quantity"].sum()
    levels = [known.index.get_level_values(i).tolist() for i in range(len(_KEYS))]
    actors = known.index.get_level_values(len(_KEYS)).tolist()
    values = known.to_numpy(dtype="float64", copy=True)
    spans: dict[Hashable, tuple[int, int]] = {}
    for i, k in enumerate(zip(*levels, strict=True)):
        start = spans[k][0] if k in spans else i
        spans[k] = (start, i + 1)
    _same_sums(attributed, by_actor.ngroup().to_numpy(), values, spans)
    residual_rows = holdings[unknown]
    quantity = residual_rows["quantity"].to_numpy(dtype="float64")
    quantity = np.where(np.isnan(quantity), 0.0, quantity)  # as Series.sum skips NaN
    residuals = residual_rows.groupby(_KEYS, sort=False).indices if len(residual_rows) else {}
    for key in markets:
        a, b = spans.get(key, (0, 0))
        rows = residuals.get(key)
        residual = float(quantity[rows].sum()) if rows is not None else 0.0
        stats = _stats(actors[a:b], values[a:b], residual, ks)
        out.append(dict(zip(_KEYS, key, strict=True)) | stats)
    table = pd.DataFrame(out)
    table["threshold_source"] = DOJ_FTC_2023
    table["threshold_source_ec"] = EC_2004
    table = table.merge(_coverage(holdings), on=_KEYS, how="left")
    return _readings(table, min_coverage)


def shown_view(table: pd.DataFrame, resource: str, view: str, variant: str = "full") -> str:
    """The view the displays show for ``resource``'s ``view``: the count view when the latest
    year's capacity view has low coverage, else ``view`` itself."""
    sel = table[
        (table["resource"] == resource) & (table["view"] == view) & (table["variant"] == variant)
    ]
    if sel.empty or "low_coverage" not in sel:
        return view
    latest = sel[sel["year"] == sel["year"].max()]
    return "count" if bool(latest["low_coverage"].any()) else view


def shares_table(holdings: pd.DataFrame) -> pd.DataFrame:
    """Share (%) of each actor (``actor`` NULL = unattributed) per market, largest first."""
    if holdings.empty:
        return pd.DataFrame(columns=[*_KEYS, "actor", "quantity", "share"])
    grouped = (
        holdings.assign(actor=holdings["actor"].fillna("(unattributed)"))
        .groupby([*_KEYS, "actor"], sort=True)["quantity"]
        .sum()
        .reset_index()
    )
    totals = grouped.groupby(_KEYS)["quantity"].transform("sum")
    grouped["share"] = np.where(totals > 0, 100.0 * grouped["quantity"] / totals, np.nan)
    return grouped.sort_values([*_KEYS, "share"], ascending=[True] * 5 + [False]).reset_index(
        drop=True
    )


def lorenz(values: pd.Series) -> pd.DataFrame:
    """Lorenz curve of a non-negative quantity over units (e.g. compute over all Member States,
    zeros included): columns ``units_share``, ``quantity_share`` (both 0-1, from (0, 0))."""
    v = np.sort(values.astype("float64").fillna(0.0).to_numpy())
    if len(v) == 0 or v.sum() <= 0:
        return pd.DataFrame({"units_share": [0.0, 1.0], "quantity_share": [0.0, 1.0]})
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    units = np.arange(len(v) + 1) / len(v)
    return pd.DataFrame({"units_share": units, "quantity_share": cum})


def gini(values: pd.Series) -> float:
    """Gini coefficient of a non-negative quantity (0 = equal, 1 = one unit holds all)."""
    v = np.sort(values.astype("float64").fillna(0.0).to_numpy())
    n = len(v)
    if n == 0 or v.sum() <= 0:
        return float("nan")
    index = np.arange(1, n + 1)
    return float((2.0 * np.sum(index * v)) / (n * v.sum()) - (n + 1) / n)
