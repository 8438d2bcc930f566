"""release_freed_memory empties the caches that pin a dropped history's memory."""

from __future__ import annotations

import linecache

from hmipviz.gui.release import release_freed_memory
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation
from hmipviz.wire.codec import _decode_cached, _encode_cached


def test_release_empties_codec_caches_and_linecache() -> None:
    sim = Simulation(load_scenario("figure1"))
    sim.run(3.0)
    linecache.getline(__file__, 1)  # as PySide6's import hook does for each module
    assert _encode_cached.cache_info().currsize > 0
    assert _decode_cached.cache_info().currsize > 0
    assert __file__ in linecache.cache

    release_freed_memory()

    assert _encode_cached.cache_info().currsize == 0
    assert _decode_cached.cache_info().currsize == 0
    assert linecache.cache == {}
