"""The agency registry in PostgreSQL, beside a PostgreSQL ledger: every gateway reads the same one.

With the ledger on a PostgreSQL primary and standby, a registry kept in a file on the writer's
disk would be the one thing lost with that machine, and query gateways on other machines could
not tell who is calling. So where the ledger is PostgreSQL (`ledger = "postgresql://…"`) the
registry is too: same tables and rules as gateway.server.registry (which it extends), written by
`regulink agency …` run with that configuration, read by every gateway, a hot standby included.

Every write bumps a change counter and sends a NOTIFY in its transaction. A gateway's serving
loop reads the registry on a background thread, at once on that notification and every `poll`
seconds besides (notifications do not reach a hot standby), and serves requests from the
snapshot it holds: a request never waits on the database, and a database away for a moment keeps
the last registry. A change reaches a gateway on the primary within milliseconds, on a standby
within `poll` seconds. Signature workers (gateway.server.admission.workers), like the CLI, read the counter at
every snapshot (one small query): a key registered before a stream is there for it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import psycopg

from gateway import keys
from gateway.errors import InvalidArgument, NotFound, Unavailable
from gateway.ledger.lease import connect
from gateway.ledger.pg_store import is_postgresql, redact
from gateway.server.registry import Agency, Key, Registry, Snapshot, check_agency

log = logging.getLogger("regulink.gateway")

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS regulink;
CREATE TABLE IF NOT EXISTS regulink.agencies (
    agency_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    created_at   DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS regulink.keys (
    key_id      TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES regulink.agencies(agency_id),
    public_key  BYTEA NOT NULL,
    not_before  DOUBLE PRECISION NOT NULL,
    not_after   DOUBLE PRECISION,
    revoked_at  DOUBLE PRECISION,
    created_at  DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS regulink.relays (
    agency_id TEXT NOT NULL REFERENCES regulink.agencies(agency_id),
    relay_id  TEXT NOT NULL REFERENCES regulink.agencies(agency_id),
    PRIMARY KEY (agency_id, relay_id)
);
CREATE TABLE IF NOT EXISTS regulink.registry_changes (
    one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    changes BIGINT NOT NULL
);
INSERT INTO regulink.registry_changes VALUES (TRUE, 0) ON CONFLICT DO NOTHING;
"""

#: Seconds between a following registry's looks at the change counter, besides notifications.
POLL = 0.5
CHANNEL = "regulink_registry"

_EMPTY = Snapshot({}, {})


