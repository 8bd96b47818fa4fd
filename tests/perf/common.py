"""Shared pieces of the benchmarks: a gateway process on a throwaway data dir, timing helpers."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway import keys
from gateway.ops import devca
from gateway.sdk.client import AsyncClient
from gateway.server.registry import Registry
from regulink.v1 import exchange_pb2


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float = 0.0
    goal: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


def raw_verify_rate(seconds: float = 2.0) -> float:
    """Single-core Ed25519 verifications per second (cryptography), 1 KiB messages."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"x" * 1024
    signature = key.sign(message)
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            public.verify(signature, message)
        count += 200
    return count / elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def prepare_gateway(data: Path, agencies: list[str]) -> dict[str, Ed25519PrivateKey]:
    registry = Registry(data / "registry.db")
    devca.ensure_ca(data / "tls")
    signing = {}
    for agency_id in agencies:
        registry.add_agency(agency_id, agency_id, "regulator", "JP")
        key = keys.generate()
        registry.add_key(agency_id, keys.raw_public_key(key))
        devca.issue_client(data / "tls", agency_id)
        signing[agency_id] = key
    registry.close()
    return signing


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


async def stream_all(clients: dict[str, AsyncClient], envelopes: dict[str, list]) -> int:
    """Every agency streams its envelopes (SubmitStream, 200 a message) at the same time; every
    outcome must be a receipt. The highest log index acknowledged."""
    last_index = -1

    async def stream(agency: str) -> None:
        nonlocal last_index
        async for outcome in clients[agency].submit_stream(envelopes[agency], per_message=200):
            assert isinstance(outcome, exchange_pb2.Receipt), outcome
            last_index = max(last_index, outcome.log_index)

    await asyncio.gather(*(stream(agency) for agency in envelopes))
    return last_index
