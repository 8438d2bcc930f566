"""Scenario files: built-ins load, round trips are exact, and every error is reported
with its file and line."""

from __future__ import annotations

import os
import subprocess
import tempfile
import tomllib
from dataclasses import replace
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmipviz.engine.config import ProtocolConfig
from hmipviz.scenario import (
    MODES,
    ScenarioError,
    builtin_scenarios,
    dump_scenario,
    load_scenario,
    save_scenario,
)
from hmipviz.scenario import dump as scenario_dump
from hmipviz.scenario import limits as scenario_limits
from hmipviz.scenario import load as scenario_load
from hmipviz.scenario.limits import PROTOCOL_RANGES

BUILTINS = ("figure1", "two-domains", "multi-map", "flat", "map-failure", "route-optimisation",
            "hijack", "several-maps", "campus", "commuters")
SEVERAL_MNS = ("campus", "commuters")  # issue 11; every other built-in has one MN
DOC_PREFIX = IPv6Network("2001:db8::/32")

# A small valid scenario; each broken case below edits one line of it.
BASE = """\
[scenario]
description = "test base"
duration_s = 20
[[node]]
name = "HA"
role = "ha"
address = "2001:db8:1::1"
prefix = "2001:db8:1::/64"

[[node]]
name = "CN"
role = "cn"
address = "2001:db8:50::1"
prefix = "2001:db8:50::/64"

[[node]]
name = "MAP1"
role = "map"
address = "2001:db8:100::1"
prefix = "2001:db8:100::/64"

[[node]]
name = "AR1"
role = "ar"
address = "2001:db8:2::1"
prefix = "2001:db8:2::/64"
map_options = [{ map = "MAP1", pref = 10 }]

[[node]]
name = "AR2"
role = "ar"
address = "2001:db8:3::1"
prefix = "2001:db8:3::/64"
map_options = [{ map = "MAP1", pref = 11 }]

[[node]]
name = "MN"
role = "mn"
home_agent = "HA"
home_address = "2001:db8:1::a"
attach = "AR1"

[[link]]
a = "HA"
b = "MAP1"

[[link]]
a = "CN"
b = "MAP1"

[[link]]
a = "MAP1"
b = "AR1"

[[link]]
a = "MAP1"
b = "AR2"

[[move]]
at_s = 5
to = "AR2"

[[flow]]
from = "CN"
to = "MN"
interval_ms = 250

[[inject]]
at_s = 3
from = "CN"
hex = '''
6000 0000 0000 3b40 2001 0db8 0050 0000
0000 0000 0000 0001 2001 0db8 0001 0000
0000 0000 0000 000a
'''

[protocol]
ra_max_interval_s = 1.5
"""


