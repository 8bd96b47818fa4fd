"""Connectors end to end: signed, streamed through a real gateway on loopback, merged in the graph."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

import connectors
from connectors.base import Options
from gateway.cli_ingest import push_items
from regulink.v1 import records_pb2 as pb
from tests.e2e.conftest import projected

DATA = Path(__file__).parents[1] / "data"
DAY = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
SHARED_WALLET = "wallet:BTC:1JLE14BW45ryykyLYYb1UwTJpDAySPzEYN"  # in the OFAC sample and the STIX bundle
OFAC = "authority:US-OFAC"


async def ingest(env, fmt: str, path: Path, agency: str, **options):
    items = connectors.read(fmt, path, Options(agency_id=agency, issued_at=DAY, **options))
    rejected = []
    summary = await push_items(env.client(agency), items, [env.signing[agency]],
                               on_rejected=lambda where, record, error: rejected.append((where, error)))
    assert not rejected, rejected
    return summary


async def test_one_wallet_from_ofac_and_from_stix_is_one_node_with_two_sources(env):
    ofac = await ingest(env, "ofac", DATA / "ofac", "fsa-jp")
    assert (ofac.records, ofac.pushed, ofac.bad_rows) == (4, 4, 1)  # 90003's bad checksum held back
    stix = await ingest(env, "stix", DATA / "stix" / "mixer-bundle.json", "mas-sg")
    assert (stix.pushed, stix.bad_rows) == (15, 0)
    await projected(env)
    node = (await env.client("npa-cyber").entity(SHARED_WALLET)).node
    assert node.type == "CryptoWallet"
    assert {(s.agency_id, s.record_id) for s in node.sources} == {
        ("fsa-jp", "ofac-sdn:90001"),
        ("mas-sg", "stix:cryptocurrency-wallet--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"),
        ("mas-sg", "stix:relationship--11111111-2222-4333-8444-555555555503"),
    }
    assert set(node.agencies) == {"fsa-jp", "mas-sg"}
    assert "sanctioned" in {r.value for r in node.roles}
    # The sanctioned person and the mixing service meet at that wallet, two hops apart.
    paths = await env.client("npa-cyber").paths("local:fsa-jp/ofac-sdn:90001:subject",
                                                "local:mas-sg/stix:infrastructure--9a8b7c6d-5e4f-4a3b-8c2d-"
                                                "1e0f9a8b7c6d:subject")
    assert paths.paths and SHARED_WALLET in paths.paths[0].node_keys


async def test_sanctions_from_two_sources_meet_at_one_authority_node(env):
    await ingest(env, "ofac", DATA / "ofac", "fsa-jp")
    await ingest(env, "ftm", DATA / "ftm" / "entities.ftm.json", "npa-cyber", tlp=pb.TLP_AMBER,
                 share_with=("fsa-jp",))
    await projected(env)
    police = (await env.client("npa-cyber").entity(OFAC)).node
    assert police.type == "Organization" and set(police.agencies) == {"fsa-jp", "npa-cyber"}
    outsider = (await env.client("tokyo-metro").entity(OFAC)).node
    assert set(outsider.agencies) == {"fsa-jp"}  # the police's AMBER records are not shown to others
    linked = await env.client("fsa-jp").neighbourhood(OFAC, hops=1)
    keys = {n.key for n in linked.nodes}
    assert {"local:fsa-jp/ofac-sdn:90001:subject", "local:npa-cyber/ftm:nw-person-kovalenko:subject"} <= keys


async def test_running_an_ingest_again_pushes_nothing_new(env):
    first = await ingest(env, "ofac", DATA / "ofac", "fsa-jp")
    size = env.gateway.ledger.size
    again = await ingest(env, "ofac", DATA / "ofac", "fsa-jp")
    assert (again.records, again.pushed, again.already, again.differs) == (4, 0, 4, 0)
    assert env.gateway.ledger.size == size
    assert first.pushed + first.already == 4
    # Same ids, other bytes (here: another issue date): still nothing written, but said to differ.
    changed = await push_items(env.client("fsa-jp"), connectors.read(
        "ofac", DATA / "ofac", Options(agency_id="fsa-jp", issued_at=DAY - dt.timedelta(days=1))),
        [env.signing["fsa-jp"]])
    assert (changed.pushed, changed.already, changed.differs) == (0, 4, 4)
    assert env.gateway.ledger.size == size
    # A higher version replaces them.
    bumped = await ingest(env, "ofac", DATA / "ofac", "fsa-jp", version=2)
    assert bumped.pushed == 4


def regulink(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=120)


async def test_the_cli_pushes_reports_and_resumes(env, tmp_path):
    key = tmp_path / "tokyo.pem"
    key.write_bytes(env.signing["tokyo-metro"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    common = ["--as", "tokyo-metro", "--key", str(key), "--target", env.target, "--tls-dir", str(env.tls)]
    source = DATA / "warnings" / "warnings.xlsx"
    first = await asyncio.to_thread(regulink, "ingest", "warnings", str(source), "--authority", "GB-FCA",
                                    "--receipts", str(tmp_path / "r.jsonl"), *common)
    assert first.returncode == 0, first.stderr
    assert "records 3, pushed 3, already in the log 0" in first.stderr
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 3
    again = await asyncio.to_thread(regulink, "ingest", "warnings", str(source), "--authority", "GB-FCA", *common)
    assert again.returncode == 0 and "pushed 0, already in the log 3" in again.stderr

    bad = tmp_path / "complaints.csv"
    text = (DATA / "localgov" / "tokyo-complaints.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("0xe002cEb763600E08B9ed4Dd10dC61dE196b59441",
                                "0xE002cEb763600E08B9ed4Dd10dC61dE196b59441"), encoding="utf-8")
    strict = await asyncio.to_thread(regulink, "ingest", "localgov", str(bad), "--strict", *common)
    assert strict.returncode == 2, strict.stderr
    assert "complaints.csv:2 (wallet_address)" in strict.stderr and "stopped at the first bad row" in strict.stderr
    assert "pushed 0" in strict.stderr  # the bad row was the first; nothing after it was sent
    lenient = await asyncio.to_thread(regulink, "ingest", "localgov", str(bad), *common)
    assert lenient.returncode == 0 and "records 2, pushed 2" in lenient.stderr and "bad rows 1" in lenient.stderr

    dry = await asyncio.to_thread(regulink, "ingest", "ofac", str(DATA / "ofac"), "--as", "tokyo-metro", "--dry-run")
    assert dry.returncode == 0 and "records 4" in dry.stderr and "sdn.csv:4" in dry.stderr
    missing = await asyncio.to_thread(regulink, "ingest", "warnings", str(source), *common)
    assert missing.returncode == 1 and "--authority" in missing.stderr and "Traceback" not in missing.stderr
