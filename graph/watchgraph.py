"""What watches need from the graph, always as the watching agency sees it (graph.investigate).

The index (graph.watchlist) finds the few watches a record may concern; the
graph settles them: the k-hop walk of a neighbourhood watch (the very walk
of OperatorsNear, with the nodes it saw), whether the watcher itself
reported a node another agency reports now, and the small subgraph an
alert shows. Every answer here goes through the same visibility filter as
the Query API, so an alert never shows what a query would not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import orjson

from graph import queries
from graph.investigate import EDGE, FANOUT, NODE, OPERATOR_ROLE, Investigator, _edge, _node
from graph.view import EdgeView, NodeView, Subgraph, node_view

_CHUNK = 2000


@dataclass
class Walk:
    """The breadth-first walk of OperatorsNear from one key, for one viewer: every node it reached
    and how far, the link it took between two nodes, and the views of the start, the operators and
    the nodes and links on the paths to them (the only ones an alert shows)."""

    operators: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # key -> (distance, path)
    depths: dict[str, int] = field(default_factory=dict)  # hops from the start, of every node walked
    links: dict[frozenset, Triple] = field(default_factory=dict)  # the link taken between two nodes
    views: dict[str, NodeView] = field(default_factory=dict)  # the start, the operators, their paths
    edges: dict[frozenset, EdgeView] = field(default_factory=dict)  # the links on the paths

    @property
    def walked(self) -> set[str]:
        return set(self.depths)

    def nearer_than(self, hops: int) -> set[str]:
        return {k for k, d in self.depths.items() if d < hops}

    def at(self, hops: int) -> set[str]:
        return {k for k, d in self.depths.items() if d == hops}

    def paths_to(self, operator_keys) -> Subgraph:
        """The paths from the start to these operators, as OperatorsNear's subgraph draws them."""
        subgraph = Subgraph()
        for key in operator_keys:
            path = self.operators[key][1]
            subgraph.nodes[path[0]] = self.views[path[0]]
            for a, b in zip(path, path[1:]):
                subgraph.nodes[b] = self.views[b]
                subgraph.add_edge(self.edges[frozenset((a, b))])
        return subgraph.settle()


Triple = tuple[str, str, str]  # (source key, TYPE, target key)


async def operators_within(investigator: Investigator, key: str, viewer: str, hops: int) -> Walk:
    """Unauthorized operators within `hops` of `key` as the viewer sees them: the walk of
    Investigator.operators_near, step for step (tests/contract/test_watchgraph.py holds them equal),
    keeping every node it saw. A start the viewer may not see walks nowhere, as an absent one."""
    return (await walks(investigator, [(key, viewer, hops)]))[0]


@dataclass
class _Walking:
    """One walk under way: its start, how far it goes, each node's parent, the nodes to expand next."""

    walk: Walk
    start: str
    hops: int
    parents: dict[str, str | None]
    frontier: list[str]


