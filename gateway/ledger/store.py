"""SQLite storage of the log: entries, complete-subtree hashes, signed tree heads.

The narrow interface the sequencer needs (append a batch, read entries and
subtree hashes, tree heads), so another engine (PostgreSQL with synchronous
replicas, for high availability) can sit beside it without touching the
Merkle or receipt code. One process writes; any number may read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway import db
from gateway.errors import Unavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    log_index    INTEGER PRIMARY KEY,
    agency_id    TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    envelope     BLOB,               -- NULL once lawfully purged; the leaf stays
    nonce        BLOB NOT NULL,
    leaf_hash    BLOB NOT NULL,
    accepted_ms  INTEGER NOT NULL,
    signer_keys  TEXT NOT NULL,      -- JSON list of the key ids that signed
    tlp          INTEGER NOT NULL,
    share_with   TEXT NOT NULL,      -- JSON list of agency ids
    salts        TEXT NOT NULL DEFAULT '[]',  -- JSON [[recipient, salt hex]]: recipient commitments' salts
    UNIQUE (agency_id, record_id, version)
);
CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size    INTEGER PRIMARY KEY,
    root_hash    BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    note         BLOB NOT NULL,
    signature    BLOB NOT NULL,
    key_id       TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    log_index: int
    agency_id: str
    record_id: str
    version: int
    envelope: bytes | None
    nonce: bytes
    leaf_hash: bytes
    accepted_ms: int
    signer_keys: tuple[str, ...]
    tlp: int
    share_with: tuple[str, ...]
    # For a record with recipient commitments: (recipient, salt), each handed to its recipient only.
    salts: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class StoredHead:
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    note: bytes
    signature: bytes
    key_id: str


_ENTRY_COLUMNS = (
    "log_index, agency_id, record_id, version, envelope, nonce, leaf_hash, accepted_ms, signer_keys, tlp, share_with,"
    " salts"
)
_CACHE_LIMIT = 400_000


class MissingNode(KeyError):
    """No complete subtree hash stored at (level, index): not complete yet, or deleted."""

    def __init__(self, level: int, index: int) -> None:
        super().__init__(f"no complete subtree at level {level}, index {index}")
        self.level, self.index = level, index


def _entry(row: tuple) -> Entry:
    return Entry(*row[:8], tuple(json.loads(row[8])), row[9], tuple(json.loads(row[10])),
                 tuple((agency, bytes.fromhex(salt)) for agency, salt in json.loads(row[11])))


class LedgerStore:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise FileNotFoundError(f"no ledger at {self.path}")
        self._conn = db.connect(self.path, readonly=readonly)
        if not readonly:
            self._conn.executescript(SCHEMA)
        self._select = _ENTRY_COLUMNS
        if "salts" not in {row[1] for row in self._conn.execute("PRAGMA table_info(entries)")}:
            # A ledger from before recipient commitments: none of its entries has salts.
            if readonly:
                self._select = _ENTRY_COLUMNS.replace(" salts", " '[]' AS salts")
            else:
                self._conn.execute("ALTER TABLE entries ADD COLUMN salts TEXT NOT NULL DEFAULT '[]'")
        # Subtree hashes never change once written; recent ones are read for
        # every receipt's inclusion proof, so they are kept in memory.
        self._cache: dict[tuple[int, int], bytes] = {}

    def close(self) -> None:
        self._conn.close()

    # -- SubtreeSource -----------------------------------------------------------

    def subtree(self, level: int, index: int) -> bytes:
        found = self._cache.get((level, index))
        if found is None:
            row = self._conn.execute("SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, index)).fetchone()
            if row is None:
                raise MissingNode(level, index)
            found = self._cache[(level, index)] = row[0]
        return found

    # -- reads ---------------------------------------------------------------------

    def size(self) -> int:
        row = self._conn.execute("SELECT MAX(log_index) FROM entries").fetchone()
        return 0 if row[0] is None else row[0] + 1

    def find(self, agency_id: str, record_id: str, version: int) -> Entry | None:
        row = self._conn.execute(
            f"SELECT {self._select} FROM entries WHERE agency_id = ? AND record_id = ? AND version = ?",
            (agency_id, record_id, version),
        ).fetchone()
        return None if row is None else _entry(row)

    def latest_version(self, agency_id: str, record_id: str) -> int | None:
        row = self._conn.execute(
            "SELECT MAX(version) FROM entries WHERE agency_id = ? AND record_id = ?", (agency_id, record_id)
        ).fetchone()
        return row[0]

    def latest_before(self, agency_id: str, record_id: str, log_index: int) -> Entry | None:
        """The last version of a record that entered the log before an index."""
        row = self._conn.execute(
            f"SELECT {self._select} FROM entries WHERE agency_id = ? AND record_id = ? AND log_index < ? "
            "ORDER BY version DESC LIMIT 1",
            (agency_id, record_id, log_index),
        ).fetchone()
        return None if row is None else _entry(row)

    def entry(self, log_index: int) -> Entry | None:
        row = self._conn.execute(f"SELECT {self._select} FROM entries WHERE log_index = ?", (log_index,)).fetchone()
        return None if row is None else _entry(row)

    def entries(self, start: int, limit: int) -> list[Entry]:
        rows = self._conn.execute(
            f"SELECT {self._select} FROM entries WHERE log_index >= ? ORDER BY log_index LIMIT ?", (start, limit)
        )
        return [_entry(r) for r in rows]

    def iter_entries(self, start: int = 0, page: int = 1000) -> Iterator[Entry]:
        while batch := self.entries(start, page):
            yield from batch
            start = batch[-1].log_index + 1

    def count(self) -> int:
        """How many entries are stored: size() unless one is missing (gateway.ledger.integrity)."""
        return self._conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def first_gap(self) -> int | None:
        """The lowest index missing below the highest stored one, or None."""
        if self._conn.execute("SELECT 1 FROM entries WHERE log_index = 0").fetchone() is None and self.size():
            return 0
        row = self._conn.execute(
            "SELECT e.log_index + 1 FROM entries e WHERE e.log_index + 1 < (SELECT MAX(log_index) FROM entries)"
            " AND NOT EXISTS (SELECT 1 FROM entries n WHERE n.log_index = e.log_index + 1)"
            " ORDER BY e.log_index LIMIT 1"
        ).fetchone()
        return None if row is None else row[0]

    def level_nodes(self, level: int, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
        """(index, hash) of the stored subtree hashes of one level, in index order, from `start` (up to `end`)."""
        sql, args = "SELECT idx, hash FROM nodes WHERE level = ? AND idx >= ?", [level, start]
        if end is not None:
            sql += " AND idx < ?"
            args.append(end)
        return self._conn.execute(sql + " ORDER BY idx", args)  # a cursor: nothing to finalize if left unread

    def max_level(self) -> int:
        row = self._conn.execute("SELECT MAX(level) FROM nodes").fetchone()
        return -1 if row[0] is None else row[0]

    def tree_heads(self, *, above: int = 0, through: int | None = None) -> Iterator[StoredHead]:
        """Every signed head with above < tree_size (<= through), smallest first."""
        sql, args = "SELECT * FROM tree_heads WHERE tree_size > ?", [above]
        if through is not None:
            sql += " AND tree_size <= ?"
            args.append(through)
        return (StoredHead(*row) for row in self._conn.execute(sql + " ORDER BY tree_size", args))

    def tree_head(self, tree_size: int) -> StoredHead | None:
        row = self._conn.execute("SELECT * FROM tree_heads WHERE tree_size = ?", (tree_size,)).fetchone()
        return None if row is None else StoredHead(*row)

    def latest_tree_head(self) -> StoredHead | None:
        row = self._conn.execute("SELECT * FROM tree_heads ORDER BY tree_size DESC LIMIT 1").fetchone()
        return None if row is None else StoredHead(*row)

    def head_covering(self, log_index: int) -> StoredHead:
        """The first signed head that includes the entry: the one its receipt named."""
        row = self._conn.execute(
            "SELECT * FROM tree_heads WHERE tree_size > ? ORDER BY tree_size LIMIT 1", (log_index,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no signed tree head covers entry {log_index}")
        return StoredHead(*row)

    # -- the one write -----------------------------------------------------------

    def append(self, entries: list[Entry], nodes: list[tuple[int, int, bytes]], head: StoredHead) -> None:
        """Entries, their subtree hashes and the head that covers them, in one fsync'd transaction."""
        try:
            with db.transaction(self._conn):
                self._conn.executemany(
                    f"INSERT INTO entries ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            e.log_index, e.agency_id, e.record_id, e.version, e.envelope, e.nonce, e.leaf_hash,
                            e.accepted_ms, json.dumps(e.signer_keys), e.tlp, json.dumps(e.share_with),
                            json.dumps([[agency, salt.hex()] for agency, salt in e.salts]),
                        )
                        for e in entries
                    ],
                )
                self._conn.executemany("INSERT INTO nodes VALUES (?, ?, ?)", nodes)
                self._conn.execute(
                    "INSERT INTO tree_heads VALUES (?, ?, ?, ?, ?, ?)",
                    (head.tree_size, head.root_hash, head.timestamp_ms, head.note, head.signature, head.key_id),
                )
        except sqlite3.OperationalError as exc:
            # Disk full, read-only directory, I/O error: the transaction rolled
            # back, so nothing of the batch is in the log and nothing was acknowledged.
            raise Unavailable(f"the ledger cannot write ({exc}); nothing of this batch was stored") from None
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache.update(((level, idx), h) for level, idx, h in nodes)
