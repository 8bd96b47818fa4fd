import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from regulink.v1 import query_pb2 as _query_pb2
from regulink.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseSelection(_message.Message):
    __slots__ = ("agency_id", "case_reference")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    case_reference: str
    def __init__(self, agency_id: _Optional[str] = ..., case_reference: _Optional[str] = ...) -> None: ...

class CommunitySelection(_message.Message):
    __slots__ = ("analyze", "community")
    ANALYZE_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    analyze: _query_pb2.AnalyzeRequest
    community: int
    def __init__(self, analyze: _Optional[_Union[_query_pb2.AnalyzeRequest, _Mapping]] = ..., community: _Optional[int] = ...) -> None: ...

class ElementSelection(_message.Message):
    __slots__ = ("node_keys", "edge_keys", "until", "all_links")
    NODE_KEYS_FIELD_NUMBER: _ClassVar[int]
    EDGE_KEYS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    ALL_LINKS_FIELD_NUMBER: _ClassVar[int]
    node_keys: _containers.RepeatedScalarFieldContainer[str]
    edge_keys: _containers.RepeatedScalarFieldContainer[str]
    until: _timestamp_pb2.Timestamp
    all_links: bool
    def __init__(self, node_keys: _Optional[_Iterable[str]] = ..., edge_keys: _Optional[_Iterable[str]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., all_links: _Optional[bool] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("format", "title", "neighbourhood", "paths", "operators_near", "community", "case_selection", "elements", "width", "height")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURHOOD_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    OPERATORS_NEAR_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    CASE_SELECTION_FIELD_NUMBER: _ClassVar[int]
    ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    format: str
    title: str
    neighbourhood: _query_pb2.NeighbourhoodRequest
    paths: _query_pb2.PathsRequest
    operators_near: _query_pb2.OperatorsNearRequest
    community: CommunitySelection
    case_selection: CaseSelection
    elements: ElementSelection
    width: int
    height: int
    def __init__(self, format: _Optional[str] = ..., title: _Optional[str] = ..., neighbourhood: _Optional[_Union[_query_pb2.NeighbourhoodRequest, _Mapping]] = ..., paths: _Optional[_Union[_query_pb2.PathsRequest, _Mapping]] = ..., operators_near: _Optional[_Union[_query_pb2.OperatorsNearRequest, _Mapping]] = ..., community: _Optional[_Union[CommunitySelection, _Mapping]] = ..., case_selection: _Optional[_Union[CaseSelection, _Mapping]] = ..., elements: _Optional[_Union[ElementSelection, _Mapping]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class ExportHeader(_message.Message):
    __slots__ = ("media_type", "filename", "tlp", "node_count", "edge_count", "truncated", "generated_at")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EDGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    filename: str
    tlp: _records_pb2.Tlp
    node_count: int
    edge_count: int
    truncated: bool
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, media_type: _Optional[str] = ..., filename: _Optional[str] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ..., node_count: _Optional[int] = ..., edge_count: _Optional[int] = ..., truncated: _Optional[bool] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportResponse(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: ExportHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[ExportHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...
