"""Live: one Subscribe stream for the console, fanned out to every open page.

The stream starts at the log's size when the console starts (history is the
graph's business) and carries only entries this agency may see, as the
gateway filters them. For each new record the console works out which
graph nodes it touches (graph.project, the same pure function the projector
folds records with), waits until the graph holds it (so a click on the
highlighted node shows the new fact), and tells the pages: record id,
agency, marking, node keys; never names or other contents. A withdrawn
record is announced the same way. When the stream breaks, the pages are
told the gateway went away and the console subscribes again from where it
stopped, with back-off. The same pages' feed carries the alert panel's
changes (gateway.console.alerts).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time

from gateway import errors
from gateway.console.link import GatewayLink
from graph.project import contribution
from graph.visibility import tlp_name

log = logging.getLogger("regulink.console")
QUEUE = 256  # events kept for a page that reads slowly; the oldest go first
PROJECTION_WAIT = 10.0


class Following(abc.ABC):
    """A stream the console follows in the background (`_follow`, resuming after a break): started with
    the console, cancelled with it."""

    TASK = "console-follow"
    _task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name=self.TASK)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @abc.abstractmethod
    async def _follow(self) -> None:
        """Follow the stream until cancelled."""


class Feed(Following):
    TASK = "console-live"

    def __init__(self, link: GatewayLink) -> None:
        self.link = link
        self.pages: set[asyncio.Queue] = set()
        self.position: int | None = None
        link.watch(lambda up, problem: self.publish({"type": "status", "up": up, "problem": problem}))

    # -- pages ------------------------------------------------------------------------------------

    def publish(self, event: dict) -> None:
        for queue in list(self.pages):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.contextmanager
    def page(self):
        queue: asyncio.Queue = asyncio.Queue(QUEUE)
        self.pages.add(queue)
        try:
            yield queue
        finally:
            self.pages.discard(queue)

    # -- the stream ---------------------------------------------------------------------------------

    async def _follow(self) -> None:
        delay = 0.5
        while True:
            client = self.link.client()
            try:
                if self.position is None:
                    self.position = (await client.tree_head()).tree_size
                self.link.mark(True)
                async for entry in client.subscribe(self.position):
                    delay = 0.5
                    self.position = entry.log_index + (0 if entry.withdrawn else 1)
                    event = await self._event(client, entry)
                    if event is not None:
                        self.publish(event)
            except errors.RegulinkError as exc:
                self.link.mark(False, f"the live feed stopped ({exc.code})")
            except Exception as exc:  # noqa: BLE001  (the feed outlives a bad entry; its words may quote contents)
                log.warning("the live feed skipped the entry before %s (%s)", self.position, type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _event(self, client, entry) -> dict | None:
        if entry.withdrawn:
            return {"type": "withdrawn", "log_index": entry.log_index, "agency": entry.agency_id,
                    "record_id": entry.record_id}
        if not entry.HasField("record"):
            return None
        record = entry.record
        found = contribution(record, entry.log_index, entry.accepted_at.ToMilliseconds())
        keys = set(found.nodes)
        for edge in found.edges.values():
            keys.update((edge.source, edge.target))
        await self._projected(client, entry.log_index)
        return {"type": "record", "log_index": entry.log_index, "agency": entry.agency_id,
                "record_id": entry.record_id, "tlp": tlp_name(record.tlp), "keys": sorted(keys)}

    @staticmethod
    async def _projected(client, log_index: int) -> None:
        """Wait (a little) until the graph holds the entry, so the page's next question sees it."""
        deadline = time.monotonic() + PROJECTION_WAIT
        while time.monotonic() < deadline:
            if (await client.graph_status()).projected_through >= log_index:
                return
            await asyncio.sleep(0.1)
