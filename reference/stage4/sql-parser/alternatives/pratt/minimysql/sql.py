"""A Pratt (top-down operator precedence) parser for the small SQL dialect, on a hand-written tokenizer.

Expressions are parsed by one loop driven by a table of binding powers instead of one function
per precedence level; the tokenizer walks the characters itself instead of using a regex.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

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
T = TypeVar("T")

WORD_START = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
WORD_CHARS = WORD_START | set("0123456789")
DIGITS = set("0123456789")
SPACE = set(" \t\n\r\f\v")
TWO_CHAR_OPS = {"<=", ">=", "<>", "!="}
ONE_CHAR_OPS = set("=<>+-*/(),;")
# Binding power of each infix operator: how tightly it holds its left operand.
INFIX = {"OR": 10, "AND": 20, "=": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40, "IS": 40, "IN": 40,
         "BETWEEN": 40, "NOT": 40, "+": 50, "-": 50, "*": 60, "/": 60}
NOT_POWER, COMPARE, SUM, NEG_POWER = 30, 40, 50, 70


def where(text: str, pos: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1


def syntax_error(text: str, pos: int, message: str) -> SqlSyntaxError:
    line, column = where(text, pos)
    return SqlSyntaxError(message, pos, line, column)


# A token: (kind, value, start, source text). Kinds: kw, id, num, str, op, eof.
Tok = tuple[str, object, int, str]


def lex(text: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SPACE:
            i += 1
        elif ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in WORD_START:
            j = i + 1
            while j < n and text[j] in WORD_CHARS:
                j += 1
            word = text[i:j]
            if word.upper() in KEYWORDS:
                out.append(("kw", word.upper(), i, word))
            else:
                out.append(("id", word.lower(), i, word))
            i = j
        elif ch in DIGITS or (ch == "." and i + 1 < n and text[i + 1] in DIGITS):
            j = i
            while j < n and text[j] in DIGITS:
                j += 1
            is_float = False
            if j < n and text[j] == ".":
                is_float = True
                j += 1
                while j < n and text[j] in DIGITS:
                    j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k] in DIGITS:
                    while k < n and text[k] in DIGITS:
                        k += 1
                    j, is_float = k, True
            raw = text[i:j]
            out.append(("num", to_number(text, i, raw, is_float), i, raw))
            i = j
        elif ch == "'":
            parts, j = [], i + 1
            while True:
                end = text.find("'", j)
                if end < 0:
                    raise syntax_error(text, i, "unterminated string literal")
                parts.append(text[j:end])
                if text.startswith("''", end):
                    parts.append("'")
                    j = end + 2
                else:
                    break
            out.append(("str", "".join(parts), i, text[i:end + 1]))
            i = end + 1
        elif ch == "`":
            end = text.find("`", i + 1)
            if end <= i + 1:
                raise syntax_error(text, i, "unterminated or empty backquoted name")
            out.append(("id", text[i + 1:end], i, text[i:end + 1]))
            i = end + 1
        elif text[i:i + 2] in TWO_CHAR_OPS:
            op = text[i:i + 2]
            out.append(("op", "!=" if op == "<>" else op, i, op))
            i += 2
        elif ch in ONE_CHAR_OPS:
            out.append(("op", ch, i, ch))
            i += 1
        else:
            raise syntax_error(text, i, f"unexpected character {ch!r}")
    out.append(("eof", None, n, ""))
    return out


def to_number(text: str, pos: int, raw: str, is_float: bool) -> int | float:
    if is_float:
        value = float(raw)
        if value in (float("inf"), float("-inf")):
            raise syntax_error(text, pos, "float literal out of range")
        return value
    if len(raw.lstrip("0")) > 19:  # before int(): huge literals are slow or refused by int()
        raise syntax_error(text, pos, "integer literal out of range")
    value = int(raw)
    if value > MAX_INT:
        raise syntax_error(text, pos, "integer literal out of range")
    return value


class Pratt:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = lex(text)
        self.at = 0
        self.nesting = 0

    def peek(self) -> Tok:
        return self.toks[self.at]

    def take(self) -> Tok:
        tok = self.toks[self.at]
        if tok[0] != "eof":
            self.at += 1
        return tok

    def err(self, expected: str) -> SqlSyntaxError:
        tok = self.peek()
        found = "end of input" if tok[0] == "eof" else repr(tok[3][:40])
        return syntax_error(self.text, tok[2], f"expected {expected}, found {found}")

    def word(self, *words: str) -> bool:
        tok = self.peek()
        return tok[0] == "kw" and tok[1] in words

    def sym(self, *ops: str) -> bool:
        tok = self.peek()
        return tok[0] == "op" and tok[1] in ops

    def need_word(self, word: str) -> None:
        if not self.word(word):
            raise self.err(word)
        self.at += 1

    def need_sym(self, op: str) -> None:
        if not self.sym(op):
            raise self.err(repr(op))
        self.at += 1

    def ident(self, what: str) -> str:
        if self.peek()[0] != "id":
            raise self.err(what)
        return str(self.take()[1])

    def count(self, what: str, least: int) -> int:
        tok = self.peek()
        if tok[0] == "num" and type(tok[1]) is int and tok[1] >= least:
            self.at += 1
            return tok[1]
        raise self.err(what)

    def comma_list(self, item: Callable[[], T]) -> tuple[T, ...]:
        items = [item()]
        while self.sym(","):
            self.at += 1
            items.append(item())
        return tuple(items)

    def deeper(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise syntax_error(self.text, self.peek()[2], f"nesting deeper than {MAX_DEPTH}")

    # -- expressions ---------------------------------------------------------------------------
    def expression(self, floor: int = 0) -> Expr:
        """Parse operators whose binding power is above ``floor``."""
        left, left_power = self.prefix(floor)
        while True:
            tok = self.peek()
            power = INFIX.get(str(tok[1])) if tok[0] in ("kw", "op") else None
            if power is None or power <= floor:
                return left
            # An operator takes a left operand binding at least as tightly as itself; comparisons need a
            # strictly tighter one (a sum), so they do not chain and nothing but AND/OR follows a predicate.
            if left_power < power or (power == COMPARE and left_power == COMPARE):
                return left
            if power == COMPARE:
                left = self.predicate(left)
            else:
                self.at += 1
                left = Binary(str(tok[1]), left, self.expression(power))
            left_power = power

    def predicate(self, left: Expr) -> Expr:
        tok = self.take()
        if tok[0] == "op":
            return Binary(str(tok[1]), left, self.sum())
        if tok[1] == "IS":
            negated = self.word("NOT")
            if negated:
                self.at += 1
            self.need_word("NULL")
            return IsNull(left, negated)
        negated = tok[1] == "NOT"
        if negated:
            if not self.word("IN", "BETWEEN"):
                raise self.err("IN or BETWEEN after NOT")
            tok = self.take()
        if tok[1] == "IN":
            self.need_sym("(")
            items = self.comma_list(self.expression)
            self.need_sym(")")
            return InList(left, items, negated)
        low = self.sum()
        self.need_word("AND")
        return Between(left, low, self.sum(), negated)

    def sum(self) -> Expr:
        return self.expression(COMPARE)

    def prefix(self, floor: int) -> tuple[Expr, int]:
        """The operand at the start of an expression, and how tightly it binds (atoms: 100)."""
        tok = self.peek()
        kind, value = tok[0], tok[1]
        if kind in ("num", "str"):
            self.at += 1
            return Literal(value), 100  # type: ignore[arg-type]
        if kind == "id":
            self.at += 1
            return Column(str(value)), 100
        if kind == "kw" and value in ("NULL", "TRUE", "FALSE"):
            self.at += 1
            return Literal(None if value == "NULL" else value == "TRUE"), 100
        if kind == "kw" and value == "NOT" and floor <= NOT_POWER:
            self.deeper()
            self.at += 1
            inner = Unary("NOT", self.expression(NOT_POWER))
            self.nesting -= 1
            return inner, NOT_POWER
        if kind == "op" and value == "-":
            self.deeper()
            self.at += 1
            inner = Unary("-", self.expression(NEG_POWER))
            self.nesting -= 1
            return inner, NEG_POWER
        if kind == "op" and value == "(":
            self.deeper()
            self.at += 1
            inner = self.expression()
            self.need_sym(")")
            self.nesting -= 1
            return inner, 100
        raise self.err("an expression")

    # -- statements ----------------------------------------------------------------------------
    def parse_statement(self) -> Statement:
        tok = self.peek()
        handlers = {"SELECT": self.select, "INSERT": self.insert, "UPDATE": self.update, "DELETE": self.delete,
                    "CREATE": self.create, "DROP": self.drop, "BEGIN": Begin, "COMMIT": Commit,
                    "ROLLBACK": Rollback, "EXPLAIN": self.explain}
        handler = handlers.get(str(tok[1])) if tok[0] == "kw" else None
        if handler is None:
            raise self.err("a statement")
        if tok[1] != "SELECT":
            self.at += 1
        stmt = handler()
        if self.sym(";"):
            self.at += 1
        if self.peek()[0] != "eof":
            raise self.err("end of input")
        return stmt

    def explain(self) -> Explain:
        if not self.word("SELECT"):
            raise self.err("SELECT")
        return Explain(self.select())

    def select(self) -> Select:
        self.need_word("SELECT")
        columns: tuple[Expr, ...] | None
        if self.sym("*"):
            self.at += 1
            columns = None
        else:
            columns = self.comma_list(self.expression)
        self.need_word("FROM")
        table = self.ident("a table name")
        cond = self.optional_where()
        order: tuple[OrderItem, ...] = ()
        if self.word("ORDER"):
            self.at += 1
            self.need_word("BY")
            order = self.comma_list(self.order_item)
        limit = offset = None
        if self.word("LIMIT"):
            self.at += 1
            limit = self.count("a row count", 0)
            if self.word("OFFSET"):
                self.at += 1
                offset = self.count("an offset", 0)
        return Select(columns, table, cond, order, limit, offset)

    def order_item(self) -> OrderItem:
        expr = self.expression()
        descending = self.word("DESC")
        if self.word("ASC", "DESC"):
            self.at += 1
        return OrderItem(expr, descending)

    def optional_where(self) -> Expr | None:
        if self.word("WHERE"):
            self.at += 1
            return self.expression()
        return None

    def insert(self) -> Insert:
        self.need_word("INTO")
        table = self.ident("a table name")
        columns = None
        if self.sym("("):
            self.at += 1
            columns = self.comma_list(lambda: self.ident("a column name"))
            self.need_sym(")")
        self.need_word("VALUES")
        return Insert(table, columns, self.comma_list(self.values_row))

    def values_row(self) -> tuple[Expr, ...]:
        self.need_sym("(")
        row = self.comma_list(self.expression)
        self.need_sym(")")
        return row

    def update(self) -> Update:
        table = self.ident("a table name")
        self.need_word("SET")
        return Update(table, self.comma_list(self.assignment), self.optional_where())

    def assignment(self) -> Assignment:
        name = self.ident("a column name")
        self.need_sym("=")
        return Assignment(name, self.expression())

    def delete(self) -> Delete:
        self.need_word("FROM")
        return Delete(self.ident("a table name"), self.optional_where())

    def drop(self) -> DropTable:
        self.need_word("TABLE")
        return DropTable(self.ident("a table name"))

    def create(self) -> CreateTable | CreateIndex:
        if self.word("INDEX"):
            self.at += 1
            name = self.ident("an index name")
            self.need_word("ON")
            table = self.ident("a table name")
            self.need_sym("(")
            column = self.ident("a column name")
            self.need_sym(")")
            return CreateIndex(name, table, column)
        self.need_word("TABLE")
        name = self.ident("a table name")
        self.need_sym("(")
        columns = self.comma_list(self.column_def)
        self.need_sym(")")
        return CreateTable(name, columns)

    def column_def(self) -> ColumnDef:
        name = self.ident("a column name")
        tok = self.peek()
        # a type is an unquoted word: its source text is the word itself
        kind = TYPES.get(tok[3].upper()) if tok[0] == "id" and not tok[3].startswith("`") else None
        if kind is None:
            raise self.err("a column type")
        self.at += 1
        length = None
        if kind == "VARCHAR":
            self.need_sym("(")
            length = self.count("a length >= 1", 1)
            self.need_sym(")")
        flags = {"PRIMARY": False, "NOT": False}
        while self.word("PRIMARY", "NOT"):
            first = str(self.take()[1])
            self.need_word("KEY" if first == "PRIMARY" else "NULL")
            flags[first] = True
        return ColumnDef(name, kind, length, flags["PRIMARY"], flags["NOT"])


def parse(text: str) -> Statement:
    if not isinstance(text, str):
        raise TypeError("parse() takes a str")
    return Pratt(text).parse_statement()


# -- format_sql: binding powers again, now deciding parentheses ---------------------------------

def power_of(e: Expr) -> int:
    if isinstance(e, Binary):
        return INFIX[e.op]
    if isinstance(e, Unary):
        return NOT_POWER if e.op == "NOT" else NEG_POWER
    if isinstance(e, (IsNull, InList, Between)):
        return COMPARE
    return 100


def ident_sql(name: str) -> str:
    plain = name != "" and name[0] in WORD_START and all(c in WORD_CHARS for c in name) and name == name.lower()
    return name if plain and name.upper() not in KEYWORDS else "`" + name + "`"


def wrap(e: Expr, least: int) -> str:
    text = expr_sql(e)
    return "(" + text + ")" if power_of(e) < least else text


def expr_sql(e: Expr) -> str:
    match e:
        case Literal(value=None):
            return "NULL"
        case Literal(value=bool() as flag):
            return "TRUE" if flag else "FALSE"
        case Literal(value=str() as s):
            return "'" + s.replace("'", "''") + "'"
        case Literal(value=v):
            return repr(v)
        case Column(name=name):
            return ident_sql(name)
        case Unary(op="NOT", operand=x):
            return "NOT " + wrap(x, NOT_POWER)
        case Unary(operand=x):
            inner = wrap(x, NEG_POWER)
            return ("- " if inner.startswith("-") else "-") + inner
        case Binary(op=op, left=left, right=right):
            p = INFIX[op]
            if p == COMPARE:
                return f"{wrap(left, SUM)} {op} {wrap(right, SUM)}"
            return f"{wrap(left, p)} {op} {wrap(right, p + 1)}"
        case IsNull(operand=x, negated=neg):
            return wrap(x, SUM) + (" IS NOT NULL" if neg else " IS NULL")
        case InList(operand=x, items=items, negated=neg):
            return wrap(x, SUM) + (" NOT IN (" if neg else " IN (") + ", ".join(map(expr_sql, items)) + ")"
        case Between(operand=x, low=lo, high=hi, negated=neg):
            word = " NOT BETWEEN " if neg else " BETWEEN "
            return wrap(x, SUM) + word + wrap(lo, SUM) + " AND " + wrap(hi, SUM)
    raise TypeError(f"not an expression: {e!r}")


def format_sql(statement: Statement) -> str:
    match statement:
        case Select():
            return select_sql(statement)
        case Explain(statement=inner):
            return "EXPLAIN " + select_sql(inner)
        case Insert(table=t, columns=cols, rows=rows):
            names = "" if cols is None else " (" + ", ".join(map(ident_sql, cols)) + ")"
            values = ", ".join("(" + ", ".join(map(expr_sql, row)) + ")" for row in rows)
            return f"INSERT INTO {ident_sql(t)}{names} VALUES {values}"
        case Update(table=t, assignments=sets, where=cond):
            body = ", ".join(f"{ident_sql(a.column)} = {expr_sql(a.value)}" for a in sets)
            return f"UPDATE {ident_sql(t)} SET {body}" + where_sql(cond)
        case Delete(table=t, where=cond):
            return f"DELETE FROM {ident_sql(t)}" + where_sql(cond)
        case CreateTable(name=t, columns=cols):
            return f"CREATE TABLE {ident_sql(t)} (" + ", ".join(map(coldef_sql, cols)) + ")"
        case CreateIndex(name=i, table=t, column=c):
            return f"CREATE INDEX {ident_sql(i)} ON {ident_sql(t)} ({ident_sql(c)})"
        case DropTable(name=t):
            return f"DROP TABLE {ident_sql(t)}"
        case Begin():
            return "BEGIN"
        case Commit():
            return "COMMIT"
        case Rollback():
            return "ROLLBACK"
    raise TypeError(f"not a statement: {statement!r}")


def where_sql(cond: Expr | None) -> str:
    return "" if cond is None else " WHERE " + expr_sql(cond)


def select_sql(s: Select) -> str:
    parts = ["SELECT", "*" if s.columns is None else ", ".join(map(expr_sql, s.columns)), "FROM", ident_sql(s.table)]
    if s.where is not None:
        parts += ["WHERE", expr_sql(s.where)]
    if s.order_by:
        parts += ["ORDER BY", ", ".join(expr_sql(o.expr) + (" DESC" if o.descending else "") for o in s.order_by)]
    if s.limit is not None:
        parts += ["LIMIT", str(s.limit)]
        if s.offset is not None:
            parts += ["OFFSET", str(s.offset)]
    return " ".join(parts)


def coldef_sql(c: ColumnDef) -> str:
    out = f"{ident_sql(c.name)} {c.type}" + (f"({c.length})" if c.type == "VARCHAR" else "")
    return out + (" PRIMARY KEY" if c.primary_key else "") + (" NOT NULL" if c.not_null else "")
