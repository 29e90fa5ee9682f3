"""A small SQL database: the statements of ``minimysql.sql``, in sessions with BEGIN/COMMIT/ROLLBACK.

The design, in four parts:

- **Tables in memory.** A table is a dict ``rowid -> row tuple`` plus one ``Index`` per key (the
  primary key is the index ``PRIMARY``): a dict ``value -> rowids`` for equality and a sorted
  list of the distinct values for ranges. The planner picks const / ref / range / ALL from the
  WHERE clause; EXPLAIN reports the same plan and the same row count the execution examines.
- **Undo log.** Every change a transaction makes is applied in place and remembered as
  ``(kind, table, rowid, old, new)``. ROLLBACK undoes the list backwards; a failing statement
  undoes only the entries it added (a statement savepoint).
- **Redo log.** At COMMIT the transaction's changes are written as one CRC-framed record to
  ``redo.log`` and synced before COMMIT returns. Opening the database replays the records and
  cuts off a torn tail. Nothing else is ever written: uncommitted work never reaches the disk.
- **Strict two-phase locking on tables.** A statement takes a shared (S) or exclusive (X) lock
  on its table and keeps it until the transaction ends. A request that must wait records whom
  it waits for; if that closes a cycle, the requester is the deadlock victim. One mutex guards
  all the in-memory structures, so statements run one at a time; lock waits release it.
"""

from __future__ import annotations

import bisect
import json
import math
import operator
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from minimysql import sql
from minimysql.storage import File, Storage

# -- the API's given part ------------------------------------------------------------------------


class DatabaseError(Exception):
    """Every error a client may see: MySQL's error number, SQLSTATE and message."""

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
    columns: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()
    affected_rows: int = 0
    rows_examined: int = 0


# -- errors -----------------------------------------------------------------------------------------

def error(code: int, message: str) -> DatabaseError:
    return DatabaseError(code, SQLSTATE[code], message)


