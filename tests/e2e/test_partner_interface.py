"""The partner interface, complete for any language (issue 16): what a client written from proto/
and docs/ alone asks first, on a real gateway."""

from __future__ import annotations

from grpc_reflection.v1alpha import reflection_pb2

from gateway import keys
from gateway.ledger import checkpoint
from gateway.ledger.hashing import empty_root
from gateway.sdk.client import sign_record
from gateway.server import config
from tests.e2e.conftest import gateway_env, make_record


async def _reflect(channel, service: str, request: reflection_pb2.ServerReflectionRequest):
    call = channel.stream_stream(f"/{service}/ServerReflectionInfo",
                                 request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                 response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)

    async def ask():
        yield request

    return [response async for response in call(ask())]


async def test_reflection_answers_as_v1_and_v1alpha(env):
    channel = env.client("npa-cyber").channel
    for service in ("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"):
        listed = await _reflect(channel, service, reflection_pb2.ServerReflectionRequest(list_services=""))
        names = {s.name for r in listed for s in r.list_services_response.service}
        assert {"regulink.v1.ExchangeService", "grpc.reflection.v1.ServerReflection"} <= names
        found = await _reflect(channel, service, reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="regulink.v1.ExchangeService"))
        assert found[0].file_descriptor_response.file_descriptor_proto


async def test_an_empty_log_serves_the_signed_head_of_the_empty_tree(tmp_path):
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="empty.regulink/log")
    async with gateway_env(settings) as env:
        client = env.client("fsa-jp")
        sth = await client.tree_head()
        key, origin = await client.log_key()
        head = checkpoint.verify(sth.note, sth.signature, key, origin=origin)
        assert (head.tree_size, head.root_hash, sth.tree_size) == (0, empty_root(), 0)
        # The first record then gets a head that the empty one is trivially consistent with.
        receipt = await client.submit(sign_record(make_record("fsa-jp"), [env.signing["fsa-jp"]]))
        assert receipt.tree_head.tree_size == 1 and (await client.tree_head()).tree_size == 1


async def test_keyids_in_upper_case_are_the_same_key(env):
    record = make_record("mas-sg")
    envelope = sign_record(record, [env.signing["mas-sg"]])
    envelope.signatures[0].keyid = envelope.signatures[0].keyid.upper()
    receipt = await env.client("mas-sg").submit(envelope)
    assert receipt.record_id == record.record_id
    assert keys.key_id(keys.raw_public_key(env.signing["mas-sg"])) == envelope.signatures[0].keyid.lower()
