"""The graph made again from the ledger, and the checks that say when it must be.

The ledger is the source of truth; the graph is derived from it. Two things
can leave a graph that looks current and is not (issue 13):

* **An interrupted rebuild.** `regulink graph rebuild` empties the graph and
  writes it again; killed in between, it left a partial graph whose watermark
  said "complete" (2,188 of 20,000 records missing, lag 0). Every rebuild now
  marks the graph incomplete *in the graph itself* before it removes anything
  (a :Rebuild node, graph.store.begin_rebuild; clear() leaves it) and removes
  the mark only once the graph is whole and its watermark written. The mark is
  as durable as the graph it describes, and the same on ArcadeDB and Neo4j.
* **A graph ahead of its ledger.** An older copy of the ledger restored under
  a projected graph, or a ledger cut short: the graph's watermark lies past the
  ledger's end, or the ledger's entry at the watermark is not the one the graph
  was projected from (the watermark keeps that entry's leaf hash). Records at
  reused positions would never reach the graph, removed ones would stay visible.

The projector checks both whenever it (re)reads its watermark: at start and
after every failure (`why_not_continue`). Either finding **empties the graph
and projects the ledger again from entry 0, by itself**, with a WARNING that
says why: the graph is derived data, so redoing it loses nothing, and refusing
to start would only keep investigators from a graph that is merely late.
The replay runs at the projector's incremental rate; on a large ledger
`regulink graph rebuild` (gateway stopped) is faster.

A rebuild that is alive keeps its mark fresh (a heartbeat every
HEARTBEAT_SECONDS, on the database's clock). A projector sharing an external
database with a running rebuild waits for it; a mark older than STALE_SECONDS
was left by a rebuild that died. The embedded database belongs to one gateway,
whose projector therefore takes any mark it finds at start as a dead rebuild's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import neo4j

from gateway.ledger.store import LedgerStore
from graph import queries
from graph.projector import Projector
from graph.store import GraphStore, ProjectionState, WriteBatch

log = logging.getLogger("regulink.projection")

HEARTBEAT_SECONDS = 10
STALE_SECONDS = 60  # a rebuild's mark not refreshed for this long was left by a rebuild that died
FOLD_BATCH = 5000  # ledger entries read and folded at a time


class RebuildRunning(Exception):
    """Another process is rebuilding this graph now (its mark is fresh): wait for it, do not write."""


def owner_name(what: str) -> str:
    """Who holds a rebuild's mark, for the operator who finds it (host and pid)."""
    return f"{what} on {socket.gethostname()} pid {os.getpid()}"


def why_not_continue(state: ProjectionState, ledger: LedgerStore, *, exclusive: bool) -> str | None:
    """Why the graph cannot be continued from its watermark (words for the operator's log), or None.

    `exclusive`: no other process can be writing this graph (the embedded database, owned by one
    gateway), so a rebuild's mark can only be a dead rebuild's. Raises RebuildRunning otherwise
    while the mark's owner keeps it fresh.
    """
    if state.rebuilding:
        age = (state.rebuild_age_ms or 0) / 1000
        if not exclusive and age < STALE_SECONDS:
            raise RebuildRunning(f"the graph is being rebuilt by {state.rebuild_owner} "
                                 f"(its mark refreshed {age:.0f}s ago)")
        return (f"a graph rebuild did not finish ({state.rebuild_reason}, by {state.rebuild_owner}): "
                f"the graph is incomplete")
    if state.watermark < 0:
        # Elements with no watermark: a rebuild of an earlier version (which had no mark) was interrupted.
        return "the graph holds elements but no watermark (an interrupted rebuild)" if state.filled else None
    size = ledger.size()
    if state.watermark >= size:
        return (f"the graph was projected through ledger entry {state.watermark}, but the ledger holds "
                f"{size} entries (an older ledger restored under it, or the ledger cut short)")
    if state.leaf is not None:
        entry = ledger.entry(state.watermark)
        if entry is None or entry.leaf_hash.hex() != state.leaf:
            return (f"ledger entry {state.watermark} is not the one the graph was projected from (its leaf hash "
                    f"differs: another or an older ledger was restored under the graph)")
    return None


async def empty_for_replay(store: GraphStore, reason: str, owner: str) -> None:
    """Empty a graph that cannot be continued, so the projector replays the ledger into it from entry 0.

    Marked first: a crash while emptying leaves the mark, and the next start empties it again.
    """
    log.warning("%s. The graph is derived from the ledger: emptying it and projecting the ledger into it "
                "again from entry 0 (queries answer from a partial graph until it has caught up; on a large "
                "ledger `regulink graph rebuild`, gateway stopped, is faster)", reason)
    await store.begin_rebuild(owner, reason[:500])
    await store.clear()
    await store.end_rebuild()


class Heartbeat:
    """Keeps a rebuild's mark fresh from a thread of its own (the fold runs without awaiting for minutes)."""

    def __init__(self, store: GraphStore, owner: str, every: float = HEARTBEAT_SECONDS) -> None:
        self.endpoint, self.owner, self.every = store.endpoint, owner, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rebuild-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        endpoint = self.endpoint
        with neo4j.GraphDatabase.driver(endpoint.uri, auth=(endpoint.user, endpoint.password)) as driver:
            while not self._stop.wait(self.every):
                try:
                    driver.execute_query(queries.REBUILD_HEARTBEAT, {"owner": self.owner},
                                         database_=endpoint.database)
                except Exception as exc:  # the rebuild itself will fail and say why
                    log.debug("rebuild heartbeat failed: %s", exc)


@dataclass
class Rebuilt:
    entries: int
    set_aside: list[dict]
    seconds: float


async def rebuild(store: GraphStore, ledger: LedgerStore, *, exclusive: bool,
                  say: Callable[[str], None] = lambda text: None,
                  progress: Callable[[int, int], None] = lambda done, total: None) -> Rebuilt:
    """Empty the graph and replay the whole ledger into it by the bulk path (`regulink graph rebuild`).

    The graph is marked incomplete from before it is emptied until its watermark (with the leaf hash
    of its entry) and the entries left out are written. Raises RebuildRunning when another live
    rebuild holds the mark (never with `exclusive`).
    """
    from gateway.server.projection.worker import ledger_items  # here: the projector process imports this module

    await store.setup()
    state = await store.projection_state()
    if state.rebuilding:
        why_not_continue(state, ledger, exclusive=exclusive)  # raises while its owner is alive
        say(f"an earlier rebuild did not finish ({state.rebuild_owner}); starting again")
    owner = owner_name("regulink graph rebuild")
    set_aside: list[dict] = []
    began = time.perf_counter()
    await store.begin_rebuild(owner, "regulink graph rebuild")
    with Heartbeat(store, owner):
        say("emptying the graph")
        await store.clear()
        total = ledger.size()

        def batches():
            for start in range(0, total, FOLD_BATCH):
                yield ledger_items(ledger.entries(start, FOLD_BATCH), set_aside)

        def advance(done: int) -> None:
            progress(done, total)
            if done >= total:
                say("writing the graph")

        last = await Projector(store).rebuild(batches(), advance)
        if last >= 0:
            entry = ledger.entry(last)
            await store.set_watermark(last, entry.leaf_hash if entry is not None else None)
        if set_aside:  # records over the record limits, left out as live projection leaves them out
            await store.write(WriteBatch(set_aside=set_aside))
        await store.end_rebuild()
    return Rebuilt(total, set_aside, time.perf_counter() - began)
