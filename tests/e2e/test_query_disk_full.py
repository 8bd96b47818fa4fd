"""Queries while the disk is full (issue 13: they answered INTERNAL). The question's audit line
cannot be written, so no query is answered: UNAVAILABLE, saying why; once there is room they are
answered again and the trail has a line for every one that was.

The full disk is RLIMIT_FSIZE in the gateway process, as in test_disk_full: SQLite's writes past
it fail exactly where ENOSPC would make them fail.
"""

from __future__ import annotations

import sqlite3

from gateway import errors
from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles
from tests.e2e.test_crash import prepare
from tests.e2e.test_disk_full import small_disk


async def test_queries_on_a_full_disk_are_unavailable_not_internal(tmp_path):
    prepare(tmp_path)
    tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
    stderr = open(tmp_path / "gateway.err", "ab")
    # graph none: every query that gets past its audit line is UNAVAILABLE for the graph instead,
    # so the answer tells which of the two stopped it.
    gateway = await process.start(tmp_path, "--graph", "none", "--origin", "full.test/log", stderr=stderr,
                                  preexec_fn=small_disk)
    refused_for_audit = 0
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            for i in range(3000):
                try:
                    await client.search(f"operator {i}")
                except errors.Unavailable as exc:
                    if "audit trail" in str(exc):
                        refused_for_audit += 1
                        if refused_for_audit == 5:
                            break
                    else:
                        assert "graph store is not reachable" in str(exc), exc
                # any other error (INTERNAL before) fails the test here
            assert refused_for_audit == 5, "the file size limit must be reached within the run"
    finally:
        assert await gateway.stop() == 0

    gateway = await process.start(tmp_path, "--graph", "none", "--origin", "full.test/log", stderr=stderr)
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            try:
                await client.search("after")
            except errors.Unavailable as exc:
                assert "graph store is not reachable" in str(exc)  # past the audit line: recorded
    finally:
        assert await gateway.stop() == 0
    with sqlite3.connect(tmp_path / "audit.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        last = db.execute("SELECT params FROM queries ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    assert '"after"' in last
