"""ExchangeService: Submit, SubmitStream, Subscribe."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING

from gateway.errors import InvalidArgument, RegulinkError
from gateway.server.admission.admit import admit, parse_record
from gateway.server.admission.identity import caller_agency
from gateway.server.metrics import UNKNOWN_AGENCY, reason_label
from gateway.server.rpc import to_rejection
from graph.visibility import may_see
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2

if TYPE_CHECKING:
    from gateway.server.app import Gateway

log = logging.getLogger("regulink.exchange")

# How many stream messages may be verified ahead of their receipts.
READ_AHEAD = 8
SUBSCRIBE_PAGE = 500


class ExchangeService:
    # SubmitStream messages are parsed where their signatures are checked (gateway.server.admission.workers).
    raw_requests = frozenset({"SubmitStream"})

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def Submit(self, request: exchange_pb2.SubmitRequest, context) -> exchange_pb2.SubmitResponse:
        arrived, caller, metrics = time.perf_counter(), UNKNOWN_AGENCY, self.gateway.metrics
        try:
            registry = self.gateway.registry.snapshot()
            caller = caller_agency(context, registry)
            self.gateway.agency_limits.take(caller)
            if not request.HasField("envelope"):
                raise InvalidArgument("an envelope is required", field="envelope")
            candidate = admit(request.envelope, caller, registry, self.gateway.limits, request.disclosure)
            outcome = await self.gateway.sequencer.submit(candidate)
            if isinstance(outcome, RegulinkError):
                raise outcome
        except Exception as exc:
            metrics.record_outcomes("Submit", caller, [exc])
            raise
        metrics.record_outcomes("Submit", caller, [outcome])
        metrics.receipts_sent("Submit", arrived)
        return exchange_pb2.SubmitResponse(receipt=outcome)

    async def SubmitStream(self, request_iterator, context):
        """Three stages, so every core and the disk stay busy:
        read + check signatures (many messages at once, in worker processes),
        hand to the sequencer in stream order (a v2 never overtakes its v1),
        answer in stream order once durable."""
        metrics = self.gateway.metrics
        try:
            caller = caller_agency(context, self.gateway.registry.snapshot())
        except RegulinkError as exc:
            metrics.record_outcomes("SubmitStream", UNKNOWN_AGENCY, [exc])
            raise
        with self.gateway.agency_limits.stream(caller):
            async for response in self._stream(request_iterator, context, caller):
                yield response

    async def _stream(self, request_iterator, context, caller: str):
        metrics, limits = self.gateway.metrics, self.gateway.agency_limits
        remaining = context.time_remaining()
        deadline = time.monotonic() + remaining if remaining is not None else None
        checking: asyncio.Queue = asyncio.Queue(maxsize=READ_AHEAD)
        sequenced: asyncio.Queue = asyncio.Queue(maxsize=READ_AHEAD)

        async def read() -> None:
            async for message in request_iterator:
                registry = self.gateway.registry.snapshot()
                arrived = time.perf_counter()
                admitting = self.gateway.verifier.admit_message(message, caller, registry)
                await checking.put((arrived, asyncio.ensure_future(admitting)))
            await checking.put(None)

        async def sequence() -> None:
            while (item := await checking.get()) is not None:
                arrived, admitted = item[0], await item[1]
                if isinstance(admitted, RegulinkError):  # the message itself did not parse
                    await sequenced.put(admitted)
                    return
                try:  # over its rate, the agency's stream is slowed here (the read-ahead fills, reading stops)
                    await limits.wait(caller, len(admitted), deadline)
                except RegulinkError as exc:
                    await sequenced.put(exc)
                    return
                candidates = [a for a in admitted if not isinstance(a, RegulinkError)]
                futures = iter(self.gateway.sequencer.submit_many(candidates))
                await sequenced.put((arrived, [a if isinstance(a, RegulinkError) else next(futures) for a in admitted]))
            await sequenced.put(None)

        stages = [asyncio.create_task(read()), asyncio.create_task(sequence())]
        try:
            while (item := await sequenced.get()) is not None:
                if isinstance(item, RegulinkError):
                    metrics.record_outcomes("SubmitStream", caller, [item])
                    raise item
                arrived, pending = item
                outcomes = [x if isinstance(x, RegulinkError) else await x for x in pending]
                metrics.record_outcomes("SubmitStream", caller, outcomes)
                _log_refusals(caller, outcomes)
                yield exchange_pb2.SubmitStreamResponse(results=[self._result(x) for x in outcomes])
                metrics.receipts_sent("SubmitStream", arrived, sum(not isinstance(x, RegulinkError) for x in outcomes))
            await asyncio.gather(*stages)
        finally:
            for stage in stages:
                stage.cancel()

    @staticmethod
    def _result(outcome) -> exchange_pb2.SubmitResult:
        if isinstance(outcome, RegulinkError):
            return exchange_pb2.SubmitResult(rejection=to_rejection(outcome))
        return exchange_pb2.SubmitResult(receipt=outcome)

    async def Subscribe(self, request: exchange_pb2.SubscribeRequest, context):
        caller = caller_agency(context, self.gateway.registry.snapshot())
        with self.gateway.agency_limits.stream(caller):
            async for response in self._subscribe(request, caller):
                yield response

    async def _subscribe(self, request: exchange_pb2.SubscribeRequest, caller: str):
        store = self.gateway.ledger.store
        position = request.from_index
        while True:
            appended = self.gateway.appended_event()
            entries = await self.gateway.sequencer.call(store.entries, position, SUBSCRIBE_PAGE)
            for entry in entries:
                position = entry.log_index + 1
                if entry.envelope is None:
                    continue
                if not may_see(caller, entry.agency_id, entry.tlp, entry.share_with):
                    for withdrawn in await self.gateway.sequencer.call(withdrawals, store, entry, caller):
                        yield exchange_pb2.SubscribeResponse(entry=withdrawn)
                    continue
                yield exchange_pb2.SubscribeResponse(entry=log_entry(entry, caller))
            if len(entries) == SUBSCRIBE_PAGE:
                continue
            if request.stop_at_end:
                return
            await appended.wait()


def _log_refusals(caller: str, outcomes: list) -> None:
    """One line per stream message with refusals: counts by reason, never the records or the errors' words."""
    reasons = Counter(reason_label(x) for x in outcomes if isinstance(x, RegulinkError))
    if reasons:
        log.info("SubmitStream from %s: %d accepted, %d refused (%s)", caller, len(outcomes) - reasons.total(),
                 reasons.total(), ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())),
                 extra={"agency": caller, "accepted": len(outcomes) - reasons.total(), "refused": reasons.total()})


