"""事务 ACID 各自如何保证？ Measure each of the four promises on YOUR database (stage4/transactions).

Run it from the project folder:

    python experiments/acid.py

It runs four groups of experiments on your minimysql/database.py, each on a fresh Database on a
MemoryStorage (the grader's simulated disk: a write is durable only after sync(), and a power cut
keeps the synced bytes plus a seeded part of the later writes), and prints what happened:

    atomicity    a transfer rolled back; a statement that fails halfway through a transaction
    consistency  three statements that break a constraint (NOT NULL, duplicate key, value count)
    isolation    two sessions: a reader during an uncommitted update (rolled back, then committed);
                 four sessions incrementing one counter, three ways
    durability   a workload of 12 transactions cut by the power at 20 seeded writes, with and
                 without fsync, then recovered

Copy what it prints into answers/acid.yaml. With --predictions it also runs the experiments of
the answers file's "predictions" section: write your predictions down first, then check them.

The block between the ">>> shared" and "<<< end" lines is the grader's own: it runs exactly these
experiments with your database, so do not change it (copy it into a scratch file to explore).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder: minimysql

# >>> shared with support/acid_support.py: the grader replays this block, keep it unchanged
import contextlib
import importlib
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

LOCK_TIMEOUT = 5.0  # seconds a statement may wait for a lock, in every experiment
SESSIONS = 4  # sessions incrementing one counter at once (lost updates)
MODES = ("autocommit", "transaction", "single_update")  # the three ways of incrementing it
MAX_ATTEMPTS = 50  # attempts of one increment that a deadlock (1213) or lock wait timeout (1205) ends
CUTS = 20  # power cuts of the durability workload: seeds 0..19, spread over its writes
TRANSACTIONS = 12  # of the durability workload: two INSERTs each; every fourth ends in ROLLBACK
AMOUNT = 30  # the transfers move 30 from account 1 to account 2
JOIN_LIMIT = 10.0  # seconds a statement on a thread of its own is waited for, at most
ACCOUNTS = (
    "CREATE TABLE account (id INT PRIMARY KEY, owner VARCHAR(20) NOT NULL, balance INT NOT NULL)",
    "INSERT INTO account VALUES (1, 'alice', 100), (2, 'bob', 100)",
    "CREATE TABLE transfer (id INT PRIMARY KEY, src INT NOT NULL, dst INT NOT NULL, amount INT NOT NULL)",
)
VIOLATIONS = (  # consistency: each statement breaks one rule of the schema
    ("not_null_error", "INSERT INTO account VALUES (3, NULL, 50)"),
    ("duplicate_key_error", "INSERT INTO account VALUES (3, 'carol', 50), (1, 'mallory', 50)"),
    ("value_count_error", "INSERT INTO account VALUES (4, 'dave')"),
)


# -- the simulated disk: the rules of minimysql/storage.py, with power cuts -------------------------------------
# A copy of the grader's MemoryStorage (graders/stage4/support/storage_support.py), without its counters.

class PowerCut(BaseException):
    """The power went out during a write. BaseException, so ``except Exception`` cannot swallow it."""


@dataclass
class _Pending:
    kind: str  # "write" or "truncate"
    offset: int
    data: bytes = b""


@dataclass
class _Data:
    durable: bytearray = field(default_factory=bytearray)
    current: bytearray = field(default_factory=bytearray)
    pending: list[_Pending] = field(default_factory=list)


def _apply(buf: bytearray, op: _Pending) -> None:
    if op.kind == "truncate":
        del buf[op.offset:]
        return
    end = op.offset + len(op.data)
    if end > len(buf):
        buf.extend(bytes(end - len(buf)))
    buf[op.offset:end] = op.data


class MemoryFile:
    def __init__(self, storage: MemoryStorage, name: str) -> None:
        self._storage = storage
        self._name = name
        self._closed = False

    @property
    def _data(self) -> _Data:
        if self._closed:
            raise ValueError(f"{self._name} is closed")
        return self._storage._files[self._name]

    def read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0:
            raise ValueError("offset and size must not be negative")
        return bytes(self._data.current[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        if offset < 0:
            raise ValueError("offset must not be negative")
        self._write(_Pending("write", offset, bytes(data)))

    def append(self, data: bytes) -> int:
        offset = len(self._data.current)
        self._write(_Pending("write", offset, bytes(data)))
        return offset

    def _write(self, op: _Pending) -> None:
        data = self._data
        self._storage._before_write(self._name, op)
        data.pending.append(op)
        _apply(data.current, op)

    def size(self) -> int:
        return len(self._data.current)

    def truncate(self, size: int) -> None:
        data = self._data
        op = _Pending("truncate", size)
        data.pending.append(op)
        _apply(data.current, op)

    def sync(self) -> None:
        data = self._data
        data.durable = bytearray(data.current)
        data.pending.clear()

    def close(self) -> None:
        self._closed = True


class MemoryStorage:
    """Files in memory with crash semantics; ``cut_after_writes=n`` cuts the power at the n-th write
    (counted over all files, from 1), after a seeded part of that write reached the file."""

    def __init__(self, *, seed: int = 0, cut_after_writes: int | None = None) -> None:
        self._files: dict[str, _Data] = {}
        self._rng = random.Random(seed)
        self.cut_after_writes = cut_after_writes
        self.total_writes = 0
        self.cut = False

    def open(self, name: str) -> MemoryFile:
        if not name or "/" in name:
            raise ValueError(f"a storage file name is one plain name, not {name!r}")
        self._files.setdefault(name, _Data())
        return MemoryFile(self, name)

    def exists(self, name: str) -> bool:
        return name in self._files

    def remove(self, name: str) -> None:
        self._files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._files)

    def _before_write(self, name: str, op: _Pending) -> None:
        if self.cut:
            raise PowerCut("the power is already out")
        self.total_writes += 1
        if self.cut_after_writes is not None and self.total_writes >= self.cut_after_writes:
            torn = _Pending("write", op.offset, op.data[: self._rng.randint(0, len(op.data))])
            data = self._files[name]
            data.pending.append(torn)
            _apply(data.current, torn)
            self.cut = True
            raise PowerCut(f"power cut during write {self.total_writes} (to {name})")

    def power_cut(self) -> MemoryStorage:
        """The storage a restart after a crash finds: per file, the synced bytes plus a seeded
        prefix of the later writes (the last of them possibly torn)."""
        after = MemoryStorage(seed=self._rng.randrange(1 << 30))
        for name, data in self._files.items():
            survivor = bytearray(data.durable)
            kept = self._rng.randint(0, len(data.pending))
            for index, op in enumerate(data.pending[:kept]):
                if index == kept - 1 and op.kind == "write" and op.data:
                    op = _Pending("write", op.offset, op.data[: self._rng.randint(1, len(op.data))])
                _apply(survivor, op)
            after._files[name] = _Data(durable=bytearray(survivor), current=bytearray(survivor))
        return after


class NoSyncStorage:
    """A storage whose files never sync: what a database gets with fsync turned off, or from a disk
    that acknowledges writes it has only cached. Everything else goes to the storage it wraps."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def open(self, name: str) -> NoSyncFile:
        return NoSyncFile(self.inner.open(name))

    def exists(self, name: str) -> bool:
        return bool(self.inner.exists(name))

    def remove(self, name: str) -> None:
        self.inner.remove(name)

    def names(self) -> list[str]:
        return list(self.inner.names())


