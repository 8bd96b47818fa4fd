"""QueryService: investigators' questions, each answered for the calling agency only and audited."""

from __future__ import annotations

import base64
import functools
import re
from typing import TYPE_CHECKING

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.errors import InvalidArgument, NotFound, Unavailable
from gateway.server.admission.identity import caller_agency
from gateway.server.audit import investigator_name
from graph import schema
from graph.investigate import ANALYSIS_NODES, MAX_NODES, NEIGHBOURHOOD_NODES, Investigator, Window
from graph.view import EdgeView, NodeView, Subgraph
from regulink.v1 import query_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway

MAX_PAGE = 500


def _record_id(record_key: str) -> str:
    if "|" in record_key:  # a candidate pairs two records: "agency/record|agency/record"
        return record_key
    return record_key.split("/", 1)[1]


@functools.lru_cache(maxsize=65536)
def _record_key_parts(joined: str) -> tuple[tuple[str, str], ...]:
    return tuple((agency, record) for agency, _, record in (key.partition("/") for key in joined.split("|")))


# Messages are filled in place (`add`): a nested message passed to a constructor is copied, and a
# hub's card is a hundred nodes of twenty small messages each.

def _fill_sourced(field, bucket: dict[str, list[str]]) -> None:
    for value, records in bucket.items():
        _fill_records(field.add(value=value, record_ids=[_record_id(r) for r in records]), records)


def _fill_records(message, record_keys: list[str]) -> None:
    for joined in record_keys:
        for agency, record in _record_key_parts(joined):
            message.records.add(agency_id=agency, record_id=record)


def _fill_time(stamp: Timestamp, ms: int) -> None:
    stamp.seconds, rest = divmod(ms, 1000)
    stamp.nanos = rest * 1_000_000


def _fill_provenance(field, sources: list[dict]) -> None:
    for s in sources:
        entry = field.add(agency_id=s["agency"], record_id=_record_id(s["record"]), version=s["version"],
                          tlp=s["tlp"], log_index=s.get("log_index", 0))
        _fill_time(entry.seen_at, s["seen_ms"])


def _fill_node(message: pb.Node, view: NodeView) -> None:
    message.key, message.type, message.caption = view.key, view.type, view.caption
    _fill_sourced(message.names, view.names)
    _fill_sourced(message.identifiers, view.identifiers)
    _fill_sourced(message.roles, view.roles)
    for name, value, records in view.attributes:
        _fill_records(message.attributes.add(name=name, value=value, record_ids=[_record_id(r) for r in records]),
                      records)
    _fill_provenance(message.sources, view.sources)
    message.agencies.extend(view.agencies)
    _fill_time(message.first_seen, view.first_ms)
    _fill_time(message.last_seen, view.last_ms)
    message.tlp, message.source_count = view.tlp, view.source_count
    message.cautions.extend(view.cautions)


def _fill_edge(message: pb.Edge, view: EdgeView) -> None:
    message.source, message.target, message.type = view.source, view.target, view.type
    _fill_provenance(message.sources, view.sources)
    message.agencies.extend(view.agencies)
    _fill_sourced(message.evidence, view.evidence)
    message.score, message.tlp, message.source_count = view.score, view.tlp, view.source_count


def node_message(view: NodeView) -> pb.Node:
    message = pb.Node()
    _fill_node(message, view)
    return message


def edge_message(view: EdgeView) -> pb.Edge:
    message = pb.Edge()
    _fill_edge(message, view)
    return message


def subgraph_message(subgraph: Subgraph) -> pb.Subgraph:
    message = pb.Subgraph(truncated=subgraph.truncated, tlp=subgraph.tlp if subgraph.nodes else 0)
    for node in subgraph.nodes.values():
        _fill_node(message.nodes.add(), node)
    for edge in subgraph.edges.values():
        _fill_edge(message.edges.add(), edge)
    return message


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


def audited(method):
    """Resolve the caller, check the graph is there, answer, and log the call; time it by query type.

    The call's audit line is opened (and fsync'd, in a thread) as the call arrives, while the
    graph is asked; its outcome is put on it before the answer leaves (gateway.server.audit).
    """

    @functools.wraps(method)
    async def handler(self, request, context):
        with self.gateway.metrics.timed_query(method.__name__):
            caller = caller_agency(context, self.gateway.registry.snapshot())
            params = json_format.MessageToDict(request, preserving_proto_field_name=True)
            async with self.gateway.audit.call(caller, method.__name__, params,
                                               investigator_name(context.invocation_metadata())) as line:
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


