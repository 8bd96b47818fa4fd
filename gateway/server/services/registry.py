"""RegistryService: the community of agencies and their public keys (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.errors import NotFound
from gateway.server import registry as reg
from gateway.server.admission.identity import caller_agency
from regulink.v1 import registry_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway

KIND_VALUES = {
    "regulator": pb.AGENCY_KIND_REGULATOR,
    "local-government": pb.AGENCY_KIND_LOCAL_GOVERNMENT,
    "law-enforcement": pb.AGENCY_KIND_LAW_ENFORCEMENT,
    "other": pb.AGENCY_KIND_OTHER,
}


def _timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def agency_message(agency: reg.Agency) -> pb.Agency:
    message = pb.Agency(
        agency_id=agency.agency_id,
        name=agency.name,
        kind=KIND_VALUES[agency.kind],
        jurisdiction=agency.jurisdiction,
        relays=sorted(agency.relays),
    )
    for key in agency.keys:
        item = message.keys.add(key_id=key.key_id, public_key=key.public_key, not_before=_timestamp(key.not_before))
        if key.not_after is not None:
            item.not_after.CopyFrom(_timestamp(key.not_after))
        if key.revoked_at is not None:
            item.revoked_at.CopyFrom(_timestamp(key.revoked_at))
    return message


class RegistryService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def ListAgencies(self, request: pb.ListAgenciesRequest, context) -> pb.ListAgenciesResponse:
        snapshot = self.gateway.registry.snapshot()
        caller_agency(context, snapshot)
        return pb.ListAgenciesResponse(agencies=[agency_message(a) for a in snapshot.agencies.values()])

    async def GetAgency(self, request: pb.GetAgencyRequest, context) -> pb.GetAgencyResponse:
        snapshot = self.gateway.registry.snapshot()
        caller_agency(context, snapshot)
        agency = snapshot.agencies.get(request.agency_id)
        if agency is None:
            raise NotFound(f"agency {request.agency_id!r} not found", field="agency_id")
        return pb.GetAgencyResponse(agency=agency_message(agency))

    async def WhoAmI(self, request: pb.WhoAmIRequest, context) -> pb.WhoAmIResponse:
        snapshot = self.gateway.registry.snapshot()
        return pb.WhoAmIResponse(agency=agency_message(snapshot.agencies[caller_agency(context, snapshot)]))
