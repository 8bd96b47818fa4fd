"""Submit and SubmitStream on a real gateway (loopback, mTLS, real signatures):
every refusal has the right code, names the field, and leaves nothing in the log."""

from __future__ import annotations

import time

import grpc
import pytest
from google.rpc import code_pb2

from gateway import dsse, errors, keys
from gateway.ledger.verify import ProofError
from gateway.ops import devca
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2, records_pb2
from tests.e2e.conftest import make_record, signed


async def assert_refused(env, agency: str, envelope, error_class, field: str | None = None):
    """Submit, expect the error, and check the log did not grow."""
    before = env.gateway.ledger.size
    with pytest.raises(error_class) as failure:
        await env.client(agency).submit(envelope)
    if field is not None:
        assert failure.value.field == field
    assert env.gateway.ledger.size == before
    return failure.value


async def test_accepted_record_gets_a_verifiable_receipt(env):
    client = env.client("mas-sg")
    envelope = signed(env, make_record("mas-sg"))
    receipt = await client.submit(envelope)
    head = await client.verify_receipt(receipt, envelope)
    assert head.tree_size > receipt.log_index
    assert receipt.agency_id == "mas-sg" and receipt.version == 1
    # The same entry through GetInclusionProof, against the receipt's signed head.
    await client.check_inclusion(receipt.log_index, head.tree_size, receipt.leaf_hash)
    # A receipt for other bytes does not verify.
    other = signed(env, make_record("mas-sg"))
    with pytest.raises(ProofError):
        await client.verify_receipt(receipt, other)


async def test_forged_signature(env):
    envelope = signed(env, make_record("mas-sg"))
    envelope.signatures[0].sig = bytes(64)
    error = await assert_refused(env, "mas-sg", envelope, errors.BadSignature, "envelope.signatures[0].sig")
    assert error.code == "UNAUTHENTICATED"


async def test_signed_by_another_agencys_key(env):
    # A record claiming to be mas-sg's, validly signed by tokyo-metro's key.
    envelope = sign_record(make_record("mas-sg"), [env.signing["tokyo-metro"]])
    error = await assert_refused(env, "mas-sg", envelope, errors.Unauthenticated, "envelope.signatures")
    assert "not signed by a key of mas-sg" in str(error)


async def test_unregistered_key(env):
    envelope = sign_record(make_record("mas-sg"), [keys.generate()])
    await assert_refused(env, "mas-sg", envelope, errors.UnknownKey, "envelope.signatures[0].keyid")


async def test_revoked_key(env):
    key = keys.generate()
    kid = env.gateway.registry.add_key("npa-cyber", keys.raw_public_key(key))
    assert await env.client("npa-cyber").submit(sign_record(make_record("npa-cyber"), [key]))
    env.gateway.registry.revoke_key(kid)
    error = await assert_refused(env, "npa-cyber", sign_record(make_record("npa-cyber"), [key]), errors.RevokedKey)
    assert "revoked" in str(error)


async def test_expired_and_not_yet_valid_keys(env):
    old = keys.generate()
    env.gateway.registry.add_key("npa-cyber", keys.raw_public_key(old), not_before=time.time() - 3600,
                                 not_after=time.time() - 60)
    await assert_refused(env, "npa-cyber", sign_record(make_record("npa-cyber"), [old]), errors.KeyNotValidNow)
    future = keys.generate()
    env.gateway.registry.add_key("npa-cyber", keys.raw_public_key(future), not_before=time.time() + 3600)
    await assert_refused(env, "npa-cyber", sign_record(make_record("npa-cyber"), [future]), errors.KeyNotValidNow)


async def test_rotation_keeps_earlier_records_valid(env):
    client = env.client("tokyo-metro")
    old = keys.generate()
    old_id = env.gateway.registry.add_key("tokyo-metro", keys.raw_public_key(old))
    envelope = sign_record(make_record("tokyo-metro"), [old])
    receipt = await client.submit(envelope)
    new = keys.generate()
    env.gateway.registry.add_key("tokyo-metro", keys.raw_public_key(new))
    env.gateway.registry.expire_key(old_id)
    await assert_refused(env, "tokyo-metro", sign_record(make_record("tokyo-metro"), [old]), errors.KeyNotValidNow)
    assert await client.submit(sign_record(make_record("tokyo-metro"), [new]))
    await client.verify_receipt(receipt, envelope)  # what the old key signed stays in the log


async def test_unknown_agency_in_record(env):
    record = make_record("mas-sg")
    record.agency_id = "nobody"
    envelope = sign_record(record, [env.signing["mas-sg"]])
    await assert_refused(env, "mas-sg", envelope, errors.UnknownAgency)


async def test_certificate_of_an_unregistered_agency(env):
    devca.issue_client(env.tls, "ghost-agency")
    async with AsyncClient.connect(env.target, TlsFiles.for_agency(env.tls, "ghost-agency")) as ghost:
        with pytest.raises(errors.Unauthenticated, match="not a registered agency"):
            await ghost.submit(signed(env, make_record("mas-sg")))


