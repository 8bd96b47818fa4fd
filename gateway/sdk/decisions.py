"""An investigator's decision on a POSSIBLY_SAME_AS pair, as a case record: the two entities by
graph key, linked SAME_AS or NOT_SAME_AS, signed like any record (`regulink query decide` and the
console's confirm/reject make it alike)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from graph import schema
from regulink.v1 import query_pb2, records_pb2

VERDICTS = ("same", "different")


def decision_record(agency: str, cards: Sequence[query_pb2.Node], verdict: str, evidence: str, tlp: int,
                    share_with: Sequence[str] = ()) -> records_pb2.CaseRecord:
    """The record of a decision on the two nodes (as the agency sees them: their keys and types)."""
    if verdict not in VERDICTS:
        raise ValueError(f"the verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    record = records_pb2.CaseRecord(record_id=f"decision-{uuid.uuid4().hex[:12]}", agency_id=agency, version=1,
                                    tlp=tlp, share_with=list(share_with), summary=f"investigator decision: {verdict}")
    record.issued_at.GetCurrentTime()
    for ref, card in zip(("a", "b"), cards):
        entity = record.entities.add(ref=ref, type=schema.BY_NAME[card.type].proto)
        entity.identifiers.add(kind="graph_key", value=card.key)
    link = records_pb2.LINK_TYPE_SAME_AS if verdict == "same" else records_pb2.LINK_TYPE_NOT_SAME_AS
    record.links.add(source="a", target="b", type=link, evidence=evidence)
    return record
