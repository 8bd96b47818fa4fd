"""Case records a partner keeps in files: proto JSON, one per line (.jsonl) or a list / one
object (.json). `regulink push`, the demo and anyone scripting the SDK read them the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from google.protobuf import json_format

from regulink.v1 import records_pb2


class RecordFileError(ValueError):
    """A file that is not case records: the message names the file and line."""


def read_records(path: Path, agency_id: str) -> Iterator[tuple[int, records_pb2.CaseRecord]]:
    """(line or item number, record) for each record; `agency_id` and version 1 fill what a record
    leaves out, and a record without `issued_at` is dated now."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        objects = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                objects.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise RecordFileError(f"{path}:{n}: not JSON ({exc.msg})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordFileError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
        objects = list(enumerate(data if isinstance(data, list) else [data], 1))
    for n, obj in objects:
        record = records_pb2.CaseRecord()
        try:
            json_format.ParseDict(obj, record)
        except json_format.ParseError as exc:
            raise RecordFileError(f"{path}:{n}: not a CaseRecord: {exc}") from None
        record.agency_id = record.agency_id or agency_id
        if not record.HasField("issued_at"):
            record.issued_at.GetCurrentTime()
        record.version = record.version or 1
        yield n, record
