"""Who is calling: the agency named by the mTLS client certificate.

The gateway only accepts client certificates issued by its configured CA
(`require_client_auth`); the certificate's subject Common Name is the agency
id. A certificate for an agency that is not registered is refused like a
missing one.
"""

from __future__ import annotations

import grpc

from gateway.errors import Unauthenticated
from gateway.registry import Snapshot


def caller_agency(context: grpc.aio.ServicerContext, registry: Snapshot) -> str:
    auth = context.auth_context()
    names = auth.get("x509_common_name") or []
    if len(names) != 1:
        raise Unauthenticated("a client certificate naming the agency (subject CN) is required")
    agency_id = names[0].decode("utf-8", "replace")
    if agency_id not in registry.agencies:
        raise Unauthenticated(f"the client certificate names {agency_id!r}, which is not a registered agency")
    return agency_id
