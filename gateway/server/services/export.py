"""ExportService: a query's answer (or a whole case) as a file, streamed in chunks, for the caller's eyes.

The subgraph comes from the same Investigator as QueryService answers, so
an export shows exactly what the caller may see and nothing else. Writers
(graph.export) are synchronous and some are CPU-heavy (pictures, layout):
one runs in a worker thread and hands its bytes over a bounded queue, so a
large file streams out as it is written and is never held whole.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from gateway.errors import InvalidArgument, NotFound
from gateway.server.services import asking as q
from gateway.server.services.asking import audit_line
from graph import export as exports
from graph.investigate import ANALYSIS_NODES, MAX_CASE_NODES, MAX_NODES, NEIGHBOURHOOD_NODES, Investigator, Window
from graph.view import Subgraph
from regulink.v1 import export_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway

CHUNK = 1 << 20
QUEUE_CHUNKS = 4  # at most this many chunks wait for a slow reader before the writer pauses
MAX_PIXELS = 8000
_DONE = object()


class _QueueWriter(io.RawIOBase):
    """A binary, append-only file for a writer thread: full chunks go to the event loop's queue."""

    def __init__(self, queue: asyncio.Queue, loop: asyncio.AbstractEventLoop, cancelled: threading.Event) -> None:
        super().__init__()
        self.queue, self.loop, self.cancelled = queue, loop, cancelled
        self.buffer = bytearray()
        self.written = 0

    def write(self, data) -> int:
        if self.cancelled.is_set():
            raise _Cancelled()
        self.buffer += data
        self.written += len(data)
        while len(self.buffer) >= CHUNK:
            self._put(bytes(self.buffer[:CHUNK]))
            del self.buffer[:CHUNK]
        return len(data)

    def tell(self) -> int:  # PDF writers note offsets as they go
        return self.written

    def writable(self) -> bool:
        return True

    def finish(self) -> None:
        if self.buffer:
            self._put(bytes(self.buffer))
            self.buffer.clear()

    def _put(self, item) -> None:
        # Blocks this thread while the queue is full: backpressure from the client's reading pace.
        asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop).result()


class _Cancelled(Exception):
    """The client went away; the writer thread stops at its next write."""


def _title(request: pb.ExportRequest, selection: str) -> str:
    if request.title:
        return request.title[:200]
    if selection == "case_selection":
        return f"Case {request.case_selection.case_reference} of {request.case_selection.agency_id}"
    subject = {
        "neighbourhood": lambda r: f"Neighbourhood of {r.neighbourhood.key}",
        "paths": lambda r: f"Paths from {r.paths.from_key} to {r.paths.to_key}",
        "operators_near": lambda r: f"Operators near {r.operators_near.key}",
        "community": lambda r: f"Community {r.community.community} around {r.community.analyze.key}",
        "elements": lambda r: f"{len(r.elements.node_keys)} selected elements",
    }[selection]
    return subject(request)[:200]


