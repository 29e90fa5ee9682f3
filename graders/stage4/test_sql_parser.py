"""Grader for stage4/sql-parser: a parser for a small SQL dialect, its errors, and format_sql.

The AST is made of the learner's frozen dataclasses; ``support/sql_parser_support.py`` turns
trees into plain dicts (``{"node": class name, field: value}``) inside the subject and builds
trees from them, so the grader compares plain data in its own process, strictly (``TRUE`` is
not ``1``, ``1.0`` is not ``1``). Bad input is the heart of it: random text, token soup,
mutated and truncated statements, deep nesting and megabyte statements must end in a
``SqlSyntaxError`` with a position inside the text, or in a statement, and nothing else.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swai.grading import Figures, expect_true, fail
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

SUPPORT = "sql_parser_support"
MAX_DEPTH = 64
MAX_INT = 2**63 - 1

HINT_PRECEDENCE = ("Write one function per precedence level, loosest first: OR, AND, NOT, comparisons/IS/IN/BETWEEN, "
                   "+ -, * /, unary -, then literals, names and parentheses. A binary level loops (left = "
                   "Binary(op, left, next_level())) so a - b - c groups as (a - b) - c.")
HINT_TOKENS = ("Keywords are case-insensitive (compare upper-cased words with the keyword set), unquoted names are "
               "folded to lower case, `backquoted` names are kept as written, '' inside a string is one quote, "
               "and -- starts a comment that runs to the end of the line.")
HINT_ERROR = ("Raise SqlSyntaxError(message, position, line, column): position is the 0-based character offset of "
              "the token (or character) where the problem starts, len(text) at the end of the input; line and "
              "column are 1-based. Keep each token's start offset in the token; compute line and column only when "
              "you raise.")
HINT_NEVER_CRASH = ("parse() may raise SqlSyntaxError and nothing else: look at the current token through one "
                    "helper that returns an end-of-input token past the last one (no tokens[i + 1] IndexError), "
                    "check every int()/float() conversion, and make every tokenizer step consume a character "
                    "or raise.")
HINT_FORMAT = ("format_sql puts a sub-expression in parentheses when it binds looser than its place needs: the "
               "right operand of a left-associative operator needs a strictly tighter one (a - (b - c)), "
               "comparisons take sums on both sides, and a string doubles its quotes. Names that are keywords, "
               "not lower case or not plain need backquotes.")


# -- plain trees, as the support module returns them ------------------------------------------------

def node(kind: str, /, **fields: Any) -> dict[str, Any]:
    return {"node": kind, **fields}


def lit(value: Any) -> dict[str, Any]:
    return node("Literal", value=value)


def col(name: str) -> dict[str, Any]:
    return node("Column", name=name)


def neg(operand: Any) -> dict[str, Any]:
    return node("Unary", op="-", operand=operand)


def not_(operand: Any) -> dict[str, Any]:
    return node("Unary", op="NOT", operand=operand)


def bin_(op: str, left: Any, right: Any) -> dict[str, Any]:
    return node("Binary", op=op, left=left, right=right)


def is_null(operand: Any, negated: bool = False) -> dict[str, Any]:
    return node("IsNull", operand=operand, negated=negated)


def in_list(operand: Any, items: tuple[Any, ...], negated: bool = False) -> dict[str, Any]:
    return node("InList", operand=operand, items=items, negated=negated)


def between(operand: Any, low: Any, high: Any, negated: bool = False) -> dict[str, Any]:
    return node("Between", operand=operand, low=low, high=high, negated=negated)


def select(columns: tuple[Any, ...] | None = None, table: str = "t", where: Any = None,
           order_by: tuple[Any, ...] = (), limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
    return node("Select", columns=columns, table=table, where=where, order_by=order_by, limit=limit, offset=offset)


def order(expr: Any, descending: bool = False) -> dict[str, Any]:
    return node("OrderItem", expr=expr, descending=descending)


def coldef(name: str, type_: str, length: int | None = None, primary_key: bool = False,
           not_null: bool = False) -> dict[str, Any]:
    return node("ColumnDef", name=name, type=type_, length=length, primary_key=primary_key, not_null=not_null)


def where_of(expr: Any) -> dict[str, Any]:
    return select((col("a"),), where=expr)


def strict_equal(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (True is not 1, 1.0 is not 1, a list is not a tuple)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def render(tree: Any, limit: int = 600) -> str:
    """A plain tree as constructor calls: Binary('-', Column('a'), Literal(1))."""
    text = _render(tree)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(tree: Any) -> str:
    if isinstance(tree, dict):
        name = tree.get("node", "?")
        if name == "<list>":
            return "[" + ", ".join(_render(v) for v in tree.get("items", ())) + "]"
        return f"{name}(" + ", ".join(_render(v) for k, v in tree.items() if k != "node") + ")"
    if isinstance(tree, tuple):
        inner = ", ".join(_render(v) for v in tree)
        return f"({inner},)" if len(tree) == 1 else f"({inner})"
    return repr(tree)


# -- calls into the subject -------------------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    return subject.import_module(SUPPORT)


def parse_outcome(subject: Subject, text: str) -> tuple[Any, ...]:
    result = subject.call(support(subject), "outcome", [text], {}, text=f"parse({show(text, 200)})")
    if not isinstance(result, tuple):
        fail("parse() could not be called", expected="a statement or SqlSyntaxError", got=show(result),
             hint="Keep parse(text) a module-level function of minimysql/sql.py.")
    return result


def describe_error(result: tuple[Any, ...]) -> str:
    kind, type_name, position, line, column, message = result
    where = f" at position {position!r}, line {line!r}, column {column!r}" if kind == "syntax" else ""
    return f"{type_name}{where}: {message}"


def expect_tree(subject: Subject, text: str, want: Any, summary: str, hint: str) -> None:
    result = parse_outcome(subject, text)
    if result[0] != "ok":
        fail(summary, expected=render(want), got=describe_error(result), hint=hint)
    if not strict_equal(result[1], want):
        fail(summary, expected=render(want), got=render(result[1]), hint=hint)


def expect_rejected(subject: Subject, text: str, summary: str, hint: str) -> tuple[Any, ...]:
    result = parse_outcome(subject, text)
    if result[0] == "ok":
        fail(summary, expected="SqlSyntaxError", got=f"it parsed as {render(result[1])}", hint=hint)
    if result[0] != "syntax":
        fail(summary, expected="SqlSyntaxError", got=describe_error(result), hint=HINT_NEVER_CRASH)
    return result


def location(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def bad_outcome(text: str, result: tuple[Any, ...]) -> str | None:
    """Why an outcome breaks the rule "a statement, or a SqlSyntaxError with a position inside the text"."""
    if result[0] == "ok":
        return None
    if result[0] != "syntax":
        return f"{describe_error(result)} (only SqlSyntaxError may come out of parse())"
    _, _, position, line, column, message = result
    if type(position) is not int or not 0 <= position <= len(text):
        return f"SqlSyntaxError with position {position!r}, outside 0..{len(text)} (the text's length)"
    if (line, column) != location(text, position) or type(line) is not int or type(column) is not int:
        want_line, want_column = location(text, position)
        return (f"SqlSyntaxError at position {position} with line {line!r}, column {column!r}; position {position} "
                f"is line {want_line}, column {want_column}")
    if type(message) is not str or not message.strip():
        return "SqlSyntaxError without a message"
    return None


# -- correctness: statements --------------------------------------------------------------------------

STATEMENTS: list[tuple[str, Any]] = [
    ("SELECT * FROM users", select(table="users")),
    ("SELECT id, name FROM users WHERE id = 7;",
     select((col("id"), col("name")), "users", bin_("=", col("id"), lit(7)))),
    ("SELECT price * 2 FROM items", select((bin_("*", col("price"), lit(2)),), "items")),
    ("INSERT INTO t VALUES (1, 'a')", node("Insert", table="t", columns=None, rows=((lit(1), lit("a")),))),
    ("INSERT INTO t (a, b) VALUES (1, NULL), (-2, 2.5)",
     node("Insert", table="t", columns=("a", "b"), rows=((lit(1), lit(None)), (neg(lit(2)), lit(2.5))))),
    ("UPDATE t SET a = a + 1, b = 'x' WHERE id = 3",
     node("Update", table="t", assignments=(node("Assignment", column="a", value=bin_("+", col("a"), lit(1))),
                                            node("Assignment", column="b", value=lit("x"))),
          where=bin_("=", col("id"), lit(3)))),
    ("UPDATE t SET a = 0", node("Update", table="t", assignments=(node("Assignment", column="a", value=lit(0)),),
                                where=None)),
    ("DELETE FROM t WHERE a IS NULL", node("Delete", table="t", where=is_null(col("a")))),
    ("DELETE FROM t", node("Delete", table="t", where=None)),
    ("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, bio TEXT, score FLOAT, ok BOOL)",
     node("CreateTable", name="users", columns=(
         coldef("id", "INT", primary_key=True), coldef("name", "VARCHAR", 64, not_null=True), coldef("bio", "TEXT"),
         coldef("score", "FLOAT"), coldef("ok", "BOOL")))),
    ("CREATE TABLE t (a INTEGER NOT NULL PRIMARY KEY, b BOOLEAN)",
     node("CreateTable", name="t", columns=(coldef("a", "INT", primary_key=True, not_null=True),
                                            coldef("b", "BOOL")))),
    ("CREATE INDEX by_name ON users (name)", node("CreateIndex", name="by_name", table="users", column="name")),
    ("DROP TABLE users", node("DropTable", name="users")),
    ("BEGIN", node("Begin")),
    ("COMMIT;", node("Commit")),
    ("ROLLBACK", node("Rollback")),
    ("EXPLAIN SELECT a FROM t WHERE a > 1", node("Explain", statement=select((col("a"),), where=bin_(">", col("a"),
                                                                                                     lit(1))))),
]


@pytest.mark.correctness
@pytest.mark.points(3)
def test_statements(subject: Subject) -> None:
    """every statement kind parses into the documented AST"""
    for text, want in STATEMENTS:
        expect_tree(subject, text, want, f"parse({text!r}) returned the wrong tree",
                    hint="Build exactly the node classes of the spec, with tuples (not lists) for sequences and "
                         "None for what the statement leaves out (no WHERE, no column list, SELECT *).")


SELECT_CLAUSES: list[tuple[str, Any]] = [
    ("SELECT a FROM t ORDER BY a", select((col("a"),), order_by=(order(col("a")),))),
    ("SELECT a FROM t ORDER BY a DESC, b ASC, c", select((col("a"),), order_by=(
        order(col("a"), True), order(col("b")), order(col("c"))))),
    ("SELECT a FROM t LIMIT 10", select((col("a"),), limit=10)),
    ("SELECT a FROM t LIMIT 10 OFFSET 20", select((col("a"),), limit=10, offset=20)),
    ("SELECT a FROM t LIMIT 0 OFFSET 3", select((col("a"),), limit=0, offset=3)),
    ("SELECT * FROM t WHERE a = 1 ORDER BY b - 1 DESC LIMIT 5 OFFSET 1",
     select(where=bin_("=", col("a"), lit(1)), order_by=(order(bin_("-", col("b"), lit(1)), True),), limit=5,
            offset=1)),
    ("EXPLAIN SELECT * FROM t ORDER BY a LIMIT 2 OFFSET 7",
     node("Explain", statement=select(order_by=(order(col("a")),), limit=2, offset=7))),
]


@pytest.mark.correctness
@pytest.mark.points(1)
def test_select_clauses(subject: Subject) -> None:
    """SELECT's ORDER BY, LIMIT and OFFSET land in the right fields"""
    for text, want in SELECT_CLAUSES:
        expect_tree(subject, text, want, f"parse({text!r}) returned the wrong tree",
                    hint="ORDER BY takes expressions, each with descending=True only for DESC; LIMIT n sets limit, "
                         "the OFFSET m after it sets offset.")


