"""The MN's side of route optimisation (RFC 6275 s.5.2, s.11.6, s.11.7.2; RFC 5380 s.6.1,
s.6.1.1, s.12.2).

One :class:`CorrespondentRecord` per correspondent node, driven by the state table
:data:`RO_TRANSITIONS`. In HMIPv6 the care-of address a CN learns is the RCoA, so an
intra-MAP handover changes nothing here; only a new RCoA (or a fall-back to the LCoA)
starts a new care-of test. The HoTI leaves from the home address through the HA (and
so, inside a MAP domain, double encapsulated: LCoA -> MAP [RCoA -> HA [HoA -> CN]]);
the CoTI leaves from the RCoA through the MAP tunnel. A CN the scenario assigns to an
extra MAP (RFC 5380 s.7.1) learns that MAP's RCoA instead, once the MAP has bound it;
its CoTI, BU and data then go through that MAP's tunnel, the HoTI still through the HA.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from .. import describe
from ..binding_cache import BindingUpdateListEntry
from ..binding_update_list import TimerAction, TimerKey
from ..events import Note, RouteOptimizationChanged
from ..fsm import ANY, TransitionTable
from ..messages import (
    BA_EXPIRED_COA_NONCE,
    BA_EXPIRED_HOME_NONCE,
    BA_EXPIRED_NONCES,
    BindingAck,
    BindingAuthorizationData,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    NonceIndices,
    Packet,
    encapsulate,
)
from ..return_routability import (
    AUTHENTICATOR_OCTETS,
    COOKIE_OCTETS,
    authenticator,
    binding_key,
)
from .mn_registration import lifetime_within

if TYPE_CHECKING:
    from .mobile_node import MobileNode

class ROState(str, Enum):
    NO_BINDING = "no binding"
    TESTING = "return routability"
    BU_SENT = "BU sent"
    ROUTE_OPTIMISED = "route optimised"


class ROInput(str, Enum):
    START_TESTS = "start tests"  # first data, new care-of address, refresh, BRR, BE
    TOKENS_COMPLETE = "keygen tokens complete"
    TOKENS_FRESH = "tokens still fresh"  # s.5.2.7: reuse tokens younger than 210 s
    BA_ACCEPTED = "BA accepted"
    NONCE_EXPIRED = "nonce expired"  # status 136, 137, 138
    BA_REJECTED = "BA rejected"
    NO_ANSWER = "no answer"
    BINDING_EXPIRED = "binding expired"


NO_BINDING, TESTING, BU_SENT, ROUTE_OPTIMISED = (ROState.NO_BINDING, ROState.TESTING,
                                                 ROState.BU_SENT, ROState.ROUTE_OPTIMISED)
RO_STATES = tuple(s.value for s in ROState)

# (state, input) -> next state, one row per pair the MN can meet (architecture rule 6)
RO_TABLE: TransitionTable[ROState, ROInput] = TransitionTable(
    "route optimisation", ROState, ROInput, {
        (ANY, ROInput.START_TESTS): TESTING,
        (TESTING, ROInput.TOKENS_COMPLETE): BU_SENT,
        (ANY, ROInput.TOKENS_FRESH): BU_SENT,
        (BU_SENT, ROInput.BA_ACCEPTED): ROUTE_OPTIMISED,
        # the answer to a BU for an earlier care-of address, while a new test runs
        (TESTING, ROInput.BA_ACCEPTED): TESTING,
        (BU_SENT, ROInput.NONCE_EXPIRED): TESTING,
        (TESTING, ROInput.NONCE_EXPIRED): TESTING,
        (ANY, ROInput.BA_REJECTED): NO_BINDING,
        (ANY, ROInput.NO_ANSWER): NO_BINDING,
        (ANY, ROInput.BINDING_EXPIRED): NO_BINDING,
    })
RO_TRANSITIONS: dict[tuple[str, str], str] = RO_TABLE.as_strings()
# answers to an earlier BU while a new test runs: taken without a visible change
_LATE_ANSWERS = {(TESTING, ROInput.BA_ACCEPTED), (TESTING, ROInput.NONCE_EXPIRED)}


def next_ro_state(state: str, event: str) -> str | None:
    s, i = ROState(state), ROInput(event)
    return RO_TABLE.next(s, i).value if RO_TABLE.defined(s, i) else None


@dataclass
class CorrespondentRecord:
    """What the MN knows of one CN's return routability test (RFC 6275 s.11.1)."""

    address: IPv6Address
    state: ROState = ROState.NO_BINDING
    home_cookie: bytes | None = None
    careof_cookie: bytes | None = None
    careof_cookie_for: IPv6Address | None = None  # the care-of address the CoTI left from
    home_token: bytes | None = None
    home_nonce_index: int = 0
    home_token_at_s: float = float("-inf")
    careof_token: bytes | None = None
    careof_nonce_index: int = 0
    careof_token_at_s: float = float("-inf")
    careof_token_for: IPv6Address | None = None
    hoti_tries: int = 0
    coti_tries: int = 0
    # until when the CN may hold a binding the MN asked for, answered or not: a CN that
    # may still bind an old care-of address is told the new one (RFC 6275 s.11.7.2)
    may_bind_until_s: float = float("-inf")
    bound_care_of: IPv6Address | None = None  # the care-of address of the last BU
    # until when the CN may still bind a care-of address the MN has left: the MN does not
    # give up telling it the new one before then, or the CN's packets would be lost
    stale_until_s: float = float("-inf")


