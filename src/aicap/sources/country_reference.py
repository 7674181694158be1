"""Country reference: ISO 3166, UN M49, UN membership, six-language names, World Bank regions and
income groups (FY2025), LDC / LLDC / SIDS flags, and the World Bank's aggregate codes.

Built from four files in ``country_reference/`` (see its SOURCE.md): datasets/country-codes
(ISO, M49, UNTERM names, LDC/LLDC/SIDS), the World Bank CLASS FY2025 economies sheet, OCHA HDX's
countries & territories taxonomy (names for the two Member States whose UNTERM columns are empty in
the datasets file, coordinates, alternative names) and lukes' ISO 3166 table (extra names).

UN membership comes from UNTERM: a State in UNTERM without a marker is a Member State, ``*`` marks
the two non-member observer States, ``**`` the States associated with New Zealand. The importer
checks that exactly 193 Member States result.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from aicap import yamlload
from aicap.sources.base import SourceError, SourceInfo, decode_text, read_csv_text
from aicap.sources.files import read_source_files

SOURCE = SourceInfo(
    id="country_reference",
    publisher="UN Statistics Division; ISO 3166 Maintenance Agency; World Bank; OCHA",
    title="Country reference: ISO 3166, UN M49, UNTERM names, LDC/LLDC/SIDS, WB income groups",
    url="https://github.com/datasets/country-codes",
    licence="ODC-PDDL-1.0 (country-codes); CC BY 4.0 (World Bank CLASS); MIT (HDX taxonomy); "
    "CC BY-SA 4.0 (lukes, used as a lookup)",
    citation="UN Statistics Division M49; UNTERM; World Bank CLASS FY2025; OCHA HDX taxonomy",
    entity_kind="code",
    files=(
        "datasets-country-codes.csv",
        "wb-class-fy2025-economies.csv",
        "hdx-python-country-4.2.5-countries-territories-taxonomy.csv",
        "lukes-iso3166-all.csv",
    ),
    vintage="country-codes caa72d1e (2026-05-15); WB CLASS FY2025; HDX 4.2.5; lukes 145f1ad3",
)

CODES_FILE = "datasets-country-codes.csv"
WB_FILE = "wb-class-fy2025-economies.csv"
HDX_FILE = "hdx-python-country-4.2.5-countries-territories-taxonomy.csv"
LUKES_FILE = "lukes-iso3166-all.csv"

MEMBER_STATES = 193
LANGS = ("en", "fr", "es", "ru", "zh", "ar")
_UNTERM_LANG = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
    "zh": "Chinese",
    "ar": "Arabic",
}
_HDX_SHORT = {
    "en": "English Short",
    "fr": "French Short",
    "es": "Spanish Short",
    "ru": "Russian Short",
    "zh": "Chinese Short",
    "ar": "Arabic Short",
}
INCOME_CODES = {
    "Low income": "LIC",
    "Lower middle income": "LMC",
    "Upper middle income": "UMC",
    "High income": "HIC",
}

#: Columns of :attr:`Reference.countries`.
COUNTRY_COLUMNS: tuple[str, ...] = (
    "iso3",
    "iso2",
    "m49",
    "status",
    "name",
    *(f"name_{lang}" for lang in LANGS),
    *(f"formal_name_{lang}" for lang in LANGS),
    "un_region",
    "un_subregion",
    "un_intermediate_region",
    "wb_region",
    "income_group",
    "lending_category",
    "ldc",
    "lldc",
    "sids",
    "latitude",
    "longitude",
)


@dataclass(frozen=True)
class Overrides:
    """Corrections from ``mappings/country_reference.yaml``."""

    ldc_graduated: dict[str, str]
    wb_code_fixes: dict[str, str]
    non_iso_entities: dict[str, str]
    unterm_markers: dict[str, str]


@dataclass
class Reference:
    """The parsed country reference."""

    #: One row per ISO 3166 entity (plus XKX, CHI): :data:`COUNTRY_COLUMNS`.
    countries: pd.DataFrame
    #: World Bank aggregate codes: columns code, name, publisher.
    aggregates: pd.DataFrame
    #: Name index for harmonisation: columns key (normalised name), iso3, name, origin.
    names: pd.DataFrame

    @property
    def member_states(self) -> list[str]:
        """ISO3 codes of the 193 UN Member States, sorted."""
        return sorted(self.countries.loc[self.countries["status"] == "member", "iso3"])


def load_overrides(text: str | None = None) -> Overrides:
    """Read the corrections file shipped with the package (or ``text``)."""
    if text is None:
        text = (
            resources.files("aicap.sources")
            .joinpath("mappings/country_reference.yaml")
            .read_text("utf-8")
        )
    data: dict[str, Any] = yamlload.safe_load(text)
    return Overrides(
        ldc_graduated=dict(data.get("ldc_graduated") or {}),
        wb_code_fixes=dict(data.get("wb_code_fixes") or {}),
        non_iso_entities=dict(data.get("non_iso_entities") or {}),
        unterm_markers=dict(data.get("unterm_markers") or {}),
    )


_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """The matching key of a country name: accents stripped, casefolded, ``&`` → ``and``,
    punctuation and a leading "the" removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    # UNTERM short names put the article last: "Bahamas (the)" -> "bahamas the"
    if text.endswith(" the"):
        text = text[:-4]
    return text


