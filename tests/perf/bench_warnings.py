"""A 100k-row warnings list through `regulink ingest`, as an operator runs it: records/s and peak memory.

The list is generated in ESMA's NCASP.csv layout (the real file's columns, a deciding authority per
row, one to three websites, day-first dates, an unmapped column, a fifth of the operators warned
twice), seeded, so every run reads the same bytes. Two runs of the real CLI in a child process:
`--dry-run` (read, check, build; the connector's own speed) and a push to a gateway on loopback
(`--graph none`: the figure is the importer's path — read, sign, stream, durable receipts — not the
projector's, which bench_ingest and bench_keepup measure). Peak memory is the child's maximum RSS
(`wait4`), so it counts the whole CLI, Python included.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gateway import keys
from gateway.ops import process
from tests.perf.common import Figure, prepare_gateway

ROWS = int(os.environ.get("REGULINK_BENCH_WARNINGS_ROWS", "100000"))
HEADER = ["ae_competentAuthority", "ae_homeMemberState", "ae_lei_name", "ae_lei", "ae_lei_cou_code",
          "ae_commercial_name", "ae_website", "ae_infrigment", "ae_reason", "ae_decision_date", "ae_comments",
          "ae_lastupdate"]
AUTHORITIES = [("Commissione Nazionale per le Societa e la Borsa (CONSOB)", "IT"),
               ("Netherlands Authority for the Financial Markets (AFM)", "NL"),
               ("Financial Services and Markets Authority (FSMA)", "BE")]


def write_list(path: Path, rows: int, seed: int = 14) -> int:
    """A seeded NCASP-shaped list of `rows` rows; returns how many distinct warnings it holds."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(HEADER)
        for n in range(rows):
            operator = n - 1 if n and rng.random() < 0.2 else n  # warned again, later
            name = f"Operator {operator:06d} Trading"
            authority, country = rng.choice(AUTHORITIES)
            decided = start + dt.timedelta(days=n % 600)
            sites = "|".join(f"https://op{operator:06d}-{k}.example" for k in range(rng.randint(1, 3)))
            reason = "None" if rng.random() < 0.9 else f"{name} provides crypto-asset services without a licence"
            writer.writerow([authority, country, name, "", "", name, sites, "No", reason,
                             decided.strftime("%d/%m/%Y"), "", (decided + dt.timedelta(days=3)).strftime("%d/%m/%Y")])
    return rows


def run_cli(args: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes, stderr) of one `regulink ingest` child process."""
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "gateway.cli.main", "ingest", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "300"})
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"regulink ingest exited {child.returncode}: {stderr[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, stderr


async def run(rows: int = ROWS) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        source = data / "NCASP-100k.csv"
        write_list(source, rows)
        common = ["warnings", str(source), "--authority", "EU-ESMA", "--as", "bench"]
        dry_seconds, dry_rss, dry_err = await asyncio.to_thread(run_cli, [*common, "--dry-run"])
        assert f"read {rows}, records {rows}" in dry_err, dry_err[-500:]
        signing = prepare_gateway(data, ["bench"])
        key = data / "bench.pem"
        keys.write_private_key(signing["bench"], key)
        gateway = await process.start(data, "--log-level", "WARNING", "--graph", "none")
        try:
            push_seconds, push_rss, push_err = await asyncio.to_thread(
                run_cli, [*common, "--key", str(key), "--target", gateway.target, "--tls-dir", str(data / "tls")])
        finally:
            await gateway.stop()
        assert f"records {rows}, pushed {rows}" in push_err, push_err[-500:]
    return [
        Figure(f"warnings list import, {rows:,} rows, --dry-run (read, check, build)", rows / dry_seconds,
               "records/s"),
        Figure("warnings list import --dry-run, peak RSS of the CLI", dry_rss / 2**20, "MiB"),
        Figure(f"warnings list import, {rows:,} rows, pushed (sign, stream, durable receipts; graph none)",
               rows / push_seconds, "records/s", goal="issue 14: was ~440 records/s"),
        Figure("warnings list import pushed, peak RSS of the CLI", push_rss / 2**20, "MiB",
               goal="issue 14: was 170-210 MB"),
    ]


if __name__ == "__main__":
    for figure in asyncio.run(run()):
        print(figure)
