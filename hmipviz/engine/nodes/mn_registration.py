"""The mobile node's Binding Updates, their acknowledgements and timers (RFC 6275 s.11.1,
s.11.7, s.11.8; RFC 5380 s.6.1, s.8).

Three rules keep every BU the MN sends within what the RFCs allow, whatever the order of
moves, outages and answers:

* A BU is built from the MN's addresses at the moment it leaves, never from those of
  the link it left: a local BU carries the LCoA confirmed on the current link, a home BU
  the current RCoA (or, without a MAP, that LCoA), s.3.1 and s.6.1. A BU that cannot
  leave yet (no link, or the MAP has not yet bound the RCoA to this LCoA) is held and
  sent the moment it can.
* Lifetimes never exceed a cap: the MAP option's Valid Lifetime for the RCoA (RFC 6275
  s.11.7.1), the lifetime the MAP granted for the home and correspondent bindings of
  that RCoA (RFC 5380 s.6.1), the prefix's valid lifetime for an LCoA.
* Registrations the MN relies on (with the selected MAP, an extra MAP, the HA) are never
  given up: retransmissions back off to MAX_BINDACK_TIMEOUT and go on at that rate
  (RFC 6275 s.11.8). Only the s.8 BU to a previous MAP and BUs to correspondents give
  up, after ``max_bu_retransmissions``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from ipaddress import IPv6Address

from .. import describe
from ..binding_cache import BindingUpdateListEntry
from ..binding_update_list import Key, TimerAction, TimerKey
from ..events import BindingChanged, Note
from ..messages import (
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BindingAck,
    BindingUpdate,
    HomeAddressOption,
    Packet,
    encapsulate,
)
from .mn_core import MobileNodeCore
from .mn_states import MNInput, MNState

_KEEP_EXPIRY = frozenset({TimerAction.EXPIRE})

LIFETIME_UNIT_S = 4  # the BU's Lifetime field counts units of 4 s (RFC 6275 s.6.1.7)


def lifetime_within(asked_s: int, *caps_s: int | None) -> int:
    """The largest multiple of 4 s not above ``asked_s`` nor any cap; at least one unit,
    since a zero lifetime would ask for the binding's deletion (RFC 6275 s.6.1.7)."""
    value = min([asked_s] + [c for c in caps_s if c is not None])
    return max(LIFETIME_UNIT_S, value // LIFETIME_UNIT_S * LIFETIME_UNIT_S)


class Registration(MobileNodeCore):
    """Mixed into :class:`MobileNode`: its binding update list and everything that
    sends, answers and times Binding Updates."""

    # --- what the MN knows of its addresses --------------------------------------------
    def _lcoa_here(self) -> IPv6Address | None:
        """The LCoA, once an RA on the current link confirmed its prefix."""
        return self.lcoa if self.ar is not None and self.lcoa_on_link else None

    def primary_coa(self) -> IPv6Address | None:
        return self._primary_coa()

    def _primary_coa(self) -> IPv6Address | None:
        """The care-of address the HA should hold: the RCoA in a MAP domain, else the
        LCoA (Mobile IPv6, or fallen back, s.7.1)."""
        if self.current_map is not None and self.rcoa is not None:
            return self.rcoa
        return self.lcoa

    def _home_entry(self) -> BindingUpdateListEntry | None:
        return next((e for e in self.bul.values() if e.home_registration), None)

    def held_binding(self, key: Key) -> BindingUpdateListEntry | None:
        """The binding the peer holds for ``key`` as far as the MN knows: the entry once
        acknowledged, or while a refresh of it is outstanding the last acknowledged one
        (it runs until its own expiry; RFC 6275 s.11.1 keeps it in the list)."""
        return self.bul.held_binding(key)

    def home_binding(self) -> BindingUpdateListEntry | None:
        """The acknowledged home registration, if any."""
        return self.held_binding((self.home_agent, self.home_address))

    def _home_ready(self) -> bool:
        e = self.home_binding()
        return e is not None and e.care_of_address == self._primary_coa()

    def _local_ready(self, map_address: IPv6Address, rcoa: IPv6Address) -> bool:
        """The MAP has acknowledged the binding of ``rcoa`` to the current LCoA."""
        local = self.held_binding((map_address, rcoa))
        return local is not None and local.care_of_address == self.lcoa

    def _pending(self, map_address: IPv6Address, rcoa: IPv6Address) -> bool:
        e = self.bul.get((map_address, rcoa))
        return e is not None and not e.acknowledged

    def _option_remaining_s(self, map_address: IPv6Address,
                            now: float) -> int | None:
        """What is left of the Valid Lifetime of the MAP option last heard for this MAP,
        to the second (RFC 5380 s.5: the validity of the MAP's address and the RCoA)."""
        heard = self.heard.get(map_address)
        if heard is None:
            return None
        option, _, at_s = heard
        return max(0, math.ceil(option.valid_lifetime_s - (now - at_s)))

    def _prefix_remaining_s(self, now: float) -> int | None:
        if self.prefix_heard is None:
            return None
        valid_s, at_s = self.prefix_heard
        return max(0, math.ceil(valid_s - (now - at_s)))

    def care_of_valid_s(self, care_of: IPv6Address | None,
                        now: float) -> int | None:
        """What is left of a care-of address's validity: an RCoA's from its MAP option,
        the LCoA's from its prefix (RFC 6275 s.11.7.1)."""
        via = self.map_of(care_of)
        if via is not None:
            return self._option_remaining_s(via, now)
        return self._prefix_remaining_s(now) if care_of == self.lcoa else None

    def map_grant(self, care_of: IPv6Address | None = None) -> int | None:
        """The lifetime the MAP granted for an RCoA (the cap of RFC 5380 s.6.1): the
        current RCoA's, or with ``care_of`` that address's MAP's (None for an LCoA)."""
        rcoa = self.rcoa if care_of is None else care_of
        via = self.map_of(rcoa)
        if via is None or rcoa is None:
            return None
        return self.bul.granted((via, rcoa))

    # --- what route optimisation asks of the MN ------------------------------------
    def next_sequence(self, peer: IPv6Address) -> int:
        return self._next_seq(peer)

    def put_entry(self, entry: BindingUpdateListEntry, now: float) -> None:
        self._put_entry(entry, now)

    def transmit(self, entry: BindingUpdateListEntry, now: float, why: str,
                 rfc: str) -> None:
        self._transmit(entry, now, why, rfc)

    def lcoa_here(self) -> IPv6Address | None:
        return self._lcoa_here()

    def route_from(self, source: IPv6Address | None
                   ) -> tuple[bool, IPv6Address | None]:
        """Whether a packet from ``source`` may leave now, and through which MAP's
        tunnel: from the LCoA on this link directly; from an RCoA only through the
        tunnel to its MAP once that MAP binds it to this LCoA (s.6.1)."""
        lcoa = self._lcoa_here()
        if lcoa is None or source is None:
            return False, None
        if source == lcoa:
            return True, None
        via = self.map_of(source)
        if via is None or not self._local_ready(via, source):
            return False, None
        return True, via

    # --- building Binding Updates --------------------------------------------------------
    def _next_seq(self, peer: IPv6Address) -> int:
        return self.bul.next_sequence(peer)

    def _send_local_bu(self, map_address: IPv6Address, rcoa: IPv6Address,
                       now: float, why: str, rfc: str = "RFC 5380 s.6.1",
                       retransmissions: int = 0, timeout_s: float | None = None) -> None:
        """A local BU binding ``rcoa`` to the current LCoA (s.6.1), for at most what is
        left of the RCoA's validity (RFC 6275 s.11.7.1)."""
        assert self.lcoa is not None
        valid_s = self._option_remaining_s(map_address, now)
        if valid_s == 0 and map_address != self.current_map:
            # that MAP's option says it failed or ran out (s.5, s.10): its RCoA is not
            # valid, so no BU for it (a forwarding BU to a previous MAP, a retry)
            self._abandon((map_address, rcoa), now)
            return
        lifetime = lifetime_within(self.config.map_binding_lifetime_s, valid_s)
        if valid_s is not None and lifetime < self.config.map_binding_lifetime_s:
            why += f"; {lifetime} s: no longer than the RCoA stays valid (RFC 6275 s.11.7.1)"
        entry = BindingUpdateListEntry(
            peer=self._name(map_address), peer_address=map_address, home_address=rcoa,
            care_of_address=self.lcoa, sequence=self._next_seq(map_address),
            requested_lifetime_s=lifetime, sent_at_s=now, map_registration=True,
            home_registration=False, retransmissions=retransmissions,
            timeout_s=timeout_s or self.config.initial_bindack_timeout_s)
        self._put_entry(entry, now)
        self._transmit(entry, now, f"local BU to {entry.peer}: bind RCoA {rcoa} -> LCoA "
                       f"{self.lcoa} for {lifetime} s ({why})", rfc)

    def _register_home(self, care_of: IPv6Address | None, now: float, why: str,
                       retransmissions: int = 0, timeout_s: float | None = None) -> None:
        """A home BU for ``care_of``: the RCoA's lifetime is capped by what its MAP
        granted (s.6.1) and by the RCoA's validity, the LCoA's by its prefix's."""
        if care_of is None:
            return
        self._secure(self.home_agent, self.home_address, now)
        via = self.map_of(care_of)
        granted = self.bul.granted((via, care_of)) if via is not None else None
        text = ""
        if via is not None and granted is not None and \
                granted < self.config.home_binding_lifetime_s:
            text = f", capped by the MAP's {granted} s"
        lifetime = lifetime_within(self.config.home_binding_lifetime_s, granted,
                                   self.care_of_valid_s(care_of, now))
        # RFC 6275 s.11.8: InitialBindackTimeoutFirstReg when the HA holds no binding yet
        first = self.home_binding() is None
        timeout = timeout_s or (self.config.initial_bindack_timeout_first_reg_s if first
                                else self.config.initial_bindack_timeout_s)
        entry = BindingUpdateListEntry(
            peer=self._name(self.home_agent), peer_address=self.home_agent,
            home_address=self.home_address, care_of_address=care_of,
            sequence=self._next_seq(self.home_agent), requested_lifetime_s=lifetime,
            sent_at_s=now, map_registration=False, home_registration=True,
            retransmissions=retransmissions, timeout_s=timeout)
        self._put_entry(entry, now)
        self._transmit(entry, now, f"BU to HA: bind home address {self.home_address} -> "
                       f"{care_of} for {lifetime} s{text} ({why})",
                       "RFC 5380 s.6.1" if care_of == self.rcoa else "RFC 6275 s.11.7.1")

    def _put_entry(self, entry: BindingUpdateListEntry, now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        if entry.home_registration:
            # one home registration at a time: drop the previous care-of address's entry
            for k in [k for k in self.bul if k[0] == entry.peer_address and k != key]:
                self.bul.remove(k)
        previous = self.bul.put(entry)
        # a refresh leaves the acknowledged binding's own expiry in place: if no answer
        # comes, that binding still runs out on time
        keep_expiry = (previous is not None and previous.acknowledged) or \
            self.bul.was_acknowledged(key)
        self.bul.clear_timers(key, keep=_KEEP_EXPIRY if keep_expiry else frozenset())
        self.bul.held.pop(key, None)
        self.bul.set_timer(TimerKey.binding(TimerAction.RETRANSMIT, key),
                           now + entry.timeout_s)
        self._bul_changed(now, entry, "pending")

    def _abandon(self, key: Key, now: float) -> None:
        """Forget a BU the MN no longer wants answered (its BA will match nothing)."""
        entry = self.bul.remove(key)
        if entry is not None:
            self._bul_changed(now, entry, "deleted")

    # --- sending -----------------------------------------------------------------------
    def _transmit(self, entry: BindingUpdateListEntry, now: float, why: str,
                  rfc: str) -> None:
        """Send the BU if it may leave now (else hold it), respecting MAX_UPDATE_RATE
        (RFC 6275 s.11.8)."""
        key = (entry.peer_address, entry.home_address)
        may, via = self.route_from(entry.care_of_address)
        if not may or via == entry.peer_address:
            self.bul.held[key] = (why, rfc)
            return
        times = self.bul.sent_times(entry.peer_address)
        # the same sum as the deferral below: with "now - 1.0" a rounding can leave a
        # BU deferred to this very instant, again and again
        while times and times[0] + 1.0 <= now:
            times.popleft()
        if len(times) >= self.config.max_update_rate_per_s:
            self.bul.defer(key, times[0] + 1.0, f"{why}; held back by MAX_UPDATE_RATE", rfc)
            return
        times.append(now)
        bu = BindingUpdate(sequence=entry.sequence, lifetime_s=entry.requested_lifetime_s,
                           ack=True, home_registration=entry.home_registration,
                           map_registration=entry.map_registration)
        kind = describe.LOCAL_BU if entry.map_registration else (
            describe.HOME_BU if entry.home_registration else describe.CN_BU)
        packet = Packet(src=entry.care_of_address, dst=entry.peer_address,
                        hao=HomeAddressOption(entry.home_address), payload=bu,
                        hop_limit=self.config.default_hop_limit)
        if kind == describe.CN_BU:
            if self.ro.kbm(entry) is None:
                self.drop(f"no keygen tokens for {entry.peer}: BU not sent (RFC 6275 s.5.2)")
                return
            packet = self.ro.authorise(entry, packet)
        if self.require_esp and kind != describe.CN_BU:
            esp = self.sad.protect(entry.peer_address)
            if esp is None:
                self.drop(f"no security association with {entry.peer}: BU not sent "
                          "(RFC 5380 s.12.1)")
                return
            packet = replace(packet, esp=esp)
        if via is not None and self.lcoa is not None:
            # RFC 5380 s.6.1: everything the MN sends from an RCoA goes through the tunnel
            # to that RCoA's MAP (an extra MAP's too, s.7.1), never through another MAP
            packet = encapsulate(self.lcoa, via, packet)
        self.send(packet, why, rfc, kind=kind)

    def _flush_held(self, now: float) -> None:
        """Send the BUs that were waiting for a link or a MAP tunnel, rebuilt from the
        addresses the MN has now."""
        for key, (why, rfc) in list(self.bul.held.items()):
            entry = self.bul.get(key)
            if entry is None or entry.acknowledged:
                self.bul.held.pop(key, None)
                continue
            care_of = self._primary_coa() if entry.home_registration else (
                self.lcoa if entry.map_registration else entry.care_of_address)
            may, via = self.route_from(care_of)
            if not may or via == entry.peer_address:
                continue  # still cannot leave
            self.bul.held.pop(key, None)
            self._rebuild(entry, now, why, rfc, entry.retransmissions, entry.timeout_s)

    def _restart_pending(self, now: float) -> None:
        """The link is back: every BU still waiting is sent again at once, its back-off
        started afresh (RFC 6275 s.11.8 leaves the MN free to do so on a new link)."""
        self.bul.held.clear()
        for entry in [e for e in self.bul.values() if not e.acknowledged]:
            self._rebuild(entry, now, f"link back: BU to {entry.peer} sent again at once",
                          "RFC 6275 s.11.8", 0, None)

    def _rebuild(self, entry: BindingUpdateListEntry, now: float, why: str,
                 rfc: str, retransmissions: int, timeout_s: float | None) -> None:
        """Send ``entry`` again, from the addresses the MN has now."""
        key = (entry.peer_address, entry.home_address)
        if entry.home_registration:
            self._register_home(self._primary_coa(), now, why, retransmissions, timeout_s)
        elif entry.map_registration:
            if self.lcoa is None:
                return
            self._send_local_bu(entry.peer_address, entry.home_address, now, why, rfc,
                                retransmissions, timeout_s)
        elif entry.care_of_address != self.ro.care_of(entry.peer_address):
            self._abandon(key, now)  # the CN will be told the new care-of address
            self.ro.bu_overtaken(entry, now)
        else:
            # the caps of RFC 5380 s.6.1 and RFC 6275 s.11.7.1 as they are now
            lifetime = lifetime_within(entry.requested_lifetime_s,
                                       self.map_grant(entry.care_of_address),
                                       self.care_of_valid_s(entry.care_of_address, now))
            again = entry.with_(sequence=self._next_seq(entry.peer_address), sent_at_s=now,
                                retransmissions=retransmissions, requested_lifetime_s=lifetime,
                                timeout_s=timeout_s or self.config.initial_bindack_timeout_s)
            self.bul.put(again)
            self.bul.set_timer(TimerKey.binding(TimerAction.RETRANSMIT, key),
                               now + again.timeout_s)
            self._transmit(again, now, why, rfc)

    # --- Binding Acknowledgements ----------------------------------------------------
    def _on_ba(self, packet: Packet, ba: BindingAck, now: float) -> None:
        bound = {e.home_address for e in self.bul.values()}
        if packet.routing is None or packet.routing.home_address not in bound:
            # checked before anything else: a BA must name the RCoA or home address
            self.drop("BA without a type 2 routing header carrying the RCoA or home "
                      "address: silently ignored (RFC 5380 s.6.1)")
            return
        entry = next((e for e in self.bul.values() if e.peer_address == packet.src
                      and not e.acknowledged and e.sequence == ba.sequence), None)
        if entry is None and ba.status == BA_SEQ_OUT_OF_WINDOW:
            entry = next((e for e in self.bul.values() if e.peer_address == packet.src
                          and not e.acknowledged), None)
        if entry is None:
            self.drop(f"BA from {self._name(packet.src)} with sequence {ba.sequence} matches "
                      "no pending BU (RFC 6275 s.11.7.3)")
            return
        if packet.routing.home_address != entry.home_address:
            self.drop(f"BA's type 2 routing header carries {packet.routing.home_address}, "
                      f"not {entry.home_address}: silently ignored (RFC 5380 s.6.1)")
            return
        correspondent = not (entry.map_registration or entry.home_registration)
        if self.require_esp and not correspondent:
            sa = self.sad.inbound(packet.esp.spi) if packet.esp is not None else None
            if sa is None or sa.source != packet.src:
                self.security_drop("BA without ESP", f"BA from {entry.peer} not protected by "
                                   "its security association (RFC 5380 s.12.1)")
                return
        if correspondent and ba.status < 128 and not self.ro.ba_authentic(entry, ba):
            self.drop(f"BA from {entry.peer} whose Binding Authorization Data does not "
                      "verify with Kbm: silently discarded (RFC 6275 s.11.7.3)")
            return
        if ba.status == BA_SEQ_OUT_OF_WINDOW:
            # RFC 6275 s.11.7.3: resend with a sequence number above the one returned
            self.bul.resume_sequence_after(entry.peer_address, ba.sequence)
            fresh = entry.with_(sequence=self._next_seq(entry.peer_address), sent_at_s=now)
            self.bul.put(fresh)
            self._transmit(fresh, now, f"BU resent to {entry.peer} with sequence "
                           f"{fresh.sequence} after status 135", "RFC 6275 s.11.7.3")
            return
        if ba.status >= 128:
            self._on_refusal(entry, ba, now)
            return
        self._on_acceptance(entry, ba, now)

    def _on_refusal(self, entry: BindingUpdateListEntry, ba: BindingAck,
                    now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        self.bul.remove(key)
        self.bul.forget_granted(key)
        self._bul_changed(now, entry, "deleted")
        text = BA_STATUS_TEXT.get(ba.status, str(ba.status))
        self.emit(Note(now, self.name, f"{entry.peer} rejected the binding: status "
                       f"{ba.status} ({text})", "RFC 6275 s.11.7.3"))
        if entry.map_registration:
            # the refusal concerns this LCoA (s.6.2): that MAP stays usable elsewhere
            self.rejected.add((entry.peer_address, entry.care_of_address))
        if entry.map_registration and entry.peer_address == self.current_map:
            self.current_map, self.rcoa = None, None
            self._go(MNInput.REJECTED, now)
            self._choose_again(now, f"MAP {entry.peer} rejected the local BU")
        elif entry.map_registration and entry.peer_address in self.extra:
            self._extra_gone(entry, now, f"{entry.peer} rejected the local BU")
        elif not (entry.map_registration or entry.home_registration):
            self.ro.on_ba(entry, ba, now)

    def _on_acceptance(self, entry: BindingUpdateListEntry, ba: BindingAck,
                       now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        correspondent = not (entry.map_registration or entry.home_registration)
        self.bul.clear_timers(key)
        granted = ba.lifetime_s
        done = entry.with_(acknowledged=True, granted_lifetime_s=granted, acked_at_s=now)
        self.bul.put(done)
        if granted == 0:
            self.bul.remove(key)
            self.bul.forget_granted(key)
            self._bul_changed(now, done, "deleted")
            return
        self.bul.acknowledged(done)
        if correspondent:
            self.ro.on_ba(done, ba, now)
        self._bul_changed(now, done, "added")
        # RFC 6275 s.11.1: the lifetime counts from when the BU was sent
        self.bul.set_timer(TimerKey.binding(TimerAction.REFRESH, key),
                           done.sent_at_s + granted * self.config.refresh_fraction)
        self.bul.set_timer(TimerKey.binding(TimerAction.EXPIRE, key), done.sent_at_s + granted)
        if entry.map_registration:
            self.bul.set_granted(key, granted)
            self._flush_held(now)  # BUs waiting for this MAP's tunnel may leave now
        x = self.extra.get(entry.peer_address) if entry.map_registration else None
        if x is not None and x.rcoa == entry.home_address and not x.bound:
            x.bound = True  # its correspondents can move to this MAP's RCoA now
            self._cns_follow(now)
        if entry.map_registration and entry.peer_address == self.current_map \
                and entry.home_address == self.rcoa and entry.care_of_address == self.lcoa:
            self._local_acknowledged(granted, now)
        elif entry.home_registration:
            if entry.care_of_address != self._primary_coa():
                return  # an older care-of address: its successor is on its way
            if self.state == MNState.HOME_REGISTRATION:
                self._go(MNInput.HOME_BA, now)
                self._finish_handover(now)
            elif self.state == MNState.REGISTERED:
                self._go(MNInput.REFRESH_ACKNOWLEDGED, now)
            self.cns_stale = False
            self.ro.care_of_changed(now)  # CNs bound to an older care-of address

    def _local_acknowledged(self, granted: int, now: float) -> None:
        """The selected MAP binds the RCoA to the current LCoA: after registering with
        the MAP, the MN MUST register a new RCoA with its HA (s.6.1)."""
        assert self.current_map is not None  # the BA came from the selected MAP
        home = self._home_entry()
        if home is None or home.care_of_address != self.rcoa:
            if self.state in (MNState.LOCAL_REGISTRATION, MNState.REGISTERED):
                self._go(MNInput.LOCAL_BA_NEW_RCOA, now)
            self._register_home(self.rcoa, now, f"RCoA {self.rcoa} registered with "
                                f"{self._name(self.current_map)}")
        elif not home.acknowledged and not self._home_holds_rcoa(home):
            if self.state in (MNState.LOCAL_REGISTRATION, MNState.REGISTERED):
                self._go(MNInput.LOCAL_BA_NEW_RCOA, now)  # the home BA is still due
        elif self.state == MNState.LOCAL_REGISTRATION:
            self._go(MNInput.LOCAL_BA_HOME_HOLDS, now)
            self._finish_handover(now)
        elif self.state == MNState.REGISTERED:
            self._go(MNInput.REFRESH_ACKNOWLEDGED, now)
        if self.cns_stale:
            self._cns_follow(now)

    def _home_holds_rcoa(self, home: BindingUpdateListEntry) -> bool:
        """The HA still binds the RCoA while a refresh of that same binding is out: the
        BU in flight changes nothing the HA holds (RFC 6275 s.11.1 keeps the acknowledged
        binding until its own expiry), so a local BA now is no new RCoA."""
        held = self.held_binding((home.peer_address, home.home_address))
        return held is not None and held.care_of_address == self.rcoa

    def _bul_changed(self, now: float, e: BindingUpdateListEntry,
                     change: str) -> None:
        flags = "AM" if e.map_registration else ("AH" if e.home_registration else "A")
        if change in ("expired", "lost") and not (e.map_registration or e.home_registration):
            self.ro.binding_gone(e, now, "binding expired")
        self.emit(BindingChanged(now, self.name, "binding update list", e.peer,
                                 str(e.home_address), str(e.care_of_address), e.lifetime_s,
                                 e.sequence, change, flags))

    # --- timers ------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        return self.bul.next_deadline()

    def on_timer(self, now: float) -> None:
        for key in self.bul.due(now):
            if not self.bul.take(key):
                continue  # cleared by a timer that ran before it
            action = key.action
            if action in (TimerAction.HOTI, TimerAction.COTI):
                self.ro.on_timer(action, key.peer, now)
                continue
            if action == TimerAction.OPTION:
                self.option_expired(key.peer, now)
                continue
            binding = key.binding_key
            if binding is None:
                continue
            entry = self.bul.get(binding)
            if entry is None:
                continue
            if action == TimerAction.RETRANSMIT:
                self._retransmit(entry, now)
            elif action == TimerAction.DEFERRED:
                # built again: addresses and lifetime caps may have changed meanwhile
                why, rfc = self.bul.deferred_why(binding)
                self._rebuild(entry, now, why, rfc, entry.retransmissions, entry.timeout_s)
            elif action == TimerAction.REFRESH:
                self._refresh(entry, now)
            elif action == TimerAction.EXPIRE:
                self._expire(entry, now)

    def _expire(self, entry: BindingUpdateListEntry, now: float) -> None:
        """An acknowledged binding ran out (its refresh, if any, is still unanswered)."""
        key = (entry.peer_address, entry.home_address)
        self.bul.forget_granted(key)
        self.bul.forget_acknowledged(key)
        relied_on = (entry.map_registration and key == (self.current_map, self.rcoa)) or \
            entry.home_registration
        if entry.acknowledged:
            self.bul.remove(key)
            self._bul_changed(now, entry, "expired")
            self._extra_gone(entry, now, f"the binding with {entry.peer} expired")
        else:
            self.emit(Note(now, self.name, f"the binding with {entry.peer} ran out while its "
                           "refresh is unanswered", "RFC 6275 s.11.8"))
        if not relied_on or self.state in (MNState.DETACHED, MNState.AWAITING_RA):
            return
        if entry.map_registration:
            if self.state != MNState.LOCAL_REGISTRATION or entry.acknowledged:
                self._go(MNInput.LOCAL_BINDING_LOST, now)
            if key not in self.bul and self.lcoa is not None:
                self._send_local_bu(entry.peer_address, entry.home_address, now,
                                    "the binding with the MAP ran out")
        elif self.state == MNState.REGISTERED:
            self._go(MNInput.HOME_BINDING_LOST, now)
            if self._home_entry() is None:
                self._register_home(self._primary_coa(), now, "the home binding ran out")

    def _retransmit(self, entry: BindingUpdateListEntry, now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        relied_on = entry.home_registration or (entry.map_registration and (
            key == (self.current_map, self.rcoa) or self._wants_extra(entry.peer_address))) \
            or (not entry.map_registration and self.ro.must_persist(entry.peer_address, now))
        if not relied_on and entry.retransmissions >= self.config.max_bu_retransmissions:
            self.emit(Note(now, self.name, f"no BA from {entry.peer} after "
                           f"{entry.retransmissions} retransmissions: giving up",
                           "RFC 6275 s.11.8"))
            self._abandon(key, now)
            if not (entry.map_registration or entry.home_registration):
                self.ro.binding_gone(entry, now, "no answer")
            self._extra_gone(entry, now, f"no answer from {entry.peer}")
            return
        timeout = min(entry.timeout_s * 2, self.config.max_bindack_timeout_s)
        self._rebuild(entry, now, f"no BA from {entry.peer} within {entry.timeout_s:g} s: "
                      f"sent again, next timeout {timeout:g} s", "RFC 6275 s.11.8",
                      entry.retransmissions + 1, timeout)

    def _refresh(self, entry: BindingUpdateListEntry, now: float) -> None:
        if entry.map_registration:
            if not self._keeps(entry):
                return  # lazy release (s.9): let bindings with old MAPs run out
            self._send_local_bu(entry.peer_address, entry.home_address, now,
                                "refresh before the binding expires")
        elif entry.home_registration:
            self._refresh_home(now, "refresh before the binding expires")
        else:
            self.ro.refresh(entry, now, "refresh before the binding expires")

    def _refresh_home(self, now: float, why: str) -> None:
        """Refresh the home binding for the care-of address the MN has now (never for a
        previous MAP's RCoA)."""
        if self._home_entry() is None:
            return
        self._register_home(self._primary_coa(), now, why)
