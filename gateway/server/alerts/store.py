"""Watches and alerts in the gateway's data directory (`watches.db`, SQLite, private like the others).

Each agency's watches and alerts are its own: every read and write names the
agency, and numbers are counted per agency (watch w-3, alert 7, stream
position 12 are the agency's third watch, its events so far), so nothing here
tells one agency how busy another is.

An agency's alert stream is a sequence of events: an alert raised (at the
position that becomes its id) and, later, the same alert withdrawn (at a
position of its own). The evaluation (gateway.server.alerts.engine) writes the events of
a batch of ledger entries and the index it has evaluated through in one
transaction, so after a crash it neither loses nor repeats a batch; the
Alerts stream reads the events back in order (at least once: a client
resumes after the last position it handled).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway import db
from gateway.errors import Unavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    agency_id  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    rule       TEXT NOT NULL,                 -- JSON (graph.watchlist.Rule)
    label      TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    from_index INTEGER NOT NULL,
    removed_ms INTEGER,                       -- NULL while it watches
    state      TEXT NOT NULL DEFAULT '{}',    -- a neighbourhood watch's known operators and walked nodes
    PRIMARY KEY (agency_id, number)
);
CREATE TABLE IF NOT EXISTS alerts (
    agency_id    TEXT NOT NULL,
    alert_id     INTEGER NOT NULL,            -- the position of the event that raised it
    watch        INTEGER NOT NULL,
    raised_ms    INTEGER NOT NULL,
    body         BLOB NOT NULL,               -- regulink.v1.Alert as raised (gateway.server.alerts.engine)
    matched      TEXT NOT NULL,               -- JSON list of the matched keys
    withdrawn_ms INTEGER,
    triage       INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    triaged_ms   INTEGER,
    PRIMARY KEY (agency_id, alert_id)
);
CREATE TABLE IF NOT EXISTS events (
    agency_id TEXT NOT NULL,
    position  INTEGER NOT NULL,
    alert_id  INTEGER NOT NULL,
    PRIMARY KEY (agency_id, position)
);
-- The records behind each alert not yet withdrawn: a retraction, a supersede or a new version of
-- one withdraws it.
CREATE TABLE IF NOT EXISTS causes (
    record_agency TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    log_index     INTEGER NOT NULL,
    agency_id     TEXT NOT NULL,
    alert_id      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS causes_record ON causes (record_agency, record_id);
-- A withdrawn alert's causes are deleted by the alert: without this every withdrawal read the whole table.
CREATE INDEX IF NOT EXISTS causes_alert ON causes (agency_id, alert_id);
CREATE TABLE IF NOT EXISTS progress (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


DELETE_CAUSES = "DELETE FROM causes WHERE agency_id = ? AND alert_id = ?"  # a withdrawn alert's (index causes_alert)


@dataclass(frozen=True)
class StoredWatch:
    agency_id: str
    number: int
    rule: dict
    label: str
    created_ms: int
    from_index: int
    state: dict


@dataclass(frozen=True)
class StoredAlert:
    agency_id: str
    alert_id: int
    watch: int
    raised_ms: int
    body: bytes
    matched: list[str]
    withdrawn_ms: int | None
    triage: int
    note: str
    triaged_ms: int | None


@dataclass(frozen=True)
class Cause:
    """A record behind an alert: (its agency, its id, the log index of the version that caused it)."""

    record_agency: str
    record_id: str
    log_index: int


@dataclass
class NewAlert:
    agency_id: str
    watch: int
    body: bytes
    matched: list[str]
    causes: list[Cause]
    alert_id: int = 0  # set when committed


@dataclass(frozen=True)
class Withdrawal:
    agency_id: str
    alert_id: int


_ALERT_COLUMNS = "agency_id, alert_id, watch, raised_ms, body, matched, withdrawn_ms, triage, note, triaged_ms"


def _alert(row: tuple) -> StoredAlert:
    return StoredAlert(*row[:5], json.loads(row[5]), *row[6:])


class WatchStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn = db.connect(self.path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One locked, durable transaction. A full disk or a read-only data directory is UNAVAILABLE:
        nothing is half written, and the caller may try again."""
        with self._lock:
            try:
                with db.transaction(self._conn) as conn:
                    yield conn
            except sqlite3.OperationalError as exc:
                raise Unavailable(f"the gateway cannot write its watches database ({exc}); try again once "
                                  "the operator has made room") from None

    # -- progress -----------------------------------------------------------------------------

    def evaluated_through(self, default: int) -> int:
        """The last ledger index evaluated; `default` (stored) the first time."""
        with self._write() as conn:
            conn.execute("INSERT OR IGNORE INTO progress VALUES ('evaluated_through', ?)", (default,))
            return conn.execute("SELECT value FROM progress WHERE name = 'evaluated_through'").fetchone()[0]

    # -- watches ------------------------------------------------------------------------------

    def add_watch(self, agency_id: str, rule: dict, label: str, from_index: int, state: dict,
                  most: int) -> StoredWatch | None:
        """A new watch numbered after the agency's last one (removed ones included: a number is never
        given twice); None when the agency already has `most` watches."""
        now = int(time.time() * 1000)
        with self._write() as conn:
            active = conn.execute("SELECT count(*) FROM watches WHERE agency_id = ? AND removed_ms IS NULL",
                                  (agency_id,)).fetchone()[0]
            if active >= most:
                return None
            number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM watches WHERE agency_id = ?",
                                  (agency_id,)).fetchone()[0]
            conn.execute("INSERT INTO watches VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                         (agency_id, number, json.dumps(rule, ensure_ascii=False, sort_keys=True), label, now,
                          from_index, json.dumps(state)))
        return StoredWatch(agency_id, number, rule, label, now, from_index, state)

    def remove_watch(self, agency_id: str, number: int) -> bool:
        with self._write() as conn:
            cursor = conn.execute("UPDATE watches SET removed_ms = ? WHERE agency_id = ? AND number = ? "
                                  "AND removed_ms IS NULL", (int(time.time() * 1000), agency_id, number))
            return cursor.rowcount == 1

    def watches(self, agency_id: str | None = None) -> list[StoredWatch]:
        """Active watches, of one agency or all, oldest first."""
        sql = ("SELECT agency_id, number, rule, label, created_ms, from_index, state FROM watches "
               "WHERE removed_ms IS NULL")
        args: tuple = ()
        if agency_id is not None:
            sql += " AND agency_id = ?"
            args = (agency_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY agency_id, number", args).fetchall()
        return [StoredWatch(a, n, json.loads(r), label, c, f, json.loads(s)) for a, n, r, label, c, f, s in rows]

    # -- evaluation -----------------------------------------------------------------------------

    def commit(self, through: int, alerts: list[NewAlert], withdrawals: list[Withdrawal],
               states: dict[tuple[str, int], dict]) -> list[str]:
        """One evaluated batch, atomically: withdrawals first (they concern earlier entries), then the
        new alerts (each gets the agency's next position as its id), the neighbourhood watches' state
        and the index evaluated through. Returns the agencies that have new events."""
        now = int(time.time() * 1000)
        woken: set[str] = set()
        with self._write() as conn:
            for withdrawal in withdrawals:
                cursor = conn.execute("UPDATE alerts SET withdrawn_ms = ? WHERE agency_id = ? AND alert_id = ? "
                                      "AND withdrawn_ms IS NULL", (now, withdrawal.agency_id, withdrawal.alert_id))
                if cursor.rowcount:
                    position = self._next_position(conn, withdrawal.agency_id)
                    conn.execute("INSERT INTO events VALUES (?, ?, ?)",
                                 (withdrawal.agency_id, position, withdrawal.alert_id))
                    woken.add(withdrawal.agency_id)
                conn.execute(DELETE_CAUSES, (withdrawal.agency_id, withdrawal.alert_id))
            for alert in alerts:
                alert.alert_id = position = self._next_position(conn, alert.agency_id)
                conn.execute("INSERT INTO events VALUES (?, ?, ?)", (alert.agency_id, position, position))
                conn.execute("INSERT INTO alerts (agency_id, alert_id, watch, raised_ms, body, matched) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (alert.agency_id, position, alert.watch, now, alert.body, json.dumps(alert.matched)))
                conn.executemany("INSERT INTO causes VALUES (?, ?, ?, ?, ?)",
                                 [(c.record_agency, c.record_id, c.log_index, alert.agency_id, position)
                                  for c in alert.causes])
                woken.add(alert.agency_id)
            for (agency_id, number), state in states.items():
                conn.execute("UPDATE watches SET state = ? WHERE agency_id = ? AND number = ?",
                             (json.dumps(state), agency_id, number))
            conn.execute("INSERT OR REPLACE INTO progress VALUES ('evaluated_through', ?)", (through,))
        return sorted(woken)

    @staticmethod
    def _next_position(conn: sqlite3.Connection, agency_id: str) -> int:
        return conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM events WHERE agency_id = ?",
                            (agency_id,)).fetchone()[0]

    def causes(self) -> list[tuple[Cause, str, int, int, list[str]]]:
        """Every record behind an alert not yet withdrawn, with the alert:
        (cause, agency, alert id, watch number, matched keys)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.record_agency, c.record_id, c.log_index, c.agency_id, c.alert_id, a.watch, a.matched "
                "FROM causes c JOIN alerts a ON a.agency_id = c.agency_id AND a.alert_id = c.alert_id").fetchall()
        return [(Cause(a, r, i), agency, alert, watch, json.loads(matched))
                for a, r, i, agency, alert, watch, matched in rows]

    # -- the agency's alerts -----------------------------------------------------------------------

    def events(self, agency_id: str, after: int, limit: int = 200) -> list[tuple[int, StoredAlert]]:
        """The agency's events after a position, in order: (position, the alert as it stands)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT e.position, {', '.join('a.' + c for c in _ALERT_COLUMNS.split(', '))} FROM events e "
                "JOIN alerts a ON a.agency_id = e.agency_id AND a.alert_id = e.alert_id "
                "WHERE e.agency_id = ? AND e.position > ? ORDER BY e.position LIMIT ?",
                (agency_id, after, limit)).fetchall()
        return [(row[0], _alert(row[1:])) for row in rows]

    def summary(self, agency_id: str, newest: int) -> tuple[int, int, int, list[StoredAlert]]:
        """(the position of the agency's last event, its alerts, those neither triaged nor withdrawn,
        its `newest` newest alerts, newest first), read under the lock every write takes: the counts
        and alerts are those at that position."""
        with self._lock:
            position = self._conn.execute("SELECT COALESCE(MAX(position), 0) FROM events WHERE agency_id = ?",
                                          (agency_id,)).fetchone()[0]
            alerts, untriaged = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(triage = 0 AND withdrawn_ms IS NULL), 0) FROM alerts "
                "WHERE agency_id = ?", (agency_id,)).fetchone()
            rows = self._conn.execute(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE agency_id = ? ORDER BY alert_id DESC "
                                      "LIMIT ?", (agency_id, newest)).fetchall()
        return position, alerts, untriaged, [_alert(row) for row in rows]

    def alert(self, agency_id: str, alert_id: int) -> StoredAlert | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE agency_id = ? AND alert_id = ?",
                                     (agency_id, alert_id)).fetchone()
        return None if row is None else _alert(row)

    def ack(self, agency_id: str, alert_id: int, triage: int, note: str) -> StoredAlert | None:
        """Triage one of the agency's alerts (a later ack replaces an earlier); None if it has no such alert.
        The triage is an event of the agency's stream too: every console and CLI following it sees it."""
        with self._write() as conn:
            cursor = conn.execute("UPDATE alerts SET triage = ?, note = ?, triaged_ms = ? WHERE agency_id = ? "
                                  "AND alert_id = ?", (triage, note, int(time.time() * 1000), agency_id, alert_id))
            if not cursor.rowcount:
                return None
            conn.execute("INSERT INTO events VALUES (?, ?, ?)",
                         (agency_id, self._next_position(conn, agency_id), alert_id))
            row = conn.execute(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE agency_id = ? AND alert_id = ?",
                               (agency_id, alert_id)).fetchone()
        return _alert(row)
