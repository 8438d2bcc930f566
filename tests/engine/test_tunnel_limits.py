"""The HA and the MAP as tunnel entry and exit points (RFC 2473): a tunnel loop and deep
nesting end at the Tunnel Encapsulation Limit with a Parameter Problem (issue 8 item 5,
issue 9), a packet too big for the tunnel gets Packet Too Big (issue 9), and the tunnel
counts as one hop (issue 8 item 10). The runs go on: no exception, no EncodeError."""

from __future__ import annotations

import shutil
import subprocess
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N
from pathlib import Path

import pytest
from nets import CN_ADDR, HA_ADDR, HOA, MAP1_ADDR, RCOA1, echo, figure1, sent

from hmipviz.engine.events import PacketDropped, PacketSent, TunnelRefused
from hmipviz.engine.messages import (
    BindingUpdate,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    Packet,
    PacketTooBig,
    ParameterProblem,
    TimeExceeded,
    Tunnelled,
)
from hmipviz.outputs import write_capture
from hmipviz.scenario import InjectSpec, LinkSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode

EVE = A("2001:db8:66::e")
# EVE, on AR1's link, binds the MN's RCoA to the MN's home address at MAP1 (security
# "none"): the HA tunnels packets for the home address to the RCoA, MAP1 tunnels packets
# for the RCoA to the home address
LOOP_BU = Packet(HOA, MAP1_ADDR, BindingUpdate(100, 600, map_registration=True),
                 hao=HomeAddressOption(RCOA1))


def run(injects=(), flows=(), duration_s=5.0, protocol=None, moves=()) -> Simulation:
    eve = NodeSpec("EVE", "host", EVE, N("2001:db8:66::/64"))
    sim = Simulation(figure1(duration_s=duration_s, flows=flows, protocol=protocol,
                             moves=moves, extra_nodes=[eve],
                             extra_links=[LinkSpec("EVE", "AR1", 1)],
                             injects=[InjectSpec(t, src, p if isinstance(p, bytes) else
                                                 encode(p)) for t, src, p in injects]))
    sim.run()
    assert sim.internal_errors == 0
    return sim


def icmp_errors(sim: Simulation, node: str):
    return [(e, decode(e.data)) for e in sent(sim.trace, "ICMPv6 error", node)]


def refusals(sim: Simulation):
    return [e for e in sim.trace if isinstance(e, TunnelRefused)]


def nest(depth: int, inner: Packet) -> Packet:
    for _ in range(depth):
        inner = Packet(CN_ADDR, HOA, Tunnelled(inner))
    return inner


def test_a_tunnel_loop_ends_at_the_encapsulation_limit_with_a_parameter_problem():
    sim = run([(3.0, "EVE", LOOP_BU)], flows=[echo(4.0, 2000.0)])
    # the echo request goes round HA -> MAP1 -> HA ... one tunnel header more each time
    depths = [(e.node, e.tunnel_depth) for e in sim.trace if isinstance(e, PacketSent)
              and e.origin and e.t >= 4.0 and e.node in ("HA", "MAP1")]
    assert depths == [("HA", 1), ("MAP1", 2), ("HA", 3), ("MAP1", 4), ("HA", 5),
                      ("MAP1", 0)]  # the last: MAP1's Parameter Problem
    [(_pp_sent, pp)] = [x for x in icmp_errors(sim, "MAP1") if x[0].t >= 4.0]
    assert (pp.src, pp.dst) == (MAP1_ADDR, HA_ADDR)  # the previous tunnel entry point
    assert isinstance(pp.payload, ParameterProblem)
    assert (pp.payload.code, pp.payload.pointer) == (0, 6)
    # the quote is the refused packet as MAP1 received it: five tunnel headers
    quoted = [e for e in sim.trace if isinstance(e, PacketSent) and e.to_node == "MAP1"
              and e.t >= 4.0 and e.tunnel_depth == 5][-1].data
    assert pp.payload.invoking == quoted[:1232]
    assert quoted[6] == 41  # the Next Header the pointer points at: IPv6-in-IPv6
    [refused] = [e for e in refusals(sim) if e.t >= 4.0]
    assert (refused.node, refused.problem, refused.tunnel_depth) == ("MAP1", "tunnel loop", 5)
    assert refused.text == (
        "tunnel loop: MAP1 and HA tunnel to each other (MAP1 tunnels packets for "
        "2001:db8:100::a to 2001:db8:1::a, HA tunnels packets for 2001:db8:1::a to "
        "2001:db8:100::a): the packet for 2001:db8:100::a already carries 5 tunnel headers "
        "and RFC 2473's Tunnel Encapsulation Limit allows 4 encapsulations after the "
        "first: MAP1 does not add another; dropped, ICMPv6 Parameter Problem to HA")
    assert refused.rfc == "RFC 2473 s.4.1.1, s.6.6"
    [drop] = [e for e in sim.trace if isinstance(e, PacketDropped) and e.node == "MAP1"
              and e.t >= 4.0]
    assert drop.reason == refused.text
    # the HA takes the Parameter Problem and does not answer it; the run goes on
    assert [e.reason for e in sim.trace if isinstance(e, PacketDropped) and e.node == "HA"
            and e.t >= 4.0] == ["HA takes note of the ICMPv6 Parameter Problem from MAP1 "
                                "(code 0, pointer 6)"]


