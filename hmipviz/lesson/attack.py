"""The attacker's action: a local BU crafted by another node (lesson 9's EVE).

A student playing the attacker fills in the fields that matter for the attack, the
RCoA to bind (the Home Address option, RFC 5380 s.6.1), the BU's sequence number and
whether the packet travels in ESP through a security association, and the lesson
action ``{ inject_bu = "EVE", map = "MAP1", home = "rcoa", seq = 100 }`` builds the
IPv6 packet from them: source the sender's own address, destination the MAP, the Home
Address option, a Mobility Header Binding Update with the A and M flags (s.4) and a
correct checksum. The window's attacker panel and the headless
``LessonRun.inject_bu`` send it as ``inject`` does, so the engine, the history and the
checks see one crafted packet.

``sa = "MN"`` lends the packet the MN's SA with that MAP (lesson 14's attacker with a
valid SA): ESP with the MN's SPI and key and a fresh ESP sequence number, without
touching the MN's own counter. Without an SA there is nothing to prove who sent the BU.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import Any

from hmipviz.engine.ipsec import EspSecurity
from hmipviz.engine.messages import BindingUpdate, HomeAddressOption, Packet
from hmipviz.lesson import fields as lf
from hmipviz.lesson.model import Action
from hmipviz.sim import Simulation

VERB = "inject_bu"
DEFAULT_SEQ = 1
DEFAULT_LIFETIME_S = 600
# how far ahead of the SA owner's last ESP sequence number a lent packet is numbered:
# fresh for the MAP's anti-replay window, and out of the way of the owner's next ones
ESP_SEQ_AHEAD = 48


def _sender(value: Any, scope: lf.Scope) -> str:
    name = lf.node()(value, scope)
    if name == scope.mn:
        raise lf.Bad(f'"{name}" is the MN: the attacker is another node')
    return name


def _lender(value: Any, scope: lf.Scope) -> str:
    if value == "none":
        return "none"
    name = lf.node()(value, scope)
    if name != scope.mn:
        raise lf.Bad(f'must be "none" or the MN ("{scope.mn}", whose SA is lent), not '
                     f'"{name}"')
    return name


HEAD: lf.Convert = _sender
PARAMS: dict[str, lf.Convert] = {
    "map": lf.map_node,
    "home": lf.address_ref,
    "seq": lf.integer(0, 65535),
    "lifetime_s": lf.integer(0, 4 * 65535),
    "sa": _lender,
}


def missing(action: Action) -> str | None:
    """What a parsed ``inject_bu`` lacks, in the loader's words (None: complete)."""
    if action.get("map") is None:
        return 'inject_bu: missing "map" (the MAP the BU goes to)'
    if action.get("home") is None:
        return 'inject_bu: missing "home" (the RCoA the BU binds, e.g. "rcoa")'
    return None


@dataclass(frozen=True)
class CraftedBu:
    """What the attacker sends, resolved against the simulation now."""

    sender: str
    source: IPv6Address
    map_address: IPv6Address
    home: IPv6Address
    seq: int
    lifetime_s: int
    esp: EspSecurity | None

    def packet(self) -> Packet:
        bu = BindingUpdate(self.seq, self.lifetime_s, ack=True, map_registration=True)
        return Packet(self.source, self.map_address, bu,
                      hao=HomeAddressOption(self.home), esp=self.esp)


class AttackError(ValueError):
    """The attack cannot be built now (an address that does not exist yet, an SA the
    MN does not hold): the message says what, for the student."""


def craft(sim: Simulation, action: Action) -> CraftedBu:
    """Resolve an ``inject_bu`` action against ``sim`` now (``rcoa`` is the MN's RCoA
    at this moment)."""
    book = lf.AddressBook(sim)
    spec = sim.scenario.node(action.value)
    if spec.address is None:
        raise AttackError(f"{action.value} has no address of its own to send from")
    map_name = action.get("map")
    map_address = book.agent_address(map_name)
    ref = action.get("home")
    home = book.resolve(ref) if ref is not None else None
    if map_address is None or home is None:
        raise AttackError(f'"{ref}" names no address now (the MN has no RCoA yet?)')
    esp = None
    lender = action.get("sa", "none")
    if lender != "none":
        esp = _lent_esp(sim, map_address)
    return CraftedBu(action.value, spec.address, map_address, home,
                     int(action.get("seq", DEFAULT_SEQ)),
                     int(action.get("lifetime_s", DEFAULT_LIFETIME_S)), esp)


def _lent_esp(sim: Simulation, map_address: IPv6Address) -> EspSecurity:
    sad = getattr(sim.mn, "sad", None)
    sa = sad.outbound(map_address) if sad is not None else None
    if sad is None or sa is None:
        raise AttackError("the MN holds no security association with that MAP to lend "
                          '(restart with security = "esp" and let it register)')
    # read only: the owner's counter stays as it is; past what the MAP has seen on the
    # SA, so that a second lent packet is not a replay of the first
    last = sad._sent.get(sa.spi, 0)
    agent = sim.nodes.get(lf.AddressBook(sim).name_of(map_address) or "")
    seen = getattr(getattr(agent, "sad", None), "_seen", {}).get(sa.spi, ())
    return EspSecurity(sa.spi, max(last + ESP_SEQ_AHEAD, max(seen, default=0) + 1),
                       sa.auth_key)


def packet_bytes(sim: Simulation, action: Action) -> bytes:
    """The IPv6 bytes of the crafted BU (the wire layer encodes it, checksum and ESP
    ICV included)."""
    from hmipviz.wire.encode import encode  # the wire layer: bytes only there
    return encode(craft(sim, action).packet())


def describe(action: Action) -> str:
    """The action in a student's words, for the status line and the summary."""
    sa = action.get("sa", "none")
    return (f"{action.value} sent {action.get('map')} a local BU for {action.get('home')} "
            f"with sequence number {action.get('seq', DEFAULT_SEQ)}"
            + (f", through {sa}'s SA" if sa != "none" else ", without ESP"))


def mutations(solution: tuple[Action, ...]) -> list[tuple[str, tuple[Action, ...]]]:
    """What a student playing the attacker plausibly gets wrong, as (label, actions):
    a stale sequence number (the MAP refuses it, 135) or another address than the MN's
    RCoA in the Home Address option. Each must leave the step passable, or be
    reported as no longer passable."""
    out: list[tuple[str, tuple[Action, ...]]] = []
    for i, a in enumerate(solution):
        if a.verb != VERB:
            continue
        stale = _with(a, seq=1)
        own = _with(a, home=a.value)
        out.append(("sequence number 1 instead of "
                    f"{a.get('seq', DEFAULT_SEQ)}", solution[:i] + (stale,) + solution[i + 1:]))
        out.append((f"{a.value}'s own address instead of {a.get('home')}",
                    solution[:i] + (own,) + solution[i + 1:]))
    return out


def _with(a: Action, **changes: Any) -> Action:
    params = dict(a.params)
    params.update(changes)
    return Action(a.verb, a.value, tuple(params.items()), a.line)


__all__ = ["VERB", "HEAD", "PARAMS", "CraftedBu", "AttackError", "craft", "packet_bytes",
           "describe", "missing", "mutations"]