SQLSTATE = {1048: "23000", 1050: "42S01", 1051: "42S02", 1054: "42S22", 1060: "42S21", 1061: "42000",
            1062: "23000", 1064: "42000", 1068: "42000", 1072: "42000", 1110: "42000", 1136: "21S01",
            1146: "42S02", 1264: "22003", 1364: "HY000", 1366: "HY000", 1406: "22001", 1436: "HY000",
            1690: "22003", 2006: "HY000"}

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MAX_EXPRESSION_DEPTH = 200  # deeper expressions are refused (1436) before anything recurses over them
LOG = "redo.log"
FRAME = struct.Struct("<II")  # payload length, crc32 of the payload
NUMERIC = frozenset({"INT", "FLOAT", "BOOL", "NULL"})  # NULL (the type of the NULL literal) fits anywhere
OUT_TYPE = {"INT": "INT", "FLOAT": "FLOAT", "TEXT": "TEXT", "BOOL": "BOOL", "NULL": "TEXT"}
EXPLAIN_COLUMNS = ("id", "select_type", "table", "type", "possible_keys", "key", "rows", "Extra")
EXPLAIN_TYPES = ("INT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "INT", "TEXT")


# -- tables and indexes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # INT, FLOAT, TEXT or BOOL (a VARCHAR is TEXT with a length)
    length: int | None  # VARCHAR(n): at most n characters
    primary_key: bool
    not_null: bool  # true for the primary key too


class Index:
    """One key of a table: equality through a dict, ranges through the sorted distinct values.

    NULLs are not indexed: no equality or range condition is ever true for NULL.
    """

    def __init__(self, name: str, position: int) -> None:
        self.name = name
        self.position = position  # the column's position in a row
        self.buckets: dict[Any, set[int]] = {}
        self.keys: list[Any] = []  # sorted

    def add(self, key: Any, rowid: int) -> None:
        if key is None:
            return
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = {rowid}
            bisect.insort(self.keys, key)
        else:
            bucket.add(rowid)

    def remove(self, key: Any, rowid: int) -> None:
        if key is None:
            return
        bucket = self.buckets[key]
        bucket.discard(rowid)
        if not bucket:
            del self.buckets[key]
            del self.keys[bisect.bisect_left(self.keys, key)]

    def lookup(self, key: Any) -> list[int]:
        return [] if key is None else sorted(self.buckets.get(key, ()))

    def range(self, low: Bound | None, high: Bound | None) -> list[int]:
        """Rowids whose key lies within both bounds (``None``: unbounded), in key order."""
        start, end = 0, len(self.keys)
        if low is not None:
            start = (bisect.bisect_left if low.inclusive else bisect.bisect_right)(self.keys, low.value)
        if high is not None:
            end = (bisect.bisect_right if high.inclusive else bisect.bisect_left)(self.keys, high.value)
        return [rowid for key in self.keys[start:end] for rowid in sorted(self.buckets[key])]


@dataclass(frozen=True)
class Bound:
    value: Any
    inclusive: bool


class Table:
    def __init__(self, name: str, columns: list[ColumnInfo]) -> None:
        self.name = name
        self.columns = columns
        self.positions = {c.name: i for i, c in enumerate(columns)}
        self.pk = next((i for i, c in enumerate(columns) if c.primary_key), None)
        self.rows: dict[int, tuple[Any, ...]] = {}
        self.next_rowid = 1
        self.indexes: list[Index] = [] if self.pk is None else [Index("PRIMARY", self.pk)]

    @property
    def primary(self) -> Index | None:
        return self.indexes[0] if self.pk is not None else None

    def column(self, name: str) -> int:
        try:
            return self.positions[name]
        except KeyError:
            raise error(1054, f"Unknown column '{name}' in 'field list'") from None

    def insert(self, rowid: int, row: tuple[Any, ...]) -> None:
        self.rows[rowid] = row
        self.next_rowid = max(self.next_rowid, rowid + 1)
        for index in self.indexes:
            index.add(row[index.position], rowid)

    def delete(self, rowid: int) -> tuple[Any, ...]:
        row = self.rows.pop(rowid)
        for index in self.indexes:
            index.remove(row[index.position], rowid)
        return row

    def replace(self, rowid: int, row: tuple[Any, ...]) -> None:
        old = self.rows[rowid]
        self.rows[rowid] = row
        for index in self.indexes:
            if old[index.position] != row[index.position]:
                index.remove(old[index.position], rowid)
                index.add(row[index.position], rowid)

    def add_index(self, name: str, position: int) -> None:
        index = Index(name, position)
        for rowid, row in self.rows.items():
            index.add(row[position], rowid)
        self.indexes.append(index)


# -- expressions: type-checked once, then compiled to closures over a row ----------------------------------

Row = Sequence[Any]
Fn = Callable[[Row], Any]


def expr_name(e: sql.Expr) -> str:
    """A select-list column's name: a column's own name, else the expression as format_sql writes it."""
    if isinstance(e, sql.Column):
        return e.name
    text = sql.format_sql(sql.Select(columns=(e,), table="t", where=None, order_by=(), limit=None, offset=None))
    return text[len("SELECT "):-len(" FROM t")]


def literal_type(value: object) -> str:
    if value is None:
        return "NULL"
    if type(value) is bool:
        return "BOOL"
    return {int: "INT", float: "FLOAT", str: "TEXT"}[type(value)]


def checked(value: Any, e: sql.Expr) -> Any:
    """An arithmetic result, or 1690 when it leaves BIGINT's range or is not a finite double."""
    if type(value) is int and not INT_MIN <= value <= INT_MAX:
        raise error(1690, f"BIGINT value is out of range in '{expr_name(e)}'")
    if type(value) is float and not math.isfinite(value):
        raise error(1690, f"DOUBLE value is out of range in '{expr_name(e)}'")
    return value


def truth(value: Any) -> bool | None:
    """SQL's truth of a value: NULL is unknown, a number is true when it is not zero."""
    return None if value is None else value != 0


def comparable(a: str, b: str, what: str) -> None:
    if a == "NULL" or b == "NULL" or (a in NUMERIC) == (b in NUMERIC):
        return
    raise error(1366, f"Incorrect arguments to {what}: cannot compare {OUT_TYPE[a]} with {OUT_TYPE[b]}")


def numeric(t: str, what: str) -> None:
    if t not in NUMERIC:
        raise error(1366, f"Incorrect argument to {what}: {t} is not a number")


def logical(t: str, what: str) -> None:
    if t not in NUMERIC:
        raise error(1366, f"Incorrect argument to {what}: a TEXT value is not a truth value")


COMPARE: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, "!=": operator.ne, "<": operator.lt,
                                                  "<=": operator.le, ">": operator.gt, ">=": operator.ge}
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def compile_expr(e: sql.Expr, table: Table | None) -> tuple[str, Fn]:
    """The static type of ``e`` and a function computing it from a row of ``table``.

    Unknown columns (1054) and type errors (1366) are raised here, before any row is read.
    ``table`` is None where no column may appear (the VALUES of an INSERT).
    """
    if isinstance(e, sql.Literal):
        value = e.value
        return literal_type(value), lambda row: value
    if isinstance(e, sql.Column):
        if table is None:
            raise error(1054, f"Unknown column '{e.name}' in 'field list'")
        position = table.column(e.name)
        return table.columns[position].type, operator.itemgetter(position)
    if isinstance(e, sql.Unary):
        t, f = compile_expr(e.operand, table)
        if e.op == "NOT":
            logical(t, "NOT")
            return "BOOL", lambda row: (lambda v: None if v is None else not v)(truth(f(row)))
        numeric(t, "unary minus")

        def negate(row: Row) -> Any:
            v = f(row)
            return None if v is None else checked(-v, e)

        return ("FLOAT" if t == "FLOAT" else "NULL" if t == "NULL" else "INT"), negate
    if isinstance(e, sql.Binary):
        return compile_binary(e, table)
    if isinstance(e, sql.IsNull):
        _, f = compile_expr(e.operand, table)
        negated = e.negated
        return "BOOL", lambda row: (f(row) is None) != negated
    if isinstance(e, sql.InList):
        t, f = compile_expr(e.operand, table)
        items = []
        for item in e.items:
            item_type, item_fn = compile_expr(item, table)
            comparable(t, item_type, "IN")
            items.append(item_fn)
        negated = e.negated

        def in_list(row: Row) -> bool | None:
            v = f(row)
            values = [g(row) for g in items]
            if v is None:
                return None
            if any(x is not None and x == v for x in values):
                found: bool | None = True
            else:
                found = None if None in values else False
            return found if found is None or not negated else not found

        return "BOOL", in_list
    if isinstance(e, sql.Between):
        t, f = compile_expr(e.operand, table)
        low_type, low = compile_expr(e.low, table)
        high_type, high = compile_expr(e.high, table)
        comparable(t, low_type, "BETWEEN")
        comparable(t, high_type, "BETWEEN")
        negated = e.negated

        def between(row: Row) -> bool | None:
            v, lo, hi = f(row), low(row), high(row)
            result = and3(None if v is None or lo is None else v >= lo, None if v is None or hi is None else v <= hi)
            return result if result is None or not negated else not result

        return "BOOL", between
    raise TypeError(f"not an expression: {e!r}")


