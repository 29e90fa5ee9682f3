"""Subject-side helpers of the stage4/tcp-server grader: the learner's Server, started and stopped
inside the learner's process, in front of the learner's own Database.

The grader's clients (PyMySQL, the ``mariadb`` command-line client, raw sockets) run in the
grader's process and talk to the server over loopback TCP. What only the learner's process can
see — its threads, the sessions the server opened and closed, whether ``stop()`` returned — is
counted here and returned as plain data; the grader computes every verdict.

Between the server and the learner's ``Database`` sits ``GraderDatabase``: it hands the server
the learner's real sessions, counting them, and answers a few statements of the grader's own
(``-- swai:`` followed by a name) with results it was given, so the grader can send values the
learner's tables might not hold (16 MiB strings, every type at its limits) and errors of any code.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SCRIPT_PREFIX = "-- swai:"  # a statement "-- swai:<name>" is answered with the scripted result <name>
LENGTH_PROBE = "-- swai:length\n"  # a statement starting with this line is answered with OK(len(statement))


class GraderSession:
    """A learner's Session, counted, with the grader's scripted answers in front of it."""

    def __init__(self, database: GraderDatabase, inner: Any) -> None:
        self._database = database
        self._inner = inner
        self.closed = False
        self.threads: set[int] = set()  # idents of the threads that called execute()

    @property
    def in_transaction(self) -> bool:
        return bool(self._inner.in_transaction)

    def execute(self, sql: str) -> Any:
        self.threads.add(threading.get_ident())
        with self._database._lock:
            self._database.statements += 1
        if sql.startswith(LENGTH_PROBE):
            return self._database.result(affected_rows=len(sql))
        if sql.startswith(SCRIPT_PREFIX) and sql[len(SCRIPT_PREFIX):] in self._database.scripts:
            answer = self._database.scripts[sql[len(SCRIPT_PREFIX):]]
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return self._inner.execute(sql)

    def close(self) -> None:
        with self._database._lock:
            if not self.closed:
                self.closed = True
                self._database.closed += 1
        self._inner.close()


class GraderDatabase:
    """Stands between the server and the learner's Database (the server only calls ``session()``)."""

    def __init__(self, inner: Any) -> None:
        from minimysql import database

        self._module = database
        self._inner = inner
        self._lock = threading.Lock()
        self.sessions: list[GraderSession] = []
        self.closed = 0
        self.statements = 0
        self.scripts: dict[str, Any] = {}

    def session(self) -> GraderSession:
        session = GraderSession(self, self._inner.session())
        with self._lock:
            self.sessions.append(session)
        return session

    def result(self, columns: tuple[str, ...] = (), types: tuple[str, ...] = (),
               rows: tuple[tuple[Any, ...], ...] = (), affected_rows: int = 0) -> Any:
        """A Result of the learner's own class."""
        return self._module.Result(columns=columns, types=types, rows=rows, affected_rows=affected_rows)

    def script_result(self, name: str, columns: list[str], types: list[str], rows: list[list[Any]]) -> None:
        self.scripts[name] = self.result(tuple(columns), tuple(types), tuple(tuple(row) for row in rows))

    def script_error(self, name: str, code: int, sqlstate: str, message: str) -> None:
        """A DatabaseError (a subclass of the learner's) with exactly these fields."""
        base = self._module.DatabaseError

        class ScriptedError(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                Exception.__init__(self, message)
                self.code = code
                self.sqlstate = sqlstate
                self.message = message

        self.scripts[name] = ScriptedError()

    def counts(self) -> dict[str, int]:
        with self._lock:
            opened = len(self.sessions)
            return {"opened": opened, "open": opened - self.closed, "statements": self.statements,
                    "shared_threads": sum(1 for s in self.sessions if len(s.threads) > 1)}


class Harness:
    """One learner Server on OsStorage(root), started and stopped with everything counted."""

    def __init__(self, root: str, *, user: str = "root", password: str = "", lock_timeout: float = 1.0) -> None:
        self.root = root
        self.user = user
        self.password = password
        self.lock_timeout = lock_timeout
        self.before = set(threading.enumerate())  # threads that are not the server's
        self.helpers: list[threading.Thread] = []
        self.database: Any = None
        self.grader_database: GraderDatabase | None = None
        self.server: Any = None

    def start(self) -> list[Any]:
        """Open the Database, start Server(database, "127.0.0.1", 0, user=..., password=...): its address."""
        from minimysql.database import Database
        from minimysql.server import Server
        from minimysql.storage import OsStorage

        self.database = Database(OsStorage(self.root), lock_timeout=self.lock_timeout)
        self.grader_database = GraderDatabase(self.database)
        self.server = Server(self.grader_database, "127.0.0.1", 0, user=self.user, password=self.password)
        self.server.start()
        address = self.server.address
        return list(address) if isinstance(address, (tuple, list)) else [repr(address)]

    def script_result(self, name: str, columns: list[str], types: list[str], rows: list[list[Any]]) -> None:
        assert self.grader_database is not None
        self.grader_database.script_result(name, columns, types, rows)

    def script_error(self, name: str, code: int, sqlstate: str, message: str) -> None:
        assert self.grader_database is not None
        self.grader_database.script_error(name, code, sqlstate, message)

    def script_big(self, name: str, size: int) -> None:
        """One row (1, "w" * size) of columns (id INT, big TEXT): made here, not sent through the pipe."""
        self.script_result(name, ["id", "big"], ["INT", "TEXT"], [[1, "w" * size]])

    def script_count(self, name: str, count: int) -> None:
        """``count`` rows (i, f"row {i}") of columns (n INT, label TEXT)."""
        self.script_result(name, ["n", "label"], ["INT", "TEXT"], [[i, f"row {i}"] for i in range(count)])

    def error_of(self, sql: str) -> list[Any] | None:
        """[code, sqlstate, message] of the DatabaseError the learner's Database raises for ``sql`` in a
        session of its own (None if it raises none): what the server should pass on."""
        from minimysql.database import DatabaseError

        session = self.database.session()
        try:
            session.execute(sql)
        except DatabaseError as exc:
            return [getattr(exc, "code", None), getattr(exc, "sqlstate", None), getattr(exc, "message", None)]
        finally:
            session.close()
        return None

    def sessions(self) -> dict[str, int]:
        assert self.grader_database is not None
        return self.grader_database.counts()

    def threads(self) -> list[str]:
        """The names of the threads the server has now (every thread started since this harness was made)."""
        return sorted(t.name for t in threading.enumerate() if t not in self.before and t not in self.helpers)

    def wait_threads(self, at_most: int, seconds: float) -> list[str]:
        """Wait up to ``seconds`` for the server to have at most ``at_most`` threads; its threads then."""
        deadline = time.monotonic() + seconds
        while len(names := self.threads()) > at_most and time.monotonic() < deadline:
            time.sleep(0.01)
        return names

    def wait_sessions_closed(self, seconds: float, open_at_most: int = 0) -> dict[str, int]:
        """Wait up to ``seconds`` until at most ``open_at_most`` of the sessions the server opened are still
        open; the counts then."""
        deadline = time.monotonic() + seconds
        while (counts := self.sessions())["open"] > open_at_most and time.monotonic() < deadline:
            time.sleep(0.01)
        return counts

    def stop(self, seconds: float) -> dict[str, Any]:
        """Call server.stop() in a thread of its own and wait at most ``seconds`` for it to return."""
        outcome: dict[str, Any] = {"returned": False, "error": None}

        def run() -> None:
            try:
                self.server.stop()
            except Exception as exc:  # noqa: BLE001 - the learner's failure is data for the grader
                outcome["error"] = f"{type(exc).__name__}: {exc}"
            outcome["returned"] = True

        started = time.monotonic()
        thread = threading.Thread(target=run, name="grader-stop", daemon=True)
        self.helpers.append(thread)
        thread.start()
        thread.join(seconds)
        outcome["seconds"] = round(time.monotonic() - started, 3)
        outcome["threads"] = self.threads()
        return outcome

    def reopen(self, statements: list[str]) -> list[Any]:
        """Close the Database, open a new one on the same files, and run ``statements`` in one session:
        [("rows", rows) or ("error", code)] per statement."""
        from minimysql.database import Database, DatabaseError
        from minimysql.storage import OsStorage

        self.database.close()
        database = Database(OsStorage(self.root), lock_timeout=self.lock_timeout)
        session = database.session()
        out: list[Any] = []
        try:
            for sql in statements:
                try:
                    out.append(["rows", [list(row) for row in session.execute(sql).rows]])
                except DatabaseError as exc:
                    out.append(["error", getattr(exc, "code", None)])
        finally:
            session.close()
            database.close()
        return out


class MainProcess:
    """``python -m minimysql.server`` as a process of its own, started from the learner's process."""

    def __init__(self, root: str, password: str) -> None:
        self.root = root
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = b""

    def start(self, seconds: float) -> dict[str, Any]:
        """Run it with --port 0 and wait up to ``seconds`` for its first line of output."""
        import minimysql

        project = str(Path(minimysql.__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=project, PYTHONUNBUFFERED="1")
        self.output = b""
        cmd = [sys.executable, "-s", "-B", "-m", "minimysql.server", "--data", self.root, "--port", "0",
               "--user", "root", "--password", self.password]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=env, cwd=self.root if os.path.isdir(self.root) else None)
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self.output and time.monotonic() < deadline:
                if selector.select(max(0.0, deadline - time.monotonic())):
                    chunk = self.proc.stdout.read(65536)
                    if not chunk:
                        break
                    self.output += chunk
        line = self.output.split(b"\n", 1)[0].decode("utf-8", "replace") if b"\n" in self.output else None
        code = self.proc.poll()
        if line is None or "listening on" not in line:  # it failed: wait a moment for its last words
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(2.0)
            self._drain()
            line = None
        return {"line": line, "exited": code, "last": self.last_line()}

    def stop(self, seconds: float) -> dict[str, Any]:
        """SIGTERM, then wait up to ``seconds`` for the exit code (None: it did not exit, and was killed)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self._drain()
        return {"code": code, "last": self.last_line()}

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with contextlib.suppress(OSError, TypeError):
            self.output += self.proc.stdout.read() or b""

    def last_line(self) -> str:
        """The last line the process printed (after a crash, the exception: never the whole traceback)."""
        lines = [line for line in self.output.decode("utf-8", "replace").splitlines()
                 if line.strip() and not line.startswith("Traceback (most recent call last)")]
        return lines[-1][-300:] if lines else ""
