"""``aicap uncertainty``: Monte Carlo uncertainty and Sobol' sensitivity of a composite index.

The CLI reads the framework, data, recipe and spec, runs :mod:`aicap.index.uncertainty` and
writes tables (CSV and Parquet) and Vega-Lite chart specs (``.vl.json``, data inline). The
work is in :mod:`aicap.cli.uncertainty_run`, imported when the command runs (``--help`` does
not import the engine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(
    help="Uncertainty and sensitivity analysis: per-country rank bands and Sobol' indices.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

#: the array backends of :data:`aicap.index.backend.BACKENDS` (a test keeps them equal)
BACKEND_NAMES = ("numpy", "cupy", "torch", "array_api_strict")


@app.callback()
def _group() -> None:
    """Uncertainty and sensitivity commands."""


@app.command("run")
def run_cmd(
    spec: Annotated[Path, typer.Option("--spec", help="Uncertainty spec (YAML).")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (created); with --composite, default "
            "COMPOSITE/uncertainty/<spec name>.",
        ),
    ] = None,
    composite: Annotated[
        Path | None,
        typer.Option(
            "--composite",
            help="A composite folder written by `aicap index build --out`: analyse it and "
            "store the results with it.",
        ),
    ] = None,
    recipe: Annotated[Path | None, typer.Option("--recipe", help="Recipe (YAML or JSON).")] = None,
    framework: Annotated[
        Path | None, typer.Option("--framework", help="Framework YAML (use with --data).")
    ] = None,
    data: Annotated[Path | None, typer.Option("--data", help="Unit data CSV.")] = None,
    idata: Annotated[Path | None, typer.Option("--idata", help="COINr iData.csv.")] = None,
    imeta: Annotated[Path | None, typer.Option("--imeta", help="COINr iMeta.csv.")] = None,
    backend: Annotated[
        str, typer.Option("--backend", help=f"Array backend: {', '.join(BACKEND_NAMES)}.")
    ] = "numpy",
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="Run chunks on a Dask cluster: ADDRESS, or 'local'."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Threads (in process).")] = 1,
    keep: Annotated[
        bool | None,
        typer.Option(
            "--keep/--no-keep",
            help="Keep every Monte Carlo replication in memory (and write samples.csv); "
            "default: yes in process, no with --dask. --no-keep streams the summaries.",
        ),
    ] = None,
    replications: Annotated[
        bool,
        typer.Option(
            "--replications",
            help="Write every replication's scores and ranks as Parquet to "
            "OUT/replications/part-*.parquet (on Dask, by the workers).",
        ),
    ] = False,
    monte_carlo: Annotated[bool, typer.Option("--mc/--no-mc", help="Monte Carlo run.")] = True,
    sobol: Annotated[bool, typer.Option("--sobol/--no-sobol", help="Sobol' analysis.")] = True,
) -> None:
    """Run the uncertainty (and sensitivity) analysis; write tables and charts to DIR."""
    from aicap.cli import composite_dir
    from aicap.cli.inputs import framework_and_data, read_recipe, read_text
    from aicap.cli.uncertainty_run import _safe_name, _spec_name, execute, run_stored, store
    from aicap.index import ComputationError, ValidationError, build
    from aicap.index.spec import UncertaintySpec
    from aicap.index.uncertainty import make_plan

    options: dict[str, Any] = {
        "backend": backend,
        "dask": dask,
        "workers": workers,
        "monte_carlo": monte_carlo,
        "sobol": sobol,
        "keep": keep,
    }
    if keep and dask is not None:
        raise typer.BadParameter(
            "--keep with --dask would send every replication to this machine: use "
            "--replications (Parquet written by the workers)"
        )
    if composite is not None:
        if any(x is not None for x in (recipe, framework, data, idata, imeta)):
            raise typer.BadParameter(
                "--composite takes the framework, data and recipe from the folder; leave out "
                "--recipe, --framework, --data, --idata and --imeta"
            )
        try:
            comp_c = composite_dir.load(composite)
        except (composite_dir.CompositeDirError, ValidationError, ComputationError) as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=2) from None
        if replications:
            base = out_dir or composite / "uncertainty" / _safe_name(_spec_name(spec))
            options["replications_dir"] = base.resolve() / "replications"
        run_stored(composite, comp_c, spec, out_dir, **options)
        return
    if recipe is None or out_dir is None:
        raise typer.BadParameter("give --composite DIR, or --recipe and --out with the inputs")
    try:
        fw, frame, data_path = framework_and_data(framework, data, idata, imeta)
        rec = read_recipe(recipe)
        sp = UncertaintySpec.from_yaml(read_text(spec), str(spec))
        comp = build(fw, frame, rec, str(data_path))
        plan = make_plan(comp, sp, str(spec))
    except (ValidationError, ComputationError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    if replications:
        options["replications_dir"] = out_dir.resolve() / "replications"
    mc, sa = execute(plan, **options)
    store(out_dir, comp, plan, sp, mc, sa)
