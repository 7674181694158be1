"""The cooperation API's record collections (needs, offers, activities, commitments,
disbursements, deliveries, results): list, read, create, edit, delete."""

from typing import Annotated, Any

from fastapi import Body, Depends, Query
from pydantic import BaseModel, Field, create_model

from aicap.analysis.cooperate.evidence import need_derived
from aicap.analysis.cooperate.service import (
    country_facts,
)
from aicap.warehouse.cooperation.schemas import (
    FlowIn,
    FlowKind,
)
from aicap.warehouse.cooperation.store import (
    CoopStore,
    InvalidInputError,
    NotFoundError,
    Principal,
)
from aicap.web.coop_api_base import (
    COLLECTIONS,
    MAX_ID,
    WRITE_ERRORS,
    CoopApi,
    Dataset,
    Id,
    OptVersion,
    Patch,
    _errors,
    redact,
)
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle


def add_record_routes(api: CoopApi) -> None:
    router, get_store, evidence = api.router, api.get_store, api.evidence
    Who = Annotated[Principal, Depends(api.principal)]
    Store = Annotated[CoopStore, Depends(get_store)]

    # ------------------------------------------------------------ generic collections
    def add_collection(name: str, entity: str, schema: type[BaseModel], kind: str | None) -> None:
        if kind is not None:  # the kind is the collection's: optional in the body
            schema = create_model(
                f"{kind.title()}In",
                __base__=FlowIn,
                kind=(FlowKind, Field(FlowKind(kind), description=f"always {kind}")),
            )

        def fix_kind(data: dict[str, Any]) -> dict[str, Any]:
            if kind is not None:
                if data.get("kind", kind) != kind:
                    raise InvalidInputError(
                        "invalid input",
                        [{"loc": ["body", "kind"], "msg": f"{name} have kind {kind}"}],
                    )
                data["kind"] = kind
            return data

        def check_kind(rec: dict[str, Any]) -> dict[str, Any]:
            if kind is not None and rec.get("kind") != kind:
                raise NotFoundError(f"{name[:-1]} {rec['id']} not found")
            return rec

        @router.get(f"/{name}", summary=f"List {name}", name=f"list_{name}")
        def list_all(
            st: Store,
            who: Who,
            dataset: Dataset = "all",
            limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
            offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        ) -> list[dict[str, Any]]:
            return redact(
                who,
                st.records(
                    entity,
                    dataset=dataset,
                    filters={"kind": kind} if kind else None,
                    limit=limit,
                    offset=offset,
                ),
            )

        @router.get(f"/{name}/{{rid}}", responses=_errors(404), name=f"get_{name}")
        def get_one(rid: Id, st: Store, who: Who) -> dict[str, Any]:
            return redact(who, check_kind(st.get(entity, rid)))

        def create_one(who: Who, st: Store, body: Annotated[schema, Body()]) -> dict[str, Any]:
            data = fix_kind(body.model_dump(mode="json"))
            derived = None
            if entity == "need" and who.can_write:
                derived = need_derived(data.get("country_iso3"), evidence, country_facts())
            return st.create(who, entity, data, derived=derived)

        router.add_api_route(
            f"/{name}",
            create_one,
            methods=["POST"],
            status_code=201,
            responses=WRITE_ERRORS,
            summary=f"Create one of the {name}",
            name=f"create_{name}",
        )

        @router.patch(f"/{name}/{{rid}}", responses=WRITE_ERRORS, name=f"patch_{name}")
        def patch_one(rid: Id, body: Patch, who: Who, st: Store) -> dict[str, Any]:
            rec = check_kind(st.get(entity, rid))
            data = body.model_dump()
            version = data.pop("version")
            if kind is not None:
                fix_kind(data)
            derived = None
            if entity == "need" and data.get("country_iso3", rec["country_iso3"]) != rec.get(
                "country_iso3"
            ):  # another country: its diagnosis, not the old one's
                derived = need_derived(data["country_iso3"], evidence, country_facts())
            return st.update(who, entity, rid, data, version, derived=derived)

        @router.delete(f"/{name}/{{rid}}", responses=WRITE_ERRORS, name=f"delete_{name}")
        def delete_one(rid: Id, who: Who, st: Store, version: OptVersion = None) -> dict[str, Any]:
            check_kind(st.get(entity, rid))
            st.delete(who, entity, rid, version)
            return {"deleted": rid}

    for name, (entity, schema, kind) in COLLECTIONS.items():
        add_collection(name, entity, schema, kind)