class NoSyncFile:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self.inner.read_at(offset, size))

    def write_at(self, offset: int, data: bytes) -> None:
        self.inner.write_at(offset, data)

    def append(self, data: bytes) -> int:
        return int(self.inner.append(data))

    def size(self) -> int:
        return int(self.inner.size())

    def truncate(self, size: int) -> None:
        self.inner.truncate(size)

    def sync(self) -> None:
        """Does nothing: the bytes stay in the (volatile) cache."""

    def close(self) -> None:
        self.inner.close()


# -- statements and their outcomes, as plain data -----------------------------------------------------------------

def database() -> ModuleType:
    """Your minimysql.database (stage4/transactions)."""
    return importlib.import_module("minimysql.database")


def run(session: Any, sql: str) -> list[Any]:
    """One statement: ["rows", [[...], ...]] for a SELECT, ["ok", affected_rows] for any other statement,
    ["error", code] for a DatabaseError (any other exception: ["error", "<type>: <message>"])."""
    try:
        result = session.execute(sql)
    except Exception as exc:  # noqa: BLE001 - what the statement did is the data here
        code = getattr(exc, "code", None)
        return ["error", code if type(code) is int else f"{type(exc).__name__}: {exc}"[:200]]
    if getattr(result, "columns", ()):
        return ["rows", [list(row) for row in getattr(result, "rows", ())]]
    return ["ok", getattr(result, "affected_rows", None)]


