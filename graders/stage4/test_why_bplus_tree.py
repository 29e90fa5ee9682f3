"""Grader for stage4/why-bplus-tree: "B+Tree 为什么适合磁盘存储？", answered by counting page reads.

The learner builds their B+Tree (stage4/bplus-tree) and a binary search tree of one node per
page (``PagedBST``, written in their experiment script) on their own pager with 4 KiB pages, at
100, 1 000 and 5 000 keys, and states each tree's height, pages, mean page reads per lookup and
the page reads of a 500-key range scan, then estimates InnoDB's fan-out and answers three
choices in ``answers/why-bplus-tree.yaml``.

Everything stated is re-measured here with the learner's own code through
``support/why_bplus_tree_support.py`` (the experiment's workload block, verbatim), on the grader's
``MemoryStorage``. The binary tree's shape is fixed by its insertion order (the middle key first),
so its figures are also checked against an exact model; the B+Tree's depend on the learner's node
layout, so they are checked against the rule its own exercise set: a lookup reads height() pages.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from swai.grading import expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

NAME = "why-bplus-tree"
SUPPORT = "why_bplus_tree_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
EXPERIMENT = "experiments.why_bplus_tree"
SCRIPT = "python experiments/why_bplus_tree.py"
RUN = f"Run `{SCRIPT}` from your project folder and copy what it prints."
SIZES = (100, 1_000, 5_000)  # as in the support module
LOOKUPS = 200
RANGE_KEYS = 500
TREES = ("bplus_tree", "binary_tree")
TREE_TEXT = {"bplus_tree": "your B+Tree (minimysql/btree.py)", "binary_tree": "your PagedBST"}
MEASURE_TIMEOUT = 120.0  # seconds to build and measure one kind of tree at the three sizes
READS_TOLERANCE = 0.01  # on a stated mean of page reads per lookup (printed with two decimals)

# -- the key ---------------------------------------------------------------------------------------
INNODB_FANOUT = 16 * 1024 / (8 + 6)  # a 16 KiB page of 8-byte BIGINT keys and 6-byte child pointers: ~1170
FANOUT_RANGE = (round(INNODB_FANOUT * 0.94), round(INNODB_FANOUT * 1.06))  # headers and rounding: a little
ROWS_PER_LEAF = 16  # 1 KiB rows in a 16 KiB leaf
ROWS_TOLERANCE = 0.02  # rows_three_levels against fanout^2 x 16, with the learner's own fanout
PREDICT_ROWS = 20_000_000
PREDICTED = {"bplus_tree": 3, "binary_tree": PREDICT_ROWS.bit_length()}  # n.bit_length() == ceil(log2(n + 1)) == 25
QUESTIONS = {"why_disk": "fanout", "leaves_linked": "range_scan", "internal_keys_only": "fanout"}

# -- the answers file's shape ------------------------------------------------------------------------
HEIGHT = {"type": "integer", "minimum": 1, "description": "a whole number of levels, as printed"}
PAGES = {"type": "integer", "minimum": 1, "description": "a whole number of pages, as printed"}
READS = {"type": "number", "minimum": 1, "description": "the mean page reads per lookup, as printed (e.g. 2.00)"}
COUNT = {"type": "integer", "minimum": 1, "description": "a whole number of page reads, as printed"}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("lookups", f"n_{n}", tree, field): schema_
       for n in SIZES for tree in TREES
       for field, schema_ in (("height", HEIGHT), ("pages", PAGES), ("reads_per_lookup", READS))},
    **{("range_scan", tree): COUNT for tree in TREES},
    ("fanout", "innodb_16k"): {"type": "number", "minimum": 1, "description": "children per internal node"},
    ("fanout", "rows_three_levels"): {"type": "number", "minimum": 1, "description": "rows"},
    ("predicted_reads", "bplus_tree"): {"type": "integer", "minimum": 1, "description": "page reads"},
    ("predicted_reads", "binary_tree"): {"type": "integer", "minimum": 1, "description": "page reads"},
    ("questions", "why_disk"): {"enum": ["fanout", "balanced", "sorted_keys", "sequential_writes"]},
    ("questions", "leaves_linked"): {"enum": ["range_scan", "point_lookup", "crash_recovery", "rebalancing"]},
    ("questions", "internal_keys_only"): {"enum": ["fanout", "no_locks", "no_internal_writes", "sorted_values"]},
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


# -- the model of the binary tree ------------------------------------------------------------------------

def model_depth(n: int, i: int) -> int:
    """Levels from the root to key i in the balanced tree the middle-first order builds over 0..n-1."""
    lo, hi, depth = 0, n, 1
    while True:
        middle = (lo + hi) // 2
        if middle == i:
            return depth
        lo, hi = (lo, middle) if i < middle else (middle + 1, hi)
        depth += 1


def model_range_reads(n: int, start: int, stop: int) -> int:
    """Pages the pruned in-order traversal reads for the keys start..stop-1 (see PagedBST.range)."""
    reads, pending = 0, [(0, n)]
    while pending:
        lo, hi = pending.pop()
        if lo >= hi:
            continue  # child id 0: nothing to read
        reads += 1
        middle = (lo + hi) // 2
        if start < middle:
            pending.append((lo, middle))
        if middle < stop:
            pending.append((middle + 1, hi))
    return reads


def lookup_keys(n: int) -> list[int]:
    return random.Random(n + 1).sample(range(n), min(LOOKUPS, n))


def range_bounds(n: int) -> tuple[int, int]:
    start = max(0, n // 2 - RANGE_KEYS // 2)
    return start, min(n, start + RANGE_KEYS)


# -- measuring the learner's trees --------------------------------------------------------------------------

_measured: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (project, tree) -> figures per size, for this run


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def tree_class(subject: Subject, tree: str) -> RemoteObject:
    module, name = ("minimysql.btree", "BPlusTree") if tree == "bplus_tree" else (EXPERIMENT, "PagedBST")
    try:
        cls = subject.import_module(module).attr(name)
    except SubjectError as exc:
        fail(f"importing {module} raised {exc.type_name}", expected=f"the module with its class {name}",
             got=f"{exc.type_name}: {exc.message}"[:300],
             hint=f"Run `{SCRIPT}` from your project folder and fix what it reports.")
    if not isinstance(cls, RemoteObject):
        fail(f"{module}.{name} is not a class", expected=f"class {name}", got=show(cls),
             hint=f"Keep the class {name} the exercise gave you.")
    return cls


def measure(subject: Subject, tree: str) -> list[dict[str, Any]]:
    """The experiment's figures of the learner's tree at the three sizes, measured once per grading run."""
    key = (str(subject.project), tree)
    if key not in _measured:
        cls = tree_class(subject, tree)
        try:
            rows = subject.call(support(subject), "run", (cls, tree), {}, timeout=MEASURE_TIMEOUT,
                                text=f"build {TREE_TEXT[tree]} on your Pager(page_size=4096) with "
                                     f"{', '.join(map(str, SIZES))} keys and count its page reads")
        except SubjectError as exc:
            what = ("stage4/bplus-tree and stage4/page-manager" if tree == "bplus_tree"
                    else "PagedBST.insert/get/range in experiments/why_bplus_tree.py")
            if exc.is_a("TimeoutError"):
                fail(f"{TREE_TEXT[tree]} is too slow to measure", expected="the experiment's workload to finish",
                     got=exc.message, hint=f"Run `{SCRIPT}`; every insert and lookup should read only the pages "
                                           "on one path from the root.")
            fail(f"{TREE_TEXT[tree]} raised {exc.type_name} while the experiment ran on it",
                 expected="the experiment to build the tree and count its page reads",
                 got=f"{exc.type_name}: {exc.message}"[:300],
                 hint=f"Run `{SCRIPT}` to see where; finish {what} first.")
        if not (isinstance(rows, list) and len(rows) == len(SIZES) and all(isinstance(r, dict) for r in rows)):
            fail("the measurement returned something unexpected", expected="one set of figures per size",
                 got=show(rows), hint=f"Keep the shared block of {SCRIPT} as it was given.")
        for row in rows:
            if row.get("storage_reads") != row.get("total_reads"):
                fail(f"{TREE_TEXT[tree]} read the storage behind the experiment's back",
                     expected=f"{row.get('storage_reads')} reads counted by the experiment's CountingStorage",
                     got=f"{row.get('total_reads')}",
                     hint="Do all I/O through the pager you are given, and the pager through its storage.")
        _measured[key] = rows
    return _measured[key]


def figures_at(subject: Subject, tree: str, n: int) -> dict[str, Any]:
    return measure(subject, tree)[SIZES.index(n)]


def check_wrong(row: dict[str, Any], tree: str) -> None:
    wrong = row.get("wrong") or []
    expect_true(not wrong, f"{TREE_TEXT[tree]} gave wrong answers with {row['n']} keys, so its page reads cannot "
                "answer the question", expected="every lookup and the range scan right", got="; ".join(wrong)[:400],
                hint=f"{RUN} It prints WRONG lines for these too."
                + (" Run `swai grade stage4/bplus-tree` and fix what it reports first." if tree == "bplus_tree"
                   else " Keys below a node's key go left, keys above it right; range() yields in key order."))


def check_stated(subject: Subject, project: Path, tree: str) -> None:
    fields = ("height", "pages", "reads_per_lookup")
    data = answers(project, *[("lookups", f"n_{n}", tree, f) for n in SIZES for f in fields])["lookups"]
    for n in SIZES:
        row = figures_at(subject, tree, n)
        stated = data[f"n_{n}"][tree]
        for field in fields:
            measured = row[field]
            value = stated[field]
            close = (abs(value - measured) <= READS_TOLERANCE if field == "reads_per_lookup"
                     else value == measured)
            shown = f"{measured:.2f} ± {READS_TOLERANCE}" if field == "reads_per_lookup" else str(measured)
            expect_true(close, f"lookups.n_{n}.{tree}.{field} is not what {TREE_TEXT[tree]} measures with {n} keys",
                        expected=f"{shown}: what your own code measures", got=show(value),
                        hint=f"{RUN} The {'B+Tree' if tree == 'bplus_tree' else 'binary tree'} columns, row "
                             f"{n}: height, pages, reads/lookup (the mean over {LOOKUPS} lookups), at the default "
                             "page size of 4096.")


def check_question(project: Path, question: str, summary: str, hint: str) -> None:
    said = answers(project, ("questions", question))["questions"][question]
    expect_true(said == QUESTIONS[question], summary, expected="the choice your measurements support",
                got=show(said), hint=hint)


# -- the checks ------------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/why-bplus-tree.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_binary_tree_reads_one_page_per_level(subject: Subject) -> None:
    """your PagedBST is a binary search tree of one node per page, read one page per level"""
    for n in SIZES:
        row = figures_at(subject, "binary_tree", n)
        check_wrong(row, "binary_tree")
        expect_true(row["pages"] == n, f"your PagedBST with {n} keys does not use one page per node",
                    expected=f"{n} pages (pager.page_count())", got=str(row["pages"]),
                    hint="insert() allocates exactly one page, for the new node, and writes the parent again in "
                         "place; nothing else.")
        height = n.bit_length()  # ceil(log2(n + 1)): the middle-first order builds a balanced tree
        expect_true(row["height"] == height, f"your PagedBST's height() with {n} keys is not its number of levels",
                    expected=f"{height} (inserted middle key first, the tree is balanced: ceil(log2({n} + 1)))",
                    got=show(row["height"]),
                    hint="A new node one level below the deepest so far adds a level; keep the count in self.levels.")
        want = [model_depth(n, i) for i in lookup_keys(n)]
        got = row["lookup_reads"]
        if got != want:
            index = next((j for j, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), 0)
            key = lookup_keys(n)[index]
            fail(f"get() of key {key} in your PagedBST of {n} keys read the wrong number of pages",
                 expected=f"{want[index]} page reads: one per node from the root down to the key's node",
                 got=f"{show(got[index] if index < len(got) else None)}",
                 hint="get() reads the root, then one child per step, and stops at the node holding the key. Read "
                      "every node with pager.read() (no node kept in memory), and no page twice.")
        start, stop = range_bounds(n)
        want_range = model_range_reads(n, start, stop)
        expect_true(row["range_reads"] == want_range,
                    f"range() of keys {start}..{stop - 1} in your PagedBST of {n} keys read the wrong number of pages",
                    expected=f"{want_range} page reads (every node whose subtree may hold keys in the range)",
                    got=show(row["range_reads"]),
                    hint="After reading a node with key k: go left only if lo < k, yield it if lo <= k < hi, go right "
                         "only if k < hi; a child id of 0 is not read. Read each page once.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bplus_tree_reads_height_pages(subject: Subject) -> None:
    """your B+Tree answers the experiment's lookups reading height() pages, and its range scan along the leaves"""
    for n in SIZES:
        row = figures_at(subject, "bplus_tree", n)
        check_wrong(row, "bplus_tree")
        reads = set(row["lookup_reads"])
        expect_true(reads == {row["height"]}, f"lookups in your B+Tree of {n} keys do not read height() pages",
                    expected=f"{row['height']} page reads for every lookup (height())",
                    got=f"page reads per lookup: {sorted(reads)}",
                    hint="get() reads the root, then one node per level down to the leaf, with pager.read() each "
                         "time: never the leaf chain, never a cached node. `swai grade stage4/bplus-tree` checks it.")
        start, stop = range_bounds(n)
        bound = row["height"] + (stop - start) // 2 + 1  # a path down, then leaves of at least two keys each
        expect_true(row["range_reads"] <= bound,
                    f"range() of {stop - start} keys in your B+Tree of {n} keys read too many pages",
                    expected=f"one path down, then the leaves in turn: at most {bound}",
                    got=show(row["range_reads"]),
                    hint="range() descends once to the leaf of lo, then follows next-leaf pointers.")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_bplus_tree_figures(subject: Subject, project: Path) -> None:
    """the stated B+Tree heights, pages and reads per lookup are what your B+Tree measures"""
    check_stated(subject, project, "bplus_tree")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_binary_tree_figures(subject: Subject, project: Path) -> None:
    """the stated binary-tree heights, pages and reads per lookup are what your PagedBST measures"""
    check_stated(subject, project, "binary_tree")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_range_scan_figures(subject: Subject, project: Path) -> None:
    """the stated page reads of the 500-key range scan are what your trees measure"""
    stated = answers(project, *[("range_scan", tree) for tree in TREES])["range_scan"]
    n = SIZES[-1]
    for tree in TREES:
        measured = figures_at(subject, tree, n)["range_reads"]
        expect_true(stated[tree] == measured,
                    f"range_scan.{tree} is not what {TREE_TEXT[tree]} reads for the {RANGE_KEYS}-key scan at n = {n}",
                    expected=f"{measured}: the page reads your own code makes", got=show(stated[tree]),
                    hint=f"{RUN} The last line: the page reads of the range scan, B+Tree first, binary tree second.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_innodb_fanout(project: Path) -> None:
    """the fan-out of an InnoDB internal page, estimated"""
    said = answers(project, ("fanout", "innodb_16k"))["fanout"]["innodb_16k"]
    low, high = FANOUT_RANGE
    expect_true(low <= said <= high, "fanout.innodb_16k is not the fan-out a 16 KiB page of BIGINT keys gives",
                expected="the number of (key, child pointer) entries that fit in one internal page", got=show(said),
                hint="An internal page holds separator keys and child page pointers only: divide the page size by "
                     "the bytes one entry takes (the key and the pointer the template gives). No row data in there.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_rows_in_three_levels(project: Path) -> None:
    """how many rows a three-level InnoDB B+Tree holds, from your fan-out"""
    data = answers(project, ("fanout", "innodb_16k"), ("fanout", "rows_three_levels"))["fanout"]
    fanout, rows = data["innodb_16k"], data["rows_three_levels"]
    want = fanout * fanout * ROWS_PER_LEAF  # from the learner's own fan-out: a wrong one costs its own check only
    expect_true(abs(rows - want) <= ROWS_TOLERANCE * want,
                "fanout.rows_three_levels is not what three levels of such pages hold",
                expected=f"about {want:,.0f} rows (± {ROWS_TOLERANCE:.0%}), from your fanout.innodb_16k of {fanout}",
                got=show(rows),
                hint="Count pages level by level: one root page, fanout pages below it, fanout x fanout leaves; "
                     "each leaf holds as many 1 KiB rows as fit in 16 KiB.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_predicted_reads(project: Path) -> None:
    """page reads of a lookup among 20 million rows: B+Tree vs a balanced binary tree"""
    data = answers(project, *[("predicted_reads", tree) for tree in TREES])["predicted_reads"]
    expect_true(data["bplus_tree"] == PREDICTED["bplus_tree"],
                "predicted_reads.bplus_tree is not the height of an InnoDB B+Tree of 20 million rows",
                expected="the number of levels such a tree needs (one page read per level)",
                got=show(data["bplus_tree"]),
                hint="Use your rows_three_levels: does 20 million rows fit in three levels? A lookup reads one page "
                     "per level.")
    expect_true(data["binary_tree"] == PREDICTED["binary_tree"],
                "predicted_reads.binary_tree is not the height of a balanced binary tree of 20 million nodes",
                expected="the levels of a perfectly balanced binary tree of that many nodes, one page read each",
                got=show(data["binary_tree"]),
                hint="A balanced binary tree of height h holds at most 2^h - 1 nodes, so it needs ceil(log2(n + 1)) "
                     "levels; your PagedBST's heights in the experiment follow the same formula. Base 2, not 10.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_why_disk(project: Path) -> None:
    """what makes a B+Tree fit a disk better than a balanced binary tree"""
    check_question(project, "why_disk", "questions.why_disk is not right",
                   "A balanced binary tree is O(log n) too, yet your binary tree read about four times as many pages "
                   "per lookup. What differs is the base of the logarithm: how many keys one page read brings.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_leaves_linked(project: Path) -> None:
    """why a B+Tree's leaves are chained"""
    check_question(project, "leaves_linked", "questions.leaves_linked is not right",
                   "Compare the two range-scan figures: after the first leaf, how does the B+Tree reach the next keys "
                   "without reading internal nodes again? A point lookup never uses the chain (it reads height() "
                   "pages).")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_question_internal_keys_only(project: Path) -> None:
    """why a B+Tree's internal nodes hold only keys"""
    check_question(project, "internal_keys_only", "questions.internal_keys_only is not right",
                   "Work out fanout.innodb_16k again with a 1 KiB row next to each key in the internal pages: how "
                   "many children would a page hold then, and how many levels would 20 million rows need?")
