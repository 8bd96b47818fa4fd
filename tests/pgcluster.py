"""Throw-away PostgreSQL clusters on loopback, for the tests and benchmarks of the PostgreSQL ledger.

Real servers from Debian's `postgresql` package (`.ci/run` installs it where it is missing):
`initdb` into a temporary folder, `pg_ctl` to start, stop and promote, `pg_basebackup -R` for a
streaming standby. PostgreSQL refuses to run as root, so under root (CI, a container) the servers
run as `nobody` in a folder given to it; elsewhere as the current user. Only loopback listens
(no Unix socket), with `trust` authentication: nothing outside this machine can reach them, and
they are deleted with their folder.

Without the binaries, `SKIP_REASON` says why the tests that need them are skipped.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: The user the servers run as when we are root (initdb and postgres refuse root).
UNPRIVILEGED = "nobody"
_databases = itertools.count()


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    # Debian keeps them off PATH, per major version.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


BIN = _bin_dir()
SKIP_REASON = ("no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package "
               "(`apt-get install postgresql`; .ci/run does it as root)")


def available() -> bool:
    return BIN is not None and all((BIN / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    return UNPRIVILEGED if os.geteuid() == 0 else None


class Cluster:
    """One PostgreSQL server in its own folder, listening on 127.0.0.1:`port`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.log = folder / "server.log"

    # -- making one ------------------------------------------------------------------------

    @classmethod
    def create(cls, *, database: str = "regulink") -> Cluster:
        """initdb, start, and create `database`."""
        cluster = cls(_private_folder(), _free_port())
        cluster._pg("initdb", "-D", str(cluster.data), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
                    "-U", "postgres")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "''",
            "max_connections": "60",
            "shared_buffers": "32MB",
            "wal_level": "replica",
            "max_wal_senders": "6",
            "hot_standby": "on",
            "fsync": "on",  # what a deployment runs: the figures and the failover test mean something
        }
        cluster._configure(settings)
        cluster.start()
        cluster.sql("postgres", f"CREATE DATABASE {database}")
        return cluster

    def standby(self, name: str = "standby1", *, synchronous: bool = True, timeout: float = 60) -> Cluster:
        """A streaming hot standby of this (running) server, as application_name `name`, started. Synchronous:
        from then on every commit on this server waits until the standby has it on disk
        (synchronous_standby_names, synchronous_commit = on), as a deployment that survives a machine runs."""
        replica = Cluster(_private_folder(), _free_port())
        self._pg("pg_basebackup", "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
                 "-d", f"host=127.0.0.1 port={self.port} user=postgres application_name={name}")
        replica._configure({"port": str(replica.port)})
        replica.start()
        if synchronous:
            self.sql("postgres", f"ALTER SYSTEM SET synchronous_standby_names = '{name}'")
            self.sql("postgres", "SELECT pg_reload_conf()")
            deadline = time.monotonic() + timeout
            while self.sql("postgres", f"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{name}'"
                           ) != "sync":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"standby {name} did not become synchronous")
                time.sleep(0.05)
        return replica

    def _configure(self, settings: dict[str, str]) -> None:
        settings = {"port": str(self.port), **settings}
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    # -- running it ---------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(timeout)), "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def kill(self) -> None:
        """kill -9 of the server and every process of it at once, as when its machine is lost."""
        pid = self.pid()
        victims = [pid, *_children(pid)]
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while any(_alive(v) for v in victims) and time.monotonic() < deadline:
            time.sleep(0.02)

    def promote(self, timeout: float = 60) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", str(int(timeout)), "promote")

    def pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- talking to it ------------------------------------------------------------------------

    def new_database(self) -> str:
        """An empty database of its own (a test's); its name."""
        name = f"t{next(_databases)}"
        self.sql("postgres", f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.sql("postgres", f"DROP DATABASE {name} WITH (FORCE)")

    def dsn(self, database: str = "regulink") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, statement: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return "" if cursor.description is None else "\n".join(str(row[0]) for row in cursor.fetchall())

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        assert BIN is not None, SKIP_REASON
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PGTZ": "UTC"}
        done = subprocess.run([str(BIN / tool), *args], user=_run_as(), env=env, cwd=self.folder,
                              capture_output=True, text=True, timeout=180)
        if check and done.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done


def _private_folder() -> Path:
    """A temporary folder the server's user owns, mode 0700 (PostgreSQL requires it)."""
    folder = Path(tempfile.mkdtemp(prefix="regulink-pg-"))
    user = _run_as()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
