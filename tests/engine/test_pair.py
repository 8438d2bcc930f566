"""State machine and timer tests on two nodes and a hand-turned clock (tests/pair.py):
the MN's BU retransmission and back-off (RFC 6275 s.11.8), refresh before expiry
(s.11.7.1), a refused BU (s.11.7.3), MAX_UPDATE_RATE (s.11.8) and the MAP's binding
cache expiry (RFC 5380 s.6.2). No topology, no routing: what is asserted is the MN's
and the MAP's own behaviour, from the decoded bytes."""

from __future__ import annotations

from ipaddress import IPv6Network
from itertools import pairwise

from nets import HA_ADDR, HOA, LCOA1, LCOA2, MAP1_ADDR, RCOA1
from pair import (
    NodePair,
    attach,
    config,
    map1_option,
    mn_and_ha,
    mn_and_map,
    payloads,
    router_advertisement,
)

from hmipviz.engine.events import BindingChanged, Note, StateChanged
from hmipviz.engine.messages import BindingAck, BindingRefreshRequest, BindingUpdate


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in pairwise(times)]


def test_lost_local_bas_back_off_from_initial_timeout_to_the_cap():
    # RFC 6275 s.11.8 / s.13: InitialBindackTimeout 1 s, doubled per retry, capped at
    # MAX_BINDACK_TIMEOUT 32 s; the MN never gives up on its selected MAP
    pair, _, m = mn_and_map()
    pair.drop_next("local BA", 9)
    attach(pair)
    pair.advance(130.0)
    local = pair.sent("MN", "local BU")
    assert [h.t for h in local] == [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 95.0, 127.0]
    assert gaps([h.t for h in local]) == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 32.0, 32.0]
    bus = list(payloads(local))
    assert [b.sequence for b in bus] == list(range(1, 10))  # a new sequence each time
    assert all(isinstance(b, BindingUpdate) and b.ack and b.map_registration
               and not b.home_registration and b.lifetime_s == 600 for b in bus)
    assert {(h.packet.src, h.packet.dst, h.packet.hao.home_address) for h in local} == \
        {(LCOA1, MAP1_ADDR, RCOA1)}
    assert [h.fate for h in pair.sent("MAP1", "local BA")] == ["lost"] * 9
    assert "next timeout 32 s" in local[-1].why
    assert not [n for n in pair.emitted(Note, "MN") if "giving up" in n.text]
    # the MAP took every BU: its cache holds the newest
    entry = m.agent.cache.get(RCOA1)
    assert (entry.care_of_address, entry.sequence) == (LCOA1, 9)


def test_the_first_ba_that_gets_through_stops_the_retransmissions():
    pair, mn, _ = mn_and_map()
    pair.drop_next("local BA", 2)
    attach(pair)
    pair.advance(60.0)
    assert pair.times("local BU") == [0.0, 1.0, 3.0]
    assert [(h.fate, h.packet.payload.sequence) for h in pair.sent("MAP1", "local BA")] == \
        [("lost", 1), ("lost", 2), ("delivered", 3)]
    held = mn.held_binding((MAP1_ADDR, RCOA1))
    assert (held.sequence, held.granted_lifetime_s) == (3, 600)
    # the home BU follows the local BA at once (RFC 5380 s.6.1), through the MAP
    assert pair.sent("MN", "BU to HA")[0].t == 3.0


def test_first_home_registration_backs_off_from_initial_bindack_timeout_first_reg():
    # RFC 6275 s.11.8: a first home registration starts at 1.5 s (the HA may run DAD)
    pair, mn, _ = mn_and_ha()
    pair.drop_next("BA from HA", 7)
    attach(pair)
    pair.advance(120.0)
    home = pair.sent("MN", "BU to HA")
    assert gaps([h.t for h in home]) == [1.5, 3.0, 6.0, 12.0, 24.0, 32.0, 32.0]
    assert [(b.sequence, b.home_registration, b.map_registration) for b in payloads(home)] \
        == [(i, True, False) for i in range(1, 9)]
    assert {(h.packet.src, h.packet.dst, h.packet.hao.home_address) for h in home} == \
        {(LCOA1, HA_ADDR, HOA)}
    assert mn.state == "registered"  # the eighth BA got through


