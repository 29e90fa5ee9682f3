"""A table stored as InnoDB stores it: the rows in the primary key's B+Tree, and a secondary index.

The table is ``users(id BIGINT PRIMARY KEY, email VARBINARY(32) UNIQUE, ...)``. Two B+Trees of
yours, each on its own pager over the ``storage`` you are given:

- ``primary`` (file ``users.primary``), the clustered index: id -> the whole row. The rows live
  in its leaves, in id order.
- ``secondary`` (file ``users.email``), the secondary index on email: email -> id. Its leaves
  hold the primary key, not the row and not the row's address.

An id travels as ``id.to_bytes(8, "big")``, so that bytes order is number order. The README has
every rule; each query method says which trees it may read.
"""

from __future__ import annotations

from minimysql.btree import BPlusTree
from minimysql.storage import Storage

PRIMARY_FILE = "users.primary"  # the clustered index's pager file
SECONDARY_FILE = "users.email"  # the secondary index's pager file
MAX_ID = 2**64 - 1


class ClusteredTable:
    """users(id, email, ...): rows clustered on id, plus a unique secondary index on email."""

    primary: BPlusTree  # id (8 bytes, big-endian) -> row
    secondary: BPlusTree  # email -> id (8 bytes, big-endian)

    def __init__(self, storage: Storage, *, page_size: int = 4096) -> None:
        """Open (or create) both trees, each on a ``Pager(storage, <its file>, page_size=page_size)``."""
        raise NotImplementedError

    def insert(self, id: int, email: bytes, row: bytes) -> None:
        """Add a row: into the clustered index (id -> row) and into the secondary index (email -> id).

        Raises (before either tree changes, so a refused insert changes nothing):
            TypeError: id not an int (a bool neither), email or row not bytes.
            ValueError: id outside 0..MAX_ID, email empty or longer than 32 bytes, row longer than 64.
            DuplicateKey: the table already holds this id or this email.
        """
        raise NotImplementedError

    def get(self, id: int) -> bytes | None:
        """SELECT * WHERE id = ?: the row, or None. One descent of the clustered index. Raises
        TypeError/ValueError for a bad id, as insert() does."""
        raise NotImplementedError

    def get_by_email(self, email: bytes) -> bytes | None:
        """SELECT * WHERE email = ?: the row, or None. A descent of the secondary index for the id,
        then a bookmark lookup (回表): a descent of the clustered index for the row. A missing
        email reads the secondary index only. Raises TypeError/ValueError for a bad email."""
        raise NotImplementedError

    def id_by_email(self, email: bytes) -> int | None:
        """SELECT id WHERE email = ?: the id, or None. A covering query: the secondary index holds
        every column it asks for, so it reads the secondary index only."""
        raise NotImplementedError

    def range(self, lo: int, hi: int) -> list[bytes]:
        """SELECT * WHERE id >= lo AND id < hi ORDER BY id: the rows, read with one range scan of
        the clustered index. ``hi <= lo`` gives []. TypeError for a bound that is not an int (a
        bool neither), ValueError for one outside 0..MAX_ID + 1."""
        raise NotImplementedError

    def range_by_email(self, lo: bytes, hi: bytes) -> list[bytes]:
        """SELECT * WHERE email >= lo AND email < hi ORDER BY email: the rows in email order. One
        range scan of the secondary index for the ids, then one bookmark lookup per id. The bounds
        may be any bytes; TypeError for a bound that is not bytes."""
        raise NotImplementedError
