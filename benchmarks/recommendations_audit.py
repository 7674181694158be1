"""Audit every Member State's recommendations on the warehouse (issue 18's figures).

    .venv/bin/python benchmarks/recommendations_audit.py [--json out.json]

Builds the 193 profiles as the briefing's annex does (with each country's Monitor signals) and
prints: contradictions with the warehouse (:func:`aicap.analysis.recaudit.contradictions`),
citation misuse, distinct top-five sets among tier-0 and tier-1 countries, high-income
countries offered a tier-0 instrument, and the cost totals by group.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from aicap.analysis.capacity_data import load_capacity_data
from aicap.analysis.catalogue import load_catalogue
from aicap.analysis.diagnose import expected_for
from aicap.analysis.mandates import MandateLibrary
from aicap.analysis.monitor.data import load as load_frames
from aicap.analysis.monitor.links import load_links
from aicap.analysis.profile import build_profile
from aicap.analysis.recaudit import (
    citation_misuse,
    contradictions,
    distinct_top_sets,
    facts_from_warehouse,
)
from aicap.report.monitor_source import compute
from aicap.warehouse.read import Warehouse


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", default="var/aicap.duckdb")
    ap.add_argument("--index", default="var/out")
    ap.add_argument("--json", default="")
    ap.add_argument("--limit", type=int, default=12)
    a = ap.parse_args()
    t0 = time.perf_counter()
    wh = Warehouse(a.warehouse)
    data = load_capacity_data(wh, Path(a.index))
    lib = MandateLibrary.load()
    cat = load_catalogue(None, lib)
    _, signals = compute(load_frames(wh), load_links(cat))
    facts = facts_from_warehouse(wh)
    exp = expected_for(data)
    profiles = [
        build_profile(
            data, iso, cat, expected=exp, n_recommendations=a.limit, signals=signals.get(iso, [])
        )
        for iso in sorted(data.countries["iso3"])
    ]
    bad = [c for p in profiles for c in contradictions(p, facts)]
    cites = [c for p in profiles for c in citation_misuse(p, lib)]
    d01, n01 = distinct_top_sets(profiles, (0, 1))
    d0, n0 = distinct_top_sets(profiles, (0,))
    dall, nall = distinct_top_sets(profiles, (None, 0, 1, 2, 3, 4))
    kinds = Counter(c.split(": ", 1)[1].split(",")[0] for c in bad)
    top5 = Counter(
        frozenset(str(r["id"]) for r in p["recommendations"][:5])
        for p in profiles
        if p["tier"] == 0
    )
    out = {
        "profiles": len(profiles),
        "contradictions": len(bad),
        "contradiction_kinds": dict(kinds.most_common()),
        "citation_misuse": len(cites),
        "distinct_top5_tier01": [d01, n01],
        "distinct_top5_tier0": [d0, n0],
        "distinct_top5_all": [dall, nall],
        "largest_identical_top5_tier0": top5.most_common(1)[0][1] if top5 else 0,
        "n_recommendations": sum(len(p["recommendations"]) for p in profiles),
        "empty_lists": sum(not p["recommendations"] for p in profiles),
        "seconds": round(time.perf_counter() - t0, 1),
        "examples": bad[:15] + cites[:5],
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": out, "profiles": profiles}, default=str))


if __name__ == "__main__":
    main()
