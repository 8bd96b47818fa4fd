"""graph.watchgraph on a real graph: a neighbourhood watch walks exactly as OperatorsNear does, for
every agency, so an alert fires on what the query would show and on nothing else (issue 18)."""

from __future__ import annotations

import random

from graph import provenance, watchgraph
from graph.investigate import Investigator
from graph.projector import Projector
from graph.view import edge_view
from tests.contract.graphgen import AGENCIES, KINDS, Generator


async def test_the_watch_walks_as_operators_near_does(store):
    items = Generator(31, mixed_types=True).run(150)
    await Projector(store).apply(items)
    all_nodes, _ = await store.dump()
    investigator = Investigator(store, lambda: KINDS)
    rng = random.Random(31)
    compared = found = 0
    for viewer in AGENCIES:
        for key in rng.sample(sorted(all_nodes), 12):
            for hops in (1, 2, 3):
                operators, subgraph = await investigator.operators_near(key, viewer, hops=hops)
                walk = await watchgraph.operators_within(investigator, key, viewer, hops)
                assert {o.key: (d, p) for o, d, p in operators} == {k: (d, p) for k, (d, p) in walk.operators.items()}
                drawn = walk.paths_to(sorted(walk.operators))
                if operators:
                    assert list(drawn.nodes) == list(subgraph.nodes) and list(drawn.edges) == list(subgraph.edges)
                assert set(walk.operators) <= walk.walked
                assert walk.nearer_than(hops) | walk.at(hops) == walk.walked
                assert (key in walk.walked) == (await investigator.node(key, viewer) is not None)
                compared += 1
                found += len(operators)
    assert compared == 5 * 12 * 3 and found > 20  # the random graph has operators to find


async def test_drawings_and_the_cross_agency_checks_answer_as_the_viewer_sees(store):
    items = Generator(32).run(120)
    await Projector(store).apply(items)
    all_nodes, all_edges = await store.dump()
    investigator = Investigator(store, lambda: KINDS)
    keys = sorted(all_nodes)
    rows = await watchgraph.multi_agency(investigator, keys)
    assert set(rows) == {k for k, (_, _, src) in all_nodes.items()
                         if len({provenance.decode(s)["agency"] for s in src}) >= 2}
    for viewer in AGENCIES:
        seen = await investigator.nodes(keys, viewer)
        triples = sorted(all_edges)
        drawn, small = await watchgraph.draw(investigator, viewer, [(keys, triples), (keys[:3], triples)])
        assert set(drawn.nodes) == set(seen) and set(small.nodes) == set(seen) & set(keys[:3])
        assert set(drawn.edges) == {t for t, (_, src) in all_edges.items() if t[0] in seen and t[2] in seen
                                    and edge_view(*t, src, viewer) is not None}
        assert all(s in small.nodes and t in small.nodes for s, _, t in small.edges)
        # Read once for everyone, each agency's view of the shared nodes is the query's view of them.
        views = await watchgraph.seen_by(investigator, rows, keys, viewer)
        assert set(views) == set(seen) & set(rows)
        for key, view in views.items():
            assert (view.agencies, [s["record"] for s in view.sources]) == (
                seen[key].agencies, [s["record"] for s in seen[key].sources])


async def test_walks_together_are_the_walks_alone(store):
    """A batch's neighbourhood watches walk together (one expansion per viewer and hop): each walk is
    the one it would be alone, whatever else walks beside it."""
    items = Generator(33, mixed_types=True).run(150)
    await Projector(store).apply(items)
    all_nodes, _ = await store.dump()
    investigator = Investigator(store, lambda: KINDS)
    rng = random.Random(33)
    starts = [(key, rng.choice(AGENCIES), rng.randint(1, 3)) for key in rng.sample(sorted(all_nodes), 40)]
    starts += [("wallet:ETH:0x" + "0" * 40, AGENCIES[0], 2)]  # absent: walks nowhere, like a hidden start
    together = await watchgraph.walks(investigator, starts)
    walked = 0
    for (key, viewer, hops), walk in zip(starts, together):
        alone = await watchgraph.operators_within(investigator, key, viewer, hops)
        assert (walk.operators, walk.depths, set(walk.edges)) == (alone.operators, alone.depths, set(alone.edges))
        assert {k: v.sources for k, v in walk.views.items()} == {k: v.sources for k, v in alone.views.items()}
        walked += bool(walk.walked)
    assert walked > 20 and not together[-1].walked
