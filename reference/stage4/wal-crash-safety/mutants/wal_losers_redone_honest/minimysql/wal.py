"""A write-ahead log and a small transactional key-value store that recovers from it.

The log is a file of length-prefixed records, each protected by a CRC32. The store logs every
change before it happens, makes the commit record durable before ``commit()`` returns, and
writes its data files only at a checkpoint, after the log is durable: a crash at any point
leaves a data file plus a log from which recovery rebuilds exactly the committed state.
"""

from __future__ import annotations

import struct
import zlib

from minimysql.storage import File, Storage

KINDS = {"begin": 1, "update": 2, "commit": 3, "abort": 4, "checkpoint": 5}
KIND_NAMES = {code: name for name, code in KINDS.items()}
FRAME = struct.Struct("<II")  # body length, crc32 of the body
BODY = struct.Struct("<QQB")  # lsn, transaction id, kind
MAX_PAYLOAD = 2 << 20
MAX_KEY_BYTES = 1024
MAX_VALUE_BYTES = 1 << 20

Record = tuple[int, int, str, bytes]


class WalError(Exception):
    """Misuse: a finished transaction, a second writer, a checkpoint during a transaction."""


def _check_int(name: str, value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def encode_record(lsn: int, txn: int, kind: str, payload: bytes) -> bytes:
    body = BODY.pack(lsn, txn, KINDS[kind]) + payload
    return FRAME.pack(len(body), zlib.crc32(body)) + body


def parse_records(data: bytes) -> tuple[list[Record], int]:
    """The whole valid records at the start of ``data`` and the offset where they end."""
    records: list[Record] = []
    offset = 0
    while offset + FRAME.size <= len(data):
        length, crc = FRAME.unpack_from(data, offset)
        start, end = offset + FRAME.size, offset + FRAME.size + length
        if length < BODY.size or length > BODY.size + MAX_PAYLOAD or end > len(data):
            break
        body = data[start:end]
        if zlib.crc32(body) != crc:
            break
        lsn, txn, code = BODY.unpack_from(body)
        if code not in KIND_NAMES or (records and lsn != records[-1][0] + 1) or lsn == 0:
            break  # a stale or foreign record: the log ends before it
        records.append((lsn, txn, KIND_NAMES[code], body[BODY.size:]))
        offset = end
    return records, offset


class WAL:
    """An append-only log of records ``(lsn, txn, kind, payload)``."""

    def __init__(self, storage: Storage, name: str = "wal.log") -> None:
        self._file: File = storage.open(name)
        size = self._file.size()
        records, end = parse_records(self._file.read_at(0, size))
        self.dropped_bytes = size - end
        if self.dropped_bytes:
            self._file.truncate(end)
        self._file.sync()  # what recovery acts on must be durable first
        self._end = end
        self._last_lsn = records[-1][0] if records else 0
        self._durable_lsn = self._last_lsn

    @property
    def last_lsn(self) -> int:
        return self._last_lsn

    @property
    def durable_lsn(self) -> int:
        return self._durable_lsn

    def append(self, txn: int, kind: str, payload: bytes = b"") -> int:
        _check_int("txn", txn)
        if txn < 0:
            raise ValueError(f"txn must not be negative, got {txn}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if type(payload) is not bytes:
            raise TypeError(f"payload must be bytes, got {type(payload).__name__}")
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"payload is {len(payload)} bytes, more than {MAX_PAYLOAD}")
        lsn = self._last_lsn + 1
        frame = encode_record(lsn, txn, kind, payload)
        self._file.write_at(self._end, frame)
        self._end += len(frame)
        self._last_lsn = lsn
        return lsn

    def flush(self, upto: int | None = None) -> None:
        if upto is None:
            upto = self._last_lsn
        _check_int("upto", upto)
        if not 0 <= upto <= self._last_lsn:
            raise ValueError(f"upto must be between 0 and the last LSN {self._last_lsn}, got {upto}")
        if upto <= self._durable_lsn:
            return
        self._file.sync()
        self._durable_lsn = self._last_lsn

    def records(self) -> list[Record]:
        records, _ = parse_records(self._file.read_at(0, self._end))
        return records

    def reset(self) -> int:
        """Drop every record; the log keeps one durable checkpoint record with the next LSN."""
        lsn = self._last_lsn + 1
        frame = encode_record(lsn, 0, "checkpoint", b"")
        self._file.truncate(0)
        self._file.write_at(0, frame)
        self._file.sync()
        self._end = len(frame)
        self._last_lsn = self._durable_lsn = lsn
        return lsn

    def close(self) -> None:
        self._file.close()


# -- the store ------------------------------------------------------------------------------

PUT, DELETE = 1, 2
CHANGE = struct.Struct("<BI")  # operation, key length; then the key, then the value of a put
IMAGE = struct.Struct("<4sQQI")  # magic, generation, body length, crc32 of the body
MAGIC = b"WKV1"
DATA_FILES = ("data.0", "data.1")


def check_key(key: object) -> str:
    if type(key) is not str:
        raise TypeError(f"key must be a str, got {type(key).__name__}")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("key must be valid UTF-8 text") from None
    if not 1 <= size <= MAX_KEY_BYTES:
        raise ValueError(f"key must be 1 to {MAX_KEY_BYTES} bytes of UTF-8, got {size}")
    return key


def check_value(value: object) -> bytes:
    if type(value) is not bytes:
        raise TypeError(f"value must be bytes, got {type(value).__name__}")
    if len(value) > MAX_VALUE_BYTES:
        raise ValueError(f"value must be at most {MAX_VALUE_BYTES} bytes, got {len(value)}")
    return value


def encode_change(key: str, value: bytes | None) -> bytes:
    raw = key.encode("utf-8")
    if value is None:
        return CHANGE.pack(DELETE, len(raw)) + raw
    return CHANGE.pack(PUT, len(raw)) + raw + value


def decode_change(payload: bytes) -> tuple[str, bytes | None]:
    op, size = CHANGE.unpack_from(payload)
    key = payload[CHANGE.size:CHANGE.size + size].decode("utf-8")
    return key, (payload[CHANGE.size + size:] if op == PUT else None)


def encode_image(generation: int, data: dict[str, bytes]) -> bytes:
    parts = []
    for key, value in data.items():
        raw = key.encode("utf-8")
        parts.append(struct.pack("<II", len(raw), len(value)) + raw + value)
    body = b"".join(parts)
    return IMAGE.pack(MAGIC, generation, len(body), zlib.crc32(body)) + body


def decode_image(blob: bytes) -> tuple[int, dict[str, bytes]] | None:
    if len(blob) < IMAGE.size:
        return None
    magic, generation, length, crc = IMAGE.unpack_from(blob)
    body = blob[IMAGE.size:IMAGE.size + length]
    if magic != MAGIC or len(body) != length or zlib.crc32(body) != crc:
        return None  # torn by a crash during its checkpoint: the other file is the good one
    data: dict[str, bytes] = {}
    offset = 0
    while offset < length:
        ksize, vsize = struct.unpack_from("<II", body, offset)
        offset += 8
        key = body[offset:offset + ksize].decode("utf-8")
        data[key] = body[offset + ksize:offset + ksize + vsize]
        offset += ksize + vsize
    return generation, data


class Transaction:
    """One writer transaction of a ``WalStore``: changes are logged as they are made."""

    def __init__(self, store: WalStore, txn_id: int) -> None:
        self._store = store
        self.id = txn_id
        self._writes: dict[str, bytes | None] = {}
        self._finished = False

    def _open(self) -> WalStore:
        if self._finished:
            raise WalError(f"transaction {self.id} is already finished")
        return self._store

    def put(self, key: str, value: bytes) -> None:
        store = self._open()
        check_key(key)
        check_value(value)
        store._wal.append(self.id, "update", encode_change(key, value))
        self._writes[key] = value

    def delete(self, key: str) -> None:
        store = self._open()
        check_key(key)
        store._wal.append(self.id, "update", encode_change(key, None))
        self._writes[key] = None

    def get(self, key: str) -> bytes | None:
        store = self._open()
        check_key(key)
        if key in self._writes:
            return self._writes[key]
        return store._data.get(key)

    def commit(self) -> None:
        store = self._open()
        lsn = store._wal.append(self.id, "commit")
        store._wal.flush(lsn)  # durable before anyone is told it committed
        for key, value in self._writes.items():
            if value is None:
                store._data.pop(key, None)
            else:
                store._data[key] = value
        self._finish()

    def abort(self) -> None:
        store = self._open()
        store._wal.append(self.id, "abort")
        self._finish()

    def _finish(self) -> None:
        self._finished = True
        self._store._active = None


class WalStore:
    """A transactional key-value store: ``wal.log`` plus two data files written at checkpoints."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._wal = WAL(storage, "wal.log")
        self._generation, self._data = self._load_data()
        self._active: Transaction | None = None
        self._closed = False
        self._next_txn = 1
        self._recover()

    def _load_data(self) -> tuple[int, dict[str, bytes]]:
        best: tuple[int, dict[str, bytes]] = (0, {})
        for name in DATA_FILES:
            if not self._storage.exists(name):
                continue
            file = self._storage.open(name)
            image = decode_image(file.read_at(0, file.size()))
            file.close()
            if image is not None and image[0] > best[0]:
                best = image
        return best

    def _recover(self) -> None:
        """Redo committed transactions in log order; losers are never applied, and get an abort record."""
        pending: dict[int, list[tuple[str, bytes | None]]] = {}
        highest = 0
        for _, txn, kind, payload in self._wal.records():
            highest = max(highest, txn)
            if kind == "begin":
                pending[txn] = []
            elif kind == "update":
                key, value = decode_change(payload)  # redo every logged change, committed or not
                if value is None:
                    self._data.pop(key, None)
                else:
                    self._data[key] = value
            elif kind == "commit":
                for key, value in pending.pop(txn, []):
                    if value is None:
                        self._data.pop(key, None)
                    else:
                        self._data[key] = value
            elif kind == "abort":
                pending.pop(txn, None)
        for txn in pending:
            self._wal.append(txn, "abort")
        if pending:
            self._wal.flush()
        self._next_txn = highest + 1

    def _usable(self) -> None:
        if self._closed:
            raise WalError("the store is closed")

    def begin(self) -> Transaction:
        self._usable()
        if self._active is not None:
            raise WalError(f"transaction {self._active.id} is still active: one writer at a time")
        txn = Transaction(self, self._next_txn)
        self._next_txn += 1
        self._wal.append(txn.id, "begin")
        self._active = txn
        return txn

    def get(self, key: str) -> bytes | None:
        self._usable()
        return self._data.get(check_key(key))

    def keys(self) -> list[str]:
        self._usable()
        return sorted(self._data)

    def checkpoint(self) -> None:
        self._usable()
        if self._active is not None:
            raise WalError(f"finish transaction {self._active.id} before a checkpoint")
        self._wal.flush()  # log before data
        generation = self._generation + 1
        image = encode_image(generation, self._data)
        file = self._storage.open(DATA_FILES[generation % 2])  # the older image: the newer one stays intact
        file.write_at(0, image)
        file.truncate(len(image))
        file.sync()  # the image is durable before the log that could rebuild it goes
        file.close()
        self._generation = generation
        self._wal.reset()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._active = None
            self._wal.close()
