"""The warehouse's tables (DuckDB DDL). Bump :data:`SCHEMA_VERSION` on any change: a warehouse
with another version is rebuilt from the snapshot on the next ingest."""

from __future__ import annotations

SCHEMA_VERSION = "5"

DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sources (
        source_id VARCHAR PRIMARY KEY,
        publisher VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        licence VARCHAR NOT NULL,
        citation VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,
        live_url VARCHAR NOT NULL,
        retrieved VARCHAR NOT NULL,      -- date of the snapshot files (ISO 8601)
        origin VARCHAR NOT NULL,         -- 'snapshot' (bundled files) or 'live'
        folder VARCHAR NOT NULL,         -- bundled: folder name; live: the snapshot folder
        snapshot VARCHAR NOT NULL,       -- live snapshot id '<source>/<UTC stamp>'; '' if bundled
        snapshot_retrieved VARCHAR NOT NULL,  -- when the live snapshot was downloaded
        snapshot_urls JSON NOT NULL,     -- every URL the live snapshot was downloaded from
        fingerprint VARCHAR NOT NULL,    -- files + mapping + importer code: decides re-ingest
        ingested_at TIMESTAMP NOT NULL,
        n_observations BIGINT NOT NULL,
        n_aggregate_observations BIGINT NOT NULL,
        excluded JSON NOT NULL,          -- entity -> reason
        notes JSON NOT NULL,
        warnings JSON NOT NULL,
        route JSON NOT NULL              -- how the snapshot obtained the files: mirrors
                                         -- [{repository, url, commit}] or live URLs
    )""",
    """CREATE TABLE IF NOT EXISTS source_files (
        source_id VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        origin VARCHAR NOT NULL,   -- 'snapshot' (bundled), 'live' (downloaded), 'carried'
        url VARCHAR NOT NULL,      -- where a live file was downloaded from; '' otherwise
        PRIMARY KEY (source_id, path)
    )""",
    """CREATE TABLE IF NOT EXISTS indicators (
        code VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        description VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        source_code VARCHAR NOT NULL,
        licence VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS observations (
        iso3 VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        indicator VARCHAR NOT NULL,
        value DOUBLE NOT NULL,
        unit VARCHAR NOT NULL,
        flags VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row INTEGER NOT NULL
        -- unique (iso3, year, indicator): checked at ingest (an ART index would make the
        -- file ten times larger)
    )""",
    """CREATE TABLE IF NOT EXISTS aggregate_observations (
        code VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        indicator VARCHAR NOT NULL,
        value DOUBLE NOT NULL,
        flags VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS countries (
        iso3 VARCHAR PRIMARY KEY,
        iso2 VARCHAR,
        m49 INTEGER,
        status VARCHAR NOT NULL,   -- member | observer | territory | other
        name VARCHAR NOT NULL,
        name_en VARCHAR, name_fr VARCHAR, name_es VARCHAR,
        name_ru VARCHAR, name_zh VARCHAR, name_ar VARCHAR,
        formal_name_en VARCHAR, formal_name_fr VARCHAR, formal_name_es VARCHAR,
        formal_name_ru VARCHAR, formal_name_zh VARCHAR, formal_name_ar VARCHAR,
        un_region VARCHAR,
        un_subregion VARCHAR,
        un_intermediate_region VARCHAR,
        wb_region VARCHAR,
        income_group VARCHAR,      -- LIC | LMC | UMC | HIC (World Bank FY2025); NULL unclassified
        lending_category VARCHAR,
        ldc BOOLEAN NOT NULL,
        lldc BOOLEAN NOT NULL,
        sids BOOLEAN NOT NULL,
        latitude DOUBLE,
        longitude DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS aggregates (
        code VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        publisher VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS country_names (
        key VARCHAR NOT NULL,
        iso3 VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        origin VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS geometries (
        iso3 VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        geometry VARCHAR NOT NULL,   -- GeoJSON geometry
        source_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS record_tables (
        source_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,         -- the importer's name for the table (Parsed.records key)
        table_name VARCHAR NOT NULL,   -- rec_<source>_<name>, created from the frame's dtypes
        columns JSON NOT NULL,         -- [{"name": ..., "type": ...}] in table order
        n_rows BIGINT NOT NULL,
        PRIMARY KEY (source_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS ingest_runs (
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        changed JSON NOT NULL,
        unchanged JSON NOT NULL,
        no_importer JSON NOT NULL
    )""",
)

#: Prefix of the record tables (``rec_<source>_<name>``), one per record frame of a source;
#: dropped and re-created, with their ``record_tables`` rows, when the source changes.
RECORD_TABLE_PREFIX = "rec_"

#: Tables whose rows belong to one source (deleted and re-inserted when it changes).
PER_SOURCE_TABLES: tuple[str, ...] = (
    "source_files",
    "indicators",
    "observations",
    "aggregate_observations",
    "aggregates",
    "geometries",
)
