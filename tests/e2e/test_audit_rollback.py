"""`regulink audit` against a real gateway whose ledger is put back to an older copy (issue 13:
the smaller head passed as "consistent: size 200 → 250" and overwrote the saved one).

A rollback, then a fork at the same size, then a fork that grew past it: each fails with exit
status 3, keeps both signed heads as evidence that verifies with openssl alone, and never moves
the saved head backwards.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import pytest
from google.protobuf import json_format

from gateway import keys
from gateway.ledger import checkpoint
from gateway.ledger.verify import ProofError
from gateway.ops import process
from gateway.sdk import monitor
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from gateway.sdk.monitor import EXIT_INCONSISTENT
from regulink.v1 import transparency_pb2
from tests.e2e.conftest import make_record
from tests.e2e.test_cli import regulink
from tests.e2e.test_crash import prepare

ORIGIN = "rollback.test/log"


async def submit(gateway, tls, key, count: int) -> int:
    """`count` records one call each (one signed head per record); the log's size after."""
    async with AsyncClient.connect(gateway.target, tls) as client:
        for _ in range(count):
            receipt = await client.submit(sign_record(make_record("fsa-jp"), [key]))
        return receipt.tree_head.tree_size


def copy_ledger(source, target) -> None:
    """A consistent copy of a live ledger, as deploy/backup.py makes one."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def head_in(path) -> transparency_pb2.SignedTreeHead:
    return json_format.Parse(path.read_text(), transparency_pb2.SignedTreeHead())


def check_evidence(folder, log_key, saved_size: int, served_size: int) -> None:
    """Both signed heads are there, as JSON and as note + signature that verify without regulink."""
    assert (folder / "README.txt").read_text().count("openssl pkeyutl -verify") >= 2
    for name, size in (("saved-head", saved_size), ("served-head", served_size)):
        head = head_in(folder / f"{name}.json")
        assert head.tree_size == size
        note, signature = (folder / f"{name}.note").read_bytes(), (folder / f"{name}.sig").read_bytes()
        assert checkpoint.verify(note, signature, log_key).tree_size == size
        if shutil.which("openssl"):
            checked = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "log-key.pub.pem",
                                      "-rawin", "-in", f"{name}.note", "-sigfile", f"{name}.sig"],
                                     cwd=folder, capture_output=True, text=True)
            assert "Signature Verified Successfully" in checked.stdout, checked.stdout + checked.stderr


async def test_a_rolled_back_then_forked_log_fails_the_audit_and_keeps_the_evidence(tmp_path):
    data = tmp_path / "gw"
    data.mkdir(mode=0o700)
    key = prepare(data)
    tls = TlsFiles.for_agency(data / "tls", "fsa-jp")
    state = tmp_path / "heads" / "fsa-jp.json"
    stderr = open(tmp_path / "gateway.err", "ab")

    gateway = await process.start(data, "--graph", "none", "--origin", ORIGIN, stderr=stderr)
    try:
        assert await submit(gateway, tls, key, 5) == 5
        copy_ledger(data / "ledger.db", tmp_path / "older-ledger.db")
        assert await submit(gateway, tls, key, 3) == 8
        common = ["--as", "fsa-jp", "--target", gateway.target, "--tls-dir", str(data / "tls"), "--state", str(state)]
        assert "first audit: trusting the head of size 8" in regulink("audit", *common, data=data).stdout
        assert "consistent: size 8, unchanged" in regulink("audit", *common, data=data).stdout
    finally:
        assert await gateway.stop() == 0
    log_key = keys.load_private_key(data / "keys" / "log-key.pem").public_key()
    saved = state.read_bytes()

    # The operator restores the older copy: 3 acknowledged entries are gone.
    for suffix in ("-wal", "-shm"):
        (data / f"ledger.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "older-ledger.db", data / "ledger.db")
    gateway = await process.start(data, "--graph", "none", "--origin", ORIGIN, stderr=stderr)
    try:
        common = ["--as", "fsa-jp", "--target", gateway.target, "--tls-dir", str(data / "tls"), "--state", str(state)]
        rollback = regulink("audit", *common, data=data, check=False)
        assert rollback.returncode == EXIT_INCONSISTENT, rollback.stdout + rollback.stderr
        assert "THE LOG SHRANK" in rollback.stderr and "size 5" in rollback.stderr
        assert "Traceback" not in rollback.stderr
        assert state.read_bytes() == saved  # never moved backwards
        [folder] = (tmp_path / "heads" / "fsa-jp.json.evidence").iterdir()
        assert folder.name.endswith("-rollback")
        check_evidence(folder, log_key, 8, 5)

        # New records take the lost places: size 8 again, another root.
        assert await submit(gateway, tls, key, 3) == 8
        fork = regulink("audit", *common, data=data, check=False)
        assert fork.returncode == EXIT_INCONSISTENT and "THE LOG FORKED: two signed heads of size 8" in fork.stderr
        assert state.read_bytes() == saved
        latest = max((tmp_path / "heads" / "fsa-jp.json.evidence").iterdir())
        check_evidence(latest, log_key, 8, 8)
        assert head_in(latest / "saved-head.json").root_hash != head_in(latest / "served-head.json").root_hash

        # And past it: the gateway now signs another root for the size the partner saved.
        assert await submit(gateway, tls, key, 2) == 10
        grown = regulink("audit", *common, data=data, check=False)
        assert grown.returncode == EXIT_INCONSISTENT and "THE LOG FORKED" in grown.stderr
        assert state.read_bytes() == saved
        latest = max((tmp_path / "heads" / "fsa-jp.json.evidence").iterdir())
        check_evidence(latest, log_key, 8, 10)
        own = head_in(latest / "gateway-head-of-size-8.json")
        assert own.tree_size == 8 and own.root_hash != head_in(latest / "saved-head.json").root_hash
        assert len(list((tmp_path / "heads" / "fsa-jp.json.evidence").iterdir())) == 3

        # A partner who starts watching now sees a log that only grows, entries included (the
        # monitor in-process: the same functions the command runs).
        fresh = tmp_path / "fresh.json"
        async with AsyncClient.connect(gateway.target, tls) as client:
            assert (await monitor.check_heads(client, fresh)).change == "first"
            assert await submit(gateway, tls, key, 1) == 11
            heads = await monitor.check_heads(client, fresh)
            assert (heads.change, heads.saved.tree_size, heads.served.tree_size) == ("grew", 10, 11)
            entries = await monitor.check_entries(client, heads, fresh)
            assert (entries.checked, entries.redacted) == (11, 0)
            assert json.loads(monitor.entries_state(fresh).read_text())["next_index"] == 11
            assert (await monitor.check_entries(client, await monitor.check_heads(client, fresh), fresh)).checked == 0
    finally:
        assert await gateway.stop() == 0

    # Rolled back to nothing at all: an empty log is a rollback too, not "nothing to audit".
    for suffix in ("", "-wal", "-shm"):
        (data / f"ledger.db{suffix}").unlink(missing_ok=True)
    gateway = await process.start(data, "--graph", "none", "--origin", ORIGIN, stderr=stderr)
    try:
        async with AsyncClient.connect(gateway.target, tls) as client:
            with pytest.raises(monitor.LogInconsistent) as emptied:
                await monitor.check_heads(client, state)
        assert emptied.value.kind == "rollback" and "THE LOG SHRANK" in str(emptied.value)
        assert head_in(emptied.value.evidence / "saved-head.json").tree_size == 8
        assert state.read_bytes() == saved
    finally:
        assert await gateway.stop() == 0


async def test_the_sdk_never_swaps_a_smaller_newer_head():
    """client.audit(older, newer) used to swap the two when the newer one was smaller."""
    key = keys.generate()

    def head(size: int) -> transparency_pb2.SignedTreeHead:
        note, signature = checkpoint.sign(checkpoint.TreeHead(ORIGIN, size, bytes(32), 1), key)
        return transparency_pb2.SignedTreeHead(origin=ORIGIN, tree_size=size, root_hash=bytes(32), timestamp_ms=1,
                                               note=note, signature=signature, key_id=keys.key_id(key))

    client = AsyncClient.__new__(AsyncClient)  # no channel: the check fails before any call
    client._log_key, client._origin = key.public_key(), ORIGIN
    with pytest.raises(ProofError, match="shrank"):
        await client.audit(head(8), head(5))
