"""Subject-side helper of the stage4/lock-deadlock grader: the load and the grader's scenarios, in the subject.

The grader calls ``run_load()`` in one round trip and gets back plain data: the deadlocks (1213),
lock wait timeouts and failed requests of the seeded load on the learner's
``incidents/lock_deadlock.py`` and ``minimysql/database.py``, the deadlock reports, and how the
database differs from the requests that succeeded, each applied once. Each round lines its two
requests up with a condition (every request has run its first locking statement, or waits for a
lock the other holds) before letting them go, so the pairs meet the same way on every run.

The scenarios below the block force what the load no longer shows once the program is fixed: a
deadlock with another client of the database in which the program's transaction is the victim, a
lock wait timeout halfway through a transaction, and a lock that is never released. The grader's
own session takes the locks; the program's session is a ``FaultSession`` that parks the request
after its first locking statement, counts its attempts (BEGINs) and stops a retry loop that does not
end. The verdicts are computed in the grader's process.

The block between the ">>> shared" and "<<< end" lines is copied verbatim into the exercise's
``incidents/lock_deadlock_load.py`` (the script the learner runs). If the two ever drift, the
reference's stated figures stop matching the grader's re-measurement and the proofs fail.
"""

from __future__ import annotations

# >>> shared with support/lock_deadlock_support.py: the grader replays this block, keep it unchanged
import importlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

SEED = 1213
ROUNDS = 40  # rounds of two requests at once
KINDS = ("place_order", "place_order", "ship_order", "cancel_order")  # each request's kind, drawn uniformly
SKUS = ("A", "B", "C", "D")
INITIAL_STOCK = 1000  # units of each sku when the load starts
SETUP_ORDERS = 60  # orders 1..60 are placed before the load; each is shipped or cancelled at most once
FIRST_NEW_ORDER = 1001  # ids of the orders the load places
LOCK_TIMEOUT = 5.0  # the database's lock_timeout (seconds): nothing in the load waits that long
GATE_LIMIT = 2.0  # seconds a round waits for its two requests to line up; after one such wait, no more lining up
REQUEST_LIMIT = 20.0  # seconds a round's requests are given; a request still running then counts as stuck
SCHEMA = (
    "CREATE TABLE stock (sku VARCHAR(16) PRIMARY KEY, qty INT NOT NULL)",
    "CREATE TABLE orders (id INT PRIMARY KEY, sku VARCHAR(16) NOT NULL, qty INT NOT NULL, "
    "status VARCHAR(16) NOT NULL)",
    "CREATE TABLE payments (order_id INT PRIMARY KEY, amount INT NOT NULL, status VARCHAR(16) NOT NULL)",
)
TABLES = {"stock": "sku", "orders": "id", "payments": "order_id"}  # table -> its primary key


# -- the disk: a storage in memory (the load cuts no power) ---------------------------------------------------

class RamFile:
    def __init__(self) -> None:
        self.data = bytearray()

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self.data[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        if offset > len(self.data):
            self.data.extend(bytes(offset - len(self.data)))
        self.data[offset:offset + len(data)] = data

    def append(self, data: bytes) -> int:
        offset = len(self.data)
        self.data.extend(data)
        return offset

    def size(self) -> int:
        return len(self.data)

    def truncate(self, size: int) -> None:
        del self.data[size:]

    def sync(self) -> None:
        pass

    def close(self) -> None:
        pass


class RamStorage:
    def __init__(self) -> None:
        self.files: dict[str, RamFile] = {}

    def open(self, name: str) -> RamFile:
        return self.files.setdefault(name, RamFile())

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)


# -- the load's requests ---------------------------------------------------------------------------------------

def setup_order(order_id: int) -> dict[str, Any]:
    """Order ``order_id`` of the 60 placed before the load."""
    return {"order_id": order_id, "sku": SKUS[order_id % len(SKUS)], "qty": 1 + order_id % 3, "price": 10 + order_id}


