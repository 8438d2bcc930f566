"""The field tables: the compiled reader the decoder uses agrees with the field-by-field
reading the dissector uses, and the old dissector keys map onto today's."""

from __future__ import annotations

import shutil
import subprocess

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from hmipviz.lesson.fields import DEPRECATED_FIELDS, FIELDS
from hmipviz.wire import fields as f
from hmipviz.wire.keys import RENAMED, new_key


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(f.LAYOUTS)), st.binary(min_size=64, max_size=64),
       st.integers(0, 8))
def test_the_compiled_reader_agrees_with_each_field(name: str, data: bytes, base: int) -> None:
    layout = f.LAYOUTS[name]
    expected = {x.attr: x.value(data, base) for x in layout.fields if x.attr is not None}
    assert layout.read(data, base) == expected


def test_a_masked_field_reads_its_bits() -> None:
    data = bytes([0x6A, 0xBC, 0xDE, 0xF1]) + bytes(36)
    assert f.IPV6.field("ipv6.version").raw(data, 0) == 6
    assert f.IPV6.field("ipv6.tclass").raw(data, 0) == 0xAB
    assert f.IPV6.field("ipv6.flow").raw(data, 0) == 0xCDEF1
    assert f.IPV6.read(data, 0)["traffic_class"] == 0xAB


def test_tables_fit_their_layout_and_keys_are_unique_within_a_message() -> None:
    for name, layout in f.LAYOUTS.items():
        keys = [x.key for x in layout.fields]
        assert len(keys) == len(set(keys)), name
        for x in layout.fields:
            assert x.offset >= 0 and x.offset + x.size <= layout.size, (name, x.key)
            assert x.mask < (1 << (8 * x.size)), (name, x.key)


def test_every_old_key_maps_to_a_current_one() -> None:
    current = {x.key for layout in f.LAYOUTS.values() for x in layout.fields}
    for old, new in RENAMED.items():
        assert new_key(old) == new
        assert old not in current or old == new, old  # an old name is not reused
    assert new_key("mip6.bu.flag_m") == "mip6.bu.m_flag"
    assert new_key("icmpv6.opt_map.dist") == "icmpv6.opt.map.distance"
    assert new_key("ipv6.src") == "ipv6.src"


def test_every_deprecated_lesson_field_names_a_lesson_field() -> None:
    for old, new in DEPRECATED_FIELDS.items():
        assert new in FIELDS and old not in FIELDS, old


def test_a_lesson_with_old_field_names_passes_check_with_a_warning(tmp_path, capsys) -> None:
    """Old names keep working in lesson files; `hmipviz check` warns, it does not fail."""
    from pathlib import Path

    from hmipviz.cli import main
    from hmipviz.lesson import load_lesson

    text = (Path(__file__).resolve().parents[2] / "lessons" / "11-wireshark.md").read_text()
    for old in ("mip6.bu.flag_m", "mip6.bu.flag_h", "routing.type"):
        text = text.replace(f'"{DEPRECATED_FIELDS[old]}" =', f'"{old}" =')
    path = tmp_path / "old-names.md"
    path.write_text(text)
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err
    line = next(n for n, text in enumerate(text.splitlines(), 1) if '"mip6.bu.flag_m" =' in text)
    assert f'{path}:{line}: warning: packet field "mip6.bu.flag_m" is deprecated, use ' \
           'Wireshark\'s name "mip6.bu.m_flag"' in err
    assert err.count("warning:") == 3
    steps = load_lesson(path).steps  # and the check reads the field under its new name
    assert 'mip6.bu.m_flag' in repr(steps[1].check)


OURS = ("packet.", "tunnel.", "inner.", "icmpv6.opt.map.count")  # no single Wireshark field


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not found on PATH")
def test_lesson_fields_and_table_keys_are_wiresharks_field_names() -> None:
    """A name a lesson checks, or the inspector shows, works as a display filter."""
    out = subprocess.run([shutil.which("tshark") or "tshark", "-G", "fields"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    wireshark = {line.split("\t")[2] for line in out.splitlines()
                 if line.startswith(("F\t", "P\t"))}
    lesson = [name for name in FIELDS if not name.startswith(OURS)]
    assert lesson and [name for name in lesson if name not in wireshark] == []
    table = {x.key for layout in f.LAYOUTS.values() for x in layout.fields}
    ours = {"mip6.opt.type", "mip6.be.reserved", "mip6.hoti.reserved", "mip6.coti.reserved"}
    assert sorted(table - wireshark) == sorted(ours)
