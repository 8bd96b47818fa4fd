"""The exchange and transparency tests of tests/e2e again, on a gateway whose ledger and agency
registry live in a real PostgreSQL server (ledger = "postgresql://…"): every refusal, receipt,
proof, subscription and registry answer must be the same as on SQLite.

The tests are the very functions of test_exchange.py and test_transparency.py, collected here a
second time with the `env` fixture below instead of the SQLite one of conftest.py.
"""

from __future__ import annotations

import pytest

from gateway.ledger.pg_store import PgLedgerStore
from gateway.server import config
from tests.e2e.conftest import gateway_env
from tests.e2e.test_exchange import *  # noqa: F403  (collected again: the same tests on PostgreSQL)
from tests.e2e.test_transparency import *  # noqa: F403


@pytest.fixture(scope="module")
async def env(tmp_path_factory, pg_cluster):
    database = pg_cluster.new_database()
    settings = config.load(data_dir=tmp_path_factory.mktemp("gateway-pg"), listen="127.0.0.1:0",
                           origin="test.regulink/log", ledger=pg_cluster.dsn(database), graph="none")
    try:
        async with gateway_env(settings) as running:
            assert isinstance(running.gateway.ledger.store, PgLedgerStore)
            yield running
    finally:
        pg_cluster.drop_database(database)
