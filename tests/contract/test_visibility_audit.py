"""Randomized TLP audit: random records with random markings and share_with lists from five
agencies; then, for every agency, every kind of question; nothing it may not see may appear."""

from __future__ import annotations

import random

import pytest

from graph import names as name_match
from graph.investigate import SHOWN, Investigator
from graph.project import contribution
from graph.projector import Projector
from graph.visibility import may_see
from tests.contract.graphgen import AGENCIES, KINDS, NAMES, Generator, active_records


def expected_for(items, viewer: str):
    """What `viewer` may see: node key -> records, edge -> records, names per node."""
    nodes: dict[str, set[str]] = {}
    edges: dict[tuple[str, str, str], set[str]] = {}
    node_names: dict[str, set[str]] = {}
    roles: dict[str, set[str]] = {}
    types: dict[str, str] = {}  # the type in the earliest record the viewer may see
    active = sorted(active_records(items).values(), key=lambda pair: pair[0].log_index)
    for item, record in active:
        if not may_see(viewer, record.agency_id, record.tlp, record.share_with):
            continue
        c = contribution(record, item.log_index, item.accepted_ms)
        for key, fact in c.nodes.items():
            types.setdefault(key, fact.label)
            nodes.setdefault(key, set()).add(c.source.record)
            node_names.setdefault(key, set()).update(
                n for n in [fact.facts.get("name"), *fact.facts.get("aliases", [])] if n)
            roles.setdefault(key, set()).update(fact.facts.get("roles", []))
        for e in c.edges.values():
            edges.setdefault((e.source, e.type, e.target), set()).add(c.source.record)
    return nodes, edges, node_names, roles, types


def assert_sources(view, visible: set[str], what) -> None:
    """A view shows sources the viewer may see (a page at most) and counts exactly those."""
    shown = {s["record"] for s in view.sources}
    assert shown <= visible, f"leaked source on {what}: {sorted(shown - visible)}"
    assert 1 <= len(shown) <= SHOWN, f"sources of {what}"
    assert view.source_count == len(visible), f"source count of {what}"
    assert view.agencies == sorted({r.partition("/")[0] for r in visible}), f"agencies of {what}"


def check_subgraph(subgraph, nodes, edges, node_names, types=None):
    for key, view in subgraph.nodes.items():
        assert key in nodes, f"leaked node {key}"
        assert types is None or view.type == types[key], f"type of {key}: {view.type}, expected {types[key]}"
        assert_sources(view, nodes[key], key)
        assert set(view.names) <= node_names[key], f"leaked name on {key}"
    visible_records = set().union(*nodes.values()) if nodes else set()
    for (source, rel_type, target), view in subgraph.edges.items():
        if rel_type == "POSSIBLY_SAME_AS":
            # A candidate pairs two names: both records behind each visible pairing must be readable.
            for entry in view.sources:
                assert set(entry["record"].split("|")) <= visible_records, f"leaked candidate {entry['record']}"
            assert source in nodes and target in nodes
            continue
        assert (source, rel_type, target) in edges, f"leaked edge {source} {rel_type} {target}"
        assert_sources(view, edges[(source, rel_type, target)], (source, rel_type, target))


@pytest.mark.parametrize("seed", [11, 12, 13])
async def test_no_answer_shows_what_the_agency_may_not_see(store, seed):
    items = Generator(seed, mixed_types=True).run(120)
    await Projector(store).apply(items)
    all_nodes, all_edges = await store.dump()
    investigator = Investigator(store, lambda: KINDS)
    rng = random.Random(seed)
    for viewer in AGENCIES:
        nodes, edges, node_names, roles, types = expected_for(items, viewer)
        visible_keys = sorted(nodes)

        # Entity cards: visible exactly when expected, with exactly the visible sources.
        for key in all_nodes:
            card = await investigator.card(key, viewer)
            if key not in nodes:
                assert card is None, f"{viewer} sees hidden {key}"
                continue
            view, around = card
            assert {s["record"] for s in view.sources} == nodes[key]
            assert set(view.roles) == roles[key]
            check_subgraph(around, nodes, edges, node_names, types)

        # Neighbourhoods and analytics from random starts, hidden starts included.
        for start in rng.sample(sorted(all_nodes), min(6, len(all_nodes))):
            subgraph = await investigator.neighbourhood(start, viewer, hops=3)
            if start not in nodes:
                assert not subgraph.nodes
            check_subgraph(subgraph, nodes, edges, node_names, types)
            communities, ranking, analysed = await investigator.analyze(start, viewer, hops=2)
            assert {k for c in communities for k in c} <= set(nodes)
            check_subgraph(analysed, nodes, edges, node_names, types)

        # Paths step only on visible nodes and edges.
        undirected = {frozenset((s, t)) for s, _, t in edges}
        for a, b in [rng.sample(sorted(all_nodes), 2) for _ in range(8)]:
            found, subgraph = await investigator.paths(a, b, viewer, all_shortest=True)
            candidates = {frozenset((s, t)) for s, kind, t in subgraph.edges if kind == "POSSIBLY_SAME_AS"}
            for path in found:
                assert set(path) <= set(nodes)
                assert all(frozenset(pair) in undirected | candidates for pair in zip(path, path[1:]))
            check_subgraph(subgraph, nodes, edges, node_names, types)  # candidates on the way are checked here

        # Overlaps count agencies from visible sources only.
        for view, agencies, _ in await investigator.overlaps(viewer):
            assert view.key in nodes
            assert set(agencies) == {r.split("/")[0] for r in nodes[view.key]} and len(agencies) >= 2

        # Operators near a wallet: only visible operators, flagged in a visible record.
        for start in rng.sample(visible_keys, min(4, len(visible_keys))):
            operators, subgraph = await investigator.operators_near(start, viewer, hops=3)
            for view, _, path in operators:
                assert "unauthorized_operator" in roles[view.key]
                assert set(path) <= set(nodes)
            check_subgraph(subgraph, nodes, edges, node_names, types)

        # Search hits come from names the viewer may read.
        for name in NAMES:
            for view, matched, _ in await investigator.search(name, viewer, limit=500):
                assert view.key in nodes
                if matched == "name":
                    wanted = name_match.normalize(name)
                    assert any(wanted in name_match.normalize(n) for n in node_names[view.key])
    assert all_edges is not None
