"""The shop's order service, release 4.3: one lock order for every transaction, and a bounded retry.

Release 4.2 deadlocked under the sale's traffic: place_order took the tables in the order orders,
stock, payments, and ship_order orders, payments, but cancel_order, written to undo place_order
"step by step, in reverse", took payments, stock, orders. Two requests that each held the first
table the other needed waited for each other until the database rolled one back (error 1213).

Now every transaction takes the tables in one order, LOCK_ORDER, so no two of them can wait for
each other in a circle. And a transaction the database still rolls back (a deadlock with some
other client of the database) or whose lock wait times out is retried from BEGIN, at most
MAX_ATTEMPTS times in all: rolled back first when it is still open (a lock wait timeout undoes
only the statement), so a retry never finishes half of an earlier attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LOCK_ORDER = ("orders", "stock", "payments")  # every transaction takes the tables it needs in this order
MAX_ATTEMPTS = 3  # attempts of one request, in all
RETRIED = (1213, 1205)  # deadlock (the transaction was rolled back), lock wait timeout (only the statement was)


class OrderError(Exception):
    """A request the shop refuses: not enough stock, or an order in no state to ship or cancel."""


class OrderService:
    """The order service of one web worker, on that worker's session of the shop's database.

    The tables (created by the shop's migrations, see the load script):

        stock    (sku VARCHAR(16) PRIMARY KEY, qty INT NOT NULL)
        orders   (id INT PRIMARY KEY, sku VARCHAR(16) NOT NULL, qty INT NOT NULL, status VARCHAR(16) NOT NULL)
        payments (order_id INT PRIMARY KEY, amount INT NOT NULL, status VARCHAR(16) NOT NULL)

    An order is "placed", then "shipped" or "cancelled"; its payment is "authorized", then
    "captured" (shipped) or "refunded" (cancelled). Each method runs one transaction: it returns
    once the transaction has committed, raises OrderError for a request the shop refuses (and
    changes nothing), and lets the database's error through when the database fails the request
    (and changes nothing). It never leaves the session inside a transaction.
    """

    def __init__(self, session: Any) -> None:
        self.session = session  # a Session of minimysql.database, used by this worker only

    def _transaction(self, body: Callable[[], None]) -> None:
        """Run ``body`` (the statements between BEGIN and COMMIT) as one transaction; after a deadlock or a
        lock wait timeout, roll back what is left of it and run it again from BEGIN, MAX_ATTEMPTS in all."""
        s = self.session
        for attempt in range(1, MAX_ATTEMPTS + 1):
            s.execute("BEGIN")
            try:
                body()
                s.execute("COMMIT")
                return
            except BaseException as exc:
                if s.in_transaction:  # after 1205 (or OrderError) the transaction is still open
                    s.execute("ROLLBACK")
                if getattr(exc, "code", None) not in RETRIED or attempt == MAX_ATTEMPTS:
                    raise

    def place_order(self, order_id: int, sku: str, qty: int, price: int) -> None:
        """A new order of ``qty`` units of ``sku`` at ``price`` each: the order, the units taken from
        the stock, the payment of qty * price authorized. OrderError when fewer than ``qty`` are in stock."""

        def body() -> None:
            s = self.session
            s.execute(f"INSERT INTO orders VALUES ({order_id}, '{sku}', {qty}, 'placed')")
            taken = s.execute(f"UPDATE stock SET qty = qty - {qty} WHERE sku = '{sku}' AND qty >= {qty}")
            if taken.affected_rows != 1:
                raise OrderError(f"fewer than {qty} units of {sku} in stock")
            s.execute(f"INSERT INTO payments VALUES ({order_id}, {qty * price}, 'authorized')")

        self._transaction(body)

    def ship_order(self, order_id: int) -> None:
        """The order leaves the warehouse: shipped, and its payment captured. OrderError unless it is placed."""

        def body() -> None:
            s = self.session
            shipped = s.execute(f"UPDATE orders SET status = 'shipped' WHERE id = {order_id} AND status = 'placed'")
            if shipped.affected_rows != 1:
                raise OrderError(f"order {order_id} is not placed: it cannot be shipped")
            s.execute(f"UPDATE payments SET status = 'captured' WHERE order_id = {order_id}")

        self._transaction(body)

    def cancel_order(self, order_id: int, sku: str, qty: int) -> None:
        """The customer cancels an order of ``qty`` units of ``sku`` (the cancel form sends the order's
        line): the order cancelled, the units back in stock, the payment refunded, in LOCK_ORDER.
        OrderError unless the order is placed (not shipped)."""

        def body() -> None:
            s = self.session
            refunded = s.execute(f"UPDATE payments SET status = 'refunded' WHERE order_id = {order_id} "
                                 "AND status = 'authorized'")
            if refunded.affected_rows != 1:
                raise OrderError(f"order {order_id} is not placed: it cannot be cancelled")
            s.execute(f"UPDATE stock SET qty = qty + {qty} WHERE sku = '{sku}'")
            s.execute(f"UPDATE orders SET status = 'cancelled' WHERE id = {order_id}")
        self._transaction(body)
