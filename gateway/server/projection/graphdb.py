"""The graph database, watched: a dead embedded child is started again, a hung one is found, and the
gateway tells the truth about both meanwhile.

Before (issue 13), an embedded ArcadeDB that died stayed dead: queries answered INTERNAL, GetGraphStatus
said "available" and `regulink_graph_up` stayed 1. Now:

* **A child that exits** (a crash, the OOM killer, `kill -9`) is seen at once (its exit status) and
  started again with back-off (RESTART_DELAYS), on the same loopback ports when it can have them, so
  every driver and the projector reconnect to the same endpoint.
* **A database that stops answering** (a stopped or stuck JVM; a Neo4j behind a dead link) is found by a
  probe, `RETURN 1` every PROBE_SECONDS under a deadline of PROBE_TIMEOUT: down after DOWN_AFTER probes
  in a row fail. An embedded child that has not answered for HUNG_KILL_AFTER seconds is killed, and so
  restarted. Each investigator's read has its own deadline too (graph.store.GraphStore.query_timeout).
* **Meanwhile** queries answer UNAVAILABLE at once (the gateway hides its store while it is down),
  GetGraphStatus says `available: false`, the health services `regulink.graph.Store` and
  `regulink.graph.Freshness` say NOT_SERVING, `regulink_graph_up` is 0. Records are still accepted into
  the ledger; the projector resumes from the graph's watermark when the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import neo4j.exceptions

from gateway.errors import Unavailable
from graph.embedded import BoltEndpoint, EmbeddedArcadeDB
from graph.store import GraphStore, GraphTimeout

log = logging.getLogger("regulink.graph")

PROBE_SECONDS = 2.0
PROBE_TIMEOUT = 3.0
DOWN_AFTER = 2  # probes in a row that fail before the graph is reported down
HUNG_KILL_AFTER = 120.0  # seconds an embedded child may not answer before it is killed and restarted
RESTART_DELAYS = (0.5, 1, 2, 5, 10, 30)  # seconds before each attempt to start a dead child, in turn
RAN_WELL = 60.0  # a child that lived this long before dying starts its back-off afresh


def as_unavailable(error: BaseException) -> BaseException:
    """A graph database that is down or does not answer, as UNAVAILABLE (never INTERNAL); others unchanged."""
    if isinstance(error, GraphTimeout):
        return Unavailable("the graph database did not answer in time; try again shortly "
                           "(records are still accepted into the ledger)", reason="GRAPH_TIMEOUT")
    if isinstance(error, (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired)):
        return Unavailable("the graph database is not reachable; try again shortly "
                           "(records are still accepted into the ledger)", reason="GRAPH_UNAVAILABLE")
    return error


class GraphWatch:
    """Follows one graph database (an embedded child, or an external store when `database` is None).

    `on_change` is awaited whenever `up` changes; `on_restarted(endpoint)` after a child was started
    again, before it is reported up (the gateway gives itself a fresh store there: `set_store`).
    """

    def __init__(self, store: GraphStore, database: EmbeddedArcadeDB | None, *,
                 on_change: Callable[[], Awaitable[None]],
                 on_restarted: Callable[[BoltEndpoint], Awaitable[None]]) -> None:
        self.store = store
        self.database = database
        self.on_change = on_change
        self.on_restarted = on_restarted
        self.up = True
        self.reason: str | None = None  # why it is down, in words any agency may read
        self.down_since: float | None = None  # wall time
        self.restarts = 0  # times the embedded child was started again
        self.probe_failures = 0  # probes that failed or timed out, ever
        self._failed_in_row = 0
        self._silent_since: float | None = None  # monotonic time of the first failed probe in a row
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="graph-watch")

    async def stop(self) -> None:
        """Stop watching (before the gateway stops the child, or it would be restarted)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def set_store(self, store: GraphStore) -> None:
        self.store = store

    # -- the loop ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        started = time.monotonic()
        attempt = 0
        while True:
            database = self.database
            try:
                if database is not None and not database.running:
                    if time.monotonic() - started > RAN_WELL:
                        attempt = 0
                    await self._restart(database, attempt)
                    attempt += 1
                    started = time.monotonic()
                    continue
                await self._probe()
            except Exception:  # noqa: BLE001 - the watch must outlive its own mistakes
                log.exception("the graph watch failed; going on")
            if database is None:
                await asyncio.sleep(PROBE_SECONDS)
                continue
            if not database.running:
                continue  # restart it now
            exited = asyncio.ensure_future(database.wait_exit())
            try:  # the next probe, or at once when the child exits
                await asyncio.wait({exited}, timeout=PROBE_SECONDS)
            finally:
                if not exited.done():
                    exited.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await exited

    async def _probe(self) -> None:
        try:
            await asyncio.wait_for(self.store.read("RETURN 1 AS ok"), PROBE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure to answer is the database's
            self.probe_failures += 1
            self._failed_in_row += 1
            if self._silent_since is None:
                self._silent_since = time.monotonic()
            silent = time.monotonic() - self._silent_since
            hung = isinstance(exc, (TimeoutError, GraphTimeout))
            if self._failed_in_row >= DOWN_AFTER:
                await self._down(f"the graph database has not answered for {silent:.0f}s" if hung
                                 else "the graph database is not reachable", detail=f"{type(exc).__name__}: {exc}")
            if (hung and self.database is not None and self.database.running and silent >= HUNG_KILL_AFTER):
                log.error("the embedded graph database (pid %s) has not answered for %.0fs: killing it to restart it",
                          self.database.pid, silent)
                self.database.kill()
            return
        self._failed_in_row = 0
        self._silent_since = None
        await self._up()

    async def _restart(self, database: EmbeddedArcadeDB, attempt: int) -> None:
        """Start a child that exited, with back-off, until it runs; then hand its endpoint over."""
        code = database.returncode
        await self._down(f"the graph database process exited (status {code}); restarting it",
                         detail=f"ArcadeDB exited with status {code}; its log: {database.log_path}")
        while True:
            delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
            await asyncio.sleep(delay)
            try:
                endpoint = await database.start()
                break
            except Exception as exc:  # noqa: BLE001 - say why and try again: nothing else will
                attempt += 1
                log.error("the embedded graph database did not start again: %s", exc)
        self.restarts += 1
        log.warning("the embedded graph database runs again (pid %s, restart %d)", database.pid, self.restarts)
        await self.on_restarted(endpoint)
        self._failed_in_row = 0
        self._silent_since = None

    async def _down(self, reason: str, *, detail: str) -> None:
        self.reason = reason
        if not self.up:
            return
        self.up = False
        self.down_since = time.time()
        log.error("graph down: %s (%s); queries answer UNAVAILABLE, records are still accepted", reason, detail)
        await self.on_change()

    async def _up(self) -> None:
        if self.up:
            return
        self.up, self.reason, self.down_since = True, None, None
        log.warning("graph up again: the graph database answers")
        await self.on_change()
