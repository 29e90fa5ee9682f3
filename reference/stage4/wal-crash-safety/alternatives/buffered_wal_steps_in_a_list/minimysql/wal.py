"""WAL and WalStore, written differently from the reference.

The log keeps appended frames in a memory buffer and writes them with one write per flush.
Transactions log nothing until they commit (redo-only, no-steal): commit appends begin,
updates and commit in one go and flushes once. Recovery is two passes: find the committed
transactions, then redo their updates in log order. Snapshots carry JSON payloads.
"""

from __future__ import annotations

import json
import struct
import zlib

from minimysql.storage import File, Storage

KINDS = {"begin": 1, "update": 2, "commit": 3, "abort": 4, "checkpoint": 5}
CODES = {v: k for k, v in KINDS.items()}
MAX_PAYLOAD = 2 << 20
MAX_KEY_BYTES = 1024
MAX_VALUE_BYTES = 1 << 20
HEAD = 8
FIXED = 17

Record = tuple[int, int, str, bytes]


class WalError(Exception):
    pass


def _frame(lsn: int, txn: int, kind: str, payload: bytes) -> bytes:
    body = lsn.to_bytes(8, "little") + txn.to_bytes(8, "little") + bytes([KINDS[kind]]) + payload
    return len(body).to_bytes(4, "little") + zlib.crc32(body).to_bytes(4, "little") + body


def _scan(blob: bytes) -> tuple[list[Record], int]:
    out: list[Record] = []
    pos = 0
    expect: int | None = None
    while True:
        head = blob[pos:pos + HEAD]
        if len(head) < HEAD:
            return out, pos
        length = int.from_bytes(head[:4], "little")
        if not FIXED <= length <= FIXED + MAX_PAYLOAD:
            return out, pos
        body = blob[pos + HEAD:pos + HEAD + length]
        if len(body) < length or zlib.crc32(body) != int.from_bytes(head[4:], "little"):
            return out, pos
        lsn = int.from_bytes(body[:8], "little")
        kind = CODES.get(body[16])
        if kind is None or lsn < 1 or (expect is not None and lsn != expect):
            return out, pos
        out.append((lsn, int.from_bytes(body[8:16], "little"), kind, bytes(body[FIXED:])))
        expect = lsn + 1
        pos += HEAD + length


class WAL:
    def __init__(self, storage: Storage, name: str = "wal.log") -> None:
        self._f: File = storage.open(name)
        total = self._f.size()
        found, good = _scan(self._f.read_at(0, total))
        self.dropped_bytes = total - good
        if good < total:
            self._f.truncate(good)
        self._f.sync()
        self._written = good  # bytes in the file
        self._buffer = bytearray()  # appended, not yet written
        self._next = found[-1][0] + 1 if found else 1
        self._synced = self._next - 1

    @property
    def last_lsn(self) -> int:
        return self._next - 1

    @property
    def durable_lsn(self) -> int:
        return self._synced

    def append(self, txn: int, kind: str, payload: bytes = b"") -> int:
        if isinstance(txn, bool) or not isinstance(txn, int):
            raise TypeError("txn must be an int")
        if not isinstance(payload, bytes):
            raise TypeError("payload must be bytes")
        if txn < 0:
            raise ValueError("txn must be >= 0")
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        if len(payload) > MAX_PAYLOAD:
            raise ValueError("payload too large")
        lsn = self._next
        self._buffer += _frame(lsn, txn, kind, payload)
        self._next += 1
        return lsn

    def flush(self, upto: int | None = None) -> None:
        target = self.last_lsn if upto is None else upto
        if isinstance(target, bool) or not isinstance(target, int):
            raise TypeError("upto must be an int")
        if target < 0 or target > self.last_lsn:
            raise ValueError(f"upto {target} is outside 0..{self.last_lsn}")
        if target <= self._synced:
            return
        if self._buffer:
            self._f.write_at(self._written, bytes(self._buffer))
            self._written += len(self._buffer)
            self._buffer.clear()
        self._f.sync()
        self._synced = self.last_lsn

    def records(self) -> list[Record]:
        found, _ = _scan(self._f.read_at(0, self._written) + bytes(self._buffer))
        return found

    def reset(self) -> int:
        lsn = self._next
        blob = _frame(lsn, 0, "checkpoint", b"")
        self._buffer.clear()
        self._f.truncate(0)
        self._f.write_at(0, blob)
        self._f.sync()
        self._written = len(blob)
        self._next = lsn + 1
        self._synced = lsn
        return lsn

    def close(self) -> None:
        self._f.close()


