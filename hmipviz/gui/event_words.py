"""Plain words for any trace event: the event list's columns, the caption, the status bar.

Qt-free; kept apart from the controller so every view can name events the same way.
"""

from __future__ import annotations

from hmipviz.engine.events import (
    BindingChanged,
    Event,
    FlowToggled,
    HandoverCompleted,
    HandoverStarted,
    LinkChanged,
    LinkParamsChanged,
    MapOptionChanged,
    MapSelected,
    MovementDetected,
    NodeStatus,
    Note,
    PacketDropped,
    PacketReceived,
    PacketSent,
    StateChanged,
)


def event_kind(e: Event) -> str:
    """The 'message kind' column: the packet kind, or a category for other events."""
    if isinstance(e, (PacketSent, PacketReceived, PacketDropped)):
        return e.kind
    return {
        BindingChanged: "binding",
        LinkChanged: "link",
        StateChanged: "MN state",
        MapSelected: "MAP selection",
        MovementDetected: "movement",
        HandoverStarted: "handover",
        HandoverCompleted: "handover",
        NodeStatus: "node status",
        MapOptionChanged: "setting",
        LinkParamsChanged: "setting",
        FlowToggled: "setting",
        Note: "note",
    }.get(type(e), e.type)


def event_verb(e: Event) -> str:
    return {PacketSent: "sent", PacketReceived: "received", PacketDropped: "dropped"}.get(
        type(e), "")


def event_direction(e: Event) -> str:
    if isinstance(e, PacketSent):
        return f"{e.node} \u2192 {e.to_node}"
    if isinstance(e, PacketReceived):
        return f"\u2192 {e.node}"
    if isinstance(e, PacketDropped):
        return f"\u2715 at {e.node}"
    return e.node


def event_text(e: Event) -> str:
    """One line saying what happened and why."""
    if isinstance(e, PacketSent):
        return e.summary
    if isinstance(e, PacketReceived):
        return f"{e.node} receives the {e.kind} (packet #{e.packet_id})"
    if isinstance(e, PacketDropped):
        return f"{e.node} drops the {e.kind}: {e.reason}"
    if isinstance(e, BindingChanged):
        what = "binding update list" if e.table == "binding update list" else "binding cache"
        return (f"{e.node} {what}: {e.home_address} \u2192 {e.care_of_address}, "
                f"seq {e.sequence}, lifetime {e.lifetime_s} s ({e.change})")
    if isinstance(e, LinkChanged):
        return (f"{e.node} link layer up on {e.ar}" if e.up else
                f"{e.node} link layer down: it left its access router")
    if isinstance(e, StateChanged):
        return f"{e.node}: {e.old} \u2192 {e.new} ({e.input})"
    if isinstance(e, MapSelected):
        return (f"{e.node} selects MAP {e.map_address} (Dist {e.dist}, Pref {e.pref}), "
                f"RCoA {e.rcoa}: {e.reason}")
    if isinstance(e, MovementDetected):
        return (f"{e.node} detects movement on {e.ar}: LCoA {e.old_lcoa} \u2192 "
                f"{e.new_lcoa}")
    if isinstance(e, HandoverStarted):
        return f"{e.kind} handover starts: {e.from_ar or 'no link'} \u2192 {e.to_ar or 'no link'}"
    if isinstance(e, HandoverCompleted):
        return f"{e.kind} handover complete, {e.latency_s * 1000:.1f} ms after it started"
    if isinstance(e, NodeStatus):
        return f"{e.node} {'is back up' if e.up else 'fails'}: {e.reason}"
    if isinstance(e, MapOptionChanged):
        what = (f"Pref {e.pref}, Valid Lifetime {e.lifetime_s} s" if e.pref is not None
                else "no longer advertised")
        return f"{e.node}'s MAP option for {e.map_name} changed: {what}"
    if isinstance(e, LinkParamsChanged):
        return f"link {e.link} changed: delay {e.delay_ms:g} ms, loss {e.loss:.0%}"
    if isinstance(e, FlowToggled):
        return (f"data flow {e.node} \u2192 {e.destination} ({e.flow_kind}) "
                + ("started" if e.running else "stopped"))
    if isinstance(e, Note):
        return e.text
    return e.type


def event_rfc(e: Event) -> str:
    if isinstance(e, (PacketSent, Note)):
        return e.rfc
    if isinstance(e, MapSelected):
        return "RFC 5380 s.9.1"
    if isinstance(e, MapOptionChanged):
        return "RFC 5380 s.7"
    if isinstance(e, MovementDetected):
        return "RFC 6275 s.11.5.1"
    if isinstance(e, BindingChanged):
        return "RFC 6275 s.11.1" if e.table == "binding update list" else "RFC 6275 s.9.1"
    return ""


__all__ = ["event_kind", "event_verb", "event_direction", "event_text", "event_rfc"]
