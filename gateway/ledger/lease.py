"""The writer lease: one sequencer appends to a PostgreSQL ledger, however many gateways point at it.

The log has one sequencer by design (docs/ledger.md): two appenders would both number entries from the
same size and sign two different trees. On SQLite the file's write lock and a single process see
to it; on PostgreSQL several `regulink serve` may reach one database (a standby writer on another
machine, a mistake in a deployment). The lease is a PostgreSQL session advisory lock:

* the writer takes it on the very connection it appends on, so it holds the lease exactly as long
  as that session lives. If the session ends (the writer died, the network dropped it, the
  database failed over), the lock is gone *and* so is the connection that could append: a writer
  can never append without holding the lease;
* a second writer finds the lock taken, names the holder (the row the holder wrote beside it) and
  waits as a standby, trying again every `poll` seconds, against whichever server the connection
  string finds writable (`target_session_attrs=read-write` follows a promoted standby);
* entry, node and head indexes are primary keys, so even a writer that believed it held the lease
  by mistake could only fail, never write a second tree.

Advisory locks are not replicated: after a failover the promoted server has no lock, and the
first writer to reach it takes the lease (gateway.ledger.pg_store checks that nothing was appended
in between before it carries on).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

log = logging.getLogger("regulink.ledger")

#: The advisory lock's two 32-bit keys: "regl", "ink" + 1 (pg_locks shows them as classid, objid).
LOCK_KEYS = (0x7265676C, 0x696E6B01)

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS regulink;
CREATE TABLE IF NOT EXISTS regulink.writer_lease (
    one      BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    address  TEXT NOT NULL,         -- where partners reach the writer (advertise, else listen)
    host     TEXT NOT NULL,
    pid      INTEGER NOT NULL,
    since_ms BIGINT NOT NULL
);
"""


@dataclass(frozen=True)
class Holder:
    """Who took the lease last, as that writer recorded it."""

    address: str
    host: str
    pid: int
    since_ms: int

    def __str__(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(self.since_ms / 1000))
        return f"{self.address} (host {self.host}, pid {self.pid}, since {since})"


def connect(dsn: str, **settings: str) -> psycopg.Connection:
    """A connection that notices a dead peer within about half a minute (TCP keepalives) and gives
    up connecting after 5 s per host, so waiting and reconnecting loops stay responsive."""
    options = " ".join(f"-c {name}={value}" for name, value in settings.items())
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5, keepalives=1, keepalives_idle=10,
                           keepalives_interval=5, keepalives_count=3, application_name="regulink",
                           **({"options": options} if options else {}))


def holder(conn: psycopg.Connection) -> Holder | None:
    """The writer that recorded itself last, or None (no writer ever, or no schema yet). On a primary
    it is the current holder when `held(conn)`; on a replica it is what was replicated."""
    try:
        row = conn.execute("SELECT address, host, pid, since_ms FROM regulink.writer_lease").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return None if row is None else Holder(*row)


def held(conn: psycopg.Connection) -> bool:
    """Whether some session of this server holds the lease now (primary only: locks are not replicated)."""
    row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
                       "AND objsubid = 2 AND granted", LOCK_KEYS).fetchone()
    return row[0] > 0


class WriterLease:
    """Takes and waits for the lease on behalf of a writer that partners reach at `address`."""

    def __init__(self, dsn: str, address: str, *, settings: dict[str, str] | None = None,
                 poll: float = 1.0) -> None:
        self.dsn = dsn
        self.address = address
        self.settings = dict(settings or {})
        self.poll = poll

    def try_take(self) -> psycopg.Connection | None:
        """A connection holding the lease, or None when another session holds it. Raises
        psycopg.OperationalError when no writable server answers."""
        conn = connect(self.dsn, **self.settings)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCK_KEYS).fetchone()[0]
            if not got:
                conn.close()
                return None
            # Only the holder creates or changes the schema: two writers starting at once never race.
            conn.execute(SCHEMA)
            conn.execute(
                "INSERT INTO regulink.writer_lease (one, address, host, pid, since_ms) VALUES (TRUE, %s, %s, %s, %s) "
                "ON CONFLICT (one) DO UPDATE SET address = EXCLUDED.address, host = EXCLUDED.host, "
                "pid = EXCLUDED.pid, since_ms = EXCLUDED.since_ms",
                (self.address, socket.gethostname(), os.getpid(), int(time.time() * 1000)))
        except BaseException:
            conn.close()
            raise
        return conn

    def wait(self, say: Callable[[str], None] = log.info,
             stop: Callable[[], bool] = lambda: False) -> psycopg.Connection | None:
        """Block until this writer holds the lease (a standby writer waits here), saying once who
        holds it and once per outage that the database is unreachable. None if `stop()` turned true."""
        said_holder = said_down = False
        while not stop():
            try:
                conn = self.try_take()
            except psycopg.OperationalError as exc:
                if not said_down:
                    say(f"no writable PostgreSQL server answers ({str(exc).strip().splitlines()[0]}); "
                        f"trying again every {self.poll:g}s")
                    said_down, said_holder = True, False
            else:
                if conn is not None:
                    return conn
                said_down = False
                if not said_holder:
                    say(f"standing by: the writer lease is held by {self.current_holder() or 'another session'}; "
                        f"taking over when it is free (checking every {self.poll:g}s)")
                    said_holder = True
            time.sleep(self.poll)
        return None

    def current_holder(self) -> Holder | None:
        try:
            with connect(self.dsn) as conn:
                return holder(conn)
        except psycopg.Error:
            return None
