"""Applies ledger entries, in log order, to the graph store.

Idempotent (re-applying an entry changes nothing) and resumable: the
watermark (last applied log index) is written in the same transaction as the
changes, so a restart continues where the last commit ended. Retracting or
superseding a record removes exactly its contributions: a node or edge
asserted only by it disappears, one asserted by others stays, with its
readers recomputed.

Input is neutral (log index, time, CaseRecord): graph/ knows nothing of the
gateway; gateway.server.projection.supervisor reads the ledger and feeds this.

One file because folding and writing share the state held between batches (touched elements,
provenance pages, the watermark) that makes a write cost what it adds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from graph import candidates, provenance
from graph import names as name_keys
from graph.project import Contribution, contribution
from graph.provenance import Element
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
    """The part of the graph a batch touches, loaded once, changed in memory, written once.

    The projector is the graph's only writer, so what it holds stays true after
    its batch is written: a projector made with `keep` holds its working set
    across batches (hubs and recent records are not read again; the projector
    process uses this). It could also fold the next batch while the last one is
    written (tests/contract); the process does not, as that gained nothing on two
    cores (docs/benchmarks.md).
    """

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.nodes: dict[str, Element] = {}
        self.edges: dict[Triple, Element] = {}
        self.pages: dict[str, dict[str, dict]] = {}  # page key -> entries; loaded (maybe empty) or new
        self.stored_pages: set[str] = set()  # page keys present in the database
        self.touched_nodes: set[str] = set()
        self.touched_edges: set[Triple] = set()
        self.touched_pages: set[str] = set()
        self.touched_records: set[str] = set()
        self.stored_records: set[str] = set()

    @property
    def size(self) -> int:
        return len(self.records) + len(self.nodes) + len(self.edges) + len(self.pages)

    def seal(self) -> tuple[set, set, set, set]:
        """The batch built from the touched parts is (to be) in the database: they count as stored
        from now on. Returns what was touched (nodes, edges, pages, records) and starts afresh."""
        for key in self.touched_nodes:
            element = self.nodes[key]
            element.stored_label = element.label if element.tally.entries else None
            element.stored_names = frozenset(element.tally.names)
        for triple in self.touched_edges:
            element = self.edges[triple]
            element.stored_label = element.label if element.tally.entries else None
        for key in self.touched_pages:
            (self.stored_pages.add if self.pages[key] else self.stored_pages.discard)(key)
        self.stored_records |= self.touched_records
        touched = (self.touched_nodes, self.touched_edges, self.touched_pages, self.touched_records)
        self.touched_nodes, self.touched_edges, self.touched_pages, self.touched_records = set(), set(), set(), set()
        return touched

    def only(self, nodes: set, edges: set, pages: set, records: set) -> _WorkingSet:
        """A working set holding just these parts of this one (what batches not yet written touched)."""
        kept = _WorkingSet()
        kept.nodes = {k: self.nodes[k] for k in nodes}
        kept.edges = {t: self.edges[t] for t in edges}
        kept.pages = {k: self.pages[k] for k in pages}
        kept.stored_pages = self.stored_pages & pages
        kept.records = {k: self.records[k] for k in records}
        kept.stored_records = self.stored_records & records
        return kept

    def take(self, element: Element, element_id: str, page: int, record: str) -> None:
        """Remove a record's entry from the page it was put on."""
        entries = element.head if page == 0 else self.pages[provenance.page_key(element_id, page)]
        entry = entries.pop(record, None)
        if entry is not None:
            element.tally.remove(entry)
        if page:
            self.touched_pages.add(provenance.page_key(element_id, page))

    def put(self, element: Element, element_id: str, entry: dict) -> int:
        """Add an entry where there is room: the head, else the last page, else a new page; returns the page."""
        element.tally.add(entry)
        if len(element.head) < provenance.HEAD:
            element.head[entry["record"]] = entry
            return 0
        key = provenance.page_key(element_id, element.pages)
        if not element.pages or len(self.pages[key]) >= provenance.PAGE:
            element.pages += 1
            key = provenance.page_key(element_id, element.pages)
            self.pages[key] = {}
        self.pages[key][entry["record"]] = entry
        self.touched_pages.add(key)
        return element.pages


