"""Helpers the B+Tree grader runs next to the learner's tree: page reads per call, and outcomes as plain data.

Counting inside the subject keeps a lookup's count free of round trips; every verdict is
computed in the grader's process from the numbers and tuples returned here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from storage_support import MemoryStorage

Outcome = tuple[Any, ...]  # ("ok", result) or ("raised", type name, [names of its classes], message)


def reads(storage: MemoryStorage, name: str) -> int:
    return storage.counts(name)["reads"] if storage.exists(name) else 0


def reads_per_call(storage: MemoryStorage, name: str, target: Any, method: str,
                   arg_lists: Sequence[Sequence[Any]]) -> list[tuple[int, Any]]:
    """(storage reads of ``name``, result) for each call ``target.method(*args)``, one after another."""
    out = []
    for args in arg_lists:
        before = reads(storage, name)
        result = getattr(target, method)(*args)
        out.append((reads(storage, name) - before, result))
    return out


def scan(storage: MemoryStorage, name: str, tree: Any, lo: Any, hi: Any) -> tuple[int, list[Any]]:
    """The storage reads and the items of ``list(tree.range(lo, hi))``."""
    before = reads(storage, name)
    items = list(tree.range(lo, hi))
    return reads(storage, name) - before, items


def _outcome(action: Any) -> Outcome:
    try:
        return ("ok", action())
    except Exception as exc:  # noqa: BLE001 - the learner's failure is data here
        return ("raised", type(exc).__name__, [c.__name__ for c in type(exc).__mro__], str(exc)[:300])


def probe_gets(tree: Any, keys: Iterable[bytes]) -> list[Outcome]:
    """What ``tree.get(key)`` did for each key: its value, or the exception it raised."""
    return [_outcome(lambda key=key: tree.get(key)) for key in keys]


def probe_scan(tree: Any) -> Outcome:
    """What ``list(tree.range())`` did: the items, or the exception it raised."""
    return _outcome(lambda: list(tree.range()))
