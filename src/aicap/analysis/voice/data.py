"""What the country voice reads from the warehouse, once: the index's raw inputs (the long
panel of every series the framework reads), the Member States, licences, each series' unit, the
asset tables of the tier rule, and the index year (the international view's latest year: a
national view never moves it)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from aicap.analysis.assets import AssetInputs, load_asset_inputs
from aicap.analysis.capacity_index import MEMBER_COLUMNS, derive, latest_year
from aicap.analysis.spec import IndexSpec, IndicatorSpec, default_framework_path
from aicap.warehouse.read import Warehouse


@dataclass(frozen=True)
class VoiceData:
    spec: IndexSpec
    members: pd.DataFrame
    licences: dict[str, str]
    raw: pd.DataFrame  # iso3, year, indicator, value, unit, flags, source
    units: dict[str, str]  # warehouse series -> unit
    assets: AssetInputs
    end: int  # the index year

    @classmethod
    def load(cls, wh: Warehouse, spec: IndexSpec | None = None) -> VoiceData:
        spec = spec or IndexSpec.load(default_framework_path())
        members = wh.countries("member")[MEMBER_COLUMNS].reset_index(drop=True)
        meta = wh.indicators()
        licences = dict(zip(meta["code"], meta["licence"].astype(str), strict=True))
        units = dict(zip(meta["code"], meta["unit"].astype(str), strict=True))
        raw = wh.panel(spec.input_series(), countries=list(members["iso3"]))
        return cls.build(spec, members, licences, raw, units, load_asset_inputs(wh))

    @classmethod
    def build(
        cls,
        spec: IndexSpec,
        members: pd.DataFrame,
        licences: dict[str, str],
        raw: pd.DataFrame,
        units: dict[str, str],
        assets: AssetInputs,
    ) -> VoiceData:
        """From frames already read (pure; the tests build synthetic ones)."""
        end = latest_year(derive(spec, raw, members, licences))
        if spec.series.end != "latest":
            end = int(spec.series.end)
        return cls(spec, members, licences, raw, units, assets, end)

    def indicator(self, code: str) -> IndicatorSpec | None:
        return next((i for i in self.spec.indicators if i.code == code), None)

    def unit_of(self, ind: IndicatorSpec) -> str:
        """The unit a national value of ``ind`` is given in: the warehouse series' unit."""
        return self.units.get(ind.series, ind.unit)

    def first_year(self, ind: IndicatorSpec) -> int:
        """The earliest year the index reads for ``ind``."""
        return self.spec.series.start - self.spec.max_age(ind) - (ind.rolling_sum or 1) + 1

    def value(self, iso3: str, series: str, year: int) -> float | None:
        r = self.raw
        hit = r[(r["iso3"] == iso3) & (r["indicator"] == series) & (r["year"] == year)]
        return float(hit["value"].iloc[0]) if len(hit) else None
