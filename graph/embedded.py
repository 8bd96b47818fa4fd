"""The embedded graph store: an ArcadeDB server run as a child process.

`regulink serve` needs a graph database with zero set-up. The PyPI package
``arcadedb-embedded`` ships an ArcadeDB server, its Bolt plugin and a JRE; we
start that server as a *child process* (never in-process through JPype) so the
JVM's heap, threads and crashes stay out of the gateway, and talk to it only
through Bolt with the official ``neo4j`` driver, exactly as we talk to Neo4j.

Everything the child owns lives under one directory ``root``::

    root/                  mode 0700 when we create it
      root-password        generated once, mode 0600, reused on every start
      arcadedb.log         the child's stdout/stderr (previous run: .log.1)
      config/ databases/   ArcadeDB's own server root (arcadedb.server.rootPath)
      log/                 ArcadeDB's own rotating log and server event log

Every listener is bound to 127.0.0.1 on ports picked at start: ArcadeDB's Bolt
listener defaults to 0.0.0.0, and a database holding TLP:RED intelligence
must never be reachable from the network behind the gateway's back.

One file because it is one child process's life: its launch settings, start-up, readiness, restart
and shutdown share the process handle and its ports.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ctypes
import http.client
import importlib.util
import json
import logging
import os
import secrets
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import neo4j
import neo4j.exceptions

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
ROOT_USER = "root"
PASSWORD_FILE = "root-password"
LOG_FILE = "arcadedb.log"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
SERVER_MAIN = "com.arcadedb.server.ArcadeDBServer"

# JVM flags the package's own launcher (arcadedb_embedded.jvm._build_jvm_args)
# always adds: the engine needs the vector incubator module and these
# reflective openings, and must not depend on the host's locale.
_ENGINE_JVM_FLAGS = (
    "--add-modules=jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF8",
    "-Dpolyglot.engine.WarnInterpreterOnly=false",
    "-XX:+UseCompactObjectHeaders",
    # A JVM that ran out of heap limps on with half its threads dead; a dead
    # child is visible to the gateway (connection refused) and to the operator.
    "-XX:+ExitOnOutOfMemoryError",
)

# Every wire-protocol listener whose engine default is 0.0.0.0. Only Bolt is
# enabled, but pinning the others too means enabling one later cannot
# silently expose it.
_LISTENER_HOST_SETTINGS = (
    "arcadedb.server.httpIncomingHost",
    "arcadedb.bolt.host",
    "arcadedb.postgres.host",
    "arcadedb.redis.host",
    "arcadedb.mongo.host",
    "arcadedb.grpc.host",
)

_PR_SET_PDEATHSIG = 1
# Loaded before any fork: the child must not dlopen between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True)

# In the child's log: ArcadeDBServer.main() threw (the JVM may live on), and
# the message a listener gives when its port is taken.
_MAIN_DIED = 'Exception in thread "main"'
_PORT_BUSY = "Unable to listen"


@dataclass(frozen=True)
class BoltEndpoint:
    """Where and how to reach a Bolt graph server.

    ``http_url`` is set for ArcadeDB only: its full-text index DDL is SQL over
    the HTTP API (see graph.dialect), which Bolt cannot carry.
    """

    uri: str
    user: str
    password: str
    database: str
    http_url: str | None = None


@dataclass(frozen=True)
class ArcadeDBDistribution:
    """The JRE and jars inside the installed ``arcadedb-embedded`` wheel."""

    java: Path
    jars: Path

    @classmethod
    def locate(cls) -> ArcadeDBDistribution:
        """Find the wheel's files without importing it (importing loads JPype)."""
        spec = importlib.util.find_spec("arcadedb_embedded")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                "the arcadedb-embedded package is not installed "
                "(pip install arcadedb-embedded)"
            )
        package = Path(next(iter(spec.submodule_search_locations)))
        dist = cls(java=package / "jre" / "bin" / "java", jars=package / "jars")
        if not os.access(dist.java, os.X_OK) or not any(dist.jars.glob("arcadedb-server-*.jar")):
            raise RuntimeError(f"arcadedb-embedded at {package} has no bundled JRE or server jar")
        return dist


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _die_with_parent(parent_pid: int) -> None:
    """preexec_fn: have the kernel SIGTERM the child when we die.

    SIGTERM rather than SIGKILL so the JVM's shutdown hook still closes the
    databases cleanly. The getppid check closes the race where the parent died
    between fork and prctl. (The signal follows the forking *thread*: start()
    must run on a thread that lives as long as the server, e.g. the main loop.)
    """
    if _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        os._exit(126)
    if os.getppid() != parent_pid:
        os._exit(0)


