"""hmipviz.compare: the same actions in both modes, and counters that equal the traces'."""

import pytest

from hmipviz import compare as cmp
from hmipviz import report
from hmipviz.engine.events import LinkChanged, NodeStatus, PacketReceived, PacketSent
from hmipviz.scenario import load_scenario
from hmipviz.timeline import FlowSetting, LinkSetting, Placement, Timeline, UserAction

# which message kinds each role is the destination of, spelt out here independently of
# report.SIGNALLING_TARGET
DESTINATION_KINDS = {"ha": {"BU to HA"}, "map": {"local BU"},
                     "cn": {"BU to CN", "HoTI", "CoTI"}}
ACTIONS = (cmp.MoveMN(3.0, "AR2", (400.0, 500.0)),)


def mn_of(sc):
    return sc.nodes_with_role("mn")[0].name


def counted_by_hand(trace, sc):
    """Per role: (messages, bytes) of the signalling received by nodes of that role, the
    bytes being those of the hop that delivered the packet to that node."""
    out = {}
    for role, kinds in DESTINATION_KINDS.items():
        names = {n.name for n in sc.nodes_with_role(role)}
        messages = byte_count = 0
        for i, e in enumerate(trace):
            if isinstance(e, PacketReceived) and e.node in names and e.kind in kinds:
                hop = next(s for s in reversed(trace[:i]) if isinstance(s, PacketSent)
                           and s.packet_id == e.packet_id and s.to_node == e.node)
                messages += 1
                byte_count += len(hop.data)
        out[role.upper()] = (messages, byte_count)
    return out


@pytest.mark.parametrize("name", ["figure1", "two-domains"])
def test_counters_equal_counts_made_from_the_traces(name):
    sc = load_scenario(name)
    targets = cmp.node_targets(sc.nodes)
    seen = {}
    for mode in cmp.MODES:
        trace = cmp.run_actions(sc, mode, ACTIONS)
        got = cmp.counters(trace, mn_of(sc), targets)
        assert got == counted_by_hand(trace, sc)
        seen[mode] = got
        # and at an earlier position: only what had arrived by then
        k = max(i for i, e in enumerate(trace) if e.t <= 3.5)
        assert cmp.RunTally(trace, mn_of(sc), targets).upto(k).counters() == \
            counted_by_hand(trace[:k + 1], sc)
    # the point of HMIPv6: the HA hears less, the MAP absorbs the local moves
    assert seen["hmipv6"]["HA"][0] < seen["mipv6"]["HA"][0]
    assert seen["hmipv6"]["MAP"][0] > 0 == seen["mipv6"]["MAP"][0]


@pytest.mark.parametrize("name", ["figure1", "two-domains"])
def test_both_modes_replay_the_same_actions_at_the_same_times(name):
    sc = load_scenario(name)
    actions = ACTIONS + (cmp.FailNode(4.0, "CN"), cmp.RestoreNode(4.5, "CN"))
    links = {}
    for mode in cmp.MODES:
        trace = cmp.run_actions(sc, mode, actions)
        links[mode] = [(e.t, e.ar, e.up) for e in trace
                       if isinstance(e, LinkChanged) and e.node == mn_of(sc)]
        # the drag: the link goes down at 3 s, comes up on AR2 after the L2 switch
        down = next(x for x in links[mode] if x[0] >= 3.0 - 1e-9)
        assert down == (pytest.approx(3.0), None, False)
        status = [(e.t, e.up) for e in trace if isinstance(e, NodeStatus) and e.node == "CN"]
        assert status == [(pytest.approx(4.0), False), (pytest.approx(4.5), True)]
        assert trace[-1].t <= cmp.run_end_s(sc.duration_s, actions)
    assert links["hmipv6"] == links["mipv6"]


def test_the_tally_folds_on_and_starts_again_after_a_step_back():
    sc = load_scenario("two-domains")
    trace = cmp.run_actions(sc, "hmipv6", ())
    targets = cmp.node_targets(sc.nodes)
    tally = cmp.RunTally(trace, mn_of(sc), targets)
    for k in (50, 400, 120, len(trace) - 1, 10):
        fresh = cmp.RunTally(trace, mn_of(sc), targets).upto(k)
        assert tally.upto(k).counters() == fresh.counters()
        assert tally.handovers() == fresh.handovers()


