"""The grader's side of the subject boundary.

``Subject`` starts the host process under limits and sends it one request at a time,
each with a deadline. ``RemoteObject`` makes an object living in the subject look local
(``cache.put(1, "a")``), and every call is written to a ``Transcript`` so a failed check
can show the learner exactly which calls led to it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from swai.subject.codec import decode, encode
from swai.subject.errors import (
    Frame,
    SubjectCrashed,
    SubjectError,
    SubjectFailure,
    SubjectTimeout,
)
from swai.subject.limits import Limits

MAX_REPLY_BYTES = 64 << 20
Call = tuple[str, Sequence[Any]]
Clock = Literal["wall", "cpu"]  # what a timing counts: see swai.subject.host.CLOCKS


def show(value: Any, limit: int = 120) -> str:
    """A short, faithful rendering of a value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Entry:
    text: str
    outcome: str = ""  # "-> result", "raised KeyError: 1", "did not return", ...


@dataclass
class Transcript:
    """The calls made on the subject during one check, oldest first."""

    entries: list[Entry] = field(default_factory=list)
    dropped: int = 0
    capacity: int = 5000
    names: dict[str, int] = field(default_factory=dict)  # how many objects of each name were made

    def name_for(self, type_name: str) -> str:
        """A readable variable name for a new object: ``lrucache``, then ``lrucache_2``..."""
        base = type_name.lower()
        count = self.names.get(base, 0) + 1
        self.names[base] = count
        return base if count == 1 else f"{base}_{count}"

    def add(self, text: str) -> Entry:
        entry = Entry(text)
        self.entries.append(entry)
        if len(self.entries) > self.capacity:
            del self.entries[0]
            self.dropped += 1
        return entry

    def clear(self) -> None:
        self.entries.clear()
        self.dropped = 0
        self.names.clear()

    def lines(self, last: int = 25) -> list[str]:
        shown = self.entries[-last:]
        hidden = self.dropped + len(self.entries) - len(shown)
        out = [f"... ({hidden} earlier calls)"] if hidden else []
        out += [f"{e.text} {e.outcome}".rstrip() for e in shown]
        return out


