"""Public sample tests for minimysql.wal. The grader checks much more than this."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from minimysql.storage import OsStorage
from minimysql.wal import WAL, WalError, WalStore


def test_append_numbers_records_from_one(tmp_path: Path) -> None:
    wal = WAL(OsStorage(tmp_path))
    assert wal.append(1, "begin") == 1
    assert wal.append(1, "update", b"payload") == 2
    assert wal.append(1, "commit") == 3
    assert wal.records() == [(1, 1, "begin", b""), (2, 1, "update", b"payload"), (3, 1, "commit", b"")]
    assert wal.durable_lsn == 0  # nothing synced yet
    wal.flush()
    assert wal.durable_lsn == 3


def test_record_bytes_follow_the_format(tmp_path: Path) -> None:
    wal = WAL(OsStorage(tmp_path))
    wal.append(7, "update", b"hi")
    wal.flush()
    wal.close()
    body = struct.pack("<QQB", 1, 7, 2) + b"hi"
    assert (tmp_path / "wal.log").read_bytes() == struct.pack("<II", len(body), zlib.crc32(body)) + body


def test_reopen_continues_lsns_and_drops_a_torn_tail(tmp_path: Path) -> None:
    wal = WAL(OsStorage(tmp_path))
    for _ in range(3):
        wal.append(1, "update", b"x" * 10)
    wal.flush()
    wal.close()
    with open(tmp_path / "wal.log", "ab") as f:
        f.write(b"\x30\x00\x00\x00garbage")  # half a record: a crash during the write
    wal = WAL(OsStorage(tmp_path))
    assert wal.dropped_bytes == 11
    assert [r[0] for r in wal.records()] == [1, 2, 3]
    assert wal.append(2, "commit") == 4


def test_store_commit_abort_and_recovery(tmp_path: Path) -> None:
    store = WalStore(OsStorage(tmp_path))
    txn = store.begin()
    txn.put("a", b"1")
    assert txn.get("a") == b"1" and store.get("a") is None
    txn.commit()
    txn = store.begin()
    txn.put("a", b"lost")
    txn.abort()
    txn = store.begin()
    txn.put("b", b"never committed")
    # no commit: reopening, as after a crash, must not show b
    store = WalStore(OsStorage(tmp_path))
    assert store.get("a") == b"1"
    assert store.keys() == ["a"]


def test_checkpoint_then_reopen(tmp_path: Path) -> None:
    store = WalStore(OsStorage(tmp_path))
    for i in range(10):
        txn = store.begin()
        txn.put(f"k{i}", str(i).encode())
        txn.commit()
    store.checkpoint()
    assert (tmp_path / "wal.log").stat().st_size <= 64
    store.close()
    store = WalStore(OsStorage(tmp_path))
    assert store.keys() == [f"k{i}" for i in range(10)]


def test_misuse_and_bad_input(tmp_path: Path) -> None:
    store = WalStore(OsStorage(tmp_path))
    txn = store.begin()
    with pytest.raises(WalError):
        store.begin()  # one writer at a time
    with pytest.raises(TypeError):
        txn.put("k", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        txn.put("", b"v")
    txn.commit()
    with pytest.raises(WalError):
        txn.put("k", b"v")  # finished
