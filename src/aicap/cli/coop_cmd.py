"""``aicap coop``: the cooperation registry (needs, offers, matches, flows, results).

The database is ``--db`` or ``AICAP_COOP_DB`` (a SQLAlchemy URL; default the SQLite file
``var/cooperation.sqlite``). Commands act as the built-in administrator ``cli``.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aicap.cli import output
from aicap.cli.output import FormatOpt, JsonAlias

if TYPE_CHECKING:
    from aicap.warehouse.cooperation.store import CoopStore, Principal

app = typer.Typer(help="Cooperation: needs, offers, matchmaking, tracking (docs/cooperation.md).")
err = Console(stderr=True)
out = Console(soft_wrap=True)

Db = Annotated[
    str | None,
    typer.Option("--db", envvar="AICAP_COOP_DB", help="SQLAlchemy URL", show_default=False),
]


def _cli() -> Principal:
    """The built-in administrator ``cli`` that the commands act as."""
    from aicap.warehouse.cooperation.schemas import Role
    from aicap.warehouse.cooperation.store import Principal

    return Principal("cli", Role.administrator)


def _store(db: str | None) -> CoopStore:
    from aicap.analysis.catalogue import CatalogueError
    from aicap.analysis.cooperate.service import default_vocabulary
    from aicap.analysis.mandates import MandateError
    from aicap.warehouse.cooperation.db import default_url
    from aicap.warehouse.cooperation.store import CoopStore

    try:
        vocabulary = default_vocabulary()
    except (MandateError, CatalogueError) as exc:  # one line, not a traceback
        _fail(str(exc))
    return CoopStore.open(db or default_url(), vocabulary)


def _fail(msg: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(msg)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _iso_maps() -> tuple[dict[str, str], dict[str, str]]:
    from aicap.analysis.cooperate.service import country_facts

    facts = country_facts()
    iso2 = {k: v["iso2"] for k, v in facts.items() if v.get("iso2")}
    return iso2, {v: k for k, v in iso2.items()}


@app.command("init")
def init(
    db: Db = None,
    admin: Annotated[str | None, typer.Option(help="Create this first administrator")] = None,
) -> None:
    """Create or migrate the database (Alembic); optionally the first administrator, whose
    password comes from AICAP_COOP_ADMIN_PASSWORD or a prompt."""
    from aicap.warehouse.cooperation.db import current_revision
    from aicap.warehouse.cooperation.store import CoopError

    st = _store(db)
    if admin:
        pw = os.environ.get("AICAP_COOP_ADMIN_PASSWORD") or typer.prompt(
            "password", hide_input=True, confirmation_prompt=True
        )
        try:
            st.bootstrap_admin(admin, pw)
        except CoopError as exc:
            _fail(f"{exc.message} {exc.detail or ''}")
    out.print(f"cooperation registry at revision {current_revision(st.engine)}")


@app.command("demo")
def demo(db: Db = None) -> None:
    """Load the FICTITIOUS demonstration records (dataset=demo, flagged on every row)."""
    from aicap.analysis.cooperate.demo import load_demo
    from aicap.warehouse.cooperation.store import CoopError

    st = _store(db)
    try:
        info = load_demo(st, _cli())
    except CoopError as exc:
        _fail(exc.message)
    out.print(json.dumps(info, indent=2))


@app.command("match")
def match(
    db: Db = None,
    dataset: Annotated[str, typer.Option(help="real or demo")] = "real",
    on: Annotated[str | None, typer.Option(help="Matching date, YYYY-MM-DD")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Store nothing")] = False,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Propose matches: explainable scores and the optimal assignment within capacities."""
    from aicap.analysis.cooperate.service import run_matchmaking, summarise

    as_json = output.choose(fmt, as_json, ("table", "json")) == "json"
    st = _store(db)
    when = date.fromisoformat(on) if on else None
    result, saved = run_matchmaking(st, _cli(), dataset=dataset, on=when, save=not dry_run)
    body = summarise(result, saved)
    if as_json:
        out.print_json(json.dumps(body))
        return
    t = Table(title=f"proposals ({dataset}; objective {body['objective']})")
    for col in ("need", "offer", "score", "allocation", "terms"):
        t.add_column(col)
    for p in body["proposals"]:
        terms = ", ".join(f"{x['term']} {x['value']:.2f}" for x in p["terms"])
        t.add_row(
            str(p["need_id"]),
            str(p["offer_id"]),
            f"{p['score']:.3f}",
            f"{p['allocated_amount']:,.0f} {p['allocated_unit']}",
            terms,
        )
    out.print(t)