class EmbeddedArcadeDB:
    """Start, supervise and stop one ArcadeDB server process under ``root``.

    ``start()`` returns only when the database exists and Bolt answers
    ``RETURN 1`` through the same driver the store uses, so the caller never
    races the JVM's start-up.
    """

    def __init__(
        self,
        root: Path,
        *,
        database: str = "regulink",
        heap: str = "1536m",
        max_page_ram_mb: int = 800,
    ) -> None:
        self.root = Path(root).resolve()
        self.database = database
        self.heap = heap
        self.max_page_ram_mb = max_page_ram_mb
        self._proc: asyncio.subprocess.Process | None = None
        self._endpoint: BoltEndpoint | None = None
        self._ports: tuple[int, int] | None = None  # (http, bolt) of the last start: a restart asks for them again

    # -- introspection -------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def rss_bytes(self) -> int:
        """Resident memory of the child (JVM heap + page cache + code), for benchmarks."""
        if self._proc is None or self._proc.returncode is not None:
            return 0
        try:
            with open(f"/proc/{self._proc.pid}/statm") as statm:
                resident_pages = int(statm.read().split()[1])
        except OSError:  # exited since the check above
            return 0
        return resident_pages * os.sysconf("SC_PAGE_SIZE")

    @property
    def endpoint(self) -> BoltEndpoint | None:
        return self._endpoint

    @property
    def running(self) -> bool:
        """The child was started and has not exited (it may still hang: see gateway.server.projection.graphdb)."""
        return self._proc is not None and self._proc.returncode is None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc is not None else None

    async def wait_exit(self) -> int | None:
        """Wait until the running child exits, whoever ended it; its exit status (None: none was running)."""
        proc = self._proc
        return await proc.wait() if proc is not None else None

    def kill(self) -> None:
        """SIGKILL the child: for one that hangs (it cannot close its files anyway); its exit follows."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()

    @property
    def log_path(self) -> Path:
        return self.root / LOG_FILE

    # -- lifecycle -----------------------------------------------------------

    async def start(self, timeout: float = 90) -> BoltEndpoint:
        """Launch the server and wait until Bolt serves the database.

        Raises RuntimeError quoting the end of ``arcadedb.log`` when the child
        exits or does not become ready within ``timeout`` seconds. A start
        that lost the race for a port it picked is retried with new ports.
        A restart first asks for the ports of the last start, so that the
        endpoint (and every driver and process holding it) stays the same.
        """
        if self._proc is not None and self._proc.returncode is None:
            raise RuntimeError(f"ArcadeDB is already running (pid {self._proc.pid})")
        deadline = time.monotonic() + timeout
        ports = self._ports
        for attempt in range(3):
            try:
                return await self._start_once(deadline, ports)
            except _PortTaken:
                log.warning("ArcadeDB lost a port race (attempt %d), retrying", attempt + 1)
                ports = None
        raise RuntimeError(self._failure("ArcadeDB could not bind its ports after 3 attempts"))

    async def stop(self, timeout: float = 30) -> None:
        """SIGTERM (the JVM closes its databases), then SIGKILL after ``timeout``."""
        proc, self._proc, self._endpoint = self._proc, None, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except asyncio.TimeoutError:
            log.warning("ArcadeDB pid %d ignored SIGTERM for %.0fs: killing it", proc.pid, timeout)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def __aenter__(self) -> BoltEndpoint:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- internals -----------------------------------------------------------

    def command_line(self, http_port: int, bolt_port: int) -> list[str]:
        """The java command that runs the server; no secret appears in it.

        The root password is passed as a file path, since a command line is
        readable by every local user through /proc.
        """
        dist = ArcadeDBDistribution.locate()
        settings = {
            "arcadedb.server.rootPath": self.root,
            "arcadedb.server.rootPasswordPath": self.root / PASSWORD_FILE,
            "arcadedb.server.logsDirectory": self.root / "log",
            "arcadedb.server.httpIncomingPort": http_port,
            "arcadedb.bolt.port": bolt_port,
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.defaultDatabase": self.database,
            # The gateway never loads CSV through Cypher; a query must not be
            # able to read local files or fetch URLs as the server.
            "arcadedb.opencypher.loadCsv.allowFileUrls": "false",
            "arcadedb.opencypher.loadCsv.allowRemoteUrls": "false",
            "arcadedb.maxPageRAM": self.max_page_ram_mb,
            # A rebuild streams all its vertices in one batch request (graph.bulk_arcadedb);
            # the default cap (100 MB) would stop it at a few hundred thousand.
            "arcadedb.server.httpBodyContentMaxSize": 64 << 30,
            **{key: LOOPBACK for key in _LISTENER_HOST_SETTINGS},
        }
        return [
            str(dist.java),
            f"-Xmx{self.heap}",
            # Generational ZGC: pauses under a millisecond. G1 paused 10–50 ms every few
            # hundred queries on the 1M-node graph (page-cache churn allocates fast), and
            # those pauses were most of the 2-hop p99 (docs/benchmarks.md).
            "-XX:+UseZGC",
            *_ENGINE_JVM_FLAGS,
            f"-XX:ErrorFile={self.root / 'log' / 'hs_err_pid%p.log'}",
            *(f"-D{key}={value}" for key, value in settings.items()),
            "-cp",
            str(dist.jars / "*"),
            SERVER_MAIN,
        ]

    async def _start_once(self, deadline: float, ports: tuple[int, int] | None = None) -> BoltEndpoint:
        self._prepare_root()
        password = self._root_password()
        if ports is not None:
            http_port, bolt_port = ports
        else:
            http_port, bolt_port = free_loopback_port(), free_loopback_port()
            while bolt_port == http_port:
                bolt_port = free_loopback_port()
        self._rotate_log()
        with open(self.log_path, "ab") as log_file:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command_line(http_port, bolt_port),
                cwd=self.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # a ^C to our terminal is ours to handle
                preexec_fn=lambda parent=os.getpid(): _die_with_parent(parent),
            )
        log.info("ArcadeDB pid %d starting (http %d, bolt %d)", self._proc.pid, http_port, bolt_port)
        endpoint = BoltEndpoint(
            uri=f"bolt://{LOOPBACK}:{bolt_port}",
            user=ROOT_USER,
            password=password,
            database=self.database,
            http_url=f"http://{LOOPBACK}:{http_port}",
        )
        try:
            await self._wait_http(endpoint, deadline)
            await self._ensure_database(endpoint)
            await self._wait_bolt(endpoint, deadline)
        except BaseException:
            await self.stop()
            raise
        self._endpoint = endpoint
        self._ports = (http_port, bolt_port)
        return endpoint

    def _prepare_root(self) -> None:
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=0o700)

    def _root_password(self) -> str:
        """Read the root password, or generate it on first start (0600).

        ArcadeDB reads it only when it creates the root user (first start);
        later starts must present the same one, hence the file is kept.
        """
        path = self.root / PASSWORD_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            os.chmod(path, 0o600)
            password = path.read_text(encoding="ascii").strip()
            if not password:
                raise RuntimeError(f"{path} is empty") from None
            return password
        password = secrets.token_urlsafe(32)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(password)
        return password

    def _rotate_log(self) -> None:
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_name(LOG_FILE + ".1"))

    def _check_alive(self) -> None:
        """Raise if the child died, or if its start failed while the JVM lives on.

        A failed ArcadeDBServer.main() (e.g. a port taken) leaves non-daemon
        threads running, so the process would sit there until the timeout:
        the uncaught exception in the log is the reliable signal.
        """
        assert self._proc is not None
        exited = self._proc.returncode is not None
        tail = self._log_tail()
        if not exited and _MAIN_DIED not in tail:
            return
        if _PORT_BUSY in tail:
            raise _PortTaken()
        reason = f"exited with status {self._proc.returncode}" if exited else "failed to start"
        raise RuntimeError(self._failure(f"ArcadeDB {reason}"))

    def _check_deadline(self, deadline: float, what: str) -> None:
        self._check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(self._failure(f"ArcadeDB did not {what} in time"))

    async def _wait_http(self, endpoint: BoltEndpoint, deadline: float) -> None:
        """Wait for the HTTP API, which the server opens after loading its databases.

        /api/v1/ready needs no credentials (204 when up): a refused password
        is reported by the next, authenticated, step rather than looping here.
        """
        url = f"{endpoint.http_url}/api/v1/ready"

        def ready() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return 200 <= response.status < 300
            except (OSError, urllib.error.URLError):
                return False

        while not await asyncio.to_thread(ready):
            self._check_deadline(deadline, "open its HTTP API")
            await asyncio.sleep(0.05)

    async def _ensure_database(self, endpoint: BoltEndpoint) -> None:
        try:
            exists = await arcadedb_http(endpoint, "GET", f"/api/v1/exists/{endpoint.database}")
        except ArcadeDBAuthError as exc:
            raise ArcadeDBAuthError(
                f"{exc} (ArcadeDB keeps the root password of its first start: "
                f"was {self.root / PASSWORD_FILE} replaced since?)"
            ) from None
        if not (exists or {}).get("result"):
            await arcadedb_http(
                endpoint, "POST", "/api/v1/server", {"command": f"create database {endpoint.database}"}
            )
            log.info("ArcadeDB database %r created", endpoint.database)

    async def _wait_bolt(self, endpoint: BoltEndpoint, deadline: float) -> None:
        """Wait until the store's own path works: driver, Bolt handshake, auth, query."""
        driver = neo4j.AsyncGraphDatabase.driver(
            endpoint.uri, auth=(endpoint.user, endpoint.password), connection_timeout=2
        )
        try:
            while True:
                self._check_deadline(deadline, "answer on Bolt")
                try:
                    records, _, _ = await driver.execute_query("RETURN 1 AS ok", database_=endpoint.database)
                    if records and records[0]["ok"] == 1:
                        return
                except neo4j.exceptions.AuthError as exc:
                    raise ArcadeDBAuthError(f"ArcadeDB Bolt refused the root password: {exc}") from exc
                except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError):
                    await asyncio.sleep(0.05)
        finally:
            await driver.close()

    def _log_tail(self, lines: int = 25) -> str:
        """The last lines of the child's log (read from its last 16 KiB only)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 16384))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "".join(deque(text.splitlines(keepends=True), maxlen=lines))

    def _failure(self, message: str) -> str:
        return f"{message}; last lines of {self.log_path}:\n{self._log_tail()}"


class _PortTaken(Exception):
    """The child could not bind a port we picked: another process took it first."""


class ArcadeDBAuthError(RuntimeError):
    """ArcadeDB's HTTP API refused the credentials (HTTP 401 or 403)."""


