"""Public sample tests for the index-not-used lab. The grader checks much more than this."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from incidents.index_not_used_check import find_full_scans
from incidents.index_not_used_load import ScratchStorage, report, run_load
from minimysql.database import Database

PROJECT = Path(__file__).resolve().parent.parent


@cache
def load() -> dict[str, Any]:
    result: dict[str, Any] = run_load()
    return result


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "index-not-used.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/index-not-used.yaml should hold the template's keys"
    return data


def test_calls_examine_a_few_rows() -> None:
    result = load()
    shown = "\n".join(report(result))
    assert result["figures"]["rows_examined_per_request"] <= 20, shown
    assert not result["slow_log"], shown


def test_plan_check_flags_full_scans_only() -> None:
    session = Database(ScratchStorage()).session()
    session.execute("CREATE TABLE t (id INT PRIMARY KEY, k INT, name TEXT)")
    session.execute("CREATE INDEX ik ON t (k)")
    session.execute("INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, NULL)")
    statements = ["SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE k = 20", "SELECT * FROM t WHERE k > 15",
                  "SELECT * FROM t WHERE name = 'a'", "UPDATE t SET name = 'c' WHERE k + 0 = 30",
                  "INSERT INTO t VALUES (4, 40, 'd')"]
    assert find_full_scans(session, statements) == ["SELECT * FROM t WHERE name = 'a'",
                                                    "UPDATE t SET name = 'c' WHERE k + 0 = 30"]
    assert session.execute("SELECT id, name FROM t ORDER BY id").rows == ((1, "a"), (2, "b"), (3, None))


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_after_figures_are_what_the_load_measures() -> None:
    assert answers()["after"] == load()["figures"], "run the load on your fixed program and copy its figures"


def test_postmortem_is_written_out() -> None:
    text = (PROJECT / "postmortems" / "index-not-used.md").read_text(encoding="utf-8")
    headings = re.findall(r"^##\s+(.+?)\s*$", text, flags=re.MULTILINE)
    assert headings == ["Symptom", "Detection", "Root cause", "Fix", "Verification", "Prevention"]
    body = text.split("\n## ", 1)[1]
    assert not re.findall(r"<[^<>\n]{3,}>", body), "replace every <...> placeholder"
