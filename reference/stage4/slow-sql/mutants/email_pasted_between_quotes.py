"""The shop's account pages, fixed after the slow-SQL incident of release 4.2.

Four pages of the shop read the database through this module: sign-in looks a customer up by
email, "My orders" lists their latest orders, an order's page shows it with its lines, and the
loyalty badge shows how much a customer has spent on the orders shipped to them. Each page is
one method of ``AccountPages``; each method sends its statements through the ``session`` it was
given (a ``minimysql.database.Session``, or anything with the same ``execute``).

The incident: every page read a whole table per view (EXPLAIN type=ALL): nothing indexed the
columns the pages filter on, and the loyalty badge fetched every shipped order of every customer
to sum one customer's. The fix: three indexes, added as migrations (the live database is not
created again), and the badge's filter moved into its statement, on the indexed column first.

The schema below is the one the production database was created with. It is not created again:
changes to a live database go into ``MIGRATIONS``, which ``migrate()`` applies, in order, at the
next deploy (``CREATE INDEX`` fills an index from the rows already in the table).

The contract below is what the pages rely on; keep it when you fix the module.
"""

from __future__ import annotations

from typing import Any, Protocol


class Session(Protocol):
    def execute(self, sql_text: str) -> Any: ...


SCHEMA: tuple[str, ...] = (
    "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(120) NOT NULL, name VARCHAR(80) NOT NULL, "
    "created_at INT NOT NULL)",
    "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, status VARCHAR(12) NOT NULL, "
    "total_cents INT NOT NULL, created_at INT NOT NULL)",
    "CREATE TABLE order_items (id INT PRIMARY KEY, order_id INT NOT NULL, sku VARCHAR(20) NOT NULL, "
    "quantity INT NOT NULL, price_cents INT NOT NULL)",
)

# Changes to the live database since release 1.0, applied in order by migrate() at deploy time.
MIGRATIONS: tuple[str, ...] = (
    # 4.3: every hot statement filters by one of these columns; without an index each read the whole table.
    "CREATE INDEX idx_users_email ON users (email)",  # sign-in
    "CREATE INDEX idx_orders_user ON orders (user_id)",  # "My orders" and the loyalty badge
    "CREATE INDEX idx_order_items_order ON order_items (order_id)",  # an order's page
)

STATUSES = ("pending", "paid", "shipped", "cancelled", "refunded")
MAX_PAGE = 50  # the most orders one page of "My orders" shows


def create_schema(session: Session) -> None:
    """Create the tables of a new, empty database (done once, when the shop opened)."""
    for statement in SCHEMA:
        session.execute(statement)


def migrate(session: Session) -> None:
    """Apply MIGRATIONS, in order, to a database created with SCHEMA (done at each deploy)."""
    for statement in MIGRATIONS:
        session.execute(statement)


def quote(text: str) -> str:
    """``text`` as an SQL string literal: in single quotes, each quote inside doubled."""
    return "'" + text.replace("'", "''") + "'"


def _id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, not {value}")
    return value


class AccountPages:
    """The queries behind the account pages. Every method returns plain values (dicts, lists, ints)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _rows(self, sql_text: str) -> list[tuple[Any, ...]]:
        return list(self._session.execute(sql_text).rows)

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        """Sign-in: the customer with this email (exactly as stored), or None.

        ``{"id": int, "email": str, "name": str}``. Raises TypeError if ``email`` is not a str.
        """
        if not isinstance(email, str):
            raise TypeError(f"email must be a str, not {type(email).__name__}")
        rows = self._rows(f"SELECT id, email, name FROM users WHERE email = '{email}' ORDER BY id LIMIT 1")
        if not rows:
            return None
        user_id, stored, name = rows[0]
        return {"id": user_id, "email": stored, "name": name}

    def order_history(self, user_id: int, limit: int = 10) -> list[dict[str, Any]]:
        """"My orders": the customer's ``limit`` latest orders, newest first (equal times: higher id first).

        Each ``{"id", "status", "total_cents", "created_at"}``; [] for a customer without orders.
        Raises TypeError / ValueError for a ``user_id`` that is not an int >= 1, or a ``limit``
        that is not an int from 1 to MAX_PAGE.
        """
        _id("user_id", user_id)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"limit must be an int, not {type(limit).__name__}")
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be from 1 to {MAX_PAGE}, not {limit}")
        rows = self._rows(f"SELECT id, status, total_cents, created_at FROM orders WHERE user_id = {user_id} "
                          f"ORDER BY created_at DESC, id DESC LIMIT {limit}")
        return [{"id": i, "status": s, "total_cents": t, "created_at": c} for i, s, t, c in rows]

    def order_detail(self, order_id: int) -> dict[str, Any] | None:
        """An order's page: the order and its lines (in the order they were added), or None.

        ``{"id", "user_id", "status", "total_cents", "created_at", "items": [{"sku", "quantity",
        "price_cents"}, ...]}``. Raises TypeError / ValueError for an ``order_id`` that is not an
        int >= 1.
        """
        _id("order_id", order_id)
        rows = self._rows(f"SELECT id, user_id, status, total_cents, created_at FROM orders WHERE id = {order_id}")
        if not rows:
            return None
        order = dict(zip(("id", "user_id", "status", "total_cents", "created_at"), rows[0], strict=True))
        items = self._rows(f"SELECT sku, quantity, price_cents FROM order_items WHERE order_id = {order_id} "
                           "ORDER BY id")
        order["items"] = [{"sku": s, "quantity": q, "price_cents": p} for s, q, p in items]
        return order

    def lifetime_spend(self, user_id: int) -> int:
        """The loyalty badge: the total, in cents, of the customer's orders with status 'shipped'.

        0 for a customer without any. Raises TypeError / ValueError for a ``user_id`` that is not
        an int >= 1.
        """
        _id("user_id", user_id)
        # The customer's own orders through idx_orders_user; the status is checked on those few rows.
        # (An index on status would not help: more than half of all orders are shipped.)
        rows = self._rows(f"SELECT total_cents FROM orders WHERE user_id = {user_id} AND status = 'shipped'")
        return sum(total for (total,) in rows)
