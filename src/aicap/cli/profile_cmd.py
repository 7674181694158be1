"""``aicap profile``: a country profile (its summary in words, JSON, or a one-page PDF in one
of the six UN languages), read from the index outputs that ``aicap build`` writes."""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from aicap.cli.conventions import OldIndexOpt, renamed
from aicap.cli.report_common import (
    CacheDirOpt,
    CatalogueOpt,
    IndexOpt,
    LangOpt,
    MandatesOpt,
    UseCacheOpt,
    WarehouseOpt,
    _cache,
    _catalogue,
    _fail,
    _langs,
    _load,
    _localiser,
    _monitor,
    _warn,
    _writable,
    console,
)

if TYPE_CHECKING:
    from aicap.report.cache import Cache


def profile(
    iso3: Annotated[str, typer.Argument(help="ISO3 code of a UN Member State, e.g. KEN.")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="table (the summary in words) or json (the whole profile)."),
    ] = "table",
    as_json: Annotated[
        bool, typer.Option("--json", hidden=True, help="Same as --format json.")
    ] = False,
    pdf_file: Annotated[
        Path | None, typer.Option("--pdf", help="Write a one-page PDF profile to this file.")
    ] = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    index: IndexOpt = Path("var/out"),
    old_index: OldIndexOpt = None,
    mandates: MandatesOpt = None,
    catalogue: CatalogueOpt = None,
    monitor: Annotated[
        bool,
        typer.Option(
            "--monitor/--no-monitor",
            help="Draw the recommendations with the country's Monitor signals (governance "
            "gaps, dependencies, concentration), as the briefing does.",
        ),
    ] = True,
    cache_dir: CacheDirOpt = None,
    use_cache: UseCacheOpt = True,
    lang: LangOpt = "en",
) -> None:
    """A country profile: tier, scores with uncertainty bands, peers, bottlenecks,
    recommendations with citations (drawn with its Monitor signals), data gaps. ``--lang``:
    the PDF in one of the six UN languages, or all six."""
    index = renamed(index, old_index, "--index", "--index-dir")
    from aicap.cli.output import choose

    as_json = choose(fmt, as_json, ("table", "json")) == "json"
    code = iso3.upper()
    langs = _langs(lang)
    if pdf_file is not None:
        _writable(pdf_file, "--pdf", folder=False)
    cache = _cache(warehouse, cache_dir, use_cache)
    k = ""
    got: object = None
    if cache.folder is not None:
        from aicap.report import reuse

        k = reuse.profile_key(
            warehouse, index, code, monitor=monitor, catalogue=catalogue, mandates=mandates
        )
        got = reuse.get(cache, reuse.KIND_PROFILE, k)
    if isinstance(got, dict):  # stored: its JSON, and the profile itself pickled for the PDF
        for w in got["notes"]:
            _warn(w)
        text = str(got["json"])
        stored = bytes(got["pickle"])

        def full() -> dict[str, Any]:
            value: dict[str, Any] = pickle.loads(stored)
            return value
    else:
        from aicap.analysis.profile import profile_json

        prof, notes = _compute_profile(
            code, iso3, warehouse, index, mandates, catalogue, monitor, cache
        )
        text = profile_json(prof)
        if k:
            from aicap.report import reuse

            entry = {"json": text, "pickle": pickle.dumps(prof), "notes": notes}
            reuse.put(cache, reuse.KIND_PROFILE, k, entry)

        def full() -> dict[str, Any]:
            return prof

    if pdf_file is not None:
        for lg in langs:
            target = pdf_file
            if len(langs) > 1:
                target = pdf_file.with_name(f"{pdf_file.stem}-{lg}{pdf_file.suffix}")
            pages = _profile_pdf(full, target, cache, k, lg, warehouse)
            console.print(f"wrote {target} ({pages} page{'s' if pages != 1 else ''})")
    if as_json:
        sys.stdout.write(text + "\n")
        return
    if pdf_file is None:
        _print_summary(json.loads(text))


def _compute_profile(
    code: str,
    iso3: str,
    warehouse: Path,
    index: Path,
    mandates: Path | None,
    catalogue: Path | None,
    monitor: bool,
    cache: Cache,
) -> tuple[dict[str, Any], list[str]]:
    from aicap.analysis.monitor.links import MonitorResults, Signal
    from aicap.analysis.profile import build_profile
    from aicap.report.monitor_source import MonitorJob

    notes: list[str] = []
    extra = [catalogue] if catalogue else []
    data = _load(warehouse, index, notes)
    if code not in set(data.countries["iso3"]):
        from aicap.cli.conventions import unknown_country

        cols = [c for c in ("name", "name_en", "formal_name_en") if c in data.countries.columns]
        names = {
            str(r["iso3"]): [str(r[c]) for c in cols if isinstance(r[c], str)]
            for r in data.countries.to_dict(orient="records")
        }
        raise _fail(unknown_country(iso3, names, "a UN Member State (ISO3 code expected)"), 2)
    cat = _catalogue(catalogue, mandates, data)
    signals: list[Signal] = []
    results: MonitorResults | None = None
    if monitor:
        from aicap.report.monitor_source import compute

        got = _monitor(warehouse, cat, cache, extra, notes)
        if got is not None:
            links, mon = got
            results_signals = compute(mon.frames, links) if isinstance(mon, MonitorJob) else mon
            if isinstance(mon, MonitorJob) and mon.store is not None:
                mon.store(*results_signals)
            results, by_country = results_signals
            signals = by_country.get(code, [])
    # as the briefing's annex draws them: with the country's Monitor signals
    prof = build_profile(data, code, cat, signals=signals)
    if results is not None:
        from aicap.report.monitor_section import incident_totals, profile_monitor

        prof["monitor"] = profile_monitor(results, signals, code, incident_totals(results))
    return prof, notes


