"""The shipped index, end to end: score every year, tiers, changes, audit, uncertainty, validity;
and the files ``aicap build`` writes (Parquet + CSV + ``summary.md`` / ``summary.json``).

>>> run = run_index(Warehouse("var/aicap.duckdb"))      # doctest: +SKIP
>>> write_outputs(run, Path("var/out"))                   # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.assets import AssetInputs, load_asset_inputs
from aicap.analysis.capacity_index import (
    STATUS_SCORED,
    CapacityIndex,
    YearScores,
    index_from_inputs,
    read_inputs,
    summary_counts,
    unit_data,
)
from aicap.analysis.claims import ClaimSet
from aicap.analysis.publish import BUILT_FROM, warehouse_stamp, write_published
from aicap.analysis.series import Change, classify_changes
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.analysis.tier_build import McSettings, latest_tiers, with_tiers
from aicap.analysis.tier_validity import held_by_zero_fill, tier_validity, tier_validity_markdown
from aicap.analysis.validity import Correlation, correlate
from aicap.analysis.voice.corrections import Corrections
from aicap.index import Composite, audit, build
from aicap.index.report import audit_report, markdown_table
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import UncertaintyResult, make_plan, run_uncertainty
from aicap.warehouse.read import Warehouse

RESULT_COLUMNS = ["iso3", "year", "status", "score", "rank", "rank_p05", "rank_p95", "tier"]
#: Tier columns of the latest results copied onto the series' latest year.
TIER_EXTRA_COLUMNS = (
    "next_needs",
    "evidence",
    "tier_conditions",
    "tier_probability",
    "tier_probability_high",
    "p_tier",
    "near_boundary",
    "p_capacity_tier",
)


@dataclass
class IndexRun:
    """Everything the shipped index produces."""

    spec: IndexSpec
    index: CapacityIndex
    results: pd.DataFrame  # latest year, one row per Member State, tiers and bands
    series: pd.DataFrame  # every year, one row per Member State and year, with tiers
    change: Change
    validity: list[Correlation]
    audit_composite: Composite
    uncertainty: UncertaintyResult | None
    uncertainty_spec: UncertaintySpec | None
    timings: dict[str, float] = field(default_factory=dict)
    assets: pd.DataFrame | None = None  # latest year: aicap.analysis.assets.country_assets
    tier_conditions: pd.DataFrame | None = None  # latest year: every tier condition, long
    tier_mc: str = ""  # the Monte Carlo settings the tier probabilities used
    claims: ClaimSet | None = None  # the standard claims (aicap.analysis.claims_run)
    standard: Any = None  # the StandardClaims they came from (constant composition included)
    warehouse: Path | None = None  # the warehouse file it read (recorded beside the outputs)
    corrections: Corrections | None = None  # correction rules of accepted error reports

    @property
    def year(self) -> int:
        return self.index.end

    @property
    def cells(self) -> pd.DataFrame:
        return self.index.latest.cells


def default_uncertainty_path() -> Path:
    return default_framework_path().with_name("aicap-uncertainty.yaml")


def audit_for_scored(ys: YearScores, inputs_data: pd.DataFrame) -> Composite:
    """The latest composite rebuilt on the scored Member States only (scores do not depend on
    other countries, so they are the same; the audit then covers exactly the scored set)."""
    scored = list(ys.results.loc[ys.results["status"] == STATUS_SCORED, "iso3"])
    data = inputs_data[inputs_data["uCode"].isin(scored)]
    return build(ys.composite.framework, data, ys.composite.recipe, f"aicap {ys.year} scored")


def run_index(
    wh: Warehouse,
    spec: IndexSpec | None = None,
    uncertainty: UncertaintySpec | bool | None = True,
    *,
    start: int | None = None,
    end: int | None = None,
    corrections: Corrections | None = None,
) -> IndexRun:
    """Build the shipped index from the warehouse. ``uncertainty``: a spec, ``True`` for
    ``frameworks/aicap-uncertainty.yaml``, or ``False``/``None`` to skip it. ``corrections``:
    the correction rules of accepted error reports to lay over the open data (issue 20;
    :mod:`aicap.analysis.voice.corrections`); none: the open data as published."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    spec = spec or IndexSpec.load(default_framework_path())
    inputs = corrections.read_inputs(wh, spec) if corrections else read_inputs(wh, spec)
    timings["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    index = index_from_inputs(inputs, start=start, end=end)
    timings["score_years"] = time.perf_counter() - t
    t = time.perf_counter()
    asset_inputs: AssetInputs = load_asset_inputs(wh)
    timings["assets"] = time.perf_counter() - t
    if corrections:  # flag the cells the rules touched; what they change, country by country
        corrections.after_index(index, asset_inputs)
    series = pd.concat(
        [
            with_tiers(spec, index.years[y].results, asset_inputs, cells=index.years[y].cells)
            for y in sorted(index.years)
        ],
        ignore_index=True,
    )
    # changes like for like over the longest window that keeps most countries comparable
    from aicap.analysis.trend import comparable_start

    all_cells = pd.concat([ys.cells for ys in index.years.values()], ignore_index=True)
    change_start, _ = comparable_start(all_cells, spec, index.end)
    change = classify_changes(
        {y: ys.composite for y, ys in index.years.items()},
        spec,
        names=inputs.members.set_index("iso3")["name"],
        start=change_start,
    )
    timings["tiers_changes"] = time.perf_counter() - t
    t = time.perf_counter()
    data, _ = unit_data(inputs, index.end)
    audit_comp = audit_for_scored(index.latest, data)
    timings["audit"] = time.perf_counter() - t
    t = time.perf_counter()
    uspec: UncertaintySpec | None
    if uncertainty is True:
        path = default_uncertainty_path()
        uspec = UncertaintySpec.from_yaml(path.read_text(encoding="utf-8"), str(path))
    elif isinstance(uncertainty, UncertaintySpec):
        uspec = uncertainty
    else:
        uspec = None
    unc: UncertaintyResult | None = None
    mc = McSettings.from_uncertainty(uspec)
    results, assets, conds = latest_tiers(
        spec, index.latest.results, asset_inputs, index.latest.cells, mc
    )
    # the latest year of the series carries the same tier evidence (with natural units and
    # probabilities) as the results, so profiles and briefings read one truth
    latest = series["year"] == index.end
    by_iso = results.set_index("iso3")
    for col in TIER_EXTRA_COLUMNS:
        if col in by_iso.columns:
            series.loc[latest, col] = series.loc[latest, "iso3"].map(by_iso[col]).to_numpy()
    if "near_boundary" in series.columns:
        series["near_boundary"] = series["near_boundary"].astype("boolean")
    timings["tier_probabilities"] = time.perf_counter() - t
    results["rank_p05"] = np.nan
    results["rank_p95"] = np.nan
    results["score_p05"] = np.nan
    results["score_p95"] = np.nan
    if uspec is not None:
        unc = run_uncertainty(make_plan(audit_comp, uspec, "aicap-uncertainty"))
        bands = unc.countries().set_index("uCode")
        for col in ("rank_p05", "rank_p95", "score_p05", "score_p95"):
            results[col] = results["iso3"].map(bands[col]).astype(float)
    timings["uncertainty"] = time.perf_counter() - t
    results = with_data_age(results, index.latest.cells)
    t = time.perf_counter()
    validity = validate(wh, spec, index)
    timings["validity"] = time.perf_counter() - t
    run = IndexRun(
        spec,
        index,
        results,
        series,
        change,
        validity,
        audit_comp,
        unc,
        uspec,
        timings,
        assets=assets,
        tier_conditions=conds,
        tier_mc=mc.source,
    )
    t = time.perf_counter()
    from aicap.analysis.capacity_data import from_run
    from aicap.analysis.claims_run import standard_claims

    run.warehouse = wh.path
    run.corrections = corrections or None
    run.standard = standard_claims(from_run(wh, run))
    run.claims = run.standard.claims
    timings["claims"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return run


def with_data_age(results: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """``results`` with the age of the values behind each score: ``values_n``,
    ``values_carried`` (carried forward from an earlier year), ``values_carried_share``,
    ``values_oldest``, ``values_newest`` and ``values_median_year`` (of the values' own
    years), so that a score's year never hides how old its data are."""
    c = cells[cells["value"].notna()]
    g = c.groupby("iso3")
    age = pd.DataFrame(
        {
            "values_n": g.size(),
            "values_carried": g["imputed"].sum().astype(int),
            "values_oldest": g["value_year"].min(),
            "values_newest": g["value_year"].max(),
            "values_median_year": g["value_year"].median(),
        }
    )
    age["values_carried_share"] = age["values_carried"] / age["values_n"]
    drop = [k for k in age.columns if k in results.columns]
    return results.drop(columns=drop).merge(age, left_on="iso3", right_index=True, how="left")


def validate(wh: Warehouse, spec: IndexSpec, index: CapacityIndex) -> list[Correlation]:
    """Spearman correlation with each validation target, in the target's year (or the
    series' nearest year) and, for reference, against the latest year."""
    out: list[Correlation] = []
    for vt in spec.validation_targets:
        tv = wh.panel([vt.series], years=[vt.year], countries=list(index.inputs.members["iso3"]))
        target = tv.set_index("iso3")["value"].astype(float)
        year = min(max(vt.year, min(index.years)), max(index.years))
        out.append(
            correlate(
                index.years[year].results,
                target,
                spec.pillar_codes,
                target_code=vt.series,
                target_name=vt.name,
                year=year,
            )
        )
    return out


# ------------------------------------------------------------------------------ outputs
def results_records(results: pd.DataFrame, spec: IndexSpec) -> list[dict[str, Any]]:
    """Per Member State: ``iso3, year, status, score, rank, rank_p05, rank_p95, tier``, the
    pillar scores (``pillars``), missing pillars and the tier evidence (JSON-ready)."""
    recs: list[dict[str, Any]] = []
    for r in results.to_dict(orient="records"):
        rec: dict[str, Any] = {k: _json(r.get(k)) for k in RESULT_COLUMNS}
        rec["name"] = r["name"]
        rec["tier_label"] = _json(r.get("tier_label"))
        # the capacity level and what holds the tier below it (aicap.analysis.tier_statement)
        for k in (
            "tier_rule_label",
            "tier_named",
            "capacity_tier",
            "capacity_tier_high",
            "p_capacity_tier",
        ):
            rec[k] = _json(r.get(k))
        rec["held_by"] = [c for c in str(_json(r.get("held_by")) or "").split(",") if c]
        rec["held_tiers"] = _json(r.get("held_tiers"))
        rec["tier_basis"] = _json(r.get("tier_basis")) or None
        rec["pillars"] = {c: _json(r[c]) for c in spec.pillar_codes}
        rec["groups"] = {g.code: _json(r[g.code]) for g in spec.groups}
        rec["missing_pillars"] = [p for p in str(r["missing_pillars"]).split(",") if p]
        rec["tier_evidence"] = _json(r.get("evidence"))
        rec["tier_high"] = _json(r.get("tier_high"))
        rec["tier_range"] = _json(r.get("tier_range"))
        rec["tier_probability"] = _loads(r.get("tier_probability"))
        if r.get("tier_high") is not None and _json(r.get("tier_high")) != _json(r.get("tier")):
            rec["tier_probability_if_unknown_met"] = _loads(r.get("tier_probability_high"))
        rec["tier_near_boundary"] = _json(r.get("near_boundary"))
        rec["tier_conditions"] = _loads(r.get("tier_conditions")) or []
        rec["tier_next_needs"] = _loads(r.get("next_needs")) or []
        rec["data_age"] = {
            "values": _json(r.get("values_n")),
            "carried_forward": _json(r.get("values_carried")),
            "carried_share": _json(r.get("values_carried_share")),
            "oldest": _json(r.get("values_oldest")),
            "newest": _json(r.get("values_newest")),
            "median_year": _json(r.get("values_median_year")),
        }
        recs.append(rec)
    return recs


def _loads(v: Any) -> Any:
    """A JSON text column back to data (None when absent)."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return json.loads(str(v))


def _json(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else round(float(v), 4)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def summary(run: IndexRun) -> dict[str, Any]:
    res = run.results
    counts = summary_counts(res)
    tier_values = [None if pd.isna(v) else int(v) for v in res["tier"].tolist()]
    tiers = {
        ("none" if k is None else str(k)): tier_values.count(k)
        for k in sorted(set(tier_values), key=lambda x: -1 if x is None else x)
    }
    ch = run.change.changes
    return {
        "index": run.spec.title,
        "version": run.spec.version,
        "year": run.year,
        "series": [min(run.index.years), max(run.index.years)],
        "member_states": counts["member_states"],
        "scored": counts["scored"],
        "insufficient_data": counts["insufficient"],
        "tiers": tiers,
        "tier_ranges": (
            {str(k): int(v) for k, v in res["tier_range"].value_counts().sort_index().items()}
            if "tier_range" in res.columns
            else {}
        ),
        "tier_near_boundary": (
            int(res["near_boundary"].fillna(False).astype(bool).sum())
            if "near_boundary" in res.columns
            else None
        ),
        "uncertainty": (
            {"spec": run.uncertainty_spec.name, **run.uncertainty.summary()}
            if run.uncertainty is not None and run.uncertainty_spec is not None
            else None
        ),
        "change": {
            "start": run.change.start,
            "end": run.change.end,
            "noise": round(run.change.noise, 3),
            "threshold": round(run.change.threshold, 3),
            "improved": int((ch["direction"] == "improved").sum()),
            "declined": int((ch["direction"] == "declined").sum()),
            "fell_behind": sorted(ch.loc[ch["relative"] == "fell_behind", "iso3"]),
            "declined_list": sorted(ch.loc[ch["direction"] == "declined", "iso3"]),
        },
        "validity": [c.as_dict() for c in run.validity],
        **({"corrections": run.corrections.summary()} if run.corrections else {}),
    }


def summary_markdown(run: IndexRun, s: dict[str, Any]) -> str:
    res = run.results
    top = res[res["status"] == STATUS_SCORED].sort_values("rank").head(10)
    lines = [
        f"# {run.spec.title} {run.year}: run summary",
        "",
        f"- Member States: {s['member_states']}; scored: {s['scored']}; insufficient data: "
        f"{len(s['insufficient_data'])} ("
        + ", ".join(f"{k}: {'/'.join(v)}" for k, v in s["insufficient_data"].items())
        + ")",
        f"- Series {s['series'][0]}-{s['series'][1]}, fixed goalposts; tiers: "
        + ", ".join(f"tier {k}: {v}" for k, v in s["tiers"].items())
        + (
            " (proven by the known evidence; with ranges where a condition was not assessed: "
            + ", ".join(f"{k}: {v}" for k, v in s["tier_ranges"].items())
            + f"; near a tier boundary: {s['tier_near_boundary']})"
            if s.get("tier_ranges")
            else ""
        ),
        f"- Change {s['change']['start']}-{s['change']['end']} (like for like): noise "
        f"{s['change']['noise']} points, threshold {s['change']['threshold']}; improved "
        f"{s['change']['improved']}, declined {s['change']['declined']}, fell behind the "
        f"median: {len(s['change']['fell_behind'])}",
    ]
    for v in s["validity"]:
        lines.append(
            f"- Spearman with {v['name']} ({v['year']}): rho {v['spearman_rho']:.3f}, "
            f"95 % CI [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}], n {v['n']}"
        )
    if s["uncertainty"]:
        u = s["uncertainty"]
        lines.append(
            f"- Uncertainty ({u['spec']}): {u['replications']} replications, {u['failed']} "
            f"failed, mean absolute rank shift {u['mean_abs_rank_shift']:.2f}"
        )
    if run.corrections:
        lines += run.corrections.markdown()
    tier_col = "tier_range" if "tier_range" in top.columns else "tier"
    cols = [
        "rank",
        "iso3",
        "name",
        "score",
        "rank_p05",
        "rank_p95",
        tier_col,
        *run.spec.pillar_codes,
    ]
    lines += ["", "## Top 10", "", markdown_table(top[cols], 1)]
    return "\n".join(lines) + "\n"


def _write(frame: pd.DataFrame, out: Path, name: str, written: list[str]) -> None:
    frame = frame.reset_index(drop=True)
    frame.to_parquet(out / f"{name}.parquet", index=False)
    frame.to_csv(out / f"{name}.csv", index=False)
    written += [f"{name}.parquet", f"{name}.csv"]


def write_tier_outputs(run: IndexRun, out: Path) -> list[str]:
    """The tier evidence and its validity report: ``assets``, ``tier_conditions``,
    ``tier_crosstab_income``, ``tier_crosstab_groups``, ``tier_income_outliers``,
    ``tier_holding``, ``tier_held_below_capacity``, ``tier_validity.md`` and
    ``tier_validity.json``."""
    written: list[str] = []
    if run.assets is None or run.tier_conditions is None:
        return written
    _write(run.assets, out, "assets", written)
    _write(run.tier_conditions, out, "tier_conditions", written)
    weights = {i.code: i.weight for i in run.spec.indicators}
    zf = held_by_zero_fill(run.results, run.cells, run.spec.tiers, weights)
    _write(zf, out, "tier_held_by_zero_fill", written)
    v = tier_validity(run.results, run.spec.tiers, zf)
    _write(v.by_income.reset_index(), out, "tier_crosstab_income", written)
    _write(v.by_group.reset_index(names="tier_range"), out, "tier_crosstab_groups", written)
    _write(v.income_outliers, out, "tier_income_outliers", written)
    _write(v.holding, out, "tier_holding", written)
    _write(v.held, out, "tier_held_below_capacity", written)
    (out / "tier_validity.md").write_text(tier_validity_markdown(v), encoding="utf-8")
    (out / "tier_validity.json").write_text(
        json.dumps(v.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return [*written, "tier_validity.md", "tier_validity.json"]


def write_outputs(run: IndexRun, out: Path) -> list[str]:
    """Write every output under ``out``; returns the file names. The files are written to a
    staging folder first and moved into place only where their bytes changed
    (:mod:`aicap.analysis.publish`): nothing is half-written, and a no-op build leaves every
    output as it was (bytes and modification times)."""
    names, _ = write_published(out, lambda folder: _write_outputs(run, folder))
    return names


def _write_outputs(run: IndexRun, out: Path) -> list[str]:
    written: list[str] = []
    spec = run.spec
    _write(run.results, out, "results", written)
    _write(run.cells, out, "cells", written)
    _write(run.series, out, "series", written)
    all_cells = pd.concat([ys.cells for ys in run.index.years.values()], ignore_index=True)
    _write(all_cells, out, "series_cells", written)
    _write(run.change.changes, out, "changes", written)
    comp_long = run.change.comparable.reset_index(names="iso3").melt(
        id_vars="iso3", var_name="year", value_name="comparable_score"
    )
    _write(comp_long, out, "series_comparable", written)
    if run.claims is not None:
        run.claims.write(out / "claims.json")
        written.append("claims.json")
    if run.standard is not None:
        comp = run.standard.composition
        # the constant-composition series every statement about change reads, and per
        # country the indicators it holds in every year of the window
        _write(comp.scores, out, "series_constant", written)
        _write(comp.held, out, "series_constant_held", written)
    for c in run.validity:
        _write(c.disagreements, out, f"validity_{c.target.lower().replace('.', '_')}", written)
    # audit of the shipped index (scored Member States only)
    ac = run.audit_composite
    stats = audit.indicator_stats(ac.stage("imputed")[ac.framework.tree.indicators])
    _write(stats, out, "audit_indicator_stats", written)
    _write(audit.correlation_flags(ac), out, "audit_correlation_flags", written)
    _write(audit.cronbach_alpha(ac), out, "audit_cronbach", written)
    var, loads = audit.pca(ac)
    _write(var, out, "audit_pca_variance", written)
    _write(loads, out, "audit_pca_loadings", written)
    _, removal = audit.remove_elements(ac, level=1)
    _write(removal, out, "audit_indicator_removal", written)
    _, pillar_removal = audit.remove_elements(ac, level=2)
    _write(pillar_removal, out, "audit_pillar_removal", written)
    _write(ac.weights_table(), out, "audit_weights", written)
    with warnings.catch_warnings():  # indicators where every unit ties give all-NaN slices
        warnings.simplefilter("ignore", RuntimeWarning)
        sw = audit.strengths_weaknesses(ac)
        md = audit_report(ac)
    _write(sw, out, "audit_strengths_weaknesses", written)
    corr = audit.correlations(ac, "aggregated", 2, 4).reset_index()
    _write(corr, out, "audit_pillar_correlations", written)
    md += (
        "\n## Indicator statistics of the values used (imputed stage, scored Member States)\n\n"
        + markdown_table(stats)
    )
    (out / "audit.md").write_text(md, encoding="utf-8")
    written.append("audit.md")
    written += write_tier_outputs(run, out)
    if run.corrections:
        written += run.corrections.write(out)
    if run.uncertainty is not None:
        _write(run.uncertainty.countries(), out, "uncertainty_countries", written)
        _write(run.uncertainty.samples(), out, "uncertainty_samples", written)
        assert run.uncertainty_spec is not None
        (out / "uncertainty.yaml").write_text(run.uncertainty_spec.to_yaml(), encoding="utf-8")
        written.append("uncertainty.yaml")
    (out / "framework.yaml").write_text(spec.framework().to_yaml(), encoding="utf-8")
    (out / "recipe.yaml").write_text(spec.recipe(run.year).to_yaml(), encoding="utf-8")
    written += ["framework.yaml", "recipe.yaml"]
    (out / "results.json").write_text(
        json.dumps(results_records(run.results, spec), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    written.append("results.json")
    s = summary(run)
    s["files"] = sorted([*written, "summary.json", "summary.md", "timings.json"])
    (out / "summary.json").write_text(json.dumps(s, ensure_ascii=False, indent=1), "utf-8")
    (out / "summary.md").write_text(summary_markdown(run, s), encoding="utf-8")
    # the build's timings change on every run: apart, so that a no-op build leaves every
    # other output (and the briefing's cache key) as it was
    timings = {k: round(v, 3) for k, v in run.timings.items()}
    (out / "timings.json").write_text(json.dumps({"timings_s": timings}, indent=1), "utf-8")
    written += ["summary.json", "summary.md", "timings.json"]
    if run.warehouse is not None and run.warehouse.is_file():
        # which warehouse these outputs come from: the staleness test reads it, since a build
        # whose results did not change leaves the outputs with their old times
        stamp = json.dumps(warehouse_stamp(run.warehouse), indent=1)
        (out / BUILT_FROM).write_text(stamp, encoding="utf-8")
        written.append(BUILT_FROM)
    return written
