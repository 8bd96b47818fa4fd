"""Feeds the ledger to the graph projector: after every append, and on start to catch up.

The ledger is the source of truth; the graph follows it. When the graph
store is down, ingestion goes on (records are acknowledged into the ledger)
and the projection retries with back-off, then catches up from its
watermark. `lag` says how far behind it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from gateway.admission import parse_record
from gateway.errors import RegulinkError
from gateway.ledger.store import LedgerStore
from graph.projector import LedgerItem, Projector
from graph.store import GraphStore
from regulink.v1 import envelope_pb2

log = logging.getLogger("regulink.projection")
BATCH = 1000


def ledger_items(entries) -> list[LedgerItem]:
    items = []
    for entry in entries:
        if entry.envelope is None:
            continue  # purged by lawful erasure: nothing left to project
        try:
            record = parse_record(envelope_pb2.Envelope.FromString(entry.envelope).payload)
        except (RegulinkError, ValueError):
            log.error("ledger entry %d does not parse; skipped", entry.log_index)
            continue
        items.append(LedgerItem(entry.log_index, entry.accepted_ms, record))
    return items


class Projection:
    def __init__(self, ledger_path: Path, store: GraphStore, ledger_size: Callable[[], int]) -> None:
        self.store = store
        self.projector = Projector(store)
        self._ledger = LedgerStore(ledger_path)  # its own connection: reads beside the sequencer's writes
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.watermark = -1
        self.ledger_size = ledger_size
        self.last_error: str | None = None

    @property
    def lag(self) -> int:
        """Ledger entries not yet in the graph."""
        return max(0, self.ledger_size() - 1 - self.watermark)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="projection")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._ledger.close()

    async def catch_up(self) -> int:
        """Project everything in the ledger now; returns the watermark."""
        self.watermark = await self.store.watermark()
        while True:
            entries = await asyncio.to_thread(self._ledger.entries, self.watermark + 1, BATCH)
            if not entries:
                return self.watermark
            items = ledger_items(entries)
            if items:
                self.watermark = await self.projector.apply(items)
            if self.watermark < entries[-1].log_index:
                # A batch of purged/unparsable entries only: move the watermark past them.
                self.watermark = entries[-1].log_index
                await self.store.set_watermark(self.watermark)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.catch_up()
                self.last_error = None
                delay = 0.5
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=5)
                except TimeoutError:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # graph down: keep the ledger going, retry later
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("projection paused (%s); retrying in %.1fs", self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
