"""The `regulink` command line: partners push, operators register and serve.

Every option has a REGULINK_* environment twin; errors are one line with the fix.

One file for the commands of partners and operators that have no module of their own (serve, keys,
push, receipts, audit); the others are registered from gateway/cli/*.py at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gateway import errors, keys
from gateway.cli.common import (
    DEFAULT_DIR,
    DEFAULT_TARGET,
    As,
    ConfigFile,
    DataDir,
    DataDirOverride,
    Target,
    TlsDir,
    agency_tls,
    console,
    fail,
    out,
    with_client,
)
from gateway.ledger.checkpoint import CheckpointError
from gateway.ledger.verify import ProofError
from gateway.ops import devca
from gateway.sdk import receipts
from gateway.sdk.client import AsyncClient, TlsFiles
from gateway.sdk.push import push_records
from gateway.sdk.record_files import RecordFileError, read_records
from gateway.server import config
from gateway.server.registry import KINDS, Registry

app = typer.Typer(
    help="regulink: share signed case records about crypto-asset entities between regulators, "
    "local governments and police, through a gateway that keeps a tamper-evident log.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
agency_app = typer.Typer(help="Register agencies, their keys and relays (operator, on the gateway host).",
                         no_args_is_help=True)
app.add_typer(agency_app, name="agency", rich_help_panel="Operator")
def _timestamp(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not an ISO 8601 time such as 2027-03-31 or 2027-03-31T00:00:00+09:00")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def _registry(data_dir: Path) -> Registry:
    """The registry the gateway reads: <data-dir>/registry.db, or the PostgreSQL database of a PostgreSQL
    ledger (REGULINK_LEDGER, or `ledger` in the REGULINK_CONFIG file): gateway.server.registry_pg."""
    from gateway.server.registry_pg import open_registry

    try:
        return open_registry(config.load(data_dir=data_dir).registry_location)
    except config.ConfigError as exc:
        fail(str(exc))


# -- Operator -------------------------------------------------------------------------


@app.command(rich_help_panel="Operator")
def serve(
    config_file: ConfigFile = None,
    data_dir: DataDirOverride = None,
    listen: Annotated[Optional[str], typer.Option(help="HOST:PORT to listen on [default: 127.0.0.1:7443] "
                                                  "(env REGULINK_LISTEN).")] = None,
    origin: Annotated[Optional[str], typer.Option(help="Log name in signed tree heads (env REGULINK_ORIGIN).")] = None,
    graph: Annotated[Optional[str], typer.Option(help="Graph store: embedded (ArcadeDB child process, the default), "
                                                 "bolt://… or neo4j://… for Neo4j, none for ledger only "
                                                 "(env REGULINK_GRAPH).")] = None,
    metrics_listen: Annotated[Optional[str], typer.Option(
        help="HOST:PORT for Prometheus metrics over plain HTTP (/metrics), e.g. 127.0.0.1:9464; off by default. "
             "Keep it off the public network (env REGULINK_METRICS_LISTEN).")] = None,
    ledger: Annotated[Optional[str], typer.Option(
        help="Where the log lives [default: <data-dir>/ledger.db, SQLite]: a file, or postgresql://… for a "
             "PostgreSQL primary with a synchronous standby (docs/ledger.md) (env REGULINK_LEDGER).")] = None,
    role: Annotated[Optional[str], typer.Option(
        help="writer [default]: the one gateway that appends (on PostgreSQL a second writer stands by until the "
             "lease is free); query: read-only, serves queries, exports, proofs and Subscribe from a PostgreSQL "
             "ledger, refuses records naming the writer (env REGULINK_ROLE).")] = None,
    log_level: Annotated[str, typer.Option(envvar="REGULINK_LOG_LEVEL")] = "INFO",
    log_format: Annotated[str, typer.Option(envvar="REGULINK_LOG_FORMAT",
                                            help="text for a terminal; json (one object a line, with request ids) "
                                                 "for a log collector. See docs/observability.md.")] = "text",
) -> None:
    """Run the gateway. With no options it uses ~/.regulink and creates a development CA,
    server certificate and log key on first start (and says so).

    Example: regulink serve --data-dir ./gw --listen 0.0.0.0:7443

    On PostgreSQL (docs/ledger.md): regulink serve --ledger postgresql://regulink@db1,db2/regulink?target_session_attrs=read-write
    and, on other machines, read-only: regulink serve --role query --ledger postgresql://regulink@db2/regulink
    """
    from gateway.ledger.integrity import LedgerDamaged
    from gateway.ops.datadir import ExposedData
    from gateway.server import logs
    from gateway.server.app import Gateway
    from gateway.server.collector import quiet_collector

    if log_format not in logs.FORMATS:
        fail(f"--log-format must be text or json (got {log_format!r})")
    logs.configure(log_level.upper(), log_format)
    try:
        settings = config.load(config_file, data_dir=data_dir, listen=listen, origin=origin, graph=graph,
                               metrics_listen=metrics_listen, ledger=ledger, role=role)
    except config.ConfigError as exc:
        fail(str(exc))

    async def run() -> None:
        try:
            gateway = Gateway(settings)  # a PostgreSQL writer waits here for the writer lease
        except (LedgerDamaged, ExposedData, errors.Unavailable) as exc:  # one line with the fix, never a traceback
            fail(f"{exc}; {exc.fix}" if isinstance(exc, LedgerDamaged) else str(exc))
        if gateway.first_run.created_tls:
            console.print(f"[yellow]created a development CA and server certificate in {settings.tls}[/yellow]")
        if gateway.first_run.created_log_key:
            console.print(f"[yellow]created the log signing key {settings.log_key_path}[/yellow]")
        try:
            port = await gateway.start()
        except RuntimeError as exc:
            fail(f"cannot listen on {settings.listen}: {exc}")
        except OSError as exc:  # the metrics listener, which starts first
            fail(f"cannot serve metrics on {settings.metrics_listen}: {exc}")
        quiet_collector()
        console.print(f"{'query ' if settings.role == 'query' else ''}gateway [bold]{gateway.ledger.origin}[/bold] "
                      f"serving on port {port} (data {settings.data_dir}, log size {gateway.ledger.size})")
        print(f"READY {port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        fenced = asyncio.ensure_future(gateway.fenced.wait())
        await asyncio.wait([asyncio.ensure_future(stop.wait()), fenced], return_when=asyncio.FIRST_COMPLETED)
        console.print("shutting down: finishing in-flight receipts")
        await gateway.stop(5)
        if fenced.done():  # another writer took the lease: exit non-zero, a supervisor restarts us as a standby
            fail(gateway.ledger.store.fenced)

    # Whatever the gateway and its children (the graph database, the projector) create is the
    # gateway user's alone; gateway.ops.datadir checks what was there before.
    os.umask(0o077)
    # Answers hop between the event loop and worker threads (audit lines, ledger writes,
    # gRPC's poller); a thread waiting for the GIL waits up to the switch interval (5 ms
    # by default). 0.5 ms took ~0.8 ms off the 2-hop p50 via gRPC (docs/benchmarks.md).
    sys.setswitchinterval(0.0005)
    asyncio.run(run())


@app.command("dev-ca", rich_help_panel="Operator")
def dev_ca(
    agencies: Annotated[Optional[list[str]],
                        typer.Argument(help="Agency ids to issue client certificates for.")] = None,
    data_dir: DataDir = DEFAULT_DIR,
    tls_dir: TlsDir = None,
) -> None:
    """Create a development CA and server certificate (once) and client certificates (CN = agency id).

    Example: regulink dev-ca fsa-jp tokyo-metro --data-dir ./gw
    """
    tls = tls_dir or config.Settings(data_dir=data_dir).tls
    if devca.ensure_ca(tls):
        console.print(f"created CA and server certificate in {tls}")
    for agency_id in agencies or []:
        cert, key = devca.issue_client(tls, agency_id)
        console.print(f"client certificate for {agency_id}: {cert} (key {key})")


@agency_app.command("add")
def agency_add(
    agency_id: Annotated[str, typer.Argument(help="Short id, a-z 0-9 - . _ (also the client certificate CN).")],
    name: Annotated[str, typer.Option(help="Full name of the agency.")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")],
    jurisdiction: Annotated[str, typer.Option(help="ISO 3166 code, e.g. JP, SG, JP-13.")],
    data_dir: DataDir = DEFAULT_DIR,
) -> None:
    """Register an agency. Example: regulink agency add tokyo-metro --name "Tokyo Metropolitan Government"
    --kind local-government --jurisdiction JP-13"""
    registry = _registry(data_dir)
    try:
        registry.add_agency(agency_id, name, kind, jurisdiction)
    except errors.RegulinkError as exc:
        fail(str(exc))
    console.print(f"registered {agency_id}; next: `regulink agency add-key {agency_id} KEY.pub.pem` "
                  f"and `regulink dev-ca {agency_id}` for its client certificate")


@agency_app.command("list")
def agency_list(data_dir: DataDir = DEFAULT_DIR) -> None:
    """List agencies and their keys with their status."""
    snapshot = _registry(data_dir).snapshot()
    table = Table("agency", "kind", "jurisdiction", "name", "key id", "key status", "relays")
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    for agency in snapshot.agencies.values():
        rows = agency.keys or (None,)
        for i, key in enumerate(rows):
            table.add_row(
                agency.agency_id if i == 0 else "", agency.kind if i == 0 else "",
                agency.jurisdiction if i == 0 else "", agency.name if i == 0 else "",
                key.key_id[:16] + "…" if key else "-", key.status(now) if key else "-",
                ", ".join(sorted(agency.relays)) if i == 0 else "",
            )
    out.print(table)


@agency_app.command("add-key")
def agency_add_key(
    agency_id: str,
    public_key: Annotated[Path, typer.Argument(help="The agency's Ed25519 public key, in a file: PEM "
                                                    "SubjectPublicKeyInfo (`regulink keygen` writes one), or the "
                                                    "raw key as 64 hex characters, or as 32 raw bytes.")],
    not_before: Annotated[Optional[str], typer.Option(help="ISO time the key starts signing [default: now].")] = None,
    not_after: Annotated[Optional[str], typer.Option(help="ISO time the key stops signing [default: never].")] = None,
    data_dir: DataDir = DEFAULT_DIR,
) -> None:
    """Register a signing key. For rotation: add the new key, then `expire-key` the old one.

    Example: regulink agency add-key fsa-jp fsa-2027.pub.pem --not-after 2028-01-01
    """
    try:
        raw = keys.raw_public_key(keys.load_public_key(public_key))
        kid = _registry(data_dir).add_key(agency_id, raw, not_before=_timestamp(not_before),
                                          not_after=_timestamp(not_after))
    except (OSError, ValueError, errors.RegulinkError) as exc:
        fail(str(exc))
    console.print(f"key {kid} registered for {agency_id}")


@agency_app.command("revoke-key")
def agency_revoke_key(key_id: str, data_dir: DataDir = DEFAULT_DIR) -> None:
    """Revoke a key now (compromise): envelopes it signs are refused from now on."""
    try:
        _registry(data_dir).revoke_key(key_id)
    except errors.RegulinkError as exc:
        fail(str(exc))
    console.print(f"key {key_id} revoked")


@agency_app.command("expire-key")
def agency_expire_key(key_id: str, at: Annotated[Optional[str], typer.Option(help="ISO time [default: now].")] = None,
                      data_dir: DataDir = DEFAULT_DIR) -> None:
    """End a key's validity (rotation). Records it signed earlier stay valid in the log."""
    try:
        _registry(data_dir).expire_key(key_id, at=_timestamp(at))
    except errors.RegulinkError as exc:
        fail(str(exc))
    console.print(f"key {key_id} stops signing at {at or 'now'}")


