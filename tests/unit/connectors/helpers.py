"""Run a connector and sort what it yields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import connectors
from connectors.base import BadRow, Options
from regulink.v1 import records_pb2

DATA = Path(__file__).parents[2] / "data"
REALDATA = Path("/work/shared/realdata")
FIXED_DAY = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)


def run(fmt: str, path: Path, agency: str = "fsa-jp", **options):
    """(records by id, bad rows, stats) of one connector run."""
    opts = Options(agency_id=agency, **{"issued_at": FIXED_DAY, **options})
    records: dict[str, records_pb2.CaseRecord] = {}
    locations: dict[str, str] = {}
    bad: list[BadRow] = []
    for item in connectors.read(fmt, Path(path), opts):
        if isinstance(item, BadRow):
            bad.append(item)
        else:
            location, record = item
            assert record.record_id not in records, f"record id {record.record_id} yielded twice"
            records[record.record_id] = record
            locations[record.record_id] = location
    return records, bad, opts.stats, locations


def identifiers(record: records_pb2.CaseRecord, kind: str) -> set[tuple[str, str]]:
    return {(i.scheme, i.value) for e in record.entities for i in e.identifiers if i.kind == kind}


def links(record: records_pb2.CaseRecord) -> set[tuple[str, str, str]]:
    return {(k.source, k.target, records_pb2.LinkType.Name(k.type).removeprefix("LINK_TYPE_")) for k in record.links}


def entity(record: records_pb2.CaseRecord, ref: str) -> records_pb2.Entity:
    return next(e for e in record.entities if e.ref == ref)
