"""Access router: Router Advertisements with the MAP option (RFC 4861 s.6.2, RFC 5380 s.5, s.7).

The AR answers Router Solicitations after a short random delay, advertises
unsolicited at a random interval, and carries one MAP option per configured MAP.
With a ``map_address`` it is also a MAP itself (flat architecture, RFC 5380 s.9.2).
With ``probe_maps`` it detects MAP failures itself (RFC 5380 s.10's example): it pings
each MAP it advertises, probes harder when a ping goes unanswered, and advertises the
MAP with Valid Lifetime 0 when it stays silent; the state per MAP follows
:data:`PROBE_TRANSITIONS`. RFC 5380 leaves the probing mechanism open; an ICMPv6 echo
is the simplest one every MAP answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from .. import describe
from ..addresses import link_local, mac_address
from ..events import MapProbeChanged
from ..fsm import TransitionTable
from ..messages import (
    ALL_NODES,
    ALL_ROUTERS,
    EchoReply,
    EchoRequest,
    MapOption,
    Packet,
    PrefixInformation,
    RouterAdvertisement,
    RouterSolicitation,
)
from .base import Node
from .map import MapFunction
from .router import answer_echo


# --- MAP probing (RFC 5380 s.10) as data (architecture rule 6) -----------------------
class ProbeState(str, Enum):
    REACHABLE = "reachable"
    PROBING_FAST = "probing fast"
    MAP_FAILED = "failed"


class ProbeInput(str, Enum):
    UNANSWERED = "probe unanswered"
    FAST_PERIOD_OVER = "fast period over"
    REPLY = "reply"


REACHABLE, PROBING_FAST, MAP_FAILED = (ProbeState.REACHABLE, ProbeState.PROBING_FAST,
                                       ProbeState.MAP_FAILED)
PROBE_STATES = tuple(s.value for s in ProbeState)
PROBE_TABLE: TransitionTable[ProbeState, ProbeInput] = TransitionTable(
    "MAP probing", ProbeState, ProbeInput, {
        (REACHABLE, ProbeInput.UNANSWERED): PROBING_FAST,
        (REACHABLE, ProbeInput.REPLY): REACHABLE,
        (PROBING_FAST, ProbeInput.FAST_PERIOD_OVER): MAP_FAILED,  # Valid Lifetime 0
        (PROBING_FAST, ProbeInput.REPLY): REACHABLE,
        (MAP_FAILED, ProbeInput.REPLY): REACHABLE,  # the configured lifetime again
    })
PROBE_TRANSITIONS: dict[tuple[str, str], str] = {
    k: v for k, v in PROBE_TABLE.as_strings().items() if k[0] != v}
PROBE_IDENT = 0x4D50  # echo identifier of an AR's MAP probes ("MP")


@dataclass
class MapProbe:
    """One AR's probing of one MAP."""

    map_name: str
    map_address: IPv6Address
    state: ProbeState = ProbeState.REACHABLE
    seq: int = 0
    next_probe_t: float = 0.0
    answer_by: float | None = None  # the outstanding probe times out then
    fast_since: float = 0.0


@dataclass(frozen=True)
class AdvertisedMap:
    """A MAP option as configured on this AR (s.7: configured by hand)."""

    map_name: str
    map_address: IPv6Address
    dist: int
    pref: int
    r: bool
    lifetime_s: int


