"""The data directory is private (gateway.ops.datadir, gateway.db): created 0700/0600 whatever the
umask, loosened copies tightened at start with a warning, another user's loose file refused."""

from __future__ import annotations

import os
import stat

import pytest

from gateway import db, keys
from gateway.ledger.store import LedgerStore
from gateway.ops import datadir
from gateway.server.audit import AuditLog
from gateway.server.registry import Registry


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask a shell could have: what is created private is private by itself."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_databases_and_their_wal_files_are_created_private(tmp_path, open_umask):
    data = tmp_path / "gw"
    datadir.secure(data)
    ledger = LedgerStore(data / "ledger.db")
    registry = Registry(data / "registry.db")
    registry.add_agency("fsa-jp", "Financial Services Agency", "regulator", "JP")  # a write: -wal, -shm exist
    audit = AuditLog(data / "audit.db")
    audit._open("fsa-jp", "Search", {"query": "x"})
    keys.write_private_key(keys.generate(), data / "keys" / "log-key.pem")
    assert mode(data) == 0o700 and mode(data / "keys") == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"ledger.db", "registry.db", "registry.db-wal", "registry.db-shm", "audit.db",
                                       "audit.db-wal", "log-key.pem"}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    # A database in a folder that does not exist yet: the folder is made private too.
    conn = db.connect(tmp_path / "elsewhere" / "x.db")
    conn.close()
    assert mode(tmp_path / "elsewhere") == 0o700 and mode(tmp_path / "elsewhere" / "x.db") == 0o600
    for closing in (ledger, registry, audit):
        closing.close()


def test_loose_files_and_folders_are_tightened_with_a_warning_each(tmp_path, caplog):
    data = tmp_path / "gw"
    (data / "keys").mkdir(parents=True)
    for name in ("ledger.db", "ledger.db-wal", "audit.db", "registry.db", "keys/log-key.pem"):
        (data / name).write_bytes(b"")
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)
    os.chmod(data / "keys", 0o775)
    (data / "notes.txt").write_text("the operator's own file")  # not the gateway's: left alone
    os.chmod(data / "notes.txt", 0o644)
    warnings = datadir.secure(data)
    assert len(warnings) == 7 and all("made it" in w for w in warnings)
    assert mode(data) == 0o700 and mode(data / "keys") == 0o700
    assert all(mode(data / n) == 0o600 for n in ("ledger.db", "ledger.db-wal", "audit.db", "registry.db",
                                                 "keys/log-key.pem"))
    assert mode(data / "notes.txt") == 0o644
    assert "ledger.db was mode 0644" in caplog.text
    assert datadir.secure(data) == []  # private now: nothing more to say


def test_another_users_readable_file_is_refused_with_the_fix(tmp_path, monkeypatch):
    data = tmp_path / "gw"
    data.mkdir(mode=0o700)
    (data / "ledger.db").write_bytes(b"")
    os.chmod(data / "ledger.db", 0o644)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(data).st_uid + 1)  # as if the gateway ran as another user
    with pytest.raises(datadir.ExposedData) as refused:
        datadir.secure(data)
    assert "ledger.db is mode 0644" in str(refused.value) and "chmod 600" in str(refused.value)


def test_another_users_loose_folder_is_only_warned_about(tmp_path, monkeypatch):
    data = tmp_path / "gw"
    data.mkdir()
    os.chmod(data, 0o2775)  # a Kubernetes volume root with fsGroup
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(data).st_uid + 1)
    warnings = datadir.secure(data)
    assert len(warnings) == 1 and "chmod 700" in warnings[0]
