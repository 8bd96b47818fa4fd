"""Schema checks of a CaseRecord before it may enter the ledger.

Collects every violation with its field path ("record.entities[2].ref"), so
a partner fixes a record in one round trip; `RecordInvalid` names the first.
"""

from __future__ import annotations

import time

from gateway import recipients
from gateway.errors import FieldViolation, RecordInvalid
from gateway.server.registry import Snapshot
from graph.rules import (  # the one rulebook, shared with the connectors
    ENTITY_REF,
    FUTURE_SKEW_SECONDS,
    MAX_ALIASES,
    MAX_ATTRIBUTES,
    MAX_ENTITIES,
    MAX_IDENTIFIERS,
    MAX_LINKS,
    MAX_ROLES,
    MAX_SCHEME,
    MAX_SUMMARY,
    MAX_TEXT,
    RECORD_ID,
    identifier_problem,
)
from regulink.v1 import records_pb2

TLP_VALUES = frozenset(records_pb2.Tlp.values()) - {records_pb2.TLP_UNSPECIFIED}
ENTITY_TYPES = frozenset(records_pb2.EntityType.values()) - {records_pb2.ENTITY_TYPE_UNSPECIFIED}
ENTITY_ROLES = frozenset(records_pb2.EntityRole.values()) - {records_pb2.ENTITY_ROLE_UNSPECIFIED}
LINK_TYPES = frozenset(records_pb2.LinkType.values()) - {records_pb2.LINK_TYPE_UNSPECIFIED}


def check_record(record: records_pb2.CaseRecord, registry: Snapshot, *, now: float | None = None) -> None:
    """Raise RecordInvalid listing every problem; return None when the record is sound."""
    problems: list[FieldViolation] = []

    def bad(field: str, description: str) -> None:
        problems.append(FieldViolation(f"record.{field}", description))

    if not RECORD_ID.fullmatch(record.record_id):
        bad("record_id", "use 1-128 characters of A-Z a-z 0-9 . _ : -")
    if not record.agency_id:
        bad("agency_id", "the authoring agency is required")
    if record.version < 1:
        bad("version", "versions start at 1")
    if not record.HasField("issued_at"):
        bad("issued_at", "the issue time is required")
    elif record.issued_at.seconds > (time.time() if now is None else now) + FUTURE_SKEW_SECONDS:
        bad("issued_at", "lies in the future")
    if record.tlp not in TLP_VALUES:
        bad("tlp", "a TLP 2.0 marking is required (CLEAR, GREEN, AMBER, AMBER_STRICT or RED)")
    _check_share_with(record, registry, bad)
    _check_commitments(record, bad)
    if len(record.case_reference) > MAX_TEXT:
        bad("case_reference", f"longer than {MAX_TEXT} characters")
    if len(record.summary) > MAX_SUMMARY:
        bad("summary", f"longer than {MAX_SUMMARY} characters")
    _check_references(record, bad)
    _check_counts(record, bad)
    if not record.HasField("retracts"):
        if not record.entities:
            bad("entities", "a record asserts at least one entity (or retracts a record)")
        refs = _check_entities(record, bad)
        _check_links(record, refs, bad)
    if problems:
        raise RecordInvalid(problems)


def limit_problem(record: records_pb2.CaseRecord) -> str | None:
    """The first way a record breaks the record limits, or None.

    For records already in the ledger: one admitted before these limits is left out of the
    graph (gateway.server.projection.worker), in a rebuild as in live projection, so that the two agree.
    """
    problems: list[str] = []
    _check_counts(record, lambda field, description: problems.append(f"record.{field}: {description}"))
    return problems[0] if problems else None


def _check_counts(record: records_pb2.CaseRecord, bad) -> None:
    if len(record.entities) > MAX_ENTITIES:
        bad("entities", f"more than {MAX_ENTITIES} entities; split the case into several records")
    if len(record.links) > MAX_LINKS:
        bad("links", f"more than {MAX_LINKS} links; split the case into several records")
    for i, entity in enumerate(record.entities[:MAX_ENTITIES]):
        at = f"entities[{i}]"
        for name, most in (("aliases", MAX_ALIASES), ("identifiers", MAX_IDENTIFIERS),
                           ("attributes", MAX_ATTRIBUTES), ("roles", MAX_ROLES)):
            if len(getattr(entity, name)) > most:
                bad(f"{at}.{name}", f"more than {most} {name}")
        if len(entity.name) > MAX_TEXT:
            bad(f"{at}.name", f"longer than {MAX_TEXT} characters")
        for j, alias in enumerate(entity.aliases[:MAX_ALIASES]):
            if len(alias) > MAX_TEXT:
                bad(f"{at}.aliases[{j}]", f"longer than {MAX_TEXT} characters")
        for j, identifier in enumerate(entity.identifiers[:MAX_IDENTIFIERS]):
            if len(identifier.scheme) > MAX_SCHEME:
                bad(f"{at}.identifiers[{j}].scheme", f"longer than {MAX_SCHEME} characters")


