"""A record's proof, checked by the console: the author's signature and the entry's inclusion in the log.

The card names, for every value, the records that asserted it, each with
its log index (Query API Provenance.log_index). For one of them the console
takes the log entry (Subscribe from that index: the signed envelope, its
nonce and, for a recipient, its salt) and checks with the SDK's
`verify_entry`: the signature under the author's registered key, that the
record is the one the card names, that this agency is among its committed
recipients, and the RFC 9162 inclusion proof against a signed tree head
verified with the pinned log key. A check that passed stays true (the log
only grows; `regulink audit` watches that), so it is kept; one that failed
is asked again next time.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass

from gateway import errors
from gateway.ledger.checkpoint import CheckpointError
from gateway.ledger.verify import ProofError
from gateway.sdk.client import AsyncClient

PARALLEL = 2  # proof checks at once: each holds one of the agency's Subscribe streams for a moment


@dataclass(frozen=True)
class RecordRef:
    log_index: int
    agency_id: str
    record_id: str
    version: int


@dataclass(frozen=True)
class Proof:
    status: str  # "verified", "failed" (the proof does not hold) or "unverifiable" (nothing to check it with)
    detail: str
    tree_size: int = 0


class Prover:
    def __init__(self, agency: str, log_key_id: str) -> None:
        self.agency, self.log_key_id = agency, log_key_id
        self._verified: dict[RecordRef, Proof] = {}
        self._parallel = asyncio.Semaphore(PARALLEL)

    async def check(self, client: AsyncClient, ref: RecordRef) -> dict:
        if ref in self._verified:
            return asdict(self._verified[ref])
        async with self._parallel:
            proof = await self._check(client, ref)
        if proof.status == "verified":
            self._verified[ref] = proof
        return asdict(proof)

    async def _check(self, client: AsyncClient, ref: RecordRef) -> Proof:
        entry = await entry_at(client, ref.log_index)
        if entry is None:
            return Proof("failed", f"the log holds no entry {ref.log_index} you may see (withdrawn since?)")
        if (entry.agency_id, entry.record_id, entry.version) != (ref.agency_id, ref.record_id, ref.version):
            return Proof("failed", f"log entry {ref.log_index} is {entry.agency_id}/{entry.record_id} "
                                   f"v{entry.version}, not the record the graph names")
        if not entry.HasField("envelope"):
            return Proof("unverifiable", "the gateway gives this entry without its signed envelope (a record that "
                                         "names its recipients in clear): its signature cannot be checked here")
        try:
            head = await client.verify_entry(entry, self.agency)
        except (ProofError, CheckpointError) as exc:
            return Proof("failed", str(exc))
        return Proof("verified", f"signed by {entry.agency_id}; entry {ref.log_index} is in the log of size "
                                 f"{head.tree_size} (inclusion proof under the signed tree head, log key "
                                 f"{self.log_key_id[:16]}…)", head.tree_size)


async def entry_at(client: AsyncClient, log_index: int):
    """The log entry at `log_index` as this agency may see it, or None."""
    try:
        async with contextlib.aclosing(client.subscribe(log_index, stop_at_end=True)) as entries:
            async for entry in entries:
                if entry.log_index != log_index or entry.withdrawn:
                    return None
                return entry
    except errors.NotFound:
        return None
    return None
