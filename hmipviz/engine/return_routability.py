"""Return routability arithmetic (RFC 6275 s.5.2): keygen tokens, Kbm, the authenticator.

Pure functions over bytes, stdlib only, so the MN, the CN and the tests' independent
check all compute from the RFC formulas:

* home keygen token    = First(64, HMAC_SHA1(Kcn, home address | nonce | 0))
* care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))
* Kbm = SHA1(home keygen token | care-of keygen token), or SHA1(home keygen token)
  alone for a deregistration (s.5.2.5)
* Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))

where "0" and "1" are single octets and MH Data is the Mobility Header with its
checksum zeroed and without the Authenticator field (s.5.2.6). The MH Data comes from
the wire layer (the very bytes sent or received); nothing here knows about encoding.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from ipaddress import IPv6Address

KCN_OCTETS = 20  # s.5.2.1: the CN's secret Kcn is 20 octets
NONCE_OCTETS = 8  # s.5.2.2: 64-bit nonces
COOKIE_OCTETS = 8  # s.6.1.3: 64-bit init cookies
TOKEN_OCTETS = 8  # s.5.2.5: First(64, ...)
AUTHENTICATOR_OCTETS = 12  # s.5.2.6: First(96, ...)
HOME = 0  # the single octet that ends a home keygen token's input
CARE_OF = 1  # ... and a care-of keygen token's


def keygen_token(kcn: bytes, address: IPv6Address, nonce: bytes, which: int) -> bytes:
    """s.5.2.5: ``which`` is :data:`HOME` for the home address, :data:`CARE_OF` else."""
    digest = hmac.new(kcn, address.packed + nonce + bytes([which]), hashlib.sha1).digest()
    return digest[:TOKEN_OCTETS]


def binding_key(home_token: bytes, care_of_token: bytes | None) -> bytes:
    """Kbm (s.5.2.5); ``care_of_token`` None for a deregistration (home token alone)."""
    return hashlib.sha1(home_token + (care_of_token or b"")).digest()


def authenticator(kbm: bytes, care_of: IPv6Address, correspondent: IPv6Address,
                  mobility_data: bytes) -> bytes:
    """s.5.2.6: the 96-bit Binding Authorization Data of a BU or BA."""
    digest = hmac.new(kbm, care_of.packed + correspondent.packed + mobility_data,
                      hashlib.sha1).digest()
    return digest[:AUTHENTICATOR_OCTETS]


@dataclass(frozen=True)
class Nonce:
    index: int
    value: bytes
    created_at_s: float


class NonceTable:
    """The CN's nonces (s.5.2.2): a fresh one every ``interval_s``, each honoured for
    ``lifetime_s`` after it was made (MAX_NONCE_LIFETIME). Indices count up from 1."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._nonces: dict[int, Nonce] = {}
        self._current: Nonce | None = None

    def current(self, now: float, interval_s: float, lifetime_s: float) -> Nonce:
        if self._current is None or now - self._current.created_at_s >= min(interval_s,
                                                                              lifetime_s):
            index = 1 if self._current is None else self._current.index % 0xFFFF + 1
            self._current = Nonce(index, self._rng.randbytes(NONCE_OCTETS), now)
            self._nonces[index] = self._current
        for old in [i for i, n in self._nonces.items() if now - n.created_at_s > lifetime_s]:
            del self._nonces[old]
        return self._current

    def valid(self, index: int, now: float, lifetime_s: float) -> Nonce | None:
        """The nonce with ``index`` if it is still honoured, else None (unknown or old)."""
        nonce = self._nonces.get(index)
        if nonce is None or now - nonce.created_at_s > lifetime_s:
            return None
        return nonce

    def all(self) -> list[Nonce]:
        return sorted(self._nonces.values(), key=lambda n: n.index)
