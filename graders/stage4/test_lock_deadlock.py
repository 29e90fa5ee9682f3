"""Grader for the incident lab stage4/lock-deadlock: "死锁", remedy `SHOW ENGINE INNODB STATUS` + 锁分析.

The learner receives the shop's order service (incidents/lock_deadlock.py) on their own database
(stage4/transactions): place_order takes the tables orders, stock, payments; ship_order orders,
payments; cancel_order, written to undo place_order in reverse, payments, stock, orders. Under the
seeded load (incidents/lock_deadlock_load.py, a verbatim copy of the block in
support/lock_deadlock_support.py: 40 rounds of two requests lined up after their first locking
statement) every round that pairs cancel_order with place_order or ship_order deadlocks once, and
the victim's request fails. The load prints InnoDB-style deadlock reports from its trace of the
statements. The learner fixes the service (one lock order for every transaction, a bounded retry
from BEGIN after a rollback), re-runs the load, states the figures and what the reports show, and
writes a postmortem.

What is checked, with the learner's program and database in the subject:
- correctness: the load makes no deadlock and fails no request, no request is stuck, and the
  rounds line up (no request waits for another outside the database); the database then holds
  exactly the requests that succeeded, each once; the three requests still do what they did, and
  refusals (OrderError) and other errors change nothing and are not retried;
- faults: the grader's own session forces what the load no longer shows: a deadlock in which the
  program's transaction is the victim (it must be retried whole, once), a lock wait timeout after
  its first statement (rolled back before the retry, so nothing is applied twice), and a lock held
  for good (at most MAX_ATTEMPTS attempts, then the error reaches the caller, nothing applied);
- review: the answers file. "before" is what the shipped program does on the load: on any correct
  database, exactly BEFORE. "after" must equal what the grader measures on the learner's program.
  The lock orders, the culprit, the cause, the fix and the InnoDB questions against a key; the
  postmortem's six sections.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_true, fail
from swai.grading.documents import read_answers, read_postmortem
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "lock-deadlock"
SUPPORT = "lock_deadlock_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
SCRIPT = "python incidents/lock_deadlock_load.py"
RUN = f"Run `{SCRIPT}` from your project folder and copy the figures it prints at the end."
MAX_ATTEMPTS = 3  # attempts of one request, in all (the README's rule)
CALL_TIMEOUT = 90.0

# -- the key ------------------------------------------------------------------------------------------------------
# The shipped program on any correct database: 12 rounds pair cancel_order with place_order and 5 with
# ship_order, each deadlocks exactly once (the rounds line up after the first locking statement), and
# the victim's request fails.
BEFORE = {"deadlocks": 17, "failed_requests": 17}
LOCK_ORDER = {"place_order": ["orders", "stock", "payments"], "ship_order": ["orders", "payments"],
              "cancel_order": ["payments", "stock", "orders"]}
KEY = {"culprit": "cancel_order", "victim": "whole_transaction_rolled_back", "root_cause": "opposite_lock_order",
       "fix": "one_lock_order_and_bounded_retry", "retry_after_lock_wait_timeout": "rollback_first"}
INNODB = {"deadlock_report_command": "show_engine_innodb_status", "log_every_deadlock": "innodb_print_all_deadlocks",
          "victim_choice": "the_smaller_transaction"}
REQUESTS = ("place_order", "ship_order", "cancel_order")
TABLE_NAMES = ["stock", "orders", "payments"]
VICTIMS = ["whole_transaction_rolled_back", "last_statement_undone", "waits_until_lock_timeout", "both_rolled_back"]
ROOT_CAUSES = ["opposite_lock_order", "lock_timeout_too_short", "too_many_concurrent_requests", "long_transactions",
               "missing_index", "table_locks_instead_of_row_locks"]
FIXES = ["one_lock_order_and_bounded_retry", "longer_lock_timeout", "retry_until_it_succeeds",
         "serialize_requests_in_the_service", "catch_and_ignore_deadlocks", "lock_every_table_first_with_select"]
RETRY_CHOICES = ["rollback_first", "begin_again", "retry_the_failed_statement_only"]
COMMANDS = ["show_engine_innodb_status", "show_full_processlist", "explain", "show_table_status"]
SETTINGS = ["innodb_print_all_deadlocks", "innodb_deadlock_detect", "innodb_lock_wait_timeout", "general_log"]
VICTIM_CHOICES = ["the_smaller_transaction", "the_one_closing_the_cycle", "the_older_transaction", "both"]

# -- the answers file's shape ----------------------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a whole number, as the load prints it"}
ORDER = {"type": "array", "items": {"enum": TABLE_NAMES}, "minItems": 1, "maxItems": 3, "uniqueItems": True,
         "description": "the tables in the order the request locks them, e.g. [stock, orders]"}
FIELDS: dict[str, dict[str, Any]] = {
    "before": {"type": "object", "required": list(BEFORE), "additionalProperties": False,
               "properties": {k: COUNT for k in BEFORE}, "description": "deadlocks: and failed_requests:"},
    "after": {"type": "object", "required": ["deadlocks", "failed_requests", "units_in_stock"],
              "additionalProperties": False,
              "properties": {k: COUNT for k in ("deadlocks", "failed_requests", "units_in_stock")},
              "description": "deadlocks:, failed_requests: and units_in_stock:"},
    "report": {"type": "object", "required": ["lock_order", "culprit"], "additionalProperties": False,
               "properties": {
                   "lock_order": {"type": "object", "required": list(REQUESTS), "additionalProperties": False,
                                  "properties": {r: ORDER for r in REQUESTS},
                                  "description": "place_order:, ship_order: and cancel_order:, each a list"},
                   "culprit": {"enum": [*REQUESTS, "none"]}},
               "description": "lock_order: and culprit:"},
    "victim": {"enum": VICTIMS},
    "root_cause": {"enum": ROOT_CAUSES},
    "fix": {"enum": FIXES},
    "retry_after_lock_wait_timeout": {"enum": RETRY_CHOICES},
    "innodb": {"type": "object", "required": list(INNODB), "additionalProperties": False,
               "properties": {"deadlock_report_command": {"enum": COMMANDS}, "log_every_deadlock": {"enum": SETTINGS},
                              "victim_choice": {"enum": VICTIM_CHOICES}},
               "description": "deadlock_report_command:, log_every_deadlock: and victim_choice:"},
}


def schema(*wanted: str) -> dict[str, Any]:
    """The answers' schema: the ``wanted`` fields (every field, strictly, when none is named), so a
    blank in one answer does not fail the checks of the others."""
    if not wanted:
        return {"type": "object", "required": list(FIELDS), "properties": FIELDS, "additionalProperties": False,
                "description": "the template's keys: " + ", ".join(FIELDS)}
    return {"type": "object", "required": list(wanted), "properties": {w: FIELDS[w] for w in wanted},
            "description": "the template's keys, " + ", ".join(wanted) + " among them"}


def answers(project: Path, *wanted: str) -> dict[str, Any]:
    return read_answers(project, NAME, schema(*wanted))


# -- playing the load and the scenarios with the learner's program ---------------------------------------------------

_loads: dict[str, dict[str, Any]] = {}  # project -> the load's result, once per grading run

HINT_ORDER = ("Make every transaction take the tables it needs in one order, the same for all of them (for example "
              "orders, then stock, then payments): two transactions can then never each hold a table the other "
              "waits for. Read the deadlock reports: which request takes its tables in another order?")
HINT_RETRY = ("Wrap each transaction in a retry: BEGIN, the statements, COMMIT; on error 1213 or 1205, ROLLBACK if "
              "the session is still in the transaction (1205 undoes only the statement), then run the whole "
              f"transaction again from BEGIN, at most {MAX_ATTEMPTS} attempts in all, and raise the last error after "
              "that. Never retry an OrderError, or any other error.")
HINT_ATOMIC = ("Every request is all or nothing: a refusal or an error must leave no statement of it behind (roll the "
               "transaction back), and a retry must start from BEGIN with nothing of the earlier attempt left.")


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def play(subject: Subject, function: str, args: tuple[Any, ...], text: str) -> Any:
    try:
        result = subject.call(support(subject), function, args, {}, timeout=CALL_TIMEOUT, text=text)
    except SubjectError as exc:
        where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
        fail(f"the scenario raised {exc.type_name} before the requests could run",
             expected="your incidents/lock_deadlock.py and minimysql/database.py to serve the requests",
             got=(f"{exc.type_name}: {exc.message}" if exc.message else exc.type_name)[:300] + where,
             hint=f"Run `{SCRIPT}` to see the error. The load builds the shop's database with your "
                  "minimysql/database.py (finish stage4/transactions first) and calls OrderService(session) from "
                  "incidents/lock_deadlock.py: keep its names and signatures.")
    subject.transcript.entries[-1].outcome = "-> done"  # what it found is summed up below, or in the verdict
    return result


def load(subject: Subject) -> dict[str, Any]:
    key = str(subject.project)
    if key not in _loads:
        result = play(subject, "run_load", (), "[the load: 40 rounds of two requests at once, lined up after their "
                                               "first locking statement, on your OrderService and your database]")
        if not isinstance(result, dict):
            fail("the load came back garbled", expected="the load's figures", got=show(result),
                 hint="Your program must not patch other modules of the process.")
        _loads[key] = result
    result = _loads[key]
    subject.transcript.add(f"    the load: {result['requests']} requests, {result['deadlocks']} deadlocks, "
                           f"{result['failed_requests']} failed, {result['lock_wait_timeouts']} lock wait timeouts, "
                           f"{result['stuck_requests']} stuck, {result['retried_requests']} retried")
    return result


def latest_report(result: dict[str, Any]) -> str:
    reports = result.get("reports") or []
    return "\n".join(reports[-1]) if reports else ""


def statements_text(out: dict[str, Any], limit: int = 12) -> str:
    statements = out.get("statements") or []
    more = f"\n    ... {len(statements) - limit} more" if len(statements) > limit else ""
    return "\n".join(f"    {s}" for s in statements[:limit]) + more


def outcome_text(outcome: list[Any]) -> str:
    if outcome == ["ok"]:
        return "it returned (committed)"
    if outcome[:1] == ["gave_up"]:
        return f"still retrying after {outcome[1].split(':')[0]}: the grader stopped it"
    if outcome[:1] == ["error"]:
        code = f" (code {outcome[2]})" if outcome[2] is not None else ""
        return f"it raised {outcome[1]}{code}: {outcome[3]}"
    return show(outcome)


# -- correctness: the symptom is gone --------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(3)
def test_no_deadlock_under_the_load(subject: Subject) -> None:
    """the load makes no deadlock, fails no request, and leaves no request stuck"""
    result = load(subject)
    if result["stuck_requests"]:
        fail("a request of the load never finished", expected="every request to return or raise within 20 s",
             got=f"{result['stuck_requests']} requests still running; the load stopped there",
             hint="A request must never wait without end: no retry loop without a bound, no lock held by a "
                  "transaction left open. " + HINT_RETRY)
    if result["deadlocks"]:
        pairs = ", ".join(f"{pair}: {n}" for pair, n in sorted(result["pairs"].items()))
        fail("the load still makes deadlocks", expected="0 deadlocks (error 1213): no two transactions take "
             "the same tables in different orders",
             got=f"{result['deadlocks']} deadlocks ({pairs}); the latest report:\n{latest_report(result)}"[:2500],
             hint=HINT_ORDER + " A retry hides deadlocks from the customers but not from the database: fix the "
                               "order first.")
    if result["failed_requests"]:
        failures = ", ".join(f"{error}: {n}" for error, n in sorted(result["failures"].items()))
        fail("requests of the load failed", expected="every request of the load to succeed",
             got=f"{result['failed_requests']} failed ({failures})", hint=HINT_ORDER + " " + HINT_RETRY)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_every_request_applied_exactly_once(subject: Subject) -> None:
    """after the load the database holds exactly the requests that succeeded, each applied once"""
    result = load(subject)
    expect_true(not result["mismatches"], "the database does not match the requests that succeeded",
                expected="the stock, the orders and the payments that the successful requests give, each applied "
                         "once, and nothing of a failed one",
                got="\n".join(result["mismatches"])[:2000], hint=HINT_ATOMIC + " " + HINT_RETRY)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_workers_wait_only_for_the_database(subject: Subject) -> None:
    """two requests of different workers run at the same time: nothing but the database's locks orders them"""
    result = load(subject)
    expect_true(result["gate_timeouts"] == 0, "a request of the load waited for the other outside the database",
                expected="each round's two requests to run their first statement at once (or wait for a lock of "
                         "the other in the database)",
                got="a round did not line up within 2 s: one request was stuck in the service's own code",
                hint="The shop runs its web workers as separate processes: a lock in the service (threading.Lock, "
                     "a global flag) orders nothing across them and only slows one process down. Let the database's "
                     "locks order the transactions, and give them one order.")


