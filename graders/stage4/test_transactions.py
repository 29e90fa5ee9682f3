"""Grader for stage4/transactions: a SQL database with sessions, BEGIN/COMMIT/ROLLBACK and strict 2PL.

Statements go through ``support/database_support.py``, which runs them in the learner's process
and hands back plain data: a ``Result`` as a dict, a ``DatabaseError`` as its class, code,
SQLSTATE and message. SQL semantics are checked against expected tables and a model (a
stateful hypothesis test); durability on a ``MemoryStorage`` (syncs counted, power cut at
seeded writes); isolation by scenarios of sessions on threads, each blocked statement detected
as waiting before the script goes on, so the order of events is fixed, not slept into.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from swai.grading import Figures, expect_raises, expect_true, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

SUPPORT = "database_support"
SCENARIO_TIMEOUT = 40.0
CODES = {1048: "23000", 1050: "42S01", 1051: "42S02", 1054: "42S22", 1060: "42S21", 1061: "42000", 1062: "23000",
         1064: "42000", 1068: "42000", 1072: "42000", 1110: "42000", 1136: "21S01", 1146: "42S02", 1205: "HY000",
         1213: "40001", 1264: "22003", 1364: "HY000", 1366: "HY000", 1406: "22001", 1436: "HY000", 1690: "22003"}

HINT_RESULT = ("execute() returns Result(columns, types, rows, affected_rows, rows_examined): SELECT * lists the "
               "table's columns in CREATE TABLE order; another expression is named as format_sql writes it; rows "
               "are tuples of int / float / str / bool / None; VARCHAR reads as TEXT.")
HINT_NULL = ("Three-valued logic: any comparison or arithmetic with NULL is NULL; NOT NULL is NULL; FALSE AND NULL "
             "is FALSE, TRUE OR NULL is TRUE; x IN (.., NULL) is NULL when no item matches; WHERE keeps a row "
             "only when the condition is TRUE. `/` always gives a FLOAT and x / 0 is NULL.")
HINT_TYPES = ("Type-check every expression before reading any row: numbers (INT, FLOAT, BOOL) mix with each "
              "other, TEXT only with TEXT (1366 otherwise). Storing converts: a FLOAT into an INT column rounds "
              "half away from zero, a number into BOOL is value != 0, VARCHAR(n) holds at most n characters (1406).")
HINT_CODES = ("Every error is a DatabaseError(code, sqlstate, message) with MySQL's numbers: see the README's table "
              "(1064 syntax, 1146 unknown table, 1054 unknown column, 1062 duplicate key, ...), and a message that "
              "names the table, column or key value concerned.")
HINT_ATOMIC = ("A statement is all or nothing: compute every new row first (INSERT and UPDATE check the primary key "
               "once all rows are computed), and only then change the table. If anything fails, nothing changed.")
HINT_UNDO = ("Keep an undo log per transaction: for every row inserted, deleted or updated, what it was before. "
             "ROLLBACK applies it backwards, and every index must be put back too (a deleted row re-enters each "
             "index, an updated row's keys revert).")
HINT_SAVEPOINT = ("Remember how long the undo log was when a statement started; when the statement fails, undo only "
                  "the entries after that mark. The transaction (and its locks) stays open.")
HINT_DURABLE = ("COMMIT must write the transaction's redo record and sync() it before it returns; a statement "
                "outside BEGIN commits the same way. Recovery replays every whole record, in order, and nothing "
                "else: uncommitted and rolled-back work is never written.")
HINT_RECOVERY = ("On open, read the log from the start and stop at the first record that is short or fails its "
                 "CRC (a torn commit); truncate the file there and sync, so the next commit's record follows the "
                 "last whole one. Log DDL (CREATE TABLE, CREATE INDEX, DROP TABLE) too.")
HINT_LOCKS = ("Strict two-phase locking: a statement takes a shared lock on the table it reads and an exclusive "
              "lock on the table it writes, and keeps it until COMMIT or ROLLBACK (a statement outside BEGIN: until "
              "it ends). A request waits while another transaction holds a conflicting lock.")
HINT_DEADLOCK = ("Before waiting, record whom you wait for (the holders of conflicting locks). If following those "
                 "edges leads back to you, the request closes a cycle: roll back the requester's whole "
                 "transaction and raise Deadlock (1213). Recompute the edges every time a waiter wakes up.")
HINT_PLAN = ("Plan from the WHERE's AND-ed conditions on a column against a constant: primary-key equality is "
             "const, indexed equality is ref, indexed <, <=, >, >=, BETWEEN is range (all of them on that column "
             "combined), else ALL. Execute exactly that plan and count the rows it reads as rows_examined; EXPLAIN "
             "reports the same plan and count.")


# -- calls into the subject ---------------------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    return subject.import_module(SUPPORT)


def memory(subject: Subject, **kwargs: Any) -> RemoteObject:
    return subject.import_module("storage_support").MemoryStorage(**kwargs)


def open_db(subject: Subject, storage: RemoteObject | None = None,
            lock_timeout: float = 5.0) -> tuple[RemoteObject, RemoteObject, RemoteObject]:
    """A Database on ``storage`` (a fresh MemoryStorage by default) and one session of it."""
    storage = storage if storage is not None else memory(subject)
    db = subject.import_module("minimysql.database").Database(storage, lock_timeout=lock_timeout)
    if not isinstance(db, RemoteObject):
        fail("Database(storage) should return a database object", expected="a Database instance", got=show(db),
             hint="Database(storage, lock_timeout=...) opens (or recovers) the database and returns it.")
    session = db.session()
    if not isinstance(session, RemoteObject):
        fail("db.session() should return a session object", expected="a Session instance", got=show(session),
             hint="session() returns a new Session of this database.")
    return storage, db, session


def run(subject: Subject, session: RemoteObject, sql: str) -> dict[str, Any]:
    out = subject.call(support(subject), "execute", [session, sql], {},
                       text=f"{session!r}.execute({show(sql, 160)})")
    if not isinstance(out, dict):
        fail("a statement could not be run", expected="a Result or a DatabaseError", got=show(out), hint=HINT_RESULT)
    return out


def brief(out: Any) -> str:
    """An outcome in one line: the result's rows and counts, or the error."""
    if not isinstance(out, dict):
        return show(out)
    if "error" in out:
        e = out["error"]
        if e.get("database_error"):
            return f"{e['type']} {e['code']} ({e['sqlstate']}): {show(e['message'], 100)}"
        return f"{e['type']} (not a DatabaseError): {show(e['text'], 100)}"
    if "hung" in out:
        return out["hung"]
    r = out["result"]
    if "bad_result" in r:
        return f"not a Result: {r['bad_result']}"
    parts = []
    if r["columns"]:
        parts.append(f"columns={show(r['columns'], 100)}, rows={show(r['rows'], 200)}")
    parts.append(f"affected_rows={r['affected_rows']!r}, rows_examined={r['rows_examined']!r}")
    return "Result(" + ", ".join(parts) + ")"


def ok(subject: Subject, session: RemoteObject, sql: str, hint: str = HINT_RESULT) -> dict[str, Any]:
    """Run ``sql``, which must succeed; its result as a dict."""
    out = run(subject, session, sql)
    if "result" not in out or "bad_result" in out["result"]:
        fail(f"{show(sql, 200)} should succeed", expected="a Result", got=brief(out),
             hint=hint if "result" not in out else HINT_RESULT)
    return out["result"]


def rows(subject: Subject, session: RemoteObject, sql: str, hint: str = HINT_RESULT) -> tuple[Any, ...]:
    return tuple(ok(subject, session, sql, hint)["rows"])


def expect_rows(subject: Subject, session: RemoteObject, sql: str, want: tuple[Any, ...], summary: str,
                hint: str, ordered: bool = True) -> dict[str, Any]:
    result = ok(subject, session, sql, hint)
    got = result["rows"]
    same = strict_equal(got, want) if ordered else strict_equal(tuple(sorted(got, key=repr)),
                                                                tuple(sorted(want, key=repr)))
    if not same:
        fail(f"{summary}: {show(sql, 200)}", expected=show(want, 400), got=show(got, 400), hint=hint)
    return result


def error_of(out: dict[str, Any]) -> dict[str, Any] | None:
    return out.get("error")


