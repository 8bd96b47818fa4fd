"""Load the published test vectors (tests/vectors/*.json, see its README)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parents[2] / "vectors"


@cache
def load(name: str) -> Any:
    """Parsed ``tests/vectors/<name>.json``."""
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def script_pubkey_for(version: int, program: bytes) -> str:
    """Hex scriptPubKey of a SegWit output (OP_n <push program>)."""
    op = 0 if version == 0 else 0x50 + version
    return bytes([op, len(program)]).hex() + program.hex()
