"""The hand-written TOML writer gives back exactly the document it was given, so an
experiment's edited scenario is the scenario the loader validates and the runs use."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from hmipviz.experiment.document import to_toml
from hmipviz.experiment.generate import generate

keys = st.text(min_size=1, max_size=8)
scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=False), st.text(max_size=12))
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(keys, scalars, max_size=3))
tables = st.dictionaries(keys, values, max_size=4)
documents = st.dictionaries(
    keys, st.one_of(scalars, tables, st.lists(tables, min_size=1, max_size=3)), max_size=5)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_to_toml_round_trips_through_tomllib(doc):
    assert tomllib.loads(to_toml(doc)) == doc


def test_a_generated_scenario_round_trips():
    doc = generate("grid", {"maps": 3, "ars_per_map": 2, "laps": 2})
    assert tomllib.loads(to_toml(doc)) == doc
