"""A correct BloomFilter, changed after the experiment was run: its positions now come from
SHA-256 instead of blake2b, so it answers differently for some probes, and the answers
still state what the old filter measured.
"""

from __future__ import annotations

import hashlib
import math
import struct

_MAGIC = b"BLM1"
_HEADER = struct.Struct(">4sQdQI")
_LN2 = math.log(2)


def _optimal_size(expected_items: int, fp_rate: float) -> tuple[int, int]:
    """The standard m (bits) and k (hash functions) for n items at false-positive rate p."""
    size_bits = math.ceil(-expected_items * math.log(fp_rate) / (_LN2 * _LN2))
    hash_count = max(1, round(size_bits / expected_items * _LN2))
    return size_bits, hash_count


def _check_parameters(expected_items: object, fp_rate: object) -> tuple[int, float]:
    if isinstance(expected_items, bool) or not isinstance(expected_items, int):
        raise TypeError(f"expected_items must be an int, got {type(expected_items).__name__}: {expected_items!r}")
    if isinstance(fp_rate, bool) or not isinstance(fp_rate, (int, float)):
        raise TypeError(f"fp_rate must be a float, got {type(fp_rate).__name__}: {fp_rate!r}")
    if expected_items < 1:
        raise ValueError(f"expected_items must be at least 1, got {expected_items}")
    if not 0.0 < fp_rate < 1.0:  # also rejects NaN, for which every comparison is False
        raise ValueError(f"fp_rate must be strictly between 0 and 1, got {fp_rate!r}")
    return expected_items, float(fp_rate)


def _item_bytes(item: object) -> bytes:
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, bytes):
        return item
    raise TypeError(f"items must be str or bytes, got {type(item).__name__}: {item!r}")


class BloomFilter:
    """A set that may answer "maybe" for items never added, but never "no" for an added one."""

    __slots__ = ("_bits", "_expected_items", "_fp_rate", "_hash_count", "_size_bits")

    def __init__(self, expected_items: int, fp_rate: float) -> None:
        self._expected_items, self._fp_rate = _check_parameters(expected_items, fp_rate)
        self._size_bits, self._hash_count = _optimal_size(self._expected_items, self._fp_rate)
        self._bits = bytearray((self._size_bits + 7) // 8)

    @property
    def expected_items(self) -> int:
        return self._expected_items

    @property
    def fp_rate(self) -> float:
        return self._fp_rate

    @property
    def size_bits(self) -> int:
        return self._size_bits

    @property
    def hash_count(self) -> int:
        return self._hash_count

    def _positions(self, item: object) -> list[int]:
        digest = hashlib.sha256(_item_bytes(item)).digest()[:16]
        h1 = int.from_bytes(digest[:8], "little")
        h2 = int.from_bytes(digest[8:], "little") | 1
        m = self._size_bits
        return [(h1 + i * h2) % m for i in range(self._hash_count)]

    def add(self, item: str | bytes) -> None:
        bits = self._bits
        for pos in self._positions(item):
            bits[pos >> 3] |= 1 << (pos & 7)

    def __contains__(self, item: object) -> bool:
        bits = self._bits
        return all(bits[pos >> 3] & (1 << (pos & 7)) for pos in self._positions(item))

    def _same_parameters(self, other: BloomFilter) -> bool:
        return (self._expected_items, self._fp_rate) == (other._expected_items, other._fp_rate)

    def union(self, other: BloomFilter) -> BloomFilter:
        if not isinstance(other, BloomFilter):
            raise TypeError(f"can only unite with another BloomFilter, got {type(other).__name__}")
        if not self._same_parameters(other):
            raise ValueError(
                f"cannot unite filters with different parameters: "
                f"({self._expected_items}, {self._fp_rate}) and ({other._expected_items}, {other._fp_rate})"
            )
        result = BloomFilter(self._expected_items, self._fp_rate)
        result._bits = bytearray(a | b for a, b in zip(self._bits, other._bits, strict=True))
        return result

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(_MAGIC, self._expected_items, self._fp_rate, self._size_bits, self._hash_count)
        return header + bytes(self._bits)

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"from_bytes needs bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) < _HEADER.size:
            raise ValueError(f"not a serialised BloomFilter: {len(data)} bytes is shorter than the header")
        magic, expected_items, fp_rate, size_bits, hash_count = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a serialised BloomFilter: bad magic bytes")
        if expected_items < 1 or not 0.0 < fp_rate < 1.0:
            raise ValueError(f"corrupted BloomFilter header: expected_items={expected_items}, fp_rate={fp_rate!r}")
        if (size_bits, hash_count) != _optimal_size(expected_items, fp_rate):
            raise ValueError(f"corrupted BloomFilter header: size_bits={size_bits}, hash_count={hash_count} "
                             f"do not match expected_items={expected_items}, fp_rate={fp_rate!r}")
        body = len(data) - _HEADER.size
        if body != (size_bits + 7) // 8:
            raise ValueError(f"corrupted BloomFilter: {body} bytes of bits, expected {(size_bits + 7) // 8}")
        result = cls(expected_items, fp_rate)
        result._bits = bytearray(data[_HEADER.size:])
        return result
