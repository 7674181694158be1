"""The ``aicap`` console entry point.

Before anything, :func:`aicap.paths.apply` sets the unset ``AICAP_*`` location variables to the
project directory found upwards from the current one (else the per-user data directory), so that
every command's defaults follow it (``aicap where`` shows them).

``aicap report ...`` and ``aicap profile ...`` are dispatched to :mod:`aicap.cli.report_cmd`
alone: :mod:`aicap.cli.main` imports every command's modules (the index engine with SciPy, the
cooperation registry with SQLAlchemy, the web app...), about 3 s with bytecode caches and 7 s
without, which a briefing reused from the cache does not need. Every other command goes to
:data:`aicap.cli.main.app`, which also has ``report`` and ``profile`` (the same functions).
"""

from __future__ import annotations

import sys

LIGHT = ("report", "profile")


def main() -> None:  # pragma: no cover - console entry point
    from aicap import paths

    # every command's --warehouse/--out/--data-dir default follows the project directory found
    # from the current one (or the per-user directory); variables already set win
    paths.apply()
    if sys.argv[1:] == ["--version"]:  # without importing every command
        import aicap

        print(f"aicap {aicap.__version__}")
        return
    if sys.argv[1:2] and sys.argv[1] in LIGHT:
        from aicap.cli.report_cmd import standalone

        standalone()()
    else:
        from aicap.cli.main import app

        app()
