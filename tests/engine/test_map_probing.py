"""MAP failure detection by the ARs (RFC 5380 s.10) and the Pref 0 rule (s.7.1)."""

from __future__ import annotations

from dataclasses import replace

from nets import LCOA1, LCOA2, MAP1_ADDR, RCOA1, RCOA2, echo, figure1, sent, two_domains

from hmipviz.engine.events import MapProbeChanged, MapSelected, PacketSent
from hmipviz.engine.messages import EchoReply, EchoRequest
from hmipviz.engine.nodes.access_router import (
    PROBE_IDENT,
    PROBE_STATES,
    PROBE_TRANSITIONS,
    AccessRouter,
)
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode

ARS = ("AR1", "AR2", "AR3", "AR4")


def probing(scenario, ars=ARS) -> Simulation:
    """``probe_maps = true`` on the given ARs, as a scenario file says it."""
    sim = Simulation(replace(scenario, nodes=tuple(
        replace(n, probe_maps=True) if n.name in ars else n for n in scenario.nodes)))
    assert all(isinstance(sim.nodes[name], AccessRouter) and sim.nodes[name].probe_maps
               for name in ars)
    return sim


def ra_lifetimes(sim, ar: str, since_t: float = 0.0) -> list[tuple[float, int]]:
    out = []
    for e in sent(sim.trace, "RA", node=ar, since_t=since_t):
        option = [o for o in decode(e.data).payload.map_options if o.map_address == MAP1_ADDR]
        out.append((round(e.t, 3), option[0].valid_lifetime_s))
    return out


def test_probes_are_echo_requests_every_10_s_and_the_map_answers():
    sim = probing(figure1(duration_s=31.0), ars=("AR1",))
    sim.run()
    probes = [e for e in sent(sim.trace, "MAP probe") if e.node == "AR1"]
    assert [round(e.t, 3) for e in probes] == [10.0, 20.0, 30.0]
    p = decode(probes[0].data)
    assert (p.src, p.dst) == (sim.nodes["AR1"].address, MAP1_ADDR)
    assert p.payload == EchoRequest(PROBE_IDENT, 1, b"")
    replies = [decode(e.data) for e in sent(sim.trace, "MAP probe", node="MAP1")]
    assert [r.payload for r in replies] == [EchoReply(PROBE_IDENT, i, b"") for i in (1, 2, 3)]
    assert [e for e in sim.trace if isinstance(e, MapProbeChanged)] == []
    assert sent(sim.trace, "MAP probe", node="AR2") == []  # AR2 does not probe


def test_unanswered_probes_lead_to_lifetime_zero_and_the_mn_moves_to_another_map():
    sim = probing(two_domains(shared_ars=True, flows=[echo(2.0, 1000.0)],
                              fails=[(8.0, "MAP1")], duration_s=40.0))
    sim.run()
    ar1 = [e for e in sent(sim.trace, "MAP probe", node="AR1")
           if decode(e.data).dst == MAP1_ADDR]
    # 10 s regular probe unanswered (timeout 1 s), fast probes at 11, 16, 21, failed at 26,
    # then probed every 10 s while advertised as failed
    assert [round(e.t, 3) for e in ar1] == [10.0, 11.0, 16.0, 21.0, 36.0]
    changes = [(e.t, e.old, e.new, e.input) for e in sim.trace
               if isinstance(e, MapProbeChanged) and e.node == "AR1"]
    assert changes == [(11.0, "reachable", "probing fast", "probe unanswered"),
                       (26.0, "probing fast", "failed", "fast period over")]
    # nobody told the ARs: the MAP option keeps its lifetime until the probing gives up
    lifetimes = ra_lifetimes(sim, "AR1", since_t=7.0)
    assert all(life == 600 for t, life in lifetimes if t < 26.0)
    assert (26.0, 0) in lifetimes
    assert all(life == 0 for t, life in lifetimes if t >= 26.0)
    chosen = [(round(e.t, 3), e.map_address) for e in sim.trace if isinstance(e, MapSelected)]
    assert chosen == [(0.045, str(MAP1_ADDR)), (26.002, "2001:db8:200::1")]
    assert {e.home_address: e.care_of_address for e in sim.binding_caches()["MAP2"]} == {
        RCOA2: LCOA1}
    assert {e.care_of_address for e in sim.binding_caches()["HA"]} == {RCOA2}


