"""Python SDK for partners: sign, submit, stream, subscribe, check receipts and proofs.

`AsyncClient` does the work; `Client` runs it for synchronous code. Errors
come back as the same typed RegulinkError classes the gateway raised
(gateway.errors), with `.field`, `.reason` and, for AlreadyExists, `.receipt`.

    async with AsyncClient.connect("localhost:7443", tls_dir, "fsa-sg") as client:
        receipt = await client.submit(sign_record(record, [key]))
        await client.verify_receipt(receipt, envelope)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from gateway import dsse, errors, keys, receipts
from gateway.devca import client_paths
from gateway.ledger import verify
from gateway.ledger.checkpoint import TreeHead
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
)

_BY_REASON = {
    cls.reason: cls
    for cls in (
        errors.BadSignature, errors.UnknownKey, errors.RevokedKey, errors.KeyNotValidNow, errors.UnknownAgency,
        errors.StaleVersion, errors.RecordInvalid, errors.TooLarge, errors.RateLimited, errors.TooManyStreams,
    )
}
_BY_CODE = {
    cls.code: cls
    for cls in (
        errors.InvalidArgument, errors.Unauthenticated, errors.PermissionDenied, errors.NotFound,
        errors.AlreadyExists, errors.FailedPrecondition, errors.TooLarge, errors.Unavailable,
    )
}


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


class AsyncClient:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel
        self.exchange = exchange_pb2_grpc.ExchangeServiceStub(channel)
        self.registry = registry_pb2_grpc.RegistryServiceStub(channel)
        self.transparency = transparency_pb2_grpc.TransparencyServiceStub(channel)
        self.query = query_pb2_grpc.QueryServiceStub(channel)
        self.exports = export_pb2_grpc.ExportServiceStub(channel)
        self._log_key: Ed25519PublicKey | None = None
        self._origin: str | None = None

    @classmethod
    def connect(cls, target: str, tls: TlsFiles, *, max_message_bytes: int = 16 << 20) -> AsyncClient:
        options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ]
        return cls(grpc.aio.secure_channel(target, tls.credentials(), options=options))

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

    async def submit(self, envelope: envelope_pb2.Envelope, *, timeout: float | None = 30) -> exchange_pb2.Receipt:
        response = await self._call(self.exchange.Submit, exchange_pb2.SubmitRequest(envelope=envelope), timeout)
        return response.receipt

    async def submit_stream(
        self, envelopes: Iterable[envelope_pb2.Envelope], *, per_message: int = 128
    ) -> AsyncIterator[exchange_pb2.Receipt | errors.RegulinkError]:
        """Yield one outcome per envelope, in order: a Receipt or the error that refused it."""

        async def requests():
            batch: list[envelope_pb2.Envelope] = []
            for envelope in envelopes:
                batch.append(envelope)
                if len(batch) >= per_message:
                    yield exchange_pb2.SubmitStreamRequest(envelopes=batch)
                    batch = []
            if batch:
                yield exchange_pb2.SubmitStreamRequest(envelopes=batch)

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

    async def subscribe(self, from_index: int = 0, *, stop_at_end: bool = False) -> AsyncIterator[exchange_pb2.LogEntry]:
        call = self.exchange.Subscribe(exchange_pb2.SubscribeRequest(from_index=from_index, stop_at_end=stop_at_end))
        try:
            async for response in call:
                yield response.entry
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

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
        """Check both heads' signatures and that the log only grew between them."""
        key, origin = await self.log_key()
        first = receipts.verify_tree_head(older, key, origin)
        second = receipts.verify_tree_head(newer, key, origin)
        if first.tree_size > second.tree_size:
            first, second = second, first
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

    def submit_all(self, envelopes: Iterable[envelope_pb2.Envelope]) -> list[exchange_pb2.Receipt | errors.RegulinkError]:
        async def collect():
            return [outcome async for outcome in self._async.submit_stream(envelopes)]

        return self._loop.run_until_complete(collect())

    def verify_receipt(self, receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> TreeHead:
        return self._loop.run_until_complete(self._async.verify_receipt(receipt, envelope))

    def tree_head(self, tree_size: int = 0) -> transparency_pb2.SignedTreeHead:
        return self._loop.run_until_complete(self._async.tree_head(tree_size))
