"""The projector process: follows the ledger into the graph, beside the gateway, never inside it.

The gateway's event loop only serves; this process is the graph's one
writer. It reads the ledger (its own SQLite connection; WAL lets it read
beside the sequencer's appends) from the graph's watermark, folds and
writes batches with graph.projector, and reports after every step on
stdout, one JSON line:

    {"watermark": 4711, "error": null, "failing_since": null, "batch": 1000, "seconds": 0.21}

A failure adds "error_kind" (the exception's class): the error text itself
may quote a record's content, so it goes to the operator's log only.
"set_aside" counts the entries left out of the graph because it refused them.
"rebuilding" (words any agency may read) is set from the moment it emptied a
graph it could not continue (gateway.server.projection.rebuild: an interrupted rebuild,
a graph ahead of its ledger) until it has caught up with the ledger again.

Its stdin carries the start-up settings (one JSON line: the ledger path, the
Bolt endpoint, so no password is on a command line, the gateway's pid and
whether the graph is the gateway's alone), then an empty line whenever the
ledger grew. The end of stdin (the gateway stopped or was killed) makes it
finish the batch in hand and leave, within EXIT_GRACE seconds; a gateway
killed with SIGKILL also takes it down through gateway.ops.parent_death.
gateway.server.projection.supervisor starts it, reads its reports and restarts it if it dies.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable

import neo4j
import orjson

from gateway.errors import RegulinkError
from gateway.ledger.store import Entry, LedgerStore
from gateway.ledger.stores import open_store
from gateway.ops import parent_death
from gateway.server import logs
from gateway.server.admission.admit import parse_record
from gateway.server.admission.records import limit_problem
from gateway.server.admission.workers import BACKGROUND_NICENESS
from gateway.server.collector import BatchCollector
from gateway.server.projection import rebuild as graph_rebuild
from graph.embedded import BoltEndpoint
from graph.project import Contribution
from graph.projector import LedgerItem, Projector
from graph.store import GraphStore, WriteBatch
from graph.watchlist import Incoming
from regulink.v1 import envelope_pb2

log = logging.getLogger("regulink.projection")
BATCH = 2000  # ledger entries per graph transaction
KEEP = 100_000  # records, elements and pages held between batches (graph.projector): ~100-200 MB
IDLE_POLL = 1.0  # seconds between looks at the ledger when no wake-up came
EXIT_GRACE = 10.0  # seconds to finish the batch in hand once the gateway has gone
# What each record touches is reported in lines of TOUCHES_PER_LINE records and LINE_BYTES at most (the
# gateway reads lines of up to REPORT_LIMIT, gateway.server.projection.supervisor); a record whose own
# row is over ROW_BYTES (a record at every limit at once) ends what a batch tells: from it on, the
# alert engine reads the entries from the ledger once they are projected.
TOUCHES_PER_LINE = 500
LINE_BYTES = 1 << 20
ROW_BYTES = 8 << 20


def ledger_items(entries: Iterable[Entry], set_aside: list[dict] | None = None) -> list[LedgerItem]:
    """The records of ledger entries, to project. A record over today's record limits (admitted
    before they existed) is left out, and added to `set_aside` with the reason when the caller
    keeps them: live and in a rebuild alike, so that the two give the same graph, and in the alert
    engine, which matches what the projector did not report and so leaves out the same."""
    items = []
    for entry in entries:
        if entry.envelope is None:
            continue  # purged by lawful erasure: nothing left to project
        try:
            record = parse_record(envelope_pb2.Envelope.FromString(entry.envelope).payload)
        except (RegulinkError, ValueError):
            log.error("ledger entry %d does not parse; skipped", entry.log_index)
            continue
        if record.recipient_commitments:
            # Its recipients are committed to in the signed bytes and disclosed to the gateway beside
            # them (gateway.recipients): the ledger entry holds the checked list.
            record.share_with[:] = entry.share_with
        problem = limit_problem(record)
        if problem is not None:
            if set_aside is not None:
                set_aside.append({"log_index": entry.log_index, "reason": f"over the record limits: {problem}"})
            continue
        items.append(LedgerItem(entry.log_index, entry.accepted_ms, record))
    return items


class Follower:
    """The loop: catch up with the ledger, wait for it to grow, again; failures retried and reported.

    The projector holds what it touched between batches (graph.projector `keep`), so a
    hub or a recent record is read from the graph once, not at every batch; a failed
    write drops what it holds and the loop resumes from the graph's own watermark.
    (Folding the next batch while the last was written gained nothing on two cores,
    where the fold and the database share them: docs/benchmarks.md.)
    """

    def __init__(self, ledger: LedgerStore, store: GraphStore, report, *, exclusive: bool = False,
                 collector: BatchCollector | None = None, touches: bool = False) -> None:
        self.ledger = ledger
        # Tell the gateway what each record touches as a batch starts (gateway.server.alerts.engine
        # matches it to watches while the batch is folded and written, instead of computing it again).
        self.touches = touches
        self.collector = collector  # the projector process's (main); a test's process keeps its own
        self.store = store
        # The graph is this gateway's alone (embedded): see gateway.server.projection.rebuild.
        self.exclusive = exclusive
        self.owner = graph_rebuild.owner_name("the gateway's projector")
        self.rebuilding: str | None = None  # why the graph was emptied, until it has caught up again
        self.projector = Projector(store, keep=KEEP)
        self.report = report
        self.wake = asyncio.Event()
        self.stopping = False
        self.watermark = -1
        self.resync = True  # read the watermark from the graph before the next step
        self.span = BATCH  # entries per step: halved around an entry the graph refuses
        self.set_aside = 0  # entries left out of the graph, ever
        self.error: str | None = None
        self.failing_since: float | None = None  # wall time of the first failure at this watermark

    async def run(self) -> None:
        delay = 0.5
        while not self.stopping:
            self.wake.clear()  # before looking: a wake-up during the step is not lost
            try:
                if self.resync:
                    await self._check_graph()
                    self.set_aside = await self.store.set_aside_count()
                    self.resync = False
                    self.report(watermark=self.watermark, error=self.error, failing_since=self.failing_since,
                                error_kind=self.error and self.error.partition(":")[0], set_aside=self.set_aside,
                                rebuilding=self.rebuilding)
                advanced = await self.step()
                if advanced and self.collector is not None:
                    self.collector.between_batches()
            except Exception as exc:  # graph down, a statement refused: keep trying, say so
                self._failed(exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, 30)
                continue
            delay = 0.5
            if not advanced:
                if self.rebuilding:
                    log.warning("the graph has caught up with the ledger again (through entry %d)", self.watermark)
                    self.rebuilding = None
                    self.report(watermark=self.watermark, error=None, failing_since=None, set_aside=self.set_aside)
                await self._sleep(IDLE_POLL)

    async def _check_graph(self) -> None:
        """Read the watermark, after making sure the graph can be continued from it: a graph left
        incomplete by a rebuild, or ahead of the ledger, is emptied and projected again from entry 0."""
        state = await self.store.projection_state()
        reason = await asyncio.to_thread(graph_rebuild.why_not_continue, state, self.ledger, exclusive=self.exclusive)
        if reason is not None:
            self.projector.forget()
            await graph_rebuild.empty_for_replay(self.store, reason, self.owner)
            self.rebuilding = ("the graph is being projected again from the ledger's first entry "
                               "(it was incomplete or ahead of the ledger)")
            state = await self.store.projection_state()
        self.watermark = state.watermark

    def _failed(self, exc: Exception, delay: float) -> None:
        self.projector.forget()
        self.resync = True
        if self.failing_since is None:
            self.failing_since = time.time()
        self.error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("projection cannot advance past %d (%s); retrying in %.1fs", self.watermark, self.error, delay)
        self.report(watermark=self.watermark, error=self.error, error_kind=type(exc).__name__,
                    failing_since=self.failing_since, rebuilding=self.rebuilding)

    async def step(self) -> bool:
        """Project the next batch of ledger entries; False when there was none.

        A batch the graph refuses for what is in it (not for being unreachable) is halved
        until the one entry it cannot take is found; that entry is set aside (an
        `Unprojectable` node with the reason, the count in every report) and the
        projection goes on: one record never stops the graph for every agency.
        """
        began = time.perf_counter()
        entries = await asyncio.to_thread(self.ledger.entries, self.watermark + 1, self.span)
        if not entries:
            return False
        if await self.store.watermark() != self.watermark:
            # Someone else wrote the graph (`regulink graph rebuild` against a shared Neo4j): what
            # the projector holds may be stale, so it starts again from the graph as it is.
            log.warning("the graph's watermark moved under the projector; resuming from it")
            self.projector.forget()
            self.resync = True
            return True
        try:
            await self._project(entries)
        except Exception as exc:
            if _unreachable(exc):
                raise
            self.projector.forget()  # it holds the refused batch's changes
            if len(entries) > 1:
                self.span = max(1, len(entries) // 2)
                log.warning("the graph refused ledger entries %d-%d (%s: %s); trying %d at a time",
                            entries[0].log_index, entries[-1].log_index, type(exc).__name__, str(exc)[:300],
                            self.span)
                return True
            await self._set_aside(entries[0], f"{type(exc).__name__}: {exc}"[:2000])
        self.span = min(BATCH, self.span * 2)
        self.report(watermark=self.watermark, error=None, failing_since=None, batch=len(entries),
                    seconds=round(time.perf_counter() - began, 4), set_aside=self.set_aside,
                    rebuilding=self.rebuilding)
        return True

    async def _project(self, entries: list[Entry]) -> None:
        aside: list[dict] = []
        began = time.perf_counter()
        first, last = entries[0].log_index, entries[-1].log_index
        planned = (lambda plans: self._tell(first, last, plans)) if self.touches else None
        batch = await self.projector.prepare(ledger_items(entries, aside), self.watermark, planned)
        if batch is None and self.touches:
            self._tell(first, last, [])  # nothing to project among them: nothing to match either
        prepared = time.perf_counter()
        folded = batch is not None
        if batch is None:  # purged, unparsable or set-aside entries only: the watermark moves past them
            batch = WriteBatch()
        batch.set_aside = aside
        batch.watermark, batch.watermark_leaf = entries[-1].log_index, entries[-1].leaf_hash
        await self.store.write(batch)
        if folded:
            self.projector.written()
        log.debug("projected ledger entries %d-%d: folded in %.0f ms, written in %.0f ms", entries[0].log_index,
                  batch.watermark, (prepared - began) * 1000, (time.perf_counter() - prepared) * 1000)
        self.watermark = batch.watermark
        self.set_aside += len(aside)
        for row in aside:
            log.error("ledger entry %d is left out of the graph: %s", row["log_index"], row["reason"])
        self.error = self.failing_since = None

    def _tell(self, first: int, last: int, plans: list[tuple[LedgerItem, Contribution | None]]) -> None:
        """Report what the records of entries first..last touch, in lines; each line covers a run of
        entries, the last one through `last` (entries with no record in between, purged or left out,
        have no row)."""
        line: list[list] = []
        size, start = 0, first
        for item, contributed in plans:
            row = Incoming.of(item, contributed).to_json()
            length = len(orjson.dumps(row))
            if length > ROW_BYTES:  # told up to the entry before it; the rest is not told
                if item.log_index > start:
                    self.report(first=start, last=item.log_index - 1, touches=line)
                return
            if line and (len(line) == TOUCHES_PER_LINE or size + length > LINE_BYTES):
                self.report(first=start, last=line[-1][0], touches=line)
                line, size, start = [], 0, line[-1][0] + 1
            line.append(row)
            size += length
        self.report(first=start, last=last, touches=line)

    async def _set_aside(self, entry: Entry, reason: str) -> None:
        """Leave one entry out of the graph, durably and with its reason (for the operator only:
        the database's words may quote the record)."""
        log_index = entry.log_index
        await self.store.write(WriteBatch(set_aside=[{"log_index": log_index, "reason": reason}],
                                          watermark=log_index, watermark_leaf=entry.leaf_hash))
        self.watermark = log_index
        self.set_aside += 1
        self.error = self.failing_since = None
        log.error("ledger entry %d cannot be projected and is left out of the graph: %s", log_index, reason)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.wake.wait(), seconds)
        except TimeoutError:
            pass