def _flag(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == "x"


def _clean_unterm(name: str) -> str:
    return name.replace("*", "").strip()


def _status(unterm_en: str, iso3: str, overrides: Overrides) -> str:
    if iso3 in overrides.non_iso_entities:
        return "other"
    if not unterm_en:
        return "territory"
    for marker in sorted(overrides.unterm_markers, key=len, reverse=True):
        if unterm_en.rstrip().endswith(marker):
            return overrides.unterm_markers[marker]
    return "member"


def load_reference(folder: Path) -> Reference:
    """Read and parse the reference from a ``country_reference`` folder on disk."""
    return parse(read_source_files(folder, SOURCE))


def parse(files: Mapping[str, bytes], overrides: Overrides | None = None) -> Reference:
    """Build the reference from the raw files (pure)."""
    overrides = overrides or load_overrides()
    codes = read_csv_text(
        decode_text(files.get(CODES_FILE, b""), file=CODES_FILE),
        file=CODES_FILE,
        required=(
            "ISO3166-1-Alpha-3",
            "ISO3166-1-Alpha-2",
            "M49",
            "UNTERM English Short",
            "Least Developed Countries (LDC)",
            "Land Locked Developing Countries (LLDC)",
            "Small Island Developing States (SIDS)",
            "Region Name",
            "Sub-region Name",
            "Intermediate Region Name",
            "official_name_en",
            "CLDR display name",
        ),
    ).fillna("")
    wb = read_csv_text(
        decode_text(files.get(WB_FILE, b""), file=WB_FILE),
        file=WB_FILE,
        required=("Economy", "Code", "Region", "Income group", "Lending category"),
    ).fillna("")
    hdx = read_csv_text(
        decode_text(files.get(HDX_FILE, b""), file=HDX_FILE),
        file=HDX_FILE,
        required=(
            "ISO 3166-1 Alpha 3-Codes",
            "x Alpha3 codes",
            "Preferred Term",
            "Appears in UNTERM list",
            "Latitude",
            "Longitude",
            *_HDX_SHORT.values(),
            "English Formal",
            "M49 English",
        ),
    ).fillna("")
    lukes = read_csv_text(
        decode_text(files.get(LUKES_FILE, b""), file=LUKES_FILE),
        file=LUKES_FILE,
        required=("name", "alpha-3"),
    ).fillna("")

    # --- ISO 3166 entities from datasets/country-codes --------------------------------------
    codes = codes[codes["ISO3166-1-Alpha-3"].str.len() == 3].copy()
    dup = codes["ISO3166-1-Alpha-3"].duplicated()
    if bool(dup.any()):
        row = codes[dup].iloc[0]
        raise SourceError(
            "duplicate ISO3 code",
            file=CODES_FILE,
            row=int(row["_row"]),
            column="ISO3166-1-Alpha-3",
            value=row["ISO3166-1-Alpha-3"],
        )
    hdx["_iso3"] = hdx["ISO 3166-1 Alpha 3-Codes"].where(
        hdx["ISO 3166-1 Alpha 3-Codes"] != "", hdx["x Alpha3 codes"]
    )
    hdx_by = hdx[hdx["_iso3"] != ""].drop_duplicates("_iso3").set_index("_iso3")

    records: list[dict[str, object]] = []
    for _, r in codes.iterrows():
        iso3 = str(r["ISO3166-1-Alpha-3"])
        h = hdx_by.loc[iso3] if iso3 in hdx_by.index else None
        unterm_en = str(r["UNTERM English Short"])
        if not unterm_en and h is not None and h["Appears in UNTERM list"] == "Y":
            # datasets/country-codes leaves the UNTERM columns empty for a few Member States
            # (Côte d'Ivoire, Türkiye): HDX carries the same UNTERM names.
            unterm_en = str(h["English Short"])
        rec: dict[str, object] = {
            "iso3": iso3,
            "iso2": str(r["ISO3166-1-Alpha-2"]) or None,
            "m49": int(r["M49"]) if str(r["M49"]).isdigit() else None,
            "status": _status(unterm_en, iso3, overrides),
        }
        for lang in LANGS:
            short = _clean_unterm(str(r.get(f"UNTERM {_UNTERM_LANG[lang]} Short", "")))
            formal = _clean_unterm(str(r.get(f"UNTERM {_UNTERM_LANG[lang]} Formal", "")))
            if not short and h is not None:
                short = _clean_unterm(str(h[_HDX_SHORT[lang]]))
            if not formal and h is not None and lang == "en":
                formal = str(h["English Formal"])
            official = str(r.get(f"official_name_{'cn' if lang == 'zh' else lang}", ""))
            rec[f"name_{lang}"] = short or official or None
            rec[f"formal_name_{lang}"] = formal or None
        rec["name"] = (
            rec["name_en"]
            or str(r["CLDR display name"])
            or (str(h["Preferred Term"]) if h is not None else iso3)
        )
        rec["un_region"] = str(r["Region Name"]) or None
        rec["un_subregion"] = str(r["Sub-region Name"]) or None
        rec["un_intermediate_region"] = str(r["Intermediate Region Name"]) or None
        rec["ldc"] = _flag(r["Least Developed Countries (LDC)"])
        rec["lldc"] = _flag(r["Land Locked Developing Countries (LLDC)"])
        rec["sids"] = _flag(r["Small Island Developing States (SIDS)"])
        rec["latitude"] = float(h["Latitude"]) if h is not None and h["Latitude"] else None
        rec["longitude"] = float(h["Longitude"]) if h is not None and h["Longitude"] else None
        records.append(rec)

    # --- non-ISO entities the World Bank reports on -----------------------------------------
    for code, label in overrides.non_iso_entities.items():
        h = hdx_by.loc[code] if code in hdx_by.index else None
        records.append(
            {
                "iso3": code,
                "iso2": None,
                "m49": None,
                "status": "other",
                "name": label.split(" (")[0],
                **{f"name_{lang}": None for lang in LANGS},
                **{f"formal_name_{lang}": None for lang in LANGS},
                "name_en": label.split(" (")[0],
                "un_region": None,
                "un_subregion": None,
                "un_intermediate_region": None,
                "ldc": False,
                "lldc": False,
                "sids": False,
                "latitude": float(h["Latitude"]) if h is not None and h["Latitude"] else None,
                "longitude": float(h["Longitude"]) if h is not None and h["Longitude"] else None,
            }
        )
    countries = pd.DataFrame.from_records(records)

    # --- LDC graduations ---------------------------------------------------------------------
    for iso3 in overrides.ldc_graduated:
        mask = countries["iso3"] == iso3
        if not bool(countries.loc[mask, "ldc"].any()):
            raise SourceError(
                f"override ldc_graduated.{iso3} no longer applies (not flagged LDC in the file); "
                "remove it from mappings/country_reference.yaml",
                file=CODES_FILE,
                column="Least Developed Countries (LDC)",
                value=iso3,
            )
        countries.loc[mask, "ldc"] = False

    # --- World Bank regions, income groups, aggregates ----------------------------------------
    wb["Code"] = wb["Code"].replace(overrides.wb_code_fixes)
    is_economy = wb["Region"] != ""  # aggregates have no region; Venezuela has one but no income
    economies = wb[is_economy]
    known = set(countries["iso3"])
    unknown = economies[~economies["Code"].isin(known)]
    if len(unknown):
        row = unknown.iloc[0]
        raise SourceError(
            "World Bank economy code not in the ISO reference (add it to wb_code_fixes or "
            "non_iso_entities in mappings/country_reference.yaml)",
            file=WB_FILE,
            row=int(row["_row"]),
            column="Code",
            value=row["Code"],
        )
    bad_income = economies[~economies["Income group"].isin([*INCOME_CODES, ""])]
    if len(bad_income):
        row = bad_income.iloc[0]
        raise SourceError(
            "unknown income group",
            file=WB_FILE,
            row=int(row["_row"]),
            column="Income group",
            value=row["Income group"],
        )
    wb_by = economies.set_index("Code")
    countries["wb_region"] = countries["iso3"].map(wb_by["Region"]).replace("", None)
    countries["income_group"] = countries["iso3"].map(wb_by["Income group"].map(INCOME_CODES))
    countries["lending_category"] = (
        countries["iso3"].map(wb_by["Lending category"]).replace("", None)
    )
    aggregates = pd.DataFrame(
        {
            "code": wb.loc[~is_economy, "Code"].to_numpy(),
            "name": wb.loc[~is_economy, "Economy"].to_numpy(),
            "publisher": "World Bank",
        }
    )

    members = int((countries["status"] == "member").sum())
    if members != MEMBER_STATES:
        raise SourceError(
            f"found {members} UN Member States in the UNTERM columns, expected {MEMBER_STATES}",
            file=CODES_FILE,
            column="UNTERM English Short",
        )
    countries = countries.reindex(columns=list(COUNTRY_COLUMNS))
    countries = countries.sort_values("iso3").reset_index(drop=True)

    # --- name index ------------------------------------------------------------------------
    pairs: list[tuple[str, str, str]] = []
    for _, r in countries.iterrows():
        for col in ("name", "name_en", "formal_name_en"):
            if isinstance(r[col], str) and r[col]:
                pairs.append((r[col], str(r["iso3"]), col))
    for _, r in codes.iterrows():
        for col in ("official_name_en", "CLDR display name"):
            if r[col]:
                pairs.append((str(r[col]), str(r["ISO3166-1-Alpha-3"]), col))
    for _, r in hdx[hdx["_iso3"] != ""].iterrows():
        for col in ("Preferred Term", "English Short", "M49 English"):
            if r[col]:
                pairs.append((str(r[col]), str(r["_iso3"]), f"hdx:{col}"))
    for _, r in lukes.iterrows():
        if r["name"] and r["alpha-3"]:
            pairs.append((str(r["name"]), str(r["alpha-3"]), "lukes:name"))
    for _, r in economies.iterrows():
        pairs.append((str(r["Economy"]), str(r["Code"]), "wb:Economy"))
    names = pd.DataFrame(pairs, columns=["name", "iso3", "origin"])
    names["key"] = names["name"].map(normalise_name)
    names = names[names["iso3"].isin(known) & (names["key"] != "")]
    names = names.drop_duplicates(["key", "iso3"]).reset_index(drop=True)
    return Reference(countries=countries, aggregates=aggregates, names=names)
