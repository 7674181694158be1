"""The country voice's demonstration (FICTITIOUS, labelled on every row and page): a focal
point for Chile submits a national value with a source PDF, a reviewer takes it under review
and accepts it, the focal point publishes a statement in English and in Arabic. Everything is
in the ``demo`` dataset, never mixed with real records: the view with national data of the
demonstration (``?dataset=demo``) shows the changed score, rank and tier with the
submission's provenance.

The value is invented: 2,000 H100-equivalents of AI compute hosted in Chile in 2025 (about
101 per million people), which the international source (Epoch AI's GPU clusters) does not
list. On the bundled snapshot it moves Chile from tier 2 to tier 3 in the demonstration's
national view (the step to tier 3 asks for compute hosted in the country)."""

from __future__ import annotations

import secrets
from typing import Any

from aicap.analysis.voice.service import CountryVoice
from aicap.warehouse.cooperation.errors import SYSTEM, ConflictError, Principal
from aicap.warehouse.cooperation.models import Account

COUNTRY = "CHL"
FOCAL = "demo-focal-chl"
REVIEWER = "demo-reviewer"
LABEL = "FICTITIOUS demonstration"

SUBMISSION: dict[str, Any] = {
    "country_iso3": COUNTRY,
    "indicator": "compute_capacity",
    "year": 2025,
    "value": 2000.0,
    "unit": "H100-equivalents",
    "source_title": f"{LABEL}: national census of AI compute 2025",
    "source_body": f"{LABEL}: Ministry of Science (fictitious)",
    "method_note": (
        f"{LABEL}. Invented for the demonstration: a census of public and university GPU "
        "clusters, counted in H100-equivalents as Epoch AI counts them."
    ),
    "dataset": "demo",
}

REPLIES: dict[str, str] = {
    "en": (
        f"{LABEL} statement: our 2025 national census counts AI compute in public and "
        "university clusters that the international source does not list. We ask readers "
        "to consult the view with national data beside the default one."
    ),
    "ar": (
        "بيان توضيحي وهمي: يحصي تعدادنا الوطني لعام 2025 قدرات الحوسبة للذكاء الاصطناعي "
        "في المجموعات العامة والجامعية التي لا يدرجها المصدر الدولي. ندعو القراء إلى الاطلاع "
        "على العرض المتضمن للبيانات الوطنية إلى جانب العرض الافتراضي."
    ),
}


def demo_pdf() -> bytes:
    """A one-page PDF that says it is a fictitious demonstration document."""
    text = f"({LABEL} source document: national census of AI compute 2025) Tj"
    stream = f"BT /F1 11 Tf 40 780 Td {text} ET".encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def ensure_accounts(cv: CountryVoice, password: str | None = None) -> dict[str, str]:
    """The demonstration's focal point (Chile) and reviewer; new ones get ``password`` (or a
    random one, returned once). Existing accounts are left as they are."""
    coop = cv.store.coop
    made: dict[str, str] = {}
    for username, role in ((FOCAL, "focal_point"), (REVIEWER, "reviewer")):
        with coop.read() as s:
            exists = s.query(Account).filter(Account.username == username).first()
        if exists is not None:
            continue
        pw = password or secrets.token_urlsafe(12)
        body = {"username": username, "password": pw, "role": role}
        if role == "focal_point":
            body["country_iso3"] = COUNTRY
        coop.create_account(SYSTEM, body)
        made[username] = pw
    return made


def run_demo(cv: CountryVoice, focal: Principal, reviewer: Principal) -> dict[str, Any]:
    """Walk the flow (see the module doc); refuses if the demonstration was run already."""
    if any(s["dataset"] == "demo" for s in cv.store.submissions(reviewer, country=COUNTRY)):
        raise ConflictError("the country voice demonstration was run already", field="dataset")
    sub = cv.submit(focal, SUBMISSION, ("census-2025-fictitious.pdf", demo_pdf()))
    sub = cv.review(reviewer, sub["id"], {"version": sub["version"], "state": "under_review"})
    sub = cv.review(
        reviewer,
        sub["id"],
        {"version": sub["version"], "state": "accepted", "reason": f"{LABEL}: accepted"},
    )
    for lang, text in REPLIES.items():
        cv.reply(focal, {"country_iso3": COUNTRY, "lang": lang, "text": text, "dataset": "demo"})
    view = cv.country(COUNTRY, "demo")
    return {
        "label": "FICTITIOUS demonstration data (dataset=demo)",
        "country": COUNTRY,
        "submission": sub["id"],
        "international": view["international"],
        "national": view["national"],
        "change": {k: view["change"][k] for k in ("score", "rank", "tier")},
        "replies": sorted(REPLIES),
    }
