"""The country voice's service: the registry's :class:`VoiceStore` (who may do what, states,
audit) joined to the framework checks and the two views. The web API, the pages and the CLI
all go through :class:`CountryVoice`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from aicap.analysis.voice.checks import check_report, check_submission
from aicap.analysis.voice.corrections import effective
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.views import VIEWS, Views
from aicap.warehouse.cooperation.errors import InvalidInputError, Principal
from aicap.warehouse.cooperation.store import CoopStore
from aicap.warehouse.cooperation.voice_schemas import ReportIn, SubmissionIn
from aicap.warehouse.cooperation.voice_store import VoiceStore

VIEW_LABELS = {
    "international": "international open data only (the default, comparable view)",
    "national": "with accepted national submissions (not comparable across countries)",
}


class CountryVoice:
    """See the module doc. ``data``: the warehouse's inputs, or a factory called on first use
    (reading them takes a few seconds)."""

    def __init__(self, coop: CoopStore, data: VoiceData | Callable[[], VoiceData]) -> None:
        self.store = VoiceStore(coop)
        self._source = data
        self._views: Views | None = data if isinstance(data, Views) else None
        self._lock = threading.Lock()
        #: called with the country's ISO3 after every change a page may show (cache upkeep)
        self.on_change: list[Callable[[str], None]] = []

    @property
    def views(self) -> Views:
        if self._views is None:
            with self._lock:
                if self._views is None:
                    src = self._source
                    self._views = Views(src if isinstance(src, VoiceData) else src())
        return self._views

    @property
    def data(self) -> VoiceData:
        return self.views.data

    def _changed(self, iso3: str) -> None:
        for f in self.on_change:
            f(iso3)

    # ---------------------------------------------------------------- writes
    def submit(
        self,
        actor: Principal,
        data: Mapping[str, Any],
        document: tuple[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """Check (schema, who, framework, warehouse) and record a national value."""
        sub = self.store._validate(SubmissionIn, data)
        assert isinstance(sub, SubmissionIn)
        self.store._signed_in(actor)
        self.store._for_country(actor, sub.country_iso3, "submits national data")
        checked = check_submission(self.data, sub.model_dump(mode="json"))
        return self.store.submit(actor, data, checked, document)

    def review(self, actor: Principal, sid: int, data: Mapping[str, Any]) -> dict[str, Any]:
        out = self.store.review(actor, sid, data)
        self._changed(str(out["country_iso3"]))
        return out

    def reply(self, actor: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        out = self.store.reply(actor, data)
        self._changed(str(out["country_iso3"]))
        return out

    def withdraw_reply(self, actor: Principal, rid: int) -> dict[str, Any]:
        out = self.store.withdraw_reply(actor, rid)
        self._changed(str(out["country_iso3"]))
        return out

    def report(self, actor: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        r = self.store._validate(ReportIn, data)
        assert isinstance(r, ReportIn)
        self.store._signed_in(actor)
        checked = check_report(self.data, r.model_dump(mode="json"))
        return self.store.report(actor, data, checked)

    def decide_report(self, actor: Principal, rid: int, data: Mapping[str, Any]) -> dict[str, Any]:
        if data.get("state") == "accepted" and data.get("action") == "exclude":
            rep = next((r for r in self.store.reports() if r["id"] == rid), None)
            ind = self.data.indicator(str(rep["indicator"])) if rep else None
            if ind is not None and ind.zero_fill:
                # a register's missing entry counts 0: excluding would turn the value into
                # 0, not into "unknown"
                raise InvalidInputError(
                    "invalid input: action",
                    [
                        {
                            "loc": ["body", "action"],
                            "msg": f"{ind.code} counts what a register lists (a country it "
                            "does not list counts 0): correct the value instead of excluding it",
                        }
                    ],
                )
        out = self.store.decide_report(actor, rid, data)
        self._changed(str(out["country_iso3"]))
        return out

    def revoke_rule(self, actor: Principal, rule_id: int, reason: str) -> dict[str, Any]:
        out = self.store.revoke_rule(actor, rule_id, reason)
        self._changed(str(out["country_iso3"]))
        return out

    # ---------------------------------------------------------------- views
    def rules_for(self, dataset: str) -> list[dict[str, Any]]:
        """The correction rules a view applies: the real ones, and the demonstration ones in
        the demonstration view."""
        rules = self.store.rules("real")
        return rules + self.store.rules("demo") if dataset == "demo" else rules

    def inputs_for(self, dataset: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return self.store.accepted(dataset), self.rules_for(dataset)

    def view(self, name: str, dataset: str = "real") -> dict[str, Any]:
        """One view's table (every Member State: status, score, rank, tier)."""
        if name not in VIEWS:
            raise InvalidInputError(
                "invalid input: view",
                [{"loc": ["query", "view"], "msg": f"one of {', '.join(VIEWS)}"}],
            )
        subs, rules = self.inputs_for(dataset)
        res = self.views.view(name, subs, rules)
        rows = []
        for iso3, r in res.sort_values(["rank"], na_position="last").iterrows():
            rows.append(
                {
                    "iso3": str(iso3),
                    "status": str(r["status"]),
                    "score": None if pd.isna(r["score"]) else round(float(r["score"]), 2),
                    "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
                    "tier": None if pd.isna(r["tier"]) else int(r["tier"]),
                    # the tier is a range where a condition was not assessed (tier: its
                    # lower end, what the known evidence proves)
                    "tier_range": None if pd.isna(r.get("tier_range")) else str(r["tier_range"]),
                }
            )
        return {
            "view": name,
            "view_label": VIEW_LABELS[name],
            "dataset": dataset,
            "fictitious": dataset == "demo",
            "year": self.data.end,
            "submissions": len(subs) if name == "national" else 0,
            "rules": len(rules),
            "countries": rows,
        }

    def country(self, iso3: str, dataset: str = "real") -> dict[str, Any]:
        """A country in both views, what each accepted submission changes, with provenance;
        its replies; the correction rules that touch it."""
        subs, rules = self.inputs_for(dataset)
        out = self.views.country(iso3, subs, rules)
        by_id = {s["id"]: s for s in subs}
        for e in out["each"]:
            s = by_id[e["submission"]]
            e["provenance"] = provenance(s)
        out["dataset"] = dataset
        out["fictitious"] = dataset == "demo"
        out["default_view"] = "international"
        out["view_labels"] = VIEW_LABELS
        live = {int(r["id"]) for r in effective(rules)}
        out["rules"] = [
            r | {"in_force": int(r["id"]) in live} for r in rules if r["country_iso3"] == iso3
        ]
        out["replies"] = self.store.replies(iso3, dataset)
        return out


