"""Grader for stage4/sysbench-load-test: "sysbench 容器化压测", sysbench in a container against the learner's server.

Static checks (always): bench/Dockerfile read with dockerfile-parse (sysbench from Debian's
packages, a pinned base, an unprivileged user); docker-compose.bench.yml parsed strictly, valid
against the Compose Specification and interpolated from .env as Compose does; the two sysbench
command lines (support/deploy_static.py splits them into script, command and options, and knows
every option sysbench 1.0.20 accepts) against the README: oltp_point_select on the db service
without server-side prepared statements, the same tables for prepare and run, a bounded run,
the password from .env; the learner's saved sysbench output parsed, and the numbers of
answers/sysbench-load-test.yaml checked against it; three choices against the key below.

Live check (only when a Docker engine answers; no points, but it must pass when it runs): both
images are built through the docker SDK, the server runs without any network but loopback (and
``db`` naming 127.0.0.1), and the learner's own prepare and run commands run in a sysbench
container that shares its network namespace, the run cut to 5 s. The QPS it measures is reported.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from swai.grading import Figures, expect_true, fail
from swai.grading.documents import read_answers
from swai.subject.client import show

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
import deploy_live as live
import deploy_static as static

NAME = "sysbench-load-test"
BENCH_COMPOSE = "docker-compose.bench.yml"
BENCH_DOCKERFILE = "bench/Dockerfile"
RESULTS = "bench/results/oltp_point_select.txt"
PREPARE_SCRIPT = "/bench/prepare.lua"
RUN, PREPARE = "sysbench", "sysbench-prepare"
LIVE_SECONDS = 5
MAX_SECONDS = 3600

# -- the key -------------------------------------------------------------------------------------
QUESTIONS = {"ps_mode": "server_has_no_prepared_statements", "localhost": "the_sysbench_container",
             "qps_vs_tps": "equal"}

# -- the answers file's shape ----------------------------------------------------------------------
RESULT_FIELDS = {
    "threads": {"type": "integer", "minimum": 1, "description": "Number of threads, as the run printed it"},
    "queries_per_second": {"type": "number", "exclusiveMinimum": 0,
                           "description": "the (… per sec.) of the queries: line, e.g. 9649.52"},
    "p95_latency_ms": {"type": "number", "minimum": 0, "description": "95th percentile under Latency (ms)"},
    "avg_latency_ms": {"type": "number", "minimum": 0, "description": "avg under Latency (ms)"},
    "ignored_errors": {"type": "integer", "minimum": 0, "description": "the ignored errors: count"},
}
CHOICES = {
    "ps_mode": ["server_has_no_prepared_statements", "faster_without_prepared_statements",
                "safer_without_prepared_statements", "sysbench_requires_it"],
    "localhost": ["the_sysbench_container", "the_db_container", "the_docker_host"],
    "qps_vs_tps": ["equal", "qps_higher", "tps_higher"],
}


def schema(wanted: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The answers' schema; ``None``: every answer, strictly. Otherwise only ``wanted`` must be filled."""
    leaves: dict[tuple[str, ...], dict[str, Any]] = {
        **{("results", k): v for k, v in RESULT_FIELDS.items()},
        **{("questions", k): {"enum": v} for k, v in CHOICES.items()},
    }
    out: dict[str, Any] = {"type": "object", "required": [], "properties": {},
                           "description": "the template's two sections: results: ..., questions: ..."}
    for section in ("results", "questions"):
        keys = [path[1] for path in leaves if path[0] == section]
        node: dict[str, Any] = {"type": "object", "properties": {}, "required": [],
                                "description": f"{section}: " + ", ".join(f"{k}: ..." for k in keys)}
        for key in keys:
            path = (section, key)
            node["properties"][key] = leaves[path] if wanted is None or path in wanted else {}
            if wanted is None or path in wanted:
                node["required"].append(key)
        if wanted is None:
            node["additionalProperties"] = False
        out["properties"][section] = node
        if wanted is None or any(w[0] == section for w in wanted):
            out["required"].append(section)
    if wanted is None:
        out["additionalProperties"] = False
    return out


def answers(project: Path, *wanted: tuple[str, ...]) -> dict[str, Any]:
    return read_answers(project, NAME, schema(set(wanted)))


# -- reading the learner's files ---------------------------------------------------------------------

def bench_image(project: Path) -> static.Dockerfile:
    return static.read_dockerfile(project, BENCH_DOCKERFILE)


