"""A write-ahead log and a small transactional key-value store that recovers from it.

Read the exercise's README first: the byte format of a record, the rules for durability and
recovery, and the errors are all specified there. Every byte goes through the ``Storage`` you
are given (``minimysql/storage.py``), never through ``open()``.
"""

from __future__ import annotations

from minimysql.storage import Storage

KINDS = {"begin": 1, "update": 2, "commit": 3, "abort": 4, "checkpoint": 5}  # kind name -> code on disk
MAX_PAYLOAD = 2 << 20  # bytes of payload per record, at most
MAX_KEY_BYTES = 1024  # a key is 1..1024 bytes of UTF-8
MAX_VALUE_BYTES = 1 << 20  # a value is 0..1 MiB

Record = tuple[int, int, str, bytes]  # (lsn, txn, kind, payload)


class WalError(Exception):
    """Misuse: a finished transaction, a second writer, a checkpoint during a transaction, a closed store."""


class WAL:
    """An append-only log of records ``(lsn, txn, kind, payload)`` in one file of ``storage``.

    On disk each record is ``length:u32 | crc32:u32 | lsn:u64 | txn:u64 | kind:u8 | payload``
    (little-endian); ``length`` is ``17 + len(payload)`` and ``crc32`` is ``zlib.crc32`` of the
    ``length`` bytes that follow it. The first record starts at offset 0.
    """

    def __init__(self, storage: Storage, name: str = "wal.log") -> None:
        """Open (or create) the log and scan it from offset 0. Stop at the first record that is
        short, has a length outside 17..17+MAX_PAYLOAD, a CRC mismatch, an unknown kind code, or
        an LSN that is not the previous record's + 1 (the first may have any LSN >= 1). Truncate
        the file there, set ``dropped_bytes`` to the number of bytes cut, and sync the file."""
        raise NotImplementedError

    dropped_bytes: int  # bytes cut from a bad tail when the log was opened (0 for a clean log)

    @property
    def last_lsn(self) -> int:
        """The LSN of the last record appended or found on open; 0 for an empty log."""
        raise NotImplementedError

    @property
    def durable_lsn(self) -> int:
        """The highest LSN a sync has covered; after opening, the last record's LSN."""
        raise NotImplementedError

    def append(self, txn: int, kind: str, payload: bytes = b"") -> int:
        """Add a record and return its LSN (last_lsn + 1). Not durable until flushed.
        TypeError: txn not an int (bool too), payload not bytes. ValueError: txn < 0, unknown
        kind, payload longer than MAX_PAYLOAD. A rejected append changes nothing."""
        raise NotImplementedError

    def flush(self, upto: int | None = None) -> None:
        """Make every record up to LSN ``upto`` (default: the last) durable with one sync; when
        ``upto <= durable_lsn`` return without syncing. TypeError / ValueError unless
        0 <= upto <= last_lsn."""
        raise NotImplementedError

    def records(self) -> list[Record]:
        """Every record in the log, oldest first, as plain tuples (including ones not flushed)."""
        raise NotImplementedError

    def reset(self) -> int:
        """Drop every record. The log then holds one ``checkpoint`` record (txn 0, no payload)
        with LSN last_lsn + 1, durable when this returns; return that LSN."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Transaction:
    """The one writer transaction of a ``WalStore``, from ``WalStore.begin()``."""

    id: int  # unique among the transactions whose records are in the log

    def put(self, key: str, value: bytes) -> None:
        """A change, visible to this transaction at once and to others only after commit. Its
        ``update`` record may be appended now or at commit. TypeError: key not a str, value not
        bytes. ValueError: key not 1..MAX_KEY_BYTES bytes of UTF-8, value over MAX_VALUE_BYTES."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Delete ``key`` (a missing key is fine); logged like a put, as an ``update`` record."""
        raise NotImplementedError

    def get(self, key: str) -> bytes | None:
        """This transaction's own latest write of ``key``, else the committed value; None if absent."""
        raise NotImplementedError

    def commit(self) -> None:
        """Make the transaction's records durable, ending with a ``commit`` record (flush the log),
        then apply the changes. Returns only once the commit is durable."""
        raise NotImplementedError

    def abort(self) -> None:
        """Discard the changes (an ``abort`` record is good practice; no flush needed)."""
        raise NotImplementedError


class WalStore:
    """A transactional key-value store on ``storage``: the log ``wal.log`` plus data file(s) of
    your own naming, written only by ``checkpoint()``. Opening it runs recovery."""

    def __init__(self, storage: Storage) -> None:
        """Load the last good data image, then redo the log: apply each transaction's changes at
        its commit record, in log order; never apply a transaction without one."""
        raise NotImplementedError

    def begin(self) -> Transaction:
        """Start the writer transaction. WalError if one is active (one writer at a time)."""
        raise NotImplementedError

    def get(self, key: str) -> bytes | None:
        """The committed value of ``key``, or None."""
        raise NotImplementedError

    def keys(self) -> list[str]:
        """The committed keys, sorted."""
        raise NotImplementedError

    def checkpoint(self) -> None:
        """Flush the log, write the committed data to a data file that does not hold the last good
        image, sync it, then ``reset()`` the log. WalError during a transaction."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the files; an active transaction is abandoned (recovery treats it as a loser)."""
        raise NotImplementedError
