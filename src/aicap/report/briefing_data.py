"""The briefing's record: the data behind each figure and sentence, written to ``data/``
(English, once for every language), so that every number traces to a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

#: Profile entries that only the page uses (its chart, its claims by role, its footnote
#: markers and the function that writes their key): not data, never in profiles.json.
PAGE_ONLY = frozenset({"figure", "cl", "cref", "claim_key"})


def _json_value(value: Any) -> Any:
    """JSON for the few non-JSON values a profile holds (NumPy scalars, dates, paths, claims);
    anything else is an error, never an object's repr (which would hold a memory address and
    make the file differ from run to run)."""
    import datetime as _dt
    from pathlib import PurePath

    import numpy as np

    from aicap.analysis.claims import Claim

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Claim):
        return value.as_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"profiles.json: a {type(value).__name__} is not data: {value!r:.80}")


def _data_files(ctx: dict[str, Any], out: Path) -> list[Path]:
    d = out / "data"
    d.mkdir(parents=True, exist_ok=True)
    files = []

    def put(name: str, frame: pd.DataFrame) -> None:
        path = d / name
        frame.to_csv(path, index=False)
        files.append(path)

    put("divide_by_year_and_pillar.csv", ctx["divide"]["table"])
    put(
        "divide_verdicts.csv",
        pd.DataFrame(
            [{"measure": "score", **(ctx["divide"]["verdict_row"] or {})}]
            + [
                {
                    "measure": r["pillar"],
                    **{k: v for k, v in r.items() if k not in ("pillar", "name", "claim")},
                }
                for r in ctx["divide"]["pillars"]
            ]
        ),
    )
    put("expected_capacity.csv", ctx["expected"]["table"])
    claims_path = d / "claims.json"
    ctx["claims"].write(claims_path)
    files.append(claims_path)
    rows = []
    for g in ctx["groups"]:
        for k, f in enumerate(g["findings"], start=1):
            rows.append({"group": g["group"], "finding": k, "text": f})
    put("group_findings.csv", pd.DataFrame(rows))
    rows = []
    for a in ctx["audiences"]:
        for it in a["entries"]:
            rows.append(
                {
                    "audience": a["audience"],
                    **{
                        k: v
                        for k, v in it.items()
                        if k not in ("citations", "sdg_targets", "citation_groups")
                    },
                    "citations": "; ".join(it["citations"]),
                    "sdg_targets": " ".join(it["sdg_targets"]),
                }
            )
    put("recommendations_by_audience.csv", pd.DataFrame(rows))
    put("financing_by_country.csv", ctx["financing"]["table"])
    put("financing_by_group.csv", pd.DataFrame(ctx["financing"]["totals"]))
    put("gender_gaps_by_series.csv", ctx["gender"]["table"])
    recs = [
        {"iso3": k, "rank": n + 1, "intervention": i}
        for k, v in ctx["recommendations"].items()
        for n, i in enumerate(v)
    ]
    put("country_recommendations_top5.csv", pd.DataFrame(recs))
    mon = ctx.get("monitor")
    if mon is not None:
        conc = mon["concentration"]
        put("monitor_concentration_latest.csv", conc["table"])
        put("monitor_concentration_over_time.csv", conc["hhi_rows"])
        put("monitor_compute_shares.csv", conc["share_rows"])
        put("monitor_compute_lorenz.csv", conc["lorenz"])
        put("monitor_access_by_group.csv", mon["access"]["table"])
        put("monitor_gaps_by_group.csv", mon["gaps"]["table"])
        put("monitor_signals.csv", mon["signals_frame"])
        put("monitor_links.csv", mon["links_frame"])
    prof = [{k: v for k, v in p.items() if k not in PAGE_ONLY} for p in ctx["profiles"]]
    path = d / "profiles.json"
    path.write_text(json.dumps(prof, ensure_ascii=False, indent=1, default=_json_value), "utf-8")
    files.append(path)
    return files
