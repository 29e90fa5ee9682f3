"""An alternative solution: a statement log, before-images, and an interpreter.

Written differently from the reference on purpose:

- **Redo by statement.** A COMMIT appends one record holding the SQL text of the transaction's
  successful write statements (MySQL's binlog in STATEMENT format); opening the database
  re-executes them in commit order. Under strict 2PL, replaying committed transactions one after
  another in commit order gives the same state, because conflicting transactions were already
  serialized in that order.
- **Undo by before-images.** Instead of a log of changes, a transaction keeps, per row it
  touched, the row as it was before its first change; a statement keeps its own such map as a
  savepoint.
- **An interpreter.** Expressions are evaluated by a recursive function over the tree with the
  row as a dict; their types come from a separate recursive pass. A RecursionError on absurdly
  deep expressions becomes error 1436.
- **Locks** are a map table -> {transaction: mode} plus one global FIFO list of waiting requests;
  the waits-for graph is derived from them whenever a request has to wait.
"""

from __future__ import annotations

import bisect
import json
import math
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from minimysql import sql
from minimysql.storage import File, Storage


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


STATES = {1048: "23000", 1050: "42S01", 1051: "42S02", 1054: "42S22", 1060: "42S21", 1061: "42000",
          1062: "23000", 1068: "42000", 1072: "42000", 1110: "42000", 1136: "21S01", 1146: "42S02",
          1264: "22003", 1364: "HY000", 1366: "HY000", 1406: "22001", 1436: "HY000", 1690: "22003",
          2006: "HY000"}


def fail(code: int, message: str) -> DatabaseError:
    return DatabaseError(code, STATES[code], message)


BIG = 2**63
MAGIC = b"TX"
HEAD = struct.Struct("<2sII")  # magic, payload length, crc32(payload)


# -- schema and storage of rows ------------------------------------------------------------------------

@dataclass
class Col:
    name: str
    kind: str  # INT FLOAT TEXT BOOL
    limit: int | None
    key: bool
    required: bool


class Key:
    """value -> rowids, plus the sorted distinct values, rebuilt only when a range asks after a change."""

    def __init__(self, name: str, column: int) -> None:
        self.name = name
        self.column = column
        self.entries: dict[Any, set[int]] = {}
        self._sorted: list[Any] | None = []

    def put(self, value: Any, rowid: int) -> None:
        if value is not None:
            if value not in self.entries:
                self._sorted = None
            self.entries.setdefault(value, set()).add(rowid)

    def drop(self, value: Any, rowid: int) -> None:
        if value is not None:
            ids = self.entries[value]
            ids.discard(rowid)
            if not ids:
                del self.entries[value]
                self._sorted = None

    def equal(self, value: Any) -> list[int]:
        return [] if value is None else sorted(self.entries.get(value, ()))

    def between(self, lows: list[tuple[Any, bool]], highs: list[tuple[Any, bool]]) -> list[int]:
        if self._sorted is None:
            self._sorted = sorted(self.entries)
        values = self._sorted
        lo, hi = 0, len(values)
        for value, inclusive in lows:
            lo = max(lo, bisect.bisect_left(values, value) if inclusive else bisect.bisect_right(values, value))
        for value, inclusive in highs:
            hi = min(hi, bisect.bisect_right(values, value) if inclusive else bisect.bisect_left(values, value))
        return [rowid for value in values[lo:hi] for rowid in sorted(self.entries[value])]


class Relation:
    def __init__(self, name: str, cols: list[Col]) -> None:
        self.name = name
        self.cols = cols
        self.where = {c.name: i for i, c in enumerate(cols)}
        self.data: dict[int, tuple[Any, ...]] = {}
        self.counter = 0
        self.keys = [Key("PRIMARY", i) for i, c in enumerate(cols) if c.key]

    def position(self, name: str) -> int:
        if name not in self.where:
            raise fail(1054, f"Unknown column '{name}' in 'field list'")
        return self.where[name]

    def primary(self) -> Key | None:
        return self.keys[0] if self.keys and self.keys[0].name == "PRIMARY" else None

    def set(self, rowid: int, row: tuple[Any, ...] | None) -> None:
        """Make ``rowid`` hold ``row`` (None: no row), keeping every key in step."""
        old = self.data.get(rowid)
        for key in self.keys:
            if old is not None:
                key.drop(old[key.column], rowid)
            if row is not None:
                key.put(row[key.column], rowid)
        if row is None:
            self.data.pop(rowid, None)
        else:
            self.data[rowid] = row


