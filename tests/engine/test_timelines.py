"""Model-based test of any time line (issue 8): Hypothesis draws what a teacher and a
student do to a running network - moves at any moment, also 20-200 ms apart and while
a registration is under way, moves back, detaching, MAP failures, path outages the ARs
are not told about, MAP option changes, crafted BUs - and after the network is whole
again and has settled, the invariants of tests/timeline_invariants.py must hold over
the whole trace and the final state.

A failing example prints a scenario that reproduces it (tests/timeline_model.py) and
says whether replaying that scenario gave the same packets.

CI runs 25 fixed examples (derandomised) without shrinking, and two more through tshark.
Environment:
- ``HMIPVIZ_FUZZ_EXAMPLES=5000``: a long, random search that shrinks what it finds and
  sends one example in eight through tshark as well;
- ``HMIPVIZ_FUZZ_SHRINK=1``: shrink in CI too (minutes per failure);
- ``HMIPVIZ_FUZZ_FINDINGS=path``: append one JSON line per example with the keys of its
  violations, and the reproducer of each key's first example (for triage: Hypothesis
  itself reports one example per distinct failure).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import traceback
from dataclasses import replace
from ipaddress import IPv6Address
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from timeline_invariants import (
    PRIORITY,
    TSHARK,
    TraceChecker,
    Violation,
    check_capture,
    check_ping,
    check_settled,
    check_trace,
    excerpt,
)
from timeline_model import (
    CRAFTED_KINDS,
    HOA,
    ONE_MAP,
    TOPOLOGIES,
    Timeline,
    World,
    crafted_bu,
    load_world,
    new_simulation,
    ping_bytes,
    replay,
    reproducer,
    scenario_toml,
    settle_s,
)

from hmipviz.engine.events import LinkChanged, PacketReceived, PacketSent
from hmipviz.engine.messages import (
    BindingAck,
    BindingUpdate,
    EchoRequest,
    HomeAddressOption,
    MapOption,
    Packet,
    PrefixInformation,
    RouterAdvertisement,
    Tunnelled,
    Type2RoutingHeader,
)
from hmipviz.wire.codec import decode, encode

EXAMPLES = int(os.environ.get("HMIPVIZ_FUZZ_EXAMPLES", 25))
LONG_RUN = "HMIPVIZ_FUZZ_EXAMPLES" in os.environ
FINDINGS = os.environ.get("HMIPVIZ_FUZZ_FINDINGS")
PING_AFTER_S = 3.0  # time the final echo request and its reply get
DELAY_TOLERANCE_S = 0.1  # a BU's one-way trip MN -> HA in these topologies is under 60 ms
STORM_STEPS_PER_S = 20000  # a flow and the signalling make a few hundred
BINDING_CHANGING = ("hijack-rcoa", "rcoa-to-home-address", "hijack-home")

# how long until the next action: a quick gesture (20-200 ms), a pause, a long wait
delays = st.one_of(st.floats(0.02, 0.2), st.floats(0.2, 3.0), st.floats(3.0, 30.0))


class InvariantViolated(AssertionError):
    """Base of one subclass per invariant and cause: Hypothesis keeps distinct failures
    apart by exception type, so each bug gets its own shrunk example."""


_ERRORS: dict[str, type] = {}


def violation_error(key: str) -> type:
    if key not in _ERRORS:
        name = re.sub(r"\W+", "_", key).strip("_")[:90]
        _ERRORS[key] = type(f"Violated_{name}", (InvariantViolated,), {})
    return _ERRORS[key]


class Timelines(RuleBasedStateMachine):
    """One example: a world, a time line applied as it is drawn, then heal and settle."""

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.sim = None
        self.timeline = Timeline()
        self.crash: Violation | None = None
        self.failed: set[str] = set()
        self.cut: set[tuple[str, str]] = set()
        self.visited: list[str] = []  # ARs, in the order the MN was moved to them
        self.crafted_t = -1.0
        self.capture = False

    # --- set-up --------------------------------------------------------------------
    # which examples also go through tshark (writing a capture costs seconds): one in
    # eight in a long run; in CI, test_drawn_captures_are_clean_in_tshark does it
    CAPTURE = (False,) * 7 + (True,) if LONG_RUN else (False,)
    CAPTURE_ONLY = False  # judge nothing but the capture

    @initialize(topology=st.sampled_from(sorted(TOPOLOGIES)),
                mode=st.sampled_from(["hmipv6", "mipv6"]), route_optimization=st.booleans(),
                mn_flow=st.sampled_from(["none", "home", "rcoa"]), data=st.data())
    def start(self, topology, mode, route_optimization, mn_flow, data) -> None:
        self.world = World(TOPOLOGIES[topology], mode, route_optimization, mn_flow)
        self.sim = new_simulation(load_world(scenario_toml(self.world)))
        capture = self.capture = data.draw(st.sampled_from(self.CAPTURE), label="tshark")
        self.visited = ["AR1"]
        note(f"world: {self.world.topology.name}, {mode}, route optimisation "
             f"{route_optimization}, MN flow {mn_flow}, tshark {capture}")

    # --- driving the simulation ------------------------------------------------------
    def _run(self, until_s: float) -> None:
        """Run to ``until_s`` step by step (what Simulation.run does), so that a packet
        storm or a timer that fires again and again at one instant is stopped and
        reported instead of running for ever."""
        if self.crash is not None:
            return
        sim = self.sim
        try:
            window_t, steps = sim.now, 0
            while (t := sim.next_time()) is not None and t <= until_s:
                sim.step()
                steps += 1
                if sim.now - window_t >= 1.0:
                    window_t, steps = sim.now, 0
                elif steps > STORM_STEPS_PER_S:
                    self.crash = Violation(
                        "storm", f"more than {STORM_STEPS_PER_S} steps within one simulated "
                        "second", sim.now, "last events:\n" + excerpt(sim, sim.now, 0.001, 0.0))
                    return
            sim.run(until_s)  # nothing is left before until_s: this only sets the clock
        except Exception as exc:  # a node raised (strict mode) or the simulator did
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            self.crash = Violation("node-raised", f"{type(exc).__name__} at {where}",
                                   self.sim.now, f"{exc!r}\n" + "".join(
                                       traceback.format_exception(exc)[-6:]))

    def _at(self, dt: float) -> float:
        return round(self.sim.now + max(dt, 0.0001), 6)

    def _scheduled(self, t: float, verb: str, *args, label: str = "") -> None:
        if self.crash is not None:
            return
        a = self.timeline.add(t, verb, *args, label=label)
        self.timeline.apply_scheduled(self.sim, a)
        self._run(t)

    def _immediate(self, t: float, verb: str, *args) -> None:
        self._run(t)
        if self.crash is not None:
            return
        a = self.timeline.add(t, verb, *args)
        try:
            Timeline.apply_immediate(self.sim, a)
        except Exception as exc:
            self.crash = Violation("node-raised", f"{type(exc).__name__} in {verb}",
                                   self.sim.now, repr(exc))

    def _ar(self, index: int) -> str:
        ars = self.world.topology.ars
        return ars[index % len(ars)]

    def _move(self, t: float, ar: str | None) -> None:
        self._scheduled(t, "move", ar)
        if ar is not None:
            self.visited.append(ar)

    # --- rules: the gestures ----------------------------------------------------------
    @rule(index=st.integers(0, 3), dt=delays)
    def move(self, index, dt) -> None:
        self._move(self._at(dt), self._ar(index))

    @precondition(lambda self: len(self.visited) >= 2)
    @rule(dt=delays)
    def move_back(self, dt) -> None:
        self._move(self._at(dt), self.visited[-2])

    @rule(index=st.integers(0, 3), delay=st.floats(0.0005, 0.15))
    def move_during_registration(self, index, delay) -> None:
        """Move while a BU is in flight: step until the MN sends one (3 s at most)."""
        if self.crash is not None:
            return
        start, limit = len(self.sim.trace), self.sim.now + 3.0
        try:
            steps = 0
            while (t := self.sim.next_time()) is not None and t <= limit \
                    and steps < STORM_STEPS_PER_S:
                self.sim.step()
                steps += 1
                if any(isinstance(e, PacketSent) and e.node == self.sim.mn_name
                       and "BU" in e.kind for e in self.sim.trace[start:]):
                    break
        except Exception:
            self._run(self.sim.now)  # records nothing new; the crash shows on replay
        self._move(self._at(delay), self._ar(index))

    @rule(dt=delays)
    def detach(self, dt) -> None:
        self._move(self._at(dt), None)

    @rule(dt=delays)
    def wait(self, dt) -> None:
        self._run(self._at(dt))

    @rule(index=st.integers(0, 3), dt=delays)
    def fail_map(self, index, dt) -> None:
        maps = self.world.topology.maps
        name = maps[index % len(maps)]
        self._scheduled(self._at(dt), "fail", name)
        self.failed.add(name)

    @precondition(lambda self: bool(self.failed))
    @rule(dt=delays)
    def restore_map(self, dt) -> None:
        name = sorted(self.failed)[0]
        self._scheduled(self._at(dt), "restore", name)
        self.failed.discard(name)

    @rule(index=st.integers(0, 20), dt=delays, duration=st.floats(0.3, 80.0))
    def path_outage(self, index, dt, duration) -> None:
        """A link loses everything for a while; nobody tells the ARs (unlike a failure)."""
        links = self.world.topology.static_links
        a, b = links[index % len(links)]
        self._immediate(self._at(dt), "set_link", a, b, 1.0)
        self.cut.add((a, b))
        self._immediate(self._at(duration), "set_link", a, b, 0.0)
        self.cut.discard((a, b))

    @rule(index=st.integers(0, 3), option=st.integers(0, 1),
          pref=st.sampled_from([None, 0, 1, 10, 15]),
          lifetime_s=st.sampled_from([None, 0, 12, 20, 100, 600]), dt=delays)
    def change_map_option(self, index, option, pref, lifetime_s, dt) -> None:
        ar = self._ar(index)
        advertised = self.world.topology.advertised(ar)
        if not advertised or (pref is None and lifetime_s is None):
            return
        self._immediate(self._at(dt), "set_map_option", ar,
                        advertised[option % len(advertised)], pref, lifetime_s)

    @precondition(lambda self: self.world is not None and self.world.topology.crafted)
    @rule(kind=st.sampled_from(CRAFTED_KINDS), index=st.integers(0, 3),
          sequence=st.integers(0, 65535), dt=delays)
    def crafted_bu_from_a_host(self, kind, index, sequence, dt) -> None:
        maps = self.world.topology.maps
        data, what = crafted_bu(self.world, kind, maps[index % len(maps)], sequence)
        t = self._at(dt)
        self._scheduled(t, "inject", "EVE", data, label=what)
        if kind in BINDING_CHANGING:
            self.crafted_t = t

    # --- the end: heal, settle, judge --------------------------------------------------
    def teardown(self) -> None:
        if self.sim is None:
            return
        violations = self._finish()
        if FINDINGS:
            _record_findings(violations, self)
        if not violations:
            return
        violations.sort(key=lambda v: (PRIORITY.index(v.invariant), v.t))
        first = violations[0]
        keys = sorted({v.key for v in violations})
        note(reproducer(self.world, self.timeline, self.end_s))
        if current_build_context().is_final and first.invariant != "storm":
            note(self._replay_check())  # (a storm would make the replay run for ever)
        raise violation_error(first.key)(
            f"{first}\n---- trace around it ----\n{excerpt(self.sim, first.t)}\n"
            f"---- every violation in this example ----\n" + "\n".join(keys))

    def _finish(self) -> list[Violation]:
        t_heal = self._at(0.5)
        for name in sorted(self.failed):
            self._scheduled(t_heal, "restore", name)
        for a, b in sorted(self.cut):
            self._immediate(t_heal, "set_link", a, b, 0.0)
        if self.crash is None and self.sim.mn.ar is None:
            self._move(t_heal, self.visited[-1])
        settle = settle_s(self.sim.config)
        if self._unnoticed_map_failure():
            # RFC 5380 s.10: an MN learns of a MAP failure only from a MAP option with
            # valid lifetime 0; one it never heard (it was away) shows at its next
            # refresh of the binding the MAP lost (RFC 6275 s.11.7.1)
            c = self.sim.config
            settle += c.refresh_fraction * c.map_binding_lifetime_s
        self._run(round(t_heal + settle, 6))
        t_ping = self._at(0.0001)
        seq = 1 + len(self.timeline.actions)
        self._scheduled(t_ping, "inject", "CN", ping_bytes(self.world, seq),
                        label=f"echo request #{seq} from the CN to the home address")
        self.end_s = round(t_ping + PING_AFTER_S, 6)
        self._run(self.end_s)
        if self.crash is not None:
            return [self.crash]
        if self.CAPTURE_ONLY:
            with tempfile.TemporaryDirectory() as d:
                return check_capture(self.sim, Path(d))
        out = check_trace(self.world, self.sim)
        if self._registrations_since_crafted():
            out += check_settled(self.world, self.sim, DELAY_TOLERANCE_S)
            out += check_ping(self.sim, seq, t_ping)
        else:
            note("settled-state and ping checks skipped: a crafted BU changed a binding "
                 "after the MN's last registration (security none, s.12.1)")
        if self.capture:
            with tempfile.TemporaryDirectory() as d:
                out += check_capture(self.sim, Path(d))
        return out

    def _unnoticed_map_failure(self) -> bool:
        """Whether a MAP failed (and lost its bindings) without the MN hearing an RA that
        advertises it with valid lifetime 0 while it was down."""
        if self.crash is not None:
            return False
        t = self.world.topology
        received = {e.packet_id: e.t for e in self.sim.trace
                    if isinstance(e, PacketReceived) and e.node == self.sim.mn_name}
        zero_heard: list[tuple[float, IPv6Address]] = []
        for e in self.sim.trace:
            if isinstance(e, PacketSent) and e.to_node == self.sim.mn_name and e.kind == "RA" \
                    and e.packet_id in received:
                ra = decode(e.data).payload
                zero_heard += [(received[e.packet_id], o.map_address)
                               for o in ra.map_options if o.valid_lifetime_s == 0]
        actions = self.timeline.actions
        for i, a in enumerate(actions):
            if a.verb != "fail" or a.args[0] not in t.maps:
                continue
            back = next((b.t for b in actions[i + 1:] if b.verb == "restore"
                         and b.args[0] == a.args[0]), float("inf"))
            address = t.map_address(a.args[0])
            if not any(a.t <= when <= back and m == address for when, m in zero_heard):
                return True
        return False

    def _registrations_since_crafted(self) -> bool:
        """Whether the MN sent a local and a home BU after the last crafted BU that
        changed a binding; else that binding may legitimately still be the crafted one."""
        if self.crafted_t < 0:
            return True
        kinds = {e.kind for e in self.sim.trace if isinstance(e, PacketSent)
                 and e.node == self.sim.mn_name and e.t > self.crafted_t}
        return {"local BU", "BU to HA"} <= kinds or (
            not self.world.hmipv6 and "BU to HA" in kinds)

    def _replay_check(self) -> str:
        again = replay(self.world, self.timeline, self.end_s)
        same = [e.data for e in again.trace if isinstance(e, PacketSent)] == \
            [e.data for e in self.sim.trace if isinstance(e, PacketSent)]
        return ("reproducer checked: it replays the same packets" if same else
                "reproducer checked: it does NOT replay the same packets (an action fell on "
                "the same instant as another); the Python calls above are the time line")


def _record_findings(violations: list[Violation], machine: Timelines) -> None:
    """One JSON line per example with its violations; the reproducer and the trace
    excerpt only with the first example that shows a violation."""
    seen = _record_findings.__dict__.setdefault("seen", set())
    w = machine.world
    record = {"world": f"{w.topology.name} {w.mode} ro={w.route_optimization} "
                       f"flow={w.mn_flow}", "actions": len(machine.timeline.actions),
              "keys": sorted({v.key for v in violations}), "first": []}
    for v in violations:
        if v.key in seen:
            continue
        seen.add(v.key)
        record["first"].append({"key": v.key, "t": v.t, "detail": v.detail,
                                "excerpt": excerpt(machine.sim, v.t),
                                "reproducer": reproducer(w, machine.timeline, machine.end_s)})
    with open(FINDINGS, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


# Shrinking a failing time line takes minutes (each example simulates minutes of
# network time): the long run shrinks, CI reports the failing example as drawn, unless
# HMIPVIZ_FUZZ_SHRINK=1.
SHRINK = LONG_RUN or os.environ.get("HMIPVIZ_FUZZ_SHRINK") == "1"
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, stateful_step_count=12, deadline=None, database=None,
    derandomize=not LONG_RUN, report_multiple_bugs=True,
    phases=tuple(p for p in Phase if p.name != "explain" and (SHRINK or p != Phase.shrink)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])


def test_any_timeline_keeps_the_invariants() -> None:
    run_state_machine_as_test(Timelines, settings=FUZZ_SETTINGS)


class CapturedTimelines(Timelines):
    CAPTURE = (True,)
    CAPTURE_ONLY = True


@pytest.mark.skipif(TSHARK is None, reason="tshark not found on PATH (Debian package tshark)")
def test_drawn_captures_are_clean_in_tshark() -> None:
    """A few drawn time lines written as pcapng: Wireshark finds nothing malformed and
    warns about nothing (the other invariants are the test above's)."""
    run_state_machine_as_test(CapturedTimelines, settings=settings(
        FUZZ_SETTINGS, max_examples=max(2, EXAMPLES // 10), stateful_step_count=8))


# --- the harness itself: its checks can fail, its reproducer reproduces ----------------------

def _sent(t, node, to, data, pid, origin=True, kind="data"):
    return PacketSent(t, node, to, f"{node}-{to}", pid, data, t + 0.001, kind, 0, kind, "",
                      origin)


def _hop(data: bytes, hops: int) -> bytes:
    """The bytes after ``hops`` routers: only the hop limit changes."""
    return data[:7] + bytes([data[7] - hops]) + data[8:]


def _ra(world: World, ar: str, *options: MapOption) -> bytes:
    prefix = world.topology.node(ar).prefix
    from ipaddress import IPv6Network
    return encode(Packet(IPv6Address("fe80::1"), IPv6Address("ff02::1"), RouterAdvertisement(
        (PrefixInformation(IPv6Network(prefix)),), options), hop_limit=255))


def test_an_rcoa_as_outer_source_is_caught_and_the_tunnel_from_the_lcoa_passes() -> None:
    world = World(ONE_MAP)
    t = world.topology
    lcoa, rcoa, map1 = t.lcoa("AR1"), t.rcoa("MAP1"), t.map_address("MAP1")
    cn = world.address_of("CN")
    bare = encode(Packet(rcoa, cn, EchoRequest(1, 1)))
    tunnelled = encode(Packet(lcoa, map1, Tunnelled(Packet(rcoa, cn, EchoRequest(1, 2)))))
    wrong_map = encode(Packet(lcoa, cn, Tunnelled(Packet(rcoa, cn, EchoRequest(1, 3)))))
    trace = [_sent(1.0, "MN", "AR1", bare, 1), _sent(2.0, "MN", "AR1", tunnelled, 2),
             _sent(3.0, "MN", "AR1", wrong_map, 3)]
    found = TraceChecker(world).run(trace)
    assert [(v.invariant, v.t) for v in found] == [("mn-source", 1.0), ("mn-source", 3.0)]
    assert "RCoA" in found[0].cause and "outside the tunnel" in found[1].cause


def test_a_tunnel_end_point_must_decrement_the_packet_it_forwards() -> None:
    world = World(ONE_MAP)
    rcoa, cn, ha = world.topology.rcoa("MAP1"), world.address_of("CN"), world.address_of("HA")
    inner = Packet(cn, HOA, EchoRequest(5, 5), hop_limit=62)
    trace = [_sent(1.0, "R", "HA", encode(inner), 1, origin=False),
             _sent(1.1, "HA", "R", encode(Packet(ha, rcoa, Tunnelled(inner))), 2),
             _sent(2.0, "R", "HA", encode(replace(inner, payload=EchoRequest(5, 6))), 3),
             _sent(2.1, "HA", "R", encode(Packet(ha, rcoa, Tunnelled(
                 replace(inner, payload=EchoRequest(5, 6), hop_limit=61)))), 4)]
    found = TraceChecker(world).run(trace)
    assert [(v.invariant, v.t) for v in found] == [("hop-limit", 1.1)]


def test_an_lcoa_at_the_ha_is_allowed_only_without_a_usable_map_on_that_link() -> None:
    world = World(ONE_MAP)
    t = world.topology
    lcoa, ha = t.lcoa("AR1"), world.address_of("HA")
    bu = encode(Packet(lcoa, ha, BindingUpdate(7, 40, home_registration=True),
                       hao=HomeAddressOption(HOA)))
    with_map = _ra(world, "AR1", MapOption(2, 10, True, 600, t.map_address("MAP1")))
    pref0 = _ra(world, "AR1", MapOption(2, 0, True, 600, t.map_address("MAP1")))
    for ra, expected in ((with_map, ["privacy"]), (pref0, [])):
        trace = [LinkChanged(0.0, "MN", "AR1", True), _sent(0.1, "AR1", "MN", ra, 1),
                 PacketReceived(0.101, "MN", 1, "RA"), _sent(0.2, "MN", "AR1", bu, 2),
                 _sent(0.21, "AR1", "R", _hop(bu, 1), 2, origin=False),
                 _sent(0.22, "R", "HA", _hop(bu, 2), 2, origin=False)]
        assert [v.invariant for v in TraceChecker(world).run(trace)] == expected
    assert [v.invariant for v in TraceChecker(replace(world, mode="mipv6")).run(trace)] == []


def test_the_printed_reproducer_replays_the_time_line_packet_for_packet() -> None:
    """The harness drives a Simulation through its API; the reproducer is the scenario
    file plus Python calls. Both must produce the same packets."""
    world = World(ONE_MAP, route_optimization=True, mn_flow="home")
    sim = new_simulation(load_world(scenario_toml(world)))
    timeline = Timeline()
    for t, verb, args in ((2.0, "move", ("AR2",)), (2.05, "move", ("AR3",)),
                          (3.0, "set_link", ("R", "MAP1", 1.0)), (5.5, "set_link",
                                                                   ("R", "MAP1", 0.0)),
                          (6.0, "set_map_option", ("AR3", "MAP1", 15, 100)),
                          (7.0, "fail", ("MAP1",)), (8.0, "restore", ("MAP1",)),
                          (9.0, "inject", ("CN", ping_bytes(world, 9))),
                          (9.5, "move", (None,)), (10.0, "move", ("AR1",))):
        a = timeline.add(t, verb, *args)
        if verb in ("set_link", "set_map_option"):
            sim.run(t)
            Timeline.apply_immediate(sim, a)
        else:
            timeline.apply_scheduled(sim, a)
    sim.run(14.0)
    again = replay(world, timeline, 14.0)
    sent = [(e.t, e.data) for e in sim.trace if isinstance(e, PacketSent)]
    assert len(sent) > 100
    assert [(e.t, e.data) for e in again.trace if isinstance(e, PacketSent)] == sent
    text = reproducer(world, timeline, 14.0)
    assert text.count("[[move]]") == 4 and 'to = "none"' in text and "[[fail]]" in text
    assert "sim.set_link('R', 'MAP1', loss=1.0)" in text
    assert "sim.set_map_option('AR3', 'MAP1', pref=15, lifetime_s=100)" in text


def test_every_topology_loads_and_registers_in_both_modes() -> None:
    for topology in TOPOLOGIES.values():
        for mode in ("hmipv6", "mipv6"):
            world = World(topology, mode)
            sim = new_simulation(load_world(scenario_toml(world)))
            sim.run(5.0)
            ha = {e.home_address: e.care_of_address for e in sim.binding_caches()["HA"]}
            expected = topology.rcoa(topology.advertised("AR1")[0]) if mode == "hmipv6" \
                else topology.lcoa("AR1")
            assert ha == {HOA: expected}, (topology.name, mode)
            assert check_ping(sim, 1, 0.0)[0].invariant == "ping"  # nothing was pinged


def test_accepting_a_deregistration_without_a_binding_is_caught() -> None:
    world = World(ONE_MAP)
    t = world.topology
    map1, unknown = t.map_address("MAP1"), IPv6Address("2001:db8:100::77")
    eve = IPv6Address("2001:db8:66::e")
    bu = encode(Packet(eve, map1, BindingUpdate(9, 0, map_registration=True),
                       hao=HomeAddressOption(unknown)))
    for status, expected in ((0, ["deregistration-status"]), (133, [])):
        ba = encode(Packet(map1, eve, BindingAck(status, 9, 0),
                           routing=Type2RoutingHeader(unknown)))
        trace = [_sent(1.0, "EVE", "AR1", bu, 1), _sent(1.001, "AR1", "MAP1", _hop(bu, 1), 1,
                                                        origin=False),
                 PacketReceived(1.003, "MAP1", 1, "local BU"),
                 _sent(1.003, "MAP1", "AR1", ba, 2, kind="local BA")]
        assert [v.invariant for v in TraceChecker(world).run(trace)] == expected
