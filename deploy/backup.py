#!/usr/bin/env python3
"""Online backup of a regulink data directory, safe while `regulink serve` runs.

    regulink-backup DEST [--data-dir DIR]          (in the image: /opt/regulink/bin/regulink-backup)
    python deploy/backup.py DEST [--data-dir DIR]  (from a checkout)

Copies into DEST (which must not exist yet):

    watches.db, ledger.db,             with SQLite's online backup API: each copy is a
    registry.db, audit.db              consistent snapshot even while the gateway
                                       writes (WAL), unlike `cp`, which can tear a page
    keys/                              the log signing key (without it the restored log
                                       cannot sign new tree heads under the same key)
    tls/                               only when it lives under the data dir (the dev CA)
    MANIFEST.json                      tree size and root of the newest signed head in
                                       the copied ledger, and SHA-256 of every file

graph/ (the embedded ArcadeDB) is not copied: it is rebuilt from the ledger
with `regulink graph rebuild`. Each database is snapshotted on its own, so the
four are not one atomic snapshot; none depends on another's exact state.
Exit status 0 on success, 1 with one line on stderr otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

# watches.db before ledger.db: its copy then never says it evaluated entries the ledger's copy lacks
# (the restored gateway evaluates again from where the watches' copy left off: alerts at least once).
DATABASES = ("watches.db", "ledger.db", "registry.db", "audit.db")


def _snapshot(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            # A self-contained file: no -wal/-shm beside it (the gateway turns WAL back on when it opens it).
            dst.execute("PRAGMA journal_mode=DELETE")
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise RuntimeError(f"{target}: integrity check failed")
        finally:
            dst.close()
    finally:
        src.close()


def _newest_head(ledger: Path) -> dict:
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(tree_heads)")]
        row = conn.execute("SELECT * FROM tree_heads ORDER BY tree_size DESC LIMIT 1").fetchone()
        entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        conn.close()
    head = dict(zip(columns, row)) if row else {}
    summary = {"entries": entries}
    for name in ("tree_size", "timestamp_ms"):
        if name in head:
            summary[name] = head[name]
    if isinstance(head.get("root_hash"), bytes):
        summary["root_hash"] = base64.b64encode(head["root_hash"]).decode()
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Online backup of a regulink data directory.")
    parser.add_argument("dest", type=Path, help="New folder for the backup (must not exist).")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("REGULINK_DATA_DIR", "~/.regulink")).expanduser(),
                        help="Gateway data directory [env REGULINK_DATA_DIR, else ~/.regulink].")
    args = parser.parse_args(argv)
    data, dest = args.data_dir, args.dest
    try:
        if not (data / "ledger.db").exists():
            raise RuntimeError(f"{data} has no ledger.db; pass --data-dir (or set REGULINK_DATA_DIR)")
        dest.mkdir(parents=True, exist_ok=False)
        os.chmod(dest, 0o700)
        for name in DATABASES:
            if (data / name).exists():
                _snapshot(data / name, dest / name)
        for folder in ("keys", "tls"):
            if (data / folder).is_dir():
                shutil.copytree(data / folder, dest / folder)
        files = sorted(p for p in dest.rglob("*") if p.is_file())
        manifest = {
            "data_dir": str(data.resolve()),
            "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "ledger": _newest_head(dest / "ledger.db"),
            "sha256": {str(p.relative_to(dest)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
        }
        (dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        print(f"error: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup of {data} in {dest}: ledger size {manifest['ledger'].get('tree_size', 0)}, "
          f"{len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
