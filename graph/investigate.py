"""Investigators' questions over the graph, answered for one agency at a time.

Every step goes through the visibility filter twice: in Cypher (an element
needs "*" or the agency among its readers) and in graph.view (facts only
from readable sources). Traversals are breadth-first, one hop per query,
with a fan-out cap per node so a hub wallet with thousands of links cannot
flood an answer (the answer says it was truncated). Paths are searched the
same way, so a path never steps on anything the agency may not see.

One file because every question is built from the same few visibility-checked steps (nodes, expand,
widen, candidates) that live here; the Cypher is graph/queries.py, the views graph/view.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from graph import candidates, provenance, queries, resolve
from graph import names as name_match
from graph.project import case_key
from graph.resolve.keys import identifier_key
from graph.store import GraphStore
from graph.view import EdgeView, NodeView, Subgraph, edge_view, node_view, visible_sources

FANOUT = 200
MAX_NODES = 2000
# Default node limits, one for each kind of question, whoever asks (query, export, console, CLI):
NEIGHBOURHOOD_NODES = 200  # a neighbourhood, on screen or exported: the same question, the same answer
ANALYSIS_NODES = 500  # the ball communities and centrality are computed over
CARD_LINKS = 100  # neighbours listed on an entity card
MAX_CASE_NODES = 50_000  # a case export (a sanctions list is one case) may be large
_CHUNK = 2000
OPERATOR_ROLE = "unauthorized_operator"


@dataclass
class Window:
    """Keep only sources seen inside [since_ms, until_ms] (0 = open)."""

    since_ms: int = 0
    until_ms: int = 0

    @property
    def everything(self) -> bool:
        return not self.since_ms and not self.until_ms

    def keep(self, view):
        if view is None or self.everything:
            return view
        view.only([s for s in view.sources if (not self.since_ms or s["seen_ms"] >= self.since_ms)
                   and (not self.until_ms or s["seen_ms"] <= self.until_ms)])
        return view if view.sources else None


def identifier_keys(query: str) -> list[str]:
    """Every strong key the text could be: a wallet on any chain whose checksum it passes, a domain …"""
    text = query.strip()
    # A wallet on every chain whose rule accepts the text (BCH, ZEC, XMR … too; one EVM address on every EVM chain).
    keys: list[str] = [f"wallet:{chain}:{address}" for chain, address in resolve.wallet.candidates(text)]
    for kind, scheme in (("lei", ""), ("jp_cn", ""), ("iban", ""), ("email", ""),
                         ("phone", ""), ("url", ""), ("domain", "")):
        try:
            key = identifier_key(kind, text, scheme)
        except (resolve.InvalidIdentifier, TypeError, ValueError):
            continue
        if key not in keys:
            keys.append(key)
    return keys


class Investigator:
    def __init__(self, store: GraphStore, agency_kinds: Callable[[], dict[str, str]] = dict) -> None:
        self.store = store
        self.agency_kinds = agency_kinds

    # -- building blocks -----------------------------------------------------------------------

    async def nodes(self, keys: list[str], viewer: str, window: Window = Window()) -> dict[str, NodeView]:
        if not keys:
            return {}
        rows = await self.store.read_items(queries.NODES_BY_KEY, queries.NODE_FIELDS, keys=keys, agency=viewer)
        await self._widen(rows, viewer, NODE, at_least=SHOWN)
        views = {}
        for row in rows:
            view = window.keep(_node(row, viewer))
            if view is not None:
                views[row["key"]] = view
        return views

    async def node(self, key: str, viewer: str) -> NodeView | None:
        return (await self.nodes([key], viewer)).get(key)

    async def _expand(self, keys: list[str], viewer: str, edge_types: list[str], window: Window,
                      fanout: int = FANOUT) -> tuple[dict[str, list[tuple[str, EdgeView]]], dict[str, NodeView], bool]:
        """Neighbours of each key: origin -> [(neighbour key, edge)], the neighbour views, whether a hub was cut."""
        if len(keys) == 1:
            rows = await self.store.read_items(queries.EXPAND_ONE, queries.NEIGHBOUR_FIELDS, key=keys[0],
                                               agency=viewer, fanout_plus_one=fanout + 1)
        else:
            rows = await self.store.read_items(queries.EXPAND, queries.NEIGHBOUR_FIELDS, keys=keys, agency=viewer,
                                               fanout_plus_one=fanout + 1)
        await self._widen(rows, viewer, NODE, EXPANDED_EDGE)
        return _neighbours(rows, viewer, edge_types, window, fanout)

    async def _expand_among(self, key: str, viewer: str, edge_types: list[str], window: Window, fanout: int):
        """`_expand` of one key, and the rows of every visible link among it and its neighbours
        (a superset of the answer's: `_add_among` keeps those with both ends in it)."""
        found = await self.store.read(queries.EXPAND_ONE_AMONG, key=key, agency=viewer, fanout_plus_one=fanout + 1)
        rows = [dict(zip(queries.NEIGHBOUR_FIELDS, item), origin=key) for item in found[0]["items"]] if found else []
        among = [dict(zip(queries.EDGE_FIELDS, item)) for item in found[0]["among"]] if found else []
        await self._widen(rows, viewer, NODE, EXPANDED_EDGE)
        return _neighbours(rows, viewer, edge_types, window, fanout), among

    async def _expand_twice(self, key: str, viewer: str, edge_types: list[str], window: Window, among_cap: int,
                            fanout: int = FANOUT):
        """Two hops in one round trip: (first hop, second-hop rows, links among the second hop's new nodes).

        The first hop is what `_expand` would answer; the second-hop rows cover every
        first-hop node, and the caller reads those of the nodes it expands (`_neighbours`),
        so the breadth-first walk and its truncation flag are unchanged. The links are None
        when the second hop holds more than `among_cap` new nodes (a negative cap: not asked).
        """
        found = await self.store.read(queries.EXPAND_TWICE, key=key, agency=viewer, fanout_plus_one=fanout + 1,
                                      among_cap=among_cap)
        if not found or not found[0]["items"]:
            return ({}, {}, False), [], []  # no visible neighbour (or no visible start)
        rows = [{**dict(zip(queries.NEIGHBOUR_FIELDS, item)), "around": item[-1], "origin": key}
                for item in found[0]["items"]]
        around: dict[str, list] = {}
        for row in rows:
            around.setdefault(row["key"], row["around"])  # two links to one neighbour carry the same list
        second_rows = [dict(zip(queries.NEIGHBOUR_FIELDS, item), origin=origin)
                       for origin, items in around.items() for item in items]
        among = found[0]["among"]
        among = None if among is None else [dict(zip(queries.EDGE_FIELDS, item)) for item in among]
        await self._widen(rows + second_rows, viewer, NODE, EXPANDED_EDGE)
        return _neighbours(rows, viewer, edge_types, window, fanout), second_rows, among

    async def _edges_among(self, subgraph: Subgraph, viewer: str, edge_types: list[str], window: Window,
                           keys: list[str] | None = None) -> None:
        """The visible links among `keys` (default: all the answer's nodes) into the answer."""
        keys = list(subgraph.nodes) if keys is None else keys
        if len(keys) < 2:
            return
        rows = await self.store.read_items(queries.EDGES_AMONG, queries.EDGE_FIELDS, keys=keys, agency=viewer)
        await self._add_among(subgraph, rows, viewer, edge_types, window)

    async def _add_among(self, subgraph: Subgraph, rows: list[dict], viewer: str, edge_types: list[str],
                         window: Window) -> None:
        """Link rows into the answer, as the viewer sees them, where both ends are in it."""
        # Links the walk already holds are the same rows seen again (around a cut hub, every neighbour's
        # link to it): reading their sources once more would only give the same view.
        rows = [row for row in rows if row["source"] in subgraph.nodes and row["target"] in subgraph.nodes
                and (row["source"], row["type"], row["target"]) not in subgraph.edges]
        await self._widen(rows, viewer, EDGE)
        _add_edges(subgraph, rows, viewer, edge_types, window)

    async def _candidates(self, entity: NodeView, viewer: str, edge_types: list[str]
                          ) -> list[tuple[NodeView, EdgeView]]:
        """The entity's POSSIBLY_SAME_AS candidates the viewer may see: (the other node, the link)."""
        key = entity.key
        if entity.type not in candidates.CANDIDATE_TYPES or (edge_types and candidates.CANDIDATE not in edge_types):
            return []
        blocks = candidates.blocks(entity.sources)
        if not blocks:
            return []
        rows = await self.store.read_items(queries.BLOCK_MEMBERS, queries.NODE_FIELDS, blocks=sorted(blocks),
                                           agency=viewer, cap_plus_one=candidates.BLOCK_CAP + 1)
        await self._widen(rows, viewer, NODE)
        per_block: dict[str, list[dict]] = {}
        for row in rows:
            per_block.setdefault(row["block"], []).append(row)
        others: dict[str, NodeView] = {}
        for members in per_block.values():
            if len(members) > candidates.BLOCK_CAP:
                continue  # too common a word to suggest anything
            for row in members:
                if row["key"] != key and row["key"] not in others:
                    view = _node(row, viewer)
                    if view is not None and view.type == entity.type:
                        others[row["key"]] = view
        found = [e for e in (candidates.candidate_edge(entity, o) for o in others.values()) if e is not None]
        found.sort(key=lambda e: (-e.score, e.source, e.target))
        decided = await self._decided_pairs(key, [e.target if e.source == key else e.source for e in found], viewer)
        kept = []
        for edge in found[:candidates.PER_ENTITY]:
            other = edge.target if edge.source == key else edge.source
            if frozenset((key, other)) in decided:
                continue  # an investigator the viewer may hear has confirmed or rejected it
            kept.append((others[other], edge))
        return kept

    async def _decided_pairs(self, key: str, others: list[str], viewer: str) -> set[frozenset]:
        if not others:
            return set()
        rows = await self.store.read_items(queries.EDGES_AMONG, queries.EDGE_FIELDS, keys=[key, *others], agency=viewer)
        rows = [r for r in rows if r["type"] in DECISIONS]
        await self._widen(rows, viewer, EDGE)
        return {frozenset((r["source"], r["target"])) for r in rows if _edge(r, viewer)}

    async def _widen(self, rows: list[dict], viewer: str, *specs: RowElement, at_least: int = 1) -> None:
        """Give each paged element of the rows enough sources the viewer may read to show.

        A row carries an element's head (graph.provenance.HEAD entries). For
        the rare element with more (a hub) whose head shows the viewer fewer
        than `at_least` (SHOWN for the elements asked for by key, one for
        those met on the way: a neighbourhood needs a hub to be there, its card
        shows its sources), its overflow pages the viewer may read are fetched,
        a few at a time in page order, and their readable entries appended to
        the row's sources; counts come from the element's tally, never from here.
        """
        short: dict[str, list] = {}  # element id -> [pages, visible so far, [(row, field)]]
        for row in rows:
            for element_id, src_field, pages_field in specs:
                pages = row.get(pages_field) or 0
                if not pages:
                    continue
                element = element_id(row)
                if element not in short:
                    short[element] = [pages, len(visible_sources(row[src_field], viewer)), []]
                short[element][2].append((row, src_field))
        wanted = {e: v for e, v in short.items() if v[1] < at_least}
        first = 1
        step = 1  # one page of 256 usually has enough; then 4, 16 … more
        extra: dict[str, list[str]] = {e: [] for e in wanted}
        while wanted:
            keys = [provenance.page_key(e, p) for e, (pages, _, _) in wanted.items()
                    for p in range(first, min(pages, first + step - 1) + 1)]
            if not keys:
                break
            for page in await self.store.read(queries.VISIBLE_PAGES, keys=keys, agency=viewer):
                element = provenance.page_element(page["key"])
                state = wanted[element]
                for text in page["src"]:
                    if state[1] < at_least and visible_sources([text], viewer):
                        extra[element].append(text)
                        state[1] += 1
            first += step
            step *= 4
            wanted = {e: v for e, v in wanted.items() if v[1] < at_least and v[0] >= first}
        for element, texts in extra.items():
            for row, src_field in short[element][2]:
                row[src_field] = [*row[src_field], *texts]

    # -- questions ----------------------------------------------------------------------------------

    async def search(self, query: str, viewer: str, types: list[str] | None = None, limit: int = 50,
                     offset: int = 0) -> list[tuple[NodeView, str, float]]:
        hits: list[tuple[NodeView, str, float]] = []
        for view in (await self.nodes(identifier_keys(query), viewer)).values():
            hits.append((view, "identifier", 100.0))
        normalized = name_match.normalize(query)
        if len(normalized) >= 2:
            rows = await self.store.read_items(queries.SEARCH_NAMES, queries.NODE_FIELDS, q=normalized,
                                               agency=viewer, skip=0, limit=(offset + limit) * 4 + 50)
            await self._widen(rows, viewer, NODE)
            for row in rows:
                view = _node(row, viewer)
                if view is None or any(h[0].key == view.key for h in hits):
                    continue
                # The hit must come from a name the viewer may see, not from a hidden source's name.
                best = max((name_match.score(query, name) for name in view.names), default=0.0)
                visible_norms = {name_match.normalize(n) for n in view.names}
                if any(normalized in n for n in visible_norms):
                    hits.append((view, "name", max(best, 60.0)))
        if types:
            hits = [h for h in hits if h[0].type in types]
        hits.sort(key=lambda h: (-h[2], h[0].key))
        return hits[offset:offset + limit]

    async def card(self, key: str, viewer: str) -> tuple[NodeView, Subgraph] | None:
        # The card lists what the entity is linked to: links among those neighbours are not asked
        # (around a hub that is a hundred more lookups).
        around = await self.neighbourhood(key, viewer, hops=1, node_limit=CARD_LINKS, among=False)
        view = around.nodes.get(key)
        return (view, around) if view is not None else None

    async def neighbourhood(self, key: str, viewer: str, *, hops: int = 2, node_types: list[str] | None = None,
                            edge_types: list[str] | None = None, window: Window = Window(),
                            node_limit: int = NEIGHBOURHOOD_NODES, among: bool = True) -> Subgraph:
        """The visible ball of `hops` around `key`; `among=False` leaves out links between neighbours
        that no walk step found (a card needs only the links of its entity)."""
        node_limit = max(1, min(node_limit, MAX_NODES))
        edge_types = edge_types or []
        # The start with its name candidates, and the first hops with the links among the last of them, are
        # asked at once (a hub's hop is the longest round trip: the candidates then cost nothing more); the
        # hops are dropped unseen if the start is not visible. One hop with no type filter needs no more
        # links than nodes it may keep (a hub's card).
        fanout = min(FANOUT, node_limit) if hops == 1 and not (edge_types or node_types) else FANOUT

        async def start_and_candidates():
            view = (await self.nodes([key], viewer, window)).get(key)
            return view, (await self._candidates(view, viewer, edge_types) if view is not None else [])

        async def first_hops():
            """(first hop, second-hop rows or None, links among the last hop's nodes or None)"""
            if hops >= 2:
                # The links among the second hop's new nodes are the ones the walk needs when it stops there,
                # unless a filter on links can reach through a link it leaves out a node the first hop had.
                wanted = hops == 2 and among and not edge_types and window.everything
                return await self._expand_twice(key, viewer, edge_types, window, node_limit if wanted else -1)
            if among:
                hop, links = await self._expand_among(key, viewer, edge_types, window, fanout)
                return hop, None, links
            return await self._expand([key], viewer, edge_types, window, fanout), None, None

        (start, early), (first, second_rows, among_rows) = await asyncio.gather(start_and_candidates(), first_hops())
        subgraph = Subgraph()
        if start is None:
            return subgraph
        subgraph.nodes[key] = start
        frontier = [key]
        seen_edges: list[EdgeView] = []  # every visible link of every expanded node
        fanout_cut = False
        for hop in range(hops):
            if not frontier:
                break
            if hop == 0:
                per_origin, views, cut = first
            elif hop == 1 and second_rows is not None:
                expanding = set(frontier)
                per_origin, views, cut = _neighbours([r for r in second_rows if r["origin"] in expanding], viewer,
                                                     edge_types, window, FANOUT)
            else:
                per_origin, views, cut = await self._expand(frontier, viewer, edge_types, window)
            subgraph.truncated |= cut
            fanout_cut = fanout_cut or cut
            next_frontier = []
            for origin in frontier:
                seen_edges += [edge for _, edge in per_origin.get(origin, [])]
                for neighbour, _edge in per_origin.get(origin, []):
                    if neighbour in subgraph.nodes:
                        continue
                    if node_types and views[neighbour].type not in node_types:
                        continue
                    if len(subgraph.nodes) >= node_limit:
                        subgraph.truncated = True
                        break
                    subgraph.nodes[neighbour] = views[neighbour]
                    next_frontier.append(neighbour)
            frontier = next_frontier
        for edge in seen_edges:
            subgraph.add_edge(edge)
        # The links among the walked nodes: every expanded node's links are known already, so only those
        # among the last hop's nodes are missing. They came with the hops (one hop: among all of its nodes;
        # two: among the second's new nodes, which hold the last hop's unless a hub's fan-out was cut);
        # otherwise they are asked now, among all the nodes when a fan-out was cut.
        walked = len(subgraph.nodes)
        if among and among_rows is not None and (hops == 1 or not fanout_cut):
            await self._add_among(subgraph, among_rows, viewer, edge_types, window)
        elif among:
            await self._edges_among(subgraph, viewer, edge_types, window,
                                    list(subgraph.nodes) if fanout_cut else frontier)
        _take_candidates(subgraph, early)
        if among and len(subgraph.nodes) > walked:
            await self._edges_among(subgraph, viewer, edge_types, window)  # the candidates' own links too
        return subgraph.settle()

    async def case(self, agency: str, case_reference: str, viewer: str, *,
                   node_limit: int = MAX_CASE_NODES) -> Subgraph:
        """The nodes of one agency's case (its records the viewer may see) and the visible links among them."""
        rows = await self.store.read(queries.CASE_RECORDS, case=case_key(agency, case_reference), agency=viewer)
        keys = sorted({key for row in rows for key in row["nodes"] or []})
        subgraph = Subgraph(truncated=len(keys) > node_limit)
        keys = keys[:node_limit]
        for i in range(0, len(keys), _CHUNK):
            subgraph.nodes.update(await self.nodes(keys[i:i + _CHUNK], viewer))
        members = list(subgraph.nodes)
        for i in range(0, len(members), _CHUNK):
            rows = await self.store.read_items(queries.EDGES_OUT, queries.EDGE_FIELDS, keys=members[i:i + _CHUNK],
                                              agency=viewer)
            await self._widen(rows, viewer, EDGE)
            _add_edges(subgraph, rows, viewer, [], Window())  # links leaving the case are dropped by add_edge
        return subgraph.settle()

    async def elements(self, node_keys: list[str], viewer: str, *, edge_keys: list[str] | None = None,
                       window: Window = Window()) -> Subgraph:
        """Exactly these nodes and the visible links among them of `edge_keys` ("source|TYPE|target";
        None: all of them): an investigator's canvas as the viewer sees it now.
        A name candidate is not stored: it is drawn again from its two ends' visible names, and not
        when an investigator the viewer may hear has decided the pair."""
        keys = sorted(set(node_keys))
        subgraph = Subgraph()
        for i in range(0, len(keys), _CHUNK):
            subgraph.nodes.update(await self.nodes(keys[i:i + _CHUNK], viewer, window))
        await self._edges_among(subgraph, viewer, [], window)
        if edge_keys is not None:
            wanted = {tuple(k.split("|", 2)) for k in edge_keys if k.count("|") >= 2}
            decided = {frozenset((s, t)) for s, kind, t in subgraph.edges if kind in DECISIONS}
            subgraph.edges = {(s, kind, t): e for (s, kind, t), e in subgraph.edges.items()
                              if (s, kind, t) in wanted}
            for source, kind, target in sorted(wanted):
                if kind != candidates.CANDIDATE or frozenset((source, target)) in decided:
                    continue
                ends = subgraph.nodes.get(source), subgraph.nodes.get(target)
                if None not in ends and ends[0].type in candidates.CANDIDATE_TYPES:
                    edge = candidates.candidate_edge(*ends)
                    if edge is not None:
                        subgraph.add_edge(edge)
        return subgraph.settle()

    async def paths(self, source: str, target: str, viewer: str, *, max_hops: int = 6,
                    all_shortest: bool = False, limit: int = 25) -> tuple[list[list[str]], Subgraph]:
        """Shortest paths over visible elements only (bidirectional breadth-first search)."""
        ends = await self.nodes([source, target], viewer)
        if len(ends) < 2 or source == target:
            return [], Subgraph()
        parents = {source: {source: set()}, target: {target: set()}}  # side -> node -> parents toward that end
        frontiers = {source: [source], target: [target]}
        views = dict(ends)
        edges: dict[frozenset, EdgeView] = {}
        meeting: set[str] = set()
        depth = 0
        while depth < max_hops and not meeting and frontiers[source] and frontiers[target]:
            side = source if len(frontiers[source]) <= len(frontiers[target]) else target
            per_origin, found, _ = await self._expand(frontiers[side], viewer, [], Window())
            views.update(found)
            new_frontier: dict[str, None] = {}  # ordered set: this level's new nodes
            seen = parents[side]
            for origin in frontiers[side]:
                for neighbour, edge in per_origin.get(origin, []):
                    edges.setdefault(frozenset((origin, neighbour)), edge)
                    if neighbour not in seen:
                        seen[neighbour] = set()
                        new_frontier[neighbour] = None
                    if neighbour in new_frontier:  # every parent on this level leads to a shortest path
                        seen[neighbour].add(origin)
            frontiers[side] = list(new_frontier)
            meeting = set(parents[source]) & set(parents[target])
            depth += 1
        if not meeting:
            return [], Subgraph()
        found_paths = []
        for middle in sorted(meeting):
            for left in _walk(parents[source], middle):
                for right in _walk(parents[target], middle):
                    found_paths.append(list(reversed(left)) + right[1:])
        shortest = min(map(len, found_paths))
        found_paths = sorted({tuple(p) for p in found_paths if len(p) == shortest})
        found_paths = [list(p) for p in found_paths[: (limit if all_shortest else 1)]]
        subgraph = Subgraph()
        for path in found_paths:
            for key in path:
                subgraph.nodes[key] = views[key]
            for a, b in zip(path, path[1:]):
                subgraph.add_edge(edges[frozenset((a, b))])
        return found_paths, subgraph.settle()

    async def overlaps(self, viewer: str, *, min_agencies: int = 2, different_kinds: bool = False,
                       types: list[str] | None = None, limit: int = 100,
                       offset: int = 0) -> list[tuple[NodeView, list[str], list[str]]]:
        kinds = self.agency_kinds()
        found = []
        skip = 0
        while len(found) < offset + limit:
            rows = await self.store.read_items(queries.OVERLAP_CANDIDATES, queries.NODE_FIELDS,
                                              min_agencies=max(2, min_agencies),
                                         agency=viewer, skip=skip, limit=500)
            await self._widen(rows, viewer, NODE)
            for row in rows:
                view = _node(row, viewer)
                if view is None or (types and view.type not in types):
                    continue
                agencies = view.agencies  # counted from visible sources only
                agency_kinds = sorted({kinds.get(a, "other") for a in agencies})
                if len(agencies) >= min_agencies and (not different_kinds or len(agency_kinds) >= 2):
                    found.append((view, agencies, agency_kinds))
            if len(rows) < 500:
                break
            skip += 500
        return found[offset:offset + limit]

    async def operators_near(self, key: str, viewer: str, *, hops: int = 3
                             ) -> tuple[list[tuple[NodeView, int, list[str]]], Subgraph]:
        start = await self.node(key, viewer)
        if start is None:
            return [], Subgraph()
        parents: dict[str, str | None] = {key: None}
        depth_of = {key: 0}
        views = {key: start}
        edges: dict[frozenset, EdgeView] = {}
        frontier = [key]
        for depth in range(1, hops + 1):
            per_origin, found, _ = await self._expand(frontier, viewer, [], Window())
            next_frontier = []
            for origin in frontier:
                for neighbour, edge in per_origin.get(origin, []):
                    edges.setdefault(frozenset((origin, neighbour)), edge)
                    if neighbour not in parents:
                        parents[neighbour] = origin
                        depth_of[neighbour] = depth
                        views[neighbour] = found[neighbour]
                        next_frontier.append(neighbour)
            frontier = next_frontier
        operators = []
        subgraph = Subgraph(nodes={key: start})
        for node_key, view in views.items():
            if node_key == key or OPERATOR_ROLE not in view.roles:
                continue
            path = [node_key]
            while parents[path[-1]] is not None:
                path.append(parents[path[-1]])
            path.reverse()
            operators.append((view, depth_of[node_key], path))
            for a, b in zip(path, path[1:]):
                subgraph.nodes[b] = views[b]
                subgraph.add_edge(edges[frozenset((a, b))])
        operators.sort(key=lambda o: (o[1], o[0].key))
        return operators, subgraph.settle()

    async def analyze(self, key: str, viewer: str, *, hops: int = 2, node_limit: int = ANALYSIS_NODES):
        """Communities (Louvain) and centrality ranking of the visible neighbourhood (networkx)."""
        subgraph = await self.neighbourhood(key, viewer, hops=hops, node_limit=node_limit)
        graph = to_networkx(subgraph)
        if graph.number_of_nodes() == 0:
            return [], [], subgraph
        undirected = graph.to_undirected()
        communities = nx.community.louvain_communities(undirected, seed=7) if undirected.number_of_edges() else [
            {n} for n in undirected.nodes]
        betweenness = nx.betweenness_centrality(undirected)
        pagerank = nx.pagerank(graph) if graph.number_of_edges() else {n: 1 / len(graph) for n in graph}
        degree = nx.degree_centrality(undirected) if len(graph) > 1 else {n: 0.0 for n in graph}
        ranking = sorted(
            ((n, degree[n], betweenness[n], pagerank[n]) for n in graph.nodes),
            key=lambda r: (-r[2], -r[3], r[0]),
        )
        ordered = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c))
        return ordered, ranking, subgraph


