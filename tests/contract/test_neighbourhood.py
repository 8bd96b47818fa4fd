"""A neighbourhood is exactly the breadth-first ball of what the agency may see: nothing hidden
(the TLP audit checks that) and nothing visible missing, whichever round trips the walk takes."""

from __future__ import annotations

import random

import pytest

from graph.investigate import Investigator
from graph.projector import LedgerItem, Projector
from regulink.v1 import records_pb2 as pb
from tests.contract.graphgen import AGENCIES, KINDS, Generator
from tests.contract.test_visibility_audit import expected_for


def ball(edges, start: str, hops: int, node_types=None, types_of=None) -> set[str]:
    """Reference: nodes within `hops` steps over visible edges (either direction)."""
    around: dict[str, set[str]] = {}
    for source, _, target in edges:
        around.setdefault(source, set()).add(target)
        around.setdefault(target, set()).add(source)
    seen, frontier = {start}, [start]
    for _ in range(hops):
        frontier = [n for f in frontier for n in sorted(around.get(f, ())) if n not in seen
                    and (not node_types or types_of[n] in node_types)]
        seen.update(frontier)
    return seen


def candidates_of(subgraph, start: str, visible: dict) -> set[str]:
    """The start's name candidates, which the answer adds beside the walk (visible ones only)."""
    found = {k[2] for k in subgraph.edges if k[1] == "POSSIBLY_SAME_AS" and k[0] == start} | {
        k[0] for k in subgraph.edges if k[1] == "POSSIBLY_SAME_AS" and k[2] == start}
    assert found <= set(visible)
    return found


def assert_ball(subgraph, start: str, visible: dict, expected: set[str]) -> None:
    beside = candidates_of(subgraph, start, visible)
    assert set(subgraph.nodes) - beside == expected - beside


@pytest.mark.parametrize("seed", [21, 22])
async def test_neighbourhood_is_the_visible_ball(store, seed):
    items = Generator(seed).run(150)
    await Projector(store).apply(items)
    all_nodes, _ = await store.dump()
    types_of = {key: next(label for label in labels if label != "Entity") for key, (labels, _, _) in all_nodes.items()}
    investigator = Investigator(store, lambda: KINDS)
    rng = random.Random(seed)
    for viewer in AGENCIES:
        nodes, edges, *_ = expected_for(items, viewer)
        for start in rng.sample(sorted(nodes), min(5, len(nodes))):
            for hops in (1, 2, 3):
                subgraph = await investigator.neighbourhood(start, viewer, hops=hops, node_limit=2000)
                assert_ball(subgraph, start, nodes, ball(edges, start, hops))
                among = {e for e in edges if e[0] in subgraph.nodes and e[2] in subgraph.nodes}
                shown = {k for k in subgraph.edges if k[1] != "POSSIBLY_SAME_AS"}
                assert shown == among
            wallets = await investigator.neighbourhood(start, viewer, hops=2, node_types=["CryptoWallet"])
            assert_ball(wallets, start, nodes, ball(edges, start, 2, {"CryptoWallet"}, types_of))
            # Links of one type only: a node the first hop reaches by another type may come at the second.
            for link_type in sorted({e[1] for e in edges})[:2]:
                typed = {e for e in edges if e[1] == link_type}
                subgraph = await investigator.neighbourhood(start, viewer, hops=2, edge_types=[link_type],
                                                            node_limit=2000)
                assert_ball(subgraph, start, nodes, ball(typed, start, 2))
                assert {k for k in subgraph.edges if k[1] != "POSSIBLY_SAME_AS"} == {
                    e for e in typed if e[0] in subgraph.nodes and e[2] in subgraph.nodes}


def _wallet(n: int) -> str:
    return "0x" + f"{n:040x}"


