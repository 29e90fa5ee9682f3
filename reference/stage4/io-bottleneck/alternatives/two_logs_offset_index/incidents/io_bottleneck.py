"""The shop's order store: two append-only logs, one sync per call, an index of offsets. IO 瓶颈, fixed.

place() and set_status() are acknowledged when they return, so each writes its whole batch with
one append and one sync (group commit) and only then returns.

- ``orders.log``: one record per order, ``length:u32 | crc32:u32 | JSON [id, customer, lines]``.
  Only the offset of each record is kept in memory; get() reads the one record it needs.
- ``status.log``: fixed-size records of 13 bytes, ``order id:u64 | status:u8 | crc32:u32`` (the
  crc of the first 9 bytes). A change costs 13 bytes, whatever the size of the shop.

Opening replays both logs, each up to its first short or damaged record, and truncates (and
syncs) what follows, so that new records never land behind a torn one.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from minimysql.storage import File, Storage

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
ORDERS = "orders.log"
STATUS_LOG = "status.log"
FRAME = struct.Struct("<II")  # length of the JSON body, crc32 of the body
CHANGE = struct.Struct("<QB")  # order id, index of the status in STATUSES
CHECK = struct.Struct("<I")  # crc32 of the CHANGE bytes

Line = tuple[str, int, int]  # (sku, quantity, unit price in cents)


def _frame(record: list[Any]) -> bytes:
    body = json.dumps(record, separators=(",", ":")).encode()
    return FRAME.pack(len(body), zlib.crc32(body)) + body


def _change(order_id: int, status: str) -> bytes:
    data = CHANGE.pack(order_id, STATUSES.index(status))
    return data + CHECK.pack(zlib.crc32(data))


class Journal:
    """An append-only file written in batches: stage records, then commit() writes them at once and syncs."""

    def __init__(self, file: File) -> None:
        self.file = file
        self.staged: list[bytes] = []

    def stage(self, record: bytes) -> int:
        """The offset ``record`` will have once committed."""
        offset = self.file.size() + sum(map(len, self.staged))
        self.staged.append(record)
        return offset

    def commit(self) -> None:
        if self.staged:
            self.file.append(b"".join(self.staged))
            self.staged.clear()
            self.file.sync()

    def cut(self, size: int) -> None:
        """Drop everything after ``size`` bytes (a torn tail), durably."""
        if size < self.file.size():
            self.file.truncate(size)
            self.file.sync()


def _whole_number(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {value!r}")
    if not value or len(value) > 64:
        raise ValueError(f"{name} must be 1 to 64 characters, got {value!r}")
    return value


def check_order(order: Any) -> tuple[int, str, list[Line]]:
    """An order as place() takes it, validated: {"id": int >= 1, "customer": str, "lines": [(sku, qty, price)]}."""
    if not isinstance(order, dict):
        raise TypeError(f"an order is a dict with id, customer and lines, got {order!r}")
    order_id = _whole_number("order id", order.get("id"), 1)
    customer = _text(f"customer of order {order_id}", order.get("customer"))
    lines = order.get("lines")
    if not isinstance(lines, list | tuple):
        raise TypeError(f"lines of order {order_id} must be a list, got {lines!r}")
    if not lines:
        raise ValueError(f"order {order_id} has no lines")
    checked: list[Line] = []
    for line in lines:
        if not isinstance(line, list | tuple) or len(line) != 3:
            raise TypeError(f"a line of order {order_id} is (sku, quantity, unit price), got {line!r}")
        sku, quantity, price = line
        checked.append((_text(f"sku in order {order_id}", sku),
                        _whole_number(f"quantity in order {order_id}", quantity, 1),
                        _whole_number(f"price in order {order_id}", price, 0)))
    return order_id, customer, checked


class OrderStore:
    """The orders of the shop, durable through ``storage``; opening it recovers what was acknowledged."""

    def __init__(self, storage: Storage) -> None:
        self._orders = Journal(storage.open(ORDERS))
        self._changes = Journal(storage.open(STATUS_LOG))
        self._where: dict[int, tuple[int, int]] = {}  # order id -> (offset, size) of its record
        self._status: dict[int, str] = {}
        self._replay_orders()
        self._replay_changes()

    def place(self, orders: Sequence[dict[str, Any]]) -> None:
        """Store new orders, durably, before returning. Nothing is stored if any order is invalid:
        TypeError or ValueError (an id already placed, or twice in the call, is a ValueError)."""
        checked: list[tuple[int, str, list[Line]]] = []
        for order in orders:
            order_id, customer, lines = check_order(order)
            if order_id in self._where or any(order_id == c[0] for c in checked):
                raise ValueError(f"order {order_id} was already placed")
            checked.append((order_id, customer, lines))
        staged = {}
        for order_id, customer, lines in checked:
            record = _frame([order_id, customer, [list(line) for line in lines]])
            staged[order_id] = (self._orders.stage(record), len(record))
        self._orders.commit()
        self._where.update(staged)

    def set_status(self, updates: Sequence[tuple[int, str]]) -> None:
        """Apply (order id, status) changes in order, durably, before returning. Nothing changes if
        any is invalid: KeyError for an order never placed, ValueError for a status not in STATUSES."""
        for update in updates:
            if not isinstance(update, list | tuple) or len(update) != 2:
                raise TypeError(f"a status update is (order id, status), got {update!r}")
            order_id, status = update
            _whole_number("order id", order_id, 1)
            if order_id not in self._where:
                raise KeyError(f"order {order_id} was never placed")
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
        for order_id, status in updates:
            self._changes.stage(_change(order_id, status))
        self._changes.commit()
        for order_id, status in updates:
            self._status[order_id] = status

    def get(self, order_id: int) -> dict[str, Any] | None:
        """{"id", "customer", "lines": [(sku, quantity, price), ...], "status"} of an order, or None."""
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise TypeError(f"an order id is an int, got {order_id!r}")
        if order_id not in self._where:
            return None
        offset, size = self._where[order_id]
        _, customer, lines = json.loads(self._orders.file.read_at(offset + FRAME.size, size - FRAME.size))
        return {"id": order_id, "customer": customer, "lines": [tuple(line) for line in lines],
                "status": self._status.get(order_id, "placed")}

    def ids(self) -> list[int]:
        """The ids of every order placed, ascending."""
        return sorted(self._where)

    def close(self) -> None:
        self._orders.file.close()
        self._changes.file.close()

    def _replay_orders(self) -> None:
        file, offset = self._orders.file, 0
        while True:
            header = file.read_at(offset, FRAME.size)
            if len(header) < FRAME.size:
                break
            length, crc = FRAME.unpack(header)
            body = file.read_at(offset + FRAME.size, length)
            if len(body) < length or zlib.crc32(body) != crc:
                break
            self._where[json.loads(body)[0]] = (offset, FRAME.size + length)
            offset += FRAME.size + length
        self._orders.cut(offset)

    def _replay_changes(self) -> None:
        data = self._changes.file.read_at(0, self._changes.file.size())
        size = CHANGE.size + CHECK.size
        good = 0
        for start in range(0, len(data) - size + 1, size):
            record = data[start:start + CHANGE.size]
            if CHECK.unpack_from(data, start + CHANGE.size)[0] != zlib.crc32(record):
                break
            order_id, status = CHANGE.unpack(record)
            self._status[order_id] = STATUSES[status]
            good = start + size
        self._changes.cut(good)
