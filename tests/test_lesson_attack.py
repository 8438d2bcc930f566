"""The attacker's action (``inject_bu``, lesson 9): the crafted local BU's bytes, the
headless API, the step it passes, what a wrong field does, and the summary's record
of who did each step."""

from __future__ import annotations

import pytest

from hmipviz.lesson import LessonError, LessonRun, attack, load_lesson, verify_mutations
from hmipviz.lesson.format import parse_action
from hmipviz.lesson_policy import summary_markdown

# lesson 9's EVE packet as it was written by hand before the attacker's control:
# EVE -> MAP1, HAO 2001:db8:100::a, BU seq 100, A and M, lifetime 150 x 4 s
HAND_HEX = ("6000000000283c4020010db800660000000000000000000e20010db80100000000000000"
            "00000001870201020000c91020010db801000000000000000000000a3b010500d7ed0064"
            "8800009601020000")


@pytest.fixture(scope="module")
def lesson9():
    return load_lesson("9")


def _at_step_2(lesson):
    run = LessonRun(lesson)
    assert run.apply_solution().passed and run.advance()
    return run


def test_the_crafted_bu_is_the_packet_written_by_hand(lesson9):
    run = _at_step_2(lesson9)
    action = parse_action({"inject_bu": "EVE", "map": "MAP1", "home": "rcoa", "seq": 100},
                          lesson9)
    assert attack.packet_bytes(run.sim, action).hex() == HAND_HEX


def test_the_headless_api_passes_step_2_done_by_the_learner(lesson9):
    run = _at_step_2(lesson9)
    run.inject_bu("EVE", map="MAP1", home="2001:db8:100::a", seq=100)
    assert run.play().passed
    assert run.summary().shown == ()
    assert "\u2713 2. EVE sends a local BU for the MN's RCoA: done\n" in \
        summary_markdown(lesson9, run)


def test_a_stale_sequence_number_is_refused_and_the_step_stays_open(lesson9):
    run = _at_step_2(lesson9)
    run.inject_bu("EVE", map="MAP1", home="rcoa", seq=1)
    assert not run.play(limit_s=1).passed
    assert run.blocked() is None  # still passable: send again with a newer number
    refused = [e for e in run.sim.trace[run.mark:]
               if getattr(e, "kind", "") == "local BA" and getattr(e, "to_node", "") == "AR1"]
    assert refused  # MAP1's BA (status 135) goes back towards EVE
    run.inject_bu("EVE", map="MAP1", home="rcoa", seq=100)
    assert run.play().passed


def test_show_me_is_recorded_in_the_summary(lesson9):
    run = LessonRun(lesson9)
    assert run.show_me().passed
    assert run.summary().shown == (0,)
    assert "\u25d0 1. The MN registers: done with Show me" in summary_markdown(lesson9, run)
    assert run.progress().shown == (0,)


def test_bad_attacker_fields_are_named(lesson9):
    run = _at_step_2(lesson9)
    with pytest.raises(LessonError, match='missing "home"'):
        run.inject_bu("EVE", map="MAP1", seq=100)
    with pytest.raises(LessonError, match="is the MN"):
        run.inject_bu("MN", map="MAP1", home="rcoa")
    with pytest.raises(LessonError, match="seq"):
        run.inject_bu("EVE", map="MAP1", home="rcoa", seq=70000)
    with pytest.raises(attack.AttackError, match="no security association"):
        run.inject_bu("EVE", map="MAP1", home="rcoa", sa="MN")  # lesson 9 runs without ESP


def test_a_lent_sa_binds_the_mns_own_rcoa_but_not_another(lesson9):
    """With the MN's SA (lesson 14's attacker) MAP1 takes a BU for the SA's own RCoA
    and drops one for another RCoA (RFC 5380 s.12.1: the SA is for the RCoA)."""
    run = LessonRun(lesson9)
    run.act(reset=True, security="esp")
    assert run.play(limit_s=3).passed
    mark = len(run.sim.trace)
    run.inject_bu("EVE", map="MAP1", home="2001:db8:100::b", seq=100, sa="MN")
    run.act(run_for_s=0.5)
    assert any(getattr(e, "node", "") == "MAP1" and type(e).__name__ == "PacketDropped"
               for e in run.sim.trace[mark:])
    caches = run.sim.binding_caches()["MAP1"]
    assert all(str(e.home_address) != "2001:db8:100::b" for e in caches)
    run.inject_bu("EVE", map="MAP1", home="rcoa", seq=100, sa="MN")
    run.act(run_for_s=0.5)
    caches = run.sim.binding_caches()["MAP1"]
    assert any(str(e.care_of_address) == "2001:db8:66::e" for e in caches)


def test_the_attackers_slips_leave_step_2_passable(lesson9):
    out = [o for o in verify_mutations(lesson9, ("attacker's slip",), retry="none")
           if o.step == 1]
    assert {o.mutation.label: o.verdict for o in out} == {
        "sequence number 1 instead of 100": "recoverable",
        "EVE's own address instead of rcoa": "recoverable",
    }


def test_can_it_still_pass_when_the_mn_has_no_rcoa_says_nothing_instead_of_failing(lesson9):
    """Found by the 30-minute soak: on the attacker's step, with the network restarted
    (the MN has no RCoA yet), the window's look-ahead applied EVE's BU, whose target
    address did not exist, and the look-ahead failed with an AttackError."""
    run = _at_step_2(lesson9)
    run.act(reset=True)
    assert run.blocked() is None  # cannot tell: no claim, and no exception
