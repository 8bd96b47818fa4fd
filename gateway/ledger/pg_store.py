"""PostgreSQL storage of the log: the narrow interface of gateway.ledger.store, on a server that
can keep a synchronous standby, so an acknowledged record is on two machines.

The guarantees are SQLite's: a batch's entries, the Merkle nodes they complete and the signed
head that covers them go in one transaction, and the Ledger builds receipts only after it
committed. What "committed" means is PostgreSQL's `synchronous_commit`, set on the writer's
session from the `ledger_synchronous_commit` setting: with `on` (the default) and a standby named
in the server's `synchronous_standby_names`, COMMIT returns once the standby has the batch on
disk; `remote_apply` also waits until queries on the standby see it. Weaker values are refused:
a receipt must never promise what one disk holds. Without any synchronous standby configured the
writer says so at start (one machine, as SQLite).

One writer, by lease (gateway.ledger.lease): the writer's store appends on the connection that
holds the lease. When that session breaks (the server died or failed over), the store connects
again, to whichever server is writable now, and carries on only if it gets the lease back *and*
the log is exactly as it left it; otherwise it is fenced: every write fails, `fenced` says why,
and the gateway stops so that a fresh start reads the log anew (a supervisor restarts it, as a
standby if another writer took over). Readers (`readonly=True`: query gateways, the projector,
`regulink ledger verify`) use any server, a hot standby included, and reconnect as needed.

One file because it implements one interface (gateway.ledger.store) whose methods share one
connection and one transaction discipline.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator

import psycopg

from gateway.errors import Unavailable
from gateway.ledger import lease as leases
from gateway.ledger.store import Entry, MissingNode, StoredHead

log = logging.getLogger("regulink.ledger")

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS regulink;
CREATE TABLE IF NOT EXISTS regulink.entries (
    log_index    BIGINT PRIMARY KEY,
    agency_id    TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    envelope     BYTEA,              -- NULL once lawfully purged; the leaf stays
    nonce        BYTEA NOT NULL,
    leaf_hash    BYTEA NOT NULL,
    accepted_ms  BIGINT NOT NULL,
    signer_keys  TEXT NOT NULL,      -- JSON list of the key ids that signed
    tlp          INTEGER NOT NULL,
    share_with   TEXT NOT NULL,      -- JSON list of agency ids
    salts        TEXT NOT NULL DEFAULT '[]',  -- JSON [[recipient, salt hex]]
    UNIQUE (agency_id, record_id, version)
);
CREATE TABLE IF NOT EXISTS regulink.nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS regulink.tree_heads (
    tree_size    BIGINT PRIMARY KEY,
    root_hash    BYTEA NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    note         BYTEA NOT NULL,
    signature    BYTEA NOT NULL,
    key_id       TEXT NOT NULL
);
-- What a query gateway, which holds no log key, needs to serve GetLogInfo and check heads.
CREATE TABLE IF NOT EXISTS regulink.log_info (
    one        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    origin     TEXT NOT NULL,
    public_key BYTEA NOT NULL
);
"""

ENTRY_COLUMNS = ("log_index, agency_id, record_id, version, envelope, nonce, leaf_hash, accepted_ms, signer_keys, "
                 "tlp, share_with, salts")
HEAD_COLUMNS = "tree_size, root_hash, timestamp_ms, note, signature, key_id"

#: synchronous_commit values that keep an acknowledged batch on the standby too (when one is configured).
SYNCHRONOUS_COMMITS = ("on", "remote_apply", "remote_write")
_CACHE_LIMIT = 400_000
_PAGE = 10_000


