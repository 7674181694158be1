"""Importers of existing cooperation flows, so that the registry and the accountability view
show who already funds what where.

* **IATI Datastore** (``https://api.iatistandard.org/datastore/activity/select``; Solr query
  syntax; a free subscription key sent as ``Ocp-Apim-Subscription-Key``): activities with a
  DAC 5-digit sector in ICT (22010 communications policy, 22020 telecommunications, 22030
  radio/television/print media, 22040 ICT), with participating organisations, recipient
  country, transactions and results. The Datastore returns each activity as one Solr document
  whose repeated fields are flattened into parallel arrays (``transaction_type``,
  ``transaction_value``, ...); we pair them by position and skip an activity whose arrays
  disagree in length. Only USD values are kept (no currency conversion).
* **OECD CRS** through SDMX (``https://sdmx.oecd.org/dcd-public/rest/data/
  OECD.DCD.FSD,DSD_CRS@DF_CRS,<version>/<key>``, ``format=csvfile``): aggregates by donor,
  recipient, sector, year. The key has ten dimensions, DONOR.RECIPIENT.SECTOR.MEASURE.
  CHANNEL.MODALITY.FLOW_TYPE.PRICE_BASE.MD_DIM.MD_ID; values are in USD millions
  (``UNIT_MULT`` 6) at the price base asked for. One registry activity per donor and
  recipient (``CRS-<donor>-<recipient>``), one flow per year: ``FLOW_TYPE`` C (commitments)
  or D (disbursements).

Both download through :func:`aicap.sources.http.get` (timeouts, retries with back-off,
Retry-After, clear errors for HTML pages, empty or truncated bodies).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import httpx

from aicap.sources.http import get

IATI_URL = "https://api.iatistandard.org/datastore/activity/select"
ICT_SECTORS = ("22010", "22020", "22030", "22040")
IATI_FIELDS = (
    "iati_identifier,title_narrative,reporting_org_ref,reporting_org_narrative,"
    "participating_org_ref,participating_org_role,participating_org_type,"
    "participating_org_narrative,recipient_country_code,sector_code,sector_vocabulary,"
    "activity_status_code,transaction_type,transaction_value,transaction_value_currency,"
    "transaction_transaction_date_iso_date,default_currency,"
    "result_indicator_title_narrative,result_indicator_baseline_value,"
    "result_indicator_baseline_year,result_indicator_period_target_value,"
    "result_indicator_period_actual_value,result_indicator_period_period_start_iso_date,"
    "result_indicator_period_period_end_iso_date"
)
CRS_URL = "https://sdmx.oecd.org/dcd-public/rest/data/OECD.DCD.FSD,DSD_CRS@DF_CRS,1.6/"
#: all DAC donors, all recipients, ICT purpose codes, ODA, totals, commitments and
#: disbursements, constant prices.
CRS_KEY = "DAC..22010+22020+22030+22040.100._T._T.C+D.Q._T."

Item = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


class ImportProblem(ValueError):  # noqa: N818 - a problem report, not only an exception
    """The publisher's answer is not what the importer expects (named, with the URL)."""