def test_handover_pairs_carry_each_modes_figures():
    sc = load_scenario("figure1")
    figures = {m: report.handovers(cmp.run_actions(sc, m, ACTIONS), mn_of(sc))
               for m in cmp.MODES}
    pairs = cmp.handover_pairs(figures)
    assert [p.to_ar for p in pairs] == ["AR1", "AR2"]
    assert pairs[0].label() == "initial"
    assert pairs[1].kinds == {"hmipv6": "intra-MAP", "mipv6": "mipv6"}
    assert pairs[1].label() == "3.0 s \u2192 AR2"
    for m in cmp.MODES:
        assert [p.latency_ms[m] for p in pairs] == \
            [h.latency_s * 1000 for h in figures[m]]
        assert [p.packets_lost[m] for p in pairs] == [h.packets_lost for h in figures[m]]
    # an intra-MAP move answers at the MAP, sooner than the HA's BA in Mobile IPv6
    assert pairs[1].latency_ms["hmipv6"] < pairs[1].latency_ms["mipv6"]


def test_an_unfinished_handover_has_no_figures_yet():
    sc = load_scenario("figure1")
    trace = cmp.run_actions(sc, "mipv6", ACTIONS)
    k = max(i for i, e in enumerate(trace) if e.t <= 3.08)  # the BU is on its way
    hs = cmp.RunTally(trace, mn_of(sc), cmp.node_targets(sc.nodes)).upto(k).handovers()
    pairs = cmp.handover_pairs({"mipv6": hs, "hmipv6": []})
    assert pairs[1].latency_ms == {"mipv6": None, "hmipv6": None}
    assert pairs[1].packets_lost == {"mipv6": None, "hmipv6": None}


def test_demo_actions_are_read_back_from_a_timeline_in_the_order_applied():
    tl = Timeline([], "MN")
    tl.add_teacher_change(FlowSetting(-1, 0.0, True))  # the scenario's own: not an action
    tl.add_teacher_change(LinkSetting(-1, 0.0, "R", "MAP1", 10.0, 0.0))
    # the MN's access link, noted with the settings: not the teacher's
    tl.add_teacher_change(LinkSetting(12, 2.0, "AR1", "MN", 2.0, 0.0))
    tl.add_placement(Placement(10, 2.0, "AR2", (1.0, 2.0)))
    tl.add_action(UserAction(10, 2.0, "move", "AR2"))
    tl.add_teacher_change(LinkSetting(12, 2.0, "R", "MAP1", 50.0, 0.1))
    tl.add_action(UserAction(30, 5.0, "fail", "MAP1"))
    tl.add_teacher_change(FlowSetting(20, 4.0, False))
    tl.add_placement(Placement(40, 6.0, None, (9.0, 9.0)))
    tl.add_action(UserAction(40, 6.0, "move", None))
    assert cmp.demo_actions(tl) == (
        cmp.MoveMN(2.0, "AR2", (1.0, 2.0)), cmp.SetLink(2.0, "R", "MAP1", 50.0, 0.1),
        cmp.SetFlow(4.0, False), cmp.FailNode(5.0, "MAP1"), cmp.MoveMN(6.0, None, (9.0, 9.0)))


def test_an_unknown_mode_is_named():
    with pytest.raises(ValueError, match="unknown mode 'hmip'"):
        cmp.run_actions(load_scenario("figure1"), "hmip", ())


def test_the_grace_after_the_last_action_is_the_windows():
    from hmipviz.gui.run_history import ACTION_GRACE_S
    assert cmp.ACTION_GRACE_S == ACTION_GRACE_S
    assert cmp.run_end_s(20, ()) == 20.0
    assert cmp.run_end_s(20, (cmp.MoveMN(18.0, "AR2"),)) == 23.0
