"""What a scenario will do by itself, for the window to announce (issue 13): its scripted
moves, failures and restores as marks on the time scrubber, and the same scenario
without them, so a teacher can drive the MN alone. No Qt: :mod:`hmipviz.gui.scrubber_marks`
draws the marks.

The scenario is a frozen dataclass, so "without its own moves" is a copy with empty
``moves``, ``fails`` and ``restores``; the simulator needs no option for it. MNs that
move by a mobility model (``[node.mobility]``) keep moving: that is their trajectory,
not a scripted event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ScrubberMark:
    """One thing that happens at ``t_s``: ``what`` is "move", "fail", "restore" (the
    scenario's) or "user" (a user action on this branch)."""

    t_s: float
    what: str
    text: str


def scripted_marks(scenario) -> list[ScrubberMark]:
    """The scenario's own moves, failures and restores, in time order."""
    if scenario is None:
        return []
    several = len([n for n in scenario.nodes if n.role == "mn"]) > 1
    out = []
    for m in scenario.moves:
        who = m.mn if (m.mn and several) else "the MN"
        where = f"moves to {m.to}" if m.to else "leaves every cell (no link)"
        out.append(ScrubberMark(m.at_s, "move", f"t = {m.at_s:g} s: {who} {where} "
                                                f"(the scenario's own move)"))
    for f in scenario.fails:
        out.append(ScrubberMark(f.at_s, "fail", f"t = {f.at_s:g} s: {f.node} fails "
                                                f"(scripted)"))
    for r in scenario.restores:
        out.append(ScrubberMark(r.at_s, "restore", f"t = {r.at_s:g} s: {r.node} is "
                                                   f"restored (scripted)"))
    return sorted(out, key=lambda k: (k.t_s, k.what))


def user_marks(actions) -> list[ScrubberMark]:
    """Marks for the user's own actions: ``(t, verb, target)`` as
    :meth:`hmipviz.gui.controller.QtController.user_actions` gives them."""
    out = []
    for t, verb, target in actions:
        if verb == "move":
            text = f"MN moves to {target}" if target else "MN leaves every cell"
        else:
            text = f"{target} {'fails' if verb == 'fail' else 'is restored'}"
        out.append(ScrubberMark(float(t), "user", f"t = {float(t):.3f} s: {text} (your action)"))
    return out


def without_scripted_actions(scenario):
    """The scenario with no scripted moves, failures or restores (flows, injected
    packets and mobility models stay)."""
    return replace(scenario, moves=(), fails=(), restores=())


__all__ = ["ScrubberMark", "scripted_marks", "user_marks", "without_scripted_actions"]
