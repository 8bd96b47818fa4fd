"""Recipients verify what they receive (issue 16, item 1), on a real gateway.

An AMBER record shared with two agencies through salted recipient commitments
reaches each of them with the author's envelope, the nonce and its own salt:
each checks the author's signature, its own place among the recipients and
the entry's inclusion in the log, and learns nothing that names or confirms
the other recipient. A forged, foreign or missing disclosure is refused with
the field named, and leaves no trace.
"""

from __future__ import annotations

import hashlib

import pytest

from gateway import errors, recipients
from gateway.ledger.verify import ProofError
from gateway.sdk.client import Sealed, sign_shared
from regulink.v1 import exchange_pb2
from regulink.v1 import records_pb2 as pb
from tests.e2e.conftest import AGENCIES, make_record, projected
from tests.e2e.test_exchange import assert_refused


def shared(env, share_with: tuple[str, ...], tlp: int = pb.TLP_AMBER) -> tuple[pb.CaseRecord, Sealed]:
    record = make_record("fsa-jp", tlp=tlp)
    sealed = sign_shared(record, [env.signing["fsa-jp"]], share_with)
    return record, sealed


async def _entry(env, agency: str, log_index: int) -> exchange_pb2.LogEntry | None:
    async for entry in env.client(agency).subscribe(log_index, stop_at_end=True):
        if entry.log_index == log_index:
            return entry
    return None


@pytest.mark.timeout(120)
async def test_every_recipient_verifies_the_record_and_learns_no_other(env):
    record, sealed = shared(env, ("npa-cyber", "mas-sg"))
    assert not record.share_with and len(record.recipient_commitments) == recipients.MIN_SLOTS  # padded
    receipt = await env.client("fsa-jp").submit(sealed)

    salts = {}
    for agency in ("npa-cyber", "mas-sg"):
        entry = await _entry(env, agency, receipt.log_index)
        assert entry is not None and entry.HasField("envelope") and entry.nonce == receipt.nonce
        assert not entry.share_with_redacted and not entry.recipients
        head = await env.client(agency).verify_entry(entry, agency)
        assert head.tree_size > receipt.log_index
        salts[agency] = entry.recipient_salt
        # Nothing in what it got names the other recipient, or lets it confirm a guess.
        other = "mas-sg" if agency == "npa-cyber" else "npa-cyber"
        assert other.encode() not in entry.SerializeToString()
        guesses = {hashlib.sha256(salt + other.encode()).digest() for salt in (entry.recipient_salt, entry.nonce, b"")}
        assert not guesses & set(entry.record.recipient_commitments)
    assert salts["npa-cyber"] != salts["mas-sg"]

    # The author gets its disclosure back; an agency outside it gets nothing at all.
    mine = await _entry(env, "fsa-jp", receipt.log_index)
    assert sorted(r.agency_id for r in mine.recipients) == ["mas-sg", "npa-cyber"]
    await env.client("fsa-jp").verify_entry(mine, "fsa-jp")
    assert await _entry(env, "tokyo-metro", receipt.log_index) is None
    # A recipient's entry does not verify as another agency's (its salt is for its own id).
    entry = await _entry(env, "npa-cyber", receipt.log_index)
    with pytest.raises(ProofError, match="not among"):
        await env.client("tokyo-metro").verify_entry(entry, "tokyo-metro")

    # The graph enforces the disclosed list.
    await projected(env)
    key = f"domain:{record.entities[0].identifiers[0].value}"
    for agency in ("npa-cyber", "mas-sg", "fsa-jp"):
        assert (await env.client(agency).entity(key)).node.key == key
    with pytest.raises(errors.NotFound):
        await env.client("tokyo-metro").entity(key)


async def test_a_forged_foreign_or_missing_disclosure_is_refused(env):
    _, sealed = shared(env, ("npa-cyber",))
    good = sealed.disclosure.recipients[0]

    def with_recipients(*pairs) -> Sealed:
        disclosure = exchange_pb2.Disclosure(recipients=[exchange_pb2.Recipient(agency_id=a, salt=s) for a, s in pairs])
        return Sealed(sealed.envelope, disclosure)

    cases = [
        (with_recipients(("npa-cyber", bytes(32))), "disclosure.recipients[0]"),  # forged salt
        (with_recipients(("mas-sg", good.salt)), "disclosure.recipients[0]"),  # another agency, same salt
        (with_recipients(("npa-cyber", good.salt[:16])), "disclosure.recipients[0].salt"),
        (with_recipients(("npa-cyber", good.salt), ("npa-cyber", good.salt)), "disclosure.recipients[1].agency_id"),
        (with_recipients(("fsa-jp", good.salt)), "disclosure.recipients[0].agency_id"),
        (with_recipients(), "disclosure"),  # missing
    ]
    for item, field in cases:
        await assert_refused(env, "fsa-jp", item, errors.InvalidArgument, field)
    # A disclosure for a record that commits to no one.
    plain = sign_shared(make_record("fsa-jp"), [env.signing["fsa-jp"]])
    await assert_refused(env, "fsa-jp", Sealed(plain.envelope, with_recipients(("npa-cyber", good.salt)).disclosure),
                         errors.InvalidArgument, "disclosure")
    # The genuine one is accepted, by the stream too.
    outcomes = [o async for o in env.client("fsa-jp").submit_stream([sealed, shared(env, ("mas-sg",))[1]])]
    assert all(not isinstance(o, errors.RegulinkError) for o in outcomes)


async def test_an_unregistered_recipient_is_refused_by_name(env):
    _, sealed = shared(env, ("npa-cyber", "nobody-here"))
    index = [r.agency_id for r in sealed.disclosure.recipients].index("nobody-here")
    error = await assert_refused(env, "fsa-jp", sealed, errors.InvalidArgument,
                                 f"disclosure.recipients[{index}].agency_id")
    assert "nobody-here" in str(error)
    assert "nobody-here" not in AGENCIES


def test_commitments_fill_power_of_two_slots():
    for count, slots in [(1, 4), (4, 4), (5, 8), (9, 16), (200, 256)]:
        assert recipients.slots_for(count) == slots
        record = pb.CaseRecord(agency_id="a", tlp=pb.TLP_RED)
        disclosure = recipients.seal(record, [f"agency-{i}" for i in range(count)])
        assert len(record.recipient_commitments) == slots and len(disclosure.recipients) == count
        assert not recipients.disclosure_problems(record, disclosure)
        assert all(recipients.is_recipient(record, r.agency_id, r.salt) for r in disclosure.recipients)
