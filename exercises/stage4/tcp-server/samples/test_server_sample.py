"""Public sample tests for minimysql.server. The grader checks much more than this."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from minimysql.database import Database
from minimysql.server import Server
from minimysql.storage import OsStorage


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database = Database(OsStorage(tmp_path))
    server = Server(database, password="secret")
    server.start()
    yield server
    server.stop()
    database.close()


def connect(server: Server, password: str = "secret") -> pymysql.connections.Connection:
    host, port = server.address
    return pymysql.connect(host=host, port=port, user="root", password=password, autocommit=True,
                           connect_timeout=5, read_timeout=5)


def recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "the server closed the connection"
        data += chunk
    return data


def test_greeting_is_a_handshake_v10(server: Server) -> None:
    with socket.create_connection(server.address, timeout=5) as sock:
        header = recv_exactly(sock, 4)
        length, seq = int.from_bytes(header[:3], "little"), header[3]
        payload = recv_exactly(sock, length)
    assert seq == 0
    assert payload[0] == 10  # protocol version
    version_end = payload.index(b"\x00", 1)
    assert payload[1:version_end] == b"8.0.0-minimysql"
    assert payload.endswith(b"mysql_native_password\x00")
    flags_low = struct.unpack_from("<H", payload, version_end + 1 + 4 + 9)[0]
    assert flags_low & 0x200  # CLIENT_PROTOCOL_41


def test_create_insert_select(server: Server) -> None:
    conn = connect(server)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT, score FLOAT, ok BOOL)")
        assert cur.execute("INSERT INTO t VALUES (1, 'ada', 2.5, TRUE), (2, NULL, NULL, FALSE)") == 2
        cur.execute("INSERT INTO t (id, name) VALUES (%s, %s)", (3, "it's"))
        cur.execute("SELECT * FROM t ORDER BY id")
        assert cur.fetchall() == ((1, "ada", 2.5, 1), (2, None, None, 0), (3, "it's", None, None))
        assert [d[0] for d in cur.description] == ["id", "name", "score", "ok"]
    conn.close()


def test_errors_arrive_with_their_code(server: Server) -> None:
    conn = connect(server)
    with conn.cursor() as cur, pytest.raises(pymysql.MySQLError) as caught:
        cur.execute("SELECT * FROM no_such_table")
    assert caught.value.args[0] == 1146
    conn.ping(reconnect=False)  # the connection survives the error
    conn.close()


def test_wrong_password_is_refused(server: Server) -> None:
    with pytest.raises(pymysql.err.OperationalError) as caught:
        connect(server, password="wrong")
    assert caught.value.args[0] == 1045


def test_transaction_rolls_back(server: Server) -> None:
    conn = connect(server)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        conn.begin()
        cur.execute("INSERT INTO t VALUES (1)")
        assert conn.server_status & 0x1  # SERVER_STATUS_IN_TRANS
        conn.rollback()
        cur.execute("SELECT * FROM t")
        assert cur.fetchall() == ()
    conn.close()


def test_stop_leaves_no_thread(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    database = Database(OsStorage(tmp_path))
    server = Server(database)
    server.start()
    conn = connect(server, password="")
    conn.ping(reconnect=False)
    server.stop()  # with the connection still open
    assert set(threading.enumerate()) - before == set()
    database.close()
