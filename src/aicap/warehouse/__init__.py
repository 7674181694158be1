"""Warehouse: embedded DuckDB store, country reference and provenance."""
