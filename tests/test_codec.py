"""Values cross the subject boundary as plain data; anything else stays behind as a reference."""

from __future__ import annotations

import json
from typing import Any

import pytest

from swai.subject.codec import decode, encode


def refuse(value: Any) -> dict[str, Any]:
    return {"$ref": 1, "type": type(value).__name__}


@pytest.mark.parametrize("value", [
    None, True, 0, -5, 2**80, 1.5, float("inf"), "héllo", b"\x00\xff", [1, [2]], (1, "a"),
    {1: "a", "b": (2, 3)}, {1, 2}, frozenset({"x"}), {"$ref": "not a ref"},
])
def test_round_trip(value: Any) -> None:
    data = json.loads(json.dumps(encode(value, refuse)))
    assert decode(data, lambda d: pytest.fail("no refs expected")) == value


def test_subclasses_of_builtins_become_references() -> None:
    class LyingInt(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    assert encode(LyingInt(3), refuse) == {"$ref": 1, "type": "LyingInt"}
    assert encode([object()], refuse) == [{"$ref": 1, "type": "object"}]


def test_nesting_is_bounded() -> None:
    deep: list[Any] = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        encode(deep, refuse)
