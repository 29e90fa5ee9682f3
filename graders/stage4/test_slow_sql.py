"""Grader for the incident lab stage4/slow-sql: "慢 SQL", remedied by `EXPLAIN` 执行计划分析.

The learner receives the shop's account pages (incidents/slow_sql.py) as shipped: every hot
statement filters on a column no index covers, so each reads its whole table (EXPLAIN
type=ALL), and the loyalty badge fetches every shipped order of every customer to sum one
customer's. The load (incidents/slow_sql_load.py, a verbatim copy of the block in
support/slow_sql_support.py) fills the learner's own minimysql database with a seeded shop,
plays 200 seeded page views and prints the rows examined per view and the slow log's digest.
The learner EXPLAINs the slow log's statements, adds the indexes as migrations, rewrites the
badge's statement, measures again, and writes the figures, two plans and the causes
(answers/slow-sql.yaml) and a postmortem.

What is checked, with the learner's pages and database in the subject:
- correctness: on the load, rows examined per request (mean) and per view (most) within bounds
  and no statement whose plan is ALL; every page's answer is the shipped program's (computed
  here from the seeded rows); the migrations index a live database, created with the schema as
  shipped and filled before migrate() runs; edge cases (no orders, ties, a quote in an email,
  duplicate emails, unknown ids) and bad arguments as shipped;
- performance: every index the migrations add is used by a page's plan, and no column has two;
- faults: emails that try SQL injection are only data;
- review: the answers file. "before" is what the shipped program does on the load, computed
  here from the shipped statements' access paths (a full scan reads the table, a primary-key
  read one row); "after" and explain.after must equal what the grader re-measures on the
  learner's program; the causes against a key; the postmortem's six sections.
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

NAME = "slow-sql"
MODULE = "incidents.slow_sql"
SUPPORT = "slow_sql_support"
LOAD = "python -m incidents.slow_sql_load"
RUN = f"Run `{LOAD}` from your project folder and copy the figures it prints at the end."
MEAN_LIMIT = 20  # rows examined per request, the mean over the load (the shipped program: about 2 500)
MAX_LIMIT = 100  # rows examined by any one page view (the shipped program: 4 383)
LIVE = {"seed": 77, "users": 150, "count": 80}  # the live-migration scenario's smaller shop

SHIPPED_SCHEMA = [
    "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(120) NOT NULL, name VARCHAR(80) NOT NULL, "
    "created_at INT NOT NULL)",
    "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, status VARCHAR(12) NOT NULL, "
    "total_cents INT NOT NULL, created_at INT NOT NULL)",
    "CREATE TABLE order_items (id INT PRIMARY KEY, order_id INT NOT NULL, sku VARCHAR(20) NOT NULL, "
    "quantity INT NOT NULL, price_cents INT NOT NULL)",
]
COLUMNS = {  # every column of the shipped tables, with the kind of constant an equality on it takes
    "users": [("id", "INT"), ("email", "TEXT"), ("name", "TEXT"), ("created_at", "INT")],
    "orders": [("id", "INT"), ("user_id", "INT"), ("status", "TEXT"), ("total_cents", "INT"), ("created_at", "INT")],
    "order_items": [("id", "INT"), ("order_id", "INT"), ("sku", "TEXT"), ("quantity", "INT"), ("price_cents", "INT")],
}
ORDER_FIELDS = ("id", "user_id", "status", "total_cents", "created_at")

PLAN_HINT = ("EXPLAIN each statement of the slow log (`python -m incidents.slow_sql_load --sql \"EXPLAIN SELECT …\"`): "
             "type=ALL reads the whole table. The planner uses an index for a condition `column = constant` (or <, "
             "<=, >, >=, BETWEEN) AND-ed at the top of the WHERE, on a column that has one: add the index as a "
             "migration (MIGRATIONS, CREATE INDEX) on the column the statement filters by.")
BADGE_HINT = ("The loyalty badge fetches every shipped order of every customer and keeps one customer's in Python: "
              "no index makes that cheap. Put the customer into the statement (WHERE user_id = … AND status = "
              "'shipped'), with the indexed, selective condition written first: the planner takes the first usable "
              "equality.")
SAME_HINT = ("A fix must not change what the pages show: keep each page's columns, its order (newest first, equal "
             "times by higher id), its LIMIT and its filters; the badge sums the 'shipped' orders only.")

# -- the key -----------------------------------------------------------------------------------------------
KEY_ROOT_CAUSE = "no_index_for_filtered_columns"
KEY_BADGE_FIX = "filter_by_customer_in_sql"
ROOT_CAUSES = ["no_index_for_filtered_columns", "table_locks", "too_many_rows_returned", "slow_disk",
               "stale_statistics", "too_many_connections"]
BADGE_FIXES = ["filter_by_customer_in_sql", "index_on_status", "limit_the_rows", "cache_the_badge",
               "nothing_it_was_fine"]
PLAN_TYPES = ["const", "ref", "range", "ALL"]

# -- the answers file's shape -------------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a count (a whole number, 0 or more)"}
FIGURE_NAMES = ("rows_examined_per_request", "max_rows_examined", "slow_statements")
FIGURES = {"type": "object", "required": list(FIGURE_NAMES), "additionalProperties": False,
           "properties": dict.fromkeys(FIGURE_NAMES, COUNT),
           "description": "rows_examined_per_request:, max_rows_examined: and slow_statements:, three whole numbers"}
PLAN = {"type": "object", "required": ["type", "rows"], "additionalProperties": False,
        "properties": {"type": {"enum": PLAN_TYPES}, "rows": COUNT},
        "description": "type: (const, ref, range or ALL) and rows: (a whole number)"}
FIELDS: dict[str, dict[str, Any]] = {
    "before": FIGURES,
    "after": FIGURES,
    "explain": {"type": "object", "required": ["before", "after"], "additionalProperties": False,
                "properties": {"before": PLAN, "after": PLAN}, "description": "explain: with before: and after:"},
    "root_cause": {"enum": ROOT_CAUSES},
    "badge_fix": {"enum": BADGE_FIXES},
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


# -- the load's data, here in the grader's process -------------------------------------------------------------

def _load_support() -> ModuleType:
    path = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()
Data = dict[str, list[tuple[Any, ...]]]


def expected(data: Data, page: str, args: tuple[Any, ...] | list[Any]) -> Any:
    """What the shipped pages answer, computed from the rows (a page's contract, in plain Python)."""
    if page == "user_by_email":
        found = sorted(u for u in data["users"] if u[1] == args[0])
        return {"id": found[0][0], "email": found[0][1], "name": found[0][2]} if found else None
    if page == "order_history":
        mine = sorted((o for o in data["orders"] if o[1] == args[0]), key=lambda o: (o[4], o[0]), reverse=True)
        return [{"id": o[0], "status": o[2], "total_cents": o[3], "created_at": o[4]} for o in mine[:args[1]]]
    if page == "order_detail":
        order = next((o for o in data["orders"] if o[0] == args[0]), None)
        if order is None:
            return None
        items = sorted(i for i in data["order_items"] if i[1] == args[0])
        return {**dict(zip(ORDER_FIELDS, order, strict=True)),
                "items": [{"sku": i[2], "quantity": i[3], "price_cents": i[4]} for i in items]}
    return sum(o[3] for o in data["orders"] if o[1] == args[0] and o[2] == "shipped")


def shipped_views(data: Data, plays: list[tuple[str, tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """The statements the shipped pages send and the rows each examines: a full scan (type=ALL)
    reads its table, a primary-key equality the one row (or none)."""
    sizes = {table: len(rows) for table, rows in data.items()}
    order_ids = {o[0] for o in data["orders"]}
    views = []
    for page, args in plays:
        if page == "user_by_email":
            statements = [(f"SELECT id, email, name FROM users WHERE email = {WORK.literal(args[0])} ORDER BY id "
                           "LIMIT 1", sizes["users"])]
        elif page == "order_history":
            statements = [(f"SELECT id, status, total_cents, created_at FROM orders WHERE user_id = {args[0]} "
                           f"ORDER BY created_at DESC, id DESC LIMIT {args[1]}", sizes["orders"])]
        elif page == "order_detail":
            found = args[0] in order_ids
            statements = [(f"SELECT id, user_id, status, total_cents, created_at FROM orders WHERE id = {args[0]}",
                           int(found))]
            if found:
                statements.append((f"SELECT sku, quantity, price_cents FROM order_items WHERE order_id = {args[0]} "
                                   "ORDER BY id", sizes["order_items"]))
        else:
            statements = [("SELECT user_id, total_cents FROM orders WHERE status = 'shipped'", sizes["orders"])]
        views.append({"page": page, "statements": statements, "rows_examined": sum(r for _, r in statements)})
    return views


@cache
def key() -> dict[str, Any]:
    """The shipped program on the load: its figures, and the slow log's first example with its plan."""
    data = WORK.dataset()
    views = shipped_views(data, WORK.requests(data))
    top = WORK.slow_log(views)[0]
    table = top["example"].split(" FROM ")[1].split()[0]
    return {"figures": WORK.figures(views), "example": top["example"],
            "explain_before": {"type": "ALL", "rows": len(data[table])}}


# -- playing the learner's pages in the subject -------------------------------------------------------------------

def support(subject: Subject) -> RemoteObject:
    entries = subject.transcript.entries
    known = len(entries)
    module = subject.import_module(SUPPORT)
    del entries[known:]  # the grader's own module is no business of the learner's
    return module


def play(subject: Subject, function: str, args: tuple[Any, ...], text: str) -> Any:
    """One scenario of the support module, run with the learner's pages and database."""
    try:
        result = subject.call(support(subject), function, args, {}, text=text, timeout=120.0)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        message = f"{exc.type_name}: {exc.message}" if exc.message else exc.type_name
        if exc.is_a("NotImplementedError"):
            fail("the shop's database could not be built: minimysql/database.py is still a stub",
                 expected="your minimysql.database.Database", got=message[:300] + where,
                 hint="This lab runs on your own database: finish stage4/transactions first "
                      "(swai grade stage4/transactions).")
        fail("the shop's database could not be created, filled and migrated with your program",
             expected="create_schema(), the seeded INSERTs and migrate() to run", got=message[:300] + where,
             hint=f"Run `{LOAD}` from your project folder: it shows the same error. Keep SCHEMA as shipped (the "
                  "live database has these tables) and put every change into MIGRATIONS.")
    if not isinstance(result, dict) and not isinstance(result, list):
        fail("the scenario came back garbled", expected="the scenario's report", got=show(result),
             hint="Your code must not patch other modules of the process; keep it to the pages.")
    subject.transcript.entries[-1].outcome = "-> done"
    return result


_load: list[dict[str, Any]] = []


def replay_load(subject: Subject) -> dict[str, Any]:
    """The load with the learner's program, once per grading run (it is deterministic)."""
    if not _load:
        result = play(subject, "replay", (key()["example"], COLUMNS),
                      f"[the load: the seeded shop ({WORK.USERS} customers) in your database, created, filled and "
                      f"migrated by your incidents/slow_sql.py; {WORK.REQUESTS} seeded page views through your "
                      "AccountPages; then EXPLAIN of every statement they sent]")
        _load.append(result)
    else:
        subject.transcript.add(f"[the load, as replayed for an earlier check: {WORK.REQUESTS} page views]")
    load = _load[0]
    f = load["figures"]
    subject.transcript.add(f"    rows examined per request (mean) {f['rows_examined_per_request']}, by one request "
                           f"(most) {f['max_rows_examined']}, statements in the slow log {f['slow_statements']}")
    return load


def describe_view(v: dict[str, Any]) -> str:
    return f"{v['page']}{tuple(v['args'])}"


def describe_plan(plan: dict[str, Any]) -> str:
    if "error" in plan:
        return f"EXPLAIN failed: {plan['error']}"
    return (f"type={plan.get('type')}, possible_keys={plan.get('possible_keys')}, key={plan.get('key')}, "
            f"rows={plan.get('rows')}")


def heaviest(views: list[dict[str, Any]]) -> str:
    """The statement that examined the most rows, for a failure message."""
    statements = [(rows, text) for v in views for text, rows in v["statements"]]
    if not statements:
        return "no statement"
    rows, text = max(statements)
    return f"{show(text, 160)} examined {rows} rows"


def check_outcomes(data: Data, views: list[dict[str, Any]], what: str, hint: str = SAME_HINT) -> None:
    """Every view's answer is the shipped program's."""
    for v in views:
        want = expected(data, v["page"], v["args"])
        if v["outcome"] != ["value", want]:
            got = v["outcome"]
            shown = show(got[1], 300) if got[0] == "value" else f"raised {got[1]}: {got[2]}"
            fail(f"{what}: {describe_view(v)} does not answer what the shipped page answers",
                 expected=show(want, 300), got=shown, hint=hint)


def check_rows_examined(figures: Figures, views: list[dict[str, Any]], measured: dict[str, int], what: str) -> None:
    mean = measured["rows_examined_per_request"]
    figures.record(f"rows examined per request (mean), {what}", mean, threshold=MEAN_LIMIT, better="lower")
    if mean > MEAN_LIMIT:
        fail(f"{what}: {mean} rows examined per request", expected=f"at most {MEAN_LIMIT} (the shipped program "
             f"examines about {key()['figures']['rows_examined_per_request']})",
             got=f"{mean} per request; the heaviest statement: {heaviest(views)}", hint=PLAN_HINT)
    worst = max(views, key=lambda v: v["rows_examined"])
    if worst["rows_examined"] > MAX_LIMIT:
        fail(f"{what}: one page view examined {worst['rows_examined']} rows", expected=f"at most {MAX_LIMIT} for any "
             "view (a page reads its customer's rows, not the table)",
             got=f"{describe_view(worst)} examined {worst['rows_examined']}: {heaviest([worst])}",
             hint=BADGE_HINT if worst["page"] == "lifetime_spend" else PLAN_HINT)


# -- correctness --------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_load_examines_few_rows_per_request(subject: Subject, figures: Figures) -> None:
    """the load: each page view examines a few rows, not a table (rows examined per request, mean and most)"""
    load = replay_load(subject)
    check_rows_examined(figures, load["views"], load["figures"], "the load")


@pytest.mark.correctness
@pytest.mark.points(3)
def test_load_answers_are_unchanged(subject: Subject) -> None:
    """the load: every page view answers what the shipped program answers"""
    load = replay_load(subject)
    check_outcomes(WORK.dataset(), load["views"], "the load")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_no_statement_reads_a_whole_table(subject: Subject) -> None:
    """EXPLAIN of every statement the pages sent in the load: none is type=ALL"""
    load = replay_load(subject)
    plans = load["plans"]
    subject.transcript.add(f"    EXPLAIN of the {len(plans)} distinct statements the pages sent")
    broken = [(s, p) for s, p in plans.items() if "error" in p]
    if broken:
        fail("EXPLAIN of a statement your pages send failed", expected="one plan row per statement",
             got=f"{show(broken[0][0], 160)}: {broken[0][1]['error']}",
             hint="EXPLAIN SELECT … must work on every SELECT your database runs (stage4/transactions).")
    scans = [(s, p) for s, p in plans.items() if p.get("type") == "ALL"]
    if scans:
        statement, plan = scans[0]
        fail(f"{len(scans)} of the {len(plans)} distinct statements still read their whole table",
             expected="type const, ref or range for every statement", got=f"{show(statement, 200)}: "
             f"{describe_plan(plan)}", hint=BADGE_HINT if "status" in statement and "user_id" not in statement
             else PLAN_HINT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_migrations_index_the_live_database(subject: Subject, figures: Figures) -> None:
    """on a live database (created with the schema as shipped, filled, then migrate()), the pages examine few rows"""
    result = play(subject, "live_migration", (SHIPPED_SCHEMA, LIVE["seed"], LIVE["users"], LIVE["count"]),
                  f"[a live shop of {LIVE['users']} customers: the tables created with the schema as shipped, "
                  f"filled, then YOUR migrate(); {LIVE['count']} page views (seed {LIVE['seed']})]")
    f = result["figures"]
    subject.transcript.add(f"    rows examined per request (mean) {f['rows_examined_per_request']}, by one request "
                           f"(most) {f['max_rows_examined']}")
    data = WORK.dataset(LIVE["seed"], LIVE["users"])
    check_outcomes(data, result["views"], "the live database")
    mean, worst = f["rows_examined_per_request"], f["max_rows_examined"]
    if mean > MEAN_LIMIT or worst > MAX_LIMIT:
        fail("the live database still reads whole tables after migrate()", expected=f"at most {MEAN_LIMIT} rows "
             f"examined per request and {MAX_LIMIT} per view, as on the load",
             got=f"{mean} per request, {worst} at most; the heaviest statement: {heaviest(result['views'])}",
             hint="Production's database already exists: create_schema() is not run again, only migrate(). An index "
                  "written into SCHEMA never reaches it; add it to MIGRATIONS (CREATE INDEX fills it from the rows "
                  "already there).")


EDGE: dict[str, list[tuple[Any, ...]]] = {
    "users": [(1, "ann@example.com", "Ann", 100), (2, "o'hara@example.com", "Siobhan O'Hara", 110),
              (3, "ben@example.com", "Ben", 120), (4, "ann@example.com", "Ann (second account)", 130),
              (5, "carl@example.com", "Carl", 140)],
    "orders": [(10, 1, "shipped", 1500, 5000), (11, 1, "cancelled", 800, 5000), (12, 1, "shipped", 999, 4000),
               (13, 1, "pending", 1200, 6000), (14, 1, "refunded", 300, 3000), (15, 3, "cancelled", 2500, 7000),
               (16, 2, "shipped", 4999, 2000), (17, 1, "paid", 700, 6000), (18, 1, "shipped", 120, 1000)],
    "order_items": [(1, 10, "SKU-1", 1, 1500), (2, 12, "SKU-2", 1, 999), (3, 11, "SKU-3", 2, 400),
                    (4, 10, "SKU-4", 0, 0), (5, 16, "SKU-5", 1, 4999)],
}
EDGE_PLAYS = [
    ("order_history", (1, 10)), ("order_history", (1, 3)), ("order_history", (1, 1)), ("order_history", (3, 50)),
    ("order_history", (5, 10)), ("order_history", (99, 10)), ("order_detail", (10,)), ("order_detail", (13,)),
    ("order_detail", (999,)), ("user_by_email", ("ann@example.com",)), ("user_by_email", ("o'hara@example.com",)),
    ("user_by_email", ("ANN@example.com",)), ("user_by_email", ("",)), ("lifetime_spend", (1,)),
    ("lifetime_spend", (3,)), ("lifetime_spend", (5,)), ("lifetime_spend", (2,)),
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_pages_on_edge_cases(subject: Subject) -> None:
    """(regression) ties in time, a quote in an email, duplicate emails, no orders, unknown ids, other statuses"""
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()},
                                     [[p, list(a)] for p, a in EDGE_PLAYS]),
                  "[a small shop (5 customers, 9 orders: equal times, every status; two accounts with one email, "
                  f"one with a quote in it) created and migrated by your module; {len(EDGE_PLAYS)} page calls]")
    check_outcomes(EDGE, result, "a small shop")


BAD_CALLS = [("user_by_email", (None,), "TypeError"), ("user_by_email", (42,), "TypeError"),
             ("order_history", ("1", 10), "TypeError"), ("order_history", (True, 10), "TypeError"),
             ("order_history", (0, 10), "ValueError"), ("order_history", (1, 0), "ValueError"),
             ("order_history", (1, 51), "ValueError"), ("order_history", (1, 2.5), "TypeError"),
             ("order_detail", (-3,), "ValueError"), ("order_detail", (1.0,), "TypeError"),
             ("lifetime_spend", (0,), "ValueError"), ("lifetime_spend", (None,), "TypeError")]


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_arguments_are_rejected(subject: Subject) -> None:
    """(regression) ids that are not ints >= 1, a limit outside 1..50, an email that is not a str: as shipped"""
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()},
                                     [[p, list(a)] for p, a, _ in BAD_CALLS]),
                  f"[the small shop; {len(BAD_CALLS)} page calls with bad arguments]")
    for (page, args, error), v in zip(BAD_CALLS, result, strict=True):
        got = v["outcome"]
        if got[:2] != ["error", error]:
            fail(f"{page}{args} was not rejected as the shipped page rejects it", expected=f"{error}",
                 got=f"returned {show(got[1], 120)}" if got[0] == "value" else f"raised {got[1]}: {got[2]}",
                 hint="Keep the shipped checks of the arguments (TypeError for a wrong type, bool included; "
                      "ValueError for a value out of range), before any statement is sent.")