def _valid_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError("key must be a str")
    try:
        n = len(key.encode())
    except UnicodeEncodeError:
        raise ValueError("key is not valid UTF-8") from None
    if n == 0 or n > MAX_KEY_BYTES:
        raise ValueError(f"key must have 1..{MAX_KEY_BYTES} UTF-8 bytes")
    return key


def _valid_value(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError("value must be bytes")
    if len(value) > MAX_VALUE_BYTES:
        raise ValueError("value too large")
    return value


SNAPSHOTS = ("snapshot-a", "snapshot-b")


def _pack_snapshot(seq: int, data: dict[str, bytes]) -> bytes:
    body = json.dumps({"seq": seq, "data": {k: v.hex() for k, v in data.items()}}).encode()
    return body + struct.pack("<I", zlib.crc32(body)) + b"END!"


def _unpack_snapshot(blob: bytes) -> tuple[int, dict[str, bytes]] | None:
    if len(blob) < 8 or not blob.endswith(b"END!"):
        return None
    body, (crc,) = blob[:-8], struct.unpack("<I", blob[-8:-4])
    if zlib.crc32(body) != crc:
        return None
    doc = json.loads(body)
    return doc["seq"], {k: bytes.fromhex(v) for k, v in doc["data"].items()}


class Transaction:
    def __init__(self, store: WalStore, ident: int) -> None:
        self.id = ident
        self._store: WalStore | None = store
        self._changes: dict[str, bytes | None] = {}

    def _live(self) -> WalStore:
        if self._store is None:
            raise WalError("transaction finished")
        return self._store

    def put(self, key: str, value: bytes) -> None:
        self._live()
        self._changes[_valid_key(key)] = _valid_value(value)

    def delete(self, key: str) -> None:
        self._live()
        self._changes[_valid_key(key)] = None

    def get(self, key: str) -> bytes | None:
        store = self._live()
        _valid_key(key)
        return self._changes[key] if key in self._changes else store._rows.get(key)

    def commit(self) -> None:
        store = self._live()
        log = store._log
        log.append(self.id, "begin")
        for key, value in self._changes.items():
            doc = {"k": key, "v": None if value is None else value.hex()}
            log.append(self.id, "update", json.dumps(doc).encode())
        log.flush(log.append(self.id, "commit"))
        for key, value in self._changes.items():
            if value is None:
                store._rows.pop(key, None)
            else:
                store._rows[key] = value
        self._end()

    def abort(self) -> None:
        self._live()
        self._end()  # nothing was logged: nothing to undo

    def _end(self) -> None:
        assert self._store is not None
        self._store._writer = None
        self._store = None


class WalStore:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._log = WAL(storage)
        self._seq, self._rows = 0, {}
        for name in SNAPSHOTS:
            if storage.exists(name):
                f = storage.open(name)
                snap = _unpack_snapshot(f.read_at(0, f.size()))
                f.close()
                if snap is not None and snap[0] > self._seq:
                    self._seq, self._rows = snap
        records = self._log.records()
        winners = {txn for _, txn, kind, _ in records if kind == "commit"}
        for _, txn, kind, payload in records:
            if kind == "update" and txn in winners:
                doc = json.loads(payload)
                if doc["v"] is None:
                    self._rows.pop(doc["k"], None)
                else:
                    self._rows[doc["k"]] = bytes.fromhex(doc["v"])
        self._ids = max((txn for _, txn, _, _ in records), default=0) + 1
        self._writer: Transaction | None = None
        self._open = True

    def _check(self) -> None:
        if not self._open:
            raise WalError("store closed")

    def begin(self) -> Transaction:
        self._check()
        if self._writer is not None:
            raise WalError("another transaction is active")
        self._writer = Transaction(self, self._ids)
        self._ids += 1
        return self._writer

    def get(self, key: str) -> bytes | None:
        self._check()
        return self._rows.get(_valid_key(key))

    def keys(self) -> list[str]:
        self._check()
        return sorted(self._rows)

    def checkpoint(self) -> None:
        self._check()
        if self._writer is not None:
            raise WalError("a transaction is active")
        self._log.flush()
        seq = self._seq + 1
        blob = _pack_snapshot(seq, self._rows)
        f = self._storage.open(SNAPSHOTS[seq % 2])
        f.truncate(0)
        f.write_at(0, blob)
        f.sync()
        f.close()
        self._seq = seq
        self._log.reset()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._writer = None
            self._log.close()
