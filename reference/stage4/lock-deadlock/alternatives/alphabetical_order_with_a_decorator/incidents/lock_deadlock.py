"""The shop's order service, fixed: tables locked in alphabetical order, transactions retried by a decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., None])


class OrderError(Exception):
    """A request the shop refuses: not enough stock, or an order in no state to ship or cancel."""


def transaction(method: F) -> F:
    """Run the method's statements between BEGIN and COMMIT; retry the whole of it after a deadlock or a
    lock wait timeout, three attempts in all, rolling back whatever is still open first."""

    @functools.wraps(method)
    def run(self: OrderService, *args: Any, **kwargs: Any) -> None:
        attempts = 3
        while True:
            attempts -= 1
            self.session.execute("BEGIN")
            try:
                method(self, *args, **kwargs)
                self.session.execute("COMMIT")
                return
            except Exception as exc:
                if self.session.in_transaction:
                    self.session.execute("ROLLBACK")
                if getattr(exc, "code", None) in (1205, 1213) and attempts > 0:
                    continue
                raise

    return run  # type: ignore[return-value]


class OrderService:
    """The order service of one web worker. Every transaction locks the tables it needs in alphabetical
    order: orders, payments, stock."""

    def __init__(self, session: Any) -> None:
        self.session = session

    @transaction
    def place_order(self, order_id: int, sku: str, qty: int, price: int) -> None:
        self.session.execute(f"INSERT INTO orders VALUES ({order_id}, '{sku}', {qty}, 'placed')")
        self.session.execute(f"INSERT INTO payments VALUES ({order_id}, {qty * price}, 'authorized')")
        if self.session.execute(f"UPDATE stock SET qty = qty - {qty} WHERE sku = '{sku}' AND qty >= {qty}"
                                ).affected_rows != 1:
            raise OrderError(f"fewer than {qty} units of {sku} in stock")

    @transaction
    def ship_order(self, order_id: int) -> None:
        if self.session.execute(f"UPDATE orders SET status = 'shipped' WHERE id = {order_id} AND status = 'placed'"
                                ).affected_rows != 1:
            raise OrderError(f"order {order_id} cannot be shipped")
        self.session.execute(f"UPDATE payments SET status = 'captured' WHERE order_id = {order_id}")

    @transaction
    def cancel_order(self, order_id: int, sku: str, qty: int) -> None:
        if self.session.execute(f"UPDATE orders SET status = 'cancelled' WHERE id = {order_id} "
                                "AND status = 'placed'").affected_rows != 1:
            raise OrderError(f"order {order_id} cannot be cancelled")
        self.session.execute(f"UPDATE payments SET status = 'refunded' WHERE order_id = {order_id}")
        self.session.execute(f"UPDATE stock SET qty = qty + {qty} WHERE sku = '{sku}'")
