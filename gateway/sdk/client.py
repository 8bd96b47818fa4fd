"""Python SDK for partners: sign, submit, stream, subscribe, check receipts and proofs.

`AsyncClient` does the work; `Client` runs it for synchronous code. Errors
come back as the same typed RegulinkError classes the gateway raised
(gateway.errors), with `.field`, `.reason` and, for AlreadyExists, `.receipt`.

    async with AsyncClient.connect("localhost:7443", tls_dir, "fsa-sg") as client:
        receipt = await client.submit(sign_record(record, [key]))
        await client.verify_receipt(receipt, envelope)

One file because it is one surface a partner imports: the asynchronous client, its synchronous twin,
and the signing helpers every call uses.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.parse
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from gateway import dsse, errors, keys, recipients
from gateway.ledger import verify
from gateway.ledger.checkpoint import TreeHead
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.ops.devca import client_paths
from gateway.sdk import receipts
from regulink.v1 import (
    envelope_pb2,
    exchange_pb2,
    exchange_pb2_grpc,
    export_pb2,
    export_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    records_pb2,
    registry_pb2,
    registry_pb2_grpc,
    transparency_pb2,
    transparency_pb2_grpc,
    watch_pb2,
    watch_pb2_grpc,
)

_BY_REASON = {
    cls.reason: cls
    for cls in (
        errors.BadSignature, errors.UnknownKey, errors.RevokedKey, errors.KeyNotValidNow, errors.UnknownAgency,
        errors.StaleVersion, errors.RecordInvalid, errors.TooLarge, errors.RateLimited, errors.TooManyStreams,
        errors.TooManyWatches,
    )
}
_BY_CODE = {
    cls.code: cls
    for cls in (
        errors.InvalidArgument, errors.Unauthenticated, errors.PermissionDenied, errors.NotFound,
        errors.AlreadyExists, errors.FailedPrecondition, errors.ResourceExhausted, errors.Unavailable,
        errors.DataLoss,
    )
}


@dataclass(frozen=True)
class Sealed:
    """A signed envelope whose record commits to its recipients, and their disclosure to the gateway."""

    envelope: envelope_pb2.Envelope
    disclosure: exchange_pb2.Disclosure


def sign_shared(record: records_pb2.CaseRecord, signers: Iterable[Ed25519PrivateKey],
                share_with: Iterable[str] = ()) -> Sealed:
    """Sign a record for its recipients (`share_with`, or the record's own list): they are replaced by
    salted commitments (gateway.recipients), so every recipient can verify the signed record and none
    learns the others. Submit the result as it is (AsyncClient.submit / submit_stream)."""
    signers = list(signers)
    # Salts derived from the author's key and the record: sealing the same record twice gives the
    # same envelope (an unchanged re-import is "already there"), unpredictable to anyone else.
    secret = hashlib.sha256(b"regulink recipient salts\x00" + signers[0].private_bytes_raw()).digest()
    disclosure = recipients.seal(record, share_with, secret=secret)
    return Sealed(sign_record(record, signers), disclosure)


def sign_for(record: records_pb2.CaseRecord, signers: Iterable[Ed25519PrivateKey]) -> envelope_pb2.Envelope | Sealed:
    """How the SDK and CLI sign a record: with recipient commitments when it names recipients (so each
    can verify it), else plainly. Either result goes to AsyncClient.submit / submit_stream as it is."""
    if record.share_with and record.tlp not in (records_pb2.TLP_CLEAR, records_pb2.TLP_GREEN):
        return sign_shared(record, signers)
    return sign_record(record, signers)


def envelope_of(item: envelope_pb2.Envelope | Sealed) -> envelope_pb2.Envelope:
    """The signed envelope (what a receipt commits to) of a plain or Sealed submission."""
    return item.envelope if isinstance(item, Sealed) else item


def _unsealed(item: envelope_pb2.Envelope | Sealed) -> tuple[envelope_pb2.Envelope, exchange_pb2.Disclosure]:
    if isinstance(item, Sealed):
        return item.envelope, item.disclosure
    return item, exchange_pb2.Disclosure()


def sign_record(record: records_pb2.CaseRecord, signers: Iterable[Ed25519PrivateKey]) -> envelope_pb2.Envelope:
    """Serialize the record once and sign those bytes (co-signed when several keys)."""
    return dsse.sign(dsse.CASE_RECORD_TYPE, record.SerializeToString(), signers)


def _error(code_value: int, message: str, field: str = "", reason: str = "", receipt=None) -> errors.RegulinkError:
    code = code_pb2.Code.Name(code_value)
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or errors.RegulinkError
    if cls is errors.RecordInvalid:
        cls = errors.InvalidArgument
    if cls is errors.AlreadyExists:
        return errors.AlreadyExists(message, receipt=receipt, field=field)
    error = cls(message, field=field, reason=reason or None)
    error.code = code
    return error


def error_from_rpc(exc: grpc.aio.AioRpcError) -> errors.RegulinkError:
    """The typed error behind a failed call, details included."""
    field, reason, receipt = "", "", None
    status = rpc_status.from_call(exc)
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR) and not field:
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                field = bad.field_violations[0].field if bad.field_violations else ""
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
            elif detail.Is(exchange_pb2.Receipt.DESCRIPTOR):
                receipt = exchange_pb2.Receipt()
                detail.Unpack(receipt)
    message = exc.details() or ""
    if field and message.startswith(field + ": "):
        message = message[len(field) + 2:]
    return _error(exc.code().value[0], message, field, reason, receipt)


def error_from_rejection(rejection: exchange_pb2.Rejection) -> errors.RegulinkError:
    receipt = rejection.original_receipt if rejection.HasField("original_receipt") else None
    return _error(rejection.code, rejection.message, rejection.field, rejection.reason, receipt)


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    @classmethod
    def for_agency(cls, tls_dir: Path, agency_id: str) -> TlsFiles:
        cert, key = client_paths(Path(tls_dir), agency_id)
        return cls(Path(tls_dir) / "ca.pem", cert, key)

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=self.key.read_bytes(),
            certificate_chain=self.cert.read_bytes(),
        )


class _Naming:
    """Adds the person's name to a call's metadata, for the gateway's query audit (gateway.server.audit)."""

    def __init__(self, name: str) -> None:
        # gRPC metadata values are ASCII: the name goes percent-encoded (UTF-8).
        self.pair = ("regulink-investigator", urllib.parse.quote(name, safe=" "))

    def _named(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        return details._replace(metadata=grpc.aio.Metadata(*(details.metadata or ()), self.pair))


# grpc.aio files an interceptor under the first of the four kinds it is (an if/elif chain), so each kind
# of call needs an interceptor of its own.
class _NamesUnaryUnary(_Naming, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, details, request):
        return await continuation(self._named(details), request)


class _NamesUnaryStream(_Naming, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, details, request):
        return await continuation(self._named(details), request)


class _NamesStreamUnary(_Naming, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, details, request_iterator):
        return await continuation(self._named(details), request_iterator)


class _NamesStreamStream(_Naming, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, details, request_iterator):
        return await continuation(self._named(details), request_iterator)


def _naming(investigator: str) -> list[grpc.aio.ClientInterceptor] | None:
    if not investigator:
        return None
    return [kind(investigator) for kind in (_NamesUnaryUnary, _NamesUnaryStream, _NamesStreamUnary, _NamesStreamStream)]


class AsyncClient:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.exchange = exchange_pb2_grpc.ExchangeServiceStub(channel)
        self.registry = registry_pb2_grpc.RegistryServiceStub(channel)
        self.transparency = transparency_pb2_grpc.TransparencyServiceStub(channel)
        self.query = query_pb2_grpc.QueryServiceStub(channel)
        self.exports = export_pb2_grpc.ExportServiceStub(channel)
        self.watch = watch_pb2_grpc.WatchServiceStub(channel)
        self._log_key: Ed25519PublicKey | None = None
        self._origin: str | None = None

    @classmethod
    def connect(cls, target: str, tls: TlsFiles, *, max_message_bytes: int = 16 << 20,
                investigator: str = "") -> AsyncClient:
        """A client on an mTLS channel. `investigator` names the person behind every call (a tool
        several people of the agency use, such as the console): the gateway's query audit keeps it."""
        options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ]
        return cls(grpc.aio.secure_channel(target, tls.credentials(), options=options,
                                           interceptors=_naming(investigator)))

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        await self.channel.close()

    async def _call(self, rpc, request, timeout: float | None = 30):
        try:
            return await rpc(request, timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    # -- partner -----------------------------------------------------------------

    async def submit(self, envelope: envelope_pb2.Envelope | Sealed, *,
                     timeout: float | None = 30) -> exchange_pb2.Receipt:
        """Submit one envelope, or a Sealed one (sign_shared) with the disclosure of its recipients."""
        envelope, disclosure = _unsealed(envelope)
        request = exchange_pb2.SubmitRequest(envelope=envelope, disclosure=disclosure)
        response = await self._call(self.exchange.Submit, request, timeout)
        return response.receipt

    async def submit_stream(
        self, envelopes: Iterable[envelope_pb2.Envelope | Sealed], *, per_message: int = 128
    ) -> AsyncIterator[exchange_pb2.Receipt | errors.RegulinkError]:
        """Yield one outcome per envelope (plain or Sealed), in order: a Receipt or the error that refused it."""

        def message(batch: list) -> exchange_pb2.SubmitStreamRequest:
            pairs = [_unsealed(item) for item in batch]
            request = exchange_pb2.SubmitStreamRequest(envelopes=[e for e, _ in pairs])
            if any(d.recipients for _, d in pairs):
                request.disclosures.extend(d for _, d in pairs)
            return request

        async def requests():
            batch: list = []
            for envelope in envelopes:
                batch.append(envelope)
                if len(batch) >= per_message:
                    yield message(batch)
                    batch = []
            if batch:
                yield message(batch)

        call = self.exchange.SubmitStream(requests())
        try:
            async for response in call:
                for result in response.results:
                    if result.HasField("receipt"):
                        yield result.receipt
                    else:
                        yield error_from_rejection(result.rejection)
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    async def subscribe(self, from_index: int = 0, *,
                        stop_at_end: bool = False) -> AsyncIterator[exchange_pb2.LogEntry]:
        call = self.exchange.Subscribe(exchange_pb2.SubscribeRequest(from_index=from_index, stop_at_end=stop_at_end))
        try:
            async for response in call:
                yield response.entry
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    async def verify_entry(self, entry: exchange_pb2.LogEntry, agency_id: str) -> TreeHead:
        """Check, as `agency_id`, a Subscribe entry: the author's signature (under keys the registry
        lists, revoked ones included: revocation does not undo earlier signatures), that the record is
        the entry's, that `agency_id` is among its recipients (its own salt against the signed
        commitments), and the entry's inclusion under the current signed head. Raises ProofError."""
        if not entry.HasField("envelope") or not entry.nonce:
            raise verify.ProofError(f"entry {entry.log_index} comes without its signed envelope (a record naming its "
                                    "recipients in clear): it cannot be verified")
        agencies = await self.agencies()
        registered = {k.key_id: k.public_key for a in agencies for k in a.keys}
        authors = {k.key_id for a in agencies if a.agency_id == entry.agency_id for k in a.keys}

        def lookup(key_id: str, field: str) -> Ed25519PublicKey:
            if key_id not in registered:
                raise verify.ProofError(f"{field}: key {key_id[:16]}… is not registered")
            return keys.load_public_key(registered[key_id])

        try:
            verified = dsse.verify(entry.envelope, lookup)
        except errors.RegulinkError as exc:
            raise verify.ProofError(f"the author's signature does not verify: {exc}") from None
        if not authors & set(verified.key_ids):
            raise verify.ProofError(f"the envelope is not signed by a key of {entry.agency_id}")
        record = records_pb2.CaseRecord.FromString(verified.payload)
        if (record.agency_id, record.record_id, record.version) != (entry.agency_id, entry.record_id, entry.version):
            raise verify.ProofError("the signed record is not the one the entry names")
        restricted = record.tlp not in (records_pb2.TLP_CLEAR, records_pb2.TLP_GREEN)
        if restricted and agency_id != record.agency_id and record.recipient_commitments and not \
                recipients.is_recipient(record, agency_id, entry.recipient_salt):
            raise verify.ProofError(f"{agency_id} is not among the record's committed recipients")
        leaf = commitment_leaf_hash(entry.nonce, receipts.canonical_envelope(entry.envelope))
        head = await self.tree_head()
        return await self.check_inclusion(entry.log_index, head.tree_size, leaf)

    # -- registry --------------------------------------------------------------------

    async def whoami(self) -> registry_pb2.Agency:
        return (await self._call(self.registry.WhoAmI, registry_pb2.WhoAmIRequest())).agency

    async def agencies(self) -> list[registry_pb2.Agency]:
        return list((await self._call(self.registry.ListAgencies, registry_pb2.ListAgenciesRequest())).agencies)

    # -- investigator --------------------------------------------------------------------

    async def search(self, text: str, *, types: Iterable[str] = (), page_size: int = 0,
                     page_token: str = "") -> query_pb2.SearchResponse:
        request = query_pb2.SearchRequest(query=text, types=list(types), page_size=page_size, page_token=page_token)
        return await self._call(self.query.Search, request)

    async def entity(self, key: str) -> query_pb2.GetEntityResponse:
        return await self._call(self.query.GetEntity, query_pb2.GetEntityRequest(key=key))

    async def neighbourhood(self, key: str, **options) -> query_pb2.Subgraph:
        request = query_pb2.NeighbourhoodRequest(key=key, **options)
        return (await self._call(self.query.Neighbourhood, request)).subgraph

    async def paths(self, from_key: str, to_key: str, **options) -> query_pb2.PathsResponse:
        request = query_pb2.PathsRequest(from_key=from_key, to_key=to_key, **options)
        return await self._call(self.query.Paths, request)

    async def overlaps(self, **options) -> query_pb2.OverlapsResponse:
        return await self._call(self.query.Overlaps, query_pb2.OverlapsRequest(**options))

    async def operators_near(self, key: str, hops: int = 0) -> query_pb2.OperatorsNearResponse:
        return await self._call(self.query.OperatorsNear, query_pb2.OperatorsNearRequest(key=key, hops=hops))

    async def graph_status(self) -> query_pb2.GetGraphStatusResponse:
        return await self._call(self.query.GetGraphStatus, query_pb2.GetGraphStatusRequest())

    async def wait_projected(self, timeout: float = 60) -> query_pb2.GetGraphStatusResponse:
        """Wait until the graph holds every ledger entry there was when called."""
        target = (await self.graph_status()).log_size - 1
        deadline = asyncio.get_running_loop().time() + timeout
        while (status := await self.graph_status()).projected_through < target:
            if asyncio.get_running_loop().time() > deadline:
                raise errors.Unavailable(f"the graph is at entry {status.projected_through} of {target}")
            await asyncio.sleep(0.1)
        return status

    async def analyze(self, key: str, **options) -> query_pb2.AnalyzeResponse:
        return await self._call(self.query.Analyze, query_pb2.AnalyzeRequest(key=key, **options))

    # -- watches and alerts (docs/api.md#watches-and-alerts) ---------------------------------

    async def add_watch(self, rule: watch_pb2.KeyRule | watch_pb2.NameRule | watch_pb2.NeighbourhoodRule
                        | watch_pb2.CrossAgencyRule, *, label: str = "") -> watch_pb2.Watch:
        """Watch a key, a name, the neighbourhood of a key or the agency's own reports:

            await client.add_watch(watch_pb2.KeyRule(key="wallet:ETH:0x…"), label="case 12")
        """
        field = {watch_pb2.KeyRule: "key", watch_pb2.NameRule: "name", watch_pb2.NeighbourhoodRule: "neighbourhood",
                 watch_pb2.CrossAgencyRule: "cross_agency"}[type(rule)]
        request = watch_pb2.AddWatchRequest(label=label, **{field: rule})
        return (await self._call(self.watch.AddWatch, request)).watch

    async def watches(self) -> list[watch_pb2.Watch]:
        return list((await self._call(self.watch.ListWatches, watch_pb2.ListWatchesRequest())).watches)

    async def remove_watch(self, watch_id: str) -> None:
        await self._call(self.watch.RemoveWatch, watch_pb2.RemoveWatchRequest(watch_id=watch_id))

    async def alerts(self, after: int = 0, *, follow: bool = False) -> AsyncIterator[watch_pb2.AlertsResponse]:
        """The agency's alert events after a position, in order, at least once (keep the last position
        handled and pass it as `after` to resume); `follow` keeps waiting for new ones."""
        call = self.watch.Alerts(watch_pb2.AlertsRequest(after=after, follow=follow))
        try:
            async for response in call:
                yield response
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    async def alert_summary(self, newest: int = 0) -> watch_pb2.AlertSummaryResponse:
        """Where the agency's alert stream ends, its alert and untriaged counts, and its `newest` newest
        alerts (newest first): open with this, then follow `alerts(summary.position, follow=True)`."""
        return await self._call(self.watch.AlertSummary, watch_pb2.AlertSummaryRequest(newest=newest))

    async def ack_alert(self, alert_id: int, triage: int, note: str = "") -> watch_pb2.Alert:
        """Triage an alert: watch_pb2.TRIAGE_CONFIRMED or TRIAGE_DISMISSED, with a note."""
        request = watch_pb2.AckAlertRequest(alert_id=alert_id, triage=triage, note=note)
        return (await self._call(self.watch.AckAlert, request)).alert

    # -- analyst ------------------------------------------------------------------------

    async def export(self, request: export_pb2.ExportRequest) -> AsyncIterator[export_pb2.ExportHeader | bytes]:
        """The export's header first, then the file's bytes chunk by chunk.

            stream = client.export(ExportRequest(format="graphml", neighbourhood=NeighbourhoodRequest(key=k)))
            header = await anext(stream)
            async for chunk in stream: sink.write(chunk)
        """
        call = self.exports.Export(request)
        try:
            async for response in call:
                yield response.header if response.HasField("header") else response.chunk
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    async def export_to(self, request: export_pb2.ExportRequest, path: Path | None = None,
                        folder: Path = Path("."), progress=lambda done: None) -> tuple[export_pb2.ExportHeader, Path]:
        """Write an export to `path` (default: the gateway's suggested name in `folder`); a failed
        export leaves no partial file behind."""
        stream = self.export(request)
        header = await anext(stream)
        target = path or folder / header.filename
        partial = target.with_name(target.name + ".part")
        done = 0
        try:
            with partial.open("wb") as sink:
                async for chunk in stream:
                    sink.write(chunk)
                    done += len(chunk)
                    progress(done)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return header, target

    # -- transparency ------------------------------------------------------------------

    async def log_key(self) -> tuple[Ed25519PublicKey, str]:
        """The log's public key and origin (trust on first use; pin it in production)."""
        if self._log_key is None:
            info = await self._call(self.transparency.GetLogInfo, transparency_pb2.GetLogInfoRequest())
            self._log_key = keys.load_public_key(info.public_key)
            self._origin = info.origin
            if keys.key_id(info.public_key) != info.key_id:
                raise verify.ProofError("the log key id does not match its public key")
        return self._log_key, self._origin or ""

    async def tree_head(self, tree_size: int = 0) -> transparency_pb2.SignedTreeHead:
        request = transparency_pb2.GetTreeHeadRequest(tree_size=tree_size)
        return (await self._call(self.transparency.GetTreeHead, request)).tree_head

    async def verify_receipt(self, receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> TreeHead:
        key, origin = await self.log_key()
        return receipts.verify_receipt(receipt, envelope, key, origin)

    async def check_inclusion(self, log_index: int, tree_size: int, leaf_hash: bytes) -> TreeHead:
        """Ask for an inclusion proof and check it against the signed head."""
        request = transparency_pb2.GetInclusionProofRequest(log_index=log_index, tree_size=tree_size)
        response = await self._call(self.transparency.GetInclusionProof, request)
        key, origin = await self.log_key()
        head = receipts.verify_tree_head(response.tree_head, key, origin)
        if response.proof.leaf_hash != leaf_hash:
            raise verify.ProofError("the log holds a different leaf at this index")
        verify.verify_inclusion(leaf_hash, log_index, head.tree_size, list(response.proof.hashes), head.root_hash)
        return head

    async def audit(
        self, older: transparency_pb2.SignedTreeHead, newer: transparency_pb2.SignedTreeHead
    ) -> tuple[TreeHead, TreeHead]:
        """Check both heads' signatures and that the log only grew between them (a newer head
        smaller than the older one is a rollback: ProofError, never a swap)."""
        key, origin = await self.log_key()
        first = receipts.verify_tree_head(older, key, origin)
        second = receipts.verify_tree_head(newer, key, origin)
        if first.tree_size > second.tree_size:
            raise verify.ProofError(f"the log shrank: the newer head has size {second.tree_size}, the older "
                                    f"{first.tree_size}")
        if first.tree_size == 0:
            return first, second
        request = transparency_pb2.GetConsistencyProofRequest(
            first_size=first.tree_size, second_size=second.tree_size
        )
        response = await self._call(self.transparency.GetConsistencyProof, request)
        verify.verify_consistency(
            first.tree_size, second.tree_size, first.root_hash, second.root_hash, list(response.proof.hashes)
        )
        return first, second


class Client:
    """Synchronous face of AsyncClient for scripts and notebooks."""

    def __init__(self, target: str, tls: TlsFiles) -> None:
        self._loop = asyncio.new_event_loop()
        self._async = self._loop.run_until_complete(self._connect(target, tls))

    @staticmethod
    async def _connect(target: str, tls: TlsFiles) -> AsyncClient:
        return AsyncClient.connect(target, tls)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._loop.run_until_complete(self._async.close())
        self._loop.close()

    def submit(self, envelope: envelope_pb2.Envelope) -> exchange_pb2.Receipt:
        return self._loop.run_until_complete(self._async.submit(envelope))

    def verify_receipt(self, receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> TreeHead:
        return self._loop.run_until_complete(self._async.verify_receipt(receipt, envelope))

    def tree_head(self, tree_size: int = 0) -> transparency_pb2.SignedTreeHead:
        return self._loop.run_until_complete(self._async.tree_head(tree_size))
