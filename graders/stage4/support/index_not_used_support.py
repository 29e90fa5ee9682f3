"""The load of stage4/index-not-used, and the grader's own scenarios, run inside the subject.

The grader calls ``replay()`` from here in one round trip: this module is the source of truth
for the load. The learner's incidents/index_not_used_load.py holds a verbatim copy of
everything between the ">>> shared" and "<<< end" lines below, so what the learner measures is
exactly what the grader re-measures with the same incidents/index_not_used.py and
minimysql/database.py.

The block imports nothing of the learner's at module level (``minimysql`` and the incident
module are imported when a load runs), so the grader also loads this file in its own process
for the seeded data and the request mix, which it needs for the expected answers.

Below the block: what only the grader does. ``replay`` runs the load and then asks the same
database for the plan of every statement the shop sent (an UPDATE or DELETE through the SELECT
with its table and WHERE, built with the learner's parser) and for the orders as the load left
them; ``calls`` plays single calls on a small hand-made shop; ``plan_check`` runs the learner's
``find_full_scans`` on the grader's own statements and reports what it returned and whether
anything changed. Everything comes back as plain data; the verdicts are computed in the grader.
"""

from __future__ import annotations

# >>> shared with support/index_not_used_support.py: the grader replays this block, keep it unchanged
import hashlib
import importlib
import random
import re
from collections.abc import Sequence
from typing import Any

MODULE = "incidents.index_not_used"
SEED = 3030  # the load's data and request mix come from this seed: every run is the same
PRODUCTS = 1000
CUSTOMERS = 800
ORDERS = 2500
REQUESTS = 240
SLOW_ROWS = 100  # the slow log keeps statements that examined at least this many rows (min_examined_row_limit)
NOW = 1_717_200_000  # the shop's clock when the load starts (seconds; shipments leave every 15 minutes)
SPAN = 60 * 86_400  # orders were placed in the 60 days before NOW
SLOT = 900
ORDER_NUMBER_BASE = 100_000  # customers see order 42 as "#100042"
BATCH = 250  # rows per INSERT while the load fills the database
FEATURES = ("products_in_price_band", "recently_shipped", "find_customer", "order_by_number", "mark_shipped",
            "orders_of_customer")
SCHEMA = (  # production's schema, indexes included, exactly as the database has it
    "CREATE TABLE products (id INT PRIMARY KEY, sku VARCHAR(20) NOT NULL, name VARCHAR(80) NOT NULL, "
    "price_cents INT)",
    "CREATE INDEX idx_products_price ON products (price_cents)",
    "CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(120), phone VARCHAR(20), name VARCHAR(80) NOT NULL)",
    "CREATE INDEX idx_customers_email ON customers (email)",
    "CREATE INDEX idx_customers_phone ON customers (phone)",
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(12) NOT NULL, "
    "total_cents INT NOT NULL, created_at INT NOT NULL, shipped_at INT)",
    "CREATE INDEX idx_orders_customer ON orders (customer_id)",
    "CREATE INDEX idx_orders_shipped ON orders (shipped_at)",
)
NAMES = ("ana", "ben", "chen", "dara", "eli", "fatima", "goran", "hana", "ivan", "jun", "kofi", "lena", "mei",
         "nils", "olga", "priya", "quinn", "rosa", "sven", "tomas", "uma", "vera", "wei", "yusuf", "zoe")
GOODS = ("mug", "lamp", "kettle", "scarf", "notebook", "teapot", "backpack", "candle", "blanket", "clock")
STATUS_WEIGHTS = {"pending": 10, "paid": 25, "shipped": 55, "cancelled": 10}