# -- performance ------------------------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(2)
def test_every_index_is_used(subject: Subject) -> None:
    """every index the migrations add is the key of some page's plan, and no column has two"""
    load = replay_load(subject)
    used = {p.get("key") for p in load["plans"].values()}
    keys = {column: [k for k in names if k != "PRIMARY"] for column, names in load["indexes"].items()}
    subject.transcript.add("    indexes found: " + (", ".join(f"{', '.join(n)} on {c}" for c, n in keys.items() if n)
                                                    or "none"))
    doubled = {c: n for c, n in keys.items() if len(n) > 1}
    if doubled:
        column, names = next(iter(doubled.items()))
        fail(f"{column} has {len(names)} indexes", expected="at most one index per column",
             got=", ".join(names), hint="A second index on the same column is never chosen (the planner takes a "
             "column's first key), yet every INSERT and UPDATE of the table maintains it. Keep one.")
    unused = [(c, n[0]) for c, n in keys.items() if n and n[0] not in used]
    if unused:
        fail("an index that no page's plan uses", expected="only indexes some statement of the pages reads through",
             got=", ".join(f"{name} on {column}" for column, name in unused),
             hint="Every index costs each INSERT, UPDATE and DELETE of its table, and memory. Index the columns the "
                  "slow statements filter by (their EXPLAIN shows the key they then use), not every column, not "
                  "the ORDER BY column, and not a column such as status that most rows share.")


