"""Runs the learner's parser inside the subject and hands back plain data.

An AST is made of the learner's own classes, which cannot cross to the grader by value, so
``plain`` turns a tree into nested dicts (``{"node": class name, field: value, ...}``) and
tuples, and ``build`` does the reverse with the learner's classes. Whole loops (fuzz inputs,
timings) run here, so a thousand inputs cost one round trip; the grader judges the plain
outcomes in its own process.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
from typing import Any

MODULE = "minimysql.sql"
MAX_PLAIN_DEPTH = 300  # deeper trees come back as a marker, not as a RecursionError of ours


def module() -> Any:
    return importlib.import_module(MODULE)


def plain(value: Any, depth: int = 0) -> Any:
    """A learner value as builtins only: dataclass nodes as dicts with their class name first."""
    if depth > MAX_PLAIN_DEPTH:
        return {"node": "<too deep to show>"}
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else repr(value)
    if type(value) is tuple:
        return tuple(plain(v, depth + 1) for v in value)
    if type(value) is list:
        return {"node": "<list>", "items": tuple(plain(v, depth + 1) for v in value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"node": type(value).__name__}
        for field in dataclasses.fields(value):
            out[field.name] = plain(getattr(value, field.name), depth + 1)
        return out
    return {"node": f"<{type(value).__name__}>", "repr": repr(value)[:200]}


def build(tree: Any) -> Any:
    """The learner's nodes for a plain tree (fields passed by keyword, as the spec names them)."""
    if isinstance(tree, dict):
        cls = getattr(module(), tree["node"])
        return cls(**{k: build(v) for k, v in tree.items() if k != "node"})
    if isinstance(tree, tuple):
        return tuple(build(v) for v in tree)
    return tree


def error_info(exc: BaseException) -> tuple[Any, ...]:
    """("error", type name, position, line, column, message) of an exception parse() raised."""
    names = [c.__name__ for c in type(exc).__mro__]
    kind = "syntax" if "SqlSyntaxError" in names else "crash"
    message = getattr(exc, "message", None)
    if not isinstance(message, str):
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001 - a learner __str__ may fail; that is shown, not raised
            message = "<str() of the exception failed>"
    return (kind, type(exc).__name__, getattr(exc, "position", None), getattr(exc, "line", None),
            getattr(exc, "column", None), message[:300])


def outcome(text: str) -> tuple[Any, ...]:
    """("ok", plain tree) or ("syntax" | "crash", type, position, line, column, message)."""
    try:
        tree = module().parse(text)
    except Exception as exc:  # noqa: BLE001 - whatever the learner raises is the verdict's input
        return error_info(exc)
    return ("ok", plain(tree))


def outcomes(texts: list[str]) -> list[tuple[Any, ...]]:
    """``outcome`` of each text, with ("ok", class name) instead of the whole tree."""
    parse = module().parse
    out: list[tuple[Any, ...]] = []
    for text in texts:
        try:
            tree = parse(text)
        except Exception as exc:  # noqa: BLE001
            out.append(error_info(exc))
        else:
            out.append(("ok", type(tree).__name__))
    return out


def round_trip(tree: Any) -> tuple[Any, ...]:
    """Build ``tree`` with the learner's classes, format it, parse the text, format again.

    ("ok", sql, plain tree parsed back, sql of that tree) or ("format" | "parse" | "build" | "reformat",
    sql or None, error info)."""
    try:
        node = build(tree)
    except Exception as exc:  # noqa: BLE001
        return ("build", None, error_info(exc))
    try:
        sql = module().format_sql(node)
    except Exception as exc:  # noqa: BLE001
        return ("format", None, error_info(exc))
    if type(sql) is not str:
        return ("format", None, ("crash", "not a str", None, None, None, f"format_sql returned {sql!r}"[:300]))
    try:
        back = module().parse(sql)
    except Exception as exc:  # noqa: BLE001
        return ("parse", sql, error_info(exc))
    try:
        again = module().format_sql(back)
    except Exception as exc:  # noqa: BLE001
        return ("reformat", sql, error_info(exc))
    return ("ok", sql, plain(back), again if type(again) is str else repr(again))


def summary(text: str) -> tuple[Any, ...]:
    """Parse a big statement: ("ok", class name, rows of an INSERT or IN-list size, depth of the left spine)."""
    try:
        tree = module().parse(text)
    except Exception as exc:  # noqa: BLE001
        return error_info(exc)
    rows = getattr(tree, "rows", None)
    size = len(rows) if isinstance(rows, tuple) else -1
    spine, node = 0, getattr(tree, "where", None)
    while node is not None and hasattr(node, "left") and spine < 10**7:
        spine, node = spine + 1, node.left
    return ("ok", type(tree).__name__, size, spine)


def outcome_repr(text: str) -> tuple[Any, ...]:
    """``outcome`` with the tree as ``repr`` of its plain form: deep trees cross as one string."""
    result = outcome(text)
    return ("ok", repr(result[1])) if result[0] == "ok" else result


def round_trips(trees: list[Any]) -> list[tuple[Any, ...]]:
    return [round_trip(tree) for tree in trees]


class Bench:
    """One text kept in the subject, so timing a parse does not ship the text each time."""

    def __init__(self, text: str) -> None:
        self.text = text

    def parse(self) -> None:
        # A cyclic-GC pass that happens to fall inside one timing scans every object of the process:
        # noise that is not the parser's cost. The trees are acyclic, so nothing leaks meanwhile.
        enabled = gc.isenabled()
        gc.disable()
        try:
            module().parse(self.text)
        finally:
            if enabled:
                gc.enable()
