"""The cooperation registry's match pages: a match with every score term, the commitments,
disbursements, deliveries and results recorded against it, its moves (accept, decline,
transitions), the accountability view (pledged vs disbursed vs results) and matchmaking."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from aicap.analysis.cooperate.match import WEIGHTS
from aicap.analysis.cooperate.service import accountability, country_facts, run_matchmaking
from aicap.warehouse.cooperation.schemas import (
    CapacityUnit,
    FlowKind,
    Role,
)
from aicap.warehouse.cooperation.store import (
    ConflictError,
    CoopError,
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    _validation_detail,
)
from aicap.web import i18n
from aicap.web.coop_page_base import CoopPages
from aicap.web.coop_page_input import (
    BY,
    DECISIONS,
    MEASURES,
    RECORDABLE,
    RESULT_TYPES,
    Visitor,
    _field_errors,
    _lang_prefix,
    _safe_next,
    _sum_flows,
    _version,
    coop_url,
    flow_input,
    form_values,
    result_input,
)
from aicap.web.cooperation import (
    PREFIX,
    ProposeIn,
)


def add_match_pages(p: CoopPages, lang: str) -> None:
    router = p.router
    get_store = p.get_store
    visitor = p.visitor
    check_csrf = p.check_csrf
    render = p.render
    error_page = p.error_page
    redirect = p.redirect
    pre = _lang_prefix(lang)

    def match_view(
        request: Request,
        st: CoopStore,
        v: Visitor,
        rid: int,
        *,
        status: int = 200,
        which: str = "",
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        problem: str | None = None,
    ) -> Response:
        try:
            match = st.get("match", rid)
        except NotFoundError as exc:
            return error_page(request, lang, v, exc)
        targets = st.allowed_targets(v.who, rid) if v.signed_in else []
        sides = st.match_sides(v.who, rid) if v.signed_in else frozenset()
        activity = st.activity_of_match(rid)
        recordable = match["state"] in RECORDABLE
        d = {
            "match": match,
            "need": st.get("need", match["need_id"]),
            "offer": st.get("offer", match["offer_id"]),
            "moves": [t for t in targets if t in DECISIONS],
            "transitions": [t for t in targets if t not in DECISIONS],
            "activity": activity,
            "sums": _sum_flows(activity),
            "can_flow": recordable and bool(sides & {"admin", "offer_side"}),
            "can_result": recordable and bool(sides),
            "flow_kinds": [k.value for k in FlowKind],
            "units": [u.value for u in CapacityUnit],
            "result_types": list(RESULT_TYPES),
            "measures": list(MEASURES),
            "today": date.today().isoformat(),
        }
        return render(
            request,
            lang,
            "coop_match.html",
            v,
            f"/match/{rid}",
            status=status,
            d=d,
            which=which,
            values=dict(values or {}),
            errors=dict(errors or {}),
            problem=problem,
            api=f"{PREFIX}/matches/{rid}",
        )

    @router.get(pre + "/coop/match/{rid}", response_class=HTMLResponse)
    def match_page(request: Request, rid: int) -> Response:
        st = get_store()
        return match_view(request, st, visitor(request, st), rid)

    def record_on_match(kind: str) -> Callable[[Request, int], Any]:
        """POST a flow or a result against a match; the form carries the match's version
        (a match changed since the page was read gets 409)."""

        async def post(request: Request, rid: int) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            values = form_values(form)
            values.pop("csrf_token", None)
            try:
                check_csrf(v, form)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            if not v.signed_in:
                return error_page(
                    request, lang, v, ForbiddenError("the public reads but cannot write")
                )
            _ = i18n.gettext_for(lang)
            try:
                version = _version(form)
                data = flow_input(form, rid) if kind == "flow" else result_input(form, rid)
                st.create(v.who, kind, data, match_version=version)
            except InvalidInputError as exc:
                return match_view(
                    request, st, v, rid, status=422, which=kind, values=values,
                    errors=_field_errors(exc),
                    problem=_("Please correct the fields marked below."),
                )  # fmt: skip
            except (ForbiddenError, ConflictError) as exc:
                msg = exc.message
                if isinstance(exc, ConflictError):
                    msg = _("This match was changed since you loaded the page.") + " " + msg
                return match_view(
                    request, st, v, rid, status=exc.status, which=kind, values=values,
                    problem=msg,
                )  # fmt: skip
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            return redirect(coop_url(lang, f"/match/{rid}") + f"#{kind}s")

        return post

    for kind in ("flow", "result"):
        router.add_api_route(
            pre + f"/coop/match/{{rid}}/{kind}",
            record_on_match(kind),
            methods=["POST"],
            response_class=HTMLResponse,
        )

    @router.post(pre + "/coop/match/{rid}/transition", response_class=HTMLResponse)
    async def move(request: Request, rid: int) -> Response:
        form = await request.form()
        return await decide(request, rid, str(form.get("state", "")).strip(), form)

    async def decide(
        request: Request, rid: int, state: str, form: FormData | None = None
    ) -> Response:
        st = get_store()
        v = visitor(request, st)
        form = form if form is not None else await request.form()
        try:
            check_csrf(v, form)
            version = _version(form)
            if not state:
                raise InvalidInputError(
                    "invalid input: state",
                    [{"loc": ["body", "state"], "msg": "choose the state to move to"}],
                )
            st.transition(v.who, rid, state, version, str(form.get("note", "")).strip())
        except CoopError as exc:
            return error_page(request, lang, v, exc)
        back = _safe_next(str(form.get("next", ""))) or coop_url(lang, f"/match/{rid}")
        return redirect(back)

    @router.post(pre + "/coop/match/{rid}/accept", response_class=HTMLResponse)
    async def accept(request: Request, rid: int) -> Response:
        return await decide(request, rid, "accepted")

    @router.post(pre + "/coop/match/{rid}/decline", response_class=HTMLResponse)
    async def decline(request: Request, rid: int) -> Response:
        return await decide(request, rid, "declined")

    @router.get(pre + "/coop/accountability", response_class=HTMLResponse)
    def account_page(request: Request, by: str = "provider", dataset: str = "real") -> Response:
        st = get_store()
        v = visitor(request, st)
        by = by if by in BY else "provider"
        ds = dataset if dataset in ("real", "demo") else "real"
        d = accountability(st, by=by, dataset=ds)
        counts = st.counts()
        d["demo_available"] = bool(counts["offer"].get("demo"))
        d["activities_total"] = counts["activity"].get(ds, 0)
        return render(
            request,
            lang,
            "coop_accountability.html",
            v,
            "/accountability",
            d=d,
            query={"by": by, "dataset": ds},
            api=f"{PREFIX}/accountability?by={by}&dataset={ds}",
        )

    # ---------------------------------------------------------------- matchmaking
    def matching_view(
        request: Request,
        st: CoopStore,
        v: Visitor,
        *,
        status: int = 200,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        problem: str | None = None,
        run: Mapping[str, Any] | None = None,
    ) -> Response:
        open_counts = {
            ds: {
                kind: sum(1 for r in st.records(kind, dataset=ds) if r["status"] == "open")
                for kind in ("need", "offer")
            }
            for ds in ("real", "demo")
        }
        d = {
            "last_run": {ds: st.last_run(ds) or "" for ds in ("real", "demo")},
            "open": open_counts,
            "weights": WEIGHTS,
            "terms": list(WEIGHTS),
            "run": run,
        }
        return render(
            request,
            lang,
            "coop_matching.html",
            v,
            "/matching",
            status=status,
            d=d,
            values=dict(values or {"dataset": "real", "save": "1"}),
            errors=dict(errors or {}),
            problem=problem,
            api=f"{PREFIX}/matches/propose",
        )

    @router.get(pre + "/coop/matching", response_class=HTMLResponse)
    def matching_page(request: Request) -> Response:
        st = get_store()
        v = visitor(request, st)
        if not v.signed_in:
            return redirect(coop_url(lang, "/login", next=coop_url(lang, "/matching")))
        if v.who.role != Role.administrator:
            return error_page(
                request, lang, v, ForbiddenError("only an administrator may run matchmaking")
            )
        return matching_view(request, st, v)

    @router.post(pre + "/coop/matching", response_class=HTMLResponse)
    async def matching_post(request: Request) -> Response:
        st = get_store()
        v = visitor(request, st)
        form = await request.form()
        values = form_values(form)
        values.pop("csrf_token", None)
        _ = i18n.gettext_for(lang)
        try:
            check_csrf(v, form)
            st.require_admin(v.who, "run matchmaking")
        except CoopError as exc:
            return error_page(request, lang, v, exc)
        try:
            body = ProposeIn.model_validate(
                {
                    "dataset": str(form.get("dataset", "")).strip(),
                    "on": str(form.get("on", "")).strip() or None,
                    "save": bool(form.get("save")),
                }
            )
        except ValidationError as exc:
            return matching_view(
                request, st, v, status=422, values=values,
                errors=_field_errors(InvalidInputError("", _validation_detail(exc))),
                problem=_("Please correct the fields marked below."),
            )  # fmt: skip
        seen = str(form.get(f"after_run:{body.dataset}", ""))
        try:
            result, saved = await run_in_threadpool(  # never on the event loop (F9)
                run_matchmaking,
                st,
                v.who,
                dataset=body.dataset,
                on=body.on,
                save=body.save,
                facts=country_facts(),
                after_run=seen if body.save else None,
            )
        except ConflictError as exc:
            problem = _("Matchmaking was run by someone else since you loaded this page.")
            return matching_view(
                request, st, v, status=409, values=values, problem=f"{problem} {exc.message}"
            )
        except CoopError as exc:
            return error_page(request, lang, v, exc)
        ids = {(m["need_id"], m["offer_id"]): m["id"] for m in saved}
        needs = {n["id"]: n for n in st.records("need", dataset=body.dataset)}
        offers = {o["id"]: o for o in st.records("offer", dataset=body.dataset)}
        proposals = [
            {
                **c.as_proposal(),
                "match_id": ids.get((c.need_id, c.offer_id)),
                "need": needs.get(c.need_id),
                "offer": offers.get(c.offer_id),
            }
            for c in result.chosen
        ]
        run = {
            "dataset": body.dataset,
            "on": (body.on or date.today()).isoformat(),
            "saved": body.save,
            "run_id": saved[0]["run_id"] if saved else None,
            "method": result.method,
            "objective": result.objective,
            "candidates": len(result.candidates),
            "proposals": proposals,
            "excluded": [
                {**e, "need": needs.get(e["need_id"]), "offer": offers.get(e["offer_id"])}
                for e in result.excluded
            ],
        }
        return matching_view(request, st, v, values=values, run=run)
