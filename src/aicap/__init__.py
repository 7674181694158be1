"""aicap: the AI Capacity Observatory.

For notebooks (docs/python.md): ``aicap.results()``, ``aicap.profile("KEN")``,
``aicap.panel(...)``, ``aicap.composite(...)``. ``import aicap`` stays light: those names load
:mod:`aicap.api` (and pandas, the engine...) on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_API = ("results", "profile", "panel", "composite", "ApiError")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from aicap import api

        return getattr(api, name)
    raise AttributeError(f"module 'aicap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
