"""Grader for the incident lab stage4/index-not-used: "索引失效", remedied by 执行计划 type=ALL 检测.

The learner receives the shop's query layer (incidents/index_not_used.py) as shipped in release
3.0: the indexes exist, but the query builder wrote conditions the planner cannot turn into an
index range (arithmetic on the indexed column, NOT around comparisons, an OR of two columns), so
five of the six features read a whole table per call (EXPLAIN type=ALL). The load
(incidents/index_not_used_load.py, a verbatim copy of the block in
support/index_not_used_support.py) fills the learner's own minimysql database, plays 240 seeded
calls and prints the rows examined and the slow log's digest. The learner rewrites the
statements into sargable forms, writes the plan check CI will run
(incidents/index_not_used_check.py: find_full_scans flags every statement whose plan is ALL),
measures again, and writes the figures and causes (answers/index-not-used.yaml) and a postmortem.

What is checked, with the learner's program and database in the subject:
- correctness: EXPLAIN of every statement the shop sent in the load (an UPDATE through the SELECT
  with its table and WHERE): none is ALL; every answer of the load, and the orders the load's
  "mark shipped" calls leave, are the shipped program's (computed here from the seeded rows);
  boundaries (both ends of a price band and of a time window), NULLs (no price, not shipped),
  a customer found by email and by phone at once, shared phones; find_full_scans on the grader's
  own statements (const, ref, range, a range over every row, ALL on a big, a tiny and an empty
  table, no WHERE, lower case, UPDATE and DELETE, INSERT and BEGIN) flags exactly the ALL ones;
  bad arguments as shipped;
- performance: rows examined per request (mean) and per call (most) on the load;
- faults: the plan check runs nothing but EXPLAIN (no data changed, no transaction left open) and
  raises on what it cannot read; logins that try SQL injection are only data;
- review: the answers file; "before" is what the shipped program does on the load, computed here
  from the shipped statements' access paths; "after" must equal what the grader re-measures on
  the learner's program; the causes per feature and the root cause against a key; the postmortem.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swai.grading import Figures, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "index-not-used"
MODULE = "incidents.index_not_used"
SUPPORT = "index_not_used_support"
LOAD = "python -m incidents.index_not_used_load"
RUN = f"Run `{LOAD}` from your project folder and copy the figures it prints."
MEAN_LIMIT = 20  # rows examined per request, the mean over the load (the shipped program: about 1 500)
MAX_LIMIT = 100  # rows examined by any one call (the shipped program: 2 500)
BASE = 100_000  # ORDER_NUMBER_BASE: customers see order 42 as "#100042"
PAGE = 20
ORDER_FIELDS = ("id", "customer_id", "status", "total_cents", "created_at", "shipped_at")

SARGABLE_HINT = ("EXPLAIN the statement (`python -m incidents.index_not_used_load --sql \"EXPLAIN SELECT …\"`). The "
                 "planner uses an index only for a top-level AND-ed condition that compares the bare column with a "
                 "constant (=, <, <=, >, >=, BETWEEN): move arithmetic to the constant's side (price_cents / 100 "
                 "BETWEEN 10 AND 12 is price_cents BETWEEN 1000 AND 1200), turn NOT (a <= b) into a > b, and split an "
                 "OR of two columns into one statement per column. An UPDATE's WHERE counts as much as a SELECT's.")
SAME_HINT = ("A rewrite must return exactly the rows the shipped statement returned: mind both ends of a range "
             "(BETWEEN includes them; NOT (s <= a) is s > a, not s >= a), NULLs (a NULL price or shipped_at matches "
             "neither form), customers found by both statements of a split OR (once, in id order), and keep every "
             "other condition (status = 'paid') and the order and limit.")
CHECK_HINT = ("find_full_scans: parse each statement with minimysql.sql.parse; EXPLAIN a Select as it is, an Update "
              "or Delete through Select(None, table, where, (), None, None) written back with format_sql; never run "
              "any other kind. Flag type == 'ALL' exactly: const, ref and range use an index whatever their rows, "
              "and an ALL is a full scan however small or empty the table, with or without a WHERE.")

# -- the key ------------------------------------------------------------------------------------------
KEY_CAUSES = {"products_in_price_band": "arithmetic_on_column", "recently_shipped": "negated_condition",
              "find_customer": "or_of_conditions", "order_by_number": "arithmetic_on_column",
              "mark_shipped": "arithmetic_on_column", "orders_of_customer": "nothing"}
CAUSES = ["arithmetic_on_column", "negated_condition", "or_of_conditions", "no_index", "nothing"]
KEY_ROOT_CAUSE = "predicates_not_sargable"
ROOT_CAUSES = ["predicates_not_sargable", "indexes_missing", "index_corrupted", "stale_statistics",
               "wrong_index_chosen", "tables_too_big"]

# -- the answers file's shape ----------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a count (a whole number, 0 or more)"}
FIGURE_NAMES = ("rows_examined_per_request", "max_rows_examined", "slow_statements")
FIGURES = {"type": "object", "required": list(FIGURE_NAMES), "additionalProperties": False,
           "properties": dict.fromkeys(FIGURE_NAMES, COUNT),
           "description": "rows_examined_per_request:, max_rows_examined: and slow_statements:, three whole numbers"}
FIELDS: dict[str, dict[str, Any]] = {
    "before": FIGURES,
    "after": FIGURES,
    "causes": {"type": "object", "required": list(KEY_CAUSES), "additionalProperties": False,
               "properties": {feature: {"enum": CAUSES} for feature in KEY_CAUSES},
               "description": "causes: with one choice for each of " + ", ".join(KEY_CAUSES)},
    "root_cause": {"enum": ROOT_CAUSES},
}


def schema(*wanted: str) -> dict[str, Any]:
    """The answers' schema: the ``wanted`` fields (every field, strictly, when none is named)."""
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    return read_answers(project, NAME, schema(*wanted))


