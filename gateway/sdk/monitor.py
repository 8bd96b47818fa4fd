"""A partner's watch on the log (`regulink audit`): it only grows, and it holds what it shows.

The monitor keeps the last signed tree head it checked (the state file) and, each run, asks the
gateway for its newest one:

* larger: an RFC 9162 consistency proof from the saved head must verify; the newer head is saved;
* the same size and root: nothing changed;
* smaller (a rollback), the same size with another root, a consistency proof that fails, or a
  saved head the gateway no longer knows (a fork): `LogInconsistent`. Both signed heads are kept
  as evidence in a folder beside the state file, with the log key and a README saying what they
  prove and how anyone checks them with openssl; the state file is never moved backwards.

With `--entries` (`check_entries`) it also re-checks every entry it may see from Subscribe, up to
the head just checked: its author's DSSE signature under the registry's keys, the record shown
being the one signed, and the leaf committing to that envelope and nonce included under the head
(an inclusion proof per entry). A byte changed in a stored envelope fails here even though the
gateway's own heads and proofs stay self-consistent.

No server code: this is the SDK's client, the offline checks (gateway.sdk.receipts, gateway.ledger.verify)
and files.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf import json_format

from gateway import dsse, errors, keys
from gateway.ledger import verify
from gateway.ledger.checkpoint import CheckpointError, TreeHead
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.sdk.client import AsyncClient
from gateway.sdk.receipts import canonical_envelope, verify_tree_head
from regulink.v1 import exchange_pb2, records_pb2, registry_pb2, transparency_pb2

#: `regulink audit`'s exit status when the log is not what it was (1 means the check could not run).
EXIT_INCONSISTENT = 3
#: Inclusion proofs asked at once by check_entries.
IN_FLIGHT = 32


class LogInconsistent(Exception):
    """The gateway served something a log that only grows cannot: evidence saved in `evidence`."""

    def __init__(self, kind: str, message: str, evidence: Path) -> None:
        super().__init__(message)
        self.kind = kind
        self.evidence = evidence


@dataclass
class HeadCheck:
    change: str  # "first" (nothing saved yet), "same", "grew"
    saved: TreeHead | None
    served: TreeHead
    served_message: transparency_pb2.SignedTreeHead


@dataclass
class EntriesCheck:
    checked: int = 0
    redacted: int = 0  # shown without envelope and nonce (an AMBER/RED record shared with the caller)
    first: int = 0
    through: int = -1  # the last log index looked at
    problems: list[str] = field(default_factory=list)


def entries_state(state: Path) -> Path:
    """Where check_entries remembers how far it got, beside the head's state file."""
    return state.with_name(state.name + ".entries.json")


def evidence_root(state: Path) -> Path:
    return state.with_name(state.name + ".evidence")


def save_state(state: Path, head: transparency_pb2.SignedTreeHead) -> None:
    """Write the state file whole or not at all (a crash mid-write must not lose the saved head)."""
    state.parent.mkdir(parents=True, exist_ok=True)
    partial = state.with_name(state.name + ".part")
    partial.write_text(json_format.MessageToJson(head))
    os.replace(partial, state)


# -- heads -------------------------------------------------------------------------------------


async def check_heads(client: AsyncClient, state: Path, *, target: str = "", agency: str = "") -> HeadCheck:
    """Compare the gateway's newest signed head with the saved one; save it only when the log grew
    consistently (or on the first run). Raises LogInconsistent (evidence saved) otherwise."""
    log_key, origin = await client.log_key()
    evidence = _Evidence(evidence_root(state), log_key, origin, target, agency)
    try:
        served_message = await client.tree_head()
    except errors.NotFound:  # "the log is empty"
        if not state.exists():
            raise
        saved_message = json_format.Parse(state.read_text(), transparency_pb2.SignedTreeHead())
        raise evidence.save("rollback", f"THE LOG SHRANK: the gateway says its log is empty, but it signed size "
                                        f"{saved_message.tree_size} before", saved=saved_message) from None
    try:
        served = verify_tree_head(served_message, log_key, origin)
    except CheckpointError as exc:
        raise evidence.save("bad-signature", f"the gateway's newest tree head does not verify: {exc}",
                            served=served_message) from None
    if not state.exists():
        save_state(state, served_message)
        return HeadCheck("first", None, served, served_message)
    saved_message = json_format.Parse(state.read_text(), transparency_pb2.SignedTreeHead())
    try:
        saved = verify_tree_head(saved_message, log_key, origin)
    except CheckpointError as exc:
        raise evidence.save("key-changed", f"the saved head does not verify under the key the gateway serves now "
                                           f"({exc}): the log key or origin changed", saved=saved_message,
                            served=served_message) from None

    if served.tree_size < saved.tree_size:
        raise evidence.save(
            "rollback", f"THE LOG SHRANK: the gateway serves a signed head of size {served.tree_size}, but it signed "
                        f"size {saved.tree_size} before; entries it acknowledged are gone (a restore from an older "
                        "backup, or a rewrite)", saved=saved_message, served=served_message)
    if served.tree_size == saved.tree_size:
        if served.root_hash != saved.root_hash:
            raise evidence.save(
                "fork", f"THE LOG FORKED: two signed heads of size {saved.tree_size} with different roots",
                saved=saved_message, served=served_message)
        return HeadCheck("same", saved, served, served_message)

    if saved.tree_size == 0:  # every log extends the empty one (RFC 9162 defines no proof from it)
        save_state(state, served_message)
        return HeadCheck("grew", saved, served, served_message)
    request = transparency_pb2.GetConsistencyProofRequest(first_size=saved.tree_size, second_size=served.tree_size)
    try:
        response = await client._call(client.transparency.GetConsistencyProof, request)
    except errors.NotFound as exc:
        raise evidence.save(
            "fork", f"THE LOG FORKED: the gateway no longer has the head of size {saved.tree_size} it signed ({exc})",
            saved=saved_message, served=served_message) from None
    own_first = response.first_tree_head
    if own_first.note and own_first.root_hash != saved.root_hash:
        raise evidence.save(
            "fork", f"THE LOG FORKED: the gateway now signs another root for size {saved.tree_size}",
            saved=saved_message, served=served_message, same_size=own_first, consistency=response.proof)
    try:
        verify.verify_consistency(saved.tree_size, served.tree_size, saved.root_hash, served.root_hash,
                                  list(response.proof.hashes))
    except verify.ProofError as exc:
        raise evidence.save(
            "fork", f"THE LOG FORKED: size {saved.tree_size} → {served.tree_size} is not an extension ({exc})",
            saved=saved_message, served=served_message, consistency=response.proof) from None
    save_state(state, served_message)
    return HeadCheck("grew", saved, served, served_message)


