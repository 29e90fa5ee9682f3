"""Grader for stage4/dockerfile: "Dockerfile（多阶段构建）", the mini-mysql server as a container image.

Static checks (always): the learner's Dockerfile read with dockerfile-parse and their
.dockerignore with the docker SDK's own matcher (support/deploy_static.py), against the image
contract of the README: a builder stage and a final stage that copies from it, pinned base tags,
an unprivileged user who owns the data directory, port 3306, the server command with its
credentials from the environment, the server as PID 1, no secret in the image, and a build
context without tests, data or .env.

Live checks (only when a Docker engine answers, support/deploy_live.py; worth no points, so a
machine without Docker can earn every point, but the exercise passes only if they pass too): the
image is built through the docker SDK, run with a named volume, logged into with PyMySQL,
stopped with `docker stop` and started again on the same volume.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from swai.grading import Figures, expect_true, fail
from swai.subject.client import show

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
import deploy_live as live
import deploy_static as static

DOCKERFILE = "Dockerfile"
BASE_IMAGE = "python:3.11-slim-bookworm"
HINT_STAGES = ("Two FROM lines: `FROM python:3.11-slim-bookworm AS build` prepares the package (copy minimysql/, "
               "compile it), then `FROM python:3.11-slim-bookworm` starts clean and takes only the result with "
               "`COPY --from=build ...`. Nothing from the build context goes into the final stage directly.")
HINT_COMMAND = ('CMD ["sh", "-c", "exec python -m minimysql.server --data /var/lib/minimysql --host 0.0.0.0 '
                '--port 3306 --user \\"$MINIMYSQL_USER\\" --password \\"${MINIMYSQL_PASSWORD:?}\\""]: a shell '
                "expands the variables at start-up, `exec` makes the server PID 1.")
MAX_ADDED_MB = 50.0  # what the final stage may add to its base image (the package is well under 1 MB)


def dockerfile(project: Path) -> static.Dockerfile:
    return static.read_dockerfile(project, DOCKERFILE)


def launch(project: Path) -> static.ServerLaunch:
    parsed = dockerfile(project)
    command = static.container_command(parsed)
    if command is None:
        fail("the final stage has no CMD or ENTRYPOINT", expected="a CMD that starts python -m minimysql.server",
             got=f"no CMD/ENTRYPOINT after {parsed.final.label()}; the base image's CMD would start a Python shell",
             hint=HINT_COMMAND)
    found = static.server_launch(command)
    if found is None:
        fail("the container's command does not start the server", expected="python -m minimysql.server ...",
             got=f"{static._show_text(' '.join(command.argv))} ({command.where})", hint=HINT_COMMAND)
    return found


def option(found: static.ServerLaunch, name: str) -> str:
    if name not in found.options:
        fail(f"the server command has no {name}", expected=f"python -m minimysql.server ... {name} <value>",
             got=static._show_text(" ".join(found.words)), hint=HINT_COMMAND)
    return found.options[name]


# == static checks ==================================================================================

@pytest.mark.correctness
@pytest.mark.points(1)
def test_dockerfile_parses(project: Path) -> None:
    """the Dockerfile parses, every instruction is one Docker knows, and it starts with FROM"""
    parsed = dockerfile(project)
    for stage in parsed.stages:
        for instruction in stage.all("CMD") + stage.all("ENTRYPOINT"):
            if instruction.value.strip().startswith("[") and static.exec_form(instruction.value) is None:
                fail(f"{instruction.keyword} looks like the exec form but is not valid JSON",
                     expected='a JSON array of strings in double quotes: ["python", "-m", "..."]',
                     got=instruction.where(),
                     hint="Docker then runs the whole text through /bin/sh as one command string. Use double "
                          "quotes, commas between the words, and \\\" for a quote inside a word.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_final_stage_copies_from_builder(project: Path) -> None:
    """a multi-stage build: a builder stage, and a final stage that takes the package from it"""
    parsed = dockerfile(project)
    expect_true(len(parsed.stages) >= 2, "the Dockerfile is a single-stage build",
                expected="at least two stages (two FROM lines)",
                got=f"{len(parsed.stages)} stage: {parsed.final.label()}", hint=HINT_STAGES)
    final = parsed.final
    copies = []
    for instruction in final.all("COPY") + final.all("ADD"):
        flags, sources, _ = static.copy_parts(instruction)
        if "from" in flags:
            if parsed.stage_ref(flags["from"], final.index) is not None:
                copies.append(instruction)
            continue
        whole = [s for s in sources if s.rstrip("/") in (".", "./", "*", "") or s in ("./*",)]
        expect_true(not whole, "the final stage copies the whole build context",
                    expected="the final stage gets the application only from the builder (COPY --from=<stage>)",
                    got=instruction.where(), hint=HINT_STAGES)
        code = [s for s in sources if s.rstrip("/").startswith(("minimysql", "./minimysql"))]
        expect_true(not code, "the final stage copies the package from the build context, not from the builder",
                    expected="COPY --from=<builder stage> for the application", got=instruction.where(),
                    hint=HINT_STAGES)
    expect_true(bool(copies), "the final stage copies nothing from an earlier stage",
                expected="COPY --from=<name or index of an earlier stage> in the last stage",
                got=f"the instructions of {final.label()}: "
                    + ", ".join(i.keyword for i in final.instructions)[:200], hint=HINT_STAGES)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_base_images_are_pinned(project: Path) -> None:
    """every base image names a fixed tag (or digest), never latest or no tag"""
    parsed = dockerfile(project)
    for stage in parsed.stages:
        if parsed.stage_ref(stage.image, stage.index) is not None or stage.image == "scratch":
            continue
        _, tag, digest = static.split_image(stage.image)
        if "$" in stage.image:
            fail("a base image depends on a build argument without a default",
                 expected="ARG NAME=<value> before the first FROM, so the tag is fixed",
                 got=f"line {stage.line}: FROM {stage.raw_image} reads as {stage.image}",
                 hint="Give the ARG a default value (ARG PYTHON=3.11-slim-bookworm).")
        expect_true(digest is not None or (tag is not None and tag != "latest"),
                    "a base image is not pinned to a tag", expected=f"an explicit tag such as {BASE_IMAGE}",
                    got=f"line {stage.line}: FROM {stage.raw_image}" + (" (no tag means :latest)" if tag is None
                                                                         else ""),
                    hint="`latest` (or no tag) changes under you: the next build silently gets another Python and "
                         "another Debian. Name the version: python:3.11-slim-bookworm.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_runs_as_non_root_user(project: Path) -> None:
    """the final stage runs as an unprivileged user that the image creates"""
    parsed = dockerfile(project)
    final = parsed.final
    user = final.last("USER")
    expect_true(user is not None, "the final stage has no USER: the server would run as root",
                expected="USER <an unprivileged user> in the final stage", got=f"no USER in {final.label()}",
                hint="Create a system user in the final stage (useradd --system --uid 10001 minimysql) and switch "
                     "to it with USER minimysql after the steps that need root.")
    assert user is not None
    name = static.substitute(user.value.strip(), final.instructions[-1].env).split(":")[0]
    expect_true(name not in ("root", "0", ""), "the final stage's last USER is root",
                expected="an unprivileged user", got=user.where(),
                hint="A process that escapes a root container is root on the host. Switch to your user last.")
    if not name.isdigit() and name != "nobody":
        created = [i for i in final.all("RUN")
                   if any(tool in i.value for tool in ("useradd", "adduser")) and name in i.value.split()]
        expect_true(bool(created), f"the final stage switches to user {name!r} but never creates it",
                    expected=f"RUN useradd ... {name} (or adduser) in the final stage, before USER {name}",
                    got=user.where(), hint="The user must exist in the final image: users made in the builder stage "
                                           "stay there. Without it, docker run fails with 'unable to find user'.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_data_directory_belongs_to_user(project: Path) -> None:
    """the image creates /var/lib/minimysql owned by that user, so a new named volume is writable"""
    parsed = dockerfile(project)
    final = parsed.final
    user = final.last("USER")
    owner = user.value.strip().split(":")[0] if user is not None else "root"
    found = []
    for instruction in final.all("RUN"):
        if static.DATA_DIR not in instruction.value:
            continue
        for words in static.simple_commands(instruction.value):
            program = words[0] if words else ""
            chowns = program == "chown" and any(w.split(":")[0] == owner for w in words[1:] if w[:1] != "-")
            installs = program == "install" and "-d" in words and any(w in (owner, f"-o{owner}") for w in words)
            if chowns or installs:
                found.append(instruction)
    for instruction in final.all("COPY"):
        flags, _, destination = static.copy_parts(instruction)
        if destination.rstrip("/") == static.DATA_DIR and flags.get("chown", "").split(":")[0] == owner:
            found.append(instruction)
    expect_true(bool(found), f"{static.DATA_DIR} is not created for user {owner!r} in the final stage",
                expected=f"RUN mkdir -p {static.DATA_DIR} && chown {owner} {static.DATA_DIR} "
                         f"(or install -d -o {owner} {static.DATA_DIR}), before USER",
                got="no RUN in the final stage that makes the directory and gives it to the user",
                hint="A new named volume copies the ownership of the image's directory it is mounted on. Without "
                     "that directory (owned by your user) the volume belongs to root and the server cannot write "
                     "its log: it dies at start-up.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_exposes_server_port(project: Path) -> None:
    """the final stage declares port 3306 with EXPOSE"""
    final = dockerfile(project).final
    exposed = set()
    for instruction in final.all("EXPOSE"):
        for word in instruction.value.split():
            exposed.add(static.substitute(word, instruction.env).split("/")[0])
    expect_true(str(static.SERVER_PORT) in exposed, "the image does not EXPOSE the server's port",
                expected="EXPOSE 3306", got=f"EXPOSE {' '.join(sorted(exposed))}" if exposed else "no EXPOSE",
                hint="EXPOSE documents the port clients use (docker run -P publishes it); it must be the port "
                     "the server listens on, 3306 as for MySQL.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_command_starts_the_server(project: Path) -> None:
    """CMD starts python -m minimysql.server on 0.0.0.0:3306, data in /var/lib/minimysql, credentials from the env"""
    found = launch(project)
    env = dockerfile(project).env()
    wanted = {"--data": static.DATA_DIR, "--host": "0.0.0.0", "--port": str(static.SERVER_PORT)}
    for name, value in wanted.items():
        got = option(found, name)
        resolved = static.substitute(got, env) if found.through_shell else got
        why = {"--host": "127.0.0.1 inside a container is the container's own loopback: no published port reaches it",
               "--data": "the named volume is mounted there", "--port": "EXPOSE and the published port say 3306"}
        expect_true(resolved == value, f"the server command's {name} is not {value}", expected=f"{name} {value}",
                    got=f"{name} {got}" + (f" (= {resolved})" if resolved != got else ""),
                    hint=f"{why[name]}. {HINT_COMMAND}")
    for name, variable in (("--password", static.PASSWORD_VAR), ("--user", static.USER_VAR)):
        got = option(found, name)
        expect_true(static.is_variable(got, variable), f"{name} does not come from ${variable}",
                    expected=f"{name} \"${variable}\" (the value given to docker run -e {variable}=...)",
                    got=f"{name} {got}", hint=f"The image holds no credentials: they come from the environment at "
                                              f"run time. {HINT_COMMAND}")
        if not found.through_shell:
            fail(f"{name} is ${variable} in an exec-form CMD: no shell expands it",
                 expected="a shell that expands the variable: CMD [\"sh\", \"-c\", \"exec python -m ...\"]",
                 got=f"{found.where}: the server would get the literal text {got!r}", hint=HINT_COMMAND)
    default = static.variable_default(option(found, "--password"))
    expect_true(default is None, "the password has a default baked into the command",
                expected=f"${{{static.PASSWORD_VAR}:?message}} or \"${static.PASSWORD_VAR}\" without a default",
                got=f"--password {option(found, '--password')}",
                hint="A default password is a password in the image for everyone who pulls it. Make the container "
                     "refuse to start without one: ${MINIMYSQL_PASSWORD:?set MINIMYSQL_PASSWORD}.")
    user = option(found, "--user")
    if static.variable_default(user) is None and static.USER_VAR not in dockerfile(project).env():
        fail(f"${static.USER_VAR} has no default", expected=f"ENV {static.USER_VAR}=root in the final stage "
             f"(or ${{{static.USER_VAR}:-root}})", got=f"--user {user} and no ENV {static.USER_VAR}",
             hint="Without a default, a container started without MINIMYSQL_USER serves a user with an empty name.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_server_is_pid_1(project: Path) -> None:
    """the server is the container's PID 1 (or under an init), so docker stop's SIGTERM reaches it"""
    found = launch(project)
    ok = found.under_init or (found.execs and found.last)
    expect_true(ok, "a shell stays PID 1 and the server runs as its child",
                expected="exec form, or `exec python -m minimysql.server ...` as the shell's last command",
                got=f"{found.where}: /bin/sh -c runs the server without exec",
                hint="PID 1 gets docker stop's SIGTERM, and a shell ignores it: after 10 s Docker sends SIGKILL and "
                     "the server dies without closing its database. Start the command with `exec` (or use an init "
                     "such as tini).")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_no_secret_in_the_image(project: Path) -> None:
    """no password or other secret in ENV, ARG, RUN or a copied .env"""
    parsed = dockerfile(project)
    for stage in parsed.stages:
        for instruction in stage.all("ENV") + stage.all("ARG"):
            words = static.words_of(instruction.value)
            legacy = bool(words) and "=" not in words[0]  # ENV KEY value
            pairs = [(words[0], " ".join(words[1:]))] if legacy else [w.partition("=")[::2] for w in words]
            for key, value in pairs:
                if static.SECRET_NAME.search(key) and value.strip():
                    fail(f"{instruction.keyword} {key} bakes a secret into the image",
                         expected="no password in ENV or ARG: it comes with docker run -e at run time",
                         got=instruction.where(),
                         hint="ENV and ARG values are stored in the image: `docker history` and `docker inspect` "
                              "show them to everyone who can pull it. Remove the value; the container gets "
                              "MINIMYSQL_PASSWORD when it starts.")
        for instruction in stage.all("RUN"):
            for words in static.simple_commands(instruction.value):
                for index, word in enumerate(words):
                    value = (word.partition("=")[2] if word.startswith("--password=") else
                             words[index + 1] if word == "--password" and index + 1 < len(words) else "")
                    if value and not value.startswith("$"):
                        fail("a RUN step has a literal password", expected="no password in the Dockerfile",
                             got=instruction.where(), hint="Build steps are recorded in the image's history.")
        for instruction in stage.all("COPY") + stage.all("ADD"):
            _, sources, _ = static.copy_parts(instruction)
            if any(Path(s).name in (".env", "secrets") or s.endswith(".env") for s in sources):
                fail("the Dockerfile copies a .env file into the image", expected="no secret files in the image",
                     got=instruction.where(), hint="The password stays outside the image: docker run --env-file.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_dockerignore_keeps_tests_data_and_secrets_out(project: Path) -> None:
    """.dockerignore keeps tests, local data, .env, .git and __pycache__ out of the build context"""
    patterns = static.dockerignore_patterns(project)
    expect_true(patterns is not None, ".dockerignore is missing", expected="a .dockerignore in the project folder",
                got="no such file", hint="Without it `docker build` sends the whole folder (data, .env, .git).")
    assert patterns is not None
    sent, _ = static.build_context(project, patterns)
    leaked = sorted({why for path, why in static.KEEP_OUT.items() if path in sent})
    expect_true(not leaked, "the build context still holds files the image must not see",
                expected="tests/, data/, .env, .git and __pycache__ left out",
                got="sent to the engine: " + "; ".join(leaked) + f" (patterns: {show(patterns, 160)})",
                hint="One pattern per line, matched from the folder's root as Go's filepath.Match does: `tests/` "
                     "(or `tests`), `data/`, `.env`, `.git`, `**/__pycache__`. `docker build` sends everything else "
                     "to the engine, where a COPY can bake it into a layer.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_dockerignore_keeps_the_package_in(project: Path) -> None:
    """.dockerignore still sends the minimysql package to the builder"""
    patterns = static.dockerignore_patterns(project) or []
    expect_true(bool(patterns), ".dockerignore has no patterns: it is still the stub",
                expected="the patterns of what the build leaves out", got="no pattern lines",
                hint="Write the patterns the README lists; this check then makes sure they spare the package.")
    _, left_out = static.build_context(project, patterns)
    lost = sorted(p for p in left_out if p.startswith("minimysql/") and p.endswith(".py"))
    expect_true(not lost, ".dockerignore leaves out the package the image needs",
                expected="minimysql/*.py in the build context", got=f"left out: {', '.join(lost[:5])}"
                f" (patterns: {show(patterns, 160)})",
                hint="A pattern such as `*` or `*.py` (or `**/*.py`) drops the code too; an exception line "
                     "`!minimysql/` brings a folder back after a broad pattern.")


# == live checks (a Docker engine answers) ==========================================================

@pytest.fixture(scope="module")
def image(request: pytest.FixtureRequest) -> dict[str, object]:
    """The learner's image, built once for the live checks (or the failure that stopped the build)."""
    project = Path(str(request.config.getoption("swai_project")))
    tag = live.tag_for(project, "dockerfile")
    try:
        built, seconds = live.build(project, ".", DOCKERFILE, tag, what="your Dockerfile")
    except AssertionError as exc:
        return {"error": exc}
    return {"image": built, "seconds": seconds, "tag": tag}


