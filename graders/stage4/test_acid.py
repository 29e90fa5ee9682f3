"""Grader for stage4/acid: "事务 ACID 各自如何保证？", answered by experiments on the learner's own database.

The learner's experiment (experiments/acid.py, a verbatim copy of the block in
support/acid_support.py) runs on their minimysql/database.py (stage4/transactions):

- atomicity: a transfer rolled back; a two-row INSERT failing on its second row inside a transaction;
- consistency: three statements breaking NOT NULL, the primary key and the value count;
- isolation: a reader during an uncommitted update (rolled back, then committed), and four sessions
  incrementing one counter in autocommit, in a transaction, and with one UPDATE v = v + 1;
- durability: a ledger workload cut by the power at 20 seeded writes, with and without fsync
  (here on the grader's own storage_support.MemoryStorage).

The learner states the outcomes, maps each property to the mechanism that guarantees it, answers
two questions and makes three predictions, in answers/acid.yaml. The grader re-runs every
experiment with the learner's database (never their script), checks that the database behaves as
any correct one does, the stated outcomes against the re-measurement, and the choices and
predictions against the key below (the predictions are also re-measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "acid"
SUPPORT = "acid_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
SCRIPT = "python experiments/acid.py"
RUN = f"Run `{SCRIPT}` from your project folder and copy what it prints."
MEASURE_TIMEOUT = 60.0  # seconds for one group of experiments (they take well under one)
TRANSACTIONS_HINT = ("The experiments measure your minimysql/database.py: run `swai grade stage4/transactions` and "
                     "fix what it reports first.")

# -- the key ------------------------------------------------------------------------------------------------------
# What any correct database (the rules of stage4/transactions) gives in each experiment. The
# durability figures depend on how many writes a database makes, so only their zeros are fixed.
CORRECT: dict[str, dict[str, Any]] = {
    "atomicity": {"balances_inside_transaction": [70, 130], "balances_after_rollback": [100, 100],
                  "failed_statement_error": 1048, "transfers_after_failed_statement": 0,
                  "in_transaction_after_failed_statement": True, "balance_after_failed_statement": 70},
    "consistency": {"not_null_error": 1048, "duplicate_key_error": 1062, "value_count_error": 1136, "rows_changed": 0},
    "isolation": {"dirty_read": {"reader_waited": True, "value_read": 100},
                  "read_after_commit": {"reader_waited": True, "value_read": 70},
                  "lost_updates": {"autocommit": 3, "transaction": 0, "single_update": 0}},
}
DURABLE = {"acked_commits_lost": 0, "partial_transactions": 0, "rolled_back_visible": 0, "failed_restarts": 0}
MECHANISMS = {"atomicity": "undo_log", "consistency": "constraints_and_the_other_three",
              "isolation": "locks_or_mvcc", "durability": "redo_log_and_fsync"}
QUESTIONS = {"failed_statement_undoes": "statement_only",
             "innodb_plain_select_during_update": "reads_the_last_committed_version"}
PREDICTIONS = {"lost_updates_autocommit_8_sessions": 7,
               "total_after_crash": {"autocommit_statements": 170, "one_transaction": 200}}

# -- the answers file's shape ---------------------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a whole number, as the script prints it"}
CODE = {"type": "integer", "minimum": 1000, "maximum": 9999, "description": "a MySQL error number, e.g. 1064"}
BALANCE = {"type": "integer", "description": "a balance, a whole number"}
BALANCES = {"type": "array", "items": BALANCE, "minItems": 2, "maxItems": 2,
            "description": "the two balances in a list, account 1 first: [a, b]"}
FLAG = {"type": "boolean", "description": "true or false"}
MECHANISM = {"enum": ["undo_log", "redo_log_and_fsync", "locks_or_mvcc", "constraints_and_the_other_three",
                      "constraints_alone", "binlog", "doublewrite_buffer", "checkpoints"]}
LOST_UPDATE_MODES = ("autocommit", "transaction", "single_update")
DURABILITY_FIELDS = ("acked_commits", "acked_commits_lost", "partial_transactions", "rolled_back_visible")
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    ("measured", "atomicity", "balances_inside_transaction"): BALANCES,
    ("measured", "atomicity", "balances_after_rollback"): BALANCES,
    ("measured", "atomicity", "failed_statement_error"): CODE,
    ("measured", "atomicity", "transfers_after_failed_statement"): COUNT,
    ("measured", "atomicity", "in_transaction_after_failed_statement"): FLAG,
    ("measured", "atomicity", "balance_after_failed_statement"): BALANCE,
    ("measured", "consistency", "not_null_error"): CODE,
    ("measured", "consistency", "duplicate_key_error"): CODE,
    ("measured", "consistency", "value_count_error"): CODE,
    ("measured", "consistency", "rows_changed"): COUNT,
    **{("measured", "isolation", case, field): schema_
       for case in ("dirty_read", "read_after_commit")
       for field, schema_ in (("reader_waited", FLAG), ("value_read", BALANCE))},
    **{("measured", "isolation", "lost_updates", mode): COUNT for mode in LOST_UPDATE_MODES},
    **{("measured", "durability", row, field): COUNT
       for row in ("with_fsync", "without_fsync") for field in DURABILITY_FIELDS},
    **{("mechanisms", prop): MECHANISM for prop in MECHANISMS},
    ("questions", "failed_statement_undoes"): {"enum": ["statement_only", "whole_transaction", "nothing"]},
    ("questions", "innodb_plain_select_during_update"): {"enum": ["waits_for_the_writer", "reads_the_uncommitted_value",
                                                                  "reads_the_last_committed_version"]},
    ("predictions", "lost_updates_autocommit_8_sessions"): COUNT,
    ("predictions", "total_after_crash", "autocommit_statements"): BALANCE,
    ("predictions", "total_after_crash", "one_transaction"): BALANCE,
}


def schema(wanted: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The answers' schema. ``None``: every answer, strictly (no unknown keys). Otherwise only
    the ``wanted`` answers must be filled in, so one blank does not fail every other check."""

    def node(prefix: tuple[str, ...]) -> dict[str, Any]:
        children = list(dict.fromkeys(path[len(prefix)] for path in LEAVES if path[:len(prefix)] == prefix))
        properties: dict[str, Any] = {}
        required = []
        for child in children:
            path = (*prefix, child)
            if path in LEAVES:
                properties[child] = LEAVES[path] if wanted is None or path in wanted else {}
            else:
                properties[child] = node(path)
            if wanted is None or any(w[:len(path)] == path for w in wanted):
                required.append(child)
        where = ".".join(prefix) or "the file"
        result: dict[str, Any] = {"type": "object", "properties": properties, "required": required,
                                  "description": f"{where} as the template lays it out: "
                                                 + ", ".join(f"{c}: ..." for c in children)}
        if wanted is None:
            result["additionalProperties"] = False
        return result

    return node(())


