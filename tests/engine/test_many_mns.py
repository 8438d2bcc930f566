"""Several MNs in one network: per-MN state at every node, simultaneous moves, and which
MN each event concerns (issue 11)."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv6Address as A

from nets import HA_ADDR, MAP1_ADDR, figure1, originated

from hmipviz.engine import describe
from hmipviz.engine.events import BindingChanged, LinkChanged, PacketSent
from hmipviz.scenario import FlowSpec, MoveSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.sim_mns import EventMobiles


def mn(name: str, iid: int, attach: str, **more) -> NodeSpec:
    return NodeSpec(name, "mn", home_agent="HA", home_address=A(f"2001:db8:1::{iid:x}"),
                    interface_id=iid, attach=attach, **more)


def three_mns(moves=(), flows=(), ro=False, duration_s=10.0):
    """figure1 with MN (::a) on AR1, MN2 (::b) on AR2, MN3 (::c) on AR1."""
    s = figure1(duration_s=duration_s, flows=flows, mn={"route_optimization": ro})
    extra = (mn("MN2", 0xB, "AR2", route_optimization=ro),
             mn("MN3", 0xC, "AR1", route_optimization=ro))
    return dataclasses.replace(s, nodes=s.nodes + extra, moves=tuple(moves))


def entries(sim, node):
    return sorted((str(e.home_address), str(e.care_of_address), e.lifetime_s)
                  for e in sim.binding_caches()[node])


def test_the_ha_and_the_map_hold_a_binding_for_every_mn():
    sim = Simulation(three_mns())
    sim.run(3.0)
    assert entries(sim, "MAP1") == [
        ("2001:db8:100::a", "2001:db8:2::a", 600),
        ("2001:db8:100::b", "2001:db8:3::b", 600),
        ("2001:db8:100::c", "2001:db8:2::c", 600)]
    assert [(h, c) for h, c, _ in entries(sim, "HA")] == [
        ("2001:db8:1::a", "2001:db8:100::a"),
        ("2001:db8:1::b", "2001:db8:100::b"),
        ("2001:db8:1::c", "2001:db8:100::c")]
    # each binding-cache event names the MN the binding belongs to
    added = {(e.node, e.peer, e.home_address) for e in sim.trace
             if isinstance(e, BindingChanged) and e.table == "binding cache"}
    assert added == {
        ("MAP1", "MN", "2001:db8:100::a"), ("MAP1", "MN2", "2001:db8:100::b"),
        ("MAP1", "MN3", "2001:db8:100::c"), ("HA", "MN", "2001:db8:1::a"),
        ("HA", "MN2", "2001:db8:1::b"), ("HA", "MN3", "2001:db8:1::c")}
    # every MN's own binding update list: the MAP and the HA, its own addresses
    lists = sim.binding_update_lists()
    assert list(lists) == ["MN", "MN2", "MN3"]
    for name, iid, lcoa in (("MN", "a", "2"), ("MN2", "b", "3"), ("MN3", "c", "2")):
        assert {(str(e.peer_address), str(e.home_address), str(e.care_of_address),
                 e.acknowledged) for e in lists[name]} == {
            (str(HA_ADDR), f"2001:db8:1::{iid}", f"2001:db8:100::{iid}", True),
            (str(MAP1_ADDR), f"2001:db8:100::{iid}", f"2001:db8:{lcoa}::{iid}", True)}


def test_the_cn_holds_a_route_optimised_binding_for_every_mn():
    flows = tuple(FlowSpec("CN", name, "echo", 1.0, 200.0) for name in ("MN", "MN2", "MN3"))
    sim = Simulation(three_mns(flows=flows, ro=True))
    sim.run(6.0)
    assert [(h, c) for h, c, _ in entries(sim, "CN")] == [
        ("2001:db8:1::a", "2001:db8:100::a"),
        ("2001:db8:1::b", "2001:db8:100::b"),
        ("2001:db8:1::c", "2001:db8:100::c")]
    peers = {(e.peer, e.home_address) for e in sim.trace if isinstance(e, BindingChanged)
             and e.node == "CN" and e.change == "added"}
    assert peers == {("MN", "2001:db8:1::a"), ("MN2", "2001:db8:1::b"),
                     ("MN3", "2001:db8:1::c")}
    # a CN BU from each MN reached the CN, from that MN's own RCoA with its HAO
    at_cn = {sim.mobiles.of_bytes(e.data) for e in sim.trace if isinstance(e, PacketSent)
             and e.to_node == "CN" and e.kind == describe.CN_BU}
    assert at_cn == {"MN", "MN2", "MN3"}
    assert {e.node for e in sim.trace if isinstance(e, PacketSent) and e.origin
            and e.kind == describe.CN_BU} == {"MN", "MN2", "MN3", "MAP1"}  # MAP1 detunnels


def test_two_mns_move_at_once_through_the_same_map():
    moves = (MoveSpec(5.0, "AR2"), dataclasses.replace(MoveSpec(5.0, "AR1"), line=0))
    s = three_mns(duration_s=8.0)
    sim = Simulation(dataclasses.replace(s, moves=moves[:1]))
    sim.move("AR1", 5.0, mn="MN2")
    sim.run(8.0)
    # after the moves: only local BUs to MAP1 and their BAs, one per moving MN
    late = originated(sim.trace, since_t=5.0,
                      kinds={describe.LOCAL_BU, describe.LOCAL_BA, describe.HOME_BU})
    assert sorted(late) == [("MAP1", "local BA", 0), ("MAP1", "local BA", 0),
                            ("MN", "local BU", 0), ("MN2", "local BU", 0)]
    mobiles = EventMobiles(sim.mobiles)
    about = [(mobiles.of(e), e.node, e.kind) for e in sim.trace
             if isinstance(e, PacketSent) and e.origin and e.t >= 5.0
             and e.kind in (describe.LOCAL_BU, describe.LOCAL_BA)]
    assert sorted(about) == [("MN", "MAP1", "local BA"), ("MN", "MN", "local BU"),
                             ("MN2", "MAP1", "local BA"), ("MN2", "MN2", "local BU")]
    assert entries(sim, "MAP1") == [
        ("2001:db8:100::a", "2001:db8:3::a", 600),
        ("2001:db8:100::b", "2001:db8:2::b", 600),
        ("2001:db8:100::c", "2001:db8:2::c", 600)]
    # the HA's bindings did not change: the RCoAs stayed (RFC 5380 s.3.1)
    assert [c for _, c, _ in entries(sim, "HA")] == [
        "2001:db8:100::a", "2001:db8:100::b", "2001:db8:100::c"]
    links = [(e.node, e.ar) for e in sim.trace if isinstance(e, LinkChanged) and e.t >= 5.0]
    assert sorted(links, key=str) == sorted([("MN", None), ("MN2", None), ("MN", "AR2"),
                                             ("MN2", "AR1")], key=str)
    ar1 = sim.nodes["AR1"]
    assert list(ar1.attached_mns) == ["MN3", "MN2"]  # type: ignore[attr-defined]


def test_an_ar_advertises_on_each_attached_mns_link():
    sim = Simulation(three_mns(duration_s=30.0))
    sim.run(30.0)
    ras = [(e.node, e.to_node) for e in sim.trace if isinstance(e, PacketSent)
           and e.kind == "RA"]
    assert ("AR1", "MN") in ras and ("AR1", "MN3") in ras and ("AR2", "MN2") in ras
    assert not {("AR1", "MN2"), ("AR2", "MN"), ("AR2", "MN3")} & set(ras)
    # unsolicited RAs go to both of AR1's MNs at the same instant
    unsolicited = [(e.t, e.to_node) for e in sim.trace if isinstance(e, PacketSent)
                   and e.kind == "RA" and e.node == "AR1" and "unsolicited" in e.summary]
    times = sorted({t for t, _ in unsolicited})
    assert times and all(sorted(n for t2, n in unsolicited if t2 == t) == ["MN", "MN3"]
                         for t in times)


def test_one_mn_leaving_an_ar_does_not_cut_the_other_off():
    s = three_mns(flows=(FlowSpec("CN", "MN3", "echo", 1.0, 100.0),), duration_s=8.0)
    sim = Simulation(dataclasses.replace(s, moves=(MoveSpec(4.0, "AR2"),)))
    sim.run(8.0)
    replies = [e for e in sim.trace if isinstance(e, PacketSent) and e.origin
               and e.node == "MN3" and e.kind == "data"]
    assert len(replies) >= 65  # ~70 echo replies from 1 s to 8 s, none lost to MN's move
    assert not any(e for e in sim.trace if type(e).__name__ == "PacketDropped"
                   and "MN3" in getattr(e, "reason", ""))


def test_events_name_the_mn_they_concern():
    sim = Simulation(three_mns(flows=(FlowSpec("CN", "MN2", "echo", 1.0, 500.0),)))
    sim.run(3.0)
    mobiles = EventMobiles(sim.mobiles)
    seen = {}
    for e in sim.trace:
        who = mobiles.of(e)
        if isinstance(e, PacketSent) and e.kind == "data":
            seen.setdefault(who, set()).add(e.node)
        if isinstance(e, PacketSent) and e.kind == "RA":
            assert who == e.to_node
    # the echo requests and replies between the CN and MN2 all concern MN2
    assert set(seen) == {"MN2"}
    assert {"CN", "HA", "MAP1", "AR2", "MN2"} <= seen["MN2"]
