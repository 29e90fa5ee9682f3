"""Public sample tests for the cache breakdown lab. The grader checks much more than this."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from incidents.cache_breakdown_load import READERS, report, run_load

PROJECT = Path(__file__).resolve().parent.parent


@cache
def load() -> dict[str, Any]:
    result: dict[str, Any] = run_load(expiries=2)
    return result


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "cache-breakdown.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/cache-breakdown.yaml should hold the template's keys"
    return data


def test_one_backend_load_per_expiry() -> None:
    result = load()
    shown = "\n".join(report(result))
    for r in result["rounds"]:
        assert r["stuck"] == 0 and not r["errors"], shown
        assert r["loads"] == 1, shown
        assert r["served"] == {r["produced"][0]: READERS}, shown  # every reader got the one load's value


def test_every_answer_is_filled_in() -> None:
    def blanks(node: Any, where: str) -> list[str]:
        if isinstance(node, dict):
            return [b for key, value in node.items() for b in blanks(value, f"{where}.{key}".lstrip("."))]
        return [where] if node is None else []

    assert blanks(answers(), "") == []


def test_after_figures_are_what_the_load_measures() -> None:
    measured = {k: load()[k] for k in ("loads_per_expiry", "max_concurrent_loads")}
    assert answers()["after"] == measured, "run the load on your fixed cache and copy its figures"


def test_postmortem_is_written_out() -> None:
    text = (PROJECT / "postmortems" / "cache-breakdown.md").read_text(encoding="utf-8")
    headings = re.findall(r"^##\s+(.+?)\s*$", text, flags=re.MULTILINE)
    assert headings == ["Symptom", "Detection", "Root cause", "Fix", "Verification", "Prevention"]
    body = text.split("\n## ", 1)[1]
    assert not re.findall(r"<[^<>\n]{3,}>", body), "replace every <...> placeholder"
