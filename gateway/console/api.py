"""The page's JSON endpoints: each one question to the gateway through the SDK, as the session's person.

All are POST with a JSON body (so no name or identifier an investigator
types ends up in a URL, a browser history or an access log), answer JSON,
and never say more than the gateway answered. A gateway error comes back
with its words and the HTTP status closest to its gRPC code; an unreachable
gateway is 503, which the page shows as a banner while it keeps its canvas.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable

from google.protobuf.timestamp_pb2 import Timestamp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from gateway import errors
from gateway.console import views
from gateway.console.proofs import RecordRef
from gateway.console.saved import BadCanvas
from gateway.sdk.client import sign_for
from gateway.sdk.decisions import VERDICTS, decision_record
from graph.visibility import tlp_level
from regulink.v1 import export_pb2, watch_pb2

log = logging.getLogger("regulink.console")

MAX_BODY = 1 << 20
MAX_KEY = 1000
MAX_CANVAS = 2000
EXPAND_CAP, EXPAND_MOST = 50, 200
# The gateway's export formats (graph.export.FORMATS; a unit test keeps them equal).
FORMATS = ("graphml", "gexf", "cytoscape", "node-link", "csv", "stix", "html", "png", "svg", "pdf")
_HTTP_STATUS = {"INVALID_ARGUMENT": 400, "NOT_FOUND": 404, "PERMISSION_DENIED": 403, "UNAUTHENTICATED": 403,
                "ALREADY_EXISTS": 409, "FAILED_PRECONDITION": 409, "RESOURCE_EXHAUSTED": 429, "UNAVAILABLE": 503,
                "DEADLINE_EXCEEDED": 503}


class BadRequest(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _problem(status: int, message: str, field: str = "", code: str = "") -> JSONResponse:
    return JSONResponse({"error": message, "field": field, "code": code}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def endpoint(handler: Callable[[Request, dict], Awaitable[Response | dict]]):
    """A POST endpoint: a JSON object in, JSON (or a file) out; errors as {"error", "field", "code"}."""

    async def run(request: Request) -> Response:
        started = time.perf_counter()
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _problem(415, "send JSON (Content-Type: application/json)")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _problem(413, f"at most {MAX_BODY} bytes")
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            return _problem(400, "the body is not a JSON object")
        try:
            answer = await handler(request, payload)
        except BadRequest as exc:
            return _problem(400, str(exc), exc.field)
        except BadCanvas as exc:
            return _problem(400, str(exc), exc.field)
        except errors.RegulinkError as exc:
            return _problem(_HTTP_STATUS.get(exc.code, 502), str(exc), exc.field or "", exc.code)
        finally:  # what was asked and how long it took; never what was asked about
            log.debug("%s %.1f ms", request.url.path, (time.perf_counter() - started) * 1000)
        if isinstance(answer, Response):
            return answer
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return run


# -- reading the request ------------------------------------------------------------------------------

def _text(payload: dict, field: str, *, required: bool = True, most: int = MAX_KEY) -> str:
    value = payload.get(field, "")
    if not isinstance(value, str) or len(value) > most or (required and not value.strip()):
        raise BadRequest(field, f"{field}: {'required, ' if required else ''}text of at most {most} characters")
    return value


def _int(payload: dict, field: str, default: int, least: int, most: int) -> int:
    value = payload.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise BadRequest(field, f"{field}: a whole number from {least} to {most}")
    return value


def _texts(payload: dict, field: str, most: int) -> list[str]:
    value = payload.get(field, [])
    if not isinstance(value, list) or len(value) > most or not all(
            isinstance(v, str) and 0 < len(v) <= MAX_KEY for v in value):
        raise BadRequest(field, f"{field}: a list of at most {most} keys")
    return value


def _state(request: Request):
    return request.app.state.console


def _person(request: Request) -> str:
    return request.scope["console.person"]


async def _ask(request: Request, question):
    return await _state(request).link.ask(_person(request), question)


# -- session and status ---------------------------------------------------------------------------------

@endpoint
async def session(request: Request, payload: dict) -> dict:
    console = _state(request)
    link = console.link
    return {"agency": link.agency, "person": _person(request), "can_decide": console.signer is not None,
            "log_key_id": link.log_key_id, "origin": link.origin, "target": link.target, "up": link.up,
            "model": views.model(), "formats": FORMATS, "expand_cap": EXPAND_CAP, "expand_most": EXPAND_MOST}


@endpoint
async def status(request: Request, payload: dict) -> dict:
    link = _state(request).link
    if not link.up:
        await link.probe()
    return {"up": link.up, "problem": link.problem}


# -- investigator's questions ---------------------------------------------------------------------------

@endpoint
async def search(request: Request, payload: dict) -> dict:
    text = _text(payload, "q", most=300)
    types = _texts(payload, "types", 20)
    answer = await _ask(request, lambda c: c.search(text, types=types, page_size=20))
    return {"hits": views.hits(answer), "more": bool(answer.next_page_token)}


@endpoint
async def entity(request: Request, payload: dict) -> dict:
    key = _text(payload, "key")
    return views.card(await _ask(request, lambda c: c.entity(key)))


@endpoint
async def expand(request: Request, payload: dict) -> dict:
    """One hop around a node: the neighbours the cap keeps, and how many it cut."""
    key = _text(payload, "key")
    types = _texts(payload, "types", 20)
    cap = _int(payload, "cap", EXPAND_CAP, 1, EXPAND_MOST)
    found = await _ask(request, lambda c: c.neighbourhood(key, hops=1, node_types=types,
                                                          node_limit=EXPAND_MOST + 1))
    answer = views.subgraph(found)
    neighbours = sorted((n for n in answer["nodes"] if n["key"] != key), key=lambda n: (-n["sources"], n["key"]))
    kept = {key} | {n["key"] for n in neighbours[:cap]}
    return {"nodes": [n for n in answer["nodes"] if n["key"] in kept],
            "edges": [e for e in answer["edges"] if e["source"] in kept and e["target"] in kept],
            "shown": min(cap, len(neighbours)), "cut": max(0, len(neighbours) - cap),
            # The gateway cut a hub's links at its own fan-out cap: there are more than it counted.
            "hub_cut": found.truncated}


@endpoint
async def paths(request: Request, payload: dict) -> dict:
    source, target = _text(payload, "from"), _text(payload, "to")
    answer = await _ask(request, lambda c: c.paths(source, target, max_hops=6, all_shortest=True))
    return {"paths": [list(p.node_keys) for p in answer.paths], **views.subgraph(answer.subgraph)}


@endpoint
async def operators(request: Request, payload: dict) -> dict:
    key = _text(payload, "key")
    hops = _int(payload, "hops", 3, 1, 4)
    answer = await _ask(request, lambda c: c.operators_near(key, hops))
    return {"operators": [{"key": o.operator.key, "label": o.operator.caption, "distance": o.distance,
                           "path": list(o.path.node_keys)} for o in answer.operators],
            **views.subgraph(answer.subgraph)}


@endpoint
async def overlaps(request: Request, payload: dict) -> dict:
    different = bool(payload.get("different_kinds", False))
    answer = await _ask(request, lambda c: c.overlaps(different_kinds=different, page_size=100))
    return {"overlaps": [{"node": views.node(o.node), "agencies": list(o.agencies), "kinds": list(o.agency_kinds)}
                         for o in answer.overlaps], "more": bool(answer.next_page_token)}


@endpoint
async def analyze(request: Request, payload: dict) -> dict:
    key = _text(payload, "key")
    answer = await _ask(request, lambda c: c.analyze(key, hops=2))
    return {"communities": [list(c.node_keys) for c in answer.communities],
            "ranking": [{"key": r.node_key, "degree": r.degree, "betweenness": r.betweenness, "pagerank": r.pagerank}
                        for r in answer.ranking]}


@endpoint
async def verify(request: Request, payload: dict) -> dict:
    console = _state(request)
    ref = RecordRef(_int(payload, "log_index", 0, 0, 2**63 - 1), _text(payload, "agency"),
                    _text(payload, "record_id"), _int(payload, "version", 1, 1, 2**32 - 1))
    return await console.link.ask("", lambda c: console.prover.check(c, ref))


# -- elements of a canvas: reopen, refresh, export -------------------------------------------------------

def _selection(payload: dict) -> export_pb2.ElementSelection:
    selection = export_pb2.ElementSelection(node_keys=_texts(payload, "node_keys", MAX_CANVAS),
                                            edge_keys=_texts(payload, "edge_keys", 5 * MAX_CANVAS),
                                            all_links=payload.get("all_links") is True)
    until = payload.get("until_ms")
    if until is not None:
        if isinstance(until, bool) or not isinstance(until, int) or until < 0:
            raise BadRequest("until_ms", "until_ms: milliseconds since 1970")
        stamp = Timestamp()
        stamp.FromMilliseconds(until)
        selection.until.CopyFrom(stamp)
    if not selection.node_keys:
        raise BadRequest("node_keys", "node_keys: nothing selected")
    return selection


async def _elements(request: Request, selection: export_pb2.ElementSelection) -> dict:
    """Exactly these elements as the gateway lets the agency see them now (its element export)."""
    async def ask(client):
        chunks = []
        async for part in client.export(export_pb2.ExportRequest(format="cytoscape", elements=selection)):
            if isinstance(part, bytes):
                chunks.append(part)
        return json.loads(b"".join(chunks))

    try:
        return views.from_cytoscape(await _ask(request, ask))
    except errors.NotFound:
        return {"nodes": [], "edges": [], "truncated": False}


@endpoint
async def elements(request: Request, payload: dict) -> dict:
    return await _elements(request, _selection(payload))


def _attachment(filename: str) -> str:
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_.+") else "_" for c in filename) or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(filename)}"


@endpoint
async def export(request: Request, payload: dict) -> Response:
    """The current view as a file, made and filtered by the gateway; streamed through as it comes."""
    fmt = _text(payload, "format", most=20)
    if fmt not in FORMATS:
        raise BadRequest("format", f"format: one of {', '.join(FORMATS)}")
    title = _text(payload, "title", required=False, most=200) or "Investigation"
    export_request = export_pb2.ExportRequest(format=fmt, title=title, elements=_selection(payload))
    link, person = _state(request).link, _person(request)
    stream = link.client(person).export(export_request)
    try:
        header = await anext(stream)
    except errors.Unavailable as exc:
        link.mark(False, str(exc))
        raise
    link.mark(True)
    return StreamingResponse(stream, media_type=header.media_type, headers={
        "Content-Disposition": _attachment(header.filename), "Cache-Control": "no-store",
        "X-Regulink-Tlp": views.tlp_name(header.tlp), "X-Regulink-Nodes": str(header.node_count),
        "X-Regulink-Edges": str(header.edge_count)})


# -- candidates: confirm or reject, signed ----------------------------------------------------------------

@endpoint
async def decide(request: Request, payload: dict) -> dict:
    console = _state(request)
    if console.signer is None:
        return _problem(403, "this console was started without the agency's signing key (--key): it cannot sign "
                             "decisions")
    a, b = _text(payload, "a"), _text(payload, "b")
    verdict = _text(payload, "verdict", most=10)
    if verdict not in VERDICTS:
        raise BadRequest("verdict", "verdict: same or different")
    evidence = _text(payload, "evidence", required=False, most=2000)
    marking = _text(payload, "tlp", required=False, most=20) or "AMBER"
    level = tlp_level(marking)
    if level is None:
        raise BadRequest("tlp", "tlp: one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
    share_with = _texts(payload, "share_with", 50)
    person = _person(request)

    async def run(client):
        cards = [(await client.entity(k)).node for k in (a, b)]
        record = decision_record(console.link.agency, cards, verdict,
                                 f"{evidence} (decided by {person})" if person else evidence,
                                 level, share_with)
        receipt = await client.submit(sign_for(record, [console.signer]))
        await client.wait_projected(timeout=15)
        return receipt

    receipt = await _ask(request, run)
    return {"record_id": receipt.record_id, "log_index": receipt.log_index}


# -- saved investigations -------------------------------------------------------------------------------

@endpoint
async def investigations_list(request: Request, payload: dict) -> dict:
    return {"investigations": await asyncio.to_thread(_state(request).saved.list)}


@endpoint
async def investigations_save(request: Request, payload: dict) -> dict:
    saved = _state(request).saved
    return await asyncio.to_thread(saved.save, payload.get("name"), payload.get("canvas"), _person(request))


@endpoint
async def investigations_open(request: Request, payload: dict) -> dict:
    canvas = await asyncio.to_thread(_state(request).saved.get, payload.get("name"))
    if canvas is None:
        return _problem(404, "no saved investigation of that name", "name")
    found = {"nodes": [], "edges": []}
    if canvas["nodes"]:
        selection = export_pb2.ElementSelection(node_keys=[n["key"] for n in canvas["nodes"]],
                                                edge_keys=canvas["edges"])
        if canvas["until_ms"] is not None:
            selection.until.FromMilliseconds(canvas["until_ms"])
        found = await _elements(request, selection)
    return {"canvas": canvas, "elements": found}


@endpoint
async def investigations_delete(request: Request, payload: dict) -> dict:
    return {"deleted": await asyncio.to_thread(_state(request).saved.delete, payload.get("name"))}


# -- alerts: the agency's, as the console follows them (gateway.console.alerts) -------------------------

TRIAGES = {"confirmed": watch_pb2.TRIAGE_CONFIRMED, "dismissed": watch_pb2.TRIAGE_DISMISSED}
MAX_NOTE = 2000  # the gateway's own limit (AckAlert)


@endpoint
async def alerts(request: Request, payload: dict) -> dict:
    """The panel: the newest alerts first, the number not triaged, and where the list stands (`revision`)."""
    return _state(request).alerts.listing()


def _alert_id(payload: dict) -> int:
    return _int(payload, "alert_id", 0, 1, 2**63 - 1)


@endpoint
async def alert_ack(request: Request, payload: dict) -> dict:
    """Confirm or dismiss an alert with a note, as the person (the gateway's audit names them)."""
    alert_id = _alert_id(payload)
    triage = _text(payload, "triage", most=10)
    if triage not in TRIAGES:
        raise BadRequest("triage", "triage: confirmed or dismissed")
    note = _text(payload, "note", required=False, most=MAX_NOTE)
    message = await _ask(request, lambda c: c.ack_alert(alert_id, TRIAGES[triage], note))
    book = _state(request).alerts
    return {"alert": book.apply(message), **book.counts()}


@endpoint
async def alert_open(request: Request, payload: dict) -> dict:
    """An alert's subgraph for the canvas: its elements as the agency may see them now (a record
    retracted since is not drawn from the alert's copy), and the matched keys to highlight."""
    alert_id = _alert_id(payload)
    book = _state(request).alerts
    view, keys = book.get(alert_id), book.elements(alert_id)
    if view is None or keys is None:
        return _problem(404, "no such alert among the ones this console lists", "alert_id")
    node_keys, edge_keys = keys
    found = {"nodes": [], "edges": [], "truncated": False}
    if node_keys:
        found = await _elements(request, export_pb2.ElementSelection(node_keys=node_keys, edge_keys=edge_keys))
    return {**found, "alert_id": alert_id, "matched": [m["key"] for m in view["matched"]],
            "missing": len(node_keys) - len(found["nodes"])}


@endpoint
async def watch_key(request: Request, payload: dict) -> dict:
    """Watch a node's key (a KeyRule), unless the agency watches it already."""
    key = _text(payload, "key")
    person = _person(request)

    async def run(client):
        for watch in await client.watches():
            if watch.WhichOneof("rule") == "key" and watch.key.key == key:
                return watch, True
        label = f"from the console ({person})" if person else "from the console"
        return await client.add_watch(watch_pb2.KeyRule(key=key), label=label), False

    watch, already = await _ask(request, run)
    return {"watch_id": watch.watch_id, "key": watch.key.key, "already": already}


# -- live -------------------------------------------------------------------------------------------------

async def live(request: Request) -> Response:
    """Server-sent events: the gateway's reachability, new records touching any node, alert changes."""
    feed = _state(request).feed
    link = _state(request).link

    async def events():
        with feed.page() as queue:
            yield _event({"type": "status", "up": link.up, "problem": link.problem})
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), 15)
                except asyncio.TimeoutError:
                    yield ": still here\n\n"
                    continue
                yield _event(event)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _event(event: dict) -> str:
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
