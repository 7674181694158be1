"""Harmonise publishers' country identifiers to ISO3, once, in one place.

Each source has a mapping file ``mappings/<source>.yaml`` (validated with pydantic). An entity is
resolved in this order:

1. a code source's entity that is a code in the country reference maps to itself;
2. an explicit ``map`` entry (code or name → ISO3);
3. ``aggregates`` / ``aggregate_patterns`` entries, and World Bank aggregate codes: kept apart;
4. ``excluded`` entries: dropped on purpose, with the reason recorded;
5. a name source's entity whose normalised form matches one (unambiguous) reference name.

Anything left is an error naming the file, the row and the name. Mapping entries never used
are reported as warnings, so stale mappings surface (both directions are loud).

Record tables (:attr:`aicap.sources.base.Parsed.records`) with a ``country_entity`` column go
through the same resolution, row by row: a country gives its ``iso3``; an empty entity, an
aggregate or an excluded entity gives a NULL ``iso3`` with the reason in ``country_resolution``
(``none``, ``aggregate: <name>``, ``excluded: <reason>``); an unknown one is an error naming the
table, the file, the row and the name. Entities seen only in records count as used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aicap import yamlload
from aicap.sources.base import RECORD_ENTITY, SourceError
from aicap.sources.country_reference import Reference, normalise_name


class SourceMapping(BaseModel):
    """Contents of ``mappings/<source>.yaml``."""

    model_config = ConfigDict(extra="forbid")

    source: str
    map: dict[str, str] = Field(default_factory=dict)
    aggregates: dict[str, str] = Field(default_factory=dict)
    aggregate_patterns: list[str] = Field(default_factory=list)
    excluded: dict[str, str] = Field(default_factory=dict)

    @field_validator("aggregate_patterns")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
        return value

    @field_validator("excluded")
    @classmethod
    def _reasons_given(cls, value: dict[str, str]) -> dict[str, str]:
        for key, reason in value.items():
            if not str(reason or "").strip():
                raise ValueError(f"excluded entry {key!r} needs a reason")
        return value


def mapping_label(source_id: str) -> str:
    """How a mapping file is named in messages."""
    return f"src/aicap/sources/mappings/{source_id}.yaml"


def parse_mapping(text: str, *, label: str) -> SourceMapping:
    """Validate mapping YAML text; errors name the file and the field."""
    try:
        data = yamlload.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceError(f"invalid YAML: {exc}", file=label) from None
    try:
        return SourceMapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise SourceError(f"{err['msg']}", file=label, column=loc) from None


def load_mapping(source_id: str) -> SourceMapping:
    """The mapping shipped for ``source_id`` (an empty one if the source has none)."""
    node = resources.files("aicap.sources").joinpath(f"mappings/{source_id}.yaml")
    if not node.is_file():
        return SourceMapping(source=source_id)
    mapping = parse_mapping(node.read_text("utf-8"), label=mapping_label(source_id))
    if mapping.source != source_id:
        raise SourceError(
            f"mapping file declares source {mapping.source!r}, expected {source_id!r}",
            file=mapping_label(source_id),
            column="source",
        )
    return mapping


@dataclass
class Harmonised:
    """The result of harmonising one source's observations."""

    #: Canonical observations keyed by ``iso3`` (entity column dropped).
    countries: pd.DataFrame
    #: Aggregate observations keyed by ``code`` (the publisher's entity) with ``name``.
    aggregates: pd.DataFrame
    #: Entities dropped on purpose: entity → reason.
    excluded: dict[str, str] = field(default_factory=dict)
    #: Non-fatal findings (unused mapping entries).
    warnings: list[str] = field(default_factory=list)
    #: Record tables with ``iso3`` and ``country_resolution`` added where they had
    #: ``country_entity`` (others unchanged).
    records: dict[str, pd.DataFrame] = field(default_factory=dict)