def _unreachable(exc: BaseException) -> bool:
    """The graph could not be asked (down, restarting, a lost connection), as against refusing a batch."""
    return isinstance(exc, (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                            neo4j.exceptions.TransientError, OSError, asyncio.TimeoutError))


def _report(**fields) -> None:
    try:
        sys.stdout.buffer.write(orjson.dumps(fields) + b"\n")
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # the gateway is gone: nobody to report to, nothing to finish for
        os._exit(0)


def _listen(loop: asyncio.AbstractEventLoop, follower: Follower, stdin) -> None:
    """Wake-ups from the gateway, and whether to tell what the records touch (`touches on`, `touches
    off`: someone watches, or no longer); the end of stdin (it stopped or died) stops the follower,
    and the process if the batch in hand takes longer than EXIT_GRACE."""
    for line in stdin:
        if line.startswith(b"touches "):
            loop.call_soon_threadsafe(setattr, follower, "touches", line.strip() == b"touches on")
        else:
            loop.call_soon_threadsafe(follower.wake.set)

    def stop() -> None:
        follower.stopping = True
        follower.wake.set()

    loop.call_soon_threadsafe(stop)
    time.sleep(EXIT_GRACE)
    os._exit(0)


async def main() -> None:
    stdin = sys.stdin.buffer
    settings = orjson.loads(stdin.readline() or b"null")
    if not settings:
        return
    if "parent" in settings:
        parent_death.die_with(settings["parent"])
    logs.configure(settings.get("log_level", "INFO"), settings.get("log_format", "text"))
    os.nice(BACKGROUND_NICENESS)  # behind the serving loop and the database when the cores are busy
    endpoint = BoltEndpoint(**settings["graph"])
    ledger = open_store(settings["ledger"])  # the SQLite file, or a PostgreSQL reader (a standby is fine)
    store = None
    follower = None
    try:
        delay = 0.5
        while store is None:
            try:
                store = await GraphStore.connect(endpoint)
            except Exception as exc:
                _report(watermark=-1, error=f"graph store not reachable: {exc}", error_kind="unreachable",
                        failing_since=time.time())
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
        follower = Follower(ledger, store, _report, exclusive=settings.get("exclusive", False),
                            collector=BatchCollector(), touches=settings.get("touches", False))
        threading.Thread(target=_listen, args=(asyncio.get_running_loop(), follower, stdin), daemon=True).start()
        await follower.run()
    finally:
        if store is not None:
            await store.close()
        ledger.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    os._exit(0)  # nothing left to flush; do not wait for the stdin thread
