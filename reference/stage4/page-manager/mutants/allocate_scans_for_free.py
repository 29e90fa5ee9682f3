"""MUTANT: allocate() finds a free page by reading every page of the file

The free list is still kept, but allocate() looks for a free page by scanning the pages for the
free marker: one storage read per page, O(n) in the size of the file.
"""

from __future__ import annotations

import struct
import zlib

from minimysql.storage import File, Storage


class PagerError(Exception):
    """Unknown or freed page, data too large, bad arguments, or a file that is not a pager file."""


class CorruptPage(PagerError):
    """A page whose checksum does not match what is stored: it is never returned as data."""


MAGIC = b"MMPAGER1"
META_MAX = 64
SLOT_SIZE = 256
SLOTS = (0, SLOT_SIZE)  # both slots fit in page 0 for every allowed page size (>= 512)
# magic, page size, sequence number, pages in the file (page 0 included), free head, free count, meta length
SLOT_FIELDS = struct.Struct("<8sIQIIIH")
PAGE_HEADER = struct.Struct("<IB3x")  # crc32, kind
KIND_DATA = 1
KIND_FREE = 2
NEXT_FREE = struct.Struct("<I")
MIN_PAGE, MAX_PAGE = 512, 65536


def _check_id_type(page_id: object) -> int:
    if type(page_id) is not int:
        raise PagerError(f"a page id is an int, not {type(page_id).__name__} {page_id!r}")
    return page_id


def _as_bytes(data: object, what: str) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise PagerError(f"{what} must be bytes, not {type(data).__name__}")
    return bytes(data)