def plan(seed: int = SEED, rounds: int = ROUNDS) -> list[list[tuple[str, dict[str, Any]]]]:
    """The load: ``rounds`` rounds of two requests (kind, arguments), seeded. A shipment or a
    cancellation is of an order placed before the load, each at most once."""
    rng = random.Random(seed)
    follow_ups = list(range(1, SETUP_ORDERS + 1))
    rng.shuffle(follow_ups)
    next_id = FIRST_NEW_ORDER
    out = []
    for _ in range(rounds):
        pair = []
        for kind in (rng.choice(KINDS), rng.choice(KINDS)):
            if kind == "place_order":
                args: dict[str, Any] = {"order_id": next_id, "sku": rng.choice(SKUS), "qty": rng.randint(1, 3),
                                        "price": rng.randint(5, 50)}
                next_id += 1
            else:
                order = setup_order(follow_ups.pop())
                args = {"order_id": order["order_id"]}
                if kind == "cancel_order":
                    args.update(sku=order["sku"], qty=order["qty"])
            pair.append((kind, args))
        out.append(pair)
    return out


def setup_statements() -> list[str]:
    orders = [setup_order(i) for i in range(1, SETUP_ORDERS + 1)]
    return [
        *SCHEMA,
        "INSERT INTO stock VALUES " + ", ".join(f"('{sku}', {INITIAL_STOCK})" for sku in SKUS),
        "INSERT INTO orders VALUES " + ", ".join(f"({o['order_id']}, '{o['sku']}', {o['qty']}, 'placed')"
                                                 for o in orders),
        "INSERT INTO payments VALUES " + ", ".join(f"({o['order_id']}, {o['qty'] * o['price']}, 'authorized')"
                                                   for o in orders),
    ]


def label(kind: str, args: dict[str, Any]) -> str:
    return f"{kind}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"


# -- the model: what the database's state must be, given the requests that succeeded ---------------------------------

