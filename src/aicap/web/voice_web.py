"""The country voice on the web app (issue 20): :func:`mount` adds the ``/api/voice`` API, the
``/voice`` pages, the review API (``GET /api/voice/review/{iso3}``: the draft profile for the
country's focal point, reviewers and administrators), the ``X-Aicap-View`` header on every
API response (which view it is: ``international`` unless the national view was asked for),
the country page's block (``voice_of`` in the templates: the country's own replies and, where
national submissions were accepted, the national view beside the default one) and the country
JSON's ``country_voice`` field. Pages and JSON the app caches are dropped from its cache when
a submission, report, reply or correction rule of their country changes: at once in the process
that made the change, and, through :class:`ChangeWatch` (the registry's append-only audit log
read as a change feed, at most once a second), in every other process sharing the registry
(``aicap serve --workers N``) and after a change made with ``aicap voice``."""

import re
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicap.analysis.voice.corrections import effective
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.service import VIEW_LABELS, CountryVoice
from aicap.warehouse.cooperation.db import default_url
from aicap.warehouse.cooperation.schemas import DEMO_LABEL, Role
from aicap.warehouse.cooperation.store import ForbiddenError, Principal, UnauthorisedError
from aicap.warehouse.cooperation.voice_store import registry_exists
from aicap.warehouse.read import Warehouse
from aicap.web import views as site_views
from aicap.web.coop_api_base import CoopApi, StoreHolder, _errors
from aicap.web.data import SiteData
from aicap.web.render import Renderer
from aicap.web.voice_api import PREFIX, VoiceRoute, build_voice_router

VIEW_HEADER = "X-Aicap-View"
#: audit log entities whose change a country's page shows
VOICE_ENTITIES = ("submission", "reply", "report", "rule")


class ChangeWatch:
    """Which countries' voice records changed since the last look, by any process: the
    registry's audit log (append-only, one entry per state change, ids increasing) is the
    shared version stamp. :meth:`poll` reads the entries after the last id it saw (one indexed
    query), at most once per ``ttl`` seconds, and returns their countries; the first poll
    returns ``["*"]`` (everything this process may have cached before it could look)."""

    def __init__(self, holder: StoreHolder, ttl: float = 1.0) -> None:
        self.holder = holder
        self.ttl = ttl
        self.last: int | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def due(self) -> bool:
        """Whether :meth:`poll` would look (cheap: no lock, no database)."""
        return time.monotonic() - self._checked >= self.ttl

    def poll(self) -> list[str]:
        now = time.monotonic()
        if now - self._checked < self.ttl or not registry_in_use(self.holder):
            return []
        with self._lock:
            if now - self._checked < self.ttl:
                return []
            self._checked = now
            from sqlalchemy import select

            from aicap.warehouse.cooperation.models import AuditEntry

            a = AuditEntry
            with self.holder().read() as s:
                top = int(s.scalar(select(a.id).order_by(a.id.desc()).limit(1)) or 0)
                if self.last is None:
                    self.last = top
                    return ["*"]
                if top <= self.last:
                    return []
                q = select(a.before, a.after).where(
                    a.id > self.last, a.id <= top, a.entity.in_(VOICE_ENTITIES)
                )
                rows = list(s.execute(q.order_by(a.id)))
            self.last = top
            changed: list[str] = []
            for before, after in rows:
                for rec in (after, before):
                    iso3 = rec.get("country_iso3") if isinstance(rec, dict) else None
                    if isinstance(iso3, str) and iso3 not in changed:
                        changed.append(iso3)
            return changed


class FollowChanges:
    """Pure ASGI middleware for :func:`watch_changes`: a request goes to the thread pool to
    poll the registry only when the watch is due (at most once per ``ttl``); every other
    request passes straight through (no task, no thread hop: see :class:`ViewHeader`)."""

    def __init__(self, app: ASGIApp, watch: ChangeWatch, forget: Callable[[str], None]) -> None:
        self.app, self.watch, self.forget = app, watch, forget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not scope.get("path", "").startswith("/static/")
            and self.watch.due()
        ):
            from starlette.concurrency import run_in_threadpool

            try:
                for iso3 in await run_in_threadpool(self.watch.poll):
                    self.forget(iso3)
            except Exception:  # the registry is optional: pages stand without it
                pass
        await self.app(scope, receive, send)


def watch_changes(
    app: FastAPI, holder: StoreHolder, forget: Callable[[str], None], ttl: float = 1.0
) -> ChangeWatch:
    """Before each request, drop what this process cached for the countries whose voice
    records another process (or the command line) changed (``forget("*")``: everything)."""

    watch = ChangeWatch(holder, ttl)
    app.add_middleware(FollowChanges, watch=watch, forget=forget)
    app.state.voice_watch = watch
    return watch


def registry_in_use(holder: StoreHolder) -> bool:
    """Whether the registry is open or exists (a profile page never creates it)."""
    return getattr(holder, "_store", None) is not None or registry_exists(default_url())


