"""What this environment can grade, and why not (``swai doctor``, and exit code 3 of ``swai grade``)."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Capability:
    available: bool
    reason: str


def _subjects() -> Capability:
    if os.name != "posix" or importlib.util.find_spec("resource") is None:
        return Capability(False, "isolating learner code needs a POSIX system (Linux or macOS)")
    return Capability(True, "learner code runs in a child process under memory, CPU and time limits")


def docker_engine() -> Capability:
    """Whether a Docker engine answers (``SWAI_DOCKER=off`` says no without asking)."""
    if os.environ.get("SWAI_DOCKER", "").lower() in ("0", "off", "no"):
        return Capability(False, "SWAI_DOCKER=off")
    if importlib.util.find_spec("docker") is None:
        return Capability(False, "the docker Python SDK is not installed (pip install docker)")
    try:
        import docker  # type: ignore[import-untyped,unused-ignore]

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no engine answers"
        return Capability(False, f"no Docker engine answers ({type(exc).__name__}); start dockerd")
    return Capability(True, "a Docker engine answers")


def _deploy(engine: Capability) -> Capability:
    """Deploy exercises always grade their files (static checks); their live checks (build, run,
    restart, load) are collected only when a Docker engine answers."""
    if engine.available:
        return Capability(True, "static checks, and live checks: " + engine.reason)
    return Capability(True, f"static checks only; the live checks are left out: {engine.reason}")


def _git() -> Capability:
    if shutil.which("git") is None:
        return Capability(False, "git is not installed")
    return Capability(True, "git is installed")


@cache
def capabilities() -> dict[str, Capability]:
    """For each exercise kind: can it be graded here, and why (not)."""
    subjects = _subjects()
    docker = docker_engine()
    return {
        "library": subjects,
        "service": subjects,
        "cluster": subjects,
        "concept": subjects,
        "incident": subjects,
        "deploy": _deploy(docker),
        "repo": _git(),
    }


def python_info() -> str:
    return f"Python {platform.python_version()} ({sys.executable})"
