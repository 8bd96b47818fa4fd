"""The pieces the alert engine (gateway.server.alerts.engine) works with: batches of ledger entries
on their way from matching to settling, and what an alert says — its message, its summary, the
records behind it — built the same way for every kind of watch."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.server.alerts.store import StoredWatch
from gateway.server.services.messages import subgraph_message
from graph import watchgraph
from graph.projector import record_key
from graph.view import Subgraph
from graph.watchlist import Hit, Incoming, Rule, Touch, Watch
from regulink.v1 import watch_pb2


@dataclass(slots=True, eq=False)
class Candidate:
    """A record matched ahead of the projection: what settling asks of it, and the watches it may
    concern. Plain fields and tuples of strings: thousands wait for the projection at a time, and as
    whole records and contributions (~28 objects each for the garbage collector to trace) 5,000 of
    them made every full collection 96 ms longer, with the serving loop stopped (docs/benchmarks.md)."""

    log_index: int
    accepted_ms: int
    agency_id: str
    record_id: str
    version: int
    tlp: int
    touch: Touch
    # (node key, the record's own local key the projector may have put it at instead: graph.project)
    fallbacks: tuple[tuple[str, str], ...]
    hits: list[Hit]

    @classmethod
    def of(cls, incoming: Incoming, hits: list[Hit]) -> Candidate:
        """A record that places nodes (`incoming.touch` is not None)."""
        return cls(incoming.log_index, incoming.accepted_ms, incoming.agency, incoming.record_id, incoming.version,
                   incoming.tlp, incoming.touch, incoming.fallbacks, hits)

    @property
    def key(self) -> str:
        """The record's key in the graph ("agency/record_id")."""
        return record_key(self.agency_id, self.record_id)


@dataclass
class Batch:
    first: int
    last: int
    # Every record of the batch with what it contributes, and the watches matched ahead (neighbourhood
    # watches are looked up when the batch is evaluated: their walks change with the batches before).
    candidates: list[Candidate] = field(default_factory=list)
    # Entries that may withdraw alerts: (the record's agency, the ids it replaces, its log index).
    withdrawing: list[tuple[str, set[str], int]] = field(default_factory=list)

    def merged(self, later: Batch) -> Batch:
        return Batch(self.first, later.last, self.candidates + later.candidates,
                      self.withdrawing + later.withdrawing)

    def split(self, through: int) -> tuple[Batch, Batch | None]:
        """The entries up to `through`, and the rest (None when there is none)."""
        if self.last <= through:
            return self, None
        head = Batch(self.first, through, [c for c in self.candidates if c.log_index <= through],
                      [w for w in self.withdrawing if w[2] <= through])
        tail = Batch(through + 1, self.last, [c for c in self.candidates if c.log_index > through],
                      [w for w in self.withdrawing if w[2] > through])
        return head, tail


@dataclass
class Raised:
    """An alert to be: which watch, its message, the records behind it, and the nodes and links its
    subgraph is to show when it has none yet."""

    watch: Watch
    message: watch_pb2.Alert
    causes: list[Candidate]
    drawing: tuple[set[str], list[tuple[str, str, str]]] | None = None


@dataclass(frozen=True, slots=True)
class Live:
    """An alert not yet withdrawn, filed under a record behind it."""

    log_index: int
    agency: str
    alert_id: int
    watch: int
    matched: tuple[str, ...]
    cause_agency: str


def key_alert(hit: Hit, candidate: Candidate, links: list) -> Raised:
    """The watched key and the record's links at it (drawn later, with the batch's other alerts)."""
    key = hit.keys[0]
    triples = sorted(t for t in links if key in (t[0], t[2]))
    nodes = {key, *(end for t in triples for end in (t[0], t[2]))}
    summary = f"{key} in {candidate.key}"
    return Raised(hit.watch, alert_message(hit.watch, summary, [key]), [candidate], (nodes, triples))


def name_alert(hit: Hit, candidate: Candidate, keys: list[str]) -> Raised:
    summary = f"{' / '.join(hit.names)} ~ {hit.watch.rule.name} (score {hit.score:g}) in {candidate.key}"
    return Raised(hit.watch, alert_message(hit.watch, summary, sorted(keys), score=hit.score), [candidate],
                   (set(keys), []))


def walk_state(walk: watchgraph.Walk, hops: int, known: set[str]) -> dict:
    """A neighbourhood watch's state after a walk: operators known, nodes nearer than its hops, at them."""
    return {"known": sorted(known), "ball": sorted(walk.nearer_than(hops)), "rim": sorted(walk.at(hops))}


def watch_state(watch: Watch) -> dict:
    """What is stored of a watch's evaluation state (gateway.server.alerts.store `state`)."""
    if watch.rule.kind == "neighbourhood":
        return {"known": sorted(watch.known), "ball": sorted(watch.ball), "rim": sorted(watch.rim)}
    if watch.rule.kind == "cross_agency":
        return {"announced": sorted(watch.announced)}
    return {}


def watch_of(stored: StoredWatch) -> Watch:
    return Watch(stored.agency_id, stored.number, Rule.from_json(stored.rule), stored.from_index,
                 known=set(stored.state.get("known", ())), ball=set(stored.state.get("ball", ())),
                 rim=set(stored.state.get("rim", ())),
                 announced=set(stored.state.get("announced", ())))


def placed_key(candidate: Candidate, key: str, placed: set[str]) -> str | None:
    """Where the projector put a node of the record: its key, or the record's own local key it fell
    back to (a reference to another agency's local node its author may not see)."""
    if key in placed:
        return key
    fallback = next((local for node, local in candidate.fallbacks if node == key), None)
    return fallback if fallback in placed else None


def alert_message(watch: Watch, summary: str, matched: list[str], subgraph: Subgraph | None = None, score: float = 0.0
             ) -> watch_pb2.Alert:
    message = watch_pb2.Alert(watch_id=f"w-{watch.number}", kind=watch.rule.kind, summary=summary,
                              matched_keys=matched, score=score)
    if subgraph is not None:
        message.subgraph.CopyFrom(subgraph_message(subgraph))
    return message


def name_records(message: watch_pb2.Alert, causes: list[Candidate]) -> None:
    """The records behind an alert: agency, record id, version, log index, TLP and time of receipt."""
    for cause in causes:
        named = message.records.add(agency_id=cause.agency_id, record_id=cause.record_id, version=cause.version,
                                    log_index=cause.log_index, tlp=cause.tlp)
        named.accepted_at.FromMilliseconds(cause.accepted_ms)
