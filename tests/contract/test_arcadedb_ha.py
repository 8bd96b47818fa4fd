"""ArcadeDB's own high availability is not in the arcadedb-embedded wheel: the fact docs/operations.md
(section 9, "Why not an ArcadeDB cluster") builds on, checked so that it cannot go stale unnoticed.

Since ArcadeDB moved its replication to Apache Ratis, the HA server is a separate module
(`arcadedb-ha-raft` plus the Ratis jars) that the wheel does not bundle; a server started with
`arcadedb.ha.enabled=true` says so and runs alone. If a later wheel brings the module, these tests
fail: then try the replica path (leader election, Bolt reads on a replica, leader loss) and
rewrite that section.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import zipfile

import pytest

from graph.embedded import ArcadeDBDistribution, EmbeddedArcadeDB, free_loopback_port

STANDALONE = "High availability was requested but no HA plugin was found on the classpath"
STARTED = "ArcadeDB Server started"


@pytest.fixture(scope="module")
def distribution() -> ArcadeDBDistribution:
    try:
        return ArcadeDBDistribution.locate()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def test_the_wheel_bundles_no_raft_ha_module(distribution):
    raft_classes = []
    for jar in sorted(distribution.jars.glob("*.jar")):
        with zipfile.ZipFile(jar) as archive:
            raft_classes += [f"{jar.name}:{name}" for name in archive.namelist()
                             if name.startswith("org/apache/ratis/")
                             or (name.startswith("com/arcadedb/") and "Raft" in name and name.endswith(".class"))]
    assert not raft_classes, (
        "the arcadedb-embedded wheel now ships ArcadeDB's Raft HA module "
        f"({raft_classes[:3]}): docs/operations.md section 9 is stale; try the replica path")


def test_a_server_asked_for_ha_runs_standalone(distribution, tmp_path):
    """Two peers named in arcadedb.ha.serverList: the server warns and opens no Raft port."""
    root = tmp_path / "node0"
    server = EmbeddedArcadeDB(root, heap="256m", max_page_ram_mb=64)
    root.mkdir(mode=0o700)
    (root / "root-password").write_text("contract-test-password")
    raft_ports = [free_loopback_port(), free_loopback_port()]
    http_ports = [free_loopback_port(), free_loopback_port()]
    command = server.command_line(http_ports[0], free_loopback_port())
    ha = ["-Darcadedb.server.name=node0", "-Darcadedb.ha.enabled=true", "-Darcadedb.ha.clusterName=contract",
          f"-Darcadedb.ha.raftPort={raft_ports[0]}",
          "-Darcadedb.ha.serverList=" + ",".join(f"node{i}@127.0.0.1:{raft}:{http}"
                                                  for i, (raft, http) in enumerate(zip(raft_ports, http_ports)))]
    command[command.index("-cp"):command.index("-cp")] = ha
    log_path = root / "out.log"
    with open(log_path, "wb") as log_file:
        child = subprocess.Popen(command, cwd=root, stdout=log_file, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while STARTED not in (text := log_path.read_text(errors="replace")):
            assert child.poll() is None, f"ArcadeDB exited ({child.returncode}):\n{text[-3000:]}"
            assert time.monotonic() < deadline, f"ArcadeDB did not start in 90 s:\n{text[-3000:]}"
            time.sleep(0.2)
        assert STANDALONE in text, f"ArcadeDB no longer says it runs standalone:\n{text[-3000:]}"
        listening = _listening_ports(child.pid)
        assert raft_ports[0] not in listening and http_ports[0] in listening, listening
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _listening_ports(pid: int) -> set[int]:
    """TCP ports the process listens on (from /proc: its socket inodes against /proc/net/tcp*)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
