"""Where aicap keeps its files, whatever the current directory (``aicap where`` prints it).

Each location is found in this order, and :class:`Location` says which rule found it:

1. its environment variable, when set (``AICAP_WAREHOUSE``, ``AICAP_OUT``, ``AICAP_DATA_DIR``,
   ``AICAP_SNAPSHOT_DIR``, ``AICAP_COOP_DB``): it always wins;
2. the *project directory*: the nearest folder, from the current one upwards, whose
   ``pyproject.toml`` names the ``aicap`` project or which holds ``var/aicap.duckdb``; its
   ``var/aicap.duckdb``, ``var/out``, ``var/snapshots``, ``var/cooperation.sqlite``;
3. else the per-user data directory (``platformdirs.user_data_dir("aicap")`` when platformdirs
   is installed, else ``$XDG_DATA_HOME/aicap`` or ``~/.local/share/aicap``).

The raw-data snapshot is ``AICAP_DATA_DIR``, else the nearest ``shared/data/raw`` from the
current directory upwards, else from the project directory upwards, else ``data/raw`` in the
per-user data directory; the mandate library (``AICAP_MANDATES_DIR``) is the nearest
``shared/mandates`` found the same way, else the ``_mandates`` folder of the data snapshot
(``aicap data fetch`` puts it there), else the library's own default.

:func:`apply` puts the found locations into the environment (only where a variable is unset),
which is how every command's ``--warehouse``/``--out``/``--data-dir`` default follows them.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_NAME = re.compile(r"""^\s*name\s*=\s*["']aicap["']\s*$""", re.M)

#: environment variable -> (path inside the project directory, path inside the user directory)
LAYOUT: dict[str, tuple[str, str]] = {
    "AICAP_WAREHOUSE": ("var/aicap.duckdb", "aicap.duckdb"),
    "AICAP_OUT": ("var/out", "out"),
    "AICAP_SNAPSHOT_DIR": ("var/snapshots", "snapshots"),
    "AICAP_COOP_DB": ("var/cooperation.sqlite", "cooperation.sqlite"),
}
DATA_ENV = "AICAP_DATA_DIR"
MANDATES_ENV = "AICAP_MANDATES_DIR"
LABELS = {
    MANDATES_ENV: "mandates",
    "AICAP_WAREHOUSE": "warehouse",
    "AICAP_OUT": "outputs",
    DATA_ENV: "data",
    "AICAP_SNAPSHOT_DIR": "snapshots",
    "AICAP_COOP_DB": "cooperation",
}


@dataclass(frozen=True)
class Location:
    name: str  # "warehouse", "outputs", "data", ...
    env: str  # the environment variable that overrides it
    path: Path
    how: str  # which rule found it, in words
    exists: bool | None  # None: a database URL, not checked

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "env": self.env,
            "path": str(self.path),
            "how": self.how,
            "exists": self.exists,
        }


def is_project(folder: Path) -> bool:
    """A folder whose ``pyproject.toml`` names the aicap project, or with ``var/aicap.duckdb``."""
    if (folder / "var" / "aicap.duckdb").is_file():
        return True
    toml = folder / "pyproject.toml"
    try:
        return toml.is_file() and PROJECT_NAME.search(toml.read_text("utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def find_project(start: Path | None = None) -> Path | None:
    """The nearest project directory from ``start`` (default: the current one) upwards."""
    here = (start or Path.cwd()).resolve()
    for base in (here, *here.parents):
        if is_project(base):
            return base
    return None


def user_dir(env: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """The per-user data directory and the rule that gave it."""
    env = os.environ if env is None else env
    try:
        platformdirs = importlib.import_module("platformdirs")
    except ImportError:
        xdg = env.get("XDG_DATA_HOME")
        if xdg:
            return Path(xdg) / "aicap", "per-user data directory ($XDG_DATA_HOME/aicap)"
        home = Path(env.get("HOME") or Path.home())
        return home / ".local" / "share" / "aicap", "per-user data directory (~/.local/share)"
    return Path(platformdirs.user_data_dir("aicap")), "per-user data directory (platformdirs)"


def _nearest(start: Path, *parts: str) -> Path | None:
    for base in (start, *start.parents):
        candidate = base.joinpath(*parts)
        if candidate.is_dir():
            return candidate
    return None


def _shared(
    var: str, parts: tuple[str, ...], env: Mapping[str, str], here: Path, project: Path | None
) -> tuple[Path, str] | None:
    """A folder of the shared snapshot: the variable, else the nearest from the current
    directory, else from the project directory."""
    value = env.get(var)
    if value:
        return Path(value), f"environment variable {var}"
    if (near := _nearest(here, *parts)) is not None:
        return near, f"nearest {'/'.join(parts)} from the current directory"
    if project is not None and (near := _nearest(project, *parts)) is not None:
        return near, f"nearest {'/'.join(parts)} from the project directory"
    return None


def locate(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> list[Location]:
    """Every location, in the order ``aicap where`` prints them."""
    env = os.environ if env is None else env
    here = (cwd or Path.cwd()).resolve()
    project = find_project(here)
    users, users_how = user_dir(env)
    found: list[Location] = []
    for var, (in_project, in_user) in LAYOUT.items():
        value = env.get(var)
        if value:
            path, how = Path(value), f"environment variable {var}"
        elif project is not None:
            path, how = project / in_project, f"project directory {project}"
        else:
            path, how = users / in_user, users_how
        if var == "AICAP_COOP_DB" and value and "://" in value:
            if not value.startswith("sqlite:///"):
                found.append(Location(LABELS[var], var, path, how + " (a database URL)", None))
                continue
            path = Path(value.removeprefix("sqlite:///"))
        found.append(Location(LABELS[var], var, path, how, path.exists()))
    data = _shared(DATA_ENV, ("shared", "data", "raw"), env, here, project)
    data = data or (users / "data" / "raw", users_how)
    found.insert(2, Location(LABELS[DATA_ENV], DATA_ENV, *data, data[0].is_dir()))
    mandates = _shared(MANDATES_ENV, ("shared", "mandates"), env, here, project)
    if mandates is None and (data[0] / "_mandates").is_dir():  # fetched with the data
        mandates = (data[0] / "_mandates", "the data snapshot's _mandates (aicap data fetch)")
    if mandates is not None:
        found.append(Location(LABELS[MANDATES_ENV], MANDATES_ENV, *mandates, mandates[0].is_dir()))
    return found


#: the variables :func:`apply` set in ``os.environ`` (so that ``aicap where`` tells them apart)
APPLIED: dict[str, str] = {}


def user_env() -> dict[str, str]:
    """``os.environ`` without the variables :func:`apply` set."""
    return {k: v for k, v in os.environ.items() if APPLIED.get(k) != v}


def apply(env: MutableMapping[str, str] | None = None, cwd: Path | None = None) -> list[Location]:
    """Set every unset variable to the location found for it, so that every command's default
    follows :func:`locate`; variables already set are left alone. Returns the locations."""
    target = os.environ if env is None else env
    locations = locate(cwd, target)
    for loc in locations:
        if target.get(loc.env):
            continue
        is_db = loc.env == "AICAP_COOP_DB"
        target[loc.env] = f"sqlite:///{loc.path}" if is_db else str(loc.path)
        if target is os.environ:
            APPLIED[loc.env] = target[loc.env]
    return locations
