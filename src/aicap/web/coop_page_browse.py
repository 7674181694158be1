"""The cooperation registry's browsing pages: the registry (needs, offers, matches) and
one need's or offer's page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from aicap.warehouse.cooperation.store import (
    NotFoundError,
)
from aicap.web.coop_page_base import CoopPages
from aicap.web.coop_page_input import (
    DATASETS,
    _lang_prefix,
)
from aicap.web.cooperation import (
    PREFIX,
)


def add_browse_pages(p: CoopPages, lang: str) -> None:
    router = p.router
    get_store = p.get_store
    visitor = p.visitor
    render = p.render
    error_page = p.error_page
    allowed_moves = p.allowed_moves
    pre = _lang_prefix(lang)

    @router.get(pre + "/coop", response_class=HTMLResponse)
    def registry(request: Request, dataset: str = "all") -> Response:
        st = get_store()
        v = visitor(request, st)
        ds = dataset if dataset in DATASETS else "all"
        needs = st.records("need", dataset=ds)
        offers = st.records("offer", dataset=ds)
        matches = st.records("match", dataset=ds)
        need_by = {n["id"]: n for n in needs}
        offer_by = {o["id"]: o for o in offers}
        d = {
            "dataset": ds,
            "needs": needs,
            "offers": offers,
            "matches": matches,
            "need_by": need_by,
            "offer_by": offer_by,
            "any_demo": any(r["fictitious"] for r in [*needs, *offers, *matches]),
            "counts": st.counts(),
        }
        return render(
            request,
            lang,
            "coop_registry.html",
            v,
            "",
            d=d,
            query={"dataset": ds if ds != "all" else ""},
            api=f"{PREFIX}/needs?dataset={ds}",
            apis={
                "needs": f"{PREFIX}/needs?dataset={ds}",
                "offers": f"{PREFIX}/offers?dataset={ds}",
                "matches": f"{PREFIX}/matches?dataset={ds}",
            },
        )

    def record_page(request: Request, kind: str, rid: int) -> Response:
        """A need's or an offer's page: the record, its matches and their counterparts
        (offers for a need, needs for an offer), the moves the visitor may make."""
        other = "offer" if kind == "need" else "need"
        st = get_store()
        v = visitor(request, st)
        try:
            rec = st.get(kind, rid)
        except NotFoundError as exc:
            return error_page(request, lang, v, exc)
        matches = st.records("match", filters={f"{kind}_id": rid})
        return render(
            request,
            lang,
            f"coop_{kind}.html",
            v,
            f"/{kind}/{rid}",
            d={
                kind: rec,
                "matches": matches,
                f"{other}s": {m[f"{other}_id"]: st.get(other, m[f"{other}_id"]) for m in matches},
                "moves": {m["id"]: allowed_moves(st, v, m) for m in matches},
                "can_edit": v.signed_in and st.may_edit(v.who, kind, rid),
            },
            api=f"{PREFIX}/{kind}s/{rid}",
        )

    @router.get(pre + "/coop/need/{rid}", response_class=HTMLResponse)
    def need_page(request: Request, rid: int) -> Response:
        return record_page(request, "need", rid)

    @router.get(pre + "/coop/offer/{rid}", response_class=HTMLResponse)
    def offer_page(request: Request, rid: int) -> Response:
        return record_page(request, "offer", rid)
