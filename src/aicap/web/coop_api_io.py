"""The cooperation API's public accountability view, the admin audit log, IATI 2.03 XML
and CSV export and import (as background jobs) and the jobs themselves."""

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse

from aicap.analysis.cooperate.service import (
    accountability,
    country_facts,
)
from aicap.warehouse.cooperation.iati import IatiError, from_csv, from_iati_xml, to_csv, to_iati_xml
from aicap.warehouse.cooperation.store import (
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Principal,
)
from aicap.web.coop_api_base import (
    MAX_ID,
    WRITE_ERRORS,
    Background,
    CoopApi,
    Dataset,
    _errors,
)
from aicap.web.coop_jobs import Progress
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle


def add_io_routes(api: CoopApi) -> None:
    router, get_store, as_job = api.router, api.get_store, api.as_job
    Who = Annotated[Principal, Depends(api.principal)]
    Store = Annotated[CoopStore, Depends(get_store)]

    # ------------------------------------------------------------ accountability, audit
    @router.get("/accountability", summary="Pledged vs disbursed vs results (public)")
    def account_view(
        st: Store,
        by: Annotated[str, Query(pattern=r"^(provider|country|modality)$")] = "provider",
        dataset: Annotated[str, Query(pattern=r"^(real|demo)$")] = "real",
    ) -> dict[str, Any]:
        return accountability(st, by=by, dataset=dataset)

    @router.get(
        "/audit",
        responses=_errors(401, 403),
        summary="The audit log (admin), a page at a time; X-Total-Count: all matching entries",
    )
    def audit(
        who: Who,
        st: Store,
        response: Response,
        entity: Annotated[str | None, Query(max_length=20)] = None,
        entity_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        order: Annotated[str, Query(pattern=r"^(oldest|newest)$")] = "oldest",
    ) -> list[dict[str, Any]]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads the audit log")
        response.headers["X-Total-Count"] = str(st.audit_count(entity=entity, entity_id=entity_id))
        return st.audit(
            entity=entity,
            entity_id=entity_id,
            limit=limit,
            offset=offset,
            newest_first=order == "newest",
        )

    # ------------------------------------------------------------ IATI and CSV
    def iso_maps() -> tuple[dict[str, str], dict[str, str]]:
        facts = country_facts()
        iso2 = {k: v["iso2"] for k, v in facts.items() if v.get("iso2")}
        return iso2, {v: k for k, v in iso2.items()}

    @router.get(
        "/export/iati.xml",
        response_class=Response,
        responses=_errors(404),
        summary="IATI 2.03 activity XML (validated against the schema; 404: no activities)",
    )
    def export_iati(st: Store, dataset: Dataset = "real") -> Response:
        activities = st.activities_full(dataset)
        if not activities:  # an IATI file holds at least one activity
            raise NotFoundError(
                f"no activities in the {dataset} dataset yet: an IATI file holds at least one"
            )
        try:
            xml = to_iati_xml(activities, iso_maps()[0])
        except IatiError as exc:
            raise InvalidInputError(str(exc), exc.problems) from None
        return Response(xml, media_type="application/xml")

    @router.get("/export/activities.csv", response_class=PlainTextResponse, summary="CSV")
    def export_csv(st: Store, dataset: Dataset = "real") -> PlainTextResponse:
        return PlainTextResponse(
            to_csv(st.activities_full(dataset)), media_type="text/csv; charset=utf-8"
        )

    @router.post(
        "/import/iati",
        responses=WRITE_ERRORS,
        summary="Import IATI 2.03 activity XML (admin; validated; all or nothing)",
        openapi_extra={
            "requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}
        },
    )
    async def import_iati(
        request: Request, who: Who, st: Store, background: Background = False
    ) -> Response:
        if who.role.value != "administrator":  # before the body is read
            raise ForbiddenError("only an administrator may import activities")
        body = await request.body()

        def work(progress: Progress) -> dict[str, Any]:
            try:
                items = from_iati_xml(body, iso_maps()[1], source="iati")
            except IatiError as exc:
                raise InvalidInputError(str(exc), exc.problems) from None
            return st.upsert_activities(who, items, progress=progress)

        return await as_job("import-iati", who, work, background)

    @router.post(
        "/import/activities.csv",
        responses=WRITE_ERRORS,
        summary="Import the CSV of /export/activities.csv (admin; all or nothing)",
        openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def import_csv(
        request: Request, who: Who, st: Store, background: Background = False
    ) -> Response:
        if who.role.value != "administrator":  # before the body is read
            raise ForbiddenError("only an administrator may import activities")
        body = await request.body()

        def work(progress: Progress) -> dict[str, Any]:
            try:
                items = from_csv(body.decode("utf-8-sig"))
            except (IatiError, UnicodeDecodeError) as exc:
                raise InvalidInputError(str(exc)) from None
            return st.upsert_activities(who, items, progress=progress)

        return await as_job("import-csv", who, work, background)

    @router.get("/jobs", responses=_errors(401, 403), summary="Background jobs (admin)")
    def list_jobs(who: Who) -> list[dict[str, Any]]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads jobs")
        return [j.as_dict() for j in get_store.jobs.all()]

    @router.get(
        "/jobs/{job_id}",
        responses=_errors(401, 403, 404),
        summary="A background job: state, progress, result or error (admin)",
    )
    def get_job(
        job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], who: Who
    ) -> dict[str, Any]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads jobs")
        job = get_store.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"job {job_id} not found (jobs live in the server's memory)")
        return job.as_dict()
