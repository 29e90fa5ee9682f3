"""Subject-side helpers of the stage4/clustered-index grader.

They run inside the learner's process (this folder is on its sys.path, before the learner's
project), so a whole table is built and queried through the learner's ClusteredTable in one call,
with the page reads counted by storage_support's MemoryStorage.

The block between the ">>> shared" and "<<< end" lines is the source of truth for the table and
the queries. It is copied verbatim into the learner's experiments/clustered_index.py
(exercises/stage4/clustered-index/stub/experiments/); the proofs check the two copies are equal.
The grader also loads this file in its own process for the rows (``users()``), to build the
model its checks compare the learner's answers with.
"""

from __future__ import annotations

# >>> shared with support/clustered_index_support.py: the grader replays this block, keep it unchanged
import random
from collections.abc import Callable
from typing import Any

PAGE_SIZE = 2048  # bytes per page, in both trees
ROWS = 2000  # users with ids 1..2000, inserted in id order (AUTO_INCREMENT)
LOOKUPS = 20  # point queries of each kind: their page reads are averaged
RANGE_START, RANGE_ROWS = 1000, 100  # both range queries read 100 rows


def email_of(number: int) -> bytes:
    """user00000@example.com .. user01999@example.com: 21 bytes."""
    return f"user{number:05d}@example.com".encode()


def users() -> list[tuple[int, bytes, bytes]]:
    """(id, email, row) of every user, in id order. The emails' numbers are a seeded shuffle of
    0..1999, so email order has nothing to do with id order (as with real emails). A row is the
    whole record as 64 bytes."""
    numbers = list(range(ROWS))
    random.Random(7).shuffle(numbers)
    return [(id_, email_of(n), f"{id_}|{email_of(n).decode()}|user number {id_}".encode().ljust(64, b"."))
            for id_, n in zip(range(1, ROWS + 1), numbers, strict=True)]


def reads(storage: Any) -> int:
    """Page reads so far: every read_at your pagers made, in both files."""
    return int(storage.counts()["reads"])


def measure(storage: Any, table_class: Callable[..., Any]) -> dict[str, dict[str, Any]]:
    """Build the users table on ``storage`` with ``table_class`` and count each query's page reads."""
    table = table_class(storage, page_size=PAGE_SIZE)
    data = users()
    for id_, email, row in data:
        table.insert(id_, email, row)
    sample = random.Random(8).sample(data, LOOKUPS)
    returned: dict[str, Any] = {}

    def average(name: str, query: Callable[[Any], Any], args: list[Any]) -> float:
        before = reads(storage)
        returned[name] = sum(1 for arg in args if query(arg) is not None)
        return round((reads(storage) - before) / len(args), 2)

    def counted(name: str, query: Callable[..., list[Any]], *args: Any) -> int:
        before = reads(storage)
        returned[name] = len(query(*args))
        return reads(storage) - before

    return {
        "height": {"primary": table.primary.height(), "secondary": table.secondary.height()},
        "point_reads": {  # average over LOOKUPS queries of existing rows
            "by_id": average("by_id", table.get, [id_ for id_, _, _ in sample]),
            "by_email": average("by_email", table.get_by_email, [email for _, email, _ in sample]),
            "id_by_email": average("id_by_email", table.id_by_email, [email for _, email, _ in sample]),
        },
        "range_reads": {
            "by_id": counted("range_by_id", table.range, RANGE_START, RANGE_START + RANGE_ROWS),
            "by_email": counted("range_by_email", table.range_by_email, email_of(RANGE_START),
                                email_of(RANGE_START + RANGE_ROWS)),
            "full_scan": counted("full_scan", table.range, 0, ROWS + 1),
        },
        "rows": returned,
    }
# <<< end of the shared block


# -- the grader's own helpers (not in the learner's script) ------------------------------------------

Outcome = tuple[Any, ...]  # ("ok", result) or ("raised", type name, [names of its classes], message)
SMALL_PAGE = 512  # the layout check's table: small pages, a few hundred rows


def _outcome(action: Callable[[], Any]) -> Outcome:
    try:
        return ("ok", action())
    except Exception as exc:  # noqa: BLE001 - the learner's failure is data here
        return ("raised", type(exc).__name__, [c.__name__ for c in type(exc).__mro__], str(exc)[:300])


def _build(page_size: int = PAGE_SIZE, count: int = ROWS) -> tuple[Any, Any]:
    """The users table (its first ``count`` rows) built with the learner's ClusteredTable."""
    from minimysql.clustered import ClusteredTable
    from storage_support import MemoryStorage

    storage = MemoryStorage()
    table = ClusteredTable(storage, page_size=page_size)
    for id_, email, row in users()[:count]:
        table.insert(id_, email, row)
    return storage, table