class AccessRouter(Node):
    role = "ar"
    address: IPv6Address  # both required for an AR by the scenario (Node allows None)
    prefix: IPv6Network

    def __init__(self, *args: Any, advertised: tuple[AdvertisedMap, ...] = (),
                 map_address: IPv6Address | None = None, max_lifetime_s: int | None = None,
                 valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None,
                 probe_maps: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.address is not None and self.prefix is not None
        self.link_local = link_local(int(self.address))
        self.advertised = list(advertised)
        self.failed_maps: set[IPv6Address] = set()
        # the MNs on this AR's access links, in the order they attached (a dict as an
        # ordered set: membership costs O(1) with hundreds of MNs); each MN has a
        # point-to-point access link of its own (AR-MN), so an RA goes out once per MN
        self.attached_mns: dict[str, None] = {}
        self.map: MapFunction | None = None
        if map_address is not None:
            self.map = MapFunction(self, map_address,
                                   max_lifetime_s or self.config.map_max_lifetime_s,
                                   valid_onlink_prefixes)
        self._next_unsolicited = self._interval()
        # MN -> when its Router Solicitation is answered (RFC 4861 s.6.2.6 delay)
        self._solicited: dict[str, float] = {}
        self.probe_maps = False
        self.probes: dict[IPv6Address, MapProbe] = {}
        if probe_maps:
            self.start_probing(0.0)

    # --- addressing ----------------------------------------------------------------
    def owns(self, address: IPv6Address) -> bool:
        return address in (self.address, self.link_local, ALL_ROUTERS) or (
            self.map is not None and address == self.map.map_address)

    def prefixes(self) -> list[IPv6Network]:
        out = super().prefixes()
        if self.map is not None:
            out.append(self.map.rcoa_prefix)
        return out

    def intercepts(self, address: IPv6Address) -> bool:
        return self.map is not None and self.map.agent.intercepts(address)

    @property
    def attached(self) -> str | None:
        """The first MN on this AR's access links (None: nobody attached)."""
        return next(iter(self.attached_mns), None)

    def access_link(self, mn: str | None = None) -> str | None:
        mn = mn or self.attached
        return f"{self.name}-{mn}" if mn else None

    # --- Router Advertisements --------------------------------------------------------
    def _interval(self) -> float:
        return self.rng.uniform(self.config.ra_min_interval_s, self.config.ra_max_interval_s)

    def map_options(self) -> tuple[MapOption, ...]:
        return tuple(
            MapOption(dist=a.dist, pref=a.pref, r=a.r,
                      valid_lifetime_s=0 if a.map_address in self.failed_maps else a.lifetime_s,
                      map_address=a.map_address)
            for a in self.advertised)

    def router_advertisement(self, mn: str | None = None) -> Packet:
        c = self.config
        ra = RouterAdvertisement(
            prefixes=(PrefixInformation(self.prefix, True, True, c.prefix_valid_lifetime_s,
                                        c.prefix_preferred_lifetime_s),),
            map_options=self.map_options(),
            source_lladdr=mac_address(self.name, self.access_link(mn) or self.name),
            cur_hop_limit=c.default_hop_limit,
            router_lifetime_s=c.router_lifetime_s)
        return Packet(src=self.link_local, dst=ALL_NODES, payload=ra, hop_limit=255)

    def _advertise(self, why: str, to: list[str] | None = None) -> None:
        """One RA on the access link of each MN in ``to`` (default: every attached MN)."""
        peers = self.attached_mns if to is None else to
        if not peers:
            return  # nobody on the access link to hear it
        options = ", ".join(f"MAP {o.map_address} (dist {o.dist}, pref {o.pref}, lifetime "
                            f"{o.valid_lifetime_s} s)" for o in self.map_options())
        text = f"{why}: prefix {self.prefix}" + (f", {options}" if options else "")
        for mn in list(peers):
            self.send(self.router_advertisement(mn), text, "RFC 5380 s.5, s.7",
                      kind=describe.RA, link_peer=mn)

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        m = packet.payload
        if isinstance(m, EchoReply) and m.ident == PROBE_IDENT and packet.src in self.probes \
                and packet.dst == self.address:
            self._probe_answered(self.probes[packet.src], now)
            return
        if isinstance(m, EchoRequest) and packet.dst == self.address:
            answer_echo(self, packet)
            return
        if isinstance(packet.payload, RouterSolicitation):
            if packet.hop_limit != 255:
                self.drop("RS with hop limit other than 255 (RFC 4861 s.6.1.1)")
                return
            if from_node not in self._solicited:
                self._solicited[from_node] = now + self.rng.uniform(0.0,
                                                                    self.config.max_ra_delay_s)
            return
        if self.map is not None and self.map.handles(packet):
            self.map.receive(packet, now, from_node)
            return
        self.drop(f"{self.name} does not handle {type(packet.payload).__name__}")

    # --- configuration changes (manual MAP failure, s.10) ------------------------------
    def set_map_failed(self, map_address: IPv6Address, failed: bool, now: float,
                       why: str = "") -> None:
        changed = (map_address in self.failed_maps) != failed
        if failed:
            self.failed_maps.add(map_address)
        else:
            self.failed_maps.discard(map_address)
        if changed and any(a.map_address == map_address for a in self.advertised):
            # RFC 4861 s.6.2.4: a router may advertise at once when its information changes.
            self._advertise(f"{self.name} re-advertises: MAP {map_address} "
                            + ("failed, valid lifetime 0" if failed else "restored")
                            + (f" ({why})" if why else ""))

    def set_map_option(self, map_address: IPv6Address, pref: int | None = None,
                       lifetime_s: int | None = None) -> None:
        for i, a in enumerate(self.advertised):
            if a.map_address == map_address:
                self.advertised[i] = AdvertisedMap(
                    a.map_name, a.map_address, a.dist,
                    a.pref if pref is None else pref, a.r,
                    a.lifetime_s if lifetime_s is None else lifetime_s)

    def on_attach(self, mn: str | None) -> None:
        """``mn``'s link layer is up on this AR; None: every MN left."""
        if mn is None:
            self.attached_mns.clear()
            self._solicited.clear()
        else:
            self.attached_mns.setdefault(mn)

    def on_detach(self, mn: str) -> None:
        """``mn``'s link layer left this AR: its pending solicitation goes with it."""
        self.attached_mns.pop(mn, None)
        self._solicited.pop(mn, None)

    # --- MAP probing (RFC 5380 s.10) -------------------------------------------------
    def start_probing(self, now: float) -> None:
        """Probe every MAP this AR advertises (not its own MAP function), first probe one
        interval from ``now``."""
        self.probe_maps = True
        own = self.map.map_address if self.map is not None else None
        for a in self.advertised:
            if a.map_address != own and a.map_address not in self.probes:
                self.probes[a.map_address] = MapProbe(
                    a.map_name, a.map_address,
                    next_probe_t=now + self.config.map_probe_interval_s)

    def _probe_go(self, probe: MapProbe, event: str, now: float) -> None:
        """One transition of :data:`PROBE_TABLE` (a pair it lacks raises); only a change
        of state is an event worth showing."""
        new = PROBE_TABLE.next(probe.state, ProbeInput(event))
        if new != probe.state:
            self.emit(MapProbeChanged(now, self.name, str(probe.map_address),
                                      probe.state.value, new.value, event))
        probe.state = new

    def _probe_answered(self, probe: MapProbe, now: float) -> None:
        probe.answer_by = None
        was = probe.state
        self._probe_go(probe, "reply", now)
        if was == MAP_FAILED:
            self.set_map_failed(probe.map_address, False, now,
                                f"{probe.map_name} answers its probe again")
        if was != REACHABLE:
            probe.next_probe_t = now + self.config.map_probe_interval_s

    def _run_probes(self, now: float) -> None:
        c = self.config
        for probe in self.probes.values():
            if probe.answer_by is not None and probe.answer_by <= now:
                probe.answer_by = None
                if probe.state == REACHABLE:
                    self._probe_go(probe, "probe unanswered", now)
                    probe.fast_since = probe.next_probe_t = now
            if probe.state == PROBING_FAST and now >= probe.fast_since + c.map_probe_fast_period_s:
                self._probe_go(probe, "fast period over", now)
                self.set_map_failed(probe.map_address, True, now,
                                    f"{probe.map_name} left {c.map_probe_fast_period_s:g} s "
                                    "of fast probes unanswered")
                probe.next_probe_t = now + c.map_probe_interval_s
            if probe.next_probe_t <= now:
                self._send_probe(probe, now)

    def _send_probe(self, probe: MapProbe, now: float) -> None:
        c = self.config
        probe.seq = probe.seq % 0xFFFF + 1
        fast = probe.state == PROBING_FAST
        probe.answer_by = now + c.map_probe_timeout_s
        probe.next_probe_t = now + (c.map_probe_fast_interval_s if fast else c.map_probe_interval_s)
        ping = Packet(src=self.address, dst=probe.map_address,
                      payload=EchoRequest(PROBE_IDENT, probe.seq, b""),
                      hop_limit=c.default_hop_limit)
        how = {REACHABLE: "regular probe", PROBING_FAST: "fast probe, the last one went "
               "unanswered", MAP_FAILED: "probe of a MAP advertised as failed"}[probe.state]
        self.send(ping, f"{self.name} probes {probe.map_name} ({how}, seq {probe.seq})",
                  "RFC 5380 s.10", kind=describe.PROBE)

    def _probe_times(self) -> list[float]:
        out = []
        for p in self.probes.values():
            out.append(p.next_probe_t)
            if p.answer_by is not None:
                out.append(p.answer_by)
            if p.state == PROBING_FAST:
                out.append(p.fast_since + self.config.map_probe_fast_period_s)
        return out

    # --- timers -------------------------------------------------------------------
    def next_timer(self) -> float | None:
        times = [self._next_unsolicited] + self._probe_times()
        if self._solicited:
            times.append(min(self._solicited.values()))
        if self.map is not None and (t := self.map.agent.next_timer()) is not None:
            times.append(t)
        return min(times)

    def on_timer(self, now: float) -> None:
        due = [mn for mn, t in self._solicited.items() if t <= now]
        if due:
            for mn in due:
                del self._solicited[mn]
            self._advertise(f"{self.name} answers the Router Solicitation", due)
            if len(due) == len(self.attached_mns):
                # everyone on the links just heard an RA: the unsolicited one can wait
                self._next_unsolicited = now + self._interval()
        if self._next_unsolicited <= now:
            self._advertise(f"{self.name} advertises (unsolicited)")
            self._next_unsolicited = now + self._interval()
        if self.map is not None:
            self.map.agent.on_timer(now)
        self._run_probes(now)

    def fail(self, now: float) -> None:
        super().fail(now)
        if self.map is not None:
            self.map.agent.lose_state(now)

    def restore(self, now: float) -> None:
        super().restore(now)
        self._next_unsolicited = now + self._interval()
        for probe in self.probes.values():
            probe.answer_by = None
            probe.next_probe_t = now + self.config.map_probe_interval_s
