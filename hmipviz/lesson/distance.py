"""The HA's distance against the MAP's (lesson 18): the link delay the learner changes,
the compare view the lesson opens, and the numbers read off both modes.

RFC 5380 s.1 argues for a local anchor with the round trip to a distant HA; s.3 adds
that a mobile node whose HA is near the visited network may as well use plain Mobile
IPv6. To let a student find that break-even from their own runs, a lesson needs:

- ``{ set_link = "HA", to = "R1", delay_ms = 40 }``: the teacher control that changes a
  link's one-way delay (the properties panel in the window);
- ``{ compare = true }``: in the window, opens the side-by-side compare view (View >
  Compare), which replays the run's actions in both modes; headless nothing is shown;
- numeric questions on both modes: ``hmipv6_latency_ms`` and ``mipv6_latency_ms``, the
  latency of the step's last handover when the run's actions are replayed in that mode
  (what the compare view's bars show, computed headless the same way:
  :func:`hmipviz.compare.run_actions`), ``latency_gap_ms`` (Mobile IPv6's minus
  HMIPv6's) and ``break_even_ha_delay_ms``, the delay of the HA's link at which the two
  would be equal: each millisecond added to it adds two to Mobile IPv6's handover (the
  BU and the BA each cross it once) and nothing to an intra-MAP one.

The actions replayed are the driver's: :class:`hmipviz.lesson.run.SimDriver` logs them,
the window's driver reads them from its controller's time line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hmipviz import compare
from hmipviz.lesson import fields as lf
from hmipviz.lesson.checks import Window
from hmipviz.lesson.measures import MEASURES
from hmipviz.report import HandoverFigures

if TYPE_CHECKING:
    from hmipviz.lesson.session import LessonRun

SET_LINK = "set_link"
RUN_ON_S = 2.0  # how far past now both modes are replayed for a measure
COMPARE = "compare"


def _need_true(value: Any, scope: lf.Scope) -> bool:
    if lf.boolean(value, scope):
        return True
    raise lf.Bad("takes true")


HEADS: dict[str, lf.Convert] = {SET_LINK: lf.node(), COMPARE: _need_true}
PARAMS: dict[str, dict[str, lf.Convert]] = {
    SET_LINK: {"to": lf.node(), "delay_ms": lf.number(0.0, hi=10_000.0)},
}


def missing(verb: str, action: Any, scenario: Any) -> str | None:
    """What a parsed ``set_link`` lacks or gets wrong (None: fine)."""
    if verb != SET_LINK:
        return None
    if action.get("to") is None or action.get("delay_ms") is None:
        return 'set_link: give "to" (the node at the link\'s other end) and "delay_ms"'
    if scenario is not None and not any(
            {link.a, link.b} == {action.value, action.get("to")} for link in scenario.links):
        return f"set_link: there is no link between {action.value} and {action.get('to')}"
    return None


def log_action(actions: list[compare.DemoAction], t: float, verb: str, *args: Any) -> None:
    """What the headless driver did, as the compare view's typed actions."""
    if verb == "move":
        actions.append(compare.MoveMN(t, args[0]))
    elif verb == "fail":
        actions.append(compare.FailNode(t, args[0]))
    elif verb == "restore":
        actions.append(compare.RestoreNode(t, args[0]))
    elif verb == "set_map_option":
        actions.append(compare.SetMapOption(t, *args))
    elif verb == "set_link":
        actions.append(compare.SetLink(t, args[0], args[1], args[2], args[3]))
    elif verb == "flows":
        actions.append(compare.SetFlow(t, args[0]))


# --- the numbers ------------------------------------------------------------------------------
def _step_handover_ms(run: LessonRun, mode: str) -> float | None:
    """The latency, in ms, of the last handover completed in this step when the run's
    actions are replayed in ``mode``."""
    h = _step_handover(run, mode)
    return None if h is None or h.latency_s is None else h.latency_s * 1000.0