def line_of(text: str, needle: str) -> int:
    """1-based line where ``needle`` starts; the test fails if it is missing."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def write(tmp_path: Path, text: str, name: str = "case.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(source: str | Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(source)
    return caught.value.messages


# --- built-ins ----------------------------------------------------------------------------


def test_builtin_list_names_every_shipped_scenario_with_a_description():
    found = builtin_scenarios()
    assert sorted(found) == sorted(BUILTINS)
    for name, description in found.items():
        assert len(description) > 80, name


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads_and_follows_the_house_rules(name):
    s = load_scenario(name)
    assert s.name == name
    assert s.source == f"builtin:{name}"
    assert s.mode == "hmipv6"
    assert len(s.nodes_with_role("mn")) > 1 if name in SEVERAL_MNS else \
        len(s.nodes_with_role("mn")) == 1
    for node in s.nodes:
        # a group's MNs start where their random walk does
        assert node.position is not None or (node.group and node.mobility), node.name
        for address in (node.address, node.map_address, node.home_address):
            assert address is None or address in DOC_PREFIX, node.name
        assert node.prefix is None or node.prefix.subnet_of(DOC_PREFIX), node.name
    assert s.flows and all(f.kind == "echo" for f in s.flows)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_round_trips_through_dump(name, tmp_path):
    s = load_scenario(name)
    again = load_scenario(write(tmp_path, dump_scenario(s)))
    assert again == s
    assert again.protocol == s.protocol
    # Lines and source are where it was read, not what it is.
    assert again.source != s.source


def test_builtin_prefix_and_plain_name_are_the_same_scenario():
    assert load_scenario("builtin:figure1") == load_scenario("figure1")


def test_figure1_matches_rfc_5380_figure_1():
    s = load_scenario("figure1")
    assert {n.name: n.role for n in s.nodes} == {
        "HA": "ha",
        "CN": "cn",
        "R": "router",
        "MAP1": "map",
        "AR1": "ar",
        "AR2": "ar",
        "MN": "mn",
    }
    assert s.moves == () and s.duration_s == 20 and s.seed == 1
    mn = s.node("MN")
    assert (mn.home_agent, mn.attach, mn.interface_id) == ("HA", "AR1", 0xA)
    assert mn.home_address == IPv6Address("2001:db8:1::a")
    assert s.node("MAP1").valid_onlink_prefixes == (s.node("AR1").prefix, s.node("AR2").prefix)
    for ar in ("AR1", "AR2"):
        (option,) = s.node(ar).map_options
        assert (option.map, option.pref, option.lifetime_s, option.r, option.dist) == (
            "MAP1",
            10,
            600,
            True,
            None,
        )
    delays = {frozenset((link.a, link.b)): link.delay_ms for link in s.links}
    assert delays == {
        frozenset(("HA", "R")): 20,
        frozenset(("CN", "R")): 20,
        frozenset(("R", "MAP1")): 10,
        frozenset(("MAP1", "AR1")): 2,
        frozenset(("MAP1", "AR2")): 2,
    }
    (flow,) = s.flows
    assert (flow.source, flow.destination, flow.start_s, flow.interval_ms) == ("CN", "MN", 2, 250)
    ha, cn, ar1, ar2 = (s.node(n).position for n in ("HA", "CN", "AR1", "AR2"))
    assert ha[0] < cn[0] and ha[1] < ar1[1]
    gap = ar2[0] - ar1[0]
    assert gap < 2 * s.node("AR1").radius < gap * 1.3, "neighbouring cells overlap a little"


def test_multi_map_has_a_pref_zero_option_and_unequal_dists():
    s = load_scenario("multi-map")
    options = [o for ar in s.nodes_with_role("ar") for o in ar.map_options]
    assert any(o.pref == 0 for o in options)
    assert len({o.dist for o in options}) > 1
    assert len(s.nodes_with_role("map")) >= 2 and s.moves


def test_several_maps_binds_a_second_map_for_one_cn():
    s = load_scenario("several-maps")
    mn = s.node("MN")
    assert mn.extra_maps == ("MAP2",) and mn.route_optimization
    assert [(f.source, f.map) for f in s.flows] == [("CN1", None), ("CN2", "MAP2")]
    advertising = [ar.name for ar in s.nodes_with_role("ar")
                   if "MAP2" in {o.map for o in ar.map_options}]
    assert advertising == ["AR1", "AR2"] and [m.to for m in s.moves] == ["AR2", "AR3", "AR2"]


def test_flat_ars_advertise_only_their_own_map():
    s = load_scenario("flat")
    for ar in s.nodes_with_role("ar"):
        assert ar.is_map
        assert [(o.map, o.dist) for o in ar.map_options] == [(ar.name, 1)]


def test_map_failure_fails_the_preferred_map_then_restores_it():
    s = load_scenario("map-failure")
    (fail,), (restore,) = s.fails, s.restores
    options = s.node("AR1").map_options
    preferred = max(options, key=lambda o: o.pref).map
    assert fail.node == restore.node == preferred
    assert fail.at_s < restore.at_s <= s.duration_s
    assert all(o.map for o in s.node("AR2").map_options) and len(options) == 2


# --- the base file and what it reads to ---------------------------------------------------------


def test_base_reads_every_table(tmp_path):
    path = write(tmp_path, BASE)
    s = load_scenario(path)
    assert s.name == "case" and s.source == str(path) and s.mode == "hmipv6"
    assert s.protocol == {"ra_max_interval_s": 1.5}
    mn = s.node("MN")
    assert mn.interface_id == 0xA  # defaults to the home address's low 64 bits
    assert mn.line == line_of(BASE, '[[node]]\nname = "MN"')
    (option,) = s.node("AR1").map_options
    assert (option.pref, option.lifetime_s, option.r, option.dist) == (10, 600, True, None)
    assert option.line == line_of(BASE, '{ map = "MAP1", pref = 10 }')
    (inject,) = s.injects
    assert len(inject.data) == 40 and inject.data[:4] == bytes.fromhex("60000000")
    assert s.moves[0].line == line_of(BASE, "[[move]]")
    (flow,) = s.flows
    assert (flow.kind, flow.start_s, flow.interval_ms, flow.stop_s) == ("echo", 0.0, 250.0, None)
    assert s.node("AR1").radius == 120.0


def test_base_round_trips_with_injects_and_protocol(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    again = load_scenario(write(tmp_path, dump_scenario(s), "again.toml"))
    assert again == s
    assert again.protocol == {"ra_max_interval_s": 1.5}
    assert again.injects[0].data == s.injects[0].data


def test_protocol_difference_makes_scenarios_unequal(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    assert replace(s, protocol={}) != s


def test_interface_id_accepts_an_integer_or_an_address(tmp_path):
    text = BASE.replace('attach = "AR1"', 'attach = "AR1"\ninterface_id = "2001:db8:9:9::1:2"')
    assert load_scenario(write(tmp_path, text)).node("MN").interface_id == 0x10002
    text = BASE.replace('attach = "AR1"', 'attach = "AR1"\ninterface_id = 77')
    assert load_scenario(write(tmp_path, text)).node("MN").interface_id == 77


def test_move_to_none_detaches(tmp_path):
    s = load_scenario(write(tmp_path, BASE.replace('to = "AR2"', 'to = "none"')))
    assert s.moves[0].to is None
    assert 'to = "none"' in dump_scenario(s)


def test_map_options_as_sub_tables_get_their_own_lines(tmp_path):
    text = BASE.replace(
        'map_options = [{ map = "MAP1", pref = 10 }]',
        '[[node.map_options]]\nmap = "MAP1"\n\n[[node.map_options]]\nmap = "MAP7"',
    )
    path = write(tmp_path, text)
    line = line_of(text, 'map = "MAP7"')
    assert errors_of(path) == [
        f'{path}:{line}: node "AR1": map_options refers to unknown MAP "MAP7" '
        '(did you mean "MAP1"?)'
    ]


def test_strings_that_look_like_tables_do_not_shift_lines(tmp_path):
    text = BASE.replace('description = "test base"', 'description = """\n[[node]]\nname = "x"\n"""')
    text = text.replace('attach = "AR1"', 'atach = "AR1"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "atach")}: node "MN": unknown key "atach" (did you mean "attach"?)'
    ]


# --- broken files: exact messages with file and line -------------------------------------------

EXTRA_CN = """
[[node]]
name = "CN"
role = "host"
address = "2001:db8:60::1"
prefix = "2001:db8:60::/64"
"""

# (case id, text to replace, replacement, message without "path:line: ", text on the line)
BROKEN = [
    (
        "unknown key with suggestion",
        'attach = "AR1"',
        'atach = "AR1"',
        'node "MN": unknown key "atach" (did you mean "attach"?)',
        "atach",
    ),
    (
        "unknown MAP in map_options",
        'map_options = [{ map = "MAP1", pref = 10 }]',
        'map_options = [{ map = "MAP9", pref = 10 }]',
        'node "AR1": map_options refers to unknown MAP "MAP9" (did you mean "MAP1"?)',
        '{ map = "MAP9"',
    ),
    (
        "bad address",
        'address = "2001:db8:50::1"',
        'address = "2001:db8:50::g1"',
        'node "CN": address "2001:db8:50::g1" is not a valid IPv6 address',
        "2001:db8:50::g1",
    ),
    (
        "bad prefix",
        'prefix = "2001:db8:50::/64"',
        'prefix = "2001:db8:50::1/64"',
        'node "CN": prefix "2001:db8:50::1/64" is not a valid IPv6 prefix '
        "(2001:db8:50::1/64 has host bits set)",
        "2001:db8:50::1/64",
    ),
    (
        "duplicate name",
        "[protocol]",
        EXTRA_CN + "\n[protocol]",
        'node "CN": name already used by the node on line 10',
        'name = "CN"\nrole = "host"',
    ),
    (
        "move to unknown AR",
        'to = "AR2"',
        'to = "AR7"',
        'move at 5 s: to refers to unknown AR "AR7" (did you mean "AR2"?)',
        'to = "AR7"',
    ),
    (
        "move to a MAP",
        'to = "AR2"',
        'to = "MAP1"',
        'move at 5 s: to refers to "MAP1", which is a MAP, not an AR',
        'to = "MAP1"',
    ),
    (
        "TOML syntax error",
        "duration_s = 20",
        "duration_s = = 20",
        "TOML syntax error: Invalid value (column 14)",
        "duration_s = = 20",
    ),
    (
        "bad hex",
        "6000 0000 0000 3b40",
        "6000 0000 0000 3bzz",
        'inject at 3 s: hex is not hexadecimal: "z" at digit 15',
        "hex = '''",
    ),
    (
        "short hex",
        "0000 0000 0000 000a\n",
        "",
        "inject at 3 s: hex holds 32 bytes; an IPv6 packet needs at least 40 (its fixed header)",
        "hex = '''",
    ),
    (
        "loss out of range",
        'a = "MAP1"\nb = "AR1"',
        'a = "MAP1"\nb = "AR1"\nloss = 1.0',
        'link "MAP1"-"AR1": loss must be at least 0 and below 1, not 1',
        "loss = 1.0",
    ),
    (
        "missing required key",
        'home_address = "2001:db8:1::a"\n',
        "",
        'node "MN": missing required key "home_address"',
        '[[node]]\nname = "MN"',
    ),
    (
        "unknown protocol key",
        "ra_max_interval_s = 1.5",
        "ra_max_intrval_s = 1.5",
        '[protocol]: unknown key "ra_max_intrval_s" (did you mean "ra_max_interval_s"?)',
        "ra_max_intrval_s",
    ),
    (
        "protocol value not a number",
        "ra_max_interval_s = 1.5",
        'ra_max_interval_s = "fast"',
        "[protocol]: ra_max_interval_s must be a number, not a string",
        '"fast"',
    ),
    (
        "protocol integer field given a float",
        "ra_max_interval_s = 1.5",
        "link_mtu = 1500.5",
        "[protocol]: link_mtu must be an integer, not a float",
        "link_mtu",
    ),
    (
        "pref out of range",
        "pref = 11",
        "pref = 16",
        'node "AR2": map option "MAP1": pref must be from 0 to 15, not 16',
        "pref = 16",
    ),
    (
        "dist zero",
        "pref = 11",
        "pref = 11, dist = 0",
        'node "AR2": map option "MAP1": dist must be from 1 to 15, not 0',
        "dist = 0",
    ),
    (
        "unknown role",
        'role = "cn"',
        'role = "cnn"',
        'node "CN": role must be one of mn, ar, map, ha, cn, router, host, not "cnn" '
        '(did you mean "cn"?)',
        'role = "cnn"',
    ),
    (
        "key of another role",
        'attach = "AR1"',
        'attach = "AR1"\nradius = 5',
        'node "MN": key "radius" does not apply to role "mn"',
        "radius = 5",
    ),
    (
        "home address outside the HA prefix",
        'home_address = "2001:db8:1::a"',
        'home_address = "2001:db8:7::a"',
        'node "MN": home_address 2001:db8:7::a is not inside the prefix 2001:db8:1::/64 '
        'of its home agent "HA"',
        "home_address",
    ),
    (
        "home agent is not an HA",
        'home_agent = "HA"',
        'home_agent = "CN"',
        'node "MN": home_agent refers to "CN", which is a CN, not an HA',
        'home_agent = "CN"',
    ),
    (
        "attach to a MAP",
        'attach = "AR1"',
        'attach = "MAP1"',
        'node "MN": attach refers to "MAP1", which is a MAP, not an AR',
        'attach = "MAP1"',
    ),
    (
        "flow between two fixed nodes",
        'to = "MN"',
        'to = "HA"',
        'flow "CN" -> "HA": one end must be the MN and the other a CN or host, not a CN and an HA',
        "[[flow]]",
    ),
    (
        "flow with a bad kind",
        "interval_ms = 250",
        'interval_ms = 250\nkind = "ping"',
        'flow "CN" -> "MN": kind must be one of echo, udp, not "ping"',
        'kind = "ping"',
    ),
    (
        "interval zero",
        "interval_ms = 250",
        "interval_ms = 0",
        'flow "CN" -> "MN": interval_ms must be at least 1, not 0',
        "interval_ms = 0",
    ),
    (
        "move after the end",
        "at_s = 5",
        "at_s = 25",
        "move at 25 s: at_s 25 is after the end of the scenario (duration_s = 20)",
        "at_s = 25",
    ),
    (
        "duplicate link",
        'a = "MAP1"\nb = "AR2"',
        'a = "AR2"\nb = "MAP1"\n\n[[link]]\na = "MAP1"\nb = "AR2"',
        'link "MAP1"-"AR2": duplicate of the link on line 55',
        '[[link]]\na = "MAP1"\nb = "AR2"',
    ),
    (
        "link to itself",
        'a = "CN"\nb = "MAP1"',
        'a = "CN"\nb = "MAP1"\n\n[[link]]\na = "HA"\nb = "HA"',
        'link "HA"-"HA": a link needs two different nodes',
        '[[link]]\na = "HA"\nb = "HA"',
    ),
    (
        "bad mode",
        "duration_s = 20",
        'duration_s = 20\nmode = "hmip"',
        '[scenario]: mode must be one of hmipv6, mipv6, not "hmip" (did you mean "hmipv6"?)',
        "mode",
    ),
    (
        "unknown key in [scenario]",
        "duration_s = 20",
        "duraton_s = 20",
        '[scenario]: unknown key "duraton_s" (did you mean "duration_s"?)',
        "duraton_s",
    ),
    (
        "MAP key on an AR without a MAP function",
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_options = [{ map = "MAP1", pref = 11 }]\nmax_lifetime_s = 60',
        'node "AR2": max_lifetime_s applies only to an AR with a map_address '
        "(the MAP function of a flat architecture, RFC 5380 s.9.2)",
        "max_lifetime_s",
    ),
    (
        "map_address inside the AR prefix",
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_options = [{ map = "MAP1", pref = 11 }]\nmap_address = "2001:db8:3::99"',
        'node "AR2": map_address 2001:db8:3::99 must lie outside the AR\'s prefix 2001:db8:3::/64, '
        "or the RCoA would equal the LCoA",
        "map_address",
    ),
    (
        "options name an AR without a MAP function",
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_options = [{ map = "AR1", pref = 11 }]',
        'node "AR2": map_options refers to "AR1", which is an AR without a map_address, not a MAP',
        '{ map = "AR1"',
    ),
    (
        "zero interface id",
        'attach = "AR1"',
        'attach = "AR1"\ninterface_id = "2001:db8::"',
        'node "MN": interface_id must not be 0 '
        "(RFC 4291 s.2.6.1 reserves it for the Subnet-Router anycast address)",
        "interface_id",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "what", "on_line"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_reports_exact_message(tmp_path, old, new, what, on_line):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    path = write(tmp_path, text)
    assert errors_of(path) == [f"{path}:{line_of(text, on_line)}: {what}"]


def test_duplicate_name_points_at_the_first_definition():
    # Guards the hard-coded "line 10" and "line 55" in BROKEN above.
    assert line_of(BASE, '[[node]]\nname = "CN"') == 10
    assert line_of(BASE, '[[link]]\na = "MAP1"\nb = "AR2"') == 55


def test_every_problem_is_reported_in_line_order(tmp_path):
    text = (
        BASE.replace('attach = "AR1"', 'atach = "AR1"')
        .replace('address = "2001:db8:50::1"', 'address = "nope"')
        .replace("ra_max_interval_s = 1.5", "ra_max_interval_s = -1")
    )
    path = write(tmp_path, text)
    messages = errors_of(path)
    assert messages == [
        f'{path}:{line_of(text, "nope")}: node "CN": address "nope" is not a valid IPv6 address',
        f'{path}:{line_of(text, "atach")}: node "MN": unknown key "atach" (did you mean "attach"?)',
        f"{path}:{line_of(text, 'ra_max_interval_s')}: [protocol]: ra_max_interval_s must be "
        "in 0.07..1800, not -1 (RFC 6275 s.7.5 minimum, RFC 4861 s.6.2.1 maximum)",
    ]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == "\n".join(messages)


def test_unreachable_part_of_the_network_is_named(tmp_path):
    text = BASE.replace('a = "CN"\nb = "MAP1"', 'a = "HA"\nb = "AR2"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:10: node "CN": no path to node "HA": "CN" is cut off from the rest of the '
        "network (add a [[link]])"
    ]


def test_a_second_mn_needs_its_moves_named(tmp_path):
    text = (
        BASE
        + '\n[[node]]\nname = "MN2"\nrole = "mn"\nhome_agent = "HA"\n'
        + 'home_address = "2001:db8:1::b"\n'
    )
    path = write(tmp_path, text)
    line = line_of(text, "[[move]]")
    assert errors_of(path) == [
        f'{path}:{line}: move at 5 s: the scenario has 2 MNs; name the one that moves, '
        'e.g. mn = "MN2"'
    ]
    s = load_scenario(write(tmp_path, text.replace("[[move]]", '[[move]]\nmn = "MN"')))
    assert [n.name for n in s.nodes_with_role("mn")] == ["MN", "MN2"]


def test_links_to_unknown_nodes_do_not_also_report_a_split(tmp_path):
    text = BASE.replace('a = "CN"\nb = "MAP1"', 'a = "CN"\nb = "MAP2"')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "MAP2")}: link "CN"-"MAP2": b refers to unknown node "MAP2" '
        '(did you mean "MAP1"?)'
    ]


# --- files that are not scenario text ---------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "absent.toml"
    assert errors_of(path) == [f"{path}: no such file"]


def test_directory(tmp_path):
    assert errors_of(tmp_path) == [f"{tmp_path}: is a directory, not a scenario file"]


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'seed = 1\ndescription = "caf\xe9"\n')
    assert errors_of(path) == [f"{path}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_syntax_error_at_end_of_file(tmp_path):
    path = write(tmp_path, "seed = 1\nlist = [1,\n")
    assert errors_of(path) == [
        f"{path}:2: TOML syntax error: Invalid value (at the end of the file)"
    ]


def test_unknown_builtin_suggests_the_nearest():
    assert errors_of("figur1") == [
        'figur1: no such file or built-in scenario (did you mean "figure1"?) '
        "(built-ins: campus, commuters, figure1, flat, hijack, map-failure, multi-map, "
        "route-optimisation, several-maps, two-domains)"
    ]
    assert errors_of("builtin:../figure1")[0].startswith(
        "builtin:../figure1: no such file or built-in"
    )


def test_empty_file_asks_for_an_mn(tmp_path):
    path = write(tmp_path, "")
    assert errors_of(path) == [f'{path}:1: no node has role "mn" and no [[mn_group]]: a '
                               "scenario needs at least one MN"]


# --- saving ---------------------------------------------------------------------------------


def test_save_writes_a_file_that_loads_back(tmp_path):
    s = load_scenario("two-domains")
    target = tmp_path / "saved.toml"
    save_scenario(s, target)
    assert load_scenario(target) == s
    assert [p.name for p in tmp_path.iterdir()] == ["saved.toml"]


def test_save_keeps_the_old_file_when_replace_fails(tmp_path, monkeypatch):
    target = tmp_path / "kept.toml"
    target.write_text("old content\n", encoding="utf-8")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ScenarioError) as caught:
        save_scenario(load_scenario("figure1"), target)
    assert caught.value.messages == [f"{target}: cannot save: No space left on device"]
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.toml"]


def test_save_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "kept.toml"
    target.write_text("old content\n", encoding="utf-8")

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ScenarioError):
        save_scenario(load_scenario("figure1"), target)
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.toml"]


def test_save_into_a_missing_directory_is_a_scenario_error(tmp_path):
    target = tmp_path / "no" / "such" / "dir.toml"
    with pytest.raises(ScenarioError) as caught:
        save_scenario(load_scenario("figure1"), target)
    assert caught.value.messages[0].startswith(f"{target}: cannot save:")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_save_keeps_permissions_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "mode.toml"
    target.write_text("x = 1\n", encoding="utf-8")
    target.chmod(0o640)
    save_scenario(load_scenario("figure1"), target)
    assert target.stat().st_mode & 0o777 == 0o640


# --- the writer's strings -----------------------------------------------------------------------


@given(st.text())
def test_descriptions_survive_the_writer(text):
    # Surrogates cannot be written as UTF-8 at all; everything else must round-trip.
    text = text.encode("utf-8", "replace").decode("utf-8")
    written = f"d = {scenario_dump._toml_text(text)}\nn = {scenario_dump._toml_value(text)}\n"
    parsed = tomllib.loads(written)
    assert parsed == {"d": text, "n": text}


def test_every_protocol_field_is_accepted_at_both_ends_of_its_range(tmp_path):
    kinds = scenario_load._protocol_kinds()
    for end in ("lo", "hi"):
        values = {name: getattr(PROTOCOL_RANGES[name], end)
                  for name in ProtocolConfig.field_names()}
        if end == "hi":  # keep the ordered pairs in order
            values["ra_min_interval_s"] = values["ra_max_interval_s"] = 1800
        lines = [f"{name} = {int(v) if kinds[name] == 'int' else float(v)!r}"
                 for name, v in values.items()]
        text = BASE.replace("ra_max_interval_s = 1.5", "\n".join(lines))
        s = load_scenario(write(tmp_path, text))
        assert sorted(s.protocol) == sorted(ProtocolConfig.field_names())
        ProtocolConfig().with_overrides(**s.protocol)


def test_modes_are_read(tmp_path):
    for mode in MODES:
        text = BASE.replace("duration_s = 20", f'duration_s = 20\nmode = "{mode}"')
        assert load_scenario(write(tmp_path, text)).mode == mode


# --- never a traceback ------------------------------------------------------------------------

ODD_VALUES = (
    '""',
    '"none"',
    '"MAP1"',
    '"MN"',
    '"2001:db8::1"',
    '"2001:db8::/64"',
    '"::"',
    "0",
    "-1",
    "16",
    "1" + "0" * 400,
    "1.5",
    "inf",
    "nan",
    "true",
    "[]",
    "[1, 2]",
    '["2001:db8:2::/64", 3]',
    "{}",
    '{ map = "MAP1" }',
    "[{ map = 1 }, 2]",
    "1979-05-27",
    "07:32:00",
)


def load_text(text: str) -> None:
    """Load ``text`` from a file; anything but success or ScenarioError fails the test."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as error:
            assert error.messages and all(m.startswith(str(path)) for m in error.messages)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(ODD_VALUES + (None,))), max_size=4)
)
def test_any_value_for_any_key_gives_a_scenario_error_not_a_traceback(edits):
    lines = BASE.splitlines()
    key_lines = [i for i, line in enumerate(lines) if " = " in line]
    for pick, value in edits:
        i = key_lines[pick % len(key_lines)]
        key = lines[i].split(" = ")[0]
        lines[i] = "" if value is None else f"{key} = {value}"
    load_text("\n".join(lines) + "\n")


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_text_gives_a_scenario_error_not_a_traceback(text):
    load_text(text.encode("utf-8", "replace").decode("utf-8"))


