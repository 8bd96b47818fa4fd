"""On a live gateway (real mTLS): a certificate with two Common Names is refused, server
reflection needs a registered agency like every other service, a record with an unknown field is
INVALID_ARGUMENT naming where it sits, and what the gateway writes is its user's alone (issue 13).
"""

from __future__ import annotations

import datetime as dt
import os
import stat

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway import errors
from gateway.ops import devca
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server import config
from tests.e2e.conftest import gateway_env, make_record
from tests.unit.test_unknown_fields import nested_identifier


def issue(tls, name: str, subject: x509.Name) -> TlsFiles:
    """A client certificate from the gateway's CA with any subject at all."""
    ca_cert, ca_key = devca._load(tls)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder = tls.parent / "odd-certs"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}-key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                               serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))
    return TlsFiles(tls / "ca.pem", folder / f"{name}.pem", folder / f"{name}-key.pem")


def cn(value: str) -> x509.NameAttribute:
    return x509.NameAttribute(NameOID.COMMON_NAME, value)


async def list_services(channel) -> set[str]:
    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names = set()
    async for response in reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(ask()):
        names |= {s.name for s in response.list_services_response.service}
    return names


@pytest.fixture
async def env(tmp_path):
    settings = config.load(data_dir=tmp_path / "gw", listen="127.0.0.1:0", origin="identity.test/log", graph="none",
                           verify_workers=0)
    async with gateway_env(settings) as running:
        yield running


@pytest.mark.parametrize("subject", [
    x509.Name([cn("fsa-jp"), cn("mas-sg")]),
    x509.Name([cn("mas-sg"), cn("fsa-jp")]),
    x509.Name([x509.RelativeDistinguishedName([cn("fsa-jp"), cn("mas-sg")])]),
], ids=["two CNs", "two CNs the other way round", "one RDN with two CNs"])
async def test_a_certificate_with_two_common_names_is_refused(env, subject):
    async with AsyncClient.connect(env.target, issue(env.tls, "two-cns", subject)) as client:
        with pytest.raises(errors.Unauthenticated) as refused:
            await client.whoami()
    assert "2 Common Names" in str(refused.value)
    # One CN is still the agency, as before.
    assert (await env.client("fsa-jp").whoami()).agency_id == "fsa-jp"


async def test_reflection_needs_a_registered_agency_and_health_does_not(env):
    probe = issue(env.tls, "healthcheck", x509.Name([cn("healthcheck")]))  # as deploy/healthcheck.py's
    async with AsyncClient.connect(env.target, probe) as client:
        health = await health_pb2_grpc.HealthStub(client.channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await list_services(client.channel)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "not a registered agency" in refused.value.details()
    assert "regulink.v1.ExchangeService" in await list_services(env.client("mas-sg").channel)


async def test_a_record_with_an_unknown_nested_field_is_invalid_argument(env):
    record = make_record("fsa-jp")
    nested_identifier(record)
    with pytest.raises(errors.InvalidArgument) as refused:
        await env.client("fsa-jp").submit(sign_record(record, [env.signing["fsa-jp"]]))
    assert refused.value.field == "record.entities[1].identifiers[0]"
    # And on a stream, as a rejection of that envelope only.
    outcomes = [o async for o in env.client("fsa-jp").submit_stream(
        [sign_record(record, [env.signing["fsa-jp"]]), sign_record(make_record("fsa-jp"), [env.signing["fsa-jp"]])])]
    assert isinstance(outcomes[0], errors.InvalidArgument) and outcomes[0].field == "record.entities[1].identifiers[0]"
    assert not isinstance(outcomes[1], errors.RegulinkError)


async def test_what_the_gateway_writes_is_its_users_alone(env):
    await env.client("fsa-jp").submit(sign_record(make_record("fsa-jp"), [env.signing["fsa-jp"]]))
    data = env.gateway.settings.data_dir

    def mode(path) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    assert mode(data) == 0o700 and mode(data / "keys") == 0o700
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "registry.db", "registry.db-wal", "audit.db",
                 "keys/log-key.pem", "tls/ca-key.pem", "tls/server-key.pem"):
        assert mode(data / name) == 0o600, name