def expected_state(done: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """The tables after the setup and then every request of ``done`` (those that succeeded), each once."""
    state: dict[str, dict[Any, tuple[Any, ...]]] = {
        "stock": {sku: (sku, INITIAL_STOCK) for sku in SKUS},
        "orders": {}, "payments": {},
    }
    for i in range(1, SETUP_ORDERS + 1):
        o = setup_order(i)
        state["orders"][i] = (i, o["sku"], o["qty"], "placed")
        state["payments"][i] = (i, o["qty"] * o["price"], "authorized")
    for kind, a in done:
        oid = a["order_id"]
        if kind == "place_order":
            state["orders"][oid] = (oid, a["sku"], a["qty"], "placed")
            sku, units = state["stock"][a["sku"]]
            state["stock"][sku] = (sku, units - a["qty"])
            state["payments"][oid] = (oid, a["qty"] * a["price"], "authorized")
        elif kind == "ship_order":
            state["orders"][oid] = (*state["orders"][oid][:3], "shipped")
            state["payments"][oid] = (*state["payments"][oid][:2], "captured")
        else:
            state["orders"][oid] = (*state["orders"][oid][:3], "cancelled")
            sku, units = state["stock"][a["sku"]]
            state["stock"][sku] = (sku, units + a["qty"])
            state["payments"][oid] = (*state["payments"][oid][:2], "refunded")
    return state


def actual_state(session: Any) -> dict[str, dict[Any, tuple[Any, ...]]] | str:
    state: dict[str, dict[Any, tuple[Any, ...]]] = {}
    for table, key in TABLES.items():
        try:
            rows = session.execute(f"SELECT * FROM {table} ORDER BY {key}").rows
        except Exception as exc:  # noqa: BLE001 - reported as the outcome
            return f"SELECT * FROM {table} raised {type(exc).__name__}: {exc}"[:300]
        state[table] = {row[0]: tuple(row) for row in rows}
    return state


def mismatches(expected: dict[str, dict[Any, tuple[Any, ...]]], actual: Any, limit: int = 8) -> list[str]:
    """How the database differs from the requests that succeeded, each applied once."""
    if isinstance(actual, str):
        return [actual]
    out = []
    for table in TABLES:
        want, got = expected[table], actual.get(table, {})
        for key in sorted(set(want) | set(got), key=str):
            if want.get(key) != got.get(key):
                out.append(f"{table} {key!r}: the requests that succeeded give {want.get(key)}, the database holds "
                           f"{got.get(key)}")
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


# -- tracing the service's statements ----------------------------------------------------------------------------------

def statement_lock(sql_text: str) -> tuple[str, str | None, str | None]:
    """(kind, table, mode) of a statement: kind "begin", "commit", "rollback" or "lock"; the table it
    locks and the mode, "S" (it reads) or "X" (it writes), by the rules of stage4/transactions."""
    sql = importlib.import_module("minimysql.sql")
    try:
        stmt = sql.parse(sql_text)
    except Exception:  # noqa: BLE001 - a statement the parser refuses locks nothing (the database refuses it too)
        return "lock", None, None
    name = type(stmt).__name__
    if name in ("Begin", "Commit", "Rollback"):
        return name.lower(), None, None
    if name == "Explain":
        return "lock", getattr(stmt.statement, "table", None), "S"
    return "lock", getattr(stmt, "table", None) or getattr(stmt, "name", None), "S" if name == "Select" else "X"


def conflicts(mode: str | None, other: str | None) -> bool:
    return mode is not None and other is not None and "X" in (mode, other)


@dataclass
class Request:
    """One call of the service during the load, as the trace sees it."""

    kind: str
    args: dict[str, Any]
    state: str = "out"  # "out" (in the service's code), "in" (inside a statement), "gate", "done"
    current: str | None = None  # the statement it is inside
    wants: tuple[str | None, str | None] = (None, None)  # the table and mode that statement locks
    held: dict[str, str] = field(default_factory=dict)  # table -> "S" or "X", this transaction
    attempt: int = 0  # BEGINs so far
    statements: list[str] = field(default_factory=list)  # of this attempt
    locked_once: bool = False  # a statement that takes a lock has run in this attempt
    outcome: list[Any] = field(default_factory=lambda: ["stuck"])
    codes: list[int] = field(default_factory=list)  # the error codes its statements raised

    @property
    def label(self) -> str:
        return label(self.kind, self.args)


class Trace:
    """The requests of the round in flight, and what their statements did (one condition guards it all)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.requests: list[Request] = []
        self.go = True  # False while a round lines its requests up
        self.lining_up = True  # rounds line their requests up (until one fails to within GATE_LIMIT)
        self.reports: list[list[str]] = []
        self.round = 0

    def line_up(self, requests: list[Request]) -> bool:
        """Start a round: its requests stop before their second locking statement until all of them have
        run their first one (or are done, or wait for a lock another one holds). False: they did not line
        up within GATE_LIMIT, and were let go anyway."""
        with self.cond:
            self.requests, self.go = requests, not self.lining_up
            self.round += 1
            lined_up = self.cond.wait_for(self._lined_up, GATE_LIMIT) if self.lining_up else True
            self.go = True
            self.lining_up = self.lining_up and bool(lined_up)
            self.cond.notify_all()
            return bool(lined_up)

    def _lined_up(self) -> bool:
        return all(r.state in ("gate", "done") or (r.state == "in" and self._blocked(r)) for r in self.requests)

    def _blocked(self, request: Request) -> bool:
        table, mode = request.wants
        return any(other is not request and conflicts(mode, other.held.get(table or "")) for other in self.requests)

    def before(self, request: Request, sql_text: str) -> None:
        kind, table, mode = statement_lock(sql_text)
        with self.cond:
            if kind == "begin":
                request.attempt += 1
                request.statements, request.locked_once = [], False
            if request.locked_once and not self.go:
                request.state = "gate"
                self.cond.notify_all()
                self.cond.wait_for(lambda: self.go, GATE_LIMIT * 2)
            request.state, request.current, request.wants = "in", sql_text, (table, mode)
            request.statements.append(sql_text)
            self.cond.notify_all()

    def after(self, request: Request, sql_text: str, in_transaction: bool, code: int | None) -> None:
        kind, table, mode = statement_lock(sql_text)
        with self.cond:
            if code == 1213:
                self.reports.append(self._report(request))
            if code is not None:
                request.codes.append(code)
            if kind == "lock" and table is not None and mode is not None:
                request.locked_once = True
                if in_transaction and request.held.get(table) != "X":
                    request.held[table] = mode
            if not in_transaction:
                request.held = {}
            request.state, request.current, request.wants = "out", None, (None, None)
            self.cond.notify_all()

    def finish(self, request: Request, outcome: list[Any]) -> None:
        with self.cond:
            request.outcome, request.state = outcome, "done"
            request.held, request.current, request.wants = {}, None, (None, None)
            self.cond.notify_all()

    def _report(self, victim: Request) -> list[str]:
        """InnoDB's LATEST DETECTED DEADLOCK section, from what the trace knows (called with the condition held)."""
        others = [r for r in self.requests if r is not victim and r.state != "done"]
        lines = ["------------------------", "LATEST DETECTED DEADLOCK", "------------------------",
                 f"round {self.round}, deadlock {len(self.reports) + 1}"]
        for number, request in enumerate([*others, victim], 1):
            lines.append(f"*** ({number}) TRANSACTION: {request.label}, attempt {request.attempt}")
            for statement in request.statements:
                lines.append(f"    {statement}")
            lines.append(f"*** ({number}) HOLDS THE LOCK(S):")
            lines += [f"    TABLE `{table}` lock mode {mode}" for table, mode in request.held.items()] or ["    none"]
            lines.append(f"*** ({number}) WAITING FOR THIS LOCK TO BE GRANTED:")
            table, mode = request.wants
            if request.current is not None and table is not None:
                lines.append(f"    TABLE `{table}` lock mode {mode}, for: {request.current}")
            else:
                lines.append("    none (its wait ended as the other was rolled back)")
        lines.append(f"*** WE ROLL BACK TRANSACTION ({len(others) + 1})")
        return lines


class TracedSession:
    """A session of the database that tells the trace about every statement the service runs on it."""

    def __init__(self, session: Any, trace: Trace, request: Request) -> None:
        self._session, self._trace, self._request = session, trace, request

    @property
    def in_transaction(self) -> bool:
        return bool(self._session.in_transaction)

    def execute(self, sql_text: str) -> Any:
        self._trace.before(self._request, sql_text)
        code: int | None = None
        try:
            return self._session.execute(sql_text)
        except BaseException as exc:
            found = getattr(exc, "code", None)
            code = found if type(found) is int else -1
            raise
        finally:
            self._trace.after(self._request, sql_text, bool(self._session.in_transaction), code)

    def close(self) -> None:
        self._session.close()


def call(program: ModuleType, session: Any, request: Request) -> list[Any]:
    """One request through the service: ["ok"] or ["error", type, code, message]."""
    try:
        getattr(program.OrderService(session), request.kind)(**request.args)
    except Exception as exc:  # noqa: BLE001 - what the request got is the data here
        code = getattr(exc, "code", None)
        return ["error", type(exc).__name__, code if type(code) is int else None, str(exc)[:200]]
    return ["ok"]


def run_round(db: Any, program: ModuleType, trace: Trace, pair: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    requests = [Request(kind, dict(args)) for kind, args in pair]

    def serve(request: Request) -> None:
        session = db.session()
        outcome = ["error", "BaseException", None, "the request's thread died"]
        try:
            outcome = call(program, TracedSession(session, trace, request), request)
        finally:
            trace.finish(request, outcome)
            session.close()

    threads = [threading.Thread(target=serve, args=(request,), daemon=True) for request in requests]
    with trace.cond:
        trace.requests, trace.go = requests, not trace.lining_up
    for thread in threads:
        thread.start()
    lined_up = trace.line_up(requests)
    for thread in threads:
        thread.join(REQUEST_LIMIT)
    return {"requests": requests, "lined_up": lined_up, "stuck": sum(thread.is_alive() for thread in threads)}


def run_load(program: ModuleType | None = None, rounds: int = ROUNDS) -> dict[str, Any]:
    """The load on a fresh database: the figures, the deadlock reports, and how the database differs
    from the requests that succeeded."""
    program = program or importlib.import_module("incidents.lock_deadlock")
    database = importlib.import_module("minimysql.database")
    db = database.Database(RamStorage(), lock_timeout=LOCK_TIMEOUT)
    admin = db.session()
    for statement in setup_statements():
        admin.execute(statement)
    trace = Trace()
    served: list[Request] = []
    pairs: Counter[str] = Counter()
    gate_timeouts = stuck = 0
    for pair in plan(rounds=rounds):
        result = run_round(db, program, trace, pair)
        served += result["requests"]
        gate_timeouts += not result["lined_up"]
        stuck += result["stuck"]
        if any(1213 in r.codes for r in result["requests"]):
            pairs[" × ".join(sorted(r.kind for r in result["requests"]))] += sum(
                r.codes.count(1213) for r in result["requests"])
        if result["stuck"]:
            break  # a request still running would skew every later round
    done = [(r.kind, r.args) for r in served if r.outcome == ["ok"]]
    actual = actual_state(admin) if not stuck else "not compared: a request was still running"
    stock = (sum(row[1] for row in actual["stock"].values()) if isinstance(actual, dict) else None)
    failures = Counter(r.outcome[1] + (f" {r.outcome[2]}" if r.outcome[2] is not None else "")
                       if r.outcome[0] == "error" else r.outcome[0] for r in served if r.outcome != ["ok"])
    return {
        "requests": len(served),
        "kinds": dict(Counter(r.kind for r in served)),
        "deadlocks": sum(r.codes.count(1213) for r in served),
        "lock_wait_timeouts": sum(r.codes.count(1205) for r in served),
        "failed_requests": sum(r.outcome != ["ok"] for r in served),
        "retried_requests": sum(r.attempt > 1 for r in served),
        "stuck_requests": stuck,
        "gate_timeouts": gate_timeouts,
        "units_in_stock": stock,
        "pairs": dict(pairs),
        "failures": dict(failures),
        "mismatches": mismatches(expected_state(done), actual) if not stuck else [actual],
        "reports": trace.reports,
    }


def report(result: dict[str, Any], every_deadlock: bool = False) -> list[str]:
    """The load's figures (and its deadlock reports) as the lines the load script prints."""
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result["kinds"].items()))
    lines = [f"requests: {result['requests']} ({kinds}), two at once, in {ROUNDS} rounds", ""]
    shown = result["reports"] if every_deadlock else result["reports"][-1:]
    for block in shown:
        lines += [*block, ""]
    lines.append("deadlocks by pair of requests: " + (", ".join(f"{pair} {n}" for pair, n in
                                                                sorted(result["pairs"].items())) or "none"))
    lines.append("failed requests by error: " + (", ".join(f"{error} {n}" for error, n in
                                                           sorted(result["failures"].items())) or "none"))
    if result["stuck_requests"]:
        lines.append(f"{result['stuck_requests']} requests were still running after {REQUEST_LIMIT:g} s: the load "
                     "stopped there")
    if result["gate_timeouts"]:
        lines.append(f"a round did not line up within {GATE_LIMIT:g} s: a request waited for something other than "
                     "the database (the later rounds ran without lining up)")
    for line in result["mismatches"]:
        lines.append(f"WRONG: {line}")
    lines += [
        "",
        f"deadlocks (error 1213):            {result['deadlocks']}",
        f"failed requests:                   {result['failed_requests']}",
        f"lock wait timeouts (error 1205):   {result['lock_wait_timeouts']}",
        f"requests retried:                  {result['retried_requests']}",
        f"units in stock after the load:     {result['units_in_stock']}",
    ]
    return lines
