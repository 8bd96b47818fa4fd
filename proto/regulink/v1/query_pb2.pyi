import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from regulink.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Provenance(_message.Message):
    __slots__ = ("agency_id", "record_id", "version", "tlp", "seen_at", "log_index")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    record_id: str
    version: int
    tlp: _records_pb2.Tlp
    seen_at: _timestamp_pb2.Timestamp
    log_index: int
    def __init__(self, agency_id: _Optional[str] = ..., record_id: _Optional[str] = ..., version: _Optional[int] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ..., seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., log_index: _Optional[int] = ...) -> None: ...

class RecordKey(_message.Message):
    __slots__ = ("agency_id", "record_id")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    record_id: str
    def __init__(self, agency_id: _Optional[str] = ..., record_id: _Optional[str] = ...) -> None: ...

class SourcedValue(_message.Message):
    __slots__ = ("value", "record_ids", "records")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    value: str
    record_ids: _containers.RepeatedScalarFieldContainer[str]
    records: _containers.RepeatedCompositeFieldContainer[RecordKey]
    def __init__(self, value: _Optional[str] = ..., record_ids: _Optional[_Iterable[str]] = ..., records: _Optional[_Iterable[_Union[RecordKey, _Mapping]]] = ...) -> None: ...

class SourcedAttribute(_message.Message):
    __slots__ = ("name", "value", "record_ids", "records")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    record_ids: _containers.RepeatedScalarFieldContainer[str]
    records: _containers.RepeatedCompositeFieldContainer[RecordKey]
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., record_ids: _Optional[_Iterable[str]] = ..., records: _Optional[_Iterable[_Union[RecordKey, _Mapping]]] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("key", "type", "caption", "names", "identifiers", "roles", "attributes", "sources", "agencies", "first_seen", "last_seen", "tlp", "source_count", "cautions")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAUTIONS_FIELD_NUMBER: _ClassVar[int]
    key: str
    type: str
    caption: str
    names: _containers.RepeatedCompositeFieldContainer[SourcedValue]
    identifiers: _containers.RepeatedCompositeFieldContainer[SourcedValue]
    roles: _containers.RepeatedCompositeFieldContainer[SourcedValue]
    attributes: _containers.RepeatedCompositeFieldContainer[SourcedAttribute]
    sources: _containers.RepeatedCompositeFieldContainer[Provenance]
    agencies: _containers.RepeatedScalarFieldContainer[str]
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    tlp: _records_pb2.Tlp
    source_count: int
    cautions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., type: _Optional[str] = ..., caption: _Optional[str] = ..., names: _Optional[_Iterable[_Union[SourcedValue, _Mapping]]] = ..., identifiers: _Optional[_Iterable[_Union[SourcedValue, _Mapping]]] = ..., roles: _Optional[_Iterable[_Union[SourcedValue, _Mapping]]] = ..., attributes: _Optional[_Iterable[_Union[SourcedAttribute, _Mapping]]] = ..., sources: _Optional[_Iterable[_Union[Provenance, _Mapping]]] = ..., agencies: _Optional[_Iterable[str]] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ..., source_count: _Optional[int] = ..., cautions: _Optional[_Iterable[str]] = ...) -> None: ...

class Edge(_message.Message):
    __slots__ = ("source", "target", "type", "sources", "agencies", "evidence", "score", "tlp", "source_count")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    type: str
    sources: _containers.RepeatedCompositeFieldContainer[Provenance]
    agencies: _containers.RepeatedScalarFieldContainer[str]
    evidence: _containers.RepeatedCompositeFieldContainer[SourcedValue]
    score: float
    tlp: _records_pb2.Tlp
    source_count: int
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., type: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[Provenance, _Mapping]]] = ..., agencies: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Iterable[_Union[SourcedValue, _Mapping]]] = ..., score: _Optional[float] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ..., source_count: _Optional[int] = ...) -> None: ...

