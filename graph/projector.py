"""Applies ledger entries, in log order, to the graph store.

Idempotent (re-applying an entry changes nothing) and resumable: the
watermark (last applied log index) is written in the same transaction as the
changes, so a restart continues where the last commit ended. Retracting or
superseding a record removes exactly its contributions: a node or edge
asserted only by it disappears, one asserted by others stays, with its
readers recomputed.

Input is neutral (log index, time, CaseRecord): graph/ knows nothing of the
gateway; gateway.projection reads the ledger and feeds this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from graph import candidates, provenance
from graph import names as name_keys
from graph.project import Contribution, contribution
from graph.store import GraphStore, WriteBatch
from graph.visibility import EVERYONE
from regulink.v1 import records_pb2

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class LedgerItem:
    log_index: int
    accepted_ms: int
    record: records_pb2.CaseRecord


def record_key(agency: str, record_id: str) -> str:
    return f"{agency}/{record_id}"


class _WorkingSet:
    """The part of the graph a batch touches, loaded once, changed in memory, written once."""

    def __init__(self) -> None:
        self.records: dict[str, dict | None] = {}
        self.nodes: dict[str, tuple[str, dict[str, dict]] | None] = {}
        self.edges: dict[Triple, dict[str, dict] | None] = {}
        self.loaded_labels: dict[str, str] = {}
        self.loaded_edges: set[Triple] = set()
        self.touched_nodes: set[str] = set()
        self.touched_edges: set[Triple] = set()
        self.touched_records: set[str] = set()


class Projector:
    def __init__(self, store: GraphStore) -> None:
        self.store = store

    async def apply(self, items: list[LedgerItem]) -> int:
        """Apply entries after the watermark; returns the new watermark."""
        watermark = await self.store.watermark()
        items = [i for i in items if i.log_index > watermark]
        if not items:
            return watermark
        plans = [(item, self._plan(item)) for item in items]
        work = await self._load(plans)
        for item, (removals, adds) in plans:
            for key in removals:
                self._remove_record(work, key)
            if adds is not None:
                self._add(work, adds)
        batch = self._batch(work)
        self._name_blocks(work, batch)
        batch.watermark = items[-1].log_index
        await self.store.write(batch)
        return batch.watermark

    async def rebuild(self, batches: Iterable[list[LedgerItem]], progress: Callable[[int], None] = lambda n: None,
                      chunk: int = 5000) -> int:
        """Replay a whole ledger into an EMPTY store by the bulk path.

        The records are folded in memory with the very same remove/add steps
        as `apply`, then the result is written with plain CREATEs in large
        chunks and the watermark last (tests/contract: same graph as
        incremental projection). An interrupted rebuild leaves watermark -1,
        so the gateway replays over it, which is idempotent; or run it again.
        """
        work = _WorkingSet()
        last = -1
        for items in batches:
            for item in items:
                removals, adds = self._plan(item)
                for key in removals:
                    self._remove_record(work, key)
                if adds is not None:
                    self._add(work, adds)
                last = item.log_index
            progress(last + 1)
        batch = self._batch(work)
        self._name_blocks(work, batch)
        await self.store.set_watermark(-1)  # the layout mark first: a partial load is known as ours
        await self.store.write_fresh(batch, chunk)
        await self.store.set_watermark(last)
        return last

    # -- planning ---------------------------------------------------------------------------

    @staticmethod
    def _plan(item: LedgerItem) -> tuple[list[str], Contribution | None]:
        record = item.record
        own = record_key(record.agency_id, record.record_id)
        removals = [own]  # an earlier version of this record, if any
        if record.HasField("retracts"):
            return [record_key(record.agency_id, record.retracts.record_id)], None
        if record.HasField("supersedes"):
            removals.append(record_key(record.agency_id, record.supersedes.record_id))
        return removals, contribution(record, item.log_index, item.accepted_ms)

    async def _load(self, plans) -> _WorkingSet:
        work = _WorkingSet()
        record_keys = {k for _, (removals, _) in plans for k in removals}
        work.records.update(await self.store.load_records(sorted(record_keys)))
        node_keys: set[str] = set()
        edge_keys: set[Triple] = set()
        for state in work.records.values():
            node_keys.update(state["nodes"])
            edge_keys.update(state["edges"])
        for _, (_, adds) in plans:
            if adds is not None:
                node_keys.update(adds.nodes)
                edge_keys.update((e.source, e.type, e.target) for e in adds.edges.values())
        work.nodes.update(await self.store.load_nodes(sorted(node_keys)))
        work.loaded_labels = {k: v[0] for k, v in work.nodes.items() if v}
        work.edges.update(await self.store.load_edges(sorted(edge_keys)))
        work.loaded_edges = set(work.edges)
        return work

    # -- applying ------------------------------------------------------------------------------

    @staticmethod
    def _remove_record(work: _WorkingSet, key: str) -> None:
        state = work.records.get(key)
        if not state:
            return
        for node_key in state["nodes"]:
            node = work.nodes.get(node_key)
            if node:
                node[1].pop(key, None)
                work.touched_nodes.add(node_key)
        for triple in state["edges"]:
            edge = work.edges.get(triple)
            if edge:
                edge.pop(key, None)
                work.touched_edges.add(triple)
        work.records[key] = {"version": state["version"], "nodes": [], "edges": [], "retracted": True,
                             "log_index": state.get("log_index", -1), "readers": [key.split("/", 1)[0]],
                             "case": ""}
        work.touched_records.add(key)

    @staticmethod
    def _add(work: _WorkingSet, adds: Contribution) -> None:
        source = adds.source
        stamp = source.stamp()
        for node in adds.nodes.values():
            current = work.nodes.get(node.key)
            if not current or (current[0] != node.label and not current[1]):
                current = work.nodes[node.key] = (node.label, {})
            current[1][source.record] = {**stamp, "facts": node.facts}
            work.touched_nodes.add(node.key)
        for edge in adds.edges.values():
            triple = (edge.source, edge.type, edge.target)
            current = work.edges.get(triple)
            if current is None:
                current = work.edges[triple] = {}
            current[source.record] = {**stamp, "facts": edge.facts}
            work.touched_edges.add(triple)
        work.records[source.record] = {
            "version": source.version, "log_index": source.log_index, "retracted": False,
            "readers": list(source.readers), "case": source.case,
            "nodes": sorted(adds.nodes), "edges": sorted((e.source, e.type, e.target) for e in adds.edges.values()),
        }
        work.touched_records.add(source.record)

    @staticmethod
    def _name_blocks(work: _WorkingSet, batch: WriteBatch) -> None:
        """File every touched person and organization under its name blocks (graph.candidates)."""
        for key in sorted(work.touched_nodes):
            node = work.nodes.get(key)
            if node and node[1] and node[0] in candidates.CANDIDATE_TYPES:
                batch.named_nodes.append(key)
                blocks = candidates.blocks(node[1])
                if blocks:
                    batch.named.append({"key": key, "blocks": sorted(blocks)})

    # -- writing ------------------------------------------------------------------------------------

    @staticmethod
    def _batch(work: _WorkingSet) -> WriteBatch:
        batch = WriteBatch()
        recreated: set[str] = set()
        for key in sorted(work.touched_nodes):
            node = work.nodes.get(key)
            loaded = work.loaded_labels.get(key)
            if not node or not node[1]:
                if loaded:
                    batch.node_deletes.append(key)
                continue
            label, sources = node
            if loaded and loaded != label:
                batch.node_deletes.append(key)  # the entity changed type: recreate it under its new label
                recreated.add(key)
            batch.node_upserts[label].append(_element_row(sources, key=key, names=_names(sources)))
        for triple in sorted(work.touched_edges):
            sources = work.edges.get(triple) or {}
            source, rel_type, target = triple
            row = {"source": source, "target": target}
            if sources:
                # An edge whose end node is recreated lost it with DETACH DELETE: create it again.
                exists = triple in work.loaded_edges and not ({source, target} & recreated)
                (batch.edge_updates if exists else batch.edge_creates)[rel_type].append(_element_row(sources, **row))
            else:
                batch.edge_deletes[rel_type].append(row)
        for key in sorted(work.touched_records):
            state = work.records[key]
            batch.records.append({
                "key": key, "version": state["version"], "log_index": state.get("log_index", -1),
                "retracted": state.get("retracted", False), "nodes": state["nodes"],
                "readers": state.get("readers", []), "case": state.get("case", ""),
                "edges": [orjson.dumps(t).decode() for t in state["edges"]],
            })
        return batch


def _element_row(sources: dict[str, dict], **fields) -> dict:
    ordered = sorted(sources.values(), key=lambda e: (e["log_index"], e["record"]))
    readers = sorted({r for e in ordered for r in e["readers"]})
    if EVERYONE in readers:
        readers = [EVERYONE]
    row = {
        **fields,
        "readers": readers,
        "src": [provenance.encode(e) for e in ordered],
    }
    if "key" in fields:
        row["first_ms"] = min(e["seen_ms"] for e in ordered)
        row["last_ms"] = max(e["seen_ms"] for e in ordered)
        # A pre-filter for overlap questions only; answers recount from visible sources.
        row["agency_count"] = len({e["agency"] for e in ordered})
    return row


def _names(sources: dict[str, dict]) -> list[str]:
    """Normalized names and aliases, for search (hits are re-checked against visible sources)."""
    found: set[str] = set()
    for entry in sources.values():
        facts = entry["facts"]
        for name in [facts.get("name", ""), *facts.get("aliases", [])]:
            if name:
                found.add(name_keys.normalize(name) or name.casefold())
    return sorted(found)