def test_flat_ar_takes_map_keys_and_round_trips(tmp_path):
    text = BASE.replace(
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_address = "2001:db8:103::1"\nvalid_onlink_prefixes = ["2001:db8:3::/64"]\n'
        'max_lifetime_s = 120\nmap_options = [{ map = "AR2", dist = 1 }]',
    )
    s = load_scenario(write(tmp_path, text))
    ar2 = s.node("AR2")
    assert ar2.is_map and ar2.max_lifetime_s == 120
    assert ar2.valid_onlink_prefixes == (IPv6Network("2001:db8:3::/64"),)
    assert load_scenario(write(tmp_path, dump_scenario(s), "again.toml")) == s


def test_docs_describe_every_protocol_field():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "scenarios.md").read_text("utf-8")
    missing = [name for name in ProtocolConfig.field_names() if f"| `{name}` |" not in docs]
    assert missing == []


def test_scenario_keys_outside_the_scenario_table_get_a_hint(tmp_path):
    text = BASE.replace('[scenario]\ndescription = "test base"\nduration_s = 20\n', "")
    text = 'description = "x"\nduration_s = 20\n' + text
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:1: unknown key "description"; write description in the [scenario] table',
        f'{path}:2: unknown key "duration_s"; write duration_s in the [scenario] table',
    ]


