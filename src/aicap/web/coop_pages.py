"""HTML pages of the cooperation registry (issue 9), in the six UN languages, each with its
JSON twin under ``/api/coop``:

* ``/coop``: needs, offers and matches with their states (``?dataset=all|real|demo``);
* ``/coop/need/{id}`` (with its evidence snapshot and its matches), ``/coop/offer/{id}``,
  ``/coop/match/{id}`` (every score term, accept and decline forms);
* ``/coop/accountability?by=provider|country|modality&dataset=real|demo``: pledged vs
  disbursed vs results;
* ``/coop/login`` and ``/coop/logout`` (a session cookie, the same as ``POST
  /api/coop/auth/login``; 5 failed sign-ins of an account or a client in 15 minutes: 429),
  ``/coop/needs/new`` and ``/coop/offers/new`` (forms);
* ``/coop/need/{id}/edit``, ``/coop/offer/{id}/edit`` and ``.../status`` (edit, close,
  withdraw, reopen; each form carries the record's ``version``: a stale one gets 409);
* on ``/coop/match/{id}``: accept / decline, the other moves of the match's life
  (``/transition``), and commitments, disbursements, deliveries (``/flow``) and results
  (``/result``) recorded against it, shown there with their totals;
* ``/coop/matching`` (administrators): run matchmaking (or a dry run) and see every proposal
  with every score term.

Forms are plain HTML (no JavaScript needed). Every POST carries a CSRF token: the session's
(the one the API checks) once signed in; before sign-in a random token in a cookie and the
form (double submit). Writes go through :class:`CoopStore`, so the roles are the API's
(focal point: its country's needs; partner: its organisation's offers; the public: no
writes); a refusal is a 403 page, bad input re-renders the form with 422 and each message
beside its field, with what the user typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI

from aicap.analysis.cooperate.evidence import EvidenceSource
from aicap.warehouse.cooperation.store import (
    CoopStore,
)
from aicap.web import i18n
from aicap.web.coop_page_auth import add_auth_pages
from aicap.web.coop_page_base import CoopPages, page_kit
from aicap.web.coop_page_browse import add_browse_pages
from aicap.web.coop_page_forms import add_form_pages
from aicap.web.coop_page_matches import add_match_pages
from aicap.web.coop_throttle import LoginThrottle
from aicap.web.cooperation import (
    StoreHolder,
    build_router,
)
from aicap.web.data import SiteData
from aicap.web.render import Renderer


def mount(
    app: FastAPI,
    site: SiteData,
    renderer: Renderer,
    store: CoopStore | Callable[[], CoopStore] | None = None,
    evidence: EvidenceSource | None = None,
) -> StoreHolder:
    """Mount the cooperation API (``/api/coop``) and its pages on ``app``; both share one
    store and one evidence source (the site's diagnosis, cached per country)."""
    holder = store if isinstance(store, StoreHolder) else StoreHolder(store)
    ev = evidence if evidence is not None else EvidenceSource(site.diagnosis_data)
    app.include_router(build_router(holder, ev))
    app.include_router(build_pages(holder, renderer, site, ev, holder.throttle))
    app.state.coop_store = holder
    app.state.coop_evidence = ev
    return holder


def build_pages(
    get_store: Callable[[], CoopStore],
    renderer: Renderer,
    site: SiteData,
    evidence: EvidenceSource | None = None,
    throttle: LoginThrottle | None = None,
) -> APIRouter:
    pages = page_kit(get_store, renderer, site, evidence, throttle)
    for lang in i18n.LANGS:
        add_browse_pages(pages, lang)
        add_match_pages(pages, lang)
        add_auth_pages(pages, lang)
        add_form_pages(pages, lang)
    return pages.router


__all__ = ["CoopPages", "build_pages", "mount"]
