"""IATI 2.03 activity XML and CSV for the registry's activities, transactions and results.

:func:`to_iati_xml` writes ``iati-activities`` (version 2.03) with, per activity, the
identifier, reporting and participating organisations, title, description, status, start
date, recipient country (ISO 3166-1 alpha-2), sectors (DAC 5-digit codes under vocabulary 1,
catalogue intervention ids under vocabulary 99), the aicap modality as a ``tag``
(vocabulary 99), commitments (transaction type 2) and disbursements (type 3), and results
(type, indicator, measure, baseline, one period with target and actual). Every export is
validated against the IATI 2.03 schema shipped in ``iati_schema/`` (CC BY 4.0, see its
NOTICE.md) before it is returned; :func:`from_iati_xml` validates first too, so an invalid
file is refused with the schema's messages (line numbers included).

In-kind deliveries (GPU-hours, training seats, person-months) have no IATI transaction type:
they travel in the CSV only. Demonstration records carry an ``aicap:record`` element (a
foreign-namespace extension that the schema allows) with ``fictitious="true"``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

SCHEMA_DIR = Path(__file__).with_name("iati_schema")
AICAP_NS = "https://github.com/aicap/ns/cooperation"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TX_TYPES = {"commitment": "2", "disbursement": "3"}
TX_KINDS = {v: k for k, v in TX_TYPES.items()}
#: IATI OrganisationType codes for aicap's provider types.
ORG_TYPES = {
    "government": "10",
    "multilateral": "40",
    "development_bank": "40",
    "private_company": "70",
    "academia": "80",
    "civil_society": "22",
}
ORG_TYPES_BACK = {"10": "government", "40": "multilateral", "70": "private_company",
                  "80": "academia", "21": "civil_society", "22": "civil_society",
                  "23": "civil_society", "24": "civil_society", "11": "government",
                  "15": "government"}  # fmt: skip


class IatiError(ValueError):
    """The XML is not valid IATI 2.03 activity data; ``problems`` lists the schema's
    messages with their line numbers."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message + (": " + "; ".join(problems[:10]) if problems else ""))
        self.problems = list(problems)


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    doc = etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd"))
    return etree.XMLSchema(doc)


