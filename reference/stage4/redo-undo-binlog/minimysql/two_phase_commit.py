"""InnoDB's redo log and the server's binlog, kept consistent by a two-phase commit (simulated).

A MySQL primary writes every transaction to two logs: InnoDB's redo log (``redo.log``), which
crash recovery replays, and the server's binlog (``binlog.log``), which replicas replay and
point-in-time recovery restores from. ``Primary`` commits a transaction to both, in one of three
orders, and recovers after a crash. The README has the rules; ``frame`` and ``read_log`` are given.
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


# -- the primary --------------------------------------------------------------------------------------

def _check_commit(txn: object, changes: object) -> dict[str, str]:
    if type(txn) is not int:
        raise TypeError(f"txn must be an int, not {type(txn).__name__}")
    if txn < 1:
        raise ValueError(f"txn must be at least 1, not {txn}")
    if type(changes) is not dict:
        raise TypeError(f"changes must be a dict, not {type(changes).__name__}")
    if not changes:
        raise ValueError("a transaction changes at least one key")
    for key, value in changes.items():
        if type(key) is not str or type(value) is not str:
            raise TypeError("changes map str keys to str values")
        if not 1 <= len(key) <= MAX_KEY or len(value) > MAX_VALUE:
            raise ValueError(f"keys are 1 to {MAX_KEY} characters, values at most {MAX_VALUE}")
    return dict(changes)


def _open(storage: Storage, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """Open a log, drop a torn tail (truncate and sync), return the file and its records."""
    file = storage.open(name)
    data = file.read_at(0, file.size())
    records, good = read_log(data)
    if good < len(data):
        file.truncate(good)
        file.sync()
    return file, records


class Primary:
    """A MySQL primary reduced to its two logs and the committed data."""

    def __init__(self, storage: Storage, order: str = "two_phase") -> None:
        if order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
        self.order = order
        self._binlog, events = _open(storage, BINLOG)
        self._redo, records = _open(storage, REDO_LOG)
        in_binlog = {event.get("txn") for event in events}
        self._data: dict[str, str] = {}
        self._used: set[int] = set()
        self.recovered: dict[int, str] = {}
        prepared: dict[int, dict[str, str]] = {}
        for record in records:
            txn = record["txn"]
            self._used.add(txn)
            if record["type"] == "prepare":
                prepared[txn] = record["changes"]
            elif record["type"] == "commit":
                self._data.update(record.get("changes") or prepared.pop(txn, {}))
            else:  # rollback
                prepared.pop(txn, None)
        for txn, changes in prepared.items():  # prepared, never committed nor rolled back
            if txn in in_binlog:  # the binlog decides: replicas will apply it, so must we
                self._data.update(changes)
                self._redo.append(frame({"type": "commit", "txn": txn}))
                self.recovered[txn] = "committed"
            else:
                self._redo.append(frame({"type": "rollback", "txn": txn}))
                self.recovered[txn] = "rolled_back"
        if prepared:
            self._redo.sync()

    def commit(self, txn: int, changes: dict[str, str]) -> None:
        changes = _check_commit(txn, changes)
        if txn in self._used:
            raise ValueError(f"transaction {txn} is already in the redo log")
        self._used.add(txn)
        event = frame({"txn": txn, "changes": changes})
        if self.order == "two_phase":
            self._redo.append(frame({"type": "prepare", "txn": txn, "changes": changes}))
            self._redo.sync()
            self._binlog.append(event)
            self._binlog.sync()
            self._redo.append(frame({"type": "commit", "txn": txn}))  # no sync: the binlog already decides
        elif self.order == "redo_first":
            self._redo.append(frame({"type": "commit", "txn": txn, "changes": changes}))
            self._redo.sync()
            self._binlog.append(event)
            self._binlog.sync()
        else:
            self._binlog.append(event)
            self._binlog.sync()
            self._redo.append(frame({"type": "commit", "txn": txn, "changes": changes}))
            self._redo.sync()
        self._data.update(changes)

    def get(self, key: str) -> str | None:
        return self._data.get(key)

    def data(self) -> dict[str, str]:
        return dict(self._data)

    def close(self) -> None:
        self._redo.close()
        self._binlog.close()
