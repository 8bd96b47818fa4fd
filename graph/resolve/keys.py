"""Merge keys: the node key each strong identifier gives ('wallet:ETH:0x…', 'lei:…'), the one
function the projection, the gateway's admission, the connectors and search all use, so that two
records naming the same thing in different forms meet on one node.

>>> identifier_key("wallet", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "eth")
'wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
>>> identifier_key("url", "https://www.Example.com/path")
'domain:www.example.com'
>>> identifier_key("lei", "5493001kjtiigc8y1r12")
'lei:5493001KJTIIGC8Y1R12'
>>> identifier_key("graph_key", "local:mas-sg/MAS-2026-0412:op")
'local:mas-sg/MAS-2026-0412:op'
"""

from __future__ import annotations

import functools
import re

from graph import resolve

# A key as the Query API shows it; a record refers to an existing node with {kind: "graph_key"}.
GRAPH_KEY = re.compile(
    r"local:[a-z0-9._-]{1,64}/[A-Za-z0-9._:-]{1,128}:[A-Za-z0-9._:-]{1,64}"
    r"|(wallet|domain|email|phone|lei|jp_cn|registration|iban|authority):\S{1,300}"
)
KEYED_KINDS = frozenset(resolve.KINDS) | {"graph_key"}


@functools.lru_cache(maxsize=1 << 17)
def identifier_key(kind: str, value: str, scheme: str = "") -> str:
    """The node key a strong identifier gives: 'wallet:ETH:0x…', 'domain:example.com', 'lei:…'.

    Raises resolve.InvalidIdentifier (checksum, format) or UnknownKind for free-form kinds.
    """
    if kind == "graph_key":
        if not GRAPH_KEY.fullmatch(value):
            raise resolve.InvalidFormat("not a graph key such as wallet:ETH:0x… or local:agency/record:ref", value)
        return value
    if kind == "wallet":
        chain, address = resolve.normalize_wallet(scheme, value)
        return f"wallet:{chain}:{address}"
    if kind == "url":
        return f"domain:{resolve.website_domain(value)}"
    if kind == "phone":
        return f"phone:{resolve.normalize('phone', value, region=scheme or None)}"
    if kind == "registration" and scheme:
        return f"registration:{resolve.normalize('registration', f'{scheme}:{value}')}"
    return f"{kind}:{resolve.normalize(kind, value)}"