@agency_app.command("allow-relay")
def agency_allow_relay(agency_id: str, relay_id: str, data_dir: DataDir = DEFAULT_DIR) -> None:
    """Let RELAY_ID submit AGENCY_ID's signed envelopes on its own mTLS channel."""
    try:
        _registry(data_dir).allow_relay(agency_id, relay_id)
    except errors.RegulinkError as exc:
        fail(str(exc))
    console.print(f"{relay_id} may now relay records of {agency_id}")


# -- Partner -----------------------------------------------------------------------------


@app.command(rich_help_panel="Partner")
def keygen(
    out_prefix: Annotated[Path, typer.Argument(help="Writes PREFIX.pem (private, mode 0600) and PREFIX.pub.pem.")],
) -> None:
    """Make an Ed25519 signing key. Example: regulink keygen keys/fsa-jp-2026"""
    key = keys.generate()
    private = out_prefix.with_name(out_prefix.name + ".pem")
    public = out_prefix.with_name(out_prefix.name + ".pub.pem")
    try:
        keys.write_private_key(key, private)
    except FileExistsError:
        fail(f"{private} exists; choose another name (keys are never overwritten)")
    keys.write_public_key(key, public)
    out.print(keys.key_id(key))
    console.print(f"private key {private}, public key {public}; give the public key to the gateway operator")


