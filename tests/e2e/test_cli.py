"""The command line as an operator and a partner use it: real processes, real files, real mTLS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.ops import process

SAMPLES = Path(__file__).parents[2] / "gateway" / "samples"


def regulink(*args: str, data: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "REGULINK_DATA_DIR": str(data), "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "gateway.cli.main", *args], capture_output=True, text=True, env=env,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


async def test_operator_and_partner_workflow(tmp_path):
    data = tmp_path / "gw"
    regulink("agency", "add", "tokyo-metro", "--name", "Tokyo Metropolitan Government", "--kind",
             "local-government", "--jurisdiction", "JP-13", data=data)
    bad = regulink("agency", "add", "x", "--name", "X", "--kind", "ministry", "--jurisdiction", "JP", data=data,
                   check=False)
    assert bad.returncode == 1 and "kind must be one of" in bad.stderr and "Traceback" not in bad.stderr
    key_id = regulink("keygen", str(tmp_path / "keys" / "tokyo"), data=data).stdout.strip()
    assert len(key_id) == 64
    again = regulink("keygen", str(tmp_path / "keys" / "tokyo"), data=data, check=False)
    assert again.returncode == 1 and "never overwritten" in again.stderr
    regulink("agency", "add-key", "tokyo-metro", str(tmp_path / "keys" / "tokyo.pub.pem"), data=data)
    twice = regulink("agency", "add-key", "tokyo-metro", str(tmp_path / "keys" / "tokyo.pub.pem"), data=data,
                     check=False)
    assert twice.returncode == 1 and "already registered" in twice.stderr and "Traceback" not in twice.stderr
    # The same key as 64 hex characters is the same key (the formats `agency add-key --help` names).
    from gateway import keys
    raw = keys.raw_public_key(keys.load_public_key(tmp_path / "keys" / "tokyo.pub.pem"))
    (tmp_path / "keys" / "tokyo.hex").write_text(raw.hex() + "\n")
    as_hex = regulink("agency", "add-key", "tokyo-metro", str(tmp_path / "keys" / "tokyo.hex"), data=data,
                      check=False)
    assert as_hex.returncode == 1 and "already registered" in as_hex.stderr
    regulink("dev-ca", "tokyo-metro", data=data)
    listing = regulink("agency", "list", data=data).stdout
    assert "tokyo-metro" in listing and "valid" in listing

    gateway = await process.start(data, "--origin", "cli.test/log")
    try:
        common = ["--as", "tokyo-metro", "--target", gateway.target]
        pushed = regulink("push", str(SAMPLES / "tokyo-metro.jsonl"), *common, "--key",
                          str(tmp_path / "keys" / "tokyo.pem"), "--receipts", str(tmp_path / "r.jsonl"), data=data)
        assert "2 accepted, 0 rejected" in pushed.stderr
        lines = (tmp_path / "r.jsonl").read_text().splitlines()
        assert len(lines) == 2 and json.loads(lines[0])["receipt"]["recordId"] == "TMG-CONS-2026-1187"

        info = regulink("log-info", *common, data=data).stdout.split()
        log_key = info[info.index("key") + 1]
        assert info[info.index("origin") + 1] == "cli.test/log"
        verified = regulink("verify-receipt", str(tmp_path / "r.jsonl"), "--log-key", log_key, data=data)
        assert "2 receipts verify" in verified.stdout
        wrong = regulink("verify-receipt", str(tmp_path / "r.jsonl"), "--log-key", "11" * 32, data=data, check=False)
        assert wrong.returncode == 1

        # Pushing the same file again: duplicates are reported per line, nothing new is written.
        again = regulink("push", str(SAMPLES / "tokyo-metro.jsonl"), *common, "--key",
                         str(tmp_path / "keys" / "tokyo.pem"), "--receipts", str(tmp_path / "r2.jsonl"), data=data,
                         check=False)
        assert again.returncode == 2 and "ALREADY_EXISTS" in again.stderr and "tokyo-metro.jsonl:1" in again.stderr

        state = tmp_path / "head.json"
        first = regulink("audit", *common, "--state", str(state), data=data)
        assert "first audit" in first.stdout
        second = regulink("audit", *common, "--state", str(state), data=data)
        assert "consistent: size 2" in second.stdout

        revoked = regulink("agency", "revoke-key", key_id, data=data)
        assert "revoked" in revoked.stderr
        refused = regulink("push", str(SAMPLES / "tokyo-metro.jsonl"), *common, "--key",
                           str(tmp_path / "keys" / "tokyo.pem"), "--receipts", str(tmp_path / "r3.jsonl"), data=data,
                           check=False)
        assert refused.returncode == 2 and "UNAUTHENTICATED" in refused.stderr
    finally:
        assert await gateway.stop() == 0


def test_bad_config_is_one_clear_line(tmp_path):
    config = tmp_path / "gw.toml"
    config.write_text('[gateway]\nlisten = "nowhere"\n')
    result = regulink("serve", "--config", str(config), data=tmp_path, check=False)
    assert result.returncode == 1 and "listen must be HOST:PORT" in result.stderr
    config.write_text('[gateway]\nlisen = "127.0.0.1:1"\n')
    result = regulink("serve", "--config", str(config), data=tmp_path, check=False)
    assert "unknown setting(s) in [gateway]: lisen" in result.stderr


@pytest.mark.parametrize("command", ["serve", "push", "agency", "audit", "verify-receipt", "dev-ca", "keygen", "log-info"])
def test_help_teaches(command, tmp_path):
    text = regulink(command, "--help", data=tmp_path).stdout
    assert "Usage" in text and ("Example" in text or command == "agency")


def test_investigator_commands_against_the_demo_data(tmp_path):
    """`make demo` leaves a gateway data dir; the query commands read it through a fresh gateway."""
    import asyncio

    from gateway.cli import demo

    data = tmp_path / "demo"
    asyncio.run(demo.main(data))

    async def ask() -> list[subprocess.CompletedProcess]:
        gateway = await process.start(data, "--origin", "demo.regulink/log")
        try:
            common = ["--as", "npa-cyber", "--target", gateway.target]
            wallet = "wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
            answers = [
                await asyncio.to_thread(regulink, "query", "operators", wallet, *common, data=data),
                await asyncio.to_thread(regulink, "query", "entity", wallet, *common, data=data),
                await asyncio.to_thread(regulink, "query", "search", "Lumen Crest", *common, "--json", data=data),
                await asyncio.to_thread(regulink, "query", "decide", "different",
                                        "local:mas-sg/MAS-2026-0412:op", "local:tokyo-metro/TMG-CONS-2026-1187:op",
                                        *common, "--key", str(data / "agency-keys" / "npa-cyber.pem"), data=data),
                await asyncio.to_thread(regulink, "query", "entity", "local:mas-sg/MAS-2026-0413:nominee",
                                        "--as", "tokyo-metro", "--target", gateway.target, data=data, check=False),
            ]
        finally:
            await gateway.stop()
        return answers

    operators, card, found, decided, hidden = asyncio.run(ask())
    assert "株式会社ルーメンクレスト" in operators.stdout and "Lumen Crest Exchange Pte Ltd" in operators.stdout
    assert "mas-sg" in card.stdout and "tokyo-metro" in card.stdout and "npa-cyber" in card.stdout
    assert json.loads(found.stdout)["hits"]
    assert "recorded at log index 5" in decided.stdout
    assert hidden.returncode == 1 and "NOT_FOUND" in hidden.stderr
    log = regulink("query-log", "--agency", "npa-cyber", data=data).stdout
    assert "OperatorsNear" in log and "GetEntity" in log
