"""minimysql's network face: the MySQL client/server protocol in front of a ``Database``.

Read the exercise's README first: the packet layouts, the sequence ids, the password check, the
result sets and the errors are all specified there, byte by byte. Real clients (PyMySQL, the
``mariadb`` command-line client) must be able to log in, run statements and read the results.

One thread accepts connections; each connection gets a thread and a ``Session`` of its own.
"""

from __future__ import annotations

from minimysql.database import Database

MAX_ALLOWED_PACKET = 1 << 22  # the largest payload a client may send: 4 MiB
SERVER_VERSION = "8.0.0-minimysql"  # sent in the greeting; clients read the major version from it
AUTH_PLUGIN = "mysql_native_password"
UTF8MB4 = 45  # collation utf8mb4_general_ci: the greeting's character set and that of TEXT columns
BINARY = 63  # the "binary" collation: numeric columns are sent with it

# Capability flags the server speaks (the greeting announces all of them; a connection uses
# those its client asked for as well).
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

# Status flags, sent in the greeting, in every OK packet and in every EOF packet.
SERVER_STATUS_IN_TRANS = 0x1  # the session is inside BEGIN ... COMMIT/ROLLBACK
SERVER_STATUS_AUTOCOMMIT = 0x2  # always: a statement outside BEGIN commits by itself
SERVER_STATUS_NO_BACKSLASH_ESCAPES = 0x200  # always: minimysql's strings escape a quote as '' only

# Commands (the first byte of a client's packet in the command phase).
COM_QUIT, COM_INIT_DB, COM_QUERY, COM_PING = 0x01, 0x02, 0x03, 0x0E

# Column types: what each Result.types entry is sent as (see the README's table).
TYPE_TINY, TYPE_DOUBLE, TYPE_LONGLONG, TYPE_VAR_STRING = 0x01, 0x05, 0x08, 0xFD

# Errors of the protocol itself: (code, SQLSTATE, message). A DatabaseError carries its own.
ER_HANDSHAKE_ERROR = (1043, "08S01", "Bad handshake")
ER_NO_DB_ERROR = (1046, "3D000", "No database selected")
ER_UNKNOWN_COM_ERROR = (1047, "08S01", "Unknown command")
ER_UNKNOWN_ERROR = (1105, "HY000", "Unknown error")
ER_NET_PACKET_TOO_LARGE = (1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
ER_NET_PACKETS_OUT_OF_ORDER = (1156, "08S01", "Got packets out of order")
ER_AUTOCOMMIT_OFF = (1235, "42000", "minimysql does not support autocommit=0: use BEGIN ... COMMIT")
ER_INVALID_CHARACTER_STRING = (1300, "HY000", "Invalid utf8mb4 character string")
# Access denied is 1045 with SQLSTATE 28000 and the message
# "Access denied for user '<user>'@'<client host>' (using password: YES|NO)".


class Server:
    """Serves ``database`` over the MySQL protocol: one thread per connection, one Session each."""

    address: tuple[str, int]  # the bound (host, port) once started; with port 0 the OS picks the port

    def __init__(self, database: Database, host: str = "127.0.0.1", port: int = 0, *,
                 user: str = "root", password: str = "") -> None:
        """Remember what to serve and who may log in (one user, one password; "" means no password).
        Nothing listens until start()."""
        raise NotImplementedError

    def start(self) -> None:
        """Listen on (host, port), set ``address``, and accept connections in a background thread;
        return at once. Each connection is served by a thread of its own."""
        raise NotImplementedError

    def stop(self) -> None:
        """Close the listening socket and every connection (wherever its thread waits), close the
        sessions (open transactions roll back), and join every thread the server started."""
        raise NotImplementedError


def main(argv: list[str] | None = None) -> int:
    """``python -m minimysql.server --data DIR [--host H] [--port N] [--user U] [--password P]``.

    Open ``Database(OsStorage(DIR))``, start a Server (defaults: 127.0.0.1, port 3306, user root,
    empty password), print ``minimysql listening on HOST:PORT`` (flushed), serve until SIGINT or
    SIGTERM, then stop the server, close the database and return 0.
    """
    raise NotImplementedError


if __name__ == "__main__":
    raise SystemExit(main())
