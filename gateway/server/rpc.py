"""RegulinkError -> gRPC status, in one place; and service registration that
turns every failure into a clear status, never a traceback.

Details follow google.rpc (grpc-status): a BadRequest naming the field, an
ErrorInfo with the machine-readable reason, and for ALREADY_EXISTS the
original Receipt. Anything unexpected becomes INTERNAL with a request id the
operator finds in the log.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.errors import AlreadyExists, InvalidArgument, RegulinkError
from gateway.server import logs
from gateway.server.metrics import Metrics, code_name
from gateway.server.projection.graphdb import as_unavailable
from regulink.v1 import exchange_pb2

log = logging.getLogger("regulink.gateway")
DOMAIN = "regulink.v1"


def to_status(error: RegulinkError) -> status_pb2.Status:
    status = status_pb2.Status(code=code_pb2.Code.Value(error.code), message=str(error))
    if error.violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in error.violations
            ]
        )
        status.details.add().Pack(bad_request)
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN))
    if isinstance(error, AlreadyExists) and error.receipt is not None:
        status.details.add().Pack(error.receipt)
    return status


def to_rejection(error: RegulinkError) -> exchange_pb2.Rejection:
    rejection = exchange_pb2.Rejection(
        code=code_pb2.Code.Value(error.code), message=error.message, field=error.field, reason=error.reason
    )
    if isinstance(error, AlreadyExists) and error.receipt is not None:
        rejection.original_receipt.CopyFrom(error.receipt)
    return rejection


async def _abort(context: grpc.aio.ServicerContext, error: Exception) -> None:
    if isinstance(error, RegulinkError):
        status = to_status(error)
    else:
        request_id = logs.request_id.get() or logs.new_request_id()  # the RPC's own, as in its log lines
        log.exception("internal error, request_id=%s", request_id)
        status = status_pb2.Status(
            code=code_pb2.INTERNAL, message=f"internal error; the operator can look up request id {request_id}"
        )
        status.details.add().Pack(error_details_pb2.RequestInfo(request_id=request_id))
    await context.abort_with_status(rpc_status.to_status(status))


class Malformed:
    """Stands for a request message that did not parse (grpc would say INTERNAL)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def error(self) -> InvalidArgument:
        return InvalidArgument(f"the request is not a valid {self.type_name} protobuf message", reason="MALFORMED")


def _lenient(message_class: type):
    def deserialize(data: bytes) -> Any:
        try:
            return message_class.FromString(data)
        except (DecodeError, RuntimeWarning, ValueError):
            return Malformed(message_class.DESCRIPTOR.full_name)

    return deserialize


def _done(service: str, rpc: str, metrics: Metrics | None, started: float, error: BaseException | None) -> None:
    """Count the RPC's outcome and log it: OK and CANCELLED at DEBUG, refusals at INFO (code and reason only)."""
    code = code_name(error)
    if metrics is not None:
        metrics.rpcs.labels(service, rpc, code).inc()
        if isinstance(error, RegulinkError) and error.reason == "GRAPH_TIMEOUT":
            metrics.graph_timeouts.inc()
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    fields = {"rpc": f"{service}/{rpc}", "code": code, "duration_ms": elapsed}
    if isinstance(error, RegulinkError):
        fields["reason"] = error.reason
    level = logging.DEBUG if code in ("OK", "CANCELLED") else logging.INFO
    log.log(level, "rpc %s/%s %s in %.1f ms", service, rpc, code, elapsed, extra=fields)


def _guard_unary(method, service: str = "", metrics: Metrics | None = None):
    @functools.wraps(method)
    async def handler(request, context):
        logs.start_request()
        started, error = time.perf_counter(), None
        try:
            if isinstance(request, Malformed):
                raise request.error()
            return await method(request, context)
        except Exception as exc:  # noqa: BLE001 - mapped to a status, never a traceback
            error = as_unavailable(exc)  # the graph database down or hung: UNAVAILABLE, not INTERNAL
            await _abort(context, error)
        except BaseException as exc:  # cancelled: the client went away
            error = exc
            raise
        finally:
            _done(service, method.__name__, metrics, started, error)

    return handler


def _guard_stream(method, service: str = "", metrics: Metrics | None = None):
    @functools.wraps(method)
    async def handler(request, context):
        logs.start_request()
        started, error = time.perf_counter(), None
        if metrics is not None:
            metrics.active_streams.labels(method.__name__).inc()
        try:
            if isinstance(request, Malformed):
                raise request.error()
            async for response in method(request, context):
                yield response
        except Exception as exc:  # noqa: BLE001
            error = as_unavailable(exc)
            await _abort(context, error)
        except BaseException as exc:
            error = exc
            raise
        finally:
            if metrics is not None:
                metrics.active_streams.labels(method.__name__).dec()
            _done(service, method.__name__, metrics, started, error)

    return handler


def add_service(server: grpc.aio.Server, service_descriptor, implementation: object,
                metrics: Metrics | None = None) -> None:
    """Register `implementation` for every RPC of the service, guarded: each call gets a request id
    (gateway.server.logs) and, given `metrics`, is counted by its outcome.

    Methods named in `implementation.raw_requests` receive the request bytes
    unparsed (the implementation parses them where it is cheapest).
    """
    raw = getattr(implementation, "raw_requests", frozenset())
    handlers = {}
    for method in service_descriptor.methods:
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        impl = getattr(implementation, method.name)
        streaming_out = method.server_streaming
        guard = _guard_stream if streaming_out else _guard_unary
        wrapped = guard(impl, service_descriptor.name, metrics)
        if inspect.isasyncgenfunction(impl) != streaming_out:
            raise TypeError(f"{method.full_name}: implementation shape does not match the proto")
        factory = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(method.client_streaming, streaming_out)]
        handlers[method.name] = factory(
            wrapped,
            request_deserializer=None if method.name in raw else _lenient(request_class),
            response_serializer=response_class.SerializeToString,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_descriptor.full_name, handlers),))
