"""`regulink ingest FORMAT FILE`: outside intelligence in as signed records, through the partner path.

The connectors (connectors/) turn a file into CaseRecords and bad rows; this
module signs each record with the agency's key, streams it to the gateway
with the SDK (`AsyncClient.submit_stream`, the path every partner uses),
checks every receipt, and keeps the score. Re-running a file gives the same
record ids and the same bytes: what the log already holds comes back
ALREADY_EXISTS and is counted as "already in the log" — and, by comparing
the log's commitment with the envelope, as "differs" when the source has
changed since (push those with a higher --version). Nothing in a record comes from the file
system (name, modification time), so an identical re-download pushes nothing and says so.

What it prints is the operator's only view of a run: the summary names every column a connector
did not understand, says once what a systematic fault needs (--issued-at, another FORMAT), and
prints file text as written (never as rich markup or emoji codes). A run where every item was
a bad row exits 2 with the FORMAT the file looks like (connectors/detect.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

import connectors
from connectors.base import BadRow, Options, parse_date, parse_tlp
from connectors.detect import guess
from connectors.tabular import UNMAPPED
from gateway import errors, keys
from gateway.cli.common import DEFAULT_TARGET, As, Target, TlsDir, agency_tls, console, fail
from gateway.ledger.checkpoint import CheckpointError
from gateway.ledger.verify import ProofError
from gateway.sdk import receipts
from gateway.sdk.client import AsyncClient
from gateway.sdk.push import Pushed, push_records
from graph import resolve
from regulink.v1 import envelope_pb2, exchange_pb2, records_pb2

# The builder's reason for an item that has no date and no --issued-at (connectors/base.py).
UNDATED = "no issue date"
# Bad rows printed per run, and per identical reason (a systematic fault is said a few times, then counted).
SHOWN_BAD = 200
SHOWN_PER_REASON = 3


class Format(str, Enum):
    stix = "stix"
    ofac = "ofac"
    ftm = "ftm"
    warnings = "warnings"
    localgov = "localgov"


class UnknownMarking(str, Enum):
    refuse = "refuse"
    red = "red"


@dataclass
class Summary(Pushed):
    """What an ingest run did; `already` counts ALREADY_EXISTS answers, `differs` those of them whose
    content in the log is not what the source gives now."""

    bad_rows: int = 0
    undated: int = 0  # bad rows only for want of a date (the source gives none, no --issued-at)
    stopped_at: BadRow | None = None
    stats: Counter = field(default_factory=Counter)

    def line(self) -> str:
        skipped = ", ".join(f"{k.removeprefix('skipped ')} {v}" for k, v in sorted(self.stats.items())
                            if k.startswith("skipped"))
        text = (f"read {self.stats.get('read', 0)}, records {self.records}, pushed {self.pushed}, "
                f"already in the log {self.already}"
                + (f" ({self.differs} of them differ from the source now)" if self.differs else "")
                + f", rejected by the gateway {self.rejected}, bad rows {self.bad_rows}")
        return text + (f"; skipped: {skipped}" if skipped else "")

    def advice(self) -> list[str]:
        """What the operator should know after the run, one line each (printed after `line()`)."""
        lines = []
        columns = [(k.removeprefix(UNMAPPED), n) for k, n in sorted(self.stats.items()) if k.startswith(UNMAPPED)]
        if columns:
            lines.append("columns not understood, kept as attributes under their own header: "
                         + ", ".join(f"{name!r} ({n} rows)" for name, n in columns))
        if self.undated:
            lines.append(f"{self.undated} items carry no date of their own: pass --issued-at YYYY-MM-DD (the day "
                         "the list was published) and the same date on every re-run, since it is signed")
        if self.differs:
            lines.append(f"{self.differs} records are in the log with other content (each is listed above as "
                         "'differs'): the source changed since they were pushed. To record the change push the "
                         "file again with a higher --version; each record of the run then replaces its "
                         "earlier version (unchanged ones with the same content)")
        if self.records and self.already == self.records and not self.differs:
            lines.append("nothing new: every record is already in the log, unchanged")
        return lines


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
    on_differs: Callable[[str, records_pb2.CaseRecord], None] = lambda *a: None,
) -> Summary:
    """A connector's records through the SDK's push loop (gateway.sdk.push), bad rows counted on the way."""
    summary = Summary()

    def already(location, record, _error, differs: bool) -> None:
        if differs:
            on_differs(location, record)

    await push_records(client, _sound(items, summary, strict, on_bad), signers, log_key=log_key,
                       on_receipt=on_receipt, on_already=already, on_rejected=on_rejected, counts=summary)
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
            summary.undated += item.reason.startswith(UNDATED)
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
    skip_bad_identifiers: Annotated[bool, typer.Option(hidden=True, help="No longer needed: a record always goes "
                                                       "without its bad identifiers, each reported as a bad "
                                                       "row.")] = True,
    unknown_marking: Annotated[UnknownMarking, typer.Option(help="stix: what to do with an object whose marking "
                                                            "cannot be read as TLP (TLP:TEST, another scheme, a "
                                                            "definition missing from the file): refuse it as a bad "
                                                            "row, or import it as red. Never CLEAR or GREEN "
                                                            "[default: refuse].")] = UnknownMarking.refuse,
    issued_at: Annotated[Optional[str], typer.Option(help="Issue date for items the source leaves undated "
                                                     "(OFAC's legacy CSV, STIX observables, rows without a "
                                                     "date), YYYY-MM-DD: the day the list was published. "
                                                     "Without it such items are bad rows; never the file's "
                                                     "modification time. Keep it fixed across re-runs: it is "
                                                     "part of the signed bytes.")] = None,
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
    with its file:line, and its record is pushed without it. Record ids come from the source's own ids, so
    re-running a file pushes only what is new (the rest is "already in the log").

    Example: regulink ingest ofac ./sdn-2026-04 --issued-at 2026-04-01 --as fsa-jp --key keys/fsa-jp.pem
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
                      skip_bad_identifiers=skip_bad_identifiers, unknown_marking=unknown_marking.value,
                      encoding=encoding, sheet=sheet,
                      authority=authority, authority_name=authority_name)
    shown: Counter = Counter()  # bad rows printed, by reason

    def on_bad(bad: BadRow) -> None:
        shown[bad.reason] += 1
        total = sum(shown.values())
        if total <= SHOWN_BAD and shown[bad.reason] <= SHOWN_PER_REASON:
            _say("bad row", "yellow", str(bad))
        elif total == SHOWN_BAD + 1:
            _say("…", "yellow", "more bad rows; the summary counts them all")

    def on_rejected(location: str, record: records_pb2.CaseRecord, error: errors.RegulinkError) -> None:
        _say("rejected", "red", f"{location} {record.record_id}: {error.code} {error}")

    def on_differs(location: str, record: records_pb2.CaseRecord) -> None:
        _say("differs", "yellow", f"{location} {record.record_id}: in the log with other content")

    try:
        with Progress(TextColumn("ingesting"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("ingest", total=_size(file))
            options.progress = lambda n: progress.advance(task, n)
            items = connectors.read(fmt.value, file, options)
            if dry_run_:
                summary = dry_run(items, strict=strict, on_bad=on_bad)
            else:
                summary = _push(items, options, key, as_agency, target, tls_dir, strict, receipts_out, on_bad,
                                on_rejected, on_differs)
    except (OSError, ValueError, UnicodeError) as exc:  # an unreadable source: one line, not a traceback
        _say("error:", "red", f"cannot read {file} as {fmt.value}: {exc}")
        _suggest(file, fmt)
        raise typer.Exit(1) from None
    summary.stats = options.stats
    verb = "checked (dry run)" if dry_run_ else "done"
    _say(f"{verb}:", "", summary.line())
    for reason, n in shown.items():
        if n > SHOWN_PER_REASON:
            _say("bad row", "yellow", f"{reason} — {n - SHOWN_PER_REASON} more like this")
    for line in summary.advice():
        _say("note:", "cyan", line)
    if summary.stopped_at is not None:
        _say("stopped at the first bad row", "red", f"({summary.stopped_at}); fix it and run again: what was "
                                                    "pushed is recognised")
        if summary.records == 0:
            _suggest(file, fmt)
        raise typer.Exit(2)
    if summary.records == 0 and summary.bad_rows:
        _say("nothing usable:", "red", f"every one of the {summary.bad_rows} items read was a bad row")
        _suggest(file, fmt)
        raise typer.Exit(2)
    if summary.rejected:
        raise typer.Exit(2)


def _say(label: str, style: str, text: str) -> None:
    """One line on stderr; `text` (file names, cells, reasons) is printed as is, never read as rich markup
    or emoji codes ('sdn.csv:100:' must not become an emoji)."""
    console.print(Text.assemble((label, style), " ", text))


def _suggest(file: Path, fmt: Format) -> None:
    """After a run that read nothing usable: which FORMAT the file looks like, if not the one chosen."""
    found = guess(file)
    if found is None:
        _say("hint:", "cyan", f"{file} does not look like any format regulink reads "
                              f"({', '.join(f.value for f in Format)}); check the file and FORMAT")
    elif found[0] != fmt.value:
        extra = " --authority CC-NAME" if found[0] == "warnings" else ""
        target = file.parent if found[0] == "ofac" and not file.is_dir() else file
        _say("hint:", "cyan", f"this looks like {found[1]}: regulink ingest {found[0]} {target}{extra} …")


def _push(items, options: Options, key: Path | None, as_agency: str, target: str, tls_dir: Path | None,
          strict: bool, receipts_out: Path | None, on_bad, on_rejected, on_differs) -> Summary:
    if key is None:
        fail("--key is required to sign (or use --dry-run)")
    tls = agency_tls(as_agency, tls_dir)
    try:
        signer = keys.load_private_key(key)
    except (OSError, ValueError) as exc:
        fail(f"cannot read the key {key}: {exc}")
    sink = receipts_out.open("w") if receipts_out else None

    def on_receipt(receipt, envelope) -> None:
        if sink is not None:
            sink.write(receipts.receipt_line(receipt, envelope))

    async def run() -> Summary:
        async with AsyncClient.connect(target, tls) as client:
            return await push_items(client, items, [signer], strict=strict, on_bad=on_bad,
                                    on_rejected=on_rejected, on_receipt=on_receipt, on_differs=on_differs)

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


__all__ = ["Format", "Summary", "dry_run", "ingest", "push_items"]
