"""Binding caches (MAP, HA, CN) and the MN's binding update list (RFC 6275 s.9.1, s.11.1).

Entries are frozen and replaced on change, so a snapshot of a cache is a cheap copy of
a dict and the GUI can diff two snapshots to flash the rows that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv6Address


@dataclass(frozen=True)
class BindingCacheEntry:
    home_address: IPv6Address  # the HoA, or the RCoA at a MAP (RFC 5380 s.6.2)
    care_of_address: IPv6Address
    lifetime_s: int  # granted
    sequence: int
    registered_at_s: float
    map_registration: bool = False
    home_registration: bool = False

    @property
    def expires_at_s(self) -> float:
        return self.registered_at_s + self.lifetime_s

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.expires_at_s - now)


class BindingCache:
    """home address -> entry, with expiry driven by the caller's clock."""

    def __init__(self) -> None:
        self._entries: dict[IPv6Address, BindingCacheEntry] = {}

    def get(self, home_address: IPv6Address) -> BindingCacheEntry | None:
        return self._entries.get(home_address)

    def put(self, entry: BindingCacheEntry) -> None:
        self._entries[entry.home_address] = entry

    def remove(self, home_address: IPv6Address) -> BindingCacheEntry | None:
        return self._entries.pop(home_address, None)

    def clear(self) -> list[BindingCacheEntry]:
        gone = list(self._entries.values())
        self._entries.clear()
        return gone

    def entries(self) -> list[BindingCacheEntry]:
        return list(self._entries.values())

    def by_care_of(self, care_of: IPv6Address) -> BindingCacheEntry | None:
        for entry in self._entries.values():
            if entry.care_of_address == care_of:
                return entry
        return None

    def next_expiry(self) -> float | None:
        if not self._entries:
            return None
        return min(e.expires_at_s for e in self._entries.values())

    def expire(self, now: float) -> list[BindingCacheEntry]:
        gone = [e for e in self._entries.values() if e.expires_at_s <= now]
        for entry in gone:
            del self._entries[entry.home_address]
        return gone

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class BindingUpdateListEntry:
    """One binding the MN asked for (RFC 6275 s.11.1)."""

    peer: str  # node name, for display
    peer_address: IPv6Address
    home_address: IPv6Address  # HoA, or RCoA for a local BU
    care_of_address: IPv6Address
    sequence: int
    requested_lifetime_s: int
    sent_at_s: float
    map_registration: bool
    home_registration: bool
    acknowledged: bool = False
    granted_lifetime_s: int = 0
    acked_at_s: float = 0.0
    retransmissions: int = 0
    timeout_s: float = 1.0

    @property
    def lifetime_s(self) -> int:
        return self.granted_lifetime_s if self.acknowledged else self.requested_lifetime_s

    @property
    def expires_at_s(self) -> float:
        """RFC 6275 s.11.1: the lifetime counts from when the BU was sent."""
        return self.sent_at_s + self.lifetime_s

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.expires_at_s - now)

    def with_(self, **changes) -> "BindingUpdateListEntry":
        return replace(self, **changes)


class RefreshTracker:
    """When a binding cache asks for a refresh (RFC 6275 s.9.5.5): one Binding Refresh
    Request per binding, once ``fraction`` of its lifetime has passed. The HA, the MAP and
    the CN share it; each says which entries qualify and how the request travels."""

    def __init__(self, cache: BindingCache) -> None:
        self.cache = cache
        self.requested: set[IPv6Address] = set()

    def due(self, fraction: float, eligible=lambda entry: True
            ) -> list[tuple[float, BindingCacheEntry]]:
        if fraction <= 0:
            return []
        return [(e.registered_at_s + e.lifetime_s * fraction, e) for e in self.cache.entries()
                if e.home_address not in self.requested and eligible(e)]

    def next_time(self, fraction: float, eligible=lambda entry: True) -> float | None:
        times = [t for t, _ in self.due(fraction, eligible)]
        expiry = self.cache.next_expiry()
        if expiry is not None:
            times.append(expiry)
        return min(times) if times else None

    def expire(self, now: float) -> list[BindingCacheEntry]:
        gone = self.cache.expire(now)
        for entry in gone:
            self.requested.discard(entry.home_address)
        return gone

    def forget(self, home_address: IPv6Address) -> None:
        """A fresh registration: a later refresh may be asked for again."""
        self.requested.discard(home_address)

    def clear(self) -> None:
        self.requested.clear()