def validate(xml: bytes) -> etree._Element:
    """Parse and validate against the IATI 2.03 activity schema (no network, no entities)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise IatiError("not well-formed XML", [str(exc)]) from None
    doc: Any = root.getroottree().docinfo
    if doc.doctype or doc.internalDTD is not None:  # entities are never expanded: refuse
        raise IatiError("a DOCTYPE is not allowed in IATI activity XML", ["line 1: DOCTYPE"])
    xsd = schema()
    if not xsd.validate(root):
        log: Any = xsd.error_log
        problems = [f"line {e.line}: {e.message}" for e in log]
        raise IatiError("not valid IATI 2.03 activity XML", problems)
    return root


def _narrative(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    etree.SubElement(el, "narrative").text = text or "-"
    return el


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


_XML_STRIP = {c: None for c in range(0x20) if chr(c) not in "\t\n\r"} | {0xFFFE: None, 0xFFFF: None}


def sanitised(value: Any) -> Any:
    """``value`` with what XML 1.0 cannot carry removed: control characters and lone
    surrogates stripped from strings, numbers that are not finite made ``None``. The schemas
    refuse both on input; this keeps an export working for rows stored before they did."""
    if isinstance(value, str):
        out = value.translate(_XML_STRIP)
        return out if out.isascii() else out.encode("utf-8", "ignore").decode("utf-8")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: sanitised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitised(v) for v in value]
    return value


def to_iati_xml(activities: Sequence[Mapping[str, Any]], iso2_of: Mapping[str, str]) -> bytes:
    """IATI 2.03 XML for activities as returned by ``CoopStore.activities_full``; validated.
    Text is :func:`sanitised` first; a flow whose amount is not finite is left out."""
    activities = [sanitised(a) for a in activities]
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    root = etree.Element(
        "iati-activities", {"version": "2.03", "generated-datetime": now}, nsmap={"aicap": AICAP_NS}
    )
    for act in activities:
        a = etree.SubElement(
            root,
            "iati-activity",
            {
                "last-updated-datetime": str(act["updated_at"])[:19],
                XML_LANG: "en",
                "default-currency": "USD",
            },
        )
        etree.SubElement(a, "iati-identifier").text = act["iati_identifier"]
        ref = act["reporting_org_ref"] or "XM-AICAP"
        rep = etree.SubElement(a, "reporting-org", {"ref": ref, "type": "90"})
        etree.SubElement(rep, "narrative").text = act["reporting_org_name"] or ref
        _narrative(a, "title", act["title"])
        desc = _narrative(a, "description", _description(act))
        desc.set("type", "1")
        orgs = list(act.get("participating_orgs") or [])
        if not orgs:
            orgs = [{"role": "1", "name": act["provider_org"] or ref}]
        for org in orgs:
            attrs = {"role": str(org.get("role") or "1")}
            if org.get("ref"):
                attrs["ref"] = str(org["ref"])
            code = ORG_TYPES.get(str(org.get("type"))) or (
                str(org["type"]) if str(org.get("type", "")).isdigit() else None
            )
            if code:
                attrs["type"] = code
            p = etree.SubElement(a, "participating-org", attrs)
            etree.SubElement(p, "narrative").text = str(org.get("name") or "-")
        etree.SubElement(a, "activity-status", {"code": str(act["status"] or "2")})
        dates = sorted(str(f["on_date"]) for f in act["flows"]) or [str(act["created_at"])[:10]]
        etree.SubElement(a, "activity-date", {"type": "2", "iso-date": dates[0][:10]})
        iso2 = iso2_of.get(act["recipient_iso3"] or "")
        if iso2:
            etree.SubElement(a, "recipient-country", {"code": iso2, "percentage": "100"})
        elif act["recipient_iso3"]:
            raise IatiError(f"no ISO 3166-1 alpha-2 code for {act['recipient_iso3']}")
        sectors = list(act["sectors"] or [])
        for code in sectors:
            is_dac = str(code).isdigit() and len(str(code)) == 5
            attrs = {"vocabulary": "1" if is_dac else "99", "code": str(code)}
            if len(sectors) > 1:
                attrs["percentage"] = _num(round(100 / len(sectors), 2))
            if not is_dac:
                attrs["vocabulary-uri"] = AICAP_NS + "/interventions"
            etree.SubElement(a, "sector", attrs)
        if sectors and len(sectors) > 1:
            _fix_percentages(a, "sector", len(sectors))
        if act.get("modality"):
            t = etree.SubElement(
                a,
                "tag",
                {
                    "vocabulary": "99",
                    "vocabulary-uri": AICAP_NS + "/modality",
                    "code": act["modality"],
                },
            )
            etree.SubElement(t, "narrative").text = act["modality"].replace("_", "-")
        for f in act["flows"]:
            if f["kind"] not in TX_TYPES or f["amount"] is None:
                continue
            tx = etree.SubElement(a, "transaction")
            if f.get("id"):
                tx.set("ref", f"F{f['id']}")
            etree.SubElement(tx, "transaction-type", {"code": TX_TYPES[f["kind"]]})
            etree.SubElement(tx, "transaction-date", {"iso-date": str(f["on_date"])[:10]})
            v = etree.SubElement(
                tx, "value", {"currency": "USD", "value-date": str(f["on_date"])[:10]}
            )
            v.text = _num(float(f["amount"]))
            if f.get("description"):
                _narrative(tx, "description", f["description"])
        for r in act["results"]:
            res = etree.SubElement(
                a, "result", {"type": str(r["result_type"]), "aggregation-status": "0"}
            )
            _narrative(res, "title", r["indicator"])
            ind = etree.SubElement(res, "indicator", {"measure": str(r["measure"])})
            _narrative(ind, "title", r["indicator"])
            if r["baseline"] is not None or r["baseline_year"] is not None:
                year = r["baseline_year"] or int(str(r["period_start"])[:4])
                b = etree.SubElement(
                    ind, "baseline", {"year": str(year), "iso-date": f"{year}-01-01"}
                )
                if r["baseline"] is not None:
                    b.set("value", _num(float(r["baseline"])))
            per = etree.SubElement(ind, "period")
            etree.SubElement(per, "period-start", {"iso-date": str(r["period_start"])[:10]})
            etree.SubElement(per, "period-end", {"iso-date": str(r["period_end"])[:10]})
            if r["target"] is not None:
                etree.SubElement(per, "target", {"value": _num(float(r["target"]))})
            if r["actual"] is not None:
                etree.SubElement(per, "actual", {"value": _num(float(r["actual"]))})
        if act.get("dataset") == "demo":
            etree.SubElement(
                a,
                f"{{{AICAP_NS}}}record",
                {"dataset": "demo", "fictitious": "true", "label": "FICTITIOUS demonstration"},
            )
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml)
    return bytes(xml)


def _description(act: Mapping[str, Any]) -> str:
    bits = [act["title"] or act["iati_identifier"]]
    if act.get("match_id"):
        bits.append(f"aicap match {act['match_id']}")
    if act.get("dataset") == "demo":
        bits.insert(0, "FICTITIOUS demonstration record.")
    return " - ".join(bits)


def _fix_percentages(a: etree._Element, tag: str, n: int) -> None:
    """Percentages that add up to exactly 100."""
    els = [e for e in a if e.tag == tag and e.get("vocabulary") == e.get("vocabulary")]
    share = round(100 / n, 2)
    for e in els[:-1]:
        e.set("percentage", _num(share))
    if els:
        els[-1].set("percentage", _num(round(100 - share * (len(els) - 1), 2)))


def _text(el: etree._Element | None, path: str = "narrative") -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _attr(el: etree._Element | None, name: str) -> str:
    return str(el.get(name) or "") if el is not None else ""


def _float(v: str | None) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None


def from_iati_xml(
    xml: bytes, iso3_of: Mapping[str, str], *, source: str = "iati", dataset: str = "real"
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """(activity, flows, results) per activity of a valid IATI 2.03 file. Transactions other
    than commitments and disbursements, and values in other currencies, are skipped (listed in
    the activity's ``skipped`` note by the caller); recipient countries map ISO2 -> ISO3."""
    root = validate(xml)
    out = []
    for a in root.iter("iati-activity"):
        ident = (a.findtext("iati-identifier") or "").strip()
        rep = a.find("reporting-org")
        orgs = []
        provider = ""
        provider_type = None
        for p in a.findall("participating-org"):
            org = {
                "role": p.get("role"),
                "ref": p.get("ref"),
                "type": p.get("type"),
                "name": _text(p) or p.get("ref") or "",
            }
            org_name = str(org["name"] or "")
            orgs.append(org)
            if p.get("role") == "1" and not provider:
                provider = org_name
                provider_type = ORG_TYPES_BACK.get(p.get("type") or "")
        rc = a.find("recipient-country")
        iso3 = iso3_of.get(rc.get("code", "")) if rc is not None else None
        sectors = [s.get("code", "") for s in a.findall("sector") if s.get("code")]
        modality = None
        for t in a.findall("tag"):
            if (t.get("vocabulary-uri") or "").endswith("/modality"):
                modality = t.get("code")
        marker = a.find(f"{{{AICAP_NS}}}record")
        ds = "demo" if marker is not None and marker.get("dataset") == "demo" else dataset
        default_currency = a.get("default-currency") or "USD"
        flows = []
        for tx in a.findall("transaction"):
            code = tx.find("transaction-type")
            kind = TX_KINDS.get(code.get("code", "") if code is not None else "")
            value = tx.find("value")
            if kind is None or value is None:
                continue
            if (value.get("currency") or default_currency) != "USD":
                continue
            amount = _float(value.text)
            day = tx.find("transaction-date")
            when = day.get("iso-date") if day is not None else value.get("value-date")
            if amount is None or amount <= 0 or not when:
                continue
            flows.append(
                {
                    "kind": kind,
                    "amount": amount,
                    "unit": "USD",
                    "on_date": when[:10],
                    "description": _text(tx.find("description")),
                }
            )
        results = []
        for res in a.findall("result"):
            for ind in res.findall("indicator"):
                base = ind.find("baseline")
                title = _text(ind.find("title")) or _text(res.find("title"))
                for per in ind.findall("period"):
                    start = per.find("period-start")
                    end = per.find("period-end")
                    target = per.find("target")
                    actual = per.find("actual")
                    year = base.get("year") if base is not None else None
                    results.append(
                        {
                            "result_type": res.get("type", "1"),
                            "indicator": title[:500] or "indicator",
                            "measure": ind.get("measure", "1"),
                            "baseline_year": int(year) if year and year.isdigit() else None,
                            "baseline": _float(base.get("value")) if base is not None else None,
                            "target": _float(target.get("value")) if target is not None else None,
                            "actual": _float(actual.get("value")) if actual is not None else None,
                            "period_start": _attr(start, "iso-date")[:10],
                            "period_end": _attr(end, "iso-date")[:10],
                        }
                    )
        activity = {
            "iati_identifier": ident,
            "source": source,
            "title": _text(a.find("title"))[:500],
            "reporting_org_ref": (rep.get("ref") if rep is not None else "") or "",
            "reporting_org_name": _text(rep)[:300],
            "provider_org": (provider or _text(rep))[:300],
            "provider_type": provider_type,
            "participating_orgs": orgs,
            "recipient_iso3": iso3,
            "sectors": sectors,
            "modality": modality,
            "status": _attr(a.find("activity-status"), "code") or "2",
            "dataset": ds,
        }
        out.append((activity, flows, results))
    return out


CSV_COLUMNS = (
    "record",
    "dataset",
    "fictitious",
    "iati_identifier",
    "source",
    "match_id",
    "provider_org",
    "recipient_iso3",
    "modality",
    "kind",
    "amount",
    "unit",
    "on_date",
    "indicator",
    "result_type",
    "measure",
    "baseline_year",
    "baseline",
    "target",
    "actual",
    "period_start",
    "period_end",
)


#: A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run: a leading ``'`` before a formula character
    (numbers are written as numbers). :func:`from_csv` takes the ``'`` off again."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _uncell(value: str | None) -> str | None:
    if value and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def to_csv(activities: Sequence[Mapping[str, Any]]) -> str:
    """One row per flow (``record=flow``) and per result (``record=result``), each with its
    activity's identifier, provider, recipient and modality; demonstration rows say so."""
    buf = io.StringIO()
    w = _SafeWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for act in (sanitised(a) for a in activities):
        base = {
            "dataset": act["dataset"],
            "fictitious": "true" if act["dataset"] == "demo" else "false",
            "iati_identifier": act["iati_identifier"],
            "source": act["source"],
            "match_id": act.get("match_id") or "",
            "provider_org": act["provider_org"],
            "recipient_iso3": act["recipient_iso3"] or "",
            "modality": act["modality"] or "",
        }
        for f in act["flows"]:
            w.writerow(
                {
                    **base,
                    "record": "flow",
                    "kind": f["kind"],
                    "amount": f["amount"],
                    "unit": f["unit"],
                    "on_date": f["on_date"],
                }
            )
        for r in act["results"]:
            w.writerow(
                {
                    **base,
                    "record": "result",
                    **{k: "" if r[k] is None else r[k] for k in CSV_COLUMNS[13:]},
                }
            )
    return buf.getvalue()


class _SafeWriter(csv.DictWriter):  # type: ignore[type-arg]
    """A ``DictWriter`` whose text cells are :func:`_cell`-escaped."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: _cell(v) for k, v in rowdict.items()})


def from_csv(
    text: str,
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """The inverse of :func:`to_csv`: (activity, flows, results) grouped by identifier.
    Raises :class:`IatiError` naming the line of a malformed row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("record", "iati_identifier") if c not in (reader.fieldnames or [])]
    if missing:
        raise IatiError("CSV header lacks " + ", ".join(missing))
    groups: dict[tuple[str, str, str], tuple[dict[str, Any], list[Any], list[Any]]] = {}
    for line, raw in enumerate(reader, start=2):
        row = {k: _uncell(v) if isinstance(v, str) else v for k, v in raw.items()}
        ident = (row.get("iati_identifier") or "").strip()
        if not ident:
            raise IatiError(f"line {line}: iati_identifier is empty")
        ds = row.get("dataset") or "real"
        src = row.get("source") or "aicap"
        key = (ident, src, ds)
        if key not in groups:
            groups[key] = (
                {
                    "iati_identifier": ident,
                    "source": src,
                    "provider_org": row.get("provider_org") or "",
                    "recipient_iso3": row.get("recipient_iso3") or None,
                    "modality": row.get("modality") or None,
                    "dataset": ds,
                },
                [],
                [],
            )
        _, flows, results = groups[key]
        kind = row.get("record")
        if kind == "flow":
            flows.append(
                {
                    "kind": row.get("kind"),
                    "amount": row.get("amount"),
                    "unit": row.get("unit") or "USD",
                    "on_date": row.get("on_date"),
                    "_line": line,
                }
            )
        elif kind == "result":
            results.append({k: (row.get(k) or None) for k in CSV_COLUMNS[13:]} | {"_line": line})
        else:
            raise IatiError(f"line {line}: record must be flow or result, not {kind!r}")
    return list(groups.values())


def today() -> date:
    return datetime.now(UTC).date()
