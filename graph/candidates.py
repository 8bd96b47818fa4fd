"""POSSIBLY_SAME_AS candidates: persons or organizations whose names look alike.

Names never merge; they suggest. For every pair of nodes of one type that
share a name block (graph.names.block_keys) the best-scoring pair of names
per pair of asserting records becomes one source entry of the candidate
edge, readable by whoever may read BOTH records. So an agency sees a
candidate, and its score, only when it may see both names behind it.
"""

from __future__ import annotations

from graph import names
from graph.visibility import shared_readers

CANDIDATE_TYPES = frozenset({"Person", "Organization"})
CANDIDATE = "POSSIBLY_SAME_AS"


def source_names(sources: dict[str, dict]) -> list[tuple[str, dict]]:
    found = []
    for entry in sources.values():
        facts = entry["facts"]
        for name in [facts.get("name"), *facts.get("aliases", [])]:
            if name:
                found.append((name, entry))
    return found


def blocks(sources: dict[str, dict]) -> set[str]:
    keys: set[str] = set()
    for name, _ in source_names(sources):
        keys |= names.block_keys(name)
    return keys


def pair_entries(a: dict[str, dict], b: dict[str, dict]) -> list[dict]:
    """One entry per (record of a, record of b) whose names score at least names.THRESHOLD."""
    best: dict[tuple[str, str], tuple[float, str, str, dict, dict]] = {}
    for name_a, entry_a in source_names(a):
        for name_b, entry_b in source_names(b):
            if entry_a["record"] == entry_b["record"]:
                continue  # one record naming two entities alike is not a lead
            score = names.score(name_a, name_b)
            pair = (entry_a["record"], entry_b["record"])
            if score >= names.THRESHOLD and score > best.get(pair, (0.0,))[0]:
                best[pair] = (score, name_a, name_b, entry_a, entry_b)
    entries = []
    for (record_a, record_b), (score, name_a, name_b, entry_a, entry_b) in sorted(best.items()):
        readers = shared_readers(entry_a["readers"], entry_b["readers"])
        if not readers:
            continue  # nobody may see both names
        entries.append({
            "record": f"{record_a}|{record_b}", "agency": "regulink", "version": 0,
            "log_index": max(entry_a["log_index"], entry_b["log_index"]),
            "tlp": max(entry_a["tlp"], entry_b["tlp"]), "readers": list(readers),
            "seen_ms": max(entry_a["seen_ms"], entry_b["seen_ms"]),
            "facts": {"score": score, "names": [name_a, name_b]},
        })
    return entries
