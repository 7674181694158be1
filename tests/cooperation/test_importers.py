"""IATI Datastore and OECD CRS importers against recorded responses (respx; no network),
including error responses, and their effect on the registry and accountability view."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from aicap.analysis.cooperate.service import accountability, default_vocabulary
from aicap.sources.http import FetchError, LiveClient
from aicap.warehouse.cooperation.importers import (
    CRS_URL,
    IATI_URL,
    fetch_crs,
    fetch_iati_datastore,
)
from aicap.warehouse.cooperation.store import SYSTEM, CoopStore

FIX = Path(__file__).with_name("fixtures")
ISO3 = {"KE": "KEN", "MW": "MWI", "SN": "SEN"}


def client() -> LiveClient:
    return LiveClient(retries=2, backoff=0.0, sleep=lambda s: None)


@respx.mock
def test_iati_datastore_import_with_a_retried_503(tmp_path: Path) -> None:
    body = (FIX / "iati_datastore_ict.json").read_bytes()
    route = respx.get(url__startswith=IATI_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=body)]
    )
    items = fetch_iati_datastore(client(), ISO3, key="secret", rows=100)
    assert route.call_count == 2
    req = route.calls.last.request
    assert req.headers["Ocp-Apim-Subscription-Key"] == "secret"
    assert "sector_code" in str(req.url) and "22040" in str(req.url)
    first, second = items
    act, flows, results = first
    assert act["recipient_iso3"] == "KEN" and act["provider_org"] == "UK FCDO"
    assert act["sectors"] == ["22040", "22020"]
    # type 4 (expenditure) and the GBP disbursement are skipped
    assert [(f["kind"], f["amount"]) for f in flows] == [
        ("commitment", 1_200_000.0),
        ("disbursement", 300_000.0),
    ]
    assert results[0]["target"] == 150 and results[0]["actual"] == 90
    assert second[1] == []  # parallel arrays of unequal length: transactions skipped
    st = CoopStore.open(f"sqlite:///{tmp_path / 'c.sqlite'}", default_vocabulary())
    counts = st.upsert_activities(SYSTEM, items)
    assert counts == {"created": 2, "replaced": 0, "kept": 0, "flows": 2, "results": 1}
    view = accountability(st, by="country")
    ken = next(r for r in view["rows"] if r["country"] == "KEN")
    assert ken["committed_usd"] == 1_200_000 and ken["sources"] == ["iati"]


@respx.mock
def test_iati_datastore_errors_are_clear() -> None:
    respx.get(url__startswith=IATI_URL).mock(
        return_value=httpx.Response(401, json={"statusCode": 401, "message": "Access denied"})
    )
    with pytest.raises(FetchError, match="HTTP 401"):
        fetch_iati_datastore(client(), ISO3, key="bad")


@respx.mock
def test_iati_datastore_html_error_page_is_refused() -> None:
    respx.get(url__startswith=IATI_URL).mock(
        return_value=httpx.Response(200, text="<html><body>Maintenance</body></html>")
    )
    with pytest.raises(FetchError, match="HTML page"):
        fetch_iati_datastore(client(), ISO3, key="k")


@respx.mock
def test_crs_sdmx_import(tmp_path: Path) -> None:
    body = (FIX / "oecd_crs_ict.csv").read_bytes()
    route = respx.get(url__startswith=CRS_URL).mock(return_value=httpx.Response(200, content=body))
    items = fetch_crs(client(), start_period=2021)
    url = str(route.calls.last.request.url)
    assert "DSD_CRS@DF_CRS" in url and ("22010%2B22020" in url or "22010+22020" in url)
    assert "format=csvfile" in url
    by_id = {a["iati_identifier"]: (a, f) for a, f, _ in items}
    fra, fra_flows = by_id["CRS-FRA-SEN"]
    assert fra["recipient_iso3"] == "SEN" and sorted(fra["sectors"]) == ["22020", "22040"]
    assert sorted((f["kind"], f["amount"]) for f in fra_flows) == [
        ("commitment", 4_000_000.0),
        ("disbursement", 1_250_000.0),
        ("disbursement", 2_500_000.0),
    ]
    assert len(by_id["CRS-DEU-KEN"][1]) == 1  # the empty 2023 value is skipped
    st = CoopStore.open(f"sqlite:///{tmp_path / 'c.sqlite'}", default_vocabulary())
    st.upsert_activities(SYSTEM, items)
    view = accountability(st, by="provider")
    fra_row = next(r for r in view["rows"] if r["provider"] == "FRA")
    assert fra_row["disbursed_usd"] == 3_750_000 and fra_row["sources"] == ["crs"]


@respx.mock
def test_crs_server_error_after_retries() -> None:
    route = respx.get(url__startswith=CRS_URL).mock(return_value=httpx.Response(500))
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_crs(client())
    assert route.call_count == 3
