"""graph.watchgraph on a real graph: a neighbourhood watch walks exactly as OperatorsNear does, for
every agency, so an alert fires on what the query would show and on nothing else (issue 18)."""

from __future__ import annotations

import random

import pytest

from graph import provenance, watchgraph
from graph.investigate import FANOUT, Investigator
from graph.projector import LedgerItem, Projector
from graph.view import edge_view
from regulink.v1 import records_pb2 as pb
from tests.contract.graphgen import AGENCIES, KINDS, Generator

HUB = "0x" + "7b" * 20
TLPS = [pb.TLP_CLEAR, pb.TLP_GREEN, pb.TLP_AMBER, pb.TLP_AMBER_STRICT, pb.TLP_RED]


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


def _around_hub(rng: random.Random, n: int) -> pb.CaseRecord:
    """An organization using one hub wallet: an unauthorized operator in two records of three, the hub
    itself flagged now and then; every TLP, shared or not, so that each agency sees its own part."""
    agency = rng.choice(AGENCIES)
    record = pb.CaseRecord(record_id=f"h{n}", agency_id=agency, version=1, tlp=rng.choice(TLPS),
                           share_with=rng.sample([a for a in AGENCIES if a != agency], rng.randrange(0, 3)))
    organization = record.entities.add(ref="op", type=pb.ENTITY_TYPE_ORGANIZATION, name=f"Operator {n}")
    if n % 3:
        organization.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    wallet = record.entities.add(ref="w", type=pb.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="ETH", value=HUB)
    if rng.random() < 0.3:
        wallet.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    record.links.add(source="op", target="w", type=pb.LINK_TYPE_USES)
    if n and rng.random() < 0.3:  # a link to the last operator: a second hop that does not pass the hub
        record.entities.add(ref="before", type=pb.ENTITY_TYPE_ORGANIZATION, name=f"Operator {n - 1}")
        record.links.add(source="op", target="before", type=pb.LINK_TYPE_ASSOCIATED_WITH)
    return record


@pytest.mark.timeout(300)
async def test_around_a_hub_cut_at_its_fan_out_the_watch_walks_as_operators_near_does(store):
    """A hub with more neighbours than an expansion takes (FANOUT) and more sources than its head
    holds: the walk's light expansion takes the same neighbours as OperatorsNear's, and sees the
    same operators, from the hub and from its neighbours, for every agency."""
    rng = random.Random(34)
    items = [LedgerItem(i, 1_000 + i, _around_hub(rng, i)) for i in range(2 * FANOUT + 60)]
    await Projector(store).apply(items)
    investigator = Investigator(store, lambda: KINDS)
    hub = f"wallet:ETH:{HUB}"
    starts = [(hub, viewer, hops) for viewer in AGENCIES for hops in (1, 2)]
    starts += [(f"local:{items[n].record.agency_id}/h{n}:op", viewer, 3) for n in (7, 150, FANOUT + 50)
               for viewer in AGENCIES]
    together = await watchgraph.walks(investigator, starts)
    cut = 0
    for (key, viewer, hops), walk in zip(starts, together):
        operators, subgraph = await investigator.operators_near(key, viewer, hops=hops)
        assert {o.key: (d, p) for o, d, p in operators} == {k: (d, p) for k, (d, p) in walk.operators.items()}
        drawn = walk.paths_to(sorted(walk.operators))
        assert list(drawn.nodes) == list(subgraph.nodes) and list(drawn.edges) == list(subgraph.edges)
        assert [v.sources for v in drawn.nodes.values()] == [v.sources for v in subgraph.nodes.values()]
        assert [e.sources for e in drawn.edges.values()] == [e.sources for e in subgraph.edges.values()]
        alone = await watchgraph.operators_within(investigator, key, viewer, hops)
        assert (walk.operators, walk.depths, walk.links) == (alone.operators, alone.depths, alone.links)
        cut += key == hub and len(walk.at(1)) == FANOUT
    assert cut >= 2  # an agency sees more than FANOUT of the hub's neighbours: its expansions are cut
