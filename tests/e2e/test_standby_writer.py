"""Two `regulink serve` writers on one PostgreSQL ledger: the second stands by, not listening,
naming the first; when the first is killed (kill -9) the second takes the writer lease, starts
serving, and the log it extends is the one the partner saw (consistent with its last head)."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys

import pytest

from gateway import keys
from gateway.ops import devca
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.server.registry_pg import open_registry
from tests.e2e.conftest import make_record


async def _serve(data, dsn: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", "serve", "--data-dir", str(data), "--listen", "127.0.0.1:0",
        "--origin", "standby.test/log", "--ledger", dsn, "--graph", "none",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _ready(process: asyncio.subprocess.Process, timeout: float) -> int:
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout)
        assert line, "the gateway exited before it was ready"
        if line.startswith(b"READY "):
            return int(line.split()[1])


async def test_a_standby_writer_takes_over_when_the_writer_dies(tmp_path, pg_database):
    registry = open_registry(pg_database)
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")
    signer = keys.generate()
    registry.add_key("fsa-jp", keys.raw_public_key(signer))
    registry.close()
    first, second = tmp_path / "a", tmp_path / "b"
    devca.ensure_ca(first / "tls")
    devca.issue_client(first / "tls", "fsa-jp")
    keys.write_private_key(keys.generate(), first / "keys" / "log-key.pem")
    shutil.copytree(first / "tls", second / "tls")  # the same CA, server certificate and log key
    shutil.copytree(first / "keys", second / "keys")
    tls = TlsFiles.for_agency(first / "tls", "fsa-jp")

    writer = await _serve(first, pg_database)
    standby = None
    try:
        port = await _ready(writer, 60)
        standby = await _serve(second, pg_database)
        said = await asyncio.wait_for(standby.stderr.readline(), 60)
        while b"standing by" not in said:
            said = await asyncio.wait_for(standby.stderr.readline(), 60)
        assert f"127.0.0.1:{port}".encode() in said  # it names the writer holding the lease
        async with AsyncClient.connect(f"localhost:{port}", tls) as client:
            receipts = [await client.submit(sign_record(make_record("fsa-jp"), [signer])) for _ in range(5)]
        with pytest.raises(asyncio.TimeoutError):  # still standing by, not listening
            await asyncio.wait_for(standby.stdout.readline(), 1)

        writer.send_signal(signal.SIGKILL)
        await writer.wait()
        taken_over = await _ready(standby, 30)
        async with AsyncClient.connect(f"localhost:{taken_over}", tls) as client:
            receipt = await client.submit(sign_record(make_record("fsa-jp"), [signer]))
            assert receipt.log_index == 5
            latest = await client.tree_head()
            await client.audit(receipts[-1].tree_head, latest)
            for old in receipts:
                await client.check_inclusion(old.log_index, latest.tree_size, old.leaf_hash)
    finally:
        for process in (writer, standby):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()
