"""The work behind ``aicap uncertainty run`` (:mod:`aicap.cli.uncertainty_cmd`, which imports this
module only when it runs): Monte Carlo uncertainty and Sobol' sensitivity of a composite index.

The CLI reads the framework, data, recipe and spec, runs :mod:`aicap.index.uncertainty` and
writes tables (CSV and Parquet) and Vega-Lite chart specs (``.vl.json``, data inline).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console

from aicap.analysis.uncertainty_parquet import ParquetSink
from aicap.cli import composite_dir
from aicap.cli.inputs import read_text
from aicap.cli.progress import bar as progress_bar
from aicap.index import ComputationError, ValidationError
from aicap.index.backend import BackendError
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import (
    SobolResult,
    UncertaintyResult,
    make_plan,
    run_sobol,
    run_uncertainty,
)

err = Console(stderr=True)
out = Console(soft_wrap=True)

VEGA_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


# ---------------------------------------------------------------------------- charts
def rank_band_chart(countries: pd.DataFrame, title: str) -> dict[str, Any]:
    """Vega-Lite spec: per unit, the 5-95 % rank band, the median and the nominal rank."""
    values = countries[["uCode", "rank_nominal", "rank_median", "rank_p05", "rank_p95"]].to_dict(
        orient="records"
    )
    y = {"field": "uCode", "type": "nominal", "sort": {"field": "rank_nominal"}, "title": None}
    x_scale = {"reverse": True, "zero": False}
    return {
        "$schema": VEGA_SCHEMA,
        "title": title,
        "data": {"values": values},
        "height": {"step": 12},
        "width": 420,
        "encoding": {"y": y},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.5},
                "encoding": {
                    "x": {
                        "field": "rank_p05",
                        "type": "quantitative",
                        "title": "rank (5th-95th percentile band)",
                        "scale": x_scale,
                    },
                    "x2": {"field": "rank_p95"},
                },
            },
            {
                "mark": {"type": "tick", "thickness": 2},
                "encoding": {"x": {"field": "rank_median", "type": "quantitative"}},
            },
            {
                "mark": {"type": "point", "filled": True, "color": "black"},
                "encoding": {
                    "x": {"field": "rank_nominal", "type": "quantitative"},
                    "tooltip": [
                        {"field": "uCode"},
                        {"field": "rank_nominal"},
                        {"field": "rank_median"},
                        {"field": "rank_p05"},
                        {"field": "rank_p95"},
                    ],
                },
            },
        ],
    }


def sobol_chart(table: pd.DataFrame, title: str) -> dict[str, Any]:
    """Vega-Lite spec: first- and total-order indices of the mean absolute rank shift, with
    bootstrap intervals, and a heat map of each unit's total-order indices."""
    top = table[table["output"] == "mean_abs_rank_shift"]
    long = pd.concat(
        [
            top.assign(order="first (S1)", value=top["S1"], conf=top["S1_conf"]),
            top.assign(order="total (ST)", value=top["ST"], conf=top["ST_conf"]),
        ]
    )
    long = long.assign(lo=long["value"] - long["conf"], hi=long["value"] + long["conf"])
    bars = long[["input", "order", "value", "lo", "hi"]].to_dict(orient="records")
    per = table[~table["output"].isin(["mean_abs_rank_shift", "all units"])]
    cells = per[["output", "input", "ST"]].dropna().to_dict(orient="records")
    return {
        "$schema": VEGA_SCHEMA,
        "title": title,
        "vconcat": [
            {
                "data": {"values": bars},
                "title": "Sobol' indices of the mean absolute rank shift",
                "encoding": {
                    "x": {"field": "input", "type": "nominal", "title": None},
                    "xOffset": {"field": "order"},
                    "color": {"field": "order", "type": "nominal", "title": None},
                },
                "layer": [
                    {
                        "mark": "bar",
                        "encoding": {"y": {"field": "value", "type": "quantitative"}},
                    },
                    {
                        "mark": "rule",
                        "encoding": {
                            "y": {"field": "lo", "type": "quantitative", "title": "index"},
                            "y2": {"field": "hi"},
                        },
                    },
                ],
            },
            {
                "data": {"values": cells},
                "title": "Total-order index of each unit's rank",
                "mark": "rect",
                "encoding": {
                    "x": {"field": "input", "type": "nominal", "title": None},
                    "y": {"field": "output", "type": "nominal", "title": None},
                    "color": {
                        "field": "ST",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1]},
                    },
                    "tooltip": [{"field": "output"}, {"field": "input"}, {"field": "ST"}],
                },
            },
        ],
    }


# ---------------------------------------------------------------------------- writing
def _write(frame: pd.DataFrame, out_dir: Path, name: str, index: bool = False) -> list[str]:
    frame.to_csv(out_dir / f"{name}.csv", index=index)
    pq = frame.reset_index() if index else frame
    pq = pq.copy()
    pq.columns = [str(c) for c in pq.columns]
    pq.to_parquet(out_dir / f"{name}.parquet", index=False)
    return [f"{name}.csv", f"{name}.parquet"]


