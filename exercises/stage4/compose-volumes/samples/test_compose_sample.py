"""Public sample tests for docker-compose.yml. The grader checks much more than this (and starts the
service when a Docker engine answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def db() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "db" in (data.get("services") or {}), "docker-compose.yml needs a service db"
    return dict(data["services"]["db"])


def test_data_directory_is_on_a_named_volume() -> None:
    volumes = [str(v) if not isinstance(v, dict) else f"{v.get('source')}:{v.get('target')}"
               for v in db().get("volumes") or []]
    assert any(v.split(":")[1:2] == ["/var/lib/minimysql"] and not v.startswith((".", "/")) for v in volumes)


def test_there_is_a_health_check_and_a_restart_policy() -> None:
    assert db().get("healthcheck", {}).get("test")
    assert db().get("restart") in ("always", "unless-stopped", "on-failure")
