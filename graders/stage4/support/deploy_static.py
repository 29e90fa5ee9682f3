"""Grader-side readers of the Stage 4 deploy exercises (dockerfile, compose-volumes, sysbench-load-test).

Everything here runs in the grader's process on files the learner wrote; nothing the learner wrote
is executed. Each file is read with a real parser: Dockerfiles with ``dockerfile-parse`` (the
parser of the OpenShift/Atomic tooling), ``.dockerignore`` with the docker SDK's own matcher (the
one that decides what ``docker build`` sends), compose files with PyYAML (duplicate keys rejected,
as Compose does) and validated against the Compose Specification's JSON schema, shell strings
with ``shlex`` in POSIX mode. A problem is reported with ``swai.grading.fail``: what was read,
what the contract wants, what the file has, and a hint.

``deploy_compose_spec.json`` is the Compose Specification's schema (schema/compose-spec.json of
https://github.com/compose-spec/compose-spec, Apache-2.0, licence in
``deploy_compose_spec.LICENSE``), as vendored by check-jsonschema 0.39.0 (PyPI:
check_jsonschema/builtin_schemas/vendor/compose-spec.json, sha256 below).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import tempfile
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from dockerfile_parse import DockerfileParser
from jsonschema import Draft202012Validator

from swai.grading import fail
from swai.subject.client import show

# -- the contract every deploy exercise shares (README of stage4/dockerfile) -----------------------
SERVER_PORT = 3306
DATA_DIR = "/var/lib/minimysql"
PASSWORD_VAR = "MINIMYSQL_PASSWORD"
USER_VAR = "MINIMYSQL_USER"
SERVER_MODULE = "minimysql.server"
SERVICE = "db"

MAX_BYTES = 256 * 1024
SUPPORT = Path(__file__).resolve().parent
COMPOSE_SCHEMA = SUPPORT / "deploy_compose_spec.json"
COMPOSE_SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"

INSTRUCTIONS = frozenset({"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
                          "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
                          "HEALTHCHECK", "SHELL"})
SECRET_NAME = re.compile(r"PASS(WORD|WD)?|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)
SHELLS = frozenset({"sh", "/bin/sh", "bash", "/bin/bash", "dash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash"})
INITS = frozenset({"tini", "/sbin/tini", "/usr/bin/tini", "/tini", "dumb-init", "/usr/bin/dumb-init",
                   "/sbin/docker-init", "docker-init", "catatonit", "/usr/bin/catatonit"})
PYTHONS = re.compile(r"^(/usr(/local)?/bin/)?python(3(\.\d+)?)?$")
VARIABLE = re.compile(r"^\$(?:\{(?P<braced>[A-Za-z_]\w*)(?P<op>:?[-?+=])?(?P<arg>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))$")


def _show_text(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def read_text(project: Path, relative: str, what: str, stub_hint: str) -> str:
    path = project / relative
    if not path.is_file():
        fail(f"{relative} is missing", expected=f"{what} in {relative} of your project", got="no such file",
             hint=stub_hint)
    if path.stat().st_size > MAX_BYTES:
        fail(f"{relative} is too large", expected=f"at most {MAX_BYTES // 1024} KiB",
             got=f"{path.stat().st_size // 1024} KiB", hint=f"{relative} is a short text file; keep it to the point.")
    return path.read_text(encoding="utf-8", errors="replace")


# == Dockerfiles ===================================================================================

@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    line: int                      # 1-based, where the instruction starts
    env: dict[str, str]            # ENV in effect at this instruction (its stage's, inherited ones not known)

    def where(self) -> str:
        return f"line {self.line}: {self.keyword} {_show_text(self.value, 100)}"


@dataclass
class Stage:
    index: int
    name: str | None               # the AS name, lower case
    image: str                     # FROM's image, build ARGs substituted
    raw_image: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def label(self) -> str:
        return f"stage {self.index}" + (f" ({self.name})" if self.name else "") + f", FROM {self.raw_image}"


@dataclass
class Dockerfile:
    relative: str
    stages: list[Stage]
    args: dict[str, str]           # global ARGs (before the first FROM) with their defaults

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage_ref(self, ref: str, before: int) -> Stage | None:
        """The earlier stage that ``ref`` (an AS name or an index) names, if any."""
        for stage in self.stages[:before]:
            if ref.lower() == stage.name or ref == str(stage.index):
                return stage
        return None

    def env(self) -> dict[str, str]:
        """The final stage's ENV at its end (what the container starts with, besides the base image's)."""
        final = self.final.instructions
        return dict(final[-1].env) if final else {}


def substitute(text: str, values: dict[str, str]) -> str:
    """Dockerfile variable substitution: $X, ${X}, ${X:-default}, ${X:+alternative}."""

    def one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        value = values.get(name)
        if op == ":-":
            return value if value else arg
        if op == ":+":
            return arg if value else ""
        return value if value is not None else match.group(0)

    return re.sub(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?P<op>:[-+])?(?P<arg>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))", one, text)


def read_dockerfile(project: Path, relative: str = "Dockerfile") -> Dockerfile:
    text = read_text(project, relative, "a Dockerfile",
                     f"Start from the {relative} the exercise gave you (swai sync writes it).")
    parser = DockerfileParser(fileobj=BytesIO(text.encode("utf-8")))
    try:
        structure = parser.structure
        contexts = parser.context_structure
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        fail(f"{relative} cannot be parsed", expected="a Dockerfile", got=f"{type(exc).__name__}: {exc}"[:200],
             hint="Check quotes and line continuations (a backslash at the very end of a line).")
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for item, context in zip(structure, contexts, strict=True):
        keyword, value, line = item["instruction"].upper(), item["value"], item["startline"] + 1
        if keyword == "COMMENT":
            continue
        if keyword not in INSTRUCTIONS:
            fail(f"{relative} has an instruction Docker does not know", expected="Dockerfile instructions only "
                 "(FROM, RUN, COPY, ENV, USER, EXPOSE, CMD, …)", got=f"line {line}: {_show_text(item['content'])}",
                 hint="Check the spelling, and that every continued line ends with a backslash.")
        if keyword == "FROM":
            words = [w for w in value.split() if not w.startswith("--platform")]
            if not words:
                fail(f"{relative}: FROM without an image", expected="FROM image[:tag] [AS name]",
                     got=f"line {line}: FROM {value}", hint="Name the base image after FROM.")
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), name, substitute(words[0], args), words[0], line))
            continue
        if not stages:
            if keyword == "ARG":
                for part in shlex.split(value):
                    key, _, default = part.partition("=")
                    args[key] = default
                continue
            fail(f"{relative} does not start with FROM", expected="FROM (only ARG may come before it)",
                 got=f"line {line}: {keyword} {_show_text(value)}", hint="Every stage starts with FROM <image>.")
        stages[-1].instructions.append(Instruction(keyword, value, line, dict(context.get_values("ENV"))))
    if not stages:
        fail(f"{relative} has no FROM: it is still the stub", expected="at least one FROM instruction",
             got="only comments", hint="Write the Dockerfile the exercise's README describes; the comments in "
                                       "the stub list the steps.")
    return Dockerfile(relative, stages, args)


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` -> (name, tag, digest)."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    return name, tag, digest or None


def words_of(value: str) -> list[str]:
    """The words of a COPY/ADD/RUN-like value: JSON array form or whitespace split (quotes honoured)."""
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, list) and all(isinstance(w, str) for w in data):
            return list(data)
    try:
        return shlex.split(stripped)
    except ValueError:
        return stripped.split()


def copy_parts(instruction: Instruction) -> tuple[dict[str, str], list[str], str]:
    """COPY/ADD: (flags, sources, destination)."""
    words = words_of(instruction.value)
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        key, _, val = words.pop(0)[2:].partition("=")
        flags[key.lower()] = val
    if len(words) < 2:
        return flags, [], words[0] if words else ""
    return flags, words[:-1], words[-1]


def exec_form(value: str) -> list[str] | None:
    """The argv of an exec-form (JSON array) CMD/ENTRYPOINT, or None for the shell form."""
    stripped = value.strip()
    if not stripped.startswith("["):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    return list(data) if isinstance(data, list) and all(isinstance(w, str) for w in data) else None


@dataclass(frozen=True)
class Command:
    """What a container (or a healthcheck) runs, as argv, and how it gets there."""
    argv: list[str]
    where: str
    shell_script: str | None = None    # the script when a shell runs it (shell form, or sh -c "...")
    exec_form: bool = True             # the first program was started without a shell


def container_command(dockerfile: Dockerfile) -> Command | None:
    """ENTRYPOINT + CMD of the final stage, as Docker combines them."""
    stage = dockerfile.final
    entry, cmd = stage.last("ENTRYPOINT"), stage.last("CMD")
    parts: list[str] = []
    where = []
    shell_script = None
    exec_ok = True
    if entry is not None:
        where.append(entry.where())
        argv = exec_form(entry.value)
        if argv is None:  # shell-form ENTRYPOINT ignores CMD
            return Command(["/bin/sh", "-c", entry.value], entry.where(), entry.value, False)
        parts += argv
    if cmd is not None:
        where.append(cmd.where())
        argv = exec_form(cmd.value)
        if argv is None:
            argv = ["/bin/sh", "-c", cmd.value]
            if entry is None:
                shell_script, exec_ok = cmd.value, False
        parts += argv
    if not parts:
        return None
    if shell_script is None and len(parts) >= 3 and parts[0] in SHELLS and parts[1] == "-c":
        shell_script = parts[2]
    return Command(parts, "; ".join(where), shell_script, exec_ok)


# -- shell scripts ----------------------------------------------------------------------------------

def simple_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell string, split at ; && || | & and newlines (quotes removed)."""
    lexer = shlex.shlex(script.replace("\\\n", " "), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";&|\n"):
                commands.append([])
            else:
                commands[-1].append(token)
    except ValueError:
        return [script.split()]
    return [c for c in commands if c]


