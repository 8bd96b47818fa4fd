"""What one agency sees of a node or an edge: the neutral view every answer and export is built from.

A stored element carries one source entry per asserting record (readers,
TLP, facts). A view keeps only the entries the viewer may read; an element
with none is invisible, and everything shown (names, attributes, sources,
agencies, times, marking) comes from the visible entries alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph import cautions, provenance, schema
from graph.provenance import visible_tally
from graph.visibility import most_restrictive, readable_by


class _Sourced:
    """What a view derives from its readable source entries.

    `sources` may be a page of them (a hub is asserted by thousands of
    records); `counted` and `counted_agencies` then come from the element's
    tally of all of them that the viewer may read (graph.provenance).
    """

    sources: list[dict]
    counted: int
    counted_agencies: list[str]

    @property
    def source_count(self) -> int:
        """How many sources the viewer may read, shown or not."""
        return max(self.counted, len(self.sources))

    @property
    def agencies(self) -> list[str]:
        return self.counted_agencies or sorted({s["agency"] for s in self.sources})

    def count(self, counts: list[str] | None, viewer: str) -> None:
        """Take the totals from the element's stored counts (a paged element's only)."""
        if counts:
            self.counted, self.counted_agencies = visible_tally(counts, viewer)

    def only(self, sources: list[dict]) -> None:
        """Keep just these sources (a time window): totals from them alone."""
        self.sources, self.counted, self.counted_agencies = sources, 0, []

    @property
    def tlp(self) -> int:
        return most_restrictive(s["tlp"] for s in self.sources)


@dataclass
class NodeView(_Sourced):
    key: str
    type: str
    sources: list[dict]
    names: dict[str, list[str]] = field(default_factory=dict)  # value -> record keys
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    attributes: list[tuple[str, str, list[str]]] = field(default_factory=list)
    counted: int = 0
    counted_agencies: list[str] = field(default_factory=list)

    @property
    def first_ms(self) -> int:
        return min(s["seen_ms"] for s in self.sources)

    @property
    def last_ms(self) -> int:
        return max(s["seen_ms"] for s in self.sources)

    @property
    def cautions(self) -> list[str]:
        """Which of its visible names may not show what they are (graph.cautions)."""
        return cautions.of_names(self.names)

    @property
    def caption(self) -> str:
        """A name when the type is captioned by one, else the identifier itself."""
        if self.names:
            return next(iter(self.names))
        if self.identifiers:
            return next(iter(self.identifiers)).split(":", 2)[-1]
        return self.key.rsplit(":", 1)[-1]


@dataclass
class EdgeView(_Sourced):
    source: str
    target: str
    type: str
    sources: list[dict]
    evidence: dict[str, list[str]] = field(default_factory=dict)
    score: float = 0.0
    counted: int = 0
    counted_agencies: list[str] = field(default_factory=list)


@dataclass
class Subgraph:
    nodes: dict[str, NodeView] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], EdgeView] = field(default_factory=dict)
    truncated: bool = False

    @property
    def tlp(self) -> int:
        return most_restrictive([n.tlp for n in self.nodes.values()] + [e.tlp for e in self.edges.values()])

    def settle(self) -> Subgraph:
        """Nodes by key, links by (source, type, target): an answer's order is a function of what it
        shows, never of the database's or of the order concurrent lookups finished in."""
        self.nodes = dict(sorted(self.nodes.items()))
        self.edges = dict(sorted(self.edges.items()))
        return self

    def add_edge(self, edge: EdgeView) -> None:
        # An edge needs both ends visible (and in the answer).
        if edge.source in self.nodes and edge.target in self.nodes:
            self.edges[(edge.source, edge.type, edge.target)] = edge


def visible_sources(src: Iterable[str], viewer: str) -> list[dict]:
    """The entries the viewer may read, in log order: whatever a view shows first (a caption, a
    type) is then the earliest visible record's, never the database's order or a hidden record's."""
    entries = [provenance.decode(s) if isinstance(s, str) else s for s in src or ()]
    return sorted((e for e in entries if readable_by(viewer, e["readers"])),
                  key=lambda e: (e["log_index"], e["record"]))


def _add(bucket: dict[str, list[str]], value: str, record: str) -> None:
    records = bucket.setdefault(value, [])
    if record not in records:
        records.append(record)


def node_view(key: str, labels: Iterable[str], src: Iterable[str], viewer: str,
              counts: list[str] | None = None) -> NodeView | None:
    sources = visible_sources(src, viewer)
    if not sources:
        return None
    # The element's label is its first writer's type, who may be hidden from the viewer: an entry
    # of another type says so (graph.projector), and the earliest visible entry gives the type.
    label = next((label for label in labels if label in schema.BY_NAME), "Entity")
    view = NodeView(key, sources[0]["facts"].get("type", label), sources)
    view.count(counts, viewer)
    for entry in sources:
        record, facts = entry["record"], entry["facts"]
        for name in [facts.get("name"), *facts.get("aliases", [])]:
            if name:
                _add(view.names, name, record)
        for identifier in facts.get("identifiers", {}):
            _add(view.identifiers, identifier, record)
        for role in facts.get("roles", []):
            _add(view.roles, role, record)
        for attribute, values in facts.get("attributes", {}).items():
            for value in values:
                view.attributes.append((attribute, value, [record]))
    return view


def edge_view(source: str, rel_type: str, target: str, src: Iterable[str], viewer: str,
              counts: list[str] | None = None) -> EdgeView | None:
    sources = visible_sources(src, viewer)
    if not sources:
        return None
    view = EdgeView(source, target, rel_type, sources)
    view.count(counts, viewer)
    for entry in sources:
        for name in ("evidence", "notes"):
            text = entry["facts"].get(name)
            if text:
                _add(view.evidence, text, entry["record"])
    return view
