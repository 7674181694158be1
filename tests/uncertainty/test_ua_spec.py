"""The uncertainty spec: validated data; errors name the file and the field."""

from __future__ import annotations

import pytest
from ua_helpers import REPO, SYNTH_SPEC, synth_comp

from aicap.index.errors import ValidationError
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import make_plan


def test_example_spec_reads_and_round_trips() -> None:
    path = REPO / "examples" / "asem" / "uncertainty.yaml"
    spec = UncertaintySpec.from_yaml(path.read_text(encoding="utf-8"), str(path))
    assert [i.kind for i in spec.inputs] == [
        "impute",
        "winmax",
        "normalise",
        "aggregate",
        "weight_noise",
    ]
    assert UncertaintySpec.from_yaml(spec.to_yaml()) == spec


@pytest.mark.parametrize(
    ("text", "where", "rule"),
    [
        (
            "inputs: [{name: a, kind: normalise, alternatives: [{method: n_nope}]}]",
            "field inputs[0] (normalise).alternatives[0].method",
            "unknown normalise method 'n_nope'",
        ),
        (
            "inputs: [{name: a, kind: aggregate, alternatives: [{method: a_copeland}]}]",
            "alternatives[0].method",
            "copeland is not a mean",
        ),
        (
            "inputs: [{name: w, kind: weight_noise, levels: {1: 1.5}}]",
            "field inputs[0].levels",
            "must be in [0, 1)",
        ),
        (
            "inputs: [{name: w, kind: wobble}]",
            "field inputs[0]",
            "does not match any of the expected tags",
        ),
        (
            "sobol_n: 100\ninputs: [{name: w, kind: winmax, values: [1]}]",
            "field sobol_n",
            "power of 2",
        ),
        (
            "inputs: [{name: w, kind: winmax, values: [1]}, {name: w, kind: winmax, values: [2]}]",
            "field inputs[1] (winmax).name",
            "duplicate input name",
        ),
        (
            "inputs: [{name: a, kind: winmax, values: [1]}, {name: b, kind: treat, "
            "alternatives: [{method: none}]}]",
            "field inputs[1] (treat)",
            "already varies treat",
        ),
        ("n: 0\ninputs: [{name: w, kind: winmax, values: [1]}]", "field n", "greater than"),
        ("inputs: []", "field inputs", "at least 1"),
    ],
)
def test_errors_name_file_and_field(text: str, where: str, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        UncertaintySpec.from_yaml(text, "S.yaml")
    msg = str(info.value)
    assert msg.startswith("S.yaml: "), msg
    assert where in msg and rule in msg, msg


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("indicators: [i000,", "indicators: [nope,", "unknown indicator 'nope'"),
        ("levels: {2: 0.4, 3: 0.2}", "levels: {4: 0.4}", "no weights to vary at level 4"),
        ("name: synth-ua", "name: synth-ua\ntarget: Q", "unknown element 'Q'"),
    ],
)
def test_spec_checked_against_the_composite(old: str, new: str, rule: str) -> None:
    spec = UncertaintySpec.from_yaml(SYNTH_SPEC.replace(old, new), "S.yaml")
    with pytest.raises(ValidationError, match=rule):
        make_plan(synth_comp(), spec, "S.yaml")


def test_unknown_parameter_of_an_alternative_names_the_input() -> None:
    text = SYNTH_SPEC.replace(
        "{method: a_genmean, params: {p: 2}}", "{method: a_amean, params: {q: 2}}"
    )
    with pytest.raises(ValidationError, match=r"inputs\[2\].*takes no parameter 'q'"):
        make_plan(synth_comp(), UncertaintySpec.from_yaml(text, "S.yaml"), "S.yaml")
