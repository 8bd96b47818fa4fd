"""Fixtures every test folder may use: throw-away PostgreSQL servers (tests/pgcluster.py).

`pg_cluster` is one server for the session (about 3 s to make); `pg_database` a fresh database on
it per test, dropped afterwards. Without PostgreSQL's binaries they skip, saying how to install them.
"""

from __future__ import annotations

import pytest

from tests import pgcluster


@pytest.fixture(scope="session")
def pg_cluster():
    if not pgcluster.available():
        pytest.skip(pgcluster.SKIP_REASON)
    cluster = pgcluster.Cluster.create()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_database(pg_cluster) -> str:
    """The URL of an empty database of its own."""
    name = pg_cluster.new_database()
    yield pg_cluster.dsn(name)
    pg_cluster.drop_database(name)
