"""Grader for stage4/redo-undo-binlog: "redo log vs undo log vs binlog", answered by an experiment.

The learner writes Primary (minimysql/two_phase_commit.py): a commit that writes InnoDB's redo
log and the server's binlog in one of three orders (InnoDB's two-phase commit, and the two naive
orders), and a recovery that decides every prepared transaction by the binlog. The grader checks
the exact storage calls of a commit and the records they write (parsed here, in the documented
format), recovery on handcrafted logs, and the two-phase commit under seeded power cuts on
storage_support's MemoryStorage (acknowledged commits survive; primary and replica agree). Then
answers/redo-undo-binlog.yaml: the outcomes the experiment measures (re-measured with the
learner's code through support/redo_undo_binlog_support.py, the source of truth for the
experiment, and compared with the key below), the roles of the three logs, and what recovery and
the other orders do.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swai.grading import expect_raises, expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

NAME = "redo-undo-binlog"
ANSWERS = f"answers/{NAME}.yaml"
MODULE = "minimysql.two_phase_commit"
SUPPORT = "redo_undo_binlog_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
EXPERIMENT = "python experiments/redo_undo_binlog.py"
REDO, BINLOG = "redo.log", "binlog.log"


def _load_support() -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", SUPPORT_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()  # the workload, the parser and the replica, here in the grader's process
ORDERS: tuple[str, ...] = WORK.ORDERS

# -- the key ---------------------------------------------------------------------------------------
KEY_OUTCOMES = {
    "two_phase": ["neither", "neither", "neither", "neither", "both", "both"],
    "redo_first": ["neither", "neither", "primary_only", "primary_only", "both"],
    "binlog_first": ["neither", "neither", "replica_only", "replica_only", "both"],
}
KEY_DECISIONS = ["none", "none", "rolled_back", "rolled_back", "committed", "committed"]
KEY_ROLES = {
    "redo": {"layer": "innodb", "content": "physical", "used_for": "crash_recovery",
             "lifetime": "overwritten_after_checkpoint"},
    "undo": {"layer": "innodb", "content": "logical", "used_for": "rollback_and_mvcc",
             "lifetime": "purged_when_no_transaction_needs_it"},
    "binlog": {"layer": "server", "content": "logical", "used_for": "replication_and_pitr",
               "lifetime": "kept_until_expired"},
}
KEY_QUESTIONS = {
    "decider": "binlog_has_it",
    "unsynced_binlog_survived": "committed",
    "commit_record_sync": "binlog_decides",
    "redo_first_breaks": "primary_ahead",
    "binlog_first_breaks": "replicas_ahead",
}

# -- the answers file's shape -------------------------------------------------------------------------
OUTCOME = {"enum": ["both", "neither", "primary_only", "replica_only"]}
DECISION = {"enum": ["none", "committed", "rolled_back"]}
ROLE_CHOICES = {
    "layer": ["innodb", "server"],
    "content": ["physical", "logical"],
    "used_for": ["crash_recovery", "rollback_and_mvcc", "replication_and_pitr"],
    "lifetime": ["overwritten_after_checkpoint", "purged_when_no_transaction_needs_it", "kept_until_expired"],
}
QUESTION_CHOICES = {
    "decider": ["binlog_has_it", "redo_commit_record", "undo_log", "always_commit", "always_rollback"],
    "unsynced_binlog_survived": ["committed", "rolled_back", "depends_on_the_undo_log"],
    "commit_record_sync": ["binlog_decides", "undo_covers_it", "checkpoint_writes_it", "redo_is_circular"],
    "redo_first_breaks": ["primary_ahead", "replicas_ahead", "nothing"],
    "binlog_first_breaks": ["primary_ahead", "replicas_ahead", "nothing"],
}


def _list_of(item: dict[str, Any], size: int, what: str) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": size, "maxItems": size,
            "description": f"a list of {size} {what}, as the experiment prints it, e.g. [neither, both, ...]"}


LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("outcomes", order): _list_of(OUTCOME, len(KEY_OUTCOMES[order]), "outcomes") for order in ORDERS},
    ("decisions", "two_phase"): _list_of(DECISION, len(KEY_DECISIONS), "decisions"),
    **{("roles", log, field): {"enum": options} for log in KEY_ROLES for field, options in ROLE_CHOICES.items()},
    **{("questions", name): {"enum": options} for name, options in QUESTION_CHOICES.items()},
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


# -- the learner's code -----------------------------------------------------------------------------

RERUN = (f"Run `{EXPERIMENT}` from your project folder and copy what it prints. The grader replays the same "
         "power cuts with your own code, so a list predicted by hand, copied from elsewhere or measured with a "
         "changed script shows up here.")
STEPS = {
    "two_phase": "redo.log append prepare (with the changes), redo.log sync, binlog.log append the event, "
                 "binlog.log sync, redo.log append commit (no sync)",
    "redo_first": "redo.log append commit (with the changes), redo.log sync, binlog.log append the event, "
                  "binlog.log sync",
    "binlog_first": "binlog.log append the event, binlog.log sync, redo.log append commit (with the changes), "
                    "redo.log sync",
}
HINT_RECOVERY = ("On open: read each log with read_log() and truncate (then sync) a torn tail; replay the redo log "
                 "(a commit record applies its transaction's changes, from its own record or from the prepare "
                 "record); then every transaction prepared but neither committed nor rolled back is committed if the "
                 "binlog holds its event, else rolled back, and that decision is appended to the redo log (commit or "
                 "rollback record) and synced.")


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def run(subject: Subject, function: str, *args: Any, text: str) -> Any:
    return subject.call(support(subject), function, args, {}, timeout=60.0, text=text)


def frame(record: dict[str, Any]) -> bytes:
    body = json.dumps(record, sort_keys=True).encode()
    return struct.pack("<II", len(body), zlib.crc32(body)) + body


def whole_records(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The records of ``data`` and the bytes they take; stops at a torn or invalid record."""
    out, offset = [], 0
    while offset + 8 <= len(data):
        length, crc = struct.unpack_from("<II", data, offset)
        body = data[offset + 8:offset + 8 + length]
        if len(body) < length or zlib.crc32(body) != crc:
            break
        try:
            record = json.loads(body)
        except ValueError:
            break
        out.append(record)
        offset += 8 + length
    return out, offset


