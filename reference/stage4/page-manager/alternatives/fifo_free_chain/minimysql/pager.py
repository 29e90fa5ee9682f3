"""A pager written differently: a trailer instead of a header, a FIFO free queue, and checked page ids.

Each page ends with a 12-byte trailer: the page's own id, its kind, and a CRC32 of everything
before the CRC. A page read at the wrong offset fails on the id even if its CRC is good. Freed
pages form a FIFO queue chained through the pages (the oldest freed id is handed out first):
free() writes the new page and relinks the old tail. Page 0 holds two header records written
alternately by sync(); the one with the higher generation and a good CRC wins on open.
"""

from __future__ import annotations

import zlib
from collections import deque

from minimysql.storage import File, Storage


class PagerError(Exception):
    """Unknown or freed page, data too large, bad arguments, or a file that is not a pager file."""


class CorruptPage(PagerError):
    """A page whose checksum does not match what is stored: it is never returned as data."""


TRAILER = 12  # page id (4), kind (1), unused (3), crc32 (4)
USED, FREE = 0x55, 0xAA
RECORD = 256
SIGNATURE = b"pager-alt/1\n"


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def _int(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


class Pager:
    def __init__(self, storage: Storage, name: str = "data.db", *, page_size: int = 4096) -> None:
        valid = isinstance(page_size, int) and not isinstance(page_size, bool) and 512 <= page_size <= 65536
        if not valid or bin(page_size).count("1") != 1:
            raise PagerError(f"bad page_size {page_size!r}: use a power of two between 512 and 65536")
        self.page_size = page_size
        self.payload_size = page_size - TRAILER
        self._counts = {"reads": 0, "writes": 0}
        self._file: File | None = storage.open(name)
        self._label = name
        self._generation = 0
        self._end = 1  # the first id never handed out
        self._meta = b""
        self._queue: deque[int] = deque()  # oldest freed first
        self._queued: set[int] = set()
        if self._file.size():
            self._open_existing()
        else:
            self._save_header()
            self._file.sync()

    # -- storage ----------------------------------------------------------------------------
    def _f(self) -> File:
        if self._file is None:
            raise PagerError("pager already closed")
        return self._file

    def _get(self, offset: int, size: int) -> bytes:
        self._counts["reads"] += 1
        return self._f().read_at(offset, size)

    def _put(self, offset: int, data: bytes) -> None:
        self._counts["writes"] += 1
        self._f().write_at(offset, data)

    def _image(self, page_id: int, kind: int, payload: bytes) -> bytes:
        head = payload + bytes(self.payload_size - len(payload)) + _u32(page_id) + bytes([kind, 0, 0, 0])
        return head + _u32(zlib.crc32(head))

    def _put_page(self, page_id: int, kind: int, payload: bytes) -> None:
        self._put(page_id * self.page_size, self._image(page_id, kind, payload))

    def _get_page(self, page_id: int) -> tuple[int, bytes]:
        image = self._get(page_id * self.page_size, self.page_size)
        if len(image) < self.page_size:
            raise CorruptPage(f"short page {page_id}: {len(image)} bytes")
        body, crc = image[:-4], _int(image[-4:])
        if zlib.crc32(body) != crc or _int(body[-8:-4]) != page_id:
            raise CorruptPage(f"checksum mismatch on page {page_id}")
        return body[-4], body[: self.payload_size]

    # -- header records -----------------------------------------------------------------------
    def _save_header(self) -> None:
        self._generation += 1
        head = self._queue[0] if self._queue else 0
        fields = (SIGNATURE + _u32(self.page_size) + self._generation.to_bytes(8, "big") + _u32(self._end)
                  + _u32(head) + _u32(len(self._queue)) + bytes([len(self._meta)]) + self._meta)
        fields += bytes(RECORD - 4 - len(fields))
        self._put((self._generation & 1) * RECORD, _u32(zlib.crc32(fields)) + fields)

    def _open_existing(self) -> None:
        raw = self._get(0, 2 * RECORD)
        records = []
        for start in (0, RECORD):
            rec = raw[start:start + RECORD]
            if len(rec) == RECORD and _int(rec[:4]) == zlib.crc32(rec[4:]) and rec[4:16] == SIGNATURE:
                records.append(rec[16:])
        if not records:
            raise PagerError(f"{self._label}: not a pager file")
        stored = {_int(r[:4]) for r in records}
        records = [r for r in records if _int(r[:4]) == self.page_size]
        if not records:
            raise PagerError(f"{self._label} was created with page_size={stored.pop()}, opened with {self.page_size}")
        rec = max(records, key=lambda r: _int(r[4:12]))
        self._generation, self._end = _int(rec[4:12]), _int(rec[12:16])
        head, count, size = _int(rec[16:20]), _int(rec[20:24]), rec[24]
        self._meta = rec[25:25 + size]
        # Follow the queue from the synced head for at most `count` pages; a crash may have reused a
        # page of it since that sync, so stop at anything that is not an intact free page.
        while head and len(self._queue) < count and head < self._end and head not in self._queued:
            try:
                kind, payload = self._get_page(head)
            except CorruptPage:
                break
            if kind != FREE:
                break
            self._queue.append(head)
            self._queued.add(head)
            head = _int(payload[:4])

    # -- validation ---------------------------------------------------------------------------
    def _valid(self, page_id: object) -> int:
        self._f()
        if not isinstance(page_id, int) or isinstance(page_id, bool):
            raise PagerError(f"page id must be an int: {page_id!r}")
        if page_id < 1 or page_id >= self._end:
            raise PagerError(f"no page {page_id}")
        if page_id in self._queued:
            raise PagerError(f"page {page_id} was freed")
        return page_id

    # -- API ----------------------------------------------------------------------------------
    def allocate(self) -> int:
        self._f()
        if self._queue:
            page_id = self._queue.popleft()
            self._queued.remove(page_id)
        else:
            page_id, self._end = self._end, self._end + 1
        self._put_page(page_id, USED, b"")
        return page_id

    def read(self, page_id: int) -> bytes:
        kind, payload = self._get_page(self._valid(page_id))
        if kind != USED:
            raise CorruptPage(f"page {page_id} is not a data page")
        return payload

    def write(self, page_id: int, data: bytes) -> None:
        page_id = self._valid(page_id)
        if not isinstance(data, bytes | bytearray):
            raise PagerError(f"data must be bytes, got {type(data).__name__}")
        if len(data) > self.payload_size:
            raise PagerError(f"data of {len(data)} bytes exceeds payload_size {self.payload_size}")
        self._put_page(page_id, USED, bytes(data))

    def free(self, page_id: int) -> None:
        page_id = self._valid(page_id)
        self._put_page(page_id, FREE, _u32(0))
        if self._queue:
            self._put_page(self._queue[-1], FREE, _u32(page_id))  # the old tail now points at the new one
        self._queue.append(page_id)
        self._queued.add(page_id)

    def get_meta(self) -> bytes:
        self._f()
        return self._meta

    def set_meta(self, data: bytes) -> None:
        self._f()
        if not isinstance(data, bytes | bytearray) or len(data) > 64:
            raise PagerError("meta must be at most 64 bytes")
        self._meta = bytes(data)

    def page_count(self) -> int:
        self._f()
        return self._end - 1 - len(self._queue)

    def stats(self) -> dict[str, int]:
        return dict(self._counts)

    def sync(self) -> None:
        file = self._f()
        file.sync()
        self._save_header()
        file.sync()

    def close(self) -> None:
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None
