"""A MemoryStorage that also logs every file operation with its offset and size.

The page-manager grader checks where a pager's I/O lands ("read(7) is one read of page_size
bytes at 7 * page_size"), which operation counts alone cannot show. The log is plain tuples,
so the verdict is computed in the grader's process.
"""

from __future__ import annotations

from storage_support import MemoryFile, MemoryStorage

Op = tuple[str, str, int, int]  # (operation, file name, offset, size)


class TracingFile(MemoryFile):
    def __init__(self, storage: TracingStorage, name: str) -> None:
        super().__init__(storage, name)
        self._log = storage.log

    def read_at(self, offset: int, size: int) -> bytes:
        self._log.append(("read", self._name, offset, size))
        return super().read_at(offset, size)

    def write_at(self, offset: int, data: bytes) -> None:
        self._log.append(("write", self._name, offset, len(data)))
        super().write_at(offset, data)

    def append(self, data: bytes) -> int:
        self._log.append(("append", self._name, self.size(), len(data)))
        return super().append(data)

    def truncate(self, size: int) -> None:
        self._log.append(("truncate", self._name, size, 0))
        super().truncate(size)

    def sync(self) -> None:
        self._log.append(("sync", self._name, 0, 0))
        super().sync()


class TracingStorage(MemoryStorage):
    """MemoryStorage (counts, power cuts) whose files log every operation into ``log``."""

    def __init__(self, *, seed: int = 0, cut_after_writes: int | None = None) -> None:
        super().__init__(seed=seed, cut_after_writes=cut_after_writes)
        self.log: list[Op] = []

    def open(self, name: str) -> TracingFile:
        super().open(name)
        return TracingFile(self, name)

    def take_log(self) -> list[Op]:
        """The operations since the last call, oldest first."""
        taken, self.log[:] = list(self.log), []
        return taken

    def read_raw(self, name: str, offset: int, size: int) -> bytes:
        """What the file holds now, read without counting or logging (for graders that copy pages)."""
        return self.snapshot()[name][offset:offset + size]

    def write_raw(self, name: str, offset: int, data: bytes) -> None:
        """Overwrite bytes durably, as a misdirected write or a bad sector would, without logging."""
        MemoryStorage.open(self, name)  # creates the file if it does not exist yet
        for buf in (self._files[name].current, self._files[name].durable):
            end = offset + len(data)
            if end > len(buf):
                buf.extend(bytes(end - len(buf)))
            buf[offset:end] = data
