"""Which store holds the log: a SQLite file (the zero-set-up default) or a PostgreSQL database.

The `ledger` setting (config file, REGULINK_LEDGER) names it: empty for <data_dir>/ledger.db, a
path (or `sqlite:PATH`), or a `postgresql://` URL. Both stores have the same narrow interface
(gateway.ledger.store), so the Merkle, receipt and integrity code never asks which one it has.
"""

from __future__ import annotations

from pathlib import Path

from gateway.ledger.pg_store import PgLedgerStore, is_postgresql, redact
from gateway.ledger.store import LedgerStore

Store = LedgerStore | PgLedgerStore

__all__ = ["Store", "is_postgresql", "location_of", "open_store", "redact", "sqlite_path"]


def sqlite_path(location: str | Path) -> Path:
    return Path(str(location).removeprefix("sqlite:")).expanduser()


def open_store(location: str | Path, *, readonly: bool = False) -> Store:
    """The store at `location`: SQLite opened as asked; PostgreSQL always as a reader (it is written
    only under the writer lease: gateway.server.roles.open_log, PgLedgerStore.writer)."""
    if is_postgresql(str(location)):
        return PgLedgerStore(str(location))
    return LedgerStore(sqlite_path(location), readonly=readonly)


def location_of(store: Store) -> str:
    """What open_store needs to open the same ledger again (in another process)."""
    return store.dsn if isinstance(store, PgLedgerStore) else str(store.path)