def column(session: Any, sql: str) -> Any:
    """The first column of a SELECT's rows as a list, or the statement's outcome if it did not return rows."""
    return column_of(run(session, sql))


def column_of(outcome: list[Any]) -> Any:
    return [row[0] if row else None for row in outcome[1]] if outcome[0] == "rows" else outcome


def first(values: Any) -> Any:
    """The one value of a one-row, one-column SELECT; anything else as it is."""
    return values[0] if isinstance(values, list) and len(values) == 1 else values


def count(values: Any) -> Any:
    return len(values) if isinstance(values, list) and values[:1] != ["error"] else values


def code(outcome: list[Any]) -> Any:
    """The error code of an outcome; "no error" when the statement succeeded."""
    return outcome[1] if outcome[0] == "error" else "no error"


def open_accounts() -> tuple[Any, Any]:
    db = database().Database(MemoryStorage(), lock_timeout=LOCK_TIMEOUT)
    session = db.session()
    for sql in ACCOUNTS:
        run(session, sql)
    return db, session


# -- atomicity ---------------------------------------------------------------------------------------------------

def atomicity() -> dict[str, Any]:
    """A transfer inside BEGIN, then ROLLBACK; then a transaction in which a two-row INSERT fails on its
    second row (NULL into a NOT NULL column)."""
    db, s = open_accounts()
    out: dict[str, Any] = {}
    run(s, "BEGIN")
    run(s, f"UPDATE account SET balance = balance - {AMOUNT} WHERE id = 1")
    run(s, f"UPDATE account SET balance = balance + {AMOUNT} WHERE id = 2")
    run(s, f"INSERT INTO transfer VALUES (1, 1, 2, {AMOUNT})")
    out["balances_inside_transaction"] = column(s, "SELECT balance FROM account ORDER BY id")
    run(s, "ROLLBACK")
    out["balances_after_rollback"] = column(s, "SELECT balance FROM account ORDER BY id")
    run(s, "BEGIN")
    run(s, f"UPDATE account SET balance = balance - {AMOUNT} WHERE id = 1")
    out["failed_statement_error"] = code(run(s, f"INSERT INTO transfer VALUES (2, 1, 2, {AMOUNT}), (3, 1, 2, NULL)"))
    out["transfers_after_failed_statement"] = count(column(s, "SELECT id FROM transfer"))
    out["in_transaction_after_failed_statement"] = s.in_transaction
    out["balance_after_failed_statement"] = first(column(s, "SELECT balance FROM account WHERE id = 1"))
    run(s, "ROLLBACK")
    db.close()
    return out


# -- consistency -------------------------------------------------------------------------------------------------

def consistency() -> dict[str, Any]:
    """Three statements that break the schema's rules, each on its own (autocommit); then how many rows of
    account differ from before (rows added, removed or changed)."""
    db, s = open_accounts()
    before = run(s, "SELECT * FROM account ORDER BY id")
    out: dict[str, Any] = {name: code(run(s, sql)) for name, sql in VIOLATIONS}
    after = run(s, "SELECT * FROM account ORDER BY id")
    if before[0] == "rows" and after[0] == "rows":
        old, new = Counter(map(tuple, before[1])), Counter(map(tuple, after[1]))
        out["rows_changed"] = max(sum((old - new).values()), sum((new - old).values()))
    else:
        out["rows_changed"] = after if after[0] != "rows" else before
    db.close()
    return out


# -- isolation ---------------------------------------------------------------------------------------------------

class Background:
    """One statement running on a thread of its own."""

    def __init__(self, session: Any, sql: str) -> None:
        self.done = threading.Event()
        self.outcome: list[Any] = ["hung", f"no answer within {JOIN_LIMIT:g} s"]
        self.thread = threading.Thread(target=self._run, args=(session, sql), daemon=True)
        self.thread.start()

    def _run(self, session: Any, sql: str) -> None:
        self.outcome = run(session, sql)
        self.done.set()

    def join(self) -> list[Any]:
        self.done.wait(JOIN_LIMIT)
        return self.outcome