async def walks(investigator: Investigator, starts: list[tuple[str, str, int]]) -> list[Walk]:
    """`operators_within` for many (key, viewer, hops) at once, in the same order: each viewer's walks
    advance together, one expansion of all their frontiers per hop (a neighbour list is the same
    whichever walk asks for it: the expansion limits each origin alone), so a batch's neighbourhood
    watches cost a few round trips instead of a few per watch.

    The expansions read keys only (queries.EXPAND_KEYS: the links and nodes the viewer may see, as
    EXPAND finds them), and whether a node may be an operator; only those are then read whole and
    seen as the viewer sees them, exactly as an expansion would show them, and the nodes and links
    on the paths to the operators found. Around a hub a walk reaches a thousand nodes: reading and
    decoding all their sources cost 3-4 times the keys' walk (docs/benchmarks.md)."""
    found = [Walk() for _ in starts]
    by_viewer: dict[str, list[int]] = {}
    for position, (_, viewer, _) in enumerate(starts):
        by_viewer.setdefault(viewer, []).append(position)

    async def walk_for(viewer: str, positions: list[int]) -> None:
        keys = sorted({starts[p][0] for p in positions})
        seen: dict[str, NodeView] = {}
        for i in range(0, len(keys), _CHUNK):
            seen.update(await investigator.nodes(keys[i:i + _CHUNK], viewer))
        walking = []  # the starts the viewer may see; the others walk nowhere, as absent ones
        for p in positions:
            key, _, hops = starts[p]
            if key in seen:
                found[p].depths[key] = 0
                found[p].views[key] = seen[key]
                walking.append(_Walking(found[p], key, hops, {key: None}, [key]))
        maybe: set[str] = set()  # nodes walked that may be operators
        for depth in range(1, max((w.hops for w in walking), default=0) + 1):
            going = [w for w in walking if w.hops >= depth]
            origins = sorted({origin for w in going for origin in w.frontier})
            per_origin: dict[str, list[tuple[str, Triple]]] = {}
            for i in range(0, len(origins), _CHUNK):
                per_origin.update(await _expand_keys(investigator, origins[i:i + _CHUNK], viewer, maybe))
            for w in going:
                frontier, w.frontier = w.frontier, []
                for origin in frontier:
                    for neighbour, triple in per_origin.get(origin, []):
                        w.walk.links.setdefault(frozenset((origin, neighbour)), triple)
                        if neighbour not in w.parents:
                            w.parents[neighbour] = origin
                            w.walk.depths[neighbour] = depth
                            w.frontier.append(neighbour)
        await _operators(investigator, viewer, walking, maybe)

    # Each viewer's walks side by side: their round trips overlap.
    await asyncio.gather(*(walk_for(viewer, positions) for viewer, positions in sorted(by_viewer.items())))
    return found


async def _expand_keys(investigator: Investigator, origins: list[str], viewer: str, maybe: set[str]
                       ) -> dict[str, list[tuple[str, Triple]]]:
    """origin -> [(neighbour, its link)] as Investigator._expand gives them (the first FANOUT links the
    database finds, in a visible order); the neighbours that may be operators go into `maybe`."""
    rows = await investigator.store.read_items(queries.EXPAND_KEYS, queries.EXPANDED_KEY_FIELDS, keys=origins,
                                               agency=viewer, fanout_plus_one=FANOUT + 1, role=OPERATOR_ROLE)
    per_origin: dict[str, list[tuple[str, Triple]]] = {}
    for row in rows:
        origin, neighbour = row["origin"], row["key"]
        links = per_origin.setdefault(origin, [])
        if len(links) == FANOUT:
            continue  # a hub's fan-out is cut as the expansion cuts it
        source, target = (origin, neighbour) if row["source"] == origin else (neighbour, origin)
        links.append((neighbour, (source, row["type"], target)))
        if row["maybe"]:
            maybe.add(neighbour)
    for links in per_origin.values():
        links.sort(key=lambda pair: (pair[0], pair[1][1], pair[1][0]))
    return per_origin


async def _operators(investigator: Investigator, viewer: str, walking: list[_Walking], maybe: set[str]) -> None:
    """The operators among the nodes the walks reached, and the views of the paths to them: each node
    and link read and seen as an expansion shows them (sources the viewer may read, a hub's pages
    until one is)."""
    candidates = sorted({k for w in walking for k in w.walk.depths if k in maybe and k != w.start})
    views = await _seen(investigator, candidates, viewer)
    for w in walking:
        for node_key in w.walk.depths:
            view = views.get(node_key)
            if node_key == w.start or view is None or OPERATOR_ROLE not in view.roles:
                continue
            path = [node_key]
            while w.parents[path[-1]] is not None:
                path.append(w.parents[path[-1]])
            w.walk.operators[node_key] = (w.walk.depths[node_key], list(reversed(path)))
    on_paths = sorted({k for w in walking for _, path in w.walk.operators.values() for k in path[1:]} - set(views))
    triples = sorted({w.walk.links[frozenset(pair)] for w in walking for _, path in w.walk.operators.values()
                      for pair in zip(path, path[1:])})
    on_the_way, edges = await asyncio.gather(_seen(investigator, on_paths, viewer),
                                             _seen_links(investigator, triples, viewer))
    views.update(on_the_way)
    for w in walking:
        for _, path in w.walk.operators.values():
            for a, b in zip(path, path[1:]):
                w.walk.views[b] = views[b]
                pair = frozenset((a, b))
                w.walk.edges[pair] = edges[w.walk.links[pair]]


