"""sim_snapshot.SnapshotRandom: a pickled or copied generator goes on with exactly the
numbers the original gives, in a smaller pickle than random.Random's."""

from __future__ import annotations

import copy
import pickle
import random

from hmipviz.sim_snapshot import SnapshotRandom


def test_a_thawed_generator_continues_the_same_stream():
    reference = random.Random("7/HA")
    ours = SnapshotRandom("7/HA")
    for _ in range(5):
        assert ours.random() == reference.random()
    ours.gauss(0.0, 1.0)  # leaves a second normal value waiting (gauss_next)
    reference.gauss(0.0, 1.0)
    for twin in (pickle.loads(pickle.dumps(ours, pickle.HIGHEST_PROTOCOL)),
                 copy.deepcopy(ours), copy.copy(ours)):
        assert type(twin) is SnapshotRandom
        assert twin.getstate() == ours.getstate()
        assert [twin.gauss(0.0, 1.0), twin.random(), twin.randbytes(8)] == \
            [reference.gauss(0.0, 1.0), reference.random(), reference.randbytes(8)]
        reference.setstate(ours.getstate())  # rewind for the next twin
    assert len(pickle.dumps(ours, pickle.HIGHEST_PROTOCOL)) < \
        len(pickle.dumps(random.Random("7/HA"), pickle.HIGHEST_PROTOCOL)) - 1000
