"""A deterministic 2-D layout for the visual exports (HTML page, PNG/SVG/PDF pictures).

Same nodes and edges in, same coordinates out, whatever order the dicts were
filled in: keys and edges are sorted before anything else, the start
positions come from a seeded generator and igraph's random number source is
seeded for the run.

How (measured on the 2-core machine, random graphs, see docs/exports.md):

- Each connected component is laid out on its own with igraph's
  Fruchterman-Reingold in its grid variant (C code, O(n) repulsion through a
  spatial grid): ~0.2 s at 2,000 nodes / 6,000 edges, ~0.8 s at 10,000 /
  30,000. networkx's `spring_layout` took 8.5 s and 175 s, `forceatlas2_layout`
  18 s at 2,000 nodes; igraph's DrL 7 s and 34 s; the non-grid FR 12 s at
  3,000 nodes.
- Components are scaled to the same density (about one unit of area per
  node), then packed into rows, largest first: an isolated pair stays a short
  line beside the main picture instead of flying off to the edge of it.

Coordinates are in layout units (about one unit between neighbouring nodes);
y grows downwards, as on screen. Callers scale them to pixels or axes.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable

import igraph
import numpy as np

from graph.view import Subgraph

SEED = 20250401
ITERATIONS = 500  # FR iterations per component (igraph's default)
GAP = 1.5  # layout units between packed components
_RNG_LOCK = threading.Lock()  # igraph's random source is process-wide

Position = tuple[float, float]


def layout(subgraph: Subgraph, seed: int = SEED) -> dict[str, Position]:
    """Positions for every node of a subgraph, keyed by node key."""
    return layout_graph(subgraph.nodes, ((e.source, e.target) for e in subgraph.edges.values()), seed)


def layout_graph(keys: Iterable[str], pairs: Iterable[tuple[str, str]], seed: int = SEED) -> dict[str, Position]:
    """Positions for nodes `keys` linked by `pairs` (edges to unknown keys and loops are ignored)."""
    order = sorted(set(keys))
    if not order:
        return {}
    index = {key: i for i, key in enumerate(order)}
    links = sorted({(min(index[a], index[b]), max(index[a], index[b]))
                    for a, b in pairs if a in index and b in index and a != b})
    graph = igraph.Graph(n=len(order), edges=links)
    # Components in a fixed order: largest first, then by their first (smallest) key.
    components = sorted((sorted(members) for members in graph.connected_components()), key=lambda m: (-len(m), m[0]))
    boxes = []
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            for members in components:
                boxes.append(_component(graph, members, seed))
        finally:
            igraph.set_random_number_generator(random)
    placed = _pack(boxes)
    positions: dict[str, Position] = {}
    for members, coords in zip(components, placed, strict=True):
        for i, (x, y) in zip(members, coords, strict=True):
            positions[order[i]] = (round(float(x), 3), round(float(y), 3))
    return positions


def _component(graph: igraph.Graph, members: list[int], seed: int) -> np.ndarray:
    """One component's coordinates, scaled to about one unit of area per node, min corner at 0."""
    n = len(members)
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[0.0, 0.0], [1.0, 0.0]])
    sub = graph.induced_subgraph(members, implementation="create_from_scratch")  # keeps member order
    # Start in igraph's own start box (side sqrt(n)): the grid variant is far slower from a tighter one
    # (10k nodes: 0.8 s from sqrt(n), 13 s from 10, 68 s from 1).
    start = np.random.default_rng([seed, n, members[0]]).uniform(-0.5, 0.5, (n, 2)) * math.sqrt(n)
    coords = np.asarray(sub.layout_fruchterman_reingold(seed=start.tolist(), niter=ITERATIONS, grid="grid").coords)
    coords -= coords.mean(axis=0)
    # Turn the component so its longer side lies horizontally (pictures are wider than tall).
    _, _, axes = np.linalg.svd(coords, full_matrices=False)
    coords = coords @ axes.T
    coords *= np.where(coords[np.abs(coords).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)  # fixed mirror image
    span = coords.max(axis=0) - coords.min(axis=0)
    area = max(float(span[0]) * float(span[1]), 1e-9)
    # About one unit of area per node; thin shapes (a path) are bounded by spacing instead.
    scale = min(math.sqrt(n / area), (n - 1) / max(float(span.max()), 1e-9))
    coords *= scale
    return coords - coords.min(axis=0)


def _pack(boxes: list[np.ndarray]) -> list[np.ndarray]:
    """Rows of components, largest first, in a band about as wide as the whole is tall."""
    sizes = [b.max(axis=0) if len(b) else np.zeros(2) for b in boxes]
    total = sum((w + GAP) * (h + GAP) for w, h in sizes)
    width = max(math.sqrt(total) * 1.3, max(w for w, _ in sizes))
    placed, x, y, row = [], 0.0, 0.0, 0.0
    for coords, (w, h) in zip(boxes, sizes, strict=True):
        if x > 0 and x + w > width:
            x, y, row = 0.0, y + row + GAP, 0.0
        placed.append(coords + np.array([x, y]))
        x += w + GAP
        row = max(row, h)
    return placed


def bounds(positions: dict[str, Position]) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of a layout; zeros when it is empty."""
    if not positions:
        return 0.0, 0.0, 0.0, 0.0
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    return min(xs), min(ys), max(xs), max(ys)
