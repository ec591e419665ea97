"""Turn computed figures into plain data (dicts, lists, tuples, scalars) for a shared cache, and back.

A cache shared by several server processes (a database table, files, Redis, memcached) should hold plain data:
pickled model instances drag their whole state along and tie the cache to the classes' internals. `dump` writes a
model instance as its column values plus the related rows already loaded with it, a dataclass as its fields;
`load` rebuilds them the way unpickling does (no query, no `__init__`), so templates and code read them as before.
"""

import dataclasses
import datetime
import decimal
import functools
import importlib
import uuid

from django.apps import apps
from django.db.models import Model
from django.db.models.base import ModelState
from django.utils.functional import Promise

SCALARS = (
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
)
SECRET_ATTRIBUTES = {"password"}
MODEL, DATACLASS, OBJECT = "__model__", "__dataclass__", "__object__"


class FormatChanged(ValueError):
    """Plain data written by another release of the code that no longer reads back as it was (a class gone, a
    dataclass with other fields): the caller computes the value again."""


# What restoring plain data of another release raises: a module or model gone, a named tuple of another length.
RESTORE_ERRORS = (FormatChanged, ImportError, AttributeError, LookupError, TypeError)


def _path(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


@functools.cache
def _class(path):
    module, _, name = path.partition(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


@functools.cache
def _model(label):
    return apps.get_model(label)


@functools.cache
def _field_names(cls):
    return frozenset(f.name for f in dataclasses.fields(cls))


def dump(value, _stack=frozenset()):
    """Return `value` as plain data that `load` turns back into an equal value.

    A related row that leads back to a row being written (a one-to-one's two sides) is left out: read again, it is
    fetched on access, as an unloaded relation is.
    """
    if isinstance(value, SCALARS):
        return value
    if isinstance(value, Promise):
        return str(value)  # a lazy translation, read in the language of the key it is cached under
    if isinstance(value, list):
        return [dump(item, _stack) for item in value]
    if type(value) is tuple:
        return tuple(dump(item, _stack) for item in value)
    if type(value) is dict:
        return {key: dump(item, _stack) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return {OBJECT: "set", "items": [dump(item, _stack) for item in value]}
    if isinstance(value, Model):
        inner = _stack | {id(value)}
        # A user loaded alongside (a return's submitter) keeps no password hash in a cache other processes read.
        state = {
            k: dump(v, inner) for k, v in value.__dict__.items() if not k.startswith("_") and k not in SECRET_ATTRIBUTES
        }
        related = {name: dump(obj, inner) for name, obj in value._state.fields_cache.items() if id(obj) not in inner}
        return {MODEL: value._meta.label, "state": state, "related": related, "db": value._state.db}
    if dataclasses.is_dataclass(value):
        state = {k: dump(v, _stack) for k, v in vars(value).items()}
        return {DATACLASS: _path(type(value)), "state": state}
    if hasattr(value, "_asdict"):  # a named tuple
        return {OBJECT: _path(type(value)), "items": [dump(item, _stack) for item in value]}
    if hasattr(value, "__dict__"):
        return {OBJECT: _path(type(value)), "state": {k: dump(v, _stack) for k, v in vars(value).items()}}
    raise TypeError(f"cannot cache {type(value).__name__} as plain data")


def load(value):
    """Return the value `dump` wrote as plain data."""
    # A warm dashboard loads some 4,000 values a request: the most common types are tested first, and classes are
    # looked up once per process (a model by its label was 4 ms of a 35 ms page).
    kind = type(value)
    if kind is list:
        return [load(item) for item in value]
    if kind is not dict:
        return tuple(load(item) for item in value) if kind is tuple else value
    if MODEL in value:
        model = _model(value[MODEL])
        obj = model.__new__(model)
        obj.__dict__.update({k: load(v) for k, v in value["state"].items()})
        obj._state = ModelState()
        obj._state.adding, obj._state.db = False, value["db"]
        obj._state.fields_cache = {name: load(rel) for name, rel in value["related"].items()}
        return obj
    if DATACLASS in value:
        cls = _class(value[DATACLASS])
        missing = _field_names(cls) - value["state"].keys()
        if missing:
            raise FormatChanged(f"{value[DATACLASS]} has new fields: {', '.join(sorted(missing))}")
        obj = cls.__new__(cls)
        for key, item in value["state"].items():
            object.__setattr__(obj, key, load(item))  # frozen dataclasses too
        return obj
    if OBJECT in value:
        if value[OBJECT] == "set":
            return {load(item) for item in value["items"]}
        cls = _class(value[OBJECT])
        if "items" in value:
            return cls(*(load(item) for item in value["items"]))
        obj = cls.__new__(cls)
        obj.__dict__.update({k: load(v) for k, v in value["state"].items()})
        return obj
    return {key: load(item) for key, item in value.items()}


def contains_objects(value):
    """Whether plain data still holds anything but dicts, lists, tuples and scalars (for the tests)."""
    if isinstance(value, (list, tuple)):
        return any(contains_objects(item) for item in value)
    if isinstance(value, dict):
        return any(contains_objects(item) for item in value.values())
    return not isinstance(value, SCALARS)
