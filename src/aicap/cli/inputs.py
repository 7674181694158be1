"""Reading a composite's inputs from the command line: framework and unit data (aicap YAML +
CSV, or COINr's iMeta/iData) and a recipe, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from aicap.index import Framework, Recipe
from aicap.index.coinr import framework_from_imeta


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"{path}: cannot read ({exc.strerror})") from None


def read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{path}: cannot read as CSV ({exc})") from None


def read_recipe(path: Path) -> Recipe:
    """A recipe from YAML or (``.json``) JSON."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return Recipe.from_json(text, str(path))
    return Recipe.from_yaml(text, str(path))


def framework_and_data(
    framework: Path | None, data: Path | None, idata: Path | None, imeta: Path | None
) -> tuple[Framework, pd.DataFrame, Path]:
    """``--framework F --data D`` (or ``--idata D``), or COINr's ``--idata`` and ``--imeta``:
    the framework, the unit data and the data file's path."""
    if framework is not None:
        data_path = data if data is not None else idata
        if data_path is None:
            raise typer.BadParameter("--framework needs --data (the unit data CSV)")
        fw = Framework.from_yaml(read_text(framework), str(framework))
    elif idata is not None and imeta is not None:
        fw = framework_from_imeta(read_csv(imeta), str(imeta))
        data_path = idata
    else:
        raise typer.BadParameter("give --framework F --data D, or --idata and --imeta")
    return fw, read_csv(data_path), data_path
