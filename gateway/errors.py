"""Typed errors of the gateway, with no grpc import.

    RegulinkError                      (code: INTERNAL)
    ├── InvalidArgument                INVALID_ARGUMENT   a field is wrong
    │   └── RecordInvalid              INVALID_ARGUMENT   several field violations
    ├── Unauthenticated                UNAUTHENTICATED    who is speaking cannot be established
    │   ├── BadSignature
    │   ├── UnknownKey
    │   ├── RevokedKey
    │   ├── KeyNotValidNow             (outside not_before / not_after)
    │   └── UnknownAgency
    ├── PermissionDenied               PERMISSION_DENIED  known caller, not allowed
    ├── NotFound                       NOT_FOUND          absent, or hidden from the caller (same answer)
    ├── AlreadyExists                  ALREADY_EXISTS     carries the original receipt
    ├── FailedPrecondition             FAILED_PRECONDITION
    │   └── StaleVersion               an older (or equal) version than the ledger has
    ├── ResourceExhausted              RESOURCE_EXHAUSTED
    │   ├── TooLarge                   a message, a field or a batch over its limit
    │   ├── RateLimited                an agency over its record rate (gateway.server.limits)
    │   ├── TooManyStreams             an agency over its open-stream cap
    │   └── TooManyWatches             an agency over its watch cap
    ├── Unavailable                    UNAVAILABLE        storage cannot take writes now
    └── DataLoss                       DATA_LOSS          the ledger is damaged (gateway.ledger.integrity)

`gateway.server.rpc` maps these to gRPC status codes in one place; the SDK
maps them back. Messages never contain record contents of other agencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class RegulinkError(Exception):
    code = "INTERNAL"
    reason = "INTERNAL"

    def __init__(self, message: str, *, field: str = "", reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if reason:
            self.reason = reason

    @property
    def violations(self) -> list[FieldViolation]:
        return [FieldViolation(self.field, self.message)] if self.field else []

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def __reduce__(self):
        # Errors cross process boundaries (signature checks run in worker
        # processes); rebuild them with their state, whatever __init__ takes.
        return _restore, (type(self), self.message, dict(self.__dict__))


def _restore(cls: type[RegulinkError], message: str, state: dict) -> RegulinkError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class InvalidArgument(RegulinkError):
    code = "INVALID_ARGUMENT"
    reason = "INVALID_ARGUMENT"


class RecordInvalid(InvalidArgument):
    """One or more fields of a case record are wrong; the first names the error."""

    reason = "RECORD_INVALID"

    def __init__(self, violations: list[FieldViolation]) -> None:
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(first.description + more, field=first.field)
        self._violations = violations

    @property
    def violations(self) -> list[FieldViolation]:
        return list(self._violations)


class Unauthenticated(RegulinkError):
    code = "UNAUTHENTICATED"
    reason = "UNAUTHENTICATED"


class BadSignature(Unauthenticated):
    reason = "BAD_SIGNATURE"


class UnknownKey(Unauthenticated):
    reason = "UNKNOWN_KEY"


class RevokedKey(Unauthenticated):
    reason = "REVOKED_KEY"


class KeyNotValidNow(Unauthenticated):
    reason = "KEY_NOT_VALID_NOW"


class UnknownAgency(Unauthenticated):
    reason = "UNKNOWN_AGENCY"


class PermissionDenied(RegulinkError):
    code = "PERMISSION_DENIED"
    reason = "PERMISSION_DENIED"


class NotFound(RegulinkError):
    code = "NOT_FOUND"
    reason = "NOT_FOUND"


class AlreadyExists(RegulinkError):
    code = "ALREADY_EXISTS"
    reason = "DUPLICATE"

    def __init__(self, message: str, *, receipt: Any = None, field: str = "") -> None:
        super().__init__(message, field=field)
        self.receipt = receipt


class FailedPrecondition(RegulinkError):
    code = "FAILED_PRECONDITION"
    reason = "FAILED_PRECONDITION"


class StaleVersion(FailedPrecondition):
    reason = "STALE_VERSION"


class ResourceExhausted(RegulinkError):
    """A limit was reached; the subclasses say which (a rate or a cap is not a size). Never raised
    itself: the SDK's answer to a RESOURCE_EXHAUSTED with a reason it does not know."""

    base_only = True
    code = "RESOURCE_EXHAUSTED"
    reason = "RESOURCE_EXHAUSTED"


class TooLarge(ResourceExhausted):
    reason = "TOO_LARGE"


class RateLimited(ResourceExhausted):
    reason = "RATE_LIMITED"


class TooManyStreams(ResourceExhausted):
    reason = "TOO_MANY_STREAMS"


class TooManyWatches(ResourceExhausted):
    reason = "TOO_MANY_WATCHES"


class Unavailable(RegulinkError):
    code = "UNAVAILABLE"
    reason = "UNAVAILABLE"


class DataLoss(RegulinkError):
    """Stored data is damaged or missing (a ledger entry, a Merkle node): retrying will not help."""

    code = "DATA_LOSS"
    reason = "DATA_LOSS"
