"""The log as a query gateway serves it: heads, proofs and entries read from PostgreSQL (a hot
standby is fine), with no log key and no appends.

A query gateway never signs: every head it serves was signed by the writer and read from the
database, every proof is computed against one of those heads (named in the request or the newest
it sees), so a replica a few batches behind serves proofs that verify, only for a smaller tree.
The log's origin and public key come from the row the writer records when it takes the lease
(gateway.ledger.pg_store), and the newest head is checked against them at start, as the writer
checks its own log (gateway.ledger.integrity.check_recent).
"""

from __future__ import annotations

from gateway import keys
from gateway.errors import NotFound, Unavailable
from gateway.ledger import integrity
from gateway.ledger.log import Ledger
from gateway.ledger.pg_store import PgLedgerStore, redact
from gateway.ledger.store import StoredHead


class LogReader(Ledger):
    """A Ledger that only reads. Built without a key (Ledger.__init__ would need the private one)."""

    def __init__(self, store: PgLedgerStore) -> None:  # not super().__init__: it needs the signing key
        info = store.log_info()
        if info is None:
            raise Unavailable(f"no writer has opened the ledger at {redact(store.dsn)} yet: start the writer "
                              "(`regulink serve`) first, then the query gateways")
        self.store = store
        self.key = None
        self.origin, self.public_key = info
        self.key_id = keys.key_id(self.public_key)
        with store.consistent():  # one snapshot: the writer may be committing while this reads
            integrity.check_recent(store, keys.load_public_key(self.public_key), self.origin)
            self._size = store.size()

    def refresh(self) -> bool:
        """Read the size the database has now; True when it grew (new entries to announce)."""
        head = self.store.latest_tree_head()
        size = head.tree_size if head is not None else 0
        grew, self._size = size > self._size, max(size, self._size)
        return grew

    def append(self, batch):  # the QueryOnlySequencer refuses before anything gets here
        raise Unavailable("a query gateway does not append")

    def tree_head(self, tree_size: int = 0) -> StoredHead:
        if tree_size == 0 and self.store.latest_tree_head() is None:
            raise NotFound("the log is empty")  # the writer signs the empty tree; a reader has no key
        return super().tree_head(tree_size)
