"""The JSON Schema (draft 2020-12) of scenario files, written from the loader's own tables.

Nothing here restates a key, a type or a bound: the keys of each table and their
converters come from ``load`` and ``mns`` (``NODE_CONVERT``, ``LINK_CONVERT``, ...), the
role keys from ``model._ROLE_KEYS``, the ``[protocol]`` ranges from
``limits.PROTOCOL_RANGES``, and each converter carries the schema of what it accepts
(``convert.describe``). So an editor that reads JSON Schema for TOML (Taplo, Even Better
TOML) completes and checks the keys ``hmipviz check`` reads.

What a schema cannot say (a name that refers to a node, addresses inside prefixes, times
within the duration, ...) stays with the loader; :data:`LOADER_ONLY` lists those checks,
with a pattern of the loader's message for each, and docs/scenarios.md lists them too.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hmipviz import convert as cv
from hmipviz.scenario import limits, load, mns
from hmipviz.scenario.model import _ROLE_KEYS, ROLES
from hmipviz.scenario.values import _node_name

SCHEMA_ID = "https://hmipviz.invalid/schema/scenario.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

Schema = dict[str, Any]


def _object(
    convert: dict[str, cv.Convert], required: tuple[str, ...] = (), **more: Schema
) -> Schema:
    """A table: these keys and no others, ``required`` among them."""
    properties = {key: cv.schema_of(c) for key, c in convert.items()}
    properties.update(more)
    schema: Schema = {"type": "object", "properties": properties,
                      "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _array_of(table: Schema) -> Schema:
    return {"type": "array", "items": table}


def _mobility() -> Schema:
    """``mobility = { model = ..., ... }``: the keys and their types depend on the model."""
    cases = []
    for model, convert in mns.MODEL_CONVERT.items():
        then = _object({"model": cv.choice((model,)), **convert},
                       ("model",) + mns.MODEL_REQUIRED.get(model, ()))
        cases.append({"if": {"properties": {"model": {"const": model}}, "required": ["model"]},
                      "then": then})
    return {"type": "object", "required": ["model"],
            "properties": {"model": {"enum": list(mns.MODEL_CONVERT)}}, "allOf": cases}


def _node() -> Schema:
    """``[[node]]``: every node key, and per role the keys that role has and needs."""
    every = {key: load.NODE_CONVERT[key] for key in load.NODE_CONVERT}
    base = _object(
        {"name": _node_name, "role": cv.choice(ROLES), **every}, ("name", "role"),
        map_options=_array_of(_object(load.OPTION_CONVERT, load.REQUIRED["map_options"])),
        mobility=_mobility(),
    )
    cases = [{"if": {"properties": {"role": {"const": role}}, "required": ["role"]},
              "then": {"required": list(keys.required),
                       "propertyNames": {"enum": list(keys.all)}}}
             for role, keys in _ROLE_KEYS.items()]
    return {**base, "allOf": cases}


def _protocol() -> Schema:
    """``[protocol]``: each ProtocolConfig field, an integer or a number in its range."""
    properties: Schema = {}
    for key, kind in load._protocol_kinds().items():
        span = limits.PROTOCOL_RANGES.get(key, limits.Range(0, math.inf, "not negative"))
        one: Schema = {"type": "integer" if kind == "int" else "number", "minimum": span.lo}
        if math.isfinite(span.hi):
            one["maximum"] = span.hi
        if span.off is not None:
            one = {"anyOf": [{"const": span.off}, one]}
        properties[key] = {**one, "description": span.why}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _flow_template() -> Schema:
    table = _object(mns.FLOW_TEMPLATE_CONVERT)
    table["oneOf"] = [{"required": ["to"]}, {"required": ["from"]}]  # exactly one
    return table


def scenario_schema() -> Schema:
    """The schema of a scenario file, as a JSON-ready dict."""
    tables = {
        "node": _node(),
        "link": _object(load.LINK_CONVERT, load.REQUIRED["link"]),
        "move": _object(load.MOVE_CONVERT, load.REQUIRED["move"]),
        "fail": _object(load.ACTION_CONVERT, load.REQUIRED["fail"]),
        "restore": _object(load.ACTION_CONVERT, load.REQUIRED["restore"]),
        "flow": _object(load.FLOW_CONVERT, load.REQUIRED["flow"]),
        "inject": _object(load.INJECT_CONVERT, load.REQUIRED["inject"]),
        "mn_group": _object(mns.GROUP_CONVERT, mns.GROUP_REQUIRED, mobility=_mobility(),
                            flow=_flow_template()),
    }
    properties: Schema = {
        "scenario": _object(load.SCENARIO_CONVERT),
        "protocol": _protocol(),
        **{key: _array_of(table) for key, table in tables.items()},
    }
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "hmipviz scenario",
        "description": "A scenario file of hmipviz (docs/scenarios.md). Written by "
                       "`hmipviz schema` from the loader's tables; `hmipviz check` makes "
                       "the further checks listed there.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as the file ``hmipviz schema`` writes: indented JSON, one newline."""
    return json.dumps(scenario_schema(), indent=2) + "\n"


LOADER_ONLY: tuple[tuple[str, str], ...] = (
    ("a name that refers to a node (links, moves, flows, home_agent, attach, map)",
     r"no node|not an? |is not a|unknown node"),
    ("node names are unique", r"defined twice|also defined|duplicate|more than once"),
    ("an address is a valid global unicast IPv6 address; a prefix has no host bits",
     r"IPv6 address|IPv6 prefix|global unicast"),
    ("addresses lie inside their node's prefix; prefixes do not overlap",
     r"inside|overlap|outside"),
    ("care-of addresses and interface ids do not collide", r"same care-of|interface_id"),
    ("every time (at_s, start_s, stop_s) lies within duration_s", r"duration_s|after"),
    ("the network is connected", r"connected|cannot reach|no path"),
    ("[protocol] pairs keep their order (ra_min_interval_s <= ra_max_interval_s, ...)",
     r"must not be above"),
    ("an integer is not written as a float (5.0): a schema's integer accepts 5.0",
     r"must be an integer, not a float"),
    ("numbers are finite (TOML's inf and nan)", r"finite"),
    ("hex holds an even number of digits and at least 40 bytes", r"hex"),
    ("an area has x0 < x1 and y0 < y1; a [low, high] range has low <= high",
     r"x0 < x1|low <= high"),
    ("a scenario has the nodes and MNs a run needs", r"needs?|has no|at least one"),
    ("a flow runs between an MN and a CN or host, stops after it starts, and sets use_rcoa "
     "and map only where its ends allow", r"flow|use_rcoa|map"),
    ("an mn_group's interface ids fit in its home prefix", r"runs out"),
)
"""(what the loader checks beyond the schema, a pattern of its messages)."""