# -- the load's data, here in the grader's process ---------------------------------------------------------

def _load_support() -> ModuleType:
    path = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()
Data = dict[str, list[tuple[Any, ...]]]


def simulate(data: Data, calls: list[tuple[str, tuple[Any, ...]]]) -> tuple[list[Any], list[list[Any]]]:
    """What the shipped program answers to ``calls``, in order, and the orders (id, status,
    shipped_at) it leaves: each feature's contract, in plain Python."""
    orders = {o[0]: list(o) for o in data["orders"]}
    answers_: list[Any] = []
    for feature, args in calls:
        if feature == "products_in_price_band":
            low, high = args[0] * 100, args[1] * 100
            found = sorted((p[3], p[0], p) for p in data["products"] if p[3] is not None and low <= p[3] <= high)
            answers_.append([{"id": p[0], "sku": p[1], "name": p[2], "price_cents": p[3]} for _, _, p in found[:PAGE]])
        elif feature == "recently_shipped":
            now, within = args
            shipped = [o for o in orders.values() if o[5] is not None and now - within < o[5] <= now]
            latest = sorted(shipped, key=lambda o: (o[5], o[0]), reverse=True)
            answers_.append([{"id": o[0], "customer_id": o[1], "shipped_at": o[5]} for o in latest])
        elif feature == "find_customer":
            answers_.append([{"id": c[0], "email": c[1], "phone": c[2], "name": c[3]} for c in sorted(data["customers"])
                             if args[0] in (c[1], c[2])])
        elif feature == "order_by_number":
            order = orders.get(args[0] - BASE)
            answers_.append(dict(zip(ORDER_FIELDS, order, strict=True)) if order else None)
        elif feature == "mark_shipped":
            order = orders.get(args[0] - BASE)
            changed = order is not None and order[2] == "paid"
            if order is not None and changed:
                order[2], order[5] = "shipped", args[1]
            answers_.append(changed)
        else:
            mine = sorted((o for o in orders.values() if o[1] == args[0]), key=lambda o: (o[4], o[0]), reverse=True)
            answers_.append([{"id": o[0], "status": o[2], "total_cents": o[3], "created_at": o[4]}
                             for o in mine[:PAGE]])
    return answers_, [[o[0], o[2], o[5]] for _, o in sorted(orders.items())]


