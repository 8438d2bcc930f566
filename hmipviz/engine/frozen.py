"""A cheaper ``__init__`` for the frozen, slotted dataclasses a run makes by the
hundred thousand (packets, payloads, trace events, a node's outputs).

Why: the ``__init__`` that :func:`dataclasses.dataclass` writes for a frozen class sets
each field with ``object.__setattr__`` (the class's own ``__setattr__`` refuses), a
call through a method wrapper of about 140 ns a field: a twelve-field
:class:`~hmipviz.engine.events.PacketSent` took 1.8 us to build, and building packets
and events was a fifth of a lesson verification's time (measured, docs/performance.md).
:func:`fast_init` gives a ``frozen=True, slots=True`` dataclass an ``__init__`` that
stores each field through its slot's descriptor instead (the same store, without the
attribute look-up and the wrapper: about half the time), with the same parameters,
defaults and errors (a slot a base class adds that is not a field starts as None), and
a ``__reduce__`` that rebuilds an instance through it, so
pickling and copying (the simulator's snapshots) skip the per-field ``__setstate__``
that ``slots=True`` adds. Instances stay frozen: assigning a field still raises
:class:`dataclasses.FrozenInstanceError`.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


class _Probe:
    __slots__ = ("x",)


_MEMBER_DESCRIPTOR = type(_Probe.__dict__["x"])  # the type of a slot's descriptor


def fast_init(cls: type[T]) -> type[T]:
    """Give ``cls`` (a ``@dataclass(frozen=True, slots=True)``) the faster
    ``__init__`` and ``__reduce__`` described in the module docstring.

    Refuses (TypeError) a class it cannot build the same way: not a frozen slotted
    dataclass, or with ``__post_init__``, ``InitVar``, keyword-only, ``init=False`` or
    ``default_factory`` fields."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: fast_init needs a frozen dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fast_init does not call __post_init__")
    params: list[str] = []
    body: list[str] = []
    names: list[str] = []
    env: dict[str, Any] = {}
    for i, f in enumerate(dataclasses.fields(cls)):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: fast_init handles plain positional "
                            "fields with at most a default value")
        slot: Any = getattr(cls, f.name, None)
        if type(slot) is not _MEMBER_DESCRIPTOR:
            raise TypeError(f"{cls.__name__}.{f.name} is not a slot: declare the dataclass "
                            "with slots=True (and its dataclass bases too)")
        env[f"_set{i}"] = slot.__set__
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            env[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        body.append(f"    _set{i}(self, {f.name})")
        names.append(f.name)
    # slots of a base class that are not fields (a cache, such as Packet's hash) start
    # as None, so that reading one never raises
    for base in cls.__mro__[1:]:
        slots = base.__dict__.get("__slots__", ())
        for extra in (slots,) if isinstance(slots, str) else slots:
            if extra not in names and extra not in ("__dict__", "__weakref__") \
                    and f"_extra_{extra}" not in env:
                env[f"_extra_{extra}"] = getattr(base, extra).__set__
                body.append(f"    _extra_{extra}(self, None)")
    code = cls.__init__.__code__
    if list(code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount]) != names:
        raise TypeError(f"{cls.__name__}: its __init__ takes more than its fields (InitVar?)")
    source = (f"def __init__(self, {', '.join(params)}):\n"
              + "\n".join(body or ["    pass"]) + "\n")
    exec(source, env)  # the source is built above from the field names only
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    values_of = attrgetter(*names) if len(names) > 1 else None
    only = names[0] if len(names) == 1 else None

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        if type(self) is not cls:  # a subclass may add fields: rebuild it by its own
            return type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(self))
        if values_of is not None:
            return cls, values_of(self)
        return cls, (getattr(self, only),) if only is not None else ()

    __reduce__.__qualname__ = f"{cls.__qualname__}.__reduce__"
    cls.__reduce__ = __reduce__  # type: ignore[method-assign]

    # slots=True rebuilds the class, and the frozen __setattr__ and __delattr__ the
    # dataclass wrote still name the class it replaced: assigning an attribute that is
    # not a field raised TypeError. Refuse every assignment as a frozen dataclass does.
    field_names = frozenset(names)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in field_names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in field_names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __delattr__.__qualname__ = f"{cls.__qualname__}.__delattr__"
    cls.__setattr__ = __setattr__  # type: ignore[method-assign]
    cls.__delattr__ = __delattr__  # type: ignore[method-assign]
    return cls


__all__ = ["fast_init"]
