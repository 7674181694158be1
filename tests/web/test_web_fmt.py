"""The pages' number formatting (``fmt`` in the templates) writes what Babel's
``format_decimal`` writes, in the six languages (the export formats ~100,000 numbers: the
function uses Python's formatting with each locale's symbols instead of Babel's pattern
machinery, so it must be checked against Babel, rounding included)."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal

from aicap.web import i18n
from aicap.web.render import _fmt


def _values() -> list[float]:
    rng = random.Random(24)
    out = [0.0, -0.0, 0.05, 0.15, 0.25, 2.675, 1.005, -0.04, 999.95, 1234.5, -1234.55, 1e14]
    out += [rng.uniform(-1e6, 1e6) for _ in range(300)]
    out += [round(rng.uniform(-100, 100), 3) for _ in range(300)]  # ties at 3 decimals
    out += [rng.lognormvariate(0, 4) for _ in range(200)]
    out += [float("nan"), float("inf"), 3e17]
    return out


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_fmt_writes_what_babel_writes(lang: str) -> None:
    fmt = _fmt(lang)
    for v in _values():
        for digits in (0, 1, 2, 3):
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            assert fmt(v, digits) == format_decimal(v, locale=lang, format=pattern), (v, digits)
    for n in (0, 7, -7, 1234, -98765, 10**12, 2**40):
        assert fmt(n) == format_decimal(n, locale=lang, format="#,##0"), n
    assert fmt(None) == "–"