def waiting(job: Background, limit: float = 3.0) -> bool:
    """True when the statement on ``job``'s thread waits: it has not finished, and its stack inside
    minimysql has not moved, line for line, for 50 ms (ten looks 5 ms apart) while this thread ran.
    False when it finished first. A thread that only lost the CPU for a moment would have moved on."""
    deadline = time.monotonic() + limit
    last: tuple[tuple[str, int], ...] = ()
    still = 0
    while time.monotonic() < deadline and not job.done.is_set():
        frame = sys._current_frames().get(job.thread.ident or -1)
        stack = []
        while frame is not None:
            stack.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back
        inside = any("minimysql" in filename for filename, _ in stack)
        still = still + 1 if inside and tuple(stack) == last else 0
        if still >= 10:
            return not job.done.is_set()
        last = tuple(stack)
        time.sleep(0.005)
    return False


def reader_during_update(new_balance: int, end: str) -> dict[str, Any]:
    """Session A updates account 1 inside BEGIN; session B reads it (on its own thread); then A ends with
    ``end`` (ROLLBACK or COMMIT). Did B wait for A, and what did it read?"""
    db, a = open_accounts()
    b = db.session()
    run(a, "BEGIN")
    run(a, f"UPDATE account SET balance = {new_balance} WHERE id = 1")
    job = Background(b, "SELECT balance FROM account WHERE id = 1")
    waited = waiting(job)
    run(a, end)
    read = job.join()
    db.close()
    return {"reader_waited": waited, "value_read": first(column_of(read))}