async def test_tampered_payload(env):
    envelope = signed(env, make_record("mas-sg"))
    record = records_pb2.CaseRecord.FromString(envelope.payload)
    record.tlp = records_pb2.TLP_CLEAR
    envelope.payload = record.SerializeToString()
    await assert_refused(env, "mas-sg", envelope, errors.BadSignature)


async def test_payload_type_mismatch(env):
    record = make_record("mas-sg")
    envelope = dsse.sign("application/json", record.SerializeToString(), [env.signing["mas-sg"]])
    await assert_refused(env, "mas-sg", envelope, errors.InvalidArgument, "envelope.payload_type")


async def test_payload_that_is_not_a_case_record(env):
    envelope = dsse.sign(dsse.CASE_RECORD_TYPE, b"\xff\xff\xff not protobuf", [env.signing["mas-sg"]])
    await assert_refused(env, "mas-sg", envelope, errors.InvalidArgument, "envelope.payload")


async def test_wrong_channel_identity_and_relay(env):
    envelope = signed(env, make_record("mas-sg"))
    error = await assert_refused(env, "tokyo-metro", envelope, errors.PermissionDenied, "record.agency_id")
    assert "allow-relay" in str(error)
    env.gateway.registry.allow_relay("mas-sg", "npa-cyber")
    receipt = await env.client("npa-cyber").submit(envelope)
    assert receipt.agency_id == "mas-sg"


async def test_duplicate_returns_the_original_receipt(env):
    client = env.client("fsa-jp")
    envelope = signed(env, make_record("fsa-jp"))
    first = await client.submit(envelope)
    error = await assert_refused(env, "fsa-jp", envelope, errors.AlreadyExists)
    assert error.receipt == first
    # Same record id and version, other contents: still the first one's receipt.
    record = records_pb2.CaseRecord.FromString(envelope.payload)
    record.summary = "changed"
    error = await assert_refused(env, "fsa-jp", signed(env, record), errors.AlreadyExists)
    assert error.receipt.log_index == first.log_index


async def test_replayed_old_version(env):
    client = env.client("fsa-jp")
    v1 = signed(env, make_record("fsa-jp", record_id="case-77"))
    v3 = signed(env, make_record("fsa-jp", record_id="case-77", version=3))
    await client.submit(v1)
    await client.submit(v3)
    v2 = signed(env, make_record("fsa-jp", record_id="case-77", version=2))
    error = await assert_refused(env, "fsa-jp", v2, errors.StaleVersion, "record.version")
    assert error.code == "FAILED_PRECONDITION"


async def test_record_ids_are_per_agency(env):
    # Another agency's record id neither collides nor reveals anything.
    await env.client("fsa-jp").submit(signed(env, make_record("fsa-jp", record_id="shared-id")))
    receipt = await env.client("mas-sg").submit(signed(env, make_record("mas-sg", record_id="shared-id")))
    assert receipt.agency_id == "mas-sg"


async def test_retracting_a_missing_or_foreign_record_looks_the_same(env):
    await env.client("fsa-jp").submit(signed(env, make_record("fsa-jp", record_id="fsa-secret")))
    answers = []
    for target in ("fsa-secret", "never-existed"):
        record = records_pb2.CaseRecord(record_id=f"retract-{target}", agency_id="mas-sg", version=1,
                                        tlp=records_pb2.TLP_GREEN)
        record.issued_at.GetCurrentTime()
        record.retracts.record_id = target
        error = await assert_refused(env, "mas-sg", signed(env, record), errors.NotFound, "record.retracts.record_id")
        answers.append(str(error).replace(target, "X"))
    assert answers[0] == answers[1]


async def test_retraction_of_own_record(env):
    client = env.client("mas-sg")
    await client.submit(signed(env, make_record("mas-sg", record_id="to-retract")))
    record = records_pb2.CaseRecord(record_id="retraction-1", agency_id="mas-sg", version=1, tlp=records_pb2.TLP_GREEN)
    record.issued_at.GetCurrentTime()
    record.retracts.record_id = "to-retract"
    assert (await client.submit(signed(env, record))).record_id == "retraction-1"


async def test_invalid_record_names_the_field(env):
    record = make_record("mas-sg")
    record.entities[1].identifiers[0].value = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"  # EIP-55: last d, not D
    error = await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument,
                          "record.entities[1].identifiers[0].value")
    assert error.code == "INVALID_ARGUMENT"
    record = make_record("mas-sg")
    record.links[0].target = "nowhere"
    record.tlp = records_pb2.TLP_UNSPECIFIED
    error = await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument, "record.tlp")
    assert "1 more" in str(error)


async def test_oversize_envelope(env):
    record = make_record("mas-sg")
    for i in range(400):
        record.entities[0].attributes.add(name=f"note{i}", value="x" * 4000)
    envelope = signed(env, record)
    error = await assert_refused(env, "mas-sg", envelope, errors.TooLarge, "envelope")
    assert error.code == "RESOURCE_EXHAUSTED"


