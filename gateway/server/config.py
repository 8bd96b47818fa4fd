"""Gateway settings: defaults, then a TOML file, then REGULINK_* environment variables.

Validated at start with errors that name the setting and the fix.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("REGULINK_DATA_DIR", "~/.regulink")).expanduser()


class ConfigError(ValueError):
    pass


def _is_host_port(value: str) -> bool:
    host, sep, port = value.rpartition(":")
    return bool(sep and host and port.isdigit() and 0 <= int(port) < 65536)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default=DEFAULT_DATA_DIR)
    listen: str = "127.0.0.1:7443"
    # Names the log in every signed tree head; change it once, before the first record.
    origin: str = "regulink.local/log"
    # TLS material; default <data_dir>/tls (made by `regulink dev-ca` or on first start).
    tls_dir: Path | None = None
    max_envelope_bytes: int = 1 << 20
    max_message_bytes: int = 16 << 20
    # Graph store: "embedded" (an ArcadeDB child process under <data_dir>/graph), a Bolt URI
    # (bolt://host:7687, neo4j://cluster:7687 for Neo4j) or "none" (ledger only).
    graph: str = "embedded"
    graph_user: str = "neo4j"
    graph_password: str = ""
    graph_database: str = ""
    # Heap of the embedded ArcadeDB JVM.
    graph_heap: str = "1536m"
    # Worker processes checking stream signatures: -1 = one per core (none on one core), 0 = in the event loop.
    verify_workers: int = -1
    # Prometheus metrics over plain HTTP at HOST:PORT/metrics, e.g. 127.0.0.1:9464; "" = off.
    # Keep it on loopback or an operations network: it is unauthenticated.
    metrics_listen: str = ""
    # Per agency: records per second on average (0 = no limit), the burst it may send at once,
    # and open SubmitStream/Subscribe calls (0 = no cap). See gateway/server/limits.py.
    agency_rate: int = 0
    agency_burst: int = 10_000
    agency_max_streams: int = 16
    # Seconds the graph projection may fail at one place before it is reported stuck (an alarm:
    # GetGraphStatus, metrics, the regulink.graph.Freshness health status).
    projection_stuck_seconds: int = 60
    # Where the log lives: "" = <data_dir>/ledger.db (SQLite), a path or sqlite:PATH, or a
    # postgresql:// URL (several hosts and target_session_attrs=read-write follow a failover).
    # On PostgreSQL the agency registry lives there too (gateway.server.registry_pg). docs/ledger.md.
    ledger: str = ""
    # PostgreSQL only: what COMMIT waits for before a receipt leaves: on (the synchronous standby has the
    # batch on disk), remote_apply (and queries on it see it) or remote_write (in its memory).
    ledger_synchronous_commit: str = "on"
    # writer: the one sequencer (on PostgreSQL it waits for the writer lease, as a standby, while another
    # holds it); query: read-only, serves queries, exports, proofs and Subscribe from a PostgreSQL ledger.
    role: str = "writer"
    # The address partners reach this writer at, which query gateways name when they refuse a record;
    # default: listen (with this machine's name for 0.0.0.0).
    advertise: str = ""

    @property
    def tls(self) -> Path:
        return self.tls_dir or self.data_dir / "tls"

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "registry.db"

    @property
    def ledger_path(self) -> Path:
        """The SQLite ledger file (when the ledger is not PostgreSQL)."""
        if self.ledger and not self.ledger_on_postgresql:
            return Path(self.ledger.removeprefix("sqlite:")).expanduser()
        return self.data_dir / "ledger.db"

    @property
    def ledger_on_postgresql(self) -> bool:
        return self.ledger.startswith(("postgresql://", "postgres://"))

    @property
    def ledger_location(self) -> str:
        """What gateway.ledger.stores.open_store opens: the PostgreSQL URL or the SQLite file."""
        return self.ledger if self.ledger_on_postgresql else str(self.ledger_path)

    @property
    def registry_location(self) -> str:
        """The agency registry: in the ledger's PostgreSQL database, else <data_dir>/registry.db."""
        return self.ledger if self.ledger_on_postgresql else str(self.registry_path)

    def advertised(self, port: int | None = None) -> str:
        """The writer's address for partners: advertise, else listen (this machine's name for a wildcard
        host, the port bound when listen asked for port 0)."""
        if self.advertise:
            return self.advertise
        host, _, wanted = self.listen.rpartition(":")
        host = socket.gethostname() if host in ("0.0.0.0", "[::]", "::") else host
        return f"{host}:{port if port is not None else wanted}"

    @property
    def log_key_path(self) -> Path:
        return self.data_dir / "keys" / "log-key.pem"

    def validate(self) -> Settings:
        if not _is_host_port(self.listen):
            raise ConfigError(f"listen must be HOST:PORT, e.g. 127.0.0.1:7443 (got {self.listen!r})")
        if self.metrics_listen:
            if not _is_host_port(self.metrics_listen):
                raise ConfigError(f"metrics_listen must be HOST:PORT, e.g. 127.0.0.1:9464, or empty for none "
                                  f"(got {self.metrics_listen!r})")
            if self.metrics_listen == self.listen and not self.listen.endswith(":0"):
                raise ConfigError("metrics_listen must differ from listen (metrics are plain HTTP, gRPC is mTLS)")
        if not self.origin or "\n" in self.origin:
            raise ConfigError("origin must be one non-empty line, e.g. regulink.example.org/log")
        if self.max_envelope_bytes < 1024:
            raise ConfigError("max_envelope_bytes must be at least 1024")
        if self.max_message_bytes < self.max_envelope_bytes:
            raise ConfigError("max_message_bytes must be at least max_envelope_bytes")
        if self.graph not in ("embedded", "none") and not self.graph.startswith(("bolt://", "bolt+s://", "neo4j://",
                                                                                 "neo4j+s://")):
            raise ConfigError("graph must be embedded, none, or a bolt:// / neo4j:// URI")
        if self.agency_rate < 0 or self.agency_burst < 1 or self.agency_max_streams < 0:
            raise ConfigError("agency_rate and agency_max_streams must be 0 (no limit) or more, "
                              "agency_burst at least 1")
        if self.projection_stuck_seconds < 1:
            raise ConfigError("projection_stuck_seconds must be at least 1")
        if self.role not in ("writer", "query"):
            raise ConfigError(f"role must be writer or query (got {self.role!r})")
        if self.role == "query" and not self.ledger_on_postgresql:
            raise ConfigError("a query gateway reads the writer's PostgreSQL ledger: set ledger = "
                              "\"postgresql://…\" (REGULINK_LEDGER); a SQLite ledger has one gateway, the writer")
        if self.ledger.startswith("postgres") and not self.ledger_on_postgresql:
            raise ConfigError(f"ledger must be a postgresql:// URL, a file path or sqlite:PATH (got {self.ledger!r})")
        if self.ledger_synchronous_commit not in ("on", "remote_apply", "remote_write"):
            raise ConfigError("ledger_synchronous_commit must be on, remote_apply or remote_write: weaker values "
                              "would send receipts for batches one disk holds (docs/ledger.md)")
        if self.advertise and not _is_host_port(self.advertise):
            raise ConfigError(f"advertise must be HOST:PORT, e.g. gw-writer.example.org:7443 (got {self.advertise!r})")
        if self.verify_workers < -1:
            raise ConfigError("verify_workers must be -1 (one per core), 0 (none) or a number of processes")
        return self


def load(config_file: Path | None = None, **overrides) -> Settings:
    values: dict = {}
    config_file = config_file or (Path(os.environ["REGULINK_CONFIG"]) if os.environ.get("REGULINK_CONFIG") else None)
    if config_file is not None:
        try:
            values.update(tomllib.loads(Path(config_file).read_text()).get("gateway", {}))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from None
    names = {f.name: f for f in fields(Settings)}
    unknown = set(values) - set(names)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [gateway]: {', '.join(sorted(unknown))}")
    for name in names:
        env = os.environ.get(f"REGULINK_{name.upper()}")
        if env is not None:
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    typed = {}
    for name, value in values.items():
        kind = names[name].type
        try:
            if "Path" in str(kind):
                typed[name] = Path(str(value)).expanduser()
            elif kind in ("int", int):
                typed[name] = int(value)
            else:
                typed[name] = str(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number (got {value!r})") from None
    return replace(Settings(), **typed).validate()
