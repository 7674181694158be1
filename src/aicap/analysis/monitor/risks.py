"""The AI risk taxonomy (``catalogues/risks.yaml``, validated) and the rule-gap finder.

Each risk names the thematic areas of instrument that address it (and optionally a property
the framework must have, e.g. covering defence and security) and the incident-taxonomy terms
that tag an incident with it. :func:`gap_matrix` gives, per country and risk:

* ``addressed``: an adopted framework in at least one of the risk's areas (meeting the filter);
* ``draft only``: only drafts there;
* ``gap``: the register's source assessed those areas for the country and found no instrument;
* ``not covered``: the country is not in the register's source (GIRAI covers 135 countries);
* ``not assessed``: none of the risk's areas is assessed by any source in the register (e.g.
  privacy and data protection for GIRAI's AI-policy areas) -- never reported as a gap.

with the number of documented incidents recorded for that country and risk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aicap import yamlload
from aicap.analysis.monitor.concentration import _actor

INCIDENT_FIELDS = ("aiaaic_ethical", "aiaaic_harm", "aiaaic_sector", "mit_subdomain")
REQUIRED_RISKS = (
    "misuse",
    "disinformation",
    "hate_discrimination",
    "privacy",
    "safety_security",
    "labour_economic",
    "armed_conflict_terrorism",
)
STATUSES = ("addressed", "draft only", "gap", "not covered", "not assessed")


class TaxonomyError(ValueError):
    """The risk taxonomy is invalid (the message names the risk and the problem)."""


class Risk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    instrument_areas: list[str] = Field(min_length=1)
    instrument_filter: dict[str, str] = Field(default_factory=dict)
    incident_terms: dict[str, list[str]] = Field(default_factory=dict)
    #: catalogue intervention ids that address the risk (checked against the catalogue by
    #: :func:`aicap.analysis.monitor.links.load_links`)
    interventions: list[str] = Field(default_factory=list)
    #: the domain of the risk: a military-domain risk may only point to interventions of a
    #: military-domain area of the catalogue (whose texts cover that domain)
    domain: Literal["civil", "military"] = "civil"

    @field_validator("incident_terms")
    @classmethod
    def _terms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for field, patterns in value.items():
            if field not in INCIDENT_FIELDS:
                raise ValueError(f"unknown incident field {field!r} (known: {INCIDENT_FIELDS})")
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
        return value

    @field_validator("instrument_filter")
    @classmethod
    def _filter(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in ("defence_and_security", "binding"):
                raise ValueError(f"unknown instrument filter {key!r}")
        return value


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    risks: list[Risk] = Field(min_length=1)

    def ids(self) -> list[str]:
        return [r.id for r in self.risks]

    def get(self, risk_id: str) -> Risk:
        for risk in self.risks:
            if risk.id == risk_id:
                return risk
        raise KeyError(risk_id)

    def tag(self, field: str, values: Iterable[str]) -> set[str]:
        """Risk ids whose terms for ``field`` match any of ``values`` (tokens)."""
        found: set[str] = set()
        tokens = [v.strip() for v in values if v and v.strip()]
        for risk in self.risks:
            for pattern in risk.incident_terms.get(field, []):
                rx = re.compile(pattern, re.IGNORECASE)
                matcher = rx.match if field == "mit_subdomain" else rx.search
                if any(matcher(t) for t in tokens):
                    found.add(risk.id)
                    break
        return found


def default_taxonomy_path() -> Path:
    """The shipped ``catalogues/risks.yaml`` (or ``AICAP_RISKS``)."""
    env = os.environ.get("AICAP_RISKS")
    if env:
        return Path(env)
    from aicap import resources

    return resources.path("catalogues/risks.yaml")


def parse_taxonomy(data: object, label: str = "risks.yaml") -> Taxonomy:
    """Validate taxonomy data (as loaded from YAML); errors name the risk and the field."""
    try:
        taxonomy = Taxonomy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise TaxonomyError(f"{label}: {loc}: {err['msg']}") from None
    ids = taxonomy.ids()
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise TaxonomyError(f"{label}: risk id(s) {twice} defined twice")
    missing = [r for r in REQUIRED_RISKS if r not in ids]
    if missing:
        raise TaxonomyError(f"{label}: the taxonomy lacks required risk(s) {missing}")
    return taxonomy


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate ``catalogues/risks.yaml`` (or ``path``)."""
    p = Path(path) if path is not None else default_taxonomy_path()
    try:
        data = yamlload.safe_load(p.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{p.name}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise TaxonomyError(f"cannot read the risk taxonomy {p}: {exc}") from None
    return parse_taxonomy(data, p.name)


def check_areas(taxonomy: Taxonomy, known_areas: Iterable[str]) -> list[str]:
    """Instrument areas of the taxonomy that no register source knows (warnings, not errors:
    such a risk is 'not assessed')."""
    known = set(known_areas)
    return [
        f"{r.id}: area {a!r} is not assessed by any source"
        for r in taxonomy.risks
        for a in r.instrument_areas
        if a not in known
    ]


def _matches_filter(frame: pd.DataFrame, flt: dict[str, str]) -> pd.Series:
    ok = pd.Series(True, index=frame.index)
    for key, wanted in flt.items():
        want = wanted.strip().lower().startswith(("yes", "true", "binding"))
        ok &= frame[key].astype("boolean").fillna(not want) == want
    return ok


#: per risk: its assessed areas; per country, the areas and titles of adopted frameworks
#: there (register order) and whether there are drafts
_RiskRows = tuple[list[str], dict[object, set[str]], dict[object, list[str]], set[object]]


def gap_matrix(
    taxonomy: Taxonomy,
    register: pd.DataFrame,
    coverage: pd.DataFrame,
    countries: Iterable[str],
    incident_counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per country and risk: ``status`` (see the module doc), the areas with an adopted
    instrument (``addressed_by``), the instruments' titles (up to 3), and ``incidents`` (count of
    documented incidents for that country and risk, from ``incident_counts`` with columns
    ``iso3, risk, incidents``; 0 when none)."""
    covered = set(coverage["iso3"].dropna().astype(str))
    assessed_areas = set(coverage["area"].dropna().astype(str))
    codes = list(countries)
    counts: dict[tuple[str, str], int] = {}
    if incident_counts is not None and len(incident_counts):
        for iso, risk_id, n in zip(
            incident_counts["iso3"].tolist(),
            incident_counts["risk"].tolist(),
            incident_counts["incidents"].tolist(),
            strict=True,
        ):
            counts[(str(iso), str(risk_id))] = int(str(n))
    # The register's frameworks of these countries, as plain Python lists, read once; per
    # risk, the rows in its assessed areas (meeting its filter) are grouped by country, in
    # register order (titles keep that order).
    fw = register[register["kind"] == "framework"]
    fw = fw[fw["iso3"].isin(codes)]
    fw_iso = fw["iso3"].tolist()
    fw_area = fw["area"].tolist()
    fw_status = [v if isinstance(v, str) else "" for v in fw["status"].tolist()]
    fw_title = fw["title"].tolist()
    per_risk: dict[str, _RiskRows] = {}
    for risk in taxonomy.risks:
        areas = [a for a in risk.instrument_areas if a in assessed_areas]
        keep = fw["area"].isin(areas).to_numpy(dtype=bool, copy=True)
        if risk.instrument_filter:
            sel = fw[keep]
            keep[keep] = _matches_filter(sel, risk.instrument_filter).to_numpy(dtype=bool)
        adopted_areas: dict[object, set[str]] = {}
        adopted_titles: dict[object, list[str]] = {}
        drafts: set[object] = set()
        for i in keep.nonzero()[0].tolist():
            iso = fw_iso[i]
            if fw_status[i] == "Adopted":
                adopted_areas.setdefault(iso, set()).add(str(fw_area[i]))
                titles = adopted_titles.setdefault(iso, [])
                if not pd.isna(fw_title[i]):
                    titles.append(str(fw_title[i]))
            elif fw_status[i] == "Draft":
                drafts.add(iso)
        per_risk[risk.id] = (areas, adopted_areas, adopted_titles, drafts)
    rows: list[dict[str, object]] = []
    for iso3 in codes:
        for risk in taxonomy.risks:
            areas, adopted_areas, adopted_titles, drafts = per_risk[risk.id]
            adopted = adopted_areas.get(iso3, set())
            if not areas:
                status = "not assessed"
            elif iso3 not in covered:
                status = "not covered"
            elif adopted:
                status = "addressed"
            elif iso3 in drafts:
                status = "draft only"
            else:
                status = "gap"
            titles = list(dict.fromkeys(adopted_titles.get(iso3, [])))
            rows.append(
                {
                    "iso3": iso3,
                    "risk": risk.id,
                    "risk_name": risk.name,
                    "status": status,
                    "addressed_by": "; ".join(sorted(adopted)),
                    "instruments": "; ".join(titles[:3]) + (" ..." if len(titles) > 3 else ""),
                    "incidents": counts.get((iso3, risk.id), 0),
                }
            )
    return pd.DataFrame(rows)


def gaps_only(matrix: pd.DataFrame) -> pd.DataFrame:
    """The ``gap`` rows, those with incidents first."""
    sel = matrix[matrix["status"] == "gap"]
    return sel.sort_values(
        ["incidents", "iso3", "risk"], ascending=[False, True, True]
    ).reset_index(drop=True)


def risk_of_tokens(taxonomy: Taxonomy, **fields: Iterable[str]) -> list[str]:
    """Risk ids (in taxonomy order) tagged by the given incident fields' tokens."""
    found: set[str] = set()
    for field, values in fields.items():
        found |= taxonomy.tag(field, [v for v in values if _actor(v) is not None])
    return [r for r in taxonomy.ids() if r in found]
