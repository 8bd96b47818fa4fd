"""A deterministic 2-D layout for the visual exports (HTML page, PNG/SVG/PDF pictures).

Same nodes and edges in, same coordinates out, whatever order the dicts were
filled in: keys and edges are sorted before anything else, and every random
number comes from a generator seeded with the seed and the component.

How (numpy and scipy only; measured on the 2-core machine, see docs/exports.md):

1. Start: pivot MDS (Brandes & Pich 2007). Hop distances from up to 40
   pivots, each the node farthest from those already chosen, double-centred
   and projected on their two main axes: nodes few hops apart start close, a
   chain starts straight, a tree starts unfolded.
2. Fruchterman-Reingold from there: an edge pulls its ends together with d²,
   nodes push each other apart with 1/d, each move capped by a temperature
   that falls linearly to zero.
   - Components of up to SMALL nodes: exact push between all pairs of a
     component; all of them run side by side in one vectorized loop.
   - Bigger ones: the push is a field computed on a grid by FFT
     (particle-mesh, as in N-body codes: each node's charge spread on the
     four grid points around it, convolved with the kernel, read back the
     same way), plus an exact push between nodes closer than one grid
     spacing (kd-tree pairs) so that neighbours never sit on each other.
     The kernel fades over a few grid spacings, so the push is local, as in
     igraph's grid variant: hubs and their leaves keep room instead of being
     squeezed by the whole graph. O(n + m + G log G) a step, not O(n²).
   Steps: 300 for up to ~1,300 nodes, fewer above (40 at 10,000), shared by
   all the components of a graph, so many mid-sized ones cost about what
   one big one does.
3. Each component is centred, turned so its long side is horizontal, scaled
   to about one unit of area per node; the components are packed into rows,
   largest first: an isolated pair stays a short line beside the main
   picture instead of flying off to its edge.

This replaced igraph's Fruchterman-Reingold (GPL-2.0-or-later, which an
Apache-2.0 product should not ship); networkx's spring_layout took 8.5 s at
2,000 nodes, rustworkx's (Rust, O(n²) push) 31 s at 10,000.

Coordinates are in layout units (about one unit between neighbouring nodes);
y grows downwards, as on screen. Callers scale them to pixels or axes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from scipy import fft, sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from graph.view import Subgraph

SEED = 20250401
GAP = 1.5  # layout units between packed components
SMALL = 200  # components up to this size: exact repulsion between all their pairs
PIVOTS = 40  # breadth-first sources for the pivot-MDS start
STEPS = (40, 300)  # fewest and most steps of a component
WORK = 400_000  # node-steps shared by the big components: 300 steps up to 1,333 nodes, 40 from 10,000
PAIR_WORK = 9_000_000  # pair-steps for the small components together (300 steps up to 30,000 pairs)
GRID = 2.0  # grid points per √n along each side of the repulsion grid
SCREEN = 3.0  # the grid's repulsion fades as exp(-d / SCREEN grid spacings): local, like a cut-off
REACH = 8 * SCREEN  # grid spacings past which the faded kernel is taken as zero (e^-8)
NEAR = 1.0  # exact push between nodes closer than this many grid spacings
REBUILD = 4  # steps between two kd-tree searches for the near pairs

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
    links = np.array(sorted({(min(index[a], index[b]), max(index[a], index[b]))
                             for a, b in pairs if a in index and b in index and a != b}), dtype=np.int64)
    links = links.reshape(-1, 2)
    n = len(order)
    adjacency = sparse.csr_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    _, labels = csgraph.connected_components(adjacency, directed=False)
    # Components in a fixed order: largest first, then by their first (smallest) key.
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    components = sorted(groups.values(), key=lambda m: (-len(m), m[0]))
    local = np.empty(n, dtype=np.int64)
    for members in components:
        local[members] = np.arange(len(members))
    edge_label = labels[links[:, 0]]
    edges_of = {label: np.column_stack((local[links[edge_label == label, 0]], local[links[edge_label == label, 1]]))
                for label in np.unique(edge_label).tolist()}
    no_edges = np.empty((0, 2), dtype=np.int64)
    jobs = [(len(members), edges_of.get(int(labels[members[0]]), no_edges),
             np.random.default_rng([seed, len(members), members[0]])) for members in components]
    boxes = _lay_out(jobs)
    placed = _pack(boxes)
    positions: dict[str, Position] = {}
    for members, coords in zip(components, placed, strict=True):
        for i, (x, y) in zip(members, coords.tolist(), strict=True):
            positions[order[i]] = (round(x, 3), round(y, 3))
    return positions


def _lay_out(jobs: list[tuple[int, np.ndarray, np.random.Generator]]) -> list[np.ndarray]:
    """Coordinates for each component (node count, local edges, generator), normalized."""
    raw: list[np.ndarray | None] = [None] * len(jobs)
    small = []
    steps = _steps(WORK, sum(n for n, _, _ in jobs if n > SMALL))
    for k, (n, edges, rng) in enumerate(jobs):
        if n == 1:
            raw[k] = np.zeros((1, 2))
        elif n == 2:
            raw[k] = np.array([[0.0, 0.0], [1.0, 0.0]])
        elif n <= SMALL:
            small.append(k)
        else:
            start = _start(n, edges, rng)
            raw[k] = _spring_big(edges, start, steps, _heat(n))
    if small:
        for k, coords in zip(small, _spring_small([jobs[k] for k in small]), strict=True):
            raw[k] = coords
    return [_normalized(coords) for coords in raw]


def _steps(work: int, size: int, fewest: int = STEPS[0]) -> int:
    """Steps that spend about `work` on `size` nodes (or pairs), from `fewest` to STEPS[1]: the
    components of a graph share one budget, so fifty mid-sized ones cost about what one big one does."""
    return max(fewest, min(STEPS[1], work // max(size, 1)))


def _heat(n: int) -> float:
    """Start temperature: the most a node may move in the first step (igraph's default, √n / 10)."""
    return max(math.sqrt(n) / 10, 0.5)


def _start(n: int, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pivot-MDS coordinates spread over about one unit of area per node, with a little seeded jitter."""
    if n < 8:  # a few nodes untangle from anywhere, and thousands of tiny components each skip the searches
        return rng.uniform(-0.5, 0.5, (n, 2)) * math.sqrt(n)
    adjacency = sparse.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    if n <= SMALL:  # one search for all pairs, then rows of it (a call costs more than a row here)
        every = csgraph.shortest_path(adjacency, directed=False, unweighted=True)
        distances = _pivot_rows(every.__getitem__, min(PIVOTS, n), n)
    else:
        distances = _pivot_rows(lambda p: csgraph.shortest_path(adjacency, directed=False, unweighted=True,
                                                                indices=p), PIVOTS, n)
    squared = distances.T ** 2
    centred = -0.5 * (squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean())
    _, vectors = np.linalg.eigh(centred.T @ centred)
    coords = centred @ vectors[:, -2:]
    coords -= coords.mean(axis=0)
    span = float((coords.max(axis=0) - coords.min(axis=0)).max())
    edge = float(np.median(np.hypot(*(coords[edges[:, 0]] - coords[edges[:, 1]]).T)))
    # Spread over at least √n (a tangle of short cycles) and with edges at least one unit long (a
    # chain or a tree, which would otherwise start crushed and fold up as it expands).
    coords *= max(math.sqrt(n) / span, 1 / edge) if span > 1e-9 and edge > 1e-9 else 0.0
    return coords + rng.uniform(-0.25, 0.25, (n, 2))  # nodes with the same distances (leaves of one hub) part


def _pivot_rows(distances_from, pivots: int, n: int) -> np.ndarray:
    """Hop distances from the MDS pivots: node 0, then each time the node farthest from all chosen so far."""
    rows, nearest, pivot = [], np.full(n, np.inf), 0
    for _ in range(pivots):
        rows.append(distances_from(pivot))
        nearest = np.minimum(nearest, rows[-1])
        pivot = int(nearest.argmax())
    return np.array(rows)


def _pull(px: np.ndarray, py: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Attraction along the edges (a, b): d² towards each other."""
    ex, ey = px[a] - px[b], py[a] - py[b]
    length = np.sqrt(ex * ex + ey * ey)
    gx, gy = ex * length, ey * length
    return np.bincount(b, gx, n) - np.bincount(a, gx, n), np.bincount(b, gy, n) - np.bincount(a, gy, n)


def _push(px: np.ndarray, py: np.ndarray, i: np.ndarray, j: np.ndarray, n: int,
          reach: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
    """Repulsion between the pairs (i, j) closer than `reach`: 1/d apart."""
    dx, dy = px[i] - px[j], py[i] - py[j]
    d2 = np.maximum(dx * dx + dy * dy, 1e-9)
    w = 1.0 / d2 if reach == math.inf else np.where(d2 < reach * reach, 1.0 / d2, 0.0)
    fx, fy = dx * w, dy * w
    return np.bincount(i, fx, n) - np.bincount(j, fx, n), np.bincount(i, fy, n) - np.bincount(j, fy, n)


def _move(px: np.ndarray, py: np.ndarray, dx: np.ndarray, dy: np.ndarray, cap: float | np.ndarray) -> None:
    """Move every node along its force, at most `cap`."""
    length = np.sqrt(dx * dx + dy * dy)
    step = np.minimum(length, cap) / np.maximum(length, 1e-12)
    px += dx * step
    py += dy * step


def _spring_small(jobs: list[tuple[int, np.ndarray, np.random.Generator]]) -> list[np.ndarray]:
    """Small components side by side in one system: each node repels only the nodes of its own component."""
    sizes = [n for n, _, _ in jobs]
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    total = int(offsets[-1])
    starts, edges, pair_i, pair_j, heat = [], [], [], [], []
    for (n, local_edges, rng), offset in zip(jobs, offsets[:-1].tolist(), strict=True):
        starts.append(_start(n, local_edges, rng))
        edges.append(local_edges + offset)
        i, j = np.triu_indices(n, 1)
        pair_i.append(i + offset)
        pair_j.append(j + offset)
        heat.append(np.full(n, _heat(n)))
    start = np.concatenate(starts)
    px, py = start[:, 0].copy(), start[:, 1].copy()
    a, b = np.concatenate(edges).T
    i, j = np.concatenate(pair_i), np.concatenate(pair_j)
    heat_of = np.concatenate(heat)
    steps = _steps(PAIR_WORK, len(i), fewest=20)  # exact forces from an MDS start: settled sooner
    for step in range(steps):
        rx, ry = _push(px, py, i, j, total)
        ax, ay = _pull(px, py, a, b, total)
        _move(px, py, rx + ax, ry + ay, heat_of * (1 - step / steps))
    coords = np.column_stack((px, py))
    return [coords[offsets[k]:offsets[k + 1]] for k in range(len(jobs))]


def _spring_big(edges: np.ndarray, start: np.ndarray, steps: int, heat: float) -> np.ndarray:
    """Fruchterman-Reingold with the repulsion from a grid field, plus an exact push between near nodes."""
    n = len(start)
    a, b = edges.T
    px, py = start[:, 0].copy(), start[:, 1].copy()
    size = fft.next_fast_len(int(GRID * math.sqrt(n)) + 2)
    i = j = np.empty(0, dtype=np.int64)
    for step in range(steps):
        fx, fy, spacing = _far_push(px, py, size)
        if step % REBUILD == 0:  # pairs within 1.5 × the reach: still the near ones a few steps later
            found = cKDTree(np.column_stack((px, py))).query_pairs(1.5 * NEAR * spacing, output_type="ndarray")
            i, j = found[:, 0], found[:, 1]
        nx, ny = _push(px, py, i, j, n, reach=NEAR * spacing)
        ax, ay = _pull(px, py, a, b, n)
        _move(px, py, fx + nx + ax, fy + ny + ay, heat * (1 - step / steps))
    return np.column_stack((px, py))


@lru_cache(maxsize=8)
def _kernel(span: int) -> tuple[np.ndarray, np.ndarray]:
    """FFT of the repulsion kernel (dx, dy) / d² · exp(-d / SCREEN) on a span² grid, in grid spacings.

    Offsets wrap around (the FFT's convolution is circular); the grid is padded by REACH, where the
    kernel has faded to nothing, so no node feels another through the wrap.
    """
    offsets = np.arange(span, dtype=float)
    offsets = np.where(offsets < span / 2, offsets, offsets - span)
    dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
    d2 = dx * dx + dy * dy
    d2[0, 0] = 1.0
    fade = np.exp(-np.sqrt(d2) / SCREEN) / d2
    kx, ky = dx * fade, dy * fade
    kx[0, 0] = ky[0, 0] = 0.0
    return fft.rfft2(kx), fft.rfft2(ky)


def _far_push(px: np.ndarray, py: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Repulsion of all nodes on each (particle-mesh), and the grid spacing used.

    Each node's unit charge is spread on the four grid points around it (weights by area); the field
    is that charge convolved with the kernel; each node reads it back with the same weights. Same
    weights both ways and an odd kernel: a node exerts no force on itself.
    """
    x0, y0 = px.min(), py.min()
    spacing = max(float(px.max() - x0), float(py.max() - y0), 1e-9) / (size - 2)
    gx, gy = (px - x0) / spacing + 0.5, (py - y0) / spacing + 0.5
    ix, iy = gx.astype(np.int64), gy.astype(np.int64)
    fx, fy = gx - ix, gy - iy
    cells = (ix * size + iy, (ix + 1) * size + iy, ix * size + iy + 1, (ix + 1) * size + iy + 1)
    weights = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
    charge = np.zeros(size * size)
    for cell, weight in zip(cells, weights, strict=True):
        charge += np.bincount(cell, weight, size * size)
    span = fft.next_fast_len(size + int(REACH))
    shape = (span, span)
    spectrum = fft.rfft2(charge.reshape(size, size), s=shape)
    kx, ky = _kernel(span)
    field_x = fft.irfft2(spectrum * kx, s=shape)[:size, :size].ravel()
    field_y = fft.irfft2(spectrum * ky, s=shape)[:size, :size].ravel()
    push_x = sum(field_x[cell] * weight for cell, weight in zip(cells, weights, strict=True))
    push_y = sum(field_y[cell] * weight for cell, weight in zip(cells, weights, strict=True))
    return push_x / spacing, push_y / spacing, spacing  # (dx/h)/(d/h)² = h·dx/d²: back to layout units


def _normalized(coords: np.ndarray) -> np.ndarray:
    """A component centred, long side horizontal, about one unit of area per node, min corner at 0."""
    n = len(coords)
    if n <= 2:
        return coords
    coords = coords - coords.mean(axis=0)
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
