"""Public sample tests for minimysql.sql. The grader checks much more than this."""

from __future__ import annotations

import pytest
from minimysql.sql import (
    Binary,
    Column,
    ColumnDef,
    CreateTable,
    Insert,
    Literal,
    Select,
    SqlSyntaxError,
    Unary,
    format_sql,
    parse,
)


def test_select_with_where() -> None:
    assert parse("SELECT a FROM t WHERE a >= 1;") == Select(
        columns=(Column("a"),), table="t", where=Binary(">=", Column("a"), Literal(1)),
        order_by=(), limit=None, offset=None)


def test_precedence_and_left_associativity() -> None:
    where = parse("select * from t where a - b - c = 0 or not x and y").where
    a_b_c = Binary("-", Binary("-", Column("a"), Column("b")), Column("c"))
    assert where == Binary("OR", Binary("=", a_b_c, Literal(0)), Binary("AND", Unary("NOT", Column("x")), Column("y")))


def test_insert_and_string_escapes() -> None:
    assert parse("INSERT INTO t VALUES (1, 'it''s'), (-2, NULL)") == Insert(
        table="t", columns=None, rows=((Literal(1), Literal("it's")), (Unary("-", Literal(2)), Literal(None))))


def test_create_table() -> None:
    assert parse("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)") == CreateTable(
        name="users",
        columns=(ColumnDef("id", "INT", None, True, False), ColumnDef("name", "VARCHAR", 20, False, True)))


def test_error_position_line_and_column() -> None:
    with pytest.raises(SqlSyntaxError) as caught:
        parse("SELECT a\nFROM t\nWHERE a = = 1")
    assert (caught.value.position, caught.value.line, caught.value.column) == (26, 3, 11)
    with pytest.raises(SqlSyntaxError) as caught:
        parse("SELECT a FROM")
    assert caught.value.position == len("SELECT a FROM")  # the end of the input


def test_format_sql_round_trip() -> None:
    tree = parse("select a * (b + c), `Key` from t where not (a = 1 or b is null) order by a desc limit 5")
    text = format_sql(tree)
    assert parse(text) == tree
    assert format_sql(parse(text)) == text
