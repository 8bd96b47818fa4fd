"""The SDK's answers as the page's JSON: a canvas element, a card, a list of hits, an alert.

Only what the gateway answered goes out, in the shape the page draws. Every
text stays text: the page puts it into the DOM with textContent and into
the canvas as labels, never as markup. Markings go out by name; one the
console does not know is shown as the strictest (docs/visibility.md).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources

import yaml

from graph import schema
from graph.visibility import NAMES, RED, tlp_name
from graph.visibility import STRICTEST_NAME as STRICTEST


def _ms(stamp) -> int:
    return stamp.seconds * 1000 + stamp.nanos // 1_000_000


@cache
def model() -> dict:
    """Entity types with their colour and shape, link types with their label (graph/model)."""
    links = yaml.safe_load((resources.files("graph") / "model" / "links.yaml").read_text(encoding="utf-8"))
    types = sorted(schema.BY_NAME.items())
    return {"types": {name: {"color": kind.color, "shape": kind.shape} for name, kind in types},
            "links": {item["name"]: item["label"] for item in links}}


def node(message) -> dict:
    """A node as the canvas draws it (the card asks for the rest)."""
    return {
        "key": message.key, "type": message.type, "label": message.caption, "tlp": tlp_name(message.tlp),
        "agencies": list(message.agencies), "roles": [r.value for r in message.roles],
        "first_ms": _ms(message.first_seen), "last_ms": _ms(message.last_seen),
        "cautions": len(message.cautions), "sources": message.source_count or len(message.sources),
    }


def edge(message) -> dict:
    seen = [_ms(s.seen_at) for s in message.sources]
    return {
        "id": f"{message.source}|{message.type}|{message.target}", "source": message.source,
        "target": message.target, "type": message.type, "tlp": tlp_name(message.tlp),
        "agencies": list(message.agencies), "score": round(message.score, 1), "first_ms": min(seen, default=0),
        "evidence": [v.value for v in message.evidence][:20],
    }


def subgraph(message) -> dict:
    return {"nodes": [node(n) for n in message.nodes], "edges": [edge(e) for e in message.edges],
            "truncated": message.truncated}


def _sourced(values) -> list[dict]:
    return [{"value": v.value, "records": [{"agency": r.agency_id, "record_id": r.record_id} for r in v.records]}
            for v in values]


def card(answer) -> dict:
    """An entity card: every value with the records that assert it, every record with its log entry."""
    message = answer.node
    found = node(message)
    found.update(
        names=_sourced(message.names), identifiers=_sourced(message.identifiers), role_values=_sourced(message.roles),
        attributes=[{"name": a.name, "value": a.value,
                     "records": [{"agency": r.agency_id, "record_id": r.record_id} for r in a.records]}
                    for a in message.attributes],
        records=[{"agency": s.agency_id, "record_id": s.record_id, "version": s.version, "tlp": tlp_name(s.tlp),
                  "seen_ms": _ms(s.seen_at), "log_index": s.log_index} for s in message.sources],
        caution_texts=list(message.cautions),
    )
    around = answer.neighbours
    names = {n.key: n for n in around.nodes}
    links = []
    for link in around.edges:
        other = link.target if link.source == message.key else link.source
        if other in names:
            links.append({"edge": edge(link), "node": node(names[other])})
    return {"node": found, "links": links, "links_truncated": around.truncated}


def hits(answer) -> list[dict]:
    return [{**node(h.node), "matched": h.matched, "score": round(h.score, 1)} for h in answer.hits]


# -- a Cytoscape.js JSON export (the gateway's element export) as canvas elements ------------------

def _iso_ms(text: str) -> int:
    if not text:
        return 0
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def from_cytoscape(document: dict) -> dict:
    """The elements of a `cytoscape` export as the canvas draws them (a reopened investigation)."""
    elements = document.get("elements", {})
    nodes = [{"key": d["id"], "type": d.get("type", ""), "label": d.get("label", ""), "tlp": d.get("tlp") or STRICTEST,
              "agencies": list(d.get("agencies", [])), "roles": list(d.get("roles", [])),
              "first_ms": _iso_ms(d.get("first_seen", "")), "last_ms": _iso_ms(d.get("last_seen", "")),
              "cautions": len(d.get("cautions", [])), "sources": len(d.get("records", []))}
             for d in (item["data"] for item in elements.get("nodes", []))]
    edges = [{"id": d["id"], "source": d["source"], "target": d["target"], "type": d.get("type", ""),
              "tlp": d.get("tlp") or STRICTEST, "agencies": list(d.get("agencies", [])),
              "score": round(float(d.get("score", 0.0)), 1), "first_ms": _iso_ms(d.get("first_seen", "")),
              "evidence": list(d.get("evidence", []))[:20]}
             for d in (item["data"] for item in elements.get("edges", []))]
    return {"nodes": nodes, "edges": edges, "truncated": False}


# -- alerts (WatchService) ------------------------------------------------------------------------

TRIAGES = {1: "confirmed", 2: "dismissed"}  # regulink.v1.Triage; 0 (not triaged yet) is ""


def _strictest(markings) -> str:
    """The strictest of these markings by name; one the console does not know counts as the strictest."""
    levels = [m if m in NAMES else RED for m in markings]
    return tlp_name(max(levels)) if levels else STRICTEST


def alert(message) -> dict:
    """An alert as the panel lists it: what matched, the records behind it, what has become of it.
    The subgraph itself stays out (the panel opens it on the canvas through `alert_elements`); only
    the matched nodes' captions come along, as the gateway drew them for this agency."""
    drawn = {n.key: n for n in message.subgraph.nodes}
    return {
        "alert_id": message.alert_id, "watch_id": message.watch_id, "kind": message.kind,
        "summary": message.summary, "score": round(message.score, 1),
        "matched": [{"key": k, "label": drawn[k].caption if k in drawn else "",
                     "type": drawn[k].type if k in drawn else ""} for k in message.matched_keys],
        "records": [{"agency": r.agency_id, "record_id": r.record_id, "version": r.version,
                     "log_index": r.log_index, "tlp": tlp_name(r.tlp), "accepted_ms": _ms(r.accepted_at)}
                    for r in message.records],
        "tlp": _strictest([r.tlp for r in message.records]),
        "nodes": len(message.subgraph.nodes), "edges": len(message.subgraph.edges),
        "raised_ms": _ms(message.raised_at),
        "withdrawn": message.withdrawn, "withdrawn_ms": _ms(message.withdrawn_at) if message.withdrawn else 0,
        "triage": TRIAGES.get(message.triage, "triaged" if message.triage else ""),
        "note": message.note, "triaged_ms": _ms(message.triaged_at) if message.triage else 0,
    }


def alert_elements(message) -> tuple[list[str], list[str]]:
    """The keys of an alert's subgraph: what "open on canvas" asks the gateway for, as it stands now."""
    return ([n.key for n in message.subgraph.nodes],
            [edge(e)["id"] for e in message.subgraph.edges])
