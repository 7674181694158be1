"""UNDP Human Development Report 2023/24: composite indices, complete time series (1990-2022).

File ``HDR23-24_Composite_indices_complete_time_series.csv``: UTF-8 **with a BOM**, CRLF, wide:
text columns ``iso3, country, hdicode, region, hdi_rank_2022`` and then one column per
``<var>_<year>``. Reshaped to long, one indicator ``HDR.<VAR>`` per variable (``hdi_2019`` ->
``HDR.HDI``, 2019). Every ``<var>_<year>`` column is numeric and kept; the rank column
``hdi_rank_2022`` is a label of the row, not a series, and is skipped with the other text
columns. Empty cells are missing and dropped, as is the one literal ``NaN`` in the file.
Entities are the ``iso3`` codes; the 11 aggregate rows have codes starting with ``ZZ``
(``ZZK.WORLD``...), listed with their names under ``aggregates`` in ``mappings/undp_hdr.yaml``.

No ``fetch``: the HDR data centre's current file is the 2025 release with other columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from aicap.sources._common import check_codes, finish, read_table
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    require_file,
)

FILE = "HDR23-24_Composite_indices_complete_time_series.csv"

SOURCE = SourceInfo(
    id="undp_hdr",
    publisher="United Nations Development Programme (UNDP), Human Development Report Office",
    title="Human Development Report 2023/24: composite indices complete time series",
    url="https://hdr.undp.org/data-center/documentation-and-downloads",
    licence="CC BY 3.0 IGO",
    citation="UNDP (2024). Human Development Report 2023/2024, composite indices time series "
    "(via github.com/Ethanchu-bot/week4).",
    entity_kind="code",
    files=(FILE,),
    vintage="Ethanchu-bot/week4@eda8b9588f319cc258c238e9edc8f6579bf3e024 (2024-10-31)",
)

#: Missing markers: empty cells, and one literal ``NaN`` (Rwanda, ``diff_hdi_phdi_1994``).
MISSING = ("", "..", "NaN")

TEXT_COLUMNS = ("iso3", "country", "hdicode", "region", "hdi_rank_2022")

_VAR_YEAR = re.compile(r"^([a-z][a-z0-9_]*?)_(\d{4})$")

#: var -> (name, unit); variables not listed here are kept with their own name.
VARIABLES: dict[str, tuple[str, str]] = {
    "hdi": ("Human Development Index", "index (0-1)"),
    "le": ("Life expectancy at birth", "years"),
    "eys": ("Expected years of schooling", "years"),
    "mys": ("Mean years of schooling", "years"),
    "gnipc": ("Gross national income per capita", "2017 PPP $"),
    "gdi_group": ("Gender Development Index group", "group (1-5)"),
    "gdi": ("Gender Development Index", "ratio (female/male HDI)"),
    "hdi_f": ("Human Development Index, female", "index (0-1)"),
    "le_f": ("Life expectancy at birth, female", "years"),
    "eys_f": ("Expected years of schooling, female", "years"),
    "mys_f": ("Mean years of schooling, female", "years"),
    "gni_pc_f": ("Gross national income per capita, female", "2017 PPP $"),
    "hdi_m": ("Human Development Index, male", "index (0-1)"),
    "le_m": ("Life expectancy at birth, male", "years"),
    "eys_m": ("Expected years of schooling, male", "years"),
    "mys_m": ("Mean years of schooling, male", "years"),
    "gni_pc_m": ("Gross national income per capita, male", "2017 PPP $"),
    "ihdi": ("Inequality-adjusted Human Development Index", "index (0-1)"),
    "coef_ineq": ("Coefficient of human inequality", "%"),
    "loss": ("Overall loss in HDI due to inequality", "%"),
    "ineq_le": ("Inequality in life expectancy", "%"),
    "ineq_edu": ("Inequality in education", "%"),
    "ineq_inc": ("Inequality in income", "%"),
    "gii_rank": ("Gender Inequality Index rank", "rank"),
    "gii": ("Gender Inequality Index", "index (0-1)"),
    "mmr": ("Maternal mortality ratio", "deaths per 100,000 live births"),
    "abr": ("Adolescent birth rate", "births per 1,000 women ages 15-19"),
    "se_f": ("Population with at least some secondary education, female", "% ages 25+"),
    "se_m": ("Population with at least some secondary education, male", "% ages 25+"),
    "pr_f": ("Share of seats in parliament, female", "% held by women"),
    "pr_m": ("Share of seats in parliament, male", "% held by men"),
    "lfpr_f": ("Labour force participation rate, female", "% ages 15+"),
    "lfpr_m": ("Labour force participation rate, male", "% ages 15+"),
    "rankdiff_hdi_phdi": ("Difference from HDI rank (PHDI)", "ranks"),
    "phdi": ("Planetary pressures-adjusted Human Development Index", "index (0-1)"),
    "diff_hdi_phdi": ("Difference from HDI value (PHDI)", "%"),
    "co2_prod": ("Carbon dioxide emissions per capita (production)", "tonnes"),
    "mf": ("Material footprint per capita", "tonnes"),
    "pop_total": ("Population, total", "millions"),
}


def indicator_code(var: str) -> str:
    """``eys`` -> ``HDR.EYS``."""
    return f"HDR.{var.upper()}"


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Reshape the wide HDR table into long observations, one indicator per variable."""
    data = require_file(files, FILE, source=SOURCE.id)
    frame = read_table(data, file=FILE, required=("iso3",))
    check_codes(frame, "iso3", file=FILE)
    series: dict[str, list[tuple[str, int]]] = {}
    notes: list[str] = []
    ignored = []
    for column in frame.columns:
        if column == "_row" or column in TEXT_COLUMNS:
            continue
        match = _VAR_YEAR.match(column)
        if not match:
            ignored.append(column)
            continue
        series.setdefault(match.group(1), []).append((column, int(match.group(2))))
    if not series:
        raise SourceError(
            "no <variable>_<year> columns (wide HDR layout expected)", file=FILE, row=1
        )
    if ignored:
        notes.append(f"columns not of the form <variable>_<year> ignored: {', '.join(ignored)}")
    columns = [c for cols in series.values() for c, _y in cols]
    var_of = {c: var for var, cols in series.items() for c, _y in cols}
    year_of = {c: y for cols in series.values() for c, y in cols}
    block = frame[columns].astype("string")
    stripped = block.apply(lambda col: col.str.strip())
    missing = stripped.isna() | stripped.isin(list(MISSING))
    numeric = stripped.where(~missing).apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & ~missing
    if bool(bad.to_numpy().any()):
        # name the first offending cell, in file order (row, then column)
        i, j = (int(k[0]) for k in bad.to_numpy().nonzero())
        raise SourceError(
            "not a number",
            file=FILE,
            row=int(frame["_row"].iloc[i]),
            column=columns[j],
            value=str(block.iloc[i, j]),
        )
    numeric.insert(0, "_entity", frame["iso3"])
    numeric.insert(1, "_line", frame["_row"])
    long = numeric.melt(id_vars=["_entity", "_line"], var_name="_column", value_name="_value")
    long = long[long["_value"].notna()]
    frames = [
        observations(
            entity=long["_entity"],
            year=long["_column"].map(year_of).astype("int64"),
            indicator=long["_column"].map(lambda c: indicator_code(var_of[c])),
            value=long["_value"],
            file=FILE,
            row=long["_line"],
            column=long["_column"],
        )
    ]
    obs = finish(frames, notes)
    indicators = []
    for var, var_columns in series.items():
        name, unit = VARIABLES.get(var, (var, ""))
        years = sorted(y for _c, y in var_columns)
        indicators.append(
            IndicatorMeta(
                code=indicator_code(var),
                name=name,
                unit=unit,
                description=f"UNDP HDR 2023/24 composite indices time series, variable "
                f"{var!r} ({years[0]}-{years[-1]}).",
                source_code=var,
            )
        )
    return Parsed(observations=obs, indicators=indicators, notes=notes)
