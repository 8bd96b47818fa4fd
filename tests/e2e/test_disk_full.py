"""The disk fills up under the ledger: refusals say UNAVAILABLE, nothing acknowledged is lost,
nothing refused is half-written, and after a restart with room again the log is whole.

A full disk is made with RLIMIT_FSIZE in the gateway process: SQLite's writes past the limit
fail (EFBIG) exactly where a full disk would make them fail (ENOSPC), without needing root or
a small file system. (A read-only data directory cannot be made for a root test process, which
ignores permissions; its path through the code is the same `sqlite3.OperationalError`.)
"""

from __future__ import annotations

import resource
import signal
import sqlite3

from gateway import errors
from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import exchange_pb2
from tests.e2e.conftest import make_record
from tests.e2e.test_crash import prepare

ROOM = 400_000  # bytes any one file of the gateway may grow to


def small_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (ROOM, ROOM))


async def test_a_full_disk_refuses_cleanly_and_loses_nothing(tmp_path):
    key = prepare(tmp_path)
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(1500)]
    stderr = open(tmp_path / "gateway.err", "ab")
    gateway = await process.start(tmp_path, "--graph", "none", "--origin", "full.test/log", stderr=stderr,
                                  preexec_fn=small_disk)
    accepted, refused = [], []
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            for i, envelope in enumerate(envelopes):
                try:
                    accepted.append((await client.submit(envelope), i))
                except errors.Unavailable as exc:
                    assert "cannot write" in str(exc)
                    refused.append(i)
            assert accepted and refused, "the limit must fall inside the run"
            assert (await client.tree_head()).tree_size == len(accepted)  # refusals left no entry
    finally:
        await gateway.stop()

    with sqlite3.connect(tmp_path / "ledger.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    gateway = await process.start(tmp_path, "--graph", "none", "--origin", "full.test/log", stderr=stderr)
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            for receipt, i in accepted:
                await client.verify_receipt(receipt, envelopes[i])
            # What was refused was never stored: it goes in now as new, after the acknowledged ones.
            retried = await client.submit(envelopes[refused[0]])
            assert isinstance(retried, exchange_pb2.Receipt) and retried.log_index == len(accepted)
            await client.audit(accepted[0][0].tree_head, await client.tree_head())
    finally:
        assert await gateway.stop() == 0
