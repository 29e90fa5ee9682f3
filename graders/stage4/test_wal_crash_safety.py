"""Grader for stage4/wal-crash-safety: "WAL 如何保证 crash safety？", answered by cutting the power.

The learner's experiment runs one seeded workload (24 transactions, commits, aborts, checkpoints)
on four stores, each once per write with the power cut at that write, recovers, and counts the
acknowledged commits lost and the uncommitted values left visible:

- ``wal_store``: their WalStore (stage4/wal), log first and fsync before acknowledging;
- ``eager_log_first`` / ``eager_data_first``: an EagerStore (given) that writes every change to its
  data file at once, logging it with its before-image; the learner writes the two writes of a
  change (``EagerTransaction._change``) in both orders;
- ``ack_before_fsync``: their WalStore on ``SkipLogSync``, a storage wrapper whose log fsync the
  learner makes a no-op.

Everything is re-measured here with the learner's own code through
``support/wal_crash_safety_support.py`` (the experiment's block, verbatim). The order of the writes
of one change and the skipped fsync are also checked directly, on the grader's ``MemoryStorage``.
Then the stated figures against the re-measurement, and the choices against the key.
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

NAME = "wal-crash-safety"
SUPPORT = "wal_crash_safety_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
EXPERIMENT = "experiments.wal_crash_safety"
SCRIPT = "python experiments/wal_crash_safety.py"
RUN = f"Run `{SCRIPT}` from your project folder and copy what it prints."
LOG = "wal.log"
TABLE = "table.db"
CONFIGS = ("wal_store", "eager_log_first", "eager_data_first", "ack_before_fsync")
FIELDS = ("cuts", "acked_commits_lost", "uncommitted_visible")
RESULT_KEY = {"cuts": "cuts", "acked_commits_lost": "lost", "uncommitted_visible": "visible"}
COLUMN = {"cuts": "cuts", "acked_commits_lost": "acked commits lost", "uncommitted_visible": "uncommitted visible"}
CONFIG_TEXT = {
    "wal_store": "your WalStore",
    "eager_log_first": "EagerStore(log_first=True)",
    "eager_data_first": "EagerStore(log_first=False)",
    "ack_before_fsync": "your WalStore on SkipLogSync",
}
MEASURE_TIMEOUT = 120.0  # seconds for one configuration's few hundred crashes

# -- the key -----------------------------------------------------------------------------------------------
QUESTIONS = {
    "loses_acknowledged_commits": "ack_before_fsync",
    "shows_uncommitted_values": "eager_data_first",
    "fsync_buys": "durable_acknowledgement",
    "checkpoint_lets_go": "old_log_records",
}
RECOVERY = {"committed": "redo", "unfinished_in_wal_store": "ignore", "unfinished_in_eager_store": "undo"}
ORDER_ITEMS = ("append_log_record", "fsync_log", "write_data_file", "acknowledge_commit")
ORDER_RULES = (("append_log_record", "fsync_log"), ("fsync_log", "write_data_file"),
               ("fsync_log", "acknowledge_commit"))  # (a, b): a must come before b
INNODB_FLUSH = 1

# -- the answers file's shape -------------------------------------------------------------------------------
COUNT = {"type": "integer", "minimum": 0, "description": "a whole number, as the table prints it"}
CONFIG_CHOICE = {"enum": [*CONFIGS, "none"]}
RECOVERY_CHOICE = {"enum": ["redo", "undo", "ignore"]}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("crashes", config, field): COUNT for config in CONFIGS for field in FIELDS},
    ("questions", "loses_acknowledged_commits"): CONFIG_CHOICE,
    ("questions", "shows_uncommitted_values"): CONFIG_CHOICE,
    ("questions", "commit_order"): {"type": "array", "items": {"enum": list(ORDER_ITEMS)}, "minItems": 4,
                                    "maxItems": 4, "uniqueItems": True,
                                    "description": "the four steps, each once, in order"},
    **{("questions", "recovery", field): RECOVERY_CHOICE for field in RECOVERY},
    ("questions", "fsync_buys"): {"enum": ["durable_acknowledgement", "atomic_writes", "hidden_uncommitted",
                                           "faster_commits"]},
    ("questions", "checkpoint_lets_go"): {"enum": ["old_log_records", "uncommitted_changes", "commit_fsyncs",
                                                   "committed_data"]},
    ("questions", "innodb_flush_log_at_trx_commit"): {"enum": [0, 1, 2]},
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


# -- running the learner's stores ------------------------------------------------------------------------------

_measured: dict[tuple[str, str], dict[str, Any]] = {}  # (project, configuration) -> crash tally, for this run


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def learner_classes(subject: Subject) -> tuple[RemoteObject, RemoteObject, RemoteObject]:
    """WalStore from minimysql.wal; EagerStore and SkipLogSync from the experiment script."""
    found = []
    for module, name in (("minimysql.wal", "WalStore"), (EXPERIMENT, "EagerStore"), (EXPERIMENT, "SkipLogSync")):
        try:
            cls = subject.import_module(module).attr(name)
        except SubjectError as exc:
            fail(f"importing {module} raised {exc.type_name}", expected=f"the module with its class {name}",
                 got=f"{exc.type_name}: {exc.message}"[:300],
                 hint=f"Run `{SCRIPT}` from your project folder and fix what it reports.")
        if not isinstance(cls, RemoteObject):
            fail(f"{module}.{name} is not a class", expected=f"class {name}", got=show(cls),
                 hint=f"Keep the class {name} the exercise gave you.")
        found.append(cls)
    return found[0], found[1], found[2]


def call(subject: Subject, function: str, args: tuple[Any, ...], text: str, what: str) -> Any:
    try:
        return subject.call(support(subject), function, args, {}, timeout=MEASURE_TIMEOUT, text=text)
    except SubjectError as exc:
        if exc.is_a("TimeoutError"):
            fail(f"{what} is too slow to crash a few hundred times", expected="the experiment to finish",
                 got=exc.message, hint=f"Run `{SCRIPT}`; it should take a second or two.")
        fail(f"{what} raised {exc.type_name} while the experiment ran on it",
             expected="the workload to run up to each power cut, and recovery to open the store",
             got=f"{exc.type_name}: {exc.message}"[:300],
             hint=f"Run `{SCRIPT}` to see where. The experiment uses your minimysql/wal.py (finish stage4/wal "
                  "first) and EagerTransaction._change and SkipLogSyncFile.sync of the script.")


def measure(subject: Subject, config: str) -> dict[str, Any]:
    """The crash tally of one configuration with the learner's code, measured once per grading run."""
    key = (str(subject.project), config)
    if key not in _measured:
        classes = learner_classes(subject)
        result = call(subject, "tally", (config, *classes),
                      f"crash_tally({config}): the workload with a power cut at each write and sync, then recovery",
                      CONFIG_TEXT[config])
        if not (isinstance(result, dict) and all(type(result.get(k)) is int for k in ("cuts", "lost", "visible"))):
            fail("the crash experiment returned something unexpected", expected="its counts", got=show(result),
                 hint=f"Keep the shared block of {SCRIPT} as it was given.")
        _measured[key] = result
    return _measured[key]


