"""The agency registry: agencies, their Ed25519 keys, and who may relay for whom.

Written by the operator (`regulink agency …`, possibly while the gateway
runs), read by the gateway through an immutable `Snapshot` that is refreshed
when the database changes (SQLite's data_version tells).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway import db, keys
from gateway.errors import InvalidArgument, KeyNotValidNow, NotFound, RevokedKey, UnknownAgency, UnknownKey

KINDS = ("regulator", "local-government", "law-enforcement", "other")

SCHEMA = """
CREATE TABLE IF NOT EXISTS agencies (
    agency_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    created_at   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
    key_id      TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies(agency_id),
    public_key  BLOB NOT NULL,
    not_before  REAL NOT NULL,
    not_after   REAL,
    revoked_at  REAL,
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS relays (
    agency_id TEXT NOT NULL REFERENCES agencies(agency_id),
    relay_id  TEXT NOT NULL REFERENCES agencies(agency_id),
    PRIMARY KEY (agency_id, relay_id)
);
"""

AGENCY_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-._")


@dataclass(frozen=True)
class Key:
    key_id: str
    agency_id: str
    public_key: bytes
    not_before: float
    not_after: float | None
    revoked_at: float | None
    verifier: Ed25519PublicKey = field(compare=False, repr=False)

    def status(self, now: float) -> str:
        if self.revoked_at is not None and now >= self.revoked_at:
            return "revoked"
        if now < self.not_before:
            return "not yet valid"
        if self.not_after is not None and now >= self.not_after:
            return "expired"
        return "valid"


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    kind: str
    jurisdiction: str
    keys: tuple[Key, ...]
    relays: frozenset[str]


@dataclass(frozen=True)
class Snapshot:
    """The registry at one moment; what one request is checked against."""

    agencies: dict[str, Agency]
    keys: dict[str, Key]

    def agency(self, agency_id: str) -> Agency:
        found = self.agencies.get(agency_id)
        if found is None:
            raise UnknownAgency(f"agency {agency_id!r} is not registered")
        return found

    def usable_key(self, key_id: str, field: str = "", now: float | None = None) -> Key:
        """The key if it may sign now; raises why not otherwise."""
        key = self.keys.get(key_id)
        if key is None:
            raise UnknownKey(f"key {key_id[:16]}… is not registered", field=field)
        status = key.status(time.time() if now is None else now)
        if status == "revoked":
            raise RevokedKey(
                f"key {key_id[:16]}… of {key.agency_id} was revoked; sign with a current key "
                f"(the operator adds one with `regulink agency add-key`)",
                field=field,
            )
        if status != "valid":
            raise KeyNotValidNow(f"key {key_id[:16]}… of {key.agency_id} is {status}", field=field)
        return key

    def may_send_for(self, channel_agency: str, author: str) -> bool:
        return channel_agency == author or channel_agency in self.agencies[author].relays


def check_agency(agency_id: str, name: str, kind: str, jurisdiction: str) -> None:
    """The fields of a new agency, as every registry store takes them (gateway.server.registry_pg too)."""
    if not agency_id or not set(agency_id) <= AGENCY_ID_CHARS or len(agency_id) > 64:
        raise InvalidArgument("use 1-64 characters of a-z 0-9 - . _", field="agency_id")
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not name.strip():
        raise InvalidArgument("a name is required", field="name")
    if not jurisdiction.strip():
        raise InvalidArgument("an ISO 3166 jurisdiction is required, e.g. JP or SG", field="jurisdiction")


class Registry:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn = db.connect(self.path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._snapshot: Snapshot | None = None

    def close(self) -> None:
        self._conn.close()

    # -- writes (operator) ---------------------------------------------------

    def add_agency(self, agency_id: str, name: str, kind: str, jurisdiction: str) -> None:
        check_agency(agency_id, name, kind, jurisdiction)
        try:
            with self._lock, db.transaction(self._conn):
                self._conn.execute(
                    "INSERT INTO agencies VALUES (?, ?, ?, ?, ?)",
                    (agency_id, name.strip(), kind, jurisdiction.strip().upper(), time.time()),
                )
        except sqlite3.IntegrityError:
            raise InvalidArgument(f"agency {agency_id!r} is already registered", field="agency_id") from None

    def add_key(
        self,
        agency_id: str,
        public_key: bytes,
        *,
        not_before: float | None = None,
        not_after: float | None = None,
    ) -> str:
        self.snapshot().agency(agency_id)
        kid = keys.key_id(public_key)
        keys.load_public_key(public_key)  # rejects bytes that are not a key
        start = time.time() if not_before is None else not_before
        if not_after is not None and not_after <= start:
            raise InvalidArgument("not_after must be later than not_before", field="not_after")
        try:
            with self._lock, db.transaction(self._conn):
                self._conn.execute(
                    "INSERT INTO keys VALUES (?, ?, ?, ?, ?, NULL, ?)",
                    (kid, agency_id, public_key, start, not_after, time.time()),
                )
        except sqlite3.IntegrityError:
            raise InvalidArgument(f"key {kid[:16]}… is already registered", field="public_key") from None
        return kid

    def revoke_key(self, key_id: str, *, at: float | None = None) -> None:
        with self._lock, db.transaction(self._conn):
            cur = self._conn.execute(
                "UPDATE keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (time.time() if at is None else at, key_id),
            )
        if cur.rowcount == 0:
            raise NotFound(f"no unrevoked key {key_id!r}", field="key_id")

    def expire_key(self, key_id: str, *, at: float | None = None) -> None:
        """Rotation: the old key stops signing at `at`; what it signed stays in the ledger."""
        with self._lock, db.transaction(self._conn):
            cur = self._conn.execute(
                "UPDATE keys SET not_after = ? WHERE key_id = ?", (time.time() if at is None else at, key_id)
            )
        if cur.rowcount == 0:
            raise NotFound(f"no key {key_id!r}", field="key_id")

    def allow_relay(self, agency_id: str, relay_id: str) -> None:
        """Let `relay_id` send `agency_id`'s signed envelopes on its own channel."""
        snap = self.snapshot()
        snap.agency(agency_id)
        snap.agency(relay_id)
        with self._lock, db.transaction(self._conn):
            self._conn.execute("INSERT OR IGNORE INTO relays VALUES (?, ?)", (agency_id, relay_id))

    # -- reads -----------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The current registry; rebuilt only when another writer changed it."""
        with self._lock:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            total_changes = self._conn.total_changes
            stamp = (version, total_changes)
            if self._snapshot is None or stamp != self._version:
                self._snapshot = self._load()
                self._version = stamp
            return self._snapshot

    def _load(self) -> Snapshot:
        rows = self._conn.execute("SELECT key_id, agency_id, public_key, not_before, not_after, revoked_at FROM keys")
        all_keys = {
            r[0]: Key(r[0], r[1], r[2], r[3], r[4], r[5], verifier=keys.load_public_key(r[2])) for r in rows
        }
        relays: dict[str, set[str]] = {}
        for agency_id, relay_id in self._conn.execute("SELECT agency_id, relay_id FROM relays"):
            relays.setdefault(agency_id, set()).add(relay_id)
        agencies = {}
        for agency_id, name, kind, jurisdiction in self._conn.execute(
            "SELECT agency_id, name, kind, jurisdiction FROM agencies ORDER BY agency_id"
        ):
            own = tuple(k for k in all_keys.values() if k.agency_id == agency_id)
            agencies[agency_id] = Agency(agency_id, name, kind, jurisdiction, own, frozenset(relays.get(agency_id, ())))
        return Snapshot(agencies, all_keys)