def services(project: Path) -> dict[str, dict[str, Any]]:
    """The two sysbench services, with ${VARIABLES} filled in from .env."""
    data = static.read_compose(project, BENCH_COMPOSE)
    env = static.read_env_file(project, ".env")
    found = {}
    for name in (PREPARE, RUN):
        svc = static.service(data, name, BENCH_COMPOSE)
        filled = static.interpolate(svc, env)
        if filled.missing:
            fail(f"{BENCH_COMPOSE}: services.{name} needs variables that .env does not set",
                 expected="every required ${VARIABLE:?} set in .env", got=", ".join(filled.missing),
                 hint="Compose reads .env beside the compose files; the compose-volumes exercise writes it.")
        found[name] = filled.value
    return found


def argv_of(project: Path, name: str, svc: dict[str, Any]) -> list[str]:
    """entrypoint (the service's, else the bench image's ENTRYPOINT) + command, as Docker runs them."""
    def words(value: Any) -> list[str]:
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else shlex.split(str(value))

    entry = words(svc.get("entrypoint"))
    if not entry:
        instruction = bench_image(project).final.last("ENTRYPOINT")
        if instruction is not None:
            entry = static.exec_form(instruction.value) or ["/bin/sh", "-c", instruction.value]
    argv = entry + words(svc.get("command"))
    if len(argv) >= 3 and argv[0] in static.SHELLS and argv[1] == "-c":
        commands = static.simple_commands(argv[2])
        argv = next((c[1:] if c[0] == "exec" else c for c in commands if "sysbench" in c[:2]), argv)
    if not argv or Path(argv[0]).name != "sysbench":
        fail(f"services.{name} does not run sysbench", expected="sysbench <script> [options] <command>",
             got=static._show_text(" ".join(argv)) or "no entrypoint or command",
             hint="Give the bench image ENTRYPOINT [\"sysbench\"] and each service a command list: "
                  "[oltp_point_select, --db-driver=mysql, ..., run].")
    return argv


def call(project: Path, name: str) -> static.SysbenchCall:
    svc = services(project)[name]
    parsed = static.sysbench_call(argv_of(project, name, svc))
    assert parsed is not None
    expect_true(not parsed.unknown, f"services.{name} gives sysbench options it does not know",
                expected="options of sysbench 1.0.20 only (sysbench --help, sysbench oltp_point_select help)",
                got=", ".join(parsed.unknown), hint="sysbench stops at an unknown option. Check the spelling; "
                                                    "options take the form --name=value.")
    return parsed


def results(project: Path) -> static.SysbenchResult:
    text = static.read_text(project, RESULTS, "the output of your sysbench run",
                            f"Save what `docker compose run --rm sysbench` prints: ... | tee {RESULTS}")
    parsed, missing = static.parse_sysbench(text)
    if parsed is None:
        fail(f"{RESULTS} is not the output of a sysbench run", expected="sysbench 1.0's report: Number of threads, "
             "SQL statistics (queries: N (X per sec.)), Latency (ms) with the 95th percentile",
             got=f"missing: {', '.join(missing)}",
             hint=f"Copy the whole output of the run (not prepare), from the 'sysbench 1.0' line to the end: "
                  f"`docker compose run --rm sysbench | tee {RESULTS}`.")
    assert parsed is not None
    return parsed


def option(parsed: static.SysbenchCall, key: str, default: str | None = None) -> str | None:
    return parsed.options.get(key, default)


# == static checks ==================================================================================

