"""`regulink ledger …`: the operator's checks of the ledger file itself (on the gateway host)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gateway import config, keys
from gateway.cli_common import ConfigFile, DataDirOverride, console, fail, out
from gateway.ledger import integrity
from gateway.ledger.store import LedgerStore

#: Exit status when the ledger is damaged (1: the check could not run).
EXIT_DAMAGED = 3

ledger_app = typer.Typer(help="Check the ledger file (operator, on the gateway host).", no_args_is_help=True)


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
    path = ledger or settings.ledger_path
    try:
        if log_key is not None:
            public = keys.load_public_key(Path(log_key) if Path(log_key).exists() else log_key.encode())
        else:
            public = keys.load_private_key(settings.log_key_path).public_key()
    except (OSError, ValueError) as exc:
        fail(f"cannot read the log key ({exc}); give it with --log-key (`regulink log-info` prints it)")
    if signatures and not settings.registry_path.exists():
        fail(f"no registry at {settings.registry_path}; point --data-dir at the gateway's, or use --no-signatures")
    try:
        store = LedgerStore(path, readonly=True)
    except FileNotFoundError as exc:
        fail(str(exc))
    started = time.perf_counter()
    try:
        newest = store.latest_tree_head()
        with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console) as progress:
            task = progress.add_task("verify", total=newest.tree_size if newest else 0)
            summary = integrity.check_all(store, public, None, settings.registry_path if signatures else None,
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
