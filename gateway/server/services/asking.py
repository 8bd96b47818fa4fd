"""What every question to the graph shares, whatever the service: its arguments checked (hops,
types, node limits, page tokens), its audit line, and the graph it is asked of."""

from __future__ import annotations

import base64
import contextlib
import functools
import re
from typing import TYPE_CHECKING

from google.protobuf import json_format

from gateway.errors import InvalidArgument, Unavailable
from gateway.server.admission.identity import caller_agency
from gateway.server.audit import investigator_name
from graph import schema
from graph.investigate import MAX_NODES, Investigator

if TYPE_CHECKING:
    from gateway.server.app import Gateway

MAX_PAGE = 500


PAGE_TOKEN = re.compile(r"o:(0|[1-9][0-9]{0,8})")  # an offset below MAX_OFFSET, as _token writes it
MAX_OFFSET = 10**9


def _page(token: str) -> int:
    """The offset a page token carries; INVALID_ARGUMENT for anything _token did not write
    (a negative or huge offset reached the graph database as INTERNAL before, issue 13)."""
    if not token:
        return 0
    try:
        found = PAGE_TOKEN.fullmatch(base64.urlsafe_b64decode(token.encode()).decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        found = None
    if found is None:
        raise InvalidArgument("not a page token this service gave; send next_page_token unchanged, or none for "
                              "the first page", field="page_token")
    return int(found.group(1))


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _page_size(size: int, default: int = 50) -> int:
    if size > MAX_PAGE:
        raise InvalidArgument(f"at most {MAX_PAGE} per page", field="page_size")
    return size or default


def check_node_limit(limit: int, default: int) -> int:
    if limit > MAX_NODES:
        raise InvalidArgument(f"at most {MAX_NODES} nodes", field="node_limit")
    return limit or default


def check_hops(hops: int, default: int, most: int, field: str = "hops") -> int:
    if hops > most:
        raise InvalidArgument(f"at most {most} hops", field=field)
    return hops or default


def check_types(names, field: str, known) -> list[str]:
    for i, name in enumerate(names):
        if name not in known:
            raise InvalidArgument(f"unknown type {name[:40]!r}; known: {', '.join(sorted(known))}",
                                  field=f"{field}[{i}]")
    return list(names)


ENTITY_TYPE_NAMES = frozenset(schema.BY_NAME)
LINK_TYPE_NAMES = frozenset({link.name for link in schema.LINK_TYPES.values()} | {schema.HAS_IDENTIFIER})


@contextlib.asynccontextmanager
async def audit_line(gateway: Gateway, context, method: str, request):
    """(the caller, the call's audit line): the caller resolved from its certificate, the line opened
    (and fsync'd, in a thread) as the call arrives; its outcome is put on it when the block ends, before
    the answer leaves (gateway.server.audit). Every query and export is asked through this."""
    caller = caller_agency(context, gateway.registry.snapshot())
    params = json_format.MessageToDict(request, preserving_proto_field_name=True)
    async with gateway.audit.call(caller, method, params, investigator_name(context.invocation_metadata())) as line:
        yield caller, line


def audited(method):
    """A unary question: audited (audit_line), the graph required, timed by query type."""

    @functools.wraps(method)
    async def handler(self, request, context):
        with self.gateway.metrics.timed_query(method.__name__):
            async with audit_line(self.gateway, context, method.__name__, request) as (caller, line):
                require_graph(self.gateway)
                response, line.results = await method(self, request, caller)
            return response

    return handler


def require_graph(gateway: Gateway) -> None:
    if gateway.graph_store is None:
        raise Unavailable("the graph store is not reachable yet; records are still accepted into the ledger")


def investigator_for(gateway: Gateway) -> Investigator:
    """The graph questions, with the registry's agency kinds (for overlaps of different kinds)."""
    registry = gateway.registry
    return Investigator(gateway.graph_store,
                        lambda: {a.agency_id: a.kind for a in registry.snapshot().agencies.values()})
