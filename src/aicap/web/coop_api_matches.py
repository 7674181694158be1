"""The cooperation API's matches: list, matchmaking proposals, edit, delete, accept,
decline and the other transitions."""

from typing import Annotated, Any

from fastapi import Depends, Query, Response

from aicap.analysis.cooperate.service import (
    country_facts,
    run_matchmaking,
    summarise,
)
from aicap.warehouse.cooperation.store import (
    CoopStore,
    ForbiddenError,
    Principal,
)
from aicap.web.coop_api_base import (
    MAX_ID,
    WRITE_ERRORS,
    CoopApi,
    Dataset,
    DecisionIn,
    Id,
    OptVersion,
    Patch,
    ProposeIn,
    TransitionIn,
    _errors,
    redact,
)
from aicap.web.coop_jobs import Progress
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle


def add_match_routes(api: CoopApi) -> None:
    router, get_store, as_job = api.router, api.get_store, api.as_job
    Who = Annotated[Principal, Depends(api.principal)]
    Store = Annotated[CoopStore, Depends(get_store)]

    # ------------------------------------------------------------ matches
    @router.get("/matches", summary="Matches (proposals and their states)")
    def list_matches(
        st: Store,
        who: Who,
        dataset: Dataset = "all",
        state: Annotated[str | None, Query(max_length=24)] = None,
        need_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        offer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        filters = {"state": state, "need_id": need_id, "offer_id": offer_id}
        return redact(who, st.records("match", dataset=dataset, filters=filters))

    @router.post(
        "/matches/propose",
        responses=WRITE_ERRORS,
        summary="Run matchmaking (admin): explainable scores, global optimal assignment",
    )
    async def propose(body: ProposeIn, who: Who, st: Store) -> Response:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator may run matchmaking")

        def work(progress: Progress) -> dict[str, Any]:
            result, saved = run_matchmaking(
                st,
                who,
                dataset=body.dataset,
                on=body.on,
                save=body.save,
                facts=country_facts(),
                progress=progress,
            )
            return summarise(result, saved)

        return await as_job("matchmaking", who, work, body.background)

    @router.get("/matches/{mid}", responses=_errors(404), summary="One match with its terms")
    def get_match(mid: Id, st: Store, who: Who) -> dict[str, Any]:
        return redact(who, st.get("match", mid))

    @router.patch("/matches/{mid}", responses=WRITE_ERRORS, summary="Edit a match's note")
    def patch_match(mid: Id, body: Patch, who: Who, st: Store) -> dict[str, Any]:
        data = body.model_dump()
        version = data.pop("version")
        return st.update(who, "match", mid, data, version)

    @router.delete("/matches/{mid}", responses=WRITE_ERRORS, summary="Delete a match (admin)")
    def delete_match(mid: Id, who: Who, st: Store, version: OptVersion = None) -> dict[str, Any]:
        st.delete(who, "match", mid, version)
        return {"deleted": mid}

    @router.post("/matches/{mid}/accept", responses=WRITE_ERRORS, summary="Accept a proposal")
    def accept(mid: Id, body: DecisionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, "accepted", body.version, body.note)

    @router.post("/matches/{mid}/decline", responses=WRITE_ERRORS, summary="Decline a match")
    def decline(mid: Id, body: DecisionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, "declined", body.version, body.note)

    @router.post(
        "/matches/{mid}/transition",
        responses=WRITE_ERRORS,
        summary="Move a match along its states (illegal transitions get 409)",
    )
    def transition(mid: Id, body: TransitionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, body.state, body.version, body.note)
