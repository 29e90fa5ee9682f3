"""The shop's order service, as shipped in release 4.2.

Every request of the shop's web workers runs one transaction on the worker's own session of the
shop's database (your minimysql, stage4/transactions): placing an order takes the units from the
stock and authorizes the payment; shipping marks the order shipped and captures the payment;
cancelling refunds the payment, puts the units back and marks the order cancelled. It has run for
months without trouble. Since the sale started, about one request in five fails with
"ERROR 1213 (40001): Deadlock found when trying to get lock; try restarting transaction", and
customers see an error page. The incident is yours: see the exercise's README.

The contract below is what the web workers and the rest of the shop rely on; keep it when you fix
the service.
"""

from __future__ import annotations

from typing import Any


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

    def place_order(self, order_id: int, sku: str, qty: int, price: int) -> None:
        """A new order of ``qty`` units of ``sku`` at ``price`` each: the order, the units taken from
        the stock, the payment of qty * price authorized. OrderError when fewer than ``qty`` are in stock."""
        s = self.session
        s.execute("BEGIN")
        try:
            s.execute(f"INSERT INTO orders VALUES ({order_id}, '{sku}', {qty}, 'placed')")
            taken = s.execute(f"UPDATE stock SET qty = qty - {qty} WHERE sku = '{sku}' AND qty >= {qty}")
            if taken.affected_rows != 1:
                raise OrderError(f"fewer than {qty} units of {sku} in stock")
            s.execute(f"INSERT INTO payments VALUES ({order_id}, {qty * price}, 'authorized')")
            s.execute("COMMIT")
        except BaseException:
            if s.in_transaction:
                s.execute("ROLLBACK")
            raise

    def ship_order(self, order_id: int) -> None:
        """The order leaves the warehouse: shipped, and its payment captured. OrderError unless it is placed."""
        s = self.session
        s.execute("BEGIN")
        try:
            shipped = s.execute(f"UPDATE orders SET status = 'shipped' WHERE id = {order_id} AND status = 'placed'")
            if shipped.affected_rows != 1:
                raise OrderError(f"order {order_id} is not placed: it cannot be shipped")
            s.execute(f"UPDATE payments SET status = 'captured' WHERE order_id = {order_id}")
            s.execute("COMMIT")
        except BaseException:
            if s.in_transaction:
                s.execute("ROLLBACK")
            raise

    def cancel_order(self, order_id: int, sku: str, qty: int) -> None:
        """The customer cancels an order of ``qty`` units of ``sku`` (the cancel form sends the order's
        line): the payment refunded, the units back in stock, the order cancelled. It undoes what
        place_order did, step by step, in reverse. OrderError unless the order is placed (not shipped)."""
        s = self.session
        s.execute("BEGIN")
        try:
            refunded = s.execute(f"UPDATE payments SET status = 'refunded' WHERE order_id = {order_id} "
                                 "AND status = 'authorized'")
            if refunded.affected_rows != 1:
                raise OrderError(f"order {order_id} is not placed: it cannot be cancelled")
            s.execute(f"UPDATE stock SET qty = qty + {qty} WHERE sku = '{sku}'")
            s.execute(f"UPDATE orders SET status = 'cancelled' WHERE id = {order_id}")
            s.execute("COMMIT")
        except BaseException:
            if s.in_transaction:
                s.execute("ROLLBACK")
            raise