# -- types and values ----------------------------------------------------------------------------------

def kind_of_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT"
    if isinstance(value, float):
        return "FLOAT"
    return "TEXT"


def is_number(kind: str) -> bool:
    return kind != "TEXT"


def name_of(e: sql.Expr) -> str:
    if isinstance(e, sql.Column):
        return e.name
    text = sql.format_sql(sql.Select(columns=(e,), table="t", where=None, order_by=(), limit=None, offset=None))
    return text[7:-7]


def infer(e: sql.Expr, rel: Relation | None) -> str:
    """The static type of ``e``; raises 1054 and 1366."""
    if isinstance(e, sql.Literal):
        return kind_of_literal(e.value)
    if isinstance(e, sql.Column):
        if rel is None:
            raise fail(1054, f"Unknown column '{e.name}' in 'field list'")
        return rel.cols[rel.position(e.name)].kind
    if isinstance(e, sql.Unary):
        inner = infer(e.operand, rel)
        if not is_number(inner):
            raise fail(1366, f"Incorrect argument to {e.op}: TEXT")
        return "BOOL" if e.op == "NOT" else ("INT" if inner == "BOOL" else inner)
    if isinstance(e, sql.Binary):
        left, right = infer(e.left, rel), infer(e.right, rel)
        if e.op in ("=", "!=", "<", "<=", ">", ">="):
            same_family = is_number(left) == is_number(right)
            if not (same_family or "NULL" in (left, right)):
                raise fail(1366, f"Cannot compare {left} with {right}")
            return "BOOL"
        if not is_number(left) or not is_number(right):
            raise fail(1366, f"Incorrect argument to {e.op}: TEXT")
        if e.op in ("AND", "OR"):
            return "BOOL"
        if left == right == "NULL":
            return "NULL"
        if e.op == "/" or "FLOAT" in (left, right):
            return "FLOAT"
        return "INT"
    if isinstance(e, sql.IsNull):
        infer(e.operand, rel)
        return "BOOL"
    if isinstance(e, sql.InList | sql.Between):
        main = infer(e.operand, rel)
        others = list(e.items) if isinstance(e, sql.InList) else [e.low, e.high]
        for other in others:
            kind = infer(other, rel)
            if is_number(kind) != is_number(main) and "NULL" not in (kind, main):
                raise fail(1366, f"Cannot compare {main} with {kind}")
        return "BOOL"
    raise TypeError(e)


def in_range(value: Any, e: sql.Expr) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -BIG <= value < BIG:
        raise fail(1690, f"BIGINT value is out of range in '{name_of(e)}'")
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise fail(1690, f"DOUBLE value is out of range in '{name_of(e)}'")
    return value


def as_truth(value: Any) -> bool | None:
    return None if value is None else bool(value != 0)


def evaluate(e: sql.Expr, row: dict[str, Any]) -> Any:
    """The value of ``e`` on ``row`` (a dict column -> value), three-valued."""
    if isinstance(e, sql.Literal):
        return e.value
    if isinstance(e, sql.Column):
        return row[e.name]
    if isinstance(e, sql.Unary):
        v = evaluate(e.operand, row)
        if v is None:
            return None
        return (not as_truth(v)) if e.op == "NOT" else in_range(-int(v) if isinstance(v, bool) else -v, e)
    if isinstance(e, sql.Binary):
        op = e.op
        if op == "AND":
            a = as_truth(evaluate(e.left, row))
            if a is False:
                return False
            b = as_truth(evaluate(e.right, row))
            return False if b is False else (None if None in (a, b) else True)
        if op == "OR":
            a = as_truth(evaluate(e.left, row))
            if a is True:
                return True
            b = as_truth(evaluate(e.right, row))
            return True if b is True else (None if None in (a, b) else False)
        a, b = evaluate(e.left, row), evaluate(e.right, row)
        if a is None or b is None:
            return None
        if op == "=":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
        a = int(a) if isinstance(a, bool) else a
        b = int(b) if isinstance(b, bool) else b
        if op == "/":
            return None if b == 0 else in_range(a / b if isinstance(a, float) or isinstance(b, float)
                                                else float(a) / float(b), e)
        return in_range(a + b if op == "+" else a - b if op == "-" else a * b, e)
    if isinstance(e, sql.IsNull):
        return (evaluate(e.operand, row) is None) is not e.negated
    if isinstance(e, sql.InList):
        v = evaluate(e.operand, row)
        items = [evaluate(item, row) for item in e.items]
        if v is None:
            return None
        hit: bool | None = True if v in [i for i in items if i is not None] else (None if None in items else False)
        return hit if hit is None or not e.negated else not hit
    if isinstance(e, sql.Between):
        v, lo, hi = evaluate(e.operand, row), evaluate(e.low, row), evaluate(e.high, row)
        low_ok = None if v is None or lo is None else v >= lo
        high_ok = None if v is None or hi is None else v <= hi
        both = False if False in (low_ok, high_ok) else (None if None in (low_ok, high_ok) else True)
        return both if both is None or not e.negated else not both
    raise TypeError(e)


