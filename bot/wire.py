"""Bot Framework models to and from JSON, without msrest's generic machinery.

msrest spends ~0.15 ms reading an inbound activity and ~0.25 ms writing a reply (its `body()`
rebuilds the model, validates it, then walks it with key transformers): together a sixth of a
turn. The schema's models are plain (no flattened keys, no read-only fields, no polymorphism),
so a direct walk of each model's `_attribute_map` gives the same JSON. Anything outside that
plain subset raises `Unsupported` and the caller falls back to msrest; tests compare both on
every activity and card this bot sends or receives.
"""

from __future__ import annotations

import datetime
import functools
from enum import Enum
from typing import Any

from botbuilder.schema import Activity
from msrest import Deserializer, Serializer
from msrest.serialization import Model

_MODELS: dict[str, type] = Activity._infer_class_models()
_SCALARS = {"str": str, "bool": bool, "int": int, "float": float}


class Unsupported(Exception):
    """Something msrest handles that this module does not: use msrest."""


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, str, str], ...]:
    """(attribute, JSON key, type) of a plain model's fields (additional_properties aside), read
    once per class; Unsupported for a model msrest treats specially."""
    if getattr(cls, "_subtype_map", None) or any(
            rule.get("readonly") or rule.get("constant") for rule in getattr(cls, "_validation", {}).values()):
        raise Unsupported(cls.__name__)
    fields = []
    for attr, desc in cls._attribute_map.items():
        if attr == "additional_properties" and desc["key"] == "":
            continue
        if "." in desc["key"].replace("\\.", ""):
            raise Unsupported(cls.__name__)  # a flattened key
        fields.append((attr, desc["key"].replace("\\.", "."), desc["type"]))
    return tuple(fields)


def dump(model: Model) -> dict[str, Any]:
    """The JSON object msrest would send for `model`."""
    out: dict[str, Any] = {}
    for attr, key, kind in _fields(type(model)):
        value = getattr(model, attr, None)
        if value is not None:
            out[key] = _dump_value(value, kind)
    extra = getattr(model, "additional_properties", None)
    if extra and type(model)._attribute_map.get("additional_properties", {}).get("key") == "":
        out.update(extra)
    return out


def _dump_value(value: Any, kind: str) -> Any:
    if kind == "str":
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, str):
            return value
        raise Unsupported(kind)
    if kind in _SCALARS:
        if type(value) is not _SCALARS[kind]:
            raise Unsupported(kind)
        return value
    if kind == "iso-8601":
        if not isinstance(value, datetime.datetime):
            raise Unsupported(kind)
        return Serializer.serialize_iso(value)
    if kind == "object":
        return _dump_object(value)
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            raise Unsupported(kind)
        return [None if item is None else _dump_value(item, kind[1:-1]) for item in value]
    if kind.startswith("{") and kind.endswith("}"):
        if type(value) is not dict or not all(type(key) is str for key in value):
            raise Unsupported(kind)
        return {key: None if item is None else _dump_value(item, kind[1:-1]) for key, item in value.items()}
    cls = _MODELS.get(kind)
    if cls is not None and isinstance(value, Model) and not issubclass(cls, Enum):
        return dump(value)
    raise Unsupported(kind)


def _dump_object(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise Unsupported("dict key")
        return {key: _dump_object(item) for key, item in value.items()}
    if kind is list:
        return [_dump_object(item) for item in value]
    if isinstance(value, Model):
        return dump(value)
    raise Unsupported(kind.__name__)


def load(cls: type, data: Any) -> Model:
    """The model msrest would read from the JSON object `data`."""
    if not isinstance(data, dict):
        raise Unsupported(cls.__name__)
    fields = _fields(cls)
    kwargs: dict[str, Any] = {}
    for attr, key, kind in fields:
        value = data.get(key)
        kwargs[attr] = None if value is None else _load_value(value, kind)
    model = cls(**kwargs)
    extra = {key: data[key] for key in data.keys() - {key for _, key, _ in fields}}
    if extra:
        model.additional_properties = extra
    return model


def _load_value(value: Any, kind: str) -> Any:
    if kind in _SCALARS:
        if type(value) is not _SCALARS[kind]:
            raise Unsupported(kind)
        return value
    if kind == "iso-8601":
        return Deserializer.deserialize_iso(value)
    if kind == "object":
        return value
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            raise Unsupported(kind)
        return [None if item is None else _load_value(item, kind[1:-1]) for item in value]
    if kind.startswith("{") and kind.endswith("}"):
        if not isinstance(value, dict):
            raise Unsupported(kind)
        return {key: None if item is None else _load_value(item, kind[1:-1]) for key, item in value.items()}
    cls = _MODELS.get(kind)
    if cls is not None and not issubclass(cls, Enum):
        return load(cls, value)
    raise Unsupported(kind)


def read_activity(body: dict[str, Any]) -> Activity:
    """An inbound activity (msrest's reading when the shape is unusual)."""
    try:
        return load(Activity, body)
    except Unsupported:
        return Activity().deserialize(body)


class LeanSerializer(Serializer):
    """msrest's Serializer whose request bodies skip the rebuild and the generic walk."""

    def body(self, data, data_type, **kwargs):
        if isinstance(data, Model) and type(data).__name__ == data_type and not kwargs:
            try:
                return dump(data)
            except Unsupported:
                pass
        return super().body(data, data_type, **kwargs)


def use_lean_serializer(client) -> None:
    """Give a ConnectorClient's operations the lean serializer."""
    lean = LeanSerializer(client._serialize.dependencies)
    client._serialize = lean
    for group in ("conversations", "attachments"):
        operations = getattr(client, group, None)
        if operations is not None:
            operations._serialize = lean
