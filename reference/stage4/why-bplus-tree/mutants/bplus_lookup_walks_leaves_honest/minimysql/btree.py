"""A B+Tree whose nodes are pager pages: bytes keys in order, point lookups in O(log n) page reads.

Every node is one page, rebuilt from the page on each operation (nothing is cached between calls
but the root id, the key count and the height, which mirror the pager's meta). A node is
``kind u8 | count u16 | next-leaf u32 | pad`` and then its entries packed one after another:

- leaf: ``klen u8 | key | vlen u8 | value`` per entry; leaves are chained left to right by ``next``.
- internal: ``child u32`` then ``klen u8 | key | child u32`` per separator. Keys below separator
  ``k[i]`` live under ``child[i]``, keys from ``k[i]`` on under ``child[i + 1]``.

Capacities are counted in entries, sized for the longest key and value, so any node fits its page.
"""

from __future__ import annotations

import struct
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from minimysql.pager import Pager

MAX_KEY = 32
MAX_VALUE = 64
LEAF, INTERNAL = 1, 2
NODE_HEADER = struct.Struct("<BHI")
HEADER_SIZE = 8
CHILD = struct.Struct("<I")
META = struct.Struct("<4sIQB")  # magic, root page, key count, height
MAGIC = b"BPT1"


class BTreeError(Exception):
    """The pager's meta holds no B+Tree, or a page holds no node."""


class DuplicateKey(KeyError):
    """insert() of a key the tree already holds."""


def check_key(key: object) -> bytes:
    if type(key) is not bytes:
        raise TypeError(f"a key is bytes, not {type(key).__name__}")
    if not 1 <= len(key) <= MAX_KEY:
        raise ValueError(f"a key is 1 to {MAX_KEY} bytes long, got {len(key)}")
    return key


