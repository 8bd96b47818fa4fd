"""Hidden and absent look the same, byte for byte (issue 20).

Every answer an agency gets is serialized as the Query API sends it (and as
the text exports write it) and compared across two worlds that differ only
in records the agency may not see:

- a hidden record that holds the keys the agency then refers to (by
  `graph_key`, by the same strong key under another type) against a world
  where an unrelated hidden record stands at the same log position: the
  element type, caption and key of the agency's own entities must not tell
  them apart;
- a random visible world, asked the whole battery before and after a burst
  of hidden records on the same wallets, domains, names and keys: every
  answer and export byte-equal;
- the same battery asked again and again: the same bytes (answer order is a
  function of what the agency sees, not of the database or of lookups that
  finish in another order).
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pytest

from gateway.server.services.messages import node_message, subgraph_message
from graph import export as exports
from graph.export.meta import ExportInfo
from graph.investigate import Investigator
from graph.projector import LedgerItem, Projector
from graph.visibility import may_see
from regulink.v1 import records_pb2 as pb
from tests.contract.graphgen import AGENCIES, KINDS, NAMES, Generator

VIEWER = "npa-cyber"
LEI = "529900T8BM49AURSDO55"  # a valid LEI (ISO 17442 check digits)
OTHER_LEI = "5493001KJTIIGC8Y1R12"
TEXT_EXPORTS = ("graphml", "gexf", "cytoscape", "stix", "csv")


async def battery(store, viewer: str, keys: list[str], names: list[str]) -> list[bytes]:
    """Every question the Query API answers, about `keys` and `names`, as the bytes it would send."""
    investigator = Investigator(store, lambda: KINDS)
    answers: list[bytes] = []

    def put(message) -> None:
        answers.append(message.SerializeToString(deterministic=True))

    def put_export(subgraph) -> None:
        if not subgraph.nodes:
            return
        info = ExportInfo.for_subgraph(subgraph, "battery", viewer, datetime(2026, 1, 1, tzinfo=UTC))
        for fmt in TEXT_EXPORTS:
            if fmt in exports.FORMATS:
                out = io.BytesIO()
                exports.FORMATS[fmt].writer(subgraph, info, out)
                answers.append(fmt.encode() + b"\0" + out.getvalue())

    for key in keys:
        view = await investigator.node(key, viewer)
        answers.append(b"node\0" + (node_message(view).SerializeToString(deterministic=True) if view else b"-"))
        card = await investigator.card(key, viewer)
        if card is not None:
            put(node_message(card[0]))
            put(subgraph_message(card[1]))
        for hops in (1, 2, 3):
            subgraph = await investigator.neighbourhood(key, viewer, hops=hops)
            put(subgraph_message(subgraph))
            if hops == 2:
                put_export(subgraph)
        operators, subgraph = await investigator.operators_near(key, viewer, hops=3)
        answers.append(repr([(view.key, depth, path) for view, depth, path in operators]).encode())
        put(subgraph_message(subgraph))
        communities, ranking, analysed = await investigator.analyze(key, viewer, hops=2)
        answers.append(repr((communities, ranking)).encode())
    for a, b in zip(keys, keys[1:]):
        found, subgraph = await investigator.paths(a, b, viewer, all_shortest=True)
        answers.append(repr(found).encode())
        put(subgraph_message(subgraph))
    for name in names:
        hits = await investigator.search(name, viewer, limit=500)
        answers.append(b"search\0" + b"".join(node_message(view).SerializeToString(deterministic=True)
                                              + f"{how}{score}".encode() for view, how, score in hits))
    for view, agencies, kinds in await investigator.overlaps(viewer):
        answers.append(node_message(view).SerializeToString(deterministic=True) + repr((agencies, kinds)).encode())
    for agency in AGENCIES:
        put(subgraph_message(await investigator.case(agency, "C", viewer)))
    return answers


def assert_same(before: list[bytes], after: list[bytes]) -> None:
    assert len(before) == len(after)
    for i, (a, b) in enumerate(zip(before, after)):
        assert a == b, f"answer {i} differs:\n{a[:400]!r}\n{b[:400]!r}"


def hidden_record(record_id: str, lei: str, ref_name: str) -> pb.CaseRecord:
    """A RED record of fsa-jp (shared with no one): an organization by LEI and a person by a local ref."""
    record = pb.CaseRecord(record_id=record_id, agency_id="fsa-jp", version=1, tlp=pb.TLP_RED, case_reference="H")
    org = record.entities.add(ref="org", type=pb.ENTITY_TYPE_ORGANIZATION, name=f"Hidden Org {ref_name}")
    org.identifiers.add(kind="lei", value=lei)
    record.entities.add(ref="p", type=pb.ENTITY_TYPE_PERSON, name=f"Hidden Person {ref_name}")
    record.links.add(source="p", target="org", type=pb.LINK_TYPE_CONTROLS)
    return record


def referring_record() -> pb.CaseRecord:
    """The viewer's own GREEN record, referring to the hidden record's keys with types of its own."""
    record = pb.CaseRecord(record_id="mine", agency_id=VIEWER, version=1, tlp=pb.TLP_GREEN, case_reference="C")
    by_lei = record.entities.add(ref="a", type=pb.ENTITY_TYPE_PERSON, name="Suspect A")
    by_lei.identifiers.add(kind="graph_key", value=f"lei:{LEI}")
    by_local = record.entities.add(ref="b", type=pb.ENTITY_TYPE_WEBSITE, name="Suspect B")
    by_local.identifiers.add(kind="graph_key", value="local:fsa-jp/case-1:p")
    wallet = record.entities.add(ref="w", type=pb.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="ETH", value="0x" + "ab" * 20)
    record.links.add(source="a", target="w", type=pb.LINK_TYPE_USES)
    record.links.add(source="b", target="w", type=pb.LINK_TYPE_USES)
    return record


@pytest.mark.timeout(300)
async def test_references_to_a_hidden_record_behave_as_to_nothing(store):
    """The audit's oracle: the element type (and anything else) of the viewer's own entities must not
    show whether a hidden record holds the keys they refer to."""
    keys = [f"lei:{LEI}", "local:fsa-jp/case-1:p", f"local:{VIEWER}/mine:b", f"wallet:ETH:0x{'ab' * 20}"]
    answers = []
    for hidden in (hidden_record("case-1", LEI, "x"), hidden_record("case-1", OTHER_LEI, "x")):
        await store.clear()
        await store.setup()
        await Projector(store).apply([LedgerItem(0, 1_764_000_000_000, hidden),
                                      LedgerItem(1, 1_764_000_001_000, referring_record())])
        answers.append(await battery(store, VIEWER, keys, ["Suspect", "Hidden"]))
        view = await Investigator(store).node(f"lei:{LEI}", VIEWER)
        assert view is not None and view.type == "Person"  # its own type, not the hidden record's
        assert await Investigator(store).node("local:fsa-jp/case-1:p", VIEWER) is None
        own = await Investigator(store).node(f"local:{VIEWER}/mine:b", VIEWER)
        assert own is not None and own.type == "Website"
    assert_same(*answers)


async def test_a_visible_local_key_is_referred_to_and_each_sees_its_own_type(store):
    """A local key the author may see is referred to (the node is shared); each agency is shown the type
    of the earliest record it may see."""
    shared = hidden_record("case-1", LEI, "x")
    shared.tlp = pb.TLP_AMBER
    shared.share_with.append(VIEWER)
    await Projector(store).apply([LedgerItem(0, 1_764_000_000_000, shared),
                                  LedgerItem(1, 1_764_000_001_000, referring_record())])
    investigator = Investigator(store)
    node = await investigator.node("local:fsa-jp/case-1:p", VIEWER)
    assert node is not None and {s["record"] for s in node.sources} == {"fsa-jp/case-1", f"{VIEWER}/mine"}
    assert node.type == "Person"  # fsa-jp's record is the earliest the viewer may see
    assert await investigator.node(f"local:{VIEWER}/mine:b", VIEWER) is None
    outsider = await investigator.node(f"lei:{LEI}", "mas-sg")
    assert outsider is not None and outsider.type == "Person" and outsider.names == {"Suspect A": [f"{VIEWER}/mine"]}


def hidden_burst(rng: random.Random, generator: Generator, start: int, count: int) -> list[LedgerItem]:
    """Records the viewer may not see, on the keys, names and local nodes of the visible world."""
    others = [a for a in AGENCIES if a != VIEWER]
    local_keys = [f"local:{r.agency_id}/{r.record_id}:{e.ref}" for r in generator.records.values()
                  for e in r.entities if not e.identifiers]
    items = []
    for n in range(count):
        agency = rng.choice(others)
        record = pb.CaseRecord(record_id=f"hidden-{n}", agency_id=agency, version=1, case_reference="C",
                               tlp=rng.choice([pb.TLP_AMBER, pb.TLP_AMBER_STRICT, pb.TLP_RED]),
                               share_with=rng.sample([a for a in others if a != agency], rng.randrange(0, 2)))
        for i in range(rng.randrange(1, 4)):
            kind = rng.choice(["wallet", "domain", "local", "name"])
            entity = record.entities.add(ref=f"h{i}", type=rng.choice([pb.ENTITY_TYPE_PERSON,
                                                                      pb.ENTITY_TYPE_ORGANIZATION,
                                                                      pb.ENTITY_TYPE_CRYPTO_WALLET]),
                                         name=rng.choice(NAMES))
            entity.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
            if kind == "wallet":
                entity.identifiers.add(kind="wallet", scheme="ETH", value=rng.choice(generator.wallets))
            elif kind == "domain":
                entity.identifiers.add(kind="domain", value=rng.choice(generator.domains))
            elif kind == "local" and local_keys:
                entity.identifiers.add(kind="graph_key", value=rng.choice(local_keys))
        refs = [e.ref for e in record.entities]
        if len(refs) > 1:
            record.links.add(source=refs[0], target=refs[1], type=pb.LINK_TYPE_CONTROLS)
        items.append(LedgerItem(start + n, 1_765_000_000_000 + n, record))
    return items


@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", [21, 22])
async def test_a_burst_of_hidden_records_changes_no_answer(store, seed):
    generator = Generator(seed)
    items = generator.run(90)
    await Projector(store).apply(items)
    nodes, _ = await store.dump()
    visible = sorted(key for key, (_, readers, _) in nodes.items() if "*" in readers or VIEWER in readers)
    rng = random.Random(seed)
    keys = rng.sample(visible, min(10, len(visible)))
    before = await battery(store, VIEWER, keys, NAMES[:4])
    assert_same(before, await battery(store, VIEWER, keys, NAMES[:4]))  # asked again: the same bytes
    burst = hidden_burst(rng, generator, len(items), 60)
    assert not any(may_see(VIEWER, i.record.agency_id, i.record.tlp, i.record.share_with) for i in burst)
    await Projector(store).apply(burst)
    assert_same(before, await battery(store, VIEWER, keys, NAMES[:4]))
