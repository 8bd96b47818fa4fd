import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from regulink.v1 import query_pb2 as _query_pb2
from regulink.v1 import records_pb2 as _records_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Triage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIAGE_UNSPECIFIED: _ClassVar[Triage]
    TRIAGE_CONFIRMED: _ClassVar[Triage]
    TRIAGE_DISMISSED: _ClassVar[Triage]
TRIAGE_UNSPECIFIED: Triage
TRIAGE_CONFIRMED: Triage
TRIAGE_DISMISSED: Triage

class KeyRule(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class NameRule(_message.Message):
    __slots__ = ("name", "min_score", "types")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    name: str
    min_score: float
    types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., min_score: _Optional[float] = ..., types: _Optional[_Iterable[str]] = ...) -> None: ...

class NeighbourhoodRule(_message.Message):
    __slots__ = ("key", "hops")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    key: str
    hops: int
    def __init__(self, key: _Optional[str] = ..., hops: _Optional[int] = ...) -> None: ...

class CrossAgencyRule(_message.Message):
    __slots__ = ("different_kind", "agency_kinds")
    DIFFERENT_KIND_FIELD_NUMBER: _ClassVar[int]
    AGENCY_KINDS_FIELD_NUMBER: _ClassVar[int]
    different_kind: bool
    agency_kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, different_kind: _Optional[bool] = ..., agency_kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class Watch(_message.Message):
    __slots__ = ("watch_id", "key", "name", "neighbourhood", "cross_agency", "label", "created_at", "from_index")
    WATCH_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURHOOD_FIELD_NUMBER: _ClassVar[int]
    CROSS_AGENCY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FROM_INDEX_FIELD_NUMBER: _ClassVar[int]
    watch_id: str
    key: KeyRule
    name: NameRule
    neighbourhood: NeighbourhoodRule
    cross_agency: CrossAgencyRule
    label: str
    created_at: _timestamp_pb2.Timestamp
    from_index: int
    def __init__(self, watch_id: _Optional[str] = ..., key: _Optional[_Union[KeyRule, _Mapping]] = ..., name: _Optional[_Union[NameRule, _Mapping]] = ..., neighbourhood: _Optional[_Union[NeighbourhoodRule, _Mapping]] = ..., cross_agency: _Optional[_Union[CrossAgencyRule, _Mapping]] = ..., label: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., from_index: _Optional[int] = ...) -> None: ...

class AlertRecord(_message.Message):
    __slots__ = ("agency_id", "record_id", "version", "log_index", "tlp", "accepted_at")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    record_id: str
    version: int
    log_index: int
    tlp: _records_pb2.Tlp
    accepted_at: _timestamp_pb2.Timestamp
    def __init__(self, agency_id: _Optional[str] = ..., record_id: _Optional[str] = ..., version: _Optional[int] = ..., log_index: _Optional[int] = ..., tlp: _Optional[_Union[_records_pb2.Tlp, str]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("alert_id", "watch_id", "kind", "summary", "records", "matched_keys", "score", "subgraph", "raised_at", "withdrawn", "withdrawn_at", "triage", "note", "triaged_at")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    WATCH_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    MATCHED_KEYS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_AT_FIELD_NUMBER: _ClassVar[int]
    TRIAGE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TRIAGED_AT_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    watch_id: str
    kind: str
    summary: str
    records: _containers.RepeatedCompositeFieldContainer[AlertRecord]
    matched_keys: _containers.RepeatedScalarFieldContainer[str]
    score: float
    subgraph: _query_pb2.Subgraph
    raised_at: _timestamp_pb2.Timestamp
    withdrawn: bool
    withdrawn_at: _timestamp_pb2.Timestamp
    triage: Triage
    note: str
    triaged_at: _timestamp_pb2.Timestamp
    def __init__(self, alert_id: _Optional[int] = ..., watch_id: _Optional[str] = ..., kind: _Optional[str] = ..., summary: _Optional[str] = ..., records: _Optional[_Iterable[_Union[AlertRecord, _Mapping]]] = ..., matched_keys: _Optional[_Iterable[str]] = ..., score: _Optional[float] = ..., subgraph: _Optional[_Union[_query_pb2.Subgraph, _Mapping]] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., withdrawn: _Optional[bool] = ..., withdrawn_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., triage: _Optional[_Union[Triage, str]] = ..., note: _Optional[str] = ..., triaged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddWatchRequest(_message.Message):
    __slots__ = ("key", "name", "neighbourhood", "cross_agency", "label")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURHOOD_FIELD_NUMBER: _ClassVar[int]
    CROSS_AGENCY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    key: KeyRule
    name: NameRule
    neighbourhood: NeighbourhoodRule
    cross_agency: CrossAgencyRule
    label: str
    def __init__(self, key: _Optional[_Union[KeyRule, _Mapping]] = ..., name: _Optional[_Union[NameRule, _Mapping]] = ..., neighbourhood: _Optional[_Union[NeighbourhoodRule, _Mapping]] = ..., cross_agency: _Optional[_Union[CrossAgencyRule, _Mapping]] = ..., label: _Optional[str] = ...) -> None: ...

class AddWatchResponse(_message.Message):
    __slots__ = ("watch",)
    WATCH_FIELD_NUMBER: _ClassVar[int]
    watch: Watch
    def __init__(self, watch: _Optional[_Union[Watch, _Mapping]] = ...) -> None: ...

class ListWatchesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWatchesResponse(_message.Message):
    __slots__ = ("watches",)
    WATCHES_FIELD_NUMBER: _ClassVar[int]
    watches: _containers.RepeatedCompositeFieldContainer[Watch]
    def __init__(self, watches: _Optional[_Iterable[_Union[Watch, _Mapping]]] = ...) -> None: ...

class RemoveWatchRequest(_message.Message):
    __slots__ = ("watch_id",)
    WATCH_ID_FIELD_NUMBER: _ClassVar[int]
    watch_id: str
    def __init__(self, watch_id: _Optional[str] = ...) -> None: ...

class RemoveWatchResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AlertsRequest(_message.Message):
    __slots__ = ("after", "follow")
    AFTER_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    after: int
    follow: bool
    def __init__(self, after: _Optional[int] = ..., follow: _Optional[bool] = ...) -> None: ...

class AlertsResponse(_message.Message):
    __slots__ = ("position", "alert")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    position: int
    alert: Alert
    def __init__(self, position: _Optional[int] = ..., alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AckAlertRequest(_message.Message):
    __slots__ = ("alert_id", "triage", "note")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIAGE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    alert_id: int
    triage: Triage
    note: str
    def __init__(self, alert_id: _Optional[int] = ..., triage: _Optional[_Union[Triage, str]] = ..., note: _Optional[str] = ...) -> None: ...

class AckAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AlertSummaryRequest(_message.Message):
    __slots__ = ("newest",)
    NEWEST_FIELD_NUMBER: _ClassVar[int]
    newest: int
    def __init__(self, newest: _Optional[int] = ...) -> None: ...

class AlertSummaryResponse(_message.Message):
    __slots__ = ("position", "alerts", "untriaged", "newest")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    UNTRIAGED_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIELD_NUMBER: _ClassVar[int]
    position: int
    alerts: int
    untriaged: int
    newest: _containers.RepeatedCompositeFieldContainer[Alert]
    def __init__(self, position: _Optional[int] = ..., alerts: _Optional[int] = ..., untriaged: _Optional[int] = ..., newest: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ...) -> None: ...
