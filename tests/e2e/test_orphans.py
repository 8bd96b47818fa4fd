"""A gateway killed with SIGKILL takes its children with it: signature workers, the projector and the
embedded ArcadeDB, whether it dies while serving or while it starts them (issue 13, item 5: 4 of 4
repros left ~165 MB processes behind; the workers that a gateway killed during its start left waited
for a parent that was already gone)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from tests.e2e.conftest import make_record
from tests.e2e.test_crash import prepare

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def family(session: int, data: Path) -> dict[int, str]:
    """Live processes of the gateway's session, and the ArcadeDB server of its data dir (a session of its own)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        stat = _stat(pid)
        if stat is None or stat[0] == "Z":
            continue
        cmdline = _cmdline(pid)
        if int(stat[3]) == session or (str(data / "graph") in cmdline and "java" in cmdline):
            found[pid] = cmdline
    return found


def kind(cmdline: str) -> str:
    for marker, name in (("arcadedb", "graph database"), ("gateway.server.projection.worker", "projector"),
                         ("spawn_main", "signature worker"), ("resource_tracker", "resource tracker"),
                         ("gateway.cli.main", "gateway")):
        if marker in cmdline:
            return name
    return cmdline[:80]


async def all_gone(session: int, data: Path, within: float) -> dict[int, str]:
    deadline = time.monotonic() + within
    while (left := family(session, data)) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return {pid: kind(cmdline) for pid, cmdline in left.items()}


def serve(data: Path) -> subprocess.Popen:
    (data / "gw.toml").write_text('[gateway]\norigin = "orphans.test/log"\ngraph_heap = "512m"\n')
    return subprocess.Popen([sys.executable, "-m", "gateway.cli.main", "serve", "--data-dir", str(data), "--config",
                             str(data / "gw.toml"), "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.mark.timeout(180)
async def test_children_die_with_a_gateway_killed_while_it_serves(tmp_path):
    key = prepare(tmp_path)
    gateway = serve(tmp_path)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(gateway.stdout.readline), 120)
        while not line.startswith(b"READY "):
            assert line, "the gateway did not start"
            line = await asyncio.wait_for(asyncio.to_thread(gateway.stdout.readline), 120)
        tls = TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")
        async with AsyncClient.connect(f"localhost:{int(line.split()[1])}", tls) as client:
            envelopes = [sign_record(make_record("fsa-jp"), [key]) for _ in range(400)]
            assert len([o async for o in client.submit_stream(envelopes, per_message=50)]) == 400
        kinds = {kind(c) for pid, c in family(gateway.pid, tmp_path).items() if pid != gateway.pid}
        assert {"graph database", "projector"} <= kinds
        if (os.cpu_count() or 1) > 1:
            assert "signature worker" in kinds
        gateway.send_signal(signal.SIGKILL)
        gateway.wait()
        assert await all_gone(gateway.pid, tmp_path, within=10) == {}
    finally:
        gateway.kill()


@pytest.mark.timeout(180)
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no signature workers on one core")
async def test_children_die_with_a_gateway_killed_while_it_starts_them(tmp_path):
    prepare(tmp_path)
    gateway = serve(tmp_path)
    try:
        deadline = time.monotonic() + 120
        while "signature worker" not in {kind(c) for c in family(gateway.pid, tmp_path).values()}:
            assert time.monotonic() < deadline and gateway.poll() is None, "no signature worker started"
            await asyncio.sleep(0.05)
        gateway.send_signal(signal.SIGKILL)  # the workers are still starting: they find no parent when ready
        gateway.wait()
        assert await all_gone(gateway.pid, tmp_path, within=10) == {}
    finally:
        gateway.kill()