async def arcadedb_http(
    endpoint: BoltEndpoint,
    method: str,
    path: str,
    body: dict[str, object] | bytes | None = None,
    *,
    timeout: float = 60,
    content_type: str = "application/json",
    query: str = "",
) -> dict[str, object] | None:
    """Call ArcadeDB's HTTP API (JSON in, JSON out), off the event loop.

    Used for what Bolt cannot do: creating the database and SQL-only DDL
    such as full-text indexes. Raises ArcadeDBAuthError on 401/403 and
    RuntimeError on any other HTTP error status, with the server's detail.
    """
    if endpoint.http_url is None:
        raise ValueError("this endpoint has no ArcadeDB HTTP API")
    url = endpoint.http_url + urllib.parse.quote(path) + (f"?{query}" if query else "")
    token = base64.b64encode(f"{endpoint.user}:{endpoint.password}".encode()).decode()
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Basic {token}")
    if data is not None:
        request.add_header("Content-Type", content_type)

    def call() -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            error = ArcadeDBAuthError if exc.code in (401, 403) else RuntimeError
            raise error(f"ArcadeDB {method} {path}: HTTP {exc.code}: {detail}") from None
        return json.loads(payload) if payload else None

    return await asyncio.to_thread(call)


def _hang_up(connection: http.client.HTTPConnection) -> None:
    """End a connection another thread may be blocked on (close() alone would not wake it)."""
    with contextlib.suppress(OSError):
        if connection.sock is not None:
            connection.sock.shutdown(socket.SHUT_RDWR)
    connection.close()


