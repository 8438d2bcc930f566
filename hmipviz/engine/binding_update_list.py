"""The mobile node's binding update list (RFC 6275 s.11.1) and the timers that go with it.

One object holds what the MN knows of each binding it asked for: the entry itself, the
last acknowledged version while a refresh is pending, BUs held until they can leave,
what a MAP granted for an RCoA (RFC 5380 s.6.1), sequence numbers per peer, recent send
times (MAX_UPDATE_RATE, RFC 6275 s.11.8) and every deadline. Deadlines are keyed by a
typed :class:`TimerKey`; "no timer" is the absence of a key (``set_timer(key, None)``),
never a time at infinity. Route optimisation and the MN's own code use the methods
below instead of reaching into each other's dictionaries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv6Address

from .addresses import seq_next
from .binding_cache import BindingUpdateListEntry

Key = tuple[IPv6Address, IPv6Address]  # (peer address, home address or RCoA)


class TimerAction(Enum):
    """What a deadline is for. The values order simultaneous deadlines (see
    :meth:`TimerKey.order`), as they always have."""

    RETRANSMIT = "retransmit"  # no BA yet: send the BU again (RFC 6275 s.11.8)
    DEFERRED = "deferred"  # held back by MAX_UPDATE_RATE (RFC 6275 s.11.8)
    REFRESH = "refresh"  # refresh before the binding expires (RFC 6275 s.11.7.1)
    EXPIRE = "expire"  # the acknowledged binding runs out
    HOTI = "hoti"  # no HoT yet: send the HoTI again (RFC 6275 s.11.6.1)
    COTI = "coti"  # no CoT yet: send the CoTI again
    OPTION = "option"  # a MAP option's Valid Lifetime ends (RFC 5380 s.5)


#: the actions whose deadline belongs to one binding (peer, home address or RCoA)
BINDING_ACTIONS = frozenset({TimerAction.RETRANSMIT, TimerAction.DEFERRED,
                             TimerAction.REFRESH, TimerAction.EXPIRE})


@dataclass(frozen=True)
class TimerKey:
    """One deadline: an action about a peer (a MAP, the HA, a CN) and, for the actions
    of a binding, the home address or RCoA it binds."""

    action: TimerAction
    peer: IPv6Address
    home: IPv6Address | None = None

    def __post_init__(self) -> None:
        if (self.home is not None) != (self.action in BINDING_ACTIONS):
            raise ValueError(f"{self.action.value} timer: a home address is "
                             f"{'required' if self.action in BINDING_ACTIONS else 'not used'}")

    @classmethod
    def binding(cls, action: TimerAction, key: Key) -> TimerKey:
        return cls(action, key[0], key[1])

    @property
    def binding_key(self) -> Key | None:
        return (self.peer, self.home) if self.home is not None else None

    def order(self) -> tuple[str | IPv6Address, ...]:
        """Deadlines due at the same instant run in this order: by action name, then
        addresses (the order of the MN's timers since the first version)."""
        return (self.action.value, self.peer) + ((self.home,) if self.home is not None
                                                 else ())


class BindingUpdateList(Mapping[Key, BindingUpdateListEntry]):
    """The entries, by (peer address, home address or RCoA), and their bookkeeping."""

    def __init__(self) -> None:
        self._entries: dict[Key, BindingUpdateListEntry] = {}
        # the last acknowledged entry of each binding, kept while a refresh is pending
        self._acked: dict[Key, BindingUpdateListEntry] = {}
        # BUs that could not leave yet (no link, or the MAP tunnel not ready), with
        # their why and RFC: sent as soon as they can
        self.held: dict[Key, tuple[str, str]] = {}
        # what each MAP granted for an RCoA (the cap of s.6.1), kept while a refresh or
        # a move makes the entry pending again
        self._granted: dict[Key, int] = {}
        self._sequence: dict[IPv6Address, int] = {}
        self._sent_times: dict[IPv6Address, deque[float]] = {}
        self._deferred_why: dict[Key, tuple[str, str]] = {}
        self._timers: dict[TimerKey, float] = {}

    # --- the entries (a read-only mapping; changes go through the methods) -------------
    def __getitem__(self, key: Key) -> BindingUpdateListEntry:
        return self._entries[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: BindingUpdateListEntry) -> BindingUpdateListEntry | None:
        """Store ``entry`` under its key; the entry it replaces, if any."""
        key = (entry.peer_address, entry.home_address)
        previous = self._entries.get(key)
        self._entries[key] = entry
        return previous

    def acknowledged(self, entry: BindingUpdateListEntry) -> None:
        """``entry`` (already stored) is what the peer acknowledged."""
        self._acked[(entry.peer_address, entry.home_address)] = entry

    def held_binding(self, key: Key) -> BindingUpdateListEntry | None:
        """The binding the peer holds as far as the MN knows: the entry once
        acknowledged, or while a refresh of it is outstanding the last acknowledged one
        (RFC 6275 s.11.1 keeps it in the list until its own expiry)."""
        e = self._entries.get(key)
        if e is not None and e.acknowledged:
            return e
        return self._acked.get(key)

    def was_acknowledged(self, key: Key) -> bool:
        return key in self._acked

    def forget_acknowledged(self, key: Key) -> None:
        self._acked.pop(key, None)

    def remove(self, key: Key) -> BindingUpdateListEntry | None:
        """Drop a binding and everything kept for it (its timers included); the entry."""
        entry = self._entries.pop(key, None)
        self._acked.pop(key, None)
        self.held.pop(key, None)
        self.clear_timers(key)
        return entry

    # --- what MAPs granted (RFC 5380 s.6.1) ------------------------------------------------
    def granted(self, key: Key) -> int | None:
        return self._granted.get(key)

    def set_granted(self, key: Key, lifetime_s: int) -> None:
        self._granted[key] = lifetime_s

    def forget_granted(self, key: Key) -> None:
        self._granted.pop(key, None)

    # --- sequence numbers (RFC 6275 s.11.7.1) and MAX_UPDATE_RATE (s.11.8) ---------------
    def next_sequence(self, peer: IPv6Address) -> int:
        seq = seq_next(self._sequence.get(peer, 0))
        self._sequence[peer] = seq
        return seq

    def resume_sequence_after(self, peer: IPv6Address, sequence: int) -> None:
        """Status 135: the next BU to ``peer`` goes out above ``sequence`` (s.11.7.3)."""
        self._sequence[peer] = sequence

    def sent_times(self, peer: IPv6Address) -> deque[float]:
        """When BUs to ``peer`` left within the last second (oldest first)."""
        return self._sent_times.setdefault(peer, deque())

    def defer(self, key: Key, until: float, why: str, rfc: str) -> None:
        """Hold a BU back until ``until`` (MAX_UPDATE_RATE); why it will be sent."""
        self.set_timer(TimerKey.binding(TimerAction.DEFERRED, key), until)
        self._deferred_why[key] = (why, rfc)

    def deferred_why(self, key: Key) -> tuple[str, str]:
        return self._deferred_why.pop(key, ("BU", "RFC 6275 s.11.8"))

    # --- deadlines ---------------------------------------------------------------------
    def set_timer(self, key: TimerKey, at_s: float | None) -> None:
        """Run ``key`` at ``at_s``; None removes it."""
        if at_s is None:
            self._timers.pop(key, None)
        else:
            self._timers[key] = at_s

    def cancel_timer(self, key: TimerKey) -> None:
        self._timers.pop(key, None)

    def timer(self, key: TimerKey) -> float | None:
        return self._timers.get(key)

    def clear_timers(self, key: Key, keep: frozenset[TimerAction] = frozenset()) -> None:
        """Remove the deadlines of one binding, except the actions in ``keep``."""
        for k in [k for k in self._timers if k.home is not None
                  and (k.peer, k.home) == key and k.action not in keep]:
            del self._timers[k]

    def next_deadline(self) -> float | None:
        return min(self._timers.values()) if self._timers else None

    def due(self, now: float) -> list[TimerKey]:
        """The deadlines at or before ``now``, in the order they run."""
        ready = [(t, k.order(), k) for k, t in self._timers.items() if t <= now]
        ready.sort(key=lambda item: item[:2])
        return [k for _, _, k in ready]

    def take(self, key: TimerKey) -> bool:
        """Remove ``key`` if it is still set (an earlier timer may have cleared it)."""
        return self._timers.pop(key, None) is not None