# --- protocol-depth keys: security, route_optimization, probe_maps, duplicate_addresses ----


def test_security_route_optimization_probe_maps_and_duplicates_are_read(tmp_path):
    text = (BASE.replace("duration_s = 20\n", 'duration_s = 20\nsecurity = "esp"\n')
            .replace('attach = "AR1"', 'attach = "AR1"\nroute_optimization = true')
            .replace('map_options = [{ map = "MAP1", pref = 10 }]',
                     'map_options = [{ map = "MAP1", pref = 10 }]\nprobe_maps = true')
            .replace('prefix = "2001:db8:1::/64"',
                     'prefix = "2001:db8:1::/64"\nduplicate_addresses = ["2001:db8:1::a"]'))
    s = load_scenario(write(tmp_path, text))
    assert s.security == "esp"
    assert s.node("MN").route_optimization is True
    assert (s.node("AR1").probe_maps, s.node("AR2").probe_maps) == (True, False)
    assert s.node("HA").duplicate_addresses == (IPv6Address("2001:db8:1::a"),)
    again = load_scenario(write(tmp_path, dump_scenario(s), "again.toml"))
    assert again == s and again.security == "esp"


def test_new_keys_default_to_off_and_are_left_out_of_dumps(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    assert s.security == "none" and not s.node("MN").route_optimization
    assert not s.node("AR1").probe_maps and s.node("HA").duplicate_addresses == ()
    text = dump_scenario(s)
    for key in ("security", "route_optimization", "probe_maps", "duplicate_addresses"):
        assert key not in text


@pytest.mark.parametrize("old, new, message", [
    ("duration_s = 20\n", 'duration_s = 20\nsecurity = "ipsec"\n',
     'security must be one of none, esp, not "ipsec"'),
    ('attach = "AR1"', 'attach = "AR1"\nroute_optimization = "yes"',
     "route_optimization must be true or false"),
    ('prefix = "2001:db8:1::/64"', 'prefix = "2001:db8:1::/64"\nduplicate_addresses = ["x"]',
     'duplicate_addresses item 1: "x" is not a valid IPv6 address'),
    ('address = "2001:db8:50::1"', 'address = "2001:db8:50::1"\nprobe_maps = true',
     'key "probe_maps" does not apply to role "cn"'),
])
def test_new_keys_are_checked(tmp_path, old, new, message):
    messages = errors_of(write(tmp_path, BASE.replace(old, new, 1)))
    assert any(message in m for m in messages), messages


def test_use_rcoa_is_read_for_mn_flows_and_refused_for_others(tmp_path):
    mn_flow = BASE.replace('[[flow]]\nfrom = "CN"\nto = "MN"',
                           '[[flow]]\nfrom = "MN"\nto = "CN"\nuse_rcoa = true')
    s = load_scenario(write(tmp_path, mn_flow))
    assert s.flows[0].use_rcoa is True
    assert load_scenario(write(tmp_path, dump_scenario(s), "again.toml")) == s
    cn_flow = BASE.replace('[[flow]]\nfrom = "CN"\nto = "MN"',
                           '[[flow]]\nfrom = "CN"\nto = "MN"\nuse_rcoa = true')
    messages = errors_of(write(tmp_path, cn_flow, "cn.toml"))
    assert any("use_rcoa is for flows from the MN" in m for m in messages), messages


# --- several MAPs at once: extra_maps on the MN, map on a flow (RFC 5380 s.7.1) -------------

SEVERAL = (
    BASE.replace('attach = "AR1"', 'attach = "AR1"\nroute_optimization = true\n'
                 'extra_maps = ["MAP2"]')
    .replace('map_options = [{ map = "MAP1", pref = 10 }]',
             'map_options = [{ map = "MAP1", pref = 10 }, { map = "MAP2", pref = 5 }]')
    .replace('[[link]]\na = "MAP1"\nb = "AR1"',
             '[[node]]\nname = "MAP2"\nrole = "map"\naddress = "2001:db8:200::1"\n'
             'prefix = "2001:db8:200::/64"\n\n[[link]]\na = "MAP2"\nb = "MAP1"\n\n'
             '[[link]]\na = "MAP1"\nb = "AR1"')
    .replace('[[flow]]\nfrom = "CN"\nto = "MN"', '[[flow]]\nfrom = "CN"\nto = "MN"\nmap = "MAP2"')
)


def test_extra_maps_and_flow_map_are_read_and_round_trip(tmp_path):
    s = load_scenario(write(tmp_path, SEVERAL))
    assert s.node("MN").extra_maps == ("MAP2",)
    assert s.flows[0].map == "MAP2"
    text = dump_scenario(s)
    assert 'extra_maps = ["MAP2"]' in text and 'map = "MAP2"' in text
    assert load_scenario(write(tmp_path, text, "again.toml")) == s


def test_extra_maps_and_flow_map_default_to_none_and_are_left_out_of_dumps(tmp_path):
    s = load_scenario(write(tmp_path, BASE))
    assert s.node("MN").extra_maps == () and s.flows[0].map is None
    text = dump_scenario(s)
    assert "extra_maps" not in text and "\nmap = " not in text


def test_an_mn_flow_with_use_rcoa_may_name_a_map_without_route_optimisation(tmp_path):
    text = (SEVERAL.replace("route_optimization = true\n", "")
            .replace('[[flow]]\nfrom = "CN"\nto = "MN"\nmap = "MAP2"',
                     '[[flow]]\nfrom = "MN"\nto = "CN"\nuse_rcoa = true\nmap = "MAP2"'))
    s = load_scenario(write(tmp_path, text))
    assert (s.flows[0].use_rcoa, s.flows[0].map) == (True, "MAP2")


# (case id, text to replace, replacement, message without "path:line: ", text on the line)
SEVERAL_BROKEN = [
    (
        "extra_maps not an array",
        'extra_maps = ["MAP2"]',
        'extra_maps = "MAP2"',
        'node "MN": extra_maps must be an array of node names like ["MAP2"], not a string',
        "extra_maps",
    ),
    (
        "extra_maps item not a string",
        'extra_maps = ["MAP2"]',
        'extra_maps = ["MAP2", 3]',
        'node "MN": extra_maps item 2: must be a string, not an integer',
        "extra_maps",
    ),
    (
        "extra_maps names an unknown MAP",
        'extra_maps = ["MAP2"]',
        'extra_maps = ["MAP2", "MAP3"]',
        'node "MN": extra_maps refers to unknown MAP "MAP3" (did you mean "MAP2"?)',
        "extra_maps",
    ),
    (
        "extra_maps names an AR",
        'extra_maps = ["MAP2"]',
        'extra_maps = ["MAP2", "AR1"]',
        'node "MN": extra_maps refers to "AR1", which is an AR without a map_address, not a MAP',
        "extra_maps",
    ),
    (
        "extra_maps lists a MAP twice",
        'extra_maps = ["MAP2"]',
        'extra_maps = ["MAP2", "MAP2"]',
        'node "MN": extra_maps lists MAP "MAP2" twice',
        "extra_maps",
    ),
    (
        "extra_maps names a MAP no AR advertises",
        '{ map = "MAP1", pref = 10 }, { map = "MAP2", pref = 5 }',
        '{ map = "MAP1", pref = 10 }',
        'node "MN": extra_maps names MAP "MAP2", which no AR advertises in its map_options, '
        "so the MN could never register with it",
        "extra_maps",
    ),
    (
        "extra_maps on another role",
        'address = "2001:db8:50::1"',
        'address = "2001:db8:50::1"\nextra_maps = ["MAP2"]',
        'node "CN": key "extra_maps" does not apply to role "cn"',
        'extra_maps = ["MAP2"]\nprefix = "2001:db8:50::/64"',
    ),
    (
        "flow map not a string",
        'to = "MN"\nmap = "MAP2"',
        'to = "MN"\nmap = 2',
        'flow "CN" -> "MN": map must be a string, not an integer',
        "map = 2",
    ),
    (
        "flow map unknown",
        'to = "MN"\nmap = "MAP2"',
        'to = "MN"\nmap = "MAP9"',
        'flow "CN" -> "MN": map refers to unknown MAP "MAP9" (did you mean "MAP2"?)',
        'map = "MAP9"',
    ),
    (
        "flow map not an extra map",
        'to = "MN"\nmap = "MAP2"',
        'to = "MN"\nmap = "MAP1"',
        'flow "CN" -> "MN": map "MAP1" is not one of the MN\'s extra_maps ("MAP2"); a flow '
        "without map uses the MAP the MN selects (RFC 5380 s.9.1)",
        'map = "MAP1"\ninterval_ms',
    ),
    (
        "flow map without route optimisation or use_rcoa",
        "route_optimization = true\n",
        "",
        'flow "CN" -> "MN": map needs use_rcoa = true, or a CN and route_optimization = true '
        "on the MN: other packets go through the HA, registered with the selected MAP's RCoA "
        "(RFC 5380 s.6.1)",
        'map = "MAP2"\ninterval_ms',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "what", "on_line"),
    [case[1:] for case in SEVERAL_BROKEN],
    ids=[case[0] for case in SEVERAL_BROKEN],
)
def test_extra_maps_and_flow_map_report_exact_messages(tmp_path, old, new, what, on_line):
    assert old in SEVERAL
    text = SEVERAL.replace(old, new, 1)
    path = write(tmp_path, text)
    assert errors_of(path) == [f"{path}:{line_of(text, on_line)}: {what}"]


def test_extra_maps_item_errors_point_at_the_item_line(tmp_path):
    text = SEVERAL.replace('extra_maps = ["MAP2"]', 'extra_maps = [\n    "MAP2",\n    "MAP7",\n]')
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "MAP7")}: node "MN": extra_maps refers to unknown MAP "MAP7" '
        '(did you mean "MAP2"?)'
    ]


