"""gateway.server.logs: one JSON object a line, the RPC's request id, and only safe extra fields."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime

import orjson
import pytest

from gateway.errors import BadSignature, NotFound
from gateway.server import logs
from gateway.server.metrics import code_name, reason_label


@pytest.fixture
def capture():
    """A logger writing through the gateway's handler into a buffer; yields (logger, buffer, set_format)."""
    buffer = io.StringIO()
    logger = logging.getLogger("regulink.test-logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)

    def use(fmt: str) -> None:
        for old in logger.handlers[:]:
            logger.removeHandler(old)
        logger.addHandler(logs.handler(fmt, buffer))

    use("json")
    yield logger, buffer, use
    for old in logger.handlers[:]:
        logger.removeHandler(old)
    logger.propagate = True


def lines(buffer: io.StringIO) -> list[dict]:
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_the_standard_fields(capture):
    logger, buffer, _ = capture
    logger.info("gateway listening on port %d", 7443)
    (line,) = lines(buffer)
    assert set(line) == {"ts", "level", "logger", "msg"}
    assert line["level"] == "INFO" and line["logger"] == "regulink.test-logs"
    assert line["msg"] == "gateway listening on port 7443"
    stamp = datetime.fromisoformat(line["ts"].replace("Z", "+00:00"))
    assert stamp.tzinfo == UTC and line["ts"].endswith("Z")
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_newlines_and_quotes_stay_inside_one_line(capture):
    logger, buffer, _ = capture
    logger.warning('graph store not reachable ("refused"\nretrying)')
    assert len(buffer.getvalue().splitlines()) == 1
    assert lines(buffer)[0]["msg"] == 'graph store not reachable ("refused"\nretrying)'


def test_request_id_comes_from_the_context(capture):
    logger, buffer, _ = capture
    logger.info("outside an RPC")

    async def rpc() -> str:
        rid = logs.start_request()
        logger.info("inside")
        await asyncio.sleep(0)
        logger.info("still inside")
        return rid

    async def two_calls() -> list[str]:
        return await asyncio.gather(asyncio.create_task(rpc()), asyncio.create_task(rpc()))

    first, second = asyncio.run(two_calls())
    outside, *inside = lines(buffer)
    assert "request_id" not in outside
    assert first != second
    assert sorted(line["request_id"] for line in inside) == sorted([first, first, second, second])
    assert logs.request_id.get() is None  # each task had its own context


def test_extra_fields_are_kept_only_when_safe(capture):
    logger, buffer, _ = capture
    logger.info("rpc done", extra={
        "rpc": "ExchangeService/Submit", "code": "UNAUTHENTICATED", "duration_ms": 2.5, "accepted": 3,
        "graph_password": "hunter2", "private_key": "-----BEGIN", "payload": "summary text", "token": "t",
        "entity_name": "Example Coin Exchange Ltd", "key": "ed25519:abc", "envelope": b"\x00",
        "record_id": "rec-1", "nested": {"name": "x"}, "long": "y" * 1000,
    })
    (line,) = lines(buffer)
    assert line["rpc"] == "ExchangeService/Submit" and line["code"] == "UNAUTHENTICATED"
    assert line["duration_ms"] == 2.5 and line["accepted"] == 3
    assert len(line["long"]) == logs.MAX_FIELD
    for dropped in ("graph_password", "private_key", "payload", "token", "entity_name", "key", "envelope",
                    "record_id", "nested"):
        assert dropped not in line, dropped
    text = buffer.getvalue()
    for secret in ("hunter2", "BEGIN", "summary text", "Example Coin", "ed25519:abc"):
        assert secret not in text


def test_record_ids_only_at_debug(capture):
    logger, buffer, _ = capture
    logger.info("accepted", extra={"record_id": "rec-1"})
    logger.debug("accepted", extra={"record_id": "rec-2"})
    info, debug = lines(buffer)
    assert "record_id" not in info and debug["record_id"] == "rec-2"


def test_exceptions_are_one_field(capture):
    logger, buffer, _ = capture
    try:
        raise RuntimeError("ledger failed")
    except RuntimeError:
        logger.exception("internal error, request_id=%s", "abc")
    (line,) = lines(buffer)
    assert line["level"] == "ERROR" and "RuntimeError: ledger failed" in line["exc"]


def test_text_format_shows_the_request_id(capture):
    logger, buffer, use = capture
    use("text")
    logger.info("no request")
    logs.request_id.set("0123456789ab")
    try:
        logger.info("in a request")
    finally:
        logs.request_id.set(None)
    first, second = buffer.getvalue().splitlines()
    assert first.endswith("INFO regulink.test-logs [-] no request")
    assert second.endswith("INFO regulink.test-logs [0123456789ab] in a request")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="text, json"):
        logs.handler("yaml")


def test_configure_replaces_root_handlers_and_quiets_the_bolt_driver():
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    buffer = io.StringIO()
    try:
        installed = logs.configure("DEBUG", "json", buffer)
        assert root.handlers == [installed] and root.level == logging.DEBUG
        logging.getLogger("neo4j").debug("C: RUN 'MERGE (n {name: $name})' {'name': 'Example Coin'}")
        logging.getLogger("regulink.gateway").debug("visible")
        assert [line["msg"] for line in lines(buffer)] == ["visible"]
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


def test_metric_labels_from_errors_are_bounded():
    assert reason_label(BadSignature("x")) == "bad_signature"
    assert reason_label(NotFound("x", reason="weird reason with spaces")) == "internal"
    assert reason_label(RuntimeError("boom")) == "internal"
    assert code_name(None) == "OK" and code_name(NotFound("x")) == "NOT_FOUND"
    assert code_name(asyncio.CancelledError()) == "CANCELLED" and code_name(KeyError("k")) == "INTERNAL"
