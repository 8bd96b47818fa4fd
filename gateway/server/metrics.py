"""Prometheus metrics of one gateway, on their own registry and their own plain-HTTP listener.

    regulink_records_accepted_total{rpc, agency}          records that got a receipt
    regulink_records_rejected_total{rpc, agency, reason}  records refused, by the error's reason
    regulink_receipt_seconds{rpc}                          request arrival → receipt sent (histogram)
    regulink_query_seconds{query, code}                    investigator queries and exports (histogram)
    regulink_rpcs_total{service, method, code}             every RPC, by its final status code
    regulink_active_streams{rpc}                           streaming RPCs open now
    regulink_ledger_size                                   entries in the log
    regulink_projection_watermark                          last ledger index in the graph (-1: none)
    regulink_projection_lag                                ledger entries not yet in the graph
    regulink_graph_up                                      1 when the graph store is attached and answers
    regulink_graph_restarts_total                          times the embedded graph database was started again
    regulink_graph_probe_failures_total                    health probes of the graph database that failed
    regulink_graph_query_timeouts_total                    investigators' reads the graph did not answer in time
    regulink_projection_stuck                              1 when the projection has failed at one place
                                                           for projection_stuck_seconds (an alarm)
    regulink_projection_failing_seconds                    how long it has not advanced (0 while it does)
    regulink_projector_up                                  1 while the projector process runs
    regulink_projector_restarts_total                      times the projector process had to be restarted
    regulink_projection_unprojectable                      ledger entries the graph refused, left out of it
    regulink_projection_rebuilding                         1 while the graph, found incomplete or ahead of the
                                                           ledger, is projected again from entry 0

Labels are bounded by code or by the registry: RPC and query names, gRPC code
names, error reasons, and the calling agency (its mTLS identity, checked
against the registry; "-" before that). Never a record id, a key, a name or
query text. Query metrics carry no agency: who investigates what, and when, is
for the audit log, not for a scrape endpoint. docs/observability.md has the
PromQL.

One registry per gateway (not prometheus_client's global one), so several
gateways in one process, as in the tests, do not clash.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.errors import RegulinkError
from gateway.server.projection.graphdb import as_unavailable

UNKNOWN_AGENCY = "-"
RECEIPT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_REASON = re.compile(r"[A-Z][A-Z0-9_]{0,39}")


def reason_label(error: BaseException) -> str:
    """The error's machine-readable reason, lower case (bad_signature, duplicate…); "internal" for the rest."""
    reason = getattr(error, "reason", "") if isinstance(error, RegulinkError) else ""
    return reason.lower() if _REASON.fullmatch(reason or "") else "internal"


def code_name(error: BaseException | None) -> str:
    """The gRPC code name an outcome ends with (OK, NOT_FOUND…, CANCELLED when the client went away)."""
    if error is None:
        return "OK"
    error = as_unavailable(error)  # a graph database down or hung: UNAVAILABLE, as the caller is told
    if isinstance(error, RegulinkError):
        return error.code
    if isinstance(error, (asyncio.CancelledError, GeneratorExit)):
        return "CANCELLED"
    return "INTERNAL"