def expect_clean_run(result: dict[str, Any], config: str, hint: str) -> None:
    clean = result.get("clean_run") or {}
    expect_true(not clean.get("lost") and not clean.get("visible"),
                f"{CONFIG_TEXT[config]} gives wrong results even without a power cut",
                expected="after the whole workload: every committed value, no value of an aborted transaction",
                got=f"lost acknowledged transactions {clean.get('lost')}, uncommitted values at keys "
                    f"{clean.get('visible')}", hint=hint)


def tally_text(result: dict[str, Any]) -> str:
    examples = "; ".join(result.get("examples") or [])
    return (f"over {result['cuts']} power cuts: {result['lost']} acknowledged commits lost, {result['visible']} "
            f"uncommitted values visible, {result.get('failed')} recoveries raised"
            + (f" (e.g. {examples})" if examples else ""))[:600]


HINT_CHANGE = ("EagerTransaction._change: before = self.store.rows.get(key); remember (key, before) in self.undo; then "
               "the two writes: self.store.wal.append(self.id, 'update', encode_change(key, before, value)) followed "
               "by self.store.wal.flush(), and self.store.write_row(key, value). log_first: the log (appended AND "
               "flushed) first; otherwise the table first.")


def check_stated(subject: Subject, project: Path, config: str) -> None:
    stated = answers(project, *[("crashes", config, field) for field in FIELDS])["crashes"][config]
    result = measure(subject, config)
    for field in FIELDS:
        measured = result[RESULT_KEY[field]]
        expect_true(stated[field] == measured,
                    f"crashes.{config}.{field} is not what {CONFIG_TEXT[config]} measures",
                    expected=f"{measured}: what the experiment counts with your code", got=show(stated[field]),
                    hint=f"{RUN} Row {config}, column '{COLUMN[field]}'. The counts are exact: every run gives the "
                         "same, as long as the shared block is unchanged.")