DECISIONS = frozenset({"SAME_AS", "NOT_SAME_AS"})
SHOWN = provenance.HEAD  # sources shown of one element; its count says how many the viewer may read

# Where a row holds an element: (its element id, the row's sources field, the row's page-count field).
RowElement = tuple[Callable[[dict], str], str, str]
NODE: RowElement = (lambda row: provenance.node_id(row["key"]), "src", "pages")
EDGE: RowElement = (lambda row: provenance.edge_id(row["source"], row["type"], row["target"]), "rsrc", "rpages")
# An expansion row's link: from `source` (its start node) to whichever of origin and neighbour is not it.
EXPANDED_EDGE: RowElement = (
    lambda row: provenance.edge_id(row["source"], row["type"],
                                   row["key"] if row["source"] == row["origin"] else row["origin"]),
    "rsrc", "rpages")


def _take_candidates(subgraph: Subgraph, found: list[tuple[NodeView, EdgeView]]) -> None:
    for other, edge in found:
        subgraph.nodes.setdefault(other.key, other)
        subgraph.add_edge(edge)


def _node(row: dict, viewer: str) -> NodeView | None:
    return node_view(row["key"], row["labels"], row["src"], viewer, row.get("counts"))


def _edge(row: dict, viewer: str) -> EdgeView | None:
    return edge_view(row["source"], row["type"], row["target"], row["rsrc"], viewer, row.get("rcounts"))


