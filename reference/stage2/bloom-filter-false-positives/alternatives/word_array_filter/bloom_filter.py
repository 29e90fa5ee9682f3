"""Alternative: 64-bit words, m rounded up to whole words, and enhanced double hashing.

The bit array is an ``array("Q")`` of 64-bit words, so m is the formula's value rounded up to
a multiple of 64 (within the allowed tolerance, and only lowering the false-positive rate).
Positions come from enhanced double hashing (Dillinger and Manolios): x and y from one
SHA-256 digest, then x += y, y += i, which never collapses onto one bit even when y starts
at 0. Filters are compared by (m, k) for union. The serialised form is little-endian and
stores only n and p: m and k are recomputed from them, and the length must match.
"""

from __future__ import annotations

import hashlib
import math
import struct
import sys
from array import array

_LOG2 = math.log(2)
_HEAD = struct.Struct("<3sBQd")  # magic, version, n, p
_MAGIC, _VERSION = b"BFw", 1


def _parameters(n: int, p: float) -> tuple[int, int]:
    exact = math.ceil(-n * math.log(p) / _LOG2**2)
    k = max(1, int(exact / n * _LOG2 + 0.5))
    words = -(-exact // 64)
    return words * 64, k


class BloomFilter:
    def __init__(self, expected_items: int, fp_rate: float) -> None:
        if not isinstance(expected_items, int) or isinstance(expected_items, bool):
            raise TypeError("expected_items: int required, got " + repr(expected_items))
        if not isinstance(fp_rate, (float, int)) or isinstance(fp_rate, bool):
            raise TypeError("fp_rate: float required, got " + repr(fp_rate))
        if expected_items <= 0:
            raise ValueError(f"expected_items={expected_items}: need at least one item")
        if not (0 < fp_rate < 1):
            raise ValueError(f"fp_rate={fp_rate}: need 0 < fp_rate < 1")
        self.__n = expected_items
        self.__p = float(fp_rate)
        self.__m, self.__k = _parameters(expected_items, self.__p)
        self.__words = array("Q", bytes(self.__m // 8))

    @property
    def expected_items(self) -> int:
        return self.__n

    @property
    def fp_rate(self) -> float:
        return self.__p

    @property
    def size_bits(self) -> int:
        return self.__m

    @property
    def hash_count(self) -> int:
        return self.__k

    def __positions(self, item: object):  # type: ignore[no-untyped-def]
        if isinstance(item, str):
            item = item.encode("utf-8")
        elif not isinstance(item, bytes):
            raise TypeError(f"unsupported item type {type(item).__name__}: use str or bytes")
        digest = hashlib.sha256(item).digest()
        m = self.__m
        x = int.from_bytes(digest[0:8], "little") % m
        y = int.from_bytes(digest[8:16], "little") % m
        for i in range(self.__k):
            yield x
            x = (x + y) % m
            y = (y + i + 1) % m

    def add(self, item: str | bytes) -> None:
        positions = list(self.__positions(item))  # all checks before any change
        words = self.__words
        for pos in positions:
            words[pos >> 6] |= 1 << (pos & 63)

    def __contains__(self, item: object) -> bool:
        words = self.__words
        return all(words[pos >> 6] >> (pos & 63) & 1 for pos in self.__positions(item))

    def union(self, other: BloomFilter) -> BloomFilter:
        if type(other) is not BloomFilter:
            raise TypeError("cannot unite a BloomFilter with " + type(other).__name__)
        if (self.__m, self.__k) != (other.__m, other.__k):
            raise ValueError(f"incompatible filters: m={self.__m}, k={self.__k} vs m={other.__m}, k={other.__k}")
        out = BloomFilter(self.__n, self.__p)
        out.__words = array("Q", (a | b for a, b in zip(self.__words, other.__words, strict=True)))
        return out

    def __word_bytes(self) -> bytes:
        words = array("Q", self.__words)
        if sys.byteorder == "big":
            words.byteswap()
        return words.tobytes()

    def to_bytes(self) -> bytes:
        return _HEAD.pack(_MAGIC, _VERSION, self.__n, self.__p) + self.__word_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> BloomFilter:
        if not isinstance(data, bytes):
            raise TypeError("from_bytes expects bytes")
        if len(data) < _HEAD.size:
            raise ValueError("data too short for a BloomFilter")
        magic, version, n, p = _HEAD.unpack_from(data, 0)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError("unknown format")
        if n <= 0 or not (0 < p < 1):
            raise ValueError("bad parameters in header")
        m, _ = _parameters(n, p)
        if len(data) - _HEAD.size != m // 8:
            raise ValueError("length does not match the parameters")
        bf = cls(n, p)
        words = array("Q")
        words.frombytes(data[_HEAD.size:])
        if sys.byteorder == "big":
            words.byteswap()
        bf.__words = words
        return bf
