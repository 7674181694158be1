"""The standard claims of a run: every claim the briefing, the profiles, the web pages and the
command line may publish about the divide, change over time, income and the age of the data.

:func:`standard_claims` computes them from :class:`~aicap.analysis.capacity_data.CapacityData`
alone, deterministically (fixed bootstrap seeds), so ``aicap build`` writes them to
``claims.json`` and ``aicap claim show ID --recompute`` can compute them again from the same
inputs and compare. Every statement about change uses constant-composition scores
(:mod:`aicap.analysis.trend`). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.claims import Claim, ClaimSet, claim_id
from aicap.analysis.claims_divide import (
    change_count_claim,
    divide_claims,
    group_difference_claim,
    outlier_claim,
)
from aicap.analysis.divide import DivideVerdict, group_mask, is_divide_widening
from aicap.analysis.trend import SCORE, Composition, composition_breaks

#: The groups whose gap to high-income countries is stated (A/RES/78/311 PP11, OP15).
FOCUS_GROUPS = ("LDC", "LLDC", "SIDS", "LIC")
#: Noise multiplier for "improved" / "declined" (the framework's series.change_noise_z).
DEFAULT_Z = 1.96


@dataclass
class StandardClaims:
    """The claims and the objects they were computed from (for tables and charts)."""

    claims: ClaimSet
    composition: Composition
    verdicts: dict[str, DivideVerdict | None]  # measure -> HIC vs LDC verdict (None: no data)
    group_verdicts: dict[str, DivideVerdict | None]  # focus group -> HIC vs group, index
    changes: pd.DataFrame
    noise: float
    threshold: float
    outliers: pd.DataFrame
    ids: dict[str, str] = field(default_factory=dict)  # short role -> claim id

    def get(self, role: str) -> Claim | None:
        cid = self.ids.get(role)
        return self.claims[cid] if cid is not None and cid in self.claims else None


def _data_of(data: CapacityData, comp: Composition) -> tuple[str, ...]:
    meta = data.indicators.set_index("code")
    out = []
    for code in comp.eligible:
        if code in meta.index:
            series, publisher = str(meta.loc[code, "series"]), str(meta.loc[code, "publisher"])
            out.append(f"{code} ({series}, {publisher})")
    return tuple(out)


def measure_label(data: CapacityData, measure: str) -> str:
    if measure == SCORE:
        return "the aicap index"
    return f"the {data.pillars.get(measure, measure).lower()} pillar"


def change_table(comp: Composition, z: float = DEFAULT_Z) -> tuple[pd.DataFrame, float, float]:
    """Per country: constant-composition change of the index between the window's ends,
    classified against the pooled noise of the yearly series (improved / declined / stable /
    not_comparable). Returns ``(table, noise, threshold)``."""
    wide = comp.wide(SCORE)
    years = np.asarray(wide.columns, dtype=np.float64)
    sds: list[float] = []
    for row in wide.to_numpy(dtype=np.float64):
        ok = np.isfinite(row)
        if ok.sum() < 4:
            continue
        coef = np.polyfit(years[ok], row[ok], 1)
        resid = row[ok] - np.polyval(coef, years[ok])
        sds.append(float(np.sqrt((resid**2).sum() / (ok.sum() - 2))))
    noise = float(np.median(sds)) if sds else float("nan")
    threshold = z * noise * float(np.sqrt(2.0))
    ch = (wide[comp.end] - wide[comp.start]).to_numpy(dtype=np.float64)
    direction = np.where(
        np.isnan(ch),
        "not_comparable",
        np.where(ch > threshold, "improved", np.where(ch < -threshold, "declined", "stable")),
    )
    table = pd.DataFrame(
        {
            "iso3": wide.index,
            "score_start": wide[comp.start].to_numpy(),
            "score_end": wide[comp.end].to_numpy(),
            "change": ch,
            "direction": direction,
        }
    )
    return table, noise, threshold


def standard_claims(
    data: CapacityData,
    *,
    n_boot: int = 1000,
    z: float | None = None,
    expected_table: pd.DataFrame | None = None,
    pi_level: float = 0.95,
) -> StandardClaims:
    """Every standard claim of ``data`` (see the module docstring). ``expected_table``: the
    expected-capacity table (``iso3, actual, pi_low, pi_high``) when the caller has it."""
    comp = data.composition()
    cs = ClaimSet()
    ids: dict[str, str] = {}
    used = _data_of(data, comp)
    sample = comp.describe(dict(zip(data.indicators["code"], data.indicators["name"], strict=True)))
    verdicts: dict[str, DivideVerdict | None] = {}
    for m in [SCORE, *data.pillars]:
        try:
            v = is_divide_widening(
                comp.scores, data.countries, m, n_boot=n_boot, label=measure_label(data, m)
            )
        except ValueError:
            verdicts[m] = None
            continue
        verdicts[m] = v
        for c in divide_claims(v, measure_label(data, m), used, sample):
            cs.add(c)
            ids.setdefault(f"{c.kind}:{m}", c.id)
    group_verdicts: dict[str, DivideVerdict | None] = {}
    for g in FOCUS_GROUPS:
        try:
            v = is_divide_widening(
                comp.scores, data.countries, SCORE, poor=g, n_boot=n_boot, label="the aicap index"
            )
        except ValueError:
            group_verdicts[g] = None
            continue
        group_verdicts[g] = v
        for c in divide_claims(v, "the aicap index", used, sample):
            if c.kind == "gap_change":
                cs.add(c)
                ids[f"gap_change:{g}"] = c.id
    spec_z = getattr(getattr(data.spec, "series", None), "change_noise_z", None)
    zz = float(z if z is not None else (spec_z if spec_z is not None else DEFAULT_Z))
    changes, noise, threshold = change_table(comp, zz)
    cc = change_count_claim(changes, threshold, comp.start, comp.end, used, sample, zz)
    cs.add(cc)
    ids["change_count"] = cc.id
    outliers = pd.DataFrame()
    if expected_table is None and len(data.gdp):
        from aicap.analysis.diagnose import expected_for

        try:
            expected_table = expected_for(data).table
        except ValueError:
            expected_table = None
    if expected_table is not None and len(expected_table):
        oc, outliers = outlier_claim(expected_table, pi_level, data.year, "income", used)
        cs.add(oc)
        ids["outlier_count"] = oc.id
    age = data.data_age()
    if len(age):
        n = int(age["n_values"].sum())
        carried = int(age["n_carried"].sum())
        cells = data.cells[(data.cells["year"] == data.year) & data.cells["value"].notna()]
        vy = cells["value_year"].to_numpy(dtype=np.float64)
        i = claim_id("data_age", "all", data.year)
        cs.add(
            Claim(
                id=i,
                kind="data_age",
                subject="all",
                value=100.0 * carried / n if n else float("nan"),
                n=n,
                end=data.year,
                sample=f"the values behind the {data.year} scores of {len(age)} Member States",
                data=("series_cells (value_year, imputed)",),
                params={
                    "carried_share": 100.0 * carried / n if n else float("nan"),
                    "oldest": int(np.nanmin(vy)),
                    "newest": int(np.nanmax(vy)),
                    "median_year": int(np.nanmedian(vy)),
                },
                recompute=f"aicap claim show {i} --recompute",
            )
        )
        ids["data_age"] = i
    names = dict(zip(data.indicators["code"], data.indicators["name"], strict=True))
    for b in composition_breaks(data.cells):
        what = "; ".join(
            x
            for x in (
                ("enters: " + ", ".join(names.get(c, c) for c in b["entered"]))
                if b["entered"]
                else "",
                ("leaves: " + ", ".join(names.get(c, c) for c in b["left"])) if b["left"] else "",
            )
            if x
        )
        i = claim_id("composition_break", "index", b["year"])
        cs.add(
            Claim(
                id=i,
                kind="composition_break",
                subject="index",
                value=float(len(b["entered"]) + len(b["left"])),
                end=int(b["year"]),
                data=("series_cells",),
                params={"what": what, "entered": b["entered"], "left": b["left"]},
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    return StandardClaims(
        cs, comp, verdicts, group_verdicts, changes, noise, threshold, outliers, ids
    )


def group_differences(data: CapacityData, group: str, n_boot: int = 1000) -> list[Claim]:
    """Per pillar, the group's median against other developing countries' (latest year),
    each with its interval: the basis of "shortfall" and "strength" sentences."""
    c = data.countries
    mask = group_mask(c, group)
    others = ~mask & ~group_mask(c, "HIC")
    other_idx = others[others].index
    sc = data.scores()
    if "status" in sc.columns:
        sc = sc[sc["status"] == "scored"]
    out = []
    for p, name in data.pillars.items():
        if p not in sc.columns:
            continue
        out.append(
            group_difference_claim(
                sc[p],
                c,
                group,
                pd.Index(other_idx),
                name,
                data.year,
                subject=p,
                n_boot=n_boot,
            )
        )
    return out


COUNTRY_KINDS = ("relative_trend", "expected_residual")


def country_claim(data: CapacityData, claim_id_: str) -> Claim | None:
    """A profile's claim (kinds :data:`COUNTRY_KINDS`), computed from ``data``: the id names
    the country (``relative-trend.KEN.SKILLS.2021-2025``)."""
    from aicap.analysis.claims_country import country_claims
    from aicap.analysis.diagnose import diagnose

    parts = claim_id_.split(".")
    if len(parts) < 2 or parts[0].replace("-", "_") not in COUNTRY_KINDS:
        return None
    iso3 = parts[1].upper()
    if iso3 not in set(data.countries["iso3"]):
        return None
    for c in country_claims(diagnose(data, iso3)):
        if c.id == claim_id_:
            return c
    return None


def recompute(data: CapacityData, claim: Claim, **kw: Any) -> Claim | None:
    """The claim with ``claim.id`` computed again from ``data`` (None: not produced)."""
    if claim.kind in COUNTRY_KINDS:
        return country_claim(data, claim.id)
    n_boot = int(claim.params.get("n_boot", kw.pop("n_boot", 1000)))
    if claim.kind == "group_difference":
        group = next((g for g in FOCUS_GROUPS if claim.id.endswith(f".{g}.{claim.end}")), None)
        if group is None:
            return None
        for c in group_differences(data, group, n_boot):
            if c.id == claim.id:
                return c
        return None
    sc = standard_claims(data, n_boot=n_boot, **kw)
    return sc.claims.claims.get(claim.id)
