"""Alternative: k salted SHA-256 digests, a list of bools, and a JSON header.

Written the way many people first write a Bloom filter: k "independent" hash functions
(SHA-256 of a per-function salt plus the item), one bool per bit, and a self-describing
text header. It costs more per call than double hashing over a bytearray, but it is still
O(k), and every behaviour the spec asks for is the same.
"""

from __future__ import annotations

import hashlib
import json
import math


def _size(n: int, p: float) -> tuple[int, int]:
    m = math.ceil(n * -math.log(p) / math.log(2) ** 2)
    k = round(m * math.log(2) / n)
    return m, k if k > 0 else 1


def _valid_n(n: object) -> bool:
    return type(n) is int and n >= 1


def _valid_p(p: object) -> bool:
    return type(p) in (int, float) and 0 < p < 1  # type: ignore[operator]


def _encode(item: object) -> bytes:
    if type(item) is bytes:
        return item
    if type(item) is str:
        return item.encode("utf-8")
    raise TypeError("a Bloom filter holds str or bytes items, not " + type(item).__name__)


class BloomFilter:
    def __init__(self, expected_items: int, fp_rate: float) -> None:
        if type(expected_items) is not int:
            raise TypeError(f"expected_items must be an int, not {expected_items!r}")
        if type(fp_rate) not in (int, float):
            raise TypeError(f"fp_rate must be a float, not {fp_rate!r}")
        if not _valid_n(expected_items):
            raise ValueError(f"expected_items must be >= 1, got {expected_items}")
        if not _valid_p(fp_rate):
            raise ValueError(f"fp_rate must be in the open interval (0, 1), got {fp_rate}")
        self._n = expected_items
        self._p = float(fp_rate)
        self._m, self._k = _size(self._n, self._p)
        self._bits = [False] * self._m

    expected_items = property(lambda self: self._n)
    fp_rate = property(lambda self: self._p)
    size_bits = property(lambda self: self._m)
    hash_count = property(lambda self: self._k)

    def _indexes(self, item: object) -> list[int]:
        data = _encode(item)
        out = []
        for salt in range(self._k):
            digest = hashlib.sha256(salt.to_bytes(4, "big") + data).digest()
            out.append(int.from_bytes(digest[:8], "big") % self._m)
        return out

    def add(self, item: str | bytes) -> None:
        for index in self._indexes(item):
            self._bits[index] = True

    def __contains__(self, item: object) -> bool:
        indexes = self._indexes(item)
        return sum(self._bits[index] for index in indexes) == len(indexes)

    def union(self, other: BloomFilter) -> BloomFilter:
        if not isinstance(other, BloomFilter):
            raise TypeError("union() needs another BloomFilter")
        if other._n != self._n or other._p != self._p:
            raise ValueError("union() needs filters with the same expected_items and fp_rate")
        merged = BloomFilter(self._n, self._p)
        merged._bits = [a or b for a, b in zip(self._bits, other._bits, strict=True)]
        return merged

    def to_bytes(self) -> bytes:
        header = json.dumps({"k": self._k, "m": self._m, "n": self._n, "p": self._p}, sort_keys=True)
        packed = bytearray((self._m + 7) // 8)
        for index, bit in enumerate(self._bits):
            if bit:
                packed[index // 8] |= 0x80 >> (index % 8)
        return header.encode("ascii") + b"\n" + bytes(packed)

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        if type(data) is not bytes:
            raise TypeError("from_bytes() needs bytes")
        head, newline, body = data.partition(b"\n")
        if not newline:
            raise ValueError("not a serialised Bloom filter: no header line")
        try:
            fields = json.loads(head.decode("ascii"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a serialised Bloom filter: {exc}") from None
        if type(fields) is not dict or sorted(fields) != ["k", "m", "n", "p"]:
            raise ValueError("not a serialised Bloom filter: unexpected header fields")
        n, p = fields["n"], fields["p"]
        if not _valid_n(n) or not _valid_p(p) or type(p) is not float:
            raise ValueError(f"corrupted Bloom filter header: n={n!r}, p={p!r}")
        if (fields["m"], fields["k"]) != _size(n, p):
            raise ValueError("corrupted Bloom filter header: m and k do not match n and p")
        m = fields["m"]
        if len(body) != (m + 7) // 8:
            raise ValueError(f"corrupted Bloom filter: {len(body)} bytes of bits for m={m}")
        result = cls(n, p)
        result._bits = [bool(body[i // 8] & (0x80 >> (i % 8))) for i in range(m)]
        return result
