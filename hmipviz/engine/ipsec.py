"""IPsec bookkeeping for the MN-MAP and MN-HA signalling (RFC 5380 s.12.1, RFC 6275 s.5.1).

The engine decides which packets travel in ESP and with which security association;
the wire layer (``hmipviz.wire.esp``) applies and checks ESP on the bytes. Nothing here
computes a MAC: an SA is data (SPI, key, the address it protects), the Security
Association Database (SAD) keeps a node's SAs and their sequence numbers.

Security associations appear when the MN first registers with a MAP or its HA, as one
event (:class:`~hmipviz.engine.events.SecurityAssociationEstablished`); IKEv2, which
RFC 5380 s.12.1 requires for this, is out of scope. As RFC 5380 s.12.1 says, the SA with
the MAP is for the RCoA (not the LCoA), the SA with the HA for the home address: an
agent accepts a BU only if it came through the SA of the address it binds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from ipaddress import IPv6Address

from .frozen import fast_init

ESP_ALGORITHM = "ESP transport mode, NULL encryption, HMAC-SHA1-96"
AUTH_KEY_OCTETS = 20  # HMAC-SHA1 (RFC 2404)
REPLAY_WINDOW = 64  # RFC 4303 s.3.4.3: the minimum window size


@fast_init
@dataclass(frozen=True, slots=True)
class EspSecurity:
    """Transport-mode ESP around a packet's upper layer (RFC 4303).

    On a packet a node sends it names the SA to apply, key included so the wire layer
    can compute the ICV; on a packet a node receives, the wire layer sets it after the
    ICV verified (without the key), so the node knows the packet was protected.
    """

    spi: int
    sequence: int
    auth_key: bytes = field(default=b"", repr=False)


@fast_init
@dataclass(frozen=True, slots=True)
class SecurityAssociation:
    """One direction of an SA pair: ``source`` protects packets to ``destination``."""

    spi: int
    source: IPv6Address
    destination: IPv6Address
    protected_address: IPv6Address  # the RCoA (MAP) or home address (HA) it is for
    auth_key: bytes = field(repr=False)


class SecurityAssociationDatabase:
    """A node's SAs: outbound by the address they protect or lead to, inbound by SPI."""

    def __init__(self) -> None:
        self._outbound: dict[IPv6Address, SecurityAssociation] = {}
        self._inbound: dict[int, SecurityAssociation] = {}
        self._sent: dict[int, int] = {}  # SPI -> last sequence number sent
        self._seen: dict[int, set[int]] = {}  # SPI -> sequence numbers in the window

    def install(self, outbound: SecurityAssociation, inbound: SecurityAssociation,
                key: IPv6Address) -> None:
        self._outbound[key] = outbound
        self._inbound[inbound.spi] = inbound
        self._sent.setdefault(outbound.spi, 0)
        self._seen.setdefault(inbound.spi, set())

    def outbound(self, key: IPv6Address) -> SecurityAssociation | None:
        return self._outbound.get(key)

    def inbound(self, spi: int) -> SecurityAssociation | None:
        return self._inbound.get(spi)

    def protect(self, key: IPv6Address) -> EspSecurity | None:
        """The ESP marking for the next packet on the outbound SA for ``key``."""
        sa = self._outbound.get(key)
        if sa is None:
            return None
        seq = self._sent[sa.spi] + 1
        self._sent[sa.spi] = seq
        return EspSecurity(sa.spi, seq, sa.auth_key)

    def replayed(self, spi: int, sequence: int) -> bool:
        """RFC 4303 s.3.4.3: seen before, or older than the window: a replay."""
        seen = self._seen.setdefault(spi, set())
        top = max(seen, default=0)
        return sequence in seen or sequence + REPLAY_WINDOW <= top

    def accept(self, spi: int, sequence: int) -> None:
        seen = self._seen.setdefault(spi, set())
        seen.add(sequence)
        top = max(seen)
        for old in [s for s in seen if s + REPLAY_WINDOW <= top]:
            seen.discard(old)

    def forget(self, key: IPv6Address) -> None:
        sa = self._outbound.pop(key, None)
        if sa is not None:
            self._sent.pop(sa.spi, None)
        for spi in [s for s, a in self._inbound.items()
                    if key in (a.source, a.protected_address)]:
            self._inbound.pop(spi)
            self._seen.pop(spi, None)

    def clear(self) -> None:
        self._outbound.clear()
        self._inbound.clear()
        self._sent.clear()
        self._seen.clear()

    def all(self) -> list[SecurityAssociation]:
        return list(self._outbound.values()) + list(self._inbound.values())

    def __len__(self) -> int:
        return len(self._outbound)


def new_pair(rng: random.Random, mn: IPv6Address, agent: IPv6Address,
             protected: IPv6Address) -> tuple[SecurityAssociation, SecurityAssociation]:
    """(MN -> agent, agent -> MN) with fresh SPIs (>= 256, RFC 4303 s.2.1) and keys."""
    spi_out, spi_in = rng.randrange(0x100, 1 << 32), rng.randrange(0x100, 1 << 32)
    while spi_in == spi_out:
        spi_in = rng.randrange(0x100, 1 << 32)
    return (SecurityAssociation(spi_out, mn, agent, protected, rng.randbytes(AUTH_KEY_OCTETS)),
            SecurityAssociation(spi_in, agent, mn, protected, rng.randbytes(AUTH_KEY_OCTETS)))