def answers(project: Path, *wanted: tuple[str, ...]) -> dict[str, Any]:
    return read_answers(project, NAME, schema(set(wanted)))


def leaves_under(*prefix: str) -> list[tuple[str, ...]]:
    return [path for path in LEAVES if path[:len(prefix)] == prefix]


def at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


# -- running the experiments on the learner's database ----------------------------------------------------------------

_measured: dict[tuple[str, str], Any] = {}  # (project, experiment) -> what it measured, for this grading run


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


EXPERIMENTS = {
    "atomicity": ("atomicity", (), "atomicity(): a transfer inside BEGIN, then ROLLBACK; then a transaction whose "
                                   "two-row INSERT fails on its second row"),
    "consistency": ("consistency", (), "consistency(): three INSERTs that break NOT NULL, the primary key and the "
                                       "value count"),
    "isolation": ("isolation", (), "isolation(): a reader during an uncommitted UPDATE (rolled back, then committed); "
                                   "4 sessions incrementing one counter three ways"),
    "with_fsync": ("durability", (True,), "durability(fsync=True): the ledger workload, a power cut at 20 seeded "
                                          "writes, then a restart"),
    "without_fsync": ("durability", (False,), "durability(fsync=False): the same on a storage whose sync() does "
                                              "nothing"),
    "predictions": ("predictions", (), "predictions(): 8 sessions incrementing in autocommit; a power cut between a "
                                       "transfer's debit and its credit, in autocommit and inside BEGIN"),
}


def measure(subject: Subject, experiment: str) -> Any:
    """What one group of experiments measures with the learner's database, once per grading run."""
    key = (str(subject.project), experiment)
    if key not in _measured:
        function, args, text = EXPERIMENTS[experiment]
        try:
            _measured[key] = subject.call(support(subject), function, args, {}, timeout=MEASURE_TIMEOUT, text=text)
        except SubjectError as exc:
            where = f" ({exc.frames[-1].file}, line {exc.frames[-1].line})" if exc.frames else ""
            fail(f"the experiment raised {exc.type_name} on your database",
                 expected="the experiment to run to its end on your minimysql/database.py",
                 got=(f"{exc.type_name}: {exc.message}" if exc.message else exc.type_name)[:300] + where,
                 hint=f"Run `{SCRIPT}` to see where. " + TRANSACTIONS_HINT)
    return _measured[key]


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where ``got`` differs from ``want`` (nested dicts), as "field: got X, a correct database gives Y"."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where or 'the result'}: {show(got, 200)}"]
        out = []
        for name, value in want.items():
            out += differences(got.get(name), value, f"{where}.{name}".lstrip("."))
        return out
    if type(got) is not type(want) or got != want:
        return [f"{where}: {show(got, 200)} where a correct database gives {show(want)}"]
    return []


