"""A picture export does not flood the gateway's log (issue 13, item 10: one PDF export wrote ~260
lines, matplotlib's and fontTools' own INFO and DEBUG lines, some naming the glyphs of the names drawn).
The gateway runs as `regulink serve` does, with its own logging set up, at DEBUG: the most it writes."""

from __future__ import annotations

import asyncio

import pytest

from gateway.ops import process
from gateway.sdk.client import AsyncClient, TlsFiles, sign_record
from regulink.v1 import export_pb2, query_pb2
from tests.e2e.conftest import make_record
from tests.e2e.test_crash import prepare


@pytest.mark.timeout(240)
@pytest.mark.parametrize("fmt", ["pdf", "svg", "png"])
async def test_a_picture_export_writes_a_few_log_lines(tmp_path, fmt):
    key = prepare(tmp_path)
    log_path = tmp_path / "gateway.log"
    with open(log_path, "wb") as log_file:
        gateway = await process.start(tmp_path, "--origin", "export-log.test/log", "--log-level", "DEBUG",
                                      stderr=log_file)
    try:
        async with AsyncClient.connect(gateway.target, TlsFiles.for_agency(tmp_path / "tls", "fsa-jp")) as client:
            record = make_record("fsa-jp")
            record.entities[0].name = "株式会社ルーメンクレスト Example Coin Exchange"  # CJK: the PDF's Type 3 path
            record.entities[0].aliases.extend(["Lumen Crest KK", "Ёлка Биржа"])
            await client.submit(sign_record(record, [key]))
            await client.wait_projected(timeout=60)
            await asyncio.sleep(1)  # the projection's own lines are written
            before = log_path.read_text(errors="replace").splitlines()
            request = export_pb2.ExportRequest(format=fmt, neighbourhood=query_pb2.NeighbourhoodRequest(
                key=f"local:fsa-jp/{record.record_id}:op", hops=2))
            chunks = [c async for c in client.export(request)]
            assert isinstance(chunks[0], export_pb2.ExportHeader) and b"".join(chunks[1:])
            await asyncio.sleep(1)
    finally:
        await gateway.stop()
    written = log_path.read_text(errors="replace").splitlines()[len(before):]
    during = [line for line in written if "shutting down" not in line.lower() and "stopp" not in line.lower()]
    assert len(during) <= 5, "\n".join(during[:40])
    assert not any("fontTools" in line or "matplotlib" in line for line in written)
