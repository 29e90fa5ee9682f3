"""A B+Tree written recursively, with fixed-size slots and separators that are the largest key on their left.

A node is ``is_leaf u8 | count u16 | next u32`` and then ``count`` fixed slots: a leaf slot is
``klen u8 | key padded to 32 | vlen u8 | value padded to 64``; an internal slot is
``child u32 | klen u8 | key padded to 32``, where the key is the largest key under that child
(the last slot's key is unused). Underfull nodes borrow from or merge with the right sibling first.
"""

from __future__ import annotations

import struct
from bisect import bisect_left
from collections.abc import Iterator

from minimysql.pager import Pager

MAX_KEY = 32
MAX_VALUE = 64
HEAD = struct.Struct("<BHI")
LEAF_SLOT = 2 + MAX_KEY + MAX_VALUE
INNER_SLOT = 5 + MAX_KEY
META = struct.Struct("<IIQ")  # height, root, count


class DuplicateKey(KeyError):
    """insert() of a key the tree already holds."""


def _key(key: object) -> bytes:
    if not isinstance(key, bytes):
        raise TypeError(f"keys are bytes, got {type(key).__name__}")
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"keys are 1..{MAX_KEY} bytes, got {len(key)}")
    return key


class BPlusTree:
    def __init__(self, pager: Pager) -> None:
        self.pager = pager
        room = pager.payload_size - HEAD.size
        self.leaf_max = room // LEAF_SLOT
        self.inner_max = room // INNER_SLOT
        meta = pager.get_meta()
        if meta:
            self._height, self._root, self._count = META.unpack(meta)
        else:
            self._height, self._root, self._count = 1, pager.allocate(), 0
            self._write(self._root, True, [], [], 0)
            self._meta()

    def _meta(self) -> None:
        self.pager.set_meta(META.pack(self._height, self._root, self._count))

    # A node in memory: (is_leaf, keys, items, next); items are values (leaf) or child ids (internal).
    def _read(self, page: int) -> tuple[bool, list[bytes], list, int]:
        raw = self.pager.read(page)
        is_leaf, count, nxt = HEAD.unpack_from(raw)
        keys: list[bytes] = []
        items: list = []
        for n in range(count):
            if is_leaf:
                at = HEAD.size + n * LEAF_SLOT
                keys.append(raw[at + 1:at + 1 + raw[at]])
                at += 1 + MAX_KEY
                items.append(raw[at + 1:at + 1 + raw[at]])
            else:
                at = HEAD.size + n * INNER_SLOT
                items.append(int.from_bytes(raw[at:at + 4], "little"))
                keys.append(raw[at + 5:at + 5 + raw[at + 4]])
        return bool(is_leaf), keys, items, nxt

    def _write(self, page: int, is_leaf: bool, keys: list[bytes], items: list, nxt: int) -> None:
        out = bytearray(HEAD.pack(is_leaf, len(keys), nxt))
        for key, item in zip(keys, items, strict=True):
            if is_leaf:
                out += bytes([len(key)]) + key.ljust(MAX_KEY, b"\0") + bytes([len(item)]) + item.ljust(MAX_VALUE, b"\0")
            else:
                out += item.to_bytes(4, "little") + bytes([len(key)]) + key.ljust(MAX_KEY, b"\0")
        self.pager.write(page, bytes(out))

    def __len__(self) -> int:
        return self._count

    def height(self) -> int:
        return self._height

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        key = _key(key)
        page = self._root
        while True:
            is_leaf, keys, items, _ = self._read(page)
            if is_leaf:
                i = bisect_left(keys, key)
                return items[i] if i < len(keys) and keys[i] == key else default
            page = items[min(bisect_left(keys, key, 0, len(keys) - 1), len(keys) - 1)]

    def range(self, lo: bytes | None = None, hi: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        for bound in (lo, hi):
            if bound is not None and not isinstance(bound, bytes):
                raise TypeError(f"range bounds are bytes or None, got {type(bound).__name__}")
        out: list[tuple[bytes, bytes]] = []
        page = self._root
        while True:
            is_leaf, keys, items, nxt = self._read(page)
            if is_leaf:
                break
            page = items[0 if lo is None else min(bisect_left(keys, lo, 0, len(keys) - 1), len(keys) - 1)]
        while True:
            for key, value in zip(keys, items, strict=True):
                if hi is not None and key >= hi:
                    return iter(out)
                if lo is None or key >= lo:
                    out.append((key, value))
            if not nxt:
                return iter(out)
            _, keys, items, nxt = self._read(nxt)

    def insert(self, key: bytes, value: bytes) -> None:
        self._set(key, value, False)

    def put(self, key: bytes, value: bytes) -> None:
        self._set(key, value, True)

    def _set(self, key: bytes, value: bytes, replace: bool) -> None:
        key = _key(key)
        if not isinstance(value, bytes):
            raise TypeError(f"values are bytes, got {type(value).__name__}")
        if len(value) > MAX_VALUE:
            raise ValueError(f"values are at most {MAX_VALUE} bytes, got {len(value)}")
        split = self._insert(self._root, key, value, replace)
        if split:
            left_max, right_page, right_max = split
            root = self.pager.allocate()
            self._write(root, False, [left_max, right_max], [self._root, right_page], 0)
            self._root = root
            self._height += 1
        self._meta()

    def _insert(self, page: int, key: bytes, value: bytes, replace: bool) -> tuple[bytes, int, bytes] | None:
        """Insert under ``page``; if it splits: (largest key left, new right page, largest key right)."""
        is_leaf, keys, items, nxt = self._read(page)
        if is_leaf:
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                if not replace:
                    raise DuplicateKey(key)
                items[i] = value
                self._write(page, True, keys, items, nxt)
                return None
            keys.insert(i, key)
            items.insert(i, value)
            self._count += 1
            limit = self.leaf_max
        else:
            i = min(bisect_left(keys, key, 0, len(keys) - 1), len(keys) - 1)
            split = self._insert(items[i], key, value, replace)
            if split is None:
                if key > keys[i] and i == len(keys) - 1:
                    keys[i] = key  # keep the largest key of the last child current
                    self._write(page, False, keys, items, nxt)
                return None
            keys[i:i + 1] = [split[0], split[2]]
            items.insert(i + 1, split[1])
            limit = self.inner_max
        if len(keys) <= limit:
            self._write(page, is_leaf, keys, items, nxt)
            return None
        cut = (len(keys) + 1) // 2  # the left half keeps the extra entry
        right = self.pager.allocate()
        self._write(right, is_leaf, keys[cut:], items[cut:], nxt if is_leaf else 0)
        self._write(page, is_leaf, keys[:cut], items[:cut], right if is_leaf else 0)
        return keys[cut - 1], right, keys[-1]

    def delete(self, key: bytes) -> bytes:
        key = _key(key)
        value = self._delete(self._root, key)
        is_leaf, keys, items, _ = self._read(self._root)
        if not is_leaf and len(keys) == 1:
            self.pager.free(self._root)
            self._root = items[0]
            self._height -= 1
        self._count -= 1
        self._meta()
        return value

    def _delete(self, page: int, key: bytes) -> bytes:
        is_leaf, keys, items, nxt = self._read(page)
        if is_leaf:
            i = bisect_left(keys, key)
            if i == len(keys) or keys[i] != key:
                raise KeyError(key)
            del keys[i]
            value = items.pop(i)
            self._write(page, True, keys, items, nxt)
            return value
        i = min(bisect_left(keys, key, 0, len(keys) - 1), len(keys) - 1)
        value = self._delete(items[i], key)
        child = self._read(items[i])
        if len(child[1]) < (self.leaf_max if child[0] else self.inner_max) // 2 + 1:
            self._fix(keys, items, i, child)
        elif child[1] and child[1][-1] != keys[i]:
            keys[i] = child[1][-1]
        self._write(page, False, keys, items, nxt)
        return value

    def _fix(self, keys: list[bytes], items: list, i: int, child: tuple[bool, list[bytes], list, int]) -> None:
        """Child ``i`` of this node is underfull: borrow from or merge with a sibling (the right one first)."""
        j = i + 1 if i + 1 < len(items) else i - 1
        left, right = (i, j) if j > i else (j, i)
        lnode = child if left == i else self._read(items[left])
        rnode = child if right == i else self._read(items[right])
        is_leaf = lnode[0]
        minimum = (self.leaf_max if is_leaf else self.inner_max) // 2 + 1
        lk, li, rk, ri = lnode[1], lnode[2], rnode[1], rnode[2]
        if len(lk) + len(rk) <= (self.leaf_max if is_leaf else self.inner_max):
            self._write(items[left], is_leaf, lk + rk, li + ri, rnode[3] if is_leaf else 0)
            self.pager.free(items[right])
            keys[left] = (lk + rk)[-1]
            del keys[right], items[right]
            return
        if len(rk) > minimum and len(rk) > len(lk):
            lk, li, rk, ri = lk + rk[:1], li + ri[:1], rk[1:], ri[1:]
        else:
            lk, li, rk, ri = lk[:-1], li[:-1], lk[-1:] + rk, li[-1:] + ri
        self._write(items[left], is_leaf, lk, li, items[right] if is_leaf else 0)
        self._write(items[right], is_leaf, rk, ri, rnode[3] if is_leaf else 0)
        keys[left] = lk[-1]
        keys[right] = rk[-1]
