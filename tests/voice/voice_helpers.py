"""A synthetic world for the country voice tests: twelve Member States with every series the
framework reads, 2012-2024, values set between each indicator's goalposts so the truth is
known; ``ZZZ`` has no economy series at all (unscored in the international view)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicap.analysis.assets import AssetInputs
from aicap.analysis.capacity_index import MEMBER_COLUMNS
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.analysis.voice.data import VoiceData

ISO = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ", "KKK", "ZZZ"]
YEARS = range(2012, 2025)
POP = 10_000_000.0


def _empty(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def assets() -> AssetInputs:
    return AssetInputs(
        countries=pd.DataFrame(
            {"iso3": ISO, "name": ISO, "status": ["member"] * len(ISO), "un_subregion": ["X"] * 12}
        ),
        frameworks=_empty(["iso3", "title", "type", "area_status", "approval_year", "file", "row"]),
        initiatives=_empty(["iso3", "name", "type", "body_name", "file", "row"]),
        assessed=frozenset(ISO),
        clusters=_empty(
            ["iso3", "name", "status", "h100e", "power_mw", "first_year", "file", "row"]
        ),
        cloud=_empty(
            [
                "provider",
                "region",
                "location_name",
                "lat",
                "lon",
                "announced",
                "iso3",
                "file",
                "row",
            ]
        ),
        models=_empty(["model", "organization", "year", "open_weights", "iso3", "file", "row"]),
        centroids=pd.DataFrame({"iso3": ISO, "lat": [0.0] * 12, "lon": [0.0] * 12}),
    )


def world() -> VoiceData:
    spec = IndexSpec.load(default_framework_path())
    members = pd.DataFrame({c: [None] * len(ISO) for c in MEMBER_COLUMNS})
    members["iso3"] = ISO
    members["name"] = [f"Country {i}" for i in ISO]
    members["un_region"] = "Region"
    members["wb_region"] = "Region"
    members["income_group"] = "LMC"
    for k in ("ldc", "lldc", "sids"):
        members[k] = False
    rows = []
    econ = {i.series for i in spec.indicators if i.pillar == "ECON"}
    for k, iso in enumerate(ISO):
        frac = 0.15 + 0.06 * k  # AAA lowest ... KKK highest
        for ind in spec.indicators:
            if iso == "ZZZ" and ind.series in econ:
                continue
            lo, hi = ind.goalposts.lower, ind.goalposts.upper
            v = lo + frac * (hi - lo)
            if ind.per_capita is not None:  # a count: per million people * population
                v = v * POP / ind.per_capita.scale
            for y in YEARS:
                rows.append((iso, y, ind.series, float(v)))
        for y in YEARS:
            rows.append((iso, y, "SP.POP.TOTL", POP))
    raw = pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"])
    raw = raw.drop_duplicates(subset=["iso3", "year", "indicator"])
    raw["unit"] = "u"
    raw["flags"] = ""
    raw["source"] = "synthetic"
    units = {i.series: f"unit of {i.series}" for i in spec.indicators}
    licences = {s: "CC BY 4.0" for s in spec.input_series()}
    return VoiceData.build(spec, members, licences, raw, units, assets())


def value_of(vd: VoiceData, iso3: str, code: str) -> float:
    ind = vd.indicator(code)
    assert ind is not None
    v = vd.value(iso3, ind.series, 2024)
    assert v is not None
    return v


def np_close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=0, atol=1e-9))


# ------------------------------------------------------------------ clients per role
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class VoiceWorld:
    """An app with the cooperation and country voice APIs on one store, a client per role:
    administrator, reviewer, focal points of AAA and BBB, a partner, a public reader's
    account, and the anonymous public."""

    def __init__(self, store: object, views: object) -> None:
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from aicap.analysis.voice.service import CountryVoice
        from aicap.web.coop_api_base import StoreHolder
        from aicap.web.cooperation import build_router
        from aicap.web.voice_api import build_voice_router

        holder = StoreHolder(store)  # type: ignore[arg-type]
        self.store = store
        self.voice = CountryVoice(store, views)  # type: ignore[arg-type]
        app = FastAPI()
        app.include_router(build_router(holder))
        app.include_router(build_voice_router(holder, lambda: self.voice))
        self.app = app
        PW = "correct horse battery"
        store.bootstrap_admin("admin", PW)  # type: ignore[attr-defined]
        self.anon = TestClient(app)
        self.admin = self.client("admin", PW)
        for body in (
            {"username": "rev", "role": "reviewer"},
            {"username": "rev2", "role": "reviewer"},
            {"username": "aaa", "role": "focal_point", "country_iso3": "AAA"},
            {"username": "bbb", "role": "focal_point", "country_iso3": "BBB"},
            {"username": "zzz", "role": "focal_point", "country_iso3": "ZZZ"},
            {"username": "acme", "role": "partner", "organisation": "Acme Cloud"},
            {"username": "reader", "role": "public"},
        ):
            r = self.admin.post("/api/coop/accounts", json={**body, "password": PW})
            assert r.status_code == 200, r.text
        self.rev, self.rev2 = self.client("rev", PW), self.client("rev2", PW)
        self.aaa, self.bbb = self.client("aaa", PW), self.client("bbb", PW)
        self.zzz = self.client("zzz", PW)
        self.acme, self.reader = self.client("acme", PW), self.client("reader", PW)

    def client(self, user: str, pw: str) -> object:
        from fastapi.testclient import TestClient

        c = TestClient(self.app)
        r = c.post("/api/coop/auth/login", json={"username": user, "password": pw})
        assert r.status_code == 200, r.text
        r = c.post(
            "/api/coop/auth/tokens",
            json={"label": "t"},
            headers={"X-CSRF-Token": r.json()["csrf_token"]},
        )
        assert r.status_code == 200, r.text
        c.cookies.clear()
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        return c


def submission(vd: VoiceData, iso3: str = "AAA", code: str = "internet_use", **kw: object) -> dict:
    ind = vd.indicator(code)
    assert ind is not None
    body = {
        "country_iso3": iso3,
        "indicator": code,
        "year": 2024,
        "value": 60.0,
        "unit": vd.unit_of(ind),
        "source_title": "National ICT household survey 2024",
        "source_body": "National Statistics Office",
        "source_url": "https://stats.example.org/ict-2024.pdf",
        "method_note": "Household survey, 12,000 households, persons aged 15+.",
    }
    body.update(kw)
    return body
