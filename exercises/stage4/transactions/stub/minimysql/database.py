"""A small SQL database: the statements of ``minimysql.sql``, in sessions with BEGIN/COMMIT/ROLLBACK.

Read the exercise's README first: the meaning of every statement, the types, the errors and
their MySQL codes, the planner behind EXPLAIN, durability and the locking rules are specified
there. ``DatabaseError``, ``LockWaitTimeout``, ``Deadlock`` and ``Result`` are given complete;
keep them as they are (the TCP server exercise sends their fields to real MySQL clients).
Write ``Database`` and ``Session``. Every byte goes through the ``Storage`` you are given.
"""

from __future__ import annotations

from dataclasses import dataclass

from minimysql import sql  # noqa: F401 - parse() and the tree's node classes: your parser exercise
from minimysql.storage import Storage


class DatabaseError(Exception):
    """Every error a client may see: MySQL's error number, SQLSTATE and message.

    ``code`` is MySQL's error number (1064 syntax error, 1146 no such table, ...: see the README's
    table), ``sqlstate`` the five-character SQLSTATE MySQL sends with it, ``message`` the text.
    """

    def __init__(self, code: int, sqlstate: str, message: str) -> None:
        super().__init__(f"ERROR {code} ({sqlstate}): {message}")
        self.code = code
        self.sqlstate = sqlstate
        self.message = message


class LockWaitTimeout(DatabaseError):
    """A lock wait outlasted ``lock_timeout``: only the statement is undone; the transaction stays open."""

    def __init__(self, message: str = "Lock wait timeout exceeded; try restarting transaction") -> None:
        super().__init__(1205, "HY000", message)


class Deadlock(DatabaseError):
    """This session's lock request closed a cycle of waits: its whole transaction was rolled back."""

    def __init__(self, message: str = "Deadlock found when trying to get lock; try restarting transaction") -> None:
        super().__init__(1213, "40001", message)


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...] = ()  # () for statements that return no rows
    types: tuple[str, ...] = ()  # per column: "INT", "FLOAT", "TEXT" or "BOOL" (VARCHAR reads as "TEXT")
    rows: tuple[tuple[object, ...], ...] = ()  # values are int, float, str, bool or None
    affected_rows: int = 0  # INSERT: rows inserted; UPDATE: rows changed; DELETE: rows deleted
    rows_examined: int = 0  # rows the statement's plan read (MySQL's slow-log Rows_examined)


class Database:
    """Tables, their indexes and a log on ``storage``; sessions share them under strict 2PL on tables."""

    def __init__(self, storage: Storage, *, lock_timeout: float = 5.0) -> None:
        """Open the database kept in ``storage`` (files of your own naming), recovering exactly the
        committed transactions. ``lock_timeout``: seconds a statement may wait for a lock (> 0, else
        ValueError) before LockWaitTimeout."""
        raise NotImplementedError

    def session(self) -> Session:
        """A new session. Sessions may be used from different threads, each from one thread at a time."""
        raise NotImplementedError

    def close(self) -> None:
        """Roll back every open transaction and close the files; later calls raise DatabaseError 2006."""
        raise NotImplementedError


class Session:
    """One client's connection: its statements run one at a time, in its transaction."""

    @property
    def in_transaction(self) -> bool:
        """True from BEGIN until COMMIT, ROLLBACK, an implicit commit, or a deadlock that rolled it back."""
        raise NotImplementedError

    def execute(self, sql_text: str) -> Result:
        """Run one statement and return its Result; raise DatabaseError (or LockWaitTimeout, Deadlock)
        for anything wrong with it, and never another exception (TypeError only for a non-str)."""
        raise NotImplementedError

    def close(self) -> None:
        """Roll back the open transaction, if any, and release the session's locks."""
        raise NotImplementedError
