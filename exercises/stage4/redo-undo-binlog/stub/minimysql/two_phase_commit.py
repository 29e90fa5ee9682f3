"""InnoDB's redo log and the server's binlog, kept consistent by a two-phase commit (simulated).

A MySQL primary writes every transaction to two logs: InnoDB's redo log (``redo.log``), which
crash recovery replays, and the server's binlog (``binlog.log``), which replicas replay and
point-in-time recovery restores from. ``Primary`` commits a transaction to both, in one of three
orders, and recovers after a crash. The README has the rules.

``frame`` and ``read_log`` are given complete: use them for both logs.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

from minimysql.storage import Storage

REDO_LOG = "redo.log"
BINLOG = "binlog.log"
ORDERS = ("two_phase", "redo_first", "binlog_first")
HEADER = struct.Struct("<II")  # length of the body, crc32 of the body
MAX_KEY, MAX_VALUE = 64, 256  # characters


# -- given: the record framing of both logs ---------------------------------------------------------

def frame(record: dict[str, Any]) -> bytes:
    """One record as it goes to a log: ``length u32 | crc32 u32 | body``, the body being the record
    as JSON (UTF-8, keys sorted). Append it with ONE ``append()`` call."""
    body = json.dumps(record, sort_keys=True).encode()
    return HEADER.pack(len(body), zlib.crc32(body)) + body


def read_log(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The records of a log file's bytes, and the length of the valid prefix they take. Stops at the
    first record that is cut short, fails its CRC or is not a JSON object (a torn tail)."""
    records: list[dict[str, Any]] = []
    offset = 0
    while offset + HEADER.size <= len(data):
        length, crc = HEADER.unpack_from(data, offset)
        body = data[offset + HEADER.size:offset + HEADER.size + length]
        if len(body) < length or zlib.crc32(body) != crc:
            break
        try:
            record = json.loads(body)
        except ValueError:
            break
        if not isinstance(record, dict):
            break
        records.append(record)
        offset += HEADER.size + length
    return records, offset


# -- yours: the primary ------------------------------------------------------------------------------

class Primary:
    """A MySQL primary reduced to its two logs and the committed data.

    ``order`` is how ``commit`` writes the two logs (each record is one ``append`` of a ``frame``):

    - ``"two_phase"`` (InnoDB with the binlog on): redo ``prepare`` record with the changes, sync
      the redo log; binlog event, sync the binlog; redo ``commit`` record, no sync.
    - ``"redo_first"``: redo ``commit`` record with the changes, sync; binlog event, sync.
    - ``"binlog_first"``: binlog event, sync; redo ``commit`` record with the changes, sync.
    """

    recovered: dict[int, str]  # txn -> "committed" | "rolled_back": what recovery decided for prepared txns

    def __init__(self, storage: Storage, order: str = "two_phase") -> None:
        """Open both logs and recover: drop (truncate) a torn tail of each, rebuild the committed data
        from the redo log, and decide every transaction found prepared but neither committed nor rolled
        back: commit it if the binlog holds its event, else roll it back; write that decision to the redo
        log as a commit or rollback record, and sync. ValueError for an unknown order."""
        raise NotImplementedError

    def commit(self, txn: int, changes: dict[str, str]) -> None:
        """Commit transaction ``txn`` (its changes: key -> new value) to both logs in this primary's
        order, then apply it to the data. When it returns, no crash may lose it.

        Raises (before anything is written):
            TypeError: txn not an int (a bool neither), changes not a dict of str to str.
            ValueError: txn below 1 or already in the redo log; no change; a key of 0 or more than 64
                characters, a value of more than 256.
        """
        raise NotImplementedError

    def get(self, key: str) -> str | None:
        """The committed value of ``key``, or None."""
        raise NotImplementedError

    def data(self) -> dict[str, str]:
        """A copy of the committed data."""
        raise NotImplementedError

    def close(self) -> None:
        """Close both log files."""
        raise NotImplementedError