def _profile_pdf(
    prof: Callable[[], dict[str, Any]],
    path: Path,
    cache: Cache,
    k: str,
    lang: str = "en",
    warehouse: Path | None = None,
) -> int:
    """The one-page PDF of the profile ``prof()`` in ``lang`` (cached with the profile: same
    inputs, same PDF)."""
    from aicap.report import reuse
    from aicap.report.cache import key

    pk = key("profile-pdf", k, lang, _catalogue_stamp()) if k else ""
    got = reuse.get(cache, reuse.KIND_PROFILE, pk) if pk else None
    if isinstance(got, tuple):
        data, pages = got
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return int(pages)
    from aicap.report.briefing import write_profile_pdf

    loc = _localiser(warehouse, lang) if warehouse is not None else None
    pages = write_profile_pdf(prof(), path, loc)
    if pk:
        reuse.put(cache, reuse.KIND_PROFILE, pk, (path.read_bytes(), pages))
    return pages


def _catalogue_stamp() -> str:
    """A digest of the translation catalogues and report templates (a cached PDF is reused
    only while they are unchanged)."""
    import hashlib

    from aicap.analysis.localise import LOCALES

    h = hashlib.sha256()
    tpl = Path(__file__).resolve().parents[1] / "report" / "templates"
    for f in sorted([*LOCALES.glob("*/LC_MESSAGES/*.mo"), *tpl.glob("*.j2")]):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def score_text(p: dict[str, Any]) -> str:
    """``score 41.55 (band 32.33-43.17)``, or for a country the index does not score, ``not
    scored (...)`` with the reason (its pillars without data), never "score None"."""
    if p.get("status") == "scored" and p.get("score") is not None:
        unc = p.get("uncertainty")
        band = (
            f"{unc['score_p05']}-{unc['score_p95']}" if isinstance(unc, dict) else "not available"
        )
        return f"score {p['score']} (band {band})"
    gaps = p.get("data_gaps") if isinstance(p.get("data_gaps"), dict) else {}
    assert isinstance(gaps, dict)
    names = {str(x["pillar"]): str(x["name"]) for x in p.get("pillars") or []}
    missing = [str(c) for c in gaps.get("missing_pillars") or []]
    if missing:
        which = ", ".join(f"{names.get(c, c).lower()} ({c})" for c in missing)
        why = f"no data for the pillar{'s' if len(missing) > 1 else ''} {which}"
        return f"not scored (insufficient data: {why}; the index needs every pillar)"
    return f"not scored ({str(p.get('status') or 'status not known').replace('_', ' ')})"


def _gaps_lines(gaps: object) -> list[str]:
    """The profile's data gaps in words: indicators with data, those missing (and why), values
    several years old."""
    if not isinstance(gaps, dict):
        return []
    lines = [f"data: {gaps.get('n_with_data')} of {gaps.get('n_indicators')} indicators with data"]
    missing = gaps.get("missing_indicators") or []
    if missing:
        items = []
        for m in missing:
            flags = str(m.get("flags") or "")
            stale = flags.split("stale(", 1)[1].rstrip(")") if "stale(" in flags else ""
            items.append(f"{m['name']} ({m['pillar']}{'; ' + stale if stale else ''})")
        lines.append("  no data: " + "; ".join(items))
    old = gaps.get("old_values") or []
    if old:
        items = [f"{o['name']} ({o['year']}, {o['age']} years old)" for o in old]
        lines.append("  old values: " + "; ".join(items))
    return lines


def _print_summary(p: dict[str, Any]) -> None:
    # markup=False: texts hold brackets ("[relative-trend.KEN...]") that are not Rich markup
    out = Console(soft_wrap=True, markup=False, highlight=False)
    age = p.get("data_age")
    when = str(p["year"])
    if isinstance(age, dict):
        when += (
            f" (values from {age['oldest']}-{age['newest']}, median {age['median_year']:.0f}; "
            f"{100 * age['carried_share']:.0f} % carried forward)"
        )
    binding = p["binding_constraint"] or "none (no pillar more than 2 points below its peers)"
    out.print(
        f"{p['name']} ({p['iso3']}), {when}: {p['tier_label']}; {score_text(p)}; "
        f"binding constraint {binding}"
    )
    claims = p.get("claims")
    if isinstance(claims, list):
        for c in claims:
            out.print(f"  - {c['text']} [{c['id']}]")
    recs = p["recommendations"]
    assert isinstance(recs, list)
    for r in recs[:8]:
        cites = ", ".join(m["citation"] for m in r["mandates"][:2])
        out.print(f"  {r['rank']:>2}. {r['id']:<9} {r['title']} [{cites}]")
    for line in _gaps_lines(p.get("data_gaps")):
        out.print(line)