@cache
def key_figures() -> dict[str, int]:
    """The shipped program on the load: every statement but the customer's order list reads its
    whole table (type=ALL); that one reads the customer's orders through idx_orders_customer."""
    data = WORK.dataset()
    sizes = {table: len(rows) for table, rows in data.items()}
    reads = {"products_in_price_band": sizes["products"], "recently_shipped": sizes["orders"],
             "find_customer": sizes["customers"], "order_by_number": sizes["orders"], "mark_shipped": sizes["orders"]}
    views = []
    for feature, args in WORK.requests(data):
        rows = reads.get(feature)
        if rows is None:
            rows = sum(1 for o in data["orders"] if o[1] == args[0])
        views.append({"statements": [("", rows)], "rows_examined": rows})
    figures: dict[str, int] = WORK.figures(views)
    return figures


# -- playing the learner's program in the subject ---------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)
    del entries[known:]  # the grader's own module is no business of the learner's
    return module


def play(subject: Subject, function: str, args: tuple[Any, ...], text: str) -> dict[str, Any]:
    """One scenario of the support module, run with the learner's program and database."""
    try:
        result = subject.call(support(subject), function, args, {}, text=text, timeout=120.0)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        message = f"{exc.type_name}: {exc.message}" if exc.message else exc.type_name
        if exc.is_a("NotImplementedError"):
            fail("the shop's database could not be built: part of your project is still a stub",
                 expected="your minimysql.database.Database and minimysql.sql", got=message[:300] + where,
                 hint="This lab runs on your own database: finish stage4/transactions first "
                      "(swai grade stage4/transactions).")
        fail("the scenario could not run with your program", expected="the shop's database to be built and used",
             got=message[:300] + where, hint=f"Run `{LOAD}` from your project folder: it shows the same error.")
    if not isinstance(result, dict):
        fail("the scenario came back garbled", expected="the scenario's report", got=show(result),
             hint="Your code must not patch other modules of the process; keep it to the shop's queries.")
    subject.transcript.entries[-1].outcome = "-> done"
    return result


_load: list[dict[str, Any]] = []


def replay_load(subject: Subject) -> dict[str, Any]:
    """The load with the learner's program, once per grading run (it is deterministic)."""
    if not _load:
        _load.append(play(subject, "replay", (), f"[the load: the seeded shop ({WORK.PRODUCTS} products, "
                                                 f"{WORK.CUSTOMERS} customers, {WORK.ORDERS} orders) in your "
                                                 f"database; {WORK.REQUESTS} seeded calls through your ShopQueries; "
                                                 "then EXPLAIN of every statement they sent]"))
    else:
        subject.transcript.add(f"[the load, as replayed for an earlier check: {WORK.REQUESTS} calls]")
    load = _load[0]
    f = load["figures"]
    subject.transcript.add(f"    rows examined per request (mean) {f['rows_examined_per_request']}, by one request "
                           f"(most) {f['max_rows_examined']}, statements in the slow log {f['slow_statements']}")
    return load


def describe_plan(plan: dict[str, Any]) -> str:
    if "error" in plan:
        return f"EXPLAIN failed: {plan['error']}"
    return (f"type={plan.get('type')}, possible_keys={plan.get('possible_keys')}, key={plan.get('key')}, "
            f"rows={plan.get('rows')}")


def heaviest(views: list[dict[str, Any]]) -> str:
    statements = [(rows, text) for v in views for text, rows in v["statements"]]
    if not statements:
        return "no statement"
    rows, text = max(statements)
    return f"{show(text, 160)} examined {rows} rows"


