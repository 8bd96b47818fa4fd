"""TransparencyService: signed tree heads and RFC 9162 proofs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.ledger.log import signed_head_message
from gateway.server.admission.identity import caller_agency
from regulink.v1 import transparency_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway


class TransparencyService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def _check_caller(self, context) -> None:
        caller_agency(context, self.gateway.registry.snapshot())

    async def GetLogInfo(self, request: pb.GetLogInfoRequest, context) -> pb.GetLogInfoResponse:
        self._check_caller(context)
        ledger = self.gateway.ledger
        return pb.GetLogInfoResponse(origin=ledger.origin, public_key=ledger.public_key, key_id=ledger.key_id)

    async def GetTreeHead(self, request: pb.GetTreeHeadRequest, context) -> pb.GetTreeHeadResponse:
        self._check_caller(context)
        head = await self.gateway.sequencer.call(self.gateway.ledger.tree_head, request.tree_size)
        return pb.GetTreeHeadResponse(tree_head=signed_head_message(head))

    async def GetInclusionProof(self, request: pb.GetInclusionProofRequest, context) -> pb.GetInclusionProofResponse:
        self._check_caller(context)
        entry, head, hashes = await self.gateway.sequencer.call(
            self.gateway.ledger.inclusion_proof, request.log_index, request.tree_size
        )
        return pb.GetInclusionProofResponse(
            proof=pb.InclusionProof(
                log_index=entry.log_index, tree_size=head.tree_size, leaf_hash=entry.leaf_hash, hashes=hashes
            ),
            tree_head=signed_head_message(head),
        )

    async def GetConsistencyProof(
        self, request: pb.GetConsistencyProofRequest, context
    ) -> pb.GetConsistencyProofResponse:
        self._check_caller(context)
        first, second, hashes = await self.gateway.sequencer.call(
            self.gateway.ledger.consistency_proof, request.first_size, request.second_size
        )
        return pb.GetConsistencyProofResponse(
            proof=pb.ConsistencyProof(first_size=first.tree_size, second_size=second.tree_size, hashes=hashes),
            first_tree_head=signed_head_message(first),
            second_tree_head=signed_head_message(second),
        )