def names_in(e: sql.Expr) -> bool:
    """Whether ``e`` reads any column."""
    if isinstance(e, sql.Column):
        return True
    if isinstance(e, sql.Literal):
        return False
    parts: list[sql.Expr] = []
    if isinstance(e, sql.Unary | sql.IsNull):
        parts = [e.operand]
    elif isinstance(e, sql.Binary):
        parts = [e.left, e.right]
    elif isinstance(e, sql.InList):
        parts = [e.operand, *e.items]
    elif isinstance(e, sql.Between):
        parts = [e.operand, e.low, e.high]
    return any(names_in(p) for p in parts)


def fit(col: Col, value: Any, n: int) -> Any:
    """``value`` stored in ``col``."""
    if value is None:
        if col.required:
            raise fail(1048, f"Column '{col.name}' cannot be null")
        return None
    if col.kind == "TEXT":
        if col.limit is not None and len(value) > col.limit:
            raise fail(1406, f"Data too long for column '{col.name}' at row {n}")
        return value
    if col.kind == "BOOL":
        return value != 0
    if col.kind == "FLOAT":
        return float(value)
    if isinstance(value, float):
        value = int(math.copysign(math.floor(abs(value) + 0.5), value)) if math.isfinite(value) else BIG
    value = int(value)
    if not -BIG <= value < BIG:
        raise fail(1264, f"Out of range value for column '{col.name}' at row {n}")
    return value


def check_fits(col: Col, kind: str) -> None:
    if kind != "NULL" and (col.kind == "TEXT") != (kind == "TEXT"):
        raise fail(1366, f"Incorrect value of type {kind} for column '{col.name}'")


# -- planning --------------------------------------------------------------------------------------------

FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


@dataclass
class Access:
    type: str
    key: str | None
    candidates: list[str]
    rowids: list[int]
    used: int


def split_and(e: sql.Expr | None) -> list[sql.Expr]:
    out: list[sql.Expr] = []
    todo = [e] if e is not None else []
    while todo:
        item = todo.pop()
        if isinstance(item, sql.Binary) and item.op == "AND":
            todo += [item.right, item.left]
        else:
            out.append(item)
    return out


def access(rel: Relation, where: sql.Expr | None) -> Access:
    parts = split_and(where)
    usable: list[tuple[str, str, list[tuple[str, sql.Expr]]]] = []  # (column, op kind, comparisons)
    for part in parts:
        if isinstance(part, sql.Between) and not part.negated and isinstance(part.operand, sql.Column) \
                and not names_in(part.low) and not names_in(part.high):
            usable.append((part.operand.name, "range", [(">=", part.low), ("<=", part.high)]))
        elif isinstance(part, sql.Binary) and part.op in FLIP:
            if isinstance(part.left, sql.Column) and not names_in(part.right):
                column, op, other = part.left.name, part.op, part.right
            elif isinstance(part.right, sql.Column) and not names_in(part.left):
                column, op, other = part.right.name, FLIP[part.op], part.left
            else:
                continue
            usable.append((column, "eq" if op == "=" else "range", [(op, other)]))
    keys_of: dict[str, list[Key]] = {}
    for key in rel.keys:
        keys_of.setdefault(rel.cols[key.column].name, []).append(key)
    usable = [u for u in usable if u[0] in keys_of]
    names = [k.name for k in rel.keys if any(rel.cols[k.column].name == u[0] for u in usable)]
    empty: dict[str, Any] = {}
    pk = rel.primary()
    eqs = [u for u in usable if u[1] == "eq"]
    for column, _, comparisons in eqs:
        if pk is not None and rel.cols[pk.column].name == column:
            return Access("const", "PRIMARY", names, pk.equal(evaluate(comparisons[0][1], empty)), 1)
    for column, _, comparisons in eqs:
        key = keys_of[column][0]
        return Access("ref", key.name, names, key.equal(evaluate(comparisons[0][1], empty)), 1)
    ranges = [u for u in usable if u[1] == "range"]
    if ranges:
        column = ranges[0][0]
        mine = [u for u in ranges if u[0] == column]
        lows: list[tuple[Any, bool]] = []
        highs: list[tuple[Any, bool]] = []
        nothing = False
        for _, _, comparisons in mine:
            for op, e in comparisons:
                value = evaluate(e, empty)
                if value is None:
                    nothing = True
                elif op in (">", ">="):
                    lows.append((value, op == ">="))
                else:
                    highs.append((value, op == "<="))
        key = keys_of[column][0]
        return Access("range", key.name, names, [] if nothing else key.between(lows, highs), len(mine))
    return Access("ALL", None, names, list(rel.data), 0)


