"""What an agency is shown (graph.view), as the API's messages: every servicer and the alerts
answer through these, so a value is shown the same way, with its sources, wherever it appears."""

from __future__ import annotations

import functools

from google.protobuf.timestamp_pb2 import Timestamp

from graph.view import EdgeView, NodeView, Subgraph
from regulink.v1 import query_pb2 as pb


def _record_id(record_key: str) -> str:
    if "|" in record_key:  # a candidate pairs two records: "agency/record|agency/record"
        return record_key
    return record_key.split("/", 1)[1]


@functools.lru_cache(maxsize=65536)
def _record_key_parts(joined: str) -> tuple[tuple[str, str], ...]:
    return tuple((agency, record) for agency, _, record in (key.partition("/") for key in joined.split("|")))


# Messages are filled in place (`add`): a nested message passed to a constructor is copied, and a
# hub's card is a hundred nodes of twenty small messages each.

def _fill_sourced(field, bucket: dict[str, list[str]]) -> None:
    for value, records in bucket.items():
        _fill_records(field.add(value=value, record_ids=[_record_id(r) for r in records]), records)


def _fill_records(message, record_keys: list[str]) -> None:
    for joined in record_keys:
        for agency, record in _record_key_parts(joined):
            message.records.add(agency_id=agency, record_id=record)


def _fill_time(stamp: Timestamp, ms: int) -> None:
    stamp.seconds, rest = divmod(ms, 1000)
    stamp.nanos = rest * 1_000_000


def _fill_provenance(field, sources: list[dict]) -> None:
    for s in sources:
        entry = field.add(agency_id=s["agency"], record_id=_record_id(s["record"]), version=s["version"],
                          tlp=s["tlp"], log_index=s.get("log_index", 0))
        _fill_time(entry.seen_at, s["seen_ms"])


def _fill_node(message: pb.Node, view: NodeView) -> None:
    message.key, message.type, message.caption = view.key, view.type, view.caption
    _fill_sourced(message.names, view.names)
    _fill_sourced(message.identifiers, view.identifiers)
    _fill_sourced(message.roles, view.roles)
    for name, value, records in view.attributes:
        _fill_records(message.attributes.add(name=name, value=value, record_ids=[_record_id(r) for r in records]),
                      records)
    _fill_provenance(message.sources, view.sources)
    message.agencies.extend(view.agencies)
    _fill_time(message.first_seen, view.first_ms)
    _fill_time(message.last_seen, view.last_ms)
    message.tlp, message.source_count = view.tlp, view.source_count
    message.cautions.extend(view.cautions)


def _fill_edge(message: pb.Edge, view: EdgeView) -> None:
    message.source, message.target, message.type = view.source, view.target, view.type
    _fill_provenance(message.sources, view.sources)
    message.agencies.extend(view.agencies)
    _fill_sourced(message.evidence, view.evidence)
    message.score, message.tlp, message.source_count = view.score, view.tlp, view.source_count


def node_message(view: NodeView) -> pb.Node:
    message = pb.Node()
    _fill_node(message, view)
    return message


def edge_message(view: EdgeView) -> pb.Edge:
    message = pb.Edge()
    _fill_edge(message, view)
    return message


def subgraph_message(subgraph: Subgraph) -> pb.Subgraph:
    message = pb.Subgraph(truncated=subgraph.truncated, tlp=subgraph.tlp if subgraph.nodes else 0)
    for node in subgraph.nodes.values():
        _fill_node(message.nodes.add(), node)
    for edge in subgraph.edges.values():
        _fill_edge(message.edges.add(), edge)
    return message
