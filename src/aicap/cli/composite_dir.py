"""A composite stored as a folder: its inputs, its stages and, beside them, its uncertainty
analyses, tied together by ``composite.json``.

``aicap index build --out DIR`` writes ``framework.yaml``, ``recipe.yaml`` and ``data.csv``
(the unit data as given) with the stages; ``composite.json`` records the SHA-256 of each input.
``aicap uncertainty run --composite DIR`` rebuilds the composite from those inputs (refusing
files changed since) and stores its results under ``DIR/uncertainty/<spec name>/``, listed in
``composite.json`` with the spec's SHA-256 and the run's summary, so the rank bands and Sobol'
indices travel with the index they describe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import aicap
from aicap.index import Composite, Framework, Recipe, build

MANIFEST = "composite.json"
INPUTS = {"framework": "framework.yaml", "recipe": "recipe.yaml", "data": "data.csv"}


class CompositeDirError(ValueError):
    """A composite folder that cannot be read back: names the file and what is wrong."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write then rename: a reader never sees a half-written manifest."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_inputs(comp: Composite, out_dir: Path) -> dict[str, Any]:
    """Store the composite's inputs in ``out_dir`` and (re)write its manifest; analyses stored
    earlier for the same inputs are kept, those of other inputs dropped."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / INPUTS["framework"]).write_text(comp.framework.to_yaml(), encoding="utf-8")
    (out_dir / INPUTS["recipe"]).write_text(comp.recipe.to_yaml(), encoding="utf-8")
    comp.data.to_csv(out_dir / INPUTS["data"], index=False)
    files = {k: {"file": v, "sha256": _sha256(out_dir / v)} for k, v in INPUTS.items()}
    old = _read_manifest(out_dir) if (out_dir / MANIFEST).is_file() else {}
    same = old.get("inputs") == files
    manifest = {
        "aicap_version": aicap.__version__,
        "framework_name": comp.framework.name,
        "recipe_name": comp.recipe.name,
        "units": len(comp.data),
        "indicators": len(comp.framework.tree.indicators),
        "inputs": files,
        "uncertainty": old.get("uncertainty", {}) if same else {},
    }
    _write_json_atomic(out_dir / MANIFEST, manifest)
    return manifest


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompositeDirError(
            f"{path}: no such file; build the composite with `aicap index build --out "
            f"{folder}` first"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CompositeDirError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict):
        raise CompositeDirError(f"{path}: field inputs: missing (not a composite manifest)")
    return data


def load(folder: Path) -> Composite:
    """Rebuild the composite stored in ``folder`` (its inputs checked against the manifest)."""
    manifest = _read_manifest(folder)
    for key, name in INPUTS.items():
        entry = manifest["inputs"].get(key)
        path = folder / name
        if not isinstance(entry, dict) or "sha256" not in entry:
            raise CompositeDirError(f"{folder / MANIFEST}: field inputs.{key}: missing")
        if not path.is_file():
            raise CompositeDirError(f"{path}: no such file (listed in {MANIFEST})")
        if _sha256(path) != entry["sha256"]:
            raise CompositeDirError(
                f"{path}: changed since the composite was built (SHA-256 differs from "
                f"{MANIFEST}); rebuild it with `aicap index build`"
            )
    fw = Framework.from_yaml((folder / INPUTS["framework"]).read_text("utf-8"), str(folder))
    rec = Recipe.from_yaml((folder / INPUTS["recipe"]).read_text("utf-8"), str(folder))
    data = pd.read_csv(folder / INPUTS["data"])
    return build(fw, data, rec, str(folder / INPUTS["data"]))


def record_uncertainty(
    folder: Path, name: str, spec_text: str, results: Path, files: list[str], summary: Any
) -> None:
    """List an analysis stored under ``results`` in the composite's manifest."""
    manifest = _read_manifest(folder)
    entry = {
        "folder": os.path.relpath(results, folder),
        "spec_sha256": hashlib.sha256(spec_text.encode("utf-8")).hexdigest(),
        "files": sorted(files),
        "summary": summary,
    }
    manifest.setdefault("uncertainty", {})[name] = entry
    _write_json_atomic(folder / MANIFEST, manifest)
