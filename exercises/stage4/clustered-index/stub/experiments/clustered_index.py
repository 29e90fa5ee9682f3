"""聚簇索引 vs 非聚簇索引: count the page reads of six queries on your clustered table.

Run it from the project folder:

    python experiments/clustered_index.py

It builds the table users(id, email, ...) of 2000 rows with YOUR ClusteredTable
(minimysql/clustered.py, on your B+Tree and your pager) over a storage in memory that counts
every page read, runs a primary-key lookup, a lookup by email (secondary index, then the
bookmark lookup), a covering query, a range of 100 rows by id, the same number of rows by email,
and a full scan, and prints the page reads of each laid out as in answers/clustered-index.yaml:
copy them there.

The definitions between the ">>> shared" and "<<< end" lines are the very ones the grader uses:
it rebuilds this table with YOUR code and counts the same reads to check the numbers you state.
If you change them here, your numbers will no longer match. To explore (another page size, more
rows), copy the file and change the copy.
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


class MemoryFile:
    """One file of a MemoryDisk."""

    def __init__(self, disk: MemoryDisk, name: str) -> None:
        self.disk, self.name = disk, name

    def read_at(self, offset: int, size: int) -> bytes:
        self.disk.reads += 1
        return bytes(self.disk.files[self.name][offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        buf = self.disk.files[self.name]
        if offset + len(data) > len(buf):
            buf.extend(bytes(offset + len(data) - len(buf)))
        buf[offset:offset + len(data)] = data

    def append(self, data: bytes) -> int:
        offset = len(self.disk.files[self.name])
        self.write_at(offset, data)
        return offset

    def size(self) -> int:
        return len(self.disk.files[self.name])

    def truncate(self, size: int) -> None:
        del self.disk.files[self.name][size:]

    def sync(self) -> None:
        pass

    def close(self) -> None:
        pass


class MemoryDisk:
    """A Storage (see minimysql/storage.py) in memory that counts every read_at: one page read."""

    def __init__(self) -> None:
        self.files: dict[str, bytearray] = {}
        self.reads = 0

    def open(self, name: str) -> MemoryFile:
        self.files.setdefault(name, bytearray())
        return MemoryFile(self, name)

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)

    def counts(self) -> dict[str, int]:
        return {"reads": self.reads}


QUERIES = [
    ("point_reads", "by_id", "by_id", "SELECT * FROM users WHERE id = ?"),
    ("point_reads", "by_email", "by_email", "SELECT * FROM users WHERE email = ?"),
    ("point_reads", "id_by_email", "id_by_email", "SELECT id FROM users WHERE email = ?"),
    ("range_reads", "by_id", "range_by_id", f"SELECT * FROM users WHERE id >= {RANGE_START} "
                                            f"AND id < {RANGE_START + RANGE_ROWS}"),
    ("range_reads", "by_email", "range_by_email", f"SELECT * FROM users WHERE email >= "
                                                  f"'{email_of(RANGE_START).decode()}' AND email < "
                                                  f"'{email_of(RANGE_START + RANGE_ROWS).decode()}'"),
    ("range_reads", "full_scan", "full_scan", "SELECT * FROM users"),
]


def main() -> None:
    import sys
    from pathlib import Path

    # Run as a script, Python puts experiments/ first on sys.path; minimysql lives one folder up.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from minimysql.clustered import ClusteredTable

    try:
        result = measure(MemoryDisk(), ClusteredTable)
    except NotImplementedError:
        sys.exit("Your ClusteredTable (or the B+Tree or pager under it) is still the stub: finish "
                 "stage4/page-manager and stage4/bplus-tree, then minimysql/clustered.py.")
    height = result["height"]
    print(f"users: {ROWS} rows, pages of {PAGE_SIZE} bytes. Your clustered index (id -> row) has "
          f"{height['primary']} levels, your secondary index (email -> id) {height['secondary']}.")
    print()
    width = max(len(text) for *_, text in QUERIES) + 2
    print(f"{'query':<{width}}{'rows':>6}{'page reads':>12}")
    for section, field, rows, text in QUERIES:
        value = result[section][field]
        shown = f"{value:.2f}" if section == "point_reads" else f"{value}"
        note = f"   (average of {LOOKUPS} queries)" if section == "point_reads" else ""
        count = result["rows"][rows]
        count_shown = f"{count}/{LOOKUPS}" if section == "point_reads" else f"{count}"
        print(f"{text:<{width}}{count_shown:>6}{shown:>12}{note}")
    print()
    print("Copy into answers/clustered-index.yaml:")
    print()
    for section in ("height", "point_reads", "range_reads"):
        print(f"{section}:")
        for field, value in result[section].items():
            print(f"  {field}: {value}")


if __name__ == "__main__":
    main()
