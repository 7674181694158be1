"""The command line's common conventions: ``-h``/``--help``, ``--version``, one-line errors for
output paths that cannot be written and for a busy port, and "did you mean" for country codes.

Light on purpose (standard library only): :mod:`aicap.cli.report_cmd` imports it before it
knows whether it must compute anything.
"""

from __future__ import annotations

import difflib
import os
import socket
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

import aicap

#: for every ``typer.Typer``: ``-h`` as well as ``--help`` (sub-commands inherit it)
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class OutputError(OSError):
    """An output path that cannot be written (the message is one line, naming the path)."""


class PortError(OSError):
    """A port that cannot be listened on (the message is one line)."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aicap {aicap.__version__}")
        raise typer.Exit()


def add_version(app: typer.Typer) -> None:
    """Give ``app`` a ``--version`` option (eager: it prints and exits before any command)."""

    @app.callback()
    def _top(
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                callback=_version,
                is_eager=True,
                help="Print aicap's version and exit.",
            ),
        ] = False,
    ) -> None:
        pass


#: the folder of ``aicap build``'s outputs (the index, claims, summary): one name everywhere
IndexDirOpt = Annotated[
    Path,
    typer.Option(
        "--index-dir",
        envvar="AICAP_OUT",
        help="Folder of the index outputs written by `aicap build`.",
    ),
]
#: the names it had before (``--out`` in build, claim, index results; ``--index`` in profile
#: and report briefing): hidden, still accepted with a warning, removed in a later release
OldOutOpt = Annotated[
    Path | None, typer.Option("--out", hidden=True, help="Deprecated: use --index-dir.")
]
OldIndexOpt = Annotated[
    Path | None, typer.Option("--index", hidden=True, help="Deprecated: use --index-dir.")
]


def renamed(value: Any, old_value: Any, old: str, new: str) -> Any:
    """``old_value`` when the deprecated option ``old`` was given (with a warning on stderr
    naming ``new``), else ``value``."""
    if old_value is None:
        return value
    typer.echo(
        f"warning: {old} is deprecated here and will be removed in a later release; use {new}",
        err=True,
    )
    return old_value


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def writable_dir(path: Path, option: str) -> Path:
    """Create ``path`` (and its parents) and check that a file can be written in it; an
    :class:`OutputError` naming ``option`` and the path otherwise. Called before any work, so
    that a wrong path fails in a second, not after minutes of computing."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"cannot write {option} {path}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".aicap-write-check-"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write {option} {path}: {_reason(exc)}") from None
    return path


def writable_file(path: Path, option: str) -> Path:
    """Check that the file ``path`` can be written (its folder is created); see
    :func:`writable_dir`."""
    if path.is_dir():
        raise OutputError(f"cannot write {option} {path}: it is a folder, not a file")
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"cannot write {option} {path}: {folder} is a file, not a folder")
            break
    try:
        writable_dir(path.parent, option)
    except OutputError as exc:
        raise OutputError(f"cannot write {option} {path}: {str(exc).split(': ', 1)[1]}") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {option} {path}: permission denied")
    return path


def listen(host: str, port: int) -> socket.socket:
    """A socket bound and listening on ``host:port``, to hand to the server (so the port cannot
    be taken between the check and the start); a :class:`PortError` when it is busy or the
    host is not this machine's."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise PortError(f"cannot listen on {host}:{port}: {_reason(exc)}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = "; choose another with --port" if exc.errno in (98, 48, 10048) else ""
        raise PortError(f"cannot listen on {host}:{port}: {_reason(exc)}{hint}") from None
    sock.set_inheritable(True)
    return sock


def country_suggestions(text: str, names: Mapping[str, Iterable[str]], n: int = 3) -> list[str]:
    """ISO3 codes that ``text`` may mean: ``names`` maps each code to its names (any
    language). An exact name (any case) alone if there is one, else close codes and names and
    names that start with ``text``."""
    wanted = text.strip().casefold()
    exact = [code for code, ns in names.items() if wanted in {x.casefold() for x in ns if x}]
    if exact:
        return exact[:n]
    by_label: dict[str, str] = {}
    for code, ns in names.items():
        by_label.setdefault(code.casefold(), code)
        for x in ns:
            if x:
                by_label.setdefault(x.casefold(), code)
    close = difflib.get_close_matches(wanted, list(by_label), n=n * 3, cutoff=0.75)
    # a prefix of a name ("Keny", "United Rep") counts too
    prefix = [label for label in by_label if len(wanted) >= 3 and label.startswith(wanted)]
    out: list[str] = []
    for code in [*exact, *(by_label[c] for c in [*close, *prefix])]:
        if code not in out:
            out.append(code)
    return out[:n]


#: the country reference's columns that name a country (matched by "did you mean")
NAME_COLUMNS = (
    "name",
    "name_en",
    "name_fr",
    "name_es",
    "name_ru",
    "name_zh",
    "name_ar",
    "formal_name_en",
    "iso2",
)


def country_names(records: Iterable[Mapping[Any, Any]]) -> dict[str, list[str]]:
    """ISO3 code -> its names (any of :data:`NAME_COLUMNS` present and not empty), from the
    country reference's rows (``frame.to_dict(orient="records")``)."""
    names: dict[str, list[str]] = {}
    for r in records:
        got = [str(r[c]) for c in NAME_COLUMNS if r.get(c) is not None and str(r[c]) != "nan"]
        names[str(r["iso3"])] = [x for x in got if x]
    return names


def unknown_country(text: str, names: Mapping[str, Iterable[str]], what: str) -> str:
    """``'Kenya' is not a UN Member State code; did you mean KEN (Kenya)?``"""
    found = country_suggestions(text, names)
    message = f"{text!r} is not {what}"
    if found:
        labels = [f"{c} ({next(iter(names[c]), c)})" for c in found]
        message += "; did you mean " + " or ".join(labels) + "?"
    return message
