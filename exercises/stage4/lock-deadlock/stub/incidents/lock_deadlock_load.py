"""死锁 (deadlock): replay the sale's traffic on YOUR incidents/lock_deadlock.py, and read the deadlock reports.

Run it from the project folder:

    python incidents/lock_deadlock_load.py            # the figures and the latest deadlock report
    python incidents/lock_deadlock_load.py --all      # every deadlock report

It builds the shop's database on your minimysql/database.py (three tables, 4 products with 1000
units each, 60 orders already placed), then plays 40 rounds of two requests at once, seeded: new
orders, shipments and cancellations, each on a web worker's own session. In a round, each
request runs its first statement that takes a lock, and waits there until the other one has too
(or waits for a lock the other holds); then both go on. So every round meets the two requests
the same way on every run and every machine: the load measures which pairs of requests deadlock,
not how lucky the timing was.

Every statement the service runs goes through a traced session, which notes its outcome and the
table locks the rules of stage4/transactions give it (a shared lock on a table it reads, an
exclusive one on a table it writes, held until the transaction ends). When the database rolls a
request's transaction back with error 1213, the trace prints what InnoDB's `SHOW ENGINE INNODB
STATUS` prints in its LATEST DETECTED DEADLOCK section: the two transactions, the locks each held,
the lock each was waiting for, and the one that was rolled back.

The load block below is the very one the grader uses: it replays exactly this load with YOUR
incidents/lock_deadlock.py and checks the figures you state against what your program does. If you
change the block here, what you measure no longer matches what the grader measures; to explore,
copy it into a scratch file of your own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project folder: incidents, minimysql

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


def main(argv: list[str]) -> int:
    print(f"The load: {ROUNDS} rounds of two requests at once on the shop's database (seed {SEED}).")
    try:
        result = run_load()
    except NotImplementedError:
        print("minimysql/database.py is not written yet: finish stage4/transactions first.")
        return 1
    for line in report(result, every_deadlock="--all" in argv):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
