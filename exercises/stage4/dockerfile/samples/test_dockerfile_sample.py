"""Public sample tests for the Dockerfile. The grader checks much more than this (and builds the image
when a Docker engine answers)."""

from __future__ import annotations

import io
from pathlib import Path

from dockerfile_parse import DockerfileParser

PROJECT = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    parser = DockerfileParser(fileobj=io.BytesIO((PROJECT / "Dockerfile").read_bytes()))
    return [(i["instruction"], i["value"]) for i in parser.structure if i["instruction"] != "COMMENT"]


def final_stage() -> list[tuple[str, str]]:
    found = instructions()
    starts = [n for n, (keyword, _) in enumerate(found) if keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM yet"
    return found[starts[-1]:]


def test_two_stages_and_the_final_one_copies_from_the_first() -> None:
    assert sum(keyword == "FROM" for keyword, _ in instructions()) >= 2
    assert any(keyword == "COPY" and value.startswith("--from=") for keyword, value in final_stage())


def test_final_stage_runs_as_a_user_and_exposes_3306() -> None:
    users = [value for keyword, value in final_stage() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(keyword == "EXPOSE" and "3306" in value.split("/")[0] for keyword, value in final_stage())