def check_value(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise TypeError(f"a value is bytes, not {type(value).__name__}")
    if len(value) > MAX_VALUE:
        raise ValueError(f"a value is at most {MAX_VALUE} bytes long, got {len(value)}")
    return bytes(value)


def check_bound(bound: object) -> bytes | None:
    if bound is not None and type(bound) is not bytes:
        raise TypeError(f"a range bound is bytes or None, not {type(bound).__name__}")
    return bound


@dataclass
class Node:
    leaf: bool
    keys: list[bytes] = field(default_factory=list)
    values: list[bytes] = field(default_factory=list)  # leaves
    children: list[int] = field(default_factory=list)  # internal nodes
    next: int = 0  # leaves: the page of the next leaf, 0 for the last


class BPlusTree:
    """A B+Tree of ``bytes`` keys (1..32 bytes) to ``bytes`` values (0..64 bytes) in ``pager``'s pages."""

    def __init__(self, pager: Pager) -> None:
        self._pager = pager
        room = pager.payload_size - HEADER_SIZE
        self.leaf_capacity = room // (2 + MAX_KEY + MAX_VALUE)
        self.fanout = (room + 1 + MAX_KEY) // (CHILD.size + 1 + MAX_KEY)
        if self.leaf_capacity < 3 or self.fanout < 4:
            raise BTreeError(f"pages of {pager.payload_size} payload bytes are too small for a B+Tree")
        meta = pager.get_meta()
        if meta:
            if len(meta) != META.size or meta[:4] != MAGIC:
                raise BTreeError("the pager's meta does not hold a B+Tree")
            _, self._root, self._count, self._height = META.unpack(meta)
        else:
            self._root, self._count, self._height = pager.allocate(), 0, 1
            self._store(self._root, Node(leaf=True))
            self._save_meta()

    # -- pages ------------------------------------------------------------------------------------
    def _save_meta(self) -> None:
        self._pager.set_meta(META.pack(MAGIC, self._root, self._count, self._height))

    def _load(self, page_id: int) -> Node:
        raw = self._pager.read(page_id)
        kind, count, nxt = NODE_HEADER.unpack_from(raw)
        pos = HEADER_SIZE
        if kind == LEAF:
            node = Node(leaf=True, next=nxt)
            for _ in range(count):
                klen = raw[pos]
                node.keys.append(raw[pos + 1:pos + 1 + klen])
                pos += 1 + klen
                vlen = raw[pos]
                node.values.append(raw[pos + 1:pos + 1 + vlen])
                pos += 1 + vlen
            return node
        if kind != INTERNAL:
            raise BTreeError(f"page {page_id} holds no B+Tree node (kind {kind})")
        node = Node(leaf=False, children=[CHILD.unpack_from(raw, pos)[0]])
        pos += CHILD.size
        for _ in range(count):
            klen = raw[pos]
            node.keys.append(raw[pos + 1:pos + 1 + klen])
            pos += 1 + klen
            node.children.append(CHILD.unpack_from(raw, pos)[0])
            pos += CHILD.size
        return node

    def _store(self, page_id: int, node: Node) -> None:
        parts = [NODE_HEADER.pack(LEAF if node.leaf else INTERNAL, len(node.keys), node.next).ljust(HEADER_SIZE,
                                                                                                     b"\0")]
        if node.leaf:
            for key, value in zip(node.keys, node.values, strict=True):
                parts += [bytes([len(key)]), key, bytes([len(value)]), value]
        else:
            parts.append(CHILD.pack(node.children[0]))
            for key, child in zip(node.keys, node.children[1:], strict=True):
                parts += [bytes([len(key)]), key, CHILD.pack(child)]
        self._pager.write(page_id, b"".join(parts))

    def _descend(self, key: bytes | None) -> list[tuple[int, Node, int]]:
        """The path from the root to the leaf where ``key`` belongs (None: the leftmost leaf):
        (page id, node, index of the child taken; -1 for the leaf)."""
        path = []
        page_id = self._root
        while True:
            node = self._load(page_id)
            if node.leaf:
                path.append((page_id, node, -1))
                return path
            index = 0 if key is None else bisect_right(node.keys, key)
            path.append((page_id, node, index))
            page_id = node.children[index]

    # -- reads --------------------------------------------------------------------------------------
    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        key = check_key(key)
        _, leaf, _ = self._descend(None)[-1]
        while True:  # walk the leaves from the left until the key is found or passed
            for k, value in zip(leaf.keys, leaf.values, strict=True):
                if k == key:
                    return value
                if k > key:
                    return default
            if not leaf.next:
                return default
            leaf = self._load(leaf.next)

    def range(self, lo: bytes | None = None, hi: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        lo, hi = check_bound(lo), check_bound(hi)
        return self._scan(lo, hi)

    def _scan(self, lo: bytes | None, hi: bytes | None) -> Iterator[tuple[bytes, bytes]]:
        if lo is not None and hi is not None and hi <= lo:
            return
        _, leaf, _ = self._descend(lo)[-1]
        pos = 0 if lo is None else bisect_left(leaf.keys, lo)
        while True:
            for key, value in zip(leaf.keys[pos:], leaf.values[pos:], strict=True):
                if hi is not None and key >= hi:
                    return
                yield key, value
            if not leaf.next:
                return
            leaf, pos = self._load(leaf.next), 0

    def __len__(self) -> int:
        return self._count

    def height(self) -> int:
        return self._height

    # -- inserts ------------------------------------------------------------------------------------
    def insert(self, key: bytes, value: bytes) -> None:
        self._put(check_key(key), check_value(value), replace=False)

    def put(self, key: bytes, value: bytes) -> None:
        self._put(check_key(key), check_value(value), replace=True)

    def _put(self, key: bytes, value: bytes, *, replace: bool) -> None:
        path = self._descend(key)
        page_id, leaf, _ = path.pop()
        pos = bisect_left(leaf.keys, key)
        if pos < len(leaf.keys) and leaf.keys[pos] == key:
            if not replace:
                raise DuplicateKey(key)
            leaf.values[pos] = value
            self._store(page_id, leaf)
            return
        leaf.keys.insert(pos, key)
        leaf.values.insert(pos, value)
        self._count += 1
        if len(leaf.keys) <= self.leaf_capacity:
            self._store(page_id, leaf)
        else:
            mid = len(leaf.keys) // 2
            right = Node(leaf=True, keys=leaf.keys[mid:], values=leaf.values[mid:], next=leaf.next)
            right_id = self._pager.allocate()
            leaf.keys, leaf.values, leaf.next = leaf.keys[:mid], leaf.values[:mid], right_id
            self._store(right_id, right)
            self._store(page_id, leaf)
            self._push_up(path, page_id, right.keys[0], right_id)
        self._save_meta()

    def _push_up(self, path: list[tuple[int, Node, int]], left_id: int, separator: bytes, right_id: int) -> None:
        """Add ``separator`` and the new right sibling ``right_id`` to the parent, splitting upwards."""
        while path:
            page_id, node, index = path.pop()
            node.keys.insert(index, separator)
            node.children.insert(index + 1, right_id)
            if len(node.children) <= self.fanout:
                self._store(page_id, node)
                return
            mid = len(node.keys) // 2
            separator = node.keys[mid]
            right = Node(leaf=False, keys=node.keys[mid + 1:], children=node.children[mid + 1:])
            node.keys, node.children = node.keys[:mid], node.children[:mid + 1]
            right_id = self._pager.allocate()
            self._store(right_id, right)
            self._store(page_id, node)
            left_id = page_id
        root = Node(leaf=False, keys=[separator], children=[left_id, right_id])
        self._root = self._pager.allocate()
        self._store(self._root, root)
        self._height += 1

    # -- deletes ------------------------------------------------------------------------------------
    def delete(self, key: bytes) -> bytes:
        key = check_key(key)
        path = self._descend(key)
        _, leaf, _ = path[-1]
        pos = bisect_left(leaf.keys, key)
        if pos == len(leaf.keys) or leaf.keys[pos] != key:
            raise KeyError(key)
        del leaf.keys[pos]
        value = leaf.values.pop(pos)
        self._count -= 1
        self._rebalance(path)
        self._save_meta()
        return value

    def _size(self, node: Node) -> int:
        return len(node.keys) if node.leaf else len(node.children)

    def _minimum(self, node: Node) -> int:
        return (self.leaf_capacity + 1) // 2 if node.leaf else (self.fanout + 1) // 2

    def _rebalance(self, path: list[tuple[int, Node, int]]) -> None:
        """Write the changed node at the end of ``path``; borrow or merge up the path while nodes are underfull."""
        while True:
            page_id, node, _ = path.pop()
            if not path:  # the root: may be underfull; an internal root with one child goes
                if not node.leaf and len(node.children) == 1:
                    self._pager.free(page_id)
                    self._root = node.children[0]
                    self._height -= 1
                else:
                    self._store(page_id, node)
                return
            if self._size(node) >= self._minimum(node):
                self._store(page_id, node)
                return
            parent_id, parent, index = path[-1]
            if index > 0:
                left_id, right_id, sep = parent.children[index - 1], page_id, index - 1
                left, right = self._load(left_id), node
                donor = left
            else:
                left_id, right_id, sep = page_id, parent.children[index + 1], index
                left, right = node, self._load(parent.children[index + 1])
                donor = right
            if self._size(donor) > self._minimum(donor):
                self._borrow(left, right, parent, sep, from_left=donor is left)
                self._store(left_id, left)
                self._store(right_id, right)
                self._store(parent_id, parent)
                return
            self._merge(left, right, parent, sep)
            self._store(left_id, left)
            self._pager.free(right_id)
            # the parent lost a child: it is the node to check next

    @staticmethod
    def _borrow(left: Node, right: Node, parent: Node, sep: int, *, from_left: bool) -> None:
        if left.leaf:
            if from_left:
                right.keys.insert(0, left.keys.pop())
                right.values.insert(0, left.values.pop())
            else:
                left.keys.append(right.keys.pop(0))
                left.values.append(right.values.pop(0))
            parent.keys[sep] = right.keys[0]
        elif from_left:
            right.keys.insert(0, parent.keys[sep])
            right.children.insert(0, left.children.pop())
            parent.keys[sep] = left.keys.pop()
        else:
            left.keys.append(parent.keys[sep])
            left.children.append(right.children.pop(0))
            parent.keys[sep] = right.keys.pop(0)

    @staticmethod
    def _merge(left: Node, right: Node, parent: Node, sep: int) -> None:
        if left.leaf:
            left.keys += right.keys
            left.values += right.values
            left.next = right.next
        else:
            left.keys += [parent.keys[sep], *right.keys]
            left.children += right.children
        del parent.keys[sep]
        del parent.children[sep + 1]
