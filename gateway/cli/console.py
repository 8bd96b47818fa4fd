"""`regulink console` (start the investigator console) and `regulink console-user` (its logins)."""

from __future__ import annotations

import asyncio
import getpass
import ipaddress
import os
import signal
import socket
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Annotated, Optional

import typer

from gateway import keys
from gateway.cli.common import As, Target, TlsDir, fail, out
from gateway.cli.common import console as stderr
from gateway.sdk.client import TlsFiles
from gateway.server import config

DEFAULT_STATE = Path("~/.regulink/console").expanduser()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or int(port) > 65535:
        fail(f"--listen takes HOST:PORT, e.g. 127.0.0.1:0 (got {listen!r})")
    return host, int(port)


def _log_key(value: str | None) -> bytes | None:
    if not value:
        return None
    try:
        key = keys.load_public_key(Path(value) if Path(value).exists() else value.encode())
    except (OSError, ValueError) as exc:
        fail(f"--log-key: not a public key (64 hex characters or a PEM file): {exc}")
    return keys.raw_public_key(key)


def console(
    as_agency: As,
    target: Target = "localhost:7443",
    tls_dir: TlsDir = None,
    key: Annotated[Optional[Path], typer.Option(
        "--key", envvar="REGULINK_KEY",
        help="The agency's Ed25519 private key (PEM). Only needed to confirm or reject name candidates: the "
             "console signs those decisions as records. Without it the console only reads.")] = None,
    with_gateway: Annotated[Optional[Path], typer.Option(
        "--with-gateway", metavar="DATA_DIR",
        help="Also start a gateway on this data directory (`regulink serve`, loopback, stopped with the console) "
             "and use its TLS folder: for demos and trials, e.g. on `make demo`'s demo-data.")] = None,
    listen: Annotated[str, typer.Option(
        envvar="REGULINK_CONSOLE_LISTEN",
        help="HOST:PORT for the web page [default: 127.0.0.1:0, a free port on loopback]. Another address needs "
             "--remote.")] = "127.0.0.1:0",
    remote: Annotated[bool, typer.Option(
        "--remote", help="Allow listening beyond loopback, for several investigators: needs --tls-cert, "
                         "--tls-key and --users (each person signs in; their name goes with every call into the "
                         "gateway's query audit).")] = False,
    tls_cert: Annotated[Optional[Path], typer.Option(envvar="REGULINK_CONSOLE_TLS_CERT",
                                                     help="HTTPS certificate chain (PEM), with --remote.")] = None,
    tls_key: Annotated[Optional[Path], typer.Option(envvar="REGULINK_CONSOLE_TLS_KEY",
                                                    help="HTTPS private key (PEM), with --remote.")] = None,
    users: Annotated[Optional[Path], typer.Option(envvar="REGULINK_CONSOLE_USERS",
                                                  help="Who may sign in (`regulink console-user` writes it), with "
                                                       "--remote.")] = None,
    server_name: Annotated[Optional[list[str]], typer.Option(
        help="Host names (HOST:PORT as browsers send them) the console answers to, with --remote [default: any; "
             "on loopback only 127.0.0.1 and localhost].")] = None,
    investigator: Annotated[Optional[str], typer.Option(
        envvar="REGULINK_INVESTIGATOR",
        help="Your name, sent with every call for the gateway's query audit [default: your login name]. "
             "With --remote each person's own login name is used instead.")] = None,
    state_dir: Annotated[Optional[Path], typer.Option(
        envvar="REGULINK_CONSOLE_STATE",
        help="Where saved investigations and the pinned log key are kept "
             "[default: ~/.regulink/console/AGENCY].")] = None,
    log_key: Annotated[Optional[str], typer.Option(
        envvar="REGULINK_LOG_KEY",
        help="Pin the log's public key (64 hex characters or a PEM file; `regulink log-info` prints it) "
             "[default: trust it on first use and keep it in the state folder].")] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the link in your web browser.")] = False,
) -> None:
    """Open the investigator console: search, expand, verify and export the graph in a browser.

    A local web application that asks the gateway as your agency, over mTLS through the SDK; it
    shows only what your agency may see, and checks every record's signature and log proof itself.
    It prints a link that opens it once (press Enter in this terminal for another). docs/console.md
    explains each panel.

    Example: regulink console --as npa-cyber --key keys/npa-cyber.pem --open
    """
    from gateway.console.access import Users, UsersFileError, check_person_name

    host, port = _split_listen(listen)
    if not _loopback(host):
        if not remote:
            fail(f"listening on {host} reaches beyond this machine: add --remote, with --tls-cert, --tls-key and "
                 "--users, or keep the default 127.0.0.1")
        if not (tls_cert and tls_key and users):
            fail("--remote needs --tls-cert, --tls-key (HTTPS) and --users (who may sign in)")
    login = None
    if remote or users:
        if users is None:
            fail("--remote needs --users (make it with `regulink console-user NAME --users FILE`)")
        try:
            login = Users(users)
        except UsersFileError as exc:
            fail(str(exc))
        if not len(login):
            fail(f"{users} names nobody; add a person with `regulink console-user NAME --users {users}`")
    try:
        person = "" if login else check_person_name(investigator or getpass.getuser())
    except ValueError as exc:
        fail(f"--investigator: {exc}")
    signer = None
    if key is not None:
        try:
            signer = keys.load_private_key(key)
        except (OSError, ValueError) as exc:
            fail(f"--key: cannot read the signing key {key}: {exc}")
    pinned = _log_key(log_key)
    state = state_dir or DEFAULT_STATE / as_agency
    if with_gateway is not None:
        tls_dir = tls_dir or with_gateway / "tls"
    tls = TlsFiles.for_agency(tls_dir or config.Settings().tls, as_agency)
    for path in (tls.ca, tls.cert, tls.key):
        if not path.exists():
            fail(f"missing {path}; the gateway's operator makes client certificates with `regulink dev-ca {as_agency}`")

    from gateway.server import logs

    logs.configure(os.environ.get("REGULINK_LOG_LEVEL", "WARNING").upper(), "text")
    os.umask(0o077)  # saved investigations and pins are the agency's alone
    try:
        asyncio.run(_serve(as_agency, target, tls, with_gateway, host, port, state, pinned, signer, person, login,
                           tls_cert, tls_key, server_name or [], open_browser))
    except KeyboardInterrupt:
        pass