def test_one_map_per_correspondent(tmp_path):
    text = (SEVERAL.replace('extra_maps = ["MAP2"]', 'extra_maps = ["MAP2", "MAP3"]')
            .replace('{ map = "MAP2", pref = 5 }', '{ map = "MAP2", pref = 5 }, { map = "MAP3" }')
            .replace('[[link]]\na = "MAP2"\nb = "MAP1"',
                     '[[node]]\nname = "MAP3"\nrole = "map"\naddress = "2001:db8:300::1"\n'
                     'prefix = "2001:db8:300::/64"\n\n[[link]]\na = "MAP3"\nb = "MAP1"\n\n'
                     '[[link]]\na = "MAP2"\nb = "MAP1"'))
    text += ('\n[[flow]]\nfrom = "MN"\nto = "CN"\nuse_rcoa = true\nmap = "MAP3"\n'
             '\n[[flow]]\nfrom = "MN"\nto = "CN"\nuse_rcoa = true\nmap = "MAP2"\n')
    path = write(tmp_path, text)
    first = line_of(text, '[[flow]]\nfrom = "CN"')
    assert errors_of(path) == [
        f'{path}:{line_of(text, "use_rcoa = true" + chr(10) + "map = " + chr(34) + "MAP3") + 1}: '
        'flow "MN" -> "CN": '
        f'map "MAP3" differs from map "MAP2" of the flow on line {first} with "CN"; the MN '
        "uses one MAP's RCoA per correspondent (RFC 5380 s.7.1)"
    ]


