"""`regulink ingest FORMAT FILE`: outside intelligence in as signed records, through the partner path.

The connectors (connectors/) turn a file into CaseRecords and bad rows; this
module signs each record with the agency's key, streams it to the gateway
with the SDK (`AsyncClient.submit_stream`, the path every partner uses),
checks every receipt, and keeps the score. Re-running a file gives the same
record ids and the same bytes: what the log already holds comes back
ALREADY_EXISTS and is counted as "already in the log" — and, by comparing
the log's commitment with the envelope, as "differs" when the source has
changed since (push those with a higher --version).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.protobuf import json_format
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

import connectors
from connectors.base import BadRow, Options, parse_date, parse_tlp
from gateway import config, errors, keys, receipts
from gateway.cli_common import DEFAULT_TARGET, As, Target, TlsDir, console, fail
from gateway.client import AsyncClient, TlsFiles, sign_record
from gateway.ledger.checkpoint import CheckpointError
from gateway.ledger.hashing import commitment_leaf_hash
from gateway.ledger.verify import ProofError
from graph import resolve
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2

# Envelopes per stream message: records are at most 256 KiB (connectors/base.py), so a message
# stays under the default 16 MiB limit.
PER_MESSAGE = 32


class Format(str, Enum):
    stix = "stix"
    ofac = "ofac"
    ftm = "ftm"
    warnings = "warnings"
    localgov = "localgov"


@dataclass
class Summary:
    """What an ingest run did; `already` counts ALREADY_EXISTS answers, `differs` those of them whose
    content in the log is not what the source gives now."""

    records: int = 0
    pushed: int = 0
    already: int = 0
    differs: int = 0
    rejected: int = 0
    bad_rows: int = 0
    stopped_at: BadRow | None = None
    stats: Counter = field(default_factory=Counter)

    def line(self) -> str:
        skipped = ", ".join(f"{k.removeprefix('skipped ')} {v}" for k, v in sorted(self.stats.items())
                            if k.startswith("skipped"))
        text = (f"read {self.stats.get('read', 0)}, records {self.records}, pushed {self.pushed}, "
                f"already in the log {self.already}"
                + (f" ({self.differs} differ from the source now: push them with a higher --version)"
                   if self.differs else "")
                + f", rejected by the gateway {self.rejected}, bad rows {self.bad_rows}")
        return text + (f"; skipped: {skipped}" if skipped else "")


def same_envelope(receipt: exchange_pb2.Receipt, envelope: envelope_pb2.Envelope) -> bool:
    """True when the log's entry behind an ALREADY_EXISTS receipt commits to exactly this envelope."""
    if not receipt.nonce or not receipt.leaf_hash:
        return True  # a duplicate within this very run
    return commitment_leaf_hash(receipt.nonce, receipts.canonical_envelope(envelope)) == receipt.leaf_hash


async def push_items(
    client: AsyncClient,
    items: Iterable,
    signers: list[Ed25519PrivateKey],
    *,
    strict: bool = False,
    log_key: tuple[Ed25519PublicKey, str] | None = None,
    on_bad: Callable[[BadRow], None] = lambda bad: None,
    on_rejected: Callable[[str, records_pb2.CaseRecord, errors.RegulinkError], None] = lambda *a: None,
    on_receipt: Callable[[exchange_pb2.Receipt, envelope_pb2.Envelope], None] = lambda *a: None,
) -> Summary:
    """Sign and stream a connector's records; verify receipts; count outcomes (the SDK's partner path)."""
    summary = Summary()
    key, origin = log_key or await client.log_key()
    pending: deque[tuple[str, records_pb2.CaseRecord, envelope_pb2.Envelope]] = deque()

    def envelopes():
        for location, record in _sound(items, summary, strict, on_bad):
            envelope = sign_record(record, signers)
            pending.append((location, record, envelope))
            summary.records += 1
            yield envelope

    async for outcome in client.submit_stream(envelopes(), per_message=PER_MESSAGE):
        location, record, envelope = pending.popleft()
        if isinstance(outcome, exchange_pb2.Receipt):
            receipts.verify_receipt(outcome, envelope, key, origin)
            summary.pushed += 1
            on_receipt(outcome, envelope)
        elif isinstance(outcome, errors.AlreadyExists):
            summary.already += 1
            if outcome.receipt is not None and not same_envelope(outcome.receipt, envelope):
                summary.differs += 1
        else:
            summary.rejected += 1
            on_rejected(location, record, outcome)
    return summary


