"""Per-agency limits: the token bucket and the stream cap."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.errors import RateLimited, TooManyStreams
from gateway.server.limits import AgencyLimits


def test_a_burst_then_the_rate():
    limits = AgencyLimits(rate=100, burst=50, max_streams=0)
    limits.take("fsa-jp", 50)
    with pytest.raises(RateLimited, match="retry in"):
        limits.take("fsa-jp", 5)
    limits.take("mas-sg", 50)  # another agency has its own bucket
    time.sleep(0.06)
    limits.take("fsa-jp", 5)  # ~6 tokens refilled


def test_no_rate_means_no_limit():
    unlimited, limited = AgencyLimits(rate=0, burst=1, max_streams=0), AgencyLimits(rate=1, burst=1, max_streams=0)
    taken = 0
    for _ in range(10_000):
        unlimited.take("fsa-jp")
        taken += 1
    assert taken == 10_000
    limited.take("fsa-jp")
    with pytest.raises(RateLimited):  # the same burst with a rate set is refused at once
        limited.take("fsa-jp")


async def test_streams_wait_for_the_bucket_and_respect_the_deadline():
    limits = AgencyLimits(rate=200, burst=100, max_streams=0)
    await limits.wait("fsa-jp", 100)
    began = time.monotonic()
    await limits.wait("fsa-jp", 40)  # 40 tokens at 200/s: about 0.2 s
    assert 0.15 < time.monotonic() - began < 0.6
    with pytest.raises(RateLimited, match="deadline"):
        await limits.wait("fsa-jp", 100, deadline=time.monotonic() + 0.05)


async def test_the_stream_cap_is_per_agency_and_released():
    limits = AgencyLimits(rate=0, burst=1, max_streams=2)
    with limits.stream("fsa-jp"), limits.stream("fsa-jp"):
        with pytest.raises(TooManyStreams):
            with limits.stream("fsa-jp"):
                pass
        with limits.stream("mas-sg"):
            pass
    with limits.stream("fsa-jp"):
        await asyncio.sleep(0)
