"""Protocol constants, one place, each with the RFC that sets it.

A scenario may override any of these in its ``[protocol]`` table; the names are the
keys. Times are in seconds unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class ProtocolConfig:
    # RFC 6275 s.13 InitialBindackTimeout: first BU retransmission timeout, doubled on
    # each retry.
    initial_bindack_timeout_s: float = 1.0
    # RFC 6275 s.13 InitialBindackTimeoutFirstReg: the same for a home registration when
    # the HA holds no binding for the MN yet (s.11.8: the HA may run DAD first).
    initial_bindack_timeout_first_reg_s: float = 1.5
    # RFC 6275 s.12: the back-off stops doubling here.
    max_bindack_timeout_s: float = 32.0
    # RFC 6275 s.12: at most this many BUs a second to one destination.
    max_update_rate_per_s: int = 3
    # After this many unanswered retransmissions the MN gives up on a BU it does not rely
    # on (to a previous MAP, s.8 of RFC 5380, or to a correspondent node) and on a return
    # routability test. Registrations with the selected MAP and the HA never give up: they
    # go on at MAX_BINDACK_TIMEOUT (RFC 6275 s.11.8).
    max_bu_retransmissions: int = 6
    # Lifetime the MN asks of a MAP in a local BU (RFC 5380 s.6.1). Multiple of 4.
    map_binding_lifetime_s: int = 600
    # Lifetime the MN asks of its HA (capped by what the MAP granted, RFC 5380 s.6.1).
    home_binding_lifetime_s: int = 600
    # Longest lifetime a HA grants (RFC 6275 s.10.3.1 lets the HA shorten it).
    ha_max_lifetime_s: int = 3600
    # Longest lifetime a MAP grants when the scenario sets no max_lifetime_s.
    map_max_lifetime_s: int = 3600
    # The MN refreshes a binding when this fraction of its granted lifetime has passed.
    refresh_fraction: float = 0.8
    # RFC 4861 s.6.2.1 MinRtrAdvInterval / MaxRtrAdvInterval; RFC 6275 s.7.5 lets
    # them go down to 0.03 / 0.07 s for fast movement detection.
    ra_min_interval_s: float = 1.0
    ra_max_interval_s: float = 3.0
    # RFC 4861 s.6.2.6: a solicited RA is delayed by a random 0..MAX_RA_DELAY_TIME.
    # RFC 4861 says 0.5 s; Mobile IPv6 access routers answer faster (RFC 6275 s.7.5).
    max_ra_delay_s: float = 0.05
    # Time the MN's link layer needs to switch access points.
    l2_switch_ms: float = 50.0
    # One-way delay of the wireless access link between an AR and the MN.
    access_link_delay_ms: float = 2.0
    # Hop limit of packets the nodes originate (RFC 4861 s.6.3.2 default).
    default_hop_limit: int = 64
    # Valid lifetime of the on-link prefix in RAs (RFC 4861 s.6.2.1 default 30 days).
    prefix_valid_lifetime_s: int = 2592000
    prefix_preferred_lifetime_s: int = 604800
    # Router lifetime in RAs (RFC 4861 s.6.2.1: 3 x MaxRtrAdvInterval, at least 1 s).
    router_lifetime_s: int = 1800
    # RFC 6275 s.9.3.3: Binding Errors MUST be rate limited; the RFC sets no figure, so
    # a node sends at most one to a given address per this many seconds.
    binding_error_interval_s: float = 1.0
    # A HA, MAP or CN sends one Binding Refresh Request when this fraction of a binding's
    # granted lifetime has passed without a refresh (RFC 6275 s.9.5.5 leaves the moment
    # to the implementation; 0 turns it off). Above refresh_fraction, so an MN that
    # refreshes on time never sees one.
    brr_fraction: float = 0.9
    # RFC 5380 s.10's example of dynamic MAP failure detection, for ARs with probe_maps:
    # an echo request to each advertised MAP this often; when one goes unanswered for
    # map_probe_timeout_s, probe every map_probe_fast_interval_s, and after
    # map_probe_fast_period_s without a reply advertise the MAP with Valid Lifetime 0.
    map_probe_interval_s: float = 10.0
    map_probe_timeout_s: float = 1.0
    map_probe_fast_interval_s: float = 5.0
    map_probe_fast_period_s: float = 15.0
    # RFC 6275 s.12 MAX_RR_BINDING_LIFETIME: the longest binding a CN grants after return
    # routability, and what the MN asks for (capped by the MAP's grant, RFC 5380 s.6.1).
    max_rr_binding_lifetime_s: int = 420
    # RFC 6275 s.12 MAX_TOKEN_LIFETIME: the MN reuses a keygen token for this long.
    max_token_lifetime_s: float = 210.0
    # RFC 6275 s.12 MAX_NONCE_LIFETIME: the CN honours a nonce this long after making it.
    max_nonce_lifetime_s: float = 240.0
    # The CN makes a fresh nonce this often (RFC 6275 s.5.2.2 leaves it to the CN).
    cn_nonce_interval_s: float = 30.0
    # Link MTU used for the per-flow path MTU accounting (RFC 8200 minimum is 1280).
    link_mtu: int = 1500
    # Payload size of data packets sent by flows, in octets.
    flow_payload_bytes: int = 56
    # Most bindings one binding cache (HA, MAP, CN) holds; a BU for one more is refused
    # with status 130, insufficient resources (RFC 6275 s.6.1.8 names the status, not a
    # size). One MN needs a handful; the limit is there for BU storms.
    binding_cache_limit: int = 1024
    # RFC 2473 s.6.6: how many more encapsulations a tunnel entry point (HA, MAP) allows
    # after a packet's first one (the default Tunnel Encapsulation Limit, 4).
    tunnel_encapsulation_limit: int = 4

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_overrides(self, **overrides: Any) -> ProtocolConfig:
        # Any: the fields are ints and floats, and dataclasses.replace checks nothing
        return replace(self, **overrides)


DEFAULT_CONFIG = ProtocolConfig()