def test_a_restored_map_answers_and_is_advertised_again():
    sim = probing(two_domains(shared_ars=True, fails=[(8.0, "MAP1")],
                              restores=[(40.0, "MAP1")], duration_s=50.0))
    sim.run()
    changes = [(round(e.t, 3), e.new) for e in sim.trace
               if isinstance(e, MapProbeChanged) and e.node == "AR1"]
    assert changes == [(11.0, "probing fast"), (26.0, "failed"), (46.034, "reachable")]
    lifetimes = ra_lifetimes(sim, "AR1", since_t=46.0)
    assert lifetimes[0] == (46.034, 600)
    # the MN returns to the preferred MAP1 (Pref 10 against MAP2's 5)
    chosen = [e.map_address for e in sim.trace if isinstance(e, MapSelected)]
    assert chosen[-1] == str(MAP1_ADDR)
    assert {e.home_address: e.care_of_address for e in sim.binding_caches()["MAP1"]} == {
        RCOA1: LCOA1}


def test_a_short_outage_between_probes_is_not_noticed():
    # s.10's caveat: a MAP that reboots between probes is not detected
    sim = probing(two_domains(shared_ars=True, fails=[(3.0, "MAP1")],
                              restores=[(6.0, "MAP1")], duration_s=30.0))
    sim.run()
    assert [e for e in sim.trace if isinstance(e, MapProbeChanged)] == []


def test_probe_state_table_is_complete_data():
    states = {x for (s, _), t in PROBE_TRANSITIONS.items() for x in (s, t)}
    assert states == set(PROBE_STATES)


# --- Pref 0 (RFC 5380 s.7.1): refresh existing bindings, create none ----------------------

def test_pref_zero_map_keeps_being_refreshed_but_is_not_chosen_anew():
    sc = figure1(duration_s=20.0, protocol={"map_binding_lifetime_s": 8,
                                           "home_binding_lifetime_s": 8})
    sim = Simulation(sc)
    sim.run(2.0)
    sim.set_map_option("AR1", "MAP1", pref=0)
    sim.set_map_option("AR2", "MAP1", pref=0)
    sim.run(20.0)
    refreshes = [round(e.t, 2) for e in sent(sim.trace, "local BU", node="MN", since_t=2.0)]
    assert len(refreshes) >= 3  # every 0.8 x 8 s, to the same MAP
    assert all(decode(e.data).dst == MAP1_ADDR
               for e in sent(sim.trace, "local BU", node="MN"))
    assert [e for e in sim.trace if isinstance(e, MapSelected) and e.t > 2.0] == []


def test_pref_zero_map_binding_is_updated_on_a_move_inside_its_domain():
    sim = Simulation(figure1(duration_s=6.0))
    sim.run(2.0)
    sim.set_map_option("AR1", "MAP1", pref=0)
    sim.set_map_option("AR2", "MAP1", pref=0)
    sim.move("AR2", at_s=3.0)
    sim.run(6.0)
    bu = [e for e in sent(sim.trace, "local BU", node="MN", since_t=3.0)]
    assert len(bu) == 1 and bu[0].rfc == "RFC 5380 s.7.1"
    assert "Pref is 0" in bu[0].summary
    assert {e.home_address: e.care_of_address for e in sim.binding_caches()["MAP1"]} == {
        RCOA1: LCOA2}


def test_pref_zero_map_is_not_used_for_a_new_registration():
    sim = Simulation(figure1(duration_s=3.0))
    for ar in ("AR1", "AR2"):
        sim.nodes[ar].set_map_option(MAP1_ADDR, pref=0)
    sim.run()
    assert sent(sim.trace, "local BU") == []
    home = decode(sent(sim.trace, "BU to HA", node="MN")[0].data)
    assert home.src == LCOA1  # plain Mobile IPv6 (s.7.1)


def test_probe_packets_have_their_own_kind():
    sim = probing(figure1(duration_s=11.0), ars=("AR1",))
    sim.run()
    kinds = {e.kind for e in sim.trace if isinstance(e, PacketSent)
             and isinstance(decode(e.data).payload, (EchoRequest, EchoReply))}
    assert kinds == {"MAP probe"}
