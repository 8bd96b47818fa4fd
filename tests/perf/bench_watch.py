"""Watches and alerts (issue 18): alert latency on an idle gateway, and what 10,000 watches cost the
projection.

- push: PUSHED realistic records (tests/perf/realistic.py) streamed by three agencies into a gateway
  process, once with no watch (the baseline) and once with WATCHES watches registered across the
  agencies: key watches (some on keys the records assert, most on keys they do not), name watches,
  neighbourhood watches and cross-agency watches. Projection rate = records / time until the last is
  in the graph (goal: at most 10 % below the baseline). While it runs, each alert's delay after its
  record was projected is measured (the watermark is sampled every 20 ms; goal p99 <= 1 s).
- idle: on the baseline gateway once the push is projected, one key watch and LATENCY_RECORDS records
  asserting its key, one at a time; time from the Submit call to the alert on a following Alerts
  stream (goal p99 <= 1 s).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from graph import resolve
from graph.project import contribution
from regulink.v1 import records_pb2 as pb
from regulink.v1 import watch_pb2 as wpb
from tests.perf.common import Figure, percentile, prepare_gateway, stream_all
from tests.perf.realistic import Realistic

PUSHED = int(os.environ.get("REGULINK_BENCH_WATCH_PUSHED", "20000"))
WATCHES = int(os.environ.get("REGULINK_BENCH_WATCHES", "10000"))
LATENCY_RECORDS = int(os.environ.get("REGULINK_BENCH_ALERT_RECORDS", "100"))
AGENCIES = ("fsa-jp", "mas-sg", "npa-cyber")
# DEBUG prints the alert engine's time per batch (matching, graph questions, commit) on stderr.
LOG_LEVEL = os.environ.get("REGULINK_BENCH_LOG_LEVEL", "WARNING")


def watch_rules(records: list[pb.CaseRecord], count: int, hubs: tuple[str, ...]) -> list[tuple[str, object]]:
    """`count` watches across AGENCIES, most of them quiet, as a watchlist is: 2 % on keys records of
    the first half assert, 8 % on names found once there, 1 % around such keys (hops 2), a
    cross-agency watch per agency, the rest on keys no record asserts. Hub elements (an exchange's
    hot wallet, an authority; a third of the records touch one) are left out: a watch on one alerts
    on every such record, which measures the alerts, not the watching."""
    asserted, names = [], {}
    for record in records[: len(records) // 2]:
        for key, node in contribution(record, 0, 0).nodes.items():
            if key.startswith(("wallet:", "domain:", "email:", "lei:")) and key not in hubs:
                asserted.append(key)
            if node.label in ("Person", "Organization") and node.facts.get("name"):
                names[node.facts["name"]] = names.get(node.facts["name"], 0) + 1
    asserted = list(dict.fromkeys(asserted))
    rare = [name for name, seen in names.items() if seen == 1]
    rules: list[tuple[str, object]] = [(a, wpb.CrossAgencyRule()) for a in AGENCIES]
    around = max(1, count // 100)
    rules += [(AGENCIES[i % 3], wpb.NeighbourhoodRule(key=asserted[-1 - i], hops=2)) for i in range(around)]
    rules += [(AGENCIES[i % 3], wpb.NameRule(name=rare[i % len(rare)])) for i in range(count * 8 // 100)]
    rules += [(AGENCIES[i % 3], wpb.KeyRule(key=asserted[i % len(asserted)])) for i in range(count * 2 // 100)]
    i = 0
    while len(rules) < count:
        rules.append((AGENCIES[i % 3], wpb.KeyRule(key=f"domain:quiet-{i}.example")))
        i += 1
    return rules


async def push(root: Path, records: list[pb.CaseRecord], rules) -> dict:
    """One gateway process: add the watches, push the records, follow the watermark and the alerts."""
    signing = prepare_gateway(root, list(AGENCIES))
    envelopes = {a: [sign_record(r, [signing[a]]) for r in records if r.agency_id == a] for a in AGENCIES}
    gateway = await process.start(root, "--log-level", LOG_LEVEL)
    clients = {a: AsyncClient.connect(gateway.target, TlsFiles.for_agency(root / "tls", a)) for a in AGENCIES}
    found: dict = {"alerts": [], "watermark": []}
    try:
        for start in range(0, len(rules), 100):  # a hundred at a time
            await asyncio.gather(*(clients[a].add_watch(rule) for a, rule in rules[start:start + 100]))

        async def follow(agency: str) -> None:
            async for event in clients[agency].alerts(follow=True):
                if not event.alert.withdrawn:
                    found["alerts"].append((time.perf_counter(), max(r.log_index for r in event.alert.records)))

        async def sample() -> None:
            while True:
                found["watermark"].append((time.perf_counter(), (await clients["fsa-jp"].graph_status()).projected_through))
                await asyncio.sleep(0.02)

        followers = [asyncio.create_task(follow(a)) for a in AGENCIES] + [asyncio.create_task(sample())]
        began = time.perf_counter()
        last_index = await stream_all(clients, envelopes)
        while (await clients["fsa-jp"].graph_status()).projected_through < last_index:
            await asyncio.sleep(0.05)
        found["projected"] = time.perf_counter() - began
        await asyncio.sleep(2)  # the last alerts
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        if not rules:
            found["idle"] = await idle_latency(clients, signing)
        else:  # what a console opening on the busiest agency's alerts waits for: the whole stream, or a summary
            counts = {a: (await clients[a].alert_summary()).alerts for a in AGENCIES}
            busiest = max(AGENCIES, key=counts.get)
            began = time.perf_counter()
            found["stream_events"] = len([e async for e in clients[busiest].alerts(0)])
            found["whole_stream"] = time.perf_counter() - began
            began = time.perf_counter()
            await clients[busiest].alert_summary(500)
            found["summary"] = time.perf_counter() - began
    finally:
        for client in clients.values():
            await client.close()
        await gateway.stop()
    return found


async def idle_latency(clients: dict[str, AsyncClient], signing) -> list[float]:
    """Submit → alert on a following stream, one record at a time, on a gateway that has caught up."""
    address = "0x" + "5a" * 20
    key = f"wallet:ETH:{resolve.normalize('wallet', address, chain='ETH')}"
    await clients["npa-cyber"].add_watch(wpb.KeyRule(key=key))
    arrivals: asyncio.Queue = asyncio.Queue()

    async def follow() -> None:
        async for _ in clients["npa-cyber"].alerts(follow=True):
            arrivals.put_nowait(time.perf_counter())

    following = asyncio.create_task(follow())
    await asyncio.sleep(0.5)
    times = []
    try:
        for i in range(LATENCY_RECORDS):
            record = pb.CaseRecord(record_id=f"latency-{i}", agency_id="mas-sg", version=1, tlp=pb.TLP_GREEN,
                                   case_reference="BENCH")
            record.issued_at.GetCurrentTime()
            record.entities.add(ref="w", type=pb.ENTITY_TYPE_CRYPTO_WALLET).identifiers.add(
                kind="wallet", scheme="ETH", value=address)
            envelope = sign_record(record, [signing["mas-sg"]])
            began = time.perf_counter()
            await clients["mas-sg"].submit(envelope)
            arrived = await asyncio.wait_for(arrivals.get(), 30)
            times.append(arrived - began)
            await asyncio.sleep(0.05)
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)
    return times


def delays_after_projection(found: dict) -> list[float]:
    """Each alert's arrival after the watermark first covered its record."""
    samples = found["watermark"]
    delays = []
    for arrived, index in found["alerts"]:
        projected_at = next((t for t, mark in samples if mark >= index), None)
        if projected_at is not None:
            delays.append(max(0.0, arrived - projected_at))
    return delays