# -- correctness: expressions -------------------------------------------------------------------------

a, b, c, d = col("a"), col("b"), col("c"), col("d")
PRECEDENCE: list[tuple[str, Any]] = [
    ("a - b - c", bin_("-", bin_("-", a, b), c)),
    ("a / b / c", bin_("/", bin_("/", a, b), c)),
    ("a - b + c", bin_("+", bin_("-", a, b), c)),
    ("a + b * c", bin_("+", a, bin_("*", b, c))),
    ("a * b - c / d", bin_("-", bin_("*", a, b), bin_("/", c, d))),
    ("(a + b) * c", bin_("*", bin_("+", a, b), c)),
    ("a - (b - c)", bin_("-", a, bin_("-", b, c))),
    ("-a * b", bin_("*", neg(a), b)),
    ("-(a * b)", neg(bin_("*", a, b))),
    ("a - -b", bin_("-", a, neg(b))),
    ("a + b = c * d", bin_("=", bin_("+", a, b), bin_("*", c, d))),
    ("a OR b AND c", bin_("OR", a, bin_("AND", b, c))),
    ("a AND b OR c AND d", bin_("OR", bin_("AND", a, b), bin_("AND", c, d))),
    ("a OR b OR c", bin_("OR", bin_("OR", a, b), c)),
    ("a AND b AND c", bin_("AND", bin_("AND", a, b), c)),
    ("NOT a AND b", bin_("AND", not_(a), b)),
    ("NOT a OR NOT b", bin_("OR", not_(a), not_(b))),
    ("NOT a = b", not_(bin_("=", a, b))),
    ("NOT NOT a", not_(not_(a))),
    ("a = 1 OR b <> 2 AND NOT c >= 3", bin_("OR", bin_("=", a, lit(1)),
                                            bin_("AND", bin_("!=", b, lit(2)), not_(bin_(">=", c, lit(3)))))),
    ("(a OR b) AND c", bin_("AND", bin_("OR", a, b), c)),
    ("a < b AND c <= d", bin_("AND", bin_("<", a, b), bin_("<=", c, d))),
    ("a > 1 AND a != 2", bin_("AND", bin_(">", a, lit(1)), bin_("!=", a, lit(2)))),
    ("(a = b) = c", bin_("=", bin_("=", a, b), c)),
]


