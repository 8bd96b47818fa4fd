"""Per-agency limits: a record rate (token bucket) and a cap on open streams.

One partner's runaway import must not starve the others: each agency gets
`rate` records per second on average with bursts up to `burst`, and at most
`max_streams` open SubmitStream/Subscribe calls. A unary Submit over its
rate is refused with RESOURCE_EXHAUSTED and the time to wait; a stream over
its rate is slowed instead (the gateway stops reading it, so gRPC flow
control pushes back on the sender) for at most its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.errors import RateLimited, TooManyStreams


@dataclass
class _Bucket:
    tokens: float
    updated: float = field(default_factory=time.monotonic)


class AgencyLimits:
    def __init__(self, rate: float, burst: int, max_streams: int) -> None:
        """`rate` 0 means no rate limit, `max_streams` 0 no stream cap."""
        self.rate, self.burst, self.max_streams = rate, max(burst, 1), max_streams
        self._buckets: dict[str, _Bucket] = {}
        self._streams: dict[str, int] = {}

    def _refill(self, agency: str) -> _Bucket:
        bucket = self._buckets.setdefault(agency, _Bucket(float(self.burst)))
        now = time.monotonic()
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def take(self, agency: str, count: int = 1) -> None:
        """Spend `count` records of the agency's rate now, or raise RateLimited with the wait."""
        if not self.rate:
            return
        bucket = self._refill(agency)
        if bucket.tokens < count:
            wait = (count - bucket.tokens) / self.rate
            raise RateLimited(f"{agency} is over its rate of {self.rate:g} records/s; retry in {wait:.1f} s",
                              field="envelope")
        bucket.tokens -= count

    async def wait(self, agency: str, count: int, deadline: float | None = None) -> None:
        """Spend `count` records, waiting for the bucket to refill (not past `deadline`, monotonic)."""
        if not self.rate:
            return
        count = min(count, self.burst)  # a message bigger than the burst waits for a full bucket only
        while True:
            bucket = self._refill(agency)
            if bucket.tokens >= count:
                bucket.tokens -= count
                return
            wait = (count - bucket.tokens) / self.rate
            if deadline is not None and time.monotonic() + wait > deadline:
                raise RateLimited(f"{agency} is over its rate of {self.rate:g} records/s and the call's deadline "
                                  "comes first", field="envelopes")
            await asyncio.sleep(wait)

    @contextlib.contextmanager
    def stream(self, agency: str) -> Iterator[None]:
        """Hold one of the agency's stream slots for the duration of a call."""
        open_now = self._streams.get(agency, 0)
        if self.max_streams and open_now >= self.max_streams:
            raise TooManyStreams(f"{agency} already has {open_now} open streams (the limit is {self.max_streams}); "
                                 "close one or send more envelopes per message")
        self._streams[agency] = open_now + 1
        try:
            yield
        finally:
            self._streams[agency] -= 1
