"""The stage4/tcp-server grader's own MySQL client: raw packets, for what a driver hides.

Grader-side (the grader imports it; it never runs in the learner's process). PyMySQL and the
``mariadb`` client show whether real clients work; this client shows why not: the sequence id of
every packet, the exact bytes of greetings, ERR and EOF packets, and what the server does with
garbage, wrong sequence ids and packets cut short. Every problem it meets ends the check with a
message that says what was sent, what came back and what was expected.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import struct
import time
from typing import Any, Protocol

from swai.grading import fail
from swai.subject.client import show

PASSWORD = "s3cret-pw"  # the password every grader server is started with
READ_TIMEOUT = 5.0  # seconds a client waits for an answer before it calls the server hung

# Capability flags, status flags, commands and column types of the protocol (see the README).
CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_CONNECT_WITH_DB = 0x8
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000
CLIENT_DEPRECATE_EOF = 0x1000000
REQUIRED_CAPABILITIES = {"CLIENT_PROTOCOL_41": CLIENT_PROTOCOL_41, "CLIENT_SECURE_CONNECTION": CLIENT_SECURE_CONNECTION,
                         "CLIENT_PLUGIN_AUTH": CLIENT_PLUGIN_AUTH, "CLIENT_CONNECT_WITH_DB": CLIENT_CONNECT_WITH_DB,
                         "CLIENT_DEPRECATE_EOF": CLIENT_DEPRECATE_EOF}
CLIENT_CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS
                       | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH)
IN_TRANS, AUTOCOMMIT, NO_BACKSLASH_ESCAPES = 0x1, 0x2, 0x200
COM_QUIT, COM_INIT_DB, COM_QUERY, COM_FIELD_LIST, COM_STATISTICS, COM_PING = 0x01, 0x02, 0x03, 0x04, 0x09, 0x0E
COM_STMT_PREPARE = 0x16
TYPE_TINY, TYPE_DOUBLE, TYPE_LONGLONG, TYPE_VAR_STRING = 0x01, 0x05, 0x08, 0xFD
BINARY = 63
COLUMN_TYPES = {"INT": (TYPE_LONGLONG, "LONGLONG (0x08)"), "FLOAT": (TYPE_DOUBLE, "DOUBLE (0x05)"),
                "BOOL": (TYPE_TINY, "TINY (0x01)"), "TEXT": (TYPE_VAR_STRING, "VAR_STRING (0xFD)")}

HINT_FRAMING = ("Every packet is a 3-byte little-endian payload length, a 1-byte sequence id, then the payload. "
                "Read exactly 4 bytes, then exactly the length; recv() may return less than you asked for.")
HINT_SEQUENCE = ("Each command starts a new sequence: the client's command carries sequence id 0, your first answer "
                 "1, the next 2, and so on (mod 256) through a whole result set. The handshake is one sequence too: "
                 "greeting 0, the client's response 1, your OK or ERR 2.")
HINT_AUTH = ("mysql_native_password: the client sends SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))) (20 bytes), or an "
             "empty token for an empty password. XOR the token with SHA1(scramble + SHA1(SHA1(pw))) and compare the "
             "SHA1 of the result with SHA1(SHA1(pw)). Check the user name too; anything else gets ERR 1045 (28000).")
HINT_GREETING = ("The greeting: 0x0a, the server version and a NUL, the connection id (4 bytes), the first 8 bytes of "
                 "a fresh random 20-byte scramble, 0x00, capability flags (low 2 bytes), the character set, status "
                 "flags, capability flags (high 2 bytes), 21, ten zero bytes, the other 12 scramble bytes and a NUL, "
                 "then 'mysql_native_password' and a NUL.")
HINT_RESULTSET = ("A text result set: the column count (length-encoded integer), one column definition per column, an "
                  "EOF packet (0xFE, warnings, status) unless the client asked for CLIENT_DEPRECATE_EOF, one packet "
                  "per row, then an EOF packet, or with CLIENT_DEPRECATE_EOF an OK packet whose first byte is 0xFE.")
HINT_ROBUST = ("Answer a client that breaks the protocol with an ERR packet where you can, then close its connection; "
               "never let one connection's exception reach the accept loop or leave its socket open.")


# -- packets and fields --------------------------------------------------------------------------------

def lenenc(n: int) -> bytes:
    if n < 251:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little")
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little")
    return b"\xfe" + n.to_bytes(8, "little")


def scramble_password(password: str, scramble: bytes) -> bytes:
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    mask = hashlib.sha1(scramble + hashlib.sha1(stage1).digest()).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask, strict=True))


class Malformed(Exception):
    """A packet from the server that does not parse."""


class Fields:
    """Reads the fields of one packet from the server; running off its end is Malformed."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise Malformed(f"{n} bytes wanted at offset {self.pos} of a {len(self.data)}-byte packet")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self, n: int) -> int:
        return int.from_bytes(self.take(n), "little")

    def lenenc(self) -> int | None:
        first = self.int(1)
        if first < 251:
            return first
        if first == 0xFB:
            return None
        if first == 0xFF:
            raise Malformed("0xFF is not a length-encoded integer")
        return self.int({0xFC: 2, 0xFD: 3, 0xFE: 8}[first])

    def lenenc_bytes(self) -> bytes | None:
        n = self.lenenc()
        return None if n is None else self.take(n)

    def nul(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise Malformed(f"no NUL after offset {self.pos}")
        chunk = self.data[self.pos:end]
        self.pos = end + 1
        return chunk

    def rest(self) -> bytes:
        chunk = self.data[self.pos:]
        self.pos = len(self.data)
        return chunk


def parse_greeting(data: bytes) -> dict[str, Any]:
    f = Fields(data)
    greeting: dict[str, Any] = {"protocol": f.int(1), "version": f.nul(), "connection_id": f.int(4)}
    scramble = f.take(8)
    f.take(1)
    caps = f.int(2)
    greeting["charset"] = f.int(1)
    greeting["status"] = f.int(2)
    caps |= f.int(2) << 16
    greeting["capabilities"] = caps
    greeting["auth_data_len"] = f.int(1)
    f.take(10)
    part2 = f.take(max(13, greeting["auth_data_len"] - 8))
    greeting["scramble"] = scramble + part2[:-1]
    greeting["scramble_end"] = part2[-1:]
    greeting["plugin"] = f.nul() if caps & CLIENT_PLUGIN_AUTH else b""
    return greeting


def parse_ok(data: bytes) -> dict[str, int]:
    f = Fields(data)
    header = f.int(1)
    return {"header": header, "affected_rows": f.lenenc() or 0, "insert_id": f.lenenc() or 0,
            "status": f.int(2), "warnings": f.int(2)}


def parse_err(data: bytes) -> dict[str, Any]:
    f = Fields(data)
    f.take(1)
    code = f.int(2)
    marker = f.take(1) if f.pos < len(data) else b""
    sqlstate = f.take(5).decode("ascii", "replace") if marker == b"#" else None
    message = (f.rest() if marker == b"#" else marker + f.rest()).decode("utf-8", "replace")
    return {"code": code, "marker": marker, "sqlstate": sqlstate, "message": message}


def parse_column(data: bytes) -> dict[str, Any]:
    f = Fields(data)
    column: dict[str, Any] = {key: f.lenenc_bytes() for key in
                              ("catalog", "schema", "table", "org_table", "name", "org_name")}
    column["fixed"] = f.lenenc()
    column["charset"], column["length"], column["type"], column["flags"], column["decimals"] = (
        f.int(2), f.int(4), f.int(1), f.int(2), f.int(1))
    return column


def describe_packet(data: bytes) -> str:
    kind = {0x00: "OK", 0xFF: "ERR", 0xFE: "EOF"}.get(data[0], "data") if data else "empty"
    if kind == "ERR":
        with contextlib.suppress(Malformed):
            err = parse_err(data)
            return f"ERR {err['code']} ({err['sqlstate']}) {err['message'][:60]!r}"
    return f"{kind} packet {show(data, 60)}"


def handshake_response(caps: int, user: str, token: bytes, database: str | None, plugin: bytes) -> bytes:
    response = struct.pack("<IIB23s", caps, 1 << 24, 45, b"") + user.encode() + b"\x00"
    response += bytes((len(token),)) + token
    if database is not None:
        response += database.encode() + b"\x00"
    return response + plugin + b"\x00"


class Endpoint(Protocol):
    """Where a server listens, and where a client notes what it does (the check's transcript)."""

    address: tuple[str, int]

    def note(self, text: str) -> None: ...


class Wire:
    """A raw connection to the learner's server: the grader's own client, one packet at a time."""

    def __init__(self, served: Endpoint, label: str) -> None:
        self.served = served
        self.label = label
        self.buffer = bytearray()
        self.note("connect")
        try:
            self.sock = socket.create_connection(served.address, timeout=READ_TIMEOUT)
        except OSError as exc:
            fail(f"{label} could not connect to the server at {served.address}", expected="a TCP connection",
                 got=f"{type(exc).__name__}: {exc}", hint="start() must listen before it returns.")
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.next_seq = 0

    def note(self, text: str) -> None:
        self.served.note(f"{self.label}: {text}")

    # -- bytes and packets ----------------------------------------------------------------------------
    def send(self, data: bytes, what: str) -> None:
        self.note(what)
        try:
            self.sock.sendall(data)
        except OSError as exc:
            fail(f"{self.label} could not send {what}: the server had closed the connection", got=str(exc),
                 expected="the server to keep reading", hint=HINT_ROBUST)

    def send_packet(self, payload: bytes, what: str, seq: int | None = None) -> None:
        seq = self.next_seq if seq is None else seq
        self.send(len(payload).to_bytes(3, "little") + bytes((seq & 0xFF,)) + payload, what)
        self.next_seq = (seq + 1) & 0xFF

    def _recv(self, n: int, timeout: float) -> bytes | None:
        """Exactly n bytes, or None when the server closed the connection first."""
        deadline = time.monotonic() + timeout
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            except TimeoutError:
                raise
            except OSError:  # reset by the server: as good as closed
                return None
            if not chunk:
                return None
            self.buffer += chunk
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def read(self, what: str, *, hint: str = HINT_FRAMING, timeout: float = READ_TIMEOUT) -> tuple[int, bytes] | None:
        """(sequence id, payload) of the next packet; None when the server closed the connection."""
        try:
            header = self._recv(4, timeout)
            if header is None:
                return None
            length = int.from_bytes(header[:3], "little")
            payload = self._recv(length, timeout)
        except TimeoutError:
            fail(f"{self.label} waited {timeout:g} s for {what} and got nothing", expected=what,
                 got="no packet (the connection stayed open, silent)", hint=hint)
        if payload is None:
            fail(f"{self.label} got half a packet ({what}): the connection closed in the middle of it",
                 expected=f"a whole packet of {length} bytes", got="the connection closed", hint=HINT_FRAMING)
        return header[3], payload

    def packet(self, what: str, *, hint: str = HINT_FRAMING, seq: int | None = None) -> bytes:
        """The next packet's payload; its sequence id must be the next one (or ``seq``)."""
        got = self.read(what, hint=hint)
        if got is None:
            fail(f"{self.label} expected {what}, but the server closed the connection", expected=what,
                 got="the connection closed", hint=hint)
        number, payload = got
        want = self.next_seq if seq is None else seq
        if number != want:
            fail(f"{self.label} got {what} with the wrong sequence id", expected=f"sequence id {want}",
                 got=f"sequence id {number} ({describe_packet(payload)})", hint=HINT_SEQUENCE)
        self.next_seq = (number + 1) & 0xFF
        return payload

    def closed_within(self, seconds: float) -> tuple[bool, list[bytes]]:
        """Read until the server closes the connection (True) or ``seconds`` pass (False); the packets seen."""
        seen = []
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False, seen
            try:
                got = self._recv(4, remaining)
                if got is None:
                    return True, seen
                body = self._recv(int.from_bytes(got[:3], "little"), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                return False, seen
            if body is None:
                return True, seen
            seen.append(body)

    def close(self, *, reset: bool = False) -> None:
        self.note("reset the connection (RST)" if reset else "close the connection")
        with contextlib.suppress(OSError):
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()

    # -- the protocol ---------------------------------------------------------------------------------
    def greeting(self) -> dict[str, Any]:
        payload = self.packet("the server's greeting (handshake v10)", hint=HINT_GREETING, seq=0)
        try:
            return parse_greeting(payload)
        except Malformed as exc:
            fail(f"{self.label} could not parse the greeting: {exc}", expected="a handshake v10 packet",
                 got=show(payload, 100), hint=HINT_GREETING)

    def login(self, *, user: str = "root", password: str = PASSWORD, capabilities: int = CLIENT_CAPABILITIES,
              database: str | None = None) -> bytes:
        """Greeting, handshake response; the server's answer (OK or ERR payload)."""
        greeting = self.greeting()
        caps = capabilities | (CLIENT_CONNECT_WITH_DB if database is not None else 0)
        token = scramble_password(password, greeting["scramble"])
        response = handshake_response(caps, user, token, database, b"mysql_native_password")
        flags = " | ".join(name for name, bit in [("CLIENT_DEPRECATE_EOF", CLIENT_DEPRECATE_EOF)] if caps & bit)
        self.send_packet(response, f"handshake response (user {user!r}, {'a' if password else 'no'} password"
                                   f"{', ' + flags if flags else ''})")
        return self.packet("the answer to the handshake response (OK or ERR)", hint=HINT_AUTH)

    def logged_in(self, **kwargs: Any) -> Wire:
        answer = self.login(**kwargs)
        if answer[:1] != b"\x00":
            fail(f"{self.label} could not log in with the right user and password", expected="an OK packet",
                 got=describe_packet(answer), hint=HINT_AUTH)
        return self

    def command(self, payload: bytes, what: str) -> None:
        self.next_seq = 0
        self.send_packet(payload, what)

    def response(self, what: str, *, deprecate_eof: bool = False) -> dict[str, Any]:
        """One command's whole answer: {"kind": "ok"|"err"|"rows", "packets": [...], ...}."""
        first = self.packet(f"the answer to {what}", hint=HINT_RESULTSET)
        packets = [first]
        try:
            if first[:1] == b"\x00":
                return {"kind": "ok", "packets": packets, **parse_ok(first)}
            if first[:1] == b"\xff":
                return {"kind": "err", "packets": packets, **parse_err(first)}
            count = Fields(first).lenenc()
            if count is None or count == 0:
                raise Malformed(f"a column count of {count}")
            columns = []
            for _ in range(count):
                packets.append(self.packet(f"a column definition ({what})", hint=HINT_RESULTSET))
                columns.append(parse_column(packets[-1]))
            if not deprecate_eof:
                eof = self.packet(f"the EOF after the column definitions ({what})", hint=HINT_RESULTSET)
                packets.append(eof)
                if eof[:1] != b"\xfe" or len(eof) >= 9:
                    fail(f"{self.label}: after the column definitions of {what} came no EOF packet",
                         expected="an EOF packet (0xFE, warnings, status flags): this client did not ask for "
                                  "CLIENT_DEPRECATE_EOF", got=describe_packet(eof), hint=HINT_RESULTSET)
            rows = []
            while True:
                packet = self.packet(f"a row or the end of the result set ({what})", hint=HINT_RESULTSET)
                packets.append(packet)
                if packet[:1] == b"\xfe" and len(packet) < 0xFFFFFF and (deprecate_eof or len(packet) < 9):
                    end = parse_ok(packet) if deprecate_eof else {"status": Fields(packet[3:5]).int(2)}
                    return {"kind": "rows", "packets": packets, "columns": columns, "rows": rows, "end": end}
                if packet[:1] == b"\xff":
                    return {"kind": "err", "packets": packets, **parse_err(packet)}
                fields = Fields(packet)
                rows.append([fields.lenenc_bytes() for _ in range(count)])
                if fields.pos != len(packet):
                    raise Malformed(f"a row of {count} values with {len(packet) - fields.pos} bytes left over")
        except (Malformed, KeyError) as exc:
            fail(f"{self.label} could not parse the answer to {what}: {exc}",
                 expected="OK, ERR or a text result set", got=" | ".join(describe_packet(p) for p in packets[-4:]),
                 hint=HINT_RESULTSET)

    def query(self, sql: str, *, deprecate_eof: bool = False) -> dict[str, Any]:
        self.command(bytes((COM_QUERY,)) + sql.encode(), f"COM_QUERY {show(sql, 70)}")
        return self.response(show(sql, 70), deprecate_eof=deprecate_eof)

    def ping(self) -> dict[str, Any]:
        self.command(bytes((COM_PING,)), "COM_PING")
        return self.response("COM_PING")
