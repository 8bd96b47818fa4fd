"""What every `regulink` command module shares: option types and the one-line error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

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


def fail(message: str) -> None:
    """One readable line on stderr, exit code 1."""
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)
