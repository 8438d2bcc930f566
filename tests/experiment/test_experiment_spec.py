"""Experiment files: every problem is reported with file, line and key; grids expand
to every combination in file order."""

from __future__ import annotations

import pytest

from hmipviz.experiment.document import set_path, to_toml
from hmipviz.experiment.generate import generate
from hmipviz.experiment.runner import tasks
from hmipviz.experiment.spec import (
    ExperimentError,
    builtin_experiments,
    load_experiment,
    scenario_document,
)


def errors(path) -> list[str]:
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    return info.value.messages


def test_every_problem_is_reported_with_its_line_and_key(write_experiment):
    path = write_experiment('''
        [experiment]
        name = "bad"
        base = { generator = "grid", maps = 2, ars_per_map = 2 }
        seeds = [1, 1]
        metrics = ["latency_ms_median", "latncy"]
        colour = "red"

        [set]
        protocol.l2_switch_msx = 20

        [grid]
        mode = ["mipv6", "hmipv7"]
        link."HA-Q".delay_ms = [5, 10]
        generator.ars_per_map = [1, 0]
        ''')
    got = errors(path)
    assert got == [
        f"{path}:4: [experiment]: seeds must not repeat a seed",
        f'{path}:5: [experiment]: unknown metric "latncy" (did you mean "latency_ms_p95"?) '
        "(metrics: moves, latency_ms_median, latency_ms_p95, latency_ms_mean, "
        "model_latency_ms_median, lost_per_handover, ha_bus_per_handover, ha_messages_per_s, "
        "ha_bytes_per_s, map_messages_per_s, map_bytes_per_s, cn_messages_per_s, "
        "cn_bytes_per_s, mns, ha_messages_per_mn_s, map_messages_per_mn_s, "
        "map_max_messages_per_s)",
        f'{path}:6: [experiment]: unknown key "colour"',
        f'{path}:9: [set]: protocol.l2_switch_msx = 20: [protocol]: unknown key '
        '"l2_switch_msx" (did you mean "l2_switch_ms"?)',
        f'{path}:12: [grid]: mode = "hmipv7": [scenario]: mode must be one of hmipv6, mipv6, '
        'not "hmipv7" (did you mean "hmipv6"?)',
        f'{path}:13: [grid]: link.HA-Q.delay_ms = 5: no [[link]] named "HA-Q" in the base '
        "scenario (there are: HA-R, CN-R, R-MAP1, MAP1-AR1.1, MAP1-AR1.2, R-MAP2, "
        "MAP2-AR2.1, MAP2-AR2.2)",
        f"{path}:14: [grid]: generator.ars_per_map = 0: ars_per_map must be at least 1, not 0",
    ]


def test_a_value_the_scenario_refuses_is_reported_at_its_grid_line(write_experiment):
    path = write_experiment('''
        [experiment]
        base = "figure1"
        seeds = 2

        [grid]
        link."HA-R".delay_ms = [5, -1]
        generator.maps = [1]
        ''')
    assert errors(path) == [
        f'{path}:6: [grid]: link.HA-R.delay_ms = -1: link "HA"-"R": delay_ms must be at '
        "least 0, not -1",
        f"{path}:7: [grid]: generator.maps: the base is a scenario, not a generator",
    ]


def test_mn_group_count_with_a_generator_base_is_the_generators_mns(write_experiment):
    # the generator writes each member's tour, so the count goes to it, not into the
    # finished document (where members 4..10 would have no moves)
    spec = load_experiment(write_experiment('''
        [experiment]
        base = { generator = "grid", maps = 2, ars_per_map = 2 }
        [grid]
        mn_group.count = [3, 10]
        '''))
    for point, count in zip(spec.points(), (3, 10), strict=True):
        doc = scenario_document(spec.base, spec.overrides(point))
        assert doc["mn_group"][0]["count"] == count
        movers = {m["mn"] for m in doc["move"]}
        assert movers == {f"MN{k}" for k in range(1, count + 1)}
        # every member tours the three other ARs, its moves staggered after member 1's
        first = sorted(m["at_s"] for m in doc["move"] if m["mn"] == "MN1")
        last = sorted(m["at_s"] for m in doc["move"] if m["mn"] == f"MN{count}")
        assert len(first) == len(last) == 3 and first[0] < last[0] < first[1]
        assert doc["mn_group"][0]["flow"]["from"] == "CN"


def test_mn_group_count_with_a_scenario_base_edits_its_group(write_experiment):
    spec = load_experiment(write_experiment('''
        [experiment]
        base = "campus"
        [grid]
        mn_group.count = [2, 30]
        '''))
    counts = [scenario_document(spec.base, spec.overrides(p))["mn_group"][0]["count"]
              for p in spec.points()]
    assert counts == [2, 30]