class ScratchFile:
    """A file of ScratchStorage: bytes in memory (the load needs no disk and no fsync)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self.data[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> None:
        if offset > len(self.data):
            self.data.extend(bytes(offset - len(self.data)))
        self.data[offset:offset + len(data)] = data

    def append(self, data: bytes) -> int:
        offset = len(self.data)
        self.data.extend(data)
        return offset

    def size(self) -> int:
        return len(self.data)

    def truncate(self, size: int) -> None:
        del self.data[size:]

    def sync(self) -> None:
        pass

    def close(self) -> None:
        pass


class ScratchStorage:
    """A minimysql Storage in memory, for a database that lives as long as the load."""

    def __init__(self) -> None:
        self.files: dict[str, ScratchFile] = {}

    def open(self, name: str) -> ScratchFile:
        return self.files.setdefault(name, ScratchFile())

    def exists(self, name: str) -> bool:
        return name in self.files

    def remove(self, name: str) -> None:
        self.files.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self.files)


def dataset(seed: int = SEED) -> dict[str, list[tuple[Any, ...]]]:
    """The shop's rows: products (id, sku, name, price_cents), customers (id, email, phone, name)
    and orders (id, customer_id, status, total_cents, created_at, shipped_at)."""
    rng = random.Random(seed)
    products: list[tuple[Any, ...]] = []
    for product_id in range(1, PRODUCTS + 1):
        price = None if rng.random() < 0.03 else rng.randint(1, 150) * 100 + rng.choice((0, 0, 49, 50, 90, 95, 99))
        products.append((product_id, f"SKU-{product_id:05d}", f"{rng.choice(GOODS)} {rng.choice(NAMES)}", price))
    customers: list[tuple[Any, ...]] = []
    for customer_id in range(1, CUSTOMERS + 1):
        name = rng.choice(NAMES)
        kind = rng.random()
        email = f"{name}{customer_id}@example.com" if kind < 0.85 else None
        if kind >= 0.6:
            phone = f"+1555{rng.randrange(10**7):07d}" if customers[-1:] == [] or rng.random() > 0.1 \
                else customers[-1][2]  # now and then a household shares one phone
        else:
            phone = None
        customers.append((customer_id, email, phone, name.title()))
    orders: list[tuple[Any, ...]] = []
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for order_id in range(1, ORDERS + 1):
        created = NOW - rng.randrange(SPAN)
        status = rng.choices(statuses, weights)[0]
        shipped = None
        if status == "shipped":  # the next pickup at least an hour after the order, at most three days
            shipped = min(NOW, (created + rng.randrange(3600, 3 * 86_400)) // SLOT * SLOT + SLOT)
        orders.append((order_id, rng.randint(1, CUSTOMERS), status, rng.randint(5, 400) * 100 - 1, created, shipped))
    return {"products": products, "customers": customers, "orders": orders}


def requests(data: dict[str, list[tuple[Any, ...]]], seed: int = SEED,
             count: int = REQUESTS) -> list[tuple[str, tuple[Any, ...]]]:
    """The calls of the load, in order: (method of ShopQueries, its arguments)."""
    rng = random.Random(seed + 1)
    shipped = sorted({o[5] for o in data["orders"] if o[5] is not None})
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for number, feature in enumerate(rng.choices(FEATURES, weights=(5, 3, 4, 4, 2, 2), k=count)):
        if feature == "products_in_price_band":
            low = rng.randint(1, 148)
            calls.append((feature, (low, low + rng.choice((0, 1, 2)))))
        elif feature == "recently_shipped":
            calls.append((feature, (rng.choice(shipped), rng.choice((SLOT, 3600, 7200)))))
        elif feature == "find_customer":
            customer = rng.choice(data["customers"])
            pick = rng.random()
            login = customer[1] if pick < 0.5 else customer[2] if pick < 0.9 else f"+1555{rng.randrange(10**7):07d}"
            calls.append((feature, (login if login is not None else f"nobody{number}@example.com",)))
        elif feature == "order_by_number":
            known = rng.random() < 0.9
            calls.append((feature, (ORDER_NUMBER_BASE + rng.randint(1, ORDERS) if known else rng.randint(1, 5000),)))
        elif feature == "mark_shipped":
            calls.append((feature, (ORDER_NUMBER_BASE + rng.randint(1, ORDERS), NOW + number)))
        else:
            calls.append((feature, (rng.randint(1, CUSTOMERS),)))
    return calls


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def insert_rows(session: Any, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), BATCH):
        values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows[start:start + BATCH])
        session.execute(f"INSERT INTO {table} VALUES {values}")


def open_shop(data: dict[str, list[tuple[Any, ...]]]) -> tuple[Any, Any]:
    """A new database with production's schema (indexes included) holding ``data``."""
    from minimysql.database import Database

    db = Database(ScratchStorage())
    session = db.session()
    for statement in SCHEMA:
        session.execute(statement)
    for table in ("products", "customers", "orders"):
        insert_rows(session, table, data[table])
    return db, session