# <<< end of the shared block


# -- the grader's own scenarios ---------------------------------------------------------------------------------

import contextlib  # noqa: E402 - after the shared block on purpose
import sys  # noqa: E402
import time  # noqa: E402

GIVE_UP = 10  # attempts (BEGINs) after which a FaultSession stops a retry loop that does not end
PARK_LIMIT = 5.0  # seconds a scenario waits for the request to park, or for a statement to settle
SHORT_LOCK_TIMEOUT = 0.1  # the database's lock_timeout in the lock-wait-timeout scenarios
IMPOSSIBLE = {"stock": "'-'", "orders": "-1", "payments": "-1"}  # a key no row has: a statement that locks only


class GiveUp(BaseException):
    """Raised by a FaultSession at the BEGIN of attempt GIVE_UP + 1: the retry loop would not have ended."""


class FaultSession:
    """The program's session in a scenario: parks the request before the statement after its first locking
    one (first attempt only) until the scenario releases it; counts attempts; calls ``on_error(code)`` when a
    statement raises, before the program sees the error."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.attempts = 0
        self.first_table: str | None = None
        self.parked = threading.Event()
        self.release = threading.Event()
        self.codes: list[Any] = []
        self.statements: list[str] = []
        self.on_error: Any = None

    @property
    def in_transaction(self) -> bool:
        return bool(self._session.in_transaction)

    def execute(self, sql_text: str) -> Any:
        kind, table, _ = statement_lock(sql_text)
        if kind == "begin":
            self.attempts += 1
            if self.attempts > GIVE_UP:
                raise GiveUp(f"attempt {self.attempts}: the request was retried without end")
        if self.attempts == 1 and self.first_table is not None and not self.release.is_set():
            self.parked.set()
            self.release.wait(PARK_LIMIT)
        self.statements.append(sql_text)
        try:
            result = self._session.execute(sql_text)
        except Exception as exc:
            code = getattr(exc, "code", None)
            self.codes.append(code if type(code) is int else type(exc).__name__)
            if self.on_error is not None:
                self.on_error(code)
            raise
        if kind == "lock" and table is not None and self.attempts == 1 and self.first_table is None:
            self.first_table = table
        return result

    def close(self) -> None:
        self._session.close()


def fresh_database(lock_timeout: float = LOCK_TIMEOUT) -> tuple[Any, Any]:
    database = importlib.import_module("minimysql.database")
    db = database.Database(RamStorage(), lock_timeout=lock_timeout)
    admin = db.session()
    for statement in setup_statements():
        admin.execute(statement)
    return db, admin


class Background:
    """One statement of the grader's session, on a thread of its own."""

    def __init__(self, session: Any, sql_text: str) -> None:
        self.done = threading.Event()
        self.outcome: list[Any] = ["running"]
        self.thread = threading.Thread(target=self._run, args=(session, sql_text), daemon=True)
        self.thread.start()

    def _run(self, session: Any, sql_text: str) -> None:
        try:
            session.execute(sql_text)
            self.outcome = ["ok"]
        except Exception as exc:  # noqa: BLE001 - the outcome is the data here
            self.outcome = ["error", getattr(exc, "code", type(exc).__name__)]
        self.done.set()