@app.command("export-iati")
def export_iati(
    out_file: Annotated[Path, typer.Option("--out", help="XML file to write")],
    db: Db = None,
    dataset: Annotated[str, typer.Option(help="real, demo or all")] = "real",
) -> None:
    """Write IATI 2.03 activity XML (validated against the shipped schema). With no
    activity in the dataset: "nothing to export", no file written, exit 5."""
    from aicap.warehouse.cooperation.iati import IatiError, to_iati_xml

    st = _store(db)
    activities = st.activities_full(dataset)
    if not activities:  # an IATI file holds at least one activity
        err.print(
            f"nothing to export: no activities in the {dataset} dataset ({out_file} not written)",
            highlight=False,
        )
        raise typer.Exit(5)
    try:
        xml = to_iati_xml(activities, _iso_maps()[0])
    except IatiError as exc:
        _fail(str(exc))
    out_file.write_bytes(xml)
    out.print(f"wrote {out_file} ({len(activities)} activities)", highlight=False)


def _report(counts: dict[str, Any]) -> None:
    out.print(json.dumps(counts))


@app.command("import-iati")
def import_iati(
    file: Annotated[Path | None, typer.Argument(help="IATI 2.03 activity XML file")] = None,
    db: Db = None,
    datastore: Annotated[
        bool, typer.Option("--datastore", help="Fetch ICT activities from the IATI Datastore")
    ] = False,
    key: Annotated[
        str | None, typer.Option(envvar="IATI_DATASTORE_KEY", help="Datastore subscription key")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="ISO2 recipient filter (repeatable)")
    ] = None,
) -> None:
    """Import activities from an IATI XML file, or from the IATI Datastore (--datastore)."""
    from aicap.sources.http import FetchError, LiveClient
    from aicap.warehouse.cooperation.iati import IatiError, from_iati_xml
    from aicap.warehouse.cooperation.importers import ImportProblem, fetch_iati_datastore
    from aicap.warehouse.cooperation.store import SYSTEM, CoopError

    st = _store(db)
    try:
        if datastore:
            if not key:
                _fail("the IATI Datastore needs a key (--key or IATI_DATASTORE_KEY)")
            with LiveClient() as client:
                items = fetch_iati_datastore(client, _iso_maps()[1], key=str(key),
                                             countries=country)  # fmt: skip
        elif file is not None:
            items = from_iati_xml(file.read_bytes(), _iso_maps()[1], source="iati")
        else:
            _fail("give an XML file or --datastore")
        _report(st.upsert_activities(SYSTEM, items))
    except (IatiError, FetchError, ImportProblem) as exc:
        _fail(str(exc))
    except CoopError as exc:
        _fail(f"{exc.message} {exc.detail or ''}")


@app.command("import-crs")
def import_crs(
    db: Db = None,
    file: Annotated[Path | None, typer.Option(help="An SDMX CSV already downloaded")] = None,
    start: Annotated[int, typer.Option(help="First year")] = 2018,
) -> None:
    """Import ICT aid (CRS purpose codes 22010-22040) by donor and recipient from the OECD's
    SDMX API (or a CSV file it produced)."""
    from aicap.sources.http import FetchError, LiveClient
    from aicap.warehouse.cooperation.importers import ImportProblem, fetch_crs, parse_crs_csv
    from aicap.warehouse.cooperation.store import SYSTEM, CoopError

    st = _store(db)
    try:
        if file is not None:
            items = parse_crs_csv(file.read_bytes())
        else:
            with LiveClient() as client:
                items = fetch_crs(client, start_period=start)
        _report(st.upsert_activities(SYSTEM, items))
    except (FetchError, ImportProblem) as exc:
        _fail(str(exc))
    except CoopError as exc:
        _fail(f"{exc.message} {exc.detail or ''}")


