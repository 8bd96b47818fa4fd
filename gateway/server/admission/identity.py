"""Who is calling: the agency named by the mTLS client certificate.

The gateway only accepts client certificates issued by its configured CA
(`require_client_auth`); the certificate's subject Common Name is the agency
id. A certificate for an agency that is not registered is refused like a
missing one, and so is a certificate whose subject holds two Common Names:
gRPC reports only the first, and which one "is" the agency must never depend
on the order a CA happened to write them in.

Server reflection answers registered agencies only, as every regulink
service does; the health service stays open to any certificate of the CA,
for probes (`regulink-healthcheck` uses an unregistered `healthcheck` CN).
"""

from __future__ import annotations

import functools

import grpc
from cryptography import x509
from cryptography.x509.oid import NameOID
from grpc_reflection.v1alpha import _async as reflection_aio
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from gateway.errors import RegulinkError, Unauthenticated
from gateway.server.registry import Registry, Snapshot
from gateway.server.rpc import to_status


@functools.lru_cache(maxsize=1024)
def _common_names(pem: bytes) -> tuple[str, ...]:
    """Every subject CN of a certificate (parsed once per certificate: channels repeat it)."""
    certificate = x509.load_pem_x509_certificate(pem)
    return tuple(str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME))


def caller_agency(context: grpc.aio.ServicerContext, registry: Snapshot) -> str:
    auth = context.auth_context()
    names = auth.get("x509_common_name") or []
    if len(names) != 1:
        raise Unauthenticated("a client certificate naming the agency (subject CN) is required")
    certificates = auth.get("x509_pem_cert") or []
    if certificates and len(_common_names(certificates[0])) != 1:
        raise Unauthenticated(
            f"the client certificate's subject has {len(_common_names(certificates[0]))} Common Names; it must "
            "have exactly one, the agency id (ask the CA for a certificate with one CN)"
        )
    agency_id = names[0].decode("utf-8", "replace")
    if agency_id not in registry.agencies:
        raise Unauthenticated(f"the client certificate names {agency_id!r}, which is not a registered agency")
    return agency_id


class _RegisteredReflection(reflection_aio.ReflectionServicer):
    """gRPC server reflection for registered agencies; anyone else gets UNAUTHENTICATED."""

    def __init__(self, service_names, registry: Registry) -> None:
        super().__init__(service_names)
        self._registry = registry

    async def ServerReflectionInfo(self, request_iterator, context):
        try:
            caller_agency(context, self._registry.snapshot())
        except RegulinkError as exc:
            await context.abort_with_status(rpc_status.to_status(to_status(exc)))
        async for response in super().ServerReflectionInfo(request_iterator, context):
            yield response


REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def add_reflection(server: grpc.aio.Server, service_names, registry: Registry) -> None:
    """Server reflection (grpcurl, Postman) that asks for a registered certificate first, as
    grpc.reflection.v1 (what current tools ask first) and v1alpha (older ones).

    grpcio-reflection ships only v1alpha; v1 is the same service under a new package, with the
    same messages field for field (grpc/reflection/v1/reflection.proto), so v1 calls are
    served by the v1alpha servicer over the identical wire format."""
    servicer = _RegisteredReflection([*service_names, REFLECTION_V1], registry)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    v1 = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    handler = grpc.method_handlers_generic_handler(REFLECTION_V1, {"ServerReflectionInfo": v1})
    server.add_generic_rpc_handlers((handler,))