def voice_for(app: FastAPI) -> CountryVoice | None:
    cv = getattr(app.state, "country_voice", None)
    return cv if isinstance(cv, CountryVoice) else None


def may_review(who: Principal, iso3: str) -> bool:
    """The country's focal point, a reviewer or an administrator."""
    if who.role in (Role.administrator, Role.reviewer):
        return True
    return who.role == Role.focal_point and who.country_iso3 == iso3


def published_flags(site: SiteData | None, iso3: str) -> dict[int, int]:
    """Per error report: how many of the country's cells in the published index (the build's
    outputs, every year) carry its correction flag (``... by error report #N``)."""
    if site is None or not len(site.cells):
        return {}
    c = site.cells
    flags = c.loc[c["iso3"] == iso3, "flags"].fillna("").astype(str)
    out: dict[int, int] = {}
    for text in flags:
        for n in re.findall(r"by error report #(\d+)", text):
            out[int(n)] = out.get(int(n), 0) + 1
    return out


def corrections_of(
    rules: list[dict[str, Any]], iso3: str, published: dict[int, int]
) -> list[dict[str, Any]]:
    """The country's correction rules (newest first) with whether each is in force and how
    many values of the published index it flags."""
    live = {int(r["id"]) for r in effective(rules)}
    revoked_by = {int(r["revokes"]): int(r["id"]) for r in rules if r.get("revokes")}
    keep = ("id", "report_id", "indicator", "year", "action", "value", "old_value")
    return [
        {k: r.get(k) for k in keep}
        | {
            "reason": r.get("reason"),
            "evidence": r.get("evidence"),
            "decided_by": r.get("decided_by"),
            "decided_at": str(r.get("decided_at") or "")[:10],
            "revokes": r.get("revokes"),
            "revoked_by": revoked_by.get(int(r["id"])),
            "in_force": int(r["id"]) in live,
            "published_cells": published.get(int(r["report_id"]), 0) if int(r["id"]) in live else 0,
        }
        for r in sorted(rules, key=lambda r: -int(r["id"]))
        if r["country_iso3"] == iso3
    ]


def country_block(
    cv: CountryVoice | None,
    iso3: str,
    dataset: str = "real",
    *,
    with_demo: bool = True,
    site: SiteData | None = None,
) -> dict[str, Any]:
    """What the country page and JSON show: the view they are (international), the country's
    own replies, the national view with each accepted submission's change (computed only
    where the country has accepted submissions) and its correction rules. Where the FICTITIOUS
    demonstration has records for the country, ``demo`` holds the same for them, labelled."""
    out: dict[str, Any] = {
        "view": "international",
        "view_label": VIEW_LABELS["international"],
        "national_view": f"{PREFIX}/country/{iso3}",
        "dataset": dataset,
        "fictitious": dataset == "demo",
        "replies": [],
        "national": None,
        "corrections": [],
    }
    if cv is None:
        return out
    try:
        out["replies"] = [
            {k: r[k] for k in ("id", "lang", "finding", "text", "updated_at", "fictitious")}
            | {"by": "the country's own statement"}
            for r in cv.store.replies(iso3, dataset)
        ]
        subs, rules = cv.inputs_for(dataset)
        if dataset == "real":  # what `aicap build` applies; the demonstration's never
            out["corrections"] = corrections_of(rules, iso3, published_flags(site, iso3))
        # both views only where they differ: a correction rule alone changes both alike
        # (the published profile shows it in its own table and flags)
        if any(s["country_iso3"] == iso3 for s in subs):
            out["national"] = cv.country(iso3, dataset)
        if with_demo and dataset == "real":
            demo = country_block(cv, iso3, "demo", with_demo=False)
            if demo["replies"] or demo["national"]:
                out["demo"] = demo | {"label": DEMO_LABEL}
    except Exception as exc:  # the registry is optional: the profile stands without it
        out["unavailable"] = f"country voice unavailable: {type(exc).__name__}"
    return out