def and3(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def compile_binary(e: sql.Binary, table: Table | None) -> tuple[str, Fn]:
    lt, lf = compile_expr(e.left, table)
    rt, rf = compile_expr(e.right, table)
    op = e.op
    if op in ("AND", "OR"):
        logical(lt, op)
        logical(rt, op)
        decisive = op == "OR"  # TRUE decides an OR, FALSE an AND: the right side is then skipped
        combine = or3 if op == "OR" else and3

        def logic(row: Row) -> bool | None:
            a = truth(lf(row))
            return a if a is decisive else combine(a, truth(rf(row)))

        return "BOOL", logic
    if op in COMPARE:
        comparable(lt, rt, op)
        cmp = COMPARE[op]

        def compare(row: Row) -> bool | None:
            a, b = lf(row), rf(row)
            return None if a is None or b is None else cmp(a, b)

        return "BOOL", compare
    numeric(lt, op)
    numeric(rt, op)
    if op == "/":  # always a double; x / 0 is NULL, as in MySQL
        def divide(row: Row) -> float | None:
            a, b = lf(row), rf(row)
            if a is None or b is None or b == 0:
                return None
            return checked(float(a) / float(b), e)

        return ("NULL" if lt == rt == "NULL" else "FLOAT"), divide
    fn = ARITHMETIC[op]
    result = "NULL" if lt == rt == "NULL" else "FLOAT" if "FLOAT" in (lt, rt) else "INT"

    def arithmetic(row: Row) -> Any:
        a, b = lf(row), rf(row)
        if a is None or b is None:
            return None
        return checked(fn(int(a) if type(a) is bool else a, int(b) if type(b) is bool else b), e)

    return result, arithmetic


def expressions(stmt: sql.Statement) -> list[sql.Expr]:
    """Every top-level expression of a statement."""
    if isinstance(stmt, sql.Explain):
        stmt = stmt.statement
    if isinstance(stmt, sql.Select):
        return [*(stmt.columns or ()), *([stmt.where] if stmt.where else []), *(o.expr for o in stmt.order_by)]
    if isinstance(stmt, sql.Insert):
        return [value for row in stmt.rows for value in row]
    if isinstance(stmt, sql.Update):
        return [*(a.value for a in stmt.assignments), *([stmt.where] if stmt.where else [])]
    if isinstance(stmt, sql.Delete) and stmt.where is not None:
        return [stmt.where]
    return []


def too_deep(stmt: sql.Statement) -> bool:
    """Whether an expression nests deeper than MAX_EXPRESSION_DEPTH (walked with a stack, not recursion)."""
    stack = [(e, 1) for e in expressions(stmt)]
    while stack:
        e, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            return True
        if isinstance(e, sql.Unary | sql.IsNull):
            children: list[sql.Expr] = [e.operand]
        elif isinstance(e, sql.Binary):
            children = [e.left, e.right]
        elif isinstance(e, sql.InList):
            children = [e.operand, *e.items]
        elif isinstance(e, sql.Between):
            children = [e.operand, e.low, e.high]
        else:
            children = []
        stack.extend((child, depth + 1) for child in children)
    return False


def compile_where(where: sql.Expr | None, table: Table) -> Callable[[Row], bool]:
    if where is None:
        return lambda row: True
    t, f = compile_expr(where, table)
    logical(t, "WHERE")
    return lambda row: truth(f(row)) is True


def columns_of(e: sql.Expr) -> Iterable[str]:
    """The names of the columns ``e`` reads."""
    if isinstance(e, sql.Column):
        yield e.name
    elif isinstance(e, sql.Unary | sql.IsNull):
        yield from columns_of(e.operand)
    elif isinstance(e, sql.Binary):
        yield from columns_of(e.left)
        yield from columns_of(e.right)
    elif isinstance(e, sql.InList):
        yield from columns_of(e.operand)
        for item in e.items:
            yield from columns_of(item)
    elif isinstance(e, sql.Between):
        for part in (e.operand, e.low, e.high):
            yield from columns_of(part)


# -- storing values -----------------------------------------------------------------------------------

TYPE_WORDS = {"INT": "integer", "FLOAT": "double", "TEXT": "string", "BOOL": "boolean"}


def storable(column: ColumnInfo, t: str) -> None:
    """A value of static type ``t`` may go into ``column`` (numbers convert into each other, never text)."""
    if t == "NULL" or (column.type == "TEXT") == (t == "TEXT"):
        return
    raise error(1366, f"Incorrect {TYPE_WORDS[column.type]} value: a {OUT_TYPE[t]} for column '{column.name}'")


def round_half_away(x: float) -> int:
    n = math.floor(abs(x) + 0.5)
    return n if x >= 0 else -n


def coerce(column: ColumnInfo, value: Any, row_number: int) -> Any:
    """``value`` converted to the column's type, or the error MySQL gives for it (1048, 1264, 1406)."""
    if value is None:
        if column.not_null:
            raise error(1048, f"Column '{column.name}' cannot be null")
        return None
    if column.type == "INT":
        number = round_half_away(value) if type(value) is float else int(value)
        if not INT_MIN <= number <= INT_MAX:
            raise error(1264, f"Out of range value for column '{column.name}' at row {row_number}")
        return number
    if column.type == "FLOAT":
        return float(value)
    if column.type == "BOOL":
        return value != 0
    if column.length is not None and len(value) > column.length:
        raise error(1406, f"Data too long for column '{column.name}' at row {row_number}")
    return value


# -- the planner ------------------------------------------------------------------------------------

@dataclass
class Plan:
    type: str  # const, ref, range or ALL
    key: str | None
    possible_keys: tuple[str, ...]
    rowids: list[int]  # the rows the plan reads, in the order it reads them
    covered: int  # how many WHERE conjuncts the access path answers


def conjuncts(where: sql.Expr | None) -> list[sql.Expr]:
    if where is None:
        return []
    if isinstance(where, sql.Binary) and where.op == "AND":
        return conjuncts(where.left) + conjuncts(where.right)
    return [where]


MIRROR = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def sargable(e: sql.Expr, table: Table) -> tuple[str, str, list[tuple[str, sql.Expr]]] | None:
    """``(column, "eq" | "range", [(op, constant), ...])`` when an index could answer ``e``."""
    if isinstance(e, sql.Binary) and e.op in MIRROR:
        op, left, right = e.op, e.left, e.right
        if not isinstance(left, sql.Column) and isinstance(right, sql.Column):
            op, left, right = MIRROR[op], right, left
        if isinstance(left, sql.Column) and not any(columns_of(right)):
            return left.name, ("eq" if op == "=" else "range"), [(op, right)]
    if (isinstance(e, sql.Between) and not e.negated and isinstance(e.operand, sql.Column)
            and not any(columns_of(e.low)) and not any(columns_of(e.high))):
        return e.operand.name, "range", [(">=", e.low), ("<=", e.high)]
    return None


def constant(e: sql.Expr) -> Any:
    return compile_expr(e, None)[1](())


def plan(table: Table, where: sql.Expr | None) -> Plan:
    """Choose the access path: PK equality (const), index equality (ref), index range (range), or a scan.

    Ties go to the condition written first; all range conditions on the chosen column combine.
    """
    keyed = {}  # column position -> its keys, PRIMARY first, then indexes in creation order
    for index in table.indexes:
        keyed.setdefault(index.position, []).append(index)
    found = []  # (position, kind, bounds) in WHERE order
    for part in conjuncts(where):
        usable = sargable(part, table)
        if usable is not None and table.positions.get(usable[0]) in keyed:
            found.append((table.positions[usable[0]], usable[1], usable[2]))
    possible = tuple(index.name for index in table.indexes if any(p == index.position for p, _, _ in found))
    for wanted in ("const", "ref"):
        for position, kind, bounds in found:
            index = keyed[position][0]
            if kind == "eq" and (index.name == "PRIMARY") == (wanted == "const"):
                return Plan(wanted, index.name, possible, index.lookup(constant(bounds[0][1])), 1)
    for position, kind, _ in found:
        if kind == "range":
            low: Bound | None = None
            high: Bound | None = None
            empty = False
            used = [b for p, k, b in found if p == position and k == "range"]
            for op, expr in (pair for bounds in used for pair in bounds):
                value = constant(expr)
                if value is None:
                    empty = True  # a comparison with NULL is never true
                elif op in (">", ">="):
                    bound = Bound(value, op == ">=")
                    if low is None or value > low.value or (value == low.value and not bound.inclusive):
                        low = bound
                else:
                    bound = Bound(value, op == "<=")
                    if high is None or value < high.value or (value == high.value and not bound.inclusive):
                        high = bound
            index = keyed[position][0]
            return Plan("range", index.name, possible, [] if empty else index.range(low, high), len(used))
    return Plan("ALL", None, possible, list(table.rows), 0)


# -- transactions and locks -----------------------------------------------------------------------------

@dataclass
class Change:
    kind: str  # insert, delete or update
    table: Table
    rowid: int
    old: tuple[Any, ...] | None
    new: tuple[Any, ...] | None


class Transaction:
    def __init__(self, tid: int, explicit: bool) -> None:
        self.id = tid
        self.explicit = explicit  # BEGIN ... COMMIT, as opposed to one statement on its own
        self.changes: list[Change] = []  # the undo log, oldest first
        self.ddl: list[list[Any]] = []  # redo records of a DDL statement


class Locks:
    """Table locks, S and X, held until the transaction ends; a FIFO queue of waiting requests per table;
    waits-for edges for deadlock detection."""

    def __init__(self, cond: threading.Condition, timeout: float) -> None:
        self.cond = cond
        self.timeout = timeout
        self.shared: dict[str, set[int]] = {}
        self.exclusive: dict[str, int] = {}
        self.held: dict[int, set[str]] = {}
        self.queue: dict[str, list[tuple[int, str]]] = {}  # waiting requests, oldest first
        self.waits_for: dict[int, set[int]] = {}

    def blockers(self, tid: int, name: str, mode: str) -> set[int]:
        """The transactions this request must wait for: holders of a conflicting lock and, unless ``tid``
        already holds a lock on the table, conflicting requests queued before it (first come, first served:
        a stream of readers cannot starve a waiting writer)."""
        out = set()
        owner = self.exclusive.get(name)
        if owner is not None and owner != tid:
            out.add(owner)
        if mode == "X":
            out |= self.shared.get(name, set()) - {tid}
        if name not in self.held.get(tid, ()):
            for other, other_mode in self.queue.get(name, []):
                if other == tid:
                    break
                if "X" in (mode, other_mode):
                    out.add(other)
        return out

    def acquire(self, tid: int, name: str, mode: str) -> None:
        """Called with the mutex held; waits (releasing it) until the lock is granted."""
        if self.exclusive.get(name) == tid or (mode == "S" and tid in self.shared.get(name, ())):
            return
        deadline = time.monotonic() + self.timeout
        entry = (tid, mode)
        queue = self.queue.setdefault(name, [])
        try:
            while blockers := self.blockers(tid, name, mode):
                if entry not in queue:
                    queue.append(entry)
                self.waits_for[tid] = blockers
                if self.closes_cycle(tid):
                    raise Deadlock()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockWaitTimeout()
                self.cond.wait(remaining)
        finally:
            self.waits_for.pop(tid, None)
            if entry in queue:
                queue.remove(entry)
                self.cond.notify_all()  # requests queued behind this one may go now
        if mode == "X":
            self.exclusive[name] = tid
            self.shared.get(name, set()).discard(tid)
        else:
            self.shared.setdefault(name, set()).add(tid)
        self.held.setdefault(tid, set()).add(name)

    def closes_cycle(self, start: int) -> bool:
        stack, seen = list(self.waits_for.get(start, ())), set()
        while stack:
            tid = stack.pop()
            if tid == start:
                return True
            if tid not in seen:
                seen.add(tid)
                stack.extend(self.waits_for.get(tid, ()))
        return False

    def release_all(self, tid: int) -> None:
        for name in self.held.pop(tid, set()):
            if self.exclusive.get(name) == tid:
                del self.exclusive[name]
            self.shared.get(name, set()).discard(tid)
        self.cond.notify_all()


# -- the database -------------------------------------------------------------------------------------

class Database:
    """Tables in memory, a redo log on ``storage``, sessions with strict 2PL on tables."""

    def __init__(self, storage: Storage, *, lock_timeout: float = 5.0) -> None:
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, int | float) or not lock_timeout > 0:
            raise ValueError(f"lock_timeout must be a positive number of seconds, not {lock_timeout!r}")
        self._mutex = threading.Condition(threading.Lock())
        self._locks = Locks(self._mutex, float(lock_timeout))
        self._tables: dict[str, Table] = {}
        self._next_tid = 1
        self._sessions: set[Session] = set()
        self._closed = False
        self._file: File = storage.open(LOG)
        self._recover()

    # -- recovery: replay every whole record, cut the torn tail off ------------------------------------
    def _recover(self) -> None:
        data = self._file.read_at(0, self._file.size())
        offset = 0
        while offset + FRAME.size <= len(data):
            length, crc = FRAME.unpack_from(data, offset)
            payload = data[offset + FRAME.size: offset + FRAME.size + length]
            if length == 0 or len(payload) < length or zlib.crc32(payload) != crc:
                break  # a torn or never-finished commit: the log ends here
            for op in json.loads(payload):
                self._redo(op)
            offset += FRAME.size + length
        if offset < len(data):
            self._file.truncate(offset)  # new records must follow the last whole one
            self._file.sync()

    def _redo(self, op: list[Any]) -> None:
        kind = op[0]
        if kind == "create":
            self._tables[op[1]] = Table(op[1], [ColumnInfo(*c) for c in op[2]])
        elif kind == "drop":
            del self._tables[op[1]]
        elif kind == "index":
            table = self._tables[op[1]]
            table.add_index(op[2], table.positions[op[3]])
        elif kind == "insert":
            self._tables[op[1]].insert(op[2], tuple(op[3]))
        elif kind == "update":
            self._tables[op[1]].replace(op[2], tuple(op[3]))
        elif kind == "delete":
            self._tables[op[1]].delete(op[2])

    # -- the public API --------------------------------------------------------------------------------
    def session(self) -> Session:
        with self._mutex:
            if self._closed:
                raise error(2006, "MySQL server has gone away")
            session = Session(self)
            self._sessions.add(session)
            return session

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            for session in list(self._sessions):
                session._end(commit=False)
                session._closed = True
            self._closed = True
            self._file.close()

    # -- transactions ----------------------------------------------------------------------------------
    def _begin(self, explicit: bool) -> Transaction:
        self._next_tid += 1
        return Transaction(self._next_tid, explicit)

    def _commit(self, txn: Transaction) -> None:
        """Write the transaction's redo record and sync it, then release its locks."""
        ops = txn.ddl + [self._redo_op(change) for change in txn.changes]
        if ops:
            payload = json.dumps(ops, separators=(",", ":")).encode()
            self._file.append(FRAME.pack(len(payload), zlib.crc32(payload)) + payload)
            self._file.sync()  # durable before COMMIT returns
        self._locks.release_all(txn.id)

    @staticmethod
    def _redo_op(change: Change) -> list[Any]:
        if change.kind == "delete":
            return ["delete", change.table.name, change.rowid]
        return [change.kind, change.table.name, change.rowid, list(change.new or ())]

    def _undo(self, txn: Transaction, mark: int = 0) -> None:
        """Undo the transaction's changes after the first ``mark`` ones, newest first."""
        while len(txn.changes) > mark:
            change = txn.changes.pop()
            if change.kind == "insert":
                change.table.delete(change.rowid)
            elif change.kind == "delete":
                change.table.insert(change.rowid, change.old or ())
            else:
                change.table.replace(change.rowid, change.old or ())

    def _rollback(self, txn: Transaction) -> None:
        self._undo(txn)
        self._locks.release_all(txn.id)

    # -- statements ------------------------------------------------------------------------------------
    def _table(self, name: str) -> Table:
        table = self._tables.get(name)
        if table is None:
            raise error(1146, f"Table '{name}' doesn't exist")
        return table

    def _lock(self, txn: Transaction, name: str, mode: str) -> Table:
        self._table(name)  # 1146 before waiting for a lock on nothing
        self._locks.acquire(txn.id, name, mode)
        return self._table(name)  # it may have been dropped while we waited

    def _ddl(self, stmt: sql.CreateTable | sql.DropTable | sql.CreateIndex, txn: Transaction) -> Result:
        if isinstance(stmt, sql.CreateTable):
            self._locks.acquire(txn.id, stmt.name, "X")
            if stmt.name in self._tables:
                raise error(1050, f"Table '{stmt.name}' already exists")
            names: set[str] = set()
            for c in stmt.columns:
                if c.name in names:
                    raise error(1060, f"Duplicate column name '{c.name}'")
                names.add(c.name)
            if sum(c.primary_key for c in stmt.columns) > 1:
                raise error(1068, "Multiple primary key defined")
            columns = [ColumnInfo(c.name, "TEXT" if c.type == "VARCHAR" else c.type, c.length, c.primary_key,
                                  c.primary_key or c.not_null) for c in stmt.columns]
            op: list[Any] = ["create", stmt.name, [[c.name, c.type, c.length, c.primary_key, c.not_null]
                                                  for c in columns]]
        elif isinstance(stmt, sql.DropTable):
            if stmt.name not in self._tables:
                raise error(1051, f"Unknown table '{stmt.name}'")
            self._locks.acquire(txn.id, stmt.name, "X")
            if stmt.name not in self._tables:
                raise error(1051, f"Unknown table '{stmt.name}'")
            op = ["drop", stmt.name]
        else:
            table = self._lock(txn, stmt.table, "X")
            if stmt.column not in table.positions:
                raise error(1072, f"Key column '{stmt.column}' doesn't exist in table")
            if any(index.name == stmt.name for index in table.indexes):
                raise error(1061, f"Duplicate key name '{stmt.name}'")
            op = ["index", stmt.table, stmt.name, stmt.column]
        self._redo(op)
        txn.ddl.append(op)
        return Result()

    def _select(self, stmt: sql.Select, txn: Transaction, explain: bool = False) -> Result:
        table = self._lock(txn, stmt.table, "S")
        if stmt.columns is None:
            outputs = [(c.name, c.type, operator.itemgetter(i)) for i, c in enumerate(table.columns)]
        else:
            outputs = [(expr_name(e), *compile_expr(e, table)) for e in stmt.columns]
        keep = compile_where(stmt.where, table)
        order = [(compile_expr(item.expr, table)[1], item.descending) for item in stmt.order_by]
        chosen = plan(table, stmt.where)
        if explain:
            extra = "Using where" if len(conjuncts(stmt.where)) > chosen.covered else None
            row = (1, "SIMPLE", table.name, chosen.type, ",".join(chosen.possible_keys) or None, chosen.key,
                   len(chosen.rowids), extra)
            return Result(EXPLAIN_COLUMNS, EXPLAIN_TYPES, (row,))
        rows = [row for row in (table.rows[rowid] for rowid in chosen.rowids) if keep(row)]
        for fn, descending in reversed(order):  # stable sorts, last key first; NULL sorts lowest
            rows.sort(key=lambda row, fn=fn: (0, 0) if (v := fn(row)) is None else (1, v), reverse=descending)
        start = stmt.offset or 0
        if stmt.limit is not None:
            rows = rows[start:start + stmt.limit]
        out = tuple(tuple(fn(row) for _, _, fn in outputs) for row in rows)
        return Result(tuple(name for name, _, _ in outputs), tuple(OUT_TYPE[t] for _, t, _ in outputs), out,
                      rows_examined=len(chosen.rowids))

    def _insert(self, stmt: sql.Insert, txn: Transaction) -> Result:
        table = self._lock(txn, stmt.table, "X")
        names = [c.name for c in table.columns] if stmt.columns is None else list(stmt.columns)
        positions = [table.column(name) for name in names]
        if len(set(names)) < len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise error(1110, f"Column '{twice}' specified twice")
        for column in table.columns:
            if column.not_null and column.name not in names:
                raise error(1364, f"Field '{column.name}' doesn't have a default value")
        compiled = []
        for number, values in enumerate(stmt.rows, 1):
            if len(values) != len(names):
                raise error(1136, f"Column count doesn't match value count at row {number}")
            fns = []
            for position, value in zip(positions, values, strict=True):
                t, fn = compile_expr(value, None)
                storable(table.columns[position], t)
                fns.append(fn)
            compiled.append(fns)
        new_rows = []
        for number, fns in enumerate(compiled, 1):
            row: list[Any] = [None] * len(table.columns)
            for position, fn in zip(positions, fns, strict=True):
                row[position] = fn(())
            new_rows.append(tuple(coerce(c, v, number) for c, v in zip(table.columns, row, strict=True)))
        primary = table.primary
        if primary is not None:
            seen: set[Any] = set()
            for row in new_rows:
                key = row[primary.position]
                if key in seen or key in primary.buckets:
                    raise error(1062, f"Duplicate entry '{key}' for key 'PRIMARY'")
                seen.add(key)
        for row in new_rows:
            rowid = table.next_rowid
            table.insert(rowid, row)
            txn.changes.append(Change("insert", table, rowid, None, row))
        return Result(affected_rows=len(new_rows))

    def _update(self, stmt: sql.Update, txn: Transaction) -> Result:
        table = self._lock(txn, stmt.table, "X")
        assignments = []
        for a in stmt.assignments:
            position = table.column(a.column)
            t, fn = compile_expr(a.value, table)
            storable(table.columns[position], t)
            assignments.append((position, fn))
        keep = compile_where(stmt.where, table)
        chosen = plan(table, stmt.where)
        changed: dict[int, tuple[Any, ...]] = {}
        matched = [rowid for rowid in chosen.rowids if keep(table.rows[rowid])]
        for number, rowid in enumerate(matched, 1):
            old = table.rows[rowid]
            new = list(old)
            for position, fn in assignments:  # left to right: later ones see earlier ones (MySQL)
                new[position] = coerce(table.columns[position], fn(new), number)
            if tuple(new) != old:
                changed[rowid] = tuple(new)
        primary = table.primary
        if primary is not None:  # unique once the statement is done, whatever order rows change in
            seen: set[Any] = set()
            for row in changed.values():
                key = row[primary.position]
                owners = primary.buckets.get(key, set())
                if key in seen or any(owner not in changed for owner in owners):
                    raise error(1062, f"Duplicate entry '{key}' for key 'PRIMARY'")
                seen.add(key)
        for rowid, row in changed.items():
            txn.changes.append(Change("update", table, rowid, table.rows[rowid], row))
            table.replace(rowid, row)
        return Result(affected_rows=len(changed), rows_examined=len(chosen.rowids))

    def _delete(self, stmt: sql.Delete, txn: Transaction) -> Result:
        table = self._lock(txn, stmt.table, "X")
        keep = compile_where(stmt.where, table)
        chosen = plan(table, stmt.where)
        matched = [rowid for rowid in chosen.rowids if keep(table.rows[rowid])]
        for rowid in matched:
            txn.changes.append(Change("delete", table, rowid, table.delete(rowid), None))
        return Result(affected_rows=len(matched), rows_examined=len(chosen.rowids))

    def _execute(self, stmt: sql.Statement, txn: Transaction) -> Result:
        if isinstance(stmt, sql.Select):
            return self._select(stmt, txn)
        if isinstance(stmt, sql.Explain):
            return self._select(stmt.statement, txn, explain=True)
        if isinstance(stmt, sql.Insert):
            return self._insert(stmt, txn)
        if isinstance(stmt, sql.Update):
            return self._update(stmt, txn)
        if isinstance(stmt, sql.Delete):
            return self._delete(stmt, txn)
        return self._ddl(stmt, txn)  # type: ignore[arg-type]


