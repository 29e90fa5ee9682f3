"""The shop's order store: one append-only log, one sync per batch (group commit). IO 瓶颈, fixed.

The checkout service collects the requests of each 100 ms tick and hands them to the store in
batches: ``place(orders)`` with the new orders, ``set_status(updates)`` with the payments,
shipments and cancellations. When a call returns, the service answers every request of the
batch "OK", so a call returns only once what it acknowledges is durable: a crash (a power cut)
right after must not lose it. ``get(order_id)`` serves the "my orders" page.

All file I/O goes through the ``Storage`` the store is given (minimysql/storage.py): writes are
durable only once ``sync()`` of that file returned; a crash may keep any part of what was
written after the last sync, the last write torn.

On disk: ``orders.log`` only, records framed as ``length:u32 | crc32:u32 | JSON body``:

- ``["order", id, customer, [[sku, quantity, price], ...]]``: a whole order in one record, so a
  torn write can only cut off whole orders, never leave half of one;
- ``["status", id, status]``: a status change, a few dozen bytes however many orders there are
  (the shipped store rewrote the whole status table, ~35 kB, for every change).

A call appends the records of its whole batch with one write and syncs once: one flush covers
every order of the tick, where the shipped store flushed after each line. Recovery reads the
log in large chunks, replays it, and cuts off a torn tail so that new records follow the last
whole one. Every order is kept in memory, so get() reads nothing.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any

from minimysql.storage import Storage

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
LOG = "orders.log"
FRAME = struct.Struct("<II")  # length of the JSON body, crc32 of the body
CHUNK = 1 << 20  # recovery reads the log 1 MiB at a time

Line = tuple[str, int, int]  # (sku, quantity, unit price in cents)


def _frame(record: list[Any]) -> bytes:
    body = json.dumps(record, separators=(",", ":")).encode()
    return FRAME.pack(len(body), zlib.crc32(body)) + body


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
        self._log = storage.open(LOG)
        self._orders: dict[int, tuple[str, list[Line]]] = {}  # id -> customer, lines
        self._status: dict[int, str] = {}  # orders whose status is not "placed"
        self._recover()

    # -- the API ------------------------------------------------------------------------------------
    def place(self, orders: Sequence[dict[str, Any]]) -> None:
        """Store new orders, durably, before returning. Nothing is stored if any order is invalid:
        TypeError or ValueError (an id already placed, or twice in the call, is a ValueError)."""
        checked = []
        seen: set[int] = set()
        for order in orders:
            order_id, customer, lines = check_order(order)
            if order_id in self._orders or order_id in seen:
                raise ValueError(f"order {order_id} was already placed")
            seen.add(order_id)
            checked.append((order_id, customer, lines))
        self._commit([["order", order_id, customer, [list(line) for line in lines]]
                      for order_id, customer, lines in checked])
        for order_id, customer, lines in checked:
            self._orders[order_id] = (customer, lines)

    def set_status(self, updates: Sequence[tuple[int, str]]) -> None:
        """Apply (order id, status) changes in order, durably, before returning. Nothing changes if
        any is invalid: KeyError for an order never placed, ValueError for a status not in STATUSES."""
        checked = []
        for update in updates:
            if not isinstance(update, list | tuple) or len(update) != 2:
                raise TypeError(f"a status update is (order id, status), got {update!r}")
            order_id, status = update
            _whole_number("order id", order_id, 1)
            if order_id not in self._orders:
                raise KeyError(f"order {order_id} was never placed")
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
            checked.append((order_id, status))
        if checked:  # the status changes of one call: one record, one sync
            self._log.append(b"".join(_frame(["status", order_id, status]) for order_id, status in checked))
            self._log.sync()
        for order_id, status in checked:
            self._status[order_id] = status

    def get(self, order_id: int) -> dict[str, Any] | None:
        """{"id", "customer", "lines": [(sku, quantity, price), ...], "status"} of an order, or None."""
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise TypeError(f"an order id is an int, got {order_id!r}")
        entry = self._orders.get(order_id)
        if entry is None:
            return None
        customer, lines = entry
        return {"id": order_id, "customer": customer, "lines": list(lines),
                "status": self._status.get(order_id, "placed")}

    def ids(self) -> list[int]:
        """The ids of every order placed, ascending."""
        return sorted(self._orders)

    def close(self) -> None:
        self._log.close()

    # -- on disk ------------------------------------------------------------------------------------
    def _commit(self, records: list[list[Any]]) -> None:
        """One transaction per record: each order (or status change) appended and synced on its own."""
        for record in records:
            self._log.append(_frame(record))
            self._log.sync()

    def _apply(self, record: list[Any]) -> None:
        if record[0] == "order":
            self._orders[record[1]] = (record[2], [(sku, qty, price) for sku, qty, price in record[3]])
        else:
            self._status[record[1]] = record[2]

    def _recover(self) -> None:
        """Replay the log from the start; cut off a torn tail (and sync the cut) so appends follow whole records."""
        size = self._log.size()
        data = bytearray()
        while len(data) < size:
            chunk = self._log.read_at(len(data), CHUNK)
            if not chunk:
                break
            data += chunk
        offset = 0
        while offset + FRAME.size <= len(data):
            length, crc = FRAME.unpack_from(data, offset)
            body = bytes(data[offset + FRAME.size:offset + FRAME.size + length])
            if len(body) < length or zlib.crc32(body) != crc:
                break  # a torn write: the end of what survived
            self._apply(json.loads(body))
            offset += FRAME.size + length
        if offset < len(data):
            self._log.truncate(offset)
            self._log.sync()
