"""The briefing's sections on the global divide and on capacity against income, built from the
standard claims (:mod:`aicap.analysis.claims_run`): every sentence is a claim's sentence, every
trend uses constant-composition scores, and each claim's id is printed beside it
(:class:`ClaimRefs`), with the list of claims in the annex.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.claims import Claim
from aicap.analysis.claims_run import StandardClaims, group_differences
from aicap.analysis.divide import GROUP_WORDS, DivideVerdict, divide_table, group_means
from aicap.analysis.trend import SCORE, _median_int
from aicap.report import charts
from aicap.report.lang import English, Note


class ClaimRefs:
    """Numbers the claims in the order a page cites them: ``refs(claim)`` gives the marker
    ``[C3]`` (with the id as its title and anchor); ``refs.items`` lists them for the annex.
    ``prefix`` keeps the anchors of one page (a country profile) apart from the others'."""

    def __init__(self, prefix: str = "") -> None:
        self.items: list[tuple[int, Claim]] = []
        self._num: dict[str, int] = {}
        self.prefix = prefix

    def anchor(self, n: int) -> str:
        return f"claim-{self.prefix}-{n}" if self.prefix else f"claim-{n}"

    def __call__(self, claim: Claim | None) -> Markup:
        if claim is None:
            return Markup("")
        if claim.id not in self._num:
            self._num[claim.id] = len(self._num) + 1
            self.items.append((self._num[claim.id], claim))
        n = self._num[claim.id]
        return Markup(
            f'<sup class="claim"><a href="#{self.anchor(n)}" title="{escape(claim.id)}">'
            f"[C{n}]</a></sup>"
        )


def _pairs(frame: pd.DataFrame, x: str, y: str) -> list[tuple[float, float]]:
    xs = frame[x].to_numpy(dtype=np.float64).tolist()
    ys = frame[y].to_numpy(dtype=np.float64).tolist()
    return list(zip(xs, ys, strict=True))


def _col(frame: pd.DataFrame, col: str, keys: list[str]) -> list[float]:
    return frame[col].reindex(keys).to_numpy(dtype=np.float64).tolist()


def verdict_row(v: DivideVerdict) -> dict[str, Any]:
    return {
        "gap_start": v.gap_start,
        "gap_end": v.gap_end,
        "gap_change": v.gap_change.estimate,
        "gap_low": v.gap_change.low,
        "gap_high": v.gap_change.high,
        "gini_start": v.gini_start,
        "gini_end": v.gini_end,
        "gini_change": v.gini_change.estimate,
        "gini_low": v.gini_change.low,
        "gini_high": v.gini_change.high,
        "sd_change": v.sd_change.estimate,
        "sd_low": v.sd_change.low,
        "sd_high": v.sd_change.high,
        "beta": v.beta.fit.slope,
        "beta_low": v.beta.fit.slope_ci[0],
        "beta_high": v.beta.fit.slope_ci[1],
        "absolute": v.absolute,
        "relative": v.relative,
        "n": v.n,
        "n_rich": v.n_rich,
        "n_poor": v.n_poor,
        "start": v.start,
        "end": v.end,
    }


_NOT_HELD = "not available in every year of the window for any country"
_START = re.compile(
    r"^the comparison starts in (\d{4}): over (\d{4})-(\d{4}) fewer than (\d+%) of the "
    r"countries keep a comparable score(?:; (.*))?$",
    re.S,
)
_BREAK = re.compile(r"^method break in (\d{4})(?:: (.*))?$", re.S)


def composition_note(comp: Any, names: dict[str, str]) -> str:
    """The composition sentence (``comp.describe(names)``, with indicators named) as a
    :class:`~aicap.report.lang.Note` that renders itself in any language: the framework's
    method-break notes, held only in English, are kept in English."""
    n_ind = len(comp.eligible) - sum(1 for c in comp.excluded if c in comp.eligible)
    head = (
        "constant composition {start}-{end}: each country's scores use only the indicators it "
        "has in every year of the window (median {k} of {n} usable)"
    )
    params: dict[str, Any] = {
        "start": str(comp.start),
        "end": str(comp.end),
        "k": _median_int(comp.held["n_held"]),
        "n": n_ind,
    }
    if comp.excluded:
        head += "; left out for every country: {left}"
        params["left"] = [_excluded(names.get(c, c), why) for c, why in comp.excluded.items()]
    if comp.note:
        head += " ({note})"
        params["note"] = _start_note(str(comp.note), names)
    return Note(head, **params)


def _excluded(name: str, why: str) -> Note | str:
    if why == _NOT_HELD:
        return Note("{name} (" + _NOT_HELD + ")", frozenset({"name"}), name=name)
    m = _BREAK.match(why)
    if m:
        return _break(name, m)
    return f"{name} ({why})"


def _break(name: str, m: re.Match[str]) -> Note:
    if m.group(2):
        return Note(
            "{name}: method break in {year}: {note}",
            frozenset({"name"}),
            name=name,
            year=m.group(1),
            note=English(m.group(2)),
        )
    return Note("{name}: method break in {year}", frozenset({"name"}), name=name, year=m.group(1))


