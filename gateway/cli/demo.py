"""`make demo`: a gateway, three agencies pushing signed records, receipts and a proof checked,
then an investigator query on the graph and an analyst's HTML and PNG export.

Runs on the embedded defaults in ./demo-data (wiped at each run): starts
`regulink serve` as its own process on loopback with real mTLS, registers a
foreign regulator, a local government and a police unit, lets each push the
signed sample records in gateway/samples, prints the receipts and checks one
inclusion proof and the log's consistency offline.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gateway import keys
from gateway.ops import devca, process
from gateway.sdk import receipts
from gateway.sdk.client import AsyncClient, TlsFiles, envelope_of, sign_for
from gateway.sdk.record_files import read_records
from gateway.server.registry import Registry
from graph.visibility import NAMES
from regulink.v1 import exchange_pb2, export_pb2, query_pb2

AGENCIES = [
    ("mas-sg", "Monetary Authority of Singapore (foreign regulator)", "regulator", "SG"),
    ("tokyo-metro", "Tokyo Metropolitan Government, Consumer Affairs", "local-government", "JP-13"),
    ("npa-cyber", "National Police Agency, Cybercrime Unit", "law-enforcement", "JP"),
]
console = Console()


def setup(data: Path) -> dict:
    if data.exists():
        shutil.rmtree(data)
    registry = Registry(data / "registry.db")
    # The gateway's own settings beside its data: `regulink console --with-gateway` starts it with them.
    (data / "gateway.toml").write_text(f'[gateway]\norigin = "{ORIGIN}"\n')
    devca.ensure_ca(data / "tls")
    signing = {}
    for agency_id, name, kind, jurisdiction in AGENCIES:
        registry.add_agency(agency_id, name, kind, jurisdiction)
        key = keys.generate()
        keys.write_private_key(key, data / "agency-keys" / f"{agency_id}.pem")
        registry.add_key(agency_id, keys.raw_public_key(key))
        devca.issue_client(data / "tls", agency_id)
        signing[agency_id] = key
        console.print(f"  registered [bold]{agency_id}[/bold] ({kind}, {jurisdiction}), key {keys.key_id(key)[:16]}…")
    registry.close()
    return signing


async def main(data: Path) -> None:
    console.rule("[bold]regulink demo[/bold]")
    console.print(f"1. registering three agencies in {data}")
    signing = setup(data)
    console.print("2. starting the gateway (`regulink serve`, mTLS on loopback)")
    gateway = await process.start(data, "--config", str(data / "gateway.toml"), "--log-level", "WARNING")
    target = gateway.target
    try:
        console.print(f"3. each agency signs its sample records and pushes them over SubmitStream to {target}")
        table = Table("agency", "record", "TLP", "log index", "tree size", "leaf hash")
        kept: list[tuple[str, exchange_pb2.Receipt, object]] = []
        for agency_id, *_ in AGENCIES:
            sample = resources.files("gateway") / "samples" / f"{agency_id}.jsonl"
            records = [r for _, r in read_records(Path(str(sample)), agency_id)]
            envelopes = [sign_for(r, [signing[agency_id]]) for r in records]
            async with AsyncClient.connect(target, TlsFiles.for_agency(data / "tls", agency_id)) as client:
                outcomes = [o async for o in client.submit_stream(envelopes)]
            for record, envelope, outcome in zip(records, envelopes, outcomes):
                if not isinstance(outcome, exchange_pb2.Receipt):
                    raise SystemExit(f"{agency_id} {record.record_id} was refused: {outcome}")
                table.add_row(agency_id, record.record_id, records_tlp(record), str(outcome.log_index),
                              str(outcome.tree_head.tree_size), outcome.leaf_hash.hex()[:16] + "…")
                kept.append((agency_id, outcome, envelope_of(envelope)))
        console.print(table)

        console.print("4. the police unit checks its receipt offline and the log's consistency")
        agency_id, receipt, envelope = next(k for k in kept if k[0] == "npa-cyber")
        async with AsyncClient.connect(target, TlsFiles.for_agency(data / "tls", agency_id)) as client:
            log_key, origin = await client.log_key()
            head = receipts.verify_receipt(receipt, envelope, log_key, origin)
            console.print(f"   receipt of {receipt.record_id}: leaf {receipt.log_index} is in the signed tree of "
                          f"size {head.tree_size} (RFC 9162 inclusion proof, {len(receipt.inclusion_proof)} hashes) ✔")
            first_receipt = kept[0][1]
            latest = await client.tree_head()
            first, second = await client.audit(first_receipt.tree_head, latest)
            console.print(f"   the log of size {first.tree_size} is a prefix of the log of size {second.tree_size} "
                          f"(consistency proof) ✔")
            visible = [e async for e in client.subscribe(0, stop_at_end=True)]
            console.print(f"   npa-cyber may see {len(visible)} of {latest.tree_size} log entries under TLP "
                          f"(the AMBER record of mas-sg is shared with it; the tokyo-metro CLEAR/GREEN ones too)")
            for entry in visible:
                if entry.recipient_salt:
                    await client.verify_entry(entry, agency_id)
                    console.print(f"   {entry.agency_id}'s {entry.record_id}, shared with it: the author's "
                                  "signature, its own place among the record's recipient commitments and the "
                                  "entry's inclusion verify, and nothing names the other recipients ✔")
        console.print("5. an investigator (police unit) asks the graph which unauthorized operators sit near the "
                      "wallet the victims paid")
        async with AsyncClient.connect(target, TlsFiles.for_agency(data / "tls", "npa-cyber")) as client:
            await client.wait_projected()
            answer = await client.operators_near(DEMO_WALLET, hops=2)
            wallet = (await client.entity(DEMO_WALLET)).node
            table = Table("unauthorized operator", "reported by", "hops", "path", title=f"operators near {DEMO_WALLET}")
            captions = {n.key: n.caption for n in answer.subgraph.nodes}
            for o in answer.operators:
                table.add_row(o.operator.caption, ", ".join(o.operator.agencies), str(o.distance),
                              " → ".join(captions.get(k, k)[:24] for k in o.path.node_keys))
            console.print(table)
            console.print(f"   the wallet itself is reported by {len(wallet.agencies)} agencies: "
                          f"{', '.join(wallet.agencies)}")
            overlaps = await client.overlaps(different_kinds=True)
            console.print(f"   {len(overlaps.overlaps)} entities are reported by agencies of different kinds: "
                          + ", ".join(o.node.caption for o in overlaps.overlaps))
        console.print("6. an analyst (police unit) exports the operator network around the wallet for a report")
        exports = data / "exports"
        exports.mkdir(exist_ok=True)
        async with AsyncClient.connect(target, TlsFiles.for_agency(data / "tls", "npa-cyber")) as client:
            for fmt in ("html", "png"):
                request = export_pb2.ExportRequest(
                    format=fmt, title="Operator network around the victims' wallet",
                    neighbourhood=query_pb2.NeighbourhoodRequest(key=DEMO_WALLET, hops=4))
                header, path = await client.export_to(request, folder=exports)
                console.print(f"   {fmt.upper():4} {header.node_count} nodes, {header.edge_count} links, "
                              f"{NAMES.get(header.tlp, '')}: [bold]{path}[/bold]")
        console.print("   (the HTML page is self-contained: open it in any browser, no network needed)")
        console.print(f"[green]demo done[/green]: gateway data in {data}, log key id {keys.key_id(log_key)[:16]}…")
    finally:
        await gateway.stop()
    console.print("Explore the demo investigation in your browser (the investigator console, docs/console.md):")
    console.print(console_command(data), soft_wrap=True, highlight=False, markup=False)


def console_command(data: Path) -> str:
    """The one command that opens the console on the demo data, as the police unit (which may sign decisions)."""
    here = Path.cwd()
    shown = data.relative_to(here) if data.is_relative_to(here) else data
    regulink = Path(sys.executable).with_name("regulink")
    program = regulink.relative_to(here) if regulink.is_relative_to(here) else regulink
    return (f"{program} console --as npa-cyber --with-gateway {shown} "
            f"--key {shown / 'agency-keys' / 'npa-cyber.pem'} --state-dir {shown / 'console'} --open")


DEMO_WALLET = "wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
ORIGIN = "demo.regulink/log"


def records_tlp(record) -> str:
    return NAMES.get(record.tlp, "?")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-data").resolve()))
