"""Commands imported only when they run: ``aicap --help`` and ``aicap X --help`` in a fraction of
a second, not after importing every command's modules (the index engine with SciPy, the
cooperation registry with SQLAlchemy, the web app...).

A command module is registered with one line in :data:`aicap.cli.main.COMMANDS`::

    "voice": ("aicap.cli.voice_cmd:app", "Short help shown by `aicap --help`."),

The target is a :class:`typer.Typer` (a group of commands) or a command function. ``aicap
--help`` lists the registered names with their short help without importing them; running a
command (or asking for its own help) imports its module then. Standard library and Typer only.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

import typer
from typer import _click as click  # the Click that Typer vendors (its groups' own types)
from typer.core import TyperCommand, TyperGroup

#: the optional parts of the install (pyproject.toml's extras) and the modules each brings; a
#: command that imports one that is missing says which extra to install (exit 4)
EXTRAS: dict[str, tuple[str, ...]] = {
    "web": (
        "fastapi",
        "starlette",
        "uvicorn",
        "babel",
        "multipart",
        "python_multipart",
        "sqlalchemy",
        "alembic",
        "argon2",
        "lxml",
    ),
    "pdf": ("weasyprint", "pypdf"),
    "postgres": ("psycopg",),
    "dask": ("dask", "distributed"),
    "gpu": ("torch", "cupy", "triton"),
}
#: the exit status of a command whose optional part is not installed
EXIT_MISSING_EXTRA = 4


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The one-line message for a module of an extra that is not installed; None for any other
    module (a bug or a broken install, not a choice)."""
    top = (exc.name or "").split(".")[0]
    for extra, modules in EXTRAS.items():
        if top in modules:
            return (
                f"this command needs aicap's optional {extra!r} part ({top} is not installed): "
                f"pip install 'aicap[{extra}]'"
            )
    return None


def load(target: str, name: str) -> click.Command:
    """The Click command of ``"module:attribute"`` (a Typer app or a command function)."""
    module_name, _, attribute = target.partition(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    if isinstance(obj, typer.Typer):  # a group, even of one command (``site export``)
        group: click.Command = typer.main.get_group(obj)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(obj)
    command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A Typer group that also holds :attr:`lazy` commands: ``name -> (target, short help)``.
    Subclass it with the registry as ``lazy`` (see :func:`group`)."""

    lazy: ClassVar[Mapping[str, tuple[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.lazy:
            return found
        target, short = self.lazy[cmd_name]
        if self._listing:  # the group's own help: name and short help, nothing imported
            return TyperCommand(cmd_name, help=short, short_help=short)
        command = load(target, cmd_name)
        self.commands[cmd_name] = command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            message = missing_extra(exc)
            if message is None:
                raise
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(EXIT_MISSING_EXTRA) from None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def group(commands: Mapping[str, tuple[str, str]]) -> type[LazyGroup]:
    """A :class:`LazyGroup` class holding ``commands``, for ``typer.Typer(cls=...)``."""
    return type("Commands", (LazyGroup,), {"lazy": dict(commands)})
