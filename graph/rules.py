"""What a record may hold: the one rulebook the gateway enforces (gateway/server/admission/records.py)
and the connectors build to (connectors/base.py), so that a record a connector makes is one the
gateway takes, and a refusal reads the same from both.

The limits are documented in docs/api.md ("Record limits"). Every repeated field ends up in the
graph, which one valid record must never stop for everybody (issue 13): hence a bound on each.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from graph import resolve
from graph.resolve.keys import KEYED_KINDS, identifier_key

RECORD_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ENTITY_REF = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Identifier kinds taken as they are, without a checksum or a merge key.
FREE_KINDS = frozenset({"ofac_sdn_uid", "other"})
# Every kind a record may use: the keyed ones (each with its checksum and merge key, graph.resolve),
# graph_key (a reference to a node by the key the Query API shows) and the free ones.
IDENTIFIER_KINDS = KEYED_KINDS | FREE_KINDS

MAX_TEXT = 4096  # a name, an alias, an attribute value, a link's evidence
MAX_SUMMARY = 65536
MAX_IDENTIFIER = 512  # an identifier's value
MAX_SCHEME = 32
MAX_ENTITIES = 1000
MAX_LINKS = 5000
MAX_ALIASES = 100
MAX_IDENTIFIERS = 100
MAX_ATTRIBUTES = 200
MAX_ROLES = 16
# A record dated further ahead than this is refused: signers' clocks drift, forgers' more.
FUTURE_SKEW_SECONDS = 300


@dataclass(frozen=True)
class IdentifierProblem:
    """Why an identifier cannot be taken, and which of its fields is at fault."""

    field: str  # "kind", "value" or "scheme"
    reason: str

    def __str__(self) -> str:
        return self.reason


def identifier_problem(kind: str, value: str, scheme: str = "") -> IdentifierProblem | None:
    """What the gateway says about an identifier, or None when it is sound: its kind, its
    length, a wallet's chain, then the checksum and format that also make the graph's merge key."""
    if kind not in IDENTIFIER_KINDS:
        return IdentifierProblem("kind", f"unknown identifier kind {kind[:32]!r}; use one of "
                                         f"{', '.join(sorted(IDENTIFIER_KINDS))}")
    if not value.strip():
        return IdentifierProblem("value", "an identifier value is required")
    if len(value) > MAX_IDENTIFIER:
        return IdentifierProblem("value", f"longer than {MAX_IDENTIFIER} characters")
    if len(scheme) > MAX_SCHEME:
        return IdentifierProblem("scheme", f"longer than {MAX_SCHEME} characters")
    if kind == "wallet" and not scheme:
        return IdentifierProblem("scheme", "a wallet identifier names its chain in scheme (BTC, ETH, TRX, LTC, XRP …)")
    if kind in FREE_KINDS:
        return None
    reason = _key_problem(kind, value, scheme)
    return IdentifierProblem("value", reason) if reason else None


@functools.lru_cache(maxsize=1 << 16)
def _key_problem(kind: str, value: str, scheme: str) -> str | None:
    # Cached: the same wallets, domains and phones recur across records, and checksums (keccak,
    # IDNA) cost more than the rest of a record's checks.
    try:
        identifier_key(kind, value, scheme)
    except resolve.InvalidIdentifier as exc:
        return str(exc)
    return None
