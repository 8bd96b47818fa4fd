"""How a record's part in a node or edge is stored: entries in pages, and a tally of them.

Every graph element keeps, for each record asserting it, one source entry:
the record key, its version, log index, TLP, readers, first-seen time and
the facts it asserts (graph.project.Source.stamp plus facts). An entry is a
positional JSON array without key names, and the agency, being the record
key's prefix, is not stored at all:

    ["fsa-jp/r-17", 2, 4711, 3, ["fsa-jp", "npa-cyber"], 1764000000000, {"name": "Lumen Crest"}]

Real feeds make hubs: every OFAC row meets at `authority:US-OFAC`, thousands
of cases name one exchange's hot wallet. So the entries are paged and a
write costs O(what it adds), never O(how many records assert the element):

- the element itself holds the *head*: its first HEAD entries (`src`), which
  is all of them for almost every element, so reads of ordinary elements
  take one row as before;
- further entries go to overflow pages, `SrcPage` nodes keyed
  "<element id>#<n>" (n = 1, 2 …), PAGE entries each, looked up by key
  only (no relationship: traversals never step on them), each with the
  union of its entries' readers so a read skips pages it may not see;
- a *tally* counts the entries per (agency, reader), per name and per
  agency, so readers, names, agency counts and a viewer's visible count
  are kept exactly when a record comes or goes without reading every entry.
  Only a paged element stores it (`tally`, and `counts` for readers); an
  unpaged one's is recounted from its head when the projector loads it.
  A record remembers the page of each of its entries (Record.node_pages,
  edge_pages), so a retraction reads and rewrites only those pages.

FORMAT names this layout; a projection written in another one is cleared and
rebuilt from the ledger (GraphStore.setup).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from graph.visibility import EVERYONE

# 1: keyed JSON objects (session 2); 2: every entry in one `src` list (session 3); 3: paged entries;
# 4: an entry of a type other than its element's label says so (facts "type"); 5: Japanese names
# romanized by graph/kana.py (Janome) instead of pykakasi, so name blocks are filed anew
FORMAT = 5
HEAD = 32  # entries on the element itself
PAGE = 256  # entries per overflow page


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


def encode_page(entries: Iterable[dict]) -> list[str]:
    """A page's entries in log order (equal pages store equal lists)."""
    return [encode(e) for e in sorted(entries, key=lambda e: (e["log_index"], e["record"]))]


# -- element ids and page keys ----------------------------------------------------------------

def node_id(key: str) -> str:
    return "n" + key


def edge_id(source: str, rel_type: str, target: str) -> str:
    return "e" + orjson.dumps([source, rel_type, target]).decode()


def page_key(element: str, page: int) -> str:
    """Injective: the page number is what follows the last '#'."""
    return f"{element}#{page}"


def page_element(key: str) -> str:
    return key.rpartition("#")[0]


def readers_of(entries: Iterable[dict]) -> list[str]:
    """The readers a page or element is filtered by: ["*"] when any entry is community-wide."""
    found = {r for e in entries for r in e["readers"]}
    return [EVERYONE] if EVERYONE in found else sorted(found)


def entry_names(entry: dict) -> set[str]:
    facts = entry["facts"]
    return {n for n in [facts.get("name", ""), *facts.get("aliases", [])] if n}


class Tally:
    """What an element's entries add up to, kept exactly as entries come and go.

    `seen[(agency, reader)]` counts the entries of an agency readable by a
    reader token ("*" or an agency), so an agency's visible count and
    visible agencies need no entry at all; `names` counts raw names and
    aliases (for search and name blocks). Plain dicts: this runs for every
    entry of every batch.
    """

    def __init__(self, seen: dict | None = None, names: dict | None = None) -> None:
        self.seen: dict[tuple[str, str], int] = seen if seen is not None else {}
        self.names: dict[str, int] = names if names is not None else {}

    def add(self, entry: dict) -> None:
        seen, agency = self.seen, entry["agency"]
        for reader in entry["readers"]:
            seen[(agency, reader)] = seen.get((agency, reader), 0) + 1
        names = self.names
        for name in entry_names(entry):
            names[name] = names.get(name, 0) + 1

    def remove(self, entry: dict) -> None:
        _take(self.seen, [(entry["agency"], reader) for reader in entry["readers"]])
        _take(self.names, entry_names(entry))

    @property
    def entries(self) -> int:
        # An entry's readers are ("*",) or its author and recipients (graph.visibility.readers):
        # counted once, under "*" or under its author.
        return sum(n for (agency, reader), n in self.seen.items() if reader in (EVERYONE, agency))

    @property
    def readers(self) -> list[str]:
        tokens = {reader for _, reader in self.seen}
        return [EVERYONE] if EVERYONE in tokens else sorted(tokens)

    @property
    def agencies(self) -> list[str]:
        return sorted({agency for agency, _ in self.seen})

    def counts(self) -> list[str]:
        """The per-(agency, reader) counts as stored for readers: "agency\treader\tn"."""
        return [f"{agency}\t{reader}\t{n}" for (agency, reader), n in sorted(self.seen.items())]

    def to_json(self) -> str:
        return orjson.dumps({"seen": self.counts(), "names": sorted(self.names.items())}).decode()

    @classmethod
    def from_json(cls, text: str | None) -> Tally:
        if not text:
            return cls()
        data = orjson.loads(text)
        return cls(parse_counts(data["seen"]), dict(map(tuple, data["names"])))


def _take(counts: dict, keys) -> None:
    for key in keys:
        left = counts.get(key, 0) - 1
        if left > 0:
            counts[key] = left
        else:
            counts.pop(key, None)


def stored_tally(text: str | None, head: Iterable[dict]) -> Tally:
    """An element's tally: stored when it has pages, else recounted from its head (all its entries)."""
    if text:
        return Tally.from_json(text)
    tally = Tally()
    for entry in head:
        tally.add(entry)
    return tally


def parse_counts(lines: Iterable[str]) -> dict[tuple[str, str], int]:
    seen: dict[tuple[str, str], int] = {}
    for line in lines or ():
        agency, reader, n = line.split("\t")
        seen[(agency, reader)] = int(n)
    return seen


def visible_tally(lines: Iterable[str], viewer: str) -> tuple[int, list[str]]:
    """From an element's stored counts: how many entries the viewer may read, and their agencies."""
    count, agencies = 0, set()
    for (agency, reader), n in parse_counts(lines).items():
        if reader == EVERYONE or reader == viewer:
            count += n
            agencies.add(agency)
    return count, sorted(agencies)


@dataclass
class Element:
    """A node or edge as the projector holds it: type, head entries, page count, tally."""

    label: str  # node label or relationship type
    head: dict[str, dict] = field(default_factory=dict)  # record key -> entry, the entries on the element itself
    pages: int = 0  # overflow pages allocated, numbered 1..pages
    tally: Tally = field(default_factory=Tally)
    stored_label: str | None = None  # as in the database (None: not there)
    stored_names: frozenset[str] = frozenset()  # the tally's names as in the database
