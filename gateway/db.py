"""SQLite connections set up the same way everywhere: WAL, full fsync, FKs, private files."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    path = Path(path)
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
    else:
        _create_private(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is fsync'd before it returns, so an acknowledged write
    # survives kill -9 and power loss (NORMAL could lose the last commits).
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _create_private(path: Path) -> None:
    """Create the database file (and its folder) readable by this user only, whatever the umask.

    The ledger, registry and query audit hold AMBER and RED records and who asked what: no other
    local user may read them (issue 13). SQLite gives the -wal and -shm files it creates the
    database file's mode, so those follow.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic, durable write: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error.

    The connections run in autocommit mode (isolation_level=None), where
    `with conn:` would NOT open a transaction and every statement would commit
    on its own: a kill -9 between two of them would leave half a batch.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself failed (a full disk): a transaction left open would make every
        # later BEGIN fail with "cannot start a transaction within a transaction".
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