class Projector:
    def __init__(self, store: GraphStore, keep: int = 0) -> None:
        """`keep`: how many records, elements and pages to hold in memory between batches (0: none;
        every batch reads what it touches). Only for the graph's one writer, and only while
        nothing else changes the graph (a failed write must be followed by `forget`)."""
        self.store = store
        self.keep = keep
        self._work = _WorkingSet()
        self._inflight: deque[tuple[set, set, set, set]] = deque()  # what each batch not yet written touched

    async def apply(self, items: list[LedgerItem]) -> int:
        """Apply entries after the watermark; returns the new watermark."""
        watermark = await self.store.watermark()
        batch = await self.prepare(items, watermark)
        if batch is None:
            return watermark
        try:
            await self.store.write(batch)
        except BaseException:
            self.forget()
            raise
        self.written()
        return batch.watermark

    async def prepare(self, items: list[LedgerItem], after: int,
                      planned: Callable[[list[tuple[LedgerItem, Contribution | None]]], None] | None = None
                      ) -> WriteBatch | None:
        """The write that applies the entries after log index `after` (None: there are none).

        Call `written` once it is in the database, `forget` if it failed. With `keep`,
        the next batch may be prepared while this one is being written: it reads from
        the database only what no earlier batch touched. `planned` is given each item with
        its contribution (None for a retraction) before anything is read or folded.
        """
        items = [i for i in items if i.log_index > after]
        if not items:
            return None
        if not self.keep:
            self._work = _WorkingSet()
        plans = [(item, self._plan(item)) for item in items]
        if planned is not None:
            planned([(item, adds) for item, (_removals, adds) in plans])
        work = await self._load(plans, self._work)
        self._fold(plans, work)
        batch = self._batch(work)
        batch.watermark = items[-1].log_index
        self._inflight.append(work.seal())
        return batch

    def _fold(self, plans, work: _WorkingSet) -> None:
        """Each record's removals then its contribution, in log order: the one fold of apply and rebuild."""
        for _item, (removals, adds) in plans:
            for key in removals:
                self._remove_record(work, key)
            if adds is not None:
                self._add(work, adds)

    def written(self) -> None:
        """The oldest prepared batch is in the database. When more is held than `keep`, let go of
        all but what the batches still being written touched (the database has the rest)."""
        self._inflight.popleft()
        if self._work.size > self.keep:
            pending = [set().union(*parts) for parts in zip(*self._inflight)] or [set(), set(), set(), set()]
            self._work = self._work.only(*pending)

    def forget(self) -> None:
        """A prepared batch did not reach the database: what is held may be ahead of it."""
        self._work = _WorkingSet()
        self._inflight.clear()

    async def rebuild(self, batches: Iterable[list[LedgerItem]], progress: Callable[[int], None] = lambda n: None,
                      chunk: int = 5000) -> int:
        """Replay a whole ledger into an EMPTY store by the bulk path.

        The records are folded in memory with the very same remove/add steps
        as `apply`, then the result is written with plain CREATEs in large
        chunks and the watermark last (tests/contract: same graph as
        incremental projection). The caller marks the graph incomplete
        around it (gateway.server.projection.rebuild): an interrupted rebuild is emptied
        and redone, never continued.
        """
        work = _WorkingSet()
        last = -1
        for items in batches:
            self._fold([(item, self._plan(item)) for item in items], work)
            if items:
                last = items[-1].log_index
            progress(last + 1)
        batch = self._batch(work)
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

    async def _load(self, plans, work: _WorkingSet) -> _WorkingSet:
        """Read what the batch touches and `work` does not hold yet: its records' states, their
        elements, and only the pages it needs (where removed entries sit, where new ones go)."""
        record_keys = {k for _, (removals, _) in plans for k in removals} - work.records.keys()
        loaded = await self.store.load_records(sorted(record_keys))
        work.records.update(loaded)
        work.stored_records |= loaded.keys()
        states = [work.records[k] for _, (removals, _) in plans for k in removals if k in work.records]
        node_keys: set[str] = set()
        edge_keys: set[Triple] = set()
        for state in states:
            node_keys.update(state["nodes"])
            edge_keys.update(state["edges"])
        for _, (_, adds) in plans:
            if adds is not None:
                node_keys.update(adds.nodes)
                node_keys.update(node.fallback for node in adds.nodes.values() if node.fallback)
                edge_keys.update((e.source, e.type, e.target) for e in adds.edges.values())
        work.nodes.update(await self.store.load_nodes(sorted(node_keys - work.nodes.keys())))
        work.edges.update(await self.store.load_edges(sorted(edge_keys - work.edges.keys())))
        page_keys: set[str] = set()
        for state in states:  # the pages holding the entries a removal takes out
            page_keys.update(provenance.page_key(provenance.node_id(k), p) for k, p in state["nodes"].items() if p)
            page_keys.update(provenance.page_key(provenance.edge_id(*t), p) for t, p in state["edges"].items() if p)
        # The last page of an element that has pages: where its next entries go.
        page_keys.update(provenance.page_key(provenance.node_id(k), work.nodes[k].pages)
                         for k in node_keys if k in work.nodes and work.nodes[k].pages)
        page_keys.update(provenance.page_key(provenance.edge_id(*t), work.edges[t].pages)
                         for t in edge_keys if t in work.edges and work.edges[t].pages)
        page_keys -= work.pages.keys()
        stored = await self.store.load_pages(sorted(page_keys))
        work.stored_pages |= stored.keys()
        work.pages.update({key: stored.get(key, {}) for key in page_keys})
        return work

    # -- applying ------------------------------------------------------------------------------

    @staticmethod
    def _remove_record(work: _WorkingSet, key: str) -> None:
        state = work.records.get(key)
        if not state:
            return
        for node_key, page in state["nodes"].items():
            element = work.nodes.get(node_key)
            if element is not None:
                work.take(element, provenance.node_id(node_key), page, key)
                work.touched_nodes.add(node_key)
        for triple, page in state["edges"].items():
            element = work.edges.get(triple)
            if element is not None:
                work.take(element, provenance.edge_id(*triple), page, key)
                work.touched_edges.add(triple)
        work.records[key] = {"version": state["version"], "nodes": {}, "edges": {}, "retracted": True,
                             "log_index": state.get("log_index", -1), "readers": [key.split("/", 1)[0]],
                             "case": ""}
        work.touched_records.add(key)

    @staticmethod
    def _add(work: _WorkingSet, adds: Contribution) -> None:
        source = adds.source
        stamp = source.stamp()
        moved = _hidden_references(work, adds)
        placed_nodes: dict[str, int] = {}
        for node in adds.nodes.values():
            key = moved.get(node.key, node.key)
            element = work.nodes.get(key)
            if element is None:
                element = work.nodes[key] = Element(node.label)
            elif element.label != node.label and not element.tally.entries:
                element.label = node.label  # nothing asserts it any more: the new record gives its type
            # Each entry knows its record's type (stored when it is not the element's label), so
            # what an agency is shown as a node's type comes from records it may see (graph.view).
            facts = node.facts if node.label == element.label else {**node.facts, "type": node.label}
            placed_nodes[key] = work.put(element, provenance.node_id(key), {**stamp, "facts": facts})
            work.touched_nodes.add(key)
        placed_edges: dict[Triple, int] = {}
        for edge in adds.edges.values():
            triple = (moved.get(edge.source, edge.source), edge.type, moved.get(edge.target, edge.target))
            element = work.edges.get(triple)
            if element is None:
                element = work.edges[triple] = Element(edge.type)
            placed_edges[triple] = work.put(element, provenance.edge_id(*triple), {**stamp, "facts": edge.facts})
            work.touched_edges.add(triple)
        work.records[source.record] = {
            "version": source.version, "log_index": source.log_index, "retracted": False,
            "readers": list(source.readers), "case": source.case, "nodes": placed_nodes, "edges": placed_edges,
        }
        work.touched_records.add(source.record)

    # -- writing ------------------------------------------------------------------------------------

    @staticmethod
    def _batch(work: _WorkingSet) -> WriteBatch:
        batch = WriteBatch()
        recreated: set[str] = set()
        for key in sorted(work.touched_nodes):
            element = work.nodes[key]
            if not element.tally.entries:
                if element.stored_label:
                    batch.node_deletes.append(key)
                continue
            row = _element_row(element, key=key, names=_names(element.tally), agency_count=len(element.tally.agencies))
            if element.stored_label is None:
                batch.node_creates[element.label].append(row)
            elif element.stored_label != element.label:
                batch.node_deletes.append(key)  # the entity changed type: recreate it under its new label
                batch.node_creates[element.label].append(row)
                recreated.add(key)
            else:
                batch.node_updates.append(row)
            _refile_names(batch, key, element, recreated)
        for triple in sorted(work.touched_edges):
            element = work.edges[triple]
            source, rel_type, target = triple
            ends = {"source": source, "target": target}
            stored = element.stored_label is not None and not ({source, target} & recreated)
            if not element.tally.entries:
                if stored:
                    batch.edge_deletes[rel_type].append(ends)
                continue
            # An edge whose end node is recreated lost it with DETACH DELETE: create it again.
            (batch.edge_updates if stored else batch.edge_creates)[rel_type].append(_element_row(element, **ends))
        for key in sorted(work.touched_pages):
            entries = work.pages[key].values()
            if not entries:
                if key in work.stored_pages:
                    batch.page_deletes.append(key)
                continue
            row = {"key": key, "readers": provenance.readers_of(entries), "src": provenance.encode_page(entries)}
            (batch.page_updates if key in work.stored_pages else batch.page_creates).append(row)
        for key in sorted(work.touched_records):
            state = work.records[key]
            nodes, edges = sorted(state["nodes"]), sorted(state["edges"])
            row = {
                "key": key, "version": state["version"], "log_index": state.get("log_index", -1),
                "retracted": state.get("retracted", False), "readers": state.get("readers", []),
                "case": state.get("case", ""),
                "nodes": nodes, "node_pages": [state["nodes"][k] for k in nodes],
                "edges": [orjson.dumps(t).decode() for t in edges], "edge_pages": [state["edges"][t] for t in edges],
            }
            (batch.record_updates if key in work.stored_records else batch.record_creates).append(row)
        return batch


