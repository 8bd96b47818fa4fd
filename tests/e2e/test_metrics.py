"""Metrics and logs of a real gateway (its own, with metrics on a free port): push good and bad
records and ask questions through the real client, scrape /metrics over HTTP, and check each
counter moved by exactly what was done; then read the JSON log of the same kind of traffic."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import urllib.request

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway import errors, keys
from gateway.sdk.client import sign_record
from gateway.server import config, logs
from regulink.v1 import export_pb2, query_pb2, records_pb2
from tests.e2e.conftest import Env, gateway_env, make_record, projected, signed

Samples = dict[tuple[str, frozenset], float]


@pytest.fixture(scope="module")
async def metered(tmp_path_factory) -> Env:
    settings = config.load(data_dir=tmp_path_factory.mktemp("metered"), listen="127.0.0.1:0",
                           origin="metrics.regulink/log", metrics_listen="127.0.0.1:0", graph_heap="512m")
    async with gateway_env(settings) as running:
        yield running


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["Content-Type"], response.read().decode()


async def scrape(env: Env) -> tuple[Samples, str]:
    content_type, text = await asyncio.to_thread(_get, f"http://127.0.0.1:{env.gateway.metrics_port}/metrics")
    assert content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, text


def value(samples: Samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape_when(env: Env, name: str, expected: float, **labels) -> Samples:
    """Scrape until the sample has the expected value (or 5 s pass); the caller asserts on what it got."""
    for _ in range(100):
        samples, _ = await scrape(env)
        if value(samples, name, **labels) == expected:
            break
        await asyncio.sleep(0.05)
    return samples


def moved(before: Samples, after: Samples, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def invalid_record(agency: str) -> records_pb2.CaseRecord:
    record = make_record(agency)
    record.tlp = records_pb2.TLP_UNSPECIFIED
    return record


async def test_records_are_counted_by_outcome_and_reason(metered):
    env, client = metered, metered.client("mas-sg")
    before, _ = await scrape(env)
    good = [signed(env, make_record("mas-sg")) for _ in range(2)]
    for envelope in good:
        await client.submit(envelope)
    forged = signed(env, make_record("mas-sg"))
    forged.signatures[0].sig = bytes(64)
    with pytest.raises(errors.BadSignature):
        await client.submit(forged)
    with pytest.raises(errors.UnknownKey):
        await client.submit(sign_record(make_record("mas-sg"), [keys.generate()]))
    with pytest.raises(errors.AlreadyExists):
        await client.submit(good[0])
    with pytest.raises(errors.InvalidArgument):
        await client.submit(signed(env, invalid_record("mas-sg")))

    stream = [signed(env, make_record("tokyo-metro")) for _ in range(3)]
    stream.insert(1, sign_record(make_record("tokyo-metro"), [env.signing["mas-sg"]]))  # not its key
    stream.append(signed(env, invalid_record("tokyo-metro")))
    outcomes = [o async for o in env.client("tokyo-metro").submit_stream(stream)]
    assert [isinstance(o, errors.RegulinkError) for o in outcomes] == [False, True, False, False, True]

    after, text = await scrape(env)
    accepted, rejected = "regulink_records_accepted_total", "regulink_records_rejected_total"
    assert moved(before, after, accepted, rpc="Submit", agency="mas-sg") == 2
    assert moved(before, after, rejected, rpc="Submit", agency="mas-sg", reason="bad_signature") == 1
    assert moved(before, after, rejected, rpc="Submit", agency="mas-sg", reason="unknown_key") == 1
    assert moved(before, after, rejected, rpc="Submit", agency="mas-sg", reason="duplicate") == 1
    assert moved(before, after, rejected, rpc="Submit", agency="mas-sg", reason="record_invalid") == 1
    assert moved(before, after, accepted, rpc="SubmitStream", agency="tokyo-metro") == 3
    assert moved(before, after, rejected, rpc="SubmitStream", agency="tokyo-metro", reason="unauthenticated") == 1
    assert moved(before, after, rejected, rpc="SubmitStream", agency="tokyo-metro", reason="record_invalid") == 1
    # One latency observation per receipt sent, none for refusals.
    assert moved(before, after, "regulink_receipt_seconds_count", rpc="Submit") == 2
    assert moved(before, after, "regulink_receipt_seconds_count", rpc="SubmitStream") == 3
    assert value(after, "regulink_receipt_seconds_bucket", rpc="Submit", le="+Inf") == \
        value(after, "regulink_receipt_seconds_count", rpc="Submit")
    # Every RPC by its final code: a stream with refusals inside still ends OK.
    assert moved(before, after, "regulink_rpcs_total", service="ExchangeService", method="Submit", code="OK") == 2
    assert moved(before, after, "regulink_rpcs_total", service="ExchangeService", method="Submit",
                 code="UNAUTHENTICATED") == 2
    assert moved(before, after, "regulink_rpcs_total", service="ExchangeService", method="Submit",
                 code="ALREADY_EXISTS") == 1
    assert moved(before, after, "regulink_rpcs_total", service="ExchangeService", method="SubmitStream",
                 code="OK") == 1
    assert value(after, "regulink_active_streams", rpc="SubmitStream") == 0
    assert value(after, "regulink_ledger_size") == env.gateway.ledger.size
    # Labels carry no record ids, names or identifiers.
    for envelope in [*good, *stream]:
        record = records_pb2.CaseRecord.FromString(envelope.payload)
        assert record.record_id not in text
        assert record.entities[0].identifiers[0].value not in text
    assert "Example Coin" not in text


async def test_projection_lag_and_watermark(metered):
    env = metered
    for _ in range(3):
        await env.client("npa-cyber").submit(signed(env, make_record("npa-cyber")))
    samples, _ = await scrape(env)
    assert value(samples, "regulink_graph_up") == 1
    assert 0 <= value(samples, "regulink_projection_lag") <= env.gateway.ledger.size
    await projected(env)
    samples, _ = await scrape(env)
    size = env.gateway.ledger.size
    assert value(samples, "regulink_ledger_size") == size
    assert value(samples, "regulink_projection_lag") == 0
    assert value(samples, "regulink_projection_watermark") == size - 1


async def test_query_latency_by_type_and_code(metered):
    env, client = metered, metered.client("fsa-jp")
    record = make_record("fsa-jp")
    await client.submit(signed(env, record))
    await projected(env)
    wallet = "wallet:ETH:" + record.entities[1].identifiers[0].value
    before, _ = await scrape(env)
    assert (await client.search("Example Coin Exchange")).hits
    with pytest.raises(errors.InvalidArgument):
        await client.search("  ")
    assert (await client.entity(wallet)).node.key == wallet
    with pytest.raises(errors.NotFound):
        await client.entity("wallet:ETH:0x" + "0" * 40)
    await client.neighbourhood(wallet)
    request = export_pb2.ExportRequest(format="graphml", neighbourhood=query_pb2.NeighbourhoodRequest(key=wallet))
    assert [part async for part in client.export(request)]
    after, text = await scrape(env)
    count = "regulink_query_seconds_count"
    assert moved(before, after, count, query="Search", code="OK") == 1
    assert moved(before, after, count, query="Search", code="INVALID_ARGUMENT") == 1
    assert moved(before, after, count, query="GetEntity", code="OK") == 1
    assert moved(before, after, count, query="GetEntity", code="NOT_FOUND") == 1
    assert moved(before, after, count, query="Neighbourhood", code="OK") == 1
    assert moved(before, after, count, query="Export", code="OK") == 1
    assert value(after, "regulink_active_streams", rpc="Export") == 0
    assert "Example Coin" not in text and wallet not in text  # no query text in labels


async def test_open_streams_are_gauged(metered):
    env = metered
    subscription = env.client("mas-sg").subscribe(env.gateway.ledger.size)  # waits at the end for new entries
    reader = asyncio.ensure_future(anext(subscription))
    try:
        samples = await scrape_when(env, "regulink_active_streams", 1, rpc="Subscribe")
        assert value(samples, "regulink_active_streams", rpc="Subscribe") == 1
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await subscription.aclose()
    samples = await scrape_when(env, "regulink_active_streams", 0, rpc="Subscribe")
    assert value(samples, "regulink_active_streams", rpc="Subscribe") == 0
    assert value(samples, "regulink_rpcs_total", service="ExchangeService", method="Subscribe", code="CANCELLED") == 1


async def test_internal_error_names_the_request_id_of_its_log_lines(metered, monkeypatch):
    env, buffer = metered, io.StringIO()

    def broken(*args, **kwargs):
        raise RuntimeError("audit store gone")

    monkeypatch.setattr(env.gateway.audit, "_open", broken)  # the question line cannot be written: no answer
    with captured_logs(buffer):
        with pytest.raises(errors.RegulinkError) as failure:
            await env.client("mas-sg").search("anything")
        # The call's own line is written as the server finishes it, which may be just after the
        # client has the error: wait for it while the logs are still captured.
        for _ in range(100):
            if '"rpc":"QueryService/Search"' in buffer.getvalue().replace(" ", ""):
                break
            await asyncio.sleep(0.05)
    assert failure.value.code == "INTERNAL"
    request_id = re.search(r"request id ([0-9a-f]{12})", str(failure.value)).group(1)
    lines = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    internal = [line for line in lines if line["msg"].startswith("internal error")]
    assert len(internal) == 1 and internal[0]["request_id"] == request_id
    assert "RuntimeError: audit store gone" in internal[0]["exc"]
    assert any(line.get("rpc") == "QueryService/Search" and line["request_id"] == request_id for line in lines)
    samples, _ = await scrape(env)
    assert value(samples, "regulink_query_seconds_count", query="Search", code="INTERNAL") == 1


class captured_logs:
    """The gateway's JSON logging at DEBUG into `buffer`, as `regulink serve --log-format json` sets it up."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def __enter__(self):
        root = logging.getLogger()
        self.saved = root.handlers[:], root.level
        logs.configure("DEBUG", "json", self.buffer)

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        handlers, level = self.saved
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


