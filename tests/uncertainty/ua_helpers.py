"""Shared builders for the uncertainty tests (a unique module name: no conftest here)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

from aicap.index import Composite, Recipe, build
from aicap.index.coinr import framework_from_imeta
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import Plan, make_plan

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR") or REPO.parent / "shared")
ASEM = SHARED / "peers" / "coinr" / "asem"
needs_asem = pytest.mark.skipif(not ASEM.is_dir(), reason=f"COINr peer outputs not at {ASEM}")

SYNTH_RECIPE = """
name: synth
steps:
  - {step: impute, method: i_mean_grp, params: {group: region}}
  - {step: treat, method: default, params: {winmax: 3}}
  - {step: normalise, method: n_minmax, params: {l_u: [1, 100]}}
  - {step: aggregate, method: a_amean, params: {dat_thresh: 0.5}}
"""

SYNTH_SPEC = """
name: synth-ua
seed: 11
n: 400
sobol_n: 64
sobol_max_failed: 0.25   # about 20 % of its Sobol' runs fail (geometric means of z-scores)
inputs:
  - name: norm
    kind: normalise
    alternatives:
      - {method: n_minmax, params: {l_u: [1, 100]}}
      - {method: n_zscore, params: {m_sd: [0, 1]}}
  - {name: winmax, kind: winmax, values: [1, 3]}
  - name: agg
    kind: aggregate
    alternatives:
      - {method: a_amean}
      - {method: a_gmean}
      - {method: a_genmean, params: {p: 2}}
      - {method: a_hmean}
      - {method: a_amean, levels: {4: {method: a_gmean}}}
  - {name: drop, kind: exclude, indicators: [i000, i001, i002, i005]}
  - {name: w_ind, kind: dirichlet, levels: [1], concentration: 20}
  - {name: w_pillar, kind: weight_noise, levels: {2: 0.4, 3: 0.2}}
"""


@functools.cache
def synth_comp() -> Composite:
    fw, data = synthetic(40, 12, (4, 2, 1), missing=0.08, seed=3)
    return build(fw, data, Recipe.from_yaml(SYNTH_RECIPE, "synth.yaml"), "synth")


@functools.cache
def synth_plan(spec_text: str = SYNTH_SPEC) -> Plan:
    return make_plan(synth_comp(), UncertaintySpec.from_yaml(spec_text, "synth-ua.yaml"))


@functools.cache
def asem_comp() -> Composite:
    fw = framework_from_imeta(pd.read_csv(ASEM / "iMeta.csv"), "iMeta.csv", name="ASEM")
    path = REPO / "examples" / "asem" / "recipe.yaml"
    recipe = Recipe.from_yaml(path.read_text(encoding="utf-8"), str(path))
    return build(fw, pd.read_csv(ASEM / "iData.csv"), recipe, "iData.csv")


ASEM_SPEC = """
name: asem-test
seed: 5
n: 300
inputs:
  - name: imputation
    kind: impute
    alternatives:
      - {method: i_mean_grp, params: {group: EurAsia_group}}
      - {method: i_median}
  - {name: winmax, kind: winmax, values: [3, 5]}
  - name: normalisation
    kind: normalise
    alternatives:
      - {method: n_minmax, params: {l_u: [1, 100]}}
      - {method: n_prank}
  - name: aggregation
    kind: aggregate
    alternatives: [{method: a_amean}, {method: a_gmean}]
  - {name: drop, kind: exclude, indicators: [Goods, CO2, Renew]}
  - {name: weights, kind: weight_noise, levels: {1: 0.3, 2: 0.25, 3: 0.25}}
"""


@functools.cache
def asem_plan() -> Plan:
    return make_plan(asem_comp(), UncertaintySpec.from_yaml(ASEM_SPEC, "asem-ua.yaml"))
