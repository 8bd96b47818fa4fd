"""The few graph statements that differ between ArcadeDB and Neo4j 5.

graph/ speaks one Cypher to both backends (docs/arcadedb.md); this table
holds the exceptions and the statements whose portability the contract suite
pins (tests/contract). Every ArcadeDB entry was run against the
``arcadedb-embedded`` server (engine 26.10.2) over Bolt or its HTTP API; the
Neo4j entries are standard Neo4j 5 syntax.

Templates use ``str.format`` fields ({name}, {label}, {prop}, {type}); the
values are identifiers chosen by graph/ itself, never user input, and are
checked by :func:`identifier` before they are spliced in (DDL takes no
parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import neo4j

from graph.embedded import BoltEndpoint, arcadedb_sql

Backend = Literal["arcadedb", "neo4j"]
BACKENDS: tuple[Backend, ...] = ("arcadedb", "neo4j")


@dataclass(frozen=True)
class Statement:
    """One statement and the channel it must travel on.

    ``cypher`` goes through the neo4j driver; ``arcadedb-sql`` is ArcadeDB SQL
    for its HTTP API, which Bolt cannot carry.
    """

    text: str
    via: Literal["cypher", "arcadedb-sql"] = "cypher"


_UNIQUE_NODE_KEY = Statement("CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE")
_NODE_INDEX = Statement("CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")

DIALECT: dict[Backend, dict[str, tuple[Statement, ...]]] = {
    "arcadedb": {
        # Same text as Neo4j. The constraint is polymorphic: one on :Entity
        # also rejects a duplicate key on a node labelled :Person:Entity.
        "unique_node_key": (_UNIQUE_NODE_KEY,),
        "node_index": (_NODE_INDEX,),
    },
    "neo4j": {
        "unique_node_key": (_UNIQUE_NODE_KEY,),
        "node_index": (_NODE_INDEX,),
    },
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def identifier(value: str) -> str:
    """Return ``value`` if it is safe to splice into DDL as a name, else raise."""
    if not _IDENTIFIER.match(value):
        raise ValueError(f"not a plain identifier: {value!r}")
    return value


def statements(backend: Backend, entry: str, **names: str) -> tuple[Statement, ...]:
    """The dialect entry for ``backend`` with its name fields filled in."""
    checked = {key: identifier(value) for key, value in names.items()}
    return tuple(Statement(s.text.format(**checked), s.via) for s in DIALECT[backend][entry])


def backend_from_agent(agent: str) -> Backend:
    """Tell the backend from the Bolt server agent string.

    ArcadeDB answers ``CALL dbms.components()`` with 'Neo4j Kernel 5.26.0',
    so that procedure cannot tell them apart; its agent string can:
    'Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)' versus 'Neo4j/5.x.y'.
    """
    return "arcadedb" if "arcadedb" in agent.lower() else "neo4j"


async def detect_backend(session: neo4j.AsyncSession) -> Backend:
    """Detect the backend behind a session from one trivial query's summary."""
    result = await session.run("RETURN 1")
    summary = await result.consume()
    return backend_from_agent(summary.server.agent)


async def execute(
    statement: Statement,
    *,
    driver: neo4j.AsyncDriver,
    endpoint: BoltEndpoint,
) -> None:
    """Run one dialect statement on its channel (Bolt, or ArcadeDB's HTTP API)."""
    if statement.via == "arcadedb-sql":
        await arcadedb_sql(endpoint, statement.text)
    else:
        await driver.execute_query(statement.text, database_=endpoint.database)