def expect_error(subject: Subject, session: RemoteObject, sql: str, code: int, summary: str, hint: str,
                 names: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run ``sql``, which must fail with DatabaseError ``code`` (and MySQL's SQLSTATE for it)."""
    out = run(subject, session, sql)
    e = error_of(out)
    want = f"DatabaseError {code} ({CODES[code]})"
    if e is None or not e["database_error"] or e["code"] != code or e["sqlstate"] != CODES[code]:
        fail(f"{summary}: {show(sql, 200)}", expected=want, got=brief(out), hint=hint)
    message = e["message"]
    if type(message) is not str or not message.strip():
        fail(f"{show(sql, 200)} failed with code {code} but without a message", expected="a message (str)",
             got=show(message), hint=HINT_CODES)
    for name in names:
        if name not in message:
            fail(f"the message of error {code} should name {name!r}: {show(sql, 200)}",
                 expected=f"a message mentioning {name!r}", got=show(message), hint=HINT_CODES)
    return e


def strict_equal(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (True is not 1, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def expect_same(got: Any, want: Any, summary: str, hint: str) -> None:
    if not strict_equal(got, want):
        fail(summary, expected=show(want, 400), got=show(got, 400), hint=hint)


def setup(subject: Subject, session: RemoteObject, statements: list[str]) -> None:
    for sql in statements:
        ok(subject, session, sql)


# -- correctness: SQL -----------------------------------------------------------------------------------

USERS = "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, age INT, score FLOAT, active BOOL)"


@pytest.mark.correctness
@pytest.mark.points(2)
def test_create_insert_select(subject: Subject) -> None:
    """CREATE TABLE, multi-row INSERT with and without a column list, SELECT with WHERE, ORDER BY, LIMIT"""
    _, _, s = open_db(subject)
    ok(subject, s, USERS)
    result = ok(subject, s, "INSERT INTO users VALUES (1, 'ann', 31, 2.5, TRUE), (2, 'bob', NULL, 3, FALSE)")
    expect_same(result["affected_rows"], 2, "a 2-row INSERT should report affected_rows=2", HINT_RESULT)
    ok(subject, s, "INSERT INTO users (name, id) VALUES ('cy', 3), ('dee', 4)")
    result = ok(subject, s, "SELECT * FROM users ORDER BY id")
    want = {"columns": ("id", "name", "age", "score", "active"), "types": ("INT", "TEXT", "INT", "FLOAT", "BOOL"),
            "rows": ((1, "ann", 31, 2.5, True), (2, "bob", None, 3.0, False), (3, "cy", None, None, None),
                     (4, "dee", None, None, None)),
            "affected_rows": 0, "rows_examined": 4}
    expect_same(result, want, "SELECT * FROM users ORDER BY id returned the wrong Result", HINT_RESULT)
    result = ok(subject, s, "SELECT name, age + 1, score * 2, id / 2, active FROM users WHERE id <= 2 ORDER BY id")
    expect_same((result["columns"], result["types"], result["rows"]),
                (("name", "age + 1", "score * 2", "id / 2", "active"), ("TEXT", "INT", "FLOAT", "FLOAT", "BOOL"),
                 (("ann", 32, 5.0, 0.5, True), ("bob", None, 6.0, 1.0, False))),
                "SELECT of expressions: wrong (columns, types, rows)", HINT_RESULT)
    expect_rows(subject, s, "SELECT id FROM users ORDER BY id DESC LIMIT 2 OFFSET 1", ((3,), (2,)),
                "ORDER BY ... DESC LIMIT 2 OFFSET 1 returned the wrong rows",
                "Sort first, then skip OFFSET rows and keep LIMIT rows.")
    expect_rows(subject, s, "SELECT id, name FROM users WHERE name >= 'c'", ((3, "cy"), (4, "dee")),
                "a SELECT without ORDER BY returned the wrong rows (compared in any order)", HINT_RESULT,
                ordered=False)
    expect_rows(subject, s, "SELECT id FROM users ORDER BY age DESC, id", ((1,), (2,), (3,), (4,)),
                "NULLs sort first in ascending order and last in descending order (as MySQL)",
                "Sort NULL below every value: first with ASC, last with DESC. Apply the ORDER BY keys left to right.")
    expect_rows(subject, s, "SELECT id FROM users ORDER BY age, id DESC", ((4,), (3,), (2,), (1,)),
                "NULLs sort first in ascending order and last in descending order (as MySQL)",
                "Sort NULL below every value: first with ASC, last with DESC. Apply the ORDER BY keys left to right.")
    ok(subject, s, "DROP TABLE users")
    expect_error(subject, s, "SELECT * FROM users", 1146, "a dropped table should be gone", HINT_CODES)
    ok(subject, s, USERS)
    expect_rows(subject, s, "SELECT * FROM users", (), "a table created again after DROP should be empty",
                "DROP TABLE removes the table and its rows and indexes.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_expressions_nulls_and_types(subject: Subject) -> None:
    """expressions: three-valued logic, IN/BETWEEN with NULL, / gives FLOAT and x/0 is NULL, strict types"""
    _, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE v (id INT PRIMARY KEY, a INT, b INT, x FLOAT, s TEXT, f BOOL)",
                       "INSERT INTO v VALUES (1, 1, 2, 0.5, 'abc', TRUE), (2, NULL, 0, -1.5, 'ABC', FALSE), "
                       "(3, 5, NULL, NULL, NULL, NULL), (4, -3, 3, 2.0, 'b', TRUE)"])
    cases: list[tuple[str, tuple[str, ...], tuple[Any, ...], str]] = [
        ("SELECT a = b, a != b, a < b, a IS NULL, b IS NOT NULL, NOT f FROM v ORDER BY id",
         ("BOOL",) * 6,
         ((False, True, True, False, True, False), (None, None, None, True, True, True),
          (None, None, None, False, False, None), (False, True, True, False, True, False)), HINT_NULL),
        ("SELECT a / b, a + b * 2, -a, b - a, x + a, a * 1.5 FROM v ORDER BY id",
         ("FLOAT", "INT", "INT", "INT", "FLOAT", "FLOAT"),
         ((0.5, 5, -1, 1, 1.5, 1.5), (None, None, None, None, None, None), (None, None, -5, None, None, 7.5),
          (-1.0, 3, 3, 6, -1.0, -4.5)), HINT_NULL),
        ("SELECT a IN (1, NULL), a NOT IN (1, NULL), a IN (5, -3), a BETWEEN 0 AND 5, a NOT BETWEEN 0 AND 5 "
         "FROM v ORDER BY id", ("BOOL",) * 5,
         ((True, False, False, True, False), (None, None, None, None, None), (None, None, True, True, False),
          (None, None, True, False, True)), HINT_NULL),
        ("SELECT f AND a > 0, f OR a > 0, a > 0 OR NULL, a > 0 AND NULL FROM v ORDER BY id", ("BOOL",) * 4,
         ((True, True, True, None), (False, None, None, None), (None, True, True, None),
          (False, True, None, False)), HINT_NULL),
        ("SELECT f + 1, TRUE + TRUE, 7 / 2, 2 * 3 - 10 FROM v WHERE id = 1", ("INT", "INT", "FLOAT", "INT"),
         ((2, 2, 3.5, -4),), "BOOL is a number in arithmetic (TRUE is 1); `/` always gives a FLOAT."),
        ("SELECT id FROM v WHERE a = NULL", ("INT",), (), HINT_NULL),
        ("SELECT id FROM v WHERE NOT (a = NULL)", ("INT",), (), HINT_NULL),
        ("SELECT id FROM v WHERE a IS NULL OR b IS NULL ORDER BY id", ("INT",), ((2,), (3,)), HINT_NULL),
        ("SELECT id FROM v WHERE s = 'abc'", ("INT",), ((1,),),
         "Strings compare exactly, by code point (like MySQL's utf8mb4_bin): 'abc' is not 'ABC'."),
        ("SELECT id FROM v WHERE s < 'b' ORDER BY id", ("INT",), ((1,), (2,)),
         "Strings compare exactly, by code point (like MySQL's utf8mb4_bin): 'abc' is not 'ABC'."),
        ("SELECT id FROM v WHERE a ORDER BY id", ("INT",), ((1,), (3,), (4,)),
         "A number in WHERE is true when it is not zero (and not NULL)."),
        ("SELECT id FROM v WHERE b ORDER BY id", ("INT",), ((1,), (4,)),
         "A number in WHERE is true when it is not zero (and not NULL)."),
        ("SELECT id FROM v WHERE x < a OR f ORDER BY id", ("INT",), ((1,), (4,)), HINT_NULL),
    ]
    for sql, types, want, hint in cases:
        result = ok(subject, s, sql, hint)
        expect_same(result["rows"], want, f"wrong rows for {sql}", hint)
        expect_same(result["types"], types, f"wrong column types for {sql}", HINT_RESULT + " " + HINT_TYPES)
    for sql, code in [("SELECT a * 9223372036854775807 FROM v WHERE id = 4", 1690),
                      ("SELECT -9223372036854775807 - a * 2 FROM v WHERE id = 1", 1690),
                      ("SELECT x * 1e308 * 10 FROM v WHERE id = 4", 1690),
                      ("SELECT s + 1 FROM v", 1366), ("SELECT id FROM v WHERE s = 1", 1366),
                      ("SELECT id FROM v WHERE s", 1366), ("SELECT id FROM v WHERE a IN (1, 'x')", 1366),
                      ("SELECT -s FROM v", 1366), ("SELECT NOT s FROM v", 1366)]:
        expect_error(subject, s, sql, code, "this expression should fail", HINT_TYPES if code == 1366 else
                     "Arithmetic past BIGINT's range (-2**63 .. 2**63-1), or a FLOAT that is not finite, is "
                     "error 1690 (22003).")
    ok(subject, s, "CREATE TABLE e (s TEXT)")
    expect_error(subject, s, "SELECT s FROM e WHERE s > 0", 1366,
                 "a type error must be found before any row is read (here the table is empty)", HINT_TYPES)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_writes_and_statement_atomicity(subject: Subject) -> None:
    """values convert to the column type; UPDATE counts changed rows, assigns left to right; statements are atomic"""
    _, _, s = open_db(subject)
    ok(subject, s, "CREATE TABLE w (id INT PRIMARY KEY, n INT, x FLOAT, s VARCHAR(3), f BOOL)")
    ok(subject, s, "INSERT INTO w VALUES (1, 2.5, 1, 'abc', 2), (2, -2.5, TRUE, '', 0), (3, 7 / 2, 7 / 2, 'ééé', 0.0)")
    expect_rows(subject, s, "SELECT * FROM w ORDER BY id",
                ((1, 3, 1.0, "abc", True), (2, -3, 1.0, "", False), (3, 4, 3.5, "ééé", False)),
                "values should be converted to their column's type", HINT_TYPES)
    expect_error(subject, s, "INSERT INTO w VALUES (4, 1, 1, 'abcd', TRUE)", 1406,
                 "4 characters do not fit VARCHAR(3)", HINT_TYPES, names=("s",))
    ok(subject, s, "UPDATE w SET n = n + 1, x = n WHERE id = 1")
    expect_same(rows(subject, s, "SELECT n, x FROM w WHERE id = 1"), ((4, 4.0),),
                "UPDATE assigns left to right: `SET n = n + 1, x = n` gives x the new n (as MySQL)",
                "Evaluate the assignments in order, each on the row as the previous ones left it.")
    result = ok(subject, s, "UPDATE w SET f = f")
    expect_same((result["affected_rows"], result["rows_examined"]), (0, 3),
                "UPDATE that changes no value: (affected_rows, rows_examined)",
                "affected_rows of an UPDATE counts the rows whose values changed (MySQL's default), not the rows "
                "matched; rows_examined counts the rows the plan read.")
    result = ok(subject, s, "UPDATE w SET n = 4 WHERE id <= 3")
    expect_same(result["affected_rows"], 1, "UPDATE w SET n = 4 (two rows already have n = 4): affected_rows",
                "affected_rows of an UPDATE counts the rows whose values changed (MySQL's default).")
    ok(subject, s, "UPDATE w SET id = id + 1", HINT_ATOMIC)
    expect_rows(subject, s, "SELECT id FROM w ORDER BY id", ((2,), (3,), (4,)),
                "UPDATE w SET id = id + 1 should move every key (the key is unique once the statement is done)",
                HINT_ATOMIC)
    result = ok(subject, s, "DELETE FROM w WHERE s = ''")
    expect_same(result["affected_rows"], 1, "DELETE should report the rows it deleted", HINT_RESULT)
    before = rows(subject, s, "SELECT * FROM w ORDER BY id")
    for sql, code, why in [
        ("INSERT INTO w VALUES (10, 1, 1, 'a', TRUE), (11, 1, 1, 'b', TRUE), (10, 1, 1, 'c', TRUE)", 1062,
         "a multi-row INSERT whose third row repeats a key"),
        ("INSERT INTO w VALUES (12, 1, 1, 'a', TRUE), (13, 1, 1, 'long', TRUE)", 1406,
         "a multi-row INSERT whose second row is too long"),
        ("INSERT INTO w VALUES (14, 1, 1, 'a', TRUE), (15, 1e30, 1, 'b', TRUE)", 1264,
         "a multi-row INSERT whose second row is out of INT's range"),
        ("UPDATE w SET id = 2 WHERE id = 4", 1062, "an UPDATE to a key another row has"),
        ("UPDATE w SET id = 7", 1062, "an UPDATE giving several rows the same key"),
        ("UPDATE w SET n = n * 4611686018427387904 WHERE id >= 2", 1690,
         "an UPDATE that overflows on its last row"),
        ("UPDATE w SET x = x * 1e308 * 100", 1690, "an UPDATE whose FLOAT overflows"),
        ("UPDATE w SET s = 'abcd' WHERE id = 4", 1406, "an UPDATE too long for VARCHAR(3)"),
        ("UPDATE w SET n = NULL, id = NULL", 1048, "an UPDATE setting the primary key to NULL"),
    ]:
        expect_error(subject, s, sql, code, f"{why} should fail", HINT_ATOMIC)
        after = rows(subject, s, "SELECT * FROM w ORDER BY id")
        expect_same(after, before, f"{why} failed with {code} but changed the table: {sql}", HINT_ATOMIC)
    ok(subject, s, "INSERT INTO w VALUES (9223372036854775807, -9223372036854775807 - 1, 0, NULL, NULL)")
    expect_rows(subject, s, "SELECT id, n FROM w WHERE id > 100", ((2**63 - 1, -(2**63)),),
                "INT holds 64-bit signed values", HINT_TYPES)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_errors_carry_mysql_codes(subject: Subject) -> None:
    """every error is a DatabaseError with MySQL's code and SQLSTATE, and a message naming what is wrong"""
    _, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(5) NOT NULL, n INT)",
                       "INSERT INTO t VALUES (1, 'a', 1)", "CREATE INDEX tn ON t (n)"])
    cases: list[tuple[str, int, tuple[str, ...]]] = [
        ("SELEC * FROM t", 1064, ()), ("SELECT * FROM t WHERE", 1064, ()),
        ("SELECT * FROM nope", 1146, ("nope",)), ("INSERT INTO nope VALUES (1)", 1146, ("nope",)),
        ("UPDATE nope SET a = 1", 1146, ("nope",)), ("DELETE FROM nope", 1146, ("nope",)),
        ("EXPLAIN SELECT * FROM nope", 1146, ("nope",)), ("CREATE INDEX x ON nope (a)", 1146, ("nope",)),
        ("DROP TABLE nope", 1051, ("nope",)), ("CREATE TABLE t (a INT)", 1050, ("t",)),
        ("CREATE TABLE d (a INT, a TEXT)", 1060, ("a",)),
        ("CREATE TABLE d (a INT PRIMARY KEY, b INT PRIMARY KEY)", 1068, ()),
        ("SELECT nope FROM t", 1054, ("nope",)), ("SELECT * FROM t WHERE nope = 1", 1054, ("nope",)),
        ("SELECT * FROM t ORDER BY nope", 1054, ("nope",)), ("UPDATE t SET nope = 1", 1054, ("nope",)),
        ("UPDATE t SET n = nope", 1054, ("nope",)), ("INSERT INTO t (id, nope) VALUES (1, 2)", 1054, ("nope",)),
        ("INSERT INTO t VALUES (2, 'b', n)", 1054, ("n",)),
        ("INSERT INTO t VALUES (1, 'b', 2)", 1062, ("1",)), ("INSERT INTO t VALUES (2, NULL, 1)", 1048, ("name",)),
        ("UPDATE t SET name = NULL", 1048, ("name",)), ("INSERT INTO t (id) VALUES (3)", 1364, ("name",)),
        ("INSERT INTO t VALUES (2, 'b')", 1136, ()), ("INSERT INTO t (id, name, id) VALUES (2, 'b', 3)", 1110, ("id",)),
        ("INSERT INTO t VALUES (2, 'toolong', 1)", 1406, ("name",)), ("INSERT INTO t VALUES (2, 5, 1)", 1366, ()),
        ("INSERT INTO t VALUES ('x', 'b', 1)", 1366, ()), ("INSERT INTO t VALUES (2, 'b', 1e30)", 1264, ("n",)),
        ("SELECT n * 9223372036854775807 * 2 FROM t", 1690, ()), ("SELECT name + 1 FROM t", 1366, ()),
        ("CREATE INDEX tn ON t (id)", 1061, ("tn",)), ("CREATE INDEX x ON t (nope)", 1072, ("nope",)),
    ]
    for sql, code, names in cases:
        expect_error(subject, s, sql, code, f"error {code} expected", HINT_CODES, names=names)
    expect_rows(subject, s, "SELECT * FROM t", ((1, "a", 1),), "failed statements must leave the table as it was",
                HINT_ATOMIC)
    out = run(subject, s, "SELECT * FROM nope")
    e = error_of(out) or {}
    expect_true(e.get("type") == "DatabaseError" or e.get("database_error") is True,
                "errors must be instances of DatabaseError", expected="DatabaseError", got=brief(out), hint=HINT_CODES)
    expect_raises("TypeError", lambda: s.execute(42), "execute(42) (not a str) should raise TypeError",
                  hint="execute() takes one statement as a str; anything else is a programming error: TypeError.")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_explain_matches_execution(subject: Subject) -> None:
    """EXPLAIN reports const / ref / range / ALL, the key and the rows the same SELECT examines"""
    _, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, k INT, s VARCHAR(10), f FLOAT)"])
    values = ", ".join(f"({i}, {i % 10}, 's{i % 7}', {i / 4!r})" for i in range(1, 101))
    setup(subject, s, [f"INSERT INTO t VALUES {values}", "CREATE INDEX ik ON t (k)", "CREATE INDEX is_ ON t (s)"])
    table = [(i, i % 10, f"s{i % 7}", i / 4) for i in range(1, 101)]
    cases: list[tuple[str | None, Callable[[tuple[Any, ...]], bool], tuple[Any, ...]]] = [
        ("id = 42", lambda r: r[0] == 42, ("const", "PRIMARY", "PRIMARY", 1, None)),
        ("id = 1000", lambda r: False, ("const", "PRIMARY", "PRIMARY", 0, None)),
        ("id = 2 + 3", lambda r: r[0] == 5, ("const", "PRIMARY", "PRIMARY", 1, None)),
        ("k = 3", lambda r: r[1] == 3, ("ref", "ik", "ik", 10, None)),
        ("s = 's3'", lambda r: r[2] == "s3", ("ref", "is_", "is_", 14, None)),
        ("k = 3 AND id > 50", lambda r: r[1] == 3 and r[0] > 50, ("ref", "PRIMARY,ik", "ik", 10, "Using where")),
        ("id > 90", lambda r: r[0] > 90, ("range", "PRIMARY", "PRIMARY", 10, None)),
        ("id >= 10 AND id < 20", lambda r: 10 <= r[0] < 20, ("range", "PRIMARY", "PRIMARY", 10, None)),
        ("95 < id", lambda r: r[0] > 95, ("range", "PRIMARY", "PRIMARY", 5, None)),
        ("id BETWEEN 5 AND 14", lambda r: 5 <= r[0] <= 14, ("range", "PRIMARY", "PRIMARY", 10, None)),
        ("k BETWEEN 2 AND 3 AND f > 1", lambda r: 2 <= r[1] <= 3 and r[3] > 1,
         ("range", "ik", "ik", 20, "Using where")),
        ("f > 20", lambda r: r[3] > 20, ("ALL", None, None, 100, "Using where")),
        ("id + 0 = 5", lambda r: r[0] == 5, ("ALL", None, None, 100, "Using where")),
        ("id = 5 OR id = 6", lambda r: r[0] in (5, 6), ("ALL", None, None, 100, "Using where")),
        (None, lambda r: True, ("ALL", None, None, 100, None)),
    ]
    for where, keep, (type_, possible, key, count, extra) in cases:
        clause = f" WHERE {where}" if where else ""
        explain = ok(subject, s, f"EXPLAIN SELECT * FROM t{clause}", HINT_PLAN)
        want_row = (1, "SIMPLE", "t", type_, possible, key, count, extra)
        expect_same((explain["columns"], explain["types"]),
                    (("id", "select_type", "table", "type", "possible_keys", "key", "rows", "Extra"),
                     ("INT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "INT", "TEXT")),
                    "EXPLAIN should return MySQL's columns", HINT_PLAN)
        expect_same(explain["rows"], (want_row,), f"EXPLAIN SELECT * FROM t{clause}: wrong plan", HINT_PLAN)
        result = ok(subject, s, f"SELECT * FROM t{clause} ORDER BY id", HINT_PLAN)
        want = tuple(r for r in table if keep(r))
        expect_same(result["rows"], want, f"SELECT * FROM t{clause} ORDER BY id returned the wrong rows", HINT_PLAN)
        expect_same(result["rows_examined"], count,
                    f"SELECT * FROM t{clause}: rows_examined should be the rows EXPLAIN says the plan reads",
                    HINT_PLAN)


# -- correctness: a model ------------------------------------------------------------------------------

T_COLUMNS = ("id", "name", "score", "ratio", "flag")


class ModelError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, str):
        return "'" + value + "'"
    return repr(value)


def coerce_t(column: str, value: Any) -> Any:
    """Store ``value`` in column ``column`` of t (id INT PK, name VARCHAR(4), score INT, ratio FLOAT, flag BOOL)."""
    if value is None:
        if column == "id":
            raise ModelError(1048)
        return None
    if column in ("id", "score"):
        return int(value)
    if column == "ratio":
        return float(value)
    if column == "flag":
        return value != 0
    if len(value) > 4:
        raise ModelError(1406)
    return value


def cmp3(a: Any, op: str, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def and3(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def truth(v: Any) -> bool | None:
    return None if v is None else v != 0


Where = tuple[str, Callable[[dict[str, Any]], bool | None], list[tuple[str, str, list[tuple[str, Any]]]], int]


def where_clauses(a: int, b: int, name: str) -> list[Where]:
    """WHERE templates: (sql, 3-valued predicate on a row, sargable conjuncts [(column, eq|range, bounds)],
    number of conjuncts)."""
    return [
        ("", lambda r: True, [], 0),
        (f"id = {a}", lambda r: cmp3(r["id"], "=", a), [("id", "eq", [("=", a)])], 1),
        (f"id > {a}", lambda r: cmp3(r["id"], ">", a), [("id", "range", [(">", a)])], 1),
        (f"{a} >= id", lambda r: cmp3(r["id"], "<=", a), [("id", "range", [("<=", a)])], 1),
        (f"id BETWEEN {a} AND {b}", lambda r: and3(cmp3(r["id"], ">=", a), cmp3(r["id"], "<=", b)),
         [("id", "range", [(">=", a), ("<=", b)])], 1),
        (f"score = {a}", lambda r: cmp3(r["score"], "=", a), [("score", "eq", [("=", a)])], 1),
        (f"score >= {a} AND score < {b}", lambda r: and3(cmp3(r["score"], ">=", a), cmp3(r["score"], "<", b)),
         [("score", "range", [(">=", a)]), ("score", "range", [("<", b)])], 2),
        (f"score = {a} AND id > {b}", lambda r: and3(cmp3(r["score"], "=", a), cmp3(r["id"], ">", b)),
         [("score", "eq", [("=", a)]), ("id", "range", [(">", b)])], 2),
        (f"name = '{name}'", lambda r: cmp3(r["name"], "=", name), [("name", "eq", [("=", name)])], 1),
        ("name IS NULL", lambda r: r["name"] is None, [], 1),
        ("flag", lambda r: truth(r["flag"]), [], 1),
        ("NOT flag", lambda r: None if r["flag"] is None else not r["flag"], [], 1),
        (f"score IN ({a}, NULL)", lambda r: None if r["score"] is None else (True if r["score"] == a else None), [], 1),
        (f"id = {a} OR score = {b}", lambda r: or3(cmp3(r["id"], "=", a), cmp3(r["score"], "=", b)), [], 1),
        ("ratio * 2 > score", lambda r: cmp3(None if r["ratio"] is None else r["ratio"] * 2, ">", r["score"]), [], 1),
        (f"name < 'c' AND score + id > {a}",
         lambda r: and3(cmp3(r["name"], "<", "c"),
                        cmp3(None if r["score"] is None else r["score"] + r["id"], ">", a)),
         [("name", "range", [("<", "c")])], 2),
    ]


def model_plan(where: Where, table: dict[int, dict[str, Any]], indexed: dict[str, str]) -> tuple[str, Any, int]:
    """(type, key, rows) the documented planner picks for ``where`` on the model's table."""
    keys = {"id": "PRIMARY", **indexed}
    found = [c for c in where[2] if c[0] in keys]
    rows_ = list(table.values())
    for column, kind, bounds in found:
        if kind == "eq" and column == "id":
            return "const", "PRIMARY", sum(r["id"] == bounds[0][1] for r in rows_)
    for column, kind, bounds in found:
        if kind == "eq":
            return "ref", keys[column], sum(r[column] == bounds[0][1] for r in rows_)
    for column, kind, _ in found:
        if kind == "range":
            bounds = [b for c, k, bs in found if c == column and k == "range" for b in bs]
            count = sum(r[column] is not None and all(cmp3(r[column], op, v) for op, v in bounds) for r in rows_)
            return "range", keys[column], count
    return "ALL", None, len(rows_)


SETS: list[tuple[str, list[tuple[str, Callable[[dict[str, Any]], Any]]]]] = [
    ("score = score + 2", [("score", lambda r: None if r["score"] is None else r["score"] + 2)]),
    ("name = 'xy'", [("name", lambda r: "xy")]),
    ("name = 'toolong'", [("name", lambda r: "toolong")]),
    ("flag = NOT flag", [("flag", lambda r: None if r["flag"] is None else not r["flag"])]),
    ("ratio = score / 2", [("ratio", lambda r: None if r["score"] is None else r["score"] / 2)]),
    ("ratio = score / 0", [("ratio", lambda r: None)]),
    ("id = id + 1", [("id", lambda r: r["id"] + 1)]),
    ("id = 3", [("id", lambda r: 3)]),
    ("score = score + 1, ratio = score", [("score", lambda r: None if r["score"] is None else r["score"] + 1),
                                          ("ratio", lambda r: r["score"])]),
]
IDS = st.sampled_from([0, 1, 2, 3, 4, 5, 6, None])
NAMES = st.sampled_from([None, "a", "bb", "ccc", "dddd", "eeeee"])
SCORES = st.sampled_from([None, -3, 0, 2, 5, 9])
RATIOS = st.sampled_from([None, -1.5, 0.0, 2.5, 3])
FLAGS = st.sampled_from([None, True, False, 0, 1, 2])
ROWS = st.lists(st.tuples(IDS, NAMES, SCORES, RATIOS, FLAGS), min_size=1, max_size=3)
SMALL = st.integers(0, 7)


class DatabaseMachine(RuleBasedStateMachine):
    """The learner's database against a model: table t (with a primary key) and table log (without)."""

    def __init__(self, subject: Subject) -> None:
        super().__init__()
        self.subject = subject
        self.storage, self.db, self.session = open_db(subject)
        self.t: dict[int, dict[str, Any]] = {}
        self.log: list[tuple[Any, str]] = []
        self.indexed: dict[str, str] = {}
        self.saved: tuple[dict[int, dict[str, Any]], list[tuple[Any, str]]] | None = None  # at BEGIN
        for sql in ("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(4), score INT, ratio FLOAT, flag BOOL)",
                    "CREATE TABLE log (n INT NOT NULL, note TEXT)",
                    "INSERT INTO t VALUES (1, 'a', 2, 0.5, TRUE), (2, 'bb', NULL, NULL, FALSE), "
                    "(4, NULL, 5, 2.5, NULL), (6, 'ccc', 9, -1.5, TRUE)",
                    "INSERT INTO log VALUES (1, 'x'), (2, 'y'), (1, 'x')"):
            self.expect_ok(sql)
        for row in ((1, "a", 2, 0.5, True), (2, "bb", None, None, False), (4, None, 5, 2.5, None),
                    (6, "ccc", 9, -1.5, True)):
            self.t[row[0]] = dict(zip(T_COLUMNS, row, strict=True))
        self.log = [(1, "x"), (2, "y"), (1, "x")]

    # -- running a statement against the model ---------------------------------------------------------
    def run(self, sql: str) -> dict[str, Any]:
        return run(self.subject, self.session, sql)

    def expect_ok(self, sql: str) -> dict[str, Any]:
        out = self.run(sql)
        if "result" not in out or "bad_result" in out["result"]:
            fail(f"{sql} should succeed", expected="a Result", got=brief(out), hint=HINT_RESULT)
        return out["result"]

    def expect_codes(self, sql: str, codes: set[int]) -> None:
        out = self.run(sql)
        e = error_of(out)
        if e is None or e["code"] not in codes:
            fail(f"{sql} should fail", expected=" or ".join(f"error {c}" for c in sorted(codes)), got=brief(out),
                 hint=HINT_CODES + " " + HINT_ATOMIC)

    def check_count(self, result: dict[str, Any], field: str, want: int, sql: str, hint: str) -> None:
        if result[field] != want:
            fail(f"{sql}: wrong {field}", expected=show(want), got=show(result[field]), hint=hint)

    # -- writes ----------------------------------------------------------------------------------------
    @rule(values=ROWS)
    def insert(self, values: list[tuple[Any, ...]]) -> None:
        sql = "INSERT INTO t VALUES " + ", ".join("(" + ", ".join(sql_literal(v) for v in row) + ")"
                                                 for row in values)
        codes: set[int] = set()
        new = []
        for row in values:
            try:
                new.append({c: coerce_t(c, v) for c, v in zip(T_COLUMNS, row, strict=True)})
            except ModelError as exc:
                codes.add(exc.code)
        if not codes:
            keys = [r["id"] for r in new]
            if len(set(keys)) < len(keys) or any(k in self.t for k in keys):
                codes.add(1062)
        if codes:
            self.expect_codes(sql, codes)
            return
        result = self.expect_ok(sql)
        self.check_count(result, "affected_rows", len(new), sql, HINT_RESULT)
        for r in new:
            self.t[r["id"]] = r

    @rule(set_=st.sampled_from(SETS), a=SMALL, b=SMALL, name=NAMES.filter(lambda n: n is not None),
          pick=st.integers(0, 15))
    def update(self, set_: tuple[str, list[Any]], a: int, b: int, name: str, pick: int) -> None:
        where = where_clauses(a, b, name)[pick]
        sql = f"UPDATE t SET {set_[0]}" + (f" WHERE {where[0]}" if where[0] else "")
        codes: set[int] = set()
        changed: dict[int, dict[str, Any]] = {}
        for key, row in self.t.items():
            if where[1](row) is not True:
                continue
            new = dict(row)
            try:
                for column, fn in set_[1]:
                    new[column] = coerce_t(column, fn(new))
            except ModelError as exc:
                codes.add(exc.code)
                continue
            if new != row or any(type(new[c]) is not type(row[c]) for c in T_COLUMNS):
                changed[key] = new
        if not codes:
            final = [r["id"] for k, r in self.t.items() if k not in changed] + [r["id"] for r in changed.values()]
            if len(set(final)) < len(final):
                codes.add(1062)
        if codes:
            self.expect_codes(sql, codes)
            return
        plan = model_plan(where, self.t, self.indexed)
        result = self.expect_ok(sql)
        self.check_count(result, "affected_rows", len(changed), sql,
                         "affected_rows of an UPDATE counts the rows whose values changed.")
        self.check_count(result, "rows_examined", plan[2], sql, HINT_PLAN)
        for key in changed:
            del self.t[key]
        for row in changed.values():
            self.t[row["id"]] = row

    @rule(a=SMALL, b=SMALL, name=NAMES.filter(lambda n: n is not None), pick=st.integers(0, 15))
    def delete(self, a: int, b: int, name: str, pick: int) -> None:
        where = where_clauses(a, b, name)[pick]
        sql = "DELETE FROM t" + (f" WHERE {where[0]}" if where[0] else "")
        gone = [k for k, r in self.t.items() if where[1](r) is True]
        plan = model_plan(where, self.t, self.indexed)
        result = self.expect_ok(sql)
        self.check_count(result, "affected_rows", len(gone), sql, HINT_RESULT)
        self.check_count(result, "rows_examined", plan[2], sql, HINT_PLAN)
        for k in gone:
            del self.t[k]

    @rule(n=st.sampled_from([None, 1, 2, 3]), note=st.sampled_from(["x", "y"]))
    def insert_log(self, n: int | None, note: str) -> None:
        sql = f"INSERT INTO log VALUES ({sql_literal(n)}, '{note}'), (1, 'x')"
        if n is None:
            self.expect_codes(sql, {1048})
            return
        self.expect_ok(sql)
        self.log += [(n, note), (1, "x")]

    @rule(n=st.sampled_from([1, 2, 3]), delete=st.booleans())
    def change_log(self, n: int, delete: bool) -> None:
        if delete:
            result = self.expect_ok(f"DELETE FROM log WHERE n = {n}")
            want = sum(row[0] == n for row in self.log)
            self.log = [row for row in self.log if row[0] != n]
        else:
            result = self.expect_ok(f"UPDATE log SET note = 'z' WHERE n = {n}")
            want = sum(row[0] == n and row[1] != "z" for row in self.log)
            self.log = [(row[0], "z") if row[0] == n else row for row in self.log]
        self.check_count(result, "affected_rows", want, "a change to table log", HINT_RESULT)

    # -- reads -----------------------------------------------------------------------------------------
    @rule(a=SMALL, b=SMALL, name=NAMES.filter(lambda n: n is not None), pick=st.integers(0, 15),
          limit=st.sampled_from([None, (2, 0), (2, 1)]), explain=st.booleans())
    def select(self, a: int, b: int, name: str, pick: int, limit: tuple[int, int] | None, explain: bool) -> None:
        where = where_clauses(a, b, name)[pick]
        clause = f" WHERE {where[0]}" if where[0] else ""
        plan = model_plan(where, self.t, self.indexed)
        if explain:
            result = self.expect_ok(f"EXPLAIN SELECT * FROM t{clause}")
            got = tuple(result["rows"][0][i] for i in (3, 5, 6)) if len(result["rows"]) == 1 else result["rows"]
            if got != plan:
                fail(f"EXPLAIN SELECT * FROM t{clause}: wrong (type, key, rows)", expected=show(plan),
                     got=show(got), hint=HINT_PLAN)
        keep = sorted((r for r in self.t.values() if where[1](r) is True), key=lambda r: r["id"])
        want = tuple(tuple(r[c] for c in T_COLUMNS) for r in keep)
        order = " ORDER BY id" if limit is not None or pick % 2 else ""
        tail = f" LIMIT {limit[0]} OFFSET {limit[1]}" if limit is not None else ""
        if limit is not None:
            want = want[limit[1]:limit[1] + limit[0]]
        sql = f"SELECT * FROM t{clause}{order}{tail}"
        result = self.expect_ok(sql)
        got = result["rows"] if order else tuple(sorted(result["rows"], key=lambda r: repr(r[0])))
        if not order:
            want = tuple(sorted(want, key=lambda r: repr(r[0])))
        if not strict_equal(got, want):
            fail(f"{sql} returned the wrong rows", expected=show(want, 500), got=show(result["rows"], 500),
                 hint=HINT_NULL + " " + HINT_RESULT)
        self.check_count(result, "rows_examined", plan[2], sql, HINT_PLAN)

    # -- transactions and restarts ---------------------------------------------------------------------
    @precondition(lambda self: self.saved is None)
    @rule()
    def begin(self) -> None:
        self.expect_ok("BEGIN")
        self.saved = (copy.deepcopy(self.t), list(self.log))

    @precondition(lambda self: self.saved is not None)
    @rule()
    def commit(self) -> None:
        self.expect_ok("COMMIT")
        self.saved = None

    @precondition(lambda self: self.saved is not None)
    @rule()
    def rollback(self) -> None:
        self.expect_ok("ROLLBACK")
        assert self.saved is not None
        self.t, self.log = self.saved
        self.saved = None

    @precondition(lambda self: len(self.indexed) < 2)
    @rule(column=st.sampled_from(["score", "name"]))
    def create_index(self, column: str) -> None:
        if column in self.indexed:
            return
        self.expect_ok(f"CREATE INDEX i_{column} ON t ({column})")  # commits an open transaction first
        self.indexed[column] = f"i_{column}"
        self.saved = None

    @rule(cut=st.booleans())
    def restart(self, cut: bool) -> None:
        """Close and reopen the database, or cut the power and reopen: only committed work remains."""
        if cut:
            self.storage = self.storage.power_cut()
        else:
            self.db.close()
        _, self.db, self.session = open_db(self.subject, self.storage)
        if self.saved is not None:
            self.t, self.log = self.saved
            self.saved = None

    @invariant()
    def tables_match(self) -> None:
        got = self.subject.call(support(self.subject), "snapshot", [self.session, [("t", "id"), ("log", "n, note")]],
                                {}, text="[SELECT * FROM t ORDER BY id; SELECT * FROM log ORDER BY n, note]")
        want = {"t": tuple(tuple(self.t[k][c] for c in T_COLUMNS) for k in sorted(self.t)),
                "log": tuple(sorted(self.log))}
        if not strict_equal(got, want):
            fail("the tables no longer hold what the statements so far should have left",
                 expected=show(want, 500), got=show(got, 500), hint=HINT_UNDO + " " + HINT_ATOMIC)


@pytest.mark.correctness
@pytest.mark.points(5)
def test_behaves_like_the_model(subject: Subject) -> None:
    """random INSERT/UPDATE/DELETE/SELECT/EXPLAIN/BEGIN/COMMIT/ROLLBACK/CREATE INDEX/restarts against a model"""
    run_machine(subject, lambda: DatabaseMachine(subject), max_examples=30, steps=25)


# -- correctness: transactions -------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_rollback_restores_everything(subject: Subject) -> None:
    """ROLLBACK undoes inserts, updates (keys too) and deletes, in tables with and without a key, indexes too"""
    storage, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, k INT, s TEXT)", "CREATE INDEX ik ON t (k)",
                       "CREATE TABLE u (n INT, s TEXT)",
                       "INSERT INTO t VALUES " + ", ".join(f"({i}, {i % 4}, 'r{i}')" for i in range(1, 13)),
                       "INSERT INTO u VALUES (1, 'a'), (1, 'a'), (2, 'b'), (1, 'c')"])
    snapshot = {"t": rows(subject, s, "SELECT * FROM t ORDER BY id"),
                "u": rows(subject, s, "SELECT * FROM u ORDER BY n, s")}
    work = ["BEGIN", "INSERT INTO t VALUES (100, 3, 'new'), (101, 0, 'new')",
            "UPDATE t SET k = k + 10, s = 'changed' WHERE id <= 5", "UPDATE t SET id = id + 1000 WHERE id > 8",
            "DELETE FROM t WHERE k = 3", "DELETE FROM t WHERE id = 3", "INSERT INTO t VALUES (3, 3, 'reused key')",
            "DELETE FROM u WHERE n = 1", "INSERT INTO u VALUES (1, 'a')", "UPDATE u SET s = 'z'"]
    setup(subject, s, work)
    during = rows(subject, s, "SELECT id FROM t WHERE k = 3 ORDER BY id")
    expect_same(during, ((3,),), "inside the transaction, its own changes should be visible",
                "A transaction reads its own writes.")
    ok(subject, s, "ROLLBACK")
    done = "after " + "; ".join(work) + "; ROLLBACK"
    for name, order in (("t", "id"), ("u", "n, s")):
        expect_rows(subject, s, f"SELECT * FROM {name} ORDER BY {order}", snapshot[name],
                    f"{done}: table {name} is not as it was before BEGIN", HINT_UNDO)
    for where, want in (("k = 3", ((3,), (7,), (11,))), ("k = 13", ()), ("id = 9", ((9,),)), ("id = 1009", ()),
                        ("id = 100", ()), ("k > 10", ())):
        result = expect_rows(subject, s, f"SELECT id FROM t WHERE {where} ORDER BY id", want,
                             f"{done}: an index lookup finds the wrong rows", HINT_UNDO)
        expect_same(result["rows_examined"], len(want), f"{done}: SELECT id FROM t WHERE {where} examined too many "
                    "rows (the index still holds keys the rollback removed)", HINT_UNDO)
    recovered = open_db(subject, storage.power_cut())[2]
    for name, order in (("t", "id"), ("u", "n, s")):
        expect_rows(subject, recovered, f"SELECT * FROM {name} ORDER BY {order}", snapshot[name],
                    f"{done}, then a power cut: table {name} shows rolled-back work", HINT_DURABLE)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_failed_statement_undoes_only_itself(subject: Subject) -> None:
    """inside a transaction, a failing statement undoes only its own changes; the transaction goes on"""
    storage, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, n INT)", "INSERT INTO t VALUES (1, 10), (2, 20)"])
    setup(subject, s, ["BEGIN", "INSERT INTO t VALUES (3, 30)", "UPDATE t SET n = n + 1"])
    expect_error(subject, s, "INSERT INTO t VALUES (4, 40), (5, 50), (1, 0)", 1062,
                 "a duplicate key inside a transaction should fail", HINT_SAVEPOINT)
    expect_error(subject, s, "UPDATE t SET n = n * 4611686018427387904 WHERE id >= 2", 1690,
                 "an overflow inside a transaction should fail", HINT_SAVEPOINT)
    out = subject.call(support(subject), "in_transaction", [s], {})
    expect_same(out, True, "after a failed statement, the transaction should still be open", HINT_SAVEPOINT)
    expect_rows(subject, s, "SELECT * FROM t ORDER BY id", ((1, 11), (2, 21), (3, 31)),
                "after two failed statements inside BEGIN, the earlier statements' work should still be there",
                HINT_SAVEPOINT)
    setup(subject, s, ["DELETE FROM t WHERE id = 1", "COMMIT"])
    want = ((2, 21), (3, 31))
    expect_rows(subject, s, "SELECT * FROM t ORDER BY id", want, "after COMMIT", HINT_SAVEPOINT)
    recovered = open_db(subject, storage.power_cut())[2]
    expect_rows(subject, recovered, "SELECT * FROM t ORDER BY id", want,
                "after COMMIT and a power cut, the committed transaction (without its failed statements)", HINT_DURABLE)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_transaction_control(subject: Subject) -> None:
    """in_transaction; BEGIN and DDL commit an open transaction; COMMIT/ROLLBACK alone are no-ops; close rolls back"""
    storage, db, s = open_db(subject)
    sup = support(subject)
    ok(subject, s, "CREATE TABLE t (id INT PRIMARY KEY)")
    hint = ("in_transaction is True from BEGIN to COMMIT or ROLLBACK. BEGIN inside a transaction and every DDL "
            "statement (CREATE TABLE, CREATE INDEX, DROP TABLE) first commit the open transaction (MySQL's "
            "implicit commit); COMMIT or ROLLBACK outside a transaction does nothing.")

    def flag(want: bool, after: str) -> None:
        expect_same(subject.call(sup, "in_transaction", [s], {}), want, f"in_transaction after {after}", hint)

    flag(False, "opening a session")
    ok(subject, s, "COMMIT")
    ok(subject, s, "ROLLBACK")
    flag(False, "COMMIT and ROLLBACK outside a transaction")
    setup(subject, s, ["BEGIN", "INSERT INTO t VALUES (1)"])
    flag(True, "BEGIN; INSERT")
    setup(subject, s, ["BEGIN", "INSERT INTO t VALUES (2)", "ROLLBACK"])
    expect_rows(subject, s, "SELECT id FROM t ORDER BY id", ((1,),),
                "BEGIN; INSERT 1; BEGIN; INSERT 2; ROLLBACK should keep 1 (the second BEGIN committed it)", hint)
    setup(subject, s, ["BEGIN", "INSERT INTO t VALUES (3)", "CREATE TABLE other (a INT)"])
    flag(False, "BEGIN; INSERT; CREATE TABLE")
    ok(subject, s, "ROLLBACK")
    expect_rows(subject, s, "SELECT id FROM t ORDER BY id", ((1,), (3,)),
                "BEGIN; INSERT 3; CREATE TABLE ...; ROLLBACK should keep 3 (the DDL committed it)", hint)
    setup(subject, s, ["BEGIN", "INSERT INTO t VALUES (4)"])
    s.close()
    other = db.session()
    expect_rows(subject, other, "SELECT id FROM t ORDER BY id", ((1,), (3,)),
                "closing a session with an open transaction should roll it back", hint)
    setup(subject, other, ["BEGIN", "INSERT INTO t VALUES (5)"])
    db.close()
    out = run(subject, other, "SELECT id FROM t")
    e = error_of(out)
    expect_true(e is not None and e["database_error"] is True, "a session of a closed database should refuse work",
                expected="DatabaseError (2006, 'MySQL server has gone away')", got=brief(out),
                hint="After Database.close() (or Session.close()), execute() raises DatabaseError 2006.")
    again = open_db(subject, storage)[2]
    expect_rows(subject, again, "SELECT id FROM t ORDER BY id", ((1,), (3,)),
                "Database.close() should roll back open transactions, and reopening should find the committed rows",
                hint + " " + HINT_DURABLE)
    database = subject.import_module("minimysql.database").Database
    expect_raises("ValueError", lambda: database(memory(subject), lock_timeout=0),
                  "Database(storage, lock_timeout=0) should raise ValueError",
                  hint="lock_timeout is a positive number of seconds.")