def iati_query(countries: list[str] | None = None) -> str:
    q = "sector_code:(" + " OR ".join(ICT_SECTORS) + ")"
    if countries:
        q += " AND recipient_country_code:(" + " OR ".join(countries) + ")"
    return q


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    v = doc.get(key)
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def parse_iati_datastore(body: bytes, iso3_of: Mapping[str, str]) -> tuple[list[Item], int]:
    """(activities, numFound) from one Datastore JSON page."""
    try:
        data = json.loads(body)
        docs = data["response"]["docs"]
        found = int(data["response"]["numFound"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ImportProblem(f"not a Datastore activity response: {exc}") from None
    items: list[Item] = []
    for doc in docs:
        ident = str(doc.get("iati_identifier") or "").strip()
        if not ident:
            continue
        refs = _list(doc, "participating_org_ref")
        roles = _list(doc, "participating_org_role")
        types = _list(doc, "participating_org_type")
        names = _list(doc, "participating_org_narrative")
        orgs = [
            {
                "role": str(roles[i]) if i < len(roles) else None,
                "ref": refs[i] if i < len(refs) else None,
                "type": str(types[i]) if i < len(types) else None,
                "name": names[i] if i < len(names) else "",
            }
            for i in range(max(len(roles), len(names)))
        ]
        funder = next((o for o in orgs if o["role"] == "1"), None)
        reporting = " ".join(str(x) for x in _list(doc, "reporting_org_narrative")[:1])
        countries = [iso3_of.get(str(c)) for c in _list(doc, "recipient_country_code")]
        sectors = [str(s) for s in _list(doc, "sector_code") if str(s).isdigit()]
        flows = []
        ttype = _list(doc, "transaction_type")
        tval = _list(doc, "transaction_value")
        tcur = _list(doc, "transaction_value_currency")
        tdate = _list(doc, "transaction_transaction_date_iso_date")
        default_cur = str(doc.get("default_currency") or "USD")
        if len(ttype) == len(tval) == len(tdate):
            for i, code in enumerate(ttype):
                kind = {"2": "commitment", "3": "disbursement"}.get(str(code))
                cur = str(tcur[i]) if i < len(tcur) and tcur[i] else default_cur
                if kind is None or cur != "USD" or float(tval[i]) <= 0:
                    continue
                flows.append(
                    {
                        "kind": kind,
                        "amount": float(tval[i]),
                        "unit": "USD",
                        "on_date": str(tdate[i])[:10],
                    }
                )
        results = []
        titles = _list(doc, "result_indicator_title_narrative")
        cols = {
            k: _list(doc, f"result_indicator_{k}")
            for k in (
                "baseline_value",
                "baseline_year",
                "period_target_value",
                "period_actual_value",
                "period_period_start_iso_date",
                "period_period_end_iso_date",
            )
        }
        if titles and all(len(v) == len(titles) for v in cols.values()):
            for i, title in enumerate(titles):
                results.append(
                    {
                        "indicator": str(title)[:500],
                        "baseline": _num(cols["baseline_value"][i]),
                        "baseline_year": int(cols["baseline_year"][i])
                        if str(cols["baseline_year"][i]).isdigit()
                        else None,
                        "target": _num(cols["period_target_value"][i]),
                        "actual": _num(cols["period_actual_value"][i]),
                        "period_start": str(cols["period_period_start_iso_date"][i])[:10],
                        "period_end": str(cols["period_period_end_iso_date"][i])[:10],
                    }
                )
        items.append(
            (
                {
                    "iati_identifier": ident[:200],
                    "source": "iati",
                    "title": " ".join(str(x) for x in _list(doc, "title_narrative")[:1])[:500],
                    "reporting_org_ref": str(doc.get("reporting_org_ref") or "")[:120],
                    "reporting_org_name": reporting[:300],
                    "provider_org": str((funder or {}).get("name") or reporting)[:300],
                    "participating_orgs": orgs,
                    "recipient_iso3": next((c for c in countries if c), None),
                    "sectors": sectors,
                    "status": str(doc.get("activity_status_code") or "2"),
                },
                flows,
                results,
            )
        )
    return items, found


def _num(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def fetch_iati_datastore(
    client: httpx.Client,
    iso3_of: Mapping[str, str],
    *,
    key: str,
    countries: list[str] | None = None,
    rows: int = 100,
    max_pages: int = 10,
) -> list[Item]:
    """Every page of ICT activities (``countries``: ISO2 recipient codes)."""
    items: list[Item] = []
    start = 0
    for _ in range(max_pages):
        params: dict[str, str | int] = {
            "q": iati_query(countries),
            "fl": IATI_FIELDS,
            "rows": rows,
            "start": start,
            "wt": "json",
        }
        body = _get_with_key(client, IATI_URL, params, key)
        page, found = parse_iati_datastore(body, iso3_of)
        items.extend(page)
        start += rows
        if start >= found or not page:
            break
    return items


def _get_with_key(client: httpx.Client, url: str, params: dict[str, str | int], key: str) -> bytes:
    client.headers["Ocp-Apim-Subscription-Key"] = key
    return get(client, url, params=params, expect="json")


def parse_crs_csv(body: bytes, iso3_of_crs: Mapping[str, str] | None = None) -> list[Item]:
    """Registry activities from an SDMX CSV of the CRS (see the module doc)."""
    text = body.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    need = {"DONOR", "RECIPIENT", "FLOW_TYPE", "TIME_PERIOD", "OBS_VALUE"}
    missing = need - set(reader.fieldnames or [])
    if missing:
        raise ImportProblem("CRS CSV lacks columns " + ", ".join(sorted(missing)))
    groups: dict[tuple[str, str], Item] = {}
    for row in reader:
        value = _num(row.get("OBS_VALUE"))
        if value is None or value <= 0:
            continue
        mult = int(row.get("UNIT_MULT") or 6)
        kind = {"C": "commitment", "D": "disbursement"}.get(row["FLOW_TYPE"])
        if kind is None:
            continue
        donor, recip = row["DONOR"], row["RECIPIENT"]
        key = (donor, recip)
        if key not in groups:
            iso3 = recip if len(recip) == 3 and recip.isalpha() else None
            if iso3_of_crs is not None:
                iso3 = iso3_of_crs.get(recip, iso3)
            groups[key] = (
                {
                    "iati_identifier": f"CRS-{donor}-{recip}",
                    "source": "crs",
                    "title": f"ICT aid (CRS 22010-22040) from {donor} to {recip}",
                    "reporting_org_ref": "OECD-DAC-CRS",
                    "reporting_org_name": "OECD Creditor Reporting System",
                    "provider_org": donor,
                    "provider_type": "government",
                    "participating_orgs": [{"role": "1", "ref": donor, "name": donor}],
                    "recipient_iso3": iso3,
                    "sectors": [row["SECTOR"]] if row.get("SECTOR", "").isdigit() else [],
                    "status": "2",
                },
                [],
                [],
            )
        act, flows, _ = groups[key]
        sector = row.get("SECTOR", "")
        if sector.isdigit() and sector not in act["sectors"]:
            act["sectors"].append(sector)
        flows.append(
            {
                "kind": kind,
                "amount": round(value * 10**mult, 2),
                "unit": "USD",
                "on_date": f"{str(row['TIME_PERIOD'])[:4]}-12-31",
                "description": f"CRS {row['TIME_PERIOD']} sector {sector} "
                f"(price base {row.get('PRICE_BASE', '?')})",
            }
        )
    return list(groups.values())


def fetch_crs(client: httpx.Client, *, key: str = CRS_KEY, start_period: int = 2018) -> list[Item]:
    body = get(
        client,
        CRS_URL + key,
        params={"startPeriod": start_period, "format": "csvfile"},
        expect="csv",
    )
    return parse_crs_csv(body)
