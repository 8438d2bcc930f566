"""engine.frozen.fast_init: the faster __init__ builds exactly what the dataclass's own
would, stays frozen, pickles and copies, and refuses the classes it cannot build."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from hmipviz.engine.events import PacketSent, event_from_json
from hmipviz.engine.frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Base:
    a: int
    b: str = "b"


@fast_init
@dataclass(frozen=True, slots=True)
class Child(Base):
    c: bytes = field(default=b"c", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Plain:  # what fast_init must not change, built by the dataclass's own __init__
    a: int
    b: str = "b"


@dataclass(frozen=True)
class Undecorated(Base):  # a subclass without fast_init (and without slots)
    d: int = 4


def test_builds_what_the_dataclass_init_builds():
    for args, kwargs in [((1,), {}), ((1, "x"), {}), ((), {"a": 2, "b": "y"}), ((3,), {"b": "z"})]:
        ours, theirs = Base(*args, **kwargs), Plain(*args, **kwargs)
        assert (ours.a, ours.b) == (theirs.a, theirs.b)
        assert repr(ours) == repr(theirs).replace("Plain", "Base")
    assert Child(1) == Child(1, "b", b"other")  # c is not compared
    assert (Child(1, "x").a, Child(1, "x").b, Child(1, "x").c) == (1, "x", b"c")
    assert repr(Child(5)) == "Child(a=5, b='b')"
    assert hash(Base(1)) == hash(Base(1, "b")) != hash(Base(2))
    assert not hasattr(Base(1), "__dict__")


def test_wrong_arguments_raise_type_error_as_before():
    with pytest.raises(TypeError):
        Base()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Base(1, "b", 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Base(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Base(1, a=2)  # type: ignore[misc]


def test_instances_stay_frozen():
    x = Child(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del x.b  # type: ignore[misc]
    # an attribute that is no field: refused the same way (slots=True alone gave TypeError)
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.other = 3  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Base(1).b = "c"  # type: ignore[misc]


class _Cache:
    __slots__ = ("_memo",)


@fast_init
@dataclass(frozen=True, slots=True)
class WithCache(_Cache):
    a: int


def test_a_slot_that_is_no_field_starts_as_none_and_is_not_compared():
    x = WithCache(1)
    assert x._memo is None  # type: ignore[attr-defined]
    _Cache._memo.__set__(x, "kept")  # type: ignore[attr-defined]
    assert x == WithCache(1) and repr(x) == "WithCache(a=1)"
    assert pickle.loads(pickle.dumps(x))._memo is None


def test_pickle_and_copy_rebuild_every_field():
    for x in (Base(1, "q"), Child(2, "r", b"s"), Undecorated(3, "t", 9)):
        for y in (pickle.loads(pickle.dumps(x)), copy.copy(x), copy.deepcopy(x)):
            assert type(y) is type(x) and y == x and y is not x
            assert [getattr(y, f.name) for f in dataclasses.fields(y)] == \
                [getattr(x, f.name) for f in dataclasses.fields(x)]
    assert dataclasses.replace(Child(1), b="n") == Child(1, "n")


def test_refuses_what_it_cannot_build_the_same_way():
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclass(frozen=True, slots=True)
    class Factory:
        a: list = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = field(kw_only=True)

    for cls in (NoSlots, NotFrozen, Factory, PostInit, KeywordOnly):
        with pytest.raises(TypeError):
            fast_init(cls)


def test_events_rebuilt_from_json_are_the_live_classes():
    """dataclass(slots=True) leaves the class it replaced among Event's subclasses."""
    e = PacketSent(1.0, "HA", "R1", "HA-R1", 7, b"\x60" + bytes(39), 1.5, "data", 1, "s",
                   "RFC 6275", True)
    back = event_from_json(e.to_json())
    assert type(back) is PacketSent and back == e