def _hidden_references(work: _WorkingSet, adds: Contribution) -> dict[str, str]:
    """A record's references to other agencies' local keys that its author may not see (or that do
    not exist), each to the record's own local key instead: hidden and absent behave alike, and a
    record never attaches itself to a node its author cannot read."""
    author = adds.source.agency
    moved = {}
    for node in adds.nodes.values():
        if node.fallback:
            element = work.nodes.get(node.key)
            if element is None or not any(reader in (EVERYONE, author) for _, reader in element.tally.seen):
                moved[node.key] = node.fallback
    return moved


def _element_row(element: Element, **fields) -> dict:
    paged = element.pages > 0
    return {
        **fields,
        "readers": element.tally.readers,
        "src": provenance.encode_page(element.head.values()),
        # Only a paged element stores its tally (an unpaged one's is its head's, recounted when
        # loaded) and the counts a reader needs to count its visible sources without its pages:
        # nulls, so almost every element stores no more than its head (graph.provenance).
        "pages": element.pages if paged else None,
        "tally": element.tally.to_json() if paged else None,
        "counts": element.tally.counts() if paged else None,
    }


def _names(tally: provenance.Tally) -> list[str]:
    """Normalized names and aliases, for search (hits are re-checked against visible sources)."""
    return sorted({name_keys.normalize(name) or name.casefold() for name in tally.names})


def _refile_names(batch: WriteBatch, key: str, element: Element, recreated: set[str]) -> None:
    """File a person or organization under its name blocks (graph.candidates): only the blocks that changed."""
    if element.label not in candidates.CANDIDATE_TYPES and not any(
            e["facts"].get("type") in candidates.CANDIDATE_TYPES for e in element.head.values()):
        return
    before = set() if key in recreated or element.stored_label is None else candidates.name_blocks(element.stored_names)
    after = candidates.name_blocks(element.tally.names)
    if before - after:
        batch.unnamed.append({"key": key, "blocks": sorted(before - after)})
    if after - before:
        batch.named.append({"key": key, "blocks": sorted(after - before)})

