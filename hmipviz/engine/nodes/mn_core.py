"""The state every part of the mobile node shares, declared once for the type checker.

The MN is one class assembled from parts, each in its own module (registration, extra
MAPs, data sending) to keep files small. The parts read and write the MN's state and call
one another, so each part derives from :class:`MobileNodeCore`, which declares that state
and the methods one part calls on another. A ``self: MobileNode`` annotation on every
method would say the same, but mypy refuses a self type that is not a supertype of the
class it is written in, and a Protocol would have to repeat every method of :class:`Node`
as well. The declarations here are annotations only: the values are set in
:meth:`MobileNode.__init__`, and the methods are implemented by the part named beside each,
so nothing here runs and the MN's behaviour does not depend on this class.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from ..binding_cache import BindingUpdateListEntry
from ..binding_update_list import BindingUpdateList, Key
from ..messages import MapOption, Packet
from .base import Node
from .mn_states import MNInput, MNState

if TYPE_CHECKING:
    from .mn_extra_maps import ExtraMap
    from .mobile_node import Handover
    from .route_optimization import RouteOptimization


class MobileNodeCore(Node):
    """The MN's state (set in :meth:`MobileNode.__init__`) and the methods its parts share."""

    # --- set in MobileNode.__init__ ------------------------------------------------------
    extra_maps: tuple[IPv6Address, ...]
    cn_maps: dict[IPv6Address, IPv6Address]
    extra: dict[IPv6Address, ExtraMap]
    cns_stale: bool
    route_optimization: bool
    mobility_data: Callable[[Packet], bytes] | None
    ro: RouteOptimization
    home_address: IPv6Address
    home_agent: IPv6Address
    interface_id: int
    mode: str
    link_local: IPv6Address
    ar: str | None
    lcoa: IPv6Address | None
    lcoa_on_link: bool
    prefix_heard: tuple[int, float] | None
    state: MNState
    heard: dict[IPv6Address, tuple[MapOption, str, float]]
    link_options: tuple[MapOption, ...]
    current_map: IPv6Address | None
    rcoa: IPv6Address | None
    rejected: set[tuple[IPv6Address, IPv6Address]]
    bul: BindingUpdateList
    handover: Handover | None
    last_detach_t: float | None
    last_ar: str | None

    if TYPE_CHECKING:
        # --- in MobileNode (mobile_node.py) ----------------------------------------------
        def _name(self, address: IPv6Address) -> str: ...
        def _go(self, event: MNInput, now: float) -> None: ...
        def map_of(self, address: IPv6Address | None) -> IPv6Address | None: ...
        def extra_for(self, peer: IPv6Address) -> ExtraMap | None: ...
        def option_expired(self, map_address: IPv6Address, now: float) -> None: ...
        def _excluded(self) -> frozenset[IPv6Address]: ...
        def _choose_again(self, now: float, why: str) -> None: ...
        def _finish_handover(self, now: float) -> None: ...
        def _forget_map(self, map_address: IPv6Address, now: float) -> None: ...
        def _secure(self, peer: IPv6Address, protected: IPv6Address, now: float) -> None: ...

        # --- in Registration (mn_registration.py) ------------------------------------------
        def _primary_coa(self) -> IPv6Address | None: ...
        def _local_ready(self, map_address: IPv6Address, rcoa: IPv6Address) -> bool: ...
        def home_binding(self) -> BindingUpdateListEntry | None: ...
        def held_binding(self, key: Key) -> BindingUpdateListEntry | None: ...
        def lcoa_here(self) -> IPv6Address | None: ...
        def route_from(self, source: IPv6Address | None
                       ) -> tuple[bool, IPv6Address | None]: ...
        def _send_local_bu(self, map_address: IPv6Address, rcoa: IPv6Address,
                           now: float, why: str, rfc: str = "RFC 5380 s.6.1",
                           retransmissions: int = 0, timeout_s: float | None = None
                           ) -> None: ...

        # --- in ExtraMaps (mn_extra_maps.py) ---------------------------------------------
        def _keeps(self, entry: BindingUpdateListEntry) -> bool: ...
        def _wants_extra(self, address: IPv6Address) -> bool: ...
        def _extra_gone(self, entry: BindingUpdateListEntry, now: float, why: str) -> None: ...
        def _cns_follow(self, now: float) -> None: ...

        # --- in DataSending (mn_data.py) -------------------------------------------------
        def _map_tunnel_ready(self) -> bool: ...