class Pager:
    """Pages of ``page_size`` bytes in the storage file ``name``; page 0 is the pager's header."""

    def __init__(self, storage: Storage, name: str = "data.db", *, page_size: int = 4096) -> None:
        if type(page_size) is not int or not MIN_PAGE <= page_size <= MAX_PAGE or page_size & (page_size - 1):
            raise PagerError(f"page_size must be a power of two from {MIN_PAGE} to {MAX_PAGE}, got {page_size!r}")
        self.page_size = page_size
        self.payload_size = page_size - PAGE_HEADER.size
        self._name = name
        self._reads = 0
        self._writes = 0
        self._closed = False
        self._file: File = storage.open(name)
        self._seq = 0
        self._total = 1  # pages in the file, page 0 included
        self._meta = b""
        self._free: list[int] = []  # the free stack, head last
        self._free_set: set[int] = set()
        if self._file.size() == 0:
            self._write_header()
            self._file.sync()
        else:
            self._load()

    # -- the header ---------------------------------------------------------------------------------
    def _load(self) -> None:
        raw = self._read_at(0, 2 * SLOT_SIZE)
        best: tuple[int, int, int, int, int, bytes] | None = None
        sizes = set()
        for offset in SLOTS:
            slot = raw[offset:offset + SLOT_SIZE]
            if len(slot) < SLOT_SIZE or zlib.crc32(slot[:-4]) != int.from_bytes(slot[-4:], "little"):
                continue
            magic, size, seq, total, head, count, meta_len = SLOT_FIELDS.unpack_from(slot)
            if magic != MAGIC or meta_len > META_MAX:
                continue
            sizes.add(size)
            meta = slot[SLOT_FIELDS.size:SLOT_FIELDS.size + meta_len]
            if size == self.page_size and (best is None or seq > best[0]):
                best = (seq, total, head, count, meta_len, meta)
        if best is None:
            if sizes:
                raise PagerError(f"{self._name} has pages of {max(sizes)} bytes, not page_size={self.page_size}")
            raise PagerError(f"{self._name} is not a pager file (no valid header in page 0)")
        self._seq, self._total, head, count, _, self._meta = best
        self._load_free_list(head, count)

    def _load_free_list(self, head: int, count: int) -> None:
        # A crash after the last sync may have reused a freed page: the chain ends at the first page
        # that is no longer a valid free page (the rest leak, which is safe; handing out a live page is not).
        chain: list[int] = []
        page_id = head
        while page_id and len(chain) < count and 0 < page_id < self._total and page_id not in self._free_set:
            try:
                kind, payload = self._read_page(page_id)
            except CorruptPage:
                break
            if kind != KIND_FREE:
                break
            chain.append(page_id)
            self._free_set.add(page_id)
            page_id = NEXT_FREE.unpack_from(payload)[0]
        self._free = chain[::-1]

    def _write_header(self) -> None:
        self._seq += 1
        head = self._free[-1] if self._free else 0
        fields = SLOT_FIELDS.pack(MAGIC, self.page_size, self._seq, self._total, head, len(self._free),
                                  len(self._meta))
        body = (fields + self._meta).ljust(SLOT_SIZE - 4, b"\0")
        self._write_at(SLOTS[self._seq % 2], body + zlib.crc32(body).to_bytes(4, "little"))

    # -- raw I/O, counted ---------------------------------------------------------------------------
    def _read_at(self, offset: int, size: int) -> bytes:
        self._reads += 1
        return self._file.read_at(offset, size)

    def _write_at(self, offset: int, data: bytes) -> None:
        self._writes += 1
        self._file.write_at(offset, data)

    def _checksum(self, page_id: int, body: bytes) -> int:
        return zlib.crc32(body, zlib.crc32(page_id.to_bytes(8, "little")))

    def _read_page(self, page_id: int) -> tuple[int, bytes]:
        raw = self._read_at(page_id * self.page_size, self.page_size)
        if len(raw) != self.page_size:
            raise CorruptPage(f"page {page_id} is incomplete on storage ({len(raw)} of {self.page_size} bytes)")
        crc, kind = PAGE_HEADER.unpack_from(raw)
        if crc != self._checksum(page_id, raw[4:]):
            raise CorruptPage(f"page {page_id} failed its checksum: torn, overwritten or bit-rotted")
        return kind, raw[PAGE_HEADER.size:]

    def _write_page(self, page_id: int, kind: int, payload: bytes) -> None:
        body = PAGE_HEADER.pack(0, kind)[4:] + payload.ljust(self.payload_size, b"\0")
        self._write_at(page_id * self.page_size, self._checksum(page_id, body).to_bytes(4, "little") + body)

    # -- checks -------------------------------------------------------------------------------------
    def _open(self) -> None:
        if self._closed:
            raise PagerError("the pager is closed")

    def _live(self, page_id: object) -> int:
        self._open()
        page_id = _check_id_type(page_id)
        if page_id == 0:
            raise PagerError("page 0 is the pager's header, not a data page")
        if not 0 < page_id < self._total:
            raise PagerError(f"page {page_id} does not exist (pages are 1..{self._total - 1})")
        if page_id in self._free_set:
            raise PagerError(f"page {page_id} is free")
        return page_id

    # -- the API ------------------------------------------------------------------------------------
    def allocate(self) -> int:
        self._open()
        found = 0
        for candidate in range(1, self._total):
            try:
                kind, _ = self._read_page(candidate)
            except CorruptPage:
                continue
            if kind == KIND_FREE and candidate in self._free_set:
                found = candidate
                break
        if found:
            page_id = found
            self._free.remove(page_id)
            self._free_set.discard(page_id)
        else:
            page_id = self._total
            self._total += 1
        self._write_page(page_id, KIND_DATA, b"")
        return page_id

    def read(self, page_id: int) -> bytes:
        page_id = self._live(page_id)
        kind, payload = self._read_page(page_id)
        if kind != KIND_DATA:
            raise CorruptPage(f"page {page_id} holds no data page (kind {kind})")
        return payload

    def write(self, page_id: int, data: bytes) -> None:
        page_id = self._live(page_id)
        data = _as_bytes(data, "page data")
        if len(data) > self.payload_size:
            raise PagerError(f"{len(data)} bytes do not fit in a page of {self.payload_size} payload bytes")
        self._write_page(page_id, KIND_DATA, data)

    def free(self, page_id: int) -> None:
        page_id = self._live(page_id)
        head = self._free[-1] if self._free else 0
        self._write_page(page_id, KIND_FREE, NEXT_FREE.pack(head))
        self._free.append(page_id)
        self._free_set.add(page_id)

    def get_meta(self) -> bytes:
        self._open()
        return self._meta

    def set_meta(self, data: bytes) -> None:
        self._open()
        data = _as_bytes(data, "meta")
        if len(data) > META_MAX:
            raise PagerError(f"meta holds at most {META_MAX} bytes, got {len(data)}")
        self._meta = data

    def page_count(self) -> int:
        self._open()
        return self._total - 1 - len(self._free)

    def stats(self) -> dict[str, int]:
        return {"reads": self._reads, "writes": self._writes}

    def sync(self) -> None:
        self._open()
        self._file.sync()  # the pages first: the new header must never point at pages a crash can lose
        self._write_header()
        self._file.sync()

    def close(self) -> None:
        if self._closed:
            return
        self.sync()
        self._file.close()
        self._closed = True
