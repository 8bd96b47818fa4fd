"""Admission of many envelopes at once (signature checks dominate ingest)."""

from __future__ import annotations

from gateway.admission import Limits, admit
from gateway.errors import RegulinkError
from gateway.ledger.log import Candidate
from gateway.registry import Snapshot
from regulink.v1 import envelope_pb2


class Verifier:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    async def admit_many(
        self, envelopes: list[envelope_pb2.Envelope], caller: str, registry: Snapshot
    ) -> list[Candidate | RegulinkError]:
        return [self._admit_one(e, caller, registry) for e in envelopes]

    def _admit_one(self, envelope, caller: str, registry: Snapshot) -> Candidate | RegulinkError:
        try:
            return admit(envelope, caller, registry, self.limits)
        except RegulinkError as exc:
            return exc
