"""Alembic migrations of the cooperation registry (run by ``db.migrate``)."""
