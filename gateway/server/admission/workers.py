"""Admission of many envelopes at once, on every core.

Signature checks dominate ingest and cryptography's Ed25519 holds the GIL,
so a stream's envelopes are checked in worker processes, each with its own
read-only view of the registry (refreshed when the registry changes). A
single envelope (unary Submit) is checked in the event loop: a round trip to
a worker would cost more than the check. Each stream message goes to one
worker whole; several messages of a stream are checked at once. The workers
are started and warmed when the gateway starts (`Verifier.warm`), not on first use.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from multiprocessing.synchronize import Barrier
from pathlib import Path

from google.protobuf.message import DecodeError

from gateway.errors import InvalidArgument, RegulinkError
from gateway.ledger.log import Candidate
from gateway.ops import parent_death
from gateway.server.admission.admit import Limits, admit
from gateway.server.registry import Registry, Snapshot
from gateway.server.registry_pg import open_registry
from gateway.server.rpc import Malformed
from regulink.v1 import envelope_pb2, exchange_pb2

Admitted = Candidate | RegulinkError


def admit_or_error(envelope: envelope_pb2.Envelope, caller: str, registry: Snapshot, limits: Limits,
                   disclosure: exchange_pb2.Disclosure | None = None) -> Admitted:
    try:
        return admit(envelope, caller, registry, limits, disclosure)
    except RegulinkError as exc:
        return exc


# -- worker process side ----------------------------------------------------------------

_worker_registry: Registry | None = None
_worker_limits: Limits | None = None
_worker_ready: Barrier | None = None  # one for all the workers

BACKGROUND_NICENESS = 5
WARM_TIMEOUT = 120  # seconds for every worker to start; past it the gateway does not start


def _init_worker(registry_path: str, limits: Limits, ready: Barrier, gateway_pid: int) -> None:
    # First: a gateway killed while its workers start must not leave them behind (issue 13). The pid
    # comes from the gateway, not getppid(): a worker whose gateway already died has another parent.
    parent_death.die_with(gateway_pid)
    global _worker_registry, _worker_limits, _worker_ready
    _worker_registry = open_registry(registry_path)  # SQLite file or PostgreSQL (gateway.server.registry_pg)
    _worker_limits = limits
    _worker_ready = ready
    # Background work: investigators' queries in the gateway and the graph database come first when
    # the cores are busy (a burst of streams must not slow every answer: docs/benchmarks.md).
    os.nice(BACKGROUND_NICENESS)
    # Let go of the gateway's stdout (whoever reads it waits for every holder to close it).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def admit_message(message: bytes, caller: str, registry: Snapshot, limits: Limits) -> list[Admitted] | InvalidArgument:
    """Every envelope of one serialized SubmitStreamRequest, or why the message is unreadable."""
    try:
        request = exchange_pb2.SubmitStreamRequest.FromString(message)
    except DecodeError:
        return Malformed(exchange_pb2.SubmitStreamRequest.DESCRIPTOR.full_name).error()
    disclosures = list(request.disclosures)
    if disclosures and len(disclosures) != len(request.envelopes):
        return InvalidArgument(f"{len(disclosures)} disclosures for {len(request.envelopes)} envelopes: send none, "
                               "or one per envelope in the same order", field="disclosures")
    return [admit_or_error(envelope, caller, registry, limits, disclosures[i] if disclosures else None)
            for i, envelope in enumerate(request.envelopes)]


def _admit_in_worker(message: bytes, caller: str) -> list[Admitted] | InvalidArgument:
    assert _worker_registry is not None and _worker_limits is not None
    return admit_message(message, caller, _worker_registry.snapshot(), _worker_limits)


def _warm_in_worker() -> int:
    """An admission of an empty message (registry snapshot, protobuf parsing), then wait for every other worker.

    A worker waiting at the barrier takes no other task, so the N warm-up tasks run in N distinct workers.
    """
    assert _worker_ready is not None
    _admit_in_worker(exchange_pb2.SubmitStreamRequest().SerializeToString(), "")
    _worker_ready.wait(WARM_TIMEOUT)  # BrokenBarrierError past it: the gateway's start fails and says so
    return os.getpid()


# -- gateway side ----------------------------------------------------------------------------


def worker_count(setting: int) -> int:
    """-1 = one worker per core when there are several cores, else none."""
    if setting >= 0:
        return setting
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 else 0


class WorkersNotReady(Exception):
    """Not a RuntimeError (as BrokenExecutor is), which `regulink serve` takes for a port it cannot listen on."""


class Verifier:
    def __init__(self, limits: Limits, registry_path: Path, workers: int) -> None:
        self.limits = limits
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the gateway process runs gRPC threads that must not be forked.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(str(registry_path), limits, context.Barrier(workers), os.getpid()),
            )

    async def warm(self) -> None:
        """Start every worker and have each do one admission, so the first stream after a start is not slowed.

        With spawn, the pool starts a worker per task submitted while none is idle: N tasks start the N
        workers, and each task waits at a barrier of N until all N have run it (see _warm_in_worker).
        """
        if self._pool is None:
            return
        loop = asyncio.get_running_loop()
        try:
            pids = await asyncio.gather(*(loop.run_in_executor(self._pool, _warm_in_worker)
                                          for _ in range(self.workers)))
        except (BrokenExecutor, threading.BrokenBarrierError) as exc:
            raise WorkersNotReady(f"the {self.workers} signature workers did not start ({exc}); "
                                  "see their messages above") from exc
        assert len(set(pids)) == self.workers, pids

    async def admit_message(self, message: bytes, caller: str, registry: Snapshot) -> list[Admitted] | InvalidArgument:
        """Parse and check one stream message; in a worker when there are workers.

        The message travels to the worker as the bytes gRPC received, so the
        gateway process never parses or re-serializes the envelopes.
        """
        if self._pool is None:
            return admit_message(message, caller, registry, self.limits)
        return await asyncio.get_running_loop().run_in_executor(self._pool, _admit_in_worker, message, caller)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