def sequence(subject: Subject, requests: list[tuple[str, dict[str, Any]]], text: str) -> list[dict[str, Any]]:
    out = play(subject, "sequence", (requests,), text)
    if not isinstance(out, list) or len(out) != len(requests):
        fail("the requests came back garbled", expected="one record per request", got=show(out),
             hint="Your program must not patch other modules of the process.")
    return out


REGULAR: list[tuple[str, dict[str, Any]]] = [
    ("place_order", {"order_id": 2001, "sku": "A", "qty": 2, "price": 15}),
    ("ship_order", {"order_id": 1}),
    ("cancel_order", {"order_id": 2, "sku": "C", "qty": 3}),
    ("place_order", {"order_id": 2002, "sku": "D", "qty": 1, "price": 40}),
]
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [  # request, what it must raise, why
    ("place_order", {"order_id": 2003, "sku": "B", "qty": 5000, "price": 10}, "OrderError", "only 1000 in stock"),
    ("ship_order", {"order_id": 1}, "OrderError", "order 1 is already shipped"),
    ("cancel_order", {"order_id": 1, "sku": "B", "qty": 2}, "OrderError", "order 1 is shipped"),
    ("cancel_order", {"order_id": 2, "sku": "C", "qty": 3}, "OrderError", "order 2 is already cancelled"),
    ("ship_order", {"order_id": 2}, "OrderError", "order 2 is cancelled"),
    ("ship_order", {"order_id": 9999}, "OrderError", "there is no order 9999"),
    ("place_order", {"order_id": 1, "sku": "A", "qty": 1, "price": 10}, "1062", "order 1 exists: duplicate key"),
]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_requests_do_what_they_did(subject: Subject) -> None:
    """(regression) place, ship and cancel change the stock, the orders and the payments as shipped"""
    out = sequence(subject, REGULAR, "[one session: place_order 2001, ship_order 1, cancel_order 2, place_order 2002; "
                                     "the tables after each]")
    for record in out:
        subject.transcript.add(f"    {record['request']}: {outcome_text(record['outcome'])}, {record['attempts']} "
                               "attempts")
        expect_true(record["outcome"] == ["ok"], f"{record['request']} failed with no other request around",
                    expected="it returns (the transaction committed)", got=outcome_text(record["outcome"]),
                    hint="Keep what each request does as shipped: only the order of its statements and the retry "
                         "around them change.")
        expect_true(not record["mismatches"], f"after {record['request']}, the tables are not what it should leave",
                    expected="the order, the stock and the payment as the shipped program leaves them",
                    got="\n".join(record["mismatches"]), hint="Keep each statement's effect as shipped.")
        expect_true(record["in_transaction"] is False and record["attempts"] == 1,
                    f"{record['request']} ran more than one transaction, or left its session inside one",
                    expected="one attempt, and the session out of any transaction afterwards",
                    got=f"{record['attempts']} attempts, in_transaction {record['in_transaction']!r}",
                    hint="A request with nothing in its way commits at its first attempt.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_refusals_change_nothing_and_are_not_retried(subject: Subject) -> None:
    """(regression) refused requests raise OrderError (a duplicate order id its DatabaseError), change nothing,
    and are not retried"""
    requests = [REGULAR[1], REGULAR[2]] + [(kind, args) for kind, args, _, _ in REFUSED]
    out = sequence(subject, requests, "[one session: ship_order 1 and cancel_order 2, then seven requests the shop "
                                      "must refuse]")
    for record, (_, _, raises, why) in zip(out[2:], REFUSED, strict=True):
        outcome = record["outcome"]
        subject.transcript.add(f"    {record['request']}: {outcome_text(outcome)}, {record['attempts']} attempts")
        right = (outcome[:2] == ["error", raises] if raises == "OrderError"
                 else outcome[:1] == ["error"] and str(outcome[2]) == raises)
        expect_true(right, f"{record['request']} should be refused ({why})",
                    expected=f"{'OrderError' if raises == 'OrderError' else 'the DatabaseError ' + raises} raised",
                    got=outcome_text(outcome),
                    hint="Keep the shipped checks: affected_rows tells whether the order (or the stock) was in the "
                         "state the request needs; raise OrderError then, after rolling back.")
        expect_true(record["attempts"] == 1, f"{record['request']} was retried", expected="1 attempt: a refusal is "
                    "not a lock conflict, another attempt cannot succeed", got=f"{record['attempts']} attempts",
                    hint="Retry only after error 1213 or 1205. " + HINT_RETRY)
        expect_true(not record["mismatches"] and record["in_transaction"] is False,
                    f"{record['request']} left something behind", expected="the tables as before it, and the session "
                    "out of any transaction", got="\n".join(record["mismatches"]) or
                    f"in_transaction {record['in_transaction']!r}", hint=HINT_ATOMIC)


# -- faults: what the load no longer shows ---------------------------------------------------------------------------

SCENARIO_REQUESTS: dict[str, dict[str, Any]] = {
    "place_order": {"order_id": 3001, "sku": "A", "qty": 2, "price": 20},
    "ship_order": {"order_id": 5},
    "cancel_order": {"order_id": 6, "sku": "C", "qty": 1},
}
MODE_TEXT = {
    "deadlock": "after its first locking statement, another client takes every other table and asks for that one: "
                "the request's next lock closes a cycle",
    "timeout": "after its first locking statement, another client holds every other table until the request's "
               "next lock has waited lock_timeout (0.1 s)",
    "held": "after its first locking statement, another client holds every other table until the request returns "
            "(lock_timeout 0.1 s)",
}


def scenario(subject: Subject, kind: str, mode: str) -> dict[str, Any]:
    args = SCENARIO_REQUESTS[kind]
    out = play(subject, "scenario", (kind, args, mode), f"[{kind}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
                                                        f": {MODE_TEXT[mode]}]")
    if not isinstance(out, dict):
        fail("the scenario came back garbled", expected="the scenario's record", got=show(out),
             hint="Your program must not patch other modules of the process.")
    subject.transcript.add(f"    {kind}: {outcome_text(out['outcome'])}; {out['attempts']} attempts; errors seen "
                           f"{out['codes']}")
    if out["setup"] != "ok":
        fail(f"the grader could not get between the statements of {kind}", expected="a request that runs a "
             "statement taking a lock, then more statements", got=out["setup"],
             hint="Each request runs its statements one by one on the session it was given (session.execute), "
                  "BEGIN first.")
    if out["hung"] or out["outcome"][:1] == ["gave_up"]:
        fail(f"{kind} never gave up", expected=f"at most {MAX_ATTEMPTS} attempts, then the error raised",
             got=(f"{out['attempts']} attempts, " + outcome_text(out["outcome"])) if not out["hung"]
             else f"still running after {out['attempts']} attempts", hint=HINT_RETRY)
    return out


def expect_applied_once(kind: str, out: dict[str, Any], what: str) -> None:
    if out["outcome"] != ["ok"]:
        fail(f"{kind} failed after {what}", expected="the request to succeed at its next attempt",
             got=f"{outcome_text(out['outcome'])} after {out['attempts']} attempts; its statements:\n"
                 + statements_text(out), hint=HINT_RETRY)
    expect_true(not out["mismatches"], f"{kind} was not applied exactly once after {what}",
                expected="the request's effect once: nothing of the earlier attempt left, nothing twice",
                got="\n".join(out["mismatches"]) + "\nits statements:\n" + statements_text(out), hint=HINT_RETRY)
    expect_true(out["attempts"] == 2 and out["in_transaction"] is False,
                f"{kind} was not retried exactly once after {what}",
                expected="2 attempts (BEGINs), and the session out of any transaction at the end",
                got=f"{out['attempts']} attempts, in_transaction {out['in_transaction']!r}", hint=HINT_RETRY)


@pytest.mark.faults
@pytest.mark.points(3)
def test_a_deadlock_victim_is_retried_whole(subject: Subject) -> None:
    """a transaction the database still picks as deadlock victim is run again from BEGIN, and applied once"""
    for kind in REQUESTS:
        out = scenario(subject, kind, "deadlock")
        expect_true(1213 in out["codes"], f"{kind} was not the deadlock victim", expected="error 1213 on its second "
                    "locking statement", got=f"errors seen {out['codes']}; its statements:\n" + statements_text(out),
                    hint="Run each transaction's statements on the session as shipped.")
        expect_applied_once(kind, out, "a deadlock (1213)")


@pytest.mark.faults
@pytest.mark.points(2)
def test_a_lock_wait_timeout_is_rolled_back_before_the_retry(subject: Subject) -> None:
    """after a lock wait timeout halfway through, the transaction is rolled back before it runs again"""
    for kind in REQUESTS:
        out = scenario(subject, kind, "timeout")
        expect_applied_once(kind, out, "a lock wait timeout (1205) on its second statement")


@pytest.mark.faults
@pytest.mark.points(2)
def test_retries_are_bounded(subject: Subject) -> None:
    """a lock that is never released: the request gives up after at most 3 attempts, raises, and changes nothing"""
    out = scenario(subject, "place_order", "held")
    expect_true(out["attempts"] <= MAX_ATTEMPTS, "place_order tried too often", expected=f"at most {MAX_ATTEMPTS} "
                "attempts in all", got=f"{out['attempts']} attempts", hint=HINT_RETRY)
    expect_true(out["outcome"][:1] == ["error"] and out["outcome"][2] == 1205,
                "place_order did not hand the last lock wait timeout to its caller",
                expected="the DatabaseError 1205 raised once the attempts are spent",
                got=outcome_text(out["outcome"]), hint=HINT_RETRY + " Never swallow the error: the web worker must "
                                                                    "answer the customer.")
    expect_true(not out["mismatches"] and out["in_transaction"] is False, "place_order left something behind",
                expected="the tables as before it (every attempt rolled back), and no transaction open",
                got="\n".join(out["mismatches"]) or f"in_transaction {out['in_transaction']!r}",
                hint=HINT_ATOMIC + " " + HINT_RETRY)


# -- review: the answers and the postmortem --------------------------------------------------------------------------

@pytest.mark.review
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/lock-deadlock.yaml answers every question in the template's form"""
    answers(project)


@pytest.mark.review
@pytest.mark.points(1)
def test_before_figures_are_the_shipped_programs(project: Path) -> None:
    """the "before" figures are what the load prints for the shipped program"""
    before = answers(project, "before")["before"]
    wrong = {k: v for k, v in before.items() if v != BEFORE[k]}
    expect_true(not wrong, "before: not what the load prints for the shipped service",
                expected="the figures of the shipped incidents/lock_deadlock.py on your database (the same on every "
                         "run: each round meets its two requests the same way)",
                got=", ".join(f"{k}: {v}" for k, v in wrong.items()),
                hint="Measure before you fix: run the load on the program as shipped (your version control has it), "
                     "and copy the two figures it prints at the end.")


@pytest.mark.review
@pytest.mark.points(2)
def test_after_figures_match_your_program(subject: Subject, project: Path) -> None:
    """the "after" figures are what the load measures on your fixed program"""
    stated = answers(project, "after")["after"]
    result = load(subject)
    differences = [f"after.{k}: you state {stated[k]}, your program: {result[k]}" for k in stated
                   if stated[k] != result[k]]
    expect_true(not differences, "the figures you state are not what the load measures on your program",
                expected="your answers to match the load run on your incidents/lock_deadlock.py",
                got="; ".join(differences), hint=RUN + " Write what you measured, not what should happen.")


@pytest.mark.review
@pytest.mark.points(2)
def test_lock_orders_and_culprit(project: Path) -> None:
    """the order in which each shipped request locks the tables, and the request that breaks the order"""
    report = answers(project, "report")["report"]
    for request in REQUESTS:
        said = report["lock_order"][request]
        expect_true(said == LOCK_ORDER[request], f"report.lock_order.{request} is not the order of the shipped request",
                    expected="the tables in the order the shipped request's statements lock them", got=show(said),
                    hint="Read a deadlock report of the shipped program (or the shipped code): each statement locks "
                         "the table it writes, and keeps the lock until COMMIT. Write the order as shipped, not as "
                         "fixed.")
    expect_true(report["culprit"] == KEY["culprit"], "report.culprit is not right",
                expected="the request whose order differs from the others'", got=show(report["culprit"]),
                hint="Compare the three orders: which request takes a table before one the others take first? Every "
                     "pair in the load's 'deadlocks by pair' line has it in common.")


@pytest.mark.review
@pytest.mark.points(2)
def test_root_cause_and_fix(project: Path) -> None:
    """the victim's fate, the root cause, the fix, and what comes before a retry after 1205"""
    data = answers(project, "victim", "root_cause", "fix", "retry_after_lock_wait_timeout")
    checks = (
        ("victim", data["victim"], KEY["victim"],
         "Look at in_transaction after error 1213 (the README's database rules), and at what the failed request left "
         "in the tables."),
        ("root_cause", data["root_cause"], KEY["root_cause"],
         "No request waited long, the load is small and steady; and row locks would still let two transactions "
         "each take one row the other needs. What do the two transactions of every report do differently?"),
        ("fix", data["fix"], KEY["fix"],
         "Which choice makes a cycle of waits impossible without making the workers wait for each other outside "
         "the database, and still handles a victim the database picks for reasons of its own?"),
        ("retry_after_lock_wait_timeout", data["retry_after_lock_wait_timeout"], KEY["retry_after_lock_wait_timeout"],
         "Error 1205 undoes only the statement: the transaction is still open with its earlier statements. What does "
         "BEGIN do to an open transaction?"),
    )
    for field, said, want, hint in checks:
        expect_true(said == want, f"{field}: that is not right", expected="another of the template's choices",
                    got=show(said), hint=hint)


@pytest.mark.review
@pytest.mark.points(1)
def test_innodb_tools(project: Path) -> None:
    """where InnoDB reports its deadlocks, how to log every one, and whom it rolls back"""
    innodb = answers(project, "innodb")["innodb"]
    hints = {
        "deadlock_report_command": "Which command prints the LATEST DETECTED DEADLOCK section your load imitates?",
        "log_every_deadlock": "That section keeps only the latest deadlock. Which setting writes each one to the "
                              "error log? (https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html)",
        "victim_choice": "See 'Deadlock Detection' in the MySQL reference manual "
                         "(https://dev.mysql.com/doc/refman/8.0/en/innodb-deadlock-detection.html): InnoDB weighs the "
                         "transactions by the rows they inserted, updated or deleted.",
    }
    for field, want in INNODB.items():
        expect_true(innodb[field] == want, f"innodb.{field}: that is not right",
                    expected="another of the template's choices", got=show(innodb[field]), hint=hints[field])


@pytest.mark.review
@pytest.mark.points(2)
def test_postmortem(project: Path) -> None:
    """postmortems/lock-deadlock.md has its six sections, each written out"""
    read_postmortem(project, NAME)