async def run() -> list[Figure]:
    generator = Realistic(seed=18, agencies=AGENCIES)
    records = list(generator.records(PUSHED))
    rules = watch_rules(records, WATCHES, generator.hub_keys)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = await push(Path(tmp), records, [])
    with tempfile.TemporaryDirectory() as tmp:
        watched = await push(Path(tmp), records, rules)
    idle = baseline["idle"]
    delays = delays_after_projection(watched)
    base_rate, rate = PUSHED / baseline["projected"], PUSHED / watched["projected"]
    return [
        Figure(f"alert latency on an idle gateway, p50 ({LATENCY_RECORDS} records)", percentile(idle, 50) * 1000, "ms"),
        Figure(f"alert latency on an idle gateway, p99 ({LATENCY_RECORDS} records)", percentile(idle, 99) * 1000, "ms",
               goal="<= 1000 ms"),
        Figure(f"projection rate, {PUSHED:,}-record push, {len(rules):,} watches", rate, "records/s",
               "no watch", base_rate, ">= 0.9x"),
        Figure(f"alerts raised during that push ({len(rules):,} watches)", len(watched["alerts"]), "alerts"),
        Figure("alert delay after its record was projected, during the push, p99",
               percentile(delays, 99) * 1000 if delays else 0.0, "ms", goal="<= 1000 ms"),
        Figure("opening an agency's alerts: AlertSummary with the newest 500", watched["summary"] * 1000, "ms",
               f"the whole stream ({watched['stream_events']:,} events)", watched["whole_stream"] * 1000),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