@pytest.mark.correctness
@pytest.mark.points(3)
def test_precedence_and_associativity(subject: Subject) -> None:
    """operators bind as documented: NOT > AND > OR, * / > + -, left-associative"""
    for expr, want in PRECEDENCE:
        text = f"SELECT a FROM t WHERE {expr}"
        expect_tree(subject, text, where_of(want), f"WHERE {expr} was grouped wrongly", hint=HINT_PRECEDENCE)


PREDICATES: list[tuple[str, Any]] = [
    ("a IS NULL", is_null(a)),
    ("a IS NOT NULL", is_null(a, True)),
    ("a + 1 IS NULL", is_null(bin_("+", a, lit(1)))),
    ("NOT a IS NULL", not_(is_null(a))),
    ("a IN (1, 2, 3)", in_list(a, (lit(1), lit(2), lit(3)))),
    ("a NOT IN ('x')", in_list(a, (lit("x"),), True)),
    ("a IN (b + 1, c OR d)", in_list(a, (bin_("+", b, lit(1)), bin_("OR", c, d)))),
    ("a BETWEEN 1 AND 10", between(a, lit(1), lit(10))),
    ("a NOT BETWEEN b - 1 AND c * 2", between(a, bin_("-", b, lit(1)), bin_("*", c, lit(2)), True)),
    ("a BETWEEN 1 AND 2 AND b", bin_("AND", between(a, lit(1), lit(2)), b)),
    ("a IS NULL OR b IN (1) AND c BETWEEN 1 AND 2",
     bin_("OR", is_null(a), bin_("AND", in_list(b, (lit(1),)), between(c, lit(1), lit(2))))),
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_predicates(subject: Subject) -> None:
    """IS [NOT] NULL, [NOT] IN (...) and [NOT] BETWEEN ... AND ... bind like comparisons"""
    for expr, want in PREDICATES:
        expect_tree(subject, f"SELECT a FROM t WHERE {expr}", where_of(want), f"WHERE {expr} parsed wrongly",
                    hint="IS/IN/BETWEEN sit at the comparison level: their left side is a sum (+ -), BETWEEN's "
                         "bounds are sums too (so the AND between them is not the logical AND), IN's items are "
                         "full expressions, and NOT before IN/BETWEEN sets negated=True.")


LITERALS: list[tuple[str, Any]] = [
    ("0", lit(0)),
    ("42", lit(42)),
    ("9223372036854775807", lit(MAX_INT)),
    ("2.5", lit(2.5)),
    ("1.", lit(1.0)),
    (".5", lit(0.5)),
    ("1e3", lit(1000.0)),
    ("1.5E-3", lit(0.0015)),
    ("-7", neg(lit(7))),
    ("'hello world'", lit("hello world")),
    ("''", lit("")),
    ("'it''s'", lit("it's")),
    ("''''", lit("'")),
    ("'a''''b'", lit("a''b")),
    ("'-- not a comment'", lit("-- not a comment")),
    ("'line\nbreak'", lit("line\nbreak")),
    ("'naïve ☃'", lit("naïve ☃")),
    ("'SELECT'", lit("SELECT")),
    ("NULL", lit(None)),
    ("TRUE", lit(True)),
    ("FALSE", lit(False)),
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_literals(subject: Subject) -> None:
    """numbers, strings with '' escapes, NULL, TRUE and FALSE become the right Python values"""
    for text, want in LITERALS:
        expect_tree(subject, f"SELECT {text} FROM t", select((want,)), f"the literal {text} parsed wrongly",
                    hint="Digits alone are an int; with a '.' or an exponent, a float. Strings are single-quoted "
                         "and '' inside one is a single quote. NULL, TRUE, FALSE are None, True, False (not 0/1). "
                         "A leading minus is Unary('-', ...), never part of the number.")


LEXICAL: list[tuple[str, Any]] = [
    ("select A from T where B = 1", select((col("a"),), where=bin_("=", col("b"), lit(1)))),
    ("SeLeCt a FrOm t WhErE a Is NoT nUlL aNd b iN (1) oR NOT c", select((col("a"),), where=bin_(
        "OR", bin_("AND", is_null(col("a"), True), in_list(col("b"), (lit(1),))), not_(col("c"))))),
    ("select * from t order by a desc limit 1 offset 2", select(order_by=(order(col("a"), True),), limit=1,
                                                               offset=2)),
    ("SELECT `Name`, `select`, `two words` FROM `My Table`",
     select((col("Name"), col("select"), col("two words")), "My Table")),
    ("SELECT\n\ta\t,b -- the columns\nFROM t -- done", select((col("a"), col("b")))),
    ("-- leading comment\nSELECT a FROM t;  -- trailing", select((col("a"),))),
    ("  SELECT a FROM t  ;  ", select((col("a"),))),
    ("SELECT a FROM t WHERE a<>1", select((col("a"),), where=bin_("!=", col("a"), lit(1)))),
    ("SELECT a FROM t WHERE a<=1 AND b>=2", select((col("a"),), where=bin_(
        "AND", bin_("<=", col("a"), lit(1)), bin_(">=", col("b"), lit(2))))),
    ("SELECT a-1 FROM t", select((bin_("-", col("a"), lit(1)),))),
    ("SELECT a_1, _b FROM t9", select((col("a_1"), col("_b")), "t9")),
    ("create table T (ID int primary key, Txt varchar(3) not null)", node("CreateTable", name="t", columns=(
        coldef("id", "INT", primary_key=True), coldef("txt", "VARCHAR", 3, not_null=True)))),
    ("insert into T (A) values (true), (null)", node("Insert", table="t", columns=("a",),
                                                     rows=((lit(True),), (lit(None),)))),
    ("begin", node("Begin")),
    ("explain select * from t", node("Explain", statement=select())),
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_case_quoting_and_comments(subject: Subject) -> None:
    """keywords in any case, names folded to lower case unless backquoted, comments and whitespace skipped"""
    for text, want in LEXICAL:
        expect_tree(subject, text, want, f"parse({text!r}) returned the wrong tree", hint=HINT_TOKENS)


# -- correctness: errors ----------------------------------------------------------------------------

REJECTED = [
    "", ";", "-- nothing but a comment", "SELECT", "SELECT * FROM", "SELECT a, FROM t", "SELECT * FROM t WHERE",
    "SELECT * FROM t ORDER a", "SELECT * FROM t LIMIT", "SELECT * FROM t LIMIT -1", "SELECT * FROM t LIMIT 1.5",
    "SELECT * FROM t LIMIT a", "SELECT * FROM t OFFSET 5", "SELECT * FROM t LIMIT 1 LIMIT 2", "SELECT *, a FROM t",
    "SELECT a FROM t WHERE a < b < c", "SELECT a b FROM t", "SELECT a FROM select", "SELECT a FROM t x",
    "SELECT a FROM t WHERE a = NOT b", "SELECT a FROM t WHERE a IS NULL IS NULL", "SELECT a FROM t WHERE a IS 1",
    "SELECT a FROM t WHERE a BETWEEN 1", "SELECT a FROM t WHERE a IN 1", "SELECT a FROM t WHERE a IN ()",
    "SELECT a FROM t WHERE a NOT b", "SELECT +1 FROM t", "SELECT a FROM t WHERE (a = 1",
    "SELECT a FROM t WHERE a = 1)", "SELECT \"a\" FROM t", "SELECT `` FROM t", "SELECT 1e999 FROM t",
    "SELECT 9223372036854775808 FROM t", "SELECT a FROM t;;", "SELECT a FROM t; SELECT b FROM t",
    "INSERT INTO t () VALUES (1)", "INSERT INTO t VALUES ()", "INSERT INTO t VALUES", "INSERT t VALUES (1)",
    "INSERT INTO t VALUES (1),", "UPDATE t SET WHERE a = 1", "UPDATE t SET a = 1,", "UPDATE t SET a",
    "DELETE t", "DELETE FROM", "CREATE TABLE t ()", "CREATE TABLE t (a)", "CREATE TABLE t (a BLOB)",
    "CREATE TABLE t (a VARCHAR)", "CREATE TABLE t (a VARCHAR(0))", "CREATE TABLE t (a INT PRIMARY)",
    "CREATE TABLE t (a INT NOT)", "CREATE TABLE t (a INT,)", "CREATE TABLE select (a INT)",
    "CREATE INDEX i ON t", "CREATE INDEX i ON t (a, b)", "CREATE t", "DROP t", "DROP TABLE",
    "EXPLAIN DELETE FROM t", "EXPLAIN", "BEGIN BEGIN", "COMMIT WORK", "ROLLBACK;;", "SELECT a FROM t WHERE a = 'x",
    "SELECT a FROM `t", "WHERE a = 1", "select_ a from t",
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_invalid_statements_rejected(subject: Subject) -> None:
    """text outside the grammar is a SqlSyntaxError, never a statement and never another exception"""
    for text in REJECTED:
        result = expect_rejected(subject, text, f"parse({text!r}) should raise SqlSyntaxError",
                                 hint="Follow the grammar of the spec exactly: after a statement only an optional "
                                      "';' and the end of the input may follow, comparisons do not chain, LIMIT and "
                                      "OFFSET take integer literals, and integers above 2**63-1 are out of range.")
        why = bad_outcome(text, result)
        if why:
            fail(f"parse({text!r}) raised a SqlSyntaxError with the wrong location", expected=(
                "a position inside the text, and the line and column of that position"), got=why, hint=HINT_ERROR)


# (text, position, found): found is the token's text the message must name, None at the end of the input.
ERROR_POSITIONS: list[tuple[str, int, str | None]] = [
    ("SELECT a FROM", 13, None),
    ("SELECT a\nFROM t\nWHERE a = = 1", 26, "="),
    ("SELECT * FROM t WHERE name = 'abc", 29, None),
    ("SELECT a FROM t LIMIT 5 OFFSET 'x'", 31, "'x'"),
    ("INSERT INTO t VALUES (1, 2", 26, None),
    ("  \n\tDELETE t", 11, "t"),
    ("SELECT a FROM t WHERE a < b < c", 28, "<"),
    ("SELECT a FROM t; SELECT b FROM t", 17, "SELECT"),
    ("SELECT a FROM t\n  WHERE a = 1\n  ORDER BY", 40, None),
    ("SELECT 'é' , @ FROM t", 13, None),
    ("CREATE TABLE t (\n  a INT,\n  b VARCHAR(0)\n)", 38, "0"),
    ("SELECT 99999999999999999999 FROM t", 7, None),
    ("SELECT a, `b FROM t", 10, None),
    ("-- only a comment", 17, None),
    ("select a from t where a in ()", 28, ")"),
    ("SELECT a -- the column\nFROM t WHERE NOT", 39, None),
    ("UPDATE t SET a = 1 WHERE", 24, None),
    ("SELECT a FROM t WHERE a NOT LIKE 'x'", 28, "LIKE"),
    ("\n\n\nDROP TABLE 42", 14, "42"),
]


@pytest.mark.correctness
@pytest.mark.points(3)
def test_error_positions(subject: Subject) -> None:
    """a SqlSyntaxError points at the offending token: position, line, column, and the token in the message"""
    for text, position, found in ERROR_POSITIONS:
        result = expect_rejected(subject, text, f"parse({text!r}) should raise SqlSyntaxError", hint=HINT_ERROR)
        _, _, got_position, got_line, got_column, message = result
        line, column = location(text, position)
        want = (position, line, column)
        if (got_position, got_line, got_column) != want:
            marker = text[:position] + "⟨here⟩" + text[position:]
            fail(f"parse({text!r}) reported the error at the wrong place", expected=(
                f"position={position}, line={line}, column={column}: {marker!r}"),
                got=f"position={got_position!r}, line={got_line!r}, column={got_column!r} ({message!r})",
                hint=HINT_ERROR)
        if found is not None:
            expect_true(found in str(message), f"the error for {text!r} should name the token it found",
                        expected=f"a message containing {found!r}, e.g. \"expected ..., found '{found}'\"",
                        got=repr(message), hint="Say what was expected and quote the token found: "
                                                "f\"expected FROM, found {token_text!r}\".")


# -- correctness: the round trip, a property ---------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "t", "x_1", "_", "users", "text", "int", "Name", "select", "order",
                         "two words", "é", "a-b", "1a", "NULL", "key", "Key"])
STRINGS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
FLOATS = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).filter(lambda f: math.copysign(1, f) > 0)
ATOMS = st.one_of(
    st.integers(0, MAX_INT).map(lit), FLOATS.map(lit), STRINGS.map(lit),
    st.sampled_from([None, True, False]).map(lit), NAMES.map(col),
)
BINARY_OPS = ["OR", "AND", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"]


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(neg, children),
        st.builds(not_, children),
        st.builds(bin_, st.sampled_from(BINARY_OPS), children, children),
        st.builds(is_null, children, st.booleans()),
        st.builds(in_list, children, st.lists(children, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(between, children, children, children, st.booleans()),
    )


EXPRS = st.recursive(ATOMS, extend, max_leaves=10)
SMALL_INTS = st.integers(0, MAX_INT)


@st.composite
def selects(draw: st.DrawFn) -> Any:
    limit = draw(st.none() | SMALL_INTS)
    offset = draw(st.none() | SMALL_INTS) if limit is not None else None
    columns = draw(st.none() | st.lists(EXPRS, min_size=1, max_size=3).map(tuple))
    orders = draw(st.lists(st.builds(order, EXPRS, st.booleans()), max_size=2).map(tuple))
    return select(columns, draw(NAMES), draw(st.none() | EXPRS), orders, limit, offset)


@st.composite
def coldefs(draw: st.DrawFn) -> Any:
    type_ = draw(st.sampled_from(["INT", "FLOAT", "TEXT", "VARCHAR", "BOOL"]))
    length = draw(st.integers(1, MAX_INT)) if type_ == "VARCHAR" else None
    return coldef(draw(NAMES), type_, length, draw(st.booleans()), draw(st.booleans()))


ROWS = st.lists(st.lists(EXPRS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3).map(tuple)
STATEMENT_TREES = st.one_of(
    selects(),
    st.builds(lambda t, cols, rows: node("Insert", table=t, columns=cols, rows=rows),
              NAMES, st.none() | st.lists(NAMES, min_size=1, max_size=3).map(tuple), ROWS),
    st.builds(lambda t, sets, w: node("Update", table=t, assignments=sets, where=w), NAMES,
              st.lists(st.builds(lambda n, v: node("Assignment", column=n, value=v), NAMES, EXPRS),
                       min_size=1, max_size=3).map(tuple), st.none() | EXPRS),
    st.builds(lambda t, w: node("Delete", table=t, where=w), NAMES, st.none() | EXPRS),
    st.builds(lambda t, cols: node("CreateTable", name=t, columns=cols), NAMES,
              st.lists(coldefs(), min_size=1, max_size=3).map(tuple)),
    st.builds(lambda i, t, cn: node("CreateIndex", name=i, table=t, column=cn), NAMES, NAMES, NAMES),
    st.builds(lambda t: node("DropTable", name=t), NAMES),
    st.sampled_from([node("Begin"), node("Commit"), node("Rollback")]),
    selects().map(lambda s: node("Explain", statement=s)),
)


def check_round_trip(tree: Any, result: tuple[Any, ...]) -> None:
    kind, sql = result[0], result[1]
    shown = f"format_sql gave {sql!r}" if isinstance(sql, str) else ""
    if kind == "build":
        fail("the spec's node classes could not be built from their documented fields", expected=render(tree),
             got=describe_error(result[2]), hint="Keep the node classes of the stub as they are: frozen "
                                                 "dataclasses with exactly those fields, in that order.")
    if kind in ("format", "reformat"):
        fail(f"format_sql failed on a tree parse() can return. {shown}".strip(), expected="a str of SQL",
             got=describe_error(result[2]), hint=HINT_FORMAT)
    if kind == "parse":
        fail(f"parse() rejected what format_sql wrote: {sql!r}", expected=render(tree),
             got=describe_error(result[2]), hint=HINT_FORMAT)
    back, again = result[2], result[3]
    if not strict_equal(back, tree):
        fail(f"parse(format_sql(tree)) is not the tree: {shown}", expected=render(tree), got=render(back),
             hint=HINT_FORMAT)
    if again != sql:
        fail("format_sql is not canonical: formatting the parsed tree again gave other text",
             expected=repr(sql), got=repr(again),
             hint="Equal trees must give equal text: one spelling per keyword (upper case), one space "
                  "between tokens, parentheses only where needed.")


@pytest.mark.correctness
@pytest.mark.points(4)
def test_format_round_trip(subject: Subject) -> None:
    """format_sql then parse gives back the same tree, for generated trees of every statement kind"""
    helper = support(subject)

    # Eight trees per call keep the pipe out of the budget; a failure shrinks to the one tree that fails.
    @settings(max_examples=30)
    @given(st.lists(STATEMENT_TREES, min_size=3, max_size=8))
    def round_trip(trees: list[Any]) -> None:
        subject.transcript.clear()
        results = subject.call(helper, "round_trips", [trees], {},
                               text="; ".join(f"parse(format_sql({render(t, 200)}))" for t in trees))
        for tree, result in zip(trees, results, strict=True):
            check_round_trip(tree, result)

    round_trip()


# -- faults: fuzzing ---------------------------------------------------------------------------------

def judge_some(subject: Subject, texts: list[str]) -> None:
    """One call parses a few texts; a failure names the first bad one (hypothesis shrinks the list to it)."""
    subject.transcript.clear()
    results = subject.call(support(subject), "outcomes", [texts], {},
                           text="; ".join(f"parse({show(t, 200)})" for t in texts))
    for text, result in zip(texts, results, strict=True):
        why = bad_outcome(text, tuple(result))
        if why:
            fail(f"parse() broke its contract on parse({text!r})", expected="a statement, or SqlSyntaxError with "
                 "a position in 0..len(text) and that position's line and column", got=why, hint=HINT_NEVER_CRASH)


FUZZ_CHARS = [*"SELECTFROMWHEREselectfrom tab01239.5eE'`\"()*,;=<>!-+/@_\n\t é☃", "--", "''", "\r\n"]


@pytest.mark.faults
@pytest.mark.points(2)
def test_random_text(subject: Subject) -> None:
    """about 450 random strings: a statement or a SqlSyntaxError inside the text, nothing else"""
    texts = st.lists(st.sampled_from(FUZZ_CHARS) | st.characters(blacklist_categories=("Cs",)), max_size=40)

    @settings(max_examples=60)
    @given(st.lists(texts.map("".join), min_size=4, max_size=16))
    def fuzz(batch: list[str]) -> None:
        judge_some(subject, batch)

    fuzz()


VOCABULARY = [
    "SELECT", "select", "*", "FROM", "WHERE", "ORDER", "BY", "DESC", "ASC", "LIMIT", "OFFSET", "INSERT", "INTO",
    "VALUES", "UPDATE", "SET", "DELETE", "CREATE", "TABLE", "INDEX", "ON", "DROP", "PRIMARY", "KEY", "NOT", "NULL",
    "AND", "OR", "IS", "IN", "BETWEEN", "TRUE", "FALSE", "BEGIN", "COMMIT", "ROLLBACK", "EXPLAIN", "INT", "TEXT",
    "VARCHAR", "FLOAT", "BOOL", "a", "t", "`q`", "`", "1", "0", "2.5", "1e999", ".5", "1.", "99999999999999999999999",
    "'x'", "'it''s'", "'", "(", ")", "((", "))", ",", ";", "=", "!=", "<>", "<", "<=", ">", ">=", "+", "-", "/",
    "--", "\n", "@", "\"a\"",
]


@pytest.mark.faults
@pytest.mark.points(2)
def test_token_soup(subject: Subject) -> None:
    """about 670 random sequences of SQL tokens: a statement or a SqlSyntaxError inside the text, nothing else"""
    soups = st.builds(lambda tokens, sep: sep.join(tokens), st.lists(st.sampled_from(VOCABULARY), max_size=25),
                      st.sampled_from([" ", " ", "", "\n"]))

    @settings(max_examples=60)
    @given(st.lists(soups, min_size=6, max_size=24))
    def fuzz(batch: list[str]) -> None:
        judge_some(subject, batch)

    fuzz()


VALID = [
    "SELECT id, name FROM users WHERE age >= 18 AND NOT (status = 'banned' OR score < -1.5) ORDER BY name DESC "
    "LIMIT 10 OFFSET 20;",
    "INSERT INTO t (a, b, c) VALUES (1, 'it''s', NULL), (2, 'x', TRUE)",
    "UPDATE accounts SET balance = balance - 100 * 2, note = 'paid' WHERE id IN (1, 2, 3)",
    "DELETE FROM logs WHERE ts BETWEEN 100 AND 200 OR level IS NOT NULL",
    "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(32) NOT NULL, score FLOAT, bio TEXT)",
    "CREATE INDEX by_name ON users (name)",
    "EXPLAIN SELECT * FROM `my table` WHERE `Key` NOT IN (1) -- check\nLIMIT 3",
    "SELECT a FROM t WHERE a NOT BETWEEN 1 AND 2 AND b IS NULL",
    "DROP TABLE users",
    "BEGIN",
]
TOKEN_RE = re.compile(r"'(?:[^']|'')*'?|`[^`]*`?|--[^\n]*|[\w.]+|<=|>=|<>|!=|\S")


def split_tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def mutations(seed: int) -> list[str]:
    """Every single-token deletion, duplication and adjacent swap of the VALID statements, and seeded
    replacements of a token by one of the vocabulary."""
    rng = random.Random(seed)
    out: list[str] = []
    for text in VALID:
        tokens = split_tokens(text)
        for i in range(len(tokens)):
            out.append(" ".join(tokens[:i] + tokens[i + 1:]))
            out.append(" ".join(tokens[:i + 1] + tokens[i:]))
            if i + 1 < len(tokens):
                out.append(" ".join([*tokens[:i], tokens[i + 1], tokens[i], *tokens[i + 2:]]))
            out.append(" ".join([*tokens[:i], rng.choice(VOCABULARY), *tokens[i + 1:]]))
            out.append("".join(tokens[:i] + tokens[i + 1:]))  # no spaces: tokens run together
    return out


def judge_batch(subject: Subject, texts: list[str], what: str,
                extra: Callable[[str, tuple[Any, ...]], str | None] | None = None) -> None:
    results = subject.call(support(subject), "outcomes", [texts], {},
                           text=f"[parse() of {len(texts)} {what}, one by one]")
    if not isinstance(results, list) or len(results) != len(texts):
        fail("parse() could not be run on the inputs", expected=f"{len(texts)} outcomes", got=show(results),
             hint=HINT_NEVER_CRASH)
    bad = [(text, why) for text, result in zip(texts, results, strict=True)
           if (why := bad_outcome(text, tuple(result)) or (extra(text, tuple(result)) if extra else None))]
    if bad:
        text, why = min(bad, key=lambda item: (len(item[0]), item[0]))
        fail(f"parse() broke its contract on {len(bad)} of {len(texts)} {what}; the shortest is parse({text!r})",
             expected="a statement, or SqlSyntaxError with a position in 0..len(text) and that position's line "
                      "and column", got=why, hint=HINT_NEVER_CRASH)


@pytest.mark.faults
@pytest.mark.points(2)
def test_mutated_statements(subject: Subject) -> None:
    """valid statements with a token deleted, doubled, swapped or replaced: no crash, errors inside the text"""
    judge_batch(subject, mutations(4), "mutated statements")


def last_token_start(text: str) -> int:
    """Where the last token of ``text`` starts (comments are not tokens); 0 when there is none."""
    starts = [m.start() for m in TOKEN_RE.finditer(text) if not m.group().startswith("--")]
    return starts[-1] if starts else 0


def truncation_position(text: str, result: tuple[Any, ...]) -> str | None:
    if result[0] != "syntax" or type(result[2]) is not int:
        return None
    floor = last_token_start(text)
    if result[2] < floor:
        return (f"SqlSyntaxError at position {result[2]}, before the last token (which starts at {floor}): "
                f"everything before it was a valid beginning of a statement, so the error is at the end")
    return None


@pytest.mark.faults
@pytest.mark.points(2)
def test_truncated_statements(subject: Subject) -> None:
    """statements cut at every character: the error is at (or after) the last token, never earlier"""
    texts = sorted({text[:i] for text in VALID[:7] for i in range(len(text) + 1)})
    judge_batch(subject, texts, "truncated statements", truncation_position)


def nested(opener: str, closer: str, depth: int) -> str:
    return "SELECT " + opener * depth + "1" + closer * depth + " FROM t"


def chain(tree: Any, wrap: Callable[[Any], Any], depth: int) -> Any:
    for _ in range(depth):
        tree = wrap(tree)
    return tree


@pytest.mark.faults
@pytest.mark.points(2)
def test_deep_nesting(subject: Subject) -> None:
    """64 levels of (, NOT or - parse; level 65, 2000 or 20000 is a SqlSyntaxError at that token, never a crash"""
    hint = (f"Count the depth in the parser: each '(' of an expression, each NOT and each unary '-' opens a level; "
            f"opening level {MAX_DEPTH + 1} raises SqlSyntaxError at that token. Python's own recursion limit "
            "(about 1000 frames) must never be reached: RecursionError is a crash.")
    helper = support(subject)
    shapes: list[tuple[str, str, str, Callable[[Any], Any], int, tuple[int, ...]]] = [
        ("parentheses", "(", ")", lambda x: x, 1, (2000, 20_000)),
        ("NOT", "NOT ", "", not_, 1, (2000,)),
        ("unary minus", "- ", "", neg, 1, (2000,)),
        ("-( pairs", "-(", ")", neg, 2, (1000,)),
    ]
    for name, opener, closer, wrap, per, deeper in shapes:
        ok_depth = MAX_DEPTH // per
        text = nested(opener, closer, ok_depth)
        subject.transcript.clear()
        result = subject.call(helper, "outcome_repr", [text], {}, text=f"parse({show(text, 200)})")
        want = select((chain(lit(1), wrap, ok_depth),))
        if result[0] != "ok" or result[1] != repr(want):
            fail(f"{MAX_DEPTH} levels of {name} should parse", expected=render(want, 300),
                 got=describe_error(result) if result[0] != "ok" else show(result[1], 300), hint=hint)
        opener_at = len("SELECT ") + len(opener) * ok_depth
        for depth in (ok_depth + 1, *deeper):
            text = nested(opener, closer, depth)
            subject.transcript.clear()
            shown = f"parse({show(text, 200)})" if depth < 1000 else f"parse(<{depth} levels of {name}>)"
            result = subject.call(helper, "outcome_repr", [text], {}, text=shown)
            why = bad_outcome(text, result)
            if result[0] != "syntax" or why:
                fail(f"{depth} levels of {name} ({len(text)} characters) broke parse()",
                     expected=f"SqlSyntaxError at position {opener_at}", got=why or "it parsed", hint=hint)
            if result[2] != opener_at:
                fail(f"{depth} levels of {name}: the error should be at the token that opens level {MAX_DEPTH + 1}",
                     expected=f"position {opener_at}", got=describe_error(result)[:300], hint=hint)


def big_insert(rows: int) -> str:
    line = "({i}, 'row ''{i}'' -- not a comment', {i}.5e1, NULL, TRUE, -{i}, a + b * 2), -- row {i}\n"
    return "INSERT INTO t (a, b, c, d, e, f, g) VALUES\n" + "".join(line.format(i=i) for i in range(rows)) + "(0)"


@pytest.mark.faults
@pytest.mark.points(2)
def test_huge_statements(subject: Subject) -> None:
    """big statements parse within the time limit: a bulk INSERT, 9999 ORs, 1 MB strings and comments, huge numbers"""
    helper = support(subject)
    hint = ("Tokenize in one pass with re.match(text, pos) (never text[pos:], which copies the rest of the text "
            "for every token), keep tokens in a list indexed by position (never list.pop(0)), build a chain of "
            "ORs in a loop, and check a number's digit count before int().")
    cases: list[tuple[str, str, tuple[Any, ...]]] = []
    insert = big_insert(2_000)
    cases.append((f"an INSERT of 2001 rows ({len(insert)} characters)", insert, ("ok", "Insert", 2_001, 0)))
    ors = "SELECT a FROM t WHERE " + " OR ".join(f"a = {i}" for i in range(10_000))
    cases.append((f"a WHERE of 9999 ORs ({len(ors)} characters)", ors, ("ok", "Select", -1, 10_000)))
    string = "SELECT '" + "x''" * 350_000 + "' FROM t"
    cases.append((f"a 1 MB string literal ({len(string)} characters)", string, ("ok", "Select", -1, 0)))
    comments = "-- a dump\n" + "--\n" * 450_000 + "SELECT a FROM t"
    cases.append((f"450000 comment lines before SELECT ({len(comments)} characters)", comments,
                  ("ok", "Select", -1, 0)))
    digits = "SELECT " + "9" * 100_000 + " FROM t"
    cases.append(("an integer of 100000 digits", digits, ("syntax", 7)))
    unterminated = "SELECT a FROM t WHERE a = '" + "x" * 1_000_000
    cases.append(("an unterminated 1 MB string", unterminated, ("syntax", 26)))
    for what, text, want in cases:
        subject.transcript.clear()
        result = subject.call(helper, "summary", [text], {}, text=f"parse(<{what}>)", timeout=10.0)
        if want[0] == "ok":
            if result != want:
                fail(f"parse() of {what} went wrong", expected=f"{want[1]} ({_summary(want)})",
                     got=describe_error(result) if result[0] != "ok" else f"{result[1]} ({_summary(result)})",
                     hint=hint)
        elif result[0] != "syntax" or result[2] != want[1]:
            fail(f"parse() of {what} should raise SqlSyntaxError at position {want[1]}",
                 expected=f"SqlSyntaxError at position {want[1]}",
                 got=describe_error(result) if result[0] != "ok" else "it parsed", hint=hint)


def _summary(result: tuple[Any, ...]) -> str:
    return f"{result[2]} rows" if result[2] >= 0 else f"{result[3]} binary operators down the left side of WHERE"


# -- performance --------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_parse_time_is_linear(subject: Subject, figures: Figures) -> None:
    """parse time grows linearly with the statement's length"""
    n, factor, max_ratio, repeats = 200, 8, 4.0, 4
    helper = support(subject)
    small, large = big_insert(n), big_insert(n * factor)
    benches = (helper.Bench(small), helper.Bench(large))
    best_small = best_large = float("inf")
    for _ in range(repeats):
        timings, _ = subject.batch(benches[0], [("parse", [])], repeat=2, clock="cpu",
                                   text=f"parse(<INSERT of {n} rows, {len(small)} characters>)")
        best_small = min(best_small, min(timings) / len(small))
        timings, _ = subject.batch(benches[1], [("parse", [])], repeat=1, clock="cpu",
                                   text=f"parse(<INSERT of {n * factor} rows, {len(large)} characters>)")
        best_large = min(best_large, min(timings) / len(large))
    ratio = best_large / best_small
    figures.record(f"time per character at {factor}n / at n (n={len(small)} characters)", ratio,
                   threshold=max_ratio, better="lower", unit="x")
    if ratio > max_ratio:
        fail("parse() slows down per character as the statement grows",
             expected=f"time per character at {len(large)} characters at most {max_ratio:g}x the time at "
                      f"{len(small)} (linear parsing stays near 1x)",
             got=f"{ratio:.1f}x ({best_small * 1e9:.0f} ns -> {best_large * 1e9:.0f} ns per character)",
             hint="Something costs O(length) per token: slicing text[pos:] for each match, list.pop(0), "
                  "counting lines from the start for every token, or building strings with += in a loop. Match "
                  "with pattern.match(text, pos), index a token list, and count lines only when raising.")