def is_postgresql(location: str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def redact(dsn: str) -> str:
    """The connection string without its password, for messages and logs."""
    scheme, sep, rest = dsn.partition("://")
    credentials, at, where = rest.rpartition("@")
    if not at or ":" not in credentials:
        return dsn
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{where}"


def _entry(row: tuple) -> Entry:
    return Entry(*row[:8], tuple(json.loads(row[8])), row[9], tuple(json.loads(row[10])),
                 tuple((agency, bytes.fromhex(salt)) for agency, salt in json.loads(row[11])))


def _head(row: tuple) -> StoredHead:
    return StoredHead(row[0], bytes(row[1]), row[2], bytes(row[3]), bytes(row[4]), row[5])


class Fenced(Unavailable):
    """This writer may not append any more: another took the lease, or the log changed under it."""


class PgLedgerStore:
    """A ledger in PostgreSQL. Writer: `PgLedgerStore.writer(dsn, lease)`; reader: `PgLedgerStore(dsn)`."""

    def __init__(self, dsn: str, *, conn: psycopg.Connection | None = None, lease: leases.WriterLease | None = None,
                 synchronous_commit: str = "on") -> None:
        self.dsn = dsn
        self.readonly = lease is None
        self.lease = lease
        self.synchronous_commit = synchronous_commit
        self.fenced: str | None = None  # why this writer stopped appending, once it did
        self.on_fenced: list[Callable[[str], None]] = []
        self._lock = threading.RLock()
        self._conn = conn if conn is not None else self._connect_reader()
        self._cache: dict[tuple[int, int], bytes] = {}
        self._known_size = self.size() if lease is not None else 0

    @classmethod
    def writer(cls, dsn: str, lease: leases.WriterLease, *, synchronous_commit: str = "on",
               say: Callable[[str], None] = log.info, stop: Callable[[], bool] = lambda: False) -> PgLedgerStore | None:
        """Wait for the writer lease (standing by while another writer holds it), then open the ledger on the
        session that holds it. None if `stop()` turned true while waiting."""
        if synchronous_commit not in SYNCHRONOUS_COMMITS:
            raise ValueError(f"ledger_synchronous_commit must be one of {', '.join(SYNCHRONOUS_COMMITS)}")
        lease.settings["synchronous_commit"] = synchronous_commit
        conn = lease.wait(say, stop)
        return None if conn is None else cls._holding(dsn, lease, conn, synchronous_commit)

    @classmethod
    def try_writer(cls, dsn: str, lease: leases.WriterLease, *, synchronous_commit: str = "on") -> PgLedgerStore | None:
        """The writer's store if the lease is free now, else None (`regulink ledger copy` does not wait)."""
        lease.settings["synchronous_commit"] = synchronous_commit
        conn = lease.try_take()
        return None if conn is None else cls._holding(dsn, lease, conn, synchronous_commit)

    @classmethod
    def _holding(cls, dsn: str, lease: leases.WriterLease, conn: psycopg.Connection,
                 synchronous_commit: str) -> PgLedgerStore:
        conn.execute(SCHEMA)
        standbys = conn.execute("SHOW synchronous_standby_names").fetchone()[0]
        if not standbys.strip():
            log.warning("the ledger's PostgreSQL server has no synchronous standby (synchronous_standby_names is "
                        "empty): an acknowledged record is on one machine only (docs/ledger.md)")
        return cls(dsn, conn=conn, lease=lease, synchronous_commit=synchronous_commit)

    def _connect_reader(self) -> psycopg.Connection:
        try:
            return leases.connect(self.dsn, default_transaction_read_only="on")
        except psycopg.OperationalError as exc:
            raise Unavailable(f"cannot reach the ledger database {redact(self.dsn)}: {_first_line(exc)}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """The reads inside see one snapshot of the log (REPEATABLE READ), however many batches the writer
        commits meanwhile: what a reader's start-up check needs (count, size and head read apart could
        straddle a commit and look like damage)."""
        with self._lock:
            if self._conn.closed:
                self._renew()
            self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield
            finally:
                if not self._conn.closed:
                    self._conn.execute("ROLLBACK")

    # -- one connection, renewed when it breaks -------------------------------------------------

    def _query(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        """Run a read and fetch its rows, reconnecting once if the session broke (a failover)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return self._conn.execute(sql, args).fetchall()
                except psycopg.errors.UndefinedTable:
                    raise Unavailable(f"the ledger database {redact(self.dsn)} has no regulink tables yet: start "
                                      "the writer (`regulink serve`) or copy a ledger into it first") from None
                except psycopg.OperationalError as exc:
                    if attempt == 2 or not self._conn.closed:
                        raise Unavailable(f"the ledger database does not answer: {_first_line(exc)}") from None
                    self._renew()
            raise AssertionError("unreachable")

    def _renew(self) -> None:
        """A new session after the old one broke: any server for a reader; for the writer, the lease again
        and a log exactly as this writer left it, or it is fenced."""
        if self.fenced:
            raise Fenced(self.fenced)
        if self.readonly:
            self._conn = self._connect_reader()
            return
        try:
            conn = self.lease.try_take()
        except psycopg.OperationalError as exc:
            raise Unavailable(f"the ledger database does not answer ({_first_line(exc)}); nothing of this batch "
                              "was stored") from None
        if conn is None:
            self._fence(f"another writer holds the lease now: {self.lease.current_holder() or 'another session'}")
        size = conn.execute("SELECT COALESCE(MAX(log_index) + 1, 0) FROM regulink.entries").fetchone()[0]
        if size != self._known_size:
            conn.close()
            self._fence(f"the log has {size} entries, not the {self._known_size} this writer last committed "
                        "(another writer appended, or the last batch's commit was in doubt)")
        self._conn = conn
        log.warning("the ledger session was renewed (writer lease taken again on %s, size %d)", redact(self.dsn), size)

    def _fence(self, why: str) -> None:
        self.fenced = f"this gateway lost the writer lease: {why}; it stops so that a fresh start reads the log anew"
        log.error("%s", self.fenced)
        for listener in self.on_fenced:
            listener(self.fenced)
        raise Fenced(self.fenced)

    # -- SubtreeSource -----------------------------------------------------------------------

    def subtree(self, level: int, index: int) -> bytes:
        found = self._cache.get((level, index))
        if found is None:
            rows = self._query("SELECT hash FROM regulink.nodes WHERE level = %s AND idx = %s", (level, index))
            if not rows:
                raise MissingNode(level, index)
            found = self._cache[(level, index)] = bytes(rows[0][0])
        return found

    # -- reads -------------------------------------------------------------------------------------

    def size(self) -> int:
        return self._query("SELECT COALESCE(MAX(log_index) + 1, 0) FROM regulink.entries")[0][0]

    def find(self, agency_id: str, record_id: str, version: int) -> Entry | None:
        rows = self._query(f"SELECT {ENTRY_COLUMNS} FROM regulink.entries WHERE agency_id = %s AND record_id = %s "
                           "AND version = %s", (agency_id, record_id, version))
        return _entry(rows[0]) if rows else None

    def latest_version(self, agency_id: str, record_id: str) -> int | None:
        return self._query("SELECT MAX(version) FROM regulink.entries WHERE agency_id = %s AND record_id = %s",
                           (agency_id, record_id))[0][0]

    def latest_before(self, agency_id: str, record_id: str, log_index: int) -> Entry | None:
        """The last version of a record that entered the log before an index."""
        rows = self._query(f"SELECT {ENTRY_COLUMNS} FROM regulink.entries WHERE agency_id = %s AND record_id = %s "
                           "AND log_index < %s ORDER BY version DESC LIMIT 1", (agency_id, record_id, log_index))
        return _entry(rows[0]) if rows else None

    def entry(self, log_index: int) -> Entry | None:
        rows = self._query(f"SELECT {ENTRY_COLUMNS} FROM regulink.entries WHERE log_index = %s", (log_index,))
        return _entry(rows[0]) if rows else None

    def entries(self, start: int, limit: int) -> list[Entry]:
        rows = self._query(f"SELECT {ENTRY_COLUMNS} FROM regulink.entries WHERE log_index >= %s ORDER BY log_index "
                           "LIMIT %s", (start, limit))
        return [_entry(r) for r in rows]

    def iter_entries(self, start: int = 0, page: int = 1000) -> Iterator[Entry]:
        while batch := self.entries(start, page):
            yield from batch
            start = batch[-1].log_index + 1

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM regulink.entries")[0][0]

    def first_gap(self) -> int | None:
        """The lowest index missing below the highest stored one, or None."""
        if self.size() and not self._query("SELECT 1 FROM regulink.entries WHERE log_index = 0"):
            return 0
        rows = self._query(
            "SELECT e.log_index + 1 FROM regulink.entries e WHERE e.log_index + 1 < "
            "(SELECT MAX(log_index) FROM regulink.entries) AND NOT EXISTS "
            "(SELECT 1 FROM regulink.entries n WHERE n.log_index = e.log_index + 1) ORDER BY e.log_index LIMIT 1")
        return rows[0][0] if rows else None

    def level_nodes(self, level: int, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
        """(index, hash) of the stored subtree hashes of one level, in index order, from `start` (up to `end`),
        read a page at a time (a whole level of a large log does not fit one answer)."""
        while True:
            sql, args = "SELECT idx, hash FROM regulink.nodes WHERE level = %s AND idx >= %s", [level, start]
            if end is not None:
                sql += " AND idx < %s"
                args.append(end)
            rows = self._query(sql + " ORDER BY idx LIMIT %s", [*args, _PAGE])
            yield from ((idx, bytes(h)) for idx, h in rows)
            if len(rows) < _PAGE:
                return
            start = rows[-1][0] + 1

    def max_level(self) -> int:
        row = self._query("SELECT MAX(level) FROM regulink.nodes")[0]
        return -1 if row[0] is None else row[0]

    def tree_heads(self, *, above: int = 0, through: int | None = None) -> Iterator[StoredHead]:
        """Every signed head with above < tree_size (<= through), smallest first."""
        while True:
            sql, args = f"SELECT {HEAD_COLUMNS} FROM regulink.tree_heads WHERE tree_size > %s", [above]
            if through is not None:
                sql += " AND tree_size <= %s"
                args.append(through)
            rows = self._query(sql + " ORDER BY tree_size LIMIT %s", [*args, _PAGE])
            yield from (_head(r) for r in rows)
            if len(rows) < _PAGE:
                return
            above = rows[-1][0]

    def tree_head(self, tree_size: int) -> StoredHead | None:
        rows = self._query(f"SELECT {HEAD_COLUMNS} FROM regulink.tree_heads WHERE tree_size = %s", (tree_size,))
        return _head(rows[0]) if rows else None

    def latest_tree_head(self) -> StoredHead | None:
        rows = self._query(f"SELECT {HEAD_COLUMNS} FROM regulink.tree_heads ORDER BY tree_size DESC LIMIT 1")
        return _head(rows[0]) if rows else None

    def head_covering(self, log_index: int) -> StoredHead:
        """The first signed head that includes the entry: the one its receipt named."""
        rows = self._query(f"SELECT {HEAD_COLUMNS} FROM regulink.tree_heads WHERE tree_size > %s ORDER BY tree_size "
                           "LIMIT 1", (log_index,))
        if not rows:
            raise KeyError(f"no signed tree head covers entry {log_index}")
        return _head(rows[0])

    # -- what query gateways serve without the log key ---------------------------------------------

    def log_info(self) -> tuple[str, bytes] | None:
        """(origin, raw public key) the writer recorded, or None before any writer started."""
        rows = self._query("SELECT origin, public_key FROM regulink.log_info")
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def writer_holder(self) -> leases.Holder | None:
        """The writer that recorded itself with the lease last (replicated to standbys too)."""
        try:
            rows = self._query("SELECT address, host, pid, since_ms FROM regulink.writer_lease")
        except Unavailable:
            return None
        return leases.Holder(*rows[0]) if rows else None

    def advertise(self, address: str) -> None:
        """Correct the address this writer recorded with its lease (known once its port is bound)."""
        self._write(lambda conn: conn.execute("UPDATE regulink.writer_lease SET address = %s", (address,)))

    def set_log_info(self, origin: str, public_key: bytes) -> None:
        self._write(lambda conn: conn.execute(
            "INSERT INTO regulink.log_info (one, origin, public_key) VALUES (TRUE, %s, %s) ON CONFLICT (one) DO "
            "UPDATE SET origin = EXCLUDED.origin, public_key = EXCLUDED.public_key", (origin, public_key)))

    # -- the one write ----------------------------------------------------------------------------

    def append(self, entries: list[Entry], nodes: list[tuple[int, int, bytes]], head: StoredHead) -> None:
        """Entries, their subtree hashes and the head that covers them, in one transaction, committed
        (on the synchronous standby too, when there is one) before this returns."""
        self.append_signed(entries, nodes, [head])

    def append_signed(self, entries: list[Entry], nodes: list[tuple[int, int, bytes]],
                      heads: list[StoredHead]) -> None:
        """append() of several batches already signed, in one transaction (`regulink ledger copy`)."""

        def write(conn: psycopg.Connection) -> None:
            with conn.cursor() as cursor:
                with cursor.copy(f"COPY regulink.entries ({ENTRY_COLUMNS}) FROM STDIN") as copy:
                    for e in entries:
                        copy.write_row((e.log_index, e.agency_id, e.record_id, e.version, e.envelope, e.nonce,
                                        e.leaf_hash, e.accepted_ms, json.dumps(e.signer_keys), e.tlp,
                                        json.dumps(e.share_with),
                                        json.dumps([[agency, salt.hex()] for agency, salt in e.salts])))
                with cursor.copy("COPY regulink.nodes (level, idx, hash) FROM STDIN") as copy:
                    for node in nodes:
                        copy.write_row(node)
                with cursor.copy(f"COPY regulink.tree_heads ({HEAD_COLUMNS}) FROM STDIN") as copy:
                    for head in heads:
                        copy.write_row((head.tree_size, head.root_hash, head.timestamp_ms, head.note, head.signature,
                                        head.key_id))

        self._write(write)
        self._known_size = heads[-1].tree_size
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache.update(((level, idx), h) for level, idx, h in nodes)

    def _write(self, work: Callable[[psycopg.Connection], None]) -> None:
        """One transaction on the lease's session; on any failure nothing of it was stored and nothing
        is acknowledged (a COMMIT whose answer was lost is caught by _renew's size check)."""
        if self.readonly:
            raise Unavailable("this ledger is opened read-only (a query gateway); records go to the writer")
        with self._lock:
            if self.fenced:
                raise Fenced(self.fenced)
            if self._conn.closed:
                self._renew()
            try:
                with self._conn.transaction():
                    work(self._conn)
            except psycopg.errors.UniqueViolation:
                # The indexes this writer numbered are taken: another appender, which the lease should
                # have made impossible. Never write on top of it.
                self._fence("entries it was about to append already exist (another appender)")
            except psycopg.errors.ReadOnlySqlTransaction:
                self._conn.close()
                raise Unavailable("the ledger's PostgreSQL server is read-only now (a standby); nothing of this "
                                  "batch was stored") from None
            except psycopg.Error as exc:
                # Server gone, failed over, disk full, a value it refused: the transaction did not commit
                # (or its answer was lost): either way no receipt leaves. The next batch renews a broken session.
                raise Unavailable(f"the ledger cannot write ({_first_line(exc)}); nothing of this batch was "
                                  "acknowledged") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