def _step_lost(run: LessonRun, mode: str) -> float | None:
    """The data packets that handover lost in ``mode`` (as the compare view counts)."""
    h = _step_handover(run, mode)
    return None if h is None else float(h.packets_lost)


def _step_handover(run: LessonRun, mode: str) -> HandoverFigures | None:
    """The last handover completed in this step when the run's actions are replayed in
    ``mode`` (cached: a step's questions ask for the same replay)."""
    sim = run.sim
    actions: Sequence[compare.DemoAction] = run.driver.demo_actions()
    key = (mode, tuple(actions), sim.now, id(run.lesson))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached[0]
    start_t = sim.trace[run.mark].t if run.mark < len(sim.trace) else sim.now
    # on past now: the other mode's handover may end later than this run's did (the
    # compare view plays both on to the end)
    trace = compare.run_actions(run.lesson.scenario, mode, actions,
                                until_s=sim.now + RUN_ON_S)
    mn = lf.Scope.of(run.lesson.scenario).mn
    tally = compare.RunTally(trace, mn, compare.node_targets(run.lesson.scenario.nodes))
    done = [h for h in tally.upto(len(trace) - 1).handovers()
            if h.latency_s is not None and h.start_s >= start_t - 1e-9 and h.from_ar]
    value = done[-1] if done else None
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (value,)
    return value


_CACHE: dict[tuple, tuple[HandoverFigures | None]] = {}


def _ha_link_ms(run: LessonRun) -> float | None:
    sim = run.sim
    scenario = run.lesson.scenario
    ha = scenario.node(lf.Scope.of(scenario).mn).home_agent
    links = [link for link in sim.topology.links() if ha in (link.a, link.b)]
    return links[0].delay_ms if links else None


def _gap(run: LessonRun) -> float | None:
    m, h = _step_handover_ms(run, "mipv6"), _step_handover_ms(run, "hmipv6")
    return None if m is None or h is None else m - h


def _break_even(run: LessonRun) -> float | None:
    gap, d = _gap(run), _ha_link_ms(run)
    return None if gap is None or d is None else d - gap / 2.0


RUN_MEASURES: dict[str, tuple[str, Callable[[LessonRun], float | None]]] = {
    "hmipv6_latency_ms": ("the latency of this step's last handover with HMIPv6, in ms "
                          "(the run's actions replayed, as the compare view does)",
                          lambda r: _step_handover_ms(r, "hmipv6")),
    "mipv6_latency_ms": ("the latency of this step's last handover with Mobile IPv6, in "
                         "ms (the run's actions replayed, as the compare view does)",
                         lambda r: _step_handover_ms(r, "mipv6")),
    "hmipv6_packets_lost": ("the data packets this step's last handover lost with "
                            "HMIPv6 (the run's actions replayed)",
                            lambda r: _step_lost(r, "hmipv6")),
    "mipv6_packets_lost": ("the data packets this step's last handover lost with Mobile "
                           "IPv6 (the run's actions replayed)",
                           lambda r: _step_lost(r, "mipv6")),
    "latency_gap_ms": ("Mobile IPv6's latency minus HMIPv6's for this step's last "
                       "handover, in ms", _gap),
    "break_even_ha_delay_ms": ("the one-way delay of the HA's link, in ms, at which "
                               "Mobile IPv6's handover would take as long as HMIPv6's",
                               _break_even),
}


def _window_only(_w: Window) -> float | None:
    return None  # these need the run (its driver's actions): LessonRun.measured asks


for _name, (_words, _fn) in RUN_MEASURES.items():
    MEASURES.setdefault(_name, (_words, _window_only))


def measure(run: LessonRun, name: str) -> float | None:
    return RUN_MEASURES[name][1](run)


__all__ = ["SET_LINK", "COMPARE", "HEADS", "PARAMS", "RUN_MEASURES", "missing",
           "log_action", "measure"]
