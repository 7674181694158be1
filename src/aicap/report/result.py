"""What writing a briefing produced (a module of its own, light to import: a briefing reused
from the cache is reported without importing the code that computes one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Briefing:
    """What ``write_briefing`` produced."""

    html: Path
    pdf: Path | None
    data_files: list[Path]
    annex: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    pages: int | None = None
    generated: str = ""  # the time in the subtitle
    reused: bool = False  # copied from the cache (aicap.report.reuse): no input changed
    #: language -> (HTML, PDF or None, pages or None) of every language written
    languages: dict[str, tuple[Path, Path | None, int | None]] = field(default_factory=dict)