def _add_edges(subgraph: Subgraph, rows: list[dict], viewer: str, edge_types: list[str], window: Window) -> None:
    """Edge rows (source, type, target, rsrc) as the viewer sees them, into the answer (both ends in it)."""
    for row in rows:
        if edge_types and row["type"] not in edge_types:
            continue
        edge = window.keep(_edge(row, viewer))
        if edge is not None:
            subgraph.add_edge(edge)


def _neighbours(rows: list[dict], viewer: str, edge_types: list[str], window: Window, fanout: int):
    """Expansion rows -> (origin -> [(neighbour key, edge)], neighbour views, whether a hub was cut)."""
    per_origin: dict[str, list[tuple[str, EdgeView]]] = {}
    views: dict[str, NodeView] = {}
    counts: dict[str, int] = {}
    truncated = False
    for row in rows:
        origin = row["origin"]
        counts[origin] = counts.get(origin, 0) + 1
        if counts[origin] > fanout:
            truncated = True
            continue
        if edge_types and row["type"] not in edge_types:
            continue
        source, target = (origin, row["key"]) if row["source"] == origin else (row["key"], origin)
        edge = window.keep(edge_view(source, row["type"], target, row["rsrc"], viewer, row["rcounts"]))
        neighbour = views.get(row["key"]) or window.keep(_node(row, viewer))
        if edge is None or neighbour is None:
            continue
        views[row["key"]] = neighbour
        per_origin.setdefault(origin, []).append((row["key"], edge))
    for found in per_origin.values():  # the walk (and where a node limit cuts it) in a visible order
        found.sort(key=lambda pair: (pair[0], pair[1].type, pair[1].source))
    return per_origin, views, truncated


def _walk(parents: dict[str, set[str]], node: str) -> list[list[str]]:
    """All parent chains from node back to the search root: [node, …, root]."""
    if not parents[node]:
        return [[node]]
    return [[node, *rest] for parent in sorted(parents[node]) for rest in _walk(parents, parent)]


def to_networkx(subgraph: Subgraph) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for key, view in subgraph.nodes.items():
        graph.add_node(key, type=view.type, label=view.caption)
    for (source, rel_type, target), _edge in subgraph.edges.items():
        graph.add_edge(source, target, key=rel_type, type=rel_type)
    return graph
