"""The engine's state machines are tables that refuse what they do not name (h11's
``_state.py`` style): every (state, input) pair outside a table raises."""

from __future__ import annotations

from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmipviz.engine.fsm import ANY, TransitionTable, UndefinedTransition
from hmipviz.engine.nodes.access_router import PROBE_TABLE, ProbeInput, ProbeState
from hmipviz.engine.nodes.mn_states import MN_TABLE, MNInput, MNState
from hmipviz.engine.nodes.route_optimization import RO_TABLE, ROInput, ROState

TABLES = [(MN_TABLE, MNState, MNInput), (RO_TABLE, ROState, ROInput),
          (PROBE_TABLE, ProbeState, ProbeInput)]


@pytest.mark.parametrize("table,states,inputs", TABLES, ids=lambda x: getattr(x, "name", ""))
def test_every_pair_outside_the_table_is_refused(table, states, inputs):
    named = {(s, i) for (s, i) in table.rows}
    for state in states:
        for event in inputs:
            if (state, event) in named or (ANY, event) in named:
                assert isinstance(table.next(state, event), states)
            else:
                with pytest.raises(UndefinedTransition) as info:
                    table.next(state, event)
                assert state.value in str(info.value) and event.value in str(info.value)


@pytest.mark.parametrize("table,states,inputs", TABLES, ids=lambda x: getattr(x, "name", ""))
def test_every_state_is_reachable_and_every_input_used(table, states, inputs):
    assert set(table.rows.values()) == set(states)
    assert {i for (_, i) in table.rows} == set(inputs)


def test_the_mn_table_keeps_the_rfc_order_of_registrations():
    # s.6.1: a new RCoA is registered with the HA only after the MAP's BA
    assert MN_TABLE.next(MNState.LOCAL_REGISTRATION, MNInput.LOCAL_BA_NEW_RCOA) == \
        MNState.HOME_REGISTRATION
    assert not MN_TABLE.defined(MNState.LOCAL_REGISTRATION, MNInput.HOME_BA)
    assert not MN_TABLE.defined(MNState.DETACHED, MNInput.HOME_BA)
    assert not MN_TABLE.defined(MNState.REGISTERED, MNInput.LINK_UP)
    assert all(MN_TABLE.next(s, MNInput.LINK_DOWN) == MNState.DETACHED for s in MNState)


class _S(str, Enum):
    A = "a"
    B = "b"


class _I(str, Enum):
    GO = "go"
    STOP = "stop"


@given(st.sampled_from(list(_S)), st.sampled_from(list(_I)))
def test_a_table_answers_only_its_rows_and_any_rows(state, event):
    table = TransitionTable("t", _S, _I, {(_S.A, _I.GO): _S.B, (ANY, _I.STOP): _S.A})
    if event == _I.STOP:
        assert table.next(state, event) == _S.A
    elif state == _S.A:
        assert table.next(state, event) == _S.B
    else:
        with pytest.raises(UndefinedTransition):
            table.next(state, event)


def test_a_row_with_a_foreign_state_is_refused_when_the_table_is_built():
    with pytest.raises(TypeError):
        TransitionTable("t", _S, _I, {(MNState.DETACHED, _I.GO): _S.A})