def check_question(project: Path, question: str, summary: str, hint: str) -> None:
    said = answers(project, ("questions", question))["questions"][question]
    expect_true(said == QUESTIONS[question], summary, expected="the choice your measurements support",
                got=show(said), hint=hint)


# -- the checks ------------------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/wal-crash-safety.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wal_store_survives_every_cut(subject: Subject) -> None:
    """your WalStore loses no acknowledged commit and shows nothing uncommitted, whichever write the power cuts"""
    result = measure(subject, "wal_store")
    hint = ("The experiment measures your WalStore from stage4/wal: run `swai grade stage4/wal` and fix what it "
            "reports (commit durable before it returns, losers never applied, the data image durable before the "
            "log is cut).")
    expect_clean_run(result, "wal_store", hint)
    expect_true(result["lost"] == 0 and result["visible"] == 0 and result["failed"] == 0,
                "your WalStore broke a promise after a power cut", expected="0 lost, 0 visible, 0 failed recoveries",
                got=tally_text(result), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_eager_log_first_logs_before_the_table(subject: Subject) -> None:
    """EagerStore(log_first=True) makes a change's log record durable before the table changes; no cut breaks it"""
    _, eager, _ = learner_classes(subject)
    events = call(subject, "put_events", (eager, True), "EagerStore(storage, log_first=True): begin(), then the "
                  "writes and syncs of txn.put('k0', ...), then of commit()", CONFIG_TEXT["eager_log_first"])
    put = list(events["put"])
    table = put.index(f"{TABLE}:write") if f"{TABLE}:write" in put else -1
    expect_true(table > 0 and f"{LOG}:sync" in put[:table] and f"{LOG}:write" in put[:table],
                "with log_first=True, a put() must write and sync the log before it writes the table",
                expected=f"{LOG}:write, {LOG}:sync, then {TABLE}:write (the write-ahead rule)",
                got=", ".join(put) or "no write at all", hint=HINT_CHANGE)
    result = measure(subject, "eager_log_first")
    expect_clean_run(result, "eager_log_first", HINT_CHANGE)
    expect_true(result["lost"] == 0 and result["visible"] == 0 and result["failed"] == 0,
                "EagerStore(log_first=True) broke a promise after a power cut",
                expected="0 lost, 0 visible: every change on the table has a durable record recovery can undo",
                got=tally_text(result), hint=HINT_CHANGE + " Remember the before-image before the table changes.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_eager_data_first_writes_the_table_first(subject: Subject) -> None:
    """EagerStore(log_first=False) writes the table before logging the change, and a cut in between shows it"""
    _, eager, _ = learner_classes(subject)
    events = call(subject, "put_events", (eager, False), "EagerStore(storage, log_first=False): begin(), then the "
                  "writes and syncs of txn.put('k0', ...), then of commit()", CONFIG_TEXT["eager_data_first"])
    put = list(events["put"])
    first_log = next((i for i, event in enumerate(put) if event.startswith(f"{LOG}:")), len(put))
    expect_true(f"{TABLE}:write" in put[:first_log] and first_log < len(put),
                "with log_first=False, a put() must write the table first, then log the change",
                expected=f"{TABLE}:write (and its sync), then {LOG}:write and {LOG}:sync",
                got=", ".join(put) or "no write at all", hint=HINT_CHANGE)
    result = measure(subject, "eager_data_first")
    expect_clean_run(result, "eager_data_first", HINT_CHANGE)
    expect_true(result["visible"] > 0 and result["failed"] == 0,
                "EagerStore(log_first=False) never left an uncommitted value visible after a cut",
                expected="some cuts between a change's table write and its log record: values recovery cannot undo",
                got=tally_text(result), hint=HINT_CHANGE)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_skip_log_sync_skips_only_the_log(subject: Subject) -> None:
    """SkipLogSync drops the fsync of wal.log only: a commit returns unsynced, a checkpoint's data is synced"""
    wal_store, _, skip = learner_classes(subject)
    seen = call(subject, "skipped_sync", (wal_store, skip), "WalStore(SkipLogSync(MemoryStorage())): begin(), "
                "put('k0', b't1:k0'), commit(); unsynced writes per file; checkpoint(); unsynced writes per file",
                CONFIG_TEXT["ack_before_fsync"])
    hint = ("SkipLogSyncFile.sync(): `if self.name != LOG: self.inner.sync()`. The log's fsync is skipped (so "
            "commit() returns before its record is durable); every other file's sync must still happen.")
    expect_true(seen["after_commit"].get(LOG, 0) > 0, "a commit on SkipLogSync left wal.log synced",
                expected=f"unsynced writes left in {LOG} after commit() returns", got=show(seen["after_commit"]),
                hint=hint)
    data = {name: count for name, count in seen["after_checkpoint"].items() if name != LOG}
    expect_true(bool(data) and not any(data.values()), "a checkpoint on SkipLogSync left a data file unsynced",
                expected="every file but wal.log synced after checkpoint()", got=show(seen["after_checkpoint"]),
                hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_wal_store_figures(subject: Subject, project: Path) -> None:
    """the stated figures of your WalStore are what the experiment counts"""
    check_stated(subject, project, "wal_store")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_eager_log_first_figures(subject: Subject, project: Path) -> None:
    """the stated figures of EagerStore(log_first=True) are what the experiment counts"""
    check_stated(subject, project, "eager_log_first")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_eager_data_first_figures(subject: Subject, project: Path) -> None:
    """the stated figures of EagerStore(log_first=False) are what the experiment counts"""
    check_stated(subject, project, "eager_data_first")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_ack_before_fsync_figures(subject: Subject, project: Path) -> None:
    """the stated figures of your WalStore on SkipLogSync are what the experiment counts"""
    check_stated(subject, project, "ack_before_fsync")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_loses_acknowledged_commits(project: Path) -> None:
    """which store loses acknowledged commits"""
    check_question(project, "loses_acknowledged_commits", "questions.loses_acknowledged_commits is not right",
                   "Read the column 'acked commits lost' of your table. A commit is acknowledged when commit() "
                   "returns: what must be on the disk by then?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_shows_uncommitted_values(project: Path) -> None:
    """which store leaves uncommitted values visible"""
    check_question(project, "shows_uncommitted_values", "questions.shows_uncommitted_values is not right",
                   "Read the column 'uncommitted visible' of your table: after which order of a change's two writes "
                   "can a crash leave a change on the table that no log record describes?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_commit_order(project: Path) -> None:
    """the order of a change's steps that keeps every promise"""
    said = answers(project, ("questions", "commit_order"))["questions"]["commit_order"]
    broken = [f"{a} before {b}" for a, b in ORDER_RULES if said.index(a) > said.index(b)]
    expect_true(not broken, "questions.commit_order breaks a rule of write-ahead logging",
                expected="an order your two good stores follow", got=show(said),
                hint="Look at which stores lost commits or showed uncommitted values, and what they did in a "
                     "different order from the two that did not. An appended record is not on the disk yet.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_question_recovery(project: Path) -> None:
    """what recovery redoes, undoes or ignores, in each store"""
    said = answers(project, *[("questions", "recovery", field) for field in RECOVERY])["questions"]["recovery"]
    for field, want in RECOVERY.items():
        expect_true(said[field] == want, f"questions.recovery.{field} is not right",
                    expected="what that store's recovery does (read its code)", got=show(said[field]),
                    hint="Read EagerStore.__init__ and your WalStore's recovery. A committed change may be missing "
                         "from the data file; can a change of an unfinished transaction be IN the data file of "
                         "your WalStore? Of EagerStore?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_fsync_buys(project: Path) -> None:
    """what fsync buys"""
    check_question(project, "fsync_buys", "questions.fsync_buys is not right",
                   "Compare wal_store and ack_before_fsync: the same code, with and without the log's fsync. Which "
                   "column changed? A torn write is caught by the CRC, not prevented by fsync.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_checkpoint_lets_go(project: Path) -> None:
    """what a checkpoint lets the store let go"""
    check_question(project, "checkpoint_lets_go", "questions.checkpoint_lets_go is not right",
                   "After checkpoint(), your wal.log is at most 64 bytes. What was in it before, and why does "
                   "recovery no longer need it?")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_innodb_flush_log_at_trx_commit(project: Path) -> None:
    """the InnoDB setting that behaves like your WalStore"""
    said = answers(project, ("questions", "innodb_flush_log_at_trx_commit"))["questions"][
        "innodb_flush_log_at_trx_commit"]
    expect_true(said == INNODB_FLUSH, "questions.innodb_flush_log_at_trx_commit is not right",
                expected="the value that writes and fsyncs the redo log at every commit", got=show(said),
                hint="See innodb_flush_log_at_trx_commit in the MySQL reference manual "
                     "(https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html): one value flushes at each "
                     "commit, the two others about once per second.")
