"""The query audit trail: who asked what, when, and how much they got back.

Every investigator and analyst call is recorded (agency, call, parameters,
result size, time) for the gateway operator (`regulink query-log`). Record
contents are never stored here, only the question's parameters. A tool that
serves several people of one agency (the investigator console) names the
person with each call (gRPC metadata `regulink-investigator`); the line keeps
that name beside the agency. The agency asserts it, its mTLS identity is the
proof: the name is recorded, never used to decide what anyone may see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import AsyncIterator, Iterable
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
    outcome   TEXT NOT NULL,
    investigator TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS queries_at ON queries (at_ms);
"""
# The metadata key a tool names its person with: percent-encoded UTF-8 (gRPC metadata values are ASCII).
INVESTIGATOR_KEY = "regulink-investigator"
MAX_INVESTIGATOR = 128


def investigator_name(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    """The person a call's metadata names ("" when none), decoded and made safe to show:
    control and format characters (bidirectional overrides, zero-width) dropped, at most
    MAX_INVESTIGATOR characters."""
    for key, value in metadata or ():
        if key != INVESTIGATOR_KEY:
            continue
        text = urllib.parse.unquote(value.decode("ascii", "replace") if isinstance(value, bytes) else value,
                                    errors="replace")
        text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
        return text.strip()[:MAX_INVESTIGATOR]
    return ""


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
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(queries)")}
        if "investigator" not in columns:  # an audit.db from before the investigator console
            self._conn.execute("ALTER TABLE queries ADD COLUMN investigator TEXT NOT NULL DEFAULT ''")
        self._outcomes = db.connect(path)
        self._outcomes.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()

    async def opened(self, agency_id: str, call: str, params: dict, investigator: str = "") -> int:
        """The question's line, durable, written in a worker thread; returns the line's id."""
        return await asyncio.to_thread(self._open, agency_id, call, params, investigator)

    def _open(self, agency_id: str, call: str, params: dict, investigator: str = "") -> int:
        try:
            with self._lock, db.transaction(self._conn):
                cursor = self._conn.execute(
                    "INSERT INTO queries (at_ms, agency_id, call, params, results, outcome, investigator) "
                    "VALUES (?, ?, ?, ?, 0, 'PENDING', ?)",
                    (int(time.time() * 1000), agency_id, call, json.dumps(params, ensure_ascii=False, sort_keys=True),
                     investigator),
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
    async def call(self, agency_id: str, call: str, params: dict, investigator: str = "") -> AsyncIterator[Outcome]:
        """One call's line around its work: opened as the block starts (its fsync runs while the
        block works), closed as it ends, with the size the block sets on the Outcome, the code of
        a RegulinkError, or ABORTED for anything else (a bug, a caller that left)."""
        line = asyncio.ensure_future(self.opened(agency_id, call, params, investigator))
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

    def recent(self, limit: int = 100, agency_id: str | None = None, investigator: str | None = None) -> list[dict]:
        columns = ("at_ms", "agency_id", "call", "params", "results", "outcome", "investigator")
        sql = f"SELECT {', '.join(columns)} FROM queries"
        where = [(name, value) for name, value in (("agency_id", agency_id), ("investigator", investigator)) if value]
        if where:
            sql += " WHERE " + " AND ".join(f"{name} = ?" for name, _ in where)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY at_ms DESC, rowid DESC LIMIT ?",
                                      (*(value for _, value in where), limit)).fetchall()
        return [dict(zip(columns, r)) for r in rows]

    def close(self) -> None:
        self._outcomes.close()
        self._conn.close()
