import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgencyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENCY_KIND_UNSPECIFIED: _ClassVar[AgencyKind]
    AGENCY_KIND_REGULATOR: _ClassVar[AgencyKind]
    AGENCY_KIND_LOCAL_GOVERNMENT: _ClassVar[AgencyKind]
    AGENCY_KIND_LAW_ENFORCEMENT: _ClassVar[AgencyKind]
    AGENCY_KIND_OTHER: _ClassVar[AgencyKind]
AGENCY_KIND_UNSPECIFIED: AgencyKind
AGENCY_KIND_REGULATOR: AgencyKind
AGENCY_KIND_LOCAL_GOVERNMENT: AgencyKind
AGENCY_KIND_LAW_ENFORCEMENT: AgencyKind
AGENCY_KIND_OTHER: AgencyKind

class AgencyKey(_message.Message):
    __slots__ = ("key_id", "public_key", "not_before", "not_after", "revoked_at")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    public_key: bytes
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, key_id: _Optional[str] = ..., public_key: _Optional[bytes] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Agency(_message.Message):
    __slots__ = ("agency_id", "name", "kind", "jurisdiction", "keys", "relays")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    RELAYS_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    name: str
    kind: AgencyKind
    jurisdiction: str
    keys: _containers.RepeatedCompositeFieldContainer[AgencyKey]
    relays: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, agency_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[AgencyKind, str]] = ..., jurisdiction: _Optional[str] = ..., keys: _Optional[_Iterable[_Union[AgencyKey, _Mapping]]] = ..., relays: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAgenciesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgenciesResponse(_message.Message):
    __slots__ = ("agencies",)
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    agencies: _containers.RepeatedCompositeFieldContainer[Agency]
    def __init__(self, agencies: _Optional[_Iterable[_Union[Agency, _Mapping]]] = ...) -> None: ...

class GetAgencyRequest(_message.Message):
    __slots__ = ("agency_id",)
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    def __init__(self, agency_id: _Optional[str] = ...) -> None: ...

class GetAgencyResponse(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: Agency
    def __init__(self, agency: _Optional[_Union[Agency, _Mapping]] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: Agency
    def __init__(self, agency: _Optional[_Union[Agency, _Mapping]] = ...) -> None: ...
