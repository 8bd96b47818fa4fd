"""Recipient commitments: who may read a record, signed by its author, known to each recipient alone.

An AMBER or RED record names its recipients. Named in clear (`share_with`),
the signed bytes would tell every recipient who the others are, so the
gateway could not hand them the author's envelope, and recipients had to
trust the gateway for who said what. Instead the record carries, per
recipient, the commitment

    SHA-256(salt || agency_id)        salt: 32 random bytes, agency_id: UTF-8

in random order, padded with random 32-byte values to a number of slots
that does not tell how many recipients there are. The author gives the
gateway the clear list and the salts beside the envelope (a Disclosure);
the gateway checks each against the commitments and decides visibility from
it. Every recipient then gets the signed envelope, the nonce and its own
salt: it checks the author's signature, the entry's inclusion in the log and
that SHA-256(its salt || its id) is among the commitments. Another
recipient's commitment is a hash of a secret salt: it neither names that
agency nor lets a guess be confirmed.

Used by the partner SDK (sealing, checking one's own place) and by the
gateway (checking a disclosure): nothing here needs the server.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable

from regulink.v1 import exchange_pb2, records_pb2

SALT_SIZE = 32
COMMITMENT_SIZE = 32
MIN_SLOTS = 4  # a record for one recipient looks like one for up to four
MAX_COMMITMENTS = 256


def commitment(salt: bytes, agency_id: str) -> bytes:
    return hashlib.sha256(salt + agency_id.encode()).digest()


def slots_for(count: int) -> int:
    """How many commitments a record for `count` recipients carries: a power of two, at least MIN_SLOTS."""
    slots = MIN_SLOTS
    while slots < count:
        slots *= 2
    return slots


def seal(record: records_pb2.CaseRecord, share_with: Iterable[str] = (), *,
         slots: int | None = None, secret: bytes | None = None) -> exchange_pb2.Disclosure:
    """Replace the record's recipients (`share_with`, or the given list) by salted commitments, before
    signing; returns the disclosure to send beside the envelope. CLEAR and GREEN records are read by
    every agency: their recipients are simply dropped.

    With `secret` (bytes only the author has, e.g. from its signing key), salts and padding are
    derived from it and the record's identity instead of drawn at random: sealing the same record
    again gives the same bytes, so a re-sent record is recognised as the same, not as a new one,
    and to everyone else the values are as unpredictable as random ones."""
    recipients = sorted(set(share_with or record.share_with) - {record.agency_id})
    record.ClearField("share_with")
    record.ClearField("recipient_commitments")
    disclosure = exchange_pb2.Disclosure()
    if record.tlp in (records_pb2.TLP_CLEAR, records_pb2.TLP_GREEN) or not recipients:
        return disclosure  # read by every agency, or by its author alone: no one to commit to
    slots = slots or slots_for(len(recipients))
    if slots < len(recipients) or slots > MAX_COMMITMENTS:
        raise ValueError(f"{len(recipients)} recipients need {len(recipients)} to {MAX_COMMITMENTS} slots, not {slots}")
    def draw(*label: str) -> bytes:
        if secret is None:
            return os.urandom(SALT_SIZE)
        message = "\x1f".join(("regulink recipient", record.agency_id, record.record_id, str(record.version), *label))
        return hmac.new(secret, message.encode(), hashlib.sha256).digest()

    commitments = []
    for agency_id in recipients:
        salt = draw("salt", agency_id)
        disclosure.recipients.add(agency_id=agency_id, salt=salt)
        commitments.append(commitment(salt, agency_id))
    commitments += [draw("padding", str(i)) for i in range(slots - len(recipients))]
    # The order must not tell the list's order: shuffled, or sorted (the values look random).
    if secret is None:
        secrets.SystemRandom().shuffle(commitments)
    else:
        commitments.sort()
    record.recipient_commitments.extend(commitments)
    return disclosure


def is_recipient(record: records_pb2.CaseRecord, agency_id: str, salt: bytes) -> bool:
    """Whether the record's author named `agency_id` among its recipients, given the salt it received."""
    return len(salt) == SALT_SIZE and commitment(salt, agency_id) in set(record.recipient_commitments)


def disclosure_problems(record: records_pb2.CaseRecord, disclosure: exchange_pb2.Disclosure
                        ) -> list[tuple[str, str]]:
    """(field, why) for every way a disclosure does not fit its record; the agencies' registration is
    the gateway's to check."""
    commitments = set(record.recipient_commitments)
    problems = []
    seen: set[str] = set()
    for i, recipient in enumerate(disclosure.recipients):
        at = f"disclosure.recipients[{i}]"
        if recipient.agency_id == record.agency_id:
            problems.append((f"{at}.agency_id", "the author is not one of its own recipients"))
        elif recipient.agency_id in seen:
            problems.append((f"{at}.agency_id", f"agency {recipient.agency_id!r} is disclosed twice"))
        elif len(recipient.salt) != SALT_SIZE:
            problems.append((f"{at}.salt", f"a salt has {SALT_SIZE} bytes, not {len(recipient.salt)}"))
        elif commitment(recipient.salt, recipient.agency_id) not in commitments:
            problems.append((at, f"SHA-256(salt || {recipient.agency_id!r}) is not among the record's "
                                 "recipient_commitments"))
        seen.add(recipient.agency_id)
    return problems
