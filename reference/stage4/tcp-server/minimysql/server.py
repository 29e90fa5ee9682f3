"""minimysql's network face: the MySQL client/server protocol in front of a ``Database``.

One thread accepts connections; each connection gets a thread and a ``Session`` of its own.
Every message is a packet: a 3-byte little-endian payload length, a 1-byte sequence id, the
payload. A connection starts with the server's handshake (protocol version 10, a 20-byte
scramble for ``mysql_native_password``), the client's handshake response, and an OK or an
ERR; then the client sends commands (``COM_QUERY``, ``COM_PING``, ``COM_INIT_DB``,
``COM_QUIT``), each starting a new sequence at 0, and the server answers each with an OK, an
ERR or a text result set. A client that breaks the framing gets an ERR and the connection is
closed; the server goes on serving everyone else.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import itertools
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator

from minimysql.database import Database, DatabaseError, Result, Session
from minimysql.storage import OsStorage

MAX_ALLOWED_PACKET = 1 << 22  # the largest payload a client may send: 4 MiB (MySQL 5.7's default)
SERVER_VERSION = "8.0.0-minimysql"
AUTH_PLUGIN = "mysql_native_password"
UTF8MB4 = 45  # collation utf8mb4_general_ci: the handshake's character set and that of TEXT columns
BINARY = 63  # the "binary" collation numbers are sent with

# Capability flags (what the server speaks; the connection uses those the client asked for too).
CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_CONNECT_ATTRS = 0x100000
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000
CLIENT_DEPRECATE_EOF = 0x1000000
SERVER_CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB | CLIENT_PROTOCOL_41
                       | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_ATTRS
                       | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT_DEPRECATE_EOF)

# Status flags, sent in the handshake, every OK and every EOF.
SERVER_STATUS_IN_TRANS = 0x1
SERVER_STATUS_AUTOCOMMIT = 0x2
SERVER_STATUS_NO_BACKSLASH_ESCAPES = 0x200  # minimysql's strings know only '' (clients escape quotes that way)

COM_QUIT, COM_INIT_DB, COM_QUERY, COM_PING = 0x01, 0x02, 0x03, 0x0E

# Column types, and the column definition each Result type is sent with:
# (type, collation, display length, flags, decimals).
TYPE_TINY, TYPE_DOUBLE, TYPE_LONGLONG, TYPE_VAR_STRING = 0x01, 0x05, 0x08, 0xFD
BINARY_FLAG, NUM_FLAG = 0x80, 0x8000
COLUMN_TYPES = {
    "INT": (TYPE_LONGLONG, BINARY, 20, BINARY_FLAG | NUM_FLAG, 0),
    "FLOAT": (TYPE_DOUBLE, BINARY, 22, BINARY_FLAG | NUM_FLAG, 31),
    "BOOL": (TYPE_TINY, BINARY, 1, BINARY_FLAG | NUM_FLAG, 0),
    "TEXT": (TYPE_VAR_STRING, UTF8MB4, 262140, 0, 0),
}

# Errors of the protocol itself (a DatabaseError carries its own code and SQLSTATE).
ER_HANDSHAKE_ERROR = (1043, "08S01", "Bad handshake")
ER_NO_DB_ERROR = (1046, "3D000", "No database selected")
ER_UNKNOWN_COM_ERROR = (1047, "08S01", "Unknown command")
ER_UNKNOWN_ERROR = (1105, "HY000", "Unknown error")
ER_NET_PACKET_TOO_LARGE = (1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
ER_NET_PACKETS_OUT_OF_ORDER = (1156, "08S01", "Got packets out of order")
ER_INVALID_CHARACTER_STRING = (1300, "HY000", "Invalid utf8mb4 character string")
ER_ACCESS_DENIED = (1045, "28000")  # its message names the user and the client's host

MAX_CHUNK = 0xFFFFFF  # a payload this long or longer goes out as several packets
# Statements clients send on connect, which the server answers itself: the connection always speaks UTF-8, and
# every statement outside BEGIN ... COMMIT commits (autocommit cannot be switched off).
SET_NAMES = re.compile(r"\s*SET\s+NAMES\s", re.IGNORECASE)
SET_AUTOCOMMIT = re.compile(r"\s*SET\s+(?:@@(?:SESSION\.)?|SESSION\s+)?AUTOCOMMIT\s*=\s*(\w+)\s*;?\s*$", re.IGNORECASE)
ER_AUTOCOMMIT_OFF = (1235, "42000", "minimysql does not support autocommit=0: use BEGIN ... COMMIT")


# -- encoding ------------------------------------------------------------------------------------------

def lenenc_int(n: int) -> bytes:
    """A length-encoded integer: 1, 3, 4 or 9 bytes."""
    if n < 251:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little")
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little")
    return b"\xfe" + n.to_bytes(8, "little")


def lenenc_str(data: bytes) -> bytes:
    return lenenc_int(len(data)) + data


def text_value(value: object) -> bytes:
    """A value as a text-protocol row sends it: TRUE is 1, a float the shortest text that reads back."""
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, bytes):
        return value
    if isinstance(value, float):
        return repr(value).encode()
    return str(value).encode("utf-8")


def column_definition(name: str, type_name: str) -> bytes:
    kind, collation, length, flags, decimals = COLUMN_TYPES.get(type_name, COLUMN_TYPES["TEXT"])
    return (lenenc_str(b"def") + lenenc_str(b"") + lenenc_str(b"") + lenenc_str(b"")
            + lenenc_str(name.encode("utf-8")) + lenenc_str(name.encode("utf-8"))
            + b"\x0c" + struct.pack("<HIBHB", collation, length, kind, flags, decimals) + b"\x00\x00")


def native_password_matches(token: bytes, scramble: bytes, password: str) -> bool:
    """mysql_native_password: the client sends SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))), or nothing
    for an empty password. XOR-ing the token with the second hash gives back SHA1(pw), whose SHA1 the
    server compares with the stored SHA1(SHA1(pw))."""
    if not password:
        return token == b""
    stored = hashlib.sha1(hashlib.sha1(password.encode("utf-8")).digest()).digest()
    if len(token) != len(stored):
        return False
    mask = hashlib.sha1(scramble + stored).digest()
    candidate = bytes(a ^ b for a, b in zip(token, mask, strict=True))
    return hmac.compare_digest(hashlib.sha1(candidate).digest(), stored)


class ProtocolError(Exception):
    """The client broke the protocol: it gets this ERR, then the connection closes."""

    def __init__(self, error: tuple[int, str, str]) -> None:
        super().__init__(error[2])
        self.error = error


class Disconnected(Exception):
    """The client went away (maybe in the middle of a packet)."""


class _Reader:
    """Fields of a client's packet, read in order; running past the end is a bad handshake."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ProtocolError(ER_HANDSHAKE_ERROR)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def nul_string(self, *, optional: bool = False) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            if not optional:
                raise ProtocolError(ER_HANDSHAKE_ERROR)
            end = len(self.data)  # some clients leave the NUL off the last field
        chunk = self.data[self.pos:end]
        self.pos = end + 1
        return chunk

    def lenenc_int(self) -> int:
        first = self.take(1)[0]
        if first < 251:
            return first
        size = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first)
        if size is None:
            raise ProtocolError(ER_HANDSHAKE_ERROR)
        return int.from_bytes(self.take(size), "little")

    def at_end(self) -> bool:
        return self.pos >= len(self.data)


