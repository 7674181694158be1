"""Several processes share one registry (``aicap serve --workers N``): a change made through
one (an accepted submission, a reply, an accepted error report) reaches the pages another has
cached, without a restart. Two app instances, each with its own store (its own engine and
connections, as in two processes) on one SQLite file, each caching the country's page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from coop_helpers import FAST_HASH
from fastapi import FastAPI
from fastapi.testclient import TestClient
from voice_helpers import submission

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.service import CountryVoice
from aicap.analysis.voice.views import Views
from aicap.warehouse.cooperation.schemas import Role
from aicap.warehouse.cooperation.store import CoopStore, Principal
from aicap.web.coop_api_base import StoreHolder
from aicap.web.voice_web import ChangeWatch, watch_changes


class Instance:
    """One process: its store, its service, its page cache and an app serving
    ``/country/{iso3}`` from that cache (what the country page shows of the voice)."""

    def __init__(self, url: str, views: Views) -> None:
        self.store = CoopStore.open(url, default_vocabulary(), hasher=FAST_HASH)
        self.voice = CountryVoice(self.store, views)
        self.cache: dict[str, Any] = {}
        self.renders = 0
        holder = StoreHolder(self.store)
        app = FastAPI()

        def forget(iso3: str) -> None:
            for k in [k for k in self.cache if iso3 == "*" or k == f"country:{iso3}"]:
                self.cache.pop(k)

        self.voice.on_change.append(forget)  # this process's own changes, at once
        self.watch = watch_changes(app, holder, forget, ttl=0.0)

        @app.get("/country/{iso3}")
        def page(iso3: str) -> dict[str, Any]:
            key = f"country:{iso3}"
            if key not in self.cache:
                self.renders += 1
                subs, rules = self.voice.inputs_for("real")
                self.cache[key] = {
                    "replies": [r["text"] for r in self.voice.store.replies(iso3, "real")],
                    "accepted": [s["id"] for s in subs if s["country_iso3"] == iso3],
                    "rules": [r["id"] for r in rules if r["country_iso3"] == iso3],
                }
            return dict(self.cache[key])

        self.client = TestClient(app)

    def get(self, iso3: str) -> dict[str, Any]:
        r = self.client.get(f"/country/{iso3}")
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
def pair(tmp_path: Path, views: Views) -> Iterator[tuple[Instance, Instance]]:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    a, b = Instance(url, views), Instance(url, views)
    yield a, b
    a.store.close()
    b.store.close()


FOCAL = Principal("aaa", Role.focal_point, "AAA")
REV = Principal("rev", Role.reviewer)
READER = Principal("reader", Role.reviewer)


def test_a_change_through_one_process_shows_in_the_other(
    pair: tuple[Instance, Instance], vd: VoiceData
) -> None:
    a, b = pair
    empty = {"replies": [], "accepted": [], "rules": []}
    assert a.get("AAA") == b.get("AAA") == empty
    assert b.get("AAA") == empty and b.renders == 1  # cached
    # a reply through A: B's cached page follows, and only AAA's page is redone
    b.get("BBB")
    a.voice.reply(FOCAL, {"country_iso3": "AAA", "lang": "en", "text": "Our statement."})
    assert b.get("AAA")["replies"] == ["Our statement."]
    assert b.renders == 3
    b.get("BBB")
    assert b.renders == 3  # BBB's page was not touched by AAA's change
    # an accepted submission through A
    sub = a.voice.submit(FOCAL, submission(vd))
    a.voice.review(REV, sub["id"], {"version": 1, "state": "under_review"})
    assert b.get("AAA")["accepted"] == []  # not accepted yet
    a.voice.review(REV, sub["id"], {"version": 2, "state": "accepted"})
    assert b.get("AAA")["accepted"] == [sub["id"]]
    # an accepted error report through B shows in A
    rep = b.voice.report(
        READER,
        {
            "country_iso3": "AAA",
            "indicator": "mean_schooling",
            "year": 2024,
            "why": "The 2024 value repeats 2023.",
        },
    )
    b.voice.decide_report(REV, rep["id"], {"version": 1, "state": "under_review"})
    b.voice.decide_report(
        REV, rep["id"], {"version": 2, "state": "accepted", "action": "correct", "value": 9.0}
    )
    assert len(a.get("AAA")["rules"]) == 1
    assert a.get("AAA") == b.get("AAA")


def test_the_watch_reads_the_audit_log_once_per_ttl(
    pair: tuple[Instance, Instance], vd: VoiceData
) -> None:
    a, b = pair
    watch = ChangeWatch(StoreHolder(b.store), ttl=3600.0)
    assert watch.poll() == ["*"]  # first look: whatever was cached before is dropped
    a.voice.reply(FOCAL, {"country_iso3": "AAA", "lang": "fr", "text": "Notre déclaration."})
    assert watch.poll() == []  # within the ttl: no query
    watch.ttl = 0.0
    assert watch.poll() == ["AAA"]
    assert watch.poll() == []  # seen
    admin = a.store.bootstrap_admin("admin", "correct horse battery")  # not a voice record
    assert admin is not None and watch.poll() == []
