"""Binding caches (MAP, HA, CN) and the MN's binding update list (RFC 6275 s.9.1, s.11.1).

Entries are frozen and replaced on change, so a snapshot of a cache is a cheap copy of
a dict and the GUI can diff two snapshots to flash the rows that changed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from ipaddress import IPv6Address
from typing import Any


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
    """home address -> entry, with expiry driven by the caller's clock.

    Expiry times sit in a heap (stale items are skipped when they reach the top), so a
    storm of distinct Binding Updates costs O(log n) each, not a scan of the cache.
    ``limit`` caps the number of entries (``binding_cache_limit``): the agent answers
    status 130 when a new binding does not fit (RFC 6275 s.6.1.8)."""

    def __init__(self, limit: int | None = None) -> None:
        self._entries: dict[IPv6Address, BindingCacheEntry] = {}
        self._expiry: list[tuple[float, int, BindingCacheEntry]] = []
        self._seq = itertools.count()
        self.limit = limit
        self._watchers: list[Callable[[BindingCacheEntry], None]] = []
        # how many times an entry was put, removed or expired: what was computed from
        # the cache at one count holds while it stays (RefreshTracker.next_time)
        self.changes = 0

    def get(self, home_address: IPv6Address) -> BindingCacheEntry | None:
        return self._entries.get(home_address)

    @property
    def full(self) -> bool:
        """No room for one more home address."""
        return self.limit is not None and len(self._entries) >= self.limit

    def watch(self, on_put: Callable[[BindingCacheEntry], None]) -> None:
        """Call ``on_put`` with every entry put from now on (the refresh tracker)."""
        self._watchers.append(on_put)

    def put(self, entry: BindingCacheEntry) -> None:
        self.changes += 1
        self._entries[entry.home_address] = entry
        heapq.heappush(self._expiry, (entry.expires_at_s, next(self._seq), entry))
        if len(self._expiry) > 2 * len(self._entries) + 64:
            self._compact()
        for on_put in self._watchers:
            on_put(entry)

    def current(self, entry: BindingCacheEntry) -> bool:
        """``entry`` is still the binding for its home address (not replaced or gone)."""
        return self._entries.get(entry.home_address) is entry

    def _compact(self) -> None:
        self._expiry = [item for item in self._expiry if self.current(item[2])]
        heapq.heapify(self._expiry)

    def remove(self, home_address: IPv6Address) -> BindingCacheEntry | None:
        self.changes += 1
        return self._entries.pop(home_address, None)

    def clear(self) -> list[BindingCacheEntry]:
        self.changes += 1
        gone = list(self._entries.values())
        self._entries.clear()
        self._expiry.clear()
        return gone

    def entries(self) -> list[BindingCacheEntry]:
        return list(self._entries.values())

    def by_care_of(self, care_of: IPv6Address) -> BindingCacheEntry | None:
        for entry in self._entries.values():
            if entry.care_of_address == care_of:
                return entry
        return None

    def next_expiry(self) -> float | None:
        heap = self._expiry
        while heap and not self.current(heap[0][2]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def expire(self, now: float) -> list[BindingCacheEntry]:
        self.changes += 1
        gone = []
        heap = self._expiry
        while heap and heap[0][0] <= now:
            _, _, entry = heapq.heappop(heap)
            if self.current(entry):
                del self._entries[entry.home_address]
                gone.append(entry)
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

    def with_(self, **changes: Any) -> BindingUpdateListEntry:
        return replace(self, **changes)


class RefreshTracker:
    """When a binding cache asks for a refresh (RFC 6275 s.9.5.5): one Binding Refresh
    Request per binding, once ``fraction`` of its lifetime has passed (0: never). The HA,
    the MAP and the CN share it; each says which entries qualify (``eligible``) and how
    the request travels. Due times sit in a heap fed by the cache's ``put``: each binding
    costs O(log n), whatever the cache's size."""

    def __init__(self, cache: BindingCache, fraction: float) -> None:
        self.cache = cache
        self.fraction = fraction
        self.requested: set[IPv6Address] = set()
        self._due: list[tuple[float, int, BindingCacheEntry]] = []
        self._seq = itertools.count()
        cache.watch(self._added)
        # next_time()'s last answer and the (cache changes, own changes, eligibility
        # key) it was computed at: the HA, the MAP and the CN ask after every packet
        # they handle, and a data packet mostly changes none of them
        self._changes = 0
        self._next: tuple[int, int, Hashable, float | None] | None = None

    def _added(self, entry: BindingCacheEntry) -> None:
        self._changes += 1
        if self.fraction > 0:
            if len(self._due) > 2 * len(self.cache) + 64:
                self._due = [i for i in self._due if self._pending(i[2])]
                heapq.heapify(self._due)
            heapq.heappush(self._due, (entry.registered_at_s + entry.lifetime_s * self.fraction,
                                       next(self._seq), entry))

    def _pending(self, entry: BindingCacheEntry) -> bool:
        return self.cache.current(entry) and entry.home_address not in self.requested

    def next_time(self, eligible: Callable[[BindingCacheEntry], bool] | None = None,
                  eligible_key: Hashable = None) -> float | None:
        """The next refresh request due or expiry, whichever is first. ``eligible_key``:
        a value that differs whenever ``eligible`` may answer differently (the answer is
        then remembered like the one without ``eligible``)."""
        if eligible is None or eligible_key is not None:
            memo = self._next
            if memo is not None and memo[0] == self.cache.changes and \
                    memo[1] == self._changes and memo[2] == eligible_key:
                return memo[3]
            t = self._next_time(eligible)
            self._next = (self.cache.changes, self._changes, eligible_key, t)
            return t
        return self._next_time(eligible)

    def _next_time(self, eligible: Callable[[BindingCacheEntry], bool] | None
                   ) -> float | None:
        heap = self._due
        while heap and not self._pending(heap[0][2]):
            heapq.heappop(heap)
        times = []
        if heap:
            if eligible is None:
                times.append(heap[0][0])
            else:  # eligibility changes with use (CN): scan, in time order
                for t, _, entry in sorted(heap):
                    if self._pending(entry) and eligible(entry):
                        times.append(t)
                        break
        expiry = self.cache.next_expiry()
        if expiry is not None:
            times.append(expiry)
        return min(times) if times else None

    def due(self, now: float, eligible: Callable[[BindingCacheEntry], bool] | None = None
            ) -> list[BindingCacheEntry]:
        """The bindings whose refresh request is due at ``now``, marked as requested;
        an entry not ``eligible`` yet stays queued."""
        self._changes += 1
        out, parked = [], []
        heap = self._due
        while heap and heap[0][0] <= now:
            item = heapq.heappop(heap)
            entry = item[2]
            if not self._pending(entry):
                continue
            if eligible is not None and not eligible(entry):
                parked.append(item)
                continue
            self.requested.add(entry.home_address)
            out.append(entry)
        for item in parked:
            heapq.heappush(heap, item)
        return out

    def expire(self, now: float) -> list[BindingCacheEntry]:
        self._changes += 1
        gone = self.cache.expire(now)
        for entry in gone:
            self.requested.discard(entry.home_address)
        return gone

    def forget(self, home_address: IPv6Address) -> None:
        """A fresh registration: a later refresh may be asked for again."""
        self._changes += 1
        self.requested.discard(home_address)

    def clear(self) -> None:
        self._changes += 1
        self.requested.clear()
        self._due.clear()
