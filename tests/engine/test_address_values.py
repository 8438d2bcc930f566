"""The engine's interned addresses (engine.addresses.Address) behave exactly like
ipaddress.IPv6Address wherever the trace, the captures or the views can see them, and
the packets the simulator decodes into them encode to the same bytes with scapy."""

from __future__ import annotations

import copy
import pickle
from collections import defaultdict
from ipaddress import IPv6Address, IPv6Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmipviz.engine.addresses import Address, address
from hmipviz.engine.events import PacketSent
from hmipviz.scenario import builtin_scenarios, load_scenario
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode_with_scapy

values = st.one_of(st.integers(0, (1 << 128) - 1),
                   st.sampled_from([0, 1, 0xFF02 << 112 | 1, 0xFE80 << 112 | 5,
                                    0xFEBF << 112, 0xFEC0 << 112, 0x2001_0DB8 << 96]))


@given(values, values)
def test_an_address_is_indistinguishable_from_the_standard_one(a: int, b: int):
    x, y = address(a), IPv6Address(b)
    std = IPv6Address(a)
    assert isinstance(x, IPv6Address)
    assert (str(x), repr(x), f"{x}", format(x, "X"), x.packed, x.exploded, int(x)) == \
        (str(std), repr(std), f"{std}", format(std, "X"), std.packed, std.exploded, int(std))
    assert hash(x) == hash(std) and x == std and std == x and (x != std) is False
    assert (x == y) == (a == b) and (y == x) == (a == b) and (x != y) == (a != b)
    assert (x < y) == (std < y)
    assert (x.is_multicast, x.is_link_local) == (std.is_multicast, std.is_link_local)
    assert (x in IPv6Network("2001:db8::/32")) == (std in IPv6Network("2001:db8::/32"))
    assert {std: 1}.get(x) == 1 and {x: 1}.get(std) == 1


def test_one_object_per_value_from_any_form():
    x = address("2001:db8::1")
    assert address(x.packed) is x and address(int(x)) is x
    assert address(IPv6Address("2001:db8::1")) is x


def test_copies_and_pickles_are_equal_values():
    x = address("2001:db8::7")
    assert copy.copy(x) is x and copy.deepcopy(x) is x
    back = pickle.loads(pickle.dumps(x))
    assert back == x and str(back) == str(x) and hash(back) == hash(x)


def test_a_scoped_address_is_refused():
    with pytest.raises(ValueError, match="scoped"):
        Address("fe80::1%eth0")


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_what_the_simulator_decodes_encodes_to_the_same_bytes_with_scapy(name: str):
    """Every kind of packet of every built-in: bytes -> decode (interned addresses) ->
    scapy's reference build gives the bytes back (up to 25 packets of each kind)."""
    sim = Simulation(load_scenario(name))
    sim.run()
    per_kind: dict[str, int] = defaultdict(int)
    checked = 0
    for e in sim.trace:
        if not (isinstance(e, PacketSent) and e.origin) or per_kind[e.kind] >= 25:
            continue
        per_kind[e.kind] += 1
        packet = decode(e.data)
        assert isinstance(packet.src, Address) and isinstance(packet.dst, Address)
        assert encode_with_scapy(packet) == e.data, (e.kind, e.summary)
        checked += 1
    assert checked >= 20 and len(per_kind) >= 4