# -- locks -------------------------------------------------------------------------------------------------

@dataclass
class Request:
    tid: int
    table: str
    mode: str
    seq: int


class LockTable:
    def __init__(self, cond: threading.Condition, timeout: float) -> None:
        self.cond = cond
        self.timeout = timeout
        self.granted: dict[str, dict[int, str]] = {}
        self.waiting: list[Request] = []  # FIFO over all tables
        self.seq = 0

    def _conflicts(self, req: Request) -> set[int]:
        holders = self.granted.get(req.table, {})
        out = {tid for tid, mode in holders.items() if tid != req.tid and "X" in (mode, req.mode)}
        if req.tid not in holders:  # newcomers line up behind earlier conflicting waiters
            out |= {w.tid for w in self.waiting if w.table == req.table and w.seq < req.seq
                    and w.tid != req.tid and "X" in (w.mode, req.mode)}
        return out

    def _deadlocked(self, req: Request) -> bool:
        """Follow waits-for edges from ``req``'s transaction; a path back to it is a cycle."""
        by_tid = {w.tid: w for w in self.waiting}
        frontier, seen = list(self._conflicts(req)), set()
        while frontier:
            tid = frontier.pop()
            if tid == req.tid:
                return True
            if tid in seen or tid not in by_tid:
                continue
            seen.add(tid)
            frontier.extend(self._conflicts(by_tid[tid]))
        return False

    def lock(self, tid: int, table: str, mode: str) -> None:
        have = self.granted.get(table, {}).get(tid)
        if have == "X" or have == mode:
            return
        self.seq += 1
        req = Request(tid, table, mode, self.seq)
        give_up = time.monotonic() + self.timeout
        waiting = False
        try:
            while self._conflicts(req):
                if not waiting:
                    self.waiting.append(req)
                    waiting = True
                if self._deadlocked(req):
                    raise Deadlock()
                left = give_up - time.monotonic()
                if left <= 0:
                    raise LockWaitTimeout()
                self.cond.wait(left)
        finally:
            if waiting:
                self.waiting.remove(req)
                self.cond.notify_all()
        self.granted.setdefault(table, {})[tid] = mode

    def unlock_all(self, tid: int) -> None:
        for holders in self.granted.values():
            holders.pop(tid, None)
        self.cond.notify_all()


# -- the engine ------------------------------------------------------------------------------------------

@dataclass
class Txn:
    tid: int
    explicit: bool
    before: dict[tuple[str, int], tuple[Any, ...] | None] = field(default_factory=dict)
    statements: list[str] = field(default_factory=list)  # SQL of the successful writes, for the log


