"""The editor's Qt-free model (hmipviz/scenario/edit*.py): edits of the document text,
what it proposes for new nodes and lines, and the validator with key paths, which must
say exactly what `hmipviz check` says."""

from __future__ import annotations

from ipaddress import IPv6Network

import pytest

from hmipviz.scenario import ScenarioError, load_scenario
from hmipviz.scenario.edit import (
    EMPTY_DOCUMENT,
    AddFlow,
    AddLink,
    AddMapOption,
    Batch,
    Inline,
    MoveNode,
    RemoveItem,
    RemoveMapOption,
    RemoveNode,
    RenameNode,
    SetItemKey,
    SetMapOptionKey,
    SetNodeKey,
    SetScenarioKey,
    apply_edit,
    read,
)
from hmipviz.scenario.edit_check import validate
from hmipviz.scenario.edit_propose import propose_connection, propose_node
from hmipviz.scenario.save_toml import read_base

FIGURE1 = read_base(load_scenario("figure1"))


def _apply(text: str, *edits) -> str:
    for edit in edits:
        text = apply_edit(text, edit)
    return text


def test_the_proposals_follow_the_builtins_address_plan():
    text = EMPTY_DOCUMENT
    made = []
    for role in ("ha", "cn", "router", "map", "ar", "ar", "map", "host", "mn", "ha", "mn"):
        edit = propose_node(text, role, (300, 560))
        made.append((edit.name, dict(edit.values)))
        text = apply_edit(text, edit)
    assert made[:5] == [
        ("HA", {"address": "2001:db8:1::1", "prefix": "2001:db8:1::/64"}),
        ("CN", {"address": "2001:db8:50::1", "prefix": "2001:db8:50::/64"}),
        ("R", {"address": "2001:db8:ff::1", "prefix": "2001:db8:ff::/64"}),
        ("MAP1", {"address": "2001:db8:100::1", "prefix": "2001:db8:100::/64"}),
        ("AR1", {"address": "2001:db8:2::1", "prefix": "2001:db8:2::/64"})]
    assert [n for n, _ in made[5:]] == ["AR2", "MAP2", "H1", "MN", "HA2", "MN2"]
    assert made[6][1]["prefix"] == "2001:db8:101::/64"
    # the MN: the first HA, ::a then ::b of its prefix, attached to the AR covering it
    assert made[8][1] == {"home_agent": "HA", "home_address": "2001:db8:1::a",
                          "attach": "AR1"}
    assert made[10][1]["home_address"] == "2001:db8:1::b"
    prefixes = [IPv6Network(v["prefix"]) for _, v in made if "prefix" in v]
    assert all(p.subnet_of(IPv6Network("2001:db8::/32")) for p in prefixes)
    assert not any(p.overlaps(q) for i, p in enumerate(prefixes) for q in prefixes[i + 1:])


def test_a_proposal_skips_a_prefix_already_taken():
    text = _apply(EMPTY_DOCUMENT, propose_node(EMPTY_DOCUMENT, "ha", (0, 0)))
    text = _apply(text, SetNodeKey("HA", "prefix", "2001:db8:50::/48"))
    edit = propose_node(text, "cn", (0, 0))
    assert dict(edit.values)["prefix"] == "2001:db8:51::/64"


def test_what_a_line_between_two_nodes_means():
    assert propose_connection(FIGURE1, "MN", "AR2") == SetNodeKey("MN", "attach", "AR2")
    assert propose_connection(FIGURE1, "CN", "MN") == AddFlow("CN", "MN")
    assert propose_connection(FIGURE1, "MN", "CN") == AddFlow("MN", "CN")
    assert propose_connection(FIGURE1, "AR1", "AR2") == AddLink("AR1", "AR2", 2.0)
    assert propose_connection(FIGURE1, "HA", "CN") == AddLink("HA", "CN", 10.0)
    assert propose_connection(FIGURE1, "R", "HA") is None  # linked already
    assert propose_connection(FIGURE1, "R", "R") is None


