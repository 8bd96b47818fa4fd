"""What every `regulink` command module shares: option types and the one-line error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from gateway import errors
from gateway.sdk.client import AsyncClient, TlsFiles
from gateway.server import config

console = Console(stderr=True)
out = Console()

DataDir = Annotated[Path, typer.Option("--data-dir", envvar="REGULINK_DATA_DIR",
                                       help="Gateway data directory (registry, ledger, keys, TLS).")]
Target = Annotated[str, typer.Option("--target", envvar="REGULINK_TARGET", help="Gateway address HOST:PORT.")]
TlsDir = Annotated[Optional[Path], typer.Option("--tls-dir", envvar="REGULINK_TLS_DIR",
                                                help="Folder with ca.pem and clients/<agency>.pem, -key.pem "
                                                "[default: <data-dir>/tls].")]
As = Annotated[str, typer.Option("--as", envvar="REGULINK_AGENCY", help="Your agency id.")]
# The gateway's own settings, for the commands that read them (serve, graph rebuild).
ConfigFile = Annotated[Optional[Path], typer.Option("--config", envvar="REGULINK_CONFIG",
                                                    help="The gateway's TOML file (its \\[gateway] table).")]
DataDirOverride = Annotated[Optional[Path], typer.Option("--data-dir", help="Overrides the config "
                                                         "(env REGULINK_DATA_DIR).")]
DEFAULT_DIR = config.DEFAULT_DATA_DIR
DEFAULT_TARGET = "localhost:7443"
T = TypeVar("T")


def fail(message: str) -> None:
    """One readable line on stderr, exit code 1."""
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def agency_tls(as_agency: str, tls_dir: Path | None) -> TlsFiles:
    """The agency's client certificate, key and CA, or a one-line error saying who makes them."""
    tls = TlsFiles.for_agency(tls_dir or config.Settings().tls, as_agency)
    for path in (tls.ca, tls.cert, tls.key):
        if not path.exists():
            fail(f"missing {path}; the operator makes client certificates with `regulink dev-ca {as_agency}`")
    return tls


def with_client(as_agency: str, target: str, tls_dir: Path | None, work: Callable[[AsyncClient], Awaitable[T]]) -> T:
    """Connect to the gateway as the agency, run `work(client)`, and turn the gateway's refusal into
    one line naming its code (every partner command goes through here)."""
    tls = agency_tls(as_agency, tls_dir)

    async def run() -> T:
        async with AsyncClient.connect(target, tls) as client:
            return await work(client)

    try:
        return asyncio.run(run())
    except errors.RegulinkError as exc:
        fail(f"{exc.code}: {exc}")