class RouteOptimization:
    """Return routability and route-optimised bindings, for one MN (composition)."""

    def __init__(self, owner: MobileNode) -> None:
        self.mn = owner
        self.records: dict[IPv6Address, CorrespondentRecord] = {}

    # --- helpers ---------------------------------------------------------------------
    def _go(self, rec: CorrespondentRecord, event: str, now: float) -> None:
        """One transition of :data:`RO_TABLE`; a pair it lacks raises."""
        new = RO_TABLE.next(rec.state, ROInput(event))
        if (rec.state, event) not in _LATE_ANSWERS:
            self.mn.emit(RouteOptimizationChanged(now, self.mn.name,
                                                  self.mn.name_of(rec.address),
                                                  rec.state.value, new.value, str(event)))
        rec.state = new

    def care_of(self, peer: IPv6Address | None = None) -> IPv6Address | None:
        """The care-of address the CNs get: the one registered with the HA (the RCoA
        in a MAP domain, RFC 5380 s.6.1.1), once the HA has acknowledged it. With
        ``peer``: the RCoA of the extra MAP chosen for that CN once the MAP has bound it
        (s.7.1), else the same."""
        home = self.mn.home_binding()
        if home is None or home.care_of_address != self.mn.primary_coa():
            # none yet, or one the MN is replacing (a new RCoA, a MAP after a fall-back):
            # nothing goes route-optimised from it (RFC 5380 s.6.1, s.6.6)
            return None
        if peer is not None:
            x = self.mn.extra_for(peer)
            if x is not None and x.bound:
                return x.rcoa
        return home.care_of_address

    def _token_fresh(self, at_s: float, now: float) -> bool:
        return now - at_s < self.mn.config.max_token_lifetime_s

    def binding(self, peer: IPv6Address) -> BindingUpdateListEntry | None:
        return self.mn.bul.get((peer, self.mn.home_address))

    def usable(self, peer: IPv6Address) -> bool:
        """Data to ``peer`` may go route-optimised: the CN acknowledged a binding for
        the care-of address the MN uses now."""
        entry = self.mn.held_binding((peer, self.mn.home_address))
        return entry is not None and entry.care_of_address == \
            self.care_of(peer)

    # --- starting and restarting the tests -------------------------------------------
    def consider(self, peer: IPv6Address, now: float) -> None:
        """Data was exchanged with ``peer``: start route optimisation if it is on."""
        mn = self.mn
        if not mn.route_optimization or peer in (mn.home_agent, mn.home_address) \
                or peer in self.records or self.care_of(peer) is None:
            return
        if peer.is_link_local or peer.is_multicast:
            return
        rec = CorrespondentRecord(peer)
        self.records[peer] = rec
        self.start(rec, now, f"data exchanged with {mn.name_of(peer)}")

    def start(self, rec: CorrespondentRecord, now: float, why: str) -> None:
        """Run whichever of the home and care-of tests has no fresh token (s.11.6.1)."""
        mn = self.mn
        coa = self.care_of(rec.address)
        if coa is None or mn.lcoa_here() is None:
            return
        need_home = rec.home_token is None or not self._token_fresh(rec.home_token_at_s, now)
        need_careof = (rec.careof_token is None or rec.careof_token_for != coa
                       or not self._token_fresh(rec.careof_token_at_s, now))
        if not need_home and not need_careof:
            self._go(rec, "tokens still fresh", now)
            self._send_bu(rec, now, f"{why}; keygen tokens still fresh, no new test")
            return
        self._go(rec, "start tests", now)
        if need_home:
            rec.home_token, rec.hoti_tries = None, 0
            self._send_hoti(rec, now, why)
        if need_careof:
            rec.careof_token, rec.coti_tries = None, 0
            self._send_coti(rec, now, why)

    def care_of_changed(self, now: float) -> None:
        """The HA acknowledged a new care-of address, or a CN's extra MAP came or went:
        tell every CN whose binding names another address (s.11.7.2)."""
        for rec in self.records.values():
            coa = self.care_of(rec.address)
            entry = self.binding(rec.address)
            if (rec.state != NO_BINDING or rec.may_bind_until_s > now) and \
                    (entry is None or entry.care_of_address != coa):
                self.start(rec, now, f"care-of address changed to {coa}")

    def must_persist(self, peer: IPv6Address, now: float) -> bool:
        """The CN may still bind a care-of address the MN has left: keep trying to tell
        it the new one (at MAX_BINDACK_TIMEOUT) instead of giving up (RFC 6275 s.11.8)."""
        rec = self.records.get(peer)
        if rec is None:
            return False
        if rec.stale_until_s > now:
            return True
        # the CN may still bind the care-of address of the last BU, which is not the
        # MN's any more and no BU for the new one has left yet
        return rec.may_bind_until_s > now and rec.bound_care_of is not None and \
            rec.bound_care_of != self.care_of(peer)

    def bu_overtaken(self, entry: BindingUpdateListEntry, now: float) -> None:
        """A BU to a CN went unanswered and the care-of address it named is no longer
        the MN's: test the new one at once if it is known, else when the HA has it."""
        rec = self.records.get(entry.peer_address)
        if rec is not None and self.care_of(rec.address) is not None:
            self.start(rec, now, "the care-of address changed while the BU was unanswered")

    def refresh(self, entry: BindingUpdateListEntry, now: float, why: str) -> None:
        rec = self.records.get(entry.peer_address)
        if rec is not None:
            self.start(rec, now, why)

    # --- HoTI / CoTI and their answers -------------------------------------------------
    def _send_hoti(self, rec: CorrespondentRecord, now: float, why: str) -> None:
        mn = self.mn
        rec.home_cookie = mn.rng.randbytes(COOKIE_OCTETS)
        rec.hoti_tries += 1
        inner = Packet(src=mn.home_address, dst=rec.address, payload=HomeTestInit(rec.home_cookie),
                       hop_limit=mn.config.default_hop_limit)
        mn.via_home_agent(inner, f"HoTI to {mn.name_of(rec.address)} from the home address, "
                          f"reverse-tunnelled through the HA ({why})", "RFC 5380 s.12.2",
                          describe.HOTI)
        mn.bul.set_timer(TimerKey(TimerAction.HOTI, rec.address),
                         now + self._timeout(rec.hoti_tries))

    def _send_coti(self, rec: CorrespondentRecord, now: float, why: str) -> None:
        mn = self.mn
        coa = self.care_of(rec.address)
        may, via = mn.route_from(coa)
        if coa is None or not may:
            # s.6.1: nothing leaves from an address that is not the LCoA on this link or
            # an RCoA its MAP binds to it; the retry timer tries again
            mn.bul.set_timer(TimerKey(TimerAction.COTI, rec.address),
                             now + self._timeout(max(rec.coti_tries, 1)))
            return
        assert mn.lcoa is not None
        rec.careof_cookie = mn.rng.randbytes(COOKIE_OCTETS)
        rec.careof_cookie_for = coa
        rec.coti_tries += 1
        packet = Packet(src=coa, dst=rec.address, payload=CareofTestInit(rec.careof_cookie),
                        hop_limit=mn.config.default_hop_limit)
        text = f"CoTI to {mn.name_of(rec.address)} from the care-of address {coa} ({why})"
        if via is not None:
            packet = encapsulate(mn.lcoa, via, packet)
            text += ", through the MAP tunnel" if via == mn.current_map else \
                f", through the tunnel to {mn.name_of(via)}, the extra MAP chosen for this CN"
        mn.send(packet, text, "RFC 6275 s.11.6.1, RFC 5380 s.6.1", kind=describe.COTI)
        mn.bul.set_timer(TimerKey(TimerAction.COTI, rec.address),
                         now + self._timeout(rec.coti_tries))

    def _timeout(self, tries: int) -> float:
        c = self.mn.config
        return min(c.initial_bindack_timeout_s * 2.0 ** (tries - 1), c.max_bindack_timeout_s)

    def on_timer(self, action: TimerAction, peer: IPv6Address, now: float) -> None:
        """The HoTI's or CoTI's retransmission timer (RFC 6275 s.11.6.1)."""
        rec = self.records.get(peer)
        if rec is None or rec.state != TESTING:
            return
        hoti = action == TimerAction.HOTI
        tries = rec.hoti_tries if hoti else rec.coti_tries
        if self.care_of(peer) is None or self.mn.lcoa_here() is None:
            # between links (or no home binding): no address to test from; keep the
            # test pending and try again after the same timeout, as start() would not
            # send either
            self.mn.bul.set_timer(TimerKey(action, peer), now + self._timeout(tries))
            return
        if tries > self.mn.config.max_bu_retransmissions and not self.must_persist(peer, now):
            self.mn.emit(Note(now, self.mn.name, f"no {'HoT' if hoti else 'CoT'} "
                              f"from {self.mn.name_of(peer)}: route optimisation given up, data "
                              "keeps going through the HA", "RFC 6275 s.11.6.1"))
            self.mn.bul.cancel_timer(TimerKey(TimerAction.COTI if hoti else TimerAction.HOTI,
                                              peer))
            self._go(rec, "no answer", now)
            return
        why = f"no answer within {self._timeout(tries):g} s, sent again"
        if hoti:
            self._send_hoti(rec, now, why)
        else:
            self._send_coti(rec, now, why)

    def on_home_test(self, packet: Packet, m: HomeTest, now: float) -> None:
        rec = self.records.get(packet.src)
        if rec is None or rec.home_cookie is None or m.cookie != rec.home_cookie:
            self.mn.drop("HoT whose cookie matches no HoTI the MN sent: discarded "
                         "(RFC 6275 s.11.6.2)")
            return
        rec.home_token, rec.home_nonce_index, rec.home_token_at_s = m.token, m.nonce_index, now
        rec.home_cookie = None
        self.mn.bul.cancel_timer(TimerKey(TimerAction.HOTI, rec.address))
        self._tokens_arrived(rec, now)

    def on_careof_test(self, packet: Packet, m: CareofTest, now: float) -> None:
        rec = self.records.get(packet.src)
        if rec is None or rec.careof_cookie is None or m.cookie != rec.careof_cookie \
                or packet.dst != rec.careof_cookie_for:
            self.mn.drop("CoT whose cookie matches no CoTI the MN sent: discarded "
                         "(RFC 6275 s.11.6.2)")
            return
        rec.careof_token, rec.careof_nonce_index = m.token, m.nonce_index
        rec.careof_token_at_s, rec.careof_token_for = now, packet.dst
        rec.careof_cookie = None
        self.mn.bul.cancel_timer(TimerKey(TimerAction.COTI, rec.address))
        self._tokens_arrived(rec, now)

    def _tokens_arrived(self, rec: CorrespondentRecord, now: float) -> None:
        if rec.state != TESTING or rec.home_token is None or rec.careof_token is None \
                or rec.careof_token_for != self.care_of(rec.address):
            return
        self._go(rec, "keygen tokens complete", now)
        self._send_bu(rec, now, "home and care-of keygen tokens received")

    # --- the Binding Update and its acknowledgement -------------------------------------
    def _send_bu(self, rec: CorrespondentRecord, now: float, why: str) -> None:
        mn = self.mn
        coa = self.care_of(rec.address)
        assert coa is not None
        # RFC 5380 s.6.1: not above what that RCoA's MAP granted; RFC 6275 s.11.7.1: not
        # above what is left of the care-of address's validity
        lifetime = lifetime_within(mn.config.max_rr_binding_lifetime_s, mn.map_grant(coa),
                                   mn.care_of_valid_s(coa, now))
        entry = BindingUpdateListEntry(
            peer=mn.name_of(rec.address), peer_address=rec.address,
            home_address=mn.home_address, care_of_address=coa,
            sequence=mn.next_sequence(rec.address), requested_lifetime_s=lifetime,
            sent_at_s=now, map_registration=False, home_registration=False,
            timeout_s=mn.config.initial_bindack_timeout_s)
        if rec.bound_care_of is not None and rec.bound_care_of != coa:
            rec.stale_until_s = max(rec.stale_until_s, rec.may_bind_until_s)
        rec.bound_care_of = coa
        rec.may_bind_until_s = max(rec.may_bind_until_s, now + lifetime)
        mn.put_entry(entry, now)
        mn.transmit(entry, now, f"BU to {entry.peer}: bind home address {mn.home_address} -> "
                    f"{coa} for {lifetime} s, authorised by the keygen tokens ({why})",
                    "RFC 6275 s.11.7.2, RFC 5380 s.6.1")

    def kbm(self, entry: BindingUpdateListEntry) -> bytes | None:
        rec = self.records.get(entry.peer_address)
        if rec is None or rec.home_token is None:
            return None
        if entry.requested_lifetime_s == 0 or entry.care_of_address == entry.home_address:
            return binding_key(rec.home_token, None)
        return binding_key(rec.home_token, rec.careof_token)

    def authorise(self, entry: BindingUpdateListEntry, packet: Packet) -> Packet:
        """Add Nonce Indices and the Binding Authorization Data to a BU to a CN."""
        rec = self.records[entry.peer_address]
        kbm = self.kbm(entry)
        assert kbm is not None and self.mn.mobility_data is not None
        bu = packet.payload
        assert isinstance(bu, BindingUpdate)
        indices = NonceIndices(rec.home_nonce_index, rec.careof_nonce_index)
        draft = Packet(packet.src, packet.dst, BindingUpdate(
            bu.sequence, bu.lifetime_s, bu.ack, bu.home_registration, bu.link_local_compat,
            bu.key_management, bu.map_registration,
            (indices, BindingAuthorizationData(bytes(AUTHENTICATOR_OCTETS)))),
            packet.hop_limit, packet.routing, packet.hao)
        auth = authenticator(kbm, entry.care_of_address, entry.peer_address,
                             self.mn.mobility_data(draft))
        return Packet(packet.src, packet.dst, BindingUpdate(
            bu.sequence, bu.lifetime_s, bu.ack, bu.home_registration, bu.link_local_compat,
            bu.key_management, bu.map_registration,
            (indices, BindingAuthorizationData(auth))), packet.hop_limit, packet.routing,
            packet.hao)

    def ba_authentic(self, entry: BindingUpdateListEntry, ba: BindingAck) -> bool:
        """s.11.7.3: an accepting BA from a CN carries an authenticator made with Kbm."""
        kbm = self.kbm(entry)
        bad = [o for o in ba.options if isinstance(o, BindingAuthorizationData)]
        if kbm is None or len(bad) != 1:
            return False
        expected = authenticator(kbm, entry.care_of_address, entry.peer_address,
                                 bad[0].mobility_data)
        return expected == bad[0].authenticator

    def on_ba(self, entry: BindingUpdateListEntry, ba: BindingAck, now: float) -> None:
        rec = self.records.get(entry.peer_address)
        if rec is None:
            return
        if ba.status < 128:
            self._go(rec, "BA accepted", now)
            if entry.care_of_address == rec.bound_care_of:
                rec.stale_until_s = float("-inf")  # the CN binds the current address
        elif ba.status in (BA_EXPIRED_HOME_NONCE, BA_EXPIRED_COA_NONCE, BA_EXPIRED_NONCES):
            # s.11.7.3: run again only the test(s) whose nonce the CN no longer honours
            if ba.status in (BA_EXPIRED_HOME_NONCE, BA_EXPIRED_NONCES):
                rec.home_token = None
            if ba.status in (BA_EXPIRED_COA_NONCE, BA_EXPIRED_NONCES):
                rec.careof_token = None
            self._go(rec, "nonce expired", now)
            if rec.home_token is None:
                rec.hoti_tries = 0
                self._send_hoti(rec, now, f"status {ba.status}: the home nonce expired")
            if rec.careof_token is None:
                rec.coti_tries = 0
                self._send_coti(rec, now, f"status {ba.status}: the care-of nonce expired")
        else:
            self._go(rec, "BA rejected", now)

    def binding_gone(self, entry: BindingUpdateListEntry, now: float, why: str) -> None:
        rec = self.records.get(entry.peer_address)
        if rec is not None and rec.state != TESTING:
            self._go(rec, why, now)