# --- ranges of [protocol] values (issue 9) -----------------------------------------------------


def protocol_errors(tmp_path: Path, lines: str) -> list[str]:
    """Messages for BASE with ``lines`` as its [protocol] table, without ``path:line: ``."""
    path = write(tmp_path, BASE.replace("ra_max_interval_s = 1.5", lines))
    return [m.split(": ", 1)[1] for m in errors_of(path)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("max_update_rate_per_s = 0", "max_update_rate_per_s must be in 1..1000, not 0 "
         "(RFC 6275 s.12 sets 3; 0 would never send a BU)"),
        ("default_hop_limit = 1000", "default_hop_limit must be in 1..255, not 1000 "
         "(Hop Limit is 8 bits and 0 is never sent, RFC 8200 s.3)"),
        ("default_hop_limit = 0", "default_hop_limit must be in 1..255, not 0 "
         "(Hop Limit is 8 bits and 0 is never sent, RFC 8200 s.3)"),
        ("flow_payload_bytes = 70000", "flow_payload_bytes must be in 0..65,000, not 70000 "
         "(the largest flow packet, tunnelled twice, must fit an IPv6 payload of 65,535 bytes)"),
        ("flow_payload_bytes = 1_000_000_000", "flow_payload_bytes must be in 0..65,000, "
         "not 1000000000 (the largest flow packet, tunnelled twice, must fit an IPv6 payload "
         "of 65,535 bytes)"),
        ("refresh_fraction = 0", "refresh_fraction must be in 0.01..0.99, not 0 "
         "(at 0 the MN would refresh without pause, at 1 too late)"),
        ("refresh_fraction = 1", "refresh_fraction must be in 0.01..0.99, not 1 "
         "(at 0 the MN would refresh without pause, at 1 too late)"),
        ("refresh_fraction = nan", "refresh_fraction must be in 0.01..0.99, not nan "
         "(at 0 the MN would refresh without pause, at 1 too late)"),
        ("max_bindack_timeout_s = inf", "max_bindack_timeout_s must be in 0.01..86,400, not inf "
         "(RFC 6275 s.12 sets 32 s)"),
        ("router_lifetime_s = 70000", "router_lifetime_s must be in 1..9000, not 70000 "
         "(RFC 4861 s.6.2.1; 0 would mean no default router)"),
        ("link_mtu = 1" + "0" * 40, "link_mtu must be in 1280..65,535, not a 41-digit number "
         "(RFC 8200 s.5 minimum, 16-bit Payload Length)"),
        ("brr_fraction = 1", "brr_fraction must be 0 (off) or in 0.01..0.99, not 1 "
         "(a fraction of the granted lifetime)"),
        ("map_binding_lifetime_s = 3", "map_binding_lifetime_s must be in 4..262,140, not 3 "
         "(a BU's Lifetime is 16 bits in units of 4 s, RFC 6275 s.6.1.7)"),
        ("ra_min_interval_s = 5", "[protocol]: ra_min_interval_s 5 must not be above "
         "ra_max_interval_s 3 (default) (RFC 4861 s.6.2.1)"),
        ("ra_max_interval_s = 20\nrouter_lifetime_s = 10", "[protocol]: ra_max_interval_s 20 "
         "must not be above router_lifetime_s 10 (RFC 4861 s.6.2.1)"),
        ("prefix_preferred_lifetime_s = 10\nprefix_valid_lifetime_s = 5",
         "[protocol]: prefix_preferred_lifetime_s 10 must not be above prefix_valid_lifetime_s 5 "
         "(RFC 4862 s.5.5.3)"),
    ],
)
def test_protocol_values_outside_their_range_are_refused(tmp_path, line, message):
    if not message.startswith("[protocol]"):
        message = "[protocol]: " + message
    assert protocol_errors(tmp_path, line) == [message]