def check_answers(data: Data, calls: list[tuple[str, tuple[Any, ...]]], result: dict[str, Any], what: str) -> None:
    """Every call answered what the shipped program answers, and the orders end as it leaves them."""
    want, orders = simulate(data, calls)
    for v, expected in zip(result["views"], want, strict=True):
        if v["outcome"] != ["value", expected]:
            got = v["outcome"]
            shown = show(got[1], 300) if got[0] == "value" else f"raised {got[1]}: {got[2]}"
            fail(f"{what}: {v['page']}{tuple(v['args'])} does not answer what the shipped program answers",
                 expected=show(expected, 300), got=shown, hint=SAME_HINT)
    for got, expected in zip(result["orders"], orders, strict=True):
        if got != expected:
            fail(f"{what}: after the calls, order {expected[0]} is not as the shipped program leaves it",
                 expected=f"(id, status, shipped_at) = {tuple(expected)}", got=str(tuple(got)),
                 hint="mark_shipped changes a 'paid' order only, and only the order with that number: keep the "
                      "status condition in the UPDATE's WHERE and turn the number into the id on the constant's side.")


# -- correctness: the load ------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_no_statement_reads_a_whole_table(subject: Subject) -> None:
    """EXPLAIN of every statement the shop sent in the load (UPDATEs included): none is type=ALL"""
    plans = replay_load(subject)["plans"]
    subject.transcript.add(f"    EXPLAIN of the {len(plans)} distinct statements the shop sent")
    broken = [(s, p) for s, p in plans.items() if "error" in p]
    if broken:
        fail("a statement your program sends could not be EXPLAINed", expected="one plan row per statement",
             got=f"{show(broken[0][0], 160)}: {broken[0][1]['error']}",
             hint="Send statements your parser and database accept (stage4/sql-parser, stage4/transactions).")
    scans = [(s, p) for s, p in plans.items() if p.get("type") == "ALL"]
    if scans:
        statement, plan = scans[0]
        kinds = len({WORK.fingerprint(s) for s, _ in scans})
        fail(f"{kinds} kinds of statement still read their whole table ({len(scans)} statements)",
             expected="type const, ref or range for every statement",
             got=f"{show(statement, 200)}: {describe_plan(plan)}", hint=SARGABLE_HINT)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_load_answers_are_unchanged(subject: Subject) -> None:
    """the load: every call answers what the shipped program answers, and "mark shipped" changes the same orders"""
    data = WORK.dataset()
    check_answers(data, WORK.requests(data), replay_load(subject), "the load")


EDGE: dict[str, list[tuple[Any, ...]]] = {
    "products": [(1, "SKU-1", "mug", 1199), (2, "SKU-2", "lamp", 1200), (3, "SKU-3", "kettle", 1201),
                 (4, "SKU-4", "scarf", 1249), (5, "SKU-5", "clock", 1299), (6, "SKU-6", "candle", 1300),
                 (7, "SKU-7", "teapot", 1301), (8, "SKU-8", "rug", None), (9, "SKU-9", "sample", 0),
                 (10, "SKU-10", "pen", 1200), (11, "SKU-11", "card", 99), (12, "SKU-12", "bag", 100)],
    "customers": [(1, "ann@example.com", "+15550000001", "Ann"), (2, None, "+15550000001", "Bo"),
                  (3, "+15550000003", "+15550000003", "Cy"), (4, "dee@example.com", None, "Dee"),
                  (5, "o'neil@example.com", None, "Ed"), (6, "+15550000006", None, "Fay"),
                  (7, None, "+15550000006", "Gus")],
    "orders": [(1, 1, "paid", 1999, 1000, None), (2, 1, "cancelled", 500, 1000, None),
               (3, 2, "shipped", 700, 2000, 6400), (4, 2, "shipped", 800, 2000, 6401),
               (5, 3, "shipped", 900, 3000, 9000), (6, 3, "shipped", 950, 3000, 9000),
               (7, 4, "shipped", 990, 3100, 10000), (8, 4, "shipped", 120, 3200, 10001),
               (9, 5, "pending", 300, 3300, None), (10, 5, "paid", 400, 3400, None)],
}
EDGE_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("products_in_price_band", (12, 12)), ("products_in_price_band", (12, 13)), ("products_in_price_band", (0, 0)),
    ("products_in_price_band", (0, 1)), ("products_in_price_band", (14, 20)),
    ("recently_shipped", (10000, 3600)), ("recently_shipped", (10000, 1)), ("recently_shipped", (9000, 2600)),
    ("recently_shipped", (6400, 100)),
    ("find_customer", ("+15550000001",)), ("find_customer", ("+15550000003",)), ("find_customer", ("+15550000006",)),
    ("find_customer", ("o'neil@example.com",)), ("find_customer", ("",)), ("find_customer", ("ann@example.com",)),
    ("order_by_number", (BASE + 1,)), ("order_by_number", (BASE + 99,)), ("order_by_number", (42,)),
    ("order_by_number", (BASE,)),
    ("mark_shipped", (BASE + 2, 11000)), ("mark_shipped", (BASE + 1, 11000)), ("mark_shipped", (BASE + 1, 11500)),
    ("mark_shipped", (1, 11600)), ("mark_shipped", (BASE + 10, 11700)), ("recently_shipped", (11700, 1000)),
    ("orders_of_customer", (1,)), ("orders_of_customer", (5,)), ("orders_of_customer", (9,)),
]