def _check_commitments(record: records_pb2.CaseRecord, bad) -> None:
    """Recipient commitments (gateway.recipients): 32-byte hashes, bounded, never beside share_with."""
    if not record.recipient_commitments:
        return
    if record.share_with:
        bad("share_with", "share_with and recipient_commitments are never both set (the commitments replace it)")
    if len(record.recipient_commitments) > recipients.MAX_COMMITMENTS:
        bad("recipient_commitments", f"more than {recipients.MAX_COMMITMENTS}")
    for i, value in enumerate(record.recipient_commitments[:recipients.MAX_COMMITMENTS]):
        if len(value) != recipients.COMMITMENT_SIZE:
            bad(f"recipient_commitments[{i}]", f"a commitment is SHA-256: {recipients.COMMITMENT_SIZE} bytes, "
                                               f"not {len(value)}")


def _check_share_with(record: records_pb2.CaseRecord, registry: Snapshot, bad) -> None:
    seen: set[str] = set()
    for i, agency_id in enumerate(record.share_with):
        if agency_id not in registry.agencies:
            bad(f"share_with[{i}]", f"agency {agency_id!r} is not registered")
        elif agency_id in seen:
            bad(f"share_with[{i}]", f"agency {agency_id!r} is listed twice")
        seen.add(agency_id)


def _check_references(record: records_pb2.CaseRecord, bad) -> None:
    if record.HasField("supersedes") and record.HasField("retracts"):
        bad("retracts", "a record either supersedes or retracts, not both")
    for name in ("supersedes", "retracts"):
        if record.HasField(name):
            target = getattr(record, name).record_id
            if not RECORD_ID.fullmatch(target):
                bad(f"{name}.record_id", "use 1-128 characters of A-Z a-z 0-9 . _ : -")
            elif target == record.record_id:
                bad(f"{name}.record_id", "a record cannot refer to itself; send a higher version instead")
    if record.HasField("retracts") and (record.entities or record.links):
        bad("entities", "a retraction carries no entities or links")


def _check_entities(record: records_pb2.CaseRecord, bad) -> set[str]:
    refs: set[str] = set()
    for i, entity in enumerate(record.entities):
        at = f"entities[{i}]"
        if not ENTITY_REF.fullmatch(entity.ref):
            bad(f"{at}.ref", "use 1-64 characters of A-Z a-z 0-9 . _ : -")
        elif entity.ref in refs:
            bad(f"{at}.ref", f"ref {entity.ref!r} is used twice in the record")
        refs.add(entity.ref)
        if entity.type not in ENTITY_TYPES:
            bad(f"{at}.type", "an entity type is required")
        for j, role in enumerate(entity.roles):
            if role not in ENTITY_ROLES:
                bad(f"{at}.roles[{j}]", "unknown role")
        for j, identifier in enumerate(entity.identifiers):
            _check_identifier(identifier, f"{at}.identifiers[{j}]", bad)
        for j, attribute in enumerate(entity.attributes):
            if not attribute.name or len(attribute.name) > 128:
                bad(f"{at}.attributes[{j}].name", "a name of 1-128 characters is required")
            if len(attribute.value) > MAX_TEXT:
                bad(f"{at}.attributes[{j}].value", f"longer than {MAX_TEXT} characters")
        if entity.type == records_pb2.ENTITY_TYPE_CRYPTO_WALLET and not any(
            ident.kind == "wallet" for ident in entity.identifiers
        ):
            bad(f"{at}.identifiers", "a CryptoWallet needs a 'wallet' identifier (scheme = chain, value = address)")
    return refs


def _check_identifier(identifier: records_pb2.Identifier, at: str, bad) -> None:
    if len(identifier.scheme) > MAX_SCHEME:
        return  # said by _check_counts (a record limit: the projection leaves such old records out too)
    problem = identifier_problem(identifier.kind, identifier.value, identifier.scheme)
    if problem:
        bad(f"{at}.{problem.field}", problem.reason)


def _check_links(record: records_pb2.CaseRecord, refs: set[str], bad) -> None:
    for i, link in enumerate(record.links):
        at = f"links[{i}]"
        for end in ("source", "target"):
            ref = getattr(link, end)
            if ref not in refs:
                bad(f"{at}.{end}", f"no entity with ref {ref[:64]!r} in this record")
        if link.type not in LINK_TYPES:
            bad(f"{at}.type", "a link type is required")
        if len(link.evidence) > MAX_TEXT:
            bad(f"{at}.evidence", f"longer than {MAX_TEXT} characters")
        if len(link.notes) > MAX_TEXT:
            bad(f"{at}.notes", f"longer than {MAX_TEXT} characters")