class Session:
    """One client's connection: statements run one at a time, in the session's transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._txn: Transaction | None = None  # the open BEGIN ... transaction
        self._closed = False

    @property
    def in_transaction(self) -> bool:
        return self._txn is not None

    def execute(self, sql_text: str) -> Result:
        if not isinstance(sql_text, str):
            raise TypeError(f"execute() takes one SQL statement as a str, not {type(sql_text).__name__}")
        try:
            stmt = sql.parse(sql_text)
        except sql.SqlSyntaxError as exc:
            raise DatabaseError(1064, "42000", f"You have an error in your SQL syntax; {exc.message} "
                                               f"at line {exc.line}") from None
        if too_deep(stmt):
            raise error(1436, f"Thread stack overrun: an expression nests more than {MAX_EXPRESSION_DEPTH} levels")
        db = self._db
        with db._mutex:
            if self._closed or db._closed:
                raise error(2006, "MySQL server has gone away")
            if isinstance(stmt, sql.Begin):
                self._end(commit=True)  # BEGIN inside a transaction commits it first (as MySQL)
                self._txn = db._begin(explicit=True)
                return Result()
            if isinstance(stmt, sql.Commit | sql.Rollback):
                self._end(commit=isinstance(stmt, sql.Commit))
                return Result()
            if isinstance(stmt, sql.CreateTable | sql.DropTable | sql.CreateIndex):
                self._end(commit=True)  # DDL commits the open transaction (an implicit commit)
            txn = self._txn or db._begin(explicit=False)
            mark = len(txn.changes)
            try:
                result = db._execute(stmt, txn)
            except Deadlock:
                db._rollback(txn)  # the victim loses its whole transaction
                self._txn = None
                raise
            except DatabaseError:
                db._undo(txn, mark)  # only this statement is undone
                if not txn.explicit:
                    db._locks.release_all(txn.id)
                raise
            if not txn.explicit:
                db._commit(txn)
            else:
                db._locks.release_all(txn.id)  # the statement is done with its table
            return result

    def _end(self, *, commit: bool) -> None:
        """Commit or roll back the open transaction, if any (called with the mutex held)."""
        txn, self._txn = self._txn, None
        if txn is not None:
            if commit:
                self._db._commit(txn)
            else:
                self._db._rollback(txn)

    def close(self) -> None:
        with self._db._mutex:
            if not self._closed and not self._db._closed:
                self._end(commit=False)
            self._closed = True
            self._db._sessions.discard(self)
