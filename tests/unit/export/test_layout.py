"""graph.export.layout: the same graph gives the same picture, quickly, with components kept close."""

from __future__ import annotations

import math
import random
import time

import pytest

from graph.export.layout import bounds, layout, layout_graph
from graph.view import Subgraph
from tests.unit.export.conftest import random_subgraph


def _shuffled(subgraph: Subgraph, seed: int) -> Subgraph:
    """The same subgraph with its dicts filled in another order."""
    rng = random.Random(seed)
    nodes, edges = list(subgraph.nodes.items()), list(subgraph.edges.items())
    rng.shuffle(nodes)
    rng.shuffle(edges)
    return Subgraph(dict(nodes), dict(edges), subgraph.truncated)


def test_same_input_same_coordinates_whatever_the_order(operator_network):
    first = layout(operator_network)
    assert set(first) == set(operator_network.nodes)
    assert layout(_shuffled(operator_network, 1)) == first
    big = random_subgraph(600, 1200, seed=4)
    assert layout(_shuffled(big, 2)) == layout(big)


def test_the_seed_changes_the_picture_not_its_validity(operator_network):
    a, b = layout(operator_network, seed=1), layout(operator_network, seed=2)
    assert a != b and set(a) == set(b)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in a.values())


def test_empty_single_and_pair():
    assert layout_graph([], []) == {}
    assert layout_graph(["a"], []) == {"a": (0.0, 0.0)}
    pair = layout_graph(["a", "b"], [("b", "a")])
    assert math.dist(pair["a"], pair["b"]) == pytest.approx(1.0)


def test_edges_to_unknown_nodes_and_loops_are_ignored():
    positions = layout_graph(["a", "b", "c"], [("a", "a"), ("a", "zz"), ("b", "c")])
    assert set(positions) == {"a", "b", "c"}


def test_nodes_do_not_pile_up():
    sub = random_subgraph(2000, 6000, seed=3)
    positions = layout(sub)
    distinct = {(round(x, 1), round(y, 1)) for x, y in positions.values()}
    assert len(distinct) > 0.95 * len(positions)


def test_components_are_packed_not_flung_apart():
    """A star, a hundred isolated pairs and fifty lone nodes fit in a box about the size their count needs."""
    keys = [f"hub-{i}" for i in range(200)]
    pairs = [("hub-0", k) for k in keys[1:]]
    for i in range(100):
        keys += [f"p{i}a", f"p{i}b"]
        pairs.append((f"p{i}a", f"p{i}b"))
    keys += [f"lone-{i}" for i in range(50)]
    positions = layout_graph(keys, pairs)
    x0, y0, x1, y1 = bounds(positions)
    assert (x1 - x0) * (y1 - y0) < 15 * len(keys)  # about one unit per node, with gaps between components
    for i in range(100):
        assert math.dist(positions[f"p{i}a"], positions[f"p{i}b"]) == pytest.approx(1.0)


def test_speed_at_ten_thousand_nodes():
    sub = random_subgraph(10_000, 30_000, seed=1)
    # CPU time of this process: the work is single-threaded here, and other load on the machine
    # (parallel test runs) does not count against it.
    began = time.process_time()
    positions = layout(sub)
    elapsed = time.process_time() - began
    assert len(positions) == 10_000
    assert elapsed < 2.5, f"layout of 10k nodes / 30k edges took {elapsed:.2f} s of CPU"
