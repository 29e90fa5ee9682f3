"""Storages the Stage 4 graders hand to the learner's code (see minimysql/storage.py for the rules).

``MemoryStorage`` keeps each file as the bytes a reader sees now plus the writes made since its
last ``sync()``, and counts every operation: graders count page reads of a B+Tree lookup, or
check that a commit was synced before it was acknowledged. ``power_cut()`` is a crash: each file
keeps its synced bytes plus a seeded prefix of the writes that followed (the last one maybe
torn), which is what a disk with a volatile cache leaves behind. ``PowerCut`` raised at the n-th
write turns any workload into a crash at a chosen point: deterministic, and cheap enough to try
dozens of points per check.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


class PowerCut(BaseException):
    """The power went out during a write. BaseException, so ``except Exception`` cannot swallow it."""


@dataclass
class Counts:
    reads: int = 0
    read_bytes: int = 0
    writes: int = 0
    written_bytes: int = 0
    syncs: int = 0
    truncates: int = 0


@dataclass
class _Pending:
    kind: str  # "write" or "truncate"
    offset: int
    data: bytes = b""


@dataclass
class _Data:
    durable: bytearray = field(default_factory=bytearray)
    current: bytearray = field(default_factory=bytearray)
    pending: list[_Pending] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def _apply(buf: bytearray, op: _Pending) -> None:
    if op.kind == "truncate":
        del buf[op.offset:]
        return
    end = op.offset + len(op.data)
    if end > len(buf):
        buf.extend(bytes(end - len(buf)))
    buf[op.offset:end] = op.data


class MemoryFile:
    def __init__(self, storage: MemoryStorage, name: str) -> None:
        self._storage = storage
        self._name = name
        self._closed = False

    @property
    def _data(self) -> _Data:
        if self._closed:
            raise ValueError(f"{self._name} is closed")
        return self._storage._files[self._name]

    def read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0:
            raise ValueError("offset and size must not be negative")
        data = self._data
        data.counts.reads += 1
        chunk = bytes(data.current[offset:offset + size])
        data.counts.read_bytes += len(chunk)
        return chunk

    def write_at(self, offset: int, data: bytes) -> None:
        if offset < 0:
            raise ValueError("offset must not be negative")
        self._write(_Pending("write", offset, bytes(data)))

    def append(self, data: bytes) -> int:
        offset = len(self._data.current)
        self._write(_Pending("write", offset, bytes(data)))
        return offset

    def _write(self, op: _Pending) -> None:
        data = self._data
        self._storage._before_write(self._name, op)
        data.counts.writes += 1
        data.counts.written_bytes += len(op.data)
        data.pending.append(op)
        _apply(data.current, op)

    def size(self) -> int:
        return len(self._data.current)

    def truncate(self, size: int) -> None:
        data = self._data
        data.counts.truncates += 1
        op = _Pending("truncate", size)
        data.pending.append(op)
        _apply(data.current, op)

    def sync(self) -> None:
        data = self._data
        data.counts.syncs += 1
        data.durable = bytearray(data.current)
        data.pending.clear()

    def close(self) -> None:
        self._closed = True


class MemoryStorage:
    """Files in memory with crash semantics; ``cut_after_writes=n`` cuts the power at the n-th write
    (counted over all files, from 1), after a seeded part of that write reached the file."""

    def __init__(self, *, seed: int = 0, cut_after_writes: int | None = None) -> None:
        self._files: dict[str, _Data] = {}
        self._rng = random.Random(seed)
        self.cut_after_writes = cut_after_writes
        self.total_writes = 0
        self.cut = False

    # -- the Storage protocol ----------------------------------------------------------------
    def open(self, name: str) -> MemoryFile:
        if not name or "/" in name:
            raise ValueError(f"a storage file name is one plain name, not {name!r}")
        self._files.setdefault(name, _Data())
        return MemoryFile(self, name)

    def exists(self, name: str) -> bool:
        return name in self._files

    def remove(self, name: str) -> None:
        self._files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._files)

    # -- what graders use -------------------------------------------------------------------------
    def _before_write(self, name: str, op: _Pending) -> None:
        if self.cut:
            raise PowerCut("the power is already out")
        self.total_writes += 1
        if self.cut_after_writes is not None and self.total_writes >= self.cut_after_writes:
            torn = _Pending("write", op.offset, op.data[: self._rng.randint(0, len(op.data))])
            data = self._files[name]
            data.pending.append(torn)
            _apply(data.current, torn)
            self.cut = True
            raise PowerCut(f"power cut during write {self.total_writes} (to {name})")

    def counts(self, name: str | None = None) -> dict[str, int]:
        """Operation counts of one file, or summed over all files."""
        chosen = [self._files[name]] if name is not None else list(self._files.values())
        keys = Counts.__dataclass_fields__
        return {key: sum(getattr(d.counts, key) for d in chosen) for key in keys}

    def reset_counts(self) -> None:
        for data in self._files.values():
            data.counts = Counts()

    def unsynced(self, name: str) -> int:
        """How many writes to ``name`` a crash now could lose."""
        return len(self._files[name].pending) if name in self._files else 0

    def power_cut(self) -> MemoryStorage:
        """The storage a restart after a crash finds: per file, the synced bytes plus a seeded
        prefix of the later writes (the last of them possibly torn). Counts start from zero."""
        after = MemoryStorage(seed=self._rng.randrange(1 << 30))
        for name, data in self._files.items():
            survivor = bytearray(data.durable)
            kept = self._rng.randint(0, len(data.pending))
            for index, op in enumerate(data.pending[:kept]):
                if index == kept - 1 and op.kind == "write" and op.data:
                    op = _Pending("write", op.offset, op.data[: self._rng.randint(1, len(op.data))])
                _apply(survivor, op)
            after._files[name] = _Data(durable=bytearray(survivor), current=bytearray(survivor))
        return after

    def snapshot(self) -> dict[str, bytes]:
        """What every file holds now (for graders that corrupt or compare files)."""
        return {name: bytes(data.current) for name, data in self._files.items()}

    def corrupt(self, name: str, offset: int, flip: int = 0xFF) -> None:
        """Flip bits of one byte of ``name`` as bit rot would, durably."""
        data = self._files[name]
        for buf in (data.current, data.durable):
            if offset < len(buf):
                buf[offset] ^= flip
