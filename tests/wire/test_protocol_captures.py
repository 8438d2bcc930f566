"""Whole runs of the protocol-depth features, exported to pcapng and judged by Wireshark:
return routability and route-optimised data, Binding Errors, ICMPv6 Parameter Problems,
Binding Refresh Requests (and, with their own tests, ESP and MAP probing)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine"))

from nets import CN_ADDR, HA_ADDR, HOA, RCOA1, echo, figure1
from test_rfc6275_errors import EVE, LOCAL_BU, run, with_mh

from hmipviz.engine.messages import (
    BindingRefreshRequest,
    EchoRequest,
    HomeAddressOption,
    Packet,
    UnknownMobility,
)
from hmipviz.outputs import write_capture
from hmipviz.sim import Simulation
from hmipviz.wire.codec import encode

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not found on PATH")
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"


def tshark(path: Path, *fields: str, display_filter: str = "", prefs=()) -> list[list[str]]:
    args = [TSHARK, "-n", "-r", str(path), *prefs, "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        args += ["-e", f]
    if display_filter:
        args += ["-Y", display_filter]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    return [line.split("\t") for line in out.splitlines()]


def unique(rows: list[list[str]]) -> list[list[str]]:
    """One row per packet: a packet crossing three links is three frames."""
    out: list[list[str]] = []
    for row in rows:
        if row not in out:
            out.append(row)
    return out


@pytest.fixture(scope="module")
def ro_capture(tmp_path_factory) -> Path:
    sim = Simulation(figure1(flows=[echo(1.0, 500.0)], duration_s=3.0))
    sim.mn.route_optimization = True
    sim.run()
    path = tmp_path_factory.mktemp("ro") / "ro.pcapng"
    write_capture(sim, path)
    return path


@pytest.fixture(scope="module")
def error_capture(tmp_path_factory) -> Path:
    sim = run((2.0, with_mh(LOCAL_BU, lambda mh: mh.__setitem__(0, 6))),
              (2.1, encode(Packet(EVE, CN_ADDR, UnknownMobility(42, bytes(10))))),
              (3.3, encode(Packet(EVE, CN_ADDR, EchoRequest(7, 1, b"hi"),
                                  hao=HomeAddressOption(HOA)))),
              (2.3, with_mh(Packet(EVE, HA_ADDR, BindingRefreshRequest()),
                            lambda mh: mh.__setitem__(2, 5))),
              duration_s=40.0, protocol={"map_binding_lifetime_s": 40,
                                         "home_binding_lifetime_s": 40,
                                         "refresh_fraction": 0.95})
    path = tmp_path_factory.mktemp("errors") / "errors.pcapng"
    write_capture(sim, path)
    return path


@needs_tshark
def test_return_routability_capture_is_clean_and_decoded(ro_capture: Path) -> None:
    assert tshark(ro_capture, "frame.number", display_filter=PROBLEMS) == []
    types = {row[0] for row in tshark(ro_capture, "mip6.mhtype", display_filter="mipv6")}
    assert {"1", "2", "3", "4", "5", "6"} <= types
    (bu,) = unique(tshark(ro_capture, "ipv6.src", "ipv6.opt.mipv6.home_address", "mip6.ni.hni",
                   "mip6.ni.cni", "mip6.bad.auth", "mip6.bu.lifetime",
                   display_filter="mip6.mhtype == 5 && mip6.ni.hni && !ipv6.nxt == 41"))
    assert bu[0] == str(RCOA1) and bu[1] == str(HOA)
    assert (bu[2], bu[3], bu[5]) == ("1", "1", "105") and len(bu[4]) == 24
    hot = tshark(ro_capture, "mip6.hot.nindex", "mip6.hot.token", display_filter="mip6.mhtype == 3")
    assert hot and all(len(row[1]) == 18 and row[1].startswith("0x") for row in hot)
    # route-optimised data: RH2 from the CN, HAO from the MN (inside the MAP tunnel)
    assert tshark(ro_capture, "frame.number",
                  display_filter=f"ipv6.routing.mipv6.home_address == {HOA} && icmpv6.type == 128")
    assert tshark(ro_capture, "frame.number",
                  display_filter=f"ipv6.opt.mipv6.home_address == {HOA} && icmpv6.type == 129")


@needs_tshark
def test_error_answers_decode_and_only_the_crafted_packet_is_malformed(error_capture) -> None:
    flagged = tshark(error_capture, "frame.comment", display_filter=PROBLEMS)
    # the 8-octet "BU" is malformed on purpose; everything the nodes answered is clean
    assert flagged and all(row[0].startswith("crafted packet injected by EVE") for row in flagged)
    bes = unique(tshark(error_capture, "ipv6.src", "mip6.be.status", "mip6.be.haddr",
                        display_filter="mip6.mhtype == 7"))
    assert bes == [[str(CN_ADDR), "2", "::"], [str(CN_ADDR), "1", str(HOA)]]
    pps = unique(tshark(error_capture, "ipv6.src", "icmpv6.code", "icmpv6.pointer",
                        display_filter="icmpv6.type == 4"))
    assert [(row[0].split(",")[0], row[1].split(",")[0], row[2]) for row in pps] == [
        ("2001:db8:100::1", "0", "64"), (str(HA_ADDR), "0", "41")]
    assert tshark(error_capture, "frame.number", display_filter="mip6.mhtype == 0")


ESP_PREFS = ("-o", "esp.enable_null_encryption_decode_heuristic:TRUE",
             # every hop of a packet is in the capture, so the same ESP sequence number
             # shows up once per link: Wireshark's per-SPI sequence analysis would flag it
             "-o", "esp.do_esp_sequence_analysis:FALSE")


@pytest.fixture(scope="module")
def esp_capture(tmp_path_factory) -> Path:
    from test_esp_and_hijack import hijack
    sim = hijack("esp")
    path = tmp_path_factory.mktemp("esp") / "esp.pcapng"
    write_capture(sim, path)
    return path


@needs_tshark
def test_esp_capture_decodes_with_the_null_encryption_heuristic(esp_capture: Path) -> None:
    assert tshark(esp_capture, "frame.number", display_filter=PROBLEMS, prefs=ESP_PREFS) == []
    rows = unique(tshark(esp_capture, "esp.spi", "esp.sequence", "mip6.mhtype",
                         "mip6.bu.m_flag", "mip6.bu.h_flag", display_filter="esp",
                         prefs=ESP_PREFS))
    types = {row[2] for row in rows}
    assert types == {"5", "6"}  # BUs and BAs, every one of them inside ESP
    assert all(row[0].startswith("0x") and row[1] for row in rows)
    # no BU or BA outside ESP, except the attacker's plain BU
    plain = tshark(esp_capture, "frame.comment",
                   display_filter="(mip6.mhtype == 5 || mip6.mhtype == 6) && !esp",
                   prefs=ESP_PREFS)
    assert plain and all(row[0].startswith("crafted packet injected by EVE") for row in plain)


@needs_tshark
@pytest.mark.parametrize("name, security", [("route-optimisation", None), ("hijack", "none"),
                                            ("hijack", "esp"), ("map-failure", None),
                                            ("several-maps", None), ("several-maps", "esp")])
def test_builtin_captures_are_clean(name: str, security: str | None, tmp_path: Path) -> None:
    from hmipviz.scenario import load_scenario
    sim = Simulation(load_scenario(name), security=security)
    sim.run()
    assert sim.internal_errors == 0
    path = tmp_path / f"{name}.pcapng"
    write_capture(sim, path)
    assert tshark(path, "frame.number", display_filter=PROBLEMS, prefs=ESP_PREFS) == []
    if name == "map-failure":
        probes = unique(tshark(path, "ipv6.src", "ipv6.dst", "icmpv6.echo.identifier",
                               display_filter="icmpv6.type == 128 && icmpv6.echo.identifier "
                                              "== 0x4d50"))
        assert probes
        zero = tshark(path, "frame.time_relative", display_filter="icmpv6.opt.map.valid_lifetime "
                      "== 0")
        assert zero and min(float(row[0]) for row in zero) == pytest.approx(26.0, abs=0.01)
    if name == "hijack" and security == "none":
        stolen = tshark(path, "frame.number", display_filter="ipv6.dst == 2001:db8:66::e && "
                        "icmpv6.type == 128")
        assert len(stolen) > 20  # echo requests tunnelled to EVE


@pytest.fixture(scope="module")
def several_capture(tmp_path_factory) -> Path:
    from hmipviz.scenario import load_scenario
    sim = Simulation(load_scenario("several-maps"))
    sim.run()
    assert sim.internal_errors == 0
    path = tmp_path_factory.mktemp("several") / "several-maps.pcapng"
    write_capture(sim, path)
    return path


@needs_tshark
def test_several_maps_capture_one_local_bu_per_map_from_the_lcoa(several_capture: Path) -> None:
    """RFC 5380 s.7.1: a binding with MAP1 (selected) and MAP2 (extra_maps) at once, each
    local BU from the on-link LCoA (s.6.1), one per MAP on every move inside both domains."""
    assert tshark(several_capture, "frame.number", display_filter=PROBLEMS) == []
    local = unique(tshark(several_capture, "ipv6.src", "ipv6.dst", "ipv6.opt.mipv6.home_address",
                          "mip6.bu.seqnr",
                          display_filter="mip6.mhtype == 5 && mip6.bu.m_flag == 1"))
    lcoa = {n: f"2001:db8:{n}::a" for n in (2, 3, 4)}
    map1, map2, rcoa1, rcoa2 = ("2001:db8:100::1", "2001:db8:200::1", str(RCOA1),
                                "2001:db8:200::a")
    assert local == [
        [lcoa[2], map1, rcoa1, "1"], [lcoa[2], map2, rcoa2, "1"],  # attach on AR1
        [lcoa[3], map1, rcoa1, "2"], [lcoa[3], map2, rcoa2, "2"],  # 8 s: AR2, both domains
        [lcoa[4], map1, rcoa1, "3"],                               # 14 s: AR3, MAP1 only
        [lcoa[3], map1, rcoa1, "4"], [lcoa[3], map2, rcoa2, "3"],  # 20 s: AR2 again
    ]
    home = unique(tshark(several_capture, "ipv6.src", "ipv6.dst", "ipv6.opt.mipv6.home_address",
                         display_filter="mip6.mhtype == 5 && mip6.bu.h_flag == 1 && "
                                        "ipv6.nxt == 41"))
    assert home == [[f"{lcoa[2]},{rcoa1}", f"{map1},{HA_ADDR}", str(HOA)]]  # only via MAP1
    # CN2's binding: MAP2's RCoA, MAP1's while on AR3, MAP2's again
    cn2_bas = unique(tshark(several_capture, "ipv6.dst", "mip6.ba.seqnr",
                            display_filter="mip6.mhtype == 6 && ipv6.src == 2001:db8:60::1 "
                                           "&& !ipv6.nxt == 41"))
    assert cn2_bas == [[rcoa2, "1"], [rcoa1, "2"], [rcoa2, "3"]]
    # the MN's route-optimised answers to CN2: RCoA2 as source, inside the tunnel to MAP2
    to_cn2 = unique(tshark(several_capture, "ipv6.src", "ipv6.dst", "ipv6.opt.mipv6.home_address",
                           display_filter="icmpv6.type == 129 && ipv6.dst == 2001:db8:60::1 && "
                                          "ipv6.nxt == 41"))
    optimised = [row for row in to_cn2 if row[2]]  # the first ones went through the HA
    assert [f"{lcoa[2]},{rcoa2}", f"{map2},2001:db8:60::1", str(HOA)] in optimised
    # each RCoA only ever inside the tunnel to its own MAP (s.6.1, s.9.1)
    assert {(row[0].split(",")[1], row[1].split(",")[0]) for row in optimised} == {
        (rcoa2, map2), (rcoa1, map1)}
