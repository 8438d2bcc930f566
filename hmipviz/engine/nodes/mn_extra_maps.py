"""Bindings with further MAPs besides the selected one (RFC 5380 s.7.1 MAY, s.3.1,
s.9.1): one local BU from the on-link LCoA to each MAP of ``extra_maps`` the link
advertises, never from another MAP's RCoA (s.6.1 MUST NOT); each MAP used on its own,
never as a hierarchy; a MAP no longer usable is given up (lost when advertised with
lifetime 0 or withdrawn, s.10; otherwise left to run out, s.9)."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address

from ..addresses import address_in, prefix64
from ..binding_cache import BindingUpdateListEntry
from ..events import Note
from ..messages import MapOption
from .mn_core import MobileNodeCore


@dataclass
class ExtraMap:
    """A binding with a MAP besides the selected one (RFC 5380 s.7.1 MAY): its RCoA is
    for the correspondents the scenario assigns to it (s.6.1, s.3.1)."""

    address: IPv6Address
    rcoa: IPv6Address
    bound: bool = False  # the MAP has acknowledged a binding for the RCoA




class ExtraMaps(MobileNodeCore):
    """Mixed into :class:`MobileNode`."""

    def _keeps(self, entry: BindingUpdateListEntry) -> bool:
        """A MAP binding the MN goes on refreshing: the selected MAP's or an extra MAP's,
        from the current LCoA. The others run out (lazy release, s.9)."""
        if entry.care_of_address != self.lcoa:
            return False
        if entry.peer_address == self.current_map:
            return True
        x = self.extra.get(entry.peer_address)
        return x is not None and x.rcoa == entry.home_address

    def _extra_option(self, address: IPv6Address) -> MapOption | None:
        """This link's option for ``address`` if the MN may keep a binding with that MAP
        besides the selected one: advertised with a non-zero lifetime, never refused, and
        with a non-zero Pref unless the binding exists already (s.7.1, s.10)."""
        if self.mode == "mipv6" or self.current_map is None or self.lcoa is None \
                or address in self._excluded():
            return None
        option = next((o for o in self.link_options if o.map_address == address), None)
        if option is None or option.valid_lifetime_s == 0:
            return None
        if option.pref == 0:
            x = self.extra.get(address)
            entry = self.bul.get((address, self._rcoa_with(address)))
            if not (x is not None and x.bound) and not (entry is not None and entry.acknowledged):
                return None
        return option

    def _rcoa_with(self, map_address: IPv6Address) -> IPv6Address:
        """The RCoA the MN forms with a MAP: the MAP's /64 and its interface id (s.6)."""
        return address_in(prefix64(map_address), self.interface_id)

    def _wants_extra(self, address: IPv6Address) -> bool:
        return address in self.extra_maps and self._extra_option(address) is not None

    def _sync_extra_maps(self, now: float, moved: bool = True) -> None:
        """One binding with each MAP of ``extra_maps`` this link advertises, besides the
        selected MAP: a local BU from the LCoA when the binding is new or the LCoA changed
        (s.6.1: never another MAP's RCoA as the care-of address). A MAP no longer usable
        is given up: lost when advertised with lifetime 0 or withdrawn (s.10), otherwise
        left to run out (s.9)."""
        if not self.extra_maps and not self.extra:
            return
        for address in self.extra_maps:
            x = self.extra.get(address)
            if address == self.current_map:
                self.extra.pop(address, None)
                continue
            option = self._extra_option(address)
            if option is None:
                if x is not None:
                    advertised = next((o for o in self.link_options
                                       if o.map_address == address), None)
                    lost = (advertised is None and not moved) or \
                        (advertised is not None and advertised.valid_lifetime_s == 0)
                    why = (f"{self._name(address)} advertised with valid lifetime 0 or "
                           "withdrawn, so its binding is assumed lost (s.10)" if lost else
                           f"{self._name(address)} is not usable on this link")
                    self._drop_extra(x, now, lost, why)
                continue
            assert self.current_map is not None  # an extra MAP's option needs a selected one
            fresh = x is None
            if x is None:
                rcoa = self._rcoa_with(address)
                entry = self.bul.get((address, rcoa))
                # a binding the MAP still holds for this LCoA (it was the selected MAP, or
                # the MN comes back to the link it left) serves at once; the BU renews it
                x = ExtraMap(address, rcoa, bound=entry is not None and entry.acknowledged
                             and entry.care_of_address == self.lcoa)
                self.extra[address] = x
                cns = [self._name(cn) for cn, m in self.cn_maps.items() if m == address]
                self.emit(Note(now, self.name, f"also registering with {self._name(address)} "
                               f"(RCoA {rcoa}) besides the selected "
                               f"{self._name(self.current_map)}"
                               + (f", for {', '.join(cns)}" if cns else "")
                               + ": each MAP used on its own, the HA keeps the selected "
                               "MAP's RCoA", "RFC 5380 s.7.1, s.9.1"))
                self._secure(address, rcoa, now)
            entry = self.bul.get((address, x.rcoa))
            if fresh or entry is None or entry.care_of_address != self.lcoa:
                self._send_local_bu(address, x.rcoa, now,
                                    f"extra MAP {self._name(address)}, kept besides the "
                                    f"selected {self._name(self.current_map)}",
                                    rfc="RFC 5380 s.7.1, s.6.1")
            if fresh and x.bound:
                self._cns_follow(now)

    def _drop_extra(self, x: ExtraMap, now: float, lost: bool, why: str) -> None:
        self.extra.pop(x.address, None)
        if lost:
            self._forget_map(x.address, now)
        self.emit(Note(now, self.name, f"{why}: the MN stops using {self._name(x.address)}'s "
                       f"RCoA {x.rcoa}; its correspondents get the selected MAP's",
                       "RFC 5380 s.7.1"))
        if x.bound:
            self._cns_follow(now)

    def _extra_gone(self, entry: BindingUpdateListEntry, now: float, why: str) -> None:
        x = self.extra.get(entry.peer_address) if entry.map_registration else None
        if x is not None and x.rcoa == entry.home_address:
            self._drop_extra(x, now, False, why)

    def _cns_follow(self, now: float) -> None:
        """Which RCoA a CN should see changed: tell the CNs now if the selected MAP's
        tunnel (which the home test needs) is ready, else after its BA."""
        if self.home_binding() is not None and self._map_tunnel_ready():
            self.cns_stale = False
            self.ro.care_of_changed(now)
        else:
            self.cns_stale = True