def withdrawals(store, entry, caller: str) -> list[exchange_pb2.LogEntry]:
    """What a hidden entry takes out of the caller's sight: the records it replaces or retracts whose
    last version before it the caller could see. The graph drops their facts for the caller; Subscribe
    says so, the same way for a retraction, a supersede and a narrower new version."""
    record = records_pb2.CaseRecord.FromString(envelope_pb2.Envelope.FromString(entry.envelope).payload)
    targets = [entry.record_id]  # an earlier version of the same record
    for name in ("supersedes", "retracts"):
        if record.HasField(name):
            targets.append(getattr(record, name).record_id)
    found = []
    for record_id in dict.fromkeys(targets):
        before = store.latest_before(entry.agency_id, record_id, entry.log_index)
        if before is None or before.envelope is None or not may_see(caller, before.agency_id, before.tlp,
                                                                     before.share_with):
            continue
        message = exchange_pb2.LogEntry(log_index=entry.log_index, agency_id=entry.agency_id, record_id=record_id,
                                        version=before.version, withdrawn=True)
        message.accepted_at.FromMilliseconds(entry.accepted_ms)
        found.append(message)
    return found


def log_entry(entry, caller: str) -> exchange_pb2.LogEntry:
    envelope = envelope_pb2.Envelope.FromString(entry.envelope)
    record = parse_record(envelope.payload)
    message = exchange_pb2.LogEntry(
        log_index=entry.log_index,
        agency_id=entry.agency_id,
        record_id=entry.record_id,
        version=entry.version,
    )
    message.accepted_at.FromMilliseconds(entry.accepted_ms)
    if record.share_with and caller != entry.agency_id:
        # An older record naming its recipients in clear: its signed bytes would name the others.
        record.ClearField("share_with")
        message.share_with_redacted = True
    else:
        message.envelope.CopyFrom(envelope)
        message.nonce = entry.nonce
        if caller == entry.agency_id:
            message.recipients.extend(exchange_pb2.Recipient(agency_id=a, salt=salt) for a, salt in entry.salts)
        else:
            message.recipient_salt = dict(entry.salts).get(caller, b"")
    message.record.CopyFrom(record)
    return message
