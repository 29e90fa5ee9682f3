"""A Bloom filter: a compact set that can say "maybe" for an item never added, but never "no"
for an item that was.

It is sized from the number of items you expect to add (n) and the false-positive rate
you accept at that many items (p):

    size_bits  m = ceil(-n * ln(p) / (ln 2) ** 2)
    hash_count k = round(m / n * ln 2), at least 1

``add`` sets k bits of an m-bit array; ``in`` answers True only if all k bits of the item
are set. Items are ``str`` (hashed as their UTF-8 bytes, so "é" and b"\\xc3\\xa9" are the
same item) or ``bytes``. The k bit positions must be the same in every process: derive
them with hashlib (for example double hashing from one blake2b digest), never with the
built-in ``hash()``, which Python randomises per process.
"""

from __future__ import annotations


class BloomFilter:
    """A probabilistic set of str/bytes items: no false negatives, few false positives."""

    def __init__(self, expected_items: int, fp_rate: float) -> None:
        """Create an empty filter for ``expected_items`` items at false-positive rate ``fp_rate``.

        Raises:
            TypeError: if ``expected_items`` is not an int (a bool is rejected too) or
                ``fp_rate`` is not a float.
            ValueError: if ``expected_items`` < 1 or ``fp_rate`` is not strictly between
                0 and 1 (NaN included); the message names the bad value.
        """
        raise NotImplementedError

    @property
    def expected_items(self) -> int:
        """The ``expected_items`` given to the constructor."""
        raise NotImplementedError

    @property
    def fp_rate(self) -> float:
        """The ``fp_rate`` given to the constructor."""
        raise NotImplementedError

    @property
    def size_bits(self) -> int:
        """m, the number of bits: ceil(-n * ln(p) / (ln 2) ** 2)."""
        raise NotImplementedError

    @property
    def hash_count(self) -> int:
        """k, the number of bit positions per item: round(m / n * ln 2), at least 1."""
        raise NotImplementedError

    def add(self, item: str | bytes) -> None:
        """Set the k bits of ``item``. Raises TypeError if it is neither str nor bytes."""
        raise NotImplementedError

    def __contains__(self, item: object) -> bool:
        """True if all k bits of ``item`` are set (it may have been added), else False (it was not).

        Raises TypeError if ``item`` is neither str nor bytes.
        """
        raise NotImplementedError

    def union(self, other: BloomFilter) -> BloomFilter:
        """A NEW filter containing every item of ``self`` and of ``other``; neither changes.

        Raises:
            TypeError: if ``other`` is not a BloomFilter.
            ValueError: if the two filters were built with different parameters.
        """
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The filter as bytes: its parameters and its bit array. The same filter gives the
        same bytes in every process."""
        raise NotImplementedError

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        """Rebuild a filter from ``to_bytes()`` output: same parameters, same answers.

        Raises:
            TypeError: if ``data`` is not bytes.
            ValueError: if ``data`` is truncated, too long, or inconsistent (never IndexError,
                struct.error, MemoryError or a half-working filter).
        """
        raise NotImplementedError