async def _seen_links(investigator: Investigator, triples: list[Triple], viewer: str) -> dict[Triple, EdgeView]:
    """These links as the viewer sees them (a link's pages read until one source is visible, as an
    expansion reads them), those it may see."""
    edges: dict[Triple, EdgeView] = {}
    for i in range(0, len(triples), _CHUNK):
        rows = await investigator.store.read_items(
            queries.EDGES_BY_TRIPLE, queries.EDGE_FIELDS, agency=viewer,
            rows=[{"source": s, "type": t, "target": e} for s, t, e in triples[i:i + _CHUNK]])
        await investigator._widen(rows, viewer, EDGE)
        for row in rows:
            edge = _edge(row, viewer)
            if edge is not None:
                edges[(edge.source, edge.type, edge.target)] = edge
    return edges


async def _seen(investigator: Investigator, keys: list[str], viewer: str) -> dict[str, NodeView]:
    """These nodes as an expansion shows them to the viewer (graph.investigate._expand: a hub's pages
    read until one source is visible), those it may see."""
    views: dict[str, NodeView] = {}
    for i in range(0, len(keys), _CHUNK):
        rows = await investigator.store.read_items(queries.NODES_BY_KEY, queries.NODE_FIELDS,
                                                   keys=keys[i:i + _CHUNK], agency=viewer)
        await investigator._widen(rows, viewer, NODE)
        for row in rows:
            view = _node(row, viewer)
            if view is not None:
                views[row["key"]] = view
    return views


async def draw(investigator: Investigator, viewer: str, drawings) -> list[Subgraph]:
    """Subgraphs of these nodes and links, each drawing a (node keys, (source, TYPE, target) links)
    pair, as the viewer sees them now: nodes it may not see are left out with their links. All of
    one viewer's drawings are read together (one lookup of the nodes, one of the links)."""
    keys = sorted({key for nodes, _ in drawings for key in nodes})
    views: dict[str, NodeView] = {}
    for i in range(0, len(keys), _CHUNK):
        views.update(await investigator.nodes(keys[i:i + _CHUNK], viewer))
    edges = await _seen_links(investigator, sorted({triple for _, links in drawings for triple in links}), viewer)
    subgraphs = []
    for nodes, links in drawings:
        subgraph = Subgraph(nodes={k: views[k] for k in nodes if k in views})
        for triple in links:
            if triple in edges:
                subgraph.add_edge(edges[triple])
        subgraphs.append(subgraph.settle())
    return subgraphs


async def record_states(investigator: Investigator, record_keys) -> dict[str, tuple[int, set[str], list]]:
    """Record key ("agency/record_id") -> (its version, the node keys it places, its links as
    (source, TYPE, target)), for the records the graph holds; a retracted one places nothing."""
    keys = sorted(set(record_keys))
    found = {}
    for i in range(0, len(keys), _CHUNK):
        rows = await investigator.store.read_items(queries.RECORD_STATES, ("key", "version", "nodes", "edges"),
                                                   keys=keys[i:i + _CHUNK])
        for row in rows:
            found[row["key"]] = (row["version"], set(row["nodes"] or ()),
                                 [tuple(orjson.loads(e)) for e in row["edges"] or ()])
    return found


async def multi_agency(investigator: Investigator, keys) -> dict[str, dict]:
    """The nodes among `keys` that more than one agency asserts, as stored rows (whoever may see
    them): read once, then `seen_by` gives each agency its own view of them."""
    keys = sorted(set(keys))
    rows: dict[str, dict] = {}
    for i in range(0, len(keys), _CHUNK):
        for row in await investigator.store.read_items(queries.MULTI_AGENCY_NODES, queries.NODE_FIELDS,
                                                       keys=keys[i:i + _CHUNK]):
            rows[row["key"]] = row
    return rows


async def seen_by(investigator: Investigator, rows: dict[str, dict], keys, viewer: str) -> dict[str, NodeView]:
    """These nodes as the viewer sees them (graph.view: only its readable sources; a hub's agencies
    from its tally), from rows `multi_agency` read; those it may not see are left out."""
    mine = [dict(rows[k]) for k in sorted(set(keys)) if k in rows]
    await investigator._widen(mine, viewer, NODE, at_least=1)
    views = {}
    for row in mine:
        view = node_view(row["key"], row["labels"], row["src"], viewer, row.get("counts"))
        if view is not None:
            views[row["key"]] = view
    return views