def shown_records(records: Any) -> str:
    if not isinstance(records, list):
        return show(records)
    return "[" + ", ".join(json.dumps(r, sort_keys=True) if isinstance(r, dict) else show(r) for r in records) + "]"


def prepare(txn: int, changes: dict[str, str]) -> dict[str, Any]:
    return {"type": "prepare", "txn": txn, "changes": changes}


def commit(txn: int, changes: dict[str, str] | None = None) -> dict[str, Any]:
    return {"type": "commit", "txn": txn} | ({} if changes is None else {"changes": changes})


def event(txn: int, changes: dict[str, str]) -> dict[str, Any]:
    return {"txn": txn, "changes": changes}


def rollback(txn: int) -> dict[str, Any]:
    return {"type": "rollback", "txn": txn}


def expected_calls(order: str, txn: int, changes: dict[str, str]) -> list[tuple[str, str, dict[str, Any] | None]]:
    if order == "two_phase":
        return [(REDO, "append", prepare(txn, changes)), (REDO, "sync", None), (BINLOG, "append", event(txn, changes)),
                (BINLOG, "sync", None), (REDO, "append", commit(txn))]
    if order == "redo_first":
        return [(REDO, "append", commit(txn, changes)), (REDO, "sync", None), (BINLOG, "append", event(txn, changes)),
                (BINLOG, "sync", None)]
    return [(BINLOG, "append", event(txn, changes)), (BINLOG, "sync", None), (REDO, "append", commit(txn, changes)),
            (REDO, "sync", None)]


def shown_call(call: tuple[str, str, Any]) -> str:
    name, op, data = call
    if op != "append":
        return f"{name} {op}"
    if isinstance(data, dict):
        return f"{name} append {json.dumps(data, sort_keys=True)}"
    found, used = whole_records(data) if isinstance(data, bytes) else ([], 0)
    if len(found) == 1 and used == len(data):
        return f"{name} append {json.dumps(found[0], sort_keys=True)}"
    return f"{name} append {show(data, 80)} (not one whole record)"


