"""users(id, email, ...) as InnoDB lays it out: a clustered index and a secondary index on email.

Written another way: struct for the keys, one validation table, bookmark lookups in a generator.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from minimysql.btree import BPlusTree, DuplicateKey
from minimysql.pager import Pager
from minimysql.storage import Storage

PRIMARY_FILE = "users.primary"
SECONDARY_FILE = "users.email"
MAX_ID = 2**64 - 1
KEY = struct.Struct(">Q")


def _check(value: object, kind: type, low: int, high: int, what: str) -> None:
    if type(value) is not kind:
        raise TypeError(f"{what}: expected {kind.__name__}, got {type(value).__name__}")
    size = value if kind is int else len(value)  # type: ignore[arg-type]
    if not low <= size <= high:
        raise ValueError(f"{what} out of range: {size} not in {low}..{high}")


class ClusteredTable:
    primary: BPlusTree
    secondary: BPlusTree

    def __init__(self, storage: Storage, *, page_size: int = 4096) -> None:
        self.primary, self.secondary = (BPlusTree(Pager(storage, name, page_size=page_size))
                                        for name in (PRIMARY_FILE, SECONDARY_FILE))

    def insert(self, id: int, email: bytes, row: bytes) -> None:
        _check(id, int, 0, MAX_ID, "id")
        _check(email, bytes, 1, 32, "email")
        _check(row, bytes, 0, 64, "row")
        key = KEY.pack(id)
        for tree, probe, what in ((self.secondary, email, "email"), (self.primary, key, "id")):
            if tree.get(probe) is not None:
                raise DuplicateKey(f"duplicate {what}")
        self.primary.insert(key, row)
        self.secondary.insert(email, key)

    def get(self, id: int) -> bytes | None:
        _check(id, int, 0, MAX_ID, "id")
        return self.primary.get(KEY.pack(id))

    def _pk(self, email: bytes) -> bytes | None:
        _check(email, bytes, 1, 32, "email")
        return self.secondary.get(email)

    def get_by_email(self, email: bytes) -> bytes | None:
        key = self._pk(email)
        return self.primary.get(key) if key else None

    def id_by_email(self, email: bytes) -> int | None:
        key = self._pk(email)
        return KEY.unpack(key)[0] if key else None

    def range(self, lo: int, hi: int) -> list[bytes]:
        _check(lo, int, 0, MAX_ID + 1, "lo")
        _check(hi, int, 0, MAX_ID + 1, "hi")
        if lo >= hi:
            return []
        return [row for _, row in self.primary.range(KEY.pack(lo), KEY.pack(hi) if hi <= MAX_ID else None)]

    def _rows(self, keys: list[bytes]) -> Iterator[bytes]:
        for key in keys:
            row = self.primary.get(key)
            if row is not None:
                yield row

    def range_by_email(self, lo: bytes, hi: bytes) -> list[bytes]:
        if not (type(lo) is bytes and type(hi) is bytes):
            raise TypeError("email bounds must be bytes")
        return list(self._rows([key for _, key in self.secondary.range(lo, hi)]))
