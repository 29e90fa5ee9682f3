"""Grader for stage4/compose-volumes: "docker-compose.yml（服务 + 持久化卷）".

Static checks (always): docker-compose.yml parsed strictly (a key twice is an error, as in
Compose) and validated against the Compose Specification's JSON schema (vendored in
support/deploy_compose_spec.json), variables interpolated from the project's .env as Compose
does, then the service ``db`` against the README's contract: built from the project, published
on loopback, a named volume at /var/lib/minimysql, a health check that makes the server answer
(not one that only sees a process or a port), a restart policy, and the password from .env.

Live checks (only when a Docker engine answers; no points, but they must pass when they run): the
service is started from the compose file's own settings through the docker SDK (the health
check's interval shortened to 1 s), must become healthy and serve PyMySQL; its health check must
fail while the server is frozen (SIGSTOP: the port still accepts TCP connections); after the
server is SIGKILLed the restart policy brings it back; a new container on the same volume (as
after `docker compose down` and `up`) still has the data.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from swai.grading import Figures, expect_true, fail
from swai.subject.client import show

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
import deploy_live as live
import deploy_static as static

COMPOSE = "docker-compose.yml"
ENV_FILE = ".env"
HINT_VOLUME = ("services.db.volumes: [\"minimysql-data:/var/lib/minimysql\"], and a top-level `volumes:` with "
               "`minimysql-data:` under it. A named volume outlives the container (docker compose down keeps it; "
               "only down -v deletes it); the server writes /var/lib/minimysql.")
HINT_PROBE = ("Make the server answer: python -c \"import socket, sys; s = socket.create_connection(('127.0.0.1', "
              "3306), timeout=2); s.settimeout(2); g = s.recv(5); sys.exit(0 if len(g) == 5 and g[4] == 10 else 1)\" "
              "reads the greeting every MySQL server sends first (byte 4 is the protocol version, 10). A frozen "
              "server still accepts TCP connections (the kernel completes them) but never greets.")
RESTARTS = ("always", "unless-stopped", "on-failure")


def compose(project: Path) -> dict[str, Any]:
    return static.read_compose(project, COMPOSE)


def resolved(project: Path) -> tuple[dict[str, Any], static.Interpolated]:
    """The db service with ${VARIABLES} filled in from .env, as docker compose does."""
    data = compose(project)
    svc = static.service(data, static.SERVICE, COMPOSE)
    return svc, static.interpolate(svc, static.read_env_file(project, ENV_FILE))


def healthcheck(svc: dict[str, Any]) -> dict[str, Any]:
    check = svc.get("healthcheck")
    expect_true(isinstance(check, dict) and not check.get("disable"), "the db service has no health check",
                expected="services.db.healthcheck with a test that makes the server answer",
                got=show(check), hint="Without one, `docker compose up --wait` and `depends_on: condition: "
                                      "service_healthy` cannot know when the server is ready. " + HINT_PROBE)
    assert isinstance(check, dict)
    return check


def container_env(project: Path, svc: dict[str, Any]) -> dict[str, str]:
    """The environment the container gets: env_file(s), then environment (both interpolated)."""
    env: dict[str, str] = {}
    for name in static.env_files(svc):
        env.update(static.read_env_file(project, name))
    for key, value in static.environment(svc).items():
        if value is None:
            if key in static.read_env_file(project, ENV_FILE):
                env[key] = static.read_env_file(project, ENV_FILE)[key]
        else:
            env[key] = value
    return env


# == static checks ==================================================================================

@pytest.mark.correctness
@pytest.mark.points(2)
def test_compose_file_is_valid(project: Path) -> None:
    """docker-compose.yml is valid YAML and valid against the Compose Specification, with a service db"""
    static.service(compose(project), static.SERVICE, COMPOSE)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_db_is_built_from_the_project(project: Path) -> None:
    """the db service builds the project's Dockerfile (build: .)"""
    svc, _ = resolved(project)
    build = svc.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    expect_true(str(context).rstrip("/") in (".", "./", "") and str(dockerfile).lstrip("./") == "Dockerfile",
                "the db service does not build the image of the Dockerfile exercise",
                expected="build: . (the project folder, whose Dockerfile is the one you wrote)",
                got=f"build: {show(build)}" + (f", image: {svc.get('image')}" if svc.get("image") else ""),
                hint="`build: .` makes `docker compose up --build` rebuild your image from the project folder; "
                     "`image: minimysql:local` beside it only names the result.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_port_published_on_loopback(project: Path) -> None:
    """port 3306 is published on 127.0.0.1 only"""
    svc, values = resolved(project)
    found = static.ports(values.value)
    mine = [p for p in found if p.target == static.SERVER_PORT]
    expect_true(bool(mine), "the db service does not publish port 3306", expected='ports: ["127.0.0.1:3306:3306"]',
                got=f"ports: {show(svc.get('ports'))}", hint="Clients on the host reach the server through it.")
    wrong = [p for p in mine if p.host_ip not in ("127.0.0.1", "localhost", "::1")]
    expect_true(not wrong, "port 3306 is published on every interface of the host",
                expected='ports: ["127.0.0.1:3306:3306"] (host_ip 127.0.0.1)', got=f"ports: {show(svc.get('ports'))}",
                hint="Docker writes its own iptables rules for published ports, ahead of ufw/firewalld: "
                     "\"3306:3306\" opens the database to the whole network. Bind it to 127.0.0.1.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_named_volume_at_data_directory(project: Path) -> None:
    """a named volume, declared at the top level, is mounted read-write at /var/lib/minimysql"""
    data = compose(project)
    svc = static.service(data, static.SERVICE, COMPOSE)
    found = static.mounts(svc)
    at_data = [m for m in found if m.target == static.DATA_DIR]
    listing = show(svc.get("volumes"), 200)
    if not at_data:
        others = [m.target for m in found]
        fail(f"nothing is mounted at {static.DATA_DIR}", expected=f"a named volume at {static.DATA_DIR}",
             got=f"volumes: {listing}" + (f" (mounted at {', '.join(others)})" if others else ""),
             hint="The server writes its files where the image's command says, /var/lib/minimysql; a volume "
                  "anywhere else keeps nothing and the data dies with the container. " + HINT_VOLUME)
    mount = at_data[0]
    problems = {
        "anonymous": "an anonymous volume: `docker compose down` and `up` give the new container a new, empty one",
        "bind": "a bind mount of a host folder: it belongs to your host user, not the image's, and ties the data "
                "to one machine's path",
        "tmpfs": "a tmpfs: memory, gone at every stop",
    }
    if mount.type in problems:
        fail(f"{static.DATA_DIR} is {problems[mount.type].split(':')[0]}", expected="a named volume",
             got=f"volumes: {listing}", hint=f"{problems[mount.type]}. {HINT_VOLUME}")
    expect_true(not mount.read_only, f"the volume at {static.DATA_DIR} is read-only",
                expected="read-write", got=f"volumes: {listing}", hint="The server writes its log there.")
    declared = data.get("volumes") or {}
    expect_true(mount.source in declared, f"the volume {mount.source!r} is not declared at the top level",
                expected=f"volumes:\\n  {mount.source}: (at the top level of the file)",
                got=f"top-level volumes: {show(sorted(declared))}",
                hint="docker compose refuses a service volume that the top-level `volumes:` does not name.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_healthcheck_makes_the_server_answer(project: Path) -> None:
    """the health check makes the server answer (greeting, ping or query), with a tool the image has"""
    _, values = resolved(project)
    check = healthcheck(values.value)
    test = check.get("test")
    form, commands, text = static.healthcheck_commands(test)
    expect_true(form in ("CMD", "CMD-SHELL"), "the health check test is not a command",
                expected='test: ["CMD", ...] or ["CMD-SHELL", "..."] (or a string)', got=f"test: {show(test)}",
                hint=('["NONE"] turns the image\'s check off. ' if form == "NONE" else "") + HINT_PROBE)
    probe = static.classify_probe(commands, text)
    why = {
        "process": f"`{probe.program}` only sees a process or a file: it passes while the server hangs, or "
                   "before it listens",
        "connect-only": "it only connects: the kernel completes TCP connects on a listening socket even when the "
                        "server is frozen, so this passes while no query would be answered",
        "python-no-code": "python without -c code",
        "python-wrong-port": "the Python probe does not talk to port 3306",
        "admin-other": f"`{probe.program}` without `ping`",
        "client-other": f"`{probe.program}` without -e 'SELECT 1'",
        "unknown": f"`{probe.program or text}` is not a probe the grader knows: a Python one-liner that reads the "
                   "greeting, `mariadb-admin ping` or `mariadb -e 'SELECT 1'`",
        "empty": "the test runs no command",
    }
    expect_true(probe.kind in ("python", "admin-ping", "client-query"),
                "the health check does not make the server answer", expected="a probe that gets an answer from "
                "the server", got=f"test: {static._show_text(text)} — {why.get(probe.kind, probe.kind)}",
                hint=HINT_PROBE)
    if probe.kind in ("admin-ping", "client-query"):
        image = static.read_dockerfile(project, "Dockerfile")
        expect_true(static.installs_mysql_client(image), f"the image has no {probe.program}",
                    expected=f"{probe.program} installed in the final stage (apt-get install mariadb-client)",
                    got=f"test: {static._show_text(text)}, and the Dockerfile's final stage installs no MySQL client",
                    hint="The health check runs inside the container: it can only use what the image contains. "
                         "The Python in the image needs nothing extra. " + HINT_PROBE)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_healthcheck_timing(project: Path) -> None:
    """the health check sets interval, timeout (shorter than the interval) and retries"""
    _, values = resolved(project)
    check = healthcheck(values.value)
    got = {k: check.get(k) for k in ("interval", "timeout", "retries", "start_period")}
    interval, timeout = static.duration(check.get("interval")), static.duration(check.get("timeout"))
    retries = check.get("retries")
    expect_true(interval is not None and timeout is not None and isinstance(retries, int) and retries >= 1,
                "the health check leaves interval, timeout or retries at Docker's defaults",
                expected="interval: 10s, timeout: 3s, retries: 3 (and start_period for a slow start)",
                got=show(got), hint="Docker's defaults are a 30 s interval and a 30 s timeout: a hung probe holds "
                                    "for half a minute, and an outage takes 90 s to be noticed.")
    assert interval is not None and timeout is not None
    expect_true(0 < timeout < interval, "the health check's timeout is not shorter than its interval",
                expected="0 < timeout < interval", got=show(got),
                hint="A probe that may run as long as the interval overlaps the next one.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_restart_policy(project: Path) -> None:
    """a restart policy brings the server back after a crash"""
    svc, _ = resolved(project)
    policy = svc.get("restart")
    deploy = (svc.get("deploy") or {}).get("restart_policy") or {}
    ok = str(policy).split(":")[0] in RESTARTS or deploy.get("condition") in ("any", "on-failure")
    expect_true(ok, "the db service has no restart policy", expected="restart: unless-stopped (or always, on-failure)",
                got=f"restart: {show(policy)}", hint="Without one, a crash (or an OOM kill) leaves the database down "
                                                     "until someone notices. unless-stopped also survives a reboot of "
                                                     "the engine, except after you stop it yourself.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_password_comes_from_env_file(project: Path) -> None:
    """MINIMYSQL_PASSWORD reaches the container from .env, and the compose file holds no password"""
    svc, values = resolved(project)
    dotenv = static.read_env_file(project, ENV_FILE)
    expect_true(bool(dotenv.get(static.PASSWORD_VAR)), f"{ENV_FILE} does not set {static.PASSWORD_VAR}",
                expected=f"{static.PASSWORD_VAR}=<a password> in {ENV_FILE}",
                got=f"{ENV_FILE}: " + (f"keys {sorted(dotenv)}" if dotenv else "missing or empty"),
                hint="Compose reads .env beside the compose file, for env_file: .env and for ${VARIABLES}.")
    raw = static.environment(svc)
    literal = raw.get(static.PASSWORD_VAR)
    if literal is not None and "$" not in literal:
        fail(f"{static.PASSWORD_VAR} is written in the compose file", expected="the password only in .env",
             got=f"environment: {static.PASSWORD_VAR}={literal}",
             hint="The compose file goes into git and into every copy of the repository. Use env_file: .env, or "
                  "MINIMYSQL_PASSWORD: ${MINIMYSQL_PASSWORD} (Compose fills it in from .env).")
    env = container_env(project, values.value)
    expect_true(env.get(static.PASSWORD_VAR) == dotenv[static.PASSWORD_VAR],
                f"the container does not get {static.PASSWORD_VAR} from {ENV_FILE}",
                expected=f"{static.PASSWORD_VAR} from {ENV_FILE} (env_file: .env, or ${{{static.PASSWORD_VAR}}})",
                got=f"env_file: {show(svc.get('env_file'))}, environment: {show(svc.get('environment'), 160)}",
                hint="Either `env_file: .env` (every variable of the file goes into the container) or "
                     "`environment: {MINIMYSQL_PASSWORD: ${MINIMYSQL_PASSWORD}}`.")
    text = (project / COMPOSE).read_text(encoding="utf-8", errors="replace")
    secret = dotenv[static.PASSWORD_VAR]
    expect_true(len(secret) < 4 or secret not in text, "the compose file contains the password itself",
                expected="no copy of the password in docker-compose.yml",
                got=f"{COMPOSE} contains the value of {static.PASSWORD_VAR} from {ENV_FILE}",
                hint="Look at the health check and command lines too (-p<password>). Refer to the variable: $$VAR "
                     "in a CMD-SHELL test is the container's environment variable.")


# == live checks (a Docker engine answers) ==========================================================

class Service:
    """The db service started from the compose file's settings, on its named volume."""

    def __init__(self, project: Path, made: live.Resources, tag: str) -> None:
        _, values = resolved(project)
        self.svc = values.value
        self.made = made
        self.tag = tag
        self.env = container_env(project, self.svc)
        self.password = self.env.get(static.PASSWORD_VAR, "")
        self.user = self.env.get(static.USER_VAR, "root")
        named = [m for m in static.mounts(self.svc) if m.target == static.DATA_DIR and m.type == "volume"]
        if not named:
            fail(f"the service has no named volume at {static.DATA_DIR} to start on",
                 expected=f"a named volume at {static.DATA_DIR}", got=f"volumes: {show(self.svc.get('volumes'))}",
                 hint="The live checks run the service on its named volume; " + HINT_VOLUME)
        self.volume = made.volume(named[0].source.replace("/", "_"))
        check = healthcheck(self.svc)
        test = check["test"]
        self.test = ["CMD-SHELL", test] if isinstance(test, str) else [str(x) for x in test]
        self.timeout = static.duration(check.get("timeout")) or 30.0
        self.health = {"test": self.test, "interval": live.nanoseconds(1.0),
                       "timeout": live.nanoseconds(self.timeout), "retries": int(check.get("retries") or 3),
                       "start_period": live.nanoseconds(min(static.duration(check.get("start_period")) or 0, 30))}

    def start(self) -> Any:
        return self.made.run(self.tag, environment=self.env, healthcheck=self.health,
                             volumes={self.volume: {"bind": static.DATA_DIR, "mode": "rw"}},
                             ports={f"{static.SERVER_PORT}/tcp": ("127.0.0.1", None)},
                             restart_policy=live.restart_policy(self.svc.get("restart")))

    def wait_healthy(self, container: Any, seconds: float = 60.0) -> None:
        def healthy() -> bool:
            current = live.state(container)
            return (current.get("Health") or {}).get("Status") == "healthy"

        if not live.wait_until(healthy, seconds):
            health = live.state(container).get("Health") or {}
            last = (health.get("Log") or [{}])[-1]
            fail(f"the service did not become healthy within {seconds:g} s", expected="health status healthy",
                 got=f"status {health.get('Status')!r}; last probe: exit {last.get('ExitCode')}, output "
                     f"{static._show_text(str(last.get('Output', '')))}; server output:\n{live.logs(container)}",
                 hint="Run the test yourself: docker compose exec db <your test command>, and check its exit code.")


@pytest.fixture(scope="module")
def image(request: pytest.FixtureRequest) -> dict[str, object]:
    project = Path(str(request.config.getoption("swai_project")))
    try:
        built, seconds = live.build(project, ".", "Dockerfile", live.tag_for(project, "compose"),
                                    what="the db service (build: .)")
    except AssertionError as exc:
        return {"error": exc}
    return {"tag": live.tag_for(project, "compose"), "seconds": seconds, "image": built}


def tag_of(image: dict[str, object]) -> str:
    if "error" in image:
        raise image["error"]  # type: ignore[misc]
    return str(image["tag"])


def write_and_read(container: Any, service: Service, *, create: bool) -> tuple[tuple[Any, ...], ...]:
    connection = live.connect(container, static.SERVER_PORT, service.user, service.password)
    with connection.cursor() as cursor:
        if create:
            cursor.execute("CREATE TABLE kept (id INT PRIMARY KEY, note TEXT)")
            cursor.execute("INSERT INTO kept VALUES (1, 'on the named volume')")
        cursor.execute("SELECT note FROM kept WHERE id = 1")
        rows = cursor.fetchall()
    connection.close()
    return tuple(rows)


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_healthy_and_probe_fails_on_a_frozen_server(project: Path, image: dict[str, object],
                                                         figures: Figures) -> None:
    """[live] the service becomes healthy and serves; its probe fails while the server is frozen (SIGSTOP)"""
    tag = tag_of(image)
    with live.resources() as made:
        service = Service(project, made, tag)
        container = service.start()
        started = time.monotonic()
        service.wait_healthy(container)
        figures.record("time to healthy (1 s interval)", time.monotonic() - started, unit="s")
        expect_true(write_and_read(container, service, create=True) == (("on the named volume",),),
                    "the healthy service did not keep a row", expected="the row just written", got="another answer",
                    hint="Check the server with the mariadb client.")
        pids = live.server_pids(container)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            code, output = live.exec_probe(container, service.test, service.timeout + 1)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        expect_true(code not in (0, None), "the health check passes while the server is frozen",
                    expected="a non-zero exit (or the probe killed at its timeout)",
                    got=f"exit code {code}; output {static._show_text(output) or '(none)'}",
                    hint="Every process of the container was stopped with SIGSTOP: the port still accepts TCP "
                         "connections, but nothing answers. " + HINT_PROBE)


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_restarts_after_a_crash_and_keeps_data_across_containers(project: Path, image: dict[str, object],
                                                                      figures: Figures) -> None:
    """[live] a SIGKILLed server comes back by its restart policy, and a new container finds the data"""
    tag = tag_of(image)
    with live.resources() as made:
        service = Service(project, made, tag)
        container = service.start()
        service.wait_healthy(container)
        write_and_read(container, service, create=True)
        pid = int(live.state(container)["Pid"])
        os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        def restarted() -> bool:
            running = bool(live.state(container).get("Running"))  # reloads the container's attributes
            return running and int(container.attrs.get("RestartCount") or 0) >= 1

        back = live.wait_until(restarted, 30.0)
        expect_true(back, "after the server was killed, the container was not restarted",
                    expected="the restart policy starts it again", got=f"state {live.state(container).get('Status')}",
                    hint="restart: unless-stopped (or always / on-failure) in services.db.")
        rows = write_and_read(container, service, create=False)
        figures.record("back after SIGKILL", time.monotonic() - started, unit="s")
        expect_true(rows == (("on the named volume",),), "the restarted server lost the data", expected="the row",
                    got=show(rows), hint="The data must live on the volume at /var/lib/minimysql.")
        container.remove(force=True)
        again = service.start()
        rows = write_and_read(again, service, create=False)
        expect_true(rows == (("on the named volume",),), "a new container on the same volume lost the data",
                    expected="the row written by the first container", got=show(rows),
                    hint="As after `docker compose down` and `up`: only the named volume carries the data over.")