# -- correctness: durability ---------------------------------------------------------------------------

KV_TABLES = [("kv", "k"), ("ev", "n, note")]


def workload(seed: int, length: int) -> tuple[list[tuple[int, str, Any, bool]], list[dict[str, Any]]]:
    """A seeded workload on two sessions (0 writes kv, 1 writes ev, so neither waits for the other) and the
    committed state after every step: (session, sql, "ok" or error code, commits?) per step."""
    rng = random.Random(seed)
    steps: list[tuple[int, str, Any, bool]] = []
    states: list[dict[str, Any]] = []
    committed: dict[str, Any] = {"kv": None, "ev": None}  # None: the table does not exist yet
    pending: list[dict[str, Any] | None] = [None, None]  # a session's view inside BEGIN

    def add(who: int, sql: str, expected: Any, commits: bool) -> None:
        steps.append((who, sql, expected, commits))
        states.append(copy.deepcopy(committed))

    add(0, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(12))", "ok", True)
    committed["kv"] = {}
    states[-1] = copy.deepcopy(committed)
    add(1, "CREATE TABLE ev (n INT NOT NULL, note TEXT)", "ok", True)
    committed["ev"] = []
    states[-1] = copy.deepcopy(committed)
    for i in range(length):
        who = rng.randrange(2)
        name = "kv" if who == 0 else "ev"
        view = pending[who] if pending[who] is not None else copy.deepcopy(committed[name])
        if i == length // 2:
            if pending[0] is not None:
                committed["kv"] = pending[0]  # CREATE INDEX commits session 0's transaction first
                pending[0] = None
            add(0, "CREATE INDEX iv ON kv (v)", "ok", True)
            continue
        roll = rng.random()
        if pending[who] is None and roll < 0.3:
            pending[who] = view
            add(who, "BEGIN", "ok", False)
            continue
        if pending[who] is not None and roll < 0.25:
            committed[name] = pending[who]
            pending[who] = None
            add(who, "COMMIT", "ok", True)
            continue
        if pending[who] is not None and roll < 0.33:
            pending[who] = None
            add(who, "ROLLBACK", "ok", False)
            continue
        if roll > 0.92:  # a failing statement: changes nothing, in or out of a transaction
            if who == 0 and view:
                add(0, f"INSERT INTO kv VALUES ({rng.choice(sorted(view))}, 'dup')", 1062, False)
            elif who == 0:
                add(0, "INSERT INTO kv VALUES (1, 'much too long!')", 1406, False)
            else:
                add(1, "INSERT INTO ev VALUES (NULL, 'x')", 1048, False)
            continue
        if who == 0:
            k = rng.randrange(12)
            if k in view and rng.random() < 0.3:
                sql = f"DELETE FROM kv WHERE k = {k}"
                del view[k]
            elif k in view:
                view[k] = f"u{i}"
                sql = f"UPDATE kv SET v = 'u{i}' WHERE k = {k}"
            else:
                view[k] = f"i{i}"
                sql = f"INSERT INTO kv VALUES ({k}, 'i{i}')"
        else:
            n = rng.randrange(5)
            if rng.random() < 0.25:
                view[:] = [row for row in view if row[0] != n]
                sql = f"DELETE FROM ev WHERE n = {n}"
            else:
                view.append((n, f"e{i}"))
                sql = f"INSERT INTO ev VALUES ({n}, 'e{i}')"
        if pending[who] is None:
            committed[name] = view
            add(who, sql, "ok", True)
        else:
            pending[who] = view
            add(who, sql, "ok", False)
    return steps, states


