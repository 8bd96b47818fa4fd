"""`regulink ledger …`: the operator's checks of the ledger file itself (on the gateway host)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gateway import errors, keys
from gateway.cli.common import ConfigFile, DataDirOverride, console, fail, out
from gateway.ledger import checkpoint, integrity
from gateway.ledger.stores import open_store
from gateway.server import config

#: Exit status when the ledger is damaged (1: the check could not run).
EXIT_DAMAGED = 3

ledger_app = typer.Typer(help="Check the ledger, or copy it into PostgreSQL (operator, on the gateway host).",
                         no_args_is_help=True)


@ledger_app.command("verify")
def verify(
    config_file: ConfigFile = None,
    data_dir: DataDirOverride = None,
    ledger: Annotated[Optional[Path], typer.Option(help="Check this ledger file instead of <data-dir>/ledger.db "
                                                   "(e.g. a backup before restoring it).")] = None,
    log_key: Annotated[Optional[str], typer.Option(help="The log public key (64 hex characters or a PEM file) "
                                                   "[default: the one of <data-dir>/keys/log-key.pem].")] = None,
    signatures: Annotated[bool, typer.Option(help="Check every envelope's signatures under the registry's keys "
                                             "(<data-dir>/registry.db); --no-signatures skips them (~20x faster).")]
    = True,
    jobs: Annotated[int, typer.Option(help="Processes checking signatures, beside the one rebuilding the tree; "
                                      "more only where cores are idle (a backup on another machine): on a busy "
                                      "host they compete with the gateway.")] = 1,
) -> None:
    """Recompute the whole ledger and report the first damaged entry: every leaf from its stored
    envelope and nonce, every signature under the registry's keys as they were when the entry was
    accepted, every Merkle node, every signed tree head (signature, note, root). Read-only: it may
    run while the gateway serves. Exit status 0: intact; 3: damaged (the message names the entry and
    the fix); 1: it could not run. The gateway runs a cheap form of it (the newest 1,000 entries and
    the root) at every start.

    Example: regulink ledger verify --data-dir /var/lib/regulink
    """
    try:
        settings = config.load(config_file, data_dir=data_dir)
    except config.ConfigError as exc:
        fail(str(exc))
    location = str(ledger) if ledger else settings.ledger_location  # a file, or the PostgreSQL ledger configured
    try:
        if log_key is not None:
            public = keys.load_public_key(Path(log_key) if Path(log_key).exists() else log_key.encode())
        else:
            public = keys.load_private_key(settings.log_key_path).public_key()
    except (OSError, ValueError) as exc:
        fail(f"cannot read the log key ({exc}); give it with --log-key (`regulink log-info` prints it)")
    if signatures and not settings.ledger_on_postgresql and not settings.registry_path.exists():
        fail(f"no registry at {settings.registry_path}; point --data-dir at the gateway's, or use --no-signatures")
    try:
        store = open_store(location, readonly=True)
    except (FileNotFoundError, errors.Unavailable) as exc:
        fail(str(exc))
    started = time.perf_counter()
    try:
        newest = store.latest_tree_head()
        with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console) as progress:
            task = progress.add_task("verify", total=newest.tree_size if newest else 0)
            summary = integrity.check_all(store, public, None, settings.registry_location if signatures else None,
                                          progress=lambda n: progress.advance(task, n), workers=jobs)
    except integrity.LedgerDamaged as exc:
        console.print(f"[red]damaged:[/red] {escape(str(exc))}")
        console.print(escape(f"fix: {exc.fix}"))
        raise typer.Exit(EXIT_DAMAGED) from None
    finally:
        store.close()
    seconds = time.perf_counter() - started
    checked = f"{summary.signatures} signatures" if signatures else "signatures not checked"
    out.print(f"ledger intact: {summary.entries} entries ({summary.purged} purged), Merkle nodes {summary.nodes}, "
              f"signed heads {summary.heads}, {checked}; root {summary.root.hex() or '-'} at size {summary.size} "
              f"({seconds:.1f} s)")


@ledger_app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help="The ledger to copy: sqlite:PATH (or a path) of a ledger.db, "
                                        "or a postgresql:// URL.")],
    destination: Annotated[str, typer.Option("--to", help="An empty PostgreSQL database: postgresql://USER@HOST/DB "
                                             "(the primary; its synchronous standby receives the copy as it goes).")],
    registry: Annotated[Optional[Path], typer.Option(help="The agency registry to copy beside it [default: "
                                                     "registry.db next to a SQLite source]; --no-registry: none.")]
    = None,
    no_registry: Annotated[bool, typer.Option("--no-registry", help="Copy the ledger only.")] = False,
    log_key: Annotated[Optional[str], typer.Option(help="The log public key the heads must verify under (64 hex "
                                                   "characters or a PEM file) [default: keys/log-key.pem next to "
                                                   "a SQLite source].")] = None,
) -> None:
    """Copy a ledger into PostgreSQL, whole, then prove the copy: every entry equals its source, every leaf
    and Merkle node is recomputed, every signed head verifies under the log key with the root of its tree,
    and the newest signed head is the source's, byte for byte (nothing is re-signed: partners' receipts
    stay valid). The agency registry is copied and compared too. Stop the gateway first, or copy twice:
    entries it adds meanwhile are left out and counted. Exit status 0: copied and checked; 3: the copy
    differs (the message says where); 1: it could not run. docs/operations.md, "Moving to PostgreSQL".

    Example: regulink ledger copy --from sqlite:/var/lib/regulink/ledger.db --to postgresql://regulink@db1/regulink
    """
    from gateway.ledger import migrate
    from gateway.ledger.lease import WriterLease
    from gateway.ledger.pg_store import PgLedgerStore
    from gateway.ledger.stores import is_postgresql, open_store, redact, sqlite_path
    from gateway.server.registry_pg import open_registry

    if not is_postgresql(destination):
        fail(f"--to must be a postgresql:// URL (got {destination!r})")
    beside = None if is_postgresql(source) else sqlite_path(source).parent
    if log_key is None and beside is None:
        fail("give --log-key (the log's public key; `regulink log-info` prints it)")
    try:
        key_source = Path(log_key) if log_key and Path(log_key).exists() else log_key.encode() if log_key else None
        public = (keys.load_public_key(key_source) if key_source is not None
                  else keys.load_private_key(beside / "keys" / "log-key.pem").public_key())
    except (OSError, ValueError) as exc:
        fail(f"cannot read the log key ({exc}); give it with --log-key")
    try:
        src = open_store(source, readonly=True)
    except FileNotFoundError as exc:
        fail(str(exc))
    except errors.Unavailable as exc:
        fail(str(exc))
    try:
        lease = WriterLease(destination, f"regulink ledger copy (pid {os.getpid()})")
        dst = PgLedgerStore.try_writer(destination, lease)
    except Exception as exc:  # psycopg.OperationalError: no server, wrong credentials
        fail(f"cannot open {redact(destination)}: {str(exc).strip().splitlines()[0]}")
    if dst is None:
        fail(f"a gateway holds the writer lease on {redact(destination)}: stop it before copying into that ledger")
    started = time.perf_counter()
    try:
        newest = src.latest_tree_head()
        total = newest.tree_size if newest else 0
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console) as progress:
            task = progress.add_task("copying", total=total)
            copied = migrate.copy_ledger(src, dst, progress=lambda n: progress.advance(task, n))
            check = progress.add_task("checking", total=total)
            copied.summary = migrate.check_copy(src, dst, public, progress=lambda n: progress.advance(check, n))
        if newest is not None:
            dst.set_log_info(checkpoint.parse_note(newest.note).origin, keys.raw_public_key(public))
        registry_file = None if no_registry else registry or (beside / "registry.db" if beside else None)
        if registry_file is not None:
            if not registry_file.exists():
                fail(f"no registry at {registry_file}; give --registry PATH, or --no-registry")
            copied.agencies, copied.keys = migrate.copy_registry(open_registry(str(registry_file)),
                                                                 open_registry(destination))
    except migrate.DestinationNotEmpty as exc:
        fail(str(exc))
    except migrate.CopyRefused as exc:
        console.print(f"[red]not copied:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_DAMAGED) from None
    except errors.RegulinkError as exc:
        fail(str(exc))
    finally:
        src.close()
        dst.close()
    summary = copied.summary
    out.print(f"copied {copied.entries} entries, {copied.nodes} Merkle nodes, {copied.heads} signed heads"
              f"{f', {copied.agencies} agencies and {copied.keys} keys' if registry_file else ''} into "
              f"{redact(destination)} ({time.perf_counter() - started:.1f} s)")
    if newest is None:
        out.print("the source ledger is empty: nothing to check")
    else:
        out.print(f"checked: every entry equals its source; every leaf ({summary.entries}) and Merkle node "
                  f"({summary.nodes}) recomputed; {summary.heads} signed heads verify under the log key; the root "
                  f"of the latest signed head, {summary.root.hex()} at size {summary.size}, is the source's")
    if copied.left_out:
        console.print(f"[yellow]the source gained {copied.left_out} entries after the copy started (a gateway still "
                      "writing it): they are not in the copy; stop the gateway and copy again into an empty "
                      "database[/yellow]")
