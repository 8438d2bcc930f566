"""Transport-mode ESP at the node a packet is for (RFC 4303, RFC 5380 s.12.1): the
simulator opens it before the node sees the packet, as an IPsec stack below the
Mobile IPv6 layer would."""

from __future__ import annotations

import dataclasses

from .engine.ipsec import EspSecurity
from .engine.messages import NH_ESP, Packet, RawPayload, Tunnelled
from .engine.nodes.base import Node
from .wire.codec import DecodeError, decode, encode
from .wire.esp import EspError, unprotect


def open_esp(node: Node, packet: Packet) -> Packet | None:
    """Open transport-mode ESP addressed to ``node`` (also inside tunnels it ends) with
    its SA; the node then sees the plain packet marked ``esp``. None: dropped (no SA,
    replayed, or the ICV did not verify; RFC 4303 s.3.4)."""
    innermost = packet
    while isinstance(innermost.payload, Tunnelled):
        innermost = innermost.payload.inner
    last = innermost.payload
    if not (isinstance(last, RawPayload) and last.next_header == NH_ESP):
        return packet  # ESP is always the innermost payload: here there is none to open
    return _open(node, packet)


def _open(node: Node, packet: Packet) -> Packet | None:
    def mine(p: Packet) -> bool:
        return node.owns(p.dst) or node.owns(p.final_destination)

    payload = packet.payload
    if isinstance(payload, Tunnelled):
        if not mine(packet):
            return packet
        inner = _open(node, payload.inner)
        if inner is None:
            return None
        return packet if inner is payload.inner else \
            dataclasses.replace(packet, payload=Tunnelled(inner))
    if not (isinstance(payload, RawPayload) and payload.next_header == NH_ESP
            and mine(packet)):
        return packet
    if len(payload.data) < 8:
        node.security_drop("ESP check failed", "truncated ESP header")
        return None
    spi, seq = int.from_bytes(payload.data[:4], "big"), int.from_bytes(payload.data[4:8], "big")
    sa = node.sad.inbound(spi)
    if sa is None:
        node.security_drop("ESP without SA", f"ESP with SPI 0x{spi:08x}, for which "
                           f"{node.name} has no security association (RFC 4303 s.3.4.2)")
        return None
    if node.sad.replayed(spi, seq):
        node.security_drop("ESP replay", f"ESP sequence number {seq} on SPI 0x{spi:08x} "
                           "was seen before or is too old (RFC 4303 s.3.4.3)")
        return None
    try:
        plain = unprotect(encode(packet), spi, sa.auth_key)
        opened = decode(plain, mobility_refusals=True)
    except (EspError, DecodeError) as exc:
        node.security_drop("ESP check failed", f"{exc} on SPI 0x{spi:08x} (RFC 4303 s.3.4.4)")
        return None
    node.sad.accept(spi, seq)
    return dataclasses.replace(opened, esp=EspSecurity(spi, seq))
