"""A hub: thousands of records of four agencies, every TLP, assert one wallet; then half of them are
retracted. Its stored sources, readers and tally, and what each agency is shown and counted,
are exact at every step, and no batch rewrites the hub's sources wholesale."""

from __future__ import annotations

import random

import pytest

from graph import provenance
from graph.investigate import SHOWN, Investigator
from graph.projector import LedgerItem, Projector
from graph.visibility import may_see
from regulink.v1 import records_pb2 as pb

AGENCIES = ["fsa-jp", "mas-sg", "npa-cyber", "tokyo-metro"]
HUB = "0x" + "5a" * 20
HUB_KEY = f"wallet:ETH:{HUB}"
TLPS = [pb.TLP_CLEAR, pb.TLP_GREEN, pb.TLP_AMBER, pb.TLP_AMBER_STRICT, pb.TLP_RED]
RECORDS = 3000


def case(rng: random.Random, n: int) -> pb.CaseRecord:
    agency = rng.choice(AGENCIES)
    record = pb.CaseRecord(record_id=f"r{n}", agency_id=agency, version=1, tlp=rng.choice(TLPS),
                           share_with=rng.sample([a for a in AGENCIES if a != agency], rng.randrange(0, 3)))
    operator = record.entities.add(ref="op", type=pb.ENTITY_TYPE_ORGANIZATION, name=f"Operator {n}")
    operator.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    wallet = record.entities.add(ref="w", type=pb.ENTITY_TYPE_CRYPTO_WALLET, name=rng.choice(["Hot wallet", ""]))
    wallet.identifiers.add(kind="wallet", scheme="ETH", value=HUB)
    record.links.add(source="op", target="w", type=pb.LINK_TYPE_USES)
    return record


async def check(store, active: dict[str, pb.CaseRecord]) -> None:
    nodes, _ = await store.dump()
    _, readers, src = nodes[HUB_KEY]
    assert sorted(provenance.decode(s)["record"] for s in src) == sorted(active)  # each source once
    expected_readers = {r for rec in active.values()
                        for r in (["*"] if rec.tlp in (pb.TLP_CLEAR, pb.TLP_GREEN) else [rec.agency_id, *rec.share_with])}
    assert readers == (["*"] if "*" in expected_readers else sorted(expected_readers))
    investigator = Investigator(store)
    for viewer in [*AGENCIES, "outsider"]:
        visible = {key for key, rec in active.items() if may_see(viewer, rec.agency_id, rec.tlp, rec.share_with)}
        view = await investigator.node(HUB_KEY, viewer)
        if not visible:
            assert view is None
            continue
        shown = {s["record"] for s in view.sources}
        assert shown <= visible and len(shown) == min(SHOWN, len(visible))
        assert view.source_count == len(visible)
        assert view.agencies == sorted({k.partition("/")[0] for k in visible})
        card = await investigator.card(HUB_KEY, viewer)
        assert card is not None and card[0].source_count == len(visible)


@pytest.mark.timeout(300)
async def test_a_hub_of_thousands_then_half_retracted(store):
    rng = random.Random(12)
    records = [case(rng, n) for n in range(RECORDS)]
    items = [LedgerItem(i, 1_000 + i, r) for i, r in enumerate(records)]
    projector = Projector(store)
    written = []
    original = store.write

    async def watch(batch):  # what each batch writes of the hub: never its whole list of sources
        hub_rows = [row for rows in batch.node_creates.values() for row in rows if row["key"] == HUB_KEY]
        hub_rows += [row for row in batch.node_updates if row["key"] == HUB_KEY]
        written.append(sum(len(row["src"]) for row in hub_rows) + sum(len(p["src"]) for p in
                                                                       [*batch.page_creates, *batch.page_updates]))
        await original(batch)

    store.write = watch
    for i in range(0, len(items), 250):
        await projector.apply(items[i:i + 250])
    active = {f"{r.agency_id}/{r.record_id}": r for r in records}
    await check(store, active)
    # A batch writes the head and the pages it touches (at most a page per 256 new sources and the
    # one before), never the thousands of sources already there.
    assert max(written) <= provenance.HEAD + 3 * provenance.PAGE

    retracted = rng.sample(records, RECORDS // 2)
    retractions = []
    for n, target in enumerate(retracted):
        retraction = pb.CaseRecord(record_id=f"x{n}", agency_id=target.agency_id, version=1, tlp=pb.TLP_GREEN)
        retraction.retracts.record_id = target.record_id
        retractions.append(LedgerItem(RECORDS + n, 10_000 + n, retraction))
        del active[f"{target.agency_id}/{target.record_id}"]
    for i in range(0, len(retractions), 250):
        await projector.apply(retractions[i:i + 250])
    await check(store, active)
    tallies = await store.dump_tallies()
    recount = provenance.Tally()
    for text in (await store.dump())[0][HUB_KEY][2]:
        recount.add(provenance.decode(text))
    assert tallies[provenance.node_id(HUB_KEY)][0] == (tuple(sorted(recount.seen.items())),
                                                       tuple(sorted(recount.names.items())))
