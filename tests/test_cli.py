"""The `hmipviz` command line: run, scenarios, check, errors, outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from hmipviz.cli import main

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed "
                                  "(Debian package tshark); CI installs it")


def tshark_fields(path, *fields, display_filter=None):
    cmd = [TSHARK, "-r", str(path), "-T", "fields", "-E", "separator=|"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


def test_run_prints_the_intra_map_handover(capsys):
    assert main(["run", "figure1", "--move", "5:AR2", "--until", "8"]) == 0
    out = capsys.readouterr().out
    assert "handovers: 2" in out
    line = next(x for x in out.splitlines() if "intra-MAP" in x)
    assert "AR1 -> AR2" in line and "start 5.000 s" in line
    assert "to HA      1 messages" in out  # only the initial registration


def test_run_mipv6_mode_sends_every_move_to_the_ha(capsys):
    assert main(["run", "figure1", "--move", "5:AR2", "--until", "8", "--mode", "mipv6"]) == 0
    out = capsys.readouterr().out
    assert "to HA      2 messages" in out and "to MAP     0 messages" in out


@needs_tshark
def test_acceptance_capture_decodes_cleanly_in_wireshark(tmp_path, capsys):
    pcap = tmp_path / "f.pcapng"
    assert main(["run", "figure1", "--move", "5:AR2", "--pcap", str(pcap)]) == 0
    # nothing malformed, no checksum or other warnings
    assert tshark_fields(pcap, "frame.number",
                         display_filter="_ws.malformed || _ws.expert.severity >= warning") == []
    # the RA carries the MAP option
    maps = tshark_fields(pcap, "icmpv6.opt.map.distance", "icmpv6.opt.map.preference",
                         "icmpv6.opt.map.flag.r", "icmpv6.opt.map.global_address",
                         display_filter="icmpv6.type == 134")
    assert maps and maps[0] == ["2", "10", "1", "2001:db8:100::1"]
    # local BUs with A and M, and the HAO carrying the RCoA
    bus = tshark_fields(pcap, "frame.time_relative", "mip6.bu.a_flag", "mip6.bu.m_flag",
                        "mip6.bu.h_flag", "ipv6.opt.mipv6.home_address", "ipv6.src",
                        display_filter="mip6.mhtype == 5 && mip6.bu.m_flag == 1 "
                                       "&& frame.interface_name contains \"MN\"")
    assert {tuple(b[1:]) for b in bus} == {
        ("1", "1", "0", "2001:db8:100::a", "2001:db8:2::a"),
        ("1", "1", "0", "2001:db8:100::a", "2001:db8:3::a")}
    # the MAP's BAs carry a type 2 routing header with the RCoA
    bas = tshark_fields(pcap, "mip6.ba.status", "ipv6.routing.type",
                        "ipv6.routing.mipv6.home_address", "ipv6.dst",
                        display_filter="mip6.mhtype == 6 && ipv6.src == 2001:db8:100::1")
    assert ["0", "2", "2001:db8:100::a", "2001:db8:3::a"] in bas
    # no BU to the HA for the intra-MAP move (after 5 s)
    late_home_bus = tshark_fields(pcap, "frame.number",
                                  display_filter="mip6.bu.h_flag == 1 && frame.time_relative > 5")
    assert late_home_bus == []
    # one interface per link, named after its two nodes, and a comment on each packet
    names = {r[0] for r in tshark_fields(pcap, "frame.interface_name")}
    assert {"AR1-MN", "AR2-MN", "MAP1-AR1", "MAP1-AR2", "R-MAP1", "HA-R"} <= names
    comments = tshark_fields(pcap, "frame.comment", display_filter="mip6.bu.m_flag == 1")
    assert all("RFC 5380 s.6.1" in c[0] for c in comments)


def test_pcap_and_trace_are_deterministic(tmp_path):
    for n in (1, 2):
        assert main(["run", "two-domains", "--quiet", "--pcap", str(tmp_path / f"{n}.pcapng"),
                     "--trace", str(tmp_path / f"{n}.jsonl")]) == 0
    assert (tmp_path / "1.pcapng").read_bytes() == (tmp_path / "2.pcapng").read_bytes()
    assert (tmp_path / "1.jsonl").read_text() == (tmp_path / "2.jsonl").read_text()


def test_trace_lines_and_caches_json(tmp_path):
    trace, caches = tmp_path / "t.jsonl", tmp_path / "c.json"
    assert main(["run", "figure1", "--quiet", "--until", "6", "--move", "5:AR2",
                 "--trace", str(trace), "--caches", str(caches)]) == 0
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    assert all({"t", "type", "node"} <= set(e) for e in events)
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    assert any(e["type"] == "HandoverCompleted" and e["kind"] == "intra-MAP" for e in events)
    data = json.loads(caches.read_text())
    assert data["binding_caches"]["MAP1"] == [{
        "home_address": "2001:db8:100::a", "care_of_address": "2001:db8:3::a",
        "lifetime_s": 600, "remaining_s": pytest.approx(600 - (6 - 5.09), abs=0.1),
        "sequence": 2, "flags": "M"}]
    assert data["binding_caches"]["HA"][0]["care_of_address"] == "2001:db8:100::a"
    bul = data["binding_update_list"]["MN"]
    assert {(b["peer"], b["care_of_address"], b["acknowledged"]) for b in bul} == {
        ("MAP1", "2001:db8:3::a", True), ("HA", "2001:db8:100::a", True)}


def test_scenarios_lists_the_builtins(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("figure1", "two-domains", "multi-map", "flat", "map-failure"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), name


@pytest.mark.parametrize("argv, message", [
    (["run", "nosuch"], "nosuch"),
    (["run", "figure1", "--move", "5:AR9"], "'AR9' is not an AR of scenario figure1"),
    (["run", "figure1", "--move", "soon:AR2"], "is not a time in seconds"),
    (["run", "figure1", "--move", "5"], "expected TIME:AR"),
    (["run", "figure1", "--until", "-1"], "--until must be a positive"),
    (["frobnicate"], "invalid choice"),
])
def test_errors_are_one_line_with_exit_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_unwritable_output_is_a_clean_error(tmp_path, capsys):
    assert main(["run", "figure1", "--until", "1", "--pcap",
                 str(tmp_path / "no" / "such" / "dir" / "x.pcapng")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "Traceback" not in err


def test_check_accepts_good_and_rejects_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nbogus = 1\n')
    from hmipviz.resources import builtin_scenarios_dir
    good = builtin_scenarios_dir() / "figure1.toml"
    assert main(["check", str(good)]) == 0
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:3" in err and "bogus" in err


def test_python_dash_m_runs_the_same_command():
    proc = subprocess.run([sys.executable, "-m", "hmipviz", "run", "figure1", "--until", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "scenario figure1 (hmipv6)" in proc.stdout


@pytest.mark.parametrize("security, care_of", [("none", "2001:db8:66::e"),
                                               ("esp", "2001:db8:2::a")])
def test_security_option_decides_the_hijack(security, care_of, tmp_path):
    caches = tmp_path / "c.json"
    assert main(["run", "hijack", "--security", security, "--until", "8", "--quiet",
                 "--caches", str(caches)]) == 0
    entry = json.loads(caches.read_text())["binding_caches"]["MAP1"][0]
    assert (entry["home_address"], entry["care_of_address"]) == ("2001:db8:100::a", care_of)


def test_run_reports_the_path_mtu_of_each_flow(capsys):
    assert main(["run", "figure1", "--until", "3"]) == 0
    out = capsys.readouterr().out
    assert "flow 1 CN -> MN: up to 3 IPv6 headers, 120 octets of headers, 1380 left" in out


def test_capture_section_comment_names_the_run(tmp_path):
    import struct
    pcap = tmp_path / "x.pcapng"
    assert main(["run", "two-domains", "--until", "2", "--seed", "3", "--mode", "mipv6",
                 "--quiet", "--pcap", str(pcap)]) == 0
    data = pcap.read_bytes()
    block_type, length = struct.unpack_from("<II", data)
    body, found, pos = data[8 + 16:length - 4], {}, 0
    while pos + 4 <= len(body):
        code, size = struct.unpack_from("<HH", body, pos)
        if code == 0:
            break
        found[code] = body[pos + 4:pos + 4 + size].decode()
        pos += 4 + size + (-size % 4)
    assert block_type == 0x0A0D0D0A
    assert found[1] == "scenario two-domains, mode mipv6, seed 3, security none"
    assert found[4].startswith("hmipviz ")