def write_results(
    out_dir: Path, mc: UncertaintyResult | None, sa: SobolResult | None, name: str
) -> list[str]:
    """Tables (CSV + Parquet), charts (.vl.json) and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    summary: dict[str, Any] = {"name": name}
    if mc is not None:
        countries = mc.countries()
        written += _write(countries, out_dir, "countries")
        if mc.summaries.wins is not None:
            written += _write(mc.pairwise(), out_dir, "pairwise", index=True)
        if mc.raw is not None:  # the sampled parameters of every replication, when kept
            written += _write(mc.samples(), out_dir, "samples")
        written += _write(mc.failures(), out_dir, "failures")
        runs = mc.summaries.replications
        chart = rank_band_chart(countries, f"{name}: rank bands ({runs} runs)")
        (out_dir / "rank_bands.vl.json").write_text(json.dumps(chart, indent=1), "utf-8")
        written.append("rank_bands.vl.json")
        summary["monte_carlo"] = mc.summary()
    if sa is not None:
        table = sa.table()
        written += _write(table, out_dir, "sobol")
        if sa.raw is not None:  # each run's parameters, when the runs came back (in process)
            written += _write(sa.samples(), out_dir, "sobol_samples")
        written += _write(sa.failures(), out_dir, "sobol_failures")
        chart = sobol_chart(table, f"{name}: Sobol' sensitivity (N = {sa.n_base})")
        (out_dir / "sobol.vl.json").write_text(json.dumps(chart, indent=1), "utf-8")
        written.append("sobol.vl.json")
        summary["sobol"] = {
            "base_samples": sa.n_base,
            "runs": sa.runs,
            "failed": sa.failed,
            "failed_share": sa.failed / max(sa.runs, 1),
            "blocks_used": sa.blocks_used,
            "bytes_per_chunk": sa.chunk_bytes,
        }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    written.append("summary.json")
    return written


def execute(
    plan: Any,
    *,
    backend: str = "numpy",
    dask: str | None = None,
    workers: int = 1,
    monte_carlo: bool = True,
    sobol: bool = True,
    keep: bool | None = None,
    replications_dir: Path | None = None,
) -> tuple[UncertaintyResult | None, SobolResult | None]:
    """Run the Monte Carlo and Sobol' analyses of ``plan`` with a progress bar (in process,
    or on a Dask cluster: ``'local'`` or a scheduler address). On Dask each task samples,
    evaluates and summarises its own block and the client receives only summaries;
    ``replications_dir`` has every replication's scores and ranks written there as Parquet
    (by the workers: a folder they can all reach)."""
    mc: UncertaintyResult | None = None
    sa: SobolResult | None = None
    with ExitStack() as stack:
        client = None
        if dask is not None:
            from distributed import Client, LocalCluster

            if dask == "local":
                cluster = stack.enter_context(
                    LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=2, threads_per_worker=1, dashboard_address=None
                    )
                )
                client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
            else:
                client = stack.enter_context(Client(dask))  # type: ignore[no-untyped-call]
        progress = stack.enter_context(
            progress_bar("uncertainty", err, what="{task.description} chunks")
        )
        try:
            if monte_carlo:
                task = progress.add_task("monte carlo", total=None)
                sink = (
                    ParquetSink(replications_dir, plan.units)
                    if replications_dir is not None
                    else None
                )
                mc = run_uncertainty(
                    plan,
                    backend=backend,
                    client=client,
                    workers=workers,
                    keep_samples=keep,
                    sink=sink,
                    progress=lambda d, t: progress.update(task, completed=d, total=t),
                )
            if sobol:
                task = progress.add_task("sobol", total=None)
                sa = run_sobol(
                    plan,
                    backend=backend,
                    client=client,
                    workers=workers,
                    progress=lambda d, t: progress.update(task, completed=d, total=t),
                )
        except (BackendError, ComputationError) as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=2) from None
    return mc, sa


def store(
    out_dir: Path,
    comp: Any,
    plan: Any,
    sp: UncertaintySpec,
    mc: UncertaintyResult | None,
    sa: SobolResult | None,
) -> list[str]:
    """Write the results, the spec, the recipe and the nominal results to ``out_dir``; print
    what was run."""
    written = write_results(out_dir, mc, sa, sp.name)
    (out_dir / "spec.yaml").write_text(sp.to_yaml(), encoding="utf-8")
    (out_dir / "recipe.yaml").write_text(comp.recipe.to_yaml(), encoding="utf-8")
    comp.results_table(plan.target).to_csv(out_dir / "nominal_results.csv", index=False)
    written += ["spec.yaml", "recipe.yaml", "nominal_results.csv"]
    parts = []
    if mc is not None:
        s = mc.summary()
        parts.append(
            f"{s['replications']} Monte Carlo runs ({s['failed']} failed, "
            f"{s['data_variants']} data variants, {s['chunks']} chunks of <= {s['chunk_size']}, "
            f"~{s['bytes_per_chunk'] / 2**20:.1f} MiB per chunk)"
        )
    if sa is not None:
        parts.append(f"{sa.runs} Sobol' runs (N = {sa.n_base})")
    out.print(
        f"{sp.name}: {'; '.join(parts) or 'nothing run'}; wrote {len(written)} files to {out_dir}",
        highlight=False,
    )
    return written


def run_stored(
    folder: Path,
    comp: Any,
    spec_path: Path,
    out_dir: Path | None = None,
    **options: Any,
) -> Path:
    """Run the analysis of ``spec_path`` on the composite stored in ``folder`` and store the
    results with it (``folder/uncertainty/<spec name>/`` unless ``out_dir``), listed in its
    ``composite.json``."""
    spec_text = read_text(spec_path)
    try:
        sp = UncertaintySpec.from_yaml(spec_text, str(spec_path))
        plan = make_plan(comp, sp, str(spec_path))
    except (ValidationError, ComputationError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    mc, sa = execute(plan, **options)
    target = out_dir or folder / "uncertainty" / _safe_name(sp.name)
    written = store(target, comp, plan, sp, mc, sa)
    summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
    composite_dir.record_uncertainty(folder, sp.name, spec_text, target, written, summary)
    return target


def _spec_name(spec: Path) -> str:
    try:
        return UncertaintySpec.from_yaml(read_text(spec), str(spec)).name
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from None


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "run"