def test_the_limit_is_a_protocol_setting():
    sim = run([(3.0, "EVE", LOOP_BU)], flows=[echo(4.0, 2000.0)],
              protocol={"tunnel_encapsulation_limit": 1})
    [refused] = [e for e in refusals(sim) if e.t >= 4.0]
    assert (refused.node, refused.tunnel_depth) == ("HA", 2)


def test_a_packet_tunnelled_seven_deep_towards_the_home_address_is_refused():
    deep = nest(7, Packet(CN_ADDR, HOA, EchoRequest(7, 1, b"deep")))
    sim = run([(3.0, "CN", deep)])
    [(_, pp)] = icmp_errors(sim, "HA")
    assert (pp.src, pp.dst, pp.payload.code, pp.payload.pointer) == (HA_ADDR, CN_ADDR, 0, 6)
    as_received = encode(Packet(CN_ADDR, HOA, deep.payload, hop_limit=63))  # R's hop
    assert pp.payload.invoking == as_received[:1232]
    [refused] = refusals(sim)
    assert (refused.node, refused.problem, refused.tunnel_depth) == ("HA", "nesting limit", 7)
    assert refused.text.startswith("tunnel nesting limit: the packet for 2001:db8:1::a "
                                   "already carries 7 tunnel headers")
    # the limit counts every tunnel header the packet carries: three deep goes through
    # the HA and MAP1 (five deep at the MN), four deep stops at MAP1
    ok = run([(3.0, "CN", nest(3, Packet(CN_ADDR, HOA, EchoRequest(7, 1))))])
    assert refusals(ok) == []
    assert [(e.node, e.tunnel_depth) for e in sent(ok.trace, "data")
            if e.node != "CN"] == [("HA", 4), ("MAP1", 5)]
    four = run([(3.0, "CN", nest(4, Packet(CN_ADDR, HOA, EchoRequest(7, 1))))])
    assert [(e.node, e.tunnel_depth) for e in refusals(four)] == [("MAP1", 5)]


def test_a_packet_too_big_for_the_tunnel_gets_packet_too_big():
    # the largest IPv6 packet without a jumbogram: 65,535 octets of payload
    big = Packet(CN_ADDR, HOA, EchoRequest(9, 1, bytes(65535 - 8)))
    sim = run([(3.0, "CN", big)])
    [(ptb_sent, ptb)] = icmp_errors(sim, "HA")
    assert (ptb.src, ptb.dst) == (HA_ADDR, CN_ADDR)
    assert ptb.payload == PacketTooBig(1460, encode(Packet(CN_ADDR, HOA, big.payload,
                                                           hop_limit=63))[:1232])
    assert ptb_sent.summary == "HA: ICMPv6 Packet Too Big, MTU 1460, to 2001:db8:50::1"
    assert [e.reason for e in sim.trace if isinstance(e, PacketDropped) and e.node == "CN"] \
        == ["CN takes note of the ICMPv6 Packet Too Big from HA (MTU 1460; path MTU "
            "discovery (RFC 8201) is not modelled, packets keep their size)"]
    [refused] = refusals(sim)
    assert (refused.problem, refused.size) == ("packet too big", 65575)
    assert refused.text == (
        "packet too big: 65575 octets for 2001:db8:1::a do not fit the tunnel from HA to "
        "2001:db8:100::a (tunnel MTU 1460: link MTU 1500 less the 40-octet tunnel header): "
        "dropped, ICMPv6 Packet Too Big to CN")


def test_packet_too_big_uses_the_tunnel_mtu_and_never_less_than_1280():
    fits = Packet(CN_ADDR, HOA, EchoRequest(9, 1, bytes(1460 - 48)))
    over = Packet(CN_ADDR, HOA, EchoRequest(9, 2, bytes(1461 - 48)))
    sim = run([(3.0, "CN", fits), (3.1, "CN", over)])
    assert [p.payload.mtu for _, p in icmp_errors(sim, "HA")] == [1460]
    small = run([(3.0, "CN", Packet(CN_ADDR, HOA, EchoRequest(9, 1, bytes(1300))))],
                protocol={"link_mtu": 1280})
    assert [p.payload.mtu for _, p in icmp_errors(small, "HA")] == [1280]


def _inner_hop_limits(sim: Simulation, node: str, kind: str, since_t: float):
    out = []
    for e in sent(sim.trace, kind, node, since_t):
        p = decode(e.data)
        out.append((p.hop_limit, p.innermost().hop_limit))
    return out


