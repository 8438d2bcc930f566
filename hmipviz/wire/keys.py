"""The dissector's keys before they became Wireshark's field names, and what they are now.

The inspector used to have home-made keys (``mip6.bu.flag_m``); now every
key that Wireshark has a field for is Wireshark's name (``mip6.bu.m_flag``), so what
the inspector shows, what a lesson checks and what a display filter finds are the
same word. Lesson files that still use an old name keep working, with a warning
(see :data:`hmipviz.lesson_fields.DEPRECATED_FIELDS`).
"""

from __future__ import annotations

__all__ = ["RENAMED", "new_key"]

#: old dissector key -> Wireshark field name (or our own name where Wireshark has none)
RENAMED: dict[str, str] = {
    # IPv6 extension headers
    "routing": "ipv6.routing",
    "routing.nxt": "ipv6.routing.nxt",
    "routing.len": "ipv6.routing.len",
    "routing.type": "ipv6.routing.type",
    "routing.segleft": "ipv6.routing.segleft",
    "routing.reserved": "ipv6.routing.mipv6.reserved",
    "routing.home_address": "ipv6.routing.mipv6.home_address",
    "routing.data": "ipv6.routing.unknown_data",
    "dstopt": "ipv6.dstopts",
    "dstopt.nxt": "ipv6.dstopts.nxt",
    "dstopt.len": "ipv6.dstopts.len",
    "dstopt.pad1": "ipv6.opt.pad1",
    "dstopt.padn": "ipv6.opt",
    "dstopt.hao": "ipv6.opt",
    "dstopt.unknown": "ipv6.opt",
    "dstopt.opt.type": "ipv6.opt.type",
    "dstopt.opt.len": "ipv6.opt.length",
    "dstopt.hao.type": "ipv6.opt.type",
    "dstopt.hao.len": "ipv6.opt.length",
    "dstopt.hao.address": "ipv6.opt.mipv6.home_address",
    # Mobility Header
    "mip6": "mipv6",
    "mip6.type": "mip6.mhtype",
    "mip6.checksum": "mip6.csum",
    "mip6.bu.seq": "mip6.bu.seqnr",
    "mip6.bu.flag_a": "mip6.bu.a_flag",
    "mip6.bu.flag_h": "mip6.bu.h_flag",
    "mip6.bu.flag_l": "mip6.bu.l_flag",
    "mip6.bu.flag_k": "mip6.bu.k_flag",
    "mip6.bu.flag_m": "mip6.bu.m_flag",
    "mip6.bu.flag_r": "mip6.nemo.bu.r_flag",
    "mip6.bu.flag_p": "mip6.bu.p_flag",
    "mip6.ba.flag_k": "mip6.ba.k_flag",
    "mip6.ba.seq": "mip6.ba.seqnr",
    "mip6.be.home_address": "mip6.be.haddr",
    "mip6.brr.reserved": "mip6.binding_refresh_request",
    "mip6.hot.nonce_index": "mip6.hot.nindex",
    "mip6.cot.nonce_index": "mip6.cot.nindex",
    "mip6.cot.token": "mip6.hot.token",  # Wireshark's name for both tokens
    "mip6.data": "mip6.unknown_type_data",
    "mip6.opt.pad1": "mip6.options.pad1",
    "mip6.opt.padn": "mip6.options.padn",
    "mip6.opt.len": "mip6.mobility_opt.len",
    "mip6.opt.bra": "mip6.options.bra",
    "mip6.opt.bra.interval": "mip6.bra.interval",
    "mip6.opt.altcoa": "mip6.options.acoa",
    "mip6.opt.altcoa.address": "mip6.acoa.acoa",
    "mip6.opt.ni": "mip6.options.ni",
    "mip6.opt.ni.home_nonce_index": "mip6.ni.hni",
    "mip6.opt.ni.careof_nonce_index": "mip6.ni.cni",
    "mip6.opt.bad": "mip6.options.bad_auth",
    "mip6.opt.bad.authenticator": "mip6.bad.auth",
    "mip6.opt.unknown": "mip6.mobility_opt",
    # ICMPv6
    "icmpv6.body": "icmpv6.unknown_data",
    "icmpv6.ra.cur_hop_limit": "icmpv6.nd.ra.cur_hop_limit",
    "icmpv6.ra.flag_m": "icmpv6.nd.ra.flag.m",
    "icmpv6.ra.flag_o": "icmpv6.nd.ra.flag.o",
    "icmpv6.ra.flag_h": "icmpv6.nd.ra.flag.h",
    "icmpv6.ra.prf": "icmpv6.nd.ra.flag.prf",
    "icmpv6.ra.reserved": "icmpv6.nd.ra.flag.rsv",
    "icmpv6.ra.router_lifetime": "icmpv6.nd.ra.router_lifetime",
    "icmpv6.ra.reachable_time": "icmpv6.nd.ra.reachable_time",
    "icmpv6.ra.retrans_timer": "icmpv6.nd.ra.retrans_timer",
    "icmpv6.rs.reserved": "icmpv6.reserved",
    "icmpv6.te.unused": "icmpv6.reserved",
    "icmpv6.pp.pointer": "icmpv6.pointer",
    "icmpv6.ptb.mtu": "icmpv6.mtu",
    "icmpv6.pp.invoking": "icmpv6.invoking_packet",
    "icmpv6.error.invoking": "icmpv6.invoking_packet",
    "icmpv6.echo.ident": "icmpv6.echo.identifier",
    "icmpv6.echo.seq": "icmpv6.echo.sequence_number",
    "icmpv6.echo.data": "data.data",
    "icmpv6.opt_slla": "icmpv6.opt",
    "icmpv6.opt_slla.type": "icmpv6.opt.type",
    "icmpv6.opt_slla.len": "icmpv6.opt.length",
    "icmpv6.opt_slla.lladdr": "icmpv6.opt.src_linkaddr",
    "icmpv6.opt_unknown": "icmpv6.opt",
    "icmpv6.opt_unknown.type": "icmpv6.opt.type",
    "icmpv6.opt_unknown.len": "icmpv6.opt.length",
    "icmpv6.opt_unknown.data": "icmpv6.unknown_data",
    "icmpv6.opt_prefix": "icmpv6.opt",
    "icmpv6.opt_prefix.type": "icmpv6.opt.type",
    "icmpv6.opt_prefix.len": "icmpv6.opt.length",
    "icmpv6.opt_prefix.prefix_len": "icmpv6.opt.prefix.length",
    "icmpv6.opt_prefix.flag_l": "icmpv6.opt.prefix.flag.l",
    "icmpv6.opt_prefix.flag_a": "icmpv6.opt.prefix.flag.a",
    "icmpv6.opt_prefix.flag_r": "icmpv6.opt.prefix.flag.r",
    "icmpv6.opt_prefix.reserved1": "icmpv6.opt.prefix.flag.reserved",
    "icmpv6.opt_prefix.valid_lifetime": "icmpv6.opt.prefix.valid_lifetime",
    "icmpv6.opt_prefix.preferred_lifetime": "icmpv6.opt.prefix.preferred_lifetime",
    "icmpv6.opt_prefix.reserved2": "icmpv6.opt.reserved",
    "icmpv6.opt_prefix.prefix": "icmpv6.opt.prefix",
    "icmpv6.opt_map": "icmpv6.opt",
    "icmpv6.opt_map.type": "icmpv6.opt.type",
    "icmpv6.opt_map.len": "icmpv6.opt.length",
    "icmpv6.opt_map.dist": "icmpv6.opt.map.distance",
    "icmpv6.opt_map.pref": "icmpv6.opt.map.preference",
    "icmpv6.opt_map.r": "icmpv6.opt.map.flag.r",
    "icmpv6.opt_map.reserved": "icmpv6.opt.map.flag.reserved",
    "icmpv6.opt_map.valid_lifetime": "icmpv6.opt.map.valid_lifetime",
    "icmpv6.opt_map.address": "icmpv6.opt.map.global_address",
    # UDP, ESP, data
    "udp.sport": "udp.srcport",
    "udp.dport": "udp.dstport",
    "esp.data": "esp.encrypted_data",
    "data": "data.data",
}

#: keys removed without a successor: the octets are covered by a neighbouring field
#: that Wireshark shows instead (a 16-bit flags word, a flags octet)
REMOVED = frozenset({"mip6.bu.reserved", "mip6.ba.reserved"})


def new_key(key: str) -> str:
    """Today's key for a key as it was written before the rename (unchanged if current)."""
    return RENAMED.get(key, key)
