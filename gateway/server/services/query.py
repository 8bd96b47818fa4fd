"""QueryService: investigators' questions, each answered for the calling agency only and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.errors import InvalidArgument, NotFound
from gateway.server.admission.identity import caller_agency
from gateway.server.services.asking import (
    ENTITY_TYPE_NAMES,
    LINK_TYPE_NAMES,
    _page,
    _page_size,
    _token,
    audited,
    check_hops,
    check_node_limit,
    check_types,
    investigator_for,
)
from gateway.server.services.messages import node_message, subgraph_message
from graph.investigate import ANALYSIS_NODES, NEIGHBOURHOOD_NODES, Investigator, Window
from regulink.v1 import query_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway


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