def test_protocol_message_names_file_line_and_key(tmp_path):
    text = BASE.replace(
        "ra_max_interval_s = 1.5", "ra_max_interval_s = 1.5\ndefault_hop_limit = 1000"
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f"{path}:{line_of(text, 'default_hop_limit')}: [protocol]: default_hop_limit must be in "
        "1..255, not 1000 (Hop Limit is 8 bits and 0 is never sent, RFC 8200 s.3)"
    ]


def test_every_protocol_field_has_one_range_of_its_type():
    kinds = scenario_load._protocol_kinds()
    # ranges of fields other branches add may come first; every field needs one
    assert set(ProtocolConfig.field_names()) <= set(PROTOCOL_RANGES)
    defaults = ProtocolConfig()
    for name in ProtocolConfig.field_names():
        span = PROTOCOL_RANGES[name]
        assert span.holds(getattr(defaults, name)), name  # the defaults are in range
        if kinds[name] == "int":
            assert float(span.lo).is_integer() and float(span.hi).is_integer(), name


def test_docs_give_every_protocol_range():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "scenarios.md").read_text("utf-8")
    kinds = scenario_load._protocol_kinds()
    for name in ProtocolConfig.field_names():
        kind = "integer" if kinds[name] == "int" else "number"
        assert f"| `{name}` | {kind} | {PROTOCOL_RANGES[name].text()} |" in docs, name


def test_duration_and_flow_interval_have_limits(tmp_path):
    text = BASE.replace("duration_s = 20", "duration_s = 1e9").replace(
        "interval_ms = 250", "interval_ms = 0.001"
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f"{path}:3: [scenario]: duration_s must be above 0 and at most 86400, not 1000000000",
        f'{path}:{line_of(text, "interval_ms")}: flow "CN" -> "MN": interval_ms must be at '
        "least 1, not 0.001",
    ]


