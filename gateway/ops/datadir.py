"""The data directory is the gateway user's alone: folders 0700, files 0600.

`ledger.db` holds every AMBER and RED record, `audit.db` who searched for what, `keys/` the key
that signs the log. Any other local user who can read them reads everything (issue 13). The
gateway creates them private (gateway.db, gateway.keys; `regulink serve` also sets umask 077 for
what the embedded graph database writes) and checks them at every start, before opening them:

* looser than that and owned by the gateway's user (a copy restored with `cp`, files made by an
  older regulink): tightened, with a warning naming each path;
* looser and not the gateway user's to change: a file is refused (the gateway will not start
  while another user's file can expose it, and says the fix); a folder only warned about,
  because a volume's mount point (Kubernetes gives it to the pod's group) cannot be chmod-ed
  by the gateway, and the files inside it stay private anyway.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("regulink.gateway")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
DATABASES = ("ledger.db", "registry.db", "audit.db", "watches.db")
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
PRIVATE_DIRS = ("", "keys", "graph")


class ExposedData(Exception):
    """A data file other users can read, which the gateway cannot make private itself."""


def sensitive_paths(data_dir: Path) -> list[Path]:
    """What must be private, in the order it is checked: folders first."""
    paths = [data_dir / name for name in PRIVATE_DIRS]
    paths += [data_dir / (db + suffix) for db in DATABASES for suffix in SQLITE_COMPANIONS]
    keys = data_dir / "keys"
    if keys.is_dir():
        paths += sorted(p for p in keys.iterdir() if p.is_file())
    tls = data_dir / "tls"  # the development CA's keys, when it lives in the data directory
    if tls.is_dir():
        paths += sorted(tls.glob("*-key.pem")) + sorted(tls.glob("clients/*-key.pem"))
    graph = data_dir / "graph"
    if graph.is_dir():  # the embedded ArcadeDB's generated password and server settings
        paths += sorted(p for p in graph.iterdir() if p.is_file())
    return [p for p in paths if p.exists()]


def secure(data_dir: Path) -> list[str]:
    """Create the data directory private if absent; tighten or refuse what is looser (see the
    module docstring). Returns the warnings it logged."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=PRIVATE_DIR)
    warnings: list[str] = []
    for path in sensitive_paths(data_dir):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue  # a link's own mode means nothing; its target is checked where it lives
        mode = stat.S_IMODE(info.st_mode)
        if not mode & 0o077:
            continue
        private = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
        if info.st_uid == os.geteuid():
            os.chmod(path, mode & private)
            warnings.append(f"{path} was mode {mode:04o}, readable beyond its owner; made it {mode & private:04o}")
        elif stat.S_ISDIR(info.st_mode):
            warnings.append(f"{path} is mode {mode:04o} and owned by another user: others may list it "
                            f"(the files in it stay private); fix: chmod 700 {path}")
        else:
            raise ExposedData(f"{path} is mode {mode:04o}, owned by uid {info.st_uid}, not by this gateway's user "
                              f"(uid {os.geteuid()}): others may read it; fix: chown {os.geteuid()} {path} && "
                              f"chmod 600 {path}")
    for warning in warnings:
        log.warning("%s", warning)
    return warnings
