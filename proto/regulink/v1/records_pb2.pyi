import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tlp(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TLP_UNSPECIFIED: _ClassVar[Tlp]
    TLP_CLEAR: _ClassVar[Tlp]
    TLP_GREEN: _ClassVar[Tlp]
    TLP_AMBER: _ClassVar[Tlp]
    TLP_AMBER_STRICT: _ClassVar[Tlp]
    TLP_RED: _ClassVar[Tlp]

class EntityType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_TYPE_UNSPECIFIED: _ClassVar[EntityType]
    ENTITY_TYPE_PERSON: _ClassVar[EntityType]
    ENTITY_TYPE_ORGANIZATION: _ClassVar[EntityType]
    ENTITY_TYPE_CRYPTO_WALLET: _ClassVar[EntityType]
    ENTITY_TYPE_WEBSITE: _ClassVar[EntityType]
    ENTITY_TYPE_BANK_ACCOUNT: _ClassVar[EntityType]
    ENTITY_TYPE_ADDRESS: _ClassVar[EntityType]
    ENTITY_TYPE_PHONE: _ClassVar[EntityType]
    ENTITY_TYPE_EMAIL: _ClassVar[EntityType]

class EntityRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_ROLE_UNSPECIFIED: _ClassVar[EntityRole]
    ENTITY_ROLE_UNAUTHORIZED_OPERATOR: _ClassVar[EntityRole]
    ENTITY_ROLE_LICENSED_EXCHANGE: _ClassVar[EntityRole]
    ENTITY_ROLE_SANCTIONED: _ClassVar[EntityRole]
    ENTITY_ROLE_MIXER: _ClassVar[EntityRole]
    ENTITY_ROLE_SUSPECT: _ClassVar[EntityRole]

class LinkType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_TYPE_UNSPECIFIED: _ClassVar[LinkType]
    LINK_TYPE_CONTROLS: _ClassVar[LinkType]
    LINK_TYPE_OWNS: _ClassVar[LinkType]
    LINK_TYPE_DIRECTS: _ClassVar[LinkType]
    LINK_TYPE_OPERATES: _ClassVar[LinkType]
    LINK_TYPE_TRANSFERRED_TO: _ClassVar[LinkType]
    LINK_TYPE_ASSOCIATED_WITH: _ClassVar[LinkType]
    LINK_TYPE_WARNED_BY: _ClassVar[LinkType]
    LINK_TYPE_SANCTIONED_BY: _ClassVar[LinkType]
    LINK_TYPE_USES: _ClassVar[LinkType]
    LINK_TYPE_LOCATED_AT: _ClassVar[LinkType]
    LINK_TYPE_SAME_AS: _ClassVar[LinkType]
    LINK_TYPE_NOT_SAME_AS: _ClassVar[LinkType]
TLP_UNSPECIFIED: Tlp
TLP_CLEAR: Tlp
TLP_GREEN: Tlp
TLP_AMBER: Tlp
TLP_AMBER_STRICT: Tlp
TLP_RED: Tlp
ENTITY_TYPE_UNSPECIFIED: EntityType
ENTITY_TYPE_PERSON: EntityType
ENTITY_TYPE_ORGANIZATION: EntityType
ENTITY_TYPE_CRYPTO_WALLET: EntityType
ENTITY_TYPE_WEBSITE: EntityType
ENTITY_TYPE_BANK_ACCOUNT: EntityType
ENTITY_TYPE_ADDRESS: EntityType
ENTITY_TYPE_PHONE: EntityType
ENTITY_TYPE_EMAIL: EntityType
ENTITY_ROLE_UNSPECIFIED: EntityRole
ENTITY_ROLE_UNAUTHORIZED_OPERATOR: EntityRole
ENTITY_ROLE_LICENSED_EXCHANGE: EntityRole
ENTITY_ROLE_SANCTIONED: EntityRole
ENTITY_ROLE_MIXER: EntityRole
ENTITY_ROLE_SUSPECT: EntityRole
LINK_TYPE_UNSPECIFIED: LinkType
LINK_TYPE_CONTROLS: LinkType
LINK_TYPE_OWNS: LinkType
LINK_TYPE_DIRECTS: LinkType
LINK_TYPE_OPERATES: LinkType
LINK_TYPE_TRANSFERRED_TO: LinkType
LINK_TYPE_ASSOCIATED_WITH: LinkType
LINK_TYPE_WARNED_BY: LinkType
LINK_TYPE_SANCTIONED_BY: LinkType
LINK_TYPE_USES: LinkType
LINK_TYPE_LOCATED_AT: LinkType
LINK_TYPE_SAME_AS: LinkType
LINK_TYPE_NOT_SAME_AS: LinkType

class Identifier(_message.Message):
    __slots__ = ("kind", "value", "scheme")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    value: str
    scheme: str
    def __init__(self, kind: _Optional[str] = ..., value: _Optional[str] = ..., scheme: _Optional[str] = ...) -> None: ...

class Attribute(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Entity(_message.Message):
    __slots__ = ("ref", "type", "name", "aliases", "identifiers", "attributes", "roles")
    REF_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ref: str
    type: EntityType
    name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    identifiers: _containers.RepeatedCompositeFieldContainer[Identifier]
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    roles: _containers.RepeatedScalarFieldContainer[EntityRole]
    def __init__(self, ref: _Optional[str] = ..., type: _Optional[_Union[EntityType, str]] = ..., name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., identifiers: _Optional[_Iterable[_Union[Identifier, _Mapping]]] = ..., attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., roles: _Optional[_Iterable[_Union[EntityRole, str]]] = ...) -> None: ...

class Link(_message.Message):
    __slots__ = ("source", "target", "type", "evidence", "notes", "observed_at")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    type: LinkType
    evidence: str
    notes: str
    observed_at: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., type: _Optional[_Union[LinkType, str]] = ..., evidence: _Optional[str] = ..., notes: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordRef(_message.Message):
    __slots__ = ("record_id",)
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    def __init__(self, record_id: _Optional[str] = ...) -> None: ...

class CaseRecord(_message.Message):
    __slots__ = ("record_id", "agency_id", "case_reference", "version", "issued_at", "tlp", "share_with", "summary", "entities", "links", "supersedes", "retracts", "recipient_commitments")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    TLP_FIELD_NUMBER: _ClassVar[int]
    SHARE_WITH_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDES_FIELD_NUMBER: _ClassVar[int]
    RETRACTS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    agency_id: str
    case_reference: str
    version: int
    issued_at: _timestamp_pb2.Timestamp
    tlp: Tlp
    share_with: _containers.RepeatedScalarFieldContainer[str]
    summary: str
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    links: _containers.RepeatedCompositeFieldContainer[Link]
    supersedes: RecordRef
    retracts: RecordRef
    recipient_commitments: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, record_id: _Optional[str] = ..., agency_id: _Optional[str] = ..., case_reference: _Optional[str] = ..., version: _Optional[int] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tlp: _Optional[_Union[Tlp, str]] = ..., share_with: _Optional[_Iterable[str]] = ..., summary: _Optional[str] = ..., entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[Link, _Mapping]]] = ..., supersedes: _Optional[_Union[RecordRef, _Mapping]] = ..., retracts: _Optional[_Union[RecordRef, _Mapping]] = ..., recipient_commitments: _Optional[_Iterable[bytes]] = ...) -> None: ...
