"""``aicap index``: build a composite index from a framework, unit data and a recipe.

The CLI reads and writes files; :mod:`aicap.index` only computes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aicap.cli.conventions import IndexDirOpt, OldOutOpt, renamed
from aicap.cli.output import FormatOpt, JsonAlias

app = typer.Typer(
    help="Composite indicators: build an index (every stage, flags, audit) from a recipe.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console(soft_wrap=True)


@app.callback()
def _group() -> None:
    """Composite-indicator engine commands."""


@app.command("build")
def build_cmd(
    recipe: Annotated[Path, typer.Option("--recipe", help="Recipe (YAML or JSON).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder (created).")],
    framework: Annotated[
        Path | None, typer.Option("--framework", help="Framework YAML (use with --data).")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Unit data CSV in COINr iData layout (uCode, groups, ...)."),
    ] = None,
    idata: Annotated[Path | None, typer.Option("--idata", help="COINr iData.csv.")] = None,
    imeta: Annotated[Path | None, typer.Option("--imeta", help="COINr iMeta.csv.")] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write audit.md.")] = True,
    uncertainty: Annotated[
        Path | None,
        typer.Option(
            "--uncertainty",
            help="An uncertainty spec (YAML): run it on the new composite and store the rank "
            "bands and Sobol' indices with it, under DIR/uncertainty/<spec name>/.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Threads for --uncertainty.")] = 1,
) -> None:
    """Build the index; write DIR/<stage>.csv per stage, flags, weights, results, audit.md,
    the inputs (framework.yaml, recipe.yaml, data.csv) and composite.json, which ties them
    together (and lists the uncertainty analyses stored with the composite)."""
    from aicap.cli import composite_dir
    from aicap.cli.inputs import framework_and_data, read_recipe
    from aicap.index import ComputationError, ValidationError, build
    from aicap.index.coinr import coinr_columns, stage_table
    from aicap.index.report import audit_report

    try:
        fw, frame, data_path = framework_and_data(framework, data, idata, imeta)
        rec = read_recipe(recipe)
        comp = build(fw, frame, rec, str(data_path))
    except (ValidationError, ComputationError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
        raise typer.Exit(code=2) from None

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for name, frame in comp.stages.items():
        path = out_dir / f"{name}.csv"
        stage_table(fw, frame).to_csv(path, index=False, na_rep="")
        written.append(path.name)
    comp.flags.to_csv(out_dir / "flags.csv", index=False)
    wide = comp.flags_wide()
    wide = wide[[c for c in coinr_columns(fw, list(wide.columns))]]
    wide.reset_index().to_csv(out_dir / "flags_wide.csv", index=False)
    comp.weights_table().to_csv(out_dir / "weights.csv", index=False)
    if "aggregated" in comp.stages:
        comp.results_table().to_csv(out_dir / "results.csv", index=False)
        written.append("results.csv")
    composite_dir.write_inputs(comp, out_dir)
    written += ["flags.csv", "flags_wide.csv", "weights.csv", "recipe.yaml", "framework.yaml"]
    written += ["data.csv", composite_dir.MANIFEST]
    if report:
        (out_dir / "audit.md").write_text(audit_report(comp), encoding="utf-8")
        written.append("audit.md")
    n_units = len(comp.stages["raw"])
    out.print(
        f"built {fw.name!r} with recipe {rec.name!r}: {n_units} units, "
        f"{len(fw.indicators)} indicators, stages {', '.join(comp.stages)}; "
        f"wrote {len(written)} files to {out_dir}",
        highlight=False,
    )
    if uncertainty is not None:
        from aicap.cli.uncertainty_run import run_stored

        run_stored(out_dir, comp, uncertainty, workers=workers)


@app.command("methods")
def methods_cmd(
    kind: Annotated[str | None, typer.Argument(help="Only this step kind.")] = None,
) -> None:
    """List the registered methods (with their COINr aliases)."""
    from aicap.index import REGISTRY
    from aicap.index.registry import KINDS

    kinds = [kind] if kind else list(KINDS)
    for k in kinds:
        if k not in KINDS:
            raise typer.BadParameter(f"unknown kind {k!r}; kinds: {', '.join(KINDS)}")
        for m in REGISTRY.methods(k):
            alias = f" ({', '.join(m.aliases)})" if m.aliases else ""
            out.print(f"{k:10} {m.name}{alias}: {m.doc}", highlight=False)


@app.command("results")
def results_cmd(
    index_dir: IndexDirOpt = Path("var/out"),
    warehouse: Annotated[
        Path,
        typer.Option(
            "--warehouse",
            envvar="AICAP_WAREHOUSE",
            help="Warehouse to build from when --index-dir holds no results yet.",
        ),
    ] = Path("var/aicap.duckdb"),
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
    old_out: OldOutOpt = None,
) -> None:
    """The aicap index per Member State: status, score, rank and rank band, tier, pillars.

    Reads ``--index-dir/results.json`` written by ``aicap build``; when it is missing, builds
    the index from the warehouse (without writing files)."""
    import json

    from aicap.cli import output

    fmt = output.choose(fmt, as_json)
    index_dir = renamed(index_dir, old_out, "--out", "--index-dir")
    path = index_dir / "results.json"
    if path.is_file():
        records = json.loads(path.read_text(encoding="utf-8"))
    else:
        from aicap.analysis.run import results_records, run_index
        from aicap.warehouse.read import Warehouse, WarehouseError

        try:
            run = run_index(Warehouse(warehouse))
        except WarehouseError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=1) from None
        records = results_records(run.results, run.spec)
    if fmt == "json":
        output.emit(records, "json")
        return
    pillars = list(records[0]["pillars"]) if records else []

    def num(v: object, digits: int = 1) -> str:
        return "" if v is None else f"{float(v):.{digits}f}"  # type: ignore[arg-type]

    order = sorted(records, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["iso3"]))
    if fmt == "csv":
        flat = [
            {k: v for k, v in r.items() if not isinstance(v, dict | list)}
            | {f"pillar_{p}": r["pillars"][p] for p in pillars}
            for r in order
        ]
        output.emit(flat, "csv")
        return
    title = f"aicap AI Capacity Index ({records[0]['year'] if records else ''}"
    ages = [r.get("data_age") or {} for r in records]
    vals = sum(int(a.get("values") or 0) for a in ages)
    if vals:
        carried = sum(int(a.get("carried_forward") or 0) for a in ages)
        oldest = min(int(a["oldest"]) for a in ages if a.get("oldest") is not None)
        newest = max(int(a["newest"]) for a in ages if a.get("newest") is not None)
        title += f"; values from {oldest}-{newest}, {100 * carried / vals:.0f} % carried forward"
    heads = ["rank", "iso3", "status", "score", "band", "tier", "P(tier)", "values", *pillars]
    rows = []
    for r in order:
        band = (
            f"{num(r['rank_p05'], 0)}-{num(r['rank_p95'], 0)}" if r["rank_p05"] is not None else ""
        )
        cells = [
            "" if r["rank"] is None else str(r["rank"]),
            r["iso3"],
            r["status"],
            num(r["score"]),
            band,
            "" if r["tier"] is None else str(r.get("tier_range") or r["tier"]),
            _tier_p(r),
            _age(r.get("data_age")),
            *(num(r["pillars"][p]) for p in pillars),
        ]
        rows.append(dict(zip(heads, cells, strict=True)))
    text = ("iso3", "status", "values")
    columns = [output.Column(h, numeric=h not in text) for h in heads]
    # rank and iso3 lead every block when the table wraps
    columns = [columns[1], columns[0], *columns[2:]]
    output.emit(
        rows,
        "table",
        columns=columns,
        title=title + ")",
        keys=2,
        notes=[
            "tier: what the known evidence proves; a range (0-3) where a condition was not "
            "assessed; P(tier): its probability under the index's Monte Carlo, * near a boundary"
        ],
    )


def _tier_p(r: dict[str, object]) -> str:
    probs = r.get("tier_probability")
    if not isinstance(probs, dict) or r.get("tier") is None:
        return ""
    p = probs.get(str(r["tier"]))
    if p is None:
        return ""
    return f"{float(p):.2f}" + ("*" if r.get("tier_near_boundary") else "")


def _age(a: dict[str, object] | None) -> str:
    """``2020-2025 (m. 2023)``: the years of the values behind a score and their median."""
    if not a or a.get("oldest") is None:
        return ""
    med = a.get("median_year")
    return f"{a['oldest']}-{a['newest']} (m. {float(med):.0f})" if med is not None else ""  # type: ignore[arg-type]
