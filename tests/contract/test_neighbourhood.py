"""A neighbourhood is exactly the breadth-first ball of what the agency may see: nothing hidden
(the TLP audit checks that) and nothing visible missing, whichever round trips the walk takes."""

from __future__ import annotations

import random

import pytest

from graph.investigate import Investigator
from graph.projector import Projector
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