@pytest.mark.correctness
@pytest.mark.points(3)
def test_boundaries_nulls_and_duplicates(subject: Subject) -> None:
    """both ends of a price band and of a time window, NULL prices and shipments, a customer found twice"""
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()},
                                     [[f, list(a)] for f, a in EDGE_CALLS]),
                  "[a small shop: prices at and beside 12.00 and 13.00, a product without a price and one at 0; "
                  "shipments at and beside both ends of a window, two at one time, orders not shipped; a phone "
                  "two customers share, a customer whose email is their phone, another whose email is someone's "
                  f"phone; {len(EDGE_CALLS)} calls]")
    check_answers(EDGE, EDGE_CALLS, result, "a small shop")


BAD_CALLS = [("products_in_price_band", ("1", 2), "TypeError"), ("products_in_price_band", (5, 4), "ValueError"),
             ("products_in_price_band", (-1, 4), "ValueError"), ("products_in_price_band", (1, True), "TypeError"),
             ("recently_shipped", (10000, 0), "ValueError"), ("recently_shipped", (10000.0, 60), "TypeError"),
             ("recently_shipped", (-5, 60), "ValueError"), ("find_customer", (None,), "TypeError"),
             ("order_by_number", (0,), "ValueError"), ("order_by_number", ("#100001",), "TypeError"),
             ("mark_shipped", (BASE + 1, -1), "ValueError"), ("mark_shipped", (None, 10), "TypeError"),
             ("orders_of_customer", (0,), "ValueError")]


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_arguments_are_rejected(subject: Subject) -> None:
    """(regression) arguments of the wrong type or out of range are rejected as shipped"""
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()},
                                     [[f, list(a)] for f, a, _ in BAD_CALLS]),
                  f"[the small shop; {len(BAD_CALLS)} calls with bad arguments]")
    for (feature, args, error), v in zip(BAD_CALLS, result["views"], strict=True):
        got = v["outcome"]
        if got[:2] != ["error", error]:
            fail(f"{feature}{args} was not rejected as the shipped program rejects it", expected=error,
                 got=f"returned {show(got[1], 120)}" if got[0] == "value" else f"raised {got[1]}: {got[2]}",
                 hint="Keep the shipped checks of the arguments (TypeError for a wrong type, bool included; "
                      "ValueError for a value out of range), before any statement is sent.")


# -- correctness: the plan check ---------------------------------------------------------------------------------

