"""The gateway's side of the projection: a projector process it starts, wakes, follows and restarts.

The ledger is the source of truth; the graph follows it in a process of its
own (gateway.server.projection.worker), so projecting never takes the serving
loop's time. When the graph store is down, ingestion goes on (records are
acknowledged into the ledger), the projector retries with back-off and then
catches up from its watermark. `lag` says how far behind it is; `stuck`
says it has failed at the same place for `stuck_after` seconds, which is an
alarm (metrics, GetGraphStatus, the health of `FRESHNESS`), not just a
growing number.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import orjson

from graph.embedded import BoltEndpoint

log = logging.getLogger("regulink.projection")
RESTART_DELAYS = (0.5, 1, 2, 5, 10, 30)  # seconds before restarting a projector that died, in turn
# The longest report line read from the projector: its touches come TOUCHES_PER_LINE records to a line
# (gateway.server.projection.worker), a few hundred bytes each.
REPORT_LIMIT = 16 << 20


class Projection:
    def __init__(self, ledger_path: Path, endpoint: BoltEndpoint, ledger_size: Callable[[], int], *,
                 stuck_after: float = 60.0, log_level: str = "INFO", log_format: str = "text",
                 exclusive: bool = False) -> None:
        self.ledger_path = ledger_path
        self.endpoint = endpoint
        self.ledger_size = ledger_size
        self.stuck_after = stuck_after
        self.exclusive = exclusive  # the graph is this gateway's alone (embedded): gateway.server.projection.rebuild
        self._log = {"log_level": log_level, "log_format": log_format}
        self.watermark = -1
        self.last_error: str | None = None  # for the operator: may quote a record's content
        self.error_kind: str | None = None  # what any agency may be told: the class of the failure
        self.failing_since: float | None = None  # wall time since which it has not advanced
        self.restarts = 0
        self.set_aside = 0  # ledger entries the graph refused, left out of it
        self.rebuilding: str | None = None  # the graph was emptied and is projected again (words for any agency)
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task | None = None
        self._woken = False  # a wake-up is on its way and not yet answered: no need for another
        self._repointed = False  # the projector was ended on purpose, to start on a new endpoint
        self.on_advance: list[Callable[[], None]] = []  # called when the watermark moves (gateway.server.alerts.engine)
        # Called with (first, last, rows) as the projector starts on entries first..last: what each record
        # touches (graph.watchlist.Incoming, as JSON), so that the alerts' matching need not compute it
        # again. Asked of the projector while `touches` (want_touches: someone watches).
        self.on_touches: list[Callable[[int, int, list], None]] = []
        self.touches = False

    @property
    def lag(self) -> int:
        """Ledger entries not yet in the graph."""
        return max(0, self.ledger_size() - 1 - self.watermark)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def public_error(self) -> str:
        """Why it is not advancing, in words that quote no record (every agency may ask)."""
        if not self.error_kind:
            return self.rebuilding or ""
        return f"the projection cannot advance past ledger entry {self.watermark + 1} ({self.error_kind})"

    @property
    def stuck(self) -> bool:
        return self.failing_since is not None and time.time() - self.failing_since >= self.stuck_after

    def wake(self) -> None:
        """The ledger grew: tell the projector (at most one wake-up in flight)."""
        process = self._process
        if self._woken or process is None or process.stdin is None or process.stdin.is_closing():
            return
        self._woken = True
        process.stdin.write(b"\n")

    def want_touches(self, wanted: bool) -> None:
        """Whether the projector is to report what its records touch (on_touches): only while
        someone watches, since the projection pays for it (~25 µs a record)."""
        if wanted == self.touches:
            return
        self.touches = wanted
        process = self._process
        if process is not None and process.stdin is not None and not process.stdin.is_closing():
            process.stdin.write(b"touches on\n" if wanted else b"touches off\n")

    async def start(self) -> None:
        """Start the projector process (running when this returns) and follow it."""
        await self._spawn()
        self._task = asyncio.create_task(self._supervise(), name="projection")

    async def repoint(self, endpoint: BoltEndpoint) -> None:
        """The graph database moved (the embedded one restarted on other ports): the projector starts
        again with the new endpoint, at once and not counted as a failure."""
        if endpoint == self.endpoint:
            return
        self.endpoint = endpoint
        process = self._process
        if process is not None and process.returncode is None:
            self._repointed = True
            process.kill()

    async def stop(self, grace: float = 10.0) -> None:
        """Close the projector's stdin (it finishes its batch and leaves), kill it after `grace`."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        process = self._process
        if process is not None and process.returncode is None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                process.kill()
                await process.wait()

    # -- the child ---------------------------------------------------------------------------

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            began = time.monotonic()
            code = await self._follow_until_exit()
            if self._repointed:
                self._repointed = False
                await self._spawn()
                continue
            if time.monotonic() - began > 60:
                attempt = 0  # it ran well for a while: start the back-off afresh
            delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
            attempt += 1
            self.restarts += 1
            self.last_error = f"the projector process exited with code {code}; restarting in {delay:g}s"
            self.error_kind = "projector exited"
            if self.failing_since is None:
                self.failing_since = time.time()
            log.error("%s", self.last_error)
            await asyncio.sleep(delay)
            await self._spawn()

    async def _spawn(self) -> None:
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.server.projection.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=REPORT_LIMIT,
        )
        assert process.stdin is not None
        settings = {"ledger": str(self.ledger_path), "graph": asdict(self.endpoint), "parent": os.getpid(),
                    "exclusive": self.exclusive, "touches": self.touches, **self._log}
        process.stdin.write(orjson.dumps(settings) + b"\n")
        self._woken = False

    async def _follow_until_exit(self) -> int:
        process = self._process
        assert process is not None and process.stdout is not None
        try:
            async for line in process.stdout:
                self._follow(orjson.loads(line))
            return await process.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an unreadable report: the child is not ours to trust any more
            log.error("projector report unreadable (%s); restarting it", exc)
            process.kill()
            return await process.wait()

    def _follow(self, report: dict) -> None:
        if "touches" in report:
            for listener in self.on_touches:
                listener(report["first"], report["last"], report["touches"])
            return
        self._woken = False
        before = self.watermark
        if report["watermark"] >= 0 or self.watermark < 0:
            self.watermark = report["watermark"]
        if self.watermark != before:
            for listener in self.on_advance:
                listener()
        self.last_error = report["error"]
        self.error_kind = report.get("error_kind")
        self.failing_since = report["failing_since"]
        self.set_aside = report.get("set_aside", self.set_aside)
        self.rebuilding = report.get("rebuilding")
