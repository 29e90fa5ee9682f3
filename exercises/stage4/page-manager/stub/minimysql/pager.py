"""The pager: fixed-size pages in one storage file, with checksums, a free list and a crash-safe header.

Page ``i`` is the ``page_size`` bytes at offset ``i * page_size`` of the file. Page 0 is the
pager's own header (magic, page size, page count, free list, meta); every other page holds a
small header of your design (at most 32 bytes, with a checksum of the page id and every other
byte of the page) followed by ``payload_size`` bytes of data. All file I/O goes through the
``Storage`` given to the constructor (see ``storage.py``). The README has every rule.
"""

from __future__ import annotations

from minimysql.storage import Storage


class PagerError(Exception):
    """Unknown or freed page, data too large, bad arguments, a closed pager, or a file that is not a pager file."""


class CorruptPage(PagerError):
    """A page whose checksum does not match what is stored: it is never returned as data."""


class Pager:
    """Pages of ``page_size`` bytes in the storage file ``name``; page 0 is the pager's header."""

    page_size: int  # bytes per page on storage
    payload_size: int  # bytes of data per page: page_size minus your per-page header (at most 32 bytes)

    def __init__(self, storage: Storage, name: str = "data.db", *, page_size: int = 4096) -> None:
        """Open the pager file ``name`` of ``storage``, creating it if it is empty.

        An empty file gets a fresh header, written and synced before the constructor returns. A
        non-empty file must hold a valid header: otherwise raise PagerError (and write nothing).

        Raises:
            PagerError: page_size is not an int power of two from 512 to 65536; the file is not
                a pager file; the file's pages are of another size (the message names it).
        """
        raise NotImplementedError

    def allocate(self) -> int:
        """A page id >= 1, its page written as zeros. Freed ids are reused before the file grows;
        otherwise the id is the next after the highest ever allocated (1, 2, 3, ...)."""
        raise NotImplementedError

    def read(self, page_id: int) -> bytes:
        """Exactly ``payload_size`` bytes: one storage read of the whole page, checksum checked.

        Raises:
            CorruptPage: the page's checksum does not match (the message names the page).
            PagerError: ``page_id`` is not an int, is 0, was never allocated, or is free.
        """
        raise NotImplementedError

    def write(self, page_id: int, data: bytes) -> None:
        """Store ``data`` (at most ``payload_size`` bytes, zero-filled to payload_size) as the page:
        one storage write of the whole page, with its checksum.

        Raises:
            PagerError: a bad or free ``page_id``; ``data`` not bytes or longer than payload_size.
        """
        raise NotImplementedError

    def free(self, page_id: int) -> None:
        """Give the page back; its id will be handed out again by allocate().

        Raises:
            PagerError: page 0, an id never allocated, or a page already free (a double free).
        """
        raise NotImplementedError

    def get_meta(self) -> bytes:
        """The meta bytes (b"" for a new file): up to 64 bytes the layer above keeps with the file."""
        raise NotImplementedError

    def set_meta(self, data: bytes) -> None:
        """Replace the meta (kept in memory; written to the header by sync() and close()).

        Raises:
            PagerError: ``data`` is not bytes or is longer than 64 bytes.
        """
        raise NotImplementedError

    def page_count(self) -> int:
        """The number of pages allocated and not freed (page 0 not included)."""
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        """{"reads": n, "writes": m}: the storage reads and writes this pager made since it was opened."""
        raise NotImplementedError

    def sync(self) -> None:
        """Make everything written so far durable, header included. A crash during sync() leaves
        either the state of this sync or of the one before, never a broken file."""
        raise NotImplementedError

    def close(self) -> None:
        """sync(), then close the file. Calling close() again does nothing; any other call raises PagerError."""
        raise NotImplementedError
