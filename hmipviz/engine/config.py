"""Protocol constants, one place, each with the RFC that sets it.

A scenario may override any of these in its ``[protocol]`` table; the names are the
keys. Times are in seconds unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class ProtocolConfig:
    # RFC 6275 s.12: first BU retransmission timeout, doubled on each retry.
    initial_bindack_timeout_s: float = 1.0
    # RFC 6275 s.12: the back-off stops doubling here.
    max_bindack_timeout_s: float = 32.0
    # RFC 6275 s.12: at most this many BUs a second to one destination.
    max_update_rate_per_s: int = 3
    # After this many unanswered retransmissions the MN gives up on that BU.
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
    # Link MTU used for the per-flow path MTU accounting (RFC 8200 minimum is 1280).
    link_mtu: int = 1500
    # Payload size of data packets sent by flows, in octets.
    flow_payload_bytes: int = 56

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_overrides(self, **overrides: float) -> "ProtocolConfig":
        return replace(self, **overrides)


DEFAULT_CONFIG = ProtocolConfig()