@app.command("accountability")
def account(
    db: Db = None,
    by: Annotated[str, typer.Option(help="provider, country or modality")] = "provider",
    dataset: Annotated[str, typer.Option(help="real or demo")] = "real",
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Pledged vs committed vs disbursed vs results, by provider, country or modality."""
    from aicap.analysis.cooperate.service import accountability

    fmt = output.choose(fmt, as_json)

    st = _store(db)
    try:
        view = accountability(st, by=by, dataset=dataset)
    except ValueError as exc:
        _fail(str(exc))
    if fmt == "json":
        out.print_json(json.dumps(view))
        return
    title = f"accountability by {by} ({dataset})"
    if dataset == "demo":
        title += " - FICTITIOUS demonstration data"
    money = ("pledged_usd", "committed_usd", "disbursed_usd")
    heads = {"pledged_usd": "pledged USD", "committed_usd": "committed USD"}
    heads |= {"disbursed_usd": "disbursed USD", "results_meeting_target": "met"}
    cols = [output.Column(by)] + [
        output.Column(k, heads.get(k, k), numeric=True) for k in (*money, "results")
    ]
    cols.append(output.Column("results_meeting_target", "met", numeric=True))
    if fmt == "csv":
        output.emit(view["rows"], "csv", columns=cols)
        return
    shown = [r | {k: f"{r[k]:,.0f}" for k in money} for r in view["rows"]]
    output.emit(shown, "table", columns=cols, title=title)


# ------------------------------------------------------------------ tokens and accounts (F8)
User = Annotated[str, typer.Argument(help="The account's username")]


@app.command("tokens")
def tokens(
    db: Db = None,
    user: Annotated[str | None, typer.Option(help="Only this account's tokens")] = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """List API tokens (id, account, label, scope, expiry, revoked); secrets are never shown."""
    from aicap.warehouse.cooperation.store import CoopError

    fmt = output.choose(fmt, as_json)
    try:
        rows = _store(db).list_tokens(_cli(), user)
    except CoopError as exc:
        _fail(exc.message)
    shown = [
        t | {"state": "revoked" if t["revoked"] else ("expired" if t["expired"] else "active")}
        for t in rows
    ]
    keys = ["id", "account_id", "label", "scope", "expires_at", "state"]
    output.emit(
        shown,
        fmt,
        columns=[output.Column(k, numeric=k in ("id", "account_id")) for k in keys],
        title="API tokens",
        payload=shown,
    )


@app.command("revoke-token")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (aicap coop tokens)")],
    db: Db = None,
) -> None:
    """Revoke an API token at once."""
    from aicap.warehouse.cooperation.store import CoopError

    try:
        _store(db).revoke_token_id(_cli(), token_id)
    except CoopError as exc:
        _fail(exc.message)
    out.print(f"token {token_id} revoked")


@app.command("password")
def password(user: User, db: Db = None) -> None:
    """Set an account's password (from AICAP_COOP_NEW_PASSWORD or a prompt); its sessions and
    tokens end."""
    from aicap.warehouse.cooperation.store import CoopError

    pw = os.environ.get("AICAP_COOP_NEW_PASSWORD") or typer.prompt(
        "new password", hide_input=True, confirmation_prompt=True
    )
    try:
        n = _store(db).reset_password(_cli(), user, pw)
    except CoopError as exc:
        _fail(f"{exc.message} {exc.detail or ''}")
        return
    out.print(f"password of {user} set; {n} session(s) and token(s) ended")


@app.command("disable")
def disable(user: User, db: Db = None) -> None:
    """Disable an account: it cannot sign in and its sessions and tokens end at once."""
    from aicap.warehouse.cooperation.store import CoopError

    try:
        got = _store(db).set_active(_cli(), user, False)
    except CoopError as exc:
        _fail(exc.message)
        return
    out.print(f"{user} disabled; {got['tokens_ended']} session(s) and token(s) ended")


@app.command("enable")
def enable(user: User, db: Db = None) -> None:
    """Enable a disabled account."""
    from aicap.warehouse.cooperation.store import CoopError

    try:
        _store(db).set_active(_cli(), user, True)
    except CoopError as exc:
        _fail(exc.message)
    out.print(f"{user} enabled")


# ------------------------------------------------------------------ audit (F10)
@app.command("verify-audit")
def verify_audit(db: Db = None) -> None:
    """Check the audit log's hash chain: exit 0 and print the head hash (keep it elsewhere:
    a log cut at its end is then detected too), or exit 1 naming the first entry that does
    not fit."""
    v = _store(db).verify_audit()
    if not v.ok:
        _fail(f"audit log broken at entry {v.broken_at} (after {v.entries - 1} good): {v.reason}")
    out.print(f"audit log intact: {v.entries} entries; head {v.head}")


@app.command("role-sql")
def role_sql(
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the application uses")],
) -> None:
    """Print the GRANTs that let ROLE run the registry without owning its tables (it cannot
    drop the audit log's triggers or truncate it); run them as the owner after each init."""
    from aicap.warehouse.cooperation.db import app_role_sql

    try:
        out.print(app_role_sql(role))
    except ValueError as exc:
        _fail(str(exc))
