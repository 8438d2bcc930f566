"""The mobile node's registration states and their transitions, as one table.

RFC 5380 s.6.1: after movement detection the MN registers its LCoA with the MAP (a local
BU); only when the RCoA is new does it then register the RCoA with its home agent. In
Mobile IPv6 mode, or with no usable MAP (s.7.1), it registers the LCoA with the HA.
The MN is "registered" only when every binding it needs is acknowledged: the MAP binds
RCoA -> current LCoA and the HA binds home address -> RCoA (or LCoA).

Every transition the MN makes goes through :data:`MN_TABLE`; an input the table does not
allow in the current state raises :class:`~hmipviz.engine.fsm.UndefinedTransition`.
"""

from __future__ import annotations

from enum import Enum

from ..fsm import ANY, Rows, TransitionTable


class MNState(str, Enum):
    DETACHED = "detached"
    AWAITING_RA = "awaiting RA"
    LOCAL_REGISTRATION = "local registration"
    HOME_REGISTRATION = "home registration"
    REGISTERED = "registered"


class MNInput(str, Enum):
    LINK_DOWN = "link down"
    LINK_UP = "link up"
    NEW_LCOA_SAME_MAP = "new LCoA, same MAP"
    NEW_MAP = "new MAP"
    NO_USABLE_MAP = "no usable MAP"
    MIPV6_MODE = "Mobile IPv6 mode"
    LOCAL_BA_HOME_HOLDS = "local BA, RCoA unchanged"
    LOCAL_BA_NEW_RCOA = "local BA, new RCoA"
    HOME_BA = "home BA"
    REFRESH_ACKNOWLEDGED = "refresh acknowledged"
    REJECTED = "registration rejected"
    LOCAL_BINDING_LOST = "binding with the MAP lost"
    HOME_BINDING_LOST = "home binding lost"
    SAME_LCOA_BINDINGS_HOLD = "same LCoA, bindings hold"
    SAME_LCOA_LOCAL_PENDING = "same LCoA, local BU pending"
    SAME_LCOA_HOME_PENDING = "same LCoA, home BU pending"


_ON_LINK = (MNState.AWAITING_RA, MNState.LOCAL_REGISTRATION, MNState.HOME_REGISTRATION,
            MNState.REGISTERED)
_REGISTERING = (MNState.LOCAL_REGISTRATION, MNState.HOME_REGISTRATION, MNState.REGISTERED)

_rows: Rows[MNState, MNInput] = {
    (ANY, MNInput.LINK_DOWN): MNState.DETACHED,
    (MNState.DETACHED, MNInput.LINK_UP): MNState.AWAITING_RA,
    # back on the link it left (no new prefix, so no movement, RFC 6275 s.11.5.1)
    (MNState.AWAITING_RA, MNInput.SAME_LCOA_BINDINGS_HOLD): MNState.REGISTERED,
    (MNState.AWAITING_RA, MNInput.SAME_LCOA_LOCAL_PENDING): MNState.LOCAL_REGISTRATION,
    (MNState.AWAITING_RA, MNInput.SAME_LCOA_HOME_PENDING): MNState.HOME_REGISTRATION,
    # the local BA: the HA already binds the RCoA, or it must be told (s.6.1)
    (MNState.LOCAL_REGISTRATION, MNInput.LOCAL_BA_HOME_HOLDS): MNState.REGISTERED,
    (MNState.LOCAL_REGISTRATION, MNInput.LOCAL_BA_NEW_RCOA): MNState.HOME_REGISTRATION,
    (MNState.REGISTERED, MNInput.LOCAL_BA_NEW_RCOA): MNState.HOME_REGISTRATION,
    (MNState.HOME_REGISTRATION, MNInput.HOME_BA): MNState.REGISTERED,
    (MNState.REGISTERED, MNInput.REFRESH_ACKNOWLEDGED): MNState.REGISTERED,
}
for _s in _ON_LINK:
    _rows[(_s, MNInput.NEW_LCOA_SAME_MAP)] = MNState.LOCAL_REGISTRATION
    _rows[(_s, MNInput.NEW_MAP)] = MNState.LOCAL_REGISTRATION
    _rows[(_s, MNInput.NO_USABLE_MAP)] = MNState.HOME_REGISTRATION
    _rows[(_s, MNInput.MIPV6_MODE)] = MNState.HOME_REGISTRATION
for _s in _REGISTERING:
    # a refused BU: the MN looks again at what this link offers (s.6.2, s.7.1)
    _rows[(_s, MNInput.REJECTED)] = MNState.AWAITING_RA
# a binding the MN relied on ran out: it registers again (RFC 6275 s.11.8)
for _s in _REGISTERING:
    _rows[(_s, MNInput.LOCAL_BINDING_LOST)] = MNState.LOCAL_REGISTRATION
_rows[(MNState.REGISTERED, MNInput.HOME_BINDING_LOST)] = MNState.HOME_REGISTRATION

MN_TABLE: TransitionTable[MNState, MNInput] = TransitionTable(
    "mobile node registration", MNState, MNInput, _rows)

# plain-string views, for lessons (choices of state names) and docs
MN_STATES: tuple[str, ...] = tuple(s.value for s in MNState)
MN_TRANSITIONS: dict[tuple[str, str], str] = MN_TABLE.as_strings()


def next_state(state: str, event: str) -> str | None:
    """The table on strings (None where it has no row)."""
    s, i = MNState(state), MNInput(event)
    return MN_TABLE.next(s, i).value if MN_TABLE.defined(s, i) else None