class Harmoniser:
    """Maps one source's entities to ISO3 using the country reference and its mapping file."""

    def __init__(
        self,
        reference: Reference,
        mapping: SourceMapping,
        *,
        entity_kind: Literal["code", "name"],
        entity_column: str = "",
    ) -> None:
        self.reference = reference
        #: The publisher's column that names the country (for messages; "" when unknown).
        self.entity_column = entity_column
        self.mapping = mapping
        self.entity_kind = entity_kind
        self._codes = set(reference.countries["iso3"])
        self._wb_aggregates = dict(
            zip(reference.aggregates["code"], reference.aggregates["name"], strict=True)
        )
        names = reference.names
        counts = names.groupby("key")["iso3"].nunique()
        unambiguous = names[names["key"].isin(counts[counts == 1].index)]
        self._names = dict(zip(unambiguous["key"], unambiguous["iso3"], strict=True))
        self._patterns = [re.compile(p) for p in mapping.aggregate_patterns]
        label = mapping_label(mapping.source)
        for key, iso3 in mapping.map.items():
            if iso3 not in self._codes:
                raise SourceError(
                    "maps to a code that is not in the country reference",
                    file=label,
                    column=f"map.{key}",
                    value=iso3,
                )

    def resolve(self, entity: str) -> tuple[str, str]:
        """Classify one entity: ``("country", iso3)``, ``("aggregate", name)``,
        ``("excluded", reason)`` or ``("unknown", "")``."""
        m = self.mapping
        if self.entity_kind == "code" and entity in self._codes:
            return "country", entity
        if entity in m.map:
            return "country", m.map[entity]
        if entity in m.aggregates:
            return "aggregate", m.aggregates[entity]
        if self.entity_kind == "code" and entity in self._wb_aggregates:
            return "aggregate", self._wb_aggregates[entity]
        for pattern in self._patterns:
            if pattern.search(entity):
                return "aggregate", entity
        if entity in m.excluded:
            return "excluded", m.excluded[entity]
        if self.entity_kind == "name":
            iso3 = self._names.get(normalise_name(entity))
            if iso3 is not None:
                return "country", iso3
        return "unknown", ""

    def apply(
        self, obs: pd.DataFrame, records: Mapping[str, pd.DataFrame] | None = None
    ) -> Harmonised:
        """Harmonise raw observations (:data:`aicap.sources.base.RAW_COLUMNS`) and, when given,
        record tables (their ``country_entity`` column, see the module doc)."""
        entities = pd.unique(obs["entity"].astype("string").fillna(""))
        resolved = {str(e): self.resolve(str(e)) for e in entities}
        out_records: dict[str, pd.DataFrame] = {}
        for name, frame in (records or {}).items():
            out_records[name] = self._apply_record_frame(name, frame, resolved)
        entity = obs["entity"].astype("string").fillna("")
        kinds = entity.map({e: kind for e, (kind, _) in resolved.items()})
        unknown = obs[kinds == "unknown"]
        if len(unknown):
            first = unknown.iloc[0]
            others = sorted(set(unknown["entity"].astype(str)) - {str(first["entity"])})
            more = f"; also unmapped: {', '.join(repr(o) for o in others[:10])}" if others else ""
            more += " (…)" if len(others) > 10 else ""
            raise SourceError(
                f"country {self.entity_kind} not recognised{self._in_column()}; add it to "
                f"{mapping_label(self.mapping.source)} under map, aggregates or excluded{more}",
                file=str(first["file"]),
                row=int(first["row"]),
                column=self.entity_column or "entity",
                value=str(first["entity"]),
            )
        countries = obs[kinds == "country"].copy()
        targets = {e: target for e, (_, target) in resolved.items()}
        countries.insert(0, "iso3", entity[kinds == "country"].map(targets).astype("string"))
        countries = countries.drop(columns=["entity"])
        dup = countries.duplicated(["iso3", "year", "indicator"], keep=False)
        if bool(dup.any()):
            clash = countries[dup].sort_values(["iso3", "year", "indicator", "row"])
            a, b = clash.iloc[0], clash.iloc[1]
            raise SourceError(
                f"two entities map to {a['iso3']} for ({a['year']}, {a['indicator']}) "
                f"(rows {a['row']} and {b['row']}); fix the mapping",
                file=str(b["file"]),
                row=int(b["row"]),
                column="entity",
            )
        aggregates = obs[kinds == "aggregate"].copy()
        aggregates.insert(0, "code", aggregates["entity"].astype("string"))
        aggregates.insert(1, "name", entity[kinds == "aggregate"].map(targets).astype("string"))
        aggregates = aggregates.drop(columns=["entity"])
        excluded = {e: r for e, (k, r) in resolved.items() if k == "excluded"}
        warnings = self._unused(resolved)
        for frame in out_records.values():
            if "country_resolution" in frame.columns:
                for res in frame["country_resolution"].dropna().unique():
                    if str(res).startswith("excluded: "):
                        ent = frame.loc[frame["country_resolution"] == res, RECORD_ENTITY]
                        excluded.setdefault(str(ent.iloc[0]), str(res)[len("excluded: ") :])
        return Harmonised(
            countries=countries.reset_index(drop=True),
            aggregates=aggregates.reset_index(drop=True),
            excluded=excluded,
            warnings=warnings,
            records=out_records,
        )

    def _apply_record_frame(
        self, name: str, frame: pd.DataFrame, resolved: dict[str, tuple[str, str]]
    ) -> pd.DataFrame:
        """One record table with ``iso3`` and ``country_resolution`` added (``resolved`` is
        updated with the entities seen, for the unused-mapping check)."""
        if RECORD_ENTITY not in frame.columns:
            return frame.reset_index(drop=True)
        raw = frame[RECORD_ENTITY].astype("string").fillna("").str.strip()
        for entity in pd.unique(raw):
            key = str(entity)
            if key and key not in resolved:
                resolved[key] = self.resolve(key)
        iso3: list[str | None] = []
        how: list[str] = []
        for pos, entity in enumerate(raw.tolist()):
            key = str(entity)
            if not key:
                iso3.append(None)
                how.append("none")
                continue
            kind, target = resolved[key]
            if kind == "country":
                iso3.append(target)
                how.append("country")
            elif kind == "aggregate":
                iso3.append(None)
                how.append(f"aggregate: {target}")
            elif kind == "excluded":
                iso3.append(None)
                how.append(f"excluded: {target}")
            else:
                row = frame["row"].iloc[pos] if "row" in frame.columns else None
                file = frame["file"].iloc[pos] if "file" in frame.columns else None
                raise SourceError(
                    f"country {self.entity_kind} not recognised in record table {name!r}"
                    f"{self._in_column()}; add it to {mapping_label(self.mapping.source)} under "
                    "map, aggregates or excluded",
                    file=None if file is None else str(file),
                    row=None if row is None else int(row),
                    column=self.entity_column or RECORD_ENTITY,
                    value=key,
                )
        out = frame.reset_index(drop=True).copy()
        out[RECORD_ENTITY] = raw.reset_index(drop=True)
        out["iso3"] = pd.Series(iso3, dtype="string")
        out["country_resolution"] = pd.Series(how, dtype="string")
        return out

    def _in_column(self) -> str:
        return f" in column {self.entity_column!r}" if self.entity_column else ""

    def _unused(self, resolved: dict[str, tuple[str, str]]) -> list[str]:
        m = self.mapping
        seen = set(resolved)
        label = mapping_label(m.source)
        out: list[str] = []
        for section, keys in (
            ("map", m.map),
            ("aggregates", m.aggregates),
            ("excluded", m.excluded),
        ):
            for key in keys:
                if key not in seen:
                    out.append(f"{label}: {section}.{key} is never used by the data")
        for pattern in self._patterns:
            if not any(pattern.search(e) for e in seen):
                out.append(f"{label}: aggregate_patterns {pattern.pattern!r} matches nothing")
        return out
