"""One writer for the log: batches candidates from every stream (group commit).

All ledger work, reads included, runs on one thread, because a SQLite
connection is used by one thread at a time and the log has one sequencer by
design. While a batch commits, the next one gathers, so a busy gateway
commits large batches and an idle one commits at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from gateway.errors import RegulinkError, Unavailable
from gateway.ledger.log import Candidate, Ledger
from regulink.v1 import exchange_pb2

log = logging.getLogger("regulink.sequencer")

T = TypeVar("T")
Outcome = exchange_pb2.Receipt | RegulinkError


class Sequencer:
    def __init__(self, ledger: Ledger, *, max_batch: int = 4096) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self._queue: asyncio.Queue[tuple[Candidate, asyncio.Future]] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self.on_append: list[Callable[[], None]] = []

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sequencer")

    async def stop(self) -> None:
        """Finish what was queued (receipts in flight are answered), then stop."""
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._thread.shutdown(wait=True)

    async def call(self, fn: Callable[..., T], *args) -> T:
        """Run a ledger read on the ledger thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def submit_many(self, candidates: list[Candidate]) -> list[asyncio.Future]:
        loop = asyncio.get_running_loop()
        futures = []
        for candidate in candidates:
            future = loop.create_future()
            self._queue.put_nowait((candidate, future))
            futures.append(future)
        return futures

    async def submit(self, candidate: Candidate) -> Outcome:
        (future,) = self.submit_many([candidate])
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self.call(self.ledger.append, [c for c, _ in batch])
            except RegulinkError as exc:
                outcomes = [exc] * len(batch)
            except Exception as exc:  # never leave a partner waiting forever, and say why
                log.exception("appending %d records failed; each is answered UNAVAILABLE", len(batch))
                outcomes = [Unavailable(f"the ledger failed: {type(exc).__name__}")] * len(batch)
            for (_, future), outcome in zip(batch, outcomes):
                if not future.done():
                    future.set_result(outcome)
                self._queue.task_done()
            for listener in self.on_append:
                listener()
