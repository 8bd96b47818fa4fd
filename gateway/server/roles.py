"""A gateway's role: the writer (the one sequencer) or a query gateway (`regulink serve --role query`).

`open_log` gives the server its ledger and sequencer for the configured role and store:

* writer on SQLite: the file, one process (the zero-set-up default);
* writer on PostgreSQL: waits for the writer lease (gateway.ledger.lease), standing by while
  another writer holds it, then appends on the session that holds it;
* query: reads a PostgreSQL ledger it does not write (a hot standby is fine). Query, Export,
  Transparency, Subscribe and Registry need no sequencer; what a query gateway refuses is any
  record: Submit and SubmitStream get, per record, FAILED_PRECONDITION with reason QUERY_GATEWAY
  naming the writer (the address it recorded when it took the lease), so a partner knows where
  to send it. The log grows behind its back, so it looks every `POLL` seconds (NOTIFY does not
  reach a standby) and wakes its Subscribe streams and projection when it did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from gateway import keys
from gateway.errors import FailedPrecondition, RegulinkError
from gateway.ledger.lease import WriterLease
from gateway.ledger.log import Candidate, Ledger
from gateway.ledger.pg_store import PgLedgerStore
from gateway.ledger.reader import LogReader
from gateway.ledger.sequencer import Sequencer
from gateway.ledger.store import LedgerStore
from gateway.server.config import Settings

T = TypeVar("T")
log = logging.getLogger("regulink.gateway")

#: How often a query gateway looks for new entries (seconds).
POLL = 0.25
#: Every how many polls it reads which writer holds the lease.
WRITER_EVERY = 20


def open_log(settings: Settings,
             say: Callable[[str], None] = log.info) -> tuple[Ledger, Sequencer | QueryOnlySequencer]:
    """The ledger and its sequencer for this gateway's role; a PostgreSQL writer returns once it holds the lease."""
    if settings.role == "query":
        reader = LogReader(PgLedgerStore(settings.ledger))
        return reader, QueryOnlySequencer(reader)
    key = keys.load_private_key(settings.log_key_path)
    if not settings.ledger_on_postgresql:
        ledger = Ledger(LedgerStore(settings.ledger_path), key, settings.origin)
        return ledger, Sequencer(ledger)
    store = PgLedgerStore.writer(settings.ledger, WriterLease(settings.ledger, settings.advertised()),
                                 synchronous_commit=settings.ledger_synchronous_commit, say=say)
    try:
        ledger = Ledger(store, key, settings.origin)  # checks the log it now owns before signing on top of it
        store.set_log_info(settings.origin, ledger.public_key)  # what query gateways serve and check heads with
    except BaseException:
        store.close()  # and so the lease: a standby takes over rather than wait behind a writer that cannot start
        raise
    say(f"writer lease taken: this gateway appends to the ledger (size {ledger.size})")
    return ledger, Sequencer(ledger)


def refusal(writer: str | None) -> FailedPrecondition:
    where = f"the writer at {writer}" if writer else "the writer gateway (none has recorded its address yet)"
    return FailedPrecondition(f"this is a read-only query gateway: it accepts no records; send them to {where}",
                              reason="QUERY_GATEWAY")


class QueryOnlySequencer:
    """The sequencer's interface without the appending: reads run on one thread, records are refused."""

    def __init__(self, reader: LogReader, *, poll: float = POLL) -> None:
        self.ledger = reader
        self.poll = poll
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-reader")
        self._task: asyncio.Task | None = None
        self.writer: str | None = None  # the writer's address, as it recorded itself with the lease
        self.on_append: list[Callable[[], None]] = []

    async def start(self) -> None:
        await self._find_writer()
        self._task = asyncio.create_task(self._follow(), name="ledger-follow")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._thread.shutdown(wait=True)

    async def call(self, fn: Callable[..., T], *args) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def _find_writer(self) -> None:
        try:
            found = await self.call(self.ledger.store.writer_holder)
        except Exception:  # the database away for a moment: keep the address known
            return
        self.writer = found.address if found else None

    def submit_many(self, candidates: list[Candidate]) -> list[asyncio.Future]:
        loop = asyncio.get_running_loop()
        error = refusal(self.writer)
        futures = []
        for _ in candidates:
            future = loop.create_future()
            future.set_result(error)
            futures.append(future)
        return futures

    async def submit(self, candidate: Candidate) -> RegulinkError:
        (future,) = self.submit_many([candidate])
        return await future

    async def _follow(self) -> None:
        """Announce entries the writer appended, as the sequencer does after each of its batches; note
        which writer holds the lease now and then (another may have taken over)."""
        polls = 0
        while True:
            await asyncio.sleep(self.poll)
            polls += 1
            if polls % WRITER_EVERY == 0:
                await self._find_writer()
            try:
                grew = await self.call(self.ledger.refresh)
            except Exception as exc:  # the database away for a moment: keep serving what is known
                log.warning("cannot read the ledger's size (%s); trying again", exc)
                await asyncio.sleep(1)
                continue
            if grew:
                for listener in self.on_append:
                    listener()