# --- files that cannot be read without bound (issue 9) ------------------------------------------


def test_a_device_is_refused_without_reading_it():
    assert errors_of("/dev/zero") == ["/dev/zero: is a device, not a scenario file"]


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# padding\n" * (scenario_limits.MAX_FILE_BYTES // 10 + 1))
    assert errors_of(path) == [
        f"{path}: larger than 8 MB; a scenario file is text of at most that size"
    ]


def test_a_pipe_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    with subprocess.Popen(["sh", "-c", f"yes '# comment' > {path}"]) as writer:
        try:
            assert errors_of(path) == [
                f"{path}: larger than 8 MB; a scenario file is text of at most that size"
            ]
        finally:
            writer.kill()


@pytest.mark.parametrize(
    "text, line",
    [
        ("x = " + "[" * 500 + "]" * 500, 1),
        ("[scenario]\nname = 'deep'\n\nx = " + "{ a = " * 100 + "1" + " }" * 100, 4),
        ("[[node]]\nname = 'n'\nmap_options = [\n" + "[" * 40 + "\n", 4),
    ],
    ids=["arrays", "inline tables", "unclosed"],
)
def test_nesting_deeper_than_a_scenario_needs_is_refused(tmp_path, text, line):
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f"{path}:{line}: arrays and tables nested more than 32 deep; a scenario needs at most "
        "3 levels and a lesson check about 8"
    ]


def test_brackets_in_strings_and_comments_do_not_count_as_nesting(tmp_path):
    deep = "[" * 200 + "{" * 200
    text = BASE.replace('description = "test base"', f'description = "{deep}" # {deep}\n'
                        f"# {deep}\n") + f"\n# '''{deep}'''\n"
    text = text.replace("hex = '''", f"# {deep}\nhex = '''")
    load_scenario(write(tmp_path, text))
    assert scenario_limits.nesting_problem(f"a = '''{deep}'''\nb = \"\"\"{deep}\"\"\"") is None
    assert scenario_limits.nesting_problem('a = "\\"[[["\nb = [[1]]') is None


# --- addresses (issue 8 item 11, issue 9) ---------------------------------------------------------


def test_overlapping_prefixes_are_named_once_without_doubled_words(tmp_path):
    text = BASE.replace('prefix = "2001:db8:3::/64"', 'prefix = "2001:db8:3::/64"\n').replace(
        'prefix = "2001:db8:50::/64"', 'prefix = "2001:db8::/34"'
    ).replace('address = "2001:db8:50::1"', 'address = "2001:db8::50:1"')
    path = write(tmp_path, text)
    messages = errors_of(path)
    assert f'{path}:{line_of(text, "2001:db8::/34")}: node "CN": prefix 2001:db8::/34 overlaps ' \
        'prefix 2001:db8:1::/64 of node "HA"' in messages
    assert not [m for m in messages if "prefix prefix" in m]


def test_flat_map_address_overlap_is_worded_as_its_64(tmp_path):
    text = BASE.replace(
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_options = [{ map = "MAP1", pref = 11 }]\nmap_address = "2001:db8:100::9"',
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "map_address")}: node "AR2": the /64 of map_address '
        '2001:db8:100::/64 overlaps prefix 2001:db8:100::/64 of node "MAP1"'
    ]


@pytest.mark.parametrize(
    "old, new, key_line, message",
    [
        ('attach = "AR1"', 'attach = "AR1"\ninterface_id = "::1"', "interface_id",
         'node "MN": interface_id ::1 makes the LCoA on AR1 2001:db8:2::1, which is the address '
         'of node "AR1"; choose another interface_id (DAD would fail, RFC 4862 s.5.4)|'
         'node "MN": interface_id ::1 makes the LCoA on AR2 2001:db8:3::1, which is the address '
         'of node "AR2"; choose another interface_id (DAD would fail, RFC 4862 s.5.4)|'
         'node "MN": interface_id ::1 makes the RCoA on MAP1 2001:db8:100::1, which is the '
         'address of node "MAP1"; choose another interface_id (DAD would fail, RFC 4862 s.5.4)'),
        ('address = "2001:db8:3::1"', 'address = "2001:db8:3::a"', '[[node]]\nname = "MN"',
         'node "MN": interface_id ::a (taken from home_address) makes the LCoA on AR2 '
         '2001:db8:3::a, which is the address of node "AR2"; choose another interface_id '
         "(DAD would fail, RFC 4862 s.5.4)"),
        ('address = "2001:db8:100::1"', 'address = "2001:db8:100::a"', '[[node]]\nname = "MN"',
         'node "MN": interface_id ::a (taken from home_address) makes the RCoA on MAP1 '
         '2001:db8:100::a, which is the address of node "MAP1"; choose another interface_id '
         "(DAD would fail, RFC 4862 s.5.4)"),
    ],
    ids=["LCoA is the AR's address", "derived interface id", "RCoA is the MAP's address"],
)
def test_a_care_of_address_equal_to_a_node_address_is_refused(tmp_path, old, new, key_line,
                                                               message):
    text = BASE.replace(old, new)
    path = write(tmp_path, text)
    assert errors_of(path) == [f"{path}:{line_of(text, key_line)}: {m}"
                               for m in message.split("|")]


def test_a_flat_ars_rcoa_equal_to_its_map_address_is_refused(tmp_path):
    text = BASE.replace(
        'map_options = [{ map = "MAP1", pref = 11 }]',
        'map_address = "2001:db8:103::a"\nmap_options = [{ map = "AR2" }]',
    )
    path = write(tmp_path, text)
    assert errors_of(path) == [
        f'{path}:{line_of(text, "[[node]]" + chr(10) + "name = " + chr(34) + "MN")}: node "MN": '
        "interface_id ::a (taken from home_address) makes the RCoA on AR2 2001:db8:103::a, "
        'which is the map_address of node "AR2"; choose another interface_id '
        "(DAD would fail, RFC 4862 s.5.4)"
    ]


def test_the_engine_would_form_the_refused_address(tmp_path):
    """The check and the engine agree: loaded without the check, the MN's LCoA on AR1
    is AR1's own address."""
    from hmipviz.sim import Simulation

    s = load_scenario(write(tmp_path, BASE))
    clash = replace(s, nodes=tuple(replace(n, interface_id=1) if n.role == "mn" else n
                                   for n in s.nodes))
    sim = Simulation(clash)
    sim.run(3.0)
    assert sim.mn.lcoa == s.node("AR1").address