class RecordingSession:
    """The session the shop gets: it passes every statement on and keeps (statement, rows examined)."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.log: list[tuple[str, int]] = []

    def execute(self, sql_text: str) -> Any:
        result = self._session.execute(sql_text)
        self.log.append((sql_text, int(result.rows_examined)))
        return result


def plain(value: Any, depth: int = 0) -> Any:
    """An answer as plain data (dicts, lists, str, int, float, bool, None)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is dict and depth < 4:
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if type(value) in (list, tuple) and depth < 4:
        return [plain(v, depth + 1) for v in value]
    return f"<{type(value).__name__}: {value!r}>"[:120]


def call(shop: Any, feature: str, args: tuple[Any, ...]) -> list[Any]:
    """["value", the answer] or ["error", exception type, message]."""
    try:
        return ["value", plain(getattr(shop, feature)(*args))]
    except Exception as exc:  # noqa: BLE001 - what the feature did is the data here
        return ["error", type(exc).__name__, str(exc)[:200]]


def play(session: Any, calls: list[tuple[str, tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """Each call through a RecordingSession: its answer, its statements and their rows examined."""
    module = importlib.import_module(MODULE)
    recorder = RecordingSession(session)
    shop = module.ShopQueries(recorder)
    views = []
    for feature, args in calls:
        start = len(recorder.log)
        outcome = call(shop, feature, args)
        statements = recorder.log[start:]
        views.append({"page": feature, "args": list(args), "outcome": outcome,
                      "statements": [list(s) for s in statements], "rows_examined": sum(r for _, r in statements)})
    return views


def fingerprint(statement: str) -> str:
    """The statement with its literals as ?, in lower case, spaces collapsed (as pt-query-digest does)."""
    text = re.sub(r"'(?:[^']|'')*'", "?", statement)
    text = re.sub(r"\b\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\b", "?", text)
    return " ".join(text.split()).lower()


def slow_log(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The slow log's digest: statements that examined at least SLOW_ROWS rows, grouped by
    fingerprint, the most rows examined in all first."""
    groups: dict[str, dict[str, Any]] = {}
    for v in views:
        for statement, rows in v["statements"]:
            if rows >= SLOW_ROWS:
                key = fingerprint(statement)
                entry = groups.setdefault(key, {"fingerprint": key, "calls": 0, "rows_examined": 0, "max": 0,
                                                "example": statement})
                entry["calls"] += 1
                entry["rows_examined"] += rows
                entry["max"] = max(entry["max"], rows)
    return sorted(groups.values(), key=lambda e: (-e["rows_examined"], e["fingerprint"]))


def figures(views: list[dict[str, Any]]) -> dict[str, int]:
    """The three figures of the load: rows examined per request (the mean, rounded), the most
    rows one request examined, and how many statements the slow log kept."""
    total = sum(v["rows_examined"] for v in views)
    return {"rows_examined_per_request": (2 * total + len(views)) // (2 * len(views)),
            "max_rows_examined": max(v["rows_examined"] for v in views),
            "slow_statements": sum(1 for v in views for _, rows in v["statements"] if rows >= SLOW_ROWS)}


def run_load(seed: int = SEED, count: int = REQUESTS) -> dict[str, Any]:
    """Fill a database with the seeded shop, then play the seeded calls on YOUR ShopQueries."""
    data = dataset(seed)
    db, session = open_shop(data)
    try:
        views = play(session, requests(data, seed, count))
    finally:
        db.close()
    return {"views": views, "slow_log": slow_log(views), "figures": figures(views)}


def report(result: dict[str, Any]) -> list[str]:
    """The load's figures as the lines the load script prints."""
    views = result["views"]
    lines = [f"{len(views)} requests, {sum(len(v['statements']) for v in views)} statements", "",
             "feature                 calls  rows examined per call (mean)  most  errors"]
    for feature in FEATURES:
        mine = [v for v in views if v["page"] == feature]
        if mine:
            mean = sum(v["rows_examined"] for v in mine) / len(mine)
            errors = sum(1 for v in mine if v["outcome"][0] == "error")
            lines.append(f"{feature:<22}  {len(mine):>5}  {mean:>29.1f}  {max(v['rows_examined'] for v in mine):>4}"
                         f"  {errors:>6}")
    for v in views:
        if v["outcome"][0] == "error":
            lines.append(f"  first error: {v['page']}{tuple(v['args'])} raised {v['outcome'][1]}: {v['outcome'][2]}")
            break
    log = result["slow_log"]
    lines += ["", f"# Slow log digest: statements that examined >= {SLOW_ROWS} rows (min_examined_row_limit), "
                  f"{sum(e['calls'] for e in log)} in {len(log)} groups"]
    if log:
        lines.append("# Rank  Query ID            Calls  Rows examined  Per call     Max")
    for rank, e in enumerate(log, 1):
        query_id = hashlib.md5(e["fingerprint"].encode()).hexdigest()[16:].upper()
        lines.append(f"# {rank:>4}  0x{query_id}  {e['calls']:>5}  {e['rows_examined']:>13}"
                     f"  {e['rows_examined'] // e['calls']:>8}  {e['max']:>6}")
        lines.append(f"#       {e['fingerprint']}")
        lines.append(f"#       Example: {e['example']}")
    f = result["figures"]
    lines += ["", f"rows examined per request (mean):    {f['rows_examined_per_request']}",
              f"rows examined by one request (most): {f['max_rows_examined']}",
              f"statements in the slow log:          {f['slow_statements']}"]
    return lines
# <<< end of the shared block

# ---- the grader's own scenarios ----------------------------------------------------------------------


def explain(session: Any, statement: str) -> dict[str, Any] | None:
    """The plan of a SELECT, UPDATE or DELETE as {column: value} (an UPDATE or DELETE through the
    SELECT with its table and WHERE); None for a statement without a plan; {"error": ...} if the
    database or the parser refused it."""
    try:
        from minimysql import sql

        tree = sql.parse(statement)
        if isinstance(tree, sql.Select):
            probe = statement
        elif isinstance(tree, (sql.Update, sql.Delete)):
            probe = sql.format_sql(sql.Select(None, tree.table, tree.where, (), None, None))
        else:
            return None
        result = session.execute("EXPLAIN " + probe)
        return {str(k): plain(v) for k, v in zip(result.columns, result.rows[0], strict=True)}
    except Exception as exc:  # noqa: BLE001 - reported to the grader as data
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def replay() -> dict[str, Any]:
    """The load; then, on the same database, the plan of every distinct statement the shop sent
    (first seen first), and the orders as the load left them."""
    data = dataset()
    db, session = open_shop(data)
    try:
        views = play(session, requests(data))
        seen = list(dict.fromkeys(s for v in views for s, _ in v["statements"]))
        plans = {s: explain(session, s) for s in seen}
        orders = [list(row) for row in session.execute(
            "SELECT id, status, shipped_at FROM orders ORDER BY id").rows]
        return {"views": views, "slow_log": slow_log(views), "figures": figures(views),
                "plans": {s: p for s, p in plans.items() if p is not None}, "orders": orders}
    finally:
        db.close()


def calls(data: dict[str, list[list[Any]]], plays: list[list[Any]]) -> dict[str, Any]:
    """Single calls on a database holding ``data``; their answers and the orders afterwards."""
    db, session = open_shop({table: [tuple(row) for row in rows] for table, rows in data.items()})
    try:
        views = play(session, [(feature, tuple(args)) for feature, args in plays])
        orders = [list(row) for row in session.execute("SELECT id, status, shipped_at FROM orders ORDER BY id").rows]
        return {"views": views, "orders": orders}
    finally:
        db.close()


CHECK_MODULE = "incidents.index_not_used_check"


def plan_check(schema: list[str], rows: dict[str, list[list[Any]]], statements: list[Any]) -> dict[str, Any]:
    """YOUR find_full_scans(session, statements) on a database built from ``schema`` and ``rows``:
    what it returned or raised, and whether the tables or the session changed meanwhile."""
    from minimysql.database import Database

    db = Database(ScratchStorage())
    session = db.session()
    try:
        for statement in schema:
            session.execute(statement)
        for table, table_rows in rows.items():
            if table_rows:
                insert_rows(session, table, [tuple(r) for r in table_rows])

        def snapshot() -> dict[str, list[str]]:
            return {table: sorted(repr(r) for r in session.execute(f"SELECT * FROM {table}").rows) for table in rows}

        before = snapshot()
        try:
            found = importlib.import_module(CHECK_MODULE).find_full_scans(session, statements)
            outcome = ["value", plain(found)]
        except Exception as exc:  # noqa: BLE001 - what the check did is the data here
            outcome = ["error", type(exc).__name__, str(exc)[:200], [c.__name__ for c in type(exc).__mro__]]
        open_transaction = session.in_transaction is True
        changed = snapshot() != before
        if open_transaction:
            session.execute("ROLLBACK")
        return {"outcome": outcome, "changed": changed, "open_transaction": open_transaction}
    finally:
        db.close()
