"""The subject host: the child process that runs the learner's code.

It reads JSON-lines requests from one pipe and answers on another (the descriptors are
given on the command line), so nothing the learner prints can be mistaken for an answer:
file descriptors 1 and 2 are pointed at a log file before any learner code is imported.
It keeps the objects the learner's code creates and hands out numbered references.
See docs/protocol.md for the message format.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
import threading
import time
import traceback
from typing import Any

from swai.subject.codec import decode, encode
from swai.subject.interleave import Turns

HOST_FILE = os.path.abspath(__file__)
# "wall" times what a caller waits; "cpu" counts only the time the calling thread ran, so time
# spent preempted on a busy machine does not count and ratios of costs hold under load. (Not
# process_time: with RLIMIT_CPU set, Linux advances the process clock only at scheduler ticks.)
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


class Host:
    def __init__(self, project: str) -> None:
        self.project = os.path.abspath(project)
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> ref, so one object keeps one reference
        self.next_ref = 1

    # -- references ---------------------------------------------------------------
    def to_ref(self, value: Any) -> dict[str, Any]:
        ref = self.ids.get(id(value))
        if ref is None or self.objects.get(ref) is not value:
            ref = self.next_ref
            self.next_ref += 1
            self.objects[ref] = value
            self.ids[id(value)] = ref
        # type(value).__name__ reads the class, never the learner's __repr__ or __getattr__.
        data: dict[str, Any] = {"$ref": ref, "type": type(value).__name__}
        if isinstance(value, type) or inspect.isroutine(value):
            data["name"] = str(type.__getattribute__(value, "__name__") if isinstance(value, type)
                               else getattr(value, "__name__", "function"))[:80]
        return data

    def from_ref(self, data: dict[str, Any]) -> Any:
        return self.objects[int(data["$ref"])]

    def enc(self, value: Any) -> Any:
        return encode(value, self.to_ref)

    def dec(self, data: Any) -> Any:
        return decode(data, self.from_ref)

    # -- operations ---------------------------------------------------------------
    def op_ping(self, msg: dict[str, Any]) -> Any:
        return "pong"

    def op_import(self, msg: dict[str, Any]) -> Any:
        return self.enc(importlib.import_module(msg["module"]))

    def op_getattr(self, msg: dict[str, Any]) -> Any:
        return self.enc(getattr(self.objects[msg["target"]], msg["name"]))

    def invoke(self, target: Any, method: str | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        fn = target if method is None else getattr(target, method)
        return fn(*args, **kwargs)

    def op_call(self, msg: dict[str, Any]) -> Any:
        target = self.objects[msg["target"]]
        args = self.dec(msg.get("args", []))
        kwargs = self.dec(msg.get("kwargs", {"$dict": []}))
        return self.enc(self.invoke(target, msg.get("method"), args, kwargs))

    def op_batch(self, msg: dict[str, Any]) -> Any:
        """Run many calls on one target in a tight loop, optionally timed and repeated."""
        target = self.objects[msg["target"]]
        calls = [(getattr(target, name), self.dec(args)) for name, args in msg["calls"]]
        keep = bool(msg.get("results", False))
        clock = CLOCKS[msg.get("clock", "wall")]
        timings = []
        results: list[Any] = []
        for _ in range(int(msg.get("repeat", 1))):
            results = []
            start = clock()
            if keep:
                for fn, args in calls:
                    results.append(fn(*args))
            else:
                for fn, args in calls:
                    fn(*args)
            timings.append(clock() - start)
        return {"timings": timings, "results": self.enc(results) if keep else None}

    def op_threads(self, msg: dict[str, Any]) -> Any:
        """Run one list of calls per thread on one target, all released together, free-running
        or taking seeded turns inside the solution's code (``interleave``)."""
        target = self.objects[msg["target"]]
        plans = [[(getattr(target, name), self.dec(args)) for name, args in plan] for plan in msg["plans"]]
        results: list[list[Any]] = [[] for _ in plans]
        errors: list[Any] = [None] * len(plans)
        barrier = threading.Barrier(len(plans))
        schedule = msg.get("interleave")
        turns = None if schedule is None else Turns(len(plans), seed=int(schedule["seed"]),
                                                    chance=float(schedule["chance"]), root=self.project)

        def calls(index: int) -> None:
            out = results[index]
            for call_index, (fn, args) in enumerate(plans[index]):
                try:
                    out.append(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - the learner's failure is data here
                    errors[index] = {"index": call_index, "error": self.describe(exc)}
                    return

        def work(index: int) -> None:
            if turns is None:
                barrier.wait()
                calls(index)
            else:
                turns.run(index, lambda: calls(index))

        old = sys.getswitchinterval()
        sys.setswitchinterval(float(msg.get("switch_interval", old)))
        try:
            threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(plans))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(old)
        return {"results": self.enc(results), "errors": errors}

    def op_calibrate(self, msg: dict[str, Any]) -> Any:
        """A fixed pure-Python workload: its speed is the yardstick for throughput checks."""
        rounds = int(msg.get("rounds", 200_000))
        clock = CLOCKS[msg.get("clock", "wall")]
        timings = []
        for _ in range(int(msg.get("repeat", 3))):
            start = clock()
            table: dict[int, int] = {}
            order: list[int] = []
            for i in range(rounds):
                key = (i * 7919) & 1023
                if key in table:
                    table[key] += 1
                else:
                    table[key] = 1
                    order.append(key)
                if len(order) > 512:
                    del table[order.pop(0)]
            timings.append(clock() - start)
        return {"timings": timings, "rounds": rounds}

    # -- errors -------------------------------------------------------------------
    def describe(self, exc: BaseException) -> dict[str, Any]:
        frames = []
        for frame in traceback.extract_tb(exc.__traceback__):
            path = os.path.abspath(frame.filename)
            if path == HOST_FILE or not path.startswith(self.project + os.sep):
                continue  # only the learner's own frames help the learner
            frames.append(
                {
                    "file": os.path.relpath(path, self.project),
                    "line": frame.lineno or 0,
                    "function": frame.name,
                    "code": (frame.line or "")[:200],
                }
            )
        try:
            message = str(exc)[:2000]
        except BaseException:  # noqa: BLE001 - a hostile __str__ must not kill the host
            message = "<the exception's message could not be read>"
        return {
            "type": type(exc).__name__,
            "mro": [cls.__name__ for cls in type(exc).__mro__],
            "message": message,
            "frames": frames[-12:],
        }

    def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "op_" + str(msg.get("op")), None)
        if handler is None:
            return {"id": msg.get("id"), "ok": False, "protocol_error": f"unknown op {msg.get('op')!r}"}
        try:
            return {"id": msg.get("id"), "ok": True, "value": handler(msg)}
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a learner error too
            return {"id": msg.get("id"), "ok": False, "error": self.describe(exc)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="swai-subject-host")
    parser.add_argument("--requests", type=int, required=True, help="fd to read requests from")
    parser.add_argument("--replies", type=int, required=True, help="fd to write replies to")
    parser.add_argument("--project", required=True, help="directory holding the learner's code")
    parser.add_argument("--log", required=True, help="file that receives the learner's output")
    parser.add_argument("--support", action="append", default=[],
                        help="a grader's folder of subject-side helpers (before the project on sys.path)")
    opts = parser.parse_args(argv)

    replies = os.fdopen(opts.replies, "w", encoding="utf-8", buffering=1)
    requests = os.fdopen(opts.requests, "r", encoding="utf-8")
    log_fd = os.open(opts.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", encoding="utf-8", buffering=1, closefd=False)
    # The grader's helpers come first, so a learner file that happens to share a helper's name
    # cannot stand in for it; helpers are named *_support and never shadow the learner's modules.
    sys.path[:0] = [*(os.path.abspath(folder) for folder in opts.support), os.path.abspath(opts.project)]

    host = Host(opts.project)
    for line in requests:
        try:
            msg = json.loads(line)
        except ValueError:
            reply: dict[str, Any] = {"id": None, "ok": False, "protocol_error": "request is not JSON"}
        else:
            reply = host.handle(msg)
        try:
            text = json.dumps(reply, allow_nan=False)
        except (TypeError, ValueError, RecursionError, MemoryError) as exc:
            text = json.dumps({"id": reply.get("id"), "ok": False,
                               "protocol_error": f"the reply could not be encoded ({type(exc).__name__})"})
        replies.write(text + "\n")
    replies.flush()
    os._exit(0)  # skip interpreter shutdown: learner threads or atexit hooks must not delay exit


if __name__ == "__main__":
    main()