CHECK_SCHEMA = [
    "CREATE TABLE t (id INT PRIMARY KEY, k INT, name TEXT, price INT)",
    "CREATE INDEX ik ON t (k)",
    "CREATE TABLE cfg (name VARCHAR(20) PRIMARY KEY, value TEXT)",
    "CREATE TABLE logs (id INT PRIMARY KEY, msg TEXT)",
]
CHECK_ROWS: dict[str, list[list[Any]]] = {
    "t": [[i, i % 12, f"item {i}", 100 * (i % 9)] for i in range(1, 61)],
    "cfg": [["mode", "on"], ["region", "eu"], ["theme", None]],
    "logs": [],
}
# (statement, its plan's type on that database); the check must flag exactly the ALL ones.
CHECK_STATEMENTS: list[tuple[str, str | None]] = [
    ("SELECT * FROM t WHERE id = 7", "const"),
    ("SELECT name FROM t WHERE k = 3", "ref"),
    ("SELECT * FROM t WHERE k BETWEEN 2 AND 5", "range"),
    ("SELECT * FROM t WHERE id >= 1", "range"),  # reads all 60 rows, through the primary key
    ("SELECT * FROM t WHERE price = 500", "ALL"),
    ("SELECT * FROM t", "ALL"),  # no WHERE: Extra is NULL
    ("select name from t where k + 0 = 3", "ALL"),
    ("\n  SELECT * FROM t WHERE k = 3 OR k = 4", "ALL"),
    ("SELECT value FROM cfg WHERE value = 'on'", "ALL"),  # a table of 3 rows
    ("UPDATE t SET name = 'x' WHERE price * 2 = 1000", "ALL"),
    ("DELETE FROM t WHERE id = 9", "const"),
    ("INSERT INTO t VALUES (100, 1, 'new', 5)", None),
    ("UPDATE t SET price = price + 1 WHERE k = 2", "ref"),
    ("BEGIN", None),
    ("DELETE FROM logs WHERE msg = 'old'", "ALL"),  # an empty table: rows 0
    ("SELECT * FROM t WHERE price = 500", "ALL"),  # again: reported once
    ("SELECT * FROM t WHERE NOT (id <= 50)", "ALL"),
    ("SELECT name FROM cfg WHERE name = 'mode' AND value = 'on'", "const"),
    ("COMMIT", None),
]
CHECK_FLAGGED = list(dict.fromkeys(s for s, kind in CHECK_STATEMENTS if kind == "ALL"))

_checks: dict[str, dict[str, Any]] = {}


def run_plan_check(subject: Subject, label: str, statements: list[Any], text: str) -> dict[str, Any]:
    if label not in _checks:
        _checks[label] = play(subject, "plan_check", (CHECK_SCHEMA, CHECK_ROWS, statements), text)
    else:
        subject.transcript.add(text + " (as run for an earlier check)")
    return _checks[label]


def grader_plans(subject: Subject) -> dict[str, Any]:
    result = run_plan_check(subject, "plans", [s for s, _ in CHECK_STATEMENTS],
                            f"[find_full_scans(session, {len(CHECK_STATEMENTS)} statements) on a database of three "
                            "tables (t: 60 rows, index ik on k; cfg: 3 rows; logs: empty): const, ref and range "
                            "plans, full scans of each table, UPDATE, DELETE, INSERT, BEGIN, COMMIT]")
    got = result["outcome"]
    shown = f"returned {show(got[1], 400)}" if got[0] == "value" else f"raised {got[1]}: {got[2]}"
    subject.transcript.entries[-1].outcome = "-> " + shown
    return result


@pytest.mark.correctness
@pytest.mark.points(3)
def test_plan_check_flags_exactly_the_full_scans(subject: Subject) -> None:
    """find_full_scans on the grader's statements flags exactly those whose plan is ALL, each once, in order"""
    got = grader_plans(subject)["outcome"]
    if got[0] == "error":
        fail("find_full_scans raised on statements it can all read", expected=f"the {len(CHECK_FLAGGED)} full "
             "scans", got=f"{got[1]}: {got[2]}", hint=CHECK_HINT)
    found = got[1]
    if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
        fail("find_full_scans did not return a list of statements", expected="a list of the flagged statements",
             got=show(found, 200), hint="Return the flagged statements themselves (str), exactly as given.")
    kinds = dict(CHECK_STATEMENTS)
    missed = [s for s in CHECK_FLAGGED if s not in found]
    if missed:
        fail(f"find_full_scans missed {len(missed)} full scans", expected=f"all {len(CHECK_FLAGGED)} statements "
             "whose plan is ALL", got="missed: " + "; ".join(show(s, 80) for s in missed), hint=CHECK_HINT)
    wrong = [s for s in found if kinds.get(s) != "ALL"]
    if wrong:
        fail(f"find_full_scans flagged {len(wrong)} statements that use an index or have no plan",
             expected="only the statements whose plan is ALL",
             got="; ".join(f"{show(s, 80)} (type {kinds.get(s) or 'none: no plan'})" for s in wrong), hint=CHECK_HINT)
    if found != CHECK_FLAGGED:
        fail("find_full_scans did not list each full scan once, in the order given", expected=show(CHECK_FLAGGED, 400),
             got=show(found, 400), hint="Keep the statements as given, in order; a statement that appears twice is "
                                        "listed once, at its first appearance.")


