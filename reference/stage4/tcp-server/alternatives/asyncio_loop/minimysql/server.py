"""minimysql over the MySQL protocol, written around one asyncio event loop.

All sockets live on one event loop, in a thread of its own: reading and writing never block a
thread per client. The Database is another matter — ``execute`` may wait seconds for a lock —
so each connection has one worker thread that makes every call on its Session, in order; the
loop awaits the worker's answers. A lock wait then stalls that connection only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import queue
import re
import secrets
import signal
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any

from minimysql.database import Database, DatabaseError, Result
from minimysql.storage import OsStorage

MAX_ALLOWED_PACKET = 4 * 1024 * 1024
SERVER_VERSION = b"8.0.0-minimysql"
NATIVE = b"mysql_native_password"

CAPS = {"long_password": 1 << 0, "long_flag": 1 << 2, "connect_with_db": 1 << 3, "protocol_41": 1 << 9,
        "transactions": 1 << 13, "secure_connection": 1 << 15, "plugin_auth": 1 << 19, "connect_attrs": 1 << 20,
        "lenenc_auth_data": 1 << 21, "deprecate_eof": 1 << 24}
SERVER_CAPS = sum(CAPS.values())
IN_TRANS, AUTOCOMMIT, NO_BACKSLASH_ESCAPES = 1, 2, 512

# Result.types entry -> (collation, display length, type code, flags, decimals)
COLUMNS = {"INT": (63, 20, 8, 0x8080, 0), "FLOAT": (63, 22, 5, 0x8080, 31), "BOOL": (63, 1, 1, 0x8080, 0),
           "TEXT": (45, 262140, 253, 0, 0)}

SET_STATEMENT = re.compile(
    r"\s*SET\s+(?:(?P<names>NAMES)\s.*|(?:@@(?:SESSION\.)?|SESSION\s+)?AUTOCOMMIT\s*=\s*(?P<value>\w+)\s*;?\s*)$",
    re.IGNORECASE | re.DOTALL)


class Refused(Exception):
    """Answer with this error, then hang up."""

    def __init__(self, code: int, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.code, self.sqlstate, self.message = code, sqlstate, message


def int_lenenc(n: int) -> bytes:
    for limit, prefix, fmt in ((251, b"", "<B"), (1 << 16, b"\xfc", "<H"), (1 << 24, b"\xfd", "<I"),
                               (1 << 64, b"\xfe", "<Q")):
        if n < limit:
            packed = struct.pack(fmt, n)
            return prefix + (packed[:3] if prefix == b"\xfd" else packed)
    raise ValueError(f"{n} does not fit a length-encoded integer")


def str_lenenc(data: bytes) -> bytes:
    return int_lenenc(len(data)) + data


def as_text(value: Any) -> bytes:
    if value is True or value is False:
        return b"%d" % value
    if type(value) is float:
        return repr(value).encode()
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def token_ok(token: bytes, scramble: bytes, password: str) -> bool:
    if password == "":
        return len(token) == 0
    double = hashlib.sha1(hashlib.sha1(password.encode("utf-8")).digest()).digest()
    if len(token) != 20:
        return False
    mask = hashlib.sha1(scramble + double).digest()
    single = bytes(t ^ m for t, m in zip(token, mask, strict=True))
    return hmac.compare_digest(hashlib.sha1(single).digest(), double)


class Worker(threading.Thread):
    """The one thread that touches a connection's Session: calls run in the order they were made."""

    def __init__(self, server: Server, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.jobs: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()

    def run(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                fn, future = job
                try:
                    outcome: tuple[Any, BaseException | None] = (fn(), None)
                except Exception as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                    outcome = (None, exc)
                self.loop.call_soon_threadsafe(self._settle, future, *outcome)
        finally:
            with self.server.lock:
                self.server.workers.discard(self)

    @staticmethod
    def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    async def call(self, fn: Callable[[], Any]) -> Any:
        future = self.loop.create_future()
        self.jobs.put((fn, future))
        return await future

    def finish(self) -> None:
        self.jobs.put(None)


class Connection:
    def __init__(self, server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ident: int) -> None:
        self.server, self.reader, self.writer, self.ident = server, reader, writer, ident
        self.next_seq = 0
        self.caps = 0
        self.session: Any = None
        self.database_name = b""

    # -- framing --------------------------------------------------------------------------------------
    async def receive(self, expected_seq: int) -> bytes:
        header = await self.reader.readexactly(4)
        size = header[0] | header[1] << 8 | header[2] << 16
        self.next_seq = (header[3] + 1) % 256
        if size > MAX_ALLOWED_PACKET:
            raise Refused(1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
        if header[3] != expected_seq:
            raise Refused(1156, "08S01", "Got packets out of order")
        return await self.reader.readexactly(size)

    async def reply(self, *payloads: bytes) -> None:
        out = bytearray()
        for payload in payloads:
            view = memoryview(payload)
            while True:
                chunk = view[:0xFFFFFF]
                view = view[0xFFFFFF:]
                out += struct.pack("<I", len(chunk))[:3] + bytes((self.next_seq,)) + chunk
                self.next_seq = (self.next_seq + 1) % 256
                if len(chunk) < 0xFFFFFF:
                    break
        self.writer.write(bytes(out))
        await self.writer.drain()

    def flags(self) -> int:
        busy = self.session is not None and self.session.in_transaction
        return AUTOCOMMIT | NO_BACKSLASH_ESCAPES | (IN_TRANS if busy else 0)

    def ok(self, affected: int = 0, marker: bytes = b"\x00") -> bytes:
        return marker + int_lenenc(affected) + b"\x00" + struct.pack("<HH", self.flags(), 0)

    @staticmethod
    def error(code: int, sqlstate: str, message: str) -> bytes:
        state = sqlstate if isinstance(sqlstate, str) and len(sqlstate) == 5 and sqlstate.isascii() else "HY000"
        number = code if isinstance(code, int) and 0 < code <= 0xFFFF else 1105
        return struct.pack("<BH", 0xFF, number) + b"#" + state.encode() + str(message).encode("utf-8")

    # -- the connection's life ------------------------------------------------------------------------
    async def run(self, worker: Worker) -> None:
        try:
            if await self.login():
                self.session = await worker.call(self.server.database.session)
                await self.commands(worker)
        except Refused as refused:
            with contextlib.suppress(ConnectionError, OSError):
                await self.reply(self.error(refused.code, refused.sqlstate, refused.message))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            try:
                if self.session is not None:
                    await worker.call(self.session.close)
            finally:
                worker.finish()
                self.writer.close()

    async def login(self) -> bool:
        scramble = bytes(33 + secrets.randbelow(94) for _ in range(20))
        greeting = b"".join([
            b"\x0a", SERVER_VERSION, b"\x00", struct.pack("<I", self.ident), scramble[:8], b"\x00",
            struct.pack("<H", SERVER_CAPS & 0xFFFF), b"\x2d", struct.pack("<H", self.flags()),
            struct.pack("<H", SERVER_CAPS >> 16), b"\x15", b"\x00" * 10, scramble[8:], b"\x00", NATIVE, b"\x00"])
        self.next_seq = 0
        await self.reply(greeting)
        data = await self.receive(self.next_seq)
        user, token, plugin = self.parse_response(data)
        if plugin not in (b"", NATIVE):
            await self.reply(b"\xfe" + NATIVE + b"\x00" + scramble + b"\x00")
            token = await self.receive(self.next_seq)
        if user != self.server.user.encode() or not token_ok(token, scramble, self.server.password):
            peer = self.writer.get_extra_info("peername") or ("localhost",)
            await self.reply(self.error(1045, "28000", f"Access denied for user '{user.decode('utf-8', 'replace')}'"
                                                       f"@'{peer[0]}' (using password: {'YES' if token else 'NO'})"))
            return False
        await self.reply(self.ok())
        return True

    def parse_response(self, data: bytes) -> tuple[bytes, bytes, bytes]:
        bad = Refused(1043, "08S01", "Bad handshake")
        if len(data) < 32:
            raise bad
        (client_caps,) = struct.unpack_from("<I", data)
        if not client_caps & CAPS["protocol_41"]:
            raise bad
        self.caps = client_caps & SERVER_CAPS
        user_end = data.find(b"\x00", 32)
        if user_end < 0:
            raise bad
        user, at = data[32:user_end], user_end + 1
        if self.caps & CAPS["lenenc_auth_data"]:
            if at >= len(data) or data[at] >= 0xFB:
                raise bad
            size, at = data[at], at + 1  # tokens are short: one byte of length
        elif self.caps & CAPS["secure_connection"]:
            if at >= len(data):
                raise bad
            size, at = data[at], at + 1
        else:
            size = data.find(b"\x00", at) - at
            if size < 0:
                raise bad
        token = data[at:at + size]
        if len(token) != size:
            raise bad
        at += size + (0 if self.caps & (CAPS["lenenc_auth_data"] | CAPS["secure_connection"]) else 1)
        fields = []
        for flag in ("connect_with_db", "plugin_auth"):
            value = b""
            if self.caps & CAPS[flag] and at < len(data):
                end = data.find(b"\x00", at)
                end = len(data) if end < 0 else end
                value, at = data[at:end], end + 1
            fields.append(value)
        self.database_name = fields[0]
        return user, token, fields[1]

    async def commands(self, worker: Worker) -> None:
        while True:
            packet = await self.receive(0)
            kind = packet[:1]
            if kind == b"\x01":
                return
            if kind == b"\x0e":
                await self.reply(self.ok())
            elif kind == b"\x02":
                if len(packet) == 1:
                    await self.reply(self.error(1046, "3D000", "No database selected"))
                else:
                    self.database_name = packet[1:]
                    await self.reply(self.ok())
            elif kind == b"\x03":
                await self.reply(*await self.query(worker, packet[1:]))
            else:
                await self.reply(self.error(1047, "08S01", "Unknown command"))

    async def query(self, worker: Worker, body: bytes) -> list[bytes]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return [self.error(1300, "HY000", "Invalid utf8mb4 character string")]
        if special := SET_STATEMENT.match(text):
            if special.group("names") or special.group("value").lower() in ("1", "on", "true"):
                return [self.ok()]
            return [self.error(1235, "42000", "minimysql does not support autocommit=0: use BEGIN ... COMMIT")]
        try:
            result: Result = await worker.call(lambda: self.session.execute(text))
        except DatabaseError as exc:
            return [self.error(getattr(exc, "code", 1105), getattr(exc, "sqlstate", "HY000"),
                               getattr(exc, "message", str(exc)))]
        except Exception as exc:  # noqa: BLE001 - the connection outlives a bug in the database
            return [self.error(1105, "HY000", f"Unknown error: {type(exc).__name__}")]
        if not result.columns:
            return [self.ok(result.affected_rows)]
        return self.result_set(result)

    def result_set(self, result: Result) -> list[bytes]:
        eof = struct.pack("<BHH", 0xFE, 0, self.flags())
        modern = bool(self.caps & CAPS["deprecate_eof"])
        out = [int_lenenc(len(result.columns))]
        types = list(result.types) + ["TEXT"] * (len(result.columns) - len(result.types))
        for name, kind in zip(result.columns, types, strict=False):
            collation, length, code, flags, decimals = COLUMNS.get(kind, COLUMNS["TEXT"])
            encoded = name.encode("utf-8")
            out.append(b"\x03def\x00\x00\x00" + str_lenenc(encoded) + str_lenenc(encoded)
                       + struct.pack("<BHIBHBxx", 0x0C, collation, length, code, flags, decimals))
        if not modern:
            out.append(eof)
        for row in result.rows:
            out.append(b"".join(b"\xfb" if v is None else str_lenenc(as_text(v)) for v in row))
        out.append(self.ok(0, b"\xfe") if modern else eof)
        return out


class Server:
    """The MySQL protocol on an asyncio loop, one worker thread per connection for its Session."""

    def __init__(self, database: Database, host: str = "127.0.0.1", port: int = 0, *,
                 user: str = "root", password: str = "") -> None:
        self.database, self.user, self.password = database, user, password
        self.address: tuple[str, int] = (host, port)
        self.lock = threading.Lock()
        self.workers: set[Worker] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._count = 0
        self._stopped = False

    def start(self) -> None:
        if self._loop is not None:
            raise RuntimeError("the server was already started")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="minimysql-loop", daemon=True)
        self._thread.start()
        self.address = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result()

    async def _listen(self) -> tuple[str, int]:
        self._listener = await asyncio.start_server(self._accept, self.address[0], self.address[1], backlog=128)
        host, port = self._listener.sockets[0].getsockname()[:2]
        return host, port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._count += 1
        worker = Worker(self, f"minimysql-session-{self._count}")
        with self.lock:
            self.workers.add(worker)
        worker.start()
        try:
            await Connection(self, reader, writer, self._count).run(worker)
        finally:
            self._tasks.discard(task)

    async def _close_all(self) -> None:
        assert self._listener is not None
        self._listener.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._listener.wait_closed()

    def stop(self) -> None:
        if self._loop is None or self._thread is None or self._stopped:
            return
        self._stopped = True
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        with self.lock:
            workers = list(self.workers)
        for worker in workers:
            worker.join()


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m minimysql.server")
    options.add_argument("--data", required=True)
    options.add_argument("--host", default="127.0.0.1")
    options.add_argument("--port", type=int, default=3306)
    options.add_argument("--user", default="root")
    options.add_argument("--password", default="")
    args = options.parse_args(argv)
    # Block the two signals in every thread (the ones started below inherit the mask); sigwait takes them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    database = Database(OsStorage(args.data))
    server = Server(database, args.host, args.port, user=args.user, password=args.password)
    server.start()
    print("minimysql listening on {}:{}".format(*server.address), flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