def is_variable(word: str, name: str | None = None) -> bool:
    match = VARIABLE.match(word)
    return bool(match) and (name is None or (match.group("braced") or match.group("bare")) == name)


def variable_default(word: str) -> str | None:
    """``${X:-d}`` / ``${X-d}`` -> d (a default baked in), else None."""
    match = VARIABLE.match(word)
    if match and match.group("op") in (":-", "-", ":=", "="):
        return match.group("arg")
    return None


@dataclass(frozen=True)
class ServerLaunch:
    options: dict[str, str]
    words: list[str]
    through_shell: bool
    execs: bool                    # the server replaces the shell (exec) or no shell runs it
    last: bool                     # the server is the last command of the script
    under_init: bool
    where: str


def server_launch(command: Command) -> ServerLaunch | None:
    """Find ``python -m minimysql.server ...`` in a container command."""
    argv = list(command.argv)
    under_init = False
    if argv and argv[0] in INITS:
        under_init = True
        argv = argv[1:]
        while argv and argv[0].startswith("-"):
            argv.pop(0)
    if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
        commands = simple_commands(argv[2])
        for index, words in enumerate(commands):
            execs = False
            while words and words[0] in ("exec", "command"):
                execs = words[0] == "exec" or execs
                words = words[1:]
            found = _python_module(words)
            if found is not None:
                return ServerLaunch(found, words, True, execs, index == len(commands) - 1, under_init, command.where)
        return None
    found = _python_module(argv)
    if found is None:
        return None
    return ServerLaunch(found, argv, False, True, True, under_init, command.where)


