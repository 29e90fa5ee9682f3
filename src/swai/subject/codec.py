"""Plain-data encoding of values that cross the subject boundary.

Only exact builtin types travel by value; anything else (including subclasses of
builtins, whose ``__eq__`` could lie) stays in the subject process and travels as a
reference. The encoding is JSON, so a subject written in another language can speak it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 64

_SCALARS = (type(None), bool, int, str)


def encode(value: Any, to_ref: Callable[[Any], dict[str, Any]], depth: int = 0) -> Any:
    """Encode ``value`` as JSON-ready data; ``to_ref`` turns an opaque object into a reference."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply to transfer")
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [encode(item, to_ref, depth + 1) for item in value]
    if kind is tuple:
        return {"$tuple": [encode(item, to_ref, depth + 1) for item in value]}
    if kind is dict:
        return {
            "$dict": [
                [encode(k, to_ref, depth + 1), encode(v, to_ref, depth + 1)] for k, v in value.items()
            ]
        }
    if kind in (set, frozenset):
        tag = "$set" if kind is set else "$frozenset"
        return {tag: [encode(item, to_ref, depth + 1) for item in value]}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    return to_ref(value)


def decode(data: Any, from_ref: Callable[[dict[str, Any]], Any], depth: int = 0) -> Any:
    """Inverse of :func:`encode`; ``from_ref`` resolves a ``{"$ref": ...}`` object."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply to transfer")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(item, from_ref, depth + 1) for item in data]
    if type(data) is dict and len(data) >= 1:
        if "$ref" in data:
            return from_ref(data)
        ((tag, body),) = data.items()
        if tag == "$float":
            return float(body)
        if tag == "$tuple":
            return tuple(decode(item, from_ref, depth + 1) for item in body)
        if tag == "$dict":
            return {decode(k, from_ref, depth + 1): decode(v, from_ref, depth + 1) for k, v in body}
        if tag == "$set":
            return {decode(item, from_ref, depth + 1) for item in body}
        if tag == "$frozenset":
            return frozenset(decode(item, from_ref, depth + 1) for item in body)
        if tag == "$bytes":
            return base64.b64decode(body)
    raise ValueError(f"cannot decode {str(data)[:80]!r}")
