"""Alerts: every watch evaluated as records reach the graph, off the serving loop's time.

Two stages, both tasks of the gateway's loop that hand their work to a
worker thread or to the graph database:

1. *Matching*, before the records reach the graph: as the projector starts
   on a batch it reports what each record touches (graph.watchlist.Incoming:
   its node keys, readers, names normalized; it computes them for the graph
   anyway), and in a worker thread, while the projector folds and writes,
   that is looked up in the watch index (graph.watchlist: watched keys, name
   blocks, the agencies with cross-agency watches; never a scan of every
   watch), keeping the hits whose watcher may see the record (the query
   rule, graph.visibility). Entries the projector did not report (it passed
   them before this engine listened) are read from the ledger and their
   contributions computed here.
2. *Settling*, once the projection's watermark has passed them (the
   projection wakes it): the neighbourhood watches whose walks the records
   touch are looked up (walks change with every batch, so only now), and the
   graph settles the candidates as each watcher sees them (graph.watchgraph):
   the record must still count (not retracted, superseded or replaced since,
   not left out of the graph), a neighbourhood walk must show an operator it
   had not shown, the watcher must itself have reported the node another
   agency reports now. The alerts, the withdrawals and the index evaluated
   through are written in one transaction (gateway.server.alerts.store); then the
   watchers' Alerts streams are woken. Whatever the projection has passed is
   settled at once, so a projector batch is one round of questions.

A retraction, a supersede or a new version of a record withdraws the alerts
it caused, whoever may see the entry that does it (as Subscribe tells those
who lose sight of a record). A record that becomes visible later (a new
version marked wider) is evaluated when that version comes, and fires then.
Records the watcher may not see cause nothing at all, not even an evaluation
of its watches: a watch on something hidden is a watch on something absent.

One file because the two stages share one lock, one watch index and the alerts not yet withdrawn;
the batches and the alerts' wording are gateway/server/alerts/batch.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.errors import Unavailable
from gateway.server.admission.workers import BACKGROUND_NICENESS
from gateway.server.alerts.batch import (
    Batch,
    Candidate,
    Live,
    Raised,
    alert_message,
    key_alert,
    name_alert,
    name_records,
    placed_key,
    walk_state,
    watch_of,
    watch_state,
)
from gateway.server.alerts.store import Cause, NewAlert, StoredWatch, WatchStore, Withdrawal
from gateway.server.projection.worker import ledger_items
from gateway.server.services.asking import investigator_for
from gateway.server.services.messages import subgraph_message
from graph import watchgraph
from graph.project import contribution
from graph.view import Subgraph
from graph.watchlist import Hit, Incoming, Rule, Watch, WatchIndex

if TYPE_CHECKING:
    from gateway.server.app import Gateway

log = logging.getLogger("regulink.alerting")
PAGE = 500  # ledger entries matched in one step (a settle waits for the one in hand at most)
AHEAD = 4000  # entries matched ahead of the projection at most
PENDING = 64  # matched batches waiting for the projection at most (AHEAD bounds their entries)
IDLE_POLL = 1.0  # seconds between looks at the ledger and the watermark when nothing woke them
# The matching thread is niced below the projector: it matches what the projector has yet to write.
# Not lower: 19 gave no clear gain, and a thread starved while partners push settles its batches
# later (docs/benchmarks.md, session 11). What the projector reports costs it little (~3 core-seconds
# over 20,000 records).
MATCHING_NICENESS = BACKGROUND_NICENESS + 5
GATHER = 0.3  # seconds between rounds of questions at least, while the projection catches up in small steps


class Alerting:
    def __init__(self, gateway: Gateway, path: Path) -> None:
        self.gateway = gateway
        self.store = WatchStore(path)
        self.index = WatchIndex()
        self._lock = threading.Lock()  # the index, next_index and the live alerts, between threads
        # A gateway's first start evaluates from now on, not over the ledger it may already hold.
        self.through = self.store.evaluated_through(default=gateway.ledger.size - 1)
        if self.through >= gateway.ledger.size:
            # A ledger restored from a copy older than the watches': what it appends from now on
            # takes those indexes again and must be evaluated.
            log.warning("alerts were evaluated through ledger entry %d, the ledger ends at %d: evaluating "
                        "from there", self.through, gateway.ledger.size - 1)
            self.through = gateway.ledger.size - 1
        self.next_index = self.through + 1  # a watch added now is evaluated from here
        for stored in self.store.watches():
            self.index.add(watch_of(stored))
        self._live: dict[tuple[str, str], list[Live]] = {}  # (record agency, record id) -> alerts it caused
        # (watching agency, alert id) -> the records it is filed under: a withdrawal touches its own
        # filings, never every live alert (a gateway may hold millions of them: a scan took 0.7 s a batch).
        self._filed: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for cause, agency, alert_id, watch, matched in self.store.causes():
            self._file(cause, Live(cause.log_index, agency, alert_id, watch, tuple(matched), cause.record_agency))
        self.last_error: str | None = None
        self._spent: list[int] = []  # the last evaluation's graph time by part, for the debug log
        self._streams: dict[str, asyncio.Event] = {}
        self._grown: asyncio.Event | None = None  # the ledger grew (or the projection advanced)
        self._projected: asyncio.Event | None = None  # the projection advanced (for settling)
        self._advanced: asyncio.Event | None = None  # the projection advanced (for matching)
        self._pending: deque[Batch] = deque()  # matched, waiting for the projection, in log order
        self._queued: asyncio.Event | None = None  # a batch was matched
        self._taken: asyncio.Event | None = None  # batches were taken for evaluation
        self._idle: asyncio.Event | None = None
        self._settled_at = 0.0  # time.monotonic() when the last round of questions ended
        # What the projector reported its records touch, by first entry: (last entry, rows); and whether
        # it reports at all (if not, matching reads the ledger ahead of it, as before).
        self._reports: dict[int, tuple[int, list]] = {}
        self._told = False
        self._tasks: list[asyncio.Task] = []
        # Matching runs in a thread of its own, niced below the projector (Linux nices threads one by
        # one): while partners push, it must not take the cores from the projector.
        self._matcher = ThreadPoolExecutor(1, "alerts-match", initializer=_niced, initargs=(MATCHING_NICENESS,))
        gateway.sequencer.on_append.append(self._appended)

    # -- life --------------------------------------------------------------------------------

    def start(self) -> None:
        self._grown, self._projected, self._advanced = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self._queued, self._taken = asyncio.Event(), asyncio.Event()
        self._idle = asyncio.Event()  # no batch is being settled
        self._idle.set()
        self._tasks = [asyncio.create_task(self._matching(), name="alerts-match"),
                       asyncio.create_task(self._settling(), name="alerts-settle")]
        self._want_touches()

    def _want_touches(self) -> None:
        """The projector reports what its records touch while anything is watched or an alert may be
        withdrawn; otherwise matching has nothing to do, and the projection need not pay for it."""
        projection = self.gateway.projection
        if projection is not None:
            projection.want_touches(bool(self.index.watches or self._live))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._matcher.shutdown(wait=False, cancel_futures=True)

        def close() -> None:
            with self._lock:  # after a commit still running in its thread: it completes, or never began
                self.store.close()

        await asyncio.to_thread(close)

    def wake(self) -> None:
        """The projection advanced (gateway.server.projection.supervisor calls this)."""
        for event in (self._grown, self._projected, self._advanced):
            if event is not None:
                event.set()

    def _appended(self) -> None:
        if self._grown is not None:
            self._grown.set()

    def events_for(self, agency: str) -> asyncio.Event:
        """An event set when the agency's alert stream next grows (Alerts streams wait on it)."""
        return self._streams.setdefault(agency, asyncio.Event())

    def notify(self, agencies: Iterable[str]) -> None:
        """The agencies' alert streams grew (a triage, from the WatchService): wake their followers."""
        self._woken(agencies)

    def _woken(self, agencies: Iterable[str]) -> None:
        for agency in agencies:
            event = self._streams.pop(agency, None)
            if event is not None:
                event.set()

    async def _matching(self) -> None:
        """Stage one, ahead of the projection: read new ledger entries and match them to watches (what
        each record contributes needs no graph), so that once they are projected only the graph's
        word is left to ask."""
        delay = 0.5
        while True:
            self._grown.clear()
            # Matching is CPU work in a thread; while a batch is being settled it would take the
            # interpreter from it (and from the serving loop): the projected records go first.
            await self._idle.wait()
            if len(self._pending) >= PENDING:
                self._taken.clear()
                await _wait(self._taken, IDLE_POLL)
                continue
            projection = self.gateway.projection
            if projection is not None and self.next_index > projection.watermark + AHEAD:
                self._advanced.clear()
                await _wait(self._advanced, IDLE_POLL)
                continue
            try:
                batch = await self._match_next()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("ledger entries from %d cannot be matched to watches (%s); retrying in %.1fs",
                            self.next_index, self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            if batch is None:
                await _wait(self._grown, IDLE_POLL)
            else:
                self._pending.append(batch)
                self._queued.set()

    async def _match_next(self) -> Batch | None:
        projection = self.gateway.projection
        if projection is None:
            return None
        start = self.next_index
        behind = start <= projection.watermark
        kinds = {a.agency_id: a.kind for a in self.gateway.registry.snapshot().agencies.values()}
        loop = asyncio.get_running_loop()
        began = time.perf_counter()
        reported = self._reported_from(start)
        if reported is not None:
            # What the projector said these records touch, as it started on them: matched while it
            # folds and writes them.
            last, rows = reported
            batch = await loop.run_in_executor(self._matcher, self._match_reported, start, last, rows, kinds)
        elif self._told and not behind:
            return None  # the projector will say what they touch as it starts on them
        else:
            # Not further ahead of the projection than AHEAD: while partners push faster than the graph
            # takes records, matching all of it at once would take the cores from the projector (which
            # runs at a lower priority than the serving loop) and make the projection, and so every
            # alert, later.
            end = min(self.gateway.ledger.size - 1, projection.watermark + AHEAD)
            if end < start:
                return None
            entries = await self.gateway.sequencer.call(self.gateway.ledger.store.entries, start,
                                                        min(PAGE, end - start + 1))
            if not entries:
                return None
            batch = await loop.run_in_executor(self._matcher, self._match_entries, entries, kinds)
        log.debug("alerts: entries %d-%d matched in %.0f ms (projected through %d)", batch.first, batch.last,
                  (time.perf_counter() - began) * 1000, projection.watermark)
        return batch

    def touched(self, first: int, last: int, rows: list) -> None:
        """The projector starts on entries first..last; `rows`: what their records touch
        (graph.watchlist.Incoming as JSON). Kept until matched; a batch the projector tries again
        comes again, and what was matched already is let go."""
        self._told = True
        if last >= self.next_index and len(self._reports) < PENDING:  # beyond: read from the ledger instead
            self._reports[first] = (last, rows)
        if self._grown is not None:
            self._grown.set()

    def _reported_from(self, start: int) -> tuple[int, list] | None:
        """(last, rows) of the report covering entry `start`, at most PAGE entries of it; reports
        wholly before it are let go."""
        for first in sorted(self._reports):
            last, rows = self._reports[first]
            if last < start:
                del self._reports[first]
            elif first <= start:
                last = min(last, start + PAGE - 1)
                return last, [row for row in rows if start <= row[0] <= last]
        return None

    async def _settling(self) -> None:
        """Stage two, in order: once matched batches are projected, ask the graph and store their alerts."""
        delay = 0.5
        held: Batch | None = None  # taken from the pending batches, not yet evaluated
        while True:
            if held is None and not self._pending:
                self._queued.clear()
                await _wait(self._queued, IDLE_POLL)
                continue
            self._projected.clear()
            projection = self.gateway.projection
            first = held or self._pending[0]
            if projection is None or projection.watermark < first.first or self.gateway.graph_store is None:
                await _wait(self._projected, IDLE_POLL)
                continue
            since = time.monotonic() - self._settled_at
            if projection.lag > 0 and held is None and projection.watermark - first.first < PAGE and since < GATHER:
                # The projection is catching up in small steps, one round of questions just ended: let a
                # little more of it pass before the next round, so that one round covers more records
                # (the walks, drawings and overlaps of a batch cost about the same for 50 records as for
                # 500) and takes less of the graph database from the projector. Rounds come GATHER
                # seconds apart at most that way; the first after a pause is asked at once, and a
                # projector batch of PAGE entries or more is a round of its own.
                await asyncio.sleep(GATHER - since)
            # What the projection has passed of the pending batches, as one: the graph is asked once for
            # all of it (a projector batch of 2000 entries would otherwise be asked about page by page),
            # and not later than that (a page reaching past the watermark waits for nothing more).
            watermark = projection.watermark
            held = held or self._pending.popleft()
            while self._pending and self._pending[0].first <= watermark:
                held = held.merged(self._pending.popleft())
            held, rest = held.split(watermark)
            if rest is not None:
                self._pending.appendleft(rest)
            self._taken.set()
            self._idle.clear()
            try:
                await self._evaluate(held)
                held, delay, self.last_error = None, 0.5, None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the graph down, a full disk: try the same entries again, say so
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("alerts cannot be evaluated past ledger entry %d (%s); retrying in %.1fs",
                            self.through, self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                self._settled_at = time.monotonic()
                self._idle.set()

    # -- watches (the WatchService calls these) ------------------------------------------------

    async def add_watch(self, agency: str, rule: Rule, label: str, most: int) -> StoredWatch | None:
        """Store and index a checked rule; a neighbourhood watch first takes the operators already near
        its key as known (they are not news), as the agency sees them."""
        state: dict = {}
        if rule.kind == "neighbourhood":
            walk = await watchgraph.operators_within(self._investigator(), rule.key, agency, rule.hops)
            state = walk_state(walk, rule.hops, set(walk.operators))

        def add() -> StoredWatch | None:
            with self._lock:
                stored = self.store.add_watch(agency, rule.to_json(), label, self.next_index, state, most)
                if stored is not None:
                    self.index.add(watch_of(stored))
                return stored

        stored = await asyncio.to_thread(add)
        self._want_touches()
        return stored

    async def remove_watch(self, agency: str, number: int) -> bool:
        def remove() -> bool:
            with self._lock:
                removed = self.store.remove_watch(agency, number)
                self.index.remove((agency, number))
                return removed

        removed = await asyncio.to_thread(remove)
        self._want_touches()
        return removed

    def _investigator(self):
        if self.gateway.graph_store is None:
            raise Unavailable("the graph store is not reachable yet; watches around a key need it to start")
        return investigator_for(self.gateway)

    # -- evaluation ----------------------------------------------------------------------------

    async def _evaluate(self, batch: Batch) -> None:
        kinds = {a.agency_id: a.kind for a in self.gateway.registry.snapshot().agencies.values()}
        began = time.perf_counter()
        raised, states = await self._settle(batch, kinds) if batch.candidates else ([], {})
        settled = time.perf_counter()
        woken, withdrawn = await asyncio.to_thread(self._commit, batch, raised, states)
        self._woken(woken)
        self._want_touches()
        log.debug("alerts: entries %d-%d, %d candidates, %d raised, %d withdrawn; graph %.0f ms (records, "
                  "drawings, walks, cross-agency: %s ms), commit %.0f ms", batch.first, batch.last,
                  len(batch.candidates), len(raised), withdrawn, (settled - began) * 1000, self._spent,
                  (time.perf_counter() - settled) * 1000)

    def _match_entries(self, entries, kinds: dict[str, str]) -> Batch:
        """Worker thread: entries the projector did not report, read from the ledger (what the
        projector leaves out of the graph, records over today's limits, is left out here too)."""
        batch = Batch(entries[0].log_index, entries[-1].log_index)
        if not self._begun(batch):
            return batch  # nothing watched, nothing to withdraw: no record needs reading
        watched = bool(self.index.watches)
        incoming = [Incoming.of(item, contribution(item.record, item.log_index, item.accepted_ms)
                                if watched and not item.record.HasField("retracts") else None)
                    for item in ledger_items(entries)]
        return self._matched(batch, incoming, kinds)

    def _match_reported(self, first: int, last: int, rows: list, kinds: dict[str, str]) -> Batch:
        """Worker thread: entries first..last as the projector reported them."""
        batch = Batch(first, last)
        if not self._begun(batch):
            return batch
        return self._matched(batch, [Incoming.from_json(row) for row in rows], kinds)

    def _begun(self, batch: Batch) -> bool:
        """Take the batch's entries as matched from now on: a watch added later starts after them.
        False when nothing is watched and no alert is live (nothing to match, nothing to withdraw)."""
        with self._lock:
            self.next_index = batch.last + 1
            return bool(self.index.watches or self._live)

    def _matched(self, batch: Batch, incoming: list[Incoming], kinds: dict[str, str]) -> Batch:
        """The watches each record may concern, and the entries that may withdraw alerts. The lock is
        held for each record's lookup only, so a commit or a new watch never waits for a whole batch."""
        for one in incoming:
            if one.withdraws:
                batch.withdrawing.append((one.agency, set(one.withdraws), one.log_index))
            if one.touch is None:
                continue
            with self._lock:
                hits = list(self.index.hits(one, kinds, around=False))
            if hits or self.index.by_ball or self.index.by_rim:
                batch.candidates.append(Candidate.of(one, hits))
        return batch

    def _withdrawals(self, batch: Batch) -> list[Withdrawal]:
        """Alerts caused by an earlier version of a record of the batch, or by a record it supersedes or
        retracts (under the lock, after every earlier batch's alerts are filed)."""
        found = []
        for agency, record_ids, log_index in batch.withdrawing:
            for record_id in sorted(record_ids):
                for live in self._live.get((agency, record_id), ()):
                    if live.log_index < log_index:
                        found.append(Withdrawal(live.agency, live.alert_id))
        return found

    async def _settle(self, batch: Batch, kinds: dict[str, str]) -> tuple[list[Raised], dict]:
        """The graph's word on the candidates, as each watcher sees it."""
        with self._lock:  # the walks of every batch before are in the index now
            for candidate in batch.candidates:
                candidate.hits += self.index.around_hits(candidate.touch)
        batch.candidates = [c for c in batch.candidates if c.hits]
        if not batch.candidates:
            return [], {}
        investigator = investigator_for(self.gateway)
        clock = [time.perf_counter()]  # for the debug log

        async def timed(work):
            began = time.perf_counter()
            found = await work
            return found, round((time.perf_counter() - began) * 1000)

        # The walks and what the cross-agency watchers see of the nodes several agencies report depend on
        # which watches the records concern, not on where the records landed: asked beside the records'
        # states, they are not waited for one after the other.
        touched = sorted({hit.watch.ref for c in batch.candidates for hit in c.hits
                          if hit.watch.rule.kind == "neighbourhood"})
        walked = [watch for watch in map(self.index.watches.get, touched) if watch is not None]
        ahead = [timed(watchgraph.walks(investigator, [(w.rule.key, w.agency, w.rule.hops) for w in walked])),
                 timed(self._overlaps(investigator, [hit for c in batch.candidates for hit in c.hits
                                                     if hit.watch.rule.kind == "cross_agency"]))]
        asked = [asyncio.ensure_future(work) for work in ahead]
        try:
            states = await watchgraph.record_states(investigator, {c.key for c in batch.candidates})
            raised: list[Raised] = []
            around: dict[tuple[str, int], list[tuple[Candidate, set[str]]]] = {}
            cross: list[tuple[Hit, Candidate, set[str]]] = []
            for candidate in batch.candidates:
                version, placed, links = states.get(candidate.key, (0, set(), []))
                if version != candidate.version or not placed:
                    continue  # retracted, superseded or replaced since, or left out of the graph
                for hit in candidate.hits:
                    if self.index.watches.get(hit.watch.ref) is not hit.watch:
                        continue  # removed since the record was matched
                    kind = hit.watch.rule.kind
                    if kind == "key" and hit.keys[0] in placed:
                        raised.append(key_alert(hit, candidate, links))
                    elif kind == "name":
                        keys = [k for k in (placed_key(candidate, key, placed) for key in hit.keys) if k]
                        if keys:
                            raised.append(name_alert(hit, candidate, keys))
                    elif kind == "neighbourhood":
                        around.setdefault(hit.watch.ref, []).append((candidate, placed))
                    elif kind == "cross_agency":
                        cross.append((hit, candidate, placed))
            clock.append(time.perf_counter())
            (_, drawing), (found, walking_ms), (seen, cross_ms) = await asyncio.gather(
                timed(self._draw(investigator, raised)), *asked)
        finally:  # the graph failed on one of them: the others are not left running
            for work in asked:
                work.cancel()
            await asyncio.gather(*asked, return_exceptions=True)
        new_states: dict[tuple[str, int], dict] = {}
        # A watch whose touching records no longer count is walked all the same: its state follows the
        # graph as it is, and nothing of it is news (no record of the batch is behind it).
        around_raised = [alert for watch, walk in zip(walked, found)
                         for alert in self._around(watch, walk, around.get(watch.ref, []), new_states)]
        cross_raised = self._cross(seen, cross, kinds, new_states)
        self._spent = [round((clock[1] - clock[0]) * 1000), drawing, walking_ms, cross_ms]
        return raised + around_raised + cross_raised, new_states

    @staticmethod
    async def _draw(investigator, raised: list[Raised]) -> None:
        """The subgraphs of the alerts that wait for one, read together for each watching agency."""
        by_agency: dict[str, list[Raised]] = {}
        for alert in raised:
            if alert.drawing is not None:
                by_agency.setdefault(alert.watch.agency, []).append(alert)
        watchers = sorted(by_agency.items())  # each watcher's drawings side by side: their round trips overlap
        found = await asyncio.gather(*(watchgraph.draw(investigator, agency, [a.drawing for a in alerts])
                                       for agency, alerts in watchers))
        for (_, alerts), drawn in zip(watchers, found):
            for alert, subgraph in zip(alerts, drawn):
                alert.message.subgraph.CopyFrom(subgraph_message(subgraph))

    @staticmethod
    def _around(watch: Watch, walk: watchgraph.Walk, touching, states: dict) -> list[Raised]:
        """A neighbourhood watch some visible records touched, walked again: operators it had not shown,
        reached through what those records placed, are news."""
        rule = watch.rule
        new = sorted(set(walk.operators) - watch.known)
        alerted: list[str] = []
        causes: list[Candidate] = []
        for operator in new:
            path = set(walk.operators[operator][1])
            behind = [c for c, placed in touching if placed & path]
            if behind:
                alerted.append(operator)
                causes += [c for c in behind if c not in causes]
        states[watch.ref] = walk_state(walk, rule.hops, (watch.known & set(walk.operators)) | set(alerted))
        if not alerted:
            return []
        summary = (f"{len(alerted)} new unauthorized operator{'s' if len(alerted) > 1 else ''} within {rule.hops} "
                   f"hop{'s' if rule.hops > 1 else ''} of {rule.key}: {', '.join(alerted[:5])}"
                   f"{' …' if len(alerted) > 5 else ''}")
        causes.sort(key=lambda cause: cause.log_index)
        return [Raised(watch, alert_message(watch, summary, alerted, walk.paths_to(alerted)), causes)]

    @staticmethod
    async def _overlaps(investigator, hits: list[Hit]) -> dict[str, dict]:
        """For each cross-agency watcher, the nodes its hits name that more than one agency reports, as
        it sees them (whether it reported them itself is in the view's agencies)."""
        rows = await watchgraph.multi_agency(investigator, {k for hit in hits for k in hit.keys}) if hits else {}
        by_watcher: dict[str, set[str]] = {}
        for hit in hits:
            by_watcher.setdefault(hit.watch.agency, set()).update(k for k in hit.keys if k in rows)
        watchers = [(agency, keys) for agency, keys in sorted(by_watcher.items()) if keys]
        seen = await asyncio.gather(*(watchgraph.seen_by(investigator, rows, keys, agency)
                                      for agency, keys in watchers))
        return {agency: views for (agency, _), views in zip(watchers, seen)}

    def _cross(self, seen: dict[str, dict], cross, kinds: dict[str, str], states: dict) -> list[Raised]:
        """Cross-agency watches: nodes the watcher reported that another agency's record asserts now,
        each (agency, node) pair once until the alert that told it is withdrawn."""
        raised = []
        for hit, candidate, placed in cross:
            watch, author = hit.watch, candidate.agency_id
            views = seen.get(watch.agency, {})
            announced = set(states.get(watch.ref, {}).get("announced", watch_state(watch)["announced"]))
            keys = sorted(k for k in placed & set(hit.keys) if k in views and watch.agency in views[k].agencies
                          and author in views[k].agencies and f"{author}|{k}" not in announced)
            if not keys:
                continue
            announced |= {f"{author}|{k}" for k in keys}
            states[watch.ref] = {"announced": sorted(announced)}
            summary = (f"{author} ({kinds.get(author, 'other')}) reports {len(keys)} "
                       f"node{'s' if len(keys) > 1 else ''} "
                       f"you reported, in {candidate.key}: {', '.join(keys[:5])}"
                       f"{' …' if len(keys) > 5 else ''}")
            subgraph = Subgraph(nodes={k: views[k] for k in keys}).settle()
            raised.append(Raised(watch, alert_message(watch, summary, keys, subgraph), [candidate]))
        return raised

    def _commit(self, batch: Batch, raised: list[Raised], states: dict) -> tuple[list[str], int]:
        """Worker thread: the batch's withdrawals, alerts and watch states, durably; then the index."""
        with self._lock:
            withdrawals = self._withdrawals(batch)
            withdrawn = {(w.agency_id, w.alert_id) for w in withdrawals}
            lost = [live for alert in withdrawn for key in self._filed.get(alert, ())
                    for live in self._live.get(key, ()) if (live.agency, live.alert_id) == alert]
            for live in lost:  # what a withdrawn alert told is news again if it comes back
                watch = self.index.watches.get((live.agency, live.watch))
                if watch is None:
                    continue
                state = states.setdefault(watch.ref, watch_state(watch))
                if watch.rule.kind == "neighbourhood":
                    state["known"] = sorted(set(state["known"]) - set(live.matched))
                elif watch.rule.kind == "cross_agency":
                    state["announced"] = sorted(set(state["announced"]) -
                                                {f"{live.cause_agency}|{k}" for k in live.matched})
            states = {ref: s for ref, s in states.items() if ref in self.index.watches}
            alerts = []
            for alert in raised:
                name_records(alert.message, alert.causes)
                alert.message.raised_at.GetCurrentTime()
                alerts.append(NewAlert(alert.watch.agency, alert.watch.number, alert.message.SerializeToString(),
                                       list(alert.message.matched_keys),
                                       [Cause(c.agency_id, c.record_id, c.log_index) for c in alert.causes]))
            woken = self.store.commit(batch.last, alerts, withdrawals, states)
            for alert in withdrawn:
                for key in self._filed.pop(alert, ()):
                    kept = [live for live in self._live.get(key, ()) if (live.agency, live.alert_id) != alert]
                    if kept:
                        self._live[key] = kept
                    else:
                        self._live.pop(key, None)
            for new in alerts:
                for cause in new.causes:
                    self._file(cause, Live(cause.log_index, new.agency_id, new.alert_id, new.watch,
                                            tuple(new.matched), cause.record_agency))
            for ref, state in states.items():
                watch = self.index.watches[ref]
                if "known" in state:
                    watch.known = set(state["known"])
                if "ball" in state:
                    self.index.set_ball(watch, state["ball"], state.get("rim", ()))
                if "announced" in state:
                    watch.announced = set(state["announced"])
            self.through = batch.last
        return woken, len(withdrawn)

    def _file(self, cause: Cause, live: Live) -> None:
        key = (cause.record_agency, cause.record_id)
        self._live.setdefault(key, []).append(live)
        self._filed.setdefault((live.agency, live.alert_id), []).append(key)


def _niced(niceness: int) -> None:
    # Only Linux nices a thread by its id; elsewhere the id could name another process.
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        pass