def _python_module(words: list[str]) -> dict[str, str] | None:
    if not words or not PYTHONS.match(words[0]):
        return None
    rest = words[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        rest.pop(0)  # interpreter flags such as -u
    if len(rest) < 2 or rest[0] != "-m" or rest[1] != SERVER_MODULE:
        return None
    options: dict[str, str] = {}
    items = rest[2:]
    i = 0
    while i < len(items):
        word = items[i]
        if word.startswith("--"):
            key, eq, val = word.partition("=")
            if not eq:
                val = items[i + 1] if i + 1 < len(items) else ""
                i += 1
            options[key] = val
        i += 1
    return options


# == .dockerignore ==================================================================================

def dockerignore_patterns(project: Path) -> list[str] | None:
    """The patterns ``docker build`` (the docker SDK) reads from .dockerignore, or None without one."""
    path = project / ".dockerignore"
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


# Paths a learner's project folder has or gets while they work; the build context must leave the
# first ones out and keep the package in.
KEEP_OUT = {
    "tests/test_server_sample.py": "the tests (tests/)",
    "tests/conftest.py": "the tests (tests/)",
    "data/redo.log": "a local data directory (data/, where `python -m minimysql.server --data data` writes)",
    ".env": "the .env file (it holds the password)",
    ".git/HEAD": "the .git folder",
    "minimysql/__pycache__/server.cpython-311.pyc": "__pycache__ folders",
}
KEEP_IN = ("minimysql/__init__.py", "minimysql/server.py", "minimysql/database.py", "minimysql/storage.py")


def build_context(project: Path, patterns: list[str]) -> tuple[set[str], set[str]]:
    """(paths the build context sends, paths it leaves out) for the project's own files plus the
    paths of KEEP_OUT and KEEP_IN, decided by the docker SDK's matcher."""
    from docker.utils.build import exclude_paths

    names: set[str] = set(KEEP_OUT) | set(KEEP_IN)
    for path in sorted(project.rglob("*"))[:5000]:
        if path.is_file() and not {".git", ".venv", "node_modules"} & set(path.relative_to(project).parts):
            names.add(path.relative_to(project).as_posix())
    with tempfile.TemporaryDirectory(prefix="swai-context-") as tmp:
        root = Path(tmp)
        for name in names:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).touch()
        sent = {p.replace(os.sep, "/") for p in exclude_paths(str(root), patterns, dockerfile="Dockerfile")}
    return sent & names, names - sent


