"""pcapng export: read back by hand and by Wireshark's own dissectors (tshark)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path

import pytest

from hmipviz import __version__
from hmipviz.engine.messages import (
    ALL_NODES,
    ALL_ROUTERS,
    AlternateCareOfAddress,
    BindingAck,
    BindingAuthorizationData,
    BindingError,
    BindingRefreshAdvice,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    HomeTest,
    HomeTestInit,
    MapOption,
    NonceIndices,
    Packet,
    ParameterProblem,
    PrefixInformation,
    RawPayload,
    RouterAdvertisement,
    RouterSolicitation,
    Type2RoutingHeader,
    UdpDatagram,
    UnknownMobility,
    encapsulate,
)
from hmipviz.wire.capture import CaptureRecord, mac_address, write_pcapng
from hmipviz.wire.codec import encode

A = IPv6Address
LCOA, MAP, RCOA = A("2001:db8:1::a"), A("2001:db8:100::1"), A("2001:db8:100::a")
HA, HOA, CN = A("2001:db8:5::1"), A("2001:db8:5::a"), A("2001:db8:9::9")

LOCAL_BU = Packet(LCOA, MAP, BindingUpdate(1, 600, ack=True, map_registration=True),
                  hao=HomeAddressOption(RCOA))
LOCAL_BA = Packet(MAP, LCOA, BindingAck(0, 1, 600), routing=Type2RoutingHeader(RCOA))
RA = Packet(A("fe80::1"), ALL_NODES, RouterAdvertisement(
    prefixes=(PrefixInformation(IPv6Network("2001:db8:1::/64")),),
    map_options=(MapOption(dist=2, pref=10, r=True, valid_lifetime_s=600, map_address=MAP),),
    source_lladdr="02:00:00:00:00:01"), hop_limit=255)
TUNNELLED_ECHO = encapsulate(
    MAP, LCOA, encapsulate(HA, RCOA, Packet(CN, HOA, EchoRequest(1, 2, b"ping"))))

# (packet, link): every message type the engine sends
PACKETS = [
    (LOCAL_BU, "AR1-MN"),
    (LOCAL_BA, "AR1-MN"),
    (RA, "AR1-MN"),
    (Packet(A("fe80::a"), ALL_ROUTERS, RouterSolicitation("02:00:00:00:00:0a"), hop_limit=255),
     "AR1-MN"),
    (TUNNELLED_ECHO, "MAP1-AR1"),
    (Packet(CN, HOA, EchoReply(1, 2, b"ping")), "MAP1-AR1"),
    (Packet(RCOA, CN, UdpDatagram(40000, 40001, b"abc"), hao=HomeAddressOption(HOA)), "MAP1-AR1"),
    (Packet(CN, RCOA, UdpDatagram(40001, 40000, b"abc"), routing=Type2RoutingHeader(HOA)),
     "MAP1-AR1"),
    (Packet(RCOA, CN, EchoRequest(1, 2, b"x"), hao=HomeAddressOption(HOA)), "MAP1-AR1"),
    (Packet(MAP, LCOA, BindingError(1, RCOA)), "AR1-MN"),
    (Packet(CN, RCOA, BindingRefreshRequest(), routing=Type2RoutingHeader(HOA)), "MAP1-AR1"),
    (Packet(HOA, CN, HomeTestInit(b"12345678")), "MAP1-AR1"),
    (Packet(RCOA, CN, CareofTestInit(b"abcdefgh")), "MAP1-AR1"),
    (Packet(CN, HOA, HomeTest(3, b"12345678", b"tokentok")), "MAP1-AR1"),
    (Packet(CN, RCOA, CareofTest(4, b"abcdefgh", b"TOKENTOK")), "MAP1-AR1"),
    (Packet(RCOA, CN, BindingUpdate(9, 420, options=(NonceIndices(3, 4), BindingAuthorizationData(
        bytes(range(12))))), hao=HomeAddressOption(HOA)), "MAP1-AR1"),
    (Packet(CN, RCOA, BindingAck(0, 9, 420, options=(BindingRefreshAdvice(200),)),
            routing=Type2RoutingHeader(HOA)), "MAP1-AR1"),
    (Packet(RCOA, HA, BindingUpdate(10, 400, home_registration=True, options=(
        AlternateCareOfAddress(RCOA),)), hao=HomeAddressOption(HOA)), "MAP1-AR1"),
    (Packet(MAP, LCOA, ParameterProblem(0, 42, encode(LOCAL_BU))), "AR1-MN"),
    (Packet(LCOA, MAP, UnknownMobility(42, b"\x00\x00")), "AR1-MN"),
    (Packet(LCOA, MAP, RawPayload(59, b"")), "AR1-MN"),
]
TIMES = [1.001 + 0.001 * i for i in range(len(PACKETS))]  # 1.001 * 10**6 truncates to ...999


def records() -> list[CaptureRecord]:
    return [CaptureRecord(t_s=t, link=link, sender=f"node{i}", receiver=f"peer{i}", data=encode(p),
                          comment=f"#{i} {type(p.innermost().payload).__name__}")
            for i, (t, (p, link)) in enumerate(zip(TIMES, PACKETS, strict=True))]


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("capture") / "all.pcapng"
    assert write_pcapng(path, records()) == len(PACKETS)
    return path


# --- reading the file back by hand ------------------------------------------------------------


def blocks(data: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos < len(data):
        block_type, length = struct.unpack_from("<II", data, pos)
        assert length % 4 == 0 and struct.unpack_from("<I", data, pos + length - 4)[0] == length
        yield block_type, data[pos + 8:pos + length - 4]
        pos += length


def options(body: bytes) -> dict[int, bytes]:
    found, pos = {}, 0
    while pos + 4 <= len(body):
        code, length = struct.unpack_from("<HH", body, pos)
        if code == 0:
            break
        found[code] = body[pos + 4:pos + 4 + length]
        pos += 4 + length + (-length % 4)
    return found


def test_file_structure_interfaces_and_timestamps(capture: Path) -> None:
    parsed = list(blocks(capture.read_bytes()))
    assert parsed[0][0] == 0x0A0D0D0A
    magic, major, minor, section_length = struct.unpack_from("<IHHq", parsed[0][1])
    assert (magic, major, minor, section_length) == (0x1A2B3C4D, 1, 0, -1)
    # only the application (shb_userappl): no OS or hardware strings, same bytes anywhere
    assert options(parsed[0][1][16:]) == {4: f"hmipviz {__version__}".encode()}
    idbs = [body for kind, body in parsed if kind == 1]
    names = [options(body[8:])[2].decode() for body in idbs]
    assert names == ["AR1-MN", "MAP1-AR1"]  # one per link, in first-use order, none unnamed
    assert all(options(body[8:])[9] == b"\x09" for body in idbs)  # if_tsresol: nanoseconds
    epbs = [body for kind, body in parsed if kind == 6]
    assert len(epbs) == len(PACKETS)
    for body, t, (_, link), record in zip(epbs, TIMES, PACKETS, records(), strict=True):
        if_id, high, low, caplen = struct.unpack_from("<IIII", body)
        assert names[if_id] == link
        assert (high << 32) | low == round(t * 1_000_000) * 1000
        frame = body[20:20 + caplen]
        assert frame[14:] == record.data and frame[12:14] == b"\x86\xdd"
        assert options(body[20 + caplen + (-caplen % 4):])[1].decode() == record.comment


def test_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.pcapng", tmp_path / "b.pcapng"
    write_pcapng(first, records())
    write_pcapng(second, iter(records()))
    assert first.read_bytes() == second.read_bytes()


def test_atomic_on_a_failing_iterator(tmp_path: Path) -> None:
    path = tmp_path / "out.pcapng"

    def failing() -> Iterator[CaptureRecord]:
        yield from records()[:3]
        raise RuntimeError("simulation crashed")

    with pytest.raises(RuntimeError, match="simulation crashed"):
        write_pcapng(path, failing())
    assert list(tmp_path.iterdir()) == []  # no capture and no temporary file

    path.write_bytes(b"previous capture")
    with pytest.raises(ValueError, match="capture time"):
        write_pcapng(path, [CaptureRecord(-1.0, "L", "a", "b", encode(RA), "")])
    assert path.read_bytes() == b"previous capture"
    assert sorted(os.listdir(tmp_path)) == ["out.pcapng"]


def test_mac_addresses() -> None:
    mac = mac_address("MN1", "AR1-MN")
    first = int(mac[:2], 16)
    assert first & 0x02 and not first & 0x01  # locally administered, unicast
    assert mac == mac_address("MN1", "AR1-MN") != mac_address("MN1", "AR2-MN")


# --- Wireshark's view ---------------------------------------------------------------------------

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None,
    reason="tshark not found on PATH (apt-get install tshark): Wireshark cross-checks skipped")
# ICMPv6 is always checked; tshark 4.0 has no MH pref
CHECKSUM_PREFS = ["-o", "udp.check_checksum:TRUE"]
TRUE = {"1", "True"}  # tshark 4.0 prints booleans as 1, newer ones as True


def tshark_fields(path: Path, *fields: str, display_filter: str = "") -> list[list[str]]:
    args = [TSHARK, "-n", "-r", str(path), *CHECKSUM_PREFS, "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for field in fields:
        args += ["-e", field]
    if display_filter:
        args += ["-Y", display_filter]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    return [line.split("\t") for line in out.splitlines()]


@needs_tshark
def test_tshark_sees_interfaces_comments_times_and_protocols(capture: Path) -> None:
    rows = tshark_fields(capture, "frame.interface_name", "frame.comment", "frame.time_epoch",
                         "frame.protocols")
    assert len(rows) == len(PACKETS)
    for row, t, (_, link), record in zip(rows, TIMES, PACKETS, records(), strict=True):
        name, comment, epoch, protocols = row
        assert name == link and comment == record.comment
        assert epoch == f"{t:.6f}000"
        assert protocols.startswith("eth:ethertype:ipv6")
    assert "mipv6" in rows[0][3] and "icmpv6" in rows[2][3]


@needs_tshark
def test_tshark_decodes_the_map_option(capture: Path) -> None:
    (row,) = tshark_fields(capture, "icmpv6.opt.map.distance", "icmpv6.opt.map.preference",
                           "icmpv6.opt.map.flag.r", "icmpv6.opt.map.valid_lifetime",
                           "icmpv6.opt.map.global_address", "icmpv6.opt.prefix", "eth.dst",
                           display_filter="icmpv6.type == 134")
    dist, pref, r, lifetime, address, prefix, eth_dst = row
    assert (dist, pref, lifetime, address, prefix) == ("2", "10", "600", str(MAP), "2001:db8:1::")
    assert r in TRUE
    assert eth_dst == "33:33:00:00:00:01"  # RFC 2464 multicast mapping of ff02::1


@needs_tshark
def test_tshark_decodes_local_bu_hao_and_ba_rh2(capture: Path) -> None:
    bu, ba = tshark_fields(capture, "mip6.mhtype", "mip6.bu.m_flag", "mip6.bu.a_flag",
                           "mip6.bu.h_flag", "mip6.bu.seqnr", "mip6.bu.lifetime",
                           "ipv6.opt.mipv6.home_address", "ipv6.routing.type",
                           "ipv6.routing.segleft", "ipv6.routing.mipv6.home_address",
                           "mip6.ba.status", "eth.src", display_filter="frame.number <= 2")
    assert bu[0] == "5" and bu[1] in TRUE and bu[2] in TRUE and bu[3] not in TRUE
    assert (bu[4], bu[5], bu[6]) == ("1", "150", str(RCOA))
    assert bu[11] == mac_address("node0", "AR1-MN")
    assert ba[0] == "6" and (ba[7], ba[8], ba[9], ba[10]) == ("2", "1", str(RCOA), "0")
    home_bu = tshark_fields(capture, "mip6.bu.m_flag", "mip6.bu.h_flag", "mip6.acoa.acoa",
                            display_filter="mip6.bu.h_flag == 1")
    assert len(home_bu) == 1
    assert home_bu[0][0] not in TRUE and home_bu[0][1] in TRUE and home_bu[0][2] == str(RCOA)
    rr_bu = tshark_fields(capture, "mip6.ni.hni", "mip6.ni.cni", "mip6.bad.auth",
                          display_filter="mip6.ni.hni")
    assert rr_bu == [["3", "4", bytes(range(12)).hex()]]
    (bra,) = tshark_fields(capture, "mip6.bra.interval", display_filter="mip6.bra.interval")
    assert bra == ["50"]  # 200 s in 4-second units


@needs_tshark
def test_tshark_follows_nested_tunnels(capture: Path) -> None:
    (row,) = tshark_fields(capture, "ipv6.src", "ipv6.dst", "ipv6.nxt",
                           "icmpv6.echo.sequence_number", display_filter="frame.number == 5")
    assert row[0] == f"{MAP},{HA},{CN}" and row[1] == f"{LCOA},{RCOA},{HOA}"
    assert row[2] == "41,41,58" and row[3] == "2"


@needs_tshark
def test_tshark_reports_no_malformed_packets_or_bad_checksums(capture: Path) -> None:
    assert tshark_fields(capture, "frame.number",
                         display_filter="_ws.malformed || _ws.expert.severity >= warning") == []
    statuses = tshark_fields(capture, "icmpv6.checksum.status", "udp.checksum.status",
                             display_filter="icmpv6 || udp")
    checksummed = (RouterAdvertisement, RouterSolicitation, EchoRequest, EchoReply,
                   ParameterProblem, UdpDatagram)
    expected = sum(isinstance(p.innermost().payload, checksummed) for p, _ in PACKETS)
    assert len(statuses) == expected == 8
    for row in statuses:  # 1 = good; several values for ICMPv6 inside a tunnel
        assert set(",".join(row).replace(",", " ").split()) == {"1"}, row


@needs_tshark
def test_tshark_filter_does_flag_a_bad_checksum(tmp_path: Path) -> None:
    """The no-warnings check above is not vacuous: a corrupted echo is reported."""
    data = bytearray(encode(Packet(CN, HOA, EchoRequest(1, 2, b"ping"))))
    data[-1] ^= 0xFF
    path = tmp_path / "bad.pcapng"
    write_pcapng(path, [CaptureRecord(0.5, "L", "a", "b", bytes(data), "")])
    flagged = "_ws.malformed || _ws.expert.severity >= warning"
    assert tshark_fields(path, "frame.number", display_filter=flagged) == [["1"]]


@needs_tshark
def test_tshark_reads_an_empty_capture(tmp_path: Path) -> None:
    path = tmp_path / "empty.pcapng"
    assert write_pcapng(path, []) == 0
    assert tshark_fields(path, "frame.number") == []


def test_section_header_names_the_application_and_the_run(tmp_path: Path) -> None:
    path = tmp_path / "run.pcapng"
    write_pcapng(path, records()[:2], comment="scenario figure1, mode hmipv6, seed 7")
    (kind, body), *_ = blocks(path.read_bytes())
    assert kind == 0x0A0D0D0A
    assert options(body[16:]) == {1: b"scenario figure1, mode hmipv6, seed 7",
                                  4: f"hmipviz {__version__}".encode()}


def test_streaming_writer_gives_the_file_s_bytes(capture: Path) -> None:
    import io

    from hmipviz.wire.capture import PcapNgWriter
    stream = io.BytesIO()
    writer = PcapNgWriter(stream)
    for record in records():
        writer.write(record)
    assert writer.count == len(PACKETS) and stream.getvalue() == capture.read_bytes()


CAPINFOS = shutil.which("capinfos")


@pytest.mark.skipif(CAPINFOS is None, reason="capinfos not found on PATH (apt-get install tshark)")
def test_capinfos_reads_the_section_comment_and_nanoseconds(tmp_path: Path) -> None:
    path = tmp_path / "run.pcapng"
    write_pcapng(path, records(), comment="scenario figure1, mode hmipv6, seed 7")
    out = subprocess.run([CAPINFOS, "-k", "-a", "-e", str(path)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert "Capture comment:     scenario figure1, mode hmipv6, seed 7" in out
    assert "1970-01-01 00:00:01.001000000" in out  # the first packet, to the nanosecond
