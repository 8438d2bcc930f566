"""Random and mutated bytes injected at every node never raise out of the engine."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from nets import figure1

from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.scenario import InjectSpec
from hmipviz.sim import Simulation

NODES = ("HA", "CN", "R", "MAP1", "AR1", "AR2")


def _valid_packets() -> list[bytes]:
    sim = Simulation(figure1(duration_s=2.0))
    sim.run()
    return [e.data for e in sim.trace if isinstance(e, PacketSent)]


VALID = _valid_packets()


def _run(injects) -> Simulation:
    sim = Simulation(figure1(duration_s=3.0, injects=injects))
    sim.run()
    return sim


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NODES), st.binary(min_size=0, max_size=200)),
                min_size=1, max_size=6))
def test_random_bytes_are_dropped_not_raised(items):
    sim = _run([InjectSpec(1.0 + i * 0.01, node, data) for i, (node, data) in
                enumerate(items)])
    assert sim.internal_errors == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(0, 2**32), st.sampled_from(NODES))
def test_mutated_valid_packets_never_break_the_engine(index, seed, node):
    rng = random.Random(seed)
    data = bytearray(VALID[index])
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data))
        data[pos] = rng.randrange(256)
    sim = _run([InjectSpec(1.0, node, bytes(data))])
    assert sim.internal_errors == 0


def test_garbage_is_counted_in_the_trace():
    # dst = MAP1's address, then junk where the next header says Mobility Header
    from ipaddress import IPv6Address
    header = (bytes.fromhex("6000000000088740") + IPv6Address("2001:db8:50::1").packed
              + IPv6Address("2001:db8:100::1").packed)
    junk = header + b"\x3b\x00\x05" + b"\x00" * 5  # MH with a wrong checksum
    sim = _run([InjectSpec(1.0, "CN", junk)])
    drops = [e for e in sim.trace if isinstance(e, PacketDropped) and e.t >= 1.0
             and "malformed" in e.reason]
    assert len(drops) == 1 and drops[0].node == "MAP1"
    assert sim.internal_errors == 0
