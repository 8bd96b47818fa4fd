"""Retractions, supersedes and narrower versions on a real gateway (issue 20, items 3 and 4).

A retraction or supersede names its target's id to all who may read it, so it
may not be read more widely than its target; and whoever loses sight of a
record (a retraction, supersede or new version it may not see) is told so by
Subscribe, the same way each time, while the graph drops the old facts.
"""

from __future__ import annotations

import pytest

from gateway import errors
from regulink.v1 import records_pb2 as pb
from tests.e2e.conftest import make_record, projected, signed
from tests.e2e.test_exchange import assert_refused


def pointing(agency: str, record_id: str, *, retracts: str = "", supersedes: str = "", tlp: int = pb.TLP_GREEN,
             share_with: tuple[str, ...] = ()) -> pb.CaseRecord:
    if supersedes:
        record = make_record(agency, record_id=record_id, tlp=tlp, share_with=share_with)
        record.supersedes.record_id = supersedes
        return record
    record = pb.CaseRecord(record_id=record_id, agency_id=agency, version=1, tlp=tlp, share_with=list(share_with))
    record.issued_at.GetCurrentTime()
    record.retracts.record_id = retracts
    return record


async def test_a_retraction_or_supersede_is_no_wider_than_its_target(env):
    client = env.client("fsa-jp")
    await client.submit(signed(env, make_record("fsa-jp", record_id="red-1", tlp=pb.TLP_RED,
                                                share_with=("npa-cyber",))))
    wider = [
        pointing("fsa-jp", "ret-green", retracts="red-1"),  # GREEN: everyone would read "red-1"
        pointing("fsa-jp", "ret-more", retracts="red-1", tlp=pb.TLP_RED, share_with=("npa-cyber", "mas-sg")),
        pointing("fsa-jp", "ret-amber", retracts="red-1", tlp=pb.TLP_AMBER, share_with=("npa-cyber",)),
        pointing("fsa-jp", "sup-green", supersedes="red-1"),
    ]
    for record in wider:
        error = await assert_refused(env, "fsa-jp", signed(env, record), errors.InvalidArgument, "record.tlp")
        assert "red-1" in str(error) and "TLP:RED" in str(error)
    # As strict or stricter: accepted.
    narrower = pointing("fsa-jp", "ret-ok", retracts="red-1", tlp=pb.TLP_RED)
    assert (await client.submit(signed(env, narrower))).record_id == "ret-ok"


async def test_a_green_target_may_be_retracted_under_any_marking(env):
    client = env.client("fsa-jp")
    await client.submit(signed(env, make_record("fsa-jp", record_id="green-1")))
    record = pointing("fsa-jp", "ret-green-1", retracts="green-1", tlp=pb.TLP_RED)
    assert (await client.submit(signed(env, record))).record_id == "ret-green-1"


async def _entries(env, agency: str, start: int) -> list:
    return [e async for e in env.client(agency).subscribe(start, stop_at_end=True)]


@pytest.mark.timeout(120)
async def test_who_loses_sight_of_a_record_is_told_so_the_same_way(env):
    author = env.client("fsa-jp")
    start = env.gateway.ledger.size
    narrowed = make_record("fsa-jp", record_id="narrowed")
    retracted = make_record("fsa-jp", record_id="retracted")
    superseded = make_record("fsa-jp", record_id="superseded")
    for record in (narrowed, retracted, superseded):
        await author.submit(signed(env, record))
    # A new version only npa-cyber may see; a retraction and a supersede only fsa-jp and npa-cyber may see.
    second = pb.CaseRecord()
    second.CopyFrom(narrowed)
    second.version, second.tlp = 2, pb.TLP_RED
    second.share_with.append("npa-cyber")
    hidden = [second,
              pointing("fsa-jp", "ret-hidden", retracts="retracted", tlp=pb.TLP_RED, share_with=("npa-cyber",)),
              pointing("fsa-jp", "sup-hidden", supersedes="superseded", tlp=pb.TLP_AMBER, share_with=("npa-cyber",))]
    indexes = [(await author.submit(signed(env, record))).log_index for record in hidden]

    seen = await _entries(env, "mas-sg", start)
    assert [(e.record_id, e.withdrawn) for e in seen[:3]] == [("narrowed", False), ("retracted", False),
                                                               ("superseded", False)]
    notices = seen[3:]
    assert [(e.log_index, e.agency_id, e.record_id, e.version, e.withdrawn) for e in notices] == [
        (indexes[0], "fsa-jp", "narrowed", 1, True),
        (indexes[1], "fsa-jp", "retracted", 1, True),
        (indexes[2], "fsa-jp", "superseded", 1, True),
    ]
    for notice in notices:  # nothing of the hidden entry itself
        assert not notice.HasField("envelope") and not notice.HasField("record") and not notice.nonce
    # Those who may see the hidden entries get them, and no notice.
    for agency in ("npa-cyber", "fsa-jp"):
        entries = await _entries(env, agency, start)
        assert not any(e.withdrawn for e in entries)
        assert [e.record_id for e in entries[3:]] == ["narrowed", "ret-hidden", "sup-hidden"]

    # The graph agrees: mas-sg lost the facts of all three, npa-cyber keeps the new version.
    await projected(env)
    domain = f"domain:{narrowed.entities[0].identifiers[0].value}"
    with pytest.raises(errors.NotFound):
        await env.client("mas-sg").entity(domain)
    assert (await env.client("npa-cyber").entity(domain)).node.key == domain
    for record in (retracted, superseded):
        with pytest.raises(errors.NotFound):
            await env.client("mas-sg").entity(f"domain:{record.entities[0].identifiers[0].value}")


async def test_sourced_values_name_the_agency_of_each_record(env):
    await env.client("tokyo-metro").submit(signed(env, make_record("tokyo-metro", record_id="same-id")))
    record = make_record("mas-sg", record_id="same-id")
    record.entities[0].identifiers[0].value = "shared-id-site.example"
    await env.client("mas-sg").submit(signed(env, record))
    other = make_record("tokyo-metro", record_id="same-id-2")
    other.entities[0].identifiers[0].value = "shared-id-site.example"
    await env.client("tokyo-metro").submit(signed(env, other))
    await projected(env)
    node = (await env.client("npa-cyber").entity("domain:shared-id-site.example")).node
    found = {v.value: [(r.agency_id, r.record_id) for r in v.records] for v in node.identifiers}
    assert found == {"domain:shared-id-site.example": [("mas-sg", "same-id"), ("tokyo-metro", "same-id-2")]}