def built(image: dict[str, object]) -> tuple[object, float, str]:
    if "error" in image:
        raise image["error"]  # type: ignore[misc]
    return image["image"], float(image["seconds"]), str(image["tag"])  # type: ignore[arg-type]


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_image_builds_small(project: Path, image: dict[str, object], figures: Figures) -> None:
    """[live] docker build succeeds; the image runs as non-root, exposes 3306 and adds little to its base"""
    result, seconds, _ = built(image)
    attrs = result.attrs  # type: ignore[attr-defined]
    config = attrs.get("Config") or {}
    base = live.client().images.get(dockerfile(project).final.image)
    added = (attrs["Size"] - base.attrs["Size"]) / 1e6
    figures.record("build time", seconds, unit="s")
    figures.record("image size", attrs["Size"] / 1e6, unit="MB")
    figures.record("added to the base image", max(added, 0.01), unit="MB", threshold=MAX_ADDED_MB)
    expect_true(str(config.get("User") or "root").split(":")[0] not in ("", "root", "0"),
                "the built image runs as root", expected="Config.User: your unprivileged user",
                got=show(config.get("User")), hint="USER <your user> in the final stage.")
    expect_true("3306/tcp" in (config.get("ExposedPorts") or {}), "the built image exposes no 3306/tcp",
                expected="3306/tcp", got=show(sorted(config.get("ExposedPorts") or {})), hint="EXPOSE 3306.")
    expect_true(added <= MAX_ADDED_MB, "the final image adds too much to its base", expected=f"≤ {MAX_ADDED_MB:g} MB",
                got=f"{added:.1f} MB", hint="Only the compiled package belongs in the final stage: leave build tools, "
                                           "caches and the build context in the builder.")


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_serves_and_keeps_data_across_containers(image: dict[str, object], figures: Figures) -> None:
    """[live] the container serves PyMySQL, stops cleanly on docker stop, and a new one finds the data on the volume"""
    _, _, tag = built(image)
    password = "grader-" + live.secrets.token_hex(6)
    with live.resources() as made:
        volume = made.volume()
        options = {"environment": {static.PASSWORD_VAR: password},
                   "volumes": {volume: {"bind": static.DATA_DIR, "mode": "rw"}},
                   "ports": {f"{static.SERVER_PORT}/tcp": ("127.0.0.1", None)}}
        first = made.run(tag, **options)
        connection = live.connect(first, static.SERVER_PORT, "root", password)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE kept (id INT PRIMARY KEY, note TEXT)")
            cursor.execute("INSERT INTO kept VALUES (1, 'written before docker stop')")
        connection.close()
        started = time.monotonic()
        first.stop(timeout=10)
        code = first.wait(timeout=30).get("StatusCode")
        figures.record("docker stop", time.monotonic() - started, unit="s")
        expect_true(code != 137, "docker stop had to kill the server (exit code 137, SIGKILL after 10 s)",
                    expected="the server ends on SIGTERM (exit code 0 or 143)", got=f"exit code {code}",
                    hint="The server must be PID 1 (exec) to get SIGTERM; a shell in between ignores it.")
        second = made.run(tag, **options)
        connection = live.connect(second, static.SERVER_PORT, "root", password)
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM kept WHERE id = 1")
            rows = cursor.fetchall()
        connection.close()
        expect_true(rows == (("written before docker stop",),), "a new container on the same volume lost the data",
                    expected="the row written by the first container", got=show(rows),
                    hint=f"The server must keep its files in {static.DATA_DIR}, where the volume is mounted.")


