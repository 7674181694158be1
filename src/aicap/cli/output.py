"""How commands print data: ``--format table|csv|json`` (``--json`` kept as a hidden alias),
and tables that fit the width or wrap into several blocks, never cutting a number.

A table wider than the terminal is printed as several tables one under the other, each with
the key columns (the first ones, e.g. ``iso3``) and as many other columns as fit; numbers are
never shortened ("100…") or folded, text columns wrap. Piped (not a terminal) and with no
``COLUMNS``, a table is printed at its full width, one line per row. Standard library and Rich.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="Output format: table, csv or json.",
        case_sensitive=False,
        show_default=True,
    ),
]
JsonAlias = Annotated[
    bool, typer.Option("--json", hidden=True, help="Same as --format json (kept for scripts).")
]


class FormatError(ValueError):
    """An unknown ``--format``."""


def choose(fmt: str, as_json: bool = False, allowed: Sequence[str] = FORMATS) -> str:
    """The format asked for: ``json`` when ``--json`` was given, else ``--format`` (checked
    against ``allowed``; a usage error, exit 2, otherwise)."""
    got = "json" if as_json else fmt.strip().lower()
    if got not in allowed:
        raise typer.BadParameter(
            f"{fmt!r} is not one of {', '.join(allowed)}", param_hint="'--format'"
        )
    return got


@dataclass(frozen=True)
class Column:
    """One column: the record key, its header, and whether it holds numbers (right-aligned,
    never cut or folded)."""

    key: str
    header: str = ""
    numeric: bool = False

    @property
    def title(self) -> str:
        return self.header or self.key


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e6 or value != round(value, 6) else f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def columns_of(rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Every key of the rows, in order; a column whose values are all numbers is numeric."""
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]

    def is_num(k: str) -> bool:
        vals = [r.get(k) for r in rows if r.get(k) is not None and r.get(k) == r.get(k)]
        return bool(vals) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in vals
        )

    return [Column(k, numeric=is_num(k)) for k in keys]


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.key for c in columns])
    for r in rows:
        w.writerow(["" if r.get(c.key) is None else _plain(r.get(c.key)) for c in columns])
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list | tuple) and not any(isinstance(v, dict | list) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False)
    return value


def width() -> int | None:
    """The width to fit: the terminal's (or ``COLUMNS``); None when piped with no ``COLUMNS``
    (the table is printed at its full width)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        return Console().width
    return None


def blocks(widths: Sequence[int], keys: int, room: int) -> list[list[int]]:
    """Column indices per block: the first ``keys`` columns in every block, then as many of
    the others as fit in ``room`` characters (each column takes its width plus 3 for the
    padding and rule; a table adds 1). A column wider than the room alone gets a block."""
    head = list(range(min(keys, len(widths))))
    base = 1 + sum(widths[i] + 3 for i in head)
    out: list[list[int]] = []
    current: list[int] = []
    used = base
    for i in range(len(head), len(widths)):
        need = widths[i] + 3
        if current and used + need > room:
            out.append(head + current)
            current, used = [], base
        current.append(i)
        used += need
    if current or not out:
        out.append(head + current)
    return out


def tables(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    *,
    title: str = "",
    keys: int = 1,
    room: int | None = None,
) -> list[Table]:
    """The Rich tables that show ``rows``: one if it fits ``room`` (None: any width), else one
    per block of columns (see :func:`blocks`). Numbers take their full width; text wraps (to
    at most 24 characters a line when the table must wrap)."""
    cells = [[_cell(r.get(c.key)) for c in columns] for r in rows]
    natural = [max([len(c.title), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    total = 1 + sum(w + 3 for w in natural)
    if room is None or total <= room:
        groups = [list(range(len(columns)))]
        widths = natural
    else:
        widths = [w if c.numeric else min(w, max(len(c.title), 24)) for w, c in zip(
            natural, columns, strict=True
        )]  # fmt: skip
        groups = blocks(widths, keys, room)
    out = []
    for n, group in enumerate(groups):
        label = title if len(groups) == 1 else f"{title} ({n + 1} of {len(groups)})".strip()
        table = Table(title=label or None, title_justify="left")
        for i in group:
            c = columns[i]
            table.add_column(
                c.title,
                justify="right" if c.numeric else "left",
                no_wrap=c.numeric,
                min_width=natural[i] if c.numeric else None,
                overflow="fold",
            )
        for row in cells:
            table.add_row(*(row[i] for i in group))
        out.append(table)
    return out


def emit(
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    columns: Sequence[Column] | None = None,
    title: str = "",
    keys: int = 1,
    payload: Any = None,
    notes: Sequence[str] = (),
    table_rows: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Print ``rows`` as a table, CSV or JSON (``payload`` instead of the rows, when given,
    for JSON: a command's JSON may carry more than its table; ``table_rows``, the same rows
    worded for reading, for the table). ``notes`` follow a table."""
    cols = list(columns) if columns is not None else columns_of(rows)
    if fmt == "json":
        data = payload if payload is not None else list(rows)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(write_csv(rows, cols))
        return
    room = width()
    console = Console(width=room or 100_000, soft_wrap=room is None, highlight=False)
    shown = table_rows if table_rows is not None else rows
    for table in tables(shown, cols, title=title, keys=keys, room=room):
        console.print(table)
    for note in notes:
        console.print(note, markup=False)