def dry_run(items: Iterable, *, strict: bool = False, on_bad: Callable[[BadRow], None] = lambda bad: None) -> Summary:
    """Parse and check everything, push nothing."""
    summary = Summary()
    for _ in _sound(items, summary, strict, on_bad):
        summary.records += 1
    return summary


def _sound(items: Iterable, summary: Summary, strict: bool, on_bad: Callable[[BadRow], None]):
    """(location, record) pairs; bad rows are counted and reported, and end the run when strict."""
    for item in items:
        if isinstance(item, BadRow):
            summary.bad_rows += 1
            on_bad(item)
            if strict:
                summary.stopped_at = item
                return
            continue
        yield item


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.glob("*.csv"))
    return path.stat().st_size


def ingest(
    fmt: Annotated[Format, typer.Argument(metavar="FORMAT", help="stix (STIX 2.1 bundle .json, or objects as "
                                          ".jsonl), ofac (SDN legacy CSV folder), ftm (FollowTheMoney / "
                                          "OpenSanctions .json lines), warnings (a regulator's warned-operators "
                                          "list, .csv or .xlsx), localgov (the local-government CSV template).")],
    file: Annotated[Path, typer.Argument(help="The source file (for ofac: the folder with sdn.csv, add.csv, "
                                         "alt.csv, sdn_comments.csv).", exists=True)],
    as_agency: As,
    key: Annotated[Optional[Path], typer.Option(envvar="REGULINK_KEY", help="Your Ed25519 private key (PEM); "
                                                "not needed with --dry-run.")] = None,
    target: Target = DEFAULT_TARGET,
    tls_dir: TlsDir = None,
    tlp: Annotated[str, typer.Option(envvar="REGULINK_TLP", help="Marking of items the source leaves unmarked: "
                                     "CLEAR, GREEN, AMBER, AMBER+STRICT or RED [default: GREEN]. STIX markings "
                                     "on an object win.")] = "GREEN",
    share_with: Annotated[Optional[list[str]], typer.Option(help="Agencies that may see AMBER/RED records "
                                                            "besides you (repeat the option).")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first bad row with exit code 2 (records before it "
                                         "are pushed; a re-run resumes). By default bad rows are reported and "
                                         "skipped.")] = False,
    dry_run_: Annotated[bool, typer.Option("--dry-run", help="Read and check everything, push nothing.")] = False,
    skip_bad_identifiers: Annotated[bool, typer.Option(help="Push a record without its bad identifiers (each "
                                                       "still reported) instead of holding the whole record "
                                                       "back.")] = False,
    issued_at: Annotated[Optional[str], typer.Option(help="Issue date for undated items, YYYY-MM-DD "
                                                     "[default: the file's modification day]. Keep it fixed "
                                                     "across re-runs: it is part of the signed bytes.")] = None,
    version: Annotated[int, typer.Option(help="Record version; raise it to replace records already pushed "
                                         "[default: 1].")] = 1,
    record_prefix: Annotated[str, typer.Option(help="Record id prefix [default: the format's: stix, ofac-sdn, "
                                               "ftm, warn, lg].")] = "",
    case_reference: Annotated[str, typer.Option(help="Your case number, for records the source gives "
                                                "none.")] = "",
    authority: Annotated[str, typer.Option(help="warnings: the body that issued the warnings, as CC-NAME "
                                           "(JP-FSA, GB-FCA …).")] = "",
    authority_name: Annotated[str, typer.Option(help="warnings: its display name.")] = "",
    encoding: Annotated[str, typer.Option(help="CSV text encoding [default: utf-8, BOM or not]; cp932 for "
                                          "Shift-JIS files.")] = "utf-8",
    sheet: Annotated[Optional[str], typer.Option(help="XLSX: the sheet to read [default: the first].")] = None,
    receipts_out: Annotated[Optional[Path], typer.Option("--receipts", help="Write one verified receipt per "
                                                         "pushed record to this .jsonl file.")] = None,
) -> None:
    """Turn an outside file into signed case records and push them like any partner would.

    Every identifier is checked (checksums included) before anything is sent: a bad one makes a bad row
    with its file:line, and its record is not pushed. Record ids come from the source's own ids, so
    re-running a file pushes only what is new (the rest is "already in the log").

    Example: regulink ingest ofac ./sdn-2026-04 --as fsa-jp --key keys/fsa-jp.pem
    """
    try:
        marking = parse_tlp(tlp)
        issued = parse_date(issued_at) if issued_at else None
    except ValueError as exc:
        fail(str(exc))
    if fmt is Format.warnings:
        if not authority:
            fail("a warnings list needs --authority, the body that issued the warnings, e.g. --authority JP-FSA")
        try:
            authority = resolve.normalize("authority", authority)
        except resolve.InvalidIdentifier as exc:
            fail(f"--authority: {exc}")
    if version < 1:
        fail("--version starts at 1")
    options = Options(agency_id=as_agency, tlp=marking, share_with=tuple(share_with or ()), issued_at=issued,
                      version=version, record_prefix=record_prefix, case_reference=case_reference,
                      skip_bad_identifiers=skip_bad_identifiers, encoding=encoding, sheet=sheet,
                      authority=authority, authority_name=authority_name)
    shown = 0

    def on_bad(bad: BadRow) -> None:
        nonlocal shown
        shown += 1
        if shown <= 200:
            console.print(f"[yellow]bad row[/yellow] {escape(str(bad))}")
        elif shown == 201:
            console.print("[yellow]… more bad rows; the summary counts them all[/yellow]")

    def on_rejected(location: str, record: records_pb2.CaseRecord, error: errors.RegulinkError) -> None:
        console.print(f"[red]rejected[/red] {escape(location)} {escape(record.record_id)}: {error.code} "
                      f"{escape(str(error))}")

    with Progress(TextColumn("ingesting"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("ingest", total=_size(file))
        options.progress = lambda n: progress.advance(task, n)
        items = connectors.read(fmt.value, file, options)
        if dry_run_:
            summary = dry_run(items, strict=strict, on_bad=on_bad)
        else:
            summary = _push(items, options, key, as_agency, target, tls_dir, strict, receipts_out, on_bad,
                            on_rejected)
    summary.stats = options.stats
    verb = "checked (dry run)" if dry_run_ else "done"
    console.print(f"{verb}: {summary.line()}")
    if summary.stopped_at is not None:
        console.print(f"[red]stopped at the first bad row[/red] ({escape(str(summary.stopped_at))}); fix it and "
                      "run again: what was pushed is recognised")
        raise typer.Exit(2)
    if summary.rejected:
        raise typer.Exit(2)


def _push(items, options: Options, key: Path | None, as_agency: str, target: str, tls_dir: Path | None,
          strict: bool, receipts_out: Path | None, on_bad, on_rejected) -> Summary:
    if key is None:
        fail("--key is required to sign (or use --dry-run)")
    tls = TlsFiles.for_agency(tls_dir or config.Settings().tls, as_agency)
    for path in (tls.ca, tls.cert, tls.key):
        if not path.exists():
            fail(f"missing {path}; the operator makes client certificates with `regulink dev-ca {as_agency}`")
    try:
        signer = keys.load_private_key(key)
    except (OSError, ValueError) as exc:
        fail(f"cannot read the key {key}: {exc}")
    sink = receipts_out.open("w") if receipts_out else None

    def on_receipt(receipt, envelope) -> None:
        if sink is not None:
            sink.write(json.dumps({"receipt": json_format.MessageToDict(receipt),
                                   "envelope": json_format.MessageToDict(envelope)}) + "\n")

    async def run() -> Summary:
        async with AsyncClient.connect(target, tls) as client:
            return await push_items(client, items, [signer], strict=strict, on_bad=on_bad,
                                    on_rejected=on_rejected, on_receipt=on_receipt)

    try:
        return asyncio.run(run())
    except errors.RegulinkError as exc:
        fail(f"{exc.code}: {exc}")
    except (ProofError, CheckpointError) as exc:
        fail(f"a receipt does not verify: {exc} — do not trust this gateway's answer; tell its operator")
    finally:
        if sink is not None:
            sink.close()
    raise AssertionError("unreachable")


__all__ = ["Format", "Summary", "dry_run", "ingest", "push_items", "same_envelope"]
