"""Migration 0006 on SQLite and PostgreSQL: it upgrades from 0005 and back, and the
correction rules it creates are append-only like the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from aicap.warehouse.cooperation.db import current_revision, downgrade, make_engine, migrate


def test_upgrade_downgrade_and_rules_are_append_only(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0005")
    assert current_revision(engine) == "0005"
    migrate(engine)
    assert current_revision(engine) == "0007"
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO voice_report (version, dataset, created_at, updated_at, "
                "country_iso3, indicator, series, year, why, evidence, state, reason) VALUES "
                "(1, 'real', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'KEN', 'internet_use', "
                "'OWID.INTERNET_USERS', 2024, 'why it is wrong', '', 'accepted', '')"
            )
        )
        c.execute(
            text(
                "INSERT INTO voice_rule (report_id, country_iso3, indicator, series, year, "
                "action, reason, dataset, decided_by, decided_at) VALUES (1, 'KEN', "
                "'internet_use', 'OWID.INTERNET_USERS', 2024, 'exclude', 'r', 'real', 'rev', "
                "CURRENT_TIMESTAMP)"
            )
        )
    for sql in ("UPDATE voice_rule SET action = 'correct'", "DELETE FROM voice_rule"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as c:
            c.execute(text(sql))
    downgrade(engine, "0005")
    assert current_revision(engine) == "0005"
    migrate(engine)
    assert current_revision(engine) == "0007"
    engine.dispose()