def _start_note(text: str, names: dict[str, str]) -> Note | str:
    m = _START.match(text)
    if not m:
        return text
    first = (
        "the comparison starts in {s}: over {a}-{b} fewer than {p} of the countries keep a "
        "comparable score"
    )
    params: dict[str, Any] = {"s": m.group(1), "a": m.group(2), "b": m.group(3), "p": m.group(4)}
    if m.group(5):
        items: list[Any] = []
        for part in m.group(5).split("; "):
            code, _, why = part.partition(": ")
            mb = _BREAK.match(why)
            items.append(_break(names.get(code, code), mb) if mb else part)
        first += "; {breaks}"
        params["breaks"] = items
    return Note(first, **params)


def divide_section(data: CapacityData, sc: StandardClaims) -> dict[str, Any]:
    """The state of the divide: the answer, the gap and inequality over time, by pillar."""
    comp = sc.composition
    scores = comp.scores
    countries = data.countries
    measures = [SCORE, *data.pillars]
    table = divide_table(scores, countries, measures)
    groups = ["HIC", "UMC", "LMC", "LIC", "LDC"]
    means = group_means(scores, countries, [SCORE], groups)
    lines = {
        GROUP_WORDS[g].capitalize(): _pairs(means[means["group"] == g], "year", "mean")
        for g in groups
    }
    score_rows = table[table["measure"] == SCORE]
    fig_means = charts.line_chart(
        lines,
        title=f"Mean constant-composition index score, {comp.start}-{comp.end}",
        y_label="mean score (0-100)",
        y_min=0,
        y_max=80,
    )
    fig_ineq = charts.line_chart(
        {
            "Gini": _pairs(score_rows, "year", "gini"),
            "Theil T": _pairs(score_rows, "year", "theil"),
            "Theil between income groups": _pairs(score_rows, "year", "theil_between_income"),
            "Theil between UN regions": _pairs(score_rows, "year", "theil_between_region"),
        },
        title="Inequality of constant-composition index scores across Member States",
        y_label="index value",
        y_min=0,
    )
    # levels in the latest year: the yearly scores (every indicator of the year)
    latest = data.series[data.series["year"] == data.year].copy()
    if "status" in latest.columns:
        latest.loc[latest["status"] != "scored", [SCORE, *data.pillars]] = np.nan
    last = divide_table(latest, countries, measures).set_index("measure")
    gap_bars = charts.grouped_bars(
        [data.pillars[p] for p in data.pillars],
        {
            "High-income countries": _col(last, "hic_mean", list(data.pillars)),
            "Least developed countries": _col(last, "ldc_mean", list(data.pillars)),
        },
        title=f"Pillar means, high-income countries and LDCs, {data.year}",
        x_label=f"mean pillar score (0-100), {data.year}",
    )
    verdict = sc.verdicts.get(SCORE)
    pillar_rows = []
    for code, name in data.pillars.items():
        v = sc.verdicts.get(code)
        row: dict[str, Any] = {"pillar": code, "name": name}
        if v is None:
            row["not_comparable"] = True
        else:
            row.update(verdict_row(v))
            row["claim"] = sc.get(f"gap_change:{code}")
        pillar_rows.append(row)
    names = dict(zip(data.indicators["code"], data.indicators["name"], strict=True))
    return {
        "table": table,
        "verdict": verdict,
        "verdict_row": verdict_row(verdict) if verdict is not None else None,
        "answer": sc.get(f"divide_answer:{SCORE}"),
        "gap": sc.get(f"gap_change:{SCORE}"),
        "gini": sc.get(f"inequality_change:{SCORE}"),
        "sigma": sc.get(f"dispersion_change:{SCORE}"),
        "beta": sc.get(f"beta_convergence:{SCORE}"),
        "changes": sc.get("change_count"),
        "data_age": sc.get("data_age"),
        "breaks": [c for c in sc.claims.claims.values() if c.kind == "composition_break"],
        "composition": composition_note(comp, names),
        "pillars": pillar_rows,
        "fig_means": fig_means,
        "fig_inequality": fig_ineq,
        "fig_pillar_gap": gap_bars,
        "latest": last.reset_index().to_dict(orient="records"),
        "start": comp.start,
        "end": comp.end,
        "first_score": score_rows.iloc[0].to_dict() if len(score_rows) else {},
        "last_score": score_rows.iloc[-1].to_dict() if len(score_rows) else {},
    }


def group_claims(data: CapacityData, group: str, sc: StandardClaims, n_boot: int) -> dict[str, Any]:
    """A focus group's trend against high-income countries and its pillar differences with
    other developing countries, each a claim: "shortfall" only where the interval is below."""
    diffs = group_differences(data, group, n_boot)
    below = sorted((c for c in diffs if c.verdict == "below"), key=lambda c: c.value)
    above = sorted((c for c in diffs if c.verdict == "above"), key=lambda c: -c.value)
    unclear = [c for c in diffs if c.verdict == "no_clear_difference"]
    return {
        "trend": sc.get(f"gap_change:{group}"),
        "shortfalls": below,
        "strengths": above,
        "no_clear_difference": unclear,
        "differences": diffs,
    }


def expected_names(
    sc: StandardClaims, names: pd.Series, focus: set[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Over- and under-performers that may be named: outside the band *and* significant
    after Holm's correction over all countries, among ``focus``."""
    t = sc.outliers
    if t.empty or "named" not in t.columns:
        return [], []
    sel = t[t["named"] & t["iso3"].isin(focus)]
    over = sel[sel["actual"] > sel["pi_high"]]
    under = sel[sel["actual"] < sel["pi_low"]]
    return (
        [(str(names.get(i, i)), str(i)) for i in over["iso3"]],
        [(str(names.get(i, i)), str(i)) for i in under["iso3"]],
    )
