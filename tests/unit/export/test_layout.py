"""graph.export.layout: the same graph gives the same picture, quickly, with components kept close."""

from __future__ import annotations

import math
import random
import time

import pytest
from scipy.spatial import cKDTree

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
    # Spread, not clumped: few nodes have a neighbour within a fifth of the typical spacing (one
    # unit). Without the grid's field only the short exact push acts, and about half of them do.
    crowded = sum(d < 0.2 for d in _nearest_neighbour(positions))
    assert crowded < 0.15 * len(positions), f"{crowded} of {len(positions)} nodes crowded"


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


# --- readable pictures: hubs keep room, nothing piles up, no NaN, components apart --------------

def _nearest_neighbour(positions: dict[str, tuple[float, float]]) -> list[float]:
    points = list(positions.values())
    return cKDTree(points).query(points, 2)[0][:, 1].tolist()


def _two_hubs(leaves: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Two hubs with `leaves` leaves each, joined by a chain of five: exchanges and their deposit wallets."""
    keys, pairs = ["hub-a", "hub-b"], []
    for hub in ("a", "b"):
        for i in range(leaves):
            keys.append(f"{hub}-leaf-{i}")
            pairs.append((f"hub-{hub}", f"{hub}-leaf-{i}"))
    chain = ["hub-a"] + [f"link-{i}" for i in range(5)] + ["hub-b"]
    keys += chain[1:-1]
    pairs += list(zip(chain, chain[1:], strict=False))
    return keys, pairs


@pytest.mark.parametrize("leaves", [40, 400])  # 87 nodes: exact forces; 807: the grid field
def test_a_hub_keeps_room_from_its_leaves(leaves):
    positions = layout_graph(*_two_hubs(leaves))
    nearest = sorted(_nearest_neighbour(positions))
    typical = nearest[len(nearest) // 2]
    assert nearest[0] > 0.3 * typical, "two nodes drawn on top of each other"
    for hub in ("a", "b"):
        to_leaves = [math.dist(positions[f"hub-{hub}"], positions[f"{hub}-leaf-{i}"]) for i in range(leaves)]
        assert min(to_leaves) > 0.7 * typical, f"hub {hub} collapsed onto a leaf"
    # The two stars stay apart: their hubs further from each other than either's farthest leaf.
    radius = max(math.dist(positions[f"hub-{h}"], positions[f"{h}-leaf-{i}"]) for h in "ab" for i in range(leaves))
    assert math.dist(positions["hub-a"], positions["hub-b"]) > radius


def _shapes() -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    def named(n):
        return [f"n{i:05d}" for i in range(n)]
    path = named(500)
    tree = named(1023)
    grid = [f"g{r:02d}-{c:02d}" for r in range(30) for c in range(30)]
    clique = named(40)
    return {
        "path": (path, list(zip(path, path[1:], strict=False))),
        "binary tree": (tree, [(tree[(i - 1) // 2], tree[i]) for i in range(1, len(tree))]),
        "star": (named(1000), [("n00000", k) for k in named(1000)[1:]]),
        "grid": (grid, [(f"g{r:02d}-{c:02d}", f"g{r:02d}-{c + 1:02d}") for r in range(30) for c in range(29)]
                 + [(f"g{r:02d}-{c:02d}", f"g{r + 1:02d}-{c:02d}") for r in range(29) for c in range(30)]),
        "clique": (clique, [(a, b) for i, a in enumerate(clique) for b in clique[i + 1:]]),
    }


@pytest.mark.parametrize("shape", ["path", "binary tree", "star", "grid", "clique"])
def test_every_shape_is_finite_and_spread(shape):
    keys, pairs = _shapes()[shape]
    positions = layout_graph(keys, pairs)
    assert set(positions) == set(keys)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in positions.values())
    distinct = {(round(x, 1), round(y, 1)) for x, y in positions.values()}
    assert len(distinct) > 0.95 * len(positions)
    x0, y0, x1, y1 = bounds(positions)
    assert (x1 - x0) * (y1 - y0) < 15 * len(keys)  # about one unit of area per node, not a sprawl


def test_a_path_is_drawn_long_and_a_grid_square():
    """The MDS start unfolds what a random start tangles: a path spans far more than √n, a grid stays square."""
    keys, pairs = _shapes()["path"]
    x0, y0, x1, y1 = bounds(layout_graph(keys, pairs))
    assert max(x1 - x0, y1 - y0) > 3 * math.sqrt(len(keys))
    keys, pairs = _shapes()["grid"]
    x0, y0, x1, y1 = bounds(layout_graph(keys, pairs))
    assert 0.6 < (y1 - y0) / (x1 - x0) <= 1.0  # long side horizontal


def test_components_do_not_overlap():
    rng = random.Random(6)
    keys, pairs = [], []
    for c, size in enumerate((300, 120, 40, 12, 5, 3, 2, 1)):  # each a random tree: connected
        members = [f"c{c}-{i:03d}" for i in range(size)]
        keys += members
        pairs += [(members[i], members[rng.randrange(i)]) for i in range(1, size)]
    positions = layout_graph(keys, pairs)
    boxes = []
    for c in range(8):
        xs = [p[0] for k, p in positions.items() if k.startswith(f"c{c}-")]
        ys = [p[1] for k, p in positions.items() if k.startswith(f"c{c}-")]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
            assert apart, f"components overlap: {a} {b}"


def test_many_mid_sized_components_share_one_budget():
    """Fifty components of 200 nodes (10,000 in all) cost about what one of 10,000 does."""
    rng = random.Random(5)
    keys, pairs = [], []
    for c in range(50):
        members = [f"c{c:02d}-{i:03d}" for i in range(200)]
        keys += members
        pairs += [(members[i], members[rng.randrange(i)]) for i in range(1, 200)]
        pairs += [(rng.choice(members), rng.choice(members)) for _ in range(200)]
    began = time.process_time()
    positions = layout_graph(keys, pairs)
    elapsed = time.process_time() - began
    assert len(positions) == 10_000
    assert elapsed < 4.0, f"layout of 50 components of 200 nodes took {elapsed:.2f} s of CPU"
