"""How a record's part in a node or edge is stored: one compact JSON array per record.

Every graph element keeps, for each record asserting it, the record key, its
version, log index, TLP, readers, first-seen time and the facts it asserts
(graph.project.Source.stamp plus facts). In the database that list is the
element's `src` property, the bulk of the graph's bytes, so each entry is a
positional array without key names, and the agency, being the record key's
prefix, is not stored at all:

    ["fsa-jp/r-17", 2, 4711, 3, ["fsa-jp", "npa-cyber"], 1764000000000, {"name": "Lumen Crest"}]

Compared with a keyed object this halves the edges' storage, so far more of
a large graph fits the database's page cache (docs/benchmarks.md). FORMAT
names this layout; a projection written in another one is cleared and
rebuilt from the ledger (GraphStore.setup).
"""

from __future__ import annotations

import orjson

FORMAT = 2  # 1: keyed JSON objects (until session 3)


def encode(entry: dict) -> str:
    """One source entry (record, version, log_index, tlp, readers, seen_ms, facts) as stored."""
    return orjson.dumps(
        [entry["record"], entry["version"], entry["log_index"], entry["tlp"], entry["readers"], entry["seen_ms"],
         entry["facts"]],
        option=orjson.OPT_SORT_KEYS,  # facts in a fixed order: equal contributions store equal text
    ).decode()


def decode(text: str) -> dict:
    """A stored entry back as a dict, with the agency (the record key's prefix) restored."""
    record, version, log_index, tlp, readers, seen_ms, facts = orjson.loads(text)
    return {"record": record, "agency": record.partition("/")[0], "version": version, "log_index": log_index,
            "tlp": tlp, "readers": readers, "seen_ms": seen_ms, "facts": facts}
