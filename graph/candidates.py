"""POSSIBLY_SAME_AS candidates: persons or organizations whose names look alike.

Names never merge; they suggest. The projector files every person and
organization under its name blocks (graph.names.block_keys); a question
looks up the blocks of the entities in its answer and scores the names the
asking agency may read, so a candidate is computed from visible names only
and never hints at a hidden one. Computed when asked, candidates are a pure
function of the current graph: a rebuild and an incremental projection give
the same, and a common name costs nothing at ingest.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph import names
from graph.view import EdgeView, NodeView

CANDIDATE_TYPES = frozenset({"Person", "Organization"})
CANDIDATE = "POSSIBLY_SAME_AS"
# A block with more members than this ("w:trading") is too common to suggest anything.
BLOCK_CAP = 200
# At most this many candidates per entity, best scores first.
PER_ENTITY = 10


def source_names(sources) -> list[tuple[str, dict]]:
    entries = sources.values() if isinstance(sources, dict) else sources
    found = []
    for entry in entries:
        facts = entry["facts"]
        for name in [facts.get("name"), *facts.get("aliases", [])]:
            if name:
                found.append((name, entry))
    return found


def blocks(sources) -> set[str]:
    return name_blocks(name for name, _ in source_names(sources))


def name_blocks(found_names: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for name in found_names:
        keys |= names.block_keys(name)
    return keys


def candidate_edge(a: NodeView, b: NodeView) -> EdgeView | None:
    """The candidate between two visible entities, from their visible names; None below the threshold."""
    best = None
    for name_a, entry_a in source_names(a.sources):
        for name_b, entry_b in source_names(b.sources):
            if entry_a["record"] == entry_b["record"]:
                continue  # one record naming two entities alike is not a lead
            score = names.score(name_a, name_b)
            if score >= names.THRESHOLD and (best is None or score > best[0]):
                best = (score, name_a, name_b, entry_a, entry_b)
    if best is None:
        return None
    score, name_a, name_b, entry_a, entry_b = best
    source, target = sorted((a.key, b.key))
    edge = EdgeView(source, target, CANDIDATE, [entry_a, entry_b], score=score)
    edge.evidence = {f"{name_a} ~ {name_b}": [entry_a["record"], entry_b["record"]]}
    return edge
