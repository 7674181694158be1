"""The country voice's workflow and its refusals, through the API, on SQLite and PostgreSQL:
each forbidden action is refused and leaves nothing behind; every state change is in the
hash-chained audit log; bad input gets a 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from voice_helpers import PDF, VoiceWorld, submission

from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.views import Views
from aicap.warehouse.cooperation.store import CoopStore


def _field(r: Any) -> set[str]:
    detail = r.json()["error"]["detail"] or []
    return {str(d["loc"][-1]) for d in detail}


def _move(client: Any, sid: int, state: str, version: int, reason: str = "") -> Any:
    return client.post(
        f"/api/voice/submissions/{sid}/review",
        json={"version": version, "state": state, "reason": reason},
    )


def test_submission_workflow_and_every_refusal(
    store: CoopStore, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(store, views)
    body = submission(vd)
    # --- who may submit: only the country's own focal point (or an administrator)
    assert w.anon.post("/api/voice/submissions", json=body).status_code == 403
    for other in (w.bbb, w.acme, w.reader, w.rev):
        r = other.post("/api/voice/submissions", json=body)
        assert r.status_code == 403, r.text
    assert (
        "own country" in w.bbb.post("/api/voice/submissions", json=body).json()["error"]["message"]
    )
    assert w.store.audit_count(entity="submission") == 0
    r = w.aaa.post("/api/voice/submissions", json=body)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["state"] == "submitted" and sub["source"] == "national submission"
    assert sub["created_by"] == "aaa" and sub["series"] == "OWID.INTERNET_USERS"
    assert sub["international_value"] == pytest.approx(vd.value("AAA", "OWID.INTERNET_USERS", 2024))
    assert sub["screen"]["action"] in ("pass", "flag", "drop", "cap")
    sid = sub["id"]
    # --- the public does not see it before it is accepted; its country and reviewers do
    assert w.anon.get(f"/api/voice/submissions/{sid}").status_code == 404
    assert w.bbb.get(f"/api/voice/submissions/{sid}").status_code == 404
    assert w.aaa.get(f"/api/voice/submissions/{sid}").status_code == 200
    assert w.rev.get(f"/api/voice/submissions/{sid}").status_code == 200
    # --- who may review: a reviewer or an administrator, not the focal point, not a partner
    for nobody in (w.aaa, w.bbb, w.acme, w.reader):
        assert _move(nobody, sid, "under_review", 1).status_code in (403, 404)
    assert _move(w.anon, sid, "under_review", 1).status_code in (403, 404)
    # --- the states: submitted -> under review -> accepted; no skipping
    r = _move(w.rev, sid, "accepted", 1)
    assert r.status_code == 409 and r.json()["error"]["detail"]["field"] == "state"
    r = _move(w.rev, sid, "under_review", 1)
    assert r.status_code == 200 and r.json()["state"] == "under_review", r.text
    assert _move(w.rev, sid, "accepted", 1).status_code == 409  # stale version
    # not accepted needs a reason (422 naming it)
    r = _move(w.rev, sid, "not_accepted", 2)
    assert r.status_code == 422 and "reason" in _field(r), r.text
    r = _move(w.rev, sid, "accepted", 2)
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    assert r.json()["reviewed_by"] == "rev"
    # final: nothing moves it, the focal point cannot withdraw it
    assert _move(w.rev, sid, "not_accepted", 3, "late").status_code == 409
    assert _move(w.aaa, sid, "withdrawn", 3).status_code == 409
    # --- now public, with who and when redacted for the anonymous public
    pub = w.anon.get(f"/api/voice/submissions/{sid}").json()
    assert pub["state"] == "accepted" and pub["created_by"] is None
    # --- every state change is in the audit log, chained
    trail = w.store.audit(entity="submission", entity_id=sid)
    assert [(a["action"], (a["after"] or {}).get("state")) for a in trail] == [
        ("create", "submitted"),
        ("transition", "under_review"),
        ("transition", "accepted"),
    ]
    assert w.store.verify_audit().ok


def test_not_accepted_tells_the_country_why_and_nobody_reviews_their_own(
    store: CoopStore, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(store, views)
    # an administrator may submit for any country, but may not review its own submission
    r = w.admin.post("/api/voice/submissions", json=submission(vd, "BBB"))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert _move(w.admin, sid, "under_review", 1).status_code == 403
    assert _move(w.rev, sid, "under_review", 1).status_code == 200
    why = "The survey covers urban households only; resubmit with the national frame."
    r = _move(w.rev2, sid, "not_accepted", 2, why)
    assert r.status_code == 200 and r.json()["state"] == "not_accepted"
    seen = w.bbb.get("/api/voice/submissions", params={"country": "BBB"}).json()
    assert [s["reason"] for s in seen] == [why]
    assert w.anon.get("/api/voice/submissions").json() == []  # not public: not accepted
    # the focal point withdraws its own pending submission; not another country's
    r2 = w.aaa.post("/api/voice/submissions", json=submission(vd)).json()
    assert _move(w.bbb, r2["id"], "withdrawn", 1).status_code in (403, 404)
    r = _move(w.aaa, r2["id"], "withdrawn", 1)
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"


def test_bad_input_gets_422_naming_the_field(lite: CoopStore, vd: VoiceData, views: Views) -> None:
    w = VoiceWorld(lite, views)
    cases: list[tuple[dict[str, Any], str]] = [
        (submission(vd, indicator="gdp_growth"), "indicator"),
        (submission(vd, unit="thousands"), "unit"),
        (submission(vd, year=2031), "year"),
        (submission(vd, year=1995), "year"),
        (submission(vd, value=140.0), "value"),  # a share above 100 %
        (submission(vd, value=-3.0), "value"),
        (submission(vd, value="many"), "value"),
        (submission(vd, source_title=""), "source_title"),
        (submission(vd, source_url="ftp://x"), "source_url"),
        (submission(vd, source_url=None), "source_url"),  # neither a URL nor a PDF
        (submission(vd, country_iso3="aaa"), "country_iso3"),
        ({**submission(vd), "extra": 1}, "extra"),
        (submission(vd, code="compute_capacity", value=-5.0), "value"),
    ]
    for body, field in cases:
        r = w.aaa.post("/api/voice/submissions", json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in _field(r) or field in r.json()["error"]["message"], (field, r.text)
    assert lite.audit_count(entity="submission") == 0


def test_upload_is_type_checked_and_size_limited(
    lite: CoopStore, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(lite, views)
    form = {k: str(v) for k, v in submission(vd).items() if k != "source_url"}
    url = "/api/voice/submissions/upload"
    r = w.aaa.post(url, data=form, files={"document": ("s.pdf", b"MZ\x90\x00 not a pdf")})
    assert r.status_code == 422 and "document" in _field(r), r.text
    r = w.aaa.post(url, data=form, files={"document": ("s.pdf", b"")})
    assert r.status_code == 422 and "document" in _field(r)
    big = PDF + b"0" * (8 * 1024 * 1024)
    r = w.aaa.post(url, data=form, files={"document": ("s.pdf", big)})
    assert r.status_code in (413, 422), r.text
    # another country's focal point cannot upload for AAA
    r = w.bbb.post(url, data=form, files={"document": ("s.pdf", PDF)})
    assert r.status_code == 403
    assert lite.audit_count(entity="document") == 0
    r = w.aaa.post(url, data=form, files={"document": ("survey.pdf", PDF)})
    assert r.status_code == 201, r.text
    sub = r.json()
    did = sub["document_id"]
    assert did and sub["source_url"] is None
    # the PDF: its country and reviewers before acceptance, everyone after
    assert w.anon.get(f"/api/voice/documents/{did}").status_code == 404
    assert w.bbb.get(f"/api/voice/documents/{did}").status_code == 404
    got = w.rev.get(f"/api/voice/documents/{did}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    _move(w.rev, sub["id"], "under_review", 1)
    _move(w.rev, sub["id"], "accepted", 2)
    assert w.anon.get(f"/api/voice/documents/{did}").content == PDF


def test_replies_own_country_only_any_of_six_languages_limited_length(
    lite: CoopStore, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(lite, views)
    body = {"country_iso3": "AAA", "lang": "ar", "text": "تعمل الحكومة على تحديث بيانات الاتصال."}
    for other in (w.bbb, w.rev, w.acme, w.reader):
        assert other.post("/api/voice/replies", json=body).status_code == 403
    assert w.anon.post("/api/voice/replies", json=body).status_code == 403
    r = w.aaa.post("/api/voice/replies", json=body)
    assert r.status_code == 200, r.text
    assert w.aaa.post("/api/voice/replies", json={**body, "lang": "de"}).status_code == 422
    r = w.aaa.post("/api/voice/replies", json={**body, "text": "x" * 1501})
    assert r.status_code == 422 and "text" in _field(r)
    r = w.aaa.post("/api/voice/replies", json={**body, "finding": "tier; drop"})
    assert r.status_code == 422 and "finding" in _field(r)
    r = w.aaa.post(
        "/api/voice/replies",
        json={"country_iso3": "AAA", "lang": "en", "finding": "pillar:CONN", "text": "Comment."},
    )
    assert r.status_code == 200
    # rewriting the same language and finding replaces the text (one reply each)
    w.aaa.post("/api/voice/replies", json={**body, "text": "نص جديد."})
    pub = w.anon.get("/api/voice/replies", params={"country": "AAA"}).json()
    assert sorted((p["lang"], p["finding"], p["text"]) for p in pub) == [
        ("ar", "", "نص جديد."),
        ("en", "pillar:CONN", "Comment."),
    ]
    rid = next(p["id"] for p in pub if p["lang"] == "ar")
    assert w.bbb.delete(f"/api/voice/replies/{rid}").status_code == 403
    assert w.aaa.delete(f"/api/voice/replies/{rid}").status_code == 200
    assert len(w.anon.get("/api/voice/replies", params={"country": "AAA"}).json()) == 1
    assert [a["action"] for a in lite.audit(entity="reply")] == [
        "create",
        "create",
        "update",
        "withdraw",
    ]


def test_error_reports_public_list_and_rule_on_acceptance(
    store: CoopStore, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(store, views)
    rep = {
        "country_iso3": "CCC",
        "indicator": "mobile_subscriptions",
        "year": 2024,
        "why": "The series double counts machine-to-machine SIM cards in 2024.",
        "evidence": "https://regulator.example.org/annual-report-2024",
        "proposed_value": 80.0,
    }
    assert w.anon.post("/api/voice/reports", json=rep).status_code == 403  # sign in first
    r = w.reader.post("/api/voice/reports", json=rep)  # any signed-in account may report
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["reported_value"] == pytest.approx(vd.value("CCC", "IT.CEL.SETS.P2", 2024))
    r = w.reader.post("/api/voice/reports", json={**rep, "year": 1990})
    assert r.status_code == 422 and "year" in _field(r)
    listed = w.anon.get("/api/voice/reports").json()
    assert [(x["id"], x["state"], x["created_by"]) for x in listed] == [
        (report["id"], "submitted", None)
    ]
    rid = report["id"]
    url = f"/api/voice/reports/{rid}/review"
    for nobody in (w.reader, w.aaa, w.acme):
        assert nobody.post(url, json={"version": 1, "state": "under_review"}).status_code == 403
    assert w.rev.post(url, json={"version": 1, "state": "under_review"}).status_code == 200
    r = w.rev.post(url, json={"version": 2, "state": "accepted"})
    assert r.status_code == 422 and "action" in _field(r)
    r = w.rev.post(url, json={"version": 2, "state": "accepted", "action": "correct"})
    assert r.status_code == 422 and "value" in _field(r)
    r = w.rev.post(
        url,
        json={"version": 2, "state": "accepted", "action": "correct", "value": 80.0,
              "reason": "The regulator's count without M2M SIMs."},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["rule_id"], r.text
    rules = w.anon.get("/api/voice/rules").json()
    assert [(x["action"], x["value"], x["old_value"], x["decided_by"]) for x in rules] == [
        ("correct", 80.0, pytest.approx(report["reported_value"]), "rev")
    ]
    assert w.store.verify_audit().ok
    assert [a["entity"] for a in w.store.audit()][-2:] == ["rule", "report"]