# -- the checks: the primary -------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/redo-undo-binlog.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_commit_writes_the_logs_in_order(subject: Subject) -> None:
    """a commit makes exactly its order's storage calls, each record one append in the log format"""
    txn, changes = WORK.WORKLOAD[-1]
    for order in ORDERS:
        got = run(subject, "commit_calls", order,
                  text=f"Primary(disk, order={order!r}): commit T1 and T2, then record the storage calls of "
                       f"commit({txn}, {changes})")
        want = expected_calls(order, txn, changes)
        calls = [tuple(call) for call in got["calls"]]
        want_text = [shown_call(call) for call in want]
        got_text = [shown_call(call) for call in calls]
        if got_text != want_text:
            fail(f"with order {order!r}, commit({txn}, ...) made the wrong storage calls",
                 expected="\n    " + "\n    ".join(want_text), got="\n    " + "\n    ".join(got_text or ["none"]),
                 hint=f"The {order} order is: {STEPS[order]}. Each record is one append() of frame(record), each "
                      "sync() is the file's own; nothing else is written during a commit.")
        records = {name: whole_records(data)[0] for name, data in got["files"].items()}
        expect_true(records.get(BINLOG) == [event(t, c) for t, c in WORK.WORKLOAD],
                    f"with order {order!r}, binlog.log after three commits does not hold one event per transaction",
                    expected=shown_records([event(t, c) for t, c in WORK.WORKLOAD]),
                    got=shown_records(records.get(BINLOG)),
                    hint="The binlog holds one event {'txn': T, 'changes': {...}} per committed transaction, in "
                         "commit order, nothing else.")
        expect_true(got["data"] == {"alice": "20", "bob": "180"},
                    f"with order {order!r}, data() after the three commits is wrong",
                    expected=show({"alice": "20", "bob": "180"}), got=show(got["data"]),
                    hint="Apply each transaction's changes to the data once its log writes are done.")


