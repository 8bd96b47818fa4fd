"""What one case record contributes to the graph: nodes and edges with keys and provenance.

Pure functions, no database: the store merges these contributions, and a
retraction removes exactly them. Merge keys come only from strong
identifiers (graph.resolve); an entity without one gets a key local to its
record, so names never merge anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph import resolve, schema
from graph.resolve.keys import KEYED_KINDS, identifier_key
from graph.visibility import readers as readers_of
from regulink.v1 import records_pb2


@dataclass(frozen=True)
class Source:
    """The record behind a contribution, with what visibility needs."""

    record: str  # "<agency>/<record_id>"
    agency: str
    version: int
    log_index: int
    tlp: int
    readers: tuple[str, ...]
    seen_ms: int
    case: str = ""  # "<agency>/<case_reference>": kept on the record, not on every element


    @classmethod
    def of(cls, record: records_pb2.CaseRecord, log_index: int, seen_ms: int) -> Source:
        return cls(f"{record.agency_id}/{record.record_id}", record.agency_id, record.version, log_index, record.tlp,
                   readers_of(record.agency_id, record.tlp, record.share_with), seen_ms,
                   case_key(record.agency_id, record.case_reference))

    def stamp(self) -> dict:
        return {"record": self.record, "agency": self.agency, "version": self.version, "log_index": self.log_index,
                "tlp": self.tlp, "readers": list(self.readers), "seen_ms": self.seen_ms}


@dataclass
class NodeFact:
    key: str
    label: str
    facts: dict = field(default_factory=dict)  # name, aliases, attributes, roles, identifiers of this source
    # For a reference by graph_key to another agency's local key: the record's own local key, which
    # the projector uses instead when the author may not see that node (hidden behaves as absent).
    fallback: str = ""


@dataclass
class EdgeFact:
    key: str
    source: str
    target: str
    type: str
    facts: dict = field(default_factory=dict)  # evidence, notes, observed_ms


@dataclass
class Contribution:
    source: Source
    nodes: dict[str, NodeFact]
    edges: dict[str, EdgeFact]


def case_key(agency: str, case_reference: str) -> str:
    return f"{agency}/{case_reference}"


def edge_key(source: str, link_type: str, target: str) -> str:
    return f"{source}|{link_type}|{target}"


def _entity_facts(entity: records_pb2.Entity, keys: dict[str, str]) -> dict:
    attributes: dict[str, list[str]] = {}
    for attribute in entity.attributes:
        attributes.setdefault(attribute.name, []).append(attribute.value)
    facts = {"name": entity.name, "aliases": list(entity.aliases), "attributes": attributes,
             "roles": [records_pb2.EntityRole.Name(r).removeprefix("ENTITY_ROLE_").lower() for r in entity.roles],
             "identifiers": keys}
    return {k: v for k, v in facts.items() if v}


def contribution(record: records_pb2.CaseRecord, log_index: int, seen_ms: int) -> Contribution:
    """Nodes and edges the record asserts (a retraction asserts none)."""
    source = Source.of(record, log_index, seen_ms)
    nodes: dict[str, NodeFact] = {}
    edges: dict[str, EdgeFact] = {}
    by_ref: dict[str, str] = {}
    for entity in record.entities:
        kind = schema.ENTITY_TYPES[entity.type]
        keys = {}
        for identifier in entity.identifiers:
            if identifier.kind not in KEYED_KINDS:
                continue  # free-form kinds ("other", "ofac_sdn_uid") are attributes, not keys
            try:
                keys[identifier_key(identifier.kind, identifier.value, identifier.scheme)] = identifier.kind
            except resolve.InvalidIdentifier:
                continue  # admitted under an older, looser rule (a 64-hex "Monero address"): no key today
        own = next((k for k, v in keys.items() if v == "graph_key"), None) or next(
            (k for kind_name in kind.merge_keys for k, v in keys.items() if v == kind_name), None)
        key = own or f"local:{source.record}:{entity.ref}"
        by_ref[entity.ref] = key
        fallback = f"local:{source.record}:{entity.ref}" if foreign_local(key, source.agency) else ""
        _merge_node(nodes, NodeFact(key, kind.name, _entity_facts(entity, {k: v for k, v in keys.items()}), fallback))
        # An identifier that is another type's key (a domain on an organization) stands as its own node.
        for ident_key, ident_kind in keys.items():
            ident_type = schema.IDENTIFIER_TYPES.get(ident_kind)
            if ident_key == key or ident_type is None or ident_type.name == kind.name:
                continue
            _merge_node(nodes, NodeFact(ident_key, ident_type.name, {"identifiers": {ident_key: ident_kind}}))
            implicit = edge_key(key, schema.HAS_IDENTIFIER, ident_key)
            edges[implicit] = EdgeFact(implicit, key, ident_key, schema.HAS_IDENTIFIER, {})
    for link in record.links:
        link_type = schema.LINK_TYPES[link.type].name
        source_key, target_key = by_ref[link.source], by_ref[link.target]
        if source_key == target_key:
            continue  # two refs of one record resolved to the same node: no self-loop
        key = edge_key(source_key, link_type, target_key)
        facts = {"evidence": link.evidence, "notes": link.notes}
        if link.HasField("observed_at"):
            facts["observed_ms"] = link.observed_at.ToMilliseconds()
        edges[key] = EdgeFact(key, source_key, target_key, link_type, {k: v for k, v in facts.items() if v})
    return Contribution(source, nodes, edges)


def foreign_local(key: str, agency: str) -> bool:
    """Whether a key is local to a record of another agency (local:<agency>/<record>:<ref>)."""
    return key.startswith("local:") and key[6:].partition("/")[0] != agency


def _merge_node(nodes: dict[str, NodeFact], fact: NodeFact) -> None:
    """Two refs of one record that resolve to one node: keep both descriptions' facts."""
    existing = nodes.get(fact.key)
    if existing is None:
        nodes[fact.key] = fact
        return
    for name, value in fact.facts.items():
        if name not in existing.facts:
            existing.facts[name] = value
        elif isinstance(value, dict):
            existing.facts[name] = {**value, **existing.facts[name]}
        elif isinstance(value, list):
            existing.facts[name] = existing.facts[name] + [v for v in value if v not in existing.facts[name]]
