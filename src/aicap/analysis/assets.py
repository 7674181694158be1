"""What each Member State *has*: AI strategy, bodies, data-protection law, compute, cloud, models.

One row per country and asset, each with its state, value, year and source, read from the
warehouse's record tables (GIRAI's framework and initiative registers, Epoch AI's GPU clusters
and notable models, the public-cloud region lists) and the country reference. The functions are
pure (DataFrames in, DataFrames out); :func:`load_asset_inputs` is the only reader.

Stable API (reused by the tier rule and by the recommendations):

- :func:`load_asset_inputs` -> :class:`AssetInputs` (the record tables, read once);
- :func:`country_assets` -> long table, one row per ``iso3`` and ``asset`` (columns below);
- :func:`assets_wide` -> one row per country, ``<asset>`` (state) and ``<asset>_value`` columns;
- :data:`ASSETS` -> every asset code with its question, kind and source.

Columns of :func:`country_assets`: ``iso3, asset, kind, state, value, year, detail, source,
note``. ``kind`` is ``presence`` (``state`` is ``yes``, ``no`` or ``unknown``) or ``measure``
(``state`` is ``measured`` or ``unknown``; ``value`` holds the measure). ``unknown`` means the
source never assessed the country (GIRAI did not assess about 61 Member States) or its records
cannot prove absence: it is never read as ``no``. ``source`` names the publisher's data set and
the file and row of the record used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

ASSETS: Final[dict[str, dict[str, str]]] = {
    "strategy": {
        "kind": "presence",
        "question": "A national AI (or digital) strategy adopted",
        "source": "GIRAI 2026 framework register (Global Center on AI Governance)",
        "absence": (
            "assessed by GIRAI 2026, no adopted AI or national digital strategy recorded (a "
            "'Strategy', or a 'Policy' or 'White Paper' titled as an AI or digital policy, "
            "programme, action plan, strategy or road map, or a framework act on AI "
            "development): 'no' means none in GIRAI's record; a draft is reported"
        ),
    },
    "ai_body": {
        "kind": "presence",
        "question": "An implementation body, national AI centre or AI oversight body",
        "source": "GIRAI 2026 initiatives register",
        "absence": (
            "GIRAI's initiatives are examples, not a census of bodies: none recorded is "
            "unknown, never no"
        ),
    },
    "data_protection_law": {
        "kind": "presence",
        "question": "A data-protection (personal data) law in force",
        "source": "GIRAI 2026 framework register",
        "absence": (
            "GIRAI records data-protection laws only where they bear on its AI areas: none "
            "recorded is unknown, never no"
        ),
    },
    "gpu_clusters": {
        "kind": "presence",
        "question": "AI supercomputers (GPU clusters) operating in the country",
        "source": "Epoch AI, GPU clusters data set",
        "absence": (
            "no existing cluster listed by Epoch, which tracks the largest AI supercomputers; "
            "smaller university or government clusters may exist unlisted"
        ),
    },
    "cloud_region": {
        "kind": "presence",
        "question": "A public-cloud region in the country (AWS, Azure, GCP, Oracle, Vultr, Linode)",
        "source": "Public-cloud region lists of six providers (2022)",
        "absence": (
            "the list covers every region the six providers listed in 2022: none listed is "
            "no (national or regional clouds are not in it)"
        ),
    },
    "nearest_cloud_region": {
        "kind": "measure",
        "question": "Distance from the country's centroid to the nearest public-cloud region (km)",
        "source": "Public-cloud region lists (2022); Natural Earth 1:110m country shapes",
        "absence": "no country shape in the 1:110m map (small island States): unknown",
    },
    "notable_models": {
        "kind": "presence",
        "question": "Notable AI models developed by the country's organisations (last 5 years)",
        "source": "Epoch AI, Notable AI models (December 2025 file)",
        "absence": (
            "Epoch aims to list every model that meets its notability criteria, so none "
            "listed is read as none developed (a zero, not a gap)"
        ),
    },
}

_DP_PATTERN = (
    r"data protection|personal data|personal information|privacy|\bGDPR\b|"
    r"protection des donn|protección de datos|proteção de dados"
)
# A national AI strategy is often adopted as a "policy" or an "action plan" (Chile, Ethiopia,
# Pakistan, the United States...): such titles count when they name AI or digital technology.
_STRATEGY_TITLE = r"strateg|polic(?:y|ies)|action plan|road ?map|programme|program\b"
_AI_OR_DIGITAL = r"artificial intelligence|\bAI\b|digital|\bICT\b"
# a digital strategy counts when it is national in scope (not a sectoral digitalisation plan)
_NATIONAL_DIGITAL = r"national|agenda|transformation|economy|\bICT\b"
# a framework act on AI development mandates the national plan and the bodies that run it
_AI_FRAMEWORK_LAW = r"(?:basic|framework) (?:act|law)|development of (?:artificial intelligence|AI)"
_BODY_TYPES = (
    "Independent oversight bodies",
    "Research centers or networks",
    "AI observatories",
    "Mandated bodies (commissions task forces or inter-agency working groups) to draft an "
    "AI-related framework.",
)
_AI_PATTERN = r"artificial intelligence|\bAI\b|intelligence artificielle|inteligencia artificial"


@dataclass(frozen=True)
class AssetInputs:
    """The record tables the asset table is computed from (as read from the warehouse)."""

    countries: pd.DataFrame  # iso3, name, status, un_subregion
    frameworks: pd.DataFrame  # GIRAI: iso3, title, type, area_status, approval_year, file, row
    initiatives: pd.DataFrame  # GIRAI: iso3, name, type, body_name, file, row
    assessed: frozenset[str]  # ISO3 codes GIRAI assessed (any row in its areas table)
    clusters: pd.DataFrame  # Epoch: iso3, name, status, h100e, power_mw, first_year, file, row
    cloud: pd.DataFrame  # provider, region, location_name, lat, lon, announced, iso3, file, row
    models: pd.DataFrame  # Epoch notable: model, organization, year, open_weights, iso3, file, row
    centroids: pd.DataFrame  # iso3, lat, lon (from the country shapes)


def load_asset_inputs(wh: Any) -> AssetInputs:
    """Read the record tables from a :class:`aicap.warehouse.read.Warehouse`."""
    countries = wh.countries()[["iso3", "name", "status", "un_subregion"]]
    areas = wh.records("girai", "areas")
    models = wh.records("epoch_ai_models_2025_12", "models")
    mc = wh.records("epoch_ai_models_2025_12", "model_countries")
    mc = mc[mc["country_resolution"] == "country"][["tier", "model", "iso3"]]
    models = models.merge(mc, on=["tier", "model"], how="inner")
    models = models[models["tier"] == "notable"]
    return AssetInputs(
        countries=countries,
        frameworks=wh.records("girai", "frameworks"),
        initiatives=wh.records("girai", "initiatives"),
        assessed=frozenset(areas["iso3"].dropna()),
        clusters=wh.records("epoch_gpu_clusters", "clusters"),
        cloud=wh.records("cloud_regions", "regions"),
        models=models,
        centroids=centroids_from_geometries(wh.geometries()),
    )


# --------------------------------------------------------------------------- geometry
def _ring_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """Signed area and centroid (x, y) of a closed ring (shoelace formula)."""
    x, y = ring[:, 0].copy(), ring[:, 1]
    if x.max() - x.min() > 180:  # crosses the antimeridian: unwrap the western part
        x[x < 0] += 360.0
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = cross.sum() / 2.0
    if abs(a) < 1e-12:
        return 0.0, float(x.mean()), float(y.mean())
    cx = ((x + x1) * cross).sum() / (6.0 * a)
    cy = ((y + y1) * cross).sum() / (6.0 * a)
    return float(a), float(cx), float(cy)


def centroids_from_geometries(geoms: pd.DataFrame) -> pd.DataFrame:
    """``iso3, lat, lon``: the area centroid of each country's largest polygon (outer ring, in
    lon/lat degrees; good to a few tens of km for distances of hundreds). Columns in:
    ``iso3``, ``geometry`` (GeoJSON text, Polygon or MultiPolygon)."""
    rows: list[dict[str, Any]] = []
    for iso3, text in zip(geoms["iso3"], geoms["geometry"], strict=True):
        g = json.loads(text)
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        best: tuple[float, float, float] | None = None
        for poly in polys:
            a, cx, cy = _ring_centroid(np.asarray(poly[0], dtype=float))
            if best is None or abs(a) > abs(best[0]):
                best = (a, cx, cy)
        if best is not None:
            lon = (best[1] + 180.0) % 360.0 - 180.0
            rows.append({"iso3": iso3, "lat": best[2], "lon": lon})
    return pd.DataFrame(rows, columns=["iso3", "lat", "lon"])


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km (vectorised; mean Earth radius 6,371 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


# --------------------------------------------------------------------------- the table
def _src(name: str, rec: Any) -> str:
    file, row = rec.get("file"), rec.get("row")
    return f"{name}, {file} row {int(row)}" if file and row == row and row is not None else name


def _row(
    iso3: str,
    asset: str,
    state: str,
    value: float | None = None,
    year: int | None = None,
    detail: str = "",
    source: str | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "iso3": iso3,
        "asset": asset,
        "kind": ASSETS[asset]["kind"],
        "state": state,
        "value": np.nan if value is None else float(value),
        "year": year,
        "detail": detail,
        "source": source or ASSETS[asset]["source"],
        "note": note,
    }


def _not_assessed(iso3: str, asset: str) -> dict[str, Any]:
    return _row(iso3, asset, "unknown", note="not assessed: GIRAI 2026 did not assess this country")


def _flag_frameworks(fw: pd.DataFrame) -> pd.DataFrame:
    """GIRAI frameworks with boolean columns (computed once, vectorised): ``_strategy`` (an
    adopted strategy-like document), ``_ai`` (names AI), ``_draft`` (a draft strategy),
    ``_dp`` (an adopted data-protection law)."""
    # runs of spaces collapsed: "Concept  for  the  Development  of  Artificial  Intelligence
    # in  Ukraine" is an AI strategy (the register's title has double spaces)
    title = fw["title"].fillna("").astype(str).str.split().str.join(" ")
    ftype = fw["type"].fillna("").astype(str)
    adopted = fw["area_status"] == "Adopted"
    named = title.str.contains(_STRATEGY_TITLE, case=False, regex=True) & title.str.contains(
        _AI_OR_DIGITAL, case=False, regex=True
    )
    ai = title.str.contains(_AI_PATTERN, case=False, regex=True)
    national_digital = title.str.contains(r"digital|\bICT\b", case=False, regex=True) & (
        title.str.contains(_NATIONAL_DIGITAL, case=False, regex=True)
    )
    policy_like = (
        ftype.isin(["Policy", "White Paper"])
        & named
        & ~title.str.contains(r"guideline|principle", case=False, regex=True)
    )
    framework_law = (
        (ftype == "Law") & ai & title.str.contains(_AI_FRAMEWORK_LAW, case=False, regex=True)
    )
    return fw.assign(
        _strategy=(((ftype == "Strategy") | policy_like) & (ai | national_digital) | framework_law)
        & adopted,
        _ai=ai,
        _draft=((fw["area_status"] == "Draft") | (ftype == "Draft framework")) & named,
        _dp=ftype.isin(["Law", "International Law"])
        & adopted
        & title.str.contains(_DP_PATTERN, case=False, regex=True),
    )


def _flag_initiatives(ini: pd.DataFrame) -> pd.DataFrame:
    named = ini["body_name"].fillna("").astype(str).str.strip()
    return ini.assign(
        _body=ini["type"].isin(_BODY_TYPES)
        | ((named != "") & named.str.contains(_AI_PATTERN, case=False, regex=True))
    )


def _firsts(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> dict[str, dict[str, Any]]:
    """The first record per ``iso3`` after sorting by ``by`` (a dict per country)."""
    ordered = frame.sort_values(["iso3", *by], ascending=[True, *ascending])
    recs: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in ordered.drop_duplicates("iso3").to_dict("records")
    ]
    return {str(r["iso3"]): r for r in recs}


def _year(rec: dict[str, Any]) -> int | None:
    y = rec.get("approval_year")
    return None if y is None or y is pd.NA or y != y else int(y)


def _strategy(
    iso3: str, rec: dict[str, Any] | None, n: int, draft: dict[str, Any] | None, assessed: bool
) -> dict[str, Any]:
    if not assessed:
        return _not_assessed(iso3, "strategy")
    src = ASSETS["strategy"]["source"]
    if rec is not None:
        year = _year(rec)
        more = f" (and {n - 1} other strategy document{'s' if n > 2 else ''})" if n > 1 else ""
        detail = f"{rec['title']} ({rec['type']}){more}"
        return _row(iso3, "strategy", "yes", year, year, detail, _src(src, rec))
    note = ASSETS["strategy"]["absence"]
    if draft is not None:
        return _row(
            iso3,
            "strategy",
            "no",
            detail=f"draft only: {draft['title']}",
            source=_src(src, draft),
            note=note,
        )
    return _row(iso3, "strategy", "no", note=note)


def _data_protection(iso3: str, rec: dict[str, Any] | None, assessed: bool) -> dict[str, Any]:
    if not assessed:
        return _not_assessed(iso3, "data_protection_law")
    if rec is not None:
        year = _year(rec)
        src = _src(ASSETS["data_protection_law"]["source"], rec)
        return _row(iso3, "data_protection_law", "yes", year, year, str(rec["title"]), src)
    return _row(
        iso3, "data_protection_law", "unknown", note=ASSETS["data_protection_law"]["absence"]
    )


def _body(iso3: str, rec: dict[str, Any] | None, n: int, assessed: bool) -> dict[str, Any]:
    if not assessed:
        return _not_assessed(iso3, "ai_body")
    if rec is not None:
        label = str(rec.get("body_name") or "").strip() or str(rec["name"])
        src = _src(ASSETS["ai_body"]["source"], rec)
        return _row(
            iso3,
            "ai_body",
            "yes",
            float(n),
            None,
            f"{label} ({rec['type']})",
            src,
            note=f"{n} body-type initiative(s) recorded",
        )
    return _row(iso3, "ai_body", "unknown", note=ASSETS["ai_body"]["absence"])


def country_assets(
    inputs: AssetInputs,
    countries: list[str] | None = None,
    *,
    as_of: int = 2025,
    model_window: int = 5,
    cloud_year: int = 2022,
) -> pd.DataFrame:
    """The long asset table (see the module docstring) for ``countries`` (default: the Member
    States of ``inputs.countries``). Notable models count distinct models published in
    ``as_of - model_window + 1 .. as_of`` with at least one organisation in the country; GPU
    clusters count those with status ``Existing`` whose first operational year is ``<= as_of``
    (or unknown); GIRAI documents count from their approval year. The cloud region lists are
    one snapshot (``cloud_year``): for an earlier ``as_of`` the cloud assets are ``unknown``."""
    ref = inputs.countries
    codes = list(ref.loc[ref["status"] == "member", "iso3"]) if countries is None else countries
    fw = inputs.frameworks
    fw = _flag_frameworks(fw[fw["approval_year"].isna() | (fw["approval_year"] <= as_of)])
    ini = _flag_initiatives(inputs.initiatives)
    # the record chosen per country, found once for all (a per-country slice costs more)
    strat = fw[fw["_strategy"]]
    strat_first = _firsts(strat, ["_ai", "approval_year", "row"], [False, False, True])
    strat_n = strat.groupby("iso3")["title"].nunique().to_dict()
    draft_first = _firsts(fw[fw["_draft"]], ["row"], [True])
    dp_first = _firsts(fw[fw["_dp"]], ["approval_year", "row"], [True, True])
    body = ini[ini["_body"]]
    body_first = _firsts(body, ["row"], [True])
    body_n = body.groupby("iso3").size().to_dict()

    cl = inputs.clusters
    cl = cl[(cl["status"] == "Existing") & cl["iso3"].notna()]
    cl = cl[cl["first_year"].isna() | (cl["first_year"] <= as_of)]
    cl_by = dict(tuple(cl.groupby("iso3")))

    cloud = inputs.cloud[~inputs.cloud["announced"].fillna(False).astype(bool)]
    cloud = cloud.dropna(subset=["lat", "lon"])
    cloud_by = dict(tuple(cloud[cloud["iso3"].notna()].groupby("iso3")))
    cent = inputs.centroids.set_index("iso3")
    sub = ref.set_index("iso3")["un_subregion"]
    cloud_sub = set(sub.reindex(cloud["iso3"].dropna().unique()).dropna())

    lo = as_of - model_window + 1
    mod = inputs.models[(inputs.models["year"] >= lo) & (inputs.models["year"] <= as_of)]
    mod_by = dict(tuple(mod.groupby("iso3")))

    rows: list[dict[str, Any]] = []
    for iso3 in codes:
        assessed = iso3 in inputs.assessed
        rows.append(
            _strategy(
                iso3,
                strat_first.get(iso3),
                int(strat_n.get(iso3, 0)),
                draft_first.get(iso3),
                assessed,
            )
        )
        rows.append(_body(iso3, body_first.get(iso3), int(body_n.get(iso3, 0)), assessed))
        rows.append(_data_protection(iso3, dp_first.get(iso3), assessed))

        c = cl_by.get(iso3)
        if c is not None and len(c):
            h = float(c["h100e"].sum(min_count=1)) if c["h100e"].notna().any() else None
            mw = float(c["power_mw"].sum()) if c["power_mw"].notna().any() else None
            fy = c["first_year"].dropna()
            detail = f"{len(c)} cluster(s)"
            if h is not None:
                detail += f", {h:,.0f} H100-equivalents"
            if mw is not None:
                detail += f", {mw:,.1f} MW where reported"
            rows.append(
                _row(
                    iso3,
                    "gpu_clusters",
                    "yes",
                    float(len(c)),
                    int(fy.max()) if len(fy) else None,
                    detail,
                    _src(ASSETS["gpu_clusters"]["source"], c.iloc[0]),
                    note=json.dumps({"h100e": h, "power_mw": mw}),
                )
            )
        else:
            rows.append(
                _row(iso3, "gpu_clusters", "no", 0.0, note=ASSETS["gpu_clusters"]["absence"])
            )

        if as_of < cloud_year:
            for a in ("cloud_region", "nearest_cloud_region"):
                rows.append(
                    _row(iso3, a, "unknown", note=f"the region lists are a {cloud_year} snapshot")
                )
        r = cloud_by.get(iso3)
        if as_of < cloud_year:
            pass
        elif r is not None and len(r):
            provs = ", ".join(sorted(r["provider"].unique()))
            rows.append(
                _row(
                    iso3,
                    "cloud_region",
                    "yes",
                    float(len(r)),
                    cloud_year,
                    f"{len(r)} region(s): {provs}",
                    _src(ASSETS["cloud_region"]["source"], r.iloc[0]),
                )
            )
        else:
            rows.append(
                _row(
                    iso3,
                    "cloud_region",
                    "no",
                    0.0,
                    cloud_year,
                    note=ASSETS["cloud_region"]["absence"],
                )
            )

        same_sub = sub.get(iso3) in cloud_sub if sub.get(iso3) == sub.get(iso3) else False
        if as_of < cloud_year:
            pass
        elif r is not None and len(r):
            rows.append(
                _row(
                    iso3,
                    "nearest_cloud_region",
                    "measured",
                    0.0,
                    cloud_year,
                    "a region in the country",
                )
            )
        elif iso3 in cent.index and len(cloud):
            d = np.asarray(
                haversine_km(
                    cent.at[iso3, "lat"],
                    cent.at[iso3, "lon"],
                    cloud["lat"].to_numpy(),
                    cloud["lon"].to_numpy(),
                )
            )
            i = int(np.argmin(d))
            near = cloud.iloc[i]
            rows.append(
                _row(
                    iso3,
                    "nearest_cloud_region",
                    "measured",
                    round(float(d[i]), 0),
                    cloud_year,
                    f"{near['provider']} {near['region']} ({near['location_name']}, {near['iso3']})"
                    + (f"; the UN subregion ({sub.get(iso3)}) has a region" if same_sub else ""),
                    _src(ASSETS["nearest_cloud_region"]["source"], near),
                )
            )
        else:
            rows.append(
                _row(
                    iso3,
                    "nearest_cloud_region",
                    "unknown",
                    year=cloud_year,
                    detail=f"the UN subregion ({sub.get(iso3)}) has a region" if same_sub else "",
                    note=ASSETS["nearest_cloud_region"]["absence"],
                )
            )

        m = mod_by.get(iso3)
        window = f"{lo}-{as_of}"
        if m is not None and len(m):
            n = m["model"].nunique()
            ow = int(m.drop_duplicates("model")["open_weights"].fillna(False).astype(bool).sum())
            top = m.sort_values("year", ascending=False).iloc[0]
            org = str(top["organization"])
            org = org if len(org) <= 60 else org[:57] + "..."
            rows.append(
                _row(
                    iso3,
                    "notable_models",
                    "yes",
                    float(n),
                    int(m["year"].max()),
                    f"{n} notable model(s) {window}, {ow} with open weights; latest: "
                    f"{top['model']} ({org}, {int(top['year'])})",
                    _src(ASSETS["notable_models"]["source"], top),
                )
            )
        else:
            rows.append(
                _row(
                    iso3,
                    "notable_models",
                    "no",
                    0.0,
                    as_of,
                    f"none listed {window}",
                    note=ASSETS["notable_models"]["absence"],
                )
            )
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out


def assets_wide(long: pd.DataFrame) -> pd.DataFrame:
    """One row per ``iso3``: for every asset its ``state`` (column ``<asset>``) and ``value``
    (column ``<asset>_value``)."""
    state = long.pivot(index="iso3", columns="asset", values="state")
    value = long.pivot(index="iso3", columns="asset", values="value").add_suffix("_value")
    cols = [a for a in ASSETS if a in state.columns]
    return pd.concat([state[cols], value[[f"{a}_value" for a in cols]]], axis=1)


def asset_records(long: pd.DataFrame, iso3: str) -> list[dict[str, Any]]:
    """The assets of one country as JSON-ready records (NaN -> None)."""
    sub = long[long["iso3"] == iso3]
    recs: list[dict[str, Any]] = []
    for rec in sub.to_dict(orient="records"):
        recs.append(
            {
                str(k): (None if (isinstance(v, float) and v != v) or v is pd.NA else v)
                for k, v in rec.items()
            }
        )
    return recs
