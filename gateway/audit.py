"""The query audit trail: who asked what, when, and how much they got back.

Every investigator and analyst call is recorded (agency, call, parameters,
result size, time) for the gateway operator (`regulink query-log`). Record
contents are never stored here, only the question's parameters.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

from gateway import db

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


class AuditLog:
    def __init__(self, path: Path) -> None:
        self._conn = db.connect(path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    async def written(self, agency_id: str, call: str, params: dict, results: int, outcome: str = "OK") -> None:
        """`record` in a worker thread: the answer still waits for its audit line to be durable,
        other calls do not wait for this one's fsync."""
        await asyncio.to_thread(self.record, agency_id, call, params, results, outcome)

    def record(self, agency_id: str, call: str, params: dict, results: int, outcome: str = "OK") -> None:
        with self._lock, db.transaction(self._conn):
            self._conn.execute(
                "INSERT INTO queries VALUES (?, ?, ?, ?, ?, ?)",
                (int(time.time() * 1000), agency_id, call, json.dumps(params, ensure_ascii=False, sort_keys=True),
                 results, outcome),
            )

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
        self._conn.close()
