"""Property tests of the validity rules (issue 25, item 6), extending the parser fuzzing:

* for any values and years given to any catalogued indicator, :func:`validity.check` refuses
  exactly when a value lies outside its scale's [min, max] or a year outside [1900, this year]
  (the truth computed here from the YAML, independently), names the first bad value and the
  rule, and otherwise flags exactly the values outside the nominal range;
* whatever bytes a publisher module is given, ``parse`` then the rules give a result or a
  ``SourceError``, never another exception;
* any date string, any record coordinate and any geometry JSON: a result or a ``SourceError``.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parsers_fuzz import CASES, SOURCES, mutated_files

from aicap.sources import validity
from aicap.sources.base import IndicatorMeta, Parsed, SourceError, observations

CAT = validity.load_catalogue()
CODES = sorted(c for c in CAT.indicators if "*" not in c)
YEAR = 2026
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.sampled_from([-100.0, -5.0, -2.5, -0.0, 0.0, 0.25, 1.0, 1.5, 5.0, 6.0, 100.0, 250.0]),
)


def _parsed(code: str, vals: list[float], years: list[int]) -> Parsed:
    _scale, unit = CAT.indicators[code]
    n = len(vals)
    obs = observations(
        entity=pd.Series([f"E{i}" for i in range(n)]),
        year=pd.Series(years),
        indicator=code,
        value=pd.Series(vals),
        file="f.csv",
        row=pd.Series(range(2, n + 2)),
        column="the value",
    )
    return Parsed(observations=obs, indicators=[IndicatorMeta(code, code, unit)])


@FUZZ
@given(
    code=st.sampled_from(CODES),
    data=st.lists(st.tuples(values, st.integers(1850, 2060)), min_size=1, max_size=12),
)
def test_rules_refuse_exactly_the_impossible(code: str, data: list[tuple[float, int]]) -> None:
    vals = [v for v, _ in data]
    years = [y for _, y in data]
    name, _unit = CAT.indicators[code]
    scale = CAT.scales[name]
    lo = -math.inf if scale.min is None else scale.min
    hi = math.inf if scale.max is None else scale.max
    bad_year = [y for y in years if not CAT.years.min <= y <= YEAR]
    bad_value = [v for v in vals if not lo <= v <= hi]
    parsed = _parsed(code, vals, years)
    if bad_year or bad_value:
        with pytest.raises(SourceError) as info:
            validity.check(parsed, "fuzz", year=YEAR)
        err = info.value
        assert err.file == "f.csv" and err.row is not None
        if bad_year:
            assert err.value == bad_year[0] and "rule 'years'" in str(err)
        else:
            assert err.value == bad_value[0] and f"rule {name!r}" in str(err)
            assert err.column == "the value"
        return
    out = validity.check(parsed, "fuzz", year=YEAR).observations
    assert "column" not in out.columns
    assert out["value"].tolist() == vals
    nlo = -math.inf if scale.nominal_min is None else scale.nominal_min
    nhi = math.inf if scale.nominal_max is None else scale.nominal_max
    expected = [scale.flag if not nlo <= v <= nhi else "" for v in vals]
    assert out["flags"].tolist() == expected


def test_a_unit_that_changed_is_refused() -> None:
    parsed = _parsed("MS.AIDIFF.H1", [50.0], [2025])
    parsed.indicators[0] = IndicatorMeta("MS.AIDIFF.H1", "x", "number of users")
    with pytest.raises(SourceError, match="another measure"):
        validity.check(parsed, "fuzz", year=YEAR)


def test_an_uncatalogued_indicator_is_refused() -> None:
    parsed = _parsed("MS.AIDIFF.H1", [50.0], [2025])
    parsed.indicators[0] = IndicatorMeta("MS.NEW", "x", "%")
    with pytest.raises(SourceError, match="has no valid range and unit"):
        validity.check(parsed, "fuzz", year=YEAR)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_parse_then_rules_never_crash(source: str, data: st.DataObject) -> None:
    parse, files = CASES[source]
    try:
        parsed = parse(data.draw(mutated_files(files)))
        validity.check(parsed, source, geometry_file="g.json", year=YEAR)
    except SourceError as err:
        assert str(err)


def _records(column: str, cells: list[object], table: str = "clusters") -> Parsed:
    frame = pd.DataFrame(
        {column: pd.Series(cells, dtype="object"), "file": "r.csv", "row": range(2, len(cells) + 2)}
    )
    empty = _parsed("MS.AIDIFF.H1", [1.0], [2025])
    return Parsed(observations=empty.observations.iloc[:0], indicators=[], records={table: frame})


@FUZZ
@given(cells=st.lists(st.one_of(st.text(max_size=14), st.none()), min_size=1, max_size=6))
def test_any_date_string_is_checked_or_refused(cells: list[str | None]) -> None:
    try:
        validity.check_records(
            _records("first_operational", cells), "epoch_gpu_clusters", year=YEAR
        )
    except SourceError as err:
        assert err.column == "first_operational" and err.row is not None


@FUZZ
@given(
    cells=st.lists(st.one_of(st.floats(allow_nan=True), st.text(max_size=6), st.none()), min_size=1)
)
def test_any_latitude_is_checked_or_refused(cells: list[object]) -> None:
    numeric = [pd.to_numeric(c, errors="coerce") if c is not None else None for c in cells]
    try:
        validity.check_records(_records("lat", cells, "regions"), "cloud_regions", year=YEAR)
    except SourceError as err:
        assert err.column == "lat" and "latitude" in str(err)
        return
    for n in numeric:
        assert n is None or pd.isna(n) or -90 <= float(n) <= 90


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), st.text()),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=30,
)


@FUZZ
@given(kind=st.sampled_from(["Polygon", "MultiPolygon", "Point", None]), coords=json_values)
def test_any_geometry_is_checked_or_refused(kind: str | None, coords: object) -> None:
    geometry = json.dumps({"type": kind, "coordinates": coords})
    parsed = Parsed(
        observations=_parsed("MS.AIDIFF.H1", [1.0], [2025]).observations.iloc[:0],
        indicators=[],
        geometries=pd.DataFrame({"entity": ["FJI"], "name": ["Fiji"], "geometry": [geometry]}),
    )
    try:
        validity.check_geometries(parsed, "g.json")
    except SourceError as err:
        assert err.file == "g.json" and err.value == "FJI"


def test_a_valid_square_passes_and_an_open_ring_or_a_pole_beyond_90_does_not() -> None:
    def geo(coords: object) -> Parsed:
        text = json.dumps({"type": "Polygon", "coordinates": coords})
        return Parsed(
            observations=_parsed("MS.AIDIFF.H1", [1.0], [2025]).observations.iloc[:0],
            indicators=[],
            geometries=pd.DataFrame({"entity": ["FJI"], "name": ["Fiji"], "geometry": [text]}),
        )

    validity.check_geometries(geo([[[0, 0], [1, 0], [1, 1], [0, 0]]]))
    with pytest.raises(SourceError, match="not closed"):
        validity.check_geometries(geo([[[0, 0], [1, 0], [1, 1], [0, 1]]]))
    with pytest.raises(SourceError, match="not on Earth"):
        validity.check_geometries(geo([[[0, 0], [1, 0], [1, 999], [0, 0]]]))


@pytest.mark.parametrize("source", SOURCES)
def test_the_unaltered_fixtures_pass_the_rules(source: str) -> None:
    """So that the fuzzing above is not vacuous: the real-shaped files are accepted as given."""
    parse, files = CASES[source]
    validity.check(parse(files), source, geometry_file="g.json", year=YEAR)
