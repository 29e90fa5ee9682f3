"""执行计划 type=ALL 检测: the plan check CI runs on every statement the shop sends.

Every SELECT, UPDATE and DELETE is EXPLAINed (an UPDATE or DELETE through the SELECT with its
table and WHERE); a plan of type ALL is a full table scan, however small the table. Nothing but
EXPLAIN is ever run, and a statement the check cannot read stops it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minimysql.sql import Delete, Select, Update, format_sql, parse

FULL_SCAN = "ALL"


class PlanCheck:
    """Remembers the plan type of each statement it has seen, so a repeated statement costs nothing."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.types: dict[str, str | None] = {}

    def plan_type(self, statement: str) -> str | None:
        if statement not in self.types:
            match parse(statement):
                case Select() as select:
                    probe: Select | None = select
                case Update(table=table, where=where) | Delete(table=table, where=where):
                    probe = Select(None, table, where, (), None, None)
                case _:
                    probe = None
            kind = None
            if probe is not None:
                result = self.session.execute(f"EXPLAIN {format_sql(probe)}")
                kind = result.rows[0][result.columns.index("type")]
            self.types[statement] = kind
        return self.types[statement]


def find_full_scans(session: Any, statements: Iterable[str]) -> list[str]:
    """The statements among ``statements`` whose plan reads the whole table (EXPLAIN type=ALL)."""
    check = PlanCheck(session)
    flagged: dict[str, None] = {}
    for statement in statements:
        if not isinstance(statement, str):
            raise TypeError(f"statements must be str, got {statement!r}")
        if check.plan_type(statement) == FULL_SCAN:
            flagged.setdefault(statement)
    return list(flagged)