class ExportService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    @property
    def investigator(self) -> Investigator:
        return q.investigator_for(self.gateway)

    async def Export(self, request: pb.ExportRequest, context) -> AsyncIterator[pb.ExportResponse]:
        with self.gateway.metrics.timed_query("Export"):  # until the last chunk is sent
            async for response in self._export(request, context):
                yield response

    async def _export(self, request: pb.ExportRequest, context) -> AsyncIterator[pb.ExportResponse]:
        async with audit_line(self.gateway, context, "Export", request) as (caller, line):
            fmt, options = self._check(request)
            q.require_graph(self.gateway)
            selection = request.WhichOneof("selection")
            subgraph = await self._select(request, selection, caller)
            line.results = len(subgraph.nodes)
        now = datetime.now(UTC)
        info = exports.ExportInfo.for_subgraph(subgraph, _title(request, selection), caller, now)
        generated = Timestamp()
        generated.FromDatetime(now)
        yield pb.ExportResponse(header=pb.ExportHeader(
            media_type=exports.FORMATS[fmt].media_type, filename=exports.filename(info, fmt), tlp=info.tlp,
            node_count=len(subgraph.nodes), edge_count=len(subgraph.edges), truncated=subgraph.truncated,
            generated_at=generated,
        ))
        async for chunk in self._write(fmt, subgraph, info, options):
            yield pb.ExportResponse(chunk=chunk)

    @staticmethod
    def _check(request: pb.ExportRequest) -> tuple[str, dict]:
        if request.format not in exports.FORMATS:
            raise InvalidArgument(f"unknown format {request.format[:40]!r}; "
                                  f"known: {', '.join(sorted(exports.FORMATS))}",
                                  field="format")
        if request.WhichOneof("selection") is None:
            raise InvalidArgument("say what to export: neighbourhood, paths, operators_near, community, "
                                  "case_selection or elements", field="selection")
        options = {}
        for name in ("width", "height"):
            value = getattr(request, name)
            if value > MAX_PIXELS:
                raise InvalidArgument(f"at most {MAX_PIXELS} pixels", field=name)
            if value:
                options[name] = value
        writer = exports.FORMATS[request.format].writer
        accepted = inspect.signature(writer).parameters
        return request.format, {k: v for k, v in options.items() if k in accepted}

    async def _select(self, request: pb.ExportRequest, selection: str, caller: str) -> Subgraph:
        investigator = self.investigator
        not_found = NotFound("nothing to export: the selection is empty or not visible to you", field=selection)
        if selection == "neighbourhood":
            r = request.neighbourhood
            window = Window(r.since.ToMilliseconds() if r.HasField("since") else 0,
                            r.until.ToMilliseconds() if r.HasField("until") else 0)
            subgraph = await investigator.neighbourhood(
                r.key, caller, hops=q.check_hops(r.hops, 2, 4, "neighbourhood.hops"),
                node_types=q.check_types(r.node_types, "neighbourhood.node_types", q.ENTITY_TYPE_NAMES),
                edge_types=q.check_types(r.edge_types, "neighbourhood.edge_types", q.LINK_TYPE_NAMES), window=window,
                node_limit=q.check_node_limit(r.node_limit, NEIGHBOURHOOD_NODES))
        elif selection == "paths":
            r = request.paths
            if not r.from_key or not r.to_key:
                raise InvalidArgument("both ends are required",
                                      field="paths.to_key" if r.from_key else "paths.from_key")
            _, subgraph = await investigator.paths(r.from_key, r.to_key, caller,
                                                   max_hops=q.check_hops(r.max_hops, 6, 8, "paths.max_hops"),
                                                   all_shortest=r.all_shortest)
        elif selection == "operators_near":
            r = request.operators_near
            _, subgraph = await investigator.operators_near(r.key, caller,
                                                            hops=q.check_hops(r.hops, 3, 4, "operators_near.hops"))
        elif selection == "community":
            r = request.community
            communities, _, whole = await investigator.analyze(
                r.analyze.key, caller, hops=q.check_hops(r.analyze.hops, 2, 4, "community.analyze.hops"),
                node_limit=q.check_node_limit(r.analyze.node_limit, ANALYSIS_NODES))
            if r.community >= len(communities):
                raise not_found
            subgraph = Subgraph(truncated=whole.truncated)
            for key in communities[r.community]:
                subgraph.nodes[key] = whole.nodes[key]
            for edge in whole.edges.values():
                subgraph.add_edge(edge)
        elif selection == "elements":
            r = request.elements
            if len(r.node_keys) > MAX_NODES:
                raise InvalidArgument(f"at most {MAX_NODES} nodes", field="elements.node_keys")
            subgraph = await investigator.elements(
                list(r.node_keys), caller, edge_keys=None if r.all_links else list(r.edge_keys),
                window=Window(0, r.until.ToMilliseconds() if r.HasField("until") else 0))
        else:
            r = request.case_selection
            if not r.agency_id or not r.case_reference:
                raise InvalidArgument("the agency and its case reference are required",
                                      field="case_selection.case_reference" if r.agency_id else
                                      "case_selection.agency_id")
            subgraph = await investigator.case(r.agency_id, r.case_reference, caller, node_limit=MAX_CASE_NODES)
        if not subgraph.nodes:
            raise not_found  # hidden and missing answer alike
        return subgraph

    async def _write(self, fmt: str, subgraph: Subgraph, info, options: dict) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(QUEUE_CHUNKS)
        cancelled = threading.Event()
        sink = _QueueWriter(queue, loop, cancelled)
        writer = exports.FORMATS[fmt].writer

        def run() -> None:
            try:
                writer(subgraph, info, sink, **options)
                sink.finish()
                outcome = _DONE
            except _Cancelled:
                return
            except Exception as exc:  # noqa: BLE001  (handed to the event loop, which raises it)
                outcome = exc
            asyncio.run_coroutine_threadsafe(queue.put(outcome), loop).result()

        thread = threading.Thread(target=run, name=f"export-{fmt}", daemon=True)
        thread.start()
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            cancelled.set()
            while not queue.empty():  # let a writer blocked on a full queue see the cancel
                queue.get_nowait()
