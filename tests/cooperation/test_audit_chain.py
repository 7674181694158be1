"""The audit log's hash chain, the TRUNCATE guard and the role separation on PostgreSQL, and
the SQLite file's mode (security review F10)."""

from __future__ import annotations

import itertools
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from coop_helpers import FAST_HASH, NEED, World, setup_match
from sqlalchemy import text
from typer.testing import CliRunner

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.cli.main import app as cli
from aicap.warehouse.cooperation.db import app_role_sql, make_engine, migrate
from aicap.warehouse.cooperation.store import CoopStore


def _unguarded(st: CoopStore, sql: str) -> None:
    """Run ``sql`` on coop_audit with its append-only triggers lifted (as the owner could)."""
    with st.engine.begin() as c:
        if st.engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE coop_audit DISABLE TRIGGER coop_audit_no_update"))
            c.execute(text(sql))
            c.execute(text("ALTER TABLE coop_audit ENABLE TRIGGER coop_audit_no_update"))
        else:
            c.execute(text("DROP TRIGGER coop_audit_no_update"))
            c.execute(text("DROP TRIGGER coop_audit_no_delete"))
            c.execute(text(sql))


def test_f10_the_chain_holds_under_concurrent_writers_and_catches_tampering(
    store: CoopStore,
) -> None:
    w = World(store)
    m = setup_match(w)

    def note(i: int) -> int:
        cur = store.get("match", m["id"])
        r = w.admin.patch(f"/api/coop/matches/{m['id']}", json={"version": cur["version"],
                                                                 "note": str(i)})  # fmt: skip
        return r.status_code

    with ThreadPoolExecutor(10) as pool:
        assert set(pool.map(note, range(30))) <= {200, 409}
    v = store.verify_audit()
    assert v.ok and v.entries == store.audit_count() and len(v.head) == 64
    entries = store.audit()
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))
    # a changed entry: caught at that entry
    target = entries[len(entries) // 2]["id"]
    _unguarded(store, f"UPDATE coop_audit SET actor = 'nobody' WHERE id = {target}")
    bad = store.verify_audit()
    assert not bad.ok and bad.broken_at == target and "changed" in bad.reason


def test_f10_a_removed_entry_is_caught_and_the_cli_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    st = CoopStore.open(url, default_vocabulary(), hasher=FAST_HASH)
    w = World(st)
    for i in range(3):
        assert w.ken.post(
            "/api/coop/needs", json={**NEED, "title": f"Need {i} of Kenya"}
        ).is_success
    run = CliRunner()
    r = run.invoke(cli, ["coop", "verify-audit"], env={"AICAP_COOP_DB": url})
    assert r.exit_code == 0 and "intact" in r.output and st.verify_audit().head in r.output
    ids = [e["id"] for e in st.audit()]
    _unguarded(st, f"DELETE FROM coop_audit WHERE id = {ids[3]}")
    r = run.invoke(cli, ["coop", "verify-audit"], env={"AICAP_COOP_DB": url})
    assert r.exit_code == 1 and f"broken at entry {ids[4]}" in r.output
    # the SQLite file is the owner's alone
    assert stat.S_IMODE((tmp_path / "c.sqlite").stat().st_mode) == 0o600
    st.close()


def test_f10_migration_chains_the_entries_already_there(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0004")
    with engine.begin() as c:
        for i in range(5):
            c.execute(
                text(
                    "INSERT INTO coop_audit (at, actor, action, entity, entity_id, before, after)"
                    " VALUES (:at, 'old', 'create', 'need', :i, NULL, :after)"
                ),
                {"at": f"2026-01-0{i + 1} 10:00:00.123456+00:00", "i": i, "after": '{"n": 1.5}'},
            )
    engine.dispose()
    st = CoopStore.open(db_url, default_vocabulary(), hasher=FAST_HASH)
    try:
        v = st.verify_audit()
        assert v.ok and v.entries == 5
        st.bootstrap_admin("admin", "plum kettle orbit 7")  # new entries continue the chain
        assert st.verify_audit().ok and st.verify_audit().entries == 6
        with pytest.raises(Exception, match="append-only"), st.engine.begin() as c:
            c.execute(text("UPDATE coop_audit SET actor = 'x'"))  # the guard is back
    finally:
        st.close()


def test_f10_postgresql_truncate_guard_and_role_separation(pg_base: str) -> None:
    from coop_helpers import new_database

    url = new_database(pg_base)
    st = CoopStore.open(url, default_vocabulary(), hasher=FAST_HASH)
    st.bootstrap_admin("admin", "plum kettle orbit 7")
    with pytest.raises(Exception, match="append-only"), st.engine.begin() as c:
        c.execute(text("TRUNCATE coop_audit"))
    role = "aicap_app_" + url.rsplit("/", 1)[1]
    with st.engine.begin() as c:
        c.execute(text(f"CREATE ROLE {role} LOGIN"))
        for stmt in app_role_sql(role).splitlines():
            c.execute(text(stmt))
    owner = url.split("://")[1].split("@")[0]
    app_url = url.replace(f"://{owner}@", f"://{role}@")
    app = CoopStore.open(app_url, default_vocabulary(), hasher=FAST_HASH)  # at head: no-op
    try:
        admin = app.authenticate("admin", "plum kettle orbit 7")
        app.create(admin, "need", {**NEED, "title": "Written by the application role"})
        assert app.verify_audit().ok
        for sql in (
            "DROP TRIGGER coop_audit_no_update ON coop_audit",
            "ALTER TABLE coop_audit DISABLE TRIGGER coop_audit_no_update",
            "TRUNCATE coop_audit",
            "DELETE FROM coop_audit",
            "UPDATE coop_audit SET actor = 'x'",
        ):
            with (
                pytest.raises(Exception, match=r"permission denied|must be owner"),
                app.engine.begin() as c,
            ):
                c.execute(text(sql))
    finally:
        app.close()
        st.close()