async def test_json_logs_carry_request_ids_and_no_contents(metered):
    env, buffer = metered, io.StringIO()
    secret_words = ["Kestrel Harbour Digital Assets", "Marigold Nominee Services", "solicits pensioners by phone"]

    def distinctive(agency: str, name: str) -> records_pb2.CaseRecord:
        record = make_record(agency)
        record.entities[0].name = name
        record.summary = secret_words[2]
        return record

    with captured_logs(buffer):
        good = signed(env, distinctive("mas-sg", secret_words[0]))
        await env.client("mas-sg").submit(good)
        forged = signed(env, distinctive("mas-sg", secret_words[1]))
        forged.signatures[0].sig = bytes(64)
        with pytest.raises(errors.BadSignature):
            await env.client("mas-sg").submit(forged)
        bad = invalid_record("tokyo-metro")
        bad.entities[0].name = secret_words[1]
        outcomes = [o async for o in env.client("tokyo-metro").submit_stream(
            [signed(env, distinctive("tokyo-metro", secret_words[0])), signed(env, bad)])]
        assert isinstance(outcomes[1], errors.InvalidArgument)
        await projected(env)
        await env.client("mas-sg").search(secret_words[0])
        with pytest.raises(errors.NotFound):
            await env.client("mas-sg").entity(f"org:{secret_words[1]}")

    text = buffer.getvalue()
    password = (env.gateway.settings.data_dir / "graph" / "root-password").read_text().strip()
    for word in [*secret_words, password, good.payload.hex()[:40], "Example Coin"]:
        assert word not in text, word
    for envelope in (good, forged):
        assert records_pb2.CaseRecord.FromString(envelope.payload).record_id not in text
    lines = [orjson.loads(line) for line in text.splitlines()]  # every line is one JSON object
    assert lines
    for line in lines:
        assert {"ts", "level", "logger", "msg"} <= set(line)
        assert line["ts"].endswith("Z")
    rpc_lines = [line for line in lines if "rpc" in line]
    assert {line["rpc"] for line in rpc_lines} >= {"ExchangeService/Submit", "ExchangeService/SubmitStream",
                                                    "QueryService/Search", "QueryService/GetEntity"}
    assert all(re.fullmatch(r"[0-9a-f]{12}", line.get("request_id", "")) for line in rpc_lines)
    assert len({line["request_id"] for line in rpc_lines}) == len(rpc_lines)  # one id per call
    refused = [line for line in rpc_lines if line["code"] == "UNAUTHENTICATED"]
    assert refused and refused[0]["reason"] == "BAD_SIGNATURE" and refused[0]["level"] == "INFO"
    summary = [line for line in lines if line.get("refused")]
    assert summary and summary[0]["agency"] == "tokyo-metro" and "record_invalid 1" in summary[0]["msg"]
    assert summary[0]["request_id"] in {line["request_id"] for line in rpc_lines
                                        if line["rpc"] == "ExchangeService/SubmitStream"}


def test_metrics_listen_is_validated(tmp_path):
    assert config.load(data_dir=tmp_path).metrics_listen == ""
    assert config.load(data_dir=tmp_path, metrics_listen="0.0.0.0:9464").metrics_listen == "0.0.0.0:9464"
    for bad in ("9464", "localhost:", ":9464", "localhost:99999", "127.0.0.1:7443"):
        with pytest.raises(config.ConfigError, match="metrics_listen"):
            config.load(data_dir=tmp_path, listen="127.0.0.1:7443", metrics_listen=bad)


def test_metrics_listen_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REGULINK_METRICS_LISTEN", "127.0.0.1:9999")
    assert config.load(data_dir=tmp_path).metrics_listen == "127.0.0.1:9999"
