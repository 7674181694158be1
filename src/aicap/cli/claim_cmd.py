"""``aicap claim``: every published sentence, checkable.

``aicap claim list`` lists the claims ``aicap build`` wrote (``--out/claims.json``);
``aicap claim show ID`` prints one claim: its sentence, its numbers, its test, its sample, the
data it read with their provenance, and the command that recomputes it;
``aicap claim show ID --recompute`` computes it again from the index outputs and the warehouse
and says whether the numbers and the verdict are the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from aicap.cli import output
from aicap.cli.conventions import IndexDirOpt, OldOutOpt, renamed
from aicap.cli.output import FormatOpt, JsonAlias

app = typer.Typer(help="Claims: the numbers, test and data behind every published sentence.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

OutDir = IndexDirOpt
WarehouseOpt = Annotated[
    Path,
    typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="The warehouse (provenance)."),
]


def _load(out_dir: Path) -> Any:
    from aicap.analysis.claims import ClaimSet

    path = out_dir / "claims.json"
    if not path.is_file():
        err.print(f"[red]error:[/red] no {path}: run `aicap build` first", highlight=False)
        raise typer.Exit(code=1)
    return ClaimSet.read(path)


@app.command("list")
def list_claims(
    out_dir: OutDir = Path("var/out"),
    kind: Annotated[str | None, typer.Option("--kind", help="Only this claim kind.")] = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
    old_out: OldOutOpt = None,
) -> None:
    """The claims of the last build: id, kind, verdict, sentence."""
    fmt = output.choose(fmt, as_json)
    out_dir = renamed(out_dir, old_out, "--out", "--index-dir")
    cs = _load(out_dir)
    rows = [c for c in cs.as_list() if kind is None or c["kind"] == kind]
    if fmt == "json":
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if fmt == "csv":
        keys = ["id", "kind", "subject", "verdict", "value", "low", "high", "level", "n", "text"]
        output.emit(rows, "csv", columns=[output.Column(k) for k in keys])
        return
    for c in rows:
        out.print(f"[bold]{c['id']}[/bold] ({c['verdict']})", highlight=False)
        out.print(f"  {c['text']}", highlight=False)


def _provenance(warehouse: Path, data: list[str]) -> list[dict[str, Any]]:
    """Publisher, source, vintage, licence and file checksums of the series a claim read."""
    from aicap.warehouse.read import Warehouse, WarehouseError

    try:
        wh = Warehouse(warehouse)
        meta = wh.indicators().set_index("code")
        sources = wh.sources().set_index("source_id")
    except (WarehouseError, OSError):
        return []
    rows = []
    for item in data:
        if item.startswith("source:"):  # a Monitor claim reads a source's record tables
            sid = item.removeprefix("source:")
            if sid in sources.index:
                src = sources.loc[sid]
                rows.append(
                    {
                        "indicator": sid,
                        "series": "",
                        "publisher": str(src["publisher"]),
                        "source": sid,
                        "source_title": str(src["title"]),
                        "vintage": str(src["vintage"]),
                        "licence": str(src["licence"]),
                        "route": str(src.get("route") or ""),
                    }
                )
            continue
        series = item.split("(", 1)[1].split(",", 1)[0].strip().rstrip(")") if "(" in item else ""
        if not series or series not in meta.index:
            continue
        m = meta.loc[series]
        sid = str(m["source_id"])
        s = sources.loc[sid] if sid in sources.index else None
        rows.append(
            {
                "indicator": item.split(" ", 1)[0],
                "series": series,
                "publisher": str(m["publisher"]),
                "source": sid,
                "source_title": "" if s is None else str(s["title"]),
                "vintage": "" if s is None else str(s["vintage"]),
                "licence": str(m["licence"]),
                "route": "" if s is None else str(s.get("route") or ""),
            }
        )
    return rows


@app.command("show")
def show(
    claim_id: Annotated[str, typer.Argument(help="The claim's id, as printed beside it.")],
    out_dir: OutDir = Path("var/out"),
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Compute it again and compare.")
    ] = False,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
    old_out: OldOutOpt = None,
) -> None:
    """One claim: sentence, numbers, test, sample, data read (with provenance), and the
    command that recomputes it (exit 3 when --recompute finds a different result)."""
    as_json = output.choose(fmt, as_json, ("table", "json")) == "json"
    out_dir = renamed(out_dir, old_out, "--out", "--index-dir")
    cs = _load(out_dir)
    if claim_id not in cs:
        # a profile's or the Monitor's claim: computed from the same outputs and warehouse
        found = _computed(claim_id, out_dir, warehouse)
        if found is not None:
            cs.add(found)
    if claim_id not in cs:
        near = [c for c in sorted(cs.claims) if claim_id.split(".")[0] in c][:5]
        err.print(
            f"[red]error:[/red] no claim {claim_id!r} in {out_dir / 'claims.json'}"
            + (f"; similar: {', '.join(near)}" if near else ""),
            highlight=False,
        )
        raise typer.Exit(code=1)
    c = cs[claim_id]
    d = c.as_dict()
    d["provenance"] = _provenance(warehouse, list(c.data))
    if recompute:
        d["recomputed"] = _recompute(c, out_dir, warehouse)
    if as_json:
        out.print_json(json.dumps(d, ensure_ascii=False, default=str))
        if recompute and not d["recomputed"]["same"]:
            raise typer.Exit(code=3)
        return
    out.print(f"[bold]{c.id}[/bold]", highlight=False)
    out.print(d["text"], highlight=False)
    out.print(f"kind: {c.kind}; verdict: {d['verdict']}", highlight=False)
    out.print(f"quantity: {d['quantity']}", highlight=False)
    iv = "" if c.low is None else f" [{c.low:.4g}, {c.high:.4g}]"
    if c.low is not None:
        iv += f" at {c.level:.0%}" if c.level is not None else " (range, not a sampling interval)"
    out.print(f"value: {c.value:.6g}{iv}; n = {c.n}", highlight=False)
    out.print(f"test: {d['test']}", highlight=False)
    if c.start is not None or c.end is not None:
        span = "-".join(str(y) for y in (c.start, c.end) if y is not None)
        out.print(f"year{'s' if c.start is not None else ''}: {span}", highlight=False)
    if c.sample:
        out.print(f"sample: {c.sample}", highlight=False)
    if c.params:
        nums = ", ".join(f"{k} = {v}" for k, v in c.params.items())
        out.print(f"numbers: {nums}", highlight=False)
    out.print("data read:", highlight=False)
    for item in c.data:
        out.print(f"  - {item}", highlight=False)
    for p in d["provenance"]:
        out.print(
            f"  provenance {p['indicator']}: {p['publisher']}, {p['source_title']} "
            f"({p['vintage']}), licence {p['licence']}"
            + (f"; obtained through {p['route']}" if p.get("route") else "")
            + "; `aicap sources` for the files",
            highlight=False,
        )
    out.print(f"recompute: {c.recompute}", highlight=False)
    if recompute:
        r = d["recomputed"]
        word = "the same" if r["same"] else "DIFFERENT"
        out.print(f"recomputed from {r['origin']}: {word}", highlight=False)
        if not r["same"]:
            out.print(f"  now: {r.get('text')}", highlight=False)
            raise typer.Exit(code=3)


def _kind_of(claim_id: str) -> str:
    return claim_id.split(".")[0].replace("-", "_")


def _computed(claim_id: str, out_dir: Path, warehouse: Path) -> Any:
    """A claim the build does not store: a profile's (its country's profile computed as
    ``aicap profile`` does, with its Monitor signals) or the Monitor's (computed from the
    warehouse); None when the id names neither."""
    from aicap.analysis.claims import Claim
    from aicap.analysis.claims_monitor import MONITOR_KINDS
    from aicap.analysis.claims_profile import PROFILE_KINDS
    from aicap.analysis.claims_run import COUNTRY_KINDS

    kind = _kind_of(claim_id)
    if kind in (*COUNTRY_KINDS, *PROFILE_KINDS):
        parts = claim_id.split(".")
        if len(parts) < 2:
            return None
        from aicap.cli import report_cmd

        cache = report_cmd._cache(warehouse, None, True)
        code = parts[1].upper()
        try:
            prof, _ = report_cmd._compute_profile(
                code, code, warehouse, out_dir, None, None, True, cache
            )
        except typer.Exit:
            return None
        for d in prof.get("claims", []):
            if d.get("id") == claim_id:
                return Claim.from_dict(d)
        return None
    if kind in MONITOR_KINDS:
        from aicap.analysis.claims_monitor import claims_of_results
        from aicap.analysis.monitor.data import load
        from aicap.analysis.monitor.links import compute_results
        from aicap.warehouse.read import Warehouse, WarehouseError

        try:
            results = compute_results(load(Warehouse(warehouse)))
        except WarehouseError:
            return None
        return claims_of_results(results).claims.get(claim_id)
    return None


def _recompute(c: Any, out_dir: Path, warehouse: Path) -> dict[str, Any]:
    import math

    from aicap.analysis.capacity_data import load_capacity_data
    from aicap.analysis.claims_monitor import MONITOR_KINDS
    from aicap.analysis.claims_profile import PROFILE_KINDS
    from aicap.analysis.claims_run import recompute
    from aicap.warehouse.read import Warehouse

    data = load_capacity_data(Warehouse(warehouse), out_dir)
    if _kind_of(c.id) in (*PROFILE_KINDS, *MONITOR_KINDS):
        new = _computed(c.id, out_dir, warehouse)
    else:
        new = recompute(data, c)
    if new is None:
        return {"same": False, "origin": data.origin, "text": "not produced any more"}

    def close(a: float | None, b: float | None) -> bool:
        if a is None or b is None:
            return a is None and b is None
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

    same = (
        close(c.value, new.value)
        and close(c.low, new.low)
        and close(c.high, new.high)
        and c.verdict == new.verdict
        and c.n == new.n
    )
    return {
        "same": same,
        "origin": data.origin,
        "value": new.value,
        "low": new.low,
        "high": new.high,
        "verdict": new.verdict,
        "text": new.text,
    }