class QueryService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    @property
    def investigator(self) -> Investigator:
        return investigator_for(self.gateway)

    @staticmethod
    def _not_found(key: str) -> NotFound:
        # The same words whether the entity does not exist or the caller may not see it.
        return NotFound(f"entity {key[:200]!r} not found", field="key")

    @audited
    async def Search(self, request: pb.SearchRequest, caller: str):
        if not request.query.strip():
            raise InvalidArgument("a name or identifier to search for is required", field="query")
        size, offset = _page_size(request.page_size), _page(request.page_token)
        types = check_types(request.types, "types", ENTITY_TYPE_NAMES)
        hits = await self.investigator.search(request.query, caller, types, limit=size + 1, offset=offset)
        response = pb.SearchResponse(hits=[pb.SearchHit(node=node_message(v), matched=m, score=s)
                                           for v, m, s in hits[:size]])
        if len(hits) > size:
            response.next_page_token = _token(offset + size)
        return response, len(response.hits)

    @audited
    async def GetEntity(self, request: pb.GetEntityRequest, caller: str):
        card = await self.investigator.card(request.key, caller)
        if card is None:
            raise self._not_found(request.key)
        node, around = card
        return pb.GetEntityResponse(node=node_message(node), neighbours=subgraph_message(around)), 1

    @audited
    async def Neighbourhood(self, request: pb.NeighbourhoodRequest, caller: str):
        node_limit = check_node_limit(request.node_limit, NEIGHBOURHOOD_NODES)
        window = Window(request.since.ToMilliseconds() if request.HasField("since") else 0,
                        request.until.ToMilliseconds() if request.HasField("until") else 0)
        subgraph = await self.investigator.neighbourhood(
            request.key, caller, hops=check_hops(request.hops, 2, 4),
            node_types=check_types(request.node_types, "node_types", ENTITY_TYPE_NAMES),
            edge_types=check_types(request.edge_types, "edge_types", LINK_TYPE_NAMES), window=window,
            node_limit=node_limit,
        )
        if not subgraph.nodes:
            raise self._not_found(request.key)
        return pb.NeighbourhoodResponse(subgraph=subgraph_message(subgraph)), len(subgraph.nodes)

    @audited
    async def Paths(self, request: pb.PathsRequest, caller: str):
        if not request.from_key or not request.to_key:
            raise InvalidArgument("both ends are required", field="to_key" if request.from_key else "from_key")
        paths, subgraph = await self.investigator.paths(
            request.from_key, request.to_key, caller, max_hops=check_hops(request.max_hops, 6, 8, "max_hops"),
            all_shortest=request.all_shortest,
        )
        # No path, a hidden end and a missing end all answer the same: no paths.
        return pb.PathsResponse(paths=[pb.Path(node_keys=p) for p in paths],
                                subgraph=subgraph_message(subgraph)), len(paths)

    @audited
    async def Overlaps(self, request: pb.OverlapsRequest, caller: str):
        size, offset = _page_size(request.page_size, 100), _page(request.page_token)
        found = await self.investigator.overlaps(
            caller, min_agencies=request.min_agencies or 2, different_kinds=request.different_kinds,
            types=check_types(request.types, "types", ENTITY_TYPE_NAMES), limit=size + 1, offset=offset,
        )
        response = pb.OverlapsResponse(overlaps=[pb.Overlap(node=node_message(v), agencies=a, agency_kinds=k)
                                                 for v, a, k in found[:size]])
        if len(found) > size:
            response.next_page_token = _token(offset + size)
        return response, len(response.overlaps)

    @audited
    async def OperatorsNear(self, request: pb.OperatorsNearRequest, caller: str):
        if await self.investigator.node(request.key, caller) is None:
            raise self._not_found(request.key)
        operators, subgraph = await self.investigator.operators_near(request.key, caller,
                                                                     hops=check_hops(request.hops, 3, 4))
        return pb.OperatorsNearResponse(
            operators=[pb.OperatorNear(operator=node_message(v), distance=d, path=pb.Path(node_keys=p))
                       for v, d, p in operators],
            subgraph=subgraph_message(subgraph),
        ), len(operators)

    @audited
    async def Analyze(self, request: pb.AnalyzeRequest, caller: str):
        communities, ranking, subgraph = await self.investigator.analyze(
            request.key, caller, hops=check_hops(request.hops, 2, 4),
            node_limit=check_node_limit(request.node_limit, ANALYSIS_NODES))
        if not subgraph.nodes:
            raise self._not_found(request.key)
        return pb.AnalyzeResponse(
            communities=[pb.Community(node_keys=c) for c in communities],
            ranking=[pb.Centrality(node_key=k, degree=d, betweenness=b, pagerank=p) for k, d, b, p in ranking],
            subgraph=subgraph_message(subgraph),
        ), len(subgraph.nodes)

    async def GetGraphStatus(self, request: pb.GetGraphStatusRequest, context) -> pb.GetGraphStatusResponse:
        caller_agency(context, self.gateway.registry.snapshot())
        projection, store = self.gateway.projection, self.gateway.graph_store
        status = pb.GetGraphStatusResponse(
            available=store is not None, backend=store.backend if store else "", log_size=self.gateway.ledger.size,
            projected_through=projection.watermark if projection else -1,
            projection_error=projection.public_error if projection else "",
            stuck=bool(projection and projection.stuck),
            unprojectable_entries=projection.set_aside if projection else 0,
        )
        if projection is not None and projection.failing_since is not None:
            status.failing_since.FromMilliseconds(int(projection.failing_since * 1000))
        return status
