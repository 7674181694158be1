"""The cooperation registry's record forms: new needs and offers, editing them and
changing their status (close, withdraw, reopen), each with the record's version."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from aicap.analysis.cooperate.evidence import need_derived
from aicap.analysis.cooperate.service import country_facts
from aicap.warehouse.cooperation.schemas import (
    Role,
)
from aicap.warehouse.cooperation.store import (
    ConflictError,
    CoopError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from aicap.web import i18n
from aicap.web.coop_page_base import CoopPages
from aicap.web.coop_page_input import (
    CONDITION_KEYS,
    RECORD_STATUS,
    Visitor,
    _field_errors,
    _lang_prefix,
    _version,
    coop_url,
    form_values,
    need_input,
    offer_input,
    record_values,
)
from aicap.web.cooperation import (
    PREFIX,
)


def add_form_pages(p: CoopPages, lang: str) -> None:
    router = p.router
    get_store = p.get_store
    evidence = p.evidence
    visitor = p.visitor
    check_csrf = p.check_csrf
    render = p.render
    error_page = p.error_page
    redirect = p.redirect
    form_context = p.form_context
    pre = _lang_prefix(lang)

    # ---------------------------------------------------------------- record forms
    def record_form(
        request: Request,
        v: Visitor,
        kind: str,
        values: Mapping[str, Any],
        *,
        status: int = 200,
        errors: Mapping[str, Sequence[str]] | None = None,
        problem: str | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> Response:
        path = f"/{kind}/{record['id']}/edit" if record else f"/{kind}s/new"
        return render(
            request,
            lang,
            f"coop_{kind}_form.html",
            v,
            path,
            status=status,
            d=form_context(lang),
            values=values,
            errors=dict(errors or {}),
            problem=problem,
            record=record,
            form_action=coop_url(lang, path),
            statuses=list(RECORD_STATUS),
            api=f"{PREFIX}/{kind}s/{record['id']}" if record else f"{PREFIX}/{kind}s",
        )

    def may_open_form(request: Request, v: Visitor, kind: str) -> Response | None:
        if not v.signed_in:
            return redirect(coop_url(lang, "/login", next=coop_url(lang, f"/{kind}s/new")))
        who = v.who
        if who.role == Role.public or (
            who.role != Role.administrator
            and who.role != (Role.focal_point if kind == "need" else Role.partner)
        ):
            what = (
                "only a country focal point or an administrator records needs"
                if kind == "need"
                else "only a partner organisation or an administrator records offers"
            )
            return error_page(request, lang, v, ForbiddenError(what))
        return None

    def defaults(v: Visitor, kind: str) -> dict[str, Any]:
        if kind == "need":
            return {"country_iso3": v.who.country_iso3 or "", "priority": "2"}
        return {"provider_org": v.who.organisation or ""}

    def new_form(kind: str) -> Callable[[Request], Response]:
        def page(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            refused = may_open_form(request, v, kind)
            if refused is not None:
                return refused
            return record_form(request, v, kind, defaults(v, kind))

        return page

    def post_form(kind: str) -> Callable[[Request], Any]:
        async def post(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            values = form_values(form)
            values.pop("csrf_token", None)
            try:
                check_csrf(v, form)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            data = need_input(form) if kind == "need" else offer_input(form)
            try:
                derived = None
                if kind == "need" and v.who.can_write:
                    derived = need_derived(data["country_iso3"], evidence, country_facts())
                rec = st.create(v.who, kind, data, derived=derived)
            except InvalidInputError as exc:
                _ = i18n.gettext_for(lang)
                return record_form(
                    request,
                    v,
                    kind,
                    values,
                    status=422,
                    errors=_field_errors(exc),
                    problem=_("Please correct the fields marked below."),
                )
            except ForbiddenError as exc:
                if not v.signed_in:
                    return error_page(request, lang, v, exc)
                return record_form(request, v, kind, values, status=403, problem=exc.message)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            return redirect(coop_url(lang, f"/{kind}/{rec['id']}"))

        return post

    # ---------------------------------------------------------------- edit, close
    def edit_form(kind: str) -> Callable[[Request, int], Response]:
        def page(request: Request, rid: int) -> Response:
            st = get_store()
            v = visitor(request, st)
            if not v.signed_in:
                here = coop_url(lang, f"/{kind}/{rid}/edit")
                return redirect(coop_url(lang, "/login", next=here))
            try:
                rec = st.get(kind, rid)
            except NotFoundError as exc:
                return error_page(request, lang, v, exc)
            if not st.may_edit(v.who, kind, rid):
                what = (
                    "only the country's focal point or an administrator edits this need"
                    if kind == "need"
                    else "only the offer's partner organisation or an administrator edits it"
                )
                return error_page(request, lang, v, ForbiddenError(what))
            return record_form(request, v, kind, record_values(kind, rec), record=rec)

        return page

    def edit_post(kind: str) -> Callable[[Request, int], Any]:
        async def post(request: Request, rid: int) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            values = form_values(form)
            values.pop("csrf_token", None)
            try:
                check_csrf(v, form)
                rec = st.get(kind, rid)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            if not v.signed_in:
                return error_page(
                    request, lang, v, ForbiddenError("the public reads but cannot write")
                )
            _ = i18n.gettext_for(lang)
            data = need_input(form) if kind == "need" else offer_input(form)
            data["status"] = str(form.get("status", "")).strip() or rec["status"]
            if kind == "offer":  # conditions the form does not show are kept
                kept = {
                    k: c
                    for k, c in (rec.get("conditions") or {}).items()
                    if k not in (*CONDITION_KEYS, "other")
                }
                data["conditions"] = {**kept, **data["conditions"]}
            derived = None
            if kind == "need" and data["country_iso3"] != rec["country_iso3"]:
                derived = need_derived(data["country_iso3"], evidence, country_facts())
            try:
                version = _version(form)
                st.update(v.who, kind, rid, data, version, derived=derived)
            except InvalidInputError as exc:
                return record_form(
                    request, v, kind, values, status=422, errors=_field_errors(exc),
                    problem=_("Please correct the fields marked below."), record=rec,
                )  # fmt: skip
            except ForbiddenError as exc:
                return record_form(
                    request, v, kind, values, status=403, problem=exc.message, record=rec
                )
            except ConflictError as exc:
                problem = (
                    _(
                        "Someone else changed this record since you opened the form: "
                        "nothing was saved. Reload the form to see their version."
                    )
                    + " "
                    + exc.message
                )
                return record_form(
                    request, v, kind, values, status=409, problem=problem, record=rec
                )
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            return redirect(coop_url(lang, f"/{kind}/{rid}"))

        return post

    def status_post(kind: str) -> Callable[[Request, int], Any]:
        """Close, withdraw or reopen a need or an offer (the form carries its version)."""

        async def post(request: Request, rid: int) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            try:
                check_csrf(v, form)
                version = _version(form)
                status = str(form.get("status", "")).strip()
                st.update(v.who, kind, rid, {"status": status}, version)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            return redirect(coop_url(lang, f"/{kind}/{rid}"))

        return post

    for kind in ("need", "offer"):
        router.add_api_route(
            pre + f"/coop/{kind}/{{rid}}/edit",
            edit_form(kind),
            methods=["GET"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            pre + f"/coop/{kind}/{{rid}}/edit",
            edit_post(kind),
            methods=["POST"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            pre + f"/coop/{kind}/{{rid}}/status",
            status_post(kind),
            methods=["POST"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            pre + f"/coop/{kind}s/new",
            new_form(kind),
            methods=["GET"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            pre + f"/coop/{kind}s/new",
            post_form(kind),
            methods=["POST"],
            response_class=HTMLResponse,
        )