async def test_oversize_message_is_resource_exhausted(env):
    channel = env.client("mas-sg").channel
    raw = channel.unary_unary("/regulink.v1.ExchangeService/Submit")
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await raw(b"\x0a" + b"\xff" * 5 + b"\x01" + bytes(17 << 20))
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_malformed_protobuf(env):
    before = env.gateway.ledger.size
    raw = env.client("mas-sg").channel.unary_unary("/regulink.v1.ExchangeService/Submit")
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await raw(b"\x0a\xff\xff\xff\xff\x0f garbage")
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "SubmitRequest" in failure.value.details()
    assert env.gateway.ledger.size == before


async def test_missing_envelope(env):
    raw = env.client("mas-sg").channel.unary_unary("/regulink.v1.ExchangeService/Submit")
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await raw(b"")
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "envelope" in failure.value.details()


async def test_stream_answers_in_order_and_survives_refusals(env):
    client = env.client("tokyo-metro")
    good = [signed(env, make_record("tokyo-metro")) for _ in range(300)]
    forged = signed(env, make_record("tokyo-metro"))
    forged.signatures[0].sig = bytes(64)
    foreign = signed(env, make_record("mas-sg"))
    sequence = good[:100] + [forged] + good[100:200] + [foreign, good[0]] + good[200:]
    before = env.gateway.ledger.size
    outcomes = [o async for o in client.submit_stream(sequence, per_message=64)]
    assert len(outcomes) == len(sequence)
    assert isinstance(outcomes[100], errors.BadSignature)
    assert isinstance(outcomes[201], errors.PermissionDenied)
    assert isinstance(outcomes[202], errors.AlreadyExists)
    assert outcomes[202].receipt == outcomes[0]
    receipts = [o for o in outcomes if isinstance(o, exchange_pb2.Receipt)]
    assert len(receipts) == 300
    assert env.gateway.ledger.size == before + 300
    assert [r.log_index for r in receipts] == sorted(r.log_index for r in receipts)
    for receipt, envelope in zip(receipts, good):
        assert receipt.record_id == records_pb2.CaseRecord.FromString(envelope.payload).record_id
    await client.verify_receipt(receipts[-1], good[-1])


async def test_stream_with_a_malformed_message_ends_with_invalid_argument(env):
    raw = env.client("tokyo-metro").channel.stream_stream("/regulink.v1.ExchangeService/SubmitStream")
    good = exchange_pb2.SubmitStreamRequest(envelopes=[signed(env, make_record("tokyo-metro"))])

    async def requests():
        yield good.SerializeToString()
        yield b"\x0a\xff\xff garbage"

    call = raw(requests())
    responses = []
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        async for response in call:
            responses.append(exchange_pb2.SubmitStreamResponse.FromString(response))
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert responses[0].results[0].HasField("receipt")


async def test_co_signed_record(env):
    envelope = sign_record(make_record("tokyo-metro"), [env.signing["tokyo-metro"], env.signing["npa-cyber"]])
    receipt = await env.client("tokyo-metro").submit(envelope)
    entry = env.gateway.ledger.store.entry(receipt.log_index)
    assert set(entry.signer_keys) == {keys.key_id(env.signing["tokyo-metro"]), keys.key_id(env.signing["npa-cyber"])}


async def test_rejection_codes_are_google_rpc_codes(env):
    forged = signed(env, make_record("tokyo-metro"))
    forged.signatures[0].sig = bytes(64)
    outcomes = [o async for o in env.client("tokyo-metro").submit_stream([forged])]
    assert outcomes[0].code == code_pb2.Code.Name(code_pb2.UNAUTHENTICATED)
    assert outcomes[0].reason == "BAD_SIGNATURE"


async def test_a_record_over_a_documented_limit_names_the_field(env):
    """Issue 13: everything a record repeats is bounded at admission (docs/api.md, "Record limits"):
    20,000 aliases, one 900,000-character alias, a 40-character scheme, 1,001 entities."""
    record = make_record("mas-sg")
    record.entities[0].aliases.extend(f"alias {i}" for i in range(20_000))
    await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument, "record.entities[0].aliases")
    record = make_record("mas-sg")
    record.entities[0].aliases.append("x" * 900_000)
    await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument, "record.entities[0].aliases[0]")
    record = make_record("mas-sg")
    record.entities[0].identifiers[0].scheme = "S" * 40
    await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument,
                         "record.entities[0].identifiers[0].scheme")
    record = make_record("mas-sg")
    for i in range(1000):
        record.entities.add(ref=f"p{i}", type=records_pb2.ENTITY_TYPE_PERSON, name=f"Person {i}")
    await assert_refused(env, "mas-sg", signed(env, record), errors.InvalidArgument, "record.entities")
    record = make_record("mas-sg")  # at the limits it is admitted
    record.entities[0].aliases.extend(f"alias {i}" for i in range(100))
    record.entities[0].identifiers[0].scheme = ""
    assert (await env.client("mas-sg").submit(signed(env, record))).log_index >= 0