# == compose files ==================================================================================

class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader that rejects a key given twice in one mapping, as Compose does."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark)
        seen[key] = 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@cache
def compose_validator() -> Draft202012Validator:
    data = COMPOSE_SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == COMPOSE_SCHEMA_SHA256, "the vendored compose schema changed"
    return Draft202012Validator(json.loads(data))


def read_compose(project: Path, relative: str) -> dict[str, Any]:
    """A compose file, parsed strictly and valid against the Compose Specification."""
    text = read_text(project, relative, "a compose file",
                     f"Start from the {relative} the exercise gave you (swai sync writes it).")
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        fail(f"{relative} is not valid YAML{where}", expected="valid YAML, every key once per mapping",
             got=_show_text(str(exc), 200), hint="Check the indentation (spaces, never tabs) and quote strings that "
                                                 "contain a colon followed by a space, or start with * & ! { [.")
    if data is None:
        fail(f"{relative} is empty: it is still the stub", expected="a compose file with services:",
             got="no YAML content (only comments)", hint="Write the compose file the exercise's README describes.")
    errors = sorted(compose_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error = min(errors, key=lambda e: len(e.absolute_path))
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        fail(f"{relative} does not follow the Compose Specification at {where}",
             expected="a file valid against the Compose Specification's JSON schema (what docker compose checks)",
             got=_show_text(error.message, 240),
             hint="Compare the key with https://docs.docker.com/reference/compose-file/ (service keys such as "
                  "build, ports, volumes, healthcheck, restart, env_file); indentation decides where a key belongs.")
    if not isinstance(data.get("services"), dict) or not data["services"]:
        fail(f"{relative} defines no services", expected="a services: mapping with your services",
             got=show(data.get("services")), hint="Put each container under services:, keyed by its name.")
    return dict(data)


def read_env_file(project: Path, relative: str = ".env") -> dict[str, str]:
    """A dotenv file as Compose reads it (KEY=VALUE, # comments, optional quotes, `export` prefix)."""
    path = project / relative
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, eq, value = line.partition("=")
        if not eq:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


_INTERPOLATION = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                            r"|(?P<bare>[A-Za-z_]\w*))")


@dataclass
class Interpolated:
    value: Any
    used: set[str] = field(default_factory=set)      # variables read
    missing: list[str] = field(default_factory=list)  # ${X:?msg} / ${X?msg} with X unset: compose refuses