@pytest.mark.correctness
@pytest.mark.points(2)
def test_bench_image_installs_sysbench_from_debian(project: Path) -> None:
    """bench/Dockerfile installs sysbench from Debian's packages on a pinned Debian base"""
    image = bench_image(project)
    final = image.final
    name, tag, digest = static.split_image(final.image)
    expect_true(name.split("/")[-1] == "debian" and (digest is not None or tag not in (None, "latest")),
                "the bench image is not built on a pinned Debian base", expected="FROM debian:bookworm-slim",
                got=f"line {final.line}: FROM {final.raw_image}",
                hint="sysbench 1.0.20 is in Debian bookworm's packages; name the release in the tag.")
    runs = final.all("RUN")
    for instruction in runs:
        if any(w in instruction.value for w in ("curl", "wget", "packagecloud", "| bash", "|bash", "| sh")):
            fail("the bench image installs sysbench with a downloaded script", expected="apt-get install sysbench "
                 "from Debian's own archive", got=instruction.where(),
                 hint="`curl … | bash` runs whatever a third-party server sends, as root, at build time. Debian "
                      "packages sysbench: apt-get install -y sysbench.")
    installing = [i for i in runs if "install" in i.value and re.search(r"(?<![\w/.-])sysbench(?![\w/.-])", i.value)]
    expect_true(bool(installing), "the bench image does not install sysbench with apt-get",
                expected="RUN apt-get update && apt-get install -y --no-install-recommends sysbench",
                got="RUN steps: " + ("; ".join(i.where() for i in runs)[:200] or "none"),
                hint="Debian's package is called sysbench.")
    instruction = installing[0]
    expect_true("update" in instruction.value, "apt-get install runs without apt-get update in the same RUN",
                expected="RUN apt-get update && apt-get install -y ... sysbench (one RUN)",
                got=instruction.where(), hint="The image has no package lists (they are deleted to save space); "
                                              "and an `apt-get update` in an earlier, cached layer goes stale.")
    expect_true(any(flag in instruction.value for flag in (" -y", "--yes", "--assume-yes", "-qy", "-yq")),
                "apt-get install would wait for a yes", expected="apt-get install -y ...", got=instruction.where(),
                hint="A build has no terminal: without -y apt-get aborts at its question.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bench_image_runs_as_non_root(project: Path) -> None:
    """the bench image runs sysbench as an unprivileged user"""
    final = bench_image(project).final
    user = final.last("USER")
    got = user.value.strip().split(":")[0] if user is not None else "root"
    expect_true(got not in ("root", "0"), "the bench image runs sysbench as root",
                expected="USER nobody (or a user the image creates)", got=user.where() if user else "no USER",
                hint="A load generator needs no privileges: `USER nobody` after the install.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_bench_services_build_the_bench_image(project: Path) -> None:
    """docker-compose.bench.yml is valid and its services sysbench and sysbench-prepare build bench/"""
    for name, svc in services(project).items():
        build = svc.get("build")
        context = build.get("context") if isinstance(build, dict) else build
        expect_true(str(context or "").rstrip("/") in ("./bench", "bench"),
                    f"services.{name} does not build the bench image", expected="build: ./bench",
                    got=f"build: {show(build)}" + (f", image: {svc.get('image')}" if svc.get("image") else ""),
                    hint="Compose resolves build paths from the first compose file's folder (the project): ./bench.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_load_waits_for_a_healthy_db(project: Path) -> None:
    """both sysbench services wait for db's health check (depends_on: condition: service_healthy)"""
    for name, svc in services(project).items():
        depends = svc.get("depends_on")
        condition = depends.get("db", {}).get("condition") if isinstance(depends, dict) else None
        expect_true(condition == "service_healthy", f"services.{name} does not wait for a healthy db",
                    expected="depends_on: {db: {condition: service_healthy}}", got=f"depends_on: {show(depends)}",
                    hint="A plain `depends_on: [db]` waits for the container to start, not for the server to "
                         "answer: the first connections fail and sysbench aborts.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_run_is_oltp_point_select(project: Path) -> None:
    """services.sysbench runs sysbench oltp_point_select ... run with the mysql driver"""
    parsed = call(project, RUN)
    got = static._show_text(shlex.join(parsed.argv))
    expect_true(parsed.script == "oltp_point_select" and parsed.command == "run",
                "services.sysbench does not run oltp_point_select's run command",
                expected="sysbench oltp_point_select [options] run", got=got,
                hint="The script comes first (oltp_point_select), the command last (run).")
    expect_true(option(parsed, "db-driver") == "mysql", "sysbench is not told to use its MySQL driver",
                expected="--db-driver=mysql", got=got, hint="minimysql speaks the MySQL protocol.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_no_server_side_prepared_statements(project: Path) -> None:
    """the run turns server-side prepared statements off (--db-ps-mode=disable)"""
    parsed = call(project, RUN)
    expect_true(option(parsed, "db-ps-mode") == "disable", "sysbench would prepare its statements on the server",
                expected="--db-ps-mode=disable", got=f"--db-ps-mode={option(parsed, 'db-ps-mode', 'auto (default)')}",
                hint="With the default (auto) sysbench sends COM_STMT_PREPARE, which minimysql answers with error "
                     "1047 (Unknown command): every thread dies at start-up. disable makes sysbench send plain "
                     "COM_QUERY text with the values filled in.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_connects_to_the_db_service(project: Path) -> None:
    """prepare and run connect to the db service on 3306 as MINIMYSQL_USER"""
    env = static.read_env_file(project, ".env")
    for name in (PREPARE, RUN):
        parsed = call(project, name)
        host = option(parsed, "mysql-host", "localhost")
        expect_true(host == static.SERVICE, f"services.{name} connects to {host}, not to the db service",
                    expected="--mysql-host=db", got=f"--mysql-host={host}",
                    hint="Inside the sysbench container, localhost and 127.0.0.1 are the sysbench container itself. "
                         "Compose's network resolves each service's name: db.")
        port = option(parsed, "mysql-port", str(static.SERVER_PORT))
        expect_true(port == str(static.SERVER_PORT), f"services.{name} connects to port {port}",
                    expected="--mysql-port=3306 (the container's port, not a published one)",
                    got=f"--mysql-port={port}",
                    hint="Between containers the service's own port counts: 3306.")
        user = option(parsed, "mysql-user", "sbtest")
        wanted = env.get(static.USER_VAR) or "root"
        expect_true(user == wanted, f"services.{name} logs in as {user!r}", expected=f"--mysql-user={wanted} "
                    f"(MINIMYSQL_USER, default root)", got=f"--mysql-user={user}",
                    hint="sysbench's default user is sbtest, which minimysql does not know.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_password_comes_from_env(project: Path) -> None:
    """the password is ${MINIMYSQL_PASSWORD} from .env, not written in the compose file"""
    raw = static.read_compose(project, BENCH_COMPOSE)
    password = static.read_env_file(project, ".env").get(static.PASSWORD_VAR)
    for name in (PREPARE, RUN):
        svc = raw["services"][name]
        words = svc.get("command") if isinstance(svc.get("command"), list) else shlex.split(str(svc.get("command")))
        given = [str(w) for w in words or [] if str(w).replace("_", "-").startswith("--mysql-password")]
        value = given[0].partition("=")[2] if given else ""
        interpolated = value == f"${static.PASSWORD_VAR}" or value.startswith("${" + static.PASSWORD_VAR)
        expect_true(interpolated, f"services.{name} does not take the password from ${static.PASSWORD_VAR}",
                    expected=f"--mysql-password=${{{static.PASSWORD_VAR}}} (Compose fills it in from .env)",
                    got=given[0] if given else "no --mysql-password",
                    hint="The compose file goes into git; the password stays in .env.")
    text = (project / BENCH_COMPOSE).read_text(encoding="utf-8", errors="replace")
    expect_true(not password or len(password) < 4 or password not in text,
                f"{BENCH_COMPOSE} contains the password itself", expected="the password only in .env",
                got=f"{BENCH_COMPOSE} contains the value of {static.PASSWORD_VAR}", hint="Refer to the variable.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_prepare_loads_what_the_run_reads(project: Path) -> None:
    """sysbench-prepare runs /bench/prepare.lua prepare with the run's tables, table size and connection"""
    prepare, run = call(project, PREPARE), call(project, RUN)
    expect_true(prepare.script == PREPARE_SCRIPT and prepare.command == "prepare",
                "services.sysbench-prepare does not run the given prepare script",
                expected=f"sysbench {PREPARE_SCRIPT} [options] prepare",
                got=static._show_text(shlex.join(prepare.argv)),
                hint="sysbench's own `oltp_point_select prepare` sends AUTO_INCREMENT and CHAR(n), which minimysql "
                     "rejects; bench/prepare.lua makes the same tables in minimysql's SQL.")
    defaults = {"tables": "1", "table-size": "10000", "mysql-host": "localhost", "mysql-port": "3306",
                "mysql-user": "sbtest", "mysql-password": "", "db-driver": ""}
    for key, default in defaults.items():
        a, b = option(prepare, key, default), option(run, key, default)
        shown = "(hidden)" if key == "mysql-password" else None
        expect_true(a == b, f"prepare and run disagree on --{key}",
                    expected="the same value in both commands", got=f"prepare --{key}={shown or a}, "
                                                                    f"run --{key}={shown or b}",
                    hint="The run reads ids 1..table-size of tables 1..tables: rows prepare never wrote make empty "
                         "results, and the QPS means nothing.")
    image = bench_image(project)
    copied = any(static.copy_parts(i)[2].rstrip("/") in (PREPARE_SCRIPT, "/bench")
                 and any(Path(s).name in ("prepare.lua", ".") for s in static.copy_parts(i)[1])
                 for i in image.final.all("COPY") + image.final.all("ADD"))
    mounted = any(m.target in ("/bench", PREPARE_SCRIPT) for m in static.mounts(services(project)[PREPARE]))
    expect_true(copied or mounted, f"{PREPARE_SCRIPT} is not in the bench container",
                expected=f"COPY prepare.lua {PREPARE_SCRIPT} in bench/Dockerfile (or a volume ./bench:/bench)",
                got="no COPY or volume puts it there", hint="The script runs inside the container.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_run_is_bounded(project: Path) -> None:
    """the run has a time limit (or an event count) and at least one thread"""
    parsed = call(project, RUN)
    seconds, events = int(option(parsed, "time", "10") or 0), int(option(parsed, "events", "0") or 0)
    expect_true(0 < seconds <= MAX_SECONDS or (seconds == 0 and events > 0), "the run is not bounded",
                expected=f"--time between 1 and {MAX_SECONDS} s (or --time=0 with --events > 0)",
                got=f"--time={option(parsed, 'time', '10 (default)')}, --events={option(parsed, 'events', '0')}",
                hint="--time=0 with no --events runs forever.")
    threads = int(option(parsed, "threads", "1") or 0)
    expect_true(threads >= 1, "the run has no threads", expected="--threads=1 or more", got=f"--threads={threads}",
                hint="Each thread is one client connection.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_results_are_the_configured_run(project: Path) -> None:
    """bench/results/oltp_point_select.txt is a complete, error-free run with the compose file's threads and time"""
    result, parsed = results(project), call(project, RUN)
    threads = int(option(parsed, "threads", "1") or 1)
    expect_true(result.threads == threads, f"{RESULTS} was made with another number of threads",
                expected=f"Number of threads: {threads} (--threads in {BENCH_COMPOSE})",
                got=f"Number of threads: {result.threads}", hint="Save the output of the run the compose file makes.")
    seconds = int(option(parsed, "time", "10") or 0)
    if seconds:
        expect_true(abs(result.total_time - seconds) <= max(1.0, 0.1 * seconds),
                    f"{RESULTS} ran for another time than --time", expected=f"total time ≈ {seconds} s",
                    got=f"total time: {result.total_time:g}s",
                    hint="Save the output of the run the compose file makes.")
    expect_true(result.errors == 0 and result.reconnects == 0 and result.queries > 0,
                f"{RESULTS} is a run with errors", expected="queries > 0, ignored errors: 0, reconnects: 0",
                got=f"queries: {result.queries}, ignored errors: {result.errors}, reconnects: {result.reconnects}",
                hint="Errors make the figures meaningless: find their cause in the server's log first.")
    expect_true(result.transactions == result.events, f"{RESULTS} does not add up",
                expected="transactions equal to total number of events", got=f"transactions: {result.transactions}, "
                f"events: {result.events}", hint="Copy the output as sysbench printed it, unedited.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/sysbench-load-test.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(3)
def test_reported_numbers_match_the_results(project: Path) -> None:
    """the numbers in the answers are those of the saved run"""
    stated = answers(project, *[("results", k) for k in RESULT_FIELDS])["results"]
    result = results(project)
    truth = {"threads": result.threads, "queries_per_second": result.qps, "p95_latency_ms": result.latency["p"],
             "avg_latency_ms": result.latency["avg"], "ignored_errors": result.errors}
    where = {"threads": "Number of threads:", "queries_per_second": "queries: … (X per sec.)",
             "p95_latency_ms": "Latency (ms) → 95th percentile:", "avg_latency_ms": "Latency (ms) → avg:",
             "ignored_errors": "ignored errors:"}
    for key, want in truth.items():
        got = stated[key]
        close = abs(float(got) - want) <= max(0.01, 0.005 * abs(want))
        expect_true(close, f"results.{key} is not what {RESULTS} says", expected=f"{want:g} ({where[key]})",
                    got=show(got), hint="Copy each number from the saved run's report (the summary at the end, not "
                                        "an interval line); latencies in milliseconds as printed.")


def check_question(project: Path, question: str, summary: str, hint: str) -> None:
    said = answers(project, ("questions", question))["questions"][question]
    expect_true(said == QUESTIONS[question], summary, expected="the choice your setup and run show",
                got=show(said), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_ps_mode(project: Path) -> None:
    """why the run needs --db-ps-mode=disable"""
    check_question(project, "ps_mode", "questions.ps_mode is not right",
                   "Run once with --db-ps-mode=auto and read sysbench's error: which command does the server not know?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_localhost(project: Path) -> None:
    """what --mysql-host=127.0.0.1 reaches from the sysbench container"""
    check_question(project, "localhost", "questions.localhost is not right",
                   "Each container has its own network namespace, with its own loopback interface.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_qps_vs_tps(project: Path) -> None:
    """how queries per second compare with transactions per second in oltp_point_select"""
    check_question(project, "qps_vs_tps", "questions.qps_vs_tps is not right",
                   "Look at your run's transactions: and queries: lines; oltp_point_select's event is one SELECT "
                   "and, in this script, no BEGIN/COMMIT.")


# == live check (a Docker engine answers) ===========================================================

def greets(container: Any) -> bool:
    probe = ("import socket, sys; s = socket.create_connection(('127.0.0.1', 3306), 1); s.settimeout(1); "
             "sys.exit(0 if s.recv(5)[4:5] == bytes([10]) else 1)")
    if live.state(container).get("Status") in ("exited", "dead"):
        return True  # stop waiting; the caller reports it
    return bool(container.exec_run(["python", "-c", probe]).exit_code == 0)


def run_sysbench(made: live.Resources, tag: str, server: Any, argv: list[str], what: str,
                 project: Path, svc: dict[str, Any]) -> str:
    """The learner's sysbench command in the bench image, with the service's bind mounts, sharing the
    server's network namespace (``db`` is 127.0.0.1 there)."""
    binds = {str((project / m.source).resolve()): {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
             for m in static.mounts(svc) if m.type == "bind" and not m.source.startswith(("/", "~", "$"))}
    container = made.run(tag, entrypoint=[argv[0]], command=argv[1:], network_mode=f"container:{server.id}",
                         volumes=binds)
    try:
        code = container.wait(timeout=120).get("StatusCode")
    except Exception:  # noqa: BLE001 - a hung run: requests' timeout
        code = None
    output = container.logs().decode("utf-8", "replace")
    expect_true(code == 0, f"{what} failed against your server", expected="exit code 0",
                got=f"exit code {code}; its last lines:\n" + "\n".join(output.strip().splitlines()[-8:]),
                hint="Run the same with docker compose and read sysbench's FATAL lines and the server's log.")
    return output


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_load_runs_against_your_server(project: Path, figures: Figures) -> None:
    """[live] both images build; your prepare and (5 s) run commands work against your server in a container"""
    prepare, run = call(project, PREPARE), call(project, RUN)
    bench_tag, server_tag = live.tag_for(project, "bench"), live.tag_for(project, "dockerfile")
    live.build(project, ".", "Dockerfile", server_tag, what="the server image (Dockerfile)")
    _, seconds = live.build(project, "bench", "Dockerfile", bench_tag, what="the bench image (bench/Dockerfile)")
    figures.record("bench image build", seconds, unit="s")
    env = static.read_env_file(project, ".env")
    run_argv = [w if not w.replace("_", "-").startswith("--time=") else f"--time={LIVE_SECONDS}" for w in run.argv]
    with live.resources() as made:
        server = made.run(server_tag, network_mode="none", extra_hosts={static.SERVICE: "127.0.0.1"},
                          environment={k: v for k, v in env.items() if k in (static.PASSWORD_VAR, static.USER_VAR)})
        live.wait_until(lambda: greets(server), 30.0)
        if live.state(server).get("Status") in ("exited", "dead"):
            fail("the server container stopped", expected="the server running", got=live.logs(server),
                 hint="Grade stage4/dockerfile first.")
        found = services(project)
        run_sysbench(made, bench_tag, server, prepare.argv, "sysbench-prepare", project, found[PREPARE])
        output = run_sysbench(made, bench_tag, server, run_argv, f"the run (cut to --time={LIVE_SECONDS})",
                              project, found[RUN])
    result, missing = static.parse_sysbench(output)
    expect_true(result is not None, "the run's output is not a sysbench report", expected="the report",
                got=f"missing {missing}", hint="Run it with docker compose and look at the output.")
    assert result is not None
    figures.record("queries per second", result.qps, unit="q/s")
    figures.record("95th percentile latency", result.latency["p"], unit="ms")
    expect_true(result.errors == 0 and result.queries > 0, "the run had errors or no queries",
                expected="queries > 0 and no ignored errors", got=f"queries {result.queries}, errors {result.errors}",
                hint="Read the server's log.")
