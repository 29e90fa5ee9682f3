"""A parser for a small SQL dialect: a regex tokenizer, recursive descent with one function per precedence
level, and format_sql, which prints an AST back as canonical SQL."""

from __future__ import annotations

import re
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

# One pattern, matched at a position (never on a slice: slicing the rest of the text per token is O(n^2)).
# Possessive quantifiers: 'it'' is one unterminated string, not 'it' followed by a lone quote.
TOKEN = re.compile(r"""
    (?P<space>[ \t\n\r\f\v]+|--[^\n]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'[^']*+(?:''[^']*+)*+')
  | (?P<quoted>`[^`]+`)
  | (?P<op><=|>=|<>|!=|[=<>+\-*/(),;])
""", re.VERBOSE)
PREDICATE_OPS = {"=", "!=", "<>", "<", "<=", ">", ">="}


class Token:
    __slots__ = ("kind", "start", "text", "value")

    def __init__(self, kind: str, value: object, start: int, text: str) -> None:
        self.kind = kind  # keyword, name, quoted, number, string, op, end
        self.value = value  # upper-case keyword, folded name, number, string, operator
        self.start = start
        self.text = text


def error(text: str, position: int, message: str) -> SqlSyntaxError:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return SqlSyntaxError(message, position, line, column)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token at ``len(text)``."""
    tokens: list[Token] = []
    pos, size = 0, len(text)
    while pos < size:
        m = TOKEN.match(text, pos)
        if m is None:
            char = text[pos]
            if char == "'":
                raise error(text, pos, "unterminated string: expected a closing '")
            if char == "`":
                raise error(text, pos, "unterminated or empty `identifier`: expected a closing `")
            raise error(text, pos, f"unexpected character {char!r}")
        kind, raw = m.lastgroup or "", m.group()
        if kind == "number":
            value = number(text, pos, raw)
            tokens.append(Token(kind, value, pos, raw))
        elif kind == "name":
            upper = raw.upper()
            if upper in KEYWORDS:
                tokens.append(Token("keyword", upper, pos, raw))
            else:
                tokens.append(Token(kind, raw.lower(), pos, raw))
        elif kind == "string":
            tokens.append(Token(kind, raw[1:-1].replace("''", "'"), pos, raw))
        elif kind == "quoted":
            tokens.append(Token(kind, raw[1:-1], pos, raw))
        elif kind == "op":
            tokens.append(Token(kind, "!=" if raw == "<>" else raw, pos, raw))
        pos = m.end()
    tokens.append(Token("end", None, size, ""))
    return tokens


def number(text: str, pos: int, raw: str) -> int | float:
    if "." in raw or "e" in raw or "E" in raw:
        value = float(raw)
        if value == float("inf"):
            raise error(text, pos, f"number out of range: {raw[:40]}")
        return value
    digits = raw.lstrip("0")
    if len(digits) > 19 or int(raw) > MAX_INT:  # int() of a huge literal is slow, or refused outright
        raise error(text, pos, f"integer out of range: {raw[:40]}")
    return int(raw)


def describe(token: Token) -> str:
    if token.kind == "end":
        return "end of input"
    return repr(token.text[:40])


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- tokens ----------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "end":
            self.i += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> SqlSyntaxError:
        token = token or self.tok
        index = self.tokens.index(token)  # where the parser is: a token number
        return error(self.text, index, f"expected {expected}, found {describe(token)}")

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "keyword" and self.tok.value in words

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.i += 1
            return True
        return False

    def accept_op(self, op: str) -> bool:
        if self.is_op(op):
            self.i += 1
            return True
        return False

    def expect_kw(self, word: str) -> None:
        if not self.accept_kw(word):
            raise self.fail(word)

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.fail(f"'{op}'")

    def name(self, what: str) -> str:
        if self.tok.kind in ("name", "quoted"):
            return str(self.advance().value)
        raise self.fail(what)

    def integer(self, what: str, minimum: int) -> int:
        token = self.tok
        if token.kind == "number" and type(token.value) is int and token.value >= minimum:
            self.i += 1
            return token.value
        raise self.fail(what)

    def enter(self) -> None:
        if self.depth >= MAX_DEPTH:
            raise error(self.text, self.tok.start, f"expression nested more than {MAX_DEPTH} levels deep")
        self.depth += 1

    # -- statements ------------------------------------------------------------------------------
    def statement(self) -> Statement:
        stmt = self.any_statement()
        self.accept_op(";")
        if self.tok.kind != "end":
            raise self.fail("end of input")
        return stmt

    def any_statement(self) -> Statement:
        token = self.tok
        if token.kind == "keyword":
            word = token.value
            if word == "SELECT":
                return self.select()
            self.i += 1
            if word == "INSERT":
                return self.insert()
            if word == "UPDATE":
                return self.update()
            if word == "DELETE":
                self.expect_kw("FROM")
                table = self.name("a table name")
                return Delete(table, self.where())
            if word == "CREATE":
                if self.accept_kw("TABLE"):
                    return self.create_table()
                if self.accept_kw("INDEX"):
                    index = self.name("an index name")
                    self.expect_kw("ON")
                    table = self.name("a table name")
                    self.expect_op("(")
                    column = self.name("a column name")
                    self.expect_op(")")
                    return CreateIndex(index, table, column)
                raise self.fail("TABLE or INDEX")
            if word == "DROP":
                self.expect_kw("TABLE")
                return DropTable(self.name("a table name"))
            if word == "BEGIN":
                return Begin()
            if word == "COMMIT":
                return Commit()
            if word == "ROLLBACK":
                return Rollback()
            if word == "EXPLAIN":
                if not self.is_kw("SELECT"):
                    raise self.fail("SELECT")
                return Explain(self.select())
        raise self.fail("a statement", token)

    def create_table(self) -> CreateTable:
        name = self.name("a table name")
        self.expect_op("(")
        columns = [self.column_def()]
        while self.accept_op(","):
            columns.append(self.column_def())
        self.expect_op(")")
        return CreateTable(name, tuple(columns))

    def column_def(self) -> ColumnDef:
        name = self.name("a column name")
        token = self.tok
        kind = TYPES.get(str(token.value).upper()) if token.kind == "name" else None
        if kind is None:
            raise self.fail("a type (INT, FLOAT, TEXT, VARCHAR(n), BOOL)")
        self.i += 1
        length = None
        if kind == "VARCHAR":
            self.expect_op("(")
            length = self.integer("a length of at least 1", 1)
            self.expect_op(")")
        primary_key = not_null = False
        while True:
            if self.accept_kw("PRIMARY"):
                self.expect_kw("KEY")
                primary_key = True
            elif self.accept_kw("NOT"):
                self.expect_kw("NULL")
                not_null = True
            else:
                return ColumnDef(name, kind, length, primary_key, not_null)

    def insert(self) -> Insert:
        self.expect_kw("INTO")
        table = self.name("a table name")
        columns = None
        if self.accept_op("("):
            names = [self.name("a column name")]
            while self.accept_op(","):
                names.append(self.name("a column name"))
            self.expect_op(")")
            columns = tuple(names)
        self.expect_kw("VALUES")
        rows = [self.row()]
        while self.accept_op(","):
            rows.append(self.row())
        return Insert(table, columns, tuple(rows))

    def row(self) -> tuple[Expr, ...]:
        self.expect_op("(")
        values = [self.expr()]
        while self.accept_op(","):
            values.append(self.expr())
        self.expect_op(")")
        return tuple(values)

    def select(self) -> Select:
        self.expect_kw("SELECT")
        columns: tuple[Expr, ...] | None = None
        if not self.accept_op("*"):
            items = [self.expr()]
            while self.accept_op(","):
                items.append(self.expr())
            columns = tuple(items)
        self.expect_kw("FROM")
        table = self.name("a table name")
        where = self.where()
        order: list[OrderItem] = []
        if self.accept_kw("ORDER"):
            self.expect_kw("BY")
            order.append(self.order_item())
            while self.accept_op(","):
                order.append(self.order_item())
        limit = offset = None
        if self.accept_kw("LIMIT"):
            limit = self.integer("a row count (an integer)", 0)
            if self.accept_kw("OFFSET"):
                offset = self.integer("a row offset (an integer)", 0)
        return Select(columns, table, where, tuple(order), limit, offset)

    def order_item(self) -> OrderItem:
        expr = self.expr()
        if self.accept_kw("DESC"):
            return OrderItem(expr, True)
        self.accept_kw("ASC")
        return OrderItem(expr, False)

    def update(self) -> Update:
        table = self.name("a table name")
        self.expect_kw("SET")
        assignments = [self.assignment()]
        while self.accept_op(","):
            assignments.append(self.assignment())
        return Update(table, tuple(assignments), self.where())

    def assignment(self) -> Assignment:
        column = self.name("a column name")
        self.expect_op("=")
        return Assignment(column, self.expr())

    def where(self) -> Expr | None:
        return self.expr() if self.accept_kw("WHERE") else None

    # -- expressions: one function per precedence level, loosest first ---------------------------
    def expr(self) -> Expr:
        left = self.conjunction()
        while self.accept_kw("OR"):
            left = Binary("OR", left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.accept_kw("AND"):
            left = Binary("AND", left, self.negation())
        return left

    def negation(self) -> Expr:
        if self.is_kw("NOT"):
            self.enter()
            self.i += 1
            operand = self.negation()
            self.depth -= 1
            return Unary("NOT", operand)
        return self.predicate()

    def predicate(self) -> Expr:
        left = self.additive()
        if self.is_op(*PREDICATE_OPS):
            op = str(self.advance().value)
            return Binary(op, left, self.additive())
        if self.accept_kw("IS"):
            negated = self.accept_kw("NOT")
            self.expect_kw("NULL")
            return IsNull(left, negated)
        negated = self.accept_kw("NOT")
        if self.accept_kw("IN"):
            self.expect_op("(")
            items = [self.expr()]
            while self.accept_op(","):
                items.append(self.expr())
            self.expect_op(")")
            return InList(left, tuple(items), negated)
        if self.accept_kw("BETWEEN"):
            low = self.additive()
            self.expect_kw("AND")
            return Between(left, low, self.additive(), negated)
        if negated:
            raise self.fail("IN or BETWEEN after NOT")
        return left

    def additive(self) -> Expr:
        left = self.term()
        while self.is_op("+", "-"):
            op = str(self.advance().value)
            left = Binary(op, left, self.term())
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.is_op("*", "/"):
            op = str(self.advance().value)
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.is_op("-"):
            self.enter()
            self.i += 1
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand)
        return self.primary()

    def primary(self) -> Expr:
        token = self.tok
        if token.kind in ("number", "string"):
            self.i += 1
            return Literal(token.value)
        if token.kind in ("name", "quoted"):
            self.i += 1
            return Column(str(token.value))
        if token.kind == "keyword" and token.value in ("NULL", "TRUE", "FALSE"):
            self.i += 1
            return Literal({"NULL": None, "TRUE": True, "FALSE": False}[str(token.value)])
        if self.is_op("("):
            self.enter()
            self.i += 1
            inner = self.expr()
            self.expect_op(")")
            self.depth -= 1
            return inner
        raise self.fail("an expression")


def parse(text: str) -> Statement:
    """Parse one statement (an optional ``;`` may end it). Raises SqlSyntaxError, and nothing else."""
    if not isinstance(text, str):
        raise TypeError(f"parse() takes a str, got {type(text).__name__}")
    return Parser(text).statement()


# -- format_sql ---------------------------------------------------------------------------------

BINARY_LEVEL = {"OR": 1, "AND": 2, "=": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
                "+": 5, "-": 5, "*": 6, "/": 6}
PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def level(e: Expr) -> int:
    """How tightly ``e`` binds: 1 OR, 2 AND, 3 NOT, 4 comparisons and predicates, 5 + -, 6 * /, 7 unary -, 8 atoms."""
    if isinstance(e, Binary):
        return BINARY_LEVEL[e.op]
    if isinstance(e, Unary):
        return 3 if e.op == "NOT" else 7
    if isinstance(e, (IsNull, InList, Between)):
        return 4
    return 8


def quote_name(name: str) -> str:
    if PLAIN_NAME.fullmatch(name) and name.upper() not in KEYWORDS:
        return name
    return f"`{name}`"


def fmt(e: Expr, min_level: int = 1) -> str:
    """``e`` as SQL, in parentheses when it binds looser than ``min_level``."""
    text = fmt_bare(e)
    return f"({text})" if level(e) < min_level else text


def fmt_bare(e: Expr) -> str:
    if isinstance(e, Literal):
        v = e.value
        if v is None:
            return "NULL"
        if v is True:
            return "TRUE"
        if v is False:
            return "FALSE"
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        return repr(v)
    if isinstance(e, Column):
        return quote_name(e.name)
    if isinstance(e, Unary):
        if e.op == "NOT":
            return "NOT " + fmt(e.operand, 3)
        inner = fmt(e.operand, 7)
        return "- " + inner if inner.startswith("-") else "-" + inner  # "--" would start a comment
    if isinstance(e, Binary):
        lv = BINARY_LEVEL[e.op]
        if lv == 4:  # comparisons do not chain: both sides are sums
            return f"{fmt(e.left, 5)} {e.op} {fmt(e.right, 5)}"
        return f"{fmt(e.left, lv)} {e.op} {fmt(e.right, lv + 1)}"
    if isinstance(e, IsNull):
        return f"{fmt(e.operand, 5)} IS {'NOT ' if e.negated else ''}NULL"
    if isinstance(e, InList):
        items = ", ".join(fmt(i) for i in e.items)
        return f"{fmt(e.operand, 5)} {'NOT ' if e.negated else ''}IN ({items})"
    if isinstance(e, Between):
        return (f"{fmt(e.operand, 5)} {'NOT ' if e.negated else ''}BETWEEN {fmt(e.low, 5)} "
                f"AND {fmt(e.high, 5)}")
    raise TypeError(f"not an expression: {e!r}")


def format_sql(statement: Statement) -> str:
    """``statement`` as canonical SQL: parse(format_sql(s)) == s for every s that parse() returns."""
    s = statement
    if isinstance(s, Select):
        cols = "*" if s.columns is None else ", ".join(fmt(c) for c in s.columns)
        out = f"SELECT {cols} FROM {quote_name(s.table)}"
        if s.where is not None:
            out += f" WHERE {fmt(s.where)}"
        if s.order_by:
            out += " ORDER BY " + ", ".join(fmt(o.expr) + (" DESC" if o.descending else "") for o in s.order_by)
        if s.limit is not None:
            out += f" LIMIT {s.limit}"
            if s.offset is not None:
                out += f" OFFSET {s.offset}"
        return out
    if isinstance(s, Insert):
        cols = "" if s.columns is None else " (" + ", ".join(quote_name(c) for c in s.columns) + ")"
        rows = ", ".join("(" + ", ".join(fmt(v) for v in row) + ")" for row in s.rows)
        return f"INSERT INTO {quote_name(s.table)}{cols} VALUES {rows}"
    if isinstance(s, Update):
        sets = ", ".join(f"{quote_name(a.column)} = {fmt(a.value)}" for a in s.assignments)
        where = f" WHERE {fmt(s.where)}" if s.where is not None else ""
        return f"UPDATE {quote_name(s.table)} SET {sets}{where}"
    if isinstance(s, Delete):
        where = f" WHERE {fmt(s.where)}" if s.where is not None else ""
        return f"DELETE FROM {quote_name(s.table)}{where}"
    if isinstance(s, CreateTable):
        return f"CREATE TABLE {quote_name(s.name)} (" + ", ".join(column_sql(c) for c in s.columns) + ")"
    if isinstance(s, CreateIndex):
        return f"CREATE INDEX {quote_name(s.name)} ON {quote_name(s.table)} ({quote_name(s.column)})"
    if isinstance(s, DropTable):
        return f"DROP TABLE {quote_name(s.name)}"
    if isinstance(s, Explain):
        return "EXPLAIN " + format_sql(s.statement)
    if isinstance(s, Begin):
        return "BEGIN"
    if isinstance(s, Commit):
        return "COMMIT"
    if isinstance(s, Rollback):
        return "ROLLBACK"
    raise TypeError(f"not a statement: {s!r}")


def column_sql(c: ColumnDef) -> str:
    out = f"{quote_name(c.name)} {c.type}"
    if c.type == "VARCHAR":
        out += f"({c.length})"
    if c.primary_key:
        out += " PRIMARY KEY"
    if c.not_null:
        out += " NOT NULL"
    return out