def _batch_answer(connection: http.client.HTTPConnection, on_progress: Callable[[dict], None]) -> dict[str, object]:
    """Read a batch load's streamed answer: progress lines to `on_progress`, then the summary."""
    response = connection.getresponse()
    if response.status != 200:
        detail = response.read().decode("utf-8", "replace")[:500]
        error = ArcadeDBAuthError if response.status in (401, 403) else RuntimeError
        raise error(f"ArcadeDB batch load: HTTP {response.status}: {detail}")
    for line in response:
        if not line.strip():
            continue
        message = json.loads(line)
        if "progress" in message:
            on_progress(message["progress"])
        elif "summary" in message:
            return message["summary"]
        else:
            raise RuntimeError(f"ArcadeDB batch load: {line[:500].decode('utf-8', 'replace')}")
    raise RuntimeError("ArcadeDB batch load: the answer ended without a summary")


async def arcadedb_sql(endpoint: BoltEndpoint, command: str) -> dict[str, object] | None:
    """Run one ArcadeDB SQL command on the endpoint's database over HTTP."""
    return await arcadedb_http(
        endpoint,
        "POST",
        f"/api/v1/command/{endpoint.database}",
        {"language": "sql", "command": command},
    )


def arcadedb_batch(endpoint: BoltEndpoint, pieces: Iterable[bytes], *, query: str = "",
                   on_progress: Callable[[dict], None] = lambda progress: None,
                   timeout: float = 3600) -> dict[str, object]:
    """Load vertices and edges with ArcadeDB's batch endpoint (one JSON object per line). Blocking.

    A vertex line is {"@type": "vertex", "@class": T, ...}; an edge line
    {"@type": "edge", "@class": T, "@from": ref, "@to": ref}, a ref being a
    vertex's position in this body (query "refMode=ordinal"), a temporary
    "@id" or a RID "#b:p". The body is sent as it is produced (chunked) by a
    thread while this one reads the answer, which streams as JSON lines:
    progress lines go to `on_progress` (their "idMapping" gives the new
    vertices' RIDs: a large load's mapping is megabytes, so reading it only
    after sending everything could fill both sockets and stall). Returns the
    summary (verticesCreated, edgesCreated, …). Not atomic: only for loads
    that may be redone.
    """
    if endpoint.http_url is None:
        raise ValueError("this endpoint has no ArcadeDB HTTP API")
    url = urllib.parse.urlsplit(endpoint.http_url)
    token = base64.b64encode(f"{endpoint.user}:{endpoint.password}".encode()).decode()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.putrequest("POST", f"/api/v1/batch/{urllib.parse.quote(endpoint.database)}"
                                      + (f"?{query}" if query else ""))
        for name, value in (("Authorization", f"Basic {token}"), ("Content-Type", "application/x-ndjson"),
                            ("Accept", "application/x-ndjson"), ("Transfer-Encoding", "chunked")):
            connection.putheader(name, value)
        connection.endheaders()
        failed: list[BaseException] = []

        def send() -> None:
            try:
                for piece in pieces:
                    if piece:
                        connection.send(b"%x\r\n%b\r\n" % (len(piece), piece))
                connection.send(b"0\r\n\r\n")
            except OSError:
                pass  # the server stopped reading: its answer says why
            except BaseException as exc:  # a failure producing the body: the load must not look complete
                failed.append(exc)
                _hang_up(connection)

        sender = threading.Thread(target=send, name="arcadedb-batch-body", daemon=True)
        sender.start()
        try:
            summary = _batch_answer(connection, on_progress)
        except Exception as exc:
            _hang_up(connection)  # wakes the sender if the server stopped reading
            sender.join()
            if failed:  # the body could not be produced: that is the cause
                raise failed[0] from None
            if isinstance(exc, (OSError, http.client.HTTPException)):
                raise RuntimeError(f"ArcadeDB batch load: {exc!r}") from None
            raise
        sender.join()
        if failed:
            raise failed[0]
        return summary
    finally:
        connection.close()
