"""Which mobile node an address, a packet or an event concerns (several MNs, issue 11).

The engine's events name the node that acted (``node``); a binding cache event names
the MN (``peer``). A packet hop names only its link ends, so the MN a packet concerns
is read off its addresses: an MN's home address, or any address built from its
interface identifier (LCoA, RCoA: RFC 5380 s.6.1 forms both from the MN's interface
identifier) that is not some fixed node's own address. The index is built once from
the scenario and never changes, so snapshots share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from .engine.events import (
    BindingChanged,
    Event,
    PacketDropped,
    PacketReceived,
    PacketSent,
)

if TYPE_CHECKING:
    from .engine.binding_cache import BindingUpdateListEntry
    from .engine.nodes.access_router import AccessRouter
    from .engine.nodes.mobile_node import MobileNode
    from .sim_mobility import Mobility

_IPV6_IN_IPV6 = 41


class MobileIndex:
    """Addresses -> MN names, from the MNs' home addresses and interface identifiers."""

    def __init__(self, mns: Iterable[tuple[str, IPv6Address | None, int]],
                 fixed: Iterable[IPv6Address]) -> None:
        """``mns``: (name, home address, interface identifier) of each MN in order;
        ``fixed``: every address of a node that is not an MN."""
        self.names: list[str] = []
        self._exact: dict[bytes, str] = {}
        self._iid: dict[bytes, str] = {}
        for name, home, iid in mns:
            self.names.append(name)
            if home is not None:
                self._exact[home.packed] = name
            self._iid.setdefault(iid.to_bytes(8, "big"), name)
        self._fixed = {a.packed for a in fixed}
        self.first = self.names[0] if self.names else ""
        self.name_set = frozenset(self.names)

    def __deepcopy__(self, memo: dict) -> MobileIndex:
        return self  # immutable after construction

    def __len__(self) -> int:
        return len(self.names)

    def of_packed(self, address: bytes) -> str | None:
        """The MN a 16-octet address belongs to, or None."""
        name = self._exact.get(address)
        if name is not None or address in self._fixed:
            return name
        return self._iid.get(address[8:16])

    def of_address(self, address: IPv6Address | int | str) -> str | None:
        if isinstance(address, (int, str)):
            address = IPv6Address(address)
        return self.of_packed(address.packed)

    def name_for_binding(self, address: IPv6Address) -> str:
        """What a binding cache shows as the MN for a binding of ``address``."""
        return self.of_address(address) or self.first or "MN"

    def of_bytes(self, data: bytes) -> str | None:
        """The MN a packet concerns: its outer destination, then source, then (for an
        IPv6-in-IPv6 tunnel without extension headers) the inner ones."""
        if len(self.names) == 1:
            return self.first
        while len(data) >= 40:
            name = self.of_packed(data[24:40]) or self.of_packed(data[8:24])
            if name is not None or data[6] != _IPV6_IN_IPV6:
                return name
            data = data[40:]
        return None


class EventMobiles:
    """Folds a trace to say which MN each event concerns (:meth:`of`), keeping only the
    packets in flight (packet id -> MN) so a long run costs no history."""

    def __init__(self, index: MobileIndex) -> None:
        self.index = index
        self._packets: dict[int, str | None] = {}

    def of(self, e: Event) -> str | None:
        """The MN ``e`` concerns, or None (a fixed node's own business, e.g. an RA
        timer or a MAP probe). Feed every event in trace order."""
        index = self.index
        if isinstance(e, PacketSent):
            name = self._packets.get(e.packet_id)
            if name is None and e.packet_id not in self._packets:
                name = index.of_bytes(e.data)
                if name is None and e.node in index.name_set:
                    name = e.node
                if name is None and e.to_node in index.name_set:
                    name = e.to_node
                self._packets[e.packet_id] = name
            return name
        if isinstance(e, (PacketReceived, PacketDropped)):
            if e.packet_id in self._packets:
                return self._packets.pop(e.packet_id)
            return e.node if e.node in index.name_set else (
                index.first if len(index) == 1 else None)
        if isinstance(e, BindingChanged) and e.table == "binding cache":
            return e.peer
        if e.node in index.name_set:
            return e.node
        return index.first if len(index) == 1 else None



class SeveralMobileNodes:
    """The simulation's API for its MNs (a mixin of :class:`~hmipviz.sim.Simulation`,
    documented in docs/architecture.md): which they are, where, and their lists."""

    nodes: dict
    now: float
    mn_name: str
    mn_names: list[str]
    mobiles: MobileIndex
    mobility: Mobility

    def mobile_node(self, name: str) -> MobileNode:
        from .engine.nodes.mobile_node import MobileNode
        node = self.nodes[name]
        if not isinstance(node, MobileNode):
            raise KeyError(f"{name} is not a mobile node")
        return node

    def mn_of(self, address: IPv6Address | int | str) -> str | None:
        """The MN an address (home address, LCoA, RCoA) belongs to, or None."""
        return self.mobiles.of_address(address)

    def place(self, mn: str, x_m: float, y_m: float, at_s: float | None = None) -> None:
        """Put ``mn`` at (x, y) metres from ``at_s`` (default now): a mobility model it
        had ends there. Its link layer is not moved: call ``move`` for that."""
        self.mobility.place(mn, (float(x_m), float(y_m)), self.now if at_s is None else at_s)

    def position_of(self, mn: str, t: float | None = None) -> tuple[float, float] | None:
        """Where ``mn`` is (metres) at ``t`` (default now); None: placed nowhere."""
        return self.mobility.position(mn, self.now if t is None else t)

    def binding_update_list(self, mn: str | None = None) -> list[BindingUpdateListEntry]:
        """``mn``'s (default: the first MN's) binding update list."""
        name = mn or self.mn_name
        return list(self.mobile_node(name).bul.values()) if name else []

    def binding_update_lists(self) -> dict[str, list[BindingUpdateListEntry]]:
        """Every MN's binding update list, by MN name in scenario order."""
        return {name: self.binding_update_list(name) for name in self.mn_names}

    def _on_link(self, ar: AccessRouter, dst: IPv6Address) -> str | None:
        """The MN attached to ``ar`` that owns ``dst``, or None."""
        name = self.mobiles.of_packed(dst.packed)
        if name is not None:  # addresses are the MNs' own: no other MN can own it
            on_link = name in ar.attached_mns and self.nodes[name].owns(dst)
            return name if on_link else None
        for name in ar.attached_mns:
            if self.nodes[name].owns(dst):
                return name
        return None