# -- faults -------------------------------------------------------------------------------------------------------

INJECTIONS = ["x' OR '1'='1", "ann@example.com' --", "'; DROP TABLE users; --", "ann@example.com'", "\\'"]


@pytest.mark.faults
@pytest.mark.points(1)
def test_hostile_emails_are_only_data(subject: Subject) -> None:
    """emails that try SQL injection find nobody and break nothing"""
    plays = [["user_by_email", [e]] for e in INJECTIONS] + [["user_by_email", ["ann@example.com"]]]
    result = play(subject, "calls", ({t: [list(r) for r in rows] for t, rows in EDGE.items()}, plays),
                  f"[the small shop; user_by_email() with {len(INJECTIONS)} emails that try SQL injection, then "
                  "with 'ann@example.com']")
    check_outcomes(EDGE, result, "hostile emails",
                   hint="Build every string into a statement with quote() (each ' doubled), never by pasting it "
                        "between quotes: an email is data, never SQL.")


# -- review: the answers and the postmortem -----------------------------------------------------------------------

@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/slow-sql.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(1)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the "before" figures are what the load prints for the shipped program"""
    stated = answers(project, "before")["before"]
    want = key()["figures"]
    wrong = [f for f in FIGURE_NAMES if stated[f] != want[f]]
    if wrong:
        fail("before: not what the load prints for the shipped program",
             expected=f"other values for {', '.join(wrong)}", got=", ".join(f"{f}: {stated[f]}" for f in wrong),
             hint="Measure before you fix: run the load on the program as the exercise gave it (your version "
                  "control has it) and copy its three figures. " + RUN)


def differences(stated: dict[str, Any], measured: dict[str, Any], where: str) -> list[str]:
    return [f"{where}.{k}: you state {stated[k]}, your program: {v}" for k, v in measured.items() if stated[k] != v]


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the "after" figures are what the load measures on your fixed program"""
    stated = answers(project, "after")["after"]
    wrong = differences(stated, replay_load(subject)["figures"], "after")
    if wrong:
        fail("the figures you state are not what the load measures on your program",
             expected="your answers to match the load run on your incidents/slow_sql.py", got="; ".join(wrong),
             hint=RUN + " Write what you measured, not what should happen; if the figures look wrong, fix the "
                        "program and measure again.")