async def _serve(agency, target, tls, with_gateway, host, port, state, pinned, signer, person, login,
                 tls_cert, tls_key, server_names, open_browser) -> None:
    import uvicorn

    from gateway.console.app import ConsoleServer, ConsoleState, build
    from gateway.console.link import GatewayLink, LinkRefused
    from gateway.console.saved import Investigations
    from gateway.ops import process

    gateway = None
    if with_gateway is not None:
        extra = ["--config", str(with_gateway / "gateway.toml")] if (with_gateway / "gateway.toml").exists() else []
        stderr.print(f"starting a gateway on {with_gateway} …")
        gateway = await process.start(with_gateway, *extra, "--log-level", "WARNING")
        target = gateway.target
    link = GatewayLink(target, tls, agency, state_dir=state, log_key=pinned)
    try:
        try:
            await link.start()
        except LinkRefused as exc:
            fail(str(exc))
        saved = Investigations(state / "investigations.db", agency)
        console_state = ConsoleState(link, saved, signer, person, users=login, tls=bool(tls_cert))
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(128)  # a browser opening the printed link at once waits in the backlog, never refused
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror}")
        port = console_state.port = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        if _loopback(host):
            console_state.hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", shown_host)}
        else:
            console_state.hosts = set(server_names)
        scheme = "https" if tls_cert else "http"
        base = f"{scheme}://{shown_host}:{port}"
        server = ConsoleServer(uvicorn.Config(
            build(console_state), log_level="warning", access_log=False, lifespan="on", server_header=False,
            ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None,
            timeout_graceful_shutdown=2))

        def new_link() -> None:
            out.print(console_state.link_url(base), soft_wrap=True, highlight=False)

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop_soon)
        if login is None:
            stderr.print(f"regulink console for [bold]{agency}[/bold] (as {person}) on {base}, gateway {link.target}, "
                         f"log key {link.log_key_id[:16]}…; open this link (once, within 15 minutes; press Enter "
                         "here for another):")
            loop.add_signal_handler(signal.SIGUSR1, new_link)  # before the first link: a script may ask at once
            if sys.stdin.isatty():
                _on_enter(loop, new_link)
            new_link()
            url = f"{base}/"
        else:
            url = f"{base}/login"
            stderr.print(f"regulink console for [bold]{agency}[/bold] on {url} ({len(login)} people may sign in)")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url if login else console_state.link_url(base),),
                             daemon=True).start()
        await server.serve(sockets=[sock])
    finally:
        await link.close()
        if gateway is not None:
            await gateway.stop()


def _on_enter(loop: asyncio.AbstractEventLoop, action) -> None:
    def readable() -> None:
        if not sys.stdin.readline():
            loop.remove_reader(sys.stdin)  # end of input: no more links on Enter
            return
        action()

    loop.add_reader(sys.stdin, readable)


def console_user(
    name: Annotated[str, typer.Argument(help="The person's name as the audit will show it.")],
    users: Annotated[Path, typer.Option(envvar="REGULINK_CONSOLE_USERS", help="The users file (created, mode 0600).")],
) -> None:
    """Let a person sign in to a console started with --remote (asks for their password; run again to change it).

    Example: regulink console-user "Aiko Tanaka" --users /etc/regulink/console-users
    """
    from gateway.console.access import add_user

    password = typer.prompt("password (at least 12 characters)", hide_input=True, confirmation_prompt=True)
    try:
        new = add_user(users, name, password)
    except (ValueError, OSError) as exc:
        fail(str(exc))
    stderr.print(f"{'added' if new else 'changed the password of'} {name} in {users}")