@app.command(rich_help_panel="Partner")
def push(
    file: Annotated[Path, typer.Argument(help="CaseRecords as proto JSON: .jsonl (one per line) or .json.")],
    as_agency: As,
    key: Annotated[Path, typer.Option(envvar="REGULINK_KEY", help="Your Ed25519 private key (PEM).")],
    cosign: Annotated[Optional[list[Path]], typer.Option(help="Extra private keys that co-sign.")] = None,
    target: Target = DEFAULT_TARGET,
    tls_dir: TlsDir = None,
    receipts_out: Annotated[Optional[Path], typer.Option("--receipts", help="Where to write receipts "
                                                         "[default: FILE.receipts.jsonl].")] = None,
) -> None:
    """Sign and push case records; write one verified receipt per accepted record.

    Example: regulink push cases.jsonl --as tokyo-metro --key keys/tokyo-metro.pem
    """
    tls = agency_tls(as_agency, tls_dir)
    signers = [keys.load_private_key(key), *(keys.load_private_key(p) for p in cosign or [])]
    try:
        records = list(read_records(file, as_agency))
    except RecordFileError as exc:
        fail(str(exc))
    receipts_path = receipts_out or file.with_suffix(file.suffix + ".receipts.jsonl")
    counts = {"accepted": 0, "rejected": 0}

    async def run() -> None:
        async with AsyncClient.connect(target, tls) as client:
            with Progress(TextColumn("pushing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=console) as progress, receipts_path.open("w") as sink:
                task = progress.add_task("push", total=len(records))

                def accepted(receipt, envelope) -> None:
                    sink.write(receipts.receipt_line(receipt, envelope))
                    counts["accepted"] += 1
                    progress.advance(task)

                def refused(location, record, error, *_) -> None:
                    counts["rejected"] += 1
                    progress.console.print(f"[red]{location}[/red] {record.record_id}: {error.code} {error}")
                    progress.advance(task)

                await push_records(client, [(f"{file}:{line}", record) for line, record in records], signers,
                                   on_receipt=accepted, on_already=refused, on_rejected=refused)

    try:
        asyncio.run(run())
    except errors.RegulinkError as exc:
        fail(f"{exc.code}: {exc}")
    except (ProofError, CheckpointError) as exc:
        fail(f"a receipt does not verify: {exc} — do not trust this gateway's answer; tell its operator")
    console.print(f"{counts['accepted']} accepted, {counts['rejected']} rejected; receipts in {receipts_path}")
    if counts["rejected"]:
        raise typer.Exit(2)


@app.command("verify-receipt", rich_help_panel="Partner")
def verify_receipt(
    receipts_file: Annotated[Path, typer.Argument(help="A .receipts.jsonl written by `regulink push`.")],
    log_key: Annotated[str, typer.Option(envvar="REGULINK_LOG_KEY",
                                         help="The log public key: 64 hex chars or a PEM file.")],
    origin: Annotated[Optional[str], typer.Option(help="Expected log origin.")] = None,
) -> None:
    """Check receipts offline: signed tree head, leaf commitment, RFC 9162 inclusion proof.

    Example: regulink verify-receipt cases.jsonl.receipts.jsonl --log-key 3b6a27bc…
    """
    key = keys.load_public_key(Path(log_key) if Path(log_key).exists() else log_key.encode())
    checked = 0
    lines = receipts.read_receipt_lines(receipts_file.read_text())
    while True:
        try:
            found = next(lines, None)
        except ValueError as exc:
            fail(f"{receipts_file}: {exc}")
        if found is None:
            break
        n, receipt, envelope = found
        try:
            receipts.verify_receipt(receipt, envelope, key, origin)
        except (ProofError, CheckpointError) as exc:
            fail(f"{receipts_file}:{n}: receipt for {receipt.record_id} does not verify: {exc}")
        checked += 1
    out.print(f"{checked} receipts verify")


@app.command("log-info", rich_help_panel="Partner")
def log_info(
    as_agency: As,
    target: Target = DEFAULT_TARGET,
    tls_dir: TlsDir = None,
) -> None:
    """Print the log's origin and public key (pin it; `verify-receipt --log-key` takes the hex).

    Example: regulink log-info --as fsa-jp
    """
    key, origin = with_client(as_agency, target, tls_dir, lambda client: client.log_key())
    out.print(f"origin  {origin}\nkey     {keys.raw_public_key(key).hex()}\nkey id  {keys.key_id(key)}")


@app.command(rich_help_panel="Partner")
def audit(
    as_agency: As,
    state: Annotated[Path, typer.Option(help="File keeping the last verified signed tree head; evidence goes to "
                                        "STATE.evidence/, --entries progress to STATE.entries.json.")]
    = Path("regulink-head.json"),
    entries: Annotated[bool, typer.Option("--entries", help="Also re-check every entry you may see (Subscribe) up "
                                          "to the newest head: the author's signature, the record shown, and the "
                                          "leaf's inclusion proof. Resumes where the last run stopped.")] = False,
    target: Target = DEFAULT_TARGET,
    tls_dir: TlsDir = None,
) -> None:
    """Check that the log only grew since the last audit (RFC 9162 consistency proof), then
    remember the new signed head. Run it regularly, and compare heads with other agencies. A smaller
    log (a rollback) or another root for a size already seen (a fork) exits with status 3 and keeps
    both signed heads, the log key and a README in STATE.evidence/; the saved head never moves
    backwards. Status 1: the audit could not run.

    Example: regulink audit --as fsa-jp --state heads/fsa-jp.json --entries
    """
    from gateway.sdk import monitor

    tls = TlsFiles.for_agency(tls_dir or config.Settings().tls, as_agency)

    async def run() -> tuple:
        async with AsyncClient.connect(target, tls) as client:
            heads = await monitor.check_heads(client, state, target=target, agency=as_agency)
            if not entries:
                return heads, None
            with Progress(TextColumn("checking entries"), MofNCompleteColumn(), console=console) as progress:
                task = progress.add_task("entries", total=None)
                checked = await monitor.check_entries(client, heads, state, target=target, agency=as_agency,
                                                      progress=lambda n: progress.advance(task, n))
            return heads, checked

    try:
        heads, checked = asyncio.run(run())
    except monitor.LogInconsistent as exc:
        console.print(f"[red]THE LOG IS NOT CONSISTENT:[/red] {escape(str(exc))}")
        console.print(escape(f"evidence kept in {exc.evidence} (both signed heads, the log key, README.txt); {state} "
                             "still holds the last good head. Alert the gateway's operator and the other agencies."))
        raise typer.Exit(monitor.EXIT_INCONSISTENT) from None
    except errors.RegulinkError as exc:
        fail(f"{exc.code}: {exc}")
    except (ProofError, CheckpointError) as exc:
        fail(f"a proof does not verify: {exc}")
    served = heads.served
    if heads.change == "first":
        out.print(f"first audit: trusting the head of size {served.tree_size}; saved to {state}")
    elif heads.change == "same":
        out.print(f"consistent: size {served.tree_size}, unchanged (same root); {state} kept")
    else:
        out.print(f"consistent: size {heads.saved.tree_size} → {served.tree_size}; saved to {state}")
    if checked is not None:
        out.print(f"entries {checked.first}–{served.tree_size - 1}: {checked.checked} checked (signature, record, "
                  f"inclusion), {checked.redacted} shown without envelope (shared with you, not checkable)")


from gateway.cli.ingest import ingest  # noqa: E402
from gateway.cli.query import graph_app, query_app, query_log  # noqa: E402  (commands defined there)

app.command("ingest", rich_help_panel="Partner")(ingest)

app.add_typer(query_app, name="query", rich_help_panel="Investigator")
app.add_typer(graph_app, name="graph", rich_help_panel="Operator")
app.command("query-log", rich_help_panel="Operator")(query_log)

from gateway.cli.export import export  # noqa: E402
from gateway.cli.ledger import ledger_app  # noqa: E402

app.add_typer(ledger_app, name="ledger", rich_help_panel="Operator")

app.command("export", rich_help_panel="Analyst")(export)

from gateway.cli.watch import alerts, watch_app  # noqa: E402

app.add_typer(watch_app, name="watch", rich_help_panel="Investigator")
app.command("alerts", rich_help_panel="Investigator")(alerts)

from gateway.cli.console import console as console_command  # noqa: E402
from gateway.cli.console import console_user  # noqa: E402

app.command("console", rich_help_panel="Investigator")(console_command)
app.command("console-user", rich_help_panel="Operator")(console_user)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
