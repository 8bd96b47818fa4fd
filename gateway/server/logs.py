"""Gateway logs: text for a terminal, JSON lines for deployments; a request id per RPC.

A JSON line is one object:

    {"ts": "2026-10-01T09:30:00.123Z", "level": "INFO", "logger": "regulink.gateway",
     "msg": "rpc ExchangeService/Submit UNAUTHENTICATED", "request_id": "3f9c0a1b2d4e",
     "rpc": "ExchangeService/Submit", "code": "UNAUTHENTICATED", "reason": "BAD_SIGNATURE", "duration_ms": 2.1}

`request_id` is set by the guards of gateway.server.rpc for the whole RPC (the
tasks it starts inherit it) and is the one an INTERNAL error names to the
client. Extra fields (`logger.info(..., extra={...})`) are kept when they are
scalars and their names do not suggest a secret or record contents; a
`record_id` only at DEBUG. The message itself is the caller's care: never
record contents, names, payloads, keys or passwords (docs/observability.md).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

import orjson

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("regulink_request_id", default=None)

# Attributes every LogRecord has; anything else came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}
# Extra field names that are never written, whatever their value.
_UNSAFE = re.compile(r"password|passwd|secret|private|token|credential|payload|envelope|content|name$|^key$",
                     re.IGNORECASE)
_DEBUG_ONLY = frozenset({"record_id"})
MAX_FIELD = 200
# Libraries whose debug lines carry data: the Bolt driver logs every query with its parameters (record contents);
# matplotlib and fontTools log each font they try and every glyph they subset (the names a picture draws):
# ~260 lines for one PDF export (issue 13).
QUIET = {"neo4j": logging.WARNING, "matplotlib": logging.WARNING, "fontTools": logging.WARNING,
         "PIL": logging.WARNING}


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def start_request() -> str:
    """Give the current context (one RPC's task) a fresh request id; returns it."""
    rid = new_request_id()
    request_id.set(rid)
    return rid


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the context that logged it ("-" outside an RPC)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        return True


def safe_extras(record: logging.LogRecord) -> dict:
    fields = {}
    for name, value in vars(record).items():
        if name in _STANDARD or name.startswith("_") or _UNSAFE.search(name):
            continue
        if name in _DEBUG_ONLY and record.levelno > logging.DEBUG:
            continue
        if isinstance(value, bool | int | float) or value is None:
            fields[name] = value
        elif isinstance(value, str):
            fields[name] = value[:MAX_FIELD]
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid and rid != "-":
            line["request_id"] = rid
        for name, value in safe_extras(record).items():
            line.setdefault(name, value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


def handler(fmt: str = "text", stream=None) -> logging.Handler:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    out = logging.StreamHandler(stream or sys.stderr)
    out.addFilter(RequestIdFilter())
    out.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(level: str | int = "INFO", fmt: str = "text", stream=None) -> logging.Handler:
    """Replace the root logger's handlers with one writing `fmt` to `stream` (stderr)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    new = handler(fmt, stream)
    root.addHandler(new)
    root.setLevel(level)
    for name, least in QUIET.items():
        logging.getLogger(name).setLevel(least)
    return new