def test_removing_a_node_takes_what_names_it_with_it():
    text = _apply(FIGURE1, RemoveNode("MAP1"))
    doc = read(text)
    assert "MAP1" not in [n["name"] for n in doc["node"]]
    assert not any("MAP1" in (k["a"], k["b"]) for k in doc["link"])
    assert all("map_options" not in n for n in doc["node"] if n["role"] == "ar")
    assert "# No dist: the AR advertises" in text  # the other comments stay
    removed_ar = read(_apply(FIGURE1, RemoveNode("AR1")))
    assert "attach" not in removed_ar["node"][-1]
    assert read(_apply(FIGURE1, RemoveNode("CN"))).get("flow") is None


def test_renaming_a_node_renames_every_reference():
    text = _apply(FIGURE1, RenameNode("MAP1", "MAP-A"), RenameNode("HA", "Home"))
    assert validate(text).ok
    scenario = validate(text).scenario
    assert scenario.node("AR1").map_options[0].map == "MAP-A"
    assert scenario.node("MN").home_agent == "Home"
    assert {frozenset((k.a, k.b)) for k in scenario.links} >= {
        frozenset(("R", "MAP-A")), frozenset(("Home", "R"))}


def test_edits_change_only_their_keys_and_keep_the_layout():
    text = _apply(FIGURE1,
                  MoveNode("HA", (150.0, 80.5)),
                  SetItemKey("link", 0, "delay_ms", 30),
                  SetItemKey("link", 0, "loss", 0.1),
                  SetMapOptionKey("AR1", 0, "dist", 2),
                  SetMapOptionKey("AR1", 0, "lifetime_s", 300),
                  SetScenarioKey("duration_s", 25))
    changed = set(text.splitlines()) ^ set(FIGURE1.splitlines())
    assert changed == {  # (link 1 keeps its "delay_ms = 20", AR2 its MAP option line)
        "position = [160, 90]", "position = [150, 80.5]", "delay_ms = 30", "loss = 0.1",
        '    { map = "MAP1", pref = 10, lifetime_s = 300, r = true, dist = 2 },',
        "duration_s = 20", "duration_s = 25"}
    assert len(text.splitlines()) == len(FIGURE1.splitlines()) + 1  # the loss line
    scenario = validate(text).scenario
    assert scenario.node("AR1").map_options[0].dist == 2
    assert scenario.node("AR2").map_options[0].dist is None


def test_map_options_added_and_removed():
    text = _apply(FIGURE1, RemoveMapOption("AR2", 0))
    assert "map_options" not in read(text)["node"][5]
    text = _apply(text, AddMapOption("AR2", "MAP1", pref=12))
    assert '{ map = "MAP1", pref = 12 }' in text
    assert validate(text).scenario.node("AR2").map_options[0].pref == 12


def test_mobility_is_an_inline_table_and_a_batch_is_one_text():
    text = _apply(FIGURE1, SetNodeKey("MN", "mobility", Inline((
        ("model", "waypoints"), ("points", ((340, 500), (660, 500))), ("speed_mps", 10)))))
    assert 'mobility = {model = "waypoints", points = [[340, 500], [660, 500]], speed_mps = 10}' \
        in text
    assert validate(text).scenario.node("MN").mobility.model == "waypoints"
    both = Batch((RemoveItem("flow", 0), RemoveItem("link", 4)))
    assert apply_edit(FIGURE1, both) == _apply(FIGURE1, RemoveItem("flow", 0),
                                               RemoveItem("link", 4))


@pytest.mark.parametrize("edit", [
    SetItemKey("link", 3, "delay_ms", -5),
    SetNodeKey("AR2", "address", "2001:db8:2::1"),
    SetNodeKey("MN", "home_agent", "CN"),
    SetMapOptionKey("AR1", 0, "map", "R"),
    SetNodeKey("AR1", "radius", "wide"),
    RemoveNode("HA"),
])
def test_the_validator_says_what_hmipviz_check_says_and_where(edit, tmp_path):
    text = apply_edit(FIGURE1, edit)
    path = tmp_path / "edited.toml"
    path.write_text(text)
    result = validate(text, label=str(path))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert [p.message for p in result.problems] == error.value.messages
    assert not result.ok
    # each problem names the item it is about
    kinds = {p.item()[0] for p in result.problems if p.item()}
    assert kinds and kinds <= {"node", "link", "flow"}


def test_a_valid_text_gives_the_scenario_load_gives():
    result = validate(FIGURE1, default_name="figure1")
    assert result.ok and result.problems == ()
    assert result.scenario == load_scenario("figure1")
