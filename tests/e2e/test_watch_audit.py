"""Randomized visibility audit of alerts (issue 18), through real gateways.

Random records from five agencies (random TLP, share_with, new versions,
supersedes and retractions, the shared pools of wallets, domains and names
of tests/contract/graphgen.py) against watches of every kind held by every
agency. Then:

- no alert names a record its watcher may not see, nor shows one in its
  subgraph (every node's and link's sources), nor matches a key outside it;
- every key watch fires for each visible record asserting its key that still
  counted when it was evaluated (the audit can fail both ways);
- hidden and absent alike: a second gateway gets the same records and
  watches plus a burst of records VIEWER may not see, on the same wallets,
  domains and names, with operators and links among them; VIEWER's alert
  stream is the same, event for event (times and log positions aside).

Records go in as one stream message per chunk of one agency's records, and
each chunk is evaluated before the next is sent, so both gateways evaluate
the same batches.
"""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from gateway import keys
from gateway.ops import devca
from gateway.server import config
from graph.project import contribution
from graph.visibility import may_see
from regulink.v1 import exchange_pb2
from regulink.v1 import records_pb2 as pb
from regulink.v1 import watch_pb2 as wpb
from tests.contract.graphgen import AGENCIES, NAMES, Generator
from tests.e2e.conftest import gateway_env, signed

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

VIEWER = "npa-cyber"
SEED = 18
BASE_RECORDS = 60
HIDDEN_RECORDS = 24


def world(seed: int) -> tuple[list[list[pb.CaseRecord]], list[list[pb.CaseRecord]], Generator]:
    """The base records in one-agency chunks, a burst hidden from VIEWER (chunks of its own, placed
    between them), and the generator (its pools of wallets and domains)."""
    base = Generator(seed, mixed_types=True)
    records = [_marked_as_target(base, base.record()) for _ in range(BASE_RECORDS)]
    hidden_gen = Generator(seed + 1000, mixed_types=True)
    hidden_gen.wallets, hidden_gen.domains = base.wallets, base.domains
    hidden_gen.items = [None] * 100_000  # its record ids ("r-<len(items)>") then never meet the base's
    hidden = []
    for _ in range(HIDDEN_RECORDS):
        record = hidden_gen.record()
        if record.agency_id == VIEWER:
            continue
        record.tlp = pb.TLP_RED  # the author's alone: every version, supersede and retraction alike
        del record.share_with[:]
        for entity in record.entities:
            if entity.type == pb.ENTITY_TYPE_ORGANIZATION:
                entity.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
        hidden.append(record)
    return _chunks(records), _chunks(hidden), base


def _marked_as_target(generator: Generator, record: pb.CaseRecord) -> pb.CaseRecord:
    """A retraction or supersede marked as its target (the gateway refuses one read more widely)."""
    for name in ("retracts", "supersedes"):
        if record.HasField(name):
            target = generator.records.get(f"{record.agency_id}/{getattr(record, name).record_id}")
            if target is not None:
                record.tlp = target.tlp
                record.share_with[:] = target.share_with
    return record


def _chunks(records: list[pb.CaseRecord]) -> list[list[pb.CaseRecord]]:
    rng = random.Random(len(records))
    chunks: list[list[pb.CaseRecord]] = []
    for record in records:
        if chunks and chunks[-1][0].agency_id == record.agency_id and len(chunks[-1]) < rng.randint(1, 6):
            chunks[-1].append(record)
        else:
            chunks.append([record])
    return chunks


def watches_for(agency: str, generator: Generator) -> list:
    rng = random.Random(agency)
    wallets = [f"wallet:ETH:{w}" for w in generator.wallets]
    domains = [f"domain:{d}" for d in generator.domains]
    rules = [wpb.KeyRule(key=k) for k in rng.sample(wallets, 4) + rng.sample(domains, 2)]
    rules += [wpb.NameRule(name=n) for n in rng.sample(NAMES, 3)]
    rules += [wpb.NeighbourhoodRule(key=k, hops=rng.randint(1, 3)) for k in rng.sample(wallets, 3)]
    rules += [wpb.CrossAgencyRule(), wpb.CrossAgencyRule(different_kind=True)]
    return rules


async def run_world(tmp_path, chunks: list[list[pb.CaseRecord]], generator: Generator, with_hidden=None):
    """Start a gateway, add every agency's watches, send the chunks (and the hidden ones between them),
    each evaluated before the next; returns every agency's events, the records each index holds and the
    chunks in the order sent."""
    settings = config.load(data_dir=tmp_path, listen="127.0.0.1:0", origin="test.regulink/audit")
    async with gateway_env(settings) as env:
        gateway = env.gateway
        for agency in AGENCIES:
            if agency not in env.signing:  # graphgen has a fifth agency, a local government
                gateway.registry.add_agency(agency, agency, "local-government", "JP-27")
                devca.issue_client(settings.tls, agency)
                env.signing[agency] = keys.generate()
                gateway.registry.add_key(agency, keys.raw_public_key(env.signing[agency]))
        for agency in AGENCIES:
            for rule in watches_for(agency, generator):
                await env.client(agency).add_watch(rule)
        by_index: dict[int, pb.CaseRecord] = {}
        sent: list[list[pb.CaseRecord]] = []
        hidden = list(with_hidden or [])
        for i, chunk in enumerate(chunks):
            batches = [chunk]
            if hidden and i % 2:
                batches.append(hidden.pop(0))
            for batch in batches:
                sent.append(batch)
                client = env.client(batch[0].agency_id)
                outcomes = [o async for o in client.submit_stream([signed(env, r) for r in batch], per_message=64)]
                last = -1
                for record, outcome in zip(batch, outcomes):
                    if isinstance(outcome, exchange_pb2.Receipt):
                        by_index[outcome.log_index] = record
                        last = outcome.log_index
                if last >= 0:
                    deadline = time.monotonic() + 30
                    while gateway.alerting.through < last:
                        assert time.monotonic() < deadline, "alerts not evaluated"
                        await asyncio.sleep(0.02)
        events = {a: [e async for e in env.client(a).alerts()] for a in AGENCIES}
    return events, by_index, sent