def test_the_ha_and_the_map_count_as_one_hop_into_and_out_of_their_tunnels():
    sim = run(flows=[echo(3.0, 5000.0)])
    # CN -> R (63) -> HA: the HA forwards the request into its tunnel with 62
    # (the second is the reply it decapsulated: see below)
    assert _inner_hop_limits(sim, "HA", "data", 3.0) == [(64, 62), (63, 63)]
    # the MAP forwards the HA's tunnel packet (63 on arrival) into its own with 62
    [to_mn] = [decode(e.data) for e in sent(sim.trace, "data", "MAP1", 3.0)
               if decode(e.data).dst != HA_ADDR]
    assert to_mn.payload.inner.hop_limit == 62 and to_mn.innermost().hop_limit == 62
    # the reply: MN -> MAP1 [RCoA -> HA [HoA -> CN]]; MAP1 decapsulates and forwards
    # RCoA -> HA with 63, the HA decapsulates and forwards HoA -> CN with 63
    [(rcoa_to_ha, _)] = _inner_hop_limits(sim, "MAP1", "data", 3.0)[1:]
    assert rcoa_to_ha == 63
    [reply] = [decode(e.data) for e in sent(sim.trace, "data", "HA", 3.0)
               if isinstance(decode(e.data).payload, EchoReply)]
    assert (reply.src, reply.dst, reply.hop_limit) == (HOA, CN_ADDR, 63)


def test_a_packet_at_hop_limit_one_gets_time_exceeded_at_the_tunnel_entry():
    # hop limit 2: R makes it 1, the HA may not forward it into the tunnel
    sim = run([(3.0, "CN", Packet(CN_ADDR, HOA, EchoRequest(5, 1, b"x"), hop_limit=2))])
    [(_te_sent, te)] = icmp_errors(sim, "HA")
    assert (te.src, te.dst) == (HA_ADDR, CN_ADDR)
    assert te.payload == TimeExceeded(0, encode(Packet(CN_ADDR, HOA, EchoRequest(5, 1, b"x"),
                                                       hop_limit=1)))
    [refused] = refusals(sim)
    assert (refused.node, refused.problem) == ("HA", "hop limit")
    assert refused.text == ("hop limit: the packet 2001:db8:50::1 -> 2001:db8:1::a arrived "
                            "with hop limit 1 and HA would forward it into the tunnel to "
                            "2001:db8:100::a: dropped, ICMPv6 Time Exceeded to CN")


def test_no_icmp_error_about_an_icmp_error():
    quote = encode(Packet(HOA, CN_ADDR, EchoRequest(1, 1)))
    sim = run([(3.0, "CN", Packet(CN_ADDR, HOA, ParameterProblem(0, 6, quote), hop_limit=2))])
    assert icmp_errors(sim, "HA") == []
    [refused] = refusals(sim)
    assert refused.text.endswith("dropped, no ICMPv6 error about it (RFC 4443 s.2.4(e))")


# --- the bytes, judged by Wireshark --------------------------------------------------

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not found on PATH")
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"


def _tshark(path: Path, *fields: str, display_filter: str) -> list[str]:
    """One line per frame: the first occurrence of each field (the outer header's; an
    ICMPv6 error's quote is dissected too), joined with "/"."""
    args = [TSHARK, "-n", "-r", str(path), "-T", "fields", "-E", "occurrence=f"]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args + ["-Y", display_filter], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return [line.replace("\t", "/") for line in out.splitlines()]


@needs_tshark
def test_the_tunnel_loop_and_packet_too_big_captures_are_clean_in_tshark(tmp_path):
    big = Packet(CN_ADDR, HOA, EchoRequest(9, 1, bytes(65535 - 8)))
    deep = nest(7, Packet(CN_ADDR, HOA, EchoRequest(7, 1, b"deep")))
    sim = run([(3.0, "EVE", LOOP_BU), (3.5, "CN", big), (3.6, "CN", deep),
               (3.7, "CN", Packet(CN_ADDR, HOA, EchoRequest(5, 1, b"x"), hop_limit=2))],
              flows=[echo(4.0, 2000.0)])
    path = tmp_path / "tunnels.pcapng"
    write_capture(sim, path)
    assert _tshark(path, "frame.number", "_ws.expert.message",
                   display_filter=PROBLEMS) == []
    # what Wireshark reads in the errors: type, code, pointer or MTU, as sent by HA/MAP1
    errors = _tshark(path, "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.code",
                     "icmpv6.pointer", "icmpv6.mtu",
                     display_filter="icmpv6.type in {2, 3, 4} && ipv6.hlim == 64")
    assert sorted(set(errors)) == sorted({
        "2001:db8:100::1/2001:db8:1::1/4/0/6/",  # the loop: MAP1 to the HA
        "2001:db8:1::1/2001:db8:50::1/2/0//1460",  # Packet Too Big
        "2001:db8:1::1/2001:db8:50::1/4/0/6/",  # seven deep
        "2001:db8:1::1/2001:db8:50::1/3/0//",  # Time Exceeded
    })