def provenance(s: Mapping[str, Any]) -> dict[str, Any]:
    """Where a national value comes from, who submitted it, who accepted it and when."""
    return {
        "source": s.get("source"),
        "submission": s.get("id"),
        "indicator": s.get("indicator"),
        "year": s.get("year"),
        "value": s.get("value"),
        "unit": s.get("unit"),
        "international_value": s.get("international_value"),
        "document": {
            "title": s.get("source_title"),
            "issued_by": s.get("source_body"),
            "url": s.get("source_url"),
            "uploaded_pdf": s.get("document_id"),
        },
        "method_note": s.get("method_note"),
        "submitted_by": s.get("created_by"),
        "submitted_at": s.get("created_at"),
        "accepted_by": s.get("reviewed_by"),
        "accepted_at": s.get("reviewed_at"),
        "screen": s.get("screen"),
        "fictitious": s.get("fictitious", False),
    }


def published_replies(
    url: str | None = None, dataset: str = "real"
) -> dict[str, list[dict[str, Any]]]:
    """Every published reply, by country (for the briefing's annex); empty when the registry
    does not exist (it is never created here)."""
    from aicap.analysis.cooperate.service import default_vocabulary
    from aicap.warehouse.cooperation.db import default_url
    from aicap.warehouse.cooperation.voice_store import registry_exists

    url = url or default_url()
    if not registry_exists(url):
        return {}
    st = CoopStore.open(url, default_vocabulary())
    try:
        rows = VoiceStore(st).replies(dataset=dataset)
    finally:
        st.close()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r["country_iso3"]), []).append(
            {k: r[k] for k in ("lang", "finding", "text", "updated_at", "fictitious")}
        )
    return out