class PgRegistry(Registry):
    """gateway.server.registry.Registry on PostgreSQL. `follow=True` (a gateway): snapshots refreshed in the
    background; otherwise (the CLI, one command) read when asked."""

    def __init__(self, dsn: str, *, follow: bool = False, poll: float = POLL) -> None:  # no SQLite file: no super()
        self.dsn = dsn
        self.path = None
        self.poll = poll
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._changes: int | None = None
        self._snapshot: Snapshot | None = None
        self._retry_at = 0.0
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        if follow:
            self._refresh()  # the first snapshot before any request, or an error naming the database
            self._thread = threading.Thread(target=self._follow, name="registry-follow", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    # -- the connection --------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            try:
                self._conn = connect(self.dsn)
            except psycopg.OperationalError as exc:
                raise Unavailable(f"cannot reach the registry database {redact(self.dsn)}: "
                                  f"{str(exc).strip().splitlines()[0]}") from None
        return self._conn

    def _write(self, sql: str, args: tuple) -> int:
        """One change and the change counter, in one transaction; the number of rows changed."""
        with self._lock:
            conn = self._connection()
            conn.execute(SCHEMA)
            with conn.transaction():
                changed = conn.execute(sql, args).rowcount
                conn.execute("UPDATE regulink.registry_changes SET changes = changes + 1")
                conn.execute(f"NOTIFY {CHANNEL}")
        if self._thread is not None:
            self._refresh()  # this process's own change, at once
        return changed

    # -- writes (operator) -----------------------------------------------------------------------

    def add_agency(self, agency_id: str, name: str, kind: str, jurisdiction: str) -> None:
        check_agency(agency_id, name, kind, jurisdiction)
        try:
            self._write("INSERT INTO regulink.agencies VALUES (%s, %s, %s, %s, %s)",
                        (agency_id, name.strip(), kind, jurisdiction.strip().upper(), time.time()))
        except psycopg.errors.UniqueViolation:
            raise InvalidArgument(f"agency {agency_id!r} is already registered", field="agency_id") from None

    def add_key(self, agency_id: str, public_key: bytes, *, not_before: float | None = None,
                not_after: float | None = None) -> str:
        self._load_now().agency(agency_id)
        kid = keys.key_id(public_key)
        keys.load_public_key(public_key)  # rejects bytes that are not a key
        start = time.time() if not_before is None else not_before
        if not_after is not None and not_after <= start:
            raise InvalidArgument("not_after must be later than not_before", field="not_after")
        try:
            self._write("INSERT INTO regulink.keys VALUES (%s, %s, %s, %s, %s, NULL, %s)",
                        (kid, agency_id, public_key, start, not_after, time.time()))
        except psycopg.errors.UniqueViolation:
            raise InvalidArgument(f"key {kid[:16]}… is already registered", field="public_key") from None
        return kid

    def revoke_key(self, key_id: str, *, at: float | None = None) -> None:
        if not self._write("UPDATE regulink.keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL",
                           (time.time() if at is None else at, key_id)):
            raise NotFound(f"no unrevoked key {key_id!r}", field="key_id")

    def expire_key(self, key_id: str, *, at: float | None = None) -> None:
        if not self._write("UPDATE regulink.keys SET not_after = %s WHERE key_id = %s",
                           (time.time() if at is None else at, key_id)):
            raise NotFound(f"no key {key_id!r}", field="key_id")

    def allow_relay(self, agency_id: str, relay_id: str) -> None:
        snap = self._load_now()
        snap.agency(agency_id)
        snap.agency(relay_id)
        self._write("INSERT INTO regulink.relays VALUES (%s, %s) ON CONFLICT DO NOTHING", (agency_id, relay_id))

    # -- reads ------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        if self._thread is None:
            # Read at every snapshot; the database away (a failover): the last registry read, tried again
            # after a second, rather than every message failing with it.
            if self._snapshot is None or time.monotonic() >= self._retry_at:
                try:
                    self._refresh()
                except Exception as exc:
                    if self._snapshot is None:
                        raise
                    log.warning("cannot refresh the agency registry (%s); using the last one read", exc)
                    self._retry_at = time.monotonic() + 1
        return self._snapshot

    def _load_now(self) -> Snapshot:
        self._refresh()
        return self._snapshot

    def _follow(self) -> None:
        listener: psycopg.Connection | None = None
        on_standby = False  # LISTEN is refused during recovery: poll only
        failing = False
        while not self._closing.is_set():
            try:
                if not on_standby and (listener is None or listener.closed):
                    listener = connect(self.dsn)
                    try:
                        listener.execute(f"LISTEN {CHANNEL}")
                    except psycopg.errors.ReadOnlySqlTransaction:
                        listener.close()
                        on_standby = True
                if on_standby:
                    self._closing.wait(self.poll)
                else:
                    for _ in listener.notifies(timeout=self.poll, stop_after=1):
                        pass
                if self._closing.is_set():
                    break
                self._refresh()
                failing = False
            except Exception as exc:
                if not failing:
                    log.warning("cannot refresh the agency registry (%s); serving the last one read", exc)
                failing = True
                if listener is not None:
                    listener.close()
                self._closing.wait(self.poll)
        if listener is not None:
            listener.close()

    def _refresh(self) -> None:
        with self._lock:
            conn = self._connection()
            try:
                try:
                    changes = conn.execute("SELECT changes FROM regulink.registry_changes").fetchone()[0]
                except psycopg.errors.UndefinedTable:  # no agency registered on this database yet
                    self._snapshot = _EMPTY
                    return
                if self._snapshot is None or changes != self._changes:
                    with conn.transaction():  # the three tables as of one moment
                        self._snapshot = self._read(conn)
                    self._changes = changes
            except psycopg.OperationalError as exc:
                conn.close()
                if self._snapshot is None:
                    raise Unavailable(f"cannot read the registry from {redact(self.dsn)}: "
                                      f"{str(exc).strip().splitlines()[0]}") from None
                raise

    @staticmethod
    def _read(conn: psycopg.Connection) -> Snapshot:
        rows = conn.execute("SELECT key_id, agency_id, public_key, not_before, not_after, revoked_at "
                            "FROM regulink.keys").fetchall()
        all_keys = {r[0]: Key(r[0], r[1], bytes(r[2]), r[3], r[4], r[5], verifier=keys.load_public_key(bytes(r[2])))
                    for r in rows}
        relays: dict[str, set[str]] = {}
        for agency_id, relay_id in conn.execute("SELECT agency_id, relay_id FROM regulink.relays"):
            relays.setdefault(agency_id, set()).add(relay_id)
        agencies = {}
        for agency_id, name, kind, jurisdiction in conn.execute(
                "SELECT agency_id, name, kind, jurisdiction FROM regulink.agencies ORDER BY agency_id"):
            own = tuple(k for k in all_keys.values() if k.agency_id == agency_id)
            agencies[agency_id] = Agency(agency_id, name, kind, jurisdiction, own, frozenset(relays.get(agency_id, ())))
        return Snapshot(agencies, all_keys)


def open_registry(location: str, *, follow: bool = False) -> Registry:
    """The registry beside a ledger: PgRegistry for a postgresql:// location, else the SQLite file."""
    if is_postgresql(location):
        return PgRegistry(location, follow=follow)
    return Registry(Path(location))