def plain_state(state: dict[str, Any]) -> dict[str, Any]:
    """The model's committed state as the support's SELECT * ... ORDER BY shows it."""
    out: dict[str, Any] = {}
    for name, _ in KV_TABLES:
        value = state[name]
        if value is None:
            out[name] = "missing"
        elif name == "kv":
            out[name] = tuple((k, value[k]) for k in sorted(value))
        else:
            out[name] = tuple(sorted(value))
    return out


def seen_state(state: Any) -> dict[str, Any]:
    """What a recovered database showed, with a missing table as "missing" (a 1146 error)."""
    if not isinstance(state, dict):
        return {"unexpected": show(state)}
    out = {}
    for name, value in state.items():
        if isinstance(value, dict) and "error" in value and value["error"].get("code") == 1146:
            out[name] = "missing"
        else:
            out[name] = value
    return out


def show_steps(steps: list[tuple[int, str, Any, bool]], upto: int, last: int = 10) -> str:
    shown = steps[max(0, upto + 1 - last): upto + 1]
    return "; ".join(f"[{'AB'[who]}] {sql}" for who, sql, _, _ in shown)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_commit_is_durable_before_it_returns(subject: Subject) -> None:
    """after every acknowledged commit, a power cut keeps it; open transactions and rollbacks never show"""
    steps, states = workload(3, 45)
    result = subject.call(support(subject), "durable_after_each", [steps, KV_TABLES, 4], {},
                          timeout=SCENARIO_TIMEOUT)
    checked = 0
    for point in result:
        want = plain_state(states[point["step"]])
        for seen in point["states"]:
            checked += 1
            if seen_state(seen) != want:
                fail(f"after a power cut right after statement {point['step']} returned, the reopened database "
                     f"lost committed work or showed uncommitted work", expected=show(want, 400), got=show(seen, 400),
                     hint=HINT_DURABLE + f" (the last statements, session A or B: "
                                         f"{show_steps(steps, point['step'])})")
    expect_true(checked > 0, "no commit was checked", expected="commits", got="none", hint=HINT_DURABLE)
    storage, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(3), f FLOAT)", "CREATE INDEX iv ON kv (v)",
                       "INSERT INTO kv VALUES (1, 'a', 1), (2, 'b', 2.5)", "CREATE TABLE gone (a INT)",
                       "DROP TABLE gone"])
    recovered = open_db(subject, storage.power_cut())[2]
    result = ok(subject, recovered, "SELECT * FROM kv ORDER BY k")
    expect_same((result["types"], result["rows"]), (("INT", "TEXT", "FLOAT"), ((1, "a", 1.0), (2, "b", 2.5))),
                "after a restart, the table's column types and rows", HINT_RECOVERY)
    explain = ok(subject, recovered, "EXPLAIN SELECT * FROM kv WHERE v = 'b'")
    expect_same(tuple(explain["rows"][0][3:7]) if explain["rows"] else (), ("ref", "iv", "iv", 1),
                "after a restart, the index iv should still be used (type, possible_keys, key, rows)", HINT_RECOVERY)
    expect_error(subject, recovered, "INSERT INTO kv VALUES (3, 'long', 1)", 1406,
                 "after a restart, VARCHAR(3) should still be enforced", HINT_RECOVERY)
    expect_error(subject, recovered, "SELECT * FROM gone", 1146, "after a restart, a dropped table should stay gone",
                 HINT_RECOVERY)