@pytest.mark.parametrize("text, expected", [
    ('[experiment]\nseeds = 2\n', '1: [experiment]: missing required key "base"'),
    ('[experiment]\nbase = "nosuch"\n', '2: [experiment]: base "nosuch" is no built-in'),
    ('[experiment]\nbase = "missing.toml"\n', "2: [experiment]: base: no such scenario file"),
    ('[experiment]\nbase = { generator = "grid", mns = 0 }\n',
     "2: [experiment]: base: mns must be at least 1"),
    ('[experiment]\nbase = { generator = "grid", mns = 2, stagger = 1 }\n',
     "2: [experiment]: base: stagger must be below 1"),
    ('[experiment]\nbase = { generator = "ring" }\n',
     '2: [experiment]: base: unknown generator "ring"'),
    ('[experiment]\nbase = "figure1"\nseeds = 0\n', "3: [experiment]: seeds as a count"),
    ('[experiment]\nbase = "figure1"\nduration_s = -3\n', "3: [experiment]: duration_s must"),
    ('[experiment]\nbase = "figure1"\n[grid]\nmode = "hmipv6"\n',
     "4: [grid]: mode must be a non-empty array"),
    ('[experiment]\nbase = "figure1"\n[grid]\nseed = [1, 2]\n',
     "4: [grid]: seed: the seed is set by [experiment] seeds"),
    ('[experiment]\nbase = "figure1"\n[grid]\nmode = ["hmipv6", "hmipv6"]\n',
     "4: [grid]: mode repeats a value"),
    ('[experiment]\nbase = "figure1"\n[grids]\n', '3: unknown key "grids"'),
    ('[experiment]\nbase = "figure1"\n[grid\n', "3: TOML syntax error"),
])
def test_single_problems(write_experiment, text, expected):
    path = write_experiment(text)
    got = errors(path)
    assert len(got) == 1 and got[0].startswith(f"{path}:{expected}"), got


def test_a_base_file_is_found_beside_the_experiment(write_experiment, tmp_path):
    doc = generate("grid", {"maps": 1, "ars_per_map": 2})
    (tmp_path / "net.toml").write_text(to_toml(doc), "utf-8")
    spec = load_experiment(write_experiment('''
        [experiment]
        base = "net.toml"
        [grid]
        node.MN.attach = ["AR1.1", "AR1.2"]
        '''))
    assert [t.parameters for t in tasks(spec)] == [(("node.MN.attach", "AR1.1"),),
                                                  (("node.MN.attach", "AR1.2"),)]


def test_the_grid_expands_to_every_combination_times_every_seed(write_experiment):
    spec = load_experiment(write_experiment('''
        [experiment]
        base = { generator = "grid" }
        seeds = [7, 9]
        duration_s = 30
        [set]
        protocol.max_ra_delay_s = 0
        [grid]
        mode = ["mipv6", "hmipv6"]
        link."HA-R".delay_ms = [5, 50, 200]
        generator.ars_per_map = [1, 3]
        '''))
    assert len(spec.points()) == 12
    todo = tasks(spec)
    assert len(todo) == 24 and len({t.key for t in todo}) == 24
    assert [t.seed for t in todo[:4]] == [7, 9, 7, 9]
    assert dict(todo[0].parameters) == {"mode": "mipv6", "link.HA-R.delay_ms": 5,
                                         "generator.ars_per_map": 1}
    assert dict(todo[-1].parameters) == {"mode": "hmipv6", "link.HA-R.delay_ms": 200,
                                         "generator.ars_per_map": 3}
    # the duration first, then [set], then the grid point, in file order
    assert todo[3].overrides == (
        (("scenario", "duration_s"), 30.0), (("protocol", "max_ra_delay_s"), 0),
        (("mode",), "mipv6"), (("link", "HA-R", "delay_ms"), 5),
        (("generator", "ars_per_map"), 3))


def test_set_path_edits_tables_arrays_by_name_and_the_only_table_of_an_array():
    doc = generate("grid", {"maps": 1, "ars_per_map": 1})
    set_path(doc, ("link", "R-HA", "delay_ms"), 77.0)  # either order names a link
    set_path(doc, ("node", "MN", "attach"), "AR1.1")
    set_path(doc, ("flow", "interval_ms"), 20.0)  # the only [[flow]]
    set_path(doc, ("protocol", "l2_switch_ms"), 10.0)  # a new table
    set_path(doc, ("mode",), "mipv6")
    assert next(link for link in doc["link"] if link["a"] == "HA")["delay_ms"] == 77.0
    assert doc["flow"][0]["interval_ms"] == 20.0
    assert doc["protocol"] == {"l2_switch_ms": 10.0}
    assert doc["scenario"]["mode"] == "mipv6"


def test_the_built_in_experiments_are_valid_and_listed():
    names = builtin_experiments()
    assert set(names) == {"ha-distance", "domain-size", "many-mns"}
    ha = load_experiment("ha-distance")
    assert [a.name for a in ha.axes] == ["mode", "link.HA-R.delay_ms"]
    assert ha.axes[1].values == (5, 10, 20, 50, 100, 200)
    assert ha.fixed == ((("mn_group", "count"), 10),)
    many = load_experiment("many-mns")
    assert [a.name for a in many.axes] == ["mode", "mn_group.count"]
    assert many.axes[1].values[0] == 1 and many.axes[1].values[-1] == 200
    size = load_experiment("domain-size")
    assert size.axes[1].values == (1, 2, 4, 8, 16)
