"""Subscribe visibility, tree heads and proofs, health and reflection on the live gateway."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway import errors
from gateway.ledger import verify
from gateway.sdk.receipts import verify_tree_head
from regulink.v1 import records_pb2, registry_pb2, transparency_pb2
from tests.e2e.conftest import make_record, signed


async def entries_for(env, agency: str, start: int):
    return [e async for e in env.client(agency).subscribe(start, stop_at_end=True)]


async def test_subscribe_shows_only_what_tlp_allows(env):
    start = env.gateway.ledger.size
    author = env.client("mas-sg")
    green = await author.submit(signed(env, make_record("mas-sg", tlp=records_pb2.TLP_GREEN)))
    amber = await author.submit(signed(env, make_record("mas-sg", tlp=records_pb2.TLP_AMBER,
                                                        share_with=("tokyo-metro", "npa-cyber"))))
    red = await author.submit(signed(env, make_record("mas-sg", tlp=records_pb2.TLP_RED)))

    seen = {a: {e.log_index: e for e in await entries_for(env, a, start)} for a in
            ("mas-sg", "tokyo-metro", "npa-cyber", "fsa-jp")}
    assert set(seen["mas-sg"]) >= {green.log_index, amber.log_index, red.log_index}
    assert amber.log_index in seen["tokyo-metro"] and red.log_index not in seen["tokyo-metro"]
    assert set(seen["fsa-jp"]) & {amber.log_index, red.log_index} == set()
    assert green.log_index in seen["fsa-jp"]
    # Recipients do not see each other: the share_with list is the author's alone.
    shared = seen["tokyo-metro"][amber.log_index]
    assert shared.share_with_redacted and not shared.record.share_with and not shared.envelope.payload
    own = seen["mas-sg"][amber.log_index]
    assert list(own.record.share_with) == ["tokyo-metro", "npa-cyber"] and own.envelope.payload
    # The author can check inclusion of its own entry from the subscription alone.
    await author.verify_receipt(amber, own.envelope)


async def test_subscribe_delivers_live_entries(env):
    import asyncio

    start = env.gateway.ledger.size
    stream = env.client("fsa-jp").subscribe(start)
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.2)
    receipt = await env.client("mas-sg").submit(signed(env, make_record("mas-sg")))
    entry = await asyncio.wait_for(first, 5)
    assert entry.log_index == receipt.log_index
    await stream.aclose()


async def test_consistency_between_signed_heads(env):
    client = env.client("fsa-jp")
    older = await client.tree_head()
    for _ in range(3):
        await env.client("mas-sg").submit(signed(env, make_record("mas-sg")))
    newer = await client.tree_head()
    first, second = await client.audit(older, newer)
    assert first.tree_size < second.tree_size
    # A forged newer root fails the consistency check.
    key, origin = await client.log_key()
    head = verify_tree_head(newer, key, origin)
    response = await client.transparency.GetConsistencyProof(
        transparency_pb2.GetConsistencyProofRequest(first_size=first.tree_size, second_size=second.tree_size))
    with pytest.raises(verify.ProofError):
        verify.verify_consistency(first.tree_size, second.tree_size, first.root_hash, bytes(32),
                                  list(response.proof.hashes))
    assert head.tree_size == second.tree_size


async def test_tampered_tree_head_is_detected(env):
    client = env.client("fsa-jp")
    head = await client.tree_head()
    head.tree_size += 1
    key, origin = await client.log_key()
    with pytest.raises(ValueError, match="disagree"):
        verify_tree_head(head, key, origin)


async def test_proof_against_an_unsigned_size_is_not_found(env):
    client = env.client("fsa-jp")
    size = (await client.tree_head()).tree_size
    with pytest.raises(errors.NotFound):
        await client.check_inclusion(0, size + 1000, bytes(32))
    with pytest.raises(errors.InvalidArgument) as failure:
        request = transparency_pb2.GetConsistencyProofRequest(first_size=0, second_size=size)
        await client._call(client.transparency.GetConsistencyProof, request)
    assert failure.value.field == "first_size"


async def test_health_and_reflection(env):
    channel = env.client("fsa-jp").channel
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "regulink.v1.ExchangeService", "regulink.v1.TransparencyService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = set()
    async for response in stub.ServerReflectionInfo(ask()):
        names |= {s.name for s in response.list_services_response.service}
    assert {"regulink.v1.ExchangeService", "regulink.v1.RegistryService", "regulink.v1.TransparencyService",
            "grpc.health.v1.Health"} <= names


async def test_registry_lists_agencies_and_whoami(env):
    client = env.client("tokyo-metro")
    me = await client.whoami()
    assert me.agency_id == "tokyo-metro" and me.keys
    assert {a.agency_id for a in await client.agencies()} >= {"mas-sg", "tokyo-metro", "npa-cyber", "fsa-jp"}
    with pytest.raises(errors.NotFound):
        await client._call(client.registry.GetAgency, registry_pb2.GetAgencyRequest(agency_id="zz"))


async def test_no_client_certificate_is_refused(env):
    ca = (env.tls / "ca.pem").read_bytes()
    channel = grpc.aio.secure_channel(env.target, grpc.ssl_channel_credentials(root_certificates=ca))
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    await channel.close()
