import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from regulink.v1 import envelope_pb2 as _envelope_pb2
from regulink.v1 import records_pb2 as _records_pb2
from regulink.v1 import transparency_pb2 as _transparency_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Receipt(_message.Message):
    __slots__ = ("log_index", "nonce", "leaf_hash", "inclusion_proof", "tree_head", "agency_id", "record_id", "version", "accepted_at", "envelope_sha256")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    TREE_HEAD_FIELD_NUMBER: _ClassVar[int]
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_SHA256_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    nonce: bytes
    leaf_hash: bytes
    inclusion_proof: _containers.RepeatedScalarFieldContainer[bytes]
    tree_head: _transparency_pb2.SignedTreeHead
    agency_id: str
    record_id: str
    version: int
    accepted_at: _timestamp_pb2.Timestamp
    envelope_sha256: bytes
    def __init__(self, log_index: _Optional[int] = ..., nonce: _Optional[bytes] = ..., leaf_hash: _Optional[bytes] = ..., inclusion_proof: _Optional[_Iterable[bytes]] = ..., tree_head: _Optional[_Union[_transparency_pb2.SignedTreeHead, _Mapping]] = ..., agency_id: _Optional[str] = ..., record_id: _Optional[str] = ..., version: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., envelope_sha256: _Optional[bytes] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("code", "message", "field", "reason", "original_receipt")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    field: str
    reason: str
    original_receipt: Receipt
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ..., original_receipt: _Optional[_Union[Receipt, _Mapping]] = ...) -> None: ...

class Recipient(_message.Message):
    __slots__ = ("agency_id", "salt")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    salt: bytes
    def __init__(self, agency_id: _Optional[str] = ..., salt: _Optional[bytes] = ...) -> None: ...

class Disclosure(_message.Message):
    __slots__ = ("recipients",)
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    recipients: _containers.RepeatedCompositeFieldContainer[Recipient]
    def __init__(self, recipients: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ...) -> None: ...

class SubmitRequest(_message.Message):
    __slots__ = ("envelope", "disclosure")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    DISCLOSURE_FIELD_NUMBER: _ClassVar[int]
    envelope: _envelope_pb2.Envelope
    disclosure: Disclosure
    def __init__(self, envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ..., disclosure: _Optional[_Union[Disclosure, _Mapping]] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("receipt",)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: Receipt
    def __init__(self, receipt: _Optional[_Union[Receipt, _Mapping]] = ...) -> None: ...

class SubmitStreamRequest(_message.Message):
    __slots__ = ("envelopes", "disclosures")
    ENVELOPES_FIELD_NUMBER: _ClassVar[int]
    DISCLOSURES_FIELD_NUMBER: _ClassVar[int]
    envelopes: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.Envelope]
    disclosures: _containers.RepeatedCompositeFieldContainer[Disclosure]
    def __init__(self, envelopes: _Optional[_Iterable[_Union[_envelope_pb2.Envelope, _Mapping]]] = ..., disclosures: _Optional[_Iterable[_Union[Disclosure, _Mapping]]] = ...) -> None: ...

class SubmitResult(_message.Message):
    __slots__ = ("receipt", "rejection")
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    receipt: Receipt
    rejection: Rejection
    def __init__(self, receipt: _Optional[_Union[Receipt, _Mapping]] = ..., rejection: _Optional[_Union[Rejection, _Mapping]] = ...) -> None: ...

class SubmitStreamResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubmitResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SubmitResult, _Mapping]]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("from_index", "stop_at_end")
    FROM_INDEX_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_END_FIELD_NUMBER: _ClassVar[int]
    from_index: int
    stop_at_end: bool
    def __init__(self, from_index: _Optional[int] = ..., stop_at_end: _Optional[bool] = ...) -> None: ...

class LogEntry(_message.Message):
    __slots__ = ("log_index", "envelope", "nonce", "agency_id", "record_id", "version", "accepted_at", "record", "share_with_redacted", "withdrawn", "recipient_salt", "recipients")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    SHARE_WITH_REDACTED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_SALT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    envelope: _envelope_pb2.Envelope
    nonce: bytes
    agency_id: str
    record_id: str
    version: int
    accepted_at: _timestamp_pb2.Timestamp
    record: _records_pb2.CaseRecord
    share_with_redacted: bool
    withdrawn: bool
    recipient_salt: bytes
    recipients: _containers.RepeatedCompositeFieldContainer[Recipient]
    def __init__(self, log_index: _Optional[int] = ..., envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ..., nonce: _Optional[bytes] = ..., agency_id: _Optional[str] = ..., record_id: _Optional[str] = ..., version: _Optional[int] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record: _Optional[_Union[_records_pb2.CaseRecord, _Mapping]] = ..., share_with_redacted: _Optional[bool] = ..., withdrawn: _Optional[bool] = ..., recipient_salt: _Optional[bytes] = ..., recipients: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: LogEntry
    def __init__(self, entry: _Optional[_Union[LogEntry, _Mapping]] = ...) -> None: ...
