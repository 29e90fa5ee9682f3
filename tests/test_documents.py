"""Answers and postmortems the learner writes are read as data, and every problem is a clear failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from swai.grading import CheckFailure
from swai.grading.documents import POSTMORTEM_SECTIONS, read_answers, read_postmortem

SCHEMA = {
    "type": "object",
    "required": ["winner", "hit_ratio"],
    "properties": {
        "winner": {"enum": ["lru", "lfu"]},
        "hit_ratio": {"type": "number", "minimum": 0, "maximum": 1, "description": "a number from 0 to 1"},
    },
}


def write(project: Path, relative: str, text: str) -> None:
    (project / relative).parent.mkdir(parents=True, exist_ok=True)
    (project / relative).write_text(text, encoding="utf-8")


def test_answers_are_read_and_validated(tmp_path: Path) -> None:
    write(tmp_path, "answers/q.yaml", "winner: lfu\nhit_ratio: 0.5\n")
    assert read_answers(tmp_path, "q", SCHEMA) == {"winner": "lfu", "hit_ratio": 0.5}


@pytest.mark.parametrize(("text", "words"), [
    (None, "answers/q.yaml is missing"),
    ("winner: [unclosed\n", "not valid YAML at line 2"),
    ("winner: null\nhit_ratio: 0.5\n", "winner is not filled in"),
    ("winner: lfu\nhit_ratio: 7\n", "hit_ratio is not an answer the template allows"),
    ("hit_ratio: null\nwinner: null\n", "hit_ratio is not filled in"),  # the first blank in the file
    ("winner: lfu\n", "hit_ratio is missing"),
])
def test_bad_answers_fail_clearly(tmp_path: Path, text: str | None, words: str) -> None:
    if text is not None:
        write(tmp_path, "answers/q.yaml", text)
    with pytest.raises(CheckFailure) as caught:
        read_answers(tmp_path, "q", SCHEMA)
    assert words in caught.value.summary and caught.value.hint


def postmortem(**bodies: str) -> str:
    filler = "The cache served stale entries for ten minutes after the deploy, which we saw in the dashboards."
    return "# Incident\n\n" + "".join(f"## {t}\n\n{bodies.get(t, filler)}\n\n" for t in POSTMORTEM_SECTIONS)


def test_a_complete_postmortem_passes(tmp_path: Path) -> None:
    write(tmp_path, "postmortems/p.md", postmortem())
    assert list(read_postmortem(tmp_path, "p")) == list(POSTMORTEM_SECTIONS)


@pytest.mark.parametrize(("text", "words"), [
    (postmortem().replace("## Fix", "## Remedy"), "lacks sections: Fix"),
    (postmortem(**{"Root cause": "<what really broke>"}), "still holds template text"),
    (postmortem(Detection="Alerts."), "'Detection' is too thin"),
    ("## Fix\nx\n## Symptom\nx\n## Detection\nx\n## Root cause\nx\n## Verification\nx\n## Prevention\nx\n",
     "out of order"),
])
def test_bad_postmortems_fail_clearly(tmp_path: Path, text: str, words: str) -> None:
    write(tmp_path, "postmortems/p.md", text)
    with pytest.raises(CheckFailure) as caught:
        read_postmortem(tmp_path, "p")
    assert words in caught.value.summary
