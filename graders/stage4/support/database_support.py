"""Subject-side helpers of the stage4/transactions grader.

They run in the learner's process next to ``minimysql.database``: a statement's outcome comes
back as plain data (a ``Result`` or a ``DatabaseError`` are the learner's objects and cannot
cross by value), and whole scenarios run here in one call — sessions on threads, fifty power
cuts, eight threads incrementing a counter — so they are not slowed or reordered by round
trips. The grader computes every verdict from what these return.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any

from storage_support import MemoryStorage, PowerCut

MODULE = "minimysql.database"


def _database() -> Any:
    import importlib

    return importlib.import_module(MODULE)


# -- outcomes as plain data ----------------------------------------------------------------------------

def plain(value: Any, depth: int = 0) -> Any:
    """A value as builtins only; anything else as a marker naming its type (it cannot equal a real value)."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if value == value and abs(value) != float("inf") else {"float": repr(value)}
    if type(value) in (tuple, list) and depth < 3:
        return tuple(plain(v, depth + 1) for v in value)
    return {"unexpected": type(value).__name__, "repr": repr(value)[:120]}


def describe_error(exc: BaseException) -> dict[str, Any]:
    database_error = getattr(_database(), "DatabaseError", None)
    is_db = isinstance(database_error, type) and isinstance(exc, database_error)
    return {"type": type(exc).__name__, "database_error": is_db, "code": plain(getattr(exc, "code", None)),
            "sqlstate": plain(getattr(exc, "sqlstate", None)), "message": plain(getattr(exc, "message", None)),
            "text": str(exc)[:300]}


def describe_result(result: Any) -> dict[str, Any]:
    result_class = getattr(_database(), "Result", None)
    if not (isinstance(result_class, type) and isinstance(result, result_class)):
        return {"bad_result": f"{type(result).__name__}: {repr(result)[:200]}"}
    out = {}
    for name in ("columns", "types", "rows", "affected_rows", "rows_examined"):
        out[name] = plain(getattr(result, name, None))
    return out


def execute(session: Any, sql: str) -> dict[str, Any]:
    """``{"result": {...}}`` or ``{"error": {...}}`` for one statement."""
    try:
        result = session.execute(sql)
    except Exception as exc:  # noqa: BLE001 - the learner's exception is the outcome
        return {"error": describe_error(exc)}
    return {"result": describe_result(result)}


def script(session: Any, statements: list[str]) -> list[dict[str, Any]]:
    return [execute(session, sql) for sql in statements]


def rows_of(session: Any, table: str, order: str) -> Any:
    """Every row of ``table`` in ``order`` (an ORDER BY list), or the error as data."""
    out = execute(session, f"SELECT * FROM {table} ORDER BY {order}")
    return out["result"].get("rows", out["result"]) if "result" in out else out


def in_transaction(session: Any) -> Any:
    try:
        return plain(session.in_transaction)
    except Exception as exc:  # noqa: BLE001
        return {"error": describe_error(exc)}


def open_session(storage: Any, lock_timeout: float = 5.0) -> tuple[Any, Any]:
    db = _database().Database(storage, lock_timeout=lock_timeout)
    return db, db.session()


# -- sessions on threads ------------------------------------------------------------------------------

def _stack(thread: threading.Thread) -> tuple[tuple[str, str, int], ...]:
    frame = sys._current_frames().get(thread.ident or -1)
    out = []
    while frame is not None:
        out.append((frame.f_code.co_filename, frame.f_code.co_name, frame.f_lineno))
        frame = frame.f_back
    return tuple(out)


def wait_blocked(thread: threading.Thread, done: threading.Event, limit: float = 3.0) -> str:
    """Wait until a statement running on ``thread`` has finished ("finished") or waits ("blocked": inside
    the learner's minimysql code, its stack unchanged, line for line, for 50 ms of looks 5 ms apart, while
    this thread keeps running: a thread that merely lost the CPU for a moment would have moved on).
    "running" when neither happened within ``limit`` seconds."""
    deadline = time.monotonic() + limit
    last: tuple[tuple[str, str, int], ...] = ()
    still = 0
    while time.monotonic() < deadline:
        if done.is_set():
            return "finished"
        stack = _stack(thread)
        inside = any("minimysql" in filename for filename, _, _ in stack)
        still = still + 1 if inside and stack == last else 0
        if still >= 10:
            return "finished" if done.is_set() else "blocked"
        last = stack
        time.sleep(0.005)
    return "finished" if done.is_set() else "running"


class _Background:
    def __init__(self, session: Any, sql: str) -> None:
        self.done = threading.Event()
        self.outcome: dict[str, Any] | None = None
        self.finished_at = 0.0
        self.started_at = time.monotonic()
        self.thread = threading.Thread(target=self._run, args=(session, sql), daemon=True)
        self.thread.start()

    def _run(self, session: Any, sql: str) -> None:
        self.outcome = execute(session, sql)
        self.finished_at = time.monotonic()
        self.done.set()