@live.live_check
@pytest.mark.correctness
@pytest.mark.points(0)
def test_live_refuses_to_start_without_password(image: dict[str, object]) -> None:
    """[live] without MINIMYSQL_PASSWORD the container stops instead of serving with an empty password"""
    _, _, tag = built(image)
    with live.resources() as made:
        container = made.run(tag, ports={f"{static.SERVER_PORT}/tcp": ("127.0.0.1", None)})
        stopped = live.wait_until(lambda: live.state(container).get("Status") in ("exited", "dead"), 15.0)
        if stopped:
            expect_true(live.state(container).get("ExitCode") != 0, "the container exited with 0 without a password",
                        expected="a non-zero exit code and a message", got="exit code 0",
                        hint="${MINIMYSQL_PASSWORD:?message} makes the shell fail with the message.")
            return
        try:
            connection = live.connect(container, static.SERVER_PORT, "root", "", seconds=5)
        except AssertionError:
            return  # it does not let an empty password in either
        connection.close()
        fail("without MINIMYSQL_PASSWORD the server serves with an empty password",
             expected="the container refuses to start", got="PyMySQL logged in as root with no password",
             hint="Use ${MINIMYSQL_PASSWORD:?set MINIMYSQL_PASSWORD} in the command: the shell stops there.")
