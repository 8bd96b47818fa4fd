"""A real gateway on loopback with real mTLS, a registry of three agencies and their keys."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.timestamp_pb2 import Timestamp

from gateway import keys
from gateway.ops import devca
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server import config
from gateway.server.app import Gateway
from regulink.v1 import records_pb2

AGENCIES = {
    "mas-sg": ("Monetary Authority (foreign regulator)", "regulator", "SG"),
    "tokyo-metro": ("Tokyo Metropolitan Government", "local-government", "JP-13"),
    "npa-cyber": ("National Police Cyber Unit", "law-enforcement", "JP"),
    "fsa-jp": ("Financial Services Agency", "regulator", "JP"),
}


@dataclass
class Env:
    gateway: Gateway
    target: str
    tls: Path
    signing: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    clients: dict[str, AsyncClient] = field(default_factory=dict)

    def client(self, agency_id: str) -> AsyncClient:
        if agency_id not in self.clients:
            self.clients[agency_id] = AsyncClient.connect(self.target, TlsFiles.for_agency(self.tls, agency_id))
        return self.clients[agency_id]


_counter = iter(range(10**9))


def make_record(agency_id: str, *, record_id: str | None = None, version: int = 1, tlp: int = records_pb2.TLP_GREEN,
                share_with: tuple[str, ...] = ()) -> records_pb2.CaseRecord:
    issued = Timestamp()
    issued.GetCurrentTime()
    record = records_pb2.CaseRecord(
        record_id=record_id or f"rec-{next(_counter)}-{time.monotonic_ns()}",
        agency_id=agency_id,
        case_reference="CASE-2026-001",
        version=version,
        issued_at=issued,
        tlp=tlp,
        share_with=list(share_with),
        summary="Unregistered operator soliciting residents",
    )
    op = record.entities.add(ref="op", type=records_pb2.ENTITY_TYPE_ORGANIZATION, name="Example Coin Exchange Ltd")
    op.roles.append(records_pb2.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    # Distinct identifiers per record, so tests do not pile onto one hub node.
    op.identifiers.add(kind="domain", value=f"coin-{secrets.token_hex(4)}.example")
    wallet = record.entities.add(ref="w1", type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="ETH", value="0x" + secrets.token_hex(20))
    record.links.add(source="op", target="w1", type=records_pb2.LINK_TYPE_CONTROLS, evidence="inspection 2026-10")
    return record


@pytest.fixture(scope="session")
async def env(tmp_path_factory) -> Env:
    data = tmp_path_factory.mktemp("gateway")
    async with gateway_env(config.load(data_dir=data, listen="127.0.0.1:0", origin="test.regulink/log")) as running:
        yield running


@contextlib.asynccontextmanager
async def gateway_env(settings: config.Settings) -> AsyncIterator[Env]:
    """A gateway in this process with the four AGENCIES registered, each with a key and a client certificate."""
    gateway = Gateway(settings)
    for agency_id, (name, kind, jurisdiction) in AGENCIES.items():
        gateway.registry.add_agency(agency_id, name, kind, jurisdiction)
    port = await gateway.start()
    environment = Env(gateway, f"localhost:{port}", settings.tls)
    for agency_id in AGENCIES:
        devca.issue_client(settings.tls, agency_id)
        key = keys.generate()
        gateway.registry.add_key(agency_id, keys.raw_public_key(key))
        environment.signing[agency_id] = key
    try:
        yield environment
    finally:  # also when the test failed: the next one must find no gateway left running
        for client in environment.clients.values():
            await client.close()
        await gateway.stop(1)


def signed(env: Env, record: records_pb2.CaseRecord, *signers: str):
    return sign_record(record, [env.signing[s] for s in (signers or (record.agency_id,))])


async def projected(env: Env, timeout: float = 30) -> None:
    """Wait until the graph has caught up with the ledger."""
    import asyncio

    deadline = time.monotonic() + timeout
    while env.gateway.projection is None or env.gateway.projection.lag > 0:
        assert time.monotonic() < deadline, "the projection did not catch up"
        env.gateway.projection and env.gateway.projection.wake()
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def chromium():
    """Headless Chromium for the console's browser tests, one per module (tests/e2e/consolekit.py)."""
    from tests.e2e.consolekit import browser  # Playwright only where a browser is asked for

    async with browser() as launched:
        yield launched
