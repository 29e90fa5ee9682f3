"""(Written another way: the orders as data, recovery as a small state machine.)

InnoDB's redo log and the server's binlog, kept consistent by a two-phase commit (simulated).

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


# -- the primary, with each order as a list of steps ---------------------------------------------------

Step = tuple[str, str, str]  # (file, "append" | "sync", record kind)
STEPS: dict[str, list[Step]] = {
    "two_phase": [("redo", "append", "prepare"), ("redo", "sync", ""), ("binlog", "append", "event"),
                  ("binlog", "sync", ""), ("redo", "append", "commit")],
    "redo_first": [("redo", "append", "commit+changes"), ("redo", "sync", ""), ("binlog", "append", "event"),
                   ("binlog", "sync", "")],
    "binlog_first": [("binlog", "append", "event"), ("binlog", "sync", ""), ("redo", "append", "commit+changes"),
                     ("redo", "sync", "")],
}


class Primary:
    def __init__(self, storage: Storage, order: str = "two_phase") -> None:
        if order not in STEPS:
            raise ValueError(f"unknown order {order!r}")
        self.order = order
        self.files = {"redo": storage.open(REDO_LOG), "binlog": storage.open(BINLOG)}
        logs = {}
        for name, file in self.files.items():
            raw = file.read_at(0, file.size())
            logs[name], whole = read_log(raw)
            if whole != len(raw):
                file.truncate(whole)
                file.sync()
        binlogged = {e["txn"] for e in logs["binlog"]}
        state: dict[int, str] = {}  # txn -> prepared | committed | rolled_back
        staged: dict[int, dict[str, str]] = {}
        self._data: dict[str, str] = {}
        for r in logs["redo"]:
            txn, kind = r["txn"], r["type"]
            if kind == "prepare":
                staged[txn] = r["changes"]
            elif kind == "commit":
                self._data.update(r.get("changes", staged.get(txn, {})))
            state[txn] = {"prepare": "prepared", "commit": "committed"}.get(kind, "rolled_back")
        self.recovered = {txn: ("committed" if txn in binlogged else "rolled_back")
                          for txn, now in state.items() if now == "prepared"}
        for txn, decision in self.recovered.items():
            if decision == "committed":
                self._data.update(staged[txn])
            self.files["redo"].append(frame({"type": "commit" if decision == "committed" else "rollback",
                                             "txn": txn}))
            state[txn] = decision
        if self.recovered:
            self.files["redo"].sync()
        self._used = set(state)

    def commit(self, txn: int, changes: dict[str, str]) -> None:
        if isinstance(txn, bool) or not isinstance(txn, int):
            raise TypeError("txn must be an int")
        if not isinstance(changes, dict) or not all(type(k) is str and type(v) is str for k, v in changes.items()):
            raise TypeError("changes must be a dict of str to str")
        if txn < 1 or txn in self._used or not changes:
            raise ValueError("txn must be a new id of at least 1, with at least one change")
        if any(not 0 < len(k) <= MAX_KEY or len(v) > MAX_VALUE for k, v in changes.items()):
            raise ValueError("key or value too long")
        records = {"prepare": {"type": "prepare", "txn": txn, "changes": changes},
                   "commit": {"type": "commit", "txn": txn},
                   "commit+changes": {"type": "commit", "txn": txn, "changes": changes},
                   "event": {"txn": txn, "changes": changes}}
        self._used.add(txn)
        for name, op, kind in STEPS[self.order]:
            if op == "append":
                self.files[name].append(frame(records[kind]))
            else:
                self.files[name].sync()
        self._data |= changes

    def get(self, key: str) -> str | None:
        return self._data.get(key)

    def data(self) -> dict[str, str]:
        return self._data.copy()

    def close(self) -> None:
        for file in self.files.values():
            file.close()
