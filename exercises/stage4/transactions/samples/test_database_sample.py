"""Public sample tests for minimysql.database. The grader checks much more than this."""

from __future__ import annotations

from pathlib import Path

import pytest
from minimysql.database import Database, DatabaseError
from minimysql.storage import OsStorage


def test_create_insert_select(tmp_path: Path) -> None:
    s = Database(OsStorage(tmp_path)).session()
    s.execute("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL, age INT)")
    assert s.execute("INSERT INTO users VALUES (1, 'ann', 31), (2, 'bob', NULL)").affected_rows == 2
    result = s.execute("SELECT name, age + 1 FROM users WHERE id >= 1 ORDER BY id")
    assert result.columns == ("name", "age + 1")
    assert result.types == ("TEXT", "INT")
    assert result.rows == (("ann", 32), ("bob", None))


def test_errors_carry_mysql_codes(tmp_path: Path) -> None:
    s = Database(OsStorage(tmp_path)).session()
    s.execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(3))")
    s.execute("INSERT INTO t VALUES (1, 'a')")
    for sql, code, sqlstate in [("SELEC 1", 1064, "42000"), ("SELECT * FROM nope", 1146, "42S02"),
                                ("INSERT INTO t VALUES (1, 'b')", 1062, "23000"),
                                ("INSERT INTO t VALUES (2, 'long')", 1406, "22001")]:
        with pytest.raises(DatabaseError) as caught:
            s.execute(sql)
        assert (caught.value.code, caught.value.sqlstate) == (code, sqlstate)


def test_rollback_and_failed_statement(tmp_path: Path) -> None:
    s = Database(OsStorage(tmp_path)).session()
    s.execute("CREATE TABLE t (id INT PRIMARY KEY, n INT)")
    s.execute("INSERT INTO t VALUES (1, 10)")
    s.execute("BEGIN")
    s.execute("UPDATE t SET n = 11 WHERE id = 1")
    with pytest.raises(DatabaseError):
        s.execute("INSERT INTO t VALUES (2, 20), (1, 0)")  # undoes only itself: 2 is not inserted
    assert s.in_transaction
    assert s.execute("SELECT * FROM t").rows == ((1, 11),)
    s.execute("ROLLBACK")
    assert s.execute("SELECT * FROM t").rows == ((1, 10),)


def test_commit_survives_reopen_and_rollback_does_not(tmp_path: Path) -> None:
    db = Database(OsStorage(tmp_path))
    s = db.session()
    s.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    s.execute("BEGIN")
    s.execute("INSERT INTO t VALUES (1)")
    s.execute("COMMIT")
    s.execute("BEGIN")
    s.execute("INSERT INTO t VALUES (2)")
    # no COMMIT: reopening, as after a crash, must not show 2
    again = Database(OsStorage(tmp_path)).session()
    assert again.execute("SELECT id FROM t").rows == ((1,),)


def test_explain_and_rows_examined(tmp_path: Path) -> None:
    s = Database(OsStorage(tmp_path)).session()
    s.execute("CREATE TABLE t (id INT PRIMARY KEY, k INT)")
    s.execute("INSERT INTO t VALUES " + ", ".join(f"({i}, {i % 10})" for i in range(100)))
    s.execute("CREATE INDEX ik ON t (k)")
    plan = s.execute("EXPLAIN SELECT * FROM t WHERE k = 3").rows[0]
    assert plan == (1, "SIMPLE", "t", "ref", "ik", "ik", 10, None)
    assert s.execute("SELECT * FROM t WHERE k = 3").rows_examined == 10
    assert s.execute("SELECT * FROM t WHERE id = 42").rows_examined == 1
