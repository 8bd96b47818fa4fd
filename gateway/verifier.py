"""Admission of many envelopes at once, on every core.

Signature checks dominate ingest and cryptography's Ed25519 holds the GIL,
so a stream's envelopes are checked in worker processes, each with its own
read-only view of the registry (refreshed when the registry changes). A
single envelope (unary Submit) is checked in the event loop: a round trip to
a worker would cost more than the check. Each stream message goes to one
worker whole; several messages of a stream are checked at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from gateway.admission import Limits, admit
from google.protobuf.message import DecodeError

from gateway.errors import InvalidArgument, RegulinkError
from gateway.ledger.log import Candidate
from gateway.registry import Registry, Snapshot
from gateway.status import Malformed
from regulink.v1 import envelope_pb2, exchange_pb2

Admitted = Candidate | RegulinkError


def admit_or_error(envelope: envelope_pb2.Envelope, caller: str, registry: Snapshot, limits: Limits) -> Admitted:
    try:
        return admit(envelope, caller, registry, limits)
    except RegulinkError as exc:
        return exc


# -- worker process side ----------------------------------------------------------------

_worker_registry: Registry | None = None
_worker_limits: Limits | None = None


def _init_worker(registry_path: str, limits: Limits) -> None:
    global _worker_registry, _worker_limits
    _worker_registry = Registry(Path(registry_path))
    _worker_limits = limits
    # Let go of the gateway's stdout (whoever reads it waits for every holder to close it).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A gateway killed with SIGKILL cannot stop its workers: they notice and leave."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def admit_message(message: bytes, caller: str, registry: Snapshot, limits: Limits) -> list[Admitted] | InvalidArgument:
    """Every envelope of one serialized SubmitStreamRequest, or why the message is unreadable."""
    try:
        request = exchange_pb2.SubmitStreamRequest.FromString(message)
    except DecodeError:
        return Malformed(exchange_pb2.SubmitStreamRequest.DESCRIPTOR.full_name).error()
    return [admit_or_error(envelope, caller, registry, limits) for envelope in request.envelopes]


def _admit_in_worker(message: bytes, caller: str) -> list[Admitted] | InvalidArgument:
    assert _worker_registry is not None and _worker_limits is not None
    return admit_message(message, caller, _worker_registry.snapshot(), _worker_limits)


# -- gateway side ----------------------------------------------------------------------------


def worker_count(setting: int) -> int:
    """-1 = one worker per core when there are several cores, else none."""
    if setting >= 0:
        return setting
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 else 0


class Verifier:
    def __init__(self, limits: Limits, registry_path: Path, workers: int) -> None:
        self.limits = limits
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the gateway process runs gRPC threads that must not be forked.
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(str(registry_path), limits),
            )

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
