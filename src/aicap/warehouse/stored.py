"""What a warehouse file already holds, read without locking it for writing: each source's
fingerprint and the sources stored from a live snapshot (used by
:func:`aicap.warehouse.ingest.ingest` to skip unchanged sources and to keep live ones live)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aicap.warehouse.schema import SCHEMA_VERSION


def stored_fingerprints(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return {}
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            return {}
        rows = con.execute("SELECT source_id, fingerprint FROM sources").fetchall()
        return {str(s): str(f) for s, f in rows}
    except duckdb.Error:
        return {}
    finally:
        con.close()


def stored_live(path: Path) -> dict[str, Path]:
    """Sources stored from a live snapshot: source -> snapshot folder."""
    if not path.exists():
        return {}
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return {}
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            return {}
        rows = con.execute("SELECT source_id, folder FROM sources WHERE origin = 'live'").fetchall()
        return {str(s): Path(str(f)) for s, f in rows}
    except duckdb.Error:
        return {}
    finally:
        con.close()