def recovery_case(subject: Subject, order: str, redo: list[dict[str, Any]], binlog: list[dict[str, Any]],
                  torn: bytes, story: str, data: dict[str, str], recovered: dict[int, str],
                  redo_after: list[dict[str, Any]]) -> None:
    files = {REDO: b"".join(frame(r) for r in redo) + torn, BINLOG: b"".join(frame(e) for e in binlog) + torn}
    got = run(subject, "recover", files, order,
              text=f"Primary(disk, order={order!r}) on a disk whose logs hold: {story}")
    if "error" in got:
        fail(f"recovery raised on logs that hold: {story}", expected="a recovered primary",
             got=str(got["error"]), hint=HINT_RECOVERY)
    expect_true(got["data"] == data, f"after recovery from logs that hold {story}, data() is wrong",
                expected=show(data), got=show(got["data"]), hint=HINT_RECOVERY)
    expect_true(got["recovered"] == recovered,
                f"after recovery from logs that hold {story}, .recovered is wrong",
                expected=show(recovered), got=show(got["recovered"]),
                hint="recovered maps each transaction recovery found prepared (no commit or rollback record) to "
                     "'committed' or 'rolled_back'; nothing else.")
    redo_records, used = whole_records(got["files"].get(REDO, b""))
    binlog_records, binlog_used = whole_records(got["files"].get(BINLOG, b""))
    expect_true(redo_records == redo_after and used == len(got["files"].get(REDO, b"")),
                f"after recovery from logs that hold {story}, the durable redo.log is wrong",
                expected=shown_records(redo_after),
                got=shown_records(redo_records) + ("" if used == len(got["files"].get(REDO, b""))
                                               else " and then bytes that are not a whole record"),
                hint="Recovery truncates a torn tail, then appends its decision (a commit or rollback record for "
                     "each prepared transaction) and syncs the redo log.")
    expect_true(binlog_records == binlog and binlog_used == len(got["files"].get(BINLOG, b"")),
                f"after recovery from logs that hold {story}, the durable binlog.log is wrong",
                expected=shown_records(binlog), got=shown_records(binlog_records) + (
                    "" if binlog_used == len(got["files"].get(BINLOG, b"")) else " and then a torn tail"),
                hint="Recovery never adds binlog events, and truncates (and syncs) the binlog's torn tail, so the "
                     "next event follows a whole one.")
    expect_true(got["unsynced"] == [], f"after recovery from logs that hold {story}, some writes are not synced",
                expected="no unsynced write", got=f"unsynced writes to {', '.join(got['unsynced'])}",
                hint="Sync a log after truncating it and after appending recovery's decisions.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_recovery_decides_by_the_binlog(subject: Subject) -> None:
    """recovery commits a prepared transaction if and only if the binlog holds it, and drops torn tails"""
    a, b = {"x": "1"}, {"x": "2", "y": "2"}
    base = [prepare(1, a), commit(1)]
    recovery_case(subject, "two_phase", [*base, prepare(2, b)], [event(1, a), event(2, b)], b"",
                  "T1 committed; T2 prepared, and in the binlog", {"x": "2", "y": "2"}, {2: "committed"},
                  [*base, prepare(2, b), commit(2)])
    recovery_case(subject, "two_phase", [*base, prepare(2, b)], [event(1, a)], b"",
                  "T1 committed; T2 prepared, not in the binlog", {"x": "1"}, {2: "rolled_back"},
                  [*base, prepare(2, b), rollback(2)])
    recovery_case(subject, "two_phase", [*base, prepare(2, b)], [event(1, a), event(2, b)], frame(event(3, a))[:11],
                  "T1 committed; T2 prepared and in the binlog; a torn record at the end of both logs",
                  {"x": "2", "y": "2"}, {2: "committed"}, [*base, prepare(2, b), commit(2)])
    recovery_case(subject, "two_phase", [*base, prepare(2, b), rollback(2), prepare(3, b)], [event(1, a)], b"",
                  "T1 committed; T2 rolled back by an earlier recovery; T3 prepared, not in the binlog",
                  {"x": "1"}, {3: "rolled_back"}, [*base, prepare(2, b), rollback(2), prepare(3, b), rollback(3)])
    recovery_case(subject, "redo_first", [commit(1, a), commit(2, b)], [event(1, a)], b"",
                  "(order redo_first) T1 and T2 committed in the redo log, only T1 in the binlog",
                  {"x": "2", "y": "2"}, {}, [commit(1, a), commit(2, b)])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_commits_are_refused(subject: Subject) -> None:
    """a bad order, transaction id or change is refused before anything is written"""
    module = subject.import_module(MODULE)
    storage = subject.import_module("storage_support").MemoryStorage()
    expect_raises("ValueError", lambda: module.Primary(storage, order="binlog_last"),
                  "Primary(storage, order='binlog_last') must raise ValueError",
                  hint="order is one of 'two_phase', 'redo_first', 'binlog_first'.")
    primary = module.Primary(storage)
    primary.commit(1, {"a": "1"})
    bad: list[tuple[str, tuple[Any, ...]]] = [
        ("TypeError", (True, {"a": "2"})), ("TypeError", ("2", {"a": "2"})), ("ValueError", (0, {"a": "2"})),
        ("ValueError", (1, {"a": "2"})), ("TypeError", (2, [("a", "2")])), ("ValueError", (2, {})),
        ("TypeError", (2, {"a": 2})), ("TypeError", (2, {3: "a"})), ("ValueError", (2, {"": "x"})),
        ("ValueError", (2, {"k" * 65: "x"})), ("ValueError", (2, {"a": "v" * 257})),
    ]
    for error, args in bad:
        expect_raises(error, lambda args=args: primary.commit(*args), f"commit{show(args)} must raise {error}",
                      hint="Check the arguments before writing anything: txn an int (not a bool) of at least 1, not "
                           "used before (1 is); changes a non-empty dict of str keys (1 to 64 characters) to str "
                           "values (at most 256).")
    counts = storage.counts()
    expect_true(counts["writes"] == 3, "the refused commits wrote to the logs",
                expected="3 writes in all (the one commit that was accepted)", got=f"{counts['writes']} writes",
                hint="Validate first, then write: a refused commit must leave both logs as they were.")
    expect_true(primary.data() == {"a": "1"}, "the refused commits changed the data",
                expected=show({"a": "1"}), got=show(primary.data()), hint="A refused commit changes nothing.")


def _txns(binlog: bytes) -> list[int]:
    return [e.get("txn") for e in WORK.records(binlog)]


@pytest.mark.faults
@pytest.mark.points(2)
def test_power_cuts_during_two_phase_commits(subject: Subject) -> None:
    """after a power cut at any write, acknowledged commits survive and the primary agrees with a replica"""
    writes = 3 * len(WORK.FAULT_WORKLOAD)
    cuts, seeds = list(range(1, writes + 2)), [0, 1, 2]
    runs = run(subject, "power_cut_runs", cuts, seeds,
               text=f"{len(cuts) * len(seeds)} times: commit T1..T{len(WORK.FAULT_WORKLOAD)} (two_phase) on a "
                    "MemoryStorage whose power goes out at write n (seeded tears); restart on what survived, "
                    f"commit T{WORK.AFTER[0]}, restart again")
    for r in runs:
        where = (f"power cut at write {r['cut']} (seed {r['seed']}), after T{', T'.join(map(str, r['acked']))} "
                 f"were acknowledged" if r["acked"] else f"power cut at write {r['cut']} (seed {r['seed']})")
        if r["in_flight"] is not None:
            where += f" and while T{r['in_flight']} was committing"
        if "error" in r:
            fail(f"{where}: recovery, or the commit after it, raised", expected="a recovered primary",
                 got=r["error"], hint=HINT_RECOVERY)
        in_binlog = _txns(r["binlog"])
        primary, replica = r["primary"], WORK.replica(r["binlog"])
        on_primary = sorted(int(k[1:]) for k in primary if k.startswith("t"))
        lost = [t for t in r["acked"] if t not in in_binlog or t not in on_primary]
        expect_true(not lost, f"{where}: acknowledged commits are gone after recovery",
                    expected=f"T{', T'.join(map(str, r['acked']))} on the primary and in the binlog",
                    got=f"on the primary: {show(on_primary)}; in the binlog: {show(in_binlog)}",
                    hint="commit() returns only once the redo prepare record and the binlog event are synced; "
                         "recovery commits a prepared transaction whose event is in the binlog.")
        txn = r["in_flight"]
        if txn is not None and primary != replica:
            decided = ("committed it" if f"t{txn}" in primary else "rolled it back")
            fail(f"{where}: the binlog {'holds' if txn in in_binlog else 'does not hold'} T{txn}, but recovery "
                 f"{decided}", expected="the primary's data equal to the replica's (the binlog replayed)",
                 got=f"primary {show(primary, 200)}; replica {show(replica, 200)}",
                 hint="The binlog decides: a prepared transaction commits if and only if its event is in the "
                      "binlog. " + HINT_RECOVERY)
        expect_true(primary == replica, f"{where}: the primary and a replica of its binlog disagree",
                    expected=f"the replica's data {show(replica, 200)}", got=f"primary {show(primary, 200)}",
                    hint=HINT_RECOVERY)
        again, replica_again = r["primary_again"], WORK.replica(r["binlog_again"])
        then = f"{where}; then T{WORK.AFTER[0]} was committed after recovery and the power went out again"
        if WORK.AFTER[0] not in _txns(r["binlog_again"]):
            fail(f"{then}: T{WORK.AFTER[0]} was acknowledged, but the binlog lost it",
                 expected=f"T{WORK.AFTER[0]}'s event in the binlog",
                 got=f"binlog transactions {show(_txns(r['binlog_again']))}",
                 hint="commit() must sync the binlog before it returns. And recovery must truncate (and sync) the "
                      "binlog's torn tail: an event appended after torn bytes can never be read back.")
        if f"t{WORK.AFTER[0]}" not in again:
            fail(f"{then}: T{WORK.AFTER[0]} is in the binlog, but the primary lost it",
                 expected=f"T{WORK.AFTER[0]} on the primary", got=f"primary {show(again, 200)}",
                 hint="The prepare record must be synced before the binlog is written, and recovery must truncate "
                      "(and sync) the redo log's torn tail: a record appended after torn bytes can never be read "
                      "back. A prepared transaction whose event is in the binlog commits.")
        expect_true(again == replica_again, f"{then}: the primary and a replica of its binlog disagree",
                    expected=f"the replica's data {show(replica_again, 200)}", got=f"primary {show(again, 200)}",
                    hint=HINT_RECOVERY)


# -- the checks: the outcomes ------------------------------------------------------------------------------

def measured(subject: Subject) -> dict[str, Any]:
    got = run(subject, "measure_yours",
              text=f"replay the experiment's power cuts with your Primary in the three orders, as {EXPERIMENT} does")
    if not isinstance(got, dict):  # pragma: no cover - the support returns a dict
        fail("could not replay the experiment", got=show(got), hint=RERUN)
    return got


@pytest.mark.correctness
@pytest.mark.points(1)
def test_your_primary_gives_the_outcomes(subject: Subject) -> None:
    """your Primary gives the outcomes and decisions any correct one gives in the experiment"""
    got = measured(subject)
    for order in ORDERS:
        expect_true(got[order]["outcomes"] == KEY_OUTCOMES[order],
                    f"in the experiment, your Primary with order {order!r} does not give the outcomes the steps "
                    "of that order give",
                    expected=show(KEY_OUTCOMES[order]), got=show(got[order]["outcomes"]),
                    hint=f"The {order} order is: {STEPS[order]}. " + HINT_RECOVERY)
    expect_true(got["two_phase"]["decisions"] == KEY_DECISIONS,
                "in the experiment, your recovery's decisions for T3 (two_phase) are not the ones the rules give",
                expected=show(KEY_DECISIONS), got=show(got["two_phase"]["decisions"]), hint=HINT_RECOVERY)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_stated_outcomes(subject: Subject, project: Path) -> None:
    """the stated outcomes and decisions are what your own Primary gives"""
    fields = [*(("outcomes", order) for order in ORDERS), ("decisions", "two_phase")]
    stated = answers(project, *fields)
    got = measured(subject)
    for section, order in fields:
        want = got[order]["outcomes" if section == "outcomes" else "decisions"]
        expect_true(stated[section][order] == want, f"{section}.{order} is not what your own Primary gives",
                    expected=f"{show(want)} (the experiment, replayed with your code)",
                    got=show(stated[section][order]), hint=RERUN)


# -- the checks: what the logs are for ------------------------------------------------------------------------

ROLE_HINTS = {
    "redo": "InnoDB writes it while a transaction changes pages, in a fixed set of files it reuses in a circle; "
            "which of the three logs does crash recovery replay, and what does a record describe: a page or a row?",
    "undo": "What does ROLLBACK need, and what does a consistent read of an older row version need? Where are "
            "those old versions kept, and when can they go?",
    "binlog": "Which log does every storage engine share, which do replicas read, and which do you keep with your "
              "backups to restore to a point in time?",
}


def check_role(project: Path, log: str) -> None:
    data = answers(project, *[("roles", log, field) for field in ROLE_CHOICES])
    wrong = [field for field in ROLE_CHOICES if data["roles"][log][field] != KEY_ROLES[log][field]]
    expect_true(not wrong, f"roles.{log}: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right",
                expected="the choices that describe the " + {"redo": "redo log", "undo": "undo log",
                                                             "binlog": "binlog"}[log],
                got=", ".join(f"{field}: {data['roles'][log][field]}" for field in wrong), hint=ROLE_HINTS[log])


@pytest.mark.correctness
@pytest.mark.points(1)
def test_role_of_the_redo_log(project: Path) -> None:
    """the redo log: its layer, its content, its use and its lifetime"""
    check_role(project, "redo")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_role_of_the_undo_log(project: Path) -> None:
    """the undo log: its layer, its content, its use and its lifetime"""
    check_role(project, "undo")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_role_of_the_binlog(project: Path) -> None:
    """the binlog: its layer, its content, its use and its lifetime"""
    check_role(project, "binlog")


def check_questions(project: Path, hints: dict[str, str]) -> None:
    data = answers(project, *[("questions", name) for name in hints])
    for name, hint in hints.items():
        said = data["questions"][name]
        expect_true(said == KEY_QUESTIONS[name], f"questions.{name} is not right",
                    expected="the choice your measurements support", got=show(said), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_what_recovery_decides(project: Path) -> None:
    """what decides a prepared transaction's fate, and what an unsynced binlog event that survived means"""
    check_questions(project, {
        "decider": "Look at your decisions for two_phase: what differs between the power cut before call 4 and the "
                   "one before call 5? Only one file changed durably between them.",
        "unsynced_binlog_survived": "The binlog event is on the disk, whole, after the restart: apply the same "
                                    "rule your recovery applies. What will a replica do with that event?",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_why_the_commit_record_needs_no_sync(project: Path) -> None:
    """why the redo commit record of a two-phase commit may stay unsynced"""
    check_questions(project, {
        "commit_record_sync": "Look at your two_phase outcome for the power cut after the commit returned: the "
                              "commit record was lost with it. What did recovery find, and what did it decide?",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_what_the_other_orders_break(project: Path) -> None:
    """what goes wrong when the two logs are written one after the other"""
    check_questions(project, {
        "redo_first_breaks": "Look at your redo_first outcomes: which side has T3 after the cuts before calls 3 "
                             "and 4?",
        "binlog_first_breaks": "Look at your binlog_first outcomes: which side has T3 after the cuts before calls "
                               "3 and 4?",
    })
