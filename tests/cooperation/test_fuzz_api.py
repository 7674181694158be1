"""A bounded schemathesis run over every operation of the cooperation API (issue 21): data
generated from the OpenAPI schema, valid and invalid, sent as an administrator (the deepest
access) and anonymously, on a SQLite registry with a match, an activity, flows and a result.
No response may be a 500, and every documented response must match its schema. Marked slow
(it still runs in CI); at most ``EXAMPLES`` cases per operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from coop_helpers import FAST_HASH, World, setup_match
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore

pytestmark = pytest.mark.slow
EXAMPLES = 12


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    st = CoopStore.open(f"sqlite:///{folder / 'c.sqlite'}", default_vocabulary(), hasher=FAST_HASH)
    w = World(st)
    m = setup_match(w)
    w.admin.post(f"/api/coop/matches/{m['id']}/accept", json={"version": m["version"]})
    r = w.acme.post(
        "/api/coop/commitments", json={"match_id": m["id"], "amount": 10, "on_date": "2026-01-01"}
    )
    assert r.status_code == 201, r.text
    yield w
    st.close()


def test_no_500_and_documented_shapes(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    token = world.admin.headers["Authorization"]
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 40, len(operations)  # every operation of the API
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            for headers in ({"Authorization": token}, {}):
                case.call_and_validate(
                    headers=headers, checks=[not_a_server_error, response_schema_conformance]
                )

        run()