# -- one connection -------------------------------------------------------------------------------------

class Connection:
    """One client: its socket, the sequence ids of the current exchange, and its Session once logged in."""

    def __init__(self, server: Server, sock: socket.socket, connection_id: int) -> None:
        self.server = server
        self.sock = sock
        self.id = connection_id
        self.buffer = bytearray()
        self.seq = 0  # the sequence id of the next packet the server sends
        self.expected = 0  # the sequence id the client's next packet must carry
        self.capabilities = 0
        self.schema = ""
        self.session: Session | None = None

    def serve(self) -> None:
        try:
            if self.handshake():
                self.session = self.server.database.session()
                try:
                    self.commands()
                finally:
                    self.session.close()
        except ProtocolError as exc:
            with contextlib.suppress(OSError):
                self.send(self.err(*exc.error))
        except (Disconnected, OSError):
            pass  # the client is gone (or stop() closed the socket): nothing to answer
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.server._forget(self)

    def shutdown(self) -> None:
        """Wake the connection's thread wherever it waits on the socket (stop() calls this)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    # -- packets --------------------------------------------------------------------------------------
    def _fill(self, n: int) -> None:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise Disconnected()
            self.buffer += chunk

    def read_packet(self) -> bytes:
        """The next packet's payload. The length is checked before a byte of the payload is read."""
        self._fill(4)
        length = int.from_bytes(self.buffer[:3], "little")
        seq = self.buffer[3]
        del self.buffer[:4]
        self.seq = (seq + 1) & 0xFF  # the answer to this packet carries the next number
        if length > MAX_ALLOWED_PACKET:
            raise ProtocolError(ER_NET_PACKET_TOO_LARGE)
        if seq != self.expected:
            raise ProtocolError(ER_NET_PACKETS_OUT_OF_ORDER)
        self.expected = self.seq
        self._fill(length)
        payload = bytes(self.buffer[:length])
        del self.buffer[:length]
        return payload

    def frame(self, payload: bytes) -> bytes:
        """``payload`` as one packet (or several, for 16 MiB and more), numbered from ``self.seq``."""
        parts = []
        while True:
            chunk, payload = payload[:MAX_CHUNK], payload[MAX_CHUNK:]
            parts.append(len(chunk).to_bytes(3, "little") + bytes((self.seq,)) + chunk)
            self.seq = (self.seq + 1) & 0xFF
            if len(chunk) < MAX_CHUNK:
                return b"".join(parts)

    def send(self, *payloads: bytes) -> None:
        """One write for the whole response, so no packet waits for the ACK of the one before."""
        self.sock.sendall(b"".join([self.frame(p) for p in payloads]))
        self.expected = self.seq

    # -- generic responses ----------------------------------------------------------------------------
    def status(self) -> int:
        flags = SERVER_STATUS_AUTOCOMMIT | SERVER_STATUS_NO_BACKSLASH_ESCAPES
        if self.session is not None and self.session.in_transaction:
            flags |= SERVER_STATUS_IN_TRANS
        return flags

    def ok(self, affected_rows: int = 0, header: int = 0x00) -> bytes:
        return bytes((header,)) + lenenc_int(affected_rows) + lenenc_int(0) + struct.pack("<HH", self.status(), 0)

    def eof(self) -> bytes:
        return b"\xfe" + struct.pack("<HH", 0, self.status())

    @staticmethod
    def err(code: int, sqlstate: str, message: str) -> bytes:
        if not (isinstance(code, int) and 0 < code < 1 << 16):
            code = ER_UNKNOWN_ERROR[0]
        if not (isinstance(sqlstate, str) and len(sqlstate) == 5 and sqlstate.isascii()):
            sqlstate = "HY000"
        return b"\xff" + struct.pack("<H", code) + b"#" + sqlstate.encode("ascii") + str(message).encode("utf-8")

    # -- connection phase -----------------------------------------------------------------------------
    def handshake(self) -> bool:
        """Greet, read the client's response, check the password: True when the client may go on."""
        scramble = bytes(33 + b % 94 for b in os.urandom(20))  # printable, never NUL
        caps = SERVER_CAPABILITIES
        greeting = (b"\x0a" + SERVER_VERSION.encode() + b"\x00" + struct.pack("<I", self.id) + scramble[:8] + b"\x00"
                    + struct.pack("<HBHHB", caps & 0xFFFF, UTF8MB4, self.status(), caps >> 16, len(scramble) + 1)
                    + bytes(10) + scramble[8:] + b"\x00" + AUTH_PLUGIN.encode() + b"\x00")
        self.seq = 0
        self.send(greeting)
        reader = _Reader(self.read_packet())
        flags, _max_packet, _charset = struct.unpack("<IIB", reader.take(9))
        reader.take(23)
        if not flags & CLIENT_PROTOCOL_41:
            raise ProtocolError(ER_HANDSHAKE_ERROR)
        self.capabilities = flags & SERVER_CAPABILITIES
        user = reader.nul_string().decode("utf-8", "replace")
        if self.capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA:
            token = reader.take(reader.lenenc_int())
        elif self.capabilities & CLIENT_SECURE_CONNECTION:
            token = reader.take(reader.take(1)[0])
        else:
            token = reader.nul_string()
        if self.capabilities & CLIENT_CONNECT_WITH_DB and not reader.at_end():
            self.schema = reader.nul_string(optional=True).decode("utf-8", "replace")
        plugin = b""
        if self.capabilities & CLIENT_PLUGIN_AUTH and not reader.at_end():
            plugin = reader.nul_string(optional=True)
        if plugin and plugin != AUTH_PLUGIN.encode():
            # The client hashed for another method: ask for mysql_native_password on the same scramble.
            self.send(b"\xfe" + AUTH_PLUGIN.encode() + b"\x00" + scramble + b"\x00")
            token = self.read_packet()
        if user != self.server.user or not native_password_matches(token, scramble, self.server.password):
            code, sqlstate = ER_ACCESS_DENIED
            host = self.sock.getpeername()[0]
            using = "YES" if token else "NO"
            self.send(self.err(code, sqlstate, f"Access denied for user '{user}'@'{host}' (using password: {using})"))
            return False
        self.send(self.ok())
        return True

    # -- command phase --------------------------------------------------------------------------------
    def commands(self) -> None:
        while True:
            self.expected = 0  # every command starts a new sequence
            payload = self.read_packet()
            command, body = (payload[0], payload[1:]) if payload else (None, b"")
            if command == COM_QUIT:
                return
            if command == COM_PING:
                self.send(self.ok())
            elif command == COM_INIT_DB:
                self.init_db(body)
            elif command == COM_QUERY:
                self.query(body)
            else:
                self.send(self.err(*ER_UNKNOWN_COM_ERROR))

    def init_db(self, body: bytes) -> None:
        """There is one database, whatever a client calls it: any name is accepted and kept."""
        name = body.decode("utf-8", "replace")
        if not name:
            self.send(self.err(*ER_NO_DB_ERROR))
            return
        self.schema = name
        self.send(self.ok())

    def query(self, body: bytes) -> None:
        assert self.session is not None
        try:
            sql = body.decode("utf-8")
        except UnicodeDecodeError:
            self.send(self.err(*ER_INVALID_CHARACTER_STRING))
            return
        if SET_NAMES.match(sql):
            self.send(self.ok())
            return
        if match := SET_AUTOCOMMIT.match(sql):
            on = match.group(1).upper() in ("1", "ON", "TRUE")
            self.send(self.ok() if on else self.err(*ER_AUTOCOMMIT_OFF))
            return
        try:
            result = self.session.execute(sql)
        except DatabaseError as exc:
            self.send(self.err(getattr(exc, "code", 0), getattr(exc, "sqlstate", ""), getattr(exc, "message", exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a bug below must not take the connection down
            code, sqlstate, message = ER_UNKNOWN_ERROR
            self.send(self.err(code, sqlstate, f"{message}: {type(exc).__name__}"))
            return
        if result.columns:
            self.send(*self.result_set(result))
        else:
            self.send(self.ok(result.affected_rows))

    def result_set(self, result: Result) -> Iterator[bytes]:
        """Column count, column definitions, [EOF], one packet per row, then EOF (or an OK marked 0xFE)."""
        deprecate_eof = bool(self.capabilities & CLIENT_DEPRECATE_EOF)
        yield lenenc_int(len(result.columns))
        for index, name in enumerate(result.columns):
            yield column_definition(name, result.types[index] if index < len(result.types) else "TEXT")
        if not deprecate_eof:
            yield self.eof()
        for row in result.rows:
            yield b"".join(b"\xfb" if value is None else lenenc_str(text_value(value)) for value in row)
        yield self.ok(header=0xFE) if deprecate_eof else self.eof()


# -- the server -----------------------------------------------------------------------------------------

class Server:
    """Serves ``database`` over the MySQL protocol: one thread per connection, one Session each."""

    def __init__(self, database: Database, host: str = "127.0.0.1", port: int = 0, *,
                 user: str = "root", password: str = "") -> None:
        self.database = database
        self.user = user
        self.password = password
        self.address: tuple[str, int] = (host, port)
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._connections: dict[Connection, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._ids = itertools.count(1)

    def start(self) -> None:
        if self._listener is not None:
            raise RuntimeError("the server was already started")
        self._listener = socket.create_server(self.address, backlog=128)
        self.address = self._listener.getsockname()[:2]
        self._acceptor = threading.Thread(target=self._accept, name="minimysql-accept", daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _peer = self._listener.accept()
            except OSError:
                if self._stopping:
                    return
                time.sleep(0.01)  # e.g. out of file descriptors: try again shortly
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(self, sock, next(self._ids))
            thread = threading.Thread(target=connection.serve, name=f"minimysql-conn-{connection.id}", daemon=True)
            with self._lock:
                if self._stopping:
                    sock.close()
                    return
                self._connections[connection] = thread
                thread.start()

    def _forget(self, connection: Connection) -> None:
        with self._lock:
            self._connections.pop(connection, None)

    def stop(self) -> None:
        """Close the listener and every connection, and wait for all the server's threads to end."""
        with self._lock:
            if self._stopping or self._listener is None:
                return
            self._stopping = True
            connections = dict(self._connections)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        if self._acceptor is not None:
            self._acceptor.join()
        for connection in connections:
            connection.shutdown()
        for thread in connections.values():
            thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minimysql.server",
                                     description="Serve a minimysql database over the MySQL protocol.")
    parser.add_argument("--data", required=True, help="the directory that holds the database's files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3306, help="0 picks a free port")
    parser.add_argument("--user", default="root")
    parser.add_argument("--password", default="")
    args = parser.parse_args(argv)
    database = Database(OsStorage(args.data))
    server = Server(database, args.host, args.port, user=args.user, password=args.password)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    server.start()
    host, port = server.address
    print(f"minimysql listening on {host}:{port}", flush=True)
    try:
        stopped.wait()
    finally:
        server.stop()
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
