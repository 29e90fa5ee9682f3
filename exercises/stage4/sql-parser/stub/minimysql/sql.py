"""A parser for a small SQL dialect: text in, a tree of the node classes below out, and back.

Read the exercise's README first: the grammar, the precedence of the operators, the error
positions and the nesting limit are specified there. The node classes and SqlSyntaxError are
given complete; keep their names and fields as they are (the grader and the next exercises,
SQL execution and the TCP server, build on them). Write ``parse`` and ``format_sql``.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEPTH = 64  # expressions may nest this deep (parentheses, NOT, unary minus); one more is a SqlSyntaxError
MAX_INT = 2**63 - 1  # the largest integer literal


class SqlSyntaxError(Exception):
    """Any text parse() cannot turn into a statement.

    ``position`` is the 0-based offset into the text where the problem starts (``len(text)`` at
    the end of the input); ``line`` and ``column`` are 1-based and count characters (lines end
    at ``\\n``). ``message`` says what was expected and what was found.
    """

    def __init__(self, message: str, position: int, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.position = position
        self.line = line
        self.column = column


# -- expressions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Literal:
    value: int | float | str | bool | None  # 42, 2.5, 'text', TRUE/FALSE, NULL (never negative: see Unary)


@dataclass(frozen=True)
class Column:
    name: str  # unquoted names are folded to lower case; `backquoted` ones are kept as written


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "NOT"
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str  # "OR" "AND" "=" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/"  ("<>" is read as "!=")
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool  # IS NOT NULL


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]  # at least one
    negated: bool  # NOT IN


@dataclass(frozen=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr
    negated: bool  # NOT BETWEEN


Expr = Literal | Column | Unary | Binary | IsNull | InList | Between


# -- statements --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str  # "INT", "FLOAT", "TEXT", "VARCHAR" or "BOOL"
    length: int | None  # VARCHAR(n): n; None for every other type
    primary_key: bool
    not_null: bool


@dataclass(frozen=True)
class CreateTable:
    name: str
    columns: tuple[ColumnDef, ...]  # at least one


@dataclass(frozen=True)
class CreateIndex:
    name: str
    table: str
    column: str


@dataclass(frozen=True)
class DropTable:
    name: str


@dataclass(frozen=True)
class Insert:
    table: str
    columns: tuple[str, ...] | None  # None when the statement names no columns
    rows: tuple[tuple[Expr, ...], ...]  # one tuple of values per row, at least one row


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    descending: bool


@dataclass(frozen=True)
class Select:
    columns: tuple[Expr, ...] | None  # None for SELECT *
    table: str
    where: Expr | None
    order_by: tuple[OrderItem, ...]  # () without ORDER BY
    limit: int | None
    offset: int | None  # only with a LIMIT


@dataclass(frozen=True)
class Assignment:
    column: str
    value: Expr


@dataclass(frozen=True)
class Update:
    table: str
    assignments: tuple[Assignment, ...]  # at least one
    where: Expr | None


@dataclass(frozen=True)
class Delete:
    table: str
    where: Expr | None


@dataclass(frozen=True)
class Begin:
    pass


@dataclass(frozen=True)
class Commit:
    pass


@dataclass(frozen=True)
class Rollback:
    pass


@dataclass(frozen=True)
class Explain:
    statement: Select


Statement = (CreateTable | CreateIndex | DropTable | Insert | Select | Update | Delete | Begin | Commit | Rollback
             | Explain)

# Reserved: an identifier spelled like one of these (in any case) must be backquoted.
KEYWORDS = frozenset({
    "SELECT", "FROM", "WHERE", "ORDER", "BY", "ASC", "DESC", "LIMIT", "OFFSET", "INSERT", "INTO", "VALUES",
    "UPDATE", "SET", "DELETE", "CREATE", "TABLE", "INDEX", "ON", "DROP", "PRIMARY", "KEY", "NOT", "NULL", "AND",
    "OR", "IS", "IN", "BETWEEN", "TRUE", "FALSE", "BEGIN", "COMMIT", "ROLLBACK", "EXPLAIN",
})
TYPES = {"INT": "INT", "INTEGER": "INT", "FLOAT": "FLOAT", "TEXT": "TEXT", "VARCHAR": "VARCHAR",
         "BOOL": "BOOL", "BOOLEAN": "BOOL"}  # type names (not reserved) and the type each means


def parse(text: str) -> Statement:
    """Parse one statement of ``text`` (an optional ``;`` may end it) into its tree.

    Raises SqlSyntaxError for anything outside the grammar, and never any other exception:
    not IndexError at the end of the input, not RecursionError for deep nesting, not
    ValueError for a number too long for int(). Runs in time linear in ``len(text)``.
    """
    raise NotImplementedError


def format_sql(statement: Statement) -> str:
    """``statement`` as canonical SQL text: ``parse(format_sql(s)) == s`` for every ``s`` parse() returns.

    Keywords in upper case, one space between tokens, parentheses only where precedence needs
    them, strings with their quotes doubled, names backquoted when they are not plain lower-case
    words or are keywords, no trailing ``;``.
    """
    raise NotImplementedError
