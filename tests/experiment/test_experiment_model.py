"""The closed-form model agrees with the simulator within 1 ms on ha-distance's
deterministic topologies (ten MNs each), and each handover kind of every MN sends the HA
the BUs RFC 5380 says."""

from __future__ import annotations

import pytest

from hmipviz.experiment.runner import execute, tasks
from hmipviz.experiment.spec import load_experiment


@pytest.fixture(scope="module")
def ha_distance_runs():
    """ha-distance's nearest and farthest HA, both modes, seed 1 (its RAs are answered
    after a random 0..50 ms, so the model takes each answer delay from the trace)."""
    spec = load_experiment("ha-distance")
    chosen = [t for t in tasks(spec) if t.seed == 1
              and dict(t.parameters)["link.HA-R.delay_ms"] in (5, 200)]
    assert len(chosen) == 4
    return [execute(t) for t in chosen]


def _moves(result):
    return [h for h in result["handovers"] if h["kind"] != "initial"]


def test_model_and_measurement_agree_within_1_ms_on_ha_distance(ha_distance_runs):
    checked = 0
    for result in ha_distance_runs:
        assert result["internal_errors"] == 0
        for h in result["handovers"]:
            assert h["model_latency_ms"] is not None, h
            assert abs(h["model_latency_ms"] - h["latency_ms"]) < 1.0, (result["parameters"], h)
            checked += 1
        # the RA answer delays really varied: the trace term is not a constant
        assert len({h["ra_answer_ms"] for h in result["handovers"]}) > 1
    assert checked == 4 * 10 * 9  # ten MNs: the first attachment and 8 moves each


def test_bus_reaching_the_ha_per_handover(ha_distance_runs):
    for result in ha_distance_runs:
        moves = _moves(result)
        assert {h["mn"] for h in moves} == {f"MN{k}" for k in range(1, 11)}
        assert {m["mn"]: m["moves"] for m in result["mns"]} == \
            {f"MN{k}": 8 for k in range(1, 11)}
        kinds = {h["kind"] for h in moves}
        if result["mode"] == "hmipv6":
            assert kinds == {"intra-MAP", "inter-MAP"}
            for h in moves:
                assert h["ha_bus"] == (0 if h["kind"] == "intra-MAP" else 1), h
        else:
            assert kinds == {"mipv6"}
            assert [h["ha_bus"] for h in moves] == [1] * len(moves)


def test_the_closed_form_with_no_ra_delay(write_experiment):
    # max_ra_delay_s = 0: every term is fixed, so the latencies are the formulas of
    # docs/experiments.md with the grid generator's delays (access 2 ms, AR-MAP 2 ms,
    # MAP-R 10 ms, L2 switch 50 ms) and HA-R 200 ms:
    #   intra-MAP  50 + 2*2 + 2*(2+2)                       = 62 ms
    #   inter-MAP  62 + 2*(2+2+10+200)                      = 490 ms
    #   mipv6      50 + 2*2 + 2*(2+2+10+200)                = 482 ms
    spec = load_experiment(write_experiment('''
        [experiment]
        base = { generator = "grid", maps = 2, ars_per_map = 2, move_interval_s = 2 }
        [set]
        protocol.max_ra_delay_s = 0
        link."HA-R".delay_ms = 200
        [grid]
        mode = ["mipv6", "hmipv6"]
        '''))
    expected = {"intra-MAP": 62.0, "inter-MAP": 490.0, "mipv6": 482.0}
    seen = set()
    for task in tasks(spec):
        for h in _moves(execute(task)):
            seen.add(h["kind"])
            assert h["ra_answer_ms"] == 0
            assert abs(h["latency_ms"] - expected[h["kind"]]) < 1.0, h
            assert abs(h["model_latency_ms"] - expected[h["kind"]]) < 1e-6, h
    assert seen == set(expected)


def test_many_mns_every_member_hands_over_and_the_ha_counts_its_bus(write_experiment):
    # 30 MNs, deterministic: per MN, one home BU per attachment in Mobile IPv6; in HMIPv6
    # one only for the first registration and the inter-MAP move; the MAPs get a local BU
    # per attachment plus, at the inter-MAP move, the forwarding BU to the previous MAP
    # (RFC 5380 s.8)
    spec = load_experiment(write_experiment('''
        [experiment]
        base = { generator = "grid", maps = 2, ars_per_map = 2, flow_interval_ms = 500 }
        [set]
        protocol.max_ra_delay_s = 0
        generator.move_interval_s = 1
        mn_group.count = 30
        [grid]
        mode = ["mipv6", "hmipv6"]
        '''))
    for task in tasks(spec):
        result = execute(task)
        assert result["internal_errors"] == 0
        per_mn = {m["mn"]: m for m in result["mns"]}
        assert len(per_mn) == 30 and all(m["moves"] == 3 for m in per_mn.values())
        home = [m["ha_bus"] for m in per_mn.values()]
        local = [m["map_bus"] for m in per_mn.values()]
        if result["mode"] == "mipv6":
            assert home == [4] * 30 and local == [0] * 30
        else:
            assert home == [2] * 30 and local == [5] * 30
        assert result["metrics"]["mns"] == 30
        ha = next(s for s in result["signalling"] if s["role"] == "HA")
        assert ha["messages"] == sum(home)
        assert result["metrics"]["ha_messages_per_mn_s"] == \
            round(ha["messages"] / result["duration_s"] / 30, 6)
        for h in _moves(result):
            assert abs(h["model_latency_ms"] - h["latency_ms"]) < 1.0, h
