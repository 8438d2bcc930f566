"""What a prompt student sees in lessons 1 and 5 (issue 14, item 4): played as the window
plays them, each step starting the instant the previous one was done, the 20 ms stream
loses packets in both modes of lesson 1 (Mobile IPv6 more), and in lesson 5 the previous
MAP forwards packets and the rate limit the text explains holds a BU back."""

from __future__ import annotations

from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.lesson import LessonRun, load_lesson
from hmipviz.wire.codec import decode


def played(name: str) -> tuple[LessonRun, list[list]]:
    """Play every step's solution as a prompt student; the events of each step."""
    lesson = load_lesson(name)
    run = LessonRun(lesson)
    steps = []
    for i in range(len(lesson.steps)):
        mark = 0 if any(a.verb == "reset" for a in run.step.solution) else run.mark
        assert run.apply_solution(settle=True).passed, lesson.steps[i].title
        steps.append(list(run.sim.trace[mark:]))
        if i + 1 < len(lesson.steps):
            assert run.advance()
    return run, steps


def data_dropped(events) -> list[PacketDropped]:
    return [e for e in events if isinstance(e, PacketDropped) and e.kind == "data"]


def test_lesson_1_loses_packets_in_both_modes_and_more_with_mobile_ipv6():
    _, steps = played("01-why-local-anchor")
    hmip_back, mip_there, mip_back = steps[2], steps[4], steps[5]
    lost_hmip = data_dropped(hmip_back)
    lost_mip = data_dropped(mip_back)
    # the AR the MN left drops them, in both modes
    assert {e.node for e in lost_hmip} == {"AR2"} and {e.node for e in lost_mip} == {"AR2"}
    assert 1 <= len(lost_hmip) <= 6
    assert len(lost_mip) >= 10 and len(lost_mip) >= 3 * len(lost_hmip)
    assert len(data_dropped(mip_there)) >= 10


def test_lesson_5_previous_map_forwards_and_the_rate_limit_shows():
    run, steps = played("05-inter-map")
    map1 = run.sim.scenario.node("MAP1").address
    crossing = steps[2]
    forwarded = [e for e in crossing if isinstance(e, PacketSent) and e.kind == "data"
                 and e.node == "AR3" and e.to_node == "MN" and decode(e.data).src == map1]
    assert forwarded, "no packet forwarded by the previous MAP reached the MN"
    # the refused crossing back: the local BU to MAP1 waits for MAX_UPDATE_RATE, as the
    # step's text says, and the datagrams MAP2 still tunnels to AR4 are lost meanwhile
    back = steps[4]
    held = [e for e in back if isinstance(e, PacketSent) and e.origin and e.node == "MN"
            and e.kind == "local BU" and "held back by MAX_UPDATE_RATE" in e.summary]
    assert held
    lost = data_dropped(back)
    assert {e.node for e in lost} == {"AR4"} and len(lost) >= 20