def assert_visible(events, by_index, viewer: str) -> None:
    versions = {(r.agency_id, r.record_id, r.version): r for r in by_index.values()}

    def visible(agency, record_id, version) -> bool:
        record = versions[(agency, record_id, version)]
        return may_see(viewer, record.agency_id, record.tlp, record.share_with)

    for event in events:
        alert = event.alert
        assert alert.records, alert
        for named in alert.records:
            record = by_index[named.log_index]
            assert (record.agency_id, record.record_id, record.version) == (named.agency_id, named.record_id,
                                                                              named.version)
            assert may_see(viewer, record.agency_id, record.tlp, record.share_with), f"{viewer}: {alert.summary}"
        nodes = {n.key for n in alert.subgraph.nodes}
        assert set(alert.matched_keys) <= nodes, alert.summary
        for element in [*alert.subgraph.nodes, *alert.subgraph.edges]:
            for source in element.sources:
                assert visible(source.agency_id, source.record_id, source.version), f"{viewer} sees {source}"
        for node in alert.subgraph.nodes:
            for value in [*node.names, *node.roles, *node.identifiers]:
                for r in value.records:
                    assert any(visible(r.agency_id, r.record_id, v) for (a, i, v) in versions
                               if (a, i) == (r.agency_id, r.record_id))


def expected_key_alerts(chunks, by_index, viewer: str, watched: set[str]) -> set[tuple[str, int]]:
    """(key, log index) of every visible record asserting a watched key and still counting when its
    chunk was evaluated (not retracted, superseded or replaced within it)."""
    index_of = {id(r): i for i, r in by_index.items()}
    expected = set()
    for chunk in chunks:
        accepted = [r for r in chunk if id(r) in index_of]
        gone = {r.record_id for r in accepted if r.HasField("retracts")}
        gone |= {r.supersedes.record_id for r in accepted if r.HasField("supersedes")}
        for position, record in enumerate(accepted):
            later = {r.record_id for r in accepted[position + 1:]}
            if record.HasField("retracts") or record.record_id in gone | later:
                continue
            if not may_see(viewer, record.agency_id, record.tlp, record.share_with):
                continue
            index = index_of[id(record)]
            for key in set(contribution(record, index, 0).nodes) & watched:
                expected.add((key, index))
    return expected


def normalized(event: wpb.AlertsResponse) -> bytes:
    """An event without its times and log positions (the burst shifts those in the other world)."""
    alert = wpb.AlertsResponse()
    alert.CopyFrom(event)
    a = alert.alert
    for name in ("raised_at", "withdrawn_at", "triaged_at"):
        a.ClearField(name)
    for record in a.records:
        record.ClearField("log_index")
        record.ClearField("accepted_at")
    for node in a.subgraph.nodes:
        node.ClearField("first_seen")
        node.ClearField("last_seen")
        for source in node.sources:
            _timeless(source)
    for edge in a.subgraph.edges:
        for source in edge.sources:
            _timeless(source)
    return alert.SerializeToString(deterministic=True)


def _timeless(source) -> None:
    for name in ("seen_at", "log_index"):
        if name in source.DESCRIPTOR.fields_by_name:
            source.ClearField(name)


async def test_alerts_show_only_what_the_watcher_may_see_and_hidden_is_absent(tmp_path):
    chunks, hidden, generator = world(SEED)
    (seen, by_index, sent), (absent, _, _) = await asyncio.gather(  # side by side: half the wait
        run_world(tmp_path / "with-burst", chunks, generator, with_hidden=hidden),
        run_world(tmp_path / "without", chunks, generator))
    kinds = {e.alert.kind for events in seen.values() for e in events}
    assert kinds == {"key", "name", "neighbourhood", "cross_agency"}, kinds  # the audit covers every kind
    assert any(e.alert.withdrawn for events in seen.values() for e in events)
    for agency in AGENCIES:
        assert_visible(seen[agency], by_index, agency)
        watched = {r.key for r in watches_for(agency, generator) if isinstance(r, wpb.KeyRule)}
        raised = {(e.alert.matched_keys[0], e.alert.records[0].log_index) for e in seen[agency]
                  if e.alert.kind == "key" and e.position == e.alert.alert_id}
        assert raised == expected_key_alerts(sent, by_index, agency, watched), agency

    assert seen[VIEWER], "the viewer got no alert: the comparison would prove nothing"
    assert [normalized(e) for e in absent[VIEWER]] == [normalized(e) for e in seen[VIEWER]]