# -- performance --------------------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_load_examines_few_rows_per_request(subject: Subject, figures: Figures) -> None:
    """the load: each call examines a few rows, not a table (rows examined per request, mean and most)"""
    load = replay_load(subject)
    mean = load["figures"]["rows_examined_per_request"]
    figures.record("rows examined per request (mean), the load", mean, threshold=MEAN_LIMIT, better="lower")
    if mean > MEAN_LIMIT:
        fail(f"the load: {mean} rows examined per request", expected=f"at most {MEAN_LIMIT} (the shipped program "
             f"examines {key_figures()['rows_examined_per_request']})",
             got=f"{mean} per request; the heaviest statement: {heaviest(load['views'])}", hint=SARGABLE_HINT)
    worst = max(load["views"], key=lambda v: v["rows_examined"])
    if worst["rows_examined"] > MAX_LIMIT:
        fail(f"the load: one call examined {worst['rows_examined']} rows", expected=f"at most {MAX_LIMIT} for any call",
             got=f"{worst['page']}{tuple(worst['args'])}: {heaviest([worst])}", hint=SARGABLE_HINT)


# -- faults --------------------------------------------------------------------------------------------------------

@pytest.mark.faults
@pytest.mark.points(1)
def test_plan_check_runs_nothing_but_explain(subject: Subject) -> None:
    """find_full_scans changes no data and leaves no transaction open, given UPDATE, DELETE, INSERT and BEGIN"""
    result = grader_plans(subject)
    if result["changed"]:
        fail("the tables changed while find_full_scans looked at the statements", expected="the same rows before and "
             "after", got="rows inserted, updated or deleted",
             hint="A plan check must not run the statements it checks: EXPLAIN a SELECT built from the UPDATE's or "
                  "DELETE's table and WHERE, and never execute an INSERT, an UPDATE, a DELETE or a BEGIN.")
    if result["open_transaction"]:
        fail("find_full_scans left a transaction open", expected="session.in_transaction False afterwards",
             got="True", hint="Statements without a plan (BEGIN, COMMIT, INSERT, DDL) are skipped, never run.")


BAD_CHECKS: list[tuple[str, list[Any], tuple[str, ...]]] = [
    ("an item that is not a str", ["SELECT * FROM t WHERE id = 1", 42], ("TypeError",)),
    ("a statement with a syntax error", ["SELECT * FROM t WHERE id = 1", "SELEC * FROM t"],
     ("DatabaseError", "SqlSyntaxError")),
    ("a statement on an unknown table", ["SELECT * FROM missing WHERE id = 1"], ("DatabaseError",)),
    ("an UPDATE of an unknown column", ["UPDATE t SET name = 'x' WHERE nope = 1"], ("DatabaseError",)),
]


@pytest.mark.faults
@pytest.mark.points(1)
def test_plan_check_refuses_what_it_cannot_read(subject: Subject) -> None:
    """find_full_scans raises on an item that is not a str and on a statement it cannot parse or plan"""
    for what, statements, errors in BAD_CHECKS:
        result = run_plan_check(subject, what, statements, f"[find_full_scans(session, {show(statements, 120)}): "
                                                           f"{what}]")
        got = result["outcome"]
        if got[0] != "error" or not set(errors) & set(got[3]):
            fail(f"find_full_scans on {what} did not raise {' or '.join(errors)}", expected=" or ".join(errors),
                 got=f"returned {show(got[1], 120)}" if got[0] == "value" else f"raised {got[1]}: {got[2]}",
                 hint="A check that skips what it cannot read passes everything: let the parser's SqlSyntaxError or "
                      "the database's DatabaseError propagate, and raise TypeError for an item that is not a str.")


