"""Stage 4's reference mini-mysql, end to end: the real server process, real PyMySQL clients,
SIGKILL at 50 seeded crash points, and no acknowledged commit lost.

The graders crash the learner's modules with seeded power cuts (fast, exact) and SIGKILL a few
times; this test holds the assembled reference to the issue's bar with whole processes: two
clients commit two-row transactions while the server is killed after a seeded number of
acknowledged commits, then a restarted server must show every acknowledged transaction, both
rows of every transaction it shows, and nothing that was never sent.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest
from conftest import REPO

from swai.catalog import Catalog
from swai.scaffold import scaffold

CRASH_POINTS = 50
CLIENTS = 2
PASSWORD = "crash-test"
START_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def project(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    needed = ("stage4/sql-parser", "stage4/transactions", "stage4/tcp-server")
    status = {exercise.id: exercise.status for exercise in catalog.exercises}
    if any(status.get(name) != "ready" for name in needed):
        pytest.skip("the Stage 4 server's exercises are not all ready")
    repo = tmp_path_factory.mktemp("mini-mysql")
    scaffold(catalog, repo, source="reference", stages=["stage4"])
    return repo / "projects" / catalog.stage("stage4").project


class Server:
    """``python -m minimysql.server`` on a data directory, on a port it picks itself."""

    def __init__(self, project: Path, data: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(project)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "minimysql.server", "--data", str(data), "--port", "0", "--password", PASSWORD],
            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(START_TIMEOUT, self.process.kill)
        timer.start()
        try:
            line = self.process.stdout.readline() if self.process.stdout else ""
        finally:
            timer.cancel()
        if "listening on" not in line:
            self.process.kill()
            raise AssertionError(f"the server did not start: {line!r} {self.process.communicate()[1][-2000:]}")
        self.port = int(line.rsplit(":", 1)[1])

    def connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", password=PASSWORD,
                               autocommit=True, connect_timeout=10, read_timeout=30, write_timeout=30)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, shared by the client threads."""

    kill_after: int
    server: Server
    sent: set[int] = field(default_factory=set)
    acknowledged: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledge(self, txn: int) -> None:
        with self.lock:
            self.acknowledged.add(txn)
            if len(self.acknowledged) == self.kill_after:
                self.server.kill()  # mid-workload: the other client may be inside its commit


def client(ledger: Ledger, first_txn: int, step: int) -> None:
    txn = first_txn
    try:
        connection = ledger.server.connect()
        with connection.cursor() as cursor:
            while True:
                with ledger.lock:
                    ledger.sent.add(txn)
                cursor.execute("BEGIN")
                cursor.execute(f"INSERT INTO orders (id, item) VALUES ({txn}, 'item-{txn}')")
                cursor.execute(f"INSERT INTO payments (id, amount) VALUES ({txn}, {txn % 97})")
                cursor.execute("COMMIT")
                ledger.acknowledge(txn)
                txn += step
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError, ConnectionError):
        return  # the server is gone: whatever was not acknowledged may or may not be there


def ids(server: Server, table: str) -> set[int]:
    connection = server.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table}")
            return {int(row[0]) for row in cursor.fetchall()}
    finally:
        connection.close()


def test_sigkill_at_seeded_points_loses_no_acknowledged_commit(project: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = Server(project, data)
    setup = server.connect()
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE orders (id INT PRIMARY KEY, item TEXT NOT NULL)")
        cursor.execute("CREATE TABLE payments (id INT PRIMARY KEY, amount INT NOT NULL)")
    setup.close()
    sent: set[int] = set()
    acknowledged: set[int] = set()
    next_txn = 1
    for seed in range(CRASH_POINTS):
        ledger = Ledger(kill_after=random.Random(seed).randint(1, 25), server=server)
        threads = [threading.Thread(target=client, args=(ledger, next_txn + i, CLIENTS)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), f"crash point {seed}: a client hung"
        sent |= ledger.sent
        acknowledged |= ledger.acknowledged
        next_txn = max(sent) + 1
        server = Server(project, data)  # recovery
        orders, payments = ids(server, "orders"), ids(server, "payments")
        where = f"crash point {seed} (killed after {ledger.kill_after} commits of this round)"
        assert acknowledged <= orders, f"{where}: acknowledged orders lost: {sorted(acknowledged - orders)[:10]}"
        assert orders == payments, f"{where}: half a transaction survived: {sorted(orders ^ payments)[:10]}"
        assert orders <= sent, f"{where}: rows nobody sent: {sorted(orders - sent)[:10]}"
    in_flight = sent - acknowledged
    print(f"{CRASH_POINTS} SIGKILLs: {len(acknowledged)} acknowledged commits, all present; of {len(in_flight)} "
          f"in flight at a kill, {len(in_flight & orders)} survived whole and the rest left no row")
    server.kill()
    assert len(acknowledged) >= CRASH_POINTS, "the workload acknowledged too few commits to prove anything"


def test_reference_project_is_complete(project: Path) -> None:
    """The scaffold above really is the assembled reference (not stubs that happen to import)."""
    source = (project / "minimysql" / "server.py").read_text(encoding="utf-8")
    assert source == (REPO / "reference" / "stage4" / "tcp-server" / "minimysql" / "server.py").read_text(
        encoding="utf-8")