# -- correctness: isolation ----------------------------------------------------------------------------

Script = list[tuple[Any, ...]]


def scenario(subject: Subject, statements: list[str], steps: Script,
             lock_timeout: float = 2.0) -> list[dict[str, Any]]:
    _, db, s = open_db(subject, lock_timeout=lock_timeout)
    setup(subject, s, statements)
    records = subject.call(support(subject), "interleave", [db, steps], {}, timeout=SCENARIO_TIMEOUT,
                           text=f"[sessions {', '.join(sorted({str(x[1]) for x in steps}))} run the script below]")
    if not isinstance(records, list) or len(records) != len(steps):
        fail("the scenario could not be run", expected="one record per step", got=show(records), hint=HINT_LOCKS)
    return records


def describe_script(steps: Script, records: list[dict[str, Any]], upto: int) -> str:
    lines = []
    for step, record in list(zip(steps, records, strict=True))[: upto + 1]:
        kind, who = step[0], str(step[1]).upper()
        if kind == "run":
            lines.append(f"{who}: {step[2]}  -> {brief(record['outcome'])}")
        elif kind == "start":
            lines.append(f"{who}: {step[2]}  (on its own thread: {record['state']})")
        elif kind == "still":
            lines.append(f"   ({who}'s statement: {record['state']})")
        elif kind == "join":
            lines.append(f"   ({who}'s statement returned: {brief(record['outcome'])})")
        elif kind == "in_transaction":
            lines.append(f"{who}.in_transaction  -> {record['value']!r}")
    return "\n".join(lines)