INJECTIONS = ["x' OR '1'='1", "ann@example.com' --", "'; DELETE FROM customers; --", "+15550000001'", "\\'"]


@pytest.mark.faults
@pytest.mark.points(1)
def test_hostile_logins_are_only_data(subject: Subject) -> None:
    """logins that try SQL injection find nobody and break nothing"""
    calls = [("find_customer", (login,)) for login in INJECTIONS] + [("find_customer", ("+15550000001",))]
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()},
                                     [[f, list(a)] for f, a in calls]),
                  f"[the small shop; find_customer() with {len(INJECTIONS)} logins that try SQL injection, then "
                  "with '+15550000001']")
    want, _ = simulate(EDGE, calls)
    for (_, args), v, expected in zip(calls, result["views"], want, strict=True):
        if v["outcome"] != ["value", expected]:
            got = v["outcome"]
            fail(f"find_customer({args[0]!r}) does not treat the login as data", expected=show(expected, 200),
                 got=show(got[1], 200) if got[0] == "value" else f"raised {got[1]}: {got[2]}",
                 hint="Build every string into a statement with quote() (each ' doubled), never by pasting it "
                      "between quotes.")


# -- review: the answers and the postmortem --------------------------------------------------------------------------

@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/index-not-used.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(1)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the "before" figures are what the load prints for the shipped program"""
    stated = answers(project, "before")["before"]
    want = key_figures()
    wrong = [f for f in FIGURE_NAMES if stated[f] != want[f]]
    if wrong:
        fail("before: not what the load prints for the shipped program",
             expected=f"other values for {', '.join(wrong)}", got=", ".join(f"{f}: {stated[f]}" for f in wrong),
             hint="Measure before you fix: run the load on the program as the exercise gave it (your version "
                  "control has it) and copy its three figures. " + RUN)


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the "after" figures are what the load measures on your fixed program"""
    stated = answers(project, "after")["after"]
    measured = replay_load(subject)["figures"]
    wrong = [f"after.{k}: you state {stated[k]}, your program: {v}" for k, v in measured.items() if stated[k] != v]
    if wrong:
        fail("the figures you state are not what the load measures on your program",
             expected="your answers to match the load run on your incidents/index_not_used.py", got="; ".join(wrong),
             hint=RUN + " Write what you measured, not what should happen; if the figures look wrong, fix the "
                        "program and measure again.")


@pytest.mark.review
@pytest.mark.points(2)
def test_causes_per_feature(project: Path) -> None:
    """for each feature, what kept the planner from its index"""
    stated = answers(project, "causes")["causes"]
    wrong = [f for f, cause in KEY_CAUSES.items() if stated[f] != cause]
    if wrong:
        fail(f"causes: {len(wrong)} of the {len(KEY_CAUSES)} answers are not what EXPLAIN shows",
             expected="another of the template's choices for " + ", ".join(wrong),
             got=", ".join(f"{f}: {stated[f]}" for f in wrong),
             hint="EXPLAIN each feature's statement as shipped: which index exists for the column it filters by, "
                  "and what stands between that column and the constant it is compared with?")


@pytest.mark.review
@pytest.mark.points(1)
def test_root_cause(project: Path) -> None:
    """the root cause of the incident"""
    stated = answers(project, "root_cause")["root_cause"]
    if stated != KEY_ROOT_CAUSE:
        fail("root_cause: that is not what made the statements read whole tables",
             expected="another of the template's choices", got=str(stated),
             hint="The indexes were all there before and after the release, and the data did not change: what did "
                  "release 3.0 change, and what does EXPLAIN's possible_keys say about it?")


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem(project: Path) -> None:
    """postmortems/index-not-used.md has its six sections, each written out"""
    read_postmortem(project, NAME)
