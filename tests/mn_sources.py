"""What the MN put on its links, judged from the bytes (RFC 5380 s.3.1, s.6.1).

Every packet the MN sends on an access link has as outermost source a link-local
address or the LCoA formed from that link's prefix; an RCoA appears only inside the
tunnel to its own MAP.
"""

from __future__ import annotations

from hmipviz.engine.addresses import address_in, prefix64
from hmipviz.engine.events import PacketSent
from hmipviz.engine.messages import Tunnelled
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode


def map_addresses(sim: Simulation) -> list:
    """Every MAP address of the scenario (MAP nodes and ARs with a MAP function)."""
    out = []
    for spec in sim.scenario.nodes:
        if spec.role == "map":
            out.append(spec.address)
        elif getattr(spec, "map_address", None) is not None:
            out.append(spec.map_address)
    return out


def off_link_sends(sim: Simulation) -> list[str]:
    """Each packet the MN sent from an address it may not use on that link, described."""
    mn = sim.mn
    rcoa_of = {address_in(prefix64(m), mn.interface_id): m for m in map_addresses(sim)}
    bad = []
    for e in sim.trace:
        if not (isinstance(e, PacketSent) and e.origin and e.node == mn.name):
            continue
        ar = e.link.split("-")[0]
        lcoa = address_in(sim.nodes[ar].prefixes()[0], mn.interface_id)
        packet = decode(e.data)
        if packet.src.is_link_local:
            continue
        if packet.src != lcoa:
            bad.append(f"t={e.t:.3f} {e.kind} on {e.link} from {packet.src} (LCoA there: {lcoa})")
            continue
        inner = packet.payload.inner if isinstance(packet.payload, Tunnelled) else None
        if inner is not None and inner.src in rcoa_of and rcoa_of[inner.src] != packet.dst:
            bad.append(f"t={e.t:.3f} {e.kind}: RCoA {inner.src} tunnelled to {packet.dst}, "
                       f"not to its MAP {rcoa_of[inner.src]}")
    return bad
