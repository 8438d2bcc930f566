"""The correspondent node (RFC 6275 s.9): return routability, a binding cache, route-
optimised data, and the refusals RFC 6275 asks of it. HMIPv6 is transparent to it
(RFC 5380 s.6.4): the care-of address it learns is the MN's RCoA, never the LCoA
(location privacy, s.6.6).
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv6Address
from typing import Any

from .. import describe
from ..addresses import seq_greater
from ..binding_cache import BindingCache, BindingCacheEntry, RefreshTracker
from ..events import BindingChanged
from ..messages import (
    BA_ACCEPTED,
    BA_EXPIRED_COA_NONCE,
    BA_EXPIRED_HOME_NONCE,
    BA_EXPIRED_NONCES,
    BA_HOME_REG_NOT_SUPPORTED,
    BA_INSUFFICIENT_RESOURCES,
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BE_UNKNOWN_HAO,
    BE_UNRECOGNIZED_MH,
    MOBILITY_TYPES,
    BindingAck,
    BindingAuthorizationData,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeTest,
    HomeTestInit,
    MalformedMobilityHeader,
    NonceIndices,
    Packet,
    Payload,
    Type2RoutingHeader,
    UdpDatagram,
    UnknownMobility,
)
from ..return_routability import (
    AUTHENTICATOR_OCTETS,
    CARE_OF,
    HOME,
    KCN_OCTETS,
    NonceTable,
    authenticator,
    binding_key,
    keygen_token,
)
from .base import Node
from .tunnel_entry import take_icmp_error


class CorrespondentNode(Node):
    role = "cn"
    address: IPv6Address  # required for a CN by the scenario (Node allows None: the MN)

    def __init__(self, *args: Any, mobility_data: Callable[[Packet], bytes] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache = BindingCache(limit=self.config.binding_cache_limit)
        self.mobility_data = mobility_data
        # s.5.2.1: the secret Kcn, from the seeded generator so runs repeat exactly
        self.kcn = self.rng.randbytes(KCN_OCTETS)
        self.nonces = NonceTable(self.rng)
        self.used_since: dict[IPv6Address, float] = {}  # route-optimised sends per binding
        self.refresh = RefreshTracker(self.cache, self.config.brr_fraction)
        # the mobile node's name, for display in the binding cache only
        self.mobile_name = "MN"
        # with several MNs the simulator sets this: home address -> that MN's name
        self.mobile_names: Callable[[IPv6Address], str] | None = None

    # --- receiving -------------------------------------------------------------------
    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        m = packet.payload
        if isinstance(m, MalformedMobilityHeader):
            self.refuse_mobility_header(packet, m)
        elif isinstance(m, UnknownMobility):
            self.send_binding_error(packet, BE_UNRECOGNIZED_MH, now,
                                    f"MH Type {m.mh_type} is unknown to {self.name}: "
                                    "discarded (RFC 6275 s.9.2)")
        elif isinstance(m, BindingUpdate):
            self._on_bu(packet, m, now)  # exempt from the HAO check (s.9.3.1)
        elif packet.hao is not None and not self.hao_bound(packet):
            self.send_binding_error(packet, BE_UNKNOWN_HAO, now,
                                    f"Home Address option {packet.hao.home_address} from "
                                    f"{packet.src} has no binding at {self.name} "
                                    "(RFC 6275 s.9.3.1)")
        elif isinstance(m, HomeTestInit):
            self._answer_test(packet, m.cookie, now, home=True)
        elif isinstance(m, CareofTestInit):
            self._answer_test(packet, m.cookie, now, home=False)
        elif isinstance(m, EchoRequest):
            peer = packet.home_source
            self.send_to(peer, EchoReply(m.ident, m.seq, m.data), now,
                         f"{self.name} answers echo request seq {m.seq} from {peer}",
                         "RFC 4443 s.4.2")
        elif isinstance(m, MOBILITY_TYPES):
            self.drop(f"{self.name} does not handle {type(m).__name__}")
        elif not isinstance(m, (EchoReply, UdpDatagram)) and not take_icmp_error(self, packet):
            self.drop(f"CN does not handle {type(m).__name__}")

    def hao_bound(self, packet: Packet) -> bool:
        """s.9.3.1: the HAO's address must be bound to exactly the packet's source."""
        assert packet.hao is not None
        entry = self.cache.get(packet.hao.home_address)
        return entry is not None and entry.care_of_address == packet.src

    # --- return routability (s.9.4.1 - s.9.4.4) ------------------------------------
    def _answer_test(self, packet: Packet, cookie: bytes, now: float, home: bool) -> None:
        """HoT to the home address, CoT to the care-of address: each with the current
        nonce index and the keygen token for the address the test came from."""
        c = self.config
        nonce = self.nonces.current(now, c.cn_nonce_interval_s, c.max_nonce_lifetime_s)
        token = keygen_token(self.kcn, packet.src, nonce.value, HOME if home else CARE_OF)
        if home:
            body: HomeTest | CareofTest = HomeTest(nonce.index, cookie, token)
            kind, what = describe.HOT, "home"
        else:
            body, kind, what = CareofTest(nonce.index, cookie, token), describe.COT, "care-of"
        # MH messages bypass the binding cache (s.6.1): straight to the test's source
        answer = Packet(src=self.address, dst=packet.src, payload=body,
                        hop_limit=c.default_hop_limit)
        self.send(answer, f"{self.name}: {'HoT' if home else 'CoT'} to {packet.src} with nonce "
                  f"index {nonce.index} and the {what} keygen token", "RFC 6275 s.9.4.3"
                  if home else "RFC 6275 s.9.4.4", kind=kind)

    # --- Binding Updates (s.9.5.1) ----------------------------------------------------
    def _on_bu(self, packet: Packet, bu: BindingUpdate, now: float) -> None:
        if packet.hao is None:
            self.drop("BU without a Home Address option: silently discarded (RFC 6275 s.9.5.1)")
            return
        home, care_of = packet.hao.home_address, packet.src
        deregistration = bu.lifetime_s == 0 or care_of == home
        if bu.home_registration:
            self._ack(packet, bu, BA_HOME_REG_NOT_SUPPORTED, 0, None, now,
                      f"{self.name} is not a home agent")
            return
        indices = next((o for o in bu.options if isinstance(o, NonceIndices)), None)
        auth = next((o for o in bu.options if isinstance(o, BindingAuthorizationData)), None)
        if indices is None or auth is None:
            self.drop("BU to a CN without Nonce Indices and Binding Authorization Data: "
                      "silently discarded (RFC 6275 s.9.5.1)")
            return
        lifetime_s = self.config.max_nonce_lifetime_s
        home_nonce = self.nonces.valid(indices.home_nonce_index, now, lifetime_s)
        careof_nonce = None if deregistration else \
            self.nonces.valid(indices.careof_nonce_index, now, lifetime_s)
        if home_nonce is None or (careof_nonce is None and not deregistration):
            status = (BA_EXPIRED_NONCES if home_nonce is None and careof_nonce is None
                      and not deregistration else
                      BA_EXPIRED_HOME_NONCE if home_nonce is None else BA_EXPIRED_COA_NONCE)
            self._ack(packet, bu, status, 0, None, now,
                      f"nonce indices {indices.home_nonce_index}/{indices.careof_nonce_index} "
                      "are unknown or older than MAX_NONCE_LIFETIME")
            return
        home_token = keygen_token(self.kcn, home, home_nonce.value, HOME)
        careof_token = None if careof_nonce is None else \
            keygen_token(self.kcn, care_of, careof_nonce.value, CARE_OF)
        kbm = binding_key(home_token, careof_token)
        if authenticator(kbm, care_of, self.address, auth.mobility_data) != auth.authenticator:
            self.drop("BU whose Binding Authorization Data does not verify: silently "
                      "discarded (RFC 6275 s.9.5.1)")
            return
        existing = self.cache.get(home)
        if existing is not None and not seq_greater(bu.sequence, existing.sequence):
            self._ack(packet, bu, BA_SEQ_OUT_OF_WINDOW, 0, None, now,
                      f"sequence {bu.sequence} is not newer than {existing.sequence}",
                      sequence=existing.sequence)
            return
        if not deregistration and existing is None and self.cache.full:
            self._ack(packet, bu, BA_INSUFFICIENT_RESOURCES, 0, None, now,
                      f"the binding cache is full ({len(self.cache)} bindings, "
                      f"binding_cache_limit {self.cache.limit})")
            return
        granted = 0
        if deregistration:
            gone = self.cache.remove(home)
            if gone is not None:
                self._changed(now, gone, "deleted")
        else:
            granted = min(bu.lifetime_s, self.config.max_rr_binding_lifetime_s) // 4 * 4
            entry = BindingCacheEntry(home, care_of, granted, bu.sequence, now)
            self.cache.put(entry)
            self.refresh.forget(home)
            self.used_since.pop(home, None)
            change = "added" if existing is None else (
                "refreshed" if existing.care_of_address == care_of else "updated")
            self._changed(now, entry, change)
        if bu.ack:
            self._ack(packet, bu, BA_ACCEPTED, granted, kbm, now, "")

    def _ack(self, packet: Packet, bu: BindingUpdate, status: int, granted: int,
             kbm: bytes | None, now: float, reason: str, sequence: int | None = None) -> None:
        """s.9.5.4: the BA goes to the care-of address with a type 2 routing header for
        the home address; an accepting one is authenticated with Kbm."""
        assert packet.hao is not None
        home, care_of = packet.hao.home_address, packet.src
        ba = BindingAck(status=status, sequence=bu.sequence if sequence is None else sequence,
                        lifetime_s=granted)
        reply = Packet(src=self.address, dst=care_of, routing=Type2RoutingHeader(home),
                       payload=ba, hop_limit=self.config.default_hop_limit)
        if kbm is not None and self.mobility_data is not None:
            draft = Packet(reply.src, reply.dst, BindingAck(
                ba.status, ba.sequence, ba.lifetime_s,
                options=(BindingAuthorizationData(bytes(AUTHENTICATOR_OCTETS)),)),
                reply.hop_limit, reply.routing)
            auth = authenticator(kbm, care_of, self.address, self.mobility_data(draft))
            reply = Packet(reply.src, reply.dst, BindingAck(
                ba.status, ba.sequence, ba.lifetime_s,
                options=(BindingAuthorizationData(auth),)), reply.hop_limit, reply.routing)
        text = BA_STATUS_TEXT.get(status, str(status))
        if status < 128:
            why = (f"BA from {self.name}: {text}, {home} -> {care_of} for {granted} s, "
                   "authenticated with Kbm")
        else:
            why = f"BA from {self.name}: status {status} {text}: {reason}"
        self.send(reply, why, "RFC 6275 s.9.5.4", kind=describe.CN_BA)

    def _changed(self, now: float, entry: BindingCacheEntry, change: str) -> None:
        peer = (self.mobile_names(entry.home_address) if self.mobile_names
                else self.mobile_name)
        self.emit(BindingChanged(now, self.name, "binding cache", peer,
                                 str(entry.home_address), str(entry.care_of_address),
                                 entry.lifetime_s, entry.sequence, change, ""))

    # --- sending -------------------------------------------------------------------------
    def send_to(self, peer: IPv6Address, body: Payload, now: float, why: str, rfc: str) -> None:
        """s.9.3.2: with a binding for ``peer``, straight to its care-of address with a
        type 2 routing header; without one, to the home address (through the HA)."""
        entry = self.cache.get(peer)
        if entry is None:
            packet = Packet(src=self.address, dst=peer, payload=body,
                            hop_limit=self.config.default_hop_limit)
        else:
            packet = Packet(src=self.address, dst=entry.care_of_address, payload=body,
                            routing=Type2RoutingHeader(peer),
                            hop_limit=self.config.default_hop_limit)
            self.used_since.setdefault(peer, now)
            why += f", route-optimised to {entry.care_of_address} with a type 2 routing header"
            rfc = "RFC 6275 s.9.3.2, RFC 5380 s.6.1.1"
        self.send(packet, why, rfc, kind=describe.DATA)

    def send_flow_packet(self, kind: str, peer: IPv6Address, ident: int, seq: int,
                         payload: bytes, now: float = 0.0) -> None:
        """One packet of a ``[[flow]]``, addressed to the MN's home address."""
        if kind == "echo":
            body: EchoRequest | UdpDatagram = EchoRequest(ident, seq, payload)
        else:
            body = UdpDatagram(sport=40000 + ident, dport=9, data=payload)
        self.send_to(peer, body, now, f"{self.name} sends {kind} #{seq} to the MN's home "
                     f"address {peer}", "RFC 6275 s.5")

    # --- timers: expiry and Binding Refresh Requests (s.9.5.5) --------------------------
    def _in_use(self, entry: BindingCacheEntry) -> bool:
        return entry.home_address in self.used_since

    def next_timer(self) -> float | None:
        # _in_use reads only which home addresses are in used_since
        return self.refresh.next_time(self._in_use, tuple(self.used_since))

    def on_timer(self, now: float) -> None:
        for entry in self.refresh.expire(now):
            self.used_since.pop(entry.home_address, None)
            self._changed(now, entry, "expired")
        for entry in self.refresh.due(now, self._in_use):
            # s.9.5.5: only for a binding in active use; MH messages bypass the
            # binding cache, so the BRR goes to the home address, through the HA
            brr = Packet(src=self.address, dst=entry.home_address,
                         payload=BindingRefreshRequest(),
                         hop_limit=self.config.default_hop_limit)
            self.send(brr, f"{self.name}: Binding Refresh Request to "
                      f"{entry.home_address}, whose binding is in use and expires in "
                      f"{entry.remaining_s(now):.0f} s", "RFC 6275 s.9.5.5",
                      kind=describe.BRR)

    def fail(self, now: float) -> None:
        super().fail(now)
        for entry in self.cache.clear():
            self._changed(now, entry, "lost")
        self.refresh.clear()
        self.used_since.clear()
