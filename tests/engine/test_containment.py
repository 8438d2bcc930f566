"""Strict mode and containment (issue 8 item 5, architecture rule 9): in a normal run an
exception from a node becomes an InternalError event and the run goes on; in strict
mode (what the test suite uses, see conftest.py) the same exception propagates."""

from __future__ import annotations

from itertools import pairwise

import pytest
from nets import HOA, echo, figure1

from hmipviz.engine.events import InternalError, PacketDropped, PacketReceived
from hmipviz.engine.messages import EchoRequest, Packet
from hmipviz.sim import Simulation, _Context


class Boom(RuntimeError):
    pass


def _raise(*_args, **_kwargs):
    raise Boom("deliberate failure")


def _errors(sim: Simulation) -> list[InternalError]:
    return [e for e in sim.trace if isinstance(e, InternalError)]


def test_the_suite_runs_strict_by_default():
    assert Simulation(figure1()).strict is True
    assert Simulation(figure1(), strict=False).strict is False


def test_receive_error_becomes_an_event_and_the_run_goes_on():
    sim = Simulation(figure1(duration_s=4.0, flows=(echo(1.0, 500.0),)), strict=False)
    sim.nodes["CN"].receive = _raise  # every echo reply the CN gets makes it raise
    sim.run()
    errors = _errors(sim)
    assert errors and {(e.node, e.where) for e in errors} == {("CN", "receive")}
    assert errors[0].error == "Boom: deliberate failure"
    assert errors[0].text == ("internal error in CN (receive): Boom: deliberate failure; "
                              "the run goes on")
    assert sim.internal_errors == len(errors)
    drops = [e for e in sim.trace if isinstance(e, PacketDropped) and e.node == "CN"
             and e.reason == "internal error while processing: Boom: deliberate failure"]
    assert len(drops) == len(errors)
    # the run went on: the MN kept answering echo requests to the end
    assert max(e.t for e in sim.trace if isinstance(e, PacketReceived) and e.node == "MN") > 3.4


def test_receive_error_propagates_in_strict_mode():
    sim = Simulation(figure1(duration_s=4.0, flows=(echo(1.0, 500.0),)), strict=True)
    sim.nodes["CN"].receive = _raise
    with pytest.raises(Boom):
        sim.run()


def test_timer_error_is_contained_and_retried_with_back_off():
    sim = Simulation(figure1(duration_s=200.0), strict=False)
    sim.nodes["AR1"].on_timer = _raise  # the AR's RA timer
    sim.run()
    times = [e.t for e in _errors(sim)]
    assert {e.where for e in _errors(sim)} == {"timer"}
    # retried after 1, 2, 4, ... s, capped at 64 s: not once per instant
    gaps = [round(b - a, 6) for a, b in pairwise(times)]
    assert gaps[:6] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0] and max(gaps) == 64.0
    with pytest.raises(Boom):
        strict = Simulation(figure1(duration_s=5.0), strict=True)
        strict.nodes["AR1"].on_timer = _raise
        strict.run()


def test_encode_error_is_contained_and_the_other_sends_go_out():
    sim = Simulation(figure1(duration_s=3.0), strict=False)
    sim.run(until_s=1.0)
    cn = sim.nodes["CN"]
    cn.send(Packet(cn.address, HOA, EchoRequest(1, 70000)), "bad: a 17-bit echo sequence")
    cn.send(Packet(cn.address, HOA, EchoRequest(1, 7)), "good")
    sim._drain(cn, _Context())
    [error] = _errors(sim)
    assert (error.node, error.where) == ("CN", "encode")
    assert error.error == ("EncodeError: echo sequence number must be an integer in "
                           "0..65535, got 70000")
    sim.run()
    assert any(isinstance(e, PacketReceived) and e.node == "MN" and e.kind == "data"
               for e in sim.trace)


def test_action_error_is_contained():
    sim = Simulation(figure1(duration_s=3.0, moves=((1.0, "AR2"),)), strict=False)
    sim.nodes["MN"].detach = _raise
    sim.run()
    [error] = _errors(sim)
    assert (error.node, error.where, error.t) == ("MN", "move", 1.0)


def test_the_new_events_survive_the_json_trace():
    from hmipviz.engine.events import TunnelRefused, event_from_json

    events = [InternalError(1.5, "CN", "internal error in CN (receive): Boom: x; the run "
                            "goes on", "", "receive", "Boom: x"),
              TunnelRefused(2.0, "MAP1", "tunnel loop: ...", "RFC 2473 s.4.1.1, s.6.6",
                            "tunnel loop", 5, 0)]
    for e in events:
        assert event_from_json(e.to_json()) == e
