"""One look for the command line's progress bars: a bold label, the bar, done/total, what is
being done, time elapsed; transient when stderr is not a terminal (logs stay clean)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def bar(label: str, console: Console, *, what: str = "{task.description}") -> Progress:
    """A progress bar titled ``label`` (Rich markup); ``what`` is shown after the count and
    is never read as markup (URLs and file names print as they are)."""
    return Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(what, markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=not sys.stderr.isatty(),
    )
