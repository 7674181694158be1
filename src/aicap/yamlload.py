"""YAML read with libyaml's C parser where PyYAML has it: the same documents as
``yaml.safe_load`` (tested), about ten times faster on aicap's catalogues, which every command
and server process reads at start."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load`` with the C loader when available."""
    return yaml.load(text, Loader=_LOADER)