def expect_step(steps: Script, records: list[dict[str, Any]], index: int, check: Callable[[dict[str, Any]], bool],
                summary: str, expected: str, hint: str) -> None:
    if not check(records[index]):
        fail(summary, expected=expected, got="the script went:\n" + describe_script(steps, records, index), hint=hint)


def rows_were(want: tuple[Any, ...]) -> Callable[[dict[str, Any]], bool]:
    return lambda r: strict_equal(r.get("outcome", {}).get("result", {}).get("rows"), want)


def error_was(code: int) -> Callable[[dict[str, Any]], bool]:
    return lambda r: (r.get("outcome", {}).get("error") or {}).get("code") == code


def succeeded(r: dict[str, Any]) -> bool:
    return "result" in r.get("outcome", {}) and "bad_result" not in r["outcome"]["result"]


def state_was(state: str) -> Callable[[dict[str, Any]], bool]:
    return lambda r: r.get("state") == state


ACCOUNT = ["CREATE TABLE acct (id INT PRIMARY KEY, bal INT)", "INSERT INTO acct VALUES (1, 100)"]


@pytest.mark.correctness
@pytest.mark.points(3)
def test_writer_blocks_readers_no_dirty_read(subject: Subject) -> None:
    """a reader waits for a writer's transaction to end and then sees only committed data (no dirty read)"""
    steps: Script = [
        ("run", "a", "BEGIN"), ("run", "a", "UPDATE acct SET bal = 50 WHERE id = 1"),
        ("start", "b", "SELECT bal FROM acct WHERE id = 1"),
        ("run", "a", "ROLLBACK"), ("join", "b"),
        ("run", "a", "BEGIN"), ("run", "a", "UPDATE acct SET bal = 70 WHERE id = 1"),
        ("start", "b", "SELECT bal FROM acct WHERE id = 1"),
        ("run", "a", "COMMIT"), ("join", "b"),
    ]
    records = scenario(subject, ACCOUNT, steps)
    for index in (0, 1, 3, 5, 6, 8):
        expect_step(steps, records, index, succeeded, "a statement of the writer failed", "a Result", HINT_LOCKS)
    for start, join, want in ((2, 4, ((100,),)), (7, 9, ((70,),))):
        expect_step(steps, records, start, state_was("blocked"),
                    "B's SELECT did not wait for A's uncommitted UPDATE of the same table",
                    "B waits (A holds an exclusive lock on acct until it commits or rolls back)", HINT_LOCKS)
        expect_step(steps, records, join, rows_were(want),
                    "B read a value that A's transaction had not committed (a dirty read), or the wrong value",
                    f"B's SELECT returns {want!r} once A's transaction ends", HINT_LOCKS)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_readers_share_and_hold_until_commit(subject: Subject) -> None:
    """two readers share a table; a writer waits until every reader's transaction has ended (2PL)"""
    steps: Script = [
        ("run", "a", "BEGIN"), ("run", "a", "SELECT bal FROM acct WHERE id = 1"),
        ("run", "b", "BEGIN"), ("start", "b", "SELECT bal FROM acct"), ("join", "b"),
        ("start", "c", "UPDATE acct SET bal = bal + 1 WHERE id = 1"),
        ("run", "a", "SELECT bal FROM acct WHERE id = 1"), ("run", "a", "COMMIT"),
        ("still", "c"), ("run", "b", "COMMIT"), ("join", "c"),
        ("run", "a", "SELECT bal FROM acct WHERE id = 1"),
    ]
    records = scenario(subject, ACCOUNT, steps)
    expect_step(steps, records, 3, state_was("finished"), "B's SELECT waited although A only reads acct",
                "two shared locks on one table do not conflict: B reads at once", HINT_LOCKS)
    expect_step(steps, records, 4, rows_were(((100,),)), "B's SELECT returned the wrong rows", "((100,),)", HINT_LOCKS)
    expect_step(steps, records, 5, state_was("blocked"),
                "C's UPDATE did not wait for the readers' transactions (their shared locks must last until COMMIT)",
                "C waits while A and B hold shared locks on acct", HINT_LOCKS)
    expect_step(steps, records, 6, rows_were(((100,),)), "A's second read of acct changed inside its transaction",
                "((100,),): nobody may write acct while A holds its shared lock", HINT_LOCKS)
    expect_step(steps, records, 8, state_was("blocked"), "C's UPDATE went on while B still held its shared lock",
                "C waits until B commits too", HINT_LOCKS)
    expect_step(steps, records, 10, succeeded, "C's UPDATE should succeed once both readers committed",
                "a Result", HINT_LOCKS)
    expect_step(steps, records, 11, rows_were(((101,),)), "C's UPDATE was lost", "((101,),)", HINT_LOCKS)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_no_lost_update(subject: Subject, figures: Figures) -> None:
    """8 threads each add 1 five times (read v, then write v + 1, in a transaction): no update is lost"""
    _, db, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE counter (id INT PRIMARY KEY, v INT)", "INSERT INTO counter VALUES (1, 0)"])
    threads, increments = 8, 5
    out = subject.call(support(subject), "counter", [db, threads, increments], {}, timeout=SCENARIO_TIMEOUT,
                       text=f"[{threads} sessions on threads, each {increments} times: BEGIN; SELECT v FROM counter "
                            "WHERE id = 1; UPDATE counter SET v = <v + 1> WHERE id = 1; COMMIT (retried after "
                            "1213 or 1205)]")
    stats = out["stats"]
    errors = [e for st_ in stats for e in st_["errors"]]
    commits = sum(st_["commits"] for st_ in stats)
    figures.record("deadlocks resolved", sum(st_["deadlocks"] for st_ in stats))
    figures.record("lock wait timeouts", sum(st_["timeouts"] for st_ in stats))
    if out["hung"]:
        fail(f"{out['hung']} of {threads} threads never finished", expected="every thread done within 8 s",
             got=f"{commits} commits", hint=HINT_DEADLOCK)
    if errors:
        fail("a thread got an error other than 1213 or 1205", expected="only deadlocks or lock wait timeouts",
             got=show(errors[0], 300), hint=HINT_LOCKS)
    expect_true(commits == threads * increments, "not every thread could commit its increments",
                expected=f"{threads * increments} commits", got=f"{commits}", hint=HINT_DEADLOCK)
    final = out["final"]
    got = final.get("result", {}).get("rows") if isinstance(final, dict) else final
    expect_true(strict_equal(got, ((commits,),)), "updates were lost: the counter is not the number of commits",
                expected=f"(({commits},),)", got=show(got), hint=HINT_LOCKS)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_lock_wait_timeout(subject: Subject) -> None:
    """a wait longer than lock_timeout raises LockWaitTimeout (1205): only the statement is undone"""
    timeout = 0.2
    steps: Script = [
        ("run", "a", "BEGIN"), ("run", "a", "UPDATE acct SET bal = 0 WHERE id = 1"),
        ("run", "b", "BEGIN"), ("run", "b", "INSERT INTO audit VALUES (1)"),
        ("run", "b", "UPDATE acct SET bal = bal + 1 WHERE id = 1"),
        ("in_transaction", "b"), ("run", "b", "SELECT n FROM audit"),
        ("run", "a", "COMMIT"), ("run", "b", "UPDATE acct SET bal = bal + 1 WHERE id = 1"), ("run", "b", "COMMIT"),
        ("run", "a", "BEGIN"), ("run", "a", "DELETE FROM audit"), ("run", "c", "INSERT INTO audit VALUES (2)"),
        ("in_transaction", "c"), ("run", "a", "ROLLBACK"),
        ("run", "c", "SELECT n FROM audit"), ("run", "c", "SELECT bal FROM acct"),
    ]
    records = scenario(subject, [*ACCOUNT, "CREATE TABLE audit (n INT)"], steps, lock_timeout=timeout)
    hint = ("Wait for a lock at most lock_timeout seconds, then raise LockWaitTimeout (1205, HY000) and undo only "
            "the statement: the transaction keeps its earlier work and its locks.")
    for index in (4, 12):
        expect_step(steps, records, index, error_was(1205), "the blocked statement should time out with 1205",
                    f"LockWaitTimeout (1205) after about {timeout} s", hint)
        e = records[index]["outcome"]["error"]
        expect_step(steps, records, index, lambda r, e=e: e["sqlstate"] == "HY000" and e["database_error"],
                    "LockWaitTimeout should be a DatabaseError with SQLSTATE HY000", "DatabaseError 1205 (HY000)", hint)
        seconds = records[index]["seconds"]
        expect_true(timeout * 0.9 <= seconds <= timeout + 3.0, "the lock wait did not last lock_timeout",
                    expected=f"a wait of about {timeout} s", got=f"{seconds:.3f} s", hint=hint)
    expect_step(steps, records, 5, lambda r: r["value"] is True,
                "after a lock wait timeout the transaction should still be open", "in_transaction == True", hint)
    expect_step(steps, records, 6, rows_were(((1,),)), "the lock wait timeout undid the transaction's earlier INSERT",
                "((1,),)", hint)
    expect_step(steps, records, 8, succeeded, "once A committed, B's retried UPDATE should succeed", "a Result", hint)
    expect_step(steps, records, 13, lambda r: r["value"] is False,
                "a statement outside BEGIN that timed out should leave no transaction open", "False", hint)
    expect_step(steps, records, 15, rows_were(((1,),)), "a timed-out INSERT outside BEGIN left a row behind",
                "((1,),)", hint)
    expect_step(steps, records, 16, rows_were(((1,),)), "acct.bal should be 0 + 1 after A's and B's commits",
                "((1,),)", hint)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_deadlock_detected(subject: Subject, figures: Figures) -> None:
    """the session whose lock request closes a cycle gets Deadlock (1213) and is rolled back; the other goes on"""
    tables = ["CREATE TABLE x (id INT PRIMARY KEY, v INT)", "CREATE TABLE y (id INT PRIMARY KEY, v INT)",
              "INSERT INTO x VALUES (1, 0)", "INSERT INTO y VALUES (1, 0)"]
    steps: Script = [
        ("run", "a", "BEGIN"), ("run", "a", "UPDATE x SET v = 1 WHERE id = 1"),
        ("run", "b", "BEGIN"), ("run", "b", "UPDATE y SET v = 2 WHERE id = 1"),
        ("start", "a", "UPDATE y SET v = 1 WHERE id = 1"),
        ("run", "b", "UPDATE x SET v = 2 WHERE id = 1"), ("in_transaction", "b"),
        ("join", "a"), ("run", "a", "COMMIT"),
        ("run", "c", "SELECT v FROM x"), ("run", "c", "SELECT v FROM y"),
        ("run", "a", "BEGIN"), ("run", "a", "SELECT v FROM x"), ("run", "b", "BEGIN"), ("run", "b", "SELECT v FROM x"),
        ("start", "a", "UPDATE x SET v = 10 WHERE id = 1"),
        ("run", "b", "UPDATE x SET v = 20 WHERE id = 1"), ("join", "a"), ("run", "a", "COMMIT"),
        ("run", "c", "SELECT v FROM x"),
    ]
    timeout = 3.0
    records = scenario(subject, tables, steps, lock_timeout=timeout)
    for start, closing, join, commit in ((4, 5, 7, 8), (15, 16, 17, 18)):
        expect_step(steps, records, start, state_was("blocked"), "A's UPDATE should wait for B's lock",
                    "A waits", HINT_LOCKS)
        expect_step(steps, records, closing, error_was(1213),
                    "B's request closes a cycle of waits (A waits for B, B for A): B should get Deadlock at once",
                    "Deadlock (1213), not a wait until lock_timeout", HINT_DEADLOCK)
        e = records[closing]["outcome"]["error"]
        expect_step(steps, records, closing, lambda r, e=e: e["sqlstate"] == "40001" and e["database_error"],
                    "Deadlock should be a DatabaseError with SQLSTATE 40001", "DatabaseError 1213 (40001)",
                    HINT_DEADLOCK)
        figures.record(f"seconds to detect deadlock {1 if start == 4 else 2}", records[closing]["seconds"])
        expect_step(steps, records, join, succeeded, "once B was rolled back, A's UPDATE should go through",
                    "a Result", HINT_DEADLOCK)
        expect_step(steps, records, commit, succeeded, "A's COMMIT", "a Result", HINT_DEADLOCK)
    expect_step(steps, records, 6, lambda r: r["value"] is False,
                "the deadlock victim's transaction should be over (rolled back)", "in_transaction == False",
                HINT_DEADLOCK)
    expect_step(steps, records, 10, rows_were(((1,),)),
                "the deadlock victim's earlier UPDATE of y was not rolled back", "((1,),): A's value", HINT_DEADLOCK)
    expect_step(steps, records, 9, rows_were(((1,),)), "A's UPDATE of x is missing", "((1,),)", HINT_DEADLOCK)
    expect_step(steps, records, 19, rows_were(((10,),)), "after the second deadlock x should hold A's value",
                "((10,),)", HINT_DEADLOCK)


