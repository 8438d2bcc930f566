"""Deregistrations without a binding (status 133), a full binding cache (status 130) and
a storm of distinct BUs in linear time (issues 8 item 7 and 9)."""

from __future__ import annotations

import time
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from nets import HA_ADDR, HOA, LCOA1, MAP1_ADDR, RCOA1, figure1, sent

from hmipviz.engine.events import BindingChanged
from hmipviz.engine.messages import BindingAck, BindingUpdate, HomeAddressOption, Packet
from hmipviz.scenario import InjectSpec, LinkSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire import codec
from hmipviz.wire.codec import decode, encode

EVE = A("2001:db8:66::e")


def _bu(dst, home, sequence, lifetime_s, **flags) -> bytes:
    return encode(Packet(EVE, dst, BindingUpdate(sequence, lifetime_s, ack=True, **flags),
                         hao=HomeAddressOption(home)))


def _run(injects, duration_s=5.0, protocol=None) -> Simulation:
    eve = NodeSpec("EVE", "host", EVE, N("2001:db8:66::/64"))
    sim = Simulation(figure1(duration_s=duration_s, protocol=protocol, extra_nodes=[eve],
                             extra_links=[LinkSpec("EVE", "AR1", 1)],
                             injects=[InjectSpec(t, "EVE", data) for t, data in injects]))
    sim.run()
    return sim


def _bas_to_eve(sim: Simulation, kind: str) -> list[tuple[str, int, int, int]]:
    """(sender, status, sequence, lifetime) of each BA sent to EVE."""
    out = []
    for e in sent(sim.trace, kind):
        p = decode(e.data)
        if p.dst == EVE:
            assert isinstance(p.payload, BindingAck)
            out.append((e.node, p.payload.status, p.payload.sequence, p.payload.lifetime_s))
    return out


def _cache_changes(sim: Simulation, node: str, since_t: float):
    return [(e.home_address, e.change) for e in sim.trace if isinstance(e, BindingChanged)
            and e.node == node and e.t >= since_t]


def test_ha_refuses_a_deregistration_without_binding_with_status_133():
    stranger = A("2001:db8:1::77")
    sim = _run([(3.0, _bu(HA_ADDR, stranger, 9, 0, home_registration=True))])
    assert _bas_to_eve(sim, "BA from HA") == [("HA", 133, 9, 0)]
    [ba] = [e for e in sent(sim.trace, "BA from HA") if decode(e.data).dst == EVE]
    assert ba.summary == ("BA from HA: status 133 not home agent for this mobile node: "
                          "deregistration of 2001:db8:1::77, which has no binding at HA")
    assert _cache_changes(sim, "HA", 3.0) == []


def test_map_refuses_a_deregistration_without_binding_with_status_133():
    stranger = A("2001:db8:100::77")
    sim = _run([(3.0, _bu(MAP1_ADDR, stranger, 4, 0, map_registration=True))])
    assert _bas_to_eve(sim, "local BA") == [("MAP1", 133, 4, 0)]
    assert _cache_changes(sim, "MAP1", 3.0) == []


def test_deregistration_of_an_existing_binding_is_still_accepted():
    sim = _run([(3.0, _bu(MAP1_ADDR, A("2001:db8:100::77"), 1, 600, map_registration=True)),
                (3.5, _bu(MAP1_ADDR, A("2001:db8:100::77"), 2, 0, map_registration=True))])
    assert _bas_to_eve(sim, "local BA") == [("MAP1", 0, 1, 600), ("MAP1", 0, 2, 0)]
    assert _cache_changes(sim, "MAP1", 3.0) == [("2001:db8:100::77", "added"),
                                                ("2001:db8:100::77", "deleted")]


def test_a_full_binding_cache_answers_status_130_and_keeps_refreshing():
    # the MN's own binding fills one of two places at MAP1
    sim = _run([(3.0, _bu(MAP1_ADDR, A("2001:db8:100::71"), 1, 40, map_registration=True)),
                (3.1, _bu(MAP1_ADDR, A("2001:db8:100::72"), 1, 40, map_registration=True)),
                (3.2, _bu(MAP1_ADDR, A("2001:db8:100::71"), 2, 40, map_registration=True))],
               protocol={"binding_cache_limit": 2})
    assert _bas_to_eve(sim, "local BA") == [("MAP1", 0, 1, 40), ("MAP1", 130, 1, 0),
                                            ("MAP1", 0, 2, 40)]
    [refused] = [e for e in sent(sim.trace, "local BA") if e.t >= 3.1 and e.t < 3.2]
    assert refused.summary == ("BA from MAP1: status 130 insufficient resources: the binding "
                               "cache is full (2 bindings, binding_cache_limit 2)")
    assert {(str(e.home_address), str(e.care_of_address))
            for e in sim.binding_caches()["MAP1"]} == {(str(RCOA1), str(LCOA1)),
                                                      ("2001:db8:100::71", str(EVE))}
    # the HA's cache is not MAP1's: the MN's home registration went through
    assert [(e.home_address, e.care_of_address) for e in sim.binding_caches()["HA"]] == \
        [(HOA, RCOA1)]


def _storm_seconds(n: int) -> float:
    """n distinct local BUs (8 s lifetime: refresh requests and expiry are part of it)."""
    injects = [(1.0 + i * 0.001, _bu(MAP1_ADDR, A(f"2001:db8:100::1:{i:x}"), 1, 8,
                                     map_registration=True)) for i in range(n)]
    codec._encode_cached.cache_clear()  # a second run must not find the bytes cached
    codec._decode_cached.cache_clear()
    start = time.process_time()  # CPU time: the machine may be shared
    sim = _run(injects, duration_s=1.0 + n * 0.001 + 10.0,
               protocol={"binding_cache_limit": 100_000})
    elapsed = time.process_time() - start
    changes = _cache_changes(sim, "MAP1", 1.0)
    assert sum(1 for _, c in changes if c == "added") == n
    assert sum(1 for _, c in changes if c == "expired") == n
    return elapsed


def test_a_storm_of_distinct_bus_costs_linear_time():
    small = min(_storm_seconds(500) for _ in range(2))
    large = min(_storm_seconds(2000) for _ in range(2))
    print(f"500 BUs: {small:.2f} s, 2,000 BUs: {large:.2f} s, ratio {large / small:.2f}")
    assert large / small < 7.0  # linear is 4; the cache scans before the fix made it 11.8
