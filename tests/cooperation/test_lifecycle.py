"""Token and account lifecycle (security review F8), in the API and the CLI: tokens expire,
carry a scope, are listed and revoked and cannot mint tokens; passwords change (other sessions
and tokens end); an administrator resets passwords and disables accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from coop_helpers import NEED, PW, World
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from aicap.cli.main import app as cli
from aicap.warehouse.cooperation.models import ApiToken
from aicap.warehouse.cooperation.store import CoopStore

NEW_PW = "plum kettle orbit 7"


def session(w: World, user: str, pw: str = PW) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(w.app)
    r = c.post("/api/coop/auth/login", json={"username": user, "password": pw})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def bearer(w: World, token: str) -> TestClient:
    return TestClient(w.app, headers={"Authorization": f"Bearer {token}"})


def test_f8_tokens_expire_have_scopes_are_listed_and_revoked(store: CoopStore) -> None:
    w = World(store)
    c, h = session(w, "ken")
    r = c.post("/api/coop/auth/tokens", json={"label": "ro", "scope": "read"}, headers=h)
    assert r.status_code == 200 and r.json()["expires_in_days"] == 90
    ro = bearer(w, r.json()["token"])
    assert ro.get("/api/coop/auth/me").json()["username"] == "ken"
    r = ro.post("/api/coop/needs", json=NEED)
    assert r.status_code == 403 and "read-only" in r.json()["error"]["message"]
    # a token cannot mint tokens (before the fix: 200)
    r = w.ken.post("/api/coop/auth/tokens", json={"label": "child"})
    assert r.status_code == 403 and "cannot mint" in r.json()["error"]["message"]
    for bad in ({"expires_in_days": 0}, {"expires_in_days": 400}, {"scope": "admin"}):
        assert c.post("/api/coop/auth/tokens", json=bad, headers=h).status_code == 422
    mine = w.ken.get("/api/coop/auth/tokens").json()
    assert {t["label"] for t in mine} == {"t", "ro"}  # World's token and this one
    assert all(t["expires_at"] and not t["revoked"] for t in mine)
    assert w.mwi.get("/api/coop/auth/tokens", params={"username": "ken"}).status_code == 403
    assert len(w.admin.get("/api/coop/auth/tokens").json()) >= 6  # every account's
    ro_id = next(t["id"] for t in mine if t["label"] == "ro")
    assert w.mwi.delete(f"/api/coop/auth/tokens/{ro_id}").status_code == 404  # not its own
    r = w.ken.delete(f"/api/coop/auth/tokens/{ro_id}")
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert ro.get("/api/coop/auth/me").status_code == 401
    # an expired token is refused
    with store.tx() as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.label == "t")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    r = w.acme.get("/api/coop/auth/me")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_f8_password_change_and_disabled_accounts(store: CoopStore) -> None:
    w = World(store)
    c, h = session(w, "acme")
    other, _ = session(w, "acme")
    r = c.post(
        "/api/coop/auth/password",
        json={"current_password": "wrong password!", "new_password": NEW_PW},
        headers=h,
    )
    assert r.status_code == 403
    r = c.post(
        "/api/coop/auth/password",
        json={"current_password": PW, "new_password": "password1234"},
        headers=h,
    )
    assert r.status_code == 422 and "password" in r.json()["error"]["message"]
    r = c.post(
        "/api/coop/auth/password", json={"current_password": PW, "new_password": NEW_PW}, headers=h
    )
    # World's sign-in session, its API token and the other session: three
    assert r.status_code == 200 and r.json()["sessions_and_tokens_ended"] == 3
    assert c.get("/api/coop/auth/me").json()["username"] == "acme"  # this session goes on
    assert other.get("/api/coop/auth/me").status_code == 401  # the other one ended
    assert w.acme.get("/api/coop/auth/me").status_code == 401  # so did its API token
    session(w, "acme", NEW_PW)
    # an administrator disables an account: it cannot sign in, its sessions end at once
    ken, _ = session(w, "ken")
    assert w.mwi.post("/api/coop/accounts/ken/disable").status_code == 403
    r = w.admin.post("/api/coop/accounts/ken/disable")
    assert r.status_code == 200 and r.json()["active"] is False
    assert ken.get("/api/coop/auth/me").status_code == 401
    r = TestClient(w.app).post("/api/coop/auth/login", json={"username": "ken", "password": PW})
    assert r.status_code == 401
    assert w.admin.post("/api/coop/accounts/admin/disable").status_code == 409
    assert w.admin.post("/api/coop/accounts/nobody/disable").status_code == 404
    assert w.admin.post("/api/coop/accounts/ken/enable").json()["active"] is True
    session(w, "ken")
    r = w.admin.post("/api/coop/accounts/ken/password", json={"new_password": NEW_PW})
    assert r.status_code == 200
    session(w, "ken", NEW_PW)


def test_f8_cli_lists_revokes_resets_disables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    st = CoopStore.open(url)
    st.bootstrap_admin("admin", PW)
    admin = st.authenticate("admin", PW)
    st.create_account(admin, {"username": "ken", "password": PW, "role": "public"})
    ken = st.authenticate("ken", PW)
    token, _ = st.issue_token(ken, label="laptop")
    run = CliRunner()
    env = {"AICAP_COOP_DB": url, "AICAP_COOP_NEW_PASSWORD": NEW_PW}

    def ok(*args: str) -> str:
        r = run.invoke(cli, ["coop", *args], env=env)
        assert r.exit_code == 0, r.output
        return r.output

    listed = ok("tokens", "--user", "ken", "--format", "csv")
    assert "laptop" in listed and "active" in listed and token not in listed
    tid = listed.splitlines()[1].split(",")[0]
    assert "laptop" in ok("tokens", "--user", "ken")  # the table
    assert f"token {tid} revoked" in ok("revoke-token", tid)
    assert "revoked" in ok("tokens", "--user", "ken")
    assert "ended" in ok("password", "ken")
    assert st.authenticate("ken", NEW_PW).username == "ken"
    assert "ken disabled" in ok("disable", "ken")
    assert run.invoke(cli, ["coop", "disable", "nobody"], env=env).exit_code == 1
    assert "ken enabled" in ok("enable", "ken")
    st.close()