def waiting(job: Background, limit: float = 3.0) -> bool:
    """True when the statement on ``job``'s thread waits inside minimysql: its stack there has not moved,
    line for line, for 50 ms (ten looks 5 ms apart) while this thread ran; False when it finished."""
    deadline = time.monotonic() + limit
    last: tuple[tuple[str, int], ...] = ()
    still = 0
    while time.monotonic() < deadline and not job.done.is_set():
        frame = sys._current_frames().get(job.thread.ident or -1)
        stack = []
        while frame is not None:
            stack.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back
        still = still + 1 if any("minimysql" in f for f, _ in stack) and tuple(stack) == last else 0
        if still >= 10:
            return not job.done.is_set()
        last = tuple(stack)
        time.sleep(0.005)
    return False


def lock_statement(table: str) -> str:
    """A statement that takes an exclusive lock on ``table`` and changes nothing."""
    return f"DELETE FROM {table} WHERE {TABLES[table]} = {IMPOSSIBLE[table]}"


def scenario(kind: str, args: dict[str, Any], mode: str) -> dict[str, Any]:
    """One request of ``kind`` while the grader's session G fights it for the tables.

    mode "deadlock": once the request has run its first locking statement (on table t1), G takes an
    exclusive lock on every other table, then asks for t1 and waits; the request's next lock closes
    the cycle, so it is the deadlock victim. G commits once it has t1, before the program sees 1213.
    mode "timeout": G takes every other table; the request's next lock waits SHORT_LOCK_TIMEOUT and
    gets 1205; G commits before the program sees it.
    mode "held": as "timeout", but G keeps its locks until the request has returned or raised."""
    db, admin = fresh_database(SHORT_LOCK_TIMEOUT if mode in ("timeout", "held") else LOCK_TIMEOUT)
    program = importlib.import_module("incidents.lock_deadlock")
    session = FaultSession(db.session())
    request = Request(kind, dict(args))
    box: dict[str, Any] = {"outcome": ["running"]}

    def serve() -> None:
        started = time.monotonic()
        try:
            box["outcome"] = call(program, session, request)
        except GiveUp as exc:
            box["outcome"] = ["gave_up", str(exc)]
        except BaseException as exc:  # noqa: BLE001 - reported
            box["outcome"] = ["error", type(exc).__name__, None, str(exc)[:200]]
        box["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    out: dict[str, Any] = {"setup": "ok"}
    grader = db.session()
    job: Background | None = None
    if not session.parked.wait(PARK_LIMIT):
        out["setup"] = ("the request never ran a second statement after its first locking one"
                        if thread.is_alive() or session.first_table is not None else "the request ended at once")
    else:
        t1 = session.first_table or ""
        grader.execute("BEGIN")
        for table in TABLES:
            if table != t1:
                grader.execute(lock_statement(table))
        if mode == "deadlock":
            job = Background(grader, lock_statement(t1))
            if not waiting(job):
                out["setup"] = f"the grader's lock request on {t1} did not wait for the request's first statement"
        handled: list[Any] = []

        def on_error(code: Any) -> None:
            if handled or mode == "held" or code not in (1213, 1205):
                return
            handled.append(code)
            if job is not None:
                job.done.wait(PARK_LIMIT)
            grader.execute("COMMIT")

        session.on_error = on_error
    session.release.set()
    thread.join(PARK_LIMIT + GIVE_UP * (SHORT_LOCK_TIMEOUT + 1.0))
    out["hung"] = thread.is_alive()
    if job is not None:
        job.done.wait(PARK_LIMIT)
        out["grader_lock"] = job.outcome
    if not out["hung"] and grader.in_transaction:
        grader.execute("COMMIT")
    out.update(outcome=box["outcome"], seconds=box.get("seconds"), attempts=session.attempts, codes=session.codes,
               statements=session.statements[:40], first_table=session.first_table,
               in_transaction=None if out["hung"] else session.in_transaction)
    if not out["hung"]:
        done = [(kind, args)] if box["outcome"] == ["ok"] else []
        out["expected_if_ok"] = box["outcome"] == ["ok"]
        out["mismatches"] = mismatches(expected_state(done), actual_state(admin))
    return out


def sequence(requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Requests one after another on one session (no other client): per request its outcome, its attempts,
    whether it left the session in a transaction, and how the database then differs from the model."""
    db, admin = fresh_database()
    program = importlib.import_module("incidents.lock_deadlock")
    session = FaultSession(db.session())
    session.release.set()
    done: list[tuple[str, dict[str, Any]]] = []
    out = []
    for kind, args in requests:
        before = session.attempts
        outcome = call(program, session, Request(kind, dict(args)))
        if outcome == ["ok"]:
            done.append((kind, args))
        out.append({"request": label(kind, args), "outcome": outcome, "attempts": session.attempts - before,
                    "in_transaction": session.in_transaction,
                    "mismatches": mismatches(expected_state(done), actual_state(admin), 4)})
        if session.in_transaction:  # left open by the program: close it, so the next request starts clean
            with contextlib.suppress(Exception):
                session._session.execute("ROLLBACK")
    return out
