"""Public sample tests for the slow SQL lab. The grader checks much more than this."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from incidents.slow_sql_load import report, run_load

PROJECT = Path(__file__).resolve().parent.parent


@cache
def load() -> dict[str, Any]:
    result: dict[str, Any] = run_load()
    return result


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "slow-sql.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/slow-sql.yaml should hold the template's keys"
    return data


def test_page_views_examine_a_few_rows() -> None:
    result = load()
    shown = "\n".join(report(result))
    assert result["figures"]["rows_examined_per_request"] <= 20, shown
    assert result["figures"]["max_rows_examined"] <= 100, shown
    assert not result["slow_log"], shown


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_after_figures_are_what_the_load_measures() -> None:
    assert answers()["after"] == load()["figures"], "run the load on your fixed program and copy its figures"


def test_postmortem_is_written_out() -> None:
    text = (PROJECT / "postmortems" / "slow-sql.md").read_text(encoding="utf-8")
    headings = re.findall(r"^##\s+(.+?)\s*$", text, flags=re.MULTILINE)
    assert headings == ["Symptom", "Detection", "Root cause", "Fix", "Verification", "Prevention"]
    body = text.split("\n## ", 1)[1]
    assert not re.findall(r"<[^<>\n]{3,}>", body), "replace every <...> placeholder"