def _trees_problem(table: Any, check_first_row: bool = True) -> str | None:
    """Why the table's ``primary`` and ``secondary`` are not the learner's B+Trees holding id -> row
    and email -> id, or None."""
    from minimysql.btree import BPlusTree

    for name in ("primary", "secondary"):
        tree = getattr(table, name, None)
        if not isinstance(tree, BPlusTree):
            return f"table.{name} is {type(tree).__name__}, not a BPlusTree"
    if check_first_row:
        id_, email, row = users()[0]
        key = id_.to_bytes(8, "big")
        if table.primary.get(key) != row or table.secondary.get(email) != key:
            return ("table.primary does not map the id (8 bytes, big-endian) to the row, or table.secondary does "
                    "not map the email to the id")
    return None


def measure_yours() -> dict[str, dict[str, Any]]:
    """What the learner's experiment prints, measured here with their ClusteredTable."""
    from minimysql.clustered import ClusteredTable
    from storage_support import MemoryStorage

    return measure(MemoryStorage(), ClusteredTable)


def answer_queries(ids: list[int], emails: list[bytes], id_ranges: list[tuple[int, int]],
                   email_ranges: list[tuple[bytes, bytes]]) -> dict[str, list[Outcome]]:
    """What each query of the full table returned (or raised)."""
    _, table = _build()
    return {
        "get": [_outcome(lambda i=i: table.get(i)) for i in ids],
        "get_by_email": [_outcome(lambda e=e: table.get_by_email(e)) for e in emails],
        "id_by_email": [_outcome(lambda e=e: table.id_by_email(e)) for e in emails],
        "range": [_outcome(lambda r=r: table.range(*r)) for r in id_ranges],
        "range_by_email": [_outcome(lambda r=r: table.range_by_email(*r)) for r in email_ranges],
    }


def index_contents(count: int, sample: list[int]) -> dict[str, Any]:
    """What the two trees of a table of ``count`` rows hold, read straight from the trees."""
    _, table = _build(SMALL_PAGE, count)
    problem = _trees_problem(table, check_first_row=False)
    if problem is not None:
        return {"problem": problem}
    rows = users()
    return {
        "problem": None,
        "lengths": [len(table.primary), len(table.secondary)],
        "primary": [_outcome(lambda i=i: table.primary.get(i.to_bytes(8, "big"))) for i in sample],
        "secondary": [_outcome(lambda i=i: table.secondary.get(rows[i - 1][1])) for i in sample],
    }


def _counted(storage: Any, action: Callable[[], Any]) -> tuple[int, Any]:
    before = reads(storage)
    result = action()
    return reads(storage) - before, result


def lookup_reads(ids: list[int], emails: list[bytes], missing: list[bytes]) -> dict[str, Any]:
    """Page reads of each point query, and of the tree lookups the query is made of."""
    storage, table = _build()
    problem = _trees_problem(table)
    if problem is not None:
        return {"problem": problem}
    primary, secondary = table.primary, table.secondary

    def pk(email: bytes) -> bytes:
        return secondary.get(email)

    out: dict[str, Any] = {"problem": None, "height": [primary.height(), secondary.height()]}
    out["get"] = [(_counted(storage, lambda i=i: table.get(i))[0],
                   _counted(storage, lambda i=i: primary.get(i.to_bytes(8, "big")))[0]) for i in ids]
    rows = []
    for email in emails:
        descent = _counted(storage, lambda e=email: secondary.get(e))[0]
        bookmark = _counted(storage, lambda e=email: primary.get(pk(e)))[0] - descent
        rows.append((_counted(storage, lambda e=email: table.get_by_email(e))[0],
                     _counted(storage, lambda e=email: table.id_by_email(e))[0], descent, bookmark))
    out["by_email"] = rows
    out["missing"] = [(_counted(storage, lambda e=e: table.get_by_email(e))[0],
                       _counted(storage, lambda e=e: table.id_by_email(e))[0],
                       _counted(storage, lambda e=e: secondary.get(e))[0]) for e in missing]
    return out


def range_reads(id_ranges: list[tuple[int, int]], email_ranges: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """Page reads of each range query, and of the tree scans and lookups it is made of."""
    storage, table = _build()
    problem = _trees_problem(table)
    if problem is not None:
        return {"problem": problem}
    primary, secondary = table.primary, table.secondary
    out: dict[str, Any] = {"problem": None, "height": [primary.height(), secondary.height()]}
    by_id = []
    for lo, hi in id_ranges:
        scan, items = _counted(storage, lambda lo=lo, hi=hi: list(primary.range(lo.to_bytes(8, "big"),
                                                                               hi.to_bytes(8, "big"))))
        by_id.append((_counted(storage, lambda lo=lo, hi=hi: table.range(lo, hi))[0], scan, len(items)))
    out["by_id"] = by_id
    by_email = []
    for lo, hi in email_ranges:
        scan, items = _counted(storage, lambda lo=lo, hi=hi: list(secondary.range(lo, hi)))
        lookups = sum(_counted(storage, lambda key=key: primary.get(key))[0] for _, key in items)
        by_email.append((_counted(storage, lambda lo=lo, hi=hi: table.range_by_email(lo, hi))[0], scan, lookups,
                         len(items)))
    out["by_email"] = by_email
    return out
