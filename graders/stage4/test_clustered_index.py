"""Grader for stage4/clustered-index: "聚簇索引 vs 非聚簇索引", answered by an experiment.

The learner writes ClusteredTable (minimysql/clustered.py): a clustered index (id -> row) and a
secondary index (email -> id), two of their own B+Trees on their own pagers. The experiment
builds a table of 2000 users and counts the page reads of a primary-key lookup, a lookup by email
(secondary descent + bookmark lookup), a covering query, a range of 100 rows by id and by email,
and a full scan. The page reads depend on the learner's tree (its fanout, its heights), so there is
no fixed key for them: the grader checks that each query reads exactly the tree lookups and scans
it is made of (measured on the learner's own trees), that the stated numbers are what the learner's
code measures (re-measured through support/clustered_index_support.py, the source of truth for the
table; the learner's experiment holds a verbatim copy and is never imported here), and the choices
and the calculation against the key below.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swai.grading import expect_raises, expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

NAME = "clustered-index"
ANSWERS = f"answers/{NAME}.yaml"
MODULE = "minimysql.clustered"
SUPPORT = "clustered_index_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
EXPERIMENT = "python experiments/clustered_index.py"
READS_TOLERANCE = 0.01  # on a stated average of page reads
MB_TOLERANCE = 0.01  # relative


def _load_support() -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", SUPPORT_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()  # the table's rows and sizes, here in the grader's process
USERS: list[tuple[int, bytes, bytes]] = WORK.users()
BY_ID = {id_: (email, row) for id_, email, row in USERS}
BY_EMAIL = {email: (id_, row) for id_, email, row in USERS}

# -- the key ---------------------------------------------------------------------------------------
KEY_CHOICES = {
    "reads_more": "by_email",
    "why": "one_descent_per_row",
    "covering_avoids": "bookmark_lookup",
    "pk_not_address": "rows_move",
    "long_pk": "every_secondary_index_grows",
    "cheaper_for_100_rows": "full_scan",
}
ROWS_10M, INDEXES, COLUMN_BYTES, BIGINT_BYTES, UUID_BYTES = 10_000_000, 3, 4, 8, 36
KEY_MB = {"bigint_mb": ROWS_10M * INDEXES * (COLUMN_BYTES + BIGINT_BYTES) / 1e6,  # 360
          "uuid_mb": ROWS_10M * INDEXES * (COLUMN_BYTES + UUID_BYTES) / 1e6}  # 1200

# -- the answers file's shape -------------------------------------------------------------------------
LEVELS = {"type": "integer", "minimum": 1, "description": "a number of levels, e.g. 3"}
AVERAGE = {"type": "number", "minimum": 0, "description": "average page reads per query, e.g. 3.0"}
COUNT = {"type": "integer", "minimum": 0, "description": "a number of page reads, e.g. 42"}
MB = {"type": "number", "exclusiveMinimum": 0, "description": "a number of megabytes, e.g. 12.5"}
CHOICES = {
    "reads_more": ["by_id", "by_email"],
    "why": ["one_descent_per_row", "secondary_is_taller", "rows_are_wider", "results_are_unsorted"],
    "covering_avoids": ["bookmark_lookup", "secondary_descent", "leaf_chain", "sorting"],
    "pk_not_address": ["rows_move", "smaller", "faster", "unique"],
    "long_pk": ["every_secondary_index_grows", "only_the_clustered_index_grows", "nothing", "only_inserts_slow_down"],
    "cheaper_for_100_rows": ["full_scan", "email_index"],
}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    ("height", "primary"): LEVELS,
    ("height", "secondary"): LEVELS,
    ("point_reads", "by_id"): AVERAGE,
    ("point_reads", "by_email"): AVERAGE,
    ("point_reads", "id_by_email"): AVERAGE,
    ("range_reads", "by_id"): COUNT,
    ("range_reads", "by_email"): COUNT,
    ("range_reads", "full_scan"): COUNT,
    **{("choices", name): {"enum": options} for name, options in CHOICES.items()},
    ("long_primary_key", "bigint_mb"): MB,
    ("long_primary_key", "uuid_mb"): MB,
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

RERUN = (f"Run `{EXPERIMENT}` from your project folder and copy the numbers it prints. The grader rebuilds the "
         "same table with your own code, so a number from another run (another page size, a changed script, "
         "an earlier version of your code) shows up here.")
HINT_ROWS = ("get() reads the clustered index (primary) with the id as 8 big-endian bytes; get_by_email() finds the "
             "id in the secondary index, then the row in the clustered index; id_by_email() stops at the "
             "secondary index; range(lo, hi) is one scan of primary.range(lo, hi) (hi excluded); range_by_email() "
             "scans secondary.range(lo, hi) and looks each id up, keeping email order.")
HINT_LAYOUT = ("table.primary and table.secondary are your BPlusTrees: primary maps id.to_bytes(8, 'big') to the "
               "row, secondary maps the email to id.to_bytes(8, 'big') (the primary key, not the row).")
HINT_TREE = ("If the tree lookups themselves read more pages than the tree's height, fix stage4/bplus-tree first "
             "(swai grade stage4/bplus-tree).")


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


def expect_trees(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):  # pragma: no cover - the support returns a dict
        fail(f"could not measure {what}", got=show(result), hint=HINT_LAYOUT)
    if result.get("problem") is not None:
        fail(f"could not measure {what}: the table's trees do not hold what the README says",
             expected="table.primary: id -> row and table.secondary: email -> id, both BPlusTrees",
             got=str(result["problem"]), hint=HINT_LAYOUT)
    return result


def _ok(outcome: Any) -> tuple[bool, Any]:
    if isinstance(outcome, tuple) and len(outcome) == 2 and outcome[0] == "ok":
        return True, outcome[1]
    return False, (f"raised {outcome[1]}: {outcome[3]}" if isinstance(outcome, tuple) and len(outcome) == 4
                   else outcome)


def pk(id_: int) -> bytes:
    return id_.to_bytes(8, "big")


# -- the checks: the table --------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/clustered-index.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


SMALL = [(5, b"eve@x.io", b"row 5"), (1, b"carol@x.io", b"row 1"), (300, b"alice@x.io", b"row 300"),
         (2**64 - 1, b"bob@x.io", b"row max"), (0, b"dave@x.io", b"")]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_rows_come_back(subject: Subject) -> None:
    """every query returns the rows a clustered table with a secondary index returns"""
    storage = subject.import_module("storage_support").MemoryStorage()
    table = subject.import_module(MODULE).ClusteredTable(storage, page_size=512)
    for id_, email, row in SMALL:
        table.insert(id_, email, row)
    by_id = sorted(SMALL)
    by_email = sorted(SMALL, key=lambda r: r[1])
    cases: list[tuple[str, tuple[Any, ...], Any]] = [
        ("get", (300,), b"row 300"), ("get", (0,), b""), ("get", (7,), None), ("get", (2**64 - 1,), b"row max"),
        ("get_by_email", (b"alice@x.io",), b"row 300"), ("get_by_email", (b"zed@x.io",), None),
        ("id_by_email", (b"bob@x.io",), 2**64 - 1), ("id_by_email", (b"dave@x.io",), 0),
        ("id_by_email", (b"nobody",), None),
        ("range", (1, 300), [b"row 1", b"row 5"]), ("range", (0, 2**64), [r for _, _, r in by_id]),
        ("range", (300, 300), []), ("range", (10, 5), []), ("range", (6, 2**64 - 1), [b"row 300"]),
        ("range_by_email", (b"b", b"d"), [b"row max", b"row 1"]),
        ("range_by_email", (b"", b"zzz"), [r for _, _, r in by_email]),
        ("range_by_email", (b"carol@x.io", b"carol@x.io"), []),
    ]
    for method, args, want in cases:
        got = getattr(table, method)(*args)
        expect_true(type(got) is type(want) and got == want,
                    f"{method}{show(args)} on a table of 5 rows returned the wrong answer",
                    expected=show(want), got=show(got), hint=HINT_ROWS)
    ids = [*random.Random(1).sample(range(1, WORK.ROWS + 1), 30), 0, WORK.ROWS + 1, 10**12]
    emails = [*(USERS[i - 1][1] for i in ids[:30]), b"user99999@example.com", b"a", b"user0100"]
    id_ranges = [(1, 51), (990, 1100), (1995, 3000), (0, 1), (2000, 2001)]
    email_ranges = [(WORK.email_of(1000), WORK.email_of(1100)), (b"user0199", b"user02"), (b"a", b"user00005"),
                    (b"user01500", b"user01500")]
    got_all = run(subject, "answer_queries", ids, emails, id_ranges, email_ranges,
                  text=f"build the users table of {WORK.ROWS} rows, then run {len(ids)} get(), {len(emails)} "
                       f"get_by_email() and id_by_email(), {len(id_ranges)} range() and {len(email_ranges)} "
                       "range_by_email() queries")
    want_all: dict[str, list[tuple[Any, Any]]] = {
        "get": [(i, BY_ID[i][1] if i in BY_ID else None) for i in ids],
        "get_by_email": [(e, BY_EMAIL[e][1] if e in BY_EMAIL else None) for e in emails],
        "id_by_email": [(e, BY_EMAIL[e][0] if e in BY_EMAIL else None) for e in emails],
        "range": [(r, [row for id_, _, row in USERS if r[0] <= id_ < r[1]]) for r in id_ranges],
        "range_by_email": [(r, [row for _, email, row in sorted(USERS, key=lambda u: u[1]) if r[0] <= email < r[1]])
                           for r in email_ranges],
    }
    for method, pairs in want_all.items():
        outcomes = got_all.get(method) if isinstance(got_all, dict) else None
        if not isinstance(outcomes, list) or len(outcomes) != len(pairs):  # pragma: no cover - support's shape
            fail(f"could not run the {method}() queries", got=show(got_all), hint=HINT_ROWS)
        for (args, want), outcome in zip(pairs, outcomes, strict=True):
            ok, got = _ok(outcome)
            if not ok or type(got) is not type(want) or got != want:
                shown_want = (f"{len(want)} rows, from {show(want[:2], 100)}" if isinstance(want, list) and want
                              else show(want))
                shown_got = (f"{len(got)} rows, from {show(got[:2], 100)}" if isinstance(got, list) and got
                             else show(got, 200))
                fail(f"on the users table of {WORK.ROWS} rows, {method}({show(args)}) returned the wrong answer",
                     expected=shown_want, got=shown_got, hint=HINT_ROWS)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_rows_are_refused(subject: Subject) -> None:
    """a bad or duplicate row is refused and changes neither index"""
    storage = subject.import_module("storage_support").MemoryStorage()
    table = subject.import_module(MODULE).ClusteredTable(storage, page_size=512)
    table.insert(1, b"one@x.io", b"row 1")
    bad: list[tuple[str, str, tuple[Any, ...]]] = [
        ("TypeError", "insert", (True, b"t@x.io", b"r")), ("TypeError", "insert", ("2", b"t@x.io", b"r")),
        ("ValueError", "insert", (-1, b"t@x.io", b"r")), ("ValueError", "insert", (2**64, b"t@x.io", b"r")),
        ("TypeError", "insert", (2, "t@x.io", b"r")), ("ValueError", "insert", (2, b"", b"r")),
        ("ValueError", "insert", (2, b"e" * 33, b"r")), ("TypeError", "insert", (2, b"t@x.io", "r")),
        ("ValueError", "insert", (2, b"t@x.io", b"r" * 65)),
        ("TypeError", "get", ("1",)), ("ValueError", "get", (-5,)), ("TypeError", "get_by_email", (None,)),
        ("ValueError", "id_by_email", (b"",)), ("TypeError", "range", (0, "9")),
        ("TypeError", "range_by_email", (None, b"z")),
    ]
    for error, method, args in bad:
        expect_raises(error, lambda method=method, args=args: getattr(table, method)(*args),
                      f"{method}{show(args)} must raise {error}",
                      hint="Check the arguments before touching either tree: id an int (not a bool) in 0..2**64-1, "
                           "email bytes of 1 to 32, row bytes of at most 64 (range bounds up to 2**64).")
    expect_raises("DuplicateKey", lambda: table.insert(1, b"other@x.io", b"row 1b"),
                  "insert() of an id the table holds must raise DuplicateKey",
                  hint="Look the id up in the clustered index first; DuplicateKey comes from minimysql.btree.")
    expect_raises("DuplicateKey", lambda: table.insert(2, b"one@x.io", b"row 2"),
                  "insert() of an email the table holds must raise DuplicateKey",
                  hint="Look the email up in the secondary index before inserting anything.")
    left = {"get(2)": table.get(2), "id_by_email(b'other@x.io')": table.id_by_email(b"other@x.io"),
            "get(1)": table.get(1), "id_by_email(b'one@x.io')": table.id_by_email(b"one@x.io"),
            "range(0, 2**64)": table.range(0, 2**64)}
    want = {"get(2)": None, "id_by_email(b'other@x.io')": None, "get(1)": b"row 1", "id_by_email(b'one@x.io')": 1,
            "range(0, 2**64)": [b"row 1"]}
    for what, value in left.items():
        expect_true(value == want[what] and type(value) is type(want[what]),
                    f"after the refused inserts, {what} shows that a refused insert changed the table",
                    expected=show(want[what]), got=show(value),
                    hint="A refused insert changes nothing: check both the id and the email before writing either "
                         "tree. Inserting the row first and the email second leaves an orphan row in the clustered "
                         "index when the email turns out to be taken.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_indexes_hold_what_innodb_holds(subject: Subject) -> None:
    """the clustered index maps id to the row; the secondary index maps email to the id"""
    count = 300
    sample = [1, 2, 17, 150, 299, 300]
    got = run(subject, "index_contents", count, sample,
              text=f"build a table of the first {count} users (pages of 512 bytes), then read its two trees directly")
    if not isinstance(got, dict) or got.get("problem") is not None:
        fail("table.primary and table.secondary are not your two B+Trees",
             expected="two BPlusTree attributes", got=show(got.get("problem") if isinstance(got, dict) else got),
             hint=HINT_LAYOUT)
    expect_true(got["lengths"] == [count, count], f"after {count} inserts the two trees do not hold one entry per row",
                expected=f"len(table.primary) == len(table.secondary) == {count}", got=show(got["lengths"]),
                hint=HINT_LAYOUT)
    for id_, in_primary, in_secondary in zip(sample, got["primary"], got["secondary"], strict=True):
        email, row = BY_ID[id_]
        ok, value = _ok(in_primary)
        expect_true(ok and value == row, f"table.primary.get({pk(id_)!r}) (id {id_}) is not the row",
                    expected=show(row), got=show(value), hint=HINT_LAYOUT)
        ok, value = _ok(in_secondary)
        expect_true(ok and value == pk(id_),
                    f"table.secondary.get({email!r}) is not the primary key of that row",
                    expected=f"{pk(id_)!r} (id {id_} as 8 big-endian bytes)", got=show(value),
                    hint="A secondary index entry holds the primary key, and the query finds the row through the "
                         "clustered index (the bookmark lookup, 回表). " + HINT_LAYOUT)


@pytest.mark.correctness
@pytest.mark.points(2)
def test_point_lookup_reads(subject: Subject) -> None:
    """a lookup by id reads one descent, by email two, a covering query one (of the secondary)"""
    rng = random.Random(2)
    ids = rng.sample(range(1, WORK.ROWS + 1), 12)
    emails = [USERS[i - 1][1] for i in rng.sample(range(1, WORK.ROWS + 1), 12)]
    missing = [b"user99999@example.com", b"a", b"zzz"]
    got = expect_trees(run(subject, "lookup_reads", ids, emails, missing,
                           text=f"build the users table of {WORK.ROWS} rows, then count the page reads of "
                                "get(), get_by_email() and id_by_email(), and of the tree lookups they are made of"),
                       "the point queries")
    primary_h, secondary_h = got["height"]
    trees = f"(your clustered index has {primary_h} levels, your secondary index {secondary_h})"
    for id_, (table_reads, descent) in zip(ids, got["get"], strict=True):
        expect_true(table_reads == descent, f"get({id_}) read {table_reads} pages {trees}",
                    expected=f"{descent}: one descent of the clustered index, as table.primary.get() reads",
                    got=f"{table_reads} page reads", hint="get() is one primary.get(). " + HINT_TREE)
    for email, (by_email, covering, descent, bookmark) in zip(emails, got["by_email"], strict=True):
        expect_true(by_email == descent + bookmark, f"get_by_email({email!r}) read {by_email} pages {trees}",
                    expected=f"{descent + bookmark}: one descent of the secondary index ({descent}) and one bookmark "
                             f"lookup in the clustered index ({bookmark})", got=f"{by_email} page reads",
                    hint="get_by_email() is secondary.get(email) for the id, then primary.get(id) for the row: "
                         "nothing more (no scan), nothing less. " + HINT_TREE)
        expect_true(covering == descent, f"id_by_email({email!r}) read {covering} pages {trees}",
                    expected=f"{descent}: the secondary index alone holds the id (a covering query)",
                    got=f"{covering} page reads",
                    hint="The secondary index's entry already holds the id: id_by_email() must not fetch the row "
                         "from the clustered index.")
    for email, (by_email, covering, descent) in zip(missing, got["missing"], strict=True):
        expect_true(by_email == descent and covering == descent,
                    f"get_by_email({email!r}) and id_by_email() of a missing email read {by_email} and {covering} "
                    f"pages {trees}", expected=f"{descent} each: the secondary index says the email is not there",
                    got=f"{by_email} and {covering}",
                    hint="When the secondary index does not hold the email there is no id to look up: return None "
                         "without touching the clustered index.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_range_reads(subject: Subject) -> None:
    """a range by id is one scan of the clustered index; by email, a scan plus one lookup per row"""
    id_ranges = [(1000, 1100), (1, 2001), (500, 520)]
    email_ranges = [(WORK.email_of(1000), WORK.email_of(1100)), (WORK.email_of(0), WORK.email_of(40))]
    got = expect_trees(run(subject, "range_reads", id_ranges, email_ranges,
                           text=f"build the users table of {WORK.ROWS} rows, then count the page reads of range() and "
                                "range_by_email(), and of the tree scans and lookups they are made of"),
                       "the range queries")
    primary_h, secondary_h = got["height"]
    trees = f"(your clustered index has {primary_h} levels, your secondary index {secondary_h})"
    for (lo, hi), (table_reads, scan, rows) in zip(id_ranges, got["by_id"], strict=True):
        expect_true(scan <= table_reads <= scan + 1,
                    f"range({lo}, {hi}) ({rows} rows) read {table_reads} pages {trees}",
                    expected=f"{scan}: one scan of primary.range() from {lo} to {hi}, the rows being in its leaves",
                    got=f"{table_reads} page reads",
                    hint="range() is list(primary.range(lo as 8 bytes, hi as 8 bytes)): one descent, then the leaf "
                         "chain. Looking each id up one by one, or scanning the whole table, reads far more.")
    for (lo, hi), (table_reads, scan, lookups, rows) in zip(email_ranges, got["by_email"], strict=True):
        want = scan + lookups
        expect_true(want <= table_reads <= want + 1,
                    f"range_by_email({lo!r}, {hi!r}) ({rows} rows) read {table_reads} pages {trees}",
                    expected=f"{want}: a scan of the secondary index ({scan}) and one bookmark lookup per row "
                             f"({lookups} in all)", got=f"{table_reads} page reads",
                    hint="range_by_email() scans secondary.range(lo, hi) for the ids, then looks each row up with "
                         "primary.get(id). It cannot scan the clustered index instead: the rows are in id order "
                         "there, not in email order.")


# -- the checks: the stated numbers ------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_stated_numbers(subject: Subject, project: Path) -> None:
    """the stated heights and page reads are what your own code measures"""
    fields = [("height", "primary"), ("height", "secondary"), ("point_reads", "by_id"), ("point_reads", "by_email"),
              ("point_reads", "id_by_email"), ("range_reads", "by_id"), ("range_reads", "by_email"),
              ("range_reads", "full_scan")]
    stated = answers(project, *fields)
    got = run(subject, "measure_yours",
              text=f"build the users table with your ClusteredTable and count each query's page reads, as "
                   f"{EXPERIMENT} does")
    if not isinstance(got, dict):  # pragma: no cover - the support returns a dict
        fail("could not run the experiment's measurement", got=show(got), hint=RERUN)
    for section, field in fields:
        value, want = stated[section][field], got[section][field]
        close = (isinstance(value, int | float) and abs(value - want) <= READS_TOLERANCE
                 if section == "point_reads" else value == want)
        expect_true(close, f"{section}.{field} is not what your own code measures",
                    expected=f"{want} (the experiment's figure, measured with your code)", got=show(value), hint=RERUN)


# -- the checks: what the numbers mean ------------------------------------------------------------------

def check_choices(project: Path, hints: dict[str, str]) -> None:
    data = answers(project, *[("choices", name) for name in hints])
    for name, hint in hints.items():
        said = data["choices"][name]
        expect_true(said == KEY_CHOICES[name], f"choices.{name} is not right",
                    expected="the choice your measurements support", got=show(said), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_which_range_reads_more(project: Path) -> None:
    """which range of 100 rows reads more pages, and why"""
    check_choices(project, {
        "reads_more": "Compare range_reads.by_id and range_reads.by_email in your numbers: both return 100 rows.",
        "why": "Divide your range_reads.by_email by your clustered index's height. Where did each group of that many "
               "reads go? The rows of the id range sit next to each other in the clustered index's leaves; the rows "
               "of the email range do not.",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_covering_index(project: Path) -> None:
    """what a covering index saves"""
    check_choices(project, {
        "covering_avoids": "Compare point_reads.by_email and point_reads.id_by_email: both descend the secondary "
                           "index; which part of the work does the covering query not do?",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_secondary_holds_the_primary_key(project: Path) -> None:
    """why InnoDB's secondary index holds the primary key, not the row's address"""
    check_choices(project, {
        "pk_not_address": "Think of what happens to the rows of a clustered index's leaf when that leaf splits or "
                          "merges, and how many secondary indexes would need updating if they pointed at it. A "
                          "primary-key lookup is not faster than following an address: it is a whole descent.",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_long_primary_key(project: Path) -> None:
    """what a long primary key costs every secondary index"""
    check_choices(project, {
        "long_pk": "What does each entry of every secondary index carry besides the indexed column?",
    })
    data = answers(project, ("long_primary_key", "bigint_mb"), ("long_primary_key", "uuid_mb"))
    for field, want in KEY_MB.items():
        said = data["long_primary_key"][field]
        expect_true(abs(said - want) <= MB_TOLERANCE * want, f"long_primary_key.{field} is not right",
                    expected="within 1% of the right figure", got=f"{said:g} MB",
                    hint="One secondary entry is the indexed column (4 bytes) plus the primary key; count the entries "
                         "of all three indexes. 1 MB is 1 000 000 bytes here.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_full_scan_or_index(project: Path) -> None:
    """whether 100 rows through the secondary index cost less than a full scan"""
    check_choices(project, {
        "cheaper_for_100_rows": "Compare range_reads.by_email (100 of 2000 rows) with range_reads.full_scan (all 2000 "
                                "rows) in your numbers. This is why an optimizer may ignore an index on a column whose "
                                "range matches a large share of the table.",
    })