def lost_updates(mode: str, sessions: int = SESSIONS) -> Any:
    """``sessions`` sessions each add 1 to one counter once, on threads, all at the same moment:

    - autocommit: SELECT v, then UPDATE ... SET v = <v + 1>, each statement on its own;
    - transaction: the same two statements between BEGIN and COMMIT (retried after 1213 or 1205);
    - single_update: one statement, UPDATE counter SET v = v + 1.

    Every session has read (or is about to write, for single_update) before any of them writes: a
    barrier holds them. Returns the updates lost: ``sessions`` minus the counter's final value."""
    db = database().Database(MemoryStorage(), lock_timeout=LOCK_TIMEOUT)
    setup = db.session()
    run(setup, "CREATE TABLE counter (id INT PRIMARY KEY, v INT NOT NULL)")
    run(setup, "INSERT INTO counter VALUES (1, 0)")
    barrier = threading.Barrier(sessions)
    problems: list[str] = []

    def increment(session: Any, wait_for_the_others: bool) -> list[Any]:
        """One attempt: the first error outcome, or the last statement's outcome."""
        if mode == "transaction":
            run(session, "BEGIN")
        write = ["ok", "UPDATE counter SET v = v + 1 WHERE id = 1"]
        if mode != "single_update":
            read = run(session, "SELECT v FROM counter WHERE id = 1")
            value = first(column_of(read))
            if type(value) is int:
                write = ["ok", f"UPDATE counter SET v = {value + 1} WHERE id = 1"]
            else:
                write = read if read[0] == "error" else ["error", f"SELECT v gave {read}"]
        if wait_for_the_others:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(JOIN_LIMIT)
        if write[0] != "ok":
            return write
        done = run(session, write[1])
        if mode == "transaction" and done[0] != "error":
            done = run(session, "COMMIT")
        return done

    def work() -> None:
        session = db.session()
        for attempt in range(MAX_ATTEMPTS):
            done = increment(session, attempt == 0)
            if done[0] != "error":
                return
            if done[1] not in (1213, 1205):
                problems.append(f"an increment gave {done}")
                return
            if session.in_transaction:
                run(session, "ROLLBACK")
        problems.append(f"an increment still failed after {MAX_ATTEMPTS} attempts")

    threads = [threading.Thread(target=work, daemon=True) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_LIMIT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        return f"hung: sessions still running after {JOIN_LIMIT:g} s"
    if problems:
        return problems[0]
    final = first(column(setup, "SELECT v FROM counter WHERE id = 1"))
    db.close()
    return sessions - final if type(final) is int else f"SELECT v gave {final}"


def isolation() -> dict[str, Any]:
    return {
        "dirty_read": reader_during_update(0, "ROLLBACK"),
        "read_after_commit": reader_during_update(70, "COMMIT"),
        "lost_updates": {mode: lost_updates(mode) for mode in MODES},
    }


# -- durability --------------------------------------------------------------------------------------------------

def ledger_workload(storage: Any, progress: dict[str, Any]) -> None:
    """CREATE TABLE ledger, then TRANSACTIONS transactions of two INSERTs each (rows 2t-1 and 2t of
    transaction t); every fourth ends in ROLLBACK, the others in COMMIT. ``progress`` notes the
    transactions whose COMMIT returned ("acked") and those rolled back."""
    db = database().Database(storage, lock_timeout=LOCK_TIMEOUT)
    s = db.session()
    run(s, "CREATE TABLE ledger (id INT PRIMARY KEY, txn INT NOT NULL)")
    for t in range(1, TRANSACTIONS + 1):
        run(s, "BEGIN")
        run(s, f"INSERT INTO ledger VALUES ({2 * t - 1}, {t})")
        run(s, f"INSERT INTO ledger VALUES ({2 * t}, {t})")
        if t % 4 == 0:
            run(s, "ROLLBACK")
            progress["rolled_back"].append(t)
        elif run(s, "COMMIT")[0] == "ok":
            progress["acked"].append(t)
    db.close()


def recovered(storage: Any) -> Any:
    """Rows per transaction in the ledger a restart finds ({} if the table itself was lost), or what went wrong."""
    try:
        db = database().Database(storage, lock_timeout=LOCK_TIMEOUT)
        got = run(db.session(), "SELECT txn FROM ledger")
        db.close()
    except Exception as exc:  # noqa: BLE001 - a recovery that raises is an outcome
        return f"reopening raised {type(exc).__name__}: {exc}"[:200]
    if got == ["error", 1146]:
        return {}
    if got[0] != "rows":
        return f"SELECT txn FROM ledger gave {got}"
    return dict(Counter(row[0] for row in got[1]))


def durability(fsync: bool) -> dict[str, Any]:
    """The ledger workload with the power cut at CUTS seeded writes spread over it, each followed by a
    restart: the acknowledged commits (summed over the cuts), those a restart lost (one row or none),
    transactions found with one of their two rows, rolled-back transactions found, failed restarts.
    ``fsync=False``: the same on NoSyncStorage."""
    clean = MemoryStorage()
    ledger_workload(clean if fsync else NoSyncStorage(clean), {"acked": [], "rolled_back": []})
    writes = clean.total_writes
    out: dict[str, Any] = {"acked_commits": 0, "acked_commits_lost": 0, "partial_transactions": 0,
                           "rolled_back_visible": 0, "failed_restarts": 0, "examples": []}
    for seed in range(CUTS):
        storage = MemoryStorage(seed=seed, cut_after_writes=1 + seed * writes // CUTS)
        progress: dict[str, Any] = {"acked": [], "rolled_back": []}
        with contextlib.suppress(PowerCut):
            ledger_workload(storage if fsync else NoSyncStorage(storage), progress)
        rows = recovered(storage.power_cut())
        if not isinstance(rows, dict):
            out["failed_restarts"] += 1
            out["examples"].append(f"cut {seed}: {rows}")
            continue
        lost = [t for t in progress["acked"] if rows.get(t, 0) != 2]
        out["acked_commits"] += len(progress["acked"])
        out["acked_commits_lost"] += len(lost)
        out["partial_transactions"] += sum(1 for n in rows.values() if n == 1)
        out["rolled_back_visible"] += sum(1 for t in progress["rolled_back"] if rows.get(t))
        if lost:
            out["examples"].append(f"cut {seed}: transactions {progress['acked']} acknowledged, "
                                   f"{lost} missing after the restart")
    return out


# -- predictions ---------------------------------------------------------------------------------------------------

def crash_mid_transfer(in_transaction: bool) -> Any:
    """The transfer's debit (account 1 - 30) runs, in autocommit or inside BEGIN; the power goes out
    before the credit to account 2 runs. The total of the two balances a restart finds."""
    storage = MemoryStorage(seed=3)
    _, s = open_accounts_on(storage)
    if in_transaction:
        run(s, "BEGIN")
    run(s, f"UPDATE account SET balance = balance - {AMOUNT} WHERE id = 1")
    try:
        db = database().Database(storage.power_cut(), lock_timeout=LOCK_TIMEOUT)
        balances = column(db.session(), "SELECT balance FROM account ORDER BY id")
    except Exception as exc:  # noqa: BLE001
        return f"reopening raised {type(exc).__name__}: {exc}"[:200]
    return sum(balances) if isinstance(balances, list) and all(type(b) is int for b in balances) else balances


def open_accounts_on(storage: Any) -> tuple[Any, Any]:
    db = database().Database(storage, lock_timeout=LOCK_TIMEOUT)
    session = db.session()
    for sql in ACCOUNTS:
        run(session, sql)
    return db, session


def predictions() -> dict[str, Any]:
    return {
        "lost_updates_autocommit_8_sessions": lost_updates("autocommit", 8),
        "total_after_crash": {"autocommit_statements": crash_mid_transfer(False),
                              "one_transaction": crash_mid_transfer(True)},
    }
# <<< end of the shared block


def show(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


def main(argv: list[str]) -> int:
    try:
        a = atomicity()
    except NotImplementedError:
        print("minimysql/database.py is not written yet: finish stage4/transactions first.")
        return 1
    print("atomicity: a transfer of 30 from account 1 to account 2 (both at 100), inside BEGIN")
    print(f"  balances inside the transaction          {show(a['balances_inside_transaction'])}")
    print(f"  balances after ROLLBACK                  {show(a['balances_after_rollback'])}")
    print("  then BEGIN; debit account 1; INSERT of two transfers, the second with a NULL amount:")
    print(f"  failed statement's error                 {show(a['failed_statement_error'])}")
    print(f"  transfers left by the failed statement   {show(a['transfers_after_failed_statement'])}")
    print(f"  still in the transaction                 {show(a['in_transaction_after_failed_statement'])}")
    print(f"  balance of account 1 after the error     {show(a['balance_after_failed_statement'])}")
    c = consistency()
    print("\nconsistency: three statements that break a rule of the schema")
    for name, sql in VIOLATIONS:
        print(f"  {sql:<66} -> error {show(c[name])}")
    print(f"  rows of account changed by the three     {show(c['rows_changed'])}")
    i = isolation()
    print("\nisolation: A updates account 1 inside BEGIN, B reads it")
    cases = (("dirty_read", "ROLLBACK (balance set to 0)"), ("read_after_commit", "COMMIT (balance set to 70)"))
    for name, end in cases:
        print(f"  A ends with {end:<28} B waited: {show(i[name]['reader_waited']):<4} B read: "
              f"{show(i[name]['value_read'])}")
    print(f"  lost updates of {SESSIONS} sessions adding 1 at once:  "
          + ", ".join(f"{mode} {show(lost)}" for mode, lost in i["lost_updates"].items()))
    print("\ndurability: the ledger workload, a power cut at 20 seeded writes, then a restart (sums over the cuts)")
    print(f"  {'':<16}{'acked commits':>14}{'acked lost':>12}{'partial txns':>14}{'rolled back seen':>18}"
          f"{'failed restarts':>17}")
    examples = []
    for name, fsync in (("with_fsync", True), ("without_fsync", False)):
        d = durability(fsync)
        print(f"  {name:<16}{d['acked_commits']:>14}{d['acked_commits_lost']:>12}{d['partial_transactions']:>14}"
              f"{d['rolled_back_visible']:>18}{d['failed_restarts']:>17}")
        examples += [f"  {name}, {example}" for example in d["examples"][:2]]
    for line in examples:
        print(line)
    if "--predictions" in argv:
        p = predictions()
        print("\npredictions")
        print(f"  lost updates of 8 sessions in autocommit           {show(p['lost_updates_autocommit_8_sessions'])}")
        print("  total of the two balances after a power cut between the debit and the credit:")
        for name, total in p["total_after_crash"].items():
            print(f"    {name:<22} {show(total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