class _LiveState(Collector):
    """Gauges read at scrape time from the gateway, so they can never go stale."""

    def __init__(self, ledger_size: Callable[[], int], projection: Callable[[], object | None],
                 graph_enabled: bool, graph_watch: Callable[[], object | None]) -> None:
        self.ledger_size = ledger_size
        self.projection = projection
        self.graph_enabled = graph_enabled
        self.graph_watch = graph_watch

    def collect(self):
        size = self.ledger_size()
        yield GaugeMetricFamily("regulink_ledger_size", "Entries in the ledger (the log's tree size).", value=size)
        if not self.graph_enabled:
            return
        projection = self.projection()
        # No projection yet (graph store not reachable): nothing is projected, the whole ledger lags.
        watermark = projection.watermark if projection is not None else -1
        lag = projection.lag if projection is not None else size
        watch = self.graph_watch()
        up = projection is not None and (watch is None or watch.up)
        yield GaugeMetricFamily("regulink_graph_up", "1 when the graph store is attached and answers, else 0.",
                                value=1 if up else 0)
        yield CounterMetricFamily("regulink_graph_restarts", "Times the embedded graph database was started again "
                                  "after it exited.", value=watch.restarts if watch is not None else 0)
        yield CounterMetricFamily("regulink_graph_probe_failures", "Health probes of the graph database that "
                                  "failed or timed out.", value=watch.probe_failures if watch is not None else 0)
        yield GaugeMetricFamily("regulink_projection_watermark",
                                "Last ledger index projected into the graph (-1: none yet).", value=watermark)
        yield GaugeMetricFamily("regulink_projection_lag",
                                "Ledger entries not yet projected into the graph (ledger size - projected).",
                                value=lag)
        failing_since = projection.failing_since if projection is not None else None
        yield GaugeMetricFamily("regulink_projection_stuck",
                                "1 when the projection has failed at one place for projection_stuck_seconds.",
                                value=1 if projection is not None and projection.stuck else 0)
        yield GaugeMetricFamily("regulink_projection_failing_seconds",
                                "Seconds since the projection last could not advance (0 while it advances).",
                                value=max(0.0, time.time() - failing_since) if failing_since else 0)
        yield GaugeMetricFamily("regulink_projector_up", "1 while the projector process runs.",
                                value=1 if projection is not None and projection.running else 0)
        yield CounterMetricFamily("regulink_projector_restarts", "Times the projector process was restarted.",
                                  value=projection.restarts if projection is not None else 0)
        yield GaugeMetricFamily("regulink_projection_rebuilding",
                                "1 while the graph is projected again from the ledger's first entry, after it was "
                                "found incomplete or ahead of the ledger.",
                                value=1 if projection is not None and projection.rebuilding else 0)
        yield GaugeMetricFamily("regulink_projection_unprojectable",
                                "Ledger entries the graph refused, left out of it so the projection goes on.",
                                value=projection.set_aside if projection is not None else 0)


class Metrics:
    def __init__(self, ledger_size: Callable[[], int], projection: Callable[[], object | None],
                 graph_enabled: bool = True, graph_watch: Callable[[], object | None] = lambda: None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter("regulink_records_accepted", "Records accepted into the ledger (a receipt sent).",
                                ["rpc", "agency"], registry=r)
        self.rejected = Counter("regulink_records_rejected", "Records refused, by the error's reason.",
                                ["rpc", "agency", "reason"], registry=r)
        self.receipt_seconds = Histogram("regulink_receipt_seconds", "From a record's arrival to its receipt sent.",
                                         ["rpc"], buckets=RECEIPT_BUCKETS, registry=r)
        self.query_seconds = Histogram("regulink_query_seconds", "Investigator queries and exports, by type and "
                                       "outcome code.", ["query", "code"], buckets=QUERY_BUCKETS, registry=r)
        self.rpcs = Counter("regulink_rpcs", "RPCs handled, by method and final gRPC status code.",
                            ["service", "method", "code"], registry=r)
        self.active_streams = Gauge("regulink_active_streams", "Streaming RPCs open now.", ["rpc"], registry=r)
        self.graph_timeouts = Counter("regulink_graph_query_timeouts", "Investigators' reads the graph database did "
                                      "not answer within its deadline (answered UNAVAILABLE).", registry=r)
        r.register(_LiveState(ledger_size, projection, graph_enabled, graph_watch))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- recording -------------------------------------------------------------------------------

    def record_outcomes(self, rpc: str, agency: str, outcomes) -> None:
        """Count each record's outcome: a receipt (accepted) or the error that refused it (by reason)."""
        accepted = 0
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                self.rejected.labels(rpc, agency, reason_label(outcome)).inc()
            else:
                accepted += 1
        if accepted:
            self.accepted.labels(rpc, agency).inc(accepted)

    def receipts_sent(self, rpc: str, arrived: float, count: int = 1) -> None:
        """`count` receipts just went out for records that arrived at `arrived` (a time.perf_counter())."""
        elapsed = time.perf_counter() - arrived
        histogram = self.receipt_seconds.labels(rpc)
        for _ in range(count):
            histogram.observe(elapsed)

    @contextlib.contextmanager
    def timed_query(self, query: str) -> Iterator[None]:
        """Observe the block's duration under `query` and the code it ends with."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.query_seconds.labels(query, code_name(error)).observe(time.perf_counter() - started)

    # -- serving ---------------------------------------------------------------------------------

    def serve(self, listen: str) -> int:
        """Serve /metrics over plain HTTP on HOST:PORT (port 0: any free one); returns the port."""
        host, _, port = listen.rpartition(":")
        self._server, self._thread = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
        return self._server.server_port

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