def mount(
    app: FastAPI,
    site: SiteData,
    renderer: Renderer,
    cache: MutableMapping[str, Any] | None = None,
    voice: CountryVoice | None = None,
) -> Callable[[], CountryVoice]:
    """Mount everything (see the module doc) on ``app``, after the cooperation registry (its
    store holder is shared: one set of accounts, sessions and audit log). Returns the
    service's getter (the service opens the warehouse's inputs on first use)."""
    holder: StoreHolder = app.state.coop_store
    lock = threading.Lock()
    made: list[CountryVoice] = [voice] if voice is not None else []

    def get_voice() -> CountryVoice:
        if not made:
            with lock:
                if not made:
                    cv = CountryVoice(holder(), lambda: VoiceData.load(Warehouse(site.warehouse)))
                    cv.on_change.append(forget)
                    made.append(cv)
        return made[0]

    def forget(iso3: str) -> None:
        if cache is not None:
            tail = "country:" if iso3 == "*" else f"country:{iso3}"
            for k in [k for k in cache if k.endswith(tail) or (iso3 == "*" and tail in k)]:
                cache.pop(k, None)
        if iso3 == "*":
            return
        # compute the country's views now, off the request, so that its page (rendered in
        # the server's event loop) finds them cached
        threading.Thread(target=warm, args=(iso3,), daemon=True).start()

    def warm(iso3: str) -> None:
        try:
            cv = get_voice()
            for dataset in ("real", "demo"):
                country_block(cv, iso3, dataset, with_demo=False)
        except Exception:  # a warm-up only: the page computes what is missing
            return

    if voice is not None:
        voice.on_change.append(forget)

    app.state.country_voice_factory = get_voice
    watch_changes(app, holder, forget)  # changes made by other processes sharing the registry
    app.include_router(build_voice_router(holder, get_voice))
    app.include_router(review_router(holder, get_voice, site))
    from aicap.web.voice_pages import build_voice_pages

    app.include_router(build_voice_pages(holder, get_voice, renderer, site))

    def voice_of(iso3: str) -> dict[str, Any]:
        if not registry_in_use(holder):  # no registry yet: nothing to show, nothing created
            return country_block(None, iso3)
        try:
            cv = get_voice()
        except Exception:
            return country_block(None, iso3)
        return country_block(cv, iso3, site=site)

    for env in renderer.envs.values():
        env.globals["voice_of"] = voice_of

    app.add_middleware(ViewHeader)
    return get_voice


class ViewHeader:
    """Pure ASGI middleware: every API response says which view it is computed from.
    (Starlette's ``BaseHTTPMiddleware`` runs each request in a task with its own streams, which
    cost more than the cached response itself.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        national = path.startswith(f"{PREFIX}/views/national") or path.startswith(
            f"{PREFIX}/country/"
        )
        value = "international+national" if national else "international"

        async def send_with_view(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[VIEW_HEADER] = value
            await send(message)

        await self.app(scope, receive, send_with_view)


def with_voice(app: FastAPI, data: dict[str, Any], iso3: str) -> dict[str, Any]:
    """The country JSON with its ``country_voice`` block."""
    get = getattr(app.state, "country_voice_factory", None)
    cv = None
    holder = getattr(app.state, "coop_store", None)
    if get is not None and holder is not None and registry_in_use(holder):
        try:
            cv = get()
        except Exception:
            cv = None
    site = getattr(app.state, "site", None)
    block = country_block(cv, iso3, site=site if isinstance(site, SiteData) else None)
    out = {**data, "country_voice": block}
    if isinstance(data.get("data"), list):
        out["data"] = with_corrections(data["data"], block["corrections"])
    return out


def with_corrections(
    rows: list[dict[str, Any]], corrections: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The profile's values (copies), each whose flags name an error report with
    ``correction``: the rule(s) that excluded or corrected the open data's value behind it."""
    by_report = {int(c["report_id"]): c for c in corrections if c.get("in_force")}
    out = []
    for row in rows:
        text = " ".join(str(f) for f in row.get("flags") or [])
        ids = [int(n) for n in re.findall(r"by error report #(\d+)", text)]
        if ids:
            row = {
                **row,
                "correction": [by_report.get(n) or {"report_id": n, "in_force": None} for n in ids],
            }
        out.append(row)
    return out


def review_router(
    holder: StoreHolder, get_voice: Callable[[], CountryVoice], site: SiteData
) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["country voice"], route_class=VoiceRoute)
    api = CoopApi(router, holder, None)
    Who = Annotated[Principal, Depends(api.principal)]

    @router.get(
        "/review/{iso3}",
        responses=_errors(401, 403, 404),
        summary="The draft profile for review: every value with provenance, the tier evidence",
    )
    def review(iso3: str, who: Who) -> dict[str, Any]:
        iso3 = iso3.upper()
        if who.role == Role.public and who.account_id is None:
            raise UnauthorisedError("sign in as the country's focal point or a reviewer")
        if not may_review(who, iso3):
            raise ForbiddenError(
                "the review page is for the country's own focal point, reviewers and administrators"
            )
        return review_data(site, get_voice(), who, iso3)

    return router


def review_data(site: SiteData, cv: CountryVoice, who: Principal, iso3: str) -> dict[str, Any]:
    """The draft profile: summary, tier and its evidence, every value with its provenance; the
    country's submissions (with their states and reasons), replies and the national view."""
    if iso3 not in site.countries:
        raise HTTPException(404, f"{iso3} not found")
    prof = site_views.country(site, iso3)
    block = country_block(cv, iso3, site=site)
    keep = ("iso3", "names", "year", "status", "score", "rank", "rank_band", "score_band")
    return {
        "draft": True,
        "view": "international",
        **{k: prof.get(k) for k in keep},
        "tier": prof.get("tier"),
        "tier_range": prof.get("tier_range"),
        "tier_detail": prof.get("tier_detail"),
        "pillars": prof.get("pillars"),
        "missing_pillars": prof.get("missing_pillars"),
        "values": with_corrections(list(prof.get("data") or []), block["corrections"]),
        "submissions": cv.store.submissions(who, country=iso3),
        "reports": cv.store.reports(country=iso3),
        "country_voice": block,
    }