def test_refresh_at_refresh_fraction_of_the_granted_lifetime():
    # the MAP grants 20 s of the 600 s asked; the MN refreshes when half has passed
    pair, _, _ = mn_and_map(config(refresh_fraction=0.5), max_lifetime_s=20)
    attach(pair)
    pair.advance(35.0)
    local = pair.sent("MN", "local BU")
    assert [h.t for h in local] == [0.0, 10.0, 20.0, 30.0]
    assert [(b.sequence, b.lifetime_s) for b in payloads(local)] == \
        [(1, 600), (2, 600), (3, 600), (4, 600)]
    assert [(b.status, b.sequence, b.lifetime_s)
            for b in payloads(pair.sent("MAP1", "local BA"))] == \
        [(0, 1, 20), (0, 2, 20), (0, 3, 20), (0, 4, 20)]
    changes = [(e.t, e.change) for e in pair.emitted(BindingChanged, "MAP1")]
    assert changes == [(0.0, "added"), (10.0, "refreshed"), (20.0, "refreshed"),
                       (30.0, "refreshed")]
    # refreshed on time: the MAP never asks for a refresh (brr_fraction 0.9)
    assert pair.sent("MAP1", "Binding Refresh Request") == []


def test_a_refused_local_bu_leaves_the_map_and_falls_back_to_mobile_ipv6():
    # the MAP serves only 2001:db8:9::/64: status 129 for AR1's LCoA (RFC 5380 s.6.2)
    pair, mn, m = mn_and_map(valid_onlink_prefixes=(IPv6Network("2001:db8:9::/64"),))
    attach(pair)
    pair.deliver()
    assert pair.kinds() == [("MN", "RS"), ("MN", "local BU"), ("MAP1", "local BA"),
                            ("MN", "BU to HA")]
    ba = pair.sent("MAP1", "local BA")[0].packet
    assert isinstance(ba.payload, BindingAck)
    assert (ba.payload.status, ba.payload.sequence, ba.payload.lifetime_s) == (129, 1, 0)
    assert (ba.src, ba.dst, ba.routing.home_address) == (MAP1_ADDR, LCOA1, RCOA1)
    assert [n.text for n in pair.emitted(Note, "MN")] == [
        "MAP1 rejected the binding: status 129 (administratively prohibited)",
        "MAP MAP1 rejected the local BU: falling back to Mobile IPv6, binding the LCoA "
        "with the HA"]
    states = [(e.old, e.new, e.input) for e in pair.emitted(StateChanged, "MN")]
    assert states == [("detached", "awaiting RA", "link up"),
                      ("awaiting RA", "local registration", "new MAP"),
                      ("local registration", "awaiting RA", "registration rejected"),
                      ("awaiting RA", "home registration", "no usable MAP")]
    # the BUL: the local BU pending, deleted by the refusal; the home BU pending
    assert [(e.change, e.peer, e.flags) for e in pair.emitted(BindingChanged, "MN")] == \
        [("pending", "MAP1", "AM"), ("deleted", "MAP1", "AM"), ("pending", "HA", "AH")]
    home = pair.sent("MN", "BU to HA")[0]
    assert (home.packet.src, home.packet.dst, home.packet.hao.home_address) == \
        (LCOA1, HA_ADDR, HOA)  # Mobile IPv6: the LCoA straight to the HA (s.7.1)
    assert home.fate == "stray"
    assert mn.current_map is None and mn.rcoa is None
    assert (MAP1_ADDR, LCOA1) in mn.rejected
    assert m.agent.cache.get(RCOA1) is None
    assert (MAP1_ADDR, RCOA1) not in mn.bul


def move(pair: NodePair, ar: str, prefix: str) -> None:
    """The MN leaves its link and hears ``ar``'s RA (prefix and MAP1) at once."""
    mn = pair.nodes["MN"]
    mn.detach(pair.now)  # type: ignore[attr-defined]
    mn.attach(ar, pair.now)  # type: ignore[attr-defined]
    pair.collect("MN")
    pair.inject("MN", router_advertisement(map1_option(), prefix=IPv6Network(prefix)), ar)
    pair.deliver()


