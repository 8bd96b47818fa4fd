"""TLP 2.0 visibility: may agency X see a record? (docs/visibility.md)

| marking              | visible to                                              |
| -------------------- | ------------------------------------------------------- |
| CLEAR, GREEN         | every registered agency                                 |
| AMBER, AMBER+STRICT  | the author and the agencies in share_with               |
| RED                  | the author and the agencies in share_with               |

share_with only narrows: it is ignored for CLEAR and GREEN, and an AMBER or
RED record with an empty list is its author's alone. Marking values are the
proto enum numbers (regulink.v1.Tlp), so this module needs no proto import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

CLEAR, GREEN, AMBER, AMBER_STRICT, RED = 1, 2, 3, 4, 5
NAMES = {CLEAR: "TLP:CLEAR", GREEN: "TLP:GREEN", AMBER: "TLP:AMBER", AMBER_STRICT: "TLP:AMBER+STRICT", RED: "TLP:RED"}
COMMUNITY_WIDE = frozenset({CLEAR, GREEN})
STRICTEST_NAME = NAMES[RED]

_LEVELS = {"CLEAR": CLEAR, "WHITE": CLEAR, "GREEN": GREEN, "AMBER": AMBER, "AMBER+STRICT": AMBER_STRICT, "RED": RED}
_TLP_PREFIX = re.compile(r"TLP\s*[:_\- ]?\s*")
_STRICT_JOIN = re.compile(r"\s*[+_\- ]\s*")


def tlp_level(text: object) -> int | None:
    """The one reading of a written marking (the CLI, the console, every connector):
    'TLP:AMBER+STRICT', 'amber_strict', 'TLP:WHITE' (TLP 1.0's CLEAR), 'red' … → the marking;
    None when the text is not exactly one TLP level, so a caller can never take an unknown
    marking for a permissive one."""
    if not isinstance(text, str):
        return None
    word = " ".join(unicodedata.normalize("NFKC", text).upper().split())
    if prefix := _TLP_PREFIX.match(word):
        word = word[prefix.end():]
    return _LEVELS.get(_STRICT_JOIN.sub("+", word))


def tlp_name(marking: int) -> str:
    """'TLP:AMBER' …; a marking this code does not know is named as the strictest."""
    return NAMES.get(marking, STRICTEST_NAME)


def may_see(viewer: str, author: str, tlp: int, share_with: Iterable[str]) -> bool:
    if tlp in COMMUNITY_WIDE:
        return True
    if tlp not in NAMES:
        return False  # unknown markings are treated as the most restrictive: nobody
    return viewer == author or viewer in share_with


def most_restrictive(markings: Iterable[int]) -> int:
    """The marking an export or answer carries: the strictest of what it shows."""
    return max(markings, default=CLEAR)


EVERYONE = "*"


def readers(author: str, tlp: int, share_with: Iterable[str]) -> tuple[str, ...]:
    """Who may see a record, as stored on graph elements: ("*",) or the author and recipients.

    Queries keep an element when `"*"` or the asking agency is among the
    readers of at least one record asserting it (the same rule as may_see).
    """
    if tlp in COMMUNITY_WIDE:
        return (EVERYONE,)
    if tlp not in NAMES:
        return (author,)
    return (author, *sorted(set(share_with) - {author}))


def readable_by(viewer: str, element_readers: Iterable[str]) -> bool:
    return EVERYONE in element_readers or viewer in element_readers

