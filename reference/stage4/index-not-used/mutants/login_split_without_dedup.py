"""The shop's query layer, fixed after the index-not-used incident of release 3.0.

Six features of the shop read and write the database through ``ShopQueries``: the catalogue's
price filter, the warehouse dashboard's "shipped recently" list, sign-in by email or phone,
looking an order up by the number the customer quotes, the warehouse's "mark shipped" scan, and
a customer's order list. Each sends its statements through the ``session`` it was given (a
``minimysql.database.Session``, or anything with the same ``execute``).

Release 3.0 moved these statements from hand-written SQL to the new query builder's output. The
database's schema did not change; its indexes (on products.price_cents, customers.email,
customers.phone, orders.customer_id and orders.shipped_at, besides the primary keys) are all
there. The builder wrote conditions the planner cannot turn into an index range: arithmetic on
the indexed column (price_cents / 100, id + 100000), NOT around a comparison, an OR of two
columns; every one of those statements read its whole table (EXPLAIN type=ALL). Each is now
written sargable: the bare column compared with a constant, the arithmetic moved to the
constant's side, the NOTs turned into the opposite comparisons, and the OR split into one
indexed statement per column, merged here.

The contract below is what the shop relies on; keep it when you fix the module.
"""

from __future__ import annotations

from typing import Any, Protocol


class Session(Protocol):
    def execute(self, sql_text: str) -> Any: ...


ORDER_NUMBER_BASE = 100_000  # customers see order 42 as "#100042"
PAGE = 20  # the most rows a list shows


def quote(text: str) -> str:
    """``text`` as an SQL string literal: in single quotes, each quote inside doubled."""
    return "'" + text.replace("'", "''") + "'"


def _int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be {minimum} or more, not {value}")
    return value


ORDER_COLUMNS = ("id", "customer_id", "status", "total_cents", "created_at", "shipped_at")


class ShopQueries:
    """The statements behind the shop's features. Every method returns plain values."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _rows(self, sql_text: str) -> list[tuple[Any, ...]]:
        return list(self._session.execute(sql_text).rows)

    def products_in_price_band(self, low_euros: int, high_euros: int) -> list[dict[str, Any]]:
        """The catalogue's price filter: products priced from ``low_euros`` to ``high_euros``, both
        included (12 to 12 means 12.00 exactly), cheapest first, equal prices by lower id, at most
        PAGE of them. Products without a price (price on request) never match.

        Each ``{"id", "sku", "name", "price_cents"}``. Raises TypeError / ValueError for bounds
        that are not ints >= 0, or a ``high_euros`` below ``low_euros``.
        """
        _int("low_euros", low_euros, 0)
        _int("high_euros", high_euros, 0)
        if high_euros < low_euros:
            raise ValueError(f"high_euros ({high_euros}) is below low_euros ({low_euros})")
        # price_cents / 100 BETWEEN low AND high  <=>  price_cents BETWEEN low * 100 AND high * 100
        rows = self._rows(f"SELECT id, sku, name, price_cents FROM products "
                          f"WHERE price_cents BETWEEN {low_euros * 100} AND {high_euros * 100} "
                          f"ORDER BY price_cents, id LIMIT {PAGE}")
        return [{"id": i, "sku": s, "name": n, "price_cents": p} for i, s, n, p in rows]

    def recently_shipped(self, now: int, within: int = 3600) -> list[dict[str, Any]]:
        """The warehouse dashboard: orders shipped in the ``within`` seconds up to ``now``, that is
        with now - within < shipped_at <= now, latest first, equal times by higher id. Orders not
        shipped yet (shipped_at NULL) never appear.

        Each ``{"id", "customer_id", "shipped_at"}``. Raises TypeError / ValueError for a ``now``
        that is not an int >= 0 or a ``within`` that is not an int >= 1.
        """
        _int("now", now, 0)
        _int("within", within, 1)
        # NOT (s <= a) is s > a, NOT (s > b) is s <= b; a NULL shipped_at fails both forms alike.
        rows = self._rows(f"SELECT id, customer_id, shipped_at FROM orders "
                          f"WHERE shipped_at > {now - within} AND shipped_at <= {now} "
                          f"ORDER BY shipped_at DESC, id DESC")
        return [{"id": i, "customer_id": c, "shipped_at": s} for i, c, s in rows]

    def find_customer(self, login: str) -> list[dict[str, Any]]:
        """Sign-in: the customers whose email or whose phone is exactly ``login``, by id.

        Each ``{"id", "email", "phone", "name"}`` (email or phone may be None). Raises TypeError
        if ``login`` is not a str.
        """
        if not isinstance(login, str):
            raise TypeError(f"login must be a str, not {type(login).__name__}")
        # One statement per indexed column instead of an OR; a customer found by both counts once.
        rows = []
        for column in ("email", "phone"):
            rows += self._rows(f"SELECT id, email, phone, name FROM customers WHERE {column} = {quote(login)}")
        return [{"id": i, "email": e, "phone": p, "name": n} for i, e, p, n in sorted(rows)]

    def order_by_number(self, number: int) -> dict[str, Any] | None:
        """The order a customer quotes as "#number" (its id + ORDER_NUMBER_BASE), or None.

        ``{"id", "customer_id", "status", "total_cents", "created_at", "shipped_at"}``. Raises
        TypeError / ValueError for a ``number`` that is not an int >= 1.
        """
        _int("number", number, 1)
        rows = self._rows(f"SELECT id, customer_id, status, total_cents, created_at, shipped_at FROM orders "
                          f"WHERE id = {number - ORDER_NUMBER_BASE}")
        return dict(zip(ORDER_COLUMNS, rows[0], strict=True)) if rows else None

    def mark_shipped(self, number: int, now: int) -> bool:
        """The warehouse scanned order "#number" at ``now``: if it is 'paid', it becomes 'shipped'
        with shipped_at = now, and the answer is True; any other order (or none) is left as it is,
        and the answer is False. Raises TypeError / ValueError for a ``number`` that is not an int
        >= 1 or a ``now`` that is not an int >= 0.
        """
        _int("number", number, 1)
        _int("now", now, 0)
        result = self._session.execute(f"UPDATE orders SET status = 'shipped', shipped_at = {now} "
                                       f"WHERE id = {number - ORDER_NUMBER_BASE} AND status = 'paid'")
        return bool(result.affected_rows)

    def orders_of_customer(self, customer_id: int) -> list[dict[str, Any]]:
        """A customer's orders, newest first (equal times: higher id first), at most PAGE.

        Each ``{"id", "status", "total_cents", "created_at"}``. Raises TypeError / ValueError for
        a ``customer_id`` that is not an int >= 1.
        """
        _int("customer_id", customer_id, 1)
        rows = self._rows(f"SELECT id, status, total_cents, created_at FROM orders WHERE customer_id = {customer_id} "
                          f"ORDER BY created_at DESC, id DESC LIMIT {PAGE}")
        return [{"id": i, "status": s, "total_cents": t, "created_at": c} for i, s, t, c in rows]