class Subgraph(_message.Message):
    __slots__ = ("nodes", "edges", "truncated", "tlp")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    edges: _containers.RepeatedCompositeFieldContainer[Edge]
    truncated: bool
    tlp: _records_pb2.Tlp
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[Edge, _Mapping]]] = ..., truncated: _Optional[bool] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("query", "types", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    types: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("node", "matched", "score")
    NODE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    matched: str
    score: float
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ..., matched: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("hits", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetEntityRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetEntityResponse(_message.Message):
    __slots__ = ("node", "neighbours")
    NODE_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    node: Node
    neighbours: Subgraph
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ..., neighbours: _Optional[_Union[Subgraph, _Mapping]] = ...) -> None: ...

class NeighbourhoodRequest(_message.Message):
    __slots__ = ("key", "hops", "node_types", "edge_types", "since", "until", "node_limit")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    NODE_TYPES_FIELD_NUMBER: _ClassVar[int]
    EDGE_TYPES_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    NODE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    key: str
    hops: int
    node_types: _containers.RepeatedScalarFieldContainer[str]
    edge_types: _containers.RepeatedScalarFieldContainer[str]
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    node_limit: int
    def __init__(self, key: _Optional[str] = ..., hops: _Optional[int] = ..., node_types: _Optional[_Iterable[str]] = ..., edge_types: _Optional[_Iterable[str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., node_limit: _Optional[int] = ...) -> None: ...

class NeighbourhoodResponse(_message.Message):
    __slots__ = ("subgraph",)
    SUBGRAPH_FIELD_NUMBER: _ClassVar[int]
    subgraph: Subgraph
    def __init__(self, subgraph: _Optional[_Union[Subgraph, _Mapping]] = ...) -> None: ...

class PathsRequest(_message.Message):
    __slots__ = ("from_key", "to_key", "max_hops", "all_shortest")
    FROM_KEY_FIELD_NUMBER: _ClassVar[int]
    TO_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_HOPS_FIELD_NUMBER: _ClassVar[int]
    ALL_SHORTEST_FIELD_NUMBER: _ClassVar[int]
    from_key: str
    to_key: str
    max_hops: int
    all_shortest: bool
    def __init__(self, from_key: _Optional[str] = ..., to_key: _Optional[str] = ..., max_hops: _Optional[int] = ..., all_shortest: _Optional[bool] = ...) -> None: ...

class Path(_message.Message):
    __slots__ = ("node_keys",)
    NODE_KEYS_FIELD_NUMBER: _ClassVar[int]
    node_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, node_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class PathsResponse(_message.Message):
    __slots__ = ("paths", "subgraph")
    PATHS_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedCompositeFieldContainer[Path]
    subgraph: Subgraph
    def __init__(self, paths: _Optional[_Iterable[_Union[Path, _Mapping]]] = ..., subgraph: _Optional[_Union[Subgraph, _Mapping]] = ...) -> None: ...

class OverlapsRequest(_message.Message):
    __slots__ = ("min_agencies", "different_kinds", "types", "page_size", "page_token")
    MIN_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    DIFFERENT_KINDS_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    min_agencies: int
    different_kinds: bool
    types: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, min_agencies: _Optional[int] = ..., different_kinds: _Optional[bool] = ..., types: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Overlap(_message.Message):
    __slots__ = ("node", "agencies", "agency_kinds")
    NODE_FIELD_NUMBER: _ClassVar[int]
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    AGENCY_KINDS_FIELD_NUMBER: _ClassVar[int]
    node: Node
    agencies: _containers.RepeatedScalarFieldContainer[str]
    agency_kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ..., agencies: _Optional[_Iterable[str]] = ..., agency_kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class OverlapsResponse(_message.Message):
    __slots__ = ("overlaps", "next_page_token")
    OVERLAPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    overlaps: _containers.RepeatedCompositeFieldContainer[Overlap]
    next_page_token: str
    def __init__(self, overlaps: _Optional[_Iterable[_Union[Overlap, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OperatorsNearRequest(_message.Message):
    __slots__ = ("key", "hops")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    key: str
    hops: int
    def __init__(self, key: _Optional[str] = ..., hops: _Optional[int] = ...) -> None: ...

class OperatorNear(_message.Message):
    __slots__ = ("operator", "distance", "path")
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    operator: Node
    distance: int
    path: Path
    def __init__(self, operator: _Optional[_Union[Node, _Mapping]] = ..., distance: _Optional[int] = ..., path: _Optional[_Union[Path, _Mapping]] = ...) -> None: ...

class OperatorsNearResponse(_message.Message):
    __slots__ = ("operators", "subgraph")
    OPERATORS_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_FIELD_NUMBER: _ClassVar[int]
    operators: _containers.RepeatedCompositeFieldContainer[OperatorNear]
    subgraph: Subgraph
    def __init__(self, operators: _Optional[_Iterable[_Union[OperatorNear, _Mapping]]] = ..., subgraph: _Optional[_Union[Subgraph, _Mapping]] = ...) -> None: ...

class AnalyzeRequest(_message.Message):
    __slots__ = ("key", "hops", "node_limit")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    NODE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    key: str
    hops: int
    node_limit: int
    def __init__(self, key: _Optional[str] = ..., hops: _Optional[int] = ..., node_limit: _Optional[int] = ...) -> None: ...

class Community(_message.Message):
    __slots__ = ("node_keys",)
    NODE_KEYS_FIELD_NUMBER: _ClassVar[int]
    node_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, node_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class Centrality(_message.Message):
    __slots__ = ("node_key", "degree", "betweenness", "pagerank")
    NODE_KEY_FIELD_NUMBER: _ClassVar[int]
    DEGREE_FIELD_NUMBER: _ClassVar[int]
    BETWEENNESS_FIELD_NUMBER: _ClassVar[int]
    PAGERANK_FIELD_NUMBER: _ClassVar[int]
    node_key: str
    degree: float
    betweenness: float
    pagerank: float
    def __init__(self, node_key: _Optional[str] = ..., degree: _Optional[float] = ..., betweenness: _Optional[float] = ..., pagerank: _Optional[float] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("communities", "ranking", "subgraph")
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_FIELD_NUMBER: _ClassVar[int]
    communities: _containers.RepeatedCompositeFieldContainer[Community]
    ranking: _containers.RepeatedCompositeFieldContainer[Centrality]
    subgraph: Subgraph
    def __init__(self, communities: _Optional[_Iterable[_Union[Community, _Mapping]]] = ..., ranking: _Optional[_Iterable[_Union[Centrality, _Mapping]]] = ..., subgraph: _Optional[_Union[Subgraph, _Mapping]] = ...) -> None: ...

class GetGraphStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetGraphStatusResponse(_message.Message):
    __slots__ = ("available", "backend", "log_size", "projected_through", "projection_error", "stuck", "failing_since", "unprojectable_entries")
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LOG_SIZE_FIELD_NUMBER: _ClassVar[int]
    PROJECTED_THROUGH_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_ERROR_FIELD_NUMBER: _ClassVar[int]
    STUCK_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    UNPROJECTABLE_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    available: bool
    backend: str
    log_size: int
    projected_through: int
    projection_error: str
    stuck: bool
    failing_since: _timestamp_pb2.Timestamp
    unprojectable_entries: int
    def __init__(self, available: _Optional[bool] = ..., backend: _Optional[str] = ..., log_size: _Optional[int] = ..., projected_through: _Optional[int] = ..., projection_error: _Optional[str] = ..., stuck: _Optional[bool] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unprojectable_entries: _Optional[int] = ...) -> None: ...
