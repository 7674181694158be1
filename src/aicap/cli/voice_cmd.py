"""``aicap voice``: the country voice (issue 20; docs/country-voice.md): national submissions,
their review, the two views of the index, the right of reply, error reports and correction
rules, and the FICTITIOUS demonstration.

The registry is ``--db`` or ``AICAP_COOP_DB`` (the cooperation registry's database; default
``var/cooperation.sqlite``); the warehouse ``--warehouse`` (default ``var/aicap.duckdb``).
Reads act as the built-in administrator ``cli``; a decision (``review``, ``decide``) acts as
the account named by ``--user``, whose password comes from ``AICAP_VOICE_PASSWORD`` or a
prompt, so the audit log says who decided.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from aicap.analysis.voice.service import CountryVoice
    from aicap.warehouse.cooperation.store import Principal

app = typer.Typer(help="Country voice: national data, review, reply (docs/country-voice.md).")
err = Console(stderr=True)
out = Console(soft_wrap=True)

Db = Annotated[
    str | None,
    typer.Option("--db", envvar="AICAP_COOP_DB", help="SQLAlchemy URL", show_default=False),
]
WarehouseOpt = Annotated[
    Path, typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="The warehouse (DuckDB)")
]
DatasetOpt = Annotated[str, typer.Option("--dataset", help="real or demo (fictitious)")]


def _cli() -> Principal:
    """The built-in administrator ``cli`` that the commands act as."""
    from aicap.warehouse.cooperation.schemas import Role
    from aicap.warehouse.cooperation.store import Principal

    return Principal("cli", Role.administrator)


def _voice(db: str | None, warehouse: Path) -> CountryVoice:
    from aicap.analysis.cooperate.service import default_vocabulary
    from aicap.analysis.voice.data import VoiceData
    from aicap.analysis.voice.service import CountryVoice
    from aicap.warehouse.cooperation.db import default_url
    from aicap.warehouse.cooperation.store import CoopStore
    from aicap.warehouse.read import Warehouse

    if not warehouse.is_file():
        _fail(f"no warehouse at {warehouse}: run `aicap ingest` first")
    st = CoopStore.open(db or default_url(), default_vocabulary())
    return CountryVoice(st, lambda: VoiceData.load(Warehouse(warehouse)))


def _fail(msg: str) -> None:
    err.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(1)


def _as(cv: CountryVoice, user: str) -> Principal:
    from aicap.warehouse.cooperation.store import CoopError

    pw = os.environ.get("AICAP_VOICE_PASSWORD") or typer.prompt(
        f"password of {user}", hide_input=True
    )
    try:
        return cv.store.coop.authenticate(user, pw)
    except CoopError as exc:
        _fail(exc.message)
        raise


def _run(f: Any, *args: Any) -> Any:
    from aicap.warehouse.cooperation.store import CoopError

    try:
        return f(*args)
    except CoopError as exc:
        detail = f" {json.dumps(exc.detail, ensure_ascii=False)}" if exc.detail else ""
        _fail(f"{exc.message}{detail}")


@app.command("demo")
def demo(
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    password: Annotated[
        str | None,
        typer.Option(envvar="AICAP_VOICE_DEMO_PASSWORD", help="Password of new demo accounts"),
    ] = None,
) -> None:
    """Run the FICTITIOUS demonstration: the focal point for Chile submits a national value
    with a source PDF, a reviewer accepts it, a statement in English and Arabic."""
    from aicap.analysis.voice.demo import COUNTRY, FOCAL, REVIEWER, ensure_accounts, run_demo
    from aicap.warehouse.cooperation.schemas import Role
    from aicap.warehouse.cooperation.store import Principal

    cv = _voice(db, warehouse)
    made = _run(ensure_accounts, cv, password)  # a refused password: a clear error
    for user, pw in made.items():
        out.print(f"created account {user} (password: {pw})")
    focal = Principal(FOCAL, Role.focal_point, COUNTRY)
    reviewer = Principal(REVIEWER, Role.reviewer)
    info = _run(run_demo, cv, focal, reviewer)
    out.print(json.dumps(info, indent=2, ensure_ascii=False))


@app.command("submissions")
def submissions(
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    country: Annotated[str | None, typer.Option(help="ISO3")] = None,
    state: Annotated[str | None, typer.Option(help="submitted, under_review, ...")] = None,
    dataset: DatasetOpt = "real",
) -> None:
    """List national submissions with their states and reasons."""
    cv = _voice(db, warehouse)
    t = Table("id", "country", "indicator", "year", "value", "unit", "state", "screen", "reason")
    for s in cv.store.submissions(_cli(), country=country, state=state, dataset=dataset):
        t.add_row(
            str(s["id"]), s["country_iso3"], s["indicator"], str(s["year"]), f"{s['value']:g}",
            s["unit"], s["state"], s["screen"].get("checks") or s["screen"].get("action", ""),
            s["reason"],
        )  # fmt: skip
    out.print(t)


@app.command("review")
def review(
    sid: Annotated[int, typer.Argument(help="Submission id")],
    state: Annotated[str, typer.Option(help="under_review, accepted, not_accepted")],
    user: Annotated[str, typer.Option(help="Reviewer or administrator account")],
    reason: Annotated[str, typer.Option(help="Why (required for not_accepted)")] = "",
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
) -> None:
    """Move a submission (as ``--user``)."""
    cv = _voice(db, warehouse)
    who = _as(cv, user)
    cur = _run(cv.store.submission, who, sid)
    new = _run(cv.review, who, sid, {"version": cur["version"], "state": state, "reason": reason})
    out.print(f"submission {sid}: {cur['state']} -> {new['state']}")


@app.command("decide")
def decide(
    rid: Annotated[int, typer.Argument(help="Error report id")],
    state: Annotated[str, typer.Option(help="under_review, accepted, not_accepted")],
    user: Annotated[str, typer.Option(help="Reviewer or administrator account")],
    action: Annotated[str | None, typer.Option(help="exclude or correct")] = None,
    value: Annotated[float | None, typer.Option(help="The corrected value")] = None,
    reason: Annotated[str, typer.Option(help="Why")] = "",
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
) -> None:
    """Decide an error report (accepting it records the correction rule)."""
    cv = _voice(db, warehouse)
    who = _as(cv, user)
    cur = next((r for r in cv.store.reports() if r["id"] == rid), None)
    if cur is None:
        _fail(f"report {rid} not found")
        return
    body: dict[str, Any] = {"version": cur["version"], "state": state, "reason": reason}
    if action:
        body["action"] = action
    if value is not None:
        body["value"] = value
    new = _run(cv.decide_report, who, rid, body)
    out.print(f"report {rid}: {cur['state']} -> {new['state']}; rule {new.get('rule_id')}")


@app.command("view")
def view(
    country: Annotated[str, typer.Argument(help="ISO3")],
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    dataset: DatasetOpt = "real",
) -> None:
    """A country in both views, and the change each accepted submission makes."""
    cv = _voice(db, warehouse)
    info = cv.country(country.upper(), dataset)
    info.pop("replies", None)
    out.print(json.dumps(info, indent=2, ensure_ascii=False, default=str))


@app.command("reports")
def reports(db: Db = None, warehouse: WarehouseOpt = Path("var/aicap.duckdb")) -> None:
    """Every error report with its status, and the correction rules in force."""
    cv = _voice(db, warehouse)
    t = Table("id", "country", "indicator", "year", "value", "state", "rule", "why")
    for r in cv.store.reports(dataset="all"):
        t.add_row(
            str(r["id"]), r["country_iso3"], r["indicator"], str(r["year"]),
            f"{r['reported_value']:g}" if r["reported_value"] is not None else "–", r["state"],
            str(r["rule_id"] or ""), r["why"][:60],
        )  # fmt: skip
    out.print(t)


@app.command("revoke")
def revoke(
    rule_id: Annotated[int, typer.Argument(help="Correction rule id")],
    user: Annotated[str, typer.Option(help="Reviewer or administrator account")],
    reason: Annotated[str, typer.Option(help="Why the rule is taken out of force")],
    db: Db = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
) -> None:
    """Take a correction rule out of force by a later rule (the next `aicap build` reads the
    open data's value again; both rules stay in the registry)."""
    cv = _voice(db, warehouse)
    who = _as(cv, user)
    new = _run(cv.revoke_rule, who, rule_id, reason)
    out.print(f"rule {rule_id} revoked by rule {new['id']} (applies at the next `aicap build`)")


@app.command("rules")
def rules(db: Db = None, warehouse: WarehouseOpt = Path("var/aicap.duckdb")) -> None:
    """The correction rules (real dataset), in force or not: what `aicap build` applies."""
    from aicap.analysis.voice.corrections import effective

    cv = _voice(db, warehouse)
    rows = cv.store.rules("real")
    live = {int(r["id"]) for r in effective(rows)}
    t = Table("rule", "report", "country", "indicator", "year", "action", "value", "in force")
    for r in rows:
        what = r["action"] + (f" #{r['revokes']}" if r.get("revokes") else "")
        t.add_row(
            str(r["id"]), str(r["report_id"]), r["country_iso3"], r["indicator"], str(r["year"]),
            what, "" if r["value"] is None else f"{r['value']:g}",
            "yes" if r["id"] in live else "no",
        )  # fmt: skip
    out.print(t)


def build_corrections(choice: str) -> Any:
    """The correction rules ``aicap build --corrections CHOICE`` applies (see
    :meth:`aicap.analysis.voice.corrections.Corrections.for_build`); says what it found."""
    from aicap.analysis.voice.corrections import Corrections, CorrectionsError
    from aicap.warehouse.cooperation.db import default_url

    try:
        corr = Corrections.for_build(choice, default_url())
    except CorrectionsError as exc:
        _fail(str(exc))
        raise
    if corr:
        out.print(
            f"correction rules of accepted error reports: {len(corr.in_force)} in force of "
            f"{len(corr.rules)} ({corr.source}); the index applies them (corrections.csv)",
            highlight=False,
        )
    return corr
