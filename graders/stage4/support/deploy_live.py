"""Live checks of the Stage 4 deploy graders: the learner's images built and run through the docker SDK.

Used in the grader's process only, and only when a Docker engine answers
(``swai.environment.docker_engine``; ``SWAI_DOCKER=off`` turns the live checks off). Without an
engine the graders do not collect their live checks at all, so the static checks grade alone;
``swai doctor`` says which of the two a machine does. Base images come from the local engine
(``scripts/docker.sh`` imports them where no registry is reachable); builds never pull.

Every container, volume and network made here carries the label ``swai.grader`` and is removed
when the check ends, whatever happened. Images are kept under one tag per project folder, so
the next grading builds from Docker's layer cache. Clients connect to published ports on
127.0.0.1 only; the load generator shares the server's network namespace (loopback).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from swai.environment import docker_engine
from swai.grading import fail

ENGINE = docker_engine()
LABELS = {"swai.grader": "stage4-deploy"}
BUILD_TIMEOUT = 240.0


def live_check(function: Callable[..., Any]) -> Callable[..., Any] | None:
    """A check collected only when a Docker engine answers (the module name is bound to None otherwise)."""
    return function if ENGINE.available else None


def client() -> Any:
    import docker

    return docker.from_env(timeout=120)


def tag_for(project: Path, what: str) -> str:
    digest = hashlib.sha256(str(project.resolve()).encode()).hexdigest()[:12]
    return f"swai-grader/{what}:{digest}"


def build(project: Path, context: str, dockerfile: str, tag: str, *, what: str) -> tuple[Any, float]:
    """Build ``context`` (relative to the project) with its .dockerignore; fail with the build's last lines."""
    import docker

    started = time.monotonic()
    lines: list[str] = []
    try:
        image, log = client().images.build(path=str(project / context), dockerfile=dockerfile, tag=tag, rm=True,
                                           forcerm=True, pull=False, labels=dict(LABELS), timeout=BUILD_TIMEOUT)
        for chunk in log:
            if isinstance(chunk, dict) and "stream" in chunk:
                lines.append(str(chunk["stream"]))
    except docker.errors.BuildError as exc:
        for chunk in exc.build_log:
            if isinstance(chunk, dict):
                lines.append(str(chunk.get("stream") or chunk.get("error") or ""))
        tail = "".join(lines).strip().splitlines()[-12:]
        fail(f"docker build of {what} failed", expected="the image builds",
             got="\n".join(["the build's last lines:", *tail]) if tail else str(exc.msg),
             hint=f"Run `docker build {context}` in your project folder and read the failing step. The base images "
                  "must be the tags the README names (here they exist only locally: scripts/docker.sh).")
    except docker.errors.APIError as exc:
        fail(f"the Docker engine refused to build {what}", expected="the image builds",
             got=str(exc.explanation or exc)[:300], hint="Check the Dockerfile's syntax with `docker build`.")
    return image, time.monotonic() - started


@contextlib.contextmanager
def resources() -> Iterator[Resources]:
    found = Resources()
    try:
        yield found
    finally:
        found.remove()


class Resources:
    """The containers, volumes and networks one check makes; all removed at its end."""

    def __init__(self) -> None:
        self.engine = client()
        self.name = f"swai-{secrets.token_hex(4)}"
        self.containers: list[Any] = []
        self.volumes: list[Any] = []
        self.networks: list[Any] = []

    def volume(self, suffix: str = "data") -> str:
        volume = self.engine.volumes.create(name=f"{self.name}-{suffix}", labels=dict(LABELS))
        self.volumes.append(volume)
        return str(volume.name)

    def run(self, image: str, **kwargs: Any) -> Any:
        kwargs.setdefault("name", f"{self.name}-{len(self.containers)}")
        container = self.engine.containers.run(image, detach=True, labels=dict(LABELS), **kwargs)
        self.containers.append(container)
        return container

    def remove(self) -> None:
        for container in reversed(self.containers):
            with contextlib.suppress(Exception):
                container.remove(force=True, v=True)
        for volume in self.volumes:
            with contextlib.suppress(Exception):
                volume.remove(force=True)
        for network in self.networks:
            with contextlib.suppress(Exception):
                network.remove()


