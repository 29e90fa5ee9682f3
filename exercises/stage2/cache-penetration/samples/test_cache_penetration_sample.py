"""Public sample tests for stage2/cache-penetration. The grader checks much more: it replays the
load with your program, drives it with lookups, sign-ups and time against a model of the table,
floods it, breaks its database, and reads your answers and postmortem."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from incidents.cache_penetration import UserLookup

PROJECT = Path(__file__).resolve().parent.parent


class Table:
    """A users table that counts its reads."""

    def __init__(self, rows: dict[str, str]) -> None:
        self.rows = dict(rows)
        self.reads = 0

    def get(self, key: str) -> str | None:
        self.reads += 1
        return self.rows.get(key)

    def keys(self) -> list[str]:
        return list(self.rows)

    def put(self, key: str, value: str) -> None:
        self.rows[key] = value


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def load_script() -> ModuleType:
    path = PROJECT / "incidents" / "cache_penetration_load.py"
    spec = importlib.util.spec_from_file_location("cache_penetration_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_absent_user_asked_again_and_again_reads_the_table_at_most_once() -> None:
    table = Table({f"user:{n}": f"profile {n}" for n in range(100)})
    lookup = UserLookup(table, clock=Clock())
    for _ in range(5):
        assert lookup.get("user:404404") is None
    assert table.reads <= 1


def test_a_user_who_signs_up_later_is_found_after_every_ttl() -> None:
    table = Table({f"user:{n}": f"profile {n}" for n in range(100)})
    clock = Clock()
    lookup = UserLookup(table, ttl=60.0, clock=clock, negative_ttl=30.0)
    assert lookup.get("user:100") is None  # not signed up yet
    lookup.put("user:100", "profile 100")
    for _ in range(4):
        clock.now += 50.0
        assert lookup.get("user:100") == "profile 100"


def test_the_load_keeps_absent_users_off_the_table() -> None:
    figures = load_script().run_load(lambda db, clock: UserLookup(db, clock=clock))
    assert figures["wrong_answers"] == 0
    assert figures["db_calls_absent"] <= 2 * 0.01 * figures["absent_lookups"]


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    data = yaml.safe_load((PROJECT / "answers" / "cache-penetration.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert blanks(data, "") == []