def _hub_record(rng: random.Random, n: int):
    """A transfer case around one hub wallet: a wallet paying the hub, now and then paid back by it or
    associated with it (more links to one neighbour, which a cut fan-out may leave beyond the cut),
    and paying the next case's wallet (links among the hub's neighbours)."""
    agency = rng.choice(AGENCIES)
    tlp = rng.choice([pb.TLP_GREEN, pb.TLP_AMBER, pb.TLP_RED])
    record = pb.CaseRecord(record_id=f"hub-{n}", agency_id=agency, version=1, tlp=tlp,
                           share_with=rng.sample([a for a in AGENCIES if a != agency], rng.randrange(0, 2)))
    for ref, address in (("hub", _wallet(0xABC)), ("w", _wallet(n + 1)), ("next", _wallet(n + 2))):
        record.entities.add(ref=ref, type=pb.ENTITY_TYPE_CRYPTO_WALLET).identifiers.add(
            kind="wallet", scheme="ETH", value=address)
    record.links.add(source="w", target="hub", type=pb.LINK_TYPE_TRANSFERRED_TO)
    for link_type in (pb.LINK_TYPE_TRANSFERRED_TO, pb.LINK_TYPE_ASSOCIATED_WITH):
        if rng.random() < 0.5:
            record.links.add(source="hub", target="w", type=link_type)
    if rng.random() < 0.5:
        record.links.add(source="w", target="next", type=pb.LINK_TYPE_TRANSFERRED_TO)
    return record


@pytest.mark.parametrize("node_limit", [5, 12, 2000])
async def test_a_cut_hub_shows_every_visible_link_among_what_it_shows(store, node_limit):
    """One hop around a hub whose fan-out is cut (the node limit cuts a 1-hop fan-out): the nodes
    are visible neighbours, and every visible link among the answer's nodes is in it, the hub's
    second links to a shown neighbour and the links among its neighbours included."""
    rng = random.Random(node_limit)
    items = [LedgerItem(i, 1_000 + i, _hub_record(rng, i)) for i in range(60)]
    await Projector(store).apply(items)
    hub = f"wallet:ETH:{_wallet(0xABC)}"
    investigator = Investigator(store, lambda: KINDS)
    for viewer in AGENCIES:
        nodes, edges, *_ = expected_for(items, viewer)
        subgraph = await investigator.neighbourhood(hub, viewer, hops=1, node_limit=node_limit)
        around = ball(edges, hub, 1)
        assert set(subgraph.nodes) <= around
        assert len(subgraph.nodes) == min(len(around), node_limit)
        assert subgraph.truncated == (len(around) > node_limit)
        shown = set(subgraph.edges)
        assert shown == {e for e in edges if e[0] in subgraph.nodes and e[2] in subgraph.nodes}


async def test_a_node_the_first_hop_left_out_by_type_keeps_its_links_at_the_second(store):
    """Links of one type: b1 and b3 are the start's neighbours by another type, so the first hop leaves
    them out and the second reaches them through b2; the link between them is in the answer."""
    record = pb.CaseRecord(record_id="typed", agency_id=AGENCIES[0], version=1, tlp=pb.TLP_GREEN)
    address = {ref: _wallet(0x100 + n) for n, ref in enumerate(("a", "b1", "b2", "b3"))}
    for ref, value in address.items():
        record.entities.add(ref=ref, type=pb.ENTITY_TYPE_CRYPTO_WALLET).identifiers.add(
            kind="wallet", scheme="ETH", value=value)
    for source, target, link_type in (("a", "b1", pb.LINK_TYPE_ASSOCIATED_WITH), ("a", "b3", pb.LINK_TYPE_ASSOCIATED_WITH),
                                      ("a", "b2", pb.LINK_TYPE_TRANSFERRED_TO), ("b2", "b1", pb.LINK_TYPE_TRANSFERRED_TO),
                                      ("b2", "b3", pb.LINK_TYPE_TRANSFERRED_TO), ("b1", "b3", pb.LINK_TYPE_TRANSFERRED_TO)):
        record.links.add(source=source, target=target, type=link_type)
    items = [LedgerItem(0, 1_000, record)]
    await Projector(store).apply(items)
    _, edges, *_ = expected_for(items, AGENCIES[1])
    key = {ref: f"wallet:ETH:{value}" for ref, value in address.items()}
    subgraph = await Investigator(store, lambda: KINDS).neighbourhood(key["a"], AGENCIES[1], hops=2,
                                                                     edge_types=["TRANSFERRED_TO"])
    assert set(subgraph.nodes) == set(key.values())
    assert set(subgraph.edges) == {e for e in edges if e[1] == "TRANSFERRED_TO"}
    assert (key["b1"], "TRANSFERRED_TO", key["b3"]) in subgraph.edges