@pytest.mark.review
@pytest.mark.points(2)
def test_explain_of_the_top_statement(subject: Subject, project: Path) -> None:
    """the plan of the slow log's first example, before the fix and after it, as EXPLAIN shows them"""
    stated = answers(project, "explain")["explain"]
    before = key()["explain_before"]
    wrong = differences(stated["before"], before, "explain.before")
    if wrong:
        fail("explain.before: not the plan of the slow log's first example on the shipped program",
             expected="the type and rows EXPLAIN prints", got="; ".join(wrong),
             hint="On the program as shipped, copy the Example line of rank 1 and run `python -m "
                  "incidents.slow_sql_load --sql \"EXPLAIN <the example>\"`; copy its type and rows columns.")
    plan = replay_load(subject)["example"]
    subject.transcript.add(f"    EXPLAIN {show(key()['example'], 120)} on your database: {describe_plan(plan)}")
    if "error" in plan:
        fail("EXPLAIN of the slow log's first example failed on your database", expected="one plan row",
             got=plan["error"], hint="Keep the shipped tables and columns; add indexes with CREATE INDEX.")
    wrong = differences(stated["after"], {"type": plan.get("type"), "rows": plan.get("rows")}, "explain.after")
    if wrong:
        fail("explain.after: not the plan EXPLAIN shows on your fixed program", expected="the type and rows of "
             "the same example, EXPLAINed once your migrations are in", got="; ".join(wrong),
             hint="Run the same `--sql \"EXPLAIN …\"` again on your fixed program and copy what it prints.")


@pytest.mark.review
@pytest.mark.points(2)
def test_root_cause_and_badge_fix(project: Path) -> None:
    """the root cause, and what the loyalty badge's statement needed"""
    stated = answers(project, "root_cause", "badge_fix")
    if stated["root_cause"] != KEY_ROOT_CAUSE:
        fail("root_cause: that is not what made the statements slow", expected="another of the template's choices",
             got=str(stated["root_cause"]),
             hint="Look at EXPLAIN of the slow log's statements: their type, their key, and their rows against the "
                  "size of the table. Nothing waits and nothing else reads the disk: what do they read?")
    if stated["badge_fix"] != KEY_BADGE_FIX:
        fail("badge_fix: that does not make the badge read a few rows", expected="another of the template's choices",
             got=str(stated["badge_fix"]),
             hint="The badge's statement names no customer: whatever the indexes, it reads every shipped order "
                  "of the shop. What must the statement say so that an index can find one customer's rows?")


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem(project: Path) -> None:
    """postmortems/slow-sql.md has its six sections, each written out"""
    read_postmortem(project, NAME)
