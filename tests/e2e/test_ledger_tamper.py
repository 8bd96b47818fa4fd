"""Tampering inside a real gateway's ledger.db (issue 13: a changed envelope byte passed audit,
verify-receipt and inclusion proofs; a corrupted Merkle node made the gateway sign heads against
its history; a deleted middle entry turned its proof into INTERNAL).

Now: a partner's `audit --entries` names the changed entry; `regulink serve` refuses to start on
each fault with one line naming the entry and the fix; `regulink ledger verify` names the first
damaged entry (exit status 3) and passes again once the ledger is restored; a proof of a deleted
entry is DATA_LOSS.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from gateway import errors
from gateway.cli.ledger import EXIT_DAMAGED
from gateway.ops import process
from gateway.sdk import monitor
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import transparency_pb2
from tests.e2e.conftest import make_record
from tests.e2e.test_cli import regulink
from tests.e2e.test_crash import prepare

ORIGIN = "tamper.test/log"
SIZE = 40


def serve_refusal(data) -> subprocess.CompletedProcess:
    """`regulink serve` on a damaged ledger: it must exit by itself, quickly."""
    env = {**os.environ, "REGULINK_DATA_DIR": str(data), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", "serve", "--graph", "none", "--listen", "127.0.0.1:0",
                           "--origin", ORIGIN], capture_output=True, text=True, env=env, timeout=90)


def sql(data, statement: str) -> None:
    with sqlite3.connect(data / "ledger.db") as db:
        assert db.execute(statement).rowcount == 1


def flip_envelope_byte(data, index: int) -> None:
    with sqlite3.connect(data / "ledger.db") as db:
        envelope = db.execute("SELECT envelope FROM entries WHERE log_index = ?", (index,)).fetchone()[0]
        at = envelope.index(b"Unregistered operator")
        db.execute("UPDATE entries SET envelope = ? WHERE log_index = ?",
                   (envelope[:at] + b"V" + envelope[at + 1:], index))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A stopped gateway's data dir with SIZE entries (one signed head each), and its signing key."""
    import asyncio

    data = tmp_path_factory.mktemp("tamper") / "gw"
    data.mkdir(mode=0o700)
    key = prepare(data)

    async def fill() -> None:
        gateway = await process.start(data, "--graph", "none", "--origin", ORIGIN)
        try:
            async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(data / "tls", "fsa-jp")) as client:
                for _ in range(SIZE):
                    await client.submit(sign_record(make_record("fsa-jp"), [key]))
        finally:
            assert await gateway.stop() == 0

    asyncio.run(fill())
    return data, key


@pytest.fixture
def data(pristine, tmp_path):
    copy = tmp_path / "gw"
    shutil.copytree(pristine[0], copy)
    return copy


@pytest.mark.parametrize("tamper, index, says", [
    (lambda d: flip_envelope_byte(d, 7), 7, "not what its leaf commits to"),
    (lambda d: sql(d, "UPDATE nodes SET hash = zeroblob(32) WHERE level = 5 AND idx = 0"), 0, "entries 0-31"),
    (lambda d: sql(d, "DELETE FROM entries WHERE log_index = 20"), 20, "missing"),
], ids=["byte in an envelope", "Merkle node", "deleted middle entry"])
def test_the_gateway_refuses_to_start_and_ledger_verify_names_the_entry(data, tamper, index, says):
    intact = regulink("ledger", "verify", "--data-dir", str(data), data=data)
    assert f"ledger intact: {SIZE} entries" in intact.stdout and f"{SIZE} signatures" in intact.stdout
    shutil.copy(data / "ledger.db", data.parent / "backup-ledger.db")

    tamper(data)
    refused = serve_refusal(data)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"the ledger is damaged at entry {index}" in refused.stderr and "regulink ledger verify" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) <= 4, refused.stderr
    assert "READY" not in refused.stdout

    verified = regulink("ledger", "verify", "--data-dir", str(data), data=data, check=False)
    assert verified.returncode == EXIT_DAMAGED, verified.stdout + verified.stderr
    assert f"damaged at entry {index}" in verified.stderr and says in verified.stderr and "fix:" in verified.stderr

    # The fix it names: restore a copy that verifies (its old -wal and -shm files moved away too).
    for suffix in ("-wal", "-shm"):
        (data / f"ledger.db{suffix}").unlink(missing_ok=True)
    shutil.copy(data.parent / "backup-ledger.db", data / "ledger.db")
    assert "ledger intact" in regulink("ledger", "verify", "--data-dir", str(data), data=data).stdout


async def test_a_partner_monitor_finds_a_changed_envelope_and_a_deleted_entry_is_data_loss(data):
    gateway = await process.start(data, "--graph", "none", "--origin", ORIGIN)
    state = data.parent / "monitor" / "head.json"
    try:
        async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(data / "tls", "fsa-jp")) as client:
            heads = await monitor.check_heads(client, state)
            assert (await monitor.check_entries(client, heads, state)).checked == SIZE
            monitor.entries_state(state).unlink()  # check them all again below

            # Behind the running gateway's back: its heads and proofs stay self-consistent, the
            # envelope it serves for entry 7 is not what the log committed to.
            flip_envelope_byte(data, 7)
            heads = await monitor.check_heads(client, state)
            assert heads.change == "same"  # the heads alone cannot tell
            with pytest.raises(monitor.LogInconsistent) as found:
                await monitor.check_entries(client, heads, state)
            assert found.value.kind == "entry" and str(found.value).startswith("entry 7:")
            assert (found.value.evidence / "entry-7.json").exists()
            assert not monitor.entries_state(state).exists()  # progress is not recorded past a failure

            sql(data, "DELETE FROM entries WHERE log_index = 20")
            request = transparency_pb2.GetInclusionProofRequest(log_index=20, tree_size=SIZE)
            with pytest.raises(errors.DataLoss) as lost:
                await client._call(client.transparency.GetInclusionProof, request)
            assert "damaged at entry 20" in str(lost.value)
    finally:
        assert await gateway.stop() == 0
