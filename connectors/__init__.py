"""Connectors: outside formats → signed CaseRecords, pushed through the same gRPC path as any partner.

One module per format; each is a generator over a source file yielding, in
source order, ``(location, CaseRecord)`` or a :class:`~connectors.base.BadRow`
(docs/connectors.md). Parsing never speaks gRPC: `regulink ingest`
(gateway/cli/ingest.py) signs and pushes.

>>> sorted(FORMATS)
['ftm', 'localgov', 'ofac', 'stix', 'warnings']
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from connectors.base import BadRow, Options

FORMATS = {
    "stix": "connectors.stix",  # STIX 2.1 bundle (.json) or objects as JSON lines
    "ofac": "connectors.ofac",  # OFAC SDN legacy CSV folder (sdn.csv, add.csv, alt.csv, sdn_comments.csv)
    "ftm": "connectors.ftm",  # FollowTheMoney / OpenSanctions entities as JSON lines
    "warnings": "connectors.warnings",  # a regulator's list of warned unregistered operators (CSV, XLSX)
    "localgov": "connectors.localgov",  # the local-government CSV template (connectors/templates)
}


def read(fmt: str, path: Path, options: Options) -> Iterator:
    """Items of `path` read as format `fmt`. Items the source does not date take `options.issued_at`
    (--issued-at); without it they are bad rows. Never the file's modification time: a re-download
    of the same list must give the same signed bytes (docs/connectors.md, "Dates")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    module = importlib.import_module(FORMATS[fmt])
    return module.read(Path(path), options)


__all__ = ["FORMATS", "BadRow", "Options", "read"]