def interleave(db: Any, steps: list[tuple[Any, ...]], join_limit: float = 4.0) -> list[dict[str, Any]]:
    """Run steps on named sessions of ``db`` and record what happened at each, in order.

    ``("run", name, sql)``: run now, on this thread. ``("start", name, sql)``: run on a thread of its
    own, then wait until it finished or is blocked (see ``wait_blocked``). ``("join", name)``: wait
    for that session's started statement (``join_limit`` s at most). ``("in_transaction", name)``,
    ``("close", name)``. Each record holds the outcome, the seconds it took, and for ``start``
    whether the statement was "finished" or "blocked" before the next step began.
    """
    sessions: dict[str, Any] = {}
    background: dict[str, _Background] = {}
    records: list[dict[str, Any]] = []
    for step in steps:
        kind, name = step[0], step[1]
        if name not in sessions:
            sessions[name] = db.session()
        session = sessions[name]
        started = time.monotonic()
        if kind == "run":
            outcome = execute(session, step[2])
            records.append({"outcome": outcome, "seconds": time.monotonic() - started})
        elif kind == "start":
            job = background[name] = _Background(session, step[2])
            records.append({"state": wait_blocked(job.thread, job.done)})
        elif kind == "join":
            job = background.pop(name)
            job.done.wait(join_limit)
            if job.done.is_set():
                records.append({"outcome": job.outcome, "seconds": job.finished_at - job.started_at,
                                "waited": job.finished_at - started})
            else:
                records.append({"outcome": {"hung": f"no answer {join_limit:g} s after it was joined"}})
        elif kind == "still":
            job = background[name]
            records.append({"state": wait_blocked(job.thread, job.done)})
        elif kind == "in_transaction":
            records.append({"value": in_transaction(session)})
        elif kind == "close":
            session.close()
            records.append({})
    return records


def counter(db: Any, threads: int, increments: int, limit: float = 8.0) -> dict[str, Any]:
    """``threads`` sessions each add 1 to counter.v ``increments`` times, by reading it and writing v + 1
    in one transaction (retrying after a deadlock or a lock wait timeout). The first read of every
    thread waits at a barrier for the others, so all of them have read before any writes."""
    barrier = threading.Barrier(threads)
    deadline = time.monotonic() + limit
    stats = [{"commits": 0, "deadlocks": 0, "timeouts": 0, "errors": []} for _ in range(threads)]

    def work(index: int) -> None:
        session = db.session()
        mine: dict[str, Any] = stats[index]
        first = True
        while mine["commits"] < increments and time.monotonic() < deadline:
            try:
                session.execute("BEGIN")
                rows = session.execute("SELECT v FROM counter WHERE id = 1").rows
                value = rows[0][0]
                if first:
                    first = False
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=2.0)
                session.execute(f"UPDATE counter SET v = {value + 1} WHERE id = 1")
                session.execute("COMMIT")
                mine["commits"] += 1
            except Exception as exc:  # noqa: BLE001 - classified below
                code = getattr(exc, "code", None)
                if code == 1213:
                    mine["deadlocks"] += 1
                    continue
                if code == 1205:
                    mine["timeouts"] += 1
                else:
                    mine["errors"].append(describe_error(exc))
                try:
                    session.execute("ROLLBACK")
                except Exception as again:  # noqa: BLE001
                    mine["errors"].append(describe_error(again))
                    return
                if len(mine["errors"]) > 3:
                    return

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()) + 1.0)
    hung = sum(worker.is_alive() for worker in workers)
    final = execute(db.session(), "SELECT v FROM counter WHERE id = 1") if not hung else None
    return {"stats": stats, "hung": hung, "final": final}


# -- power cuts ---------------------------------------------------------------------------------------

# A workload step: (session index, SQL, expected outcome: "ok" or an error code, commits: bool).
Step = tuple[int, str, Any, bool]


def _run_steps(db: Any, steps: list[Step], progress: dict[str, Any]) -> None:
    sessions = [db.session(), db.session()]
    for index, (who, sql, expected, commits) in enumerate(steps):
        progress["step"] = index
        if commits:
            progress["committing"] = index
        out = execute(sessions[who], sql)
        progress["committing"] = None
        got = "ok" if "result" in out else out["error"]["code"]
        if got != expected:
            raise _Unexpected(f"step {index} ({sql!r} in session {who}) gave "
                              f"{out.get('error', {}).get('text', 'a result') if got != 'ok' else 'a result'}, "
                              f"expected {'a result' if expected == 'ok' else f'error {expected}'}")
        if commits:
            progress["acked"].append(index)


class _Unexpected(Exception):
    pass


def snapshot(session: Any, tables: list[tuple[str, str]]) -> dict[str, Any]:
    return {name: rows_of(session, name, order) for name, order in tables}


