"""Per-agency limits on a real gateway: a rate that refuses unary calls and slows streams,
and a cap on open streams; a refused call leaves nothing in the log."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway import errors
from gateway.sdk.client import sign_record
from gateway.server import config
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import gateway_env, make_record

RATE, BURST = 40, 20


@pytest.fixture
async def limited(tmp_path):
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="limits.test/log", graph="none",
                           agency_rate=RATE, agency_burst=BURST, agency_max_streams=1)
    async with gateway_env(settings) as env:
        yield env.gateway, env.client("fsa-jp"), env.signing["fsa-jp"]


async def test_unary_calls_over_the_rate_are_refused_and_leave_no_trace(limited):
    gateway, client, key = limited
    began, accepted = time.monotonic(), 0
    with pytest.raises(errors.RateLimited) as refused:
        for _ in range(10 * BURST):
            await client.submit(sign_record(make_record("fsa-jp"), [key]))
            accepted += 1
    assert refused.value.code == "RESOURCE_EXHAUSTED" and "retry in" in str(refused.value)
    assert BURST <= accepted <= BURST + RATE * (time.monotonic() - began) + 1
    assert gateway.ledger.size == accepted


async def test_a_stream_over_the_rate_is_slowed_not_refused(limited):
    _, client, key = limited
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(BURST + 2 * RATE)]
    began = time.monotonic()
    outcomes = [o async for o in client.submit_stream(envelopes, per_message=10)]
    assert all(isinstance(o, exchange_pb2.Receipt) for o in outcomes)
    assert time.monotonic() - began >= 1.5  # 80 records past the burst at 40/s


async def test_one_open_stream_per_agency(limited):
    _, client, _ = limited
    first = client.subscribe(0)
    waiting = asyncio.ensure_future(anext(first))  # stays open: the log is empty
    await asyncio.sleep(0.3)
    with pytest.raises(errors.TooManyStreams):
        async for _ in client.subscribe(0, stop_at_end=True):
            pass
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await first.aclose()