def check_database(subject: Subject, experiment: str, summary: str, hint: str) -> None:
    wrong = differences(measure(subject, experiment), CORRECT[experiment])
    expect_true(not wrong, summary, expected="what any database keeping stage4/transactions' rules gives",
                got="; ".join(wrong), hint=f"{hint} {TRANSACTIONS_HINT}")


def check_stated(subject: Subject, project: Path, prefix: tuple[str, ...], measured: Any, hint: str) -> None:
    paths = leaves_under(*prefix)
    stated = answers(project, *paths)
    for path in paths:
        value, truth = at(stated, path), at(measured, path[len(prefix):])
        expect_true(type(value) is type(truth) and value == truth,
                    f"{'.'.join(path)} is not what the experiment measures on your database",
                    expected=f"{show(truth)}: what your database does", got=show(value), hint=f"{RUN} {hint}")


def check_choice(project: Path, path: tuple[str, ...], want: Any, summary: str, hint: str) -> None:
    said = at(answers(project, path), path)
    expect_true(said == want, summary, expected="the choice your measurements support", got=show(said), hint=hint)


# -- the checks ------------------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/acid.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(1)
def test_database_keeps_atomicity(subject: Subject) -> None:
    """your database undoes a rolled-back transaction, and a failed statement only, as any correct one does"""
    check_database(subject, "atomicity", "your database did not undo what it should in the atomicity experiment",
                   "ROLLBACK undoes every change of the transaction; a statement that fails undoes only its own "
                   "changes (all its rows), and the transaction stays open with its earlier work.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_database_keeps_consistency(subject: Subject) -> None:
    """your database refuses the three statements that break the schema, with MySQL's codes, changing nothing"""
    check_database(subject, "consistency", "your database did not refuse a statement that breaks the schema as it "
                   "should", "NULL into a NOT NULL column is 1048, a duplicate primary key 1062 (the statement's "
                   "other rows are not inserted either), a row with too few values 1136; a refused statement changes "
                   "nothing.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_database_keeps_isolation(subject: Subject) -> None:
    """your database makes a reader wait for an uncommitted write, and loses no update inside transactions"""
    check_database(subject, "isolation", "your database let the sessions see or undo each other's work",
                   "Strict two-phase locking: a write takes an exclusive lock on its table, a read a shared one, held "
                   "until the transaction ends; a request that closes a cycle of waits is the deadlock victim (1213).")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_database_keeps_durability(subject: Subject) -> None:
    """your database loses no acknowledged commit and shows nothing uncommitted after 20 power cuts"""
    result = measure(subject, "with_fsync")
    wrong = {key: result.get(key) for key, want in DURABLE.items() if result.get(key) != want}
    examples = "; ".join(result.get("examples") or [])[:400]
    expect_true(not wrong, "your database broke a promise after a power cut",
                expected="0 acknowledged commits lost, 0 partial transactions, 0 rolled-back transactions seen, "
                         "0 failed restarts",
                got=", ".join(f"{key} {value}" for key, value in wrong.items()) + (f" (e.g. {examples})" if examples
                                                                                    else ""),
                hint="COMMIT writes the transaction's redo record and syncs it before it returns; recovery replays "
                     "whole records only and cuts off a torn tail; nothing uncommitted is ever replayed. "
                     + TRANSACTIONS_HINT)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_atomicity_figures(subject: Subject, project: Path) -> None:
    """the stated atomicity outcomes are what the experiment measures on your database"""
    check_stated(subject, project, ("measured", "atomicity"), measure(subject, "atomicity"),
                 "Balances are whole numbers, two in a list for the two accounts: [a, b]; the error is MySQL's number.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_consistency_figures(subject: Subject, project: Path) -> None:
    """the stated consistency outcomes are what the experiment measures on your database"""
    check_stated(subject, project, ("measured", "consistency"), measure(subject, "consistency"),
                 "Each error is MySQL's number, as the script prints it after the statement.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_isolation_figures(subject: Subject, project: Path) -> None:
    """the stated isolation outcomes are what the experiment measures on your database"""
    check_stated(subject, project, ("measured", "isolation"), measure(subject, "isolation"),
                 "reader_waited is true or false (the script prints yes or no); lost updates are 4 minus the "
                 "counter's final value.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_durability_figures(subject: Subject, project: Path) -> None:
    """the stated durability figures, with and without fsync, are what the experiment counts on your database"""
    measured = {"with_fsync": measure(subject, "with_fsync"), "without_fsync": measure(subject, "without_fsync")}
    check_stated(subject, project, ("measured", "durability"), measured,
                 "Copy the four first columns of each row; they are sums over the 20 power cuts, exact on every run.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_mechanism_atomicity(project: Path) -> None:
    """what guarantees atomicity"""
    check_choice(project, ("mechanisms", "atomicity"), MECHANISMS["atomicity"], "mechanisms.atomicity is not right",
                 "What put the balances back after ROLLBACK, and the first row of the failed INSERT? Something must "
                 "remember each row's value from before the change. The redo log holds only what committed.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_mechanism_consistency(project: Path) -> None:
    """what guarantees consistency"""
    check_choice(project, ("mechanisms", "consistency"), MECHANISMS["consistency"],
                 "mechanisms.consistency is not right",
                 "The constraints refused the three bad statements. But would the total of the balances stay 200 if "
                 "a transfer could stop halfway (atomicity), if two transfers could interleave (isolation), or if a "
                 "commit could vanish in a crash (durability)? Consistency is the goal the other three serve.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_mechanism_isolation(project: Path) -> None:
    """what guarantees isolation"""
    check_choice(project, ("mechanisms", "isolation"), MECHANISMS["isolation"], "mechanisms.isolation is not right",
                 "What made the reader wait until the writer's transaction ended, and turned the lost updates of the "
                 "transaction variant into deadlocks that were retried? InnoDB adds a second way for plain SELECTs.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_mechanism_durability(project: Path) -> None:
    """what guarantees durability"""
    check_choice(project, ("mechanisms", "durability"), MECHANISMS["durability"], "mechanisms.durability is not right",
                 "Compare the two durability rows: the same database, with and without one call before COMMIT "
                 "returns. What is written, and what is that call? The binlog is for replicas and point-in-time "
                 "restores; a crash is recovered from another log.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_failed_statement(project: Path) -> None:
    """what a statement that fails inside a transaction undoes"""
    check_choice(project, ("questions", "failed_statement_undoes"), QUESTIONS["failed_statement_undoes"],
                 "questions.failed_statement_undoes is not right",
                 "Look at your atomicity figures after the failed INSERT: is the transaction still open, and is the "
                 "debit of account 1 still there? (PostgreSQL behaves differently; MySQL and your database do not.)")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_innodb_select(project: Path) -> None:
    """what a plain SELECT does in InnoDB while another transaction has updated the row"""
    check_choice(project, ("questions", "innodb_plain_select_during_update"),
                 QUESTIONS["innodb_plain_select_during_update"],
                 "questions.innodb_plain_select_during_update is not right",
                 "Your database makes the reader wait (locking). InnoDB's default REPEATABLE READ answers a plain "
                 "SELECT with a consistent read instead: see 'Consistent Nonlocking Reads' in the MySQL reference "
                 "manual (https://dev.mysql.com/doc/refman/8.0/en/innodb-consistent-read.html), and what the undo "
                 "log is used for besides ROLLBACK.")


def check_prediction(subject: Subject, project: Path, path: tuple[str, ...], hint: str) -> None:
    measured = measure(subject, "predictions")
    truth, want = at(measured, path[1:]), at(PREDICTIONS, path[1:])
    expect_true(type(truth) is int and truth == want,
                f"your database does not give what the rules of stage4/transactions give for {'.'.join(path)}",
                expected="what any correct database gives", got=show(truth), hint=TRANSACTIONS_HINT)
    said = at(answers(project, path), path)
    expect_true(type(said) is int and said == truth, f"{'.'.join(path)} is not what happens",
                expected=f"{truth}: what your database does", got=show(said),
                hint=f"{hint} Then check: `{SCRIPT} --predictions` runs the experiment on your database.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_prediction_lost_updates(subject: Subject, project: Path) -> None:
    """how many updates 8 sessions lose incrementing in autocommit"""
    check_prediction(subject, project, ("predictions", "lost_updates_autocommit_8_sessions"),
                     "All 8 read the counter before any of them writes (the barrier). What does each write, and what "
                     "is left at the end?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_prediction_crash_mid_transfer(subject: Subject, project: Path) -> None:
    """the total of the balances after a power cut between a transfer's debit and its credit"""
    for case in ("autocommit_statements", "one_transaction"):
        check_prediction(subject, project, ("predictions", "total_after_crash", case),
                         "Before the cut the two balances total 200. In autocommit, the debit is a transaction of its "
                         "own: was it acknowledged, and is it durable? Inside BEGIN, what has committed?")