class _CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__(seed=0)
        self.write_steps: list[int] = []
        self.progress: dict[str, Any] = {"step": -1}

    def _before_write(self, name: str, op: Any) -> None:
        super()._before_write(name, op)
        self.write_steps.append(self.progress["step"])


def crash_points(steps: list[Step], tables: list[tuple[str, str]], count: int) -> dict[str, Any]:
    """Run ``steps`` cleanly once, then again with the power cut at ``count`` writes spread over the run
    (the last write of every committing statement first: that is where a torn commit hides). After each
    cut: the state the reopened database shows, then one more commit, a clean close and a reopen."""
    database = _database()
    clean = _CountingStorage()
    progress: dict[str, Any] = {"acked": [], "committing": None, "step": -1}
    clean.progress = progress
    try:
        _run_steps(database.Database(clean), steps, progress)
    except _Unexpected as exc:
        return {"clean_error": str(exc)}
    total = max(1, clean.total_writes)
    last_write_of = {}
    for number, step in enumerate(clean.write_steps, 1):
        last_write_of[step] = number
    commit_writes = [last_write_of[i] for i, s in enumerate(steps) if s[3] and i in last_write_of]
    chosen = commit_writes[: count // 2]
    chosen += [1 + (i * total) // (count - len(chosen)) for i in range(count - len(chosen))]
    points = []
    for seed, cut in enumerate(chosen):
        storage = MemoryStorage(seed=seed, cut_after_writes=cut)
        progress = {"acked": [], "committing": None, "step": -1}
        point: dict[str, Any] = {"seed": seed, "cut_after_writes": cut}
        try:
            _run_steps(database.Database(storage), steps, progress)
        except PowerCut:
            pass
        except Exception as exc:  # noqa: BLE001 - the workload failed before the cut: an outcome to report
            point["workload_error"] = str(exc) if isinstance(exc, _Unexpected) else describe_error(exc)["text"]
        point.update(acked=progress["acked"], committing=progress["committing"], step=progress["step"])
        after = storage.power_cut()
        try:
            db = database.Database(after)
            session = db.session()
            point["recovered"] = snapshot(session, tables)
            point["after_commit"] = execute(session, "INSERT INTO kv VALUES (999, 'after')")
            db.close()
            point["reopened"] = snapshot(database.Database(after).session(), tables)
        except Exception as exc:  # noqa: BLE001 - recovery that raises is an outcome to report
            point["recovery_error"] = describe_error(exc)["text"]
        points.append(point)
    return {"total_writes": clean.total_writes, "points": points}


def durable_after_each(steps: list[Step], tables: list[tuple[str, str]], seeds: int) -> list[dict[str, Any]]:
    """Run ``steps``; right after each committing statement returns, cut the power ``seeds`` ways (each
    keeps a different part of the unsynced writes) and record what a reopened database shows."""
    database = _database()
    storage = MemoryStorage(seed=7)
    db = database.Database(storage)
    sessions = [db.session(), db.session()]
    out = []
    for index, (who, sql, _expected, commits) in enumerate(steps):
        execute(sessions[who], sql)
        if not commits:
            continue
        seen = []
        for _ in range(seeds):
            try:
                seen.append(snapshot(database.Database(storage.power_cut()).session(), tables))
            except Exception as exc:  # noqa: BLE001
                seen.append({"recovery_error": describe_error(exc)["text"]})
        out.append({"step": index, "states": seen})
    return out


# -- hostile input ------------------------------------------------------------------------------------

def hostile(session: Any, texts: list[Any]) -> list[Any]:
    """Per input: "parse-error" / "parsed" (what the learner's own parser says) and the outcome in brief."""
    import importlib

    parser = importlib.import_module("minimysql.sql")
    out = []
    for text in texts:
        parsed = "not-a-str"
        if isinstance(text, str):
            try:
                parser.parse(text)
                parsed = "parsed"
            except parser.SqlSyntaxError:
                parsed = "parse-error"
            except Exception as exc:  # noqa: BLE001
                parsed = f"parser raised {type(exc).__name__}"
        got = execute(session, text)
        if "error" in got:
            e = got["error"]
            brief = (f"DatabaseError {e['code']}" if e["database_error"] and type(e["code"]) is int
                     else f"{e['type']}: {e['text'][:100]}")
            out.append((parsed, brief, e["sqlstate"]))
        else:
            out.append((parsed, got["result"].get("bad_result", "result"), None))
        if session.in_transaction is True:  # keep each input in a transaction of its own
            execute(session, "ROLLBACK")
    return out


def make_rows(session: Any, table: str, count: int, row: str, modulo: int) -> None:
    """INSERT ``count`` rows, 500 per statement; ``row`` is a format string of ``i`` (1..count) and
    ``k`` (i % modulo)."""
    for start in range(1, count + 1, 500):
        values = ", ".join(row.format(i=i, k=i % modulo) for i in range(start, min(count, start + 499) + 1))
        session.execute(f"INSERT INTO {table} VALUES {values}")