class Engine:
    """Executes statements on the relations; ``journal`` (a dict) receives before-images of rows changed."""

    def __init__(self) -> None:
        self.relations: dict[str, Relation] = {}

    def relation(self, name: str) -> Relation:
        if name not in self.relations:
            raise fail(1146, f"Table '{name}' doesn't exist")
        return self.relations[name]

    @staticmethod
    def change(rel: Relation, rowid: int, row: tuple[Any, ...] | None,
               journal: dict[tuple[str, int], tuple[Any, ...] | None]) -> None:
        journal.setdefault((rel.name, rowid), rel.data.get(rowid))
        rel.set(rowid, row)

    def run(self, stmt: sql.Statement, journal: dict[tuple[str, int], tuple[Any, ...] | None]) -> Result:
        if isinstance(stmt, sql.CreateTable):
            return self.create(stmt)
        if isinstance(stmt, sql.DropTable):
            if stmt.name not in self.relations:
                raise fail(1051, f"Unknown table '{stmt.name}'")
            del self.relations[stmt.name]
            return Result()
        if isinstance(stmt, sql.CreateIndex):
            rel = self.relation(stmt.table)
            if stmt.column not in rel.where:
                raise fail(1072, f"Key column '{stmt.column}' doesn't exist in table")
            if any(k.name == stmt.name for k in rel.keys):
                raise fail(1061, f"Duplicate key name '{stmt.name}'")
            key = Key(stmt.name, rel.where[stmt.column])
            for rowid, row in rel.data.items():
                key.put(row[key.column], rowid)
            rel.keys.append(key)
            return Result()
        if isinstance(stmt, sql.Insert):
            return self.insert(stmt, journal)
        if isinstance(stmt, sql.Update):
            return self.update(stmt, journal)
        if isinstance(stmt, sql.Delete):
            rel = self.relation(stmt.table)
            self.check_where(stmt.where, rel)
            path = access(rel, stmt.where)
            doomed = [r for r in path.rowids if self.keeps(stmt.where, rel, rel.data[r])]
            for rowid in doomed:
                self.change(rel, rowid, None, journal)
            return Result(affected_rows=len(doomed), rows_examined=len(path.rowids))
        if isinstance(stmt, sql.Explain):
            return self.select(stmt.statement, explain=True)
        if isinstance(stmt, sql.Select):
            return self.select(stmt)
        raise TypeError(stmt)

    def create(self, stmt: sql.CreateTable) -> Result:
        if stmt.name in self.relations:
            raise fail(1050, f"Table '{stmt.name}' already exists")
        seen = set()
        for c in stmt.columns:
            if c.name in seen:
                raise fail(1060, f"Duplicate column name '{c.name}'")
            seen.add(c.name)
        if len([c for c in stmt.columns if c.primary_key]) > 1:
            raise fail(1068, "Multiple primary key defined")
        cols = [Col(c.name, "TEXT" if c.type == "VARCHAR" else c.type, c.length, c.primary_key,
                    c.primary_key or c.not_null) for c in stmt.columns]
        self.relations[stmt.name] = Relation(stmt.name, cols)
        return Result()

    @staticmethod
    def env(rel: Relation, row: tuple[Any, ...]) -> dict[str, Any]:
        return {c.name: v for c, v in zip(rel.cols, row, strict=True)}

    def keeps(self, where: sql.Expr | None, rel: Relation, row: tuple[Any, ...]) -> bool:
        return where is None or as_truth(evaluate(where, self.env(rel, row))) is True

    @staticmethod
    def check_where(where: sql.Expr | None, rel: Relation) -> None:
        if where is not None and infer(where, rel) == "TEXT":
            raise fail(1366, "a TEXT value is not a truth value in WHERE")

    def select(self, stmt: sql.Select, explain: bool = False) -> Result:
        rel = self.relation(stmt.table)
        exprs = list(stmt.columns) if stmt.columns is not None else [sql.Column(c.name) for c in rel.cols]
        kinds = [infer(e, rel) for e in exprs]
        self.check_where(stmt.where, rel)
        for item in stmt.order_by:
            infer(item.expr, rel)
        path = access(rel, stmt.where)
        if explain:
            extra = "Using where" if len(split_and(stmt.where)) > path.used else None
            return Result(("id", "select_type", "table", "type", "possible_keys", "key", "rows", "Extra"),
                          ("INT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "INT", "TEXT"),
                          ((1, "SIMPLE", rel.name, path.type, ",".join(path.candidates) or None, path.key,
                            len(path.rowids), extra),))
        envs = [self.env(rel, rel.data[r]) for r in path.rowids]
        envs = [env for env in envs if stmt.where is None or as_truth(evaluate(stmt.where, env)) is True]
        keyed = [([evaluate(item.expr, env) for item in stmt.order_by], env) for env in envs]
        for i in reversed(range(len(stmt.order_by))):
            keyed.sort(key=lambda pair, i=i: (pair[0][i] is not None, pair[0][i] if pair[0][i] is not None else 0),
                       reverse=stmt.order_by[i].descending)
        chosen = [env for _, env in keyed]
        if stmt.limit is not None:
            chosen = chosen[(stmt.offset or 0):(stmt.offset or 0) + stmt.limit]
        rows = tuple(tuple(evaluate(e, env) for e in exprs) for env in chosen)
        return Result(tuple(name_of(e) for e in exprs), tuple("TEXT" if k == "NULL" else k for k in kinds), rows,
                      rows_examined=len(path.rowids))

    def insert(self, stmt: sql.Insert, journal: dict[tuple[str, int], tuple[Any, ...] | None]) -> Result:
        rel = self.relation(stmt.table)
        named = list(stmt.columns) if stmt.columns is not None else [c.name for c in rel.cols]
        spots = [rel.position(n) for n in named]
        for n in named:
            if named.count(n) > 1:
                raise fail(1110, f"Column '{n}' specified twice")
        for c in rel.cols:
            if c.required and c.name not in named:
                raise fail(1364, f"Field '{c.name}' doesn't have a default value")
        for n, values in enumerate(stmt.rows, 1):
            if len(values) != len(named):
                raise fail(1136, f"Column count doesn't match value count at row {n}")
            for spot, value in zip(spots, values, strict=True):
                check_fits(rel.cols[spot], infer(value, None))
        built = []
        for n, values in enumerate(stmt.rows, 1):
            row = [None] * len(rel.cols)
            for spot, value in zip(spots, values, strict=True):
                row[spot] = evaluate(value, {})
            built.append(tuple(fit(c, v, n) for c, v in zip(rel.cols, row, strict=True)))
        pk = rel.primary()
        if pk is not None:
            keys = [row[pk.column] for row in built]
            for k in keys:
                if keys.count(k) > 1 or k in pk.entries:
                    raise fail(1062, f"Duplicate entry '{k}' for key 'PRIMARY'")
        for row in built:
            rel.counter += 1
            self.change(rel, rel.counter, row, journal)
        return Result(affected_rows=len(built))

    def update(self, stmt: sql.Update, journal: dict[tuple[str, int], tuple[Any, ...] | None]) -> Result:
        rel = self.relation(stmt.table)
        for a in stmt.assignments:
            check_fits(rel.cols[rel.position(a.column)], infer(a.value, rel))
        self.check_where(stmt.where, rel)
        path = access(rel, stmt.where)
        new_rows: dict[int, tuple[Any, ...]] = {}
        for n, rowid in enumerate([r for r in path.rowids if self.keeps(stmt.where, rel, rel.data[r])], 1):
            env = self.env(rel, rel.data[rowid])
            for a in stmt.assignments:
                env[a.column] = fit(rel.cols[rel.where[a.column]], evaluate(a.value, env), n)
            row = tuple(env[c.name] for c in rel.cols)
            if row != rel.data[rowid]:
                new_rows[rowid] = row
        pk = rel.primary()
        if pk is not None:  # the keys the changed rows will have, against each other and the rows kept
            taken: set[Any] = set()
            for row in new_rows.values():
                key = row[pk.column]
                if key in taken or pk.entries.get(key, set()) - new_rows.keys():
                    raise fail(1062, f"Duplicate entry '{key}' for key 'PRIMARY'")
                taken.add(key)
        for rowid in new_rows:  # two passes keep the keys right when rows swap key values
            self.change(rel, rowid, None, journal)
        for rowid, row in new_rows.items():
            rel.set(rowid, row)
        return Result(affected_rows=len(new_rows), rows_examined=len(path.rowids))


class Database:
    def __init__(self, storage: Storage, *, lock_timeout: float = 5.0) -> None:
        if type(lock_timeout) not in (int, float) or lock_timeout <= 0:
            raise ValueError("lock_timeout must be a positive number of seconds")
        self.engine = Engine()
        self.cond = threading.Condition()
        self.locks = LockTable(self.cond, float(lock_timeout))
        self.tids = 0
        self.open = True
        self.sessions: list[Session] = []
        self.log: File = storage.open("statements.log")
        self._replay()

    def _replay(self) -> None:
        data = self.log.read_at(0, self.log.size())
        at = 0
        while at + HEAD.size <= len(data):
            magic, length, crc = HEAD.unpack_from(data, at)
            body = data[at + HEAD.size:at + HEAD.size + length]
            if magic != MAGIC or len(body) != length or zlib.crc32(body) != crc:
                break
            for text in json.loads(body.decode()):
                self.engine.run(sql.parse(text), {})
            at += HEAD.size + length
        if at != len(data):
            self.log.truncate(at)
            self.log.sync()

    def session(self) -> Session:
        with self.cond:
            if not self.open:
                raise fail(2006, "MySQL server has gone away")
            s = Session(self)
            self.sessions.append(s)
            return s

    def close(self) -> None:
        with self.cond:
            if self.open:
                for s in self.sessions:
                    s._finish(False)
                self.open = False
                self.log.close()

    def new_txn(self, explicit: bool) -> Txn:
        self.tids += 1
        return Txn(self.tids, explicit)

    def restore(self, journal: dict[tuple[str, int], tuple[Any, ...] | None]) -> None:
        for (name, rowid), row in journal.items():
            rel = self.engine.relations.get(name)
            if rel is not None:
                rel.set(rowid, row)
        journal.clear()

    def finish(self, txn: Txn, commit: bool) -> None:
        if commit and txn.statements:
            body = json.dumps(txn.statements).encode()
            self.log.append(HEAD.pack(MAGIC, len(body), zlib.crc32(body)) + body)
            self.log.sync()
        elif not commit:
            self.restore(txn.before)
        self.locks.unlock_all(txn.tid)


WRITES = (sql.Insert, sql.Update, sql.Delete, sql.CreateTable, sql.DropTable, sql.CreateIndex)


class Session:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.txn: Txn | None = None
        self.closed = False

    @property
    def in_transaction(self) -> bool:
        return self.txn is not None

    def _finish(self, commit: bool) -> None:
        if self.txn is not None:
            txn, self.txn = self.txn, None
            self.db.finish(txn, commit)

    def execute(self, sql_text: str) -> Result:
        if type(sql_text) is not str:
            raise TypeError("execute() takes a str")
        try:
            stmt = sql.parse(sql_text)
        except sql.SqlSyntaxError as exc:
            raise DatabaseError(1064, "42000", f"You have an error in your SQL syntax; {exc.message}") from None
        return self._execute(stmt, sql_text)

    def _execute(self, stmt: sql.Statement, text: str) -> Result:
        db = self.db
        with db.cond:
            if self.closed or not db.open:
                raise fail(2006, "MySQL server has gone away")
            if isinstance(stmt, sql.Begin | sql.Commit | sql.Rollback):
                self._finish(not isinstance(stmt, sql.Rollback))
                if isinstance(stmt, sql.Begin):
                    self.txn = db.new_txn(True)
                return Result()
            if isinstance(stmt, sql.CreateTable | sql.DropTable | sql.CreateIndex):
                self._finish(True)
            txn = self.txn or db.new_txn(False)
            journal: dict[tuple[str, int], tuple[Any, ...] | None] = {}
            try:
                self._lock(stmt, txn)
                try:
                    result = db.engine.run(stmt, journal)
                except RecursionError:  # an expression too deep for the interpreter's recursion
                    raise fail(1436, "Thread stack overrun: the expression nests too deeply") from None
            except Deadlock:
                db.restore(journal)
                db.finish(txn, commit=False)
                self.txn = None
                raise
            except DatabaseError:
                db.restore(journal)
                if not txn.explicit:
                    db.finish(txn, commit=False)
                raise
            for place, row in journal.items():
                txn.before.setdefault(place, row)
            if isinstance(stmt, WRITES) and (journal or isinstance(stmt, WRITES[3:])):
                txn.statements.append(text)
            if not txn.explicit:
                db.finish(txn, commit=True)
            return result

    def _lock(self, stmt: sql.Statement, txn: Txn) -> None:
        engine, locks = self.db.engine, self.db.locks
        if isinstance(stmt, sql.Explain):
            stmt = stmt.statement
        if isinstance(stmt, sql.CreateTable | sql.DropTable):
            if isinstance(stmt, sql.DropTable) and stmt.name not in engine.relations:
                raise fail(1051, f"Unknown table '{stmt.name}'")
            locks.lock(txn.tid, stmt.name, "X")
            return
        name = stmt.table  # type: ignore[union-attr]
        engine.relation(name)
        locks.lock(txn.tid, name, "S" if isinstance(stmt, sql.Select) else "X")

    def close(self) -> None:
        with self.db.cond:
            if not self.closed and self.db.open:
                self._finish(False)
            self.closed = True
