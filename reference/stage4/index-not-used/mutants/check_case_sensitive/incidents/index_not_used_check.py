"""执行计划 type=ALL 检测: the plan check CI runs on every statement the shop sends.

After the incident, no statement that reads a whole table may reach production again unseen.
CI collects every statement the service sends in its tests and passes them to
``find_full_scans`` with a session of a database that has production's schema; the build fails
if it returns anything.

- a SELECT is checked by running ``EXPLAIN <the statement>``; an UPDATE or a DELETE by EXPLAIN of
  the SELECT that has the same table and the same WHERE (EXPLAIN takes only a SELECT); every other
  statement (INSERT, CREATE, BEGIN, ...) has no plan and is never flagged;
- a statement is flagged when its plan's ``type`` is ``ALL``, whatever the size of the table;
- the statements themselves are never run: the check changes no data and leaves no transaction
  open;
- a statement that cannot be parsed or planned makes the check raise (the database's
  ``DatabaseError`` or the parser's ``SqlSyntaxError``): a check that skips what it cannot read
  passes everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minimysql import sql


def plan_of(session: Any, statement: str) -> dict[str, Any] | None:
    """EXPLAIN's row for ``statement`` as {column: value}, or None for a statement without a plan."""
    if statement.startswith("SELECT"):
        select = sql.parse(statement)
    elif statement.startswith(("UPDATE", "DELETE")):
        tree = sql.parse(statement)
        assert isinstance(tree, (sql.Update, sql.Delete))
        select = sql.Select(None, tree.table, tree.where, (), None, None)
    else:
        return None
    result = session.execute("EXPLAIN " + sql.format_sql(select))
    return dict(zip(result.columns, result.rows[0], strict=True))


def find_full_scans(session: Any, statements: Iterable[str]) -> list[str]:
    """The statements among ``statements`` whose plan reads the whole table (EXPLAIN type=ALL).

    Each flagged statement once, exactly as given, in the order of its first appearance.
    Raises TypeError for an item that is not a str.
    """
    flagged: list[str] = []
    for statement in statements:
        if not isinstance(statement, str):
            raise TypeError(f"a statement is a str, not {type(statement).__name__}")
        if statement in flagged:
            continue
        plan = plan_of(session, statement)
        if plan is not None and plan["type"] == "ALL":
            flagged.append(statement)
    return flagged
