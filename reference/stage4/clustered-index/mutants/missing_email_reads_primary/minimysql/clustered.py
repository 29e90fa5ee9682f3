"""A table stored as InnoDB stores it: the rows in the primary key's B+Tree, and a secondary index.

The table is ``users(id BIGINT PRIMARY KEY, email VARBINARY(32) UNIQUE, ...)``. Two B+Trees of
yours, each on its own pager over the ``storage`` you are given:

- ``primary`` (file ``users.primary``), the clustered index: id -> the whole row. The rows live
  in its leaves, in id order.
- ``secondary`` (file ``users.email``), the secondary index on email: email -> id. Its leaves
  hold the primary key, not the row and not the row's address.

An id travels as ``id.to_bytes(8, "big")``, so that bytes order is number order.
"""

from __future__ import annotations

from minimysql.btree import BPlusTree, DuplicateKey
from minimysql.pager import Pager
from minimysql.storage import Storage

PRIMARY_FILE = "users.primary"  # the clustered index's pager file
SECONDARY_FILE = "users.email"  # the secondary index's pager file
MAX_ID = 2**64 - 1
MAX_EMAIL = 32
MAX_ROW = 64


def _id_key(value: object, what: str = "id", top: int = MAX_ID) -> int:
    if type(value) is not int:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value <= top:
        raise ValueError(f"{what} must be in 0..{top}, not {value}")
    return value


def _pk(id_: int) -> bytes:
    return id_.to_bytes(8, "big")


def _email(value: object) -> bytes:
    if type(value) is not bytes:
        raise TypeError(f"email must be bytes, not {type(value).__name__}")
    if not 1 <= len(value) <= MAX_EMAIL:
        raise ValueError(f"email must be 1 to {MAX_EMAIL} bytes, not {len(value)}")
    return value


class ClusteredTable:
    """users(id, email, ...): rows clustered on id, plus a unique secondary index on email."""

    primary: BPlusTree  # id (8 bytes, big-endian) -> row
    secondary: BPlusTree  # email -> id (8 bytes, big-endian)

    def __init__(self, storage: Storage, *, page_size: int = 4096) -> None:
        self.primary = BPlusTree(Pager(storage, PRIMARY_FILE, page_size=page_size))
        self.secondary = BPlusTree(Pager(storage, SECONDARY_FILE, page_size=page_size))

    def insert(self, id: int, email: bytes, row: bytes) -> None:
        key = _pk(_id_key(id))
        email = _email(email)
        if type(row) is not bytes:
            raise TypeError(f"row must be bytes, not {type(row).__name__}")
        if len(row) > MAX_ROW:
            raise ValueError(f"row must be at most {MAX_ROW} bytes, not {len(row)}")
        if self.primary.get(key) is not None:
            raise DuplicateKey(f"id {id} is already in the table")
        if self.secondary.get(email) is not None:
            raise DuplicateKey(f"email {email!r} is already in the table")
        self.primary.insert(key, row)
        self.secondary.insert(email, key)

    def get(self, id: int) -> bytes | None:
        return self.primary.get(_pk(_id_key(id)))

    def get_by_email(self, email: bytes) -> bytes | None:
        key = self.secondary.get(_email(email), bytes(8))  # id 0 when missing: no row has it
        return self.primary.get(key)  # the bookmark lookup (回表)

    def id_by_email(self, email: bytes) -> int | None:
        key = self.secondary.get(_email(email))
        return None if key is None else int.from_bytes(key, "big")  # covering: the index has the id

    def range(self, lo: int, hi: int) -> list[bytes]:
        lo = _id_key(lo, "lo", MAX_ID + 1)
        hi = _id_key(hi, "hi", MAX_ID + 1)
        if hi <= lo:
            return []
        upper = None if hi > MAX_ID else _pk(hi)
        return [row for _, row in self.primary.range(_pk(lo), upper)]

    def range_by_email(self, lo: bytes, hi: bytes) -> list[bytes]:
        for bound in (lo, hi):
            if type(bound) is not bytes:
                raise TypeError(f"an email bound must be bytes, not {type(bound).__name__}")
        ids = [key for _, key in self.secondary.range(lo, hi)]
        rows = []
        for key in ids:  # one bookmark lookup per row, in email order
            row = self.primary.get(key)
            if row is not None:
                rows.append(row)
        return rows