# -- faults ---------------------------------------------------------------------------------------------

CRASH_POINTS = 50


@pytest.mark.faults
@pytest.mark.points(4)
def test_power_cut_at_50_points(subject: Subject, figures: Figures) -> None:
    """power cut at 50 seeded writes (torn commits first): acknowledged commits survive, nothing else shows"""
    steps, states = workload(11, 60)
    out = subject.call(support(subject), "crash_points", [steps, KV_TABLES, CRASH_POINTS], {},
                       timeout=SCENARIO_TIMEOUT)
    if "clean_error" in out:
        fail("the workload did not run as expected even without a power cut", expected="every step as planned",
             got=out["clean_error"], hint=HINT_ATOMIC)
    violations: list[str] = []
    for point in out["points"]:
        where = (f"MemoryStorage(seed={point['seed']}, cut_after_writes={point['cut_after_writes']}); the power "
                 f"went out at step {point['step']} [{show_steps(steps, point['step'], 6)}]")
        for key in ("workload_error", "recovery_error"):
            if key in point:
                violations.append(f"{where}: {key.replace('_', ' ')}: {point[key]}")
        if any(key in point for key in ("workload_error", "recovery_error")):
            continue
        last = max(point["acked"], default=-1)
        allowed = [plain_state(states[last]) if last >= 0 else {"kv": "missing", "ev": "missing"}]
        if point["committing"] is not None:
            allowed.append(plain_state(states[point["committing"]]))
        got = seen_state(point["recovered"])
        if got not in allowed:
            violations.append(f"{where}: after recovery expected {show(allowed[0], 300)}, got {show(got, 300)}")
            continue
        after = point["after_commit"]
        reopened = seen_state(point["reopened"])
        want = dict(got)
        if isinstance(want.get("kv"), tuple) and "result" in after:
            want["kv"] = tuple(sorted((*want["kv"], (999, "after"))))
        if want.get("kv") != "missing" and ("result" not in after or reopened != want):
            violations.append(f"{where}: one more commit after recovery, then a clean reopen: expected "
                              f"{show(want, 300)}, got {show(reopened, 300)} (that commit: {brief(after)})")
    figures.record("crash points tried", len(out["points"]))
    figures.record("crash points with lost or phantom data", len(violations), threshold=0, better="lower")
    if violations:
        fail(f"{len(violations)} of {len(out['points'])} power cuts lost acknowledged commits, showed uncommitted "
             f"work, or broke the database", expected="after each cut: exactly the acknowledged commits (plus the "
             "one in progress, maybe), and a database that keeps working", got=violations[0],
             hint=HINT_DURABLE + " " + HINT_RECOVERY)


