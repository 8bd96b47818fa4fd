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
from connectors.base import Options, digest
from gateway.cli.ingest import push_items
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
    assert (ofac.records, ofac.pushed, ofac.bad_rows) == (5, 5, 1)  # 90003 goes without its bad address
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
    assert (again.records, again.pushed, again.already, again.differs) == (5, 0, 5, 0)
    assert env.gateway.ledger.size == size
    assert first.pushed + first.already == 5
    # Same ids, other bytes (here: another issue date): still nothing written, but said to differ.
    changed = await push_items(env.client("fsa-jp"), connectors.read(
        "ofac", DATA / "ofac", Options(agency_id="fsa-jp", issued_at=DAY - dt.timedelta(days=1))),
        [env.signing["fsa-jp"]])
    assert (changed.pushed, changed.already, changed.differs) == (0, 5, 5)
    assert env.gateway.ledger.size == size
    # A higher version replaces them.
    bumped = await ingest(env, "ofac", DATA / "ofac", "fsa-jp", version=2)
    assert bumped.pushed == 5


def regulink(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", *args], capture_output=True, text=True,
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
    # The complaint is pushed without its bad wallet (issue 14), the bad row still reported.
    assert lenient.returncode == 0 and "records 3, pushed 3" in lenient.stderr and "bad rows 1" in lenient.stderr

    dry = await asyncio.to_thread(regulink, "ingest", "ofac", str(DATA / "ofac"), "--as", "tokyo-metro", "--dry-run",
                                  "--issued-at", "2026-04-01")  # the legacy CSV states no date of its own
    assert dry.returncode == 0 and "records 5" in dry.stderr and "sdn.csv:4" in dry.stderr
    missing = await asyncio.to_thread(regulink, "ingest", "warnings", str(source), *common)
    assert missing.returncode == 1 and "--authority" in missing.stderr and "Traceback" not in missing.stderr


async def test_a_re_downloaded_warning_list_pushes_nothing_and_repeated_warnings_meet(env, tmp_path):
    """Issue 14 items 6 and 8 end to end: ESMA's register of non-compliant CASPs, pushed, then the same
    bytes downloaded again (another name, another modification time) pushed again; in the graph an
    operator warned twice is one node WARNED_BY its authority with two dated assertions."""
    key = tmp_path / "fsa.pem"
    key.write_bytes(env.signing["fsa-jp"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    common = ["--authority", "EU-ESMA", "--as", "fsa-jp", "--key", str(key), "--target", env.target,
              "--tls-dir", str(env.tls)]
    first = tmp_path / "NCASP.csv"
    first.write_bytes((DATA / "warnings" / "esma-ncasp-2026-08-16.csv").read_bytes())
    pushed = await asyncio.to_thread(regulink, "ingest", "warnings", str(first), *common)
    assert pushed.returncode == 0, pushed.stderr
    assert "records 165, pushed 165, already in the log 0" in pushed.stderr
    size = env.gateway.ledger.size
    again = tmp_path / "NCASP (1).csv"
    again.write_bytes(first.read_bytes())
    os.utime(again, (first.stat().st_mtime + 86400 * 30,) * 2)  # downloaded a month later
    repeat = await asyncio.to_thread(regulink, "ingest", "warnings", str(again), *common)
    assert repeat.returncode == 0, repeat.stderr
    assert "records 165, pushed 0, already in the log 165, rejected" in repeat.stderr  # no "differ"
    assert "nothing new: every record is already in the log, unchanged" in repeat.stderr
    assert env.gateway.ledger.size == size
    await projected(env)
    dobibo = "local:fsa-jp/warn:EU-ESMA:op:" + digest("Dobibo", size=16) + ":operator"
    around = await env.client("npa-cyber").neighbourhood(dobibo, hops=1)
    (warned,) = [e for e in around.edges if e.type == "WARNED_BY"]
    assert (warned.source, warned.target, warned.source_count) == (dobibo, "authority:IT-CONSOB", 2)
    assert {v.value for v in warned.evidence} == {"EU-ESMA warning list, 2025-02-12 (decision of IT-CONSOB)",
                                                  "EU-ESMA warning list, 2025-10-09 (decision of IT-CONSOB)"}
    sites = {e.target for e in around.edges if e.type == "OPERATES"}
    assert sites == {"domain:dobibo.com", "domain:dobibo1.com", "domain:dobibo2.com", "domain:dbbddrb.com"}


async def test_search_finds_ofac_wallets_of_every_chain_by_the_address_as_published(env):
    """Issue 14: BCH/ZEC/DASH/XMR/BSV/BTG/XVG addresses found nothing. Real 2021/2024 cuts, real addresses."""
    # Two agencies: the 2024 list holds newer versions of 2021 entries (the same record ids would "differ").
    for cut, agency in (("real-2021-07", "tokyo-metro"), ("real-2024-05", "mas-sg")):
        summary = await ingest(env, "ofac", DATA / "ofac" / cut, agency)
        assert (summary.pushed, summary.rejected) == (summary.records, 0)
    await projected(env)
    client = env.client("npa-cyber")
    for address, key in (
        ("qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "wallet:BCH:bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq"),
        ("18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB", "wallet:BCH:bitcoincash:qpgf0ztxq3mwfq6eg5versgfdzq9c3pwv5jsk6wnay"),
        ("12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9", "wallet:BSV:12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9"),
        ("t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", "wallet:ZEC:t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL"),
        ("XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2", "wallet:DASH:XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2"),
        ("GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS", "wallet:BTG:GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS"),
        ("DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z", "wallet:XVG:DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z"),
        ("49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL",
         "wallet:XMR:49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL"),
    ):
        hits = (await client.search(address)).hits
        assert key in {h.node.key for h in hits if h.matched == "identifier"}, address
    assert not (await client.search("5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320")).hits