def host_port(container: Any, port: int) -> int:
    container.reload()
    bindings = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    published = bindings.get(f"{port}/tcp") or []
    if not published:
        return 0
    return int(published[0]["HostPort"])


def logs(container: Any, lines: int = 12) -> str:
    with contextlib.suppress(Exception):
        text = container.logs(tail=lines).decode("utf-8", "replace").strip()
        return text or "(no output)"
    return "(no logs)"


def state(container: Any) -> dict[str, Any]:
    container.reload()
    return dict(container.attrs.get("State") or {})


def connect(container: Any, port: int, user: str, password: str, *, seconds: float = 30.0) -> Any:
    """A PyMySQL connection to the server in ``container`` (published on 127.0.0.1), waiting for it to start."""
    import pymysql

    deadline = time.monotonic() + seconds
    problem = "nothing tried"
    while time.monotonic() < deadline:
        current = state(container)
        if not current.get("Running") and current.get("Status") in ("exited", "dead"):
            fail("the container stopped instead of serving", expected="the server running and accepting clients",
                 got=f"exit code {current.get('ExitCode')}; its last output:\n{logs(container)}",
                 hint="Run the image with `docker run --rm -e MINIMYSQL_PASSWORD=x <image>` and read the error.")
        published = host_port(container, port)
        if published:
            try:
                return pymysql.connect(host="127.0.0.1", port=published, user=user, password=password,
                                       autocommit=True, connect_timeout=3, read_timeout=15, write_timeout=15)
            except pymysql.err.OperationalError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                if exc.args and exc.args[0] == 1045:
                    break
        time.sleep(0.2)
    fail(f"no MySQL client could log in within {seconds:g} s of the container starting",
         expected=f"PyMySQL logs in as {user!r} with the password given in {'MINIMYSQL_PASSWORD'}",
         got=f"{problem}; the container's last output:\n{logs(container)}",
         hint="The server must listen on 0.0.0.0 inside the container (--host 0.0.0.0) on port 3306, with the user "
              "and password from MINIMYSQL_USER / MINIMYSQL_PASSWORD.")


def server_pids(container: Any) -> list[int]:
    """Host pids of the container's processes (the grader runs as the engine's user, or root)."""
    container.reload()
    top = container.top(ps_args="-eo pid,args")
    titles = [t.upper() for t in top.get("Titles", [])]
    index = titles.index("PID") if "PID" in titles else 0
    return [int(row[index]) for row in top.get("Processes") or []]


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.25) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def nanoseconds(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds * 1e9)


def restart_policy(value: Any) -> dict[str, Any] | None:
    """Compose's restart (no, always, unless-stopped, on-failure[:n]) as the engine's RestartPolicy."""
    if not value or str(value) == "no":
        return None
    name, _, count = str(value).partition(":")
    policy: dict[str, Any] = {"Name": name}
    if name == "on-failure" and count.isdigit():
        policy["MaximumRetryCount"] = int(count)
    return policy


def exec_probe(container: Any, test: list[str], seconds: float) -> tuple[int | None, str]:
    """Run a healthcheck test (["CMD", ...] or ["CMD-SHELL", "..."]) in the container, as Docker does,
    killed after ``seconds`` (coreutils' timeout, in every Debian-based image): (exit code, output)."""
    if test and test[0] == "CMD-SHELL":
        argv = ["/bin/sh", "-c", " ".join(test[1:])]
    else:
        argv = list(test[1:] if test and test[0] == "CMD" else test)
    result = container.exec_run(["timeout", "-s", "KILL", f"{seconds:g}", *argv], demux=False)
    output = (result.output or b"").decode("utf-8", "replace").strip()
    return result.exit_code, output[-400:]