def interpolate(value: Any, env: dict[str, str]) -> Interpolated:
    """Compose's variable interpolation over a parsed value (strings inside lists and mappings)."""
    result = Interpolated(None)

    def text(s: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group("escaped"):
                return "$"
            name = match.group("braced") or match.group("bare")
            result.used.add(name)
            op, arg = match.group("op") or "", match.group("arg") or ""
            current = env.get(name)
            if op in (":?", "?") and (current is None or (op == ":?" and current == "")):
                result.missing.append(f"{name} ({arg or 'required'})")
                return ""
            if op == ":-":
                return current if current else arg
            if op == "-":
                return current if current is not None else arg
            if op == ":+":
                return arg if current else ""
            if op == "+":
                return arg if current is not None else ""
            return current or ""

        return _INTERPOLATION.sub(one, s)

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return text(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    result.value = walk(value)
    return result


def service(compose: dict[str, Any], name: str, relative: str) -> dict[str, Any]:
    services = compose["services"]
    if name not in services or not isinstance(services[name], dict):
        fail(f"{relative} has no service called {name!r}", expected=f"a service {name!r}",
             got=f"services {sorted(services)}", hint=f"Name the service {name!r}: the other exercises (and the "
                                                      "grader) reach it by that name.")
    return dict(services[name])


def environment(svc: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment: (list or mapping form) -> {name: raw value or None}."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        out: dict[str, str | None] = {}
        for item in env:
            key, eq, val = str(item).partition("=")
            out[key] = val if eq else None
        return out
    return {str(k): (None if v is None else str(v)) for k, v in env.items()}


def env_files(svc: dict[str, Any]) -> list[str]:
    raw = svc.get("env_file")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [str(item["path"]) if isinstance(item, dict) else str(item) for item in items]


@dataclass(frozen=True)
class Port:
    host_ip: str
    published: str
    target: int
    protocol: str


def ports(svc: dict[str, Any]) -> list[Port]:
    found: list[Port] = []
    for item in svc.get("ports") or []:
        if isinstance(item, dict):
            found.append(Port(str(item.get("host_ip", "")), str(item.get("published", "")),
                              int(str(item["target"]).split("-")[0]), str(item.get("protocol", "tcp"))))
            continue
        text = str(item)
        text, _, protocol = text.partition("/")
        host_ip = ""
        if text.startswith("["):
            host_ip, _, text = text[1:].partition("]")
            text = text.lstrip(":")
        parts = text.split(":")
        if len(parts) == 3:
            host_ip, published, target = parts
        elif len(parts) == 2:
            published, target = parts
        else:
            published, target = "", parts[0]
        try:
            number = int(target.split("-")[0])
        except ValueError:
            number = -1
        found.append(Port(host_ip, published, number, protocol or "tcp"))
    return found


@dataclass(frozen=True)
class Mount:
    type: str                      # volume (named), anonymous, bind, tmpfs
    source: str
    target: str
    read_only: bool


def mounts(svc: dict[str, Any]) -> list[Mount]:
    found: list[Mount] = []
    for item in svc.get("volumes") or []:
        if isinstance(item, dict):
            kind = str(item.get("type", "volume"))
            source = str(item.get("source") or "")
            if kind == "volume" and not source:
                kind = "anonymous"
            found.append(Mount(kind, source, str(item.get("target", "")).rstrip("/") or "/",
                               bool(item.get("read_only"))))
            continue
        parts = str(item).split(":")
        if len(parts) == 1:
            found.append(Mount("anonymous", "", parts[0].rstrip("/") or "/", False))
            continue
        source, target = parts[0], parts[1]
        mode = parts[2] if len(parts) > 2 else ""
        kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        found.append(Mount(kind, source, target.rstrip("/") or "/", "ro" in mode.split(",")))
    for item in svc.get("tmpfs") or []:
        found.append(Mount("tmpfs", "", str(item).split(":")[0].rstrip("/"), False))
    return found


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)")


def duration(value: Any) -> float | None:
    """A compose duration (``1m30s``, ``5s``, ``500ms``) in seconds, or None when it is not one."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text or _DURATION.sub("", text):
        return None
    scale = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[unit] for n, unit in _DURATION.findall(text))


# == healthchecks ===================================================================================

PROCESS_ONLY = frozenset({"pgrep", "pidof", "ps", "kill", "test", "[", "ls", "stat", "cat", "true", "echo", "pkill",
                          "/bin/true", "sleep", "whoami", "id"})
MYSQL_ADMINS = frozenset({"mariadb-admin", "mysqladmin"})
MYSQL_CLIENTS = frozenset({"mariadb", "mysql"})
CONNECT_ONLY = frozenset({"nc", "ncat", "netcat", "curl", "wget", "telnet", "socat"})


@dataclass(frozen=True)
class Probe:
    kind: str                      # python, admin-ping, client-query; or a problem: process, connect-only, ...
    program: str
    words: list[str]
    text: str


def healthcheck_commands(test: Any) -> tuple[str, list[list[str]], str]:
    """(form, simple commands, display text) of a compose healthcheck test."""
    if isinstance(test, str):
        return "CMD-SHELL", simple_commands(test), test
    items = [str(x) for x in (test or [])]
    if not items:
        return "", [], ""
    form, rest = items[0], items[1:]
    if form == "CMD-SHELL":
        script = " ".join(rest)
        return form, simple_commands(script), script
    if form == "CMD":
        if len(rest) >= 2 and rest[0] in SHELLS and rest[1] == "-c":
            script = " ".join(rest[2:])
            return "CMD", simple_commands(script), script
        return form, [rest] if rest else [], shlex.join(rest)
    return form, [items], shlex.join(items)


def classify_probe(commands: list[list[str]], text: str) -> Probe:
    """What a healthcheck really tests. A real probe makes the server answer: it reads the
    server's greeting (the handshake packet every MySQL server sends first) or runs a command
    (COM_PING, a query). A process check, a file check or a bare TCP connect pass while the
    server hangs: the kernel completes a TCP handshake on a listening socket nobody accepts on."""
    words_all = [w for c in commands for w in c]
    for words in commands:
        program = os.path.basename(words[0]) if words else ""
        if program in ("exit", "true", "false") and len(commands) > 1:
            continue
        if PYTHONS.match(words[0] if words else ""):
            code = words[words.index("-c") + 1] if "-c" in words[:-1] else ""
            if not code:
                return Probe("python-no-code", program, words, text)
            if str(SERVER_PORT) not in code and "MINIMYSQL_PORT" not in code:
                return Probe("python-wrong-port", program, words, text)
            if not re.search(r"\.recv(_into)?\(|\.makefile\(|\.read\(", code):
                return Probe("connect-only", program, words, text)
            return Probe("python", program, words, text)
        if program in MYSQL_ADMINS:
            return Probe("admin-ping" if "ping" in words else "admin-other", program, words, text)
        if program in MYSQL_CLIENTS:
            return Probe("client-query" if any(w.startswith(("-e", "--execute")) for w in words) else "client-other",
                         program, words, text)
        if program in CONNECT_ONLY or "/dev/tcp/" in " ".join(words):
            return Probe("connect-only", program, words, text)
        if program in PROCESS_ONLY:
            return Probe("process", program, words, text)
        return Probe("unknown", program, words, text)
    return Probe("empty", "", words_all, text)


def installs_mysql_client(dockerfile: Dockerfile) -> bool:
    """Whether the final stage installs a package with the MySQL clients (mariadb-admin, mariadb)."""
    packages = ("mariadb-client", "default-mysql-client", "mysql-client")
    return any("install" in i.value and any(p in i.value for p in packages) for i in dockerfile.final.all("RUN"))


# == sysbench =======================================================================================

# `sysbench --help` and `sysbench oltp_point_select help` of sysbench 1.0.20 (Debian bookworm): the options
# it accepts (with dashes; sysbench reads - and _ alike in script options).
SYSBENCH_GENERAL = frozenset([
    "threads", "events", "time", "forced-shutdown", "thread-stack-size", "rate", "report-interval",
    "report-checkpoints", "debug", "validate", "help", "version", "config-file", "tx-rate", "max-requests",
    "max-time", "num-threads", "rand-type", "rand-spec-iter", "rand-spec-pct", "rand-spec-res", "rand-seed",
    "rand-pareto-h", "verbosity", "percentile", "histogram", "db-driver", "db-ps-mode", "db-debug",
    "mysql-host", "mysql-port", "mysql-socket", "mysql-user", "mysql-password", "mysql-db", "mysql-ssl",
    "mysql-ssl-cipher", "mysql-compression", "mysql-debug", "mysql-ignore-errors", "mysql-dry-run",
])
SYSBENCH_OLTP = frozenset([
    "auto-inc", "create-secondary", "delete-inserts", "distinct-ranges", "index-updates", "mysql-storage-engine",
    "non-index-updates", "order-ranges", "pgsql-variant", "point-selects", "range-selects", "range-size",
    "secondary", "simple-ranges", "skip-trx", "sum-ranges", "table-size", "tables",
])


@dataclass(frozen=True)
class SysbenchCall:
    script: str                    # oltp_point_select, /bench/prepare.lua, ...
    command: str                   # run, prepare, ...
    options: dict[str, str]        # dashes, as written but with _ read as -
    unknown: list[str]
    argv: list[str]


def sysbench_call(argv: list[str]) -> SysbenchCall | None:
    """Parse ``sysbench [options] script [options] command`` (argv[0] is sysbench)."""
    if not argv or os.path.basename(argv[0]) != "sysbench":
        return None
    script, command = "", ""
    options: dict[str, str] = {}
    unknown: list[str] = []
    for word in argv[1:]:
        if word.startswith("--"):
            key, eq, val = word[2:].partition("=")
            key = key.replace("_", "-")
            options[key] = val if eq else "on"
            if key not in SYSBENCH_GENERAL and key not in SYSBENCH_OLTP:
                unknown.append(word)
        elif not script:
            script = word
        elif not command:
            command = word
        else:
            unknown.append(word)
    return SysbenchCall(script, command, options, unknown, argv)


@dataclass(frozen=True)
class SysbenchResult:
    version: str
    threads: int
    queries: int
    qps: float
    transactions: int
    tps: float
    errors: int
    reconnects: int
    total_time: float
    events: int
    latency: dict[str, float]      # min, avg, max, p (the percentile), sum
    percentile: int


_RESULT_LINES = {
    "version": r"^sysbench (\d+\.\d+\.\d+)",
    "threads": r"^Number of threads:\s*(\d+)",
    "transactions": r"^\s*transactions:\s*(\d+)\s*\(([\d.]+) per sec\.\)",
    "queries": r"^\s*queries:\s*(\d+)\s*\(([\d.]+) per sec\.\)",
    "errors": r"^\s*ignored errors:\s*(\d+)",
    "reconnects": r"^\s*reconnects:\s*(\d+)",
    "total_time": r"^\s*total time:\s*([\d.]+)s",
    "events": r"^\s*total number of events:\s*(\d+)",
    "min": r"^\s*min:\s*([\d.]+)",
    "avg": r"^\s*avg:\s*([\d.]+)",
    "max": r"^\s*max:\s*([\d.]+)",
    "p": r"^\s*(\d+)th percentile:\s*([\d.]+)",
    "sum": r"^\s*sum:\s*([\d.]+)",
}


def parse_sysbench(text: str) -> tuple[SysbenchResult | None, list[str]]:
    """A sysbench 1.0 run's report, and the names of the lines it lacks."""
    found: dict[str, re.Match[str]] = {}
    for name, pattern in _RESULT_LINES.items():
        match = re.search(pattern, text, re.M)
        if match:
            found[name] = match
    missing = [name for name in _RESULT_LINES if name not in found]
    if missing:
        return None, missing
    latency = {k: float(found[k].group(1)) for k in ("min", "avg", "max", "sum")}
    latency["p"] = float(found["p"].group(2))
    return SysbenchResult(
        version=found["version"].group(1), threads=int(found["threads"].group(1)),
        queries=int(found["queries"].group(1)), qps=float(found["queries"].group(2)),
        transactions=int(found["transactions"].group(1)), tps=float(found["transactions"].group(2)),
        errors=int(found["errors"].group(1)), reconnects=int(found["reconnects"].group(1)),
        total_time=float(found["total_time"].group(1)), events=int(found["events"].group(1)),
        latency=latency, percentile=int(found["p"].group(1))), []