class _Evidence:
    """A folder a person can hand on: both signed heads (JSON, and the raw note and signature),
    the log key, what the monitor asked and saw, and how to check it without regulink."""

    def __init__(self, root: Path, log_key: Ed25519PublicKey, origin: str, target: str, agency: str) -> None:
        self.root, self.log_key, self.origin, self.target, self.agency = root, log_key, origin, target, agency

    def save(self, kind: str, message: str, *, saved: transparency_pb2.SignedTreeHead | None = None,
             served: transparency_pb2.SignedTreeHead | None = None,
             same_size: transparency_pb2.SignedTreeHead | None = None,
             consistency: transparency_pb2.ConsistencyProof | None = None,
             files: dict[str, str] | None = None) -> LogInconsistent:
        now = dt.datetime.now(dt.timezone.utc)
        folder = self.root / f"{now:%Y%m%dT%H%M%S.%fZ}-{kind}"
        folder.mkdir(parents=True)
        (folder / "log-key.pub.pem").write_bytes(
            self.log_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        heads = {"saved-head": saved, "served-head": served, f"gateway-head-of-size-{saved.tree_size if saved else 0}":
                 same_size}
        listed = []
        for name, head in heads.items():
            if head is None or not head.note:
                continue
            (folder / f"{name}.json").write_text(json_format.MessageToJson(head))
            (folder / f"{name}.note").write_bytes(head.note)
            (folder / f"{name}.sig").write_bytes(head.signature)
            signed_at = dt.datetime.fromtimestamp(head.timestamp_ms / 1000, dt.timezone.utc)
            listed.append(f"  {name}: size {head.tree_size}, root {head.root_hash.hex()}, signed at "
                          f"{signed_at:%Y-%m-%d %H:%M:%S} UTC ({name}.json; the signed bytes {name}.note, "
                          f"the signature {name}.sig)")
        if consistency is not None:
            (folder / "consistency-proof.json").write_text(json_format.MessageToJson(consistency))
        for name, text in (files or {}).items():
            (folder / name).write_text(text)
        checks = "\n".join(
            f"  openssl pkeyutl -verify -pubin -inkey log-key.pub.pem -rawin -in {name}.note -sigfile {name}.sig"
            for name, head in heads.items() if head is not None and head.note
        )
        (folder / "README.txt").write_text(
            f"regulink audit found the transparency log at {self.target or 'the gateway'} inconsistent.\n\n"
            f"What: {message}\n"
            f"When: {now:%Y-%m-%d %H:%M:%S} UTC\n"
            f"Monitor: agency {self.agency or '?'}\n"
            f"Log: origin {self.origin!r}, log key id {keys.key_id(self.log_key)} (log-key.pub.pem, as the gateway "
            "serves it in TransparencyService/GetLogInfo; compare it with the key you pinned)\n\n"
            "Signed tree heads kept here:\n" + "\n".join(listed) + "\n\n"
            "Each head is a C2SP checkpoint note (origin, tree size, base64 root hash, timestamp) signed with\n"
            "the log's Ed25519 key. A log that only grows never signs a smaller tree after a larger one, nor\n"
            "two different roots for one size. Check the signatures without regulink (OpenSSL 3):\n\n"
            f"{checks}\n\n"
            "Each prints 'Signature Verified Successfully'. Keep this folder unchanged; tell the gateway's\n"
            "operator and the other agencies, and compare heads with theirs.\n"
        )
        return LogInconsistent(kind, message, folder)


# -- entries -----------------------------------------------------------------------------------


def _key_valid(key: registry_pb2.AgencyKey, at_ms: int) -> bool:
    def ms(stamp) -> int:
        return stamp.seconds * 1000 + stamp.nanos // 1_000_000

    if key.HasField("revoked_at") and at_ms >= ms(key.revoked_at):
        return False
    if key.HasField("not_before") and at_ms < ms(key.not_before):
        return False
    return not (key.HasField("not_after") and at_ms >= ms(key.not_after))


async def check_entries(client: AsyncClient, head: HeadCheck, state: Path, *, target: str = "", agency: str = "",
                        progress: Callable[[int], None] = lambda n: None) -> EntriesCheck:
    """Re-check every entry the caller may see, from where the last run stopped up to the head just
    verified; raise LogInconsistent at the first that fails (evidence saved), else remember how
    far it got."""
    progress_file = entries_state(state)
    start = json.loads(progress_file.read_text())["next_index"] if progress_file.exists() else 0
    size, root = head.served.tree_size, head.served.root_hash
    report = EntriesCheck(first=start, through=start - 1)
    if start >= size:
        return report
    log_key, origin = await client.log_key()
    evidence = _Evidence(evidence_root(state), log_key, origin, target, agency)
    agency_keys = {k.key_id: (a.agency_id, k) for a in await client.agencies() for k in a.keys}
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def check(entry: exchange_pb2.LogEntry) -> None:
        problem = _entry_problem(entry, agency_keys)
        proof = None
        if problem is None:
            leaf = commitment_leaf_hash(entry.nonce, canonical_envelope(entry.envelope))
            request = transparency_pb2.GetInclusionProofRequest(log_index=entry.log_index, tree_size=size)
            async with in_flight:
                proof = await client._call(client.transparency.GetInclusionProof, request)
            if proof.tree_head.root_hash != root:
                problem = f"the gateway answers its proof against another root for size {size}"
            elif proof.proof.leaf_hash != leaf:
                problem = "the log's leaf does not commit to the envelope and nonce the gateway serves for it"
            else:
                try:
                    verify.verify_inclusion(leaf, entry.log_index, size, list(proof.proof.hashes), root)
                except verify.ProofError as exc:
                    problem = f"its inclusion proof does not verify ({exc})"
        if problem is not None:
            files = {f"entry-{entry.log_index}.json": json_format.MessageToJson(entry)}
            if proof is not None:
                files[f"inclusion-proof-{entry.log_index}.json"] = json_format.MessageToJson(proof)
            raise evidence.save("entry", f"entry {entry.log_index}: {problem}", served=head.served_message,
                                files=files)

    pending: set[asyncio.Task] = set()
    stream = client.subscribe(start, stop_at_end=True)
    try:
        async for entry in stream:
            if getattr(entry, "withdrawn", False):
                continue  # a notice that a record left the caller's sight, not an entry of its own
            if entry.log_index >= size:
                break
            report.through = entry.log_index
            if not entry.envelope.payload or len(entry.nonce) != 32:
                report.redacted += 1
                progress(1)
                continue
            task = asyncio.ensure_future(check(entry))
            task.add_done_callback(lambda _: progress(1))
            pending.add(task)
            if len(pending) >= 4 * IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    finished.result()
            report.checked += 1
        if pending:
            for finished in (await asyncio.wait(pending))[0]:
                finished.result()
    finally:
        for task in pending:
            task.cancel()
        await stream.aclose()
    progress_file.write_text(json.dumps({"next_index": size, "tree_size": size, "root": root.hex()}))
    return report


def _entry_problem(entry: exchange_pb2.LogEntry, agency_keys: dict) -> str | None:
    """What is wrong with an entry on its face: the author's signature, the record shown."""
    accepted_ms = entry.accepted_at.seconds * 1000 + entry.accepted_at.nanos // 1_000_000

    def lookup(key_id: str, field_path: str):
        found = agency_keys.get(key_id)
        if found is None:
            raise errors.UnknownKey(f"key {key_id[:16]}… is not in the registry", field=field_path)
        if not _key_valid(found[1], accepted_ms):
            raise errors.KeyNotValidNow(f"key {key_id[:16]}… was not valid when the entry was accepted",
                                        field=field_path)
        return keys.load_public_key(found[1].public_key)

    try:
        verified = dsse.verify(entry.envelope, lookup)
    except errors.RegulinkError as exc:
        return f"its envelope's signatures do not verify ({exc})"
    if not any(agency_keys[k][0] == entry.agency_id for k in verified.key_ids):
        return f"its envelope is not signed by a key of {entry.agency_id}, its author"
    signed = records_pb2.CaseRecord.FromString(verified.payload)
    if signed.SerializeToString(deterministic=True) != entry.record.SerializeToString(deterministic=True):
        return "the record shown beside it is not the record its envelope signs"
    if (signed.agency_id, signed.record_id, signed.version) != (entry.agency_id, entry.record_id, entry.version):
        return "its author, record id or version differ from the signed record"
    return None