def test_a_fourth_bu_within_a_second_waits_for_max_update_rate():
    # RFC 6275 s.11.8 MAX_UPDATE_RATE: at most 3 BUs a second to one destination
    pair, _, m = mn_and_map()
    attach(pair)
    pair.advance(2.0)
    for ar, prefix in (("AR2", "2001:db8:3::/64"), ("AR1", "2001:db8:2::/64"),
                       ("AR2", "2001:db8:3::/64"), ("AR1", "2001:db8:2::/64")):
        move(pair, ar, prefix)
        pair.advance(0.1)
    pair.advance(2.0)
    local = [h for h in pair.sent("MN", "local BU") if h.t >= 2.0]
    assert [round(h.t, 6) for h in local] == [2.0, 2.1, 2.2, 3.0]
    assert [h.packet.src for h in local] == [LCOA2, LCOA1, LCOA2, LCOA1]
    # the held-back BU is built again when it leaves, with the newest LCoA and a new
    # sequence number (5 went to the entry that waited and was never sent)
    assert [b.sequence for b in payloads(local)] == [2, 3, 4, 6]
    assert "held back by MAX_UPDATE_RATE" in local[-1].why
    assert [(b.status, b.sequence) for b in payloads(pair.sent("MAP1", "local BA"))
            if b.sequence > 1] == [(0, 2), (0, 3), (0, 4), (0, 6)]
    entry = m.agent.cache.get(RCOA1)
    assert (entry.care_of_address, entry.sequence) == (LCOA1, 6)


def test_the_map_expires_a_binding_nobody_refreshes_after_one_refresh_request():
    pair, mn, m = mn_and_map(max_lifetime_s=20)
    attach(pair)
    pair.advance(2.0)
    mn.detach(pair.now)  # off every link: no refresh can leave
    pair.collect("MN")
    pair.advance(30.0)
    changes = [(e.t, e.change, e.home_address, e.care_of_address, e.lifetime_s, e.sequence)
               for e in pair.emitted(BindingChanged, "MAP1")]
    assert changes == [(0.0, "added", str(RCOA1), str(LCOA1), 20, 1),
                       (20.0, "expired", str(RCOA1), str(LCOA1), 20, 1)]
    # s.9.5.5: one BRR at 0.9 of the lifetime, tunnelled to the LCoA; the MN hears nothing
    brr = pair.sent("MAP1", "Binding Refresh Request")
    assert [(h.t, h.fate) for h in brr] == [(18.0, "lost")]
    assert (brr[0].packet.src, brr[0].packet.dst) == (MAP1_ADDR, LCOA1)
    assert isinstance(next(payloads(brr)), BindingRefreshRequest)
    assert m.agent.cache.get(RCOA1) is None and not m.intercepts(RCOA1)
    assert m.next_timer() is None


def test_step_by_step_the_map_answers_before_the_home_bu_leaves():
    # one thing at a time: the local BA, then the home BU through the MAP (RFC 5380 s.6.1)
    pair, mn, m = mn_and_map()
    attach(pair)
    assert [(h.node, h.kind, h.fate) for h in pair.hops] == \
        [("MN", "RS", "stray"), ("MN", "local BU", "in flight")]
    assert pair.step() == "t=0: local BU from MN delivered"
    assert m.agent.cache.get(RCOA1) is not None and mn.state == "local registration"
    assert pair.step() == "t=0: local BA from MAP1 delivered"
    assert mn.state == "home registration"
    assert pair.step() == "t=0: BU to HA from MN delivered"
    assert pair.sent("MAP1", "BU to HA")[0].fate == "stray"  # no HA in the pair
    assert pair.step() == "t=1.5: timers of MN"  # InitialBindackTimeoutFirstReg
    assert [(h.t, h.kind) for h in pair.sent("MN")][-1] == (1.5, "BU to HA")
