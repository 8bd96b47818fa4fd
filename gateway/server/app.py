"""The gateway process: registry, ledger, sequencer and the gRPC services on mTLS."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway import keys
from gateway.ops import datadir, devca
from gateway.server import logs, roles
from gateway.server.admission import identity
from gateway.server.admission.admit import Limits
from gateway.server.admission.workers import Verifier, worker_count
from gateway.server.alerts.engine import Alerting
from gateway.server.audit import AuditLog
from gateway.server.config import Settings
from gateway.server.limits import AgencyLimits
from gateway.server.metrics import Metrics
from gateway.server.projection.graphdb import GraphWatch
from gateway.server.projection.supervisor import Projection
from gateway.server.registry_pg import open_registry
from gateway.server.rpc import add_service
from gateway.server.services.exchange import ExchangeService
from gateway.server.services.export import ExportService
from gateway.server.services.query import QueryService
from gateway.server.services.registry import RegistryService
from gateway.server.services.transparency import TransparencyService
from gateway.server.services.watch import WatchService
from graph.embedded import BoltEndpoint, EmbeddedArcadeDB
from graph.store import GraphStore
from regulink.v1 import exchange_pb2, export_pb2, query_pb2, registry_pb2, transparency_pb2, watch_pb2

log = logging.getLogger("regulink.gateway")

SERVICES = (
    (exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"], ExchangeService),
    (registry_pb2.DESCRIPTOR.services_by_name["RegistryService"], RegistryService),
    (transparency_pb2.DESCRIPTOR.services_by_name["TransparencyService"], TransparencyService),
    (query_pb2.DESCRIPTOR.services_by_name["QueryService"], QueryService),
    (export_pb2.DESCRIPTOR.services_by_name["ExportService"], ExportService),
    (watch_pb2.DESCRIPTOR.services_by_name["WatchService"], WatchService),
)


@dataclass
class FirstRun:
    """What the gateway had to create on start, so the CLI can say so."""

    created_tls: bool = False
    created_log_key: bool = False


def ensure_material(settings: Settings) -> FirstRun:
    datadir.secure(settings.data_dir)  # private (0700/0600) before anything in it is opened
    first = FirstRun(created_tls=devca.ensure_ca(settings.tls))
    if settings.role == "writer" and not settings.log_key_path.exists():  # a query gateway signs nothing
        keys.write_private_key(keys.generate(), settings.log_key_path)
        first.created_log_key = True
    return first


# A health-check name of its own: NOT_SERVING while the graph is absent or its projection
# stuck, for clients and load balancers that need fresh answers (docs/observability.md).
FRESHNESS = "regulink.graph.Freshness"
# NOT_SERVING while the graph database is down or does not answer (gateway.server.projection.graphdb).
GRAPH_STORE = "regulink.graph.Store"


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.first_run = ensure_material(settings)
        self.limits = Limits(max_envelope_bytes=settings.max_envelope_bytes)
        self.agency_limits = AgencyLimits(settings.agency_rate, settings.agency_burst, settings.agency_max_streams)
        self.registry = open_registry(settings.registry_location, follow=True)
        self.audit = AuditLog(settings.data_dir / "audit.db")
        # SQLite, or PostgreSQL as the writer (waits for the writer lease) or a query gateway (gateway.server.roles).
        self.ledger, self.sequencer = roles.open_log(settings)
        self.fenced = asyncio.Event()  # set when a PostgreSQL writer lost its lease: the CLI stops the gateway
        self.alerting = Alerting(self, settings.data_dir / "watches.db")  # watches and alerts (issue 18)
        self.verifier = Verifier(self.limits, settings.registry_location,  # a query gateway checks no records
                                 worker_count(settings.verify_workers) if settings.role == "writer" else 0)
        self.health = health.aio.HealthServicer()
        self.server: grpc.aio.Server | None = None
        self.port: int | None = None
        self._appended = asyncio.Event()
        self.sequencer.on_append.append(self._wake_subscribers)
        self.graph_db: EmbeddedArcadeDB | None = None
        self._graph_store: GraphStore | None = None
        self.graph_watch: GraphWatch | None = None
        self.projection: Projection | None = None
        self._graph_task: asyncio.Task | None = None
        self._freshness_task: asyncio.Task | None = None
        self.metrics = Metrics(lambda: self.ledger.size, lambda: self.projection, settings.graph != "none",
                               graph_watch=lambda: self.graph_watch)
        self.metrics_port: int | None = None

    def appended_event(self) -> asyncio.Event:
        """An event set at the next append (subscribers wait on it)."""
        return self._appended

    def _wake_subscribers(self) -> None:
        self._appended.set()
        self._appended = asyncio.Event()
        if self.projection is not None:
            self.projection.wake()

    # -- graph -----------------------------------------------------------------------------------

    def graph_endpoint(self) -> BoltEndpoint:
        s = self.settings
        return BoltEndpoint(s.graph, s.graph_user, s.graph_password, s.graph_database or None)

    async def _start_graph(self) -> None:
        """Embedded: start ArcadeDB and wait for it. External: connect in the background until it answers."""
        if self.settings.graph == "none":
            return
        if self.settings.graph == "embedded":
            self.graph_db = EmbeddedArcadeDB(self.settings.data_dir / "graph", heap=self.settings.graph_heap)
            await self._attach_graph(await self.graph_db.start())
        else:
            self._graph_task = asyncio.create_task(self._connect_external(), name="graph-connect")

    async def _connect_external(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._attach_graph(self.graph_endpoint())
                return
            except Exception as exc:  # Neo4j down: ingestion goes on, queries say UNAVAILABLE
                log.warning("graph store %s not reachable (%s); retrying in %.0fs", self.settings.graph, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    @property
    def graph_store(self) -> GraphStore | None:
        """The graph store while it answers; None while it is absent or down (queries say UNAVAILABLE)."""
        watch = self.graph_watch
        return self._graph_store if watch is None or watch.up else None

    async def _attach_graph(self, endpoint: BoltEndpoint) -> None:
        store = await GraphStore.connect(endpoint)
        await store.setup()
        self._graph_store = store
        root = logging.getLogger()
        if self.settings.role == "query" and self.graph_db is None:
            # A shared graph database has one projector, the writer's: a query gateway only reads it.
            self.graph_watch = GraphWatch(store, None, on_change=self._set_freshness,
                                          on_restarted=self._graph_restarted)
            self.graph_watch.start()
            return
        self.projection = Projection(
            self.settings.ledger_location, endpoint, lambda: self.ledger.size,
            stuck_after=self.settings.projection_stuck_seconds, log_level=logging.getLevelName(root.level),
            log_format="json" if any(isinstance(h.formatter, logs.JsonFormatter) for h in root.handlers) else "text",
            exclusive=self.graph_db is not None)
        self.projection.on_advance.append(self.alerting.wake)
        self.projection.on_touches.append(self.alerting.touched)
        await self.projection.start()
        self.graph_watch = GraphWatch(store, self.graph_db, on_change=self._set_freshness,
                                      on_restarted=self._graph_restarted)
        self.graph_watch.start()

    async def _graph_restarted(self, endpoint: BoltEndpoint) -> None:
        """The embedded database was started again: a fresh store (the old one's connections are dead)."""
        store = await GraphStore.connect(endpoint)
        old, self._graph_store = self._graph_store, store
        self.graph_watch.set_store(store)
        if old is not None:
            await old.close()
        if self.projection is not None:
            await self.projection.repoint(endpoint)

    def graph_fresh(self) -> bool:
        """The graph is attached and its projection advancing (not stuck, projector alive)."""
        projection, watch = self.projection, self.graph_watch
        if projection is None and self.settings.role == "query" and self._graph_store is not None:
            return watch is None or watch.up  # the writer projects into the shared graph this one reads
        return (projection is not None and projection.running and not projection.stuck
                and not projection.rebuilding and (watch is None or watch.up))

    async def _set_freshness(self) -> None:
        status = health_pb2.HealthCheckResponse
        await self.health.set(FRESHNESS, status.SERVING if self.graph_fresh() else status.NOT_SERVING)
        if self.settings.graph != "none":
            up = self._graph_store is not None and self.graph_watch is not None and self.graph_watch.up
            await self.health.set(GRAPH_STORE, status.SERVING if up else status.NOT_SERVING)

    async def _watch_freshness(self) -> None:
        """Health of FRESHNESS follows the projection: a stuck one turns NOT_SERVING within a second."""
        while True:
            await asyncio.sleep(1)
            await self._set_freshness()

    def _credentials(self) -> grpc.ServerCredentials:
        tls = self.settings.tls
        return grpc.ssl_server_credentials(
            [((tls / "server-key.pem").read_bytes(), (tls / "server.pem").read_bytes())],
            root_certificates=(tls / "ca.pem").read_bytes(),
            require_client_auth=True,
        )

    async def start(self) -> int:
        if self.settings.metrics_listen:  # first: a port already taken fails before anything else starts
            self.metrics_port = self.metrics.serve(self.settings.metrics_listen)
            host = self.settings.metrics_listen.rpartition(":")[0]
            log.info("metrics on http://%s:%d/metrics", host, self.metrics_port)
        options = [
            ("grpc.max_receive_message_length", self.settings.max_message_bytes),
            ("grpc.max_send_message_length", self.settings.max_message_bytes),
        ]
        self.server = grpc.aio.server(options=options)
        for descriptor, service in SERVICES:
            add_service(self.server, descriptor, service(self), self.metrics)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = [d.full_name for d, _ in SERVICES] + [health.SERVICE_NAME, reflection.SERVICE_NAME]
        identity.add_reflection(self.server, names, self.registry)  # registered agencies only, as every service
        self.port = self.server.add_secure_port(self.settings.listen, self._credentials())
        await self.sequencer.start()
        if self.settings.role == "writer" and self.settings.ledger_on_postgresql:
            # Stop when another writer took the lease (gateway.ledger.pg_store); say where records go.
            loop = asyncio.get_running_loop()
            self.ledger.store.on_fenced.append(lambda why: loop.call_soon_threadsafe(self.fenced.set))
            await self.sequencer.call(self.ledger.store.advertise, self.settings.advertised(self.port))
        # The signature workers warm up while the graph starts, both before the port serves:
        # no first stream waits for a worker to start (issue 12: it took 10-14 s).
        await asyncio.gather(self._start_graph(), self.verifier.warm())
        await self.server.start()
        for name in ["", *(d.full_name for d, _ in SERVICES)]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        await self._set_freshness()
        self._freshness_task = asyncio.create_task(self._watch_freshness(), name="graph-freshness")
        self.alerting.start()
        log.info("gateway listening on port %s, log %s at size %d", self.port, self.ledger.origin, self.ledger.size)
        return self.port

    async def stop(self, grace: float = 5.0) -> None:
        """NOT_SERVING first, then finish in-flight calls and receipts, then close."""
        if self._freshness_task is not None:
            self._freshness_task.cancel()
        await self.health.enter_graceful_shutdown()
        if self.server is not None:
            await self.server.stop(grace)
        await self.alerting.stop()
        await self.sequencer.stop()
        if self._graph_task is not None:
            self._graph_task.cancel()
        if self.graph_watch is not None:  # before the child stops, or it would start it again
            await self.graph_watch.stop()
        if self.projection is not None:
            await self.projection.stop()
        if self._graph_store is not None:
            await self._graph_store.close()
        if self.graph_db is not None:
            await self.graph_db.stop()
        self.verifier.close()
        self.audit.close()
        self.ledger.store.close()
        self.registry.close()
        await asyncio.to_thread(self.metrics.close)

    async def wait(self) -> None:
        assert self.server is not None
        await self.server.wait_for_termination()