class RemoteObject:
    """A local stand-in for an object that lives in the subject process."""

    __slots__ = ("_generation", "_name", "_ref", "_subject", "_type")
    _subject: Subject
    _ref: int
    _type: str
    _name: str
    _generation: int  # which run of the subject process the object lives in (see Subject.restart)

    def __init__(self, subject: Subject, ref: int, type_name: str, name: str) -> None:
        object.__setattr__(self, "_subject", subject)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_generation", subject.generation)

    def __getattr__(self, name: str) -> RemoteMethod:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteMethod(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("remote objects are changed through their methods")

    def attr(self, name: str) -> Any:
        """Read an attribute or property of the remote object."""
        return self._subject.getattr(self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._subject.call(self, None, args, kwargs)

    def __len__(self) -> int:
        value = self._subject.call(self, "__len__", (), {}, text=f"len({self._name})")
        if type(value) is not int:
            raise SubjectError("TypeError", ["TypeError"], f"__len__ returned {show(value)}")
        return value

    def __contains__(self, key: Any) -> bool:
        value = self._subject.call(self, "__contains__", (key,), {}, text=f"{show(key)} in {self._name}")
        return value is True

    def __getitem__(self, key: Any) -> Any:
        return self._subject.call(self, "__getitem__", (key,), {}, text=f"{self._name}[{show(key)}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        text = f"{self._name}[{show(key)}] = {show(value)}"
        self._subject.call(self, "__setitem__", (key, value), {}, text=text)

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteObject) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash(("remote", self._ref))

    def __repr__(self) -> str:
        return self._name  # as the transcript names it: `box = Box(7)`, then `Box.get(box)`


class RemoteMethod:
    __slots__ = ("name", "owner")

    def __init__(self, owner: RemoteObject, name: str) -> None:
        self.owner = owner
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.owner._subject.call(self.owner, self.name, args, kwargs)


@functools.cache
def isolation() -> tuple[str, ...]:
    """The command prefix that runs a subject as PID 1 of its own PID and mount namespaces.

    Inside, /proc shows only the subject's own processes, so learner code cannot signal the
    grader or open its pipes, and every process it leaves behind dies with it. Where
    namespaces are not available (macOS, some containers) subjects run as plain children.
    """
    unshare = shutil.which("unshare")
    if not sys.platform.startswith("linux") or unshare is None:
        return ()
    flags = ("--pid", "--fork", "--kill-child", "--mount-proc")
    for prefix in ((unshare, *flags), (unshare, "--user", "--map-root-user", *flags)):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            probe = subprocess.run([*prefix, "--", "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=10)
            if probe.returncode == 0:
                return (*prefix, "--")
    return ()


def _call_text(owner: RemoteObject | None, method: str | None, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    if owner is None:
        prefix = str(method)
    elif owner._type == "module":
        prefix = str(method) if method else owner._name
    else:
        prefix = f"{owner._name}.{method}" if method else owner._name
    return f"{prefix}({', '.join(parts)})"


class Subject:
    """One learner-code process and the calls made on it."""

    def __init__(
        self,
        project: Path,
        workdir: Path,
        *,
        limits: Limits | None = None,
        python: str = sys.executable,
        support: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.project = Path(project).resolve()
        self.support = [Path(folder).resolve() for folder in support]
        self.env = dict(env or {})  # e.g. another PYTHONHASHSEED, to show hash() differs between processes
        self.workdir = Path(workdir)
        self.limits = limits or Limits()
        self.python = python
        self.transcript = Transcript()
        self.failure: SubjectFailure | None = None
        self.log_path = self.workdir / "subject-output.log"
        self._modules: dict[str, RemoteObject] = {}
        self._proxies: dict[int, RemoteObject] = {}  # one stand-in per remote object
        self._next_id = 0
        self._buffer = bytearray()  # grows in place: appending 64 KiB reads stays linear
        self._proc: subprocess.Popen[bytes] | None = None
        self.generation = 0  # bumped by crash(): objects of an earlier process are gone

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> Subject:
        self.workdir.mkdir(parents=True, exist_ok=True)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.env,
        }
        cmd = [*isolation(), self.python, "-P", "-s", "-B", "-m", "swai.subject.host",
               "--requests", str(req_r), "--replies", str(rep_w),
               "--project", str(self.project), "--log", str(self.log_path)]
        for folder in self.support:
            cmd += ["--support", str(folder)]
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(req_r, rep_w),
            start_new_session=True,
            preexec_fn=self.limits.preexec(),
        )
        os.close(req_r)
        os.close(rep_w)
        self._requests = os.fdopen(req_w, "wb", buffering=0)
        self._replies = rep_r
        os.set_blocking(rep_r, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(rep_r, selectors.EVENT_READ)
        return self

    def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)
        self._kill(proc)
        self._selector.close()
        os.close(self._replies)

    def crash(self) -> None:
        """Kill the learner's process now with SIGKILL, as a power cut or ``kill -9`` would:
        no cleanup, no flush, nothing buffered in the process survives. Files it wrote stay."""
        proc = self._proc
        if proc is None:
            return
        self.transcript.add("-- the grader killed your process with SIGKILL (a crash) --")
        self._proc = None
        self._kill(proc)
        with contextlib.suppress(OSError):
            self._requests.close()
        self._selector.close()
        os.close(self._replies)
        self._buffer.clear()
        self._modules.clear()
        self._proxies.clear()
        self.generation += 1

    def restart(self) -> Subject:
        """Crash the process if it runs, and start a fresh one on the same project and working
        directory: what a restart after a crash sees. Objects of the old process are gone."""
        self.crash()
        self.failure = None
        self.transcript.add("-- your code started again in a new process --")
        return self.start()

    @contextlib.contextmanager
    def killed_after(self, seconds: float) -> Iterator[None]:
        """Kill the process ``seconds`` into the block (a crash at an arbitrary point of whatever
        the block is doing); the call cut short by it ends quietly. Call ``restart()`` next."""
        proc = self._proc
        if proc is None:
            raise RuntimeError("subject not started")
        fired = threading.Event()

        def kill() -> None:
            fired.set()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(seconds, kill)
        timer.start()
        try:
            yield
        except SubjectCrashed:
            if not fired.is_set():
                raise
        finally:
            timer.cancel()
        self.crash()

    def __enter__(self) -> Subject:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the learner's own children go too
        proc.wait()

    def output_tail(self, limit: int = 1500) -> str:
        """The end of what the learner's code printed."""
        try:
            data = self.log_path.read_bytes()[-limit:]
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    # -- requests -----------------------------------------------------------------
    def request(self, msg: dict[str, Any], text: str, timeout: float | None = None) -> Any:
        """Send one request and wait for its reply; the building block of every call."""
        if self.failure is not None:
            raise SubjectCrashed(f"the process running your code had already stopped: {self.failure.reason}",
                                 call=text)
        if self._proc is None:
            raise RuntimeError("subject not started")
        self._next_id += 1
        msg["id"] = self._next_id
        entry = self.transcript.add(text)
        with contextlib.suppress(OSError):
            self._requests.write(json.dumps(msg).encode() + b"\n")
        reply = self._read_reply(timeout or self.limits.call_timeout, text, entry)
        if reply.get("id") != msg["id"] or "protocol_error" in reply:
            self._fail(SubjectCrashed(f"protocol error from the subject process: {reply}", call=text), entry)
        with self._interpreting(text, entry):
            if reply["ok"] is True:
                return reply["value"]
            exc = _subject_error(reply["error"], text)
        entry.outcome = f"raised {exc}"
        raise exc

    @contextlib.contextmanager
    def _interpreting(self, text: str, entry: Entry) -> Iterator[None]:
        """Reading a reply: a value of the wrong shape is the subject breaking the protocol.

        The learner's code runs in the host, so it can write replies of its own; whatever they
        hold must end the check as the subject's failure, never as an error of the grader.
        """
        try:
            yield
        except (LookupError, TypeError, ValueError, AttributeError, RecursionError, OverflowError) as exc:
            self._fail(SubjectCrashed(f"the subject process sent a malformed reply to {text} "
                                      f"({type(exc).__name__})", call=text), entry)

    def _read_reply(self, timeout: float, text: str, entry: Entry) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        scanned = 0  # the buffer's bytes already searched for the end of the reply
        while (end := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                self._fail(SubjectTimeout(f"{text} did not return within {timeout:g} s", call=text), entry,
                           "did not return")
            try:
                chunk = os.read(self._replies, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                assert self._proc is not None
                try:
                    code = self._proc.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    code = None
                self._fail(SubjectCrashed(self._describe_exit(code, text), call=text), entry,
                           "did not return: the process ended")
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self._fail(SubjectCrashed(f"{text} sent a reply larger than {MAX_REPLY_BYTES} bytes",
                                          call=text), entry)
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: a reply nested too deeply to parse
            self._fail(SubjectCrashed("the subject process wrote garbage on the reply channel", call=text), entry)
        if not isinstance(reply, dict):
            self._fail(SubjectCrashed("the subject process sent a malformed reply", call=text), entry)
        return dict(reply)

    @staticmethod
    def _describe_exit(code: int | None, text: str) -> str:
        if code is None:
            return f"the process running your code closed its reply channel during {text}"
        if code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": " (CPU time limit exceeded)", "SIGKILL": " (killed)",
                   "SIGSEGV": " (segmentation fault)"}.get(name, "")
            return f"the process running your code was killed by {name}{why} during {text}"
        return f"the process running your code exited with code {code} during {text}"

    def _fail(self, failure: SubjectFailure, entry: Entry, outcome: str = "") -> None:
        entry.outcome = outcome or "failed"
        proc = self._proc
        if proc is not None:
            self._kill(proc)
        failure.output = self.output_tail()
        self.failure = failure
        raise failure

    # -- values -------------------------------------------------------------------
    def _from_ref(self, data: dict[str, Any]) -> RemoteObject:
        ref = int(data["$ref"])
        if ref not in self._proxies:
            type_name = str(data.get("type", "object"))
            # classes and functions keep their own names (BloomFilter.from_bytes(...)); instances
            # get a variable name from their type (bloomfilter, bloomfilter_2, ...)
            name = str(data["name"]) if isinstance(data.get("name"), str) else self.transcript.name_for(type_name)
            self._proxies[ref] = RemoteObject(self, ref, type_name, name)
        return self._proxies[ref]

    def _to_ref(self, value: Any) -> dict[str, Any]:
        if isinstance(value, RemoteObject):
            self._live(value)
            return {"$ref": value._ref}
        raise TypeError(f"cannot send {type(value).__name__} to the subject")

    def encode(self, value: Any) -> Any:
        return encode(value, self._to_ref)

    def decode(self, data: Any) -> Any:
        return decode(data, self._from_ref)

    def _result(self, data: Any, entry: Entry, bind: bool) -> Any:
        known = len(self._proxies)
        with self._interpreting(entry.text, entry):
            value = self.decode(data)
        fresh = len(self._proxies) > known
        if isinstance(value, RemoteObject) and bind and fresh and value._type != "module":
            entry.text = f"{value._name} = {entry.text}"
        else:
            entry.outcome = f"-> {show(value)}"
        return value

    # -- the API graders use ------------------------------------------------------
    def import_module(self, name: str) -> RemoteObject:
        """Import the learner's module ``name`` (once per subject; later calls reuse it)."""
        if name not in self._modules:
            data = self.request({"op": "import", "module": name}, f"import {name}")
            with self._interpreting(f"import {name}", self.transcript.entries[-1]):
                module = self.decode(data)
                object.__setattr__(module, "_name", name)
            self._modules[name] = module
        return self._modules[name]

    def _live(self, target: RemoteObject) -> None:
        if target._generation != self.generation:
            raise RuntimeError(f"{target._name} belonged to your code's process before it was restarted; "
                               "get a new one from the restarted process")

    def call(self, target: RemoteObject, method: str | None, args: Sequence[Any],
             kwargs: dict[str, Any], *, text: str | None = None, timeout: float | None = None) -> Any:
        self._live(target)
        text = text or _call_text(target, method, args, kwargs)
        msg = {"op": "call", "target": target._ref, "method": method,
               "args": self.encode(list(args)), "kwargs": self.encode(dict(kwargs))}
        data = self.request(msg, text, timeout)
        return self._result(data, self.transcript.entries[-1], bind=True)

    def getattr(self, target: RemoteObject, name: str) -> Any:
        self._live(target)
        data = self.request({"op": "getattr", "target": target._ref, "name": name}, f"{target._name}.{name}")
        return self._result(data, self.transcript.entries[-1], bind=False)

    def batch(self, target: RemoteObject, calls: Sequence[Call], *, repeat: int = 1,
              results: bool = False, timeout: float = 60.0, text: str | None = None,
              clock: Clock = "wall") -> tuple[list[float], Any]:
        """Run ``calls`` on ``target`` inside the subject, ``repeat`` times; return the timings,
        wall-clock or (``clock="cpu"``) the CPU time of the subject thread making the calls."""
        text = text or f"[{len(calls)} calls on {target._name}: {_summary(calls)}]"
        self._live(target)
        msg = {"op": "batch", "target": target._ref, "repeat": repeat, "results": results, "clock": clock,
               "calls": [[name, self.encode(list(args))] for name, args in calls]}
        value = self.request(msg, text, timeout)
        entry = self.transcript.entries[-1]
        entry.outcome = "-> done"
        with self._interpreting(text, entry):
            return [float(t) for t in value["timings"]], self.decode(value["results"])

    def threads(self, target: RemoteObject, plans: Sequence[Sequence[Call]], *,
                switch_interval: float = 1e-6, timeout: float = 30.0, interleave: int | None = None,
                chance: float = 0.002) -> tuple[list[list[Any]], list[Any]]:
        """Run one plan of calls per thread on ``target``, all threads released together.

        With ``interleave`` (a seed) one thread runs at a time and, at each bytecode of the solution's
        code, hands its turn to another with probability ``chance``: the same seed gives the same
        interleaving of lock-free code on a quiet or a busy machine (swai.subject.interleave).
        """
        sizes = {len(p) for p in plans}
        text = (f"[{len(plans)} threads at once, each making {'/'.join(map(str, sorted(sizes)))} calls "
                f"on {target._name}: {_summary([c for p in plans for c in p])}]")
        self._live(target)
        msg: dict[str, Any] = {"op": "threads", "target": target._ref, "switch_interval": switch_interval,
                               "plans": [[[name, self.encode(list(args))] for name, args in plan] for plan in plans]}
        if interleave is not None:
            msg["interleave"] = {"seed": interleave, "chance": chance}
            text = f"{text[:-1]}, taking turns by seed {interleave}]"
        value = self.request(msg, text, timeout)
        entry = self.transcript.entries[-1]
        entry.outcome = "-> done"
        with self._interpreting(text, entry):
            errors = [None if e is None else {"index": int(e["index"]), "error": _error_fields(e["error"])}
                      for e in value["errors"]]
            return self.decode(value["results"]), errors

    def calibrate(self, rounds: int = 200_000, repeat: int = 3, clock: Clock = "wall") -> float:
        """Best time of the fixed calibration workload, measured inside the subject process."""
        value = self.request({"op": "calibrate", "rounds": rounds, "repeat": repeat, "clock": clock},
                             "[calibration loop]", timeout=60.0)
        entry = self.transcript.entries.pop()
        with self._interpreting("[calibration loop]", entry):
            return min(float(t) for t in value["timings"])


def _error_fields(err: Any) -> dict[str, Any]:
    """The fields of an error the host described, checked (TypeError/KeyError if malformed)."""
    mro = err["mro"]
    frames = [{"file": str(f["file"]), "line": int(f["line"]), "function": str(f["function"]),
               "code": str(f["code"])} for f in err.get("frames", [])]
    if type(mro) is not list:
        raise TypeError("mro is not a list")
    return {"type": str(err["type"]), "mro": [str(name) for name in mro], "message": str(err["message"])[:2000],
            "frames": frames}


def _subject_error(err: Any, text: str) -> SubjectError:
    fields = _error_fields(err)
    frames = [Frame(**f) for f in fields["frames"]]
    return SubjectError(fields["type"], fields["mro"], fields["message"], frames, call=text)


def _summary(calls: Sequence[Call]) -> str:
    names: dict[str, int] = {}
    for name, _ in calls:
        names[name] = names.get(name, 0) + 1
    return ", ".join(f"{n}×{name}" for name, n in names.items())


def iter_frames(error: SubjectError) -> Iterator[str]:
    for frame in error.frames:
        yield f'  File "{frame.file}", line {frame.line}, in {frame.function}'
        if frame.code:
            yield f"    {frame.code}"
