"""The query audit trail: who asked what, when, and how much they got back.

Every investigator and analyst call is recorded (agency, call, parameters,
result size, time) for the gateway operator (`regulink query-log`). Record
contents are never stored here, only the question's parameters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from gateway import db
from gateway.errors import RegulinkError, Unavailable

log = logging.getLogger("regulink.audit")

SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    at_ms     INTEGER NOT NULL,
    agency_id TEXT NOT NULL,
    call      TEXT NOT NULL,
    params    TEXT NOT NULL,
    results   INTEGER NOT NULL,
    outcome   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS queries_at ON queries (at_ms);
"""


@dataclass
class Outcome:
    results: int = 0  # the answer's size, set by the audited block


class AuditLog:
    """Each call is one line, written in two steps.

    `opened` writes the question (who, which call, its parameters, when) and
    fsyncs it; the service starts it as the call arrives, so the fsync runs
    while the graph is being asked, and no answer leaves before it is done.
    `closed` then puts the outcome (result size, status) on the line without
    an fsync of its own (WAL, synchronous=NORMAL): it survives a crash of
    the gateway, and the next question's fsync carries it to disk. A line
    whose call never ended shows the outcome PENDING.
    """

    def __init__(self, path: Path) -> None:
        self._conn = db.connect(path)
        self._conn.executescript(SCHEMA)
        self._outcomes = db.connect(path)
        self._outcomes.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()

    async def opened(self, agency_id: str, call: str, params: dict) -> int:
        """The question's line, durable, written in a worker thread; returns the line's id."""
        return await asyncio.to_thread(self._open, agency_id, call, params)

    def _open(self, agency_id: str, call: str, params: dict) -> int:
        try:
            with self._lock, db.transaction(self._conn):
                cursor = self._conn.execute(
                    "INSERT INTO queries VALUES (?, ?, ?, ?, 0, 'PENDING')",
                    (int(time.time() * 1000), agency_id, call, json.dumps(params, ensure_ascii=False, sort_keys=True)),
                )
        except sqlite3.OperationalError as exc:
            # A full disk or a read-only data directory: no question is answered unrecorded (issue 13:
            # this was INTERNAL). UNAVAILABLE, as for the ledger: it works again once there is room.
            raise Unavailable(f"the gateway cannot record this query in its audit trail ({exc}); no query is "
                              "answered unrecorded: try again once the operator has made room") from None
        return cursor.lastrowid

    def closed(self, line: int, results: int, outcome: str = "OK") -> None:
        """The outcome on an opened line (no fsync: tens of microseconds, so it runs inline).

        Should it fail (a full disk), the question's line is already durable and the answer
        leaves; the line keeps the outcome PENDING and the failure is logged.
        """
        try:
            with self._lock, db.transaction(self._outcomes):
                self._outcomes.execute("UPDATE queries SET results = ?, outcome = ? WHERE rowid = ?",
                                       (results, outcome, line))
        except sqlite3.OperationalError as exc:
            log.warning("the outcome of audit line %d could not be written (%s); it stays PENDING", line, exc)

    @contextlib.asynccontextmanager
    async def call(self, agency_id: str, call: str, params: dict) -> AsyncIterator[Outcome]:
        """One call's line around its work: opened as the block starts (its fsync runs while the
        block works), closed as it ends, with the size the block sets on the Outcome, the code of
        a RegulinkError, or ABORTED for anything else (a bug, a caller that left)."""
        line = asyncio.ensure_future(self.opened(agency_id, call, params))
        outcome = Outcome()
        try:
            yield outcome
        except RegulinkError as exc:
            self.closed(await line, 0, exc.code)
            raise
        except BaseException:
            with contextlib.suppress(RegulinkError):  # the caller's own exception (a cancellation) goes on
                self.closed(await asyncio.shield(line), 0, "ABORTED")
            raise
        self.closed(await line, outcome.results)

    def recent(self, limit: int = 100, agency_id: str | None = None) -> list[dict]:
        sql = "SELECT at_ms, agency_id, call, params, results, outcome FROM queries"
        args: tuple = ()
        if agency_id:
            sql += " WHERE agency_id = ?"
            args = (agency_id,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY at_ms DESC, rowid DESC LIMIT ?", (*args, limit)).fetchall()
        return [dict(zip(("at_ms", "agency_id", "call", "params", "results", "outcome"), r)) for r in rows]

    def close(self) -> None:
        self._outcomes.close()
        self._conn.close()
