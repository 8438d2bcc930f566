"""Values and packets that used to end a run with a traceback (issue 9): an echo flow
past 65,536 packets, a spoofed echo reply before a move with route optimisation, and
[protocol] values the engine cannot honour. In a normal run these become trace events;
in strict mode (the suite's default) the exception would fail the test."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv6Address as A

import pytest
from nets import HOA, echo, figure1

from hmipviz.engine.events import InternalError, PacketSent, RouteOptimizationChanged
from hmipviz.engine.messages import CareofTestInit, EchoReply, EchoRequest, Packet
from hmipviz.resources import builtin_scenarios_dir
from hmipviz.scenario import load_scenario
from hmipviz.sim import _P_ACTION, Action, Simulation
from hmipviz.wire.codec import decode, encode

R_ADDR = A("2001:db8:ff::1")


def test_the_echo_sequence_number_wraps_modulo_2_16():
    sim = Simulation(figure1(duration_s=3.0, flows=[echo(5.0, 100.0)]))
    # the flow as it would be after 65,534 echoes (starting at 1): the next are
    # 65,535, then 0 and 1 on the wire (RFC 4443 s.4.1, a 16-bit field)
    sim.scheduler.push(2.0, Action("flow", None, b"", 0, 65535), _P_ACTION)
    sim.run()
    requests = [decode(e.data).innermost().payload for e in sim.trace
                if isinstance(e, PacketSent) and e.origin and e.node == "CN"]
    assert [(type(m), m.seq) for m in requests] == [(EchoRequest, 65535), (EchoRequest, 0),
                                                    (EchoRequest, 1), (EchoRequest, 2),
                                                    (EchoRequest, 3), (EchoRequest, 4),
                                                    (EchoRequest, 5), (EchoRequest, 6),
                                                    (EchoRequest, 7), (EchoRequest, 8)]
    replies = [decode(e.data).innermost().payload.seq for e in sim.trace
               if isinstance(e, PacketSent) and e.origin and e.node == "MN"
               and isinstance(decode(e.data).innermost().payload, EchoReply)]
    assert replies[:3] == [65535, 0, 1]


def _ro_with_spoofed_reply() -> Simulation:
    """The built-in route-optimisation, with an echo reply to the home address from R's
    address at 5.1 s: the MN starts return routability with R, which never answers; a
    CoTI retransmission then falls due at 12.154 s, while the MN is between AR2 and AR3
    (the move at 12 s) and has no care-of address."""
    sc = load_scenario(builtin_scenarios_dir() / "route-optimisation.toml")
    sim = Simulation(sc)
    sim.inject("R", encode(Packet(R_ADDR, HOA, EchoReply(1, 5, b"spoof"))), at_s=5.1)
    sim.run()
    return sim


def test_a_spoofed_echo_reply_before_a_move_does_not_break_route_optimisation():
    sim = _ro_with_spoofed_reply()  # strict: the assertion in _send_coti failed here
    assert sim.internal_errors == 0
    # the CoTI that fell due without a care-of address waited for its timeout and left
    # from the new RCoA (MAP2's) once the MN had one
    cotis = [(round(e.t, 3), decode(e.data).innermost().src) for e in sim.trace
             if isinstance(e, PacketSent) and e.origin and e.node == "MN"
             and isinstance(decode(e.data).innermost().payload, CareofTestInit)
             and decode(e.data).innermost().dst == R_ADDR]
    assert [t for t, _ in cotis if 12.0 <= t < 12.154] == []
    assert all(src == A("2001:db8:200::a") for t, src in cotis if t >= 12.0)
    assert any(t >= 12.154 for t, _ in cotis)
    # the CN's route optimisation is not disturbed: it is route optimised at the end
    cn = [e.new for e in sim.trace if isinstance(e, RouteOptimizationChanged) and e.peer == "CN"]
    assert cn[-1] == "route optimised"


def _with_protocol(name: str, **protocol) -> Simulation:
    sc = load_scenario(builtin_scenarios_dir() / f"{name}.toml")
    return Simulation(dataclasses.replace(sc, protocol={**sc.protocol, **protocol}),
                      strict=False)


def _errors(sim: Simulation) -> set[tuple[str, str, str]]:
    return {(e.node, e.where, e.error) for e in sim.trace if isinstance(e, InternalError)}


def test_a_flow_payload_that_does_not_fit_ipv6_stops_the_flow_not_the_run():
    sim = _with_protocol("figure1", flow_payload_bytes=70000)
    sim.run()
    assert _errors(sim) == {("CN", "flow", "ValueError: flow_payload_bytes = 70000 does not "
                             "fit an IPv6 packet (0 to 65527 octets after the ICMPv6 or UDP "
                             "header): flow CN -> MN stops")}
    assert sim.now == sim.duration_s
    with pytest.raises(ValueError, match="flow_payload_bytes = 70000"):
        strict = _with_protocol("figure1", flow_payload_bytes=70000)
        strict.strict = True
        strict.run()


def test_a_hop_limit_that_does_not_fit_its_field_is_an_event_per_packet():
    sim = _with_protocol("figure1", default_hop_limit=1000)
    sim.run()
    assert {(node, where) for node, where, _ in _errors(sim)} == {("AR1", "encode"),
                                                                 ("CN", "encode")}
    assert ("CN", "encode", "EncodeError: hop limit must be an integer in 0..255, got "
            "1000") in _errors(sim)
    assert sim.now == sim.duration_s


def test_a_zero_update_rate_and_a_zero_refresh_fraction_end_no_run():
    for name in ("figure1", "several-maps"):
        sim = _with_protocol(name, max_update_rate_per_s=0)
        sim.run()
        assert sim.internal_errors > 0 and {w for _, w, _ in _errors(sim)} <= {"receive",
                                                                              "timer"}
        assert sim.now == sim.duration_s
    # refresh_fraction 0 once made the MN's timer due for ever at one instant; now each
    # refresh waits for the previous BA, and MAX_UPDATE_RATE bounds the storm
    sim = _with_protocol("figure1", refresh_fraction=0)
    sim.run()
    assert sim.now == sim.duration_s
    assert not _errors(sim)
    local = [e.t for e in sim.trace if isinstance(e, PacketSent) and e.origin
             and e.node == "MN" and e.kind == "local BU"]
    assert len(local) > 10
    # 3 a second at most
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(local, local[3:], strict=False))


def test_a_flow_interval_of_zero_stops_the_flow():
    sc = figure1(duration_s=2.0, flows=[dataclasses.replace(echo(1.0), interval_ms=0.0)])
    sim = Simulation(sc, strict=False)
    sim.run()
    assert {w for _, w, _ in _errors(sim)} == {"flow"}
    assert sim.now == 2.0
