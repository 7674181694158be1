"""The warehouse frames the Monitor needs, read once (the only module here that touches the
warehouse; everything else is pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from aicap.warehouse.read import Warehouse


@dataclass(frozen=True)
class MonitorData:
    countries: pd.DataFrame
    clusters: pd.DataFrame
    models: pd.DataFrame
    model_countries: pd.DataFrame
    regions: pd.DataFrame
    girai_areas: pd.DataFrame
    girai_frameworks: pd.DataFrame
    girai_initiatives: pd.DataFrame
    aiid: pd.DataFrame
    aiid_countries: pd.DataFrame
    aiaaic: pd.DataFrame
    aiaaic_countries: pd.DataFrame
    #: the warehouse's source metadata (publisher, title, licence, vintage) for footnotes
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)


def load(wh: Warehouse) -> MonitorData:
    """Every record table the Monitor reads (a ``WarehouseError`` names a missing one)."""
    return MonitorData(
        countries=wh.countries(),
        clusters=wh.records("epoch_gpu_clusters", "clusters"),
        models=wh.records("epoch_ai_models_2025_12", "models"),
        model_countries=wh.records("epoch_ai_models_2025_12", "model_countries"),
        regions=wh.records("cloud_regions", "regions"),
        girai_areas=wh.records("girai", "areas"),
        girai_frameworks=wh.records("girai", "frameworks"),
        girai_initiatives=wh.records("girai", "initiatives"),
        aiid=wh.records("aiid_incidents", "incidents"),
        aiid_countries=wh.records("aiid_incidents", "incident_countries"),
        aiaaic=wh.records("aiaaic_incidents", "incidents"),
        aiaaic_countries=wh.records("aiaaic_incidents", "incident_countries"),
        sources=wh.sources(),
    )
