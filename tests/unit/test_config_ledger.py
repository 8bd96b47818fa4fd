"""Which ledger and role a gateway runs with: the `ledger`, `role`, `ledger_synchronous_commit` and
`advertise` settings, from the file, REGULINK_* and options, and the refusals that name the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ledger.pg_store import redact
from gateway.server import config


def test_sqlite_is_the_default_and_a_path_or_sqlite_url_names_the_file(tmp_path):
    settings = config.load(data_dir=tmp_path)
    assert settings.ledger_location == str(tmp_path / "ledger.db") and not settings.ledger_on_postgresql
    assert settings.registry_location == str(tmp_path / "registry.db")
    assert config.load(data_dir=tmp_path, ledger="sqlite:/srv/log.db").ledger_path == Path("/srv/log.db")
    assert config.load(data_dir=tmp_path, ledger="/srv/other.db").ledger_location == "/srv/other.db"


def test_postgresql_from_the_file_or_the_environment_carries_the_registry(tmp_path, monkeypatch):
    file = tmp_path / "regulink.toml"
    file.write_text('[gateway]\nledger = "postgresql://regulink@db1,db2/regulink?target_session_attrs=read-write"\n'
                    'ledger_synchronous_commit = "remote_apply"\n')
    settings = config.load(file, data_dir=tmp_path)
    assert settings.ledger_on_postgresql and settings.registry_location == settings.ledger_location == settings.ledger
    assert settings.ledger_synchronous_commit == "remote_apply"
    monkeypatch.setenv("REGULINK_LEDGER", "postgresql://other/db")
    monkeypatch.setenv("REGULINK_ROLE", "query")
    settings = config.load(file, data_dir=tmp_path)
    assert (settings.ledger, settings.role) == ("postgresql://other/db", "query")


@pytest.mark.parametrize("values, words", [
    ({"role": "reader"}, "role must be writer or query"),
    ({"role": "query"}, "a query gateway reads the writer's PostgreSQL ledger"),
    ({"ledger": "postgres:/typo"}, "ledger must be a postgresql:// URL"),
    ({"ledger": "postgresql://h/d", "ledger_synchronous_commit": "local"}, "weaker values would send receipts"),
    ({"ledger": "postgresql://h/d", "ledger_synchronous_commit": "off"}, "weaker values would send receipts"),
    ({"advertise": "no-port"}, "advertise must be HOST:PORT"),
])
def test_refusals_name_the_setting(tmp_path, values, words):
    with pytest.raises(config.ConfigError, match=words):
        config.load(data_dir=tmp_path, **values)


def test_the_advertised_address_is_the_bound_port_and_a_real_host(tmp_path):
    assert config.load(data_dir=tmp_path, listen="127.0.0.1:0").advertised(43210) == "127.0.0.1:43210"
    wildcard = config.load(data_dir=tmp_path, listen="0.0.0.0:7443").advertised()
    assert not wildcard.startswith("0.0.0.0") and wildcard.endswith(":7443")
    assert config.load(data_dir=tmp_path, advertise="gw.example.org:7443").advertised(1) == "gw.example.org:7443"


def test_passwords_stay_out_of_messages():
    assert redact("postgresql://regulink:s3cret@db1,db2/regulink") == "postgresql://regulink:***@db1,db2/regulink"
    assert redact("postgresql://regulink@db1/regulink") == "postgresql://regulink@db1/regulink"
