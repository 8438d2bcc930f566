"""A run never imports scapy (issue 9: importing it costs about 44 MB of resident memory
in the window). In a fresh interpreter: every built-in scenario, with and without ESP,
headless through the simulator, every packet decoded and dissected as the inspector
does, and one packet of every payload type encoded; then scapy must not be loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, sys, typing
    from collections import Counter
    from ipaddress import IPv6Address
    from pathlib import Path

    from hmipviz.engine import messages as m
    from hmipviz.engine.events import PacketSent
    from hmipviz.scenario import load_scenario
    from hmipviz.sim import Simulation
    from hmipviz.wire.codec import DecodeError, decode, dissect, encode

    assert "scapy" not in sys.modules, "importing the codec and simulator loaded scapy"
    seen = Counter()

    dissected = Counter()

    def count(data):
        try:
            p = decode(data)
        except DecodeError:
            seen["DecodeError"] += 1
            return
        chain = []
        while True:
            pl = p.payload
            name = type(pl).__name__
            if isinstance(pl, m.RawPayload) and pl.next_header == m.NH_ESP:
                name = "ESP"
            seen[name] += 1
            chain.append(name)
            if not isinstance(pl, m.Tunnelled):
                break
            p = pl.inner
        # every shape of packet is dissected, but not the ten-thousandth data packet of
        # the same shape (the dissector's code paths are the same; it is the slow part)
        shape = (tuple(chain), len(data))
        if dissected[shape] < 3:
            dissected[shape] += 1
            for node in dissect(data):
                seen["dissected " + node.key] += 1

    for path in sorted(Path(sys.argv[1]).glob("*.toml")):
        for security in ("none", "esp"):
            sim = Simulation(load_scenario(path), security=security, keep_trace=False)
            sim.add_listener(lambda ev: count(ev.data) if isinstance(ev, PacketSent) else None)
            # tens of MNs repeat the same exchanges: their first 20 s are enough
            sim.run(until_s=20.0 if sim.scenario.mn_groups else None)
            seen["runs"] += 1
            seen["internal errors"] += sim.internal_errors

    a, b = IPv6Address("2001:db8::1"), IPv6Address("2001:db8::2")
    one_of_each = [
        m.BindingError(1, a), m.BindingRefreshRequest(), m.HomeTestInit(bytes(8)),
        m.CareofTestInit(bytes(8)), m.HomeTest(1, bytes(8), bytes(8)),
        m.CareofTest(1, bytes(8), bytes(8)), m.UnknownMobility(99, bytes(2)),
        m.ParameterProblem(0, 6, bytes(48)), m.PacketTooBig(1280, bytes(48)),
        m.TimeExceeded(0, bytes(48)),
    ]
    for pl in one_of_each:
        packet = m.Packet(a, b, pl, hao=m.HomeAddressOption(a), routing=m.Type2RoutingHeader(b))
        count(encode(packet))
    protected = m.Packet(a, b, m.BindingUpdate(1, 8), hao=m.HomeAddressOption(b),
                         esp=m.EspSecurity(0x1234, 1, bytes(20)))
    count(encode(protected))
    print(json.dumps({"scapy": sorted(k for k in sys.modules if k.split(".")[0] == "scapy"),
                      "seen": seen}))
""")


def test_runs_decoding_and_dissecting_never_import_scapy() -> None:
    scenarios = ROOT / "assets" / "scenarios"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(scenarios)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["scapy"] == []
    seen = result["seen"]
    assert seen["runs"] == 2 * len(list(scenarios.glob("*.toml"))) >= 16
    assert seen["internal errors"] == 0
    # the runs really took the paths that used to import scapy
    for name in ("ESP", "HomeTestInit", "CareofTestInit", "HomeTest", "CareofTest",
                 "BindingUpdate", "BindingAck", "Tunnelled", "RouterAdvertisement",
                 "BindingError", "BindingRefreshRequest", "UnknownMobility",
                 "ParameterProblem", "PacketTooBig", "TimeExceeded"):
        assert seen.get(name, 0) > 0, (name, seen)
    assert seen.get("DecodeError", 0) == 0