def random_expression(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(["id", "n", "s", "f", "x", "NULL", "TRUE", "FALSE", "0", "1", "-1", "2.5", "1e308",
                           "9223372036854775807", "''", "'abc'", "'x''y'", "id", "n"])
    kind = rng.randrange(7)
    a, b = random_expression(rng, depth - 1), random_expression(rng, depth - 1)
    if kind == 0:
        return f"({a} {rng.choice(['+', '-', '*', '/'])} {b})"
    if kind == 1:
        return f"({a} {rng.choice(['=', '!=', '<', '<=', '>', '>='])} {b})"
    if kind == 2:
        return f"({a} {rng.choice(['AND', 'OR'])} {b})"
    if kind == 3:
        return f"({rng.choice(['NOT ', '-'])}{a})"
    if kind == 4:
        return f"({a} IS {rng.choice(['', 'NOT '])}NULL)"
    if kind == 5:
        return f"({a} {rng.choice(['', 'NOT '])}IN ({b}, {random_expression(rng, 0)}))"
    return f"({a} BETWEEN {b} AND {random_expression(rng, 0)})"


def hostile_inputs() -> tuple[list[Any], set[str]]:
    """Broken statements, mutated statements, random well-formed statements, deep and big ones, non-strings."""
    rng = random.Random(2024)
    broken = ["", ";", "SELECT", "SELECT * FROM", "SELECT * FROM t WHERE", "INSERT INTO t VALUES",
              "INSERT INTO t VALUES ()", "UPDATE t SET", "DELETE t", "CREATE TABLE t ()", "CREATE TABLE (a INT)",
              "DROP t", "BEGIN WORK", "COMMIT WORK", "SELECT 'unterminated FROM t", "SELECT `x FROM t",
              "SELECT * FROM t LIMIT -1", "SELECT * FROM t WHERE id < n < 3", "SELECT ((((1 FROM t",
              "SELECT 99999999999999999999 FROM t", 'SELECT "x" FROM t', "EXPLAIN UPDATE t SET n = 1",
              "SELECT * FROM t; SELECT * FROM t", "\x00", "SELECT * FROM t WHERE id = 1 garbage", "select from t",
              "INSERT INTO t (id, VALUES (1)", "CREATE INDEX ON t (id)", "SELECT 1e999 FROM t", "ROLLBACK TO x"]
    valid = ["SELECT * FROM t WHERE id = 1", "SELECT id, s FROM t WHERE n > 1 AND s IS NOT NULL ORDER BY id DESC",
             "INSERT INTO t VALUES (50, 1, 'a', TRUE, 1.5)", "UPDATE t SET n = n + 1 WHERE id BETWEEN 1 AND 3",
             "DELETE FROM t WHERE s IN ('a', 'b')", "CREATE TABLE q (a INT PRIMARY KEY, b VARCHAR(3) NOT NULL)",
             "CREATE INDEX qi ON t (n)", "EXPLAIN SELECT * FROM t WHERE n = 2", "BEGIN", "ROLLBACK",
             "SELECT * FROM t ORDER BY n, id LIMIT 2 OFFSET 1"]
    mutated = []
    for text in valid:
        tokens = text.split(" ")
        for _ in range(8):
            t = list(tokens)
            i = rng.randrange(len(t))
            op = rng.randrange(4)
            if op == 0:
                del t[i]
            elif op == 1:
                t.insert(i, t[i])
            elif op == 2:
                j = rng.randrange(len(t))
                t[i], t[j] = t[j], t[i]
            else:
                t = list(" ".join(t)[: rng.randrange(len(text))].split(" "))
            mutated.append(" ".join(t))
    generated = []
    for _ in range(120):
        e = random_expression(rng, rng.randrange(1, 5))
        kind = rng.randrange(4)
        if kind == 0:
            generated.append(f"SELECT {e}, id FROM t WHERE {random_expression(rng, 2)} ORDER BY {e}")
        elif kind == 1:
            column = rng.choice(["n", "s", "f", "x"])
            generated.append(f"UPDATE t SET {column} = {e} WHERE {random_expression(rng, 2)}")
        elif kind == 2:
            generated.append(f"INSERT INTO t VALUES ({rng.randrange(100, 200)}, {e}, {random_expression(rng, 0)}, "
                             f"{random_expression(rng, 0)}, {random_expression(rng, 0)})")
        else:
            generated.append(f"DELETE FROM t WHERE {e}")
    big = ["SELECT id FROM t WHERE " + " OR ".join(f"id = {i}" for i in range(150)),
           "SELECT " + " + ".join("n" for _ in range(150)) + " FROM t",
           "SELECT id FROM t WHERE " + " OR ".join(f"id = {i}" for i in range(3000)),
           "SELECT " + " + ".join("1" for _ in range(3000)) + " FROM t",
           "SELECT " + "(" * 60 + "id" + ")" * 60 + " FROM t",
           "SELECT id FROM t WHERE id IN (" + ", ".join(str(i) for i in range(1000)) + ")",
           "INSERT INTO t VALUES (300, 1, '" + "z" * 1_000_000 + "', TRUE, 1)",
           "INSERT INTO t VALUES " + ", ".join(f"({1000 + i}, {i}, 'v', FALSE, 0)" for i in range(500))]
    return broken + mutated + generated + big + [None, b"SELECT * FROM t", 42], {big[0], big[1], big[4]}


@pytest.mark.faults
@pytest.mark.points(3)
def test_hostile_input(subject: Subject, figures: Figures) -> None:
    """bad SQL gives 1064; broken, random, deep and huge statements give a Result or a DatabaseError, never a crash"""
    _, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, n INT, s TEXT, f BOOL, x FLOAT)",
                       "INSERT INTO t VALUES (1, 1, 'a', TRUE, 0.5), (2, NULL, NULL, NULL, NULL), "
                       "(3, 3, 'c', FALSE, 2)"])
    texts, must_work = hostile_inputs()
    out = subject.call(support(subject), "hostile", [s, texts], {}, timeout=SCENARIO_TIMEOUT,
                       text=f"[{len(texts)} hostile statements, each in session.execute()]")
    problems = []
    for text, (parsed, got, sqlstate) in zip(texts, out, strict=True):
        shown = show(text, 120)
        if not isinstance(text, str):
            if not got.startswith("TypeError"):
                problems.append((f"execute({shown})", "TypeError (not a str)", got))
        elif parsed == "parse-error":
            if got != "DatabaseError 1064" or sqlstate != "42000":
                problems.append((shown, "DatabaseError 1064 (42000): your parser rejects it", f"{got} ({sqlstate})"))
        elif parsed != "parsed":
            problems.append((shown, "your parser returns a statement or raises SqlSyntaxError", parsed))
        elif got != "result" and not (got.startswith("DatabaseError ") and got != "DatabaseError 1064"
                                      and int(got.split()[1]) in CODES):
            problems.append((shown, "a Result, or a DatabaseError with a code from the README's table", got))
        elif text in must_work and got != "result":
            problems.append((shown, "a Result (an expression under 200 levels deep is within the limit)", got))
    parsed_ok = sum(1 for p, _, _ in out if p == "parsed")
    figures.record("statements tried", len(texts))
    figures.record("of them well-formed", parsed_ok)
    if problems:
        what, expected, got = problems[0]
        fail(f"{len(problems)} of {len(texts)} hostile statements were mishandled, e.g. {what}", expected=expected,
             got=got, hint="execute() raises DatabaseError for every bad statement: 1064 (42000) when the parser "
                           "rejects it, the README's codes otherwise; only a non-str argument is a TypeError. An "
                           "expression more than 200 levels deep may be refused with 1436.")
    ok(subject, s, "SELECT * FROM t")  # the session still works


# -- performance ----------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_index_lookups_examine_fewer_rows(subject: Subject, figures: Figures) -> None:
    """rows examined: 1 for a key lookup, the matches for an index, the range, all rows for a scan (1000 rows)"""
    _, _, s = open_db(subject)
    ok(subject, s, "CREATE TABLE t (id INT PRIMARY KEY, k INT, v INT)")
    subject.call(support(subject), "make_rows", [s, "t", 1000, "({i}, {k}, {i})", 50], {})
    ok(subject, s, "CREATE INDEX ik ON t (k)")
    for sql, want in [("SELECT v FROM t WHERE id = 500", 1), ("SELECT v FROM t WHERE k = 7", 20),
                      ("SELECT v FROM t WHERE id > 950", 50), ("SELECT v FROM t WHERE k BETWEEN 1 AND 3", 60),
                      ("SELECT v FROM t WHERE v = 500", 1000), ("UPDATE t SET v = v + 1 WHERE id = 10", 1),
                      ("UPDATE t SET v = v + 1 WHERE k = 3", 20), ("DELETE FROM t WHERE id = 11", 1),
                      ("DELETE FROM t WHERE k = 49", 20)]:
        result = ok(subject, s, sql, HINT_PLAN)
        figures.record(f"rows examined: {sql}", result["rows_examined"])
        expect_same(result["rows_examined"], want, f"{sql}: rows_examined", HINT_PLAN)


@pytest.mark.performance
@pytest.mark.points(2)
def test_commit_syncs_once(subject: Subject, figures: Figures) -> None:
    """one sync per committed transaction that changed something; none inside it, for ROLLBACK or for reads"""
    storage, _, s = open_db(subject)
    setup(subject, s, ["CREATE TABLE t (id INT PRIMARY KEY, n INT)", "INSERT INTO t VALUES (1, 1), (2, 2)"])
    hint = ("Write nothing durable until COMMIT, then sync once: one redo record for the whole transaction. A "
            "transaction that changed nothing (reads, ROLLBACK, a failed statement, an UPDATE matching no row) "
            "needs no sync at all.")

    def syncs_for(statements: list[str]) -> int:
        storage.reset_counts()
        for sql in statements:
            run(subject, s, sql)
        counts = storage.counts()
        return int(counts["syncs"])

    inside = syncs_for(["BEGIN", "INSERT INTO t VALUES (3, 3)", "UPDATE t SET n = n + 1", "DELETE FROM t WHERE id = 1",
                        "INSERT INTO t VALUES (4, 4), (5, 5)"])
    expect_same(inside, 0, "syncs made by the statements of an open transaction", hint)
    at_commit = syncs_for(["COMMIT"])
    figures.record("syncs for a 4-statement transaction", inside + at_commit)
    expect_same(at_commit, 1, "syncs made by COMMIT of a transaction with four changes", hint)
    for statements, want, what in [
        (["INSERT INTO t VALUES (6, 6)"], 1, "an INSERT outside BEGIN"),
        ([f"INSERT INTO t VALUES ({i}, {i})" for i in range(10, 20)], 10, "10 INSERTs outside BEGIN"),
        (["BEGIN", "UPDATE t SET n = 0", "ROLLBACK"], 0, "a rolled-back transaction"),
        (["SELECT * FROM t", "BEGIN", "SELECT n FROM t WHERE id = 2", "COMMIT"], 0, "reads"),
        (["INSERT INTO t VALUES (2, 2)", "UPDATE t SET n = 1 WHERE id = 999"], 0,
         "a failed INSERT and an UPDATE matching nothing"),
    ]:
        expect_same(syncs_for(statements), want, f"syncs made by {what}: {'; '.join(statements)[:120]}", hint)


def lookup_setup(subject: Subject, update: bool) -> Callable[[int], tuple[RemoteObject, Any]]:
    def setup_(size: int) -> tuple[RemoteObject, Any]:
        _, _, s = open_db(subject)
        ok(subject, s, "CREATE TABLE t (id INT PRIMARY KEY, k INT, v TEXT)")
        subject.call(support(subject), "make_rows", [s, "t", size, "({i}, {k}, 'value {i}')", 10], {},
                     timeout=30.0)
        rng = random.Random(size)

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            keys = [rng.randrange(1, size + 1) for _ in range(150)]
            if update:
                return [("execute", (f"UPDATE t SET k = k + 1 WHERE id = {k}",)) for k in keys]
            return [("execute", (f"SELECT v FROM t WHERE id = {k}",)) for k in keys]

        return s, calls

    return setup_


@pytest.mark.performance
@pytest.mark.points(2)
def test_point_lookup_cost_is_flat(subject: Subject, figures: Figures) -> None:
    """a primary-key SELECT costs the same at 8n rows as at n: it reads the key, not the table"""
    check_growth(subject, figures, lookup_setup(subject, update=False), n=300, operation="SELECT ... WHERE id = k",
                 hint=HINT_PLAN)


@pytest.mark.performance
@pytest.mark.points(2)
def test_small_commit_cost_is_flat(subject: Subject, figures: Figures) -> None:
    """a one-row UPDATE outside BEGIN costs the same at 8n rows: nothing copies or rewrites the whole table"""
    check_growth(subject, figures, lookup_setup(subject, update=True), n=300,
                 operation="UPDATE ... WHERE id = k (committed)",
                 hint="Undo needs only the rows a statement changed, and the redo record only those changes: never "
                      "copy a table for a savepoint, and never rewrite the data at COMMIT.")
