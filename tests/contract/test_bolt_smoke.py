"""The Cypher graph/ relies on, run through the official async neo4j driver.

Each test pins one feature the store or the query layer uses, on every
backend under test (see conftest.py). Where ArcadeDB and Neo4j differ by
design, the test states both behaviours; docs/arcadedb.md lists the gaps.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import neo4j
import neo4j.exceptions
import pytest

from graph import dialect, embedded
from graph.embedded import PASSWORD_FILE, EmbeddedArcadeDB
from graph.embedded import free_loopback_port as free_port

from .conftest import GraphBackend, Scratch

CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"


async def _unique_key(bolt: GraphBackend, scratch: Scratch, label: str) -> None:
    for statement in dialect.statements(
        bolt.backend, "unique_node_key", name=scratch.name(f"{label}_key"), label=label, prop="key"
    ):
        await dialect.execute(statement, driver=bolt.driver, endpoint=bolt.endpoint)


async def _chain(bolt: GraphBackend, label: str, length: int) -> None:
    """(k1)-[:LINK]->(k2)-> … ->(k<length>)."""
    await bolt.query(
        f"UNWIND range(1, $n) AS i CREATE (:{label} {{key: 'k' + toString(i), i: i}})", n=length
    )
    await bolt.query(
        f"MATCH (a:{label}), (b:{label}) WHERE b.i = a.i + 1 CREATE (a)-[:LINK {{key: a.key + '>' + b.key}}]->(b)"
    )


# -- identity of the backend -------------------------------------------------


async def test_backend_is_detected_from_the_server_agent(bolt: GraphBackend) -> None:
    info = await bolt.driver.get_server_info()
    assert dialect.backend_from_agent(info.agent) == bolt.backend
    # dbms.components() cannot tell them apart: ArcadeDB claims to be Neo4j.
    rows = await bolt.query("CALL dbms.components() YIELD name RETURN name")
    assert rows[0]["name"] == "Neo4j Kernel"


# -- schema -------------------------------------------------------------------


async def test_unique_constraint_if_not_exists_is_idempotent_and_enforced(
    bolt: GraphBackend, scratch: Scratch
) -> None:
    label = scratch.label("Wallet")
    await _unique_key(bolt, scratch, label)
    await _unique_key(bolt, scratch, label)  # IF NOT EXISTS: second run is a no-op
    constraints = await bolt.query(
        "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN name, labelsOrTypes, properties"
    )
    mine = [c for c in constraints if c["labelsOrTypes"] == [label]]
    assert mine == [{"name": scratch.name(f"{label}_key"), "labelsOrTypes": [label], "properties": ["key"]}]

    await bolt.query(f"CREATE (:{label} {{key: 'w1'}})")
    with pytest.raises(neo4j.exceptions.ConstraintError) as failed:
        await bolt.query(f"CREATE (:{label} {{key: 'w1'}})")
    assert failed.value.code == CONSTRAINT_FAILED


async def test_unique_constraint_covers_nodes_with_several_labels(bolt: GraphBackend, scratch: Scratch) -> None:
    entity, person, org = scratch.label("Entity"), scratch.label("Person"), scratch.label("Org")
    await _unique_key(bolt, scratch, entity)
    rows = await bolt.query(f"CREATE (n:{person}:{entity} {{key: 'x'}}) RETURN labels(n) AS labels")
    assert sorted(rows[0]["labels"]) == sorted([person, entity])
    with pytest.raises(neo4j.exceptions.ConstraintError):
        await bolt.query(f"CREATE (:{org}:{entity} {{key: 'x'}})")
    rows = await bolt.query(f"MERGE (n:{entity} {{key: 'x'}}) RETURN labels(n) AS labels")
    assert sorted(rows[0]["labels"]) == sorted([person, entity])


# -- writes ---------------------------------------------------------------------


async def test_unwind_merge_with_nested_map_params_and_list_properties(
    bolt: GraphBackend, scratch: Scratch
) -> None:
    label = scratch.label("Wallet")
    await _unique_key(bolt, scratch, label)
    upsert = f"""
        UNWIND $rows AS r
        MERGE (n:{label} {{key: r.key}})
        ON CREATE SET n += r.props, n.sources = [r.meta.record], n.first_seen = r.meta.at
        ON MATCH SET n += r.props,
                     n.sources = CASE WHEN r.meta.record IN n.sources THEN n.sources
                                      ELSE n.sources + r.meta.record END
        RETURN n.key AS key, n.chain AS chain, n.tags AS tags, n.sources AS sources, n.first_seen AS first_seen
        ORDER BY key
    """
    first = [
        {"key": "eth:0xabc", "props": {"chain": "eth", "tags": ["mixer", "hot"]}, "meta": {"record": "r1", "at": 1}},
        {"key": "btc:bc1q", "props": {"chain": "btc", "tags": []}, "meta": {"record": "r1", "at": 1}},
    ]
    rows = await bolt.query(upsert, rows=first)
    assert rows == [
        {"key": "btc:bc1q", "chain": "btc", "tags": [], "sources": ["r1"], "first_seen": 1},
        {"key": "eth:0xabc", "chain": "eth", "tags": ["mixer", "hot"], "sources": ["r1"], "first_seen": 1},
    ]
    again = [{"key": "eth:0xabc", "props": {"tags": ["mixer"]}, "meta": {"record": "r2", "at": 2}}]
    await bolt.query(upsert, rows=again + again)  # a row replayed in the same batch is a no-op
    assert await bolt.query(
        f"MATCH (n:{label}) RETURN n.key AS key, n.chain AS chain, n.tags AS tags, n.sources AS sources, "
        "n.first_seen AS first_seen ORDER BY key"
    ) == [
        {"key": "btc:bc1q", "chain": "btc", "tags": [], "sources": ["r1"], "first_seen": 1},
        {"key": "eth:0xabc", "chain": "eth", "tags": ["mixer"], "sources": ["r1", "r2"], "first_seen": 1},
    ]


async def test_merge_relationships_between_merged_nodes_is_idempotent(
    bolt: GraphBackend, scratch: Scratch
) -> None:
    label = scratch.label("Wallet")
    await _unique_key(bolt, scratch, label)
    link = f"""
        UNWIND $rows AS r
        MERGE (a:{label} {{key: r.src}})
        MERGE (b:{label} {{key: r.dst}})
        MERGE (a)-[t:TRANSFERRED_TO {{key: r.key}}]->(b)
        ON CREATE SET t += r.props
        ON MATCH SET t.amount = r.props.amount
        RETURN type(t) AS type, properties(t) AS props, startNode(t).key AS src, endNode(t).key AS dst
    """
    rows = [{"src": "w1", "dst": "w2", "key": "tx1", "props": {"amount": 1.5, "sources": ["r1"]}}]
    assert await bolt.query(link, rows=rows) == [
        {"type": "TRANSFERRED_TO", "props": {"key": "tx1", "amount": 1.5, "sources": ["r1"]}, "src": "w1", "dst": "w2"}
    ]
    rows[0]["props"] = {"amount": 2.0, "sources": ["ignored"]}
    (again,) = await bolt.query(link, rows=rows)
    assert again["props"] == {"key": "tx1", "amount": 2.0, "sources": ["r1"]}
    counts = await bolt.query(
        f"MATCH (n:{label}) WITH count(n) AS nodes MATCH (:{label})-[t]->(:{label}) RETURN nodes, count(t) AS rels"
    )
    assert counts == [{"nodes": 2, "rels": 1}]


async def test_list_property_append_and_remove(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Org")
    await bolt.query(f"CREATE (:{label} {{key: 'o1'}})")
    append = f"MATCH (n:{label} {{key: 'o1'}}) SET n.sources = coalesce(n.sources, []) + $x RETURN n.sources AS s"
    assert await bolt.query(append, x=["r1"]) == [{"s": ["r1"]}]
    assert await bolt.query(append, x=["r2", "r3"]) == [{"s": ["r1", "r2", "r3"]}]
    remove = f"MATCH (n:{label} {{key: 'o1'}}) SET n.sources = [s IN n.sources WHERE s <> $x] RETURN n.sources AS s"
    assert await bolt.query(remove, x="r2") == [{"s": ["r1", "r3"]}]
    # Removing a property: SET to null. Maps cannot be property values anywhere.
    assert await bolt.query(f"MATCH (n:{label}) SET n.sources = null RETURN keys(n) AS k") == [{"k": ["key"]}]
    with pytest.raises(neo4j.exceptions.CypherTypeError):
        await bolt.query(f"MATCH (n:{label}) SET n.meta = $m", m={"a": 1})


async def test_detach_delete(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 3)
    with pytest.raises(neo4j.exceptions.Neo4jError):  # code differs: see docs/arcadedb.md
        await bolt.query(f"MATCH (n:{label} {{key: 'k2'}}) DELETE n")
    rows = await bolt.query(f"MATCH (n:{label} {{key: 'k2'}}) DETACH DELETE n RETURN count(*) AS c")
    assert rows == [{"c": 1}]
    assert await bolt.query(
        f"MATCH (n:{label}) OPTIONAL MATCH (n)-[r]-() RETURN count(DISTINCT n) AS n, count(r) AS r"
    ) == [{"n": 2, "r": 0}]


# -- transactions -----------------------------------------------------------------


async def test_explicit_transaction_rollback_and_commit(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Tx")
    count = f"MATCH (n:{label}) RETURN count(n) AS n"
    async with bolt.session() as session:
        tx = await session.begin_transaction()
        await tx.run(f"CREATE (:{label} {{key: 'a'}})")
        seen = await (await tx.run(count)).single()
        assert seen is not None and seen["n"] == 1  # a transaction sees its own writes
        assert await bolt.query(count) == [{"n": 0}]  # others do not
        await tx.rollback()
    assert await bolt.query(count) == [{"n": 0}]

    async with bolt.session() as session:
        async with await session.begin_transaction() as tx:
            await tx.run(f"CREATE (:{label} {{key: 'b'}})")
            await tx.commit()
    assert await bolt.query(count) == [{"n": 1}]


async def test_failed_statement_fails_the_whole_transaction(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Tx")
    await _unique_key(bolt, scratch, label)
    async with bolt.session() as session:
        tx = await session.begin_transaction()
        await (await tx.run(f"CREATE (:{label} {{key: 'a'}})")).consume()
        with pytest.raises(neo4j.exceptions.ConstraintError):
            await (await tx.run(f"CREATE (:{label} {{key: 'a'}})")).consume()
        with pytest.raises(neo4j.exceptions.TransactionError):  # the driver refuses a failed tx
            await tx.commit()
    assert await bolt.query(f"MATCH (n:{label}) RETURN count(n) AS n") == [{"n": 0}]


async def test_concurrent_merge_of_the_same_new_key(bolt: GraphBackend, scratch: Scratch) -> None:
    """Two open transactions MERGE one new key, then both commit.

    Neo4j serialises them (the second MERGE waits for the first commit, then
    matches). ArcadeDB lets both MERGEs create and fails the second COMMIT
    with ConstraintValidationFailed, which the driver does not retry: the
    projector must be a single writer (docs/arcadedb.md).
    """
    label = scratch.label("Race")
    await _unique_key(bolt, scratch, label)
    merge = f"MERGE (n:{label} {{key: 'k'}}) ON CREATE SET n.by = $by RETURN n.by AS by"
    async with bolt.session() as first_session, bolt.session() as second_session:
        first = await first_session.begin_transaction()
        second = await second_session.begin_transaction()
        assert (await (await first.run(merge, by="first")).single())["by"] == "first"

        async def second_merge() -> None:
            await (await second.run(merge, by="second")).consume()

        merging = asyncio.create_task(second_merge())
        await asyncio.wait({merging}, timeout=0.3)  # ArcadeDB: done; Neo4j: waits on the lock
        await first.commit()
        await merging
        outcome: Exception | None = None
        try:
            await second.commit()
        except neo4j.exceptions.Neo4jError as failed:
            outcome = failed

    if bolt.backend == "arcadedb":
        assert isinstance(outcome, neo4j.exceptions.ConstraintError)
        assert outcome.code == CONSTRAINT_FAILED
        assert not outcome.is_retryable()
    else:
        assert outcome is None
    assert await bolt.query(f"MATCH (n:{label}) RETURN count(n) AS n, collect(n.by) AS by") == [
        {"n": 1, "by": ["first"]}
    ]


# -- reads ------------------------------------------------------------------------


async def test_variable_length_paths(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 5)
    rows = await bolt.query(
        f"MATCH p = (a:{label} {{key: 'k2'}})-[*1..2]-(b) "
        "RETURN b.key AS key, length(p) AS hops ORDER BY hops, key"
    )
    assert rows == [
        {"key": "k1", "hops": 1},
        {"key": "k3", "hops": 1},
        {"key": "k4", "hops": 2},
    ]
    rows = await bolt.query(
        f"MATCH p = (:{label} {{key: 'k1'}})-[:LINK*1..2]->() "
        "RETURN [n IN nodes(p) | n.key] AS keys, [r IN relationships(p) | type(r)] AS types ORDER BY size(keys)"
    )
    assert rows == [
        {"keys": ["k1", "k2"], "types": ["LINK"]},
        {"keys": ["k1", "k2", "k3"], "types": ["LINK", "LINK"]},
    ]


async def test_shortest_paths(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 5)
    await bolt.query(f"MATCH (a:{label} {{key: 'k1'}}), (b:{label} {{key: 'k3'}}) CREATE (a)-[:SHORTCUT]->(b)")
    rows = await bolt.query(
        f"MATCH (a:{label} {{key: 'k1'}}), (b:{label} {{key: 'k5'}}) "
        "MATCH p = shortestPath((a)-[*..6]-(b)) RETURN [n IN nodes(p) | n.key] AS keys"
    )
    assert rows == [{"keys": ["k1", "k3", "k4", "k5"]}]
    rows = await bolt.query(
        f"MATCH (a:{label} {{key: 'k2'}}), (b:{label} {{key: 'k3'}}) "
        "MATCH p = allShortestPaths((a)-[*..6]-(b)) RETURN length(p) AS hops"
    )
    assert rows == [{"hops": 1}]
    records, _, _ = await bolt.driver.execute_query(
        f"MATCH p = shortestPath((:{label} {{key: 'k1'}})-[*..6]-(:{label} {{key: 'k4'}})) RETURN p",
        database_=bolt.database,
    )
    path = records[0]["p"]
    assert isinstance(path, neo4j.graph.Path) and len(path) == 2
    assert [n["key"] for n in path.nodes] == ["k1", "k3", "k4"]


async def test_shortest_path_under_a_visibility_predicate(bolt: GraphBackend, scratch: Scratch) -> None:
    """A path needs every step visible (docs/visibility.md), and that changes the shortest path.

    a-x-d is shortest but x is hidden; a-b-c-d is the shortest visible path.
    Neo4j applies a WHERE on shortestPath() during the search; ArcadeDB
    applies it after, to the one shortest path, and finds nothing. The
    bounded variable-length form and a quantified path pattern give the
    right answer on both.
    """
    label = scratch.label("Node")
    await bolt.query(
        f"CREATE (a:{label} {{key: 'a'}}), (x:{label} {{key: 'x', hidden: true}}), (b:{label} {{key: 'b'}}), "
        f"(c:{label} {{key: 'c'}}), (d:{label} {{key: 'd'}}), "
        "(a)-[:L]->(x), (x)-[:L]->(d), (a)-[:L]->(b), (b)-[:L]->(c), (c)-[:L]->(d)"
    )
    ends = f"(a:{label} {{key: 'a'}}), (d:{label} {{key: 'd'}})"
    visible = "all(n IN nodes(p) WHERE n.hidden IS NULL)"
    keys = "RETURN [n IN nodes(p) | n.key] AS keys"
    shortest = await bolt.query(f"MATCH {ends} MATCH p = shortestPath((a)-[*..6]-(d)) WHERE {visible} {keys}")
    assert shortest == ([] if bolt.backend == "arcadedb" else [{"keys": ["a", "b", "c", "d"]}])
    bounded = await bolt.query(
        f"MATCH {ends} MATCH p = (a)-[*..6]-(d) WHERE {visible} {keys} ORDER BY length(p) LIMIT 1"
    )
    assert bounded == [{"keys": ["a", "b", "c", "d"]}]
    quantified = await bolt.query(
        f"MATCH p = (:{label} {{key: 'a'}})((s)-[:L]->(t) WHERE t.hidden IS NULL){{1,6}}(:{label} {{key: 'd'}}) {keys}"
    )
    assert quantified == [{"keys": ["a", "b", "c", "d"]}]


async def test_exists_and_count_subqueries(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 4)
    rows = await bolt.query(
        f"MATCH (n:{label}) WHERE EXISTS {{ MATCH (n)-[:LINK]->(:{label} {{key: 'k3'}}) }} RETURN n.key AS key"
    )
    assert rows == [{"key": "k2"}]
    rows = await bolt.query(
        f"MATCH (n:{label}) WHERE NOT EXISTS {{ (n)-[:LINK]->() }} RETURN n.key AS key"
    )
    assert rows == [{"key": "k4"}]
    rows = await bolt.query(f"MATCH (n:{label}) RETURN n.key AS key, COUNT {{ (n)--() }} AS degree ORDER BY key")
    assert [r["degree"] for r in rows] == [1, 2, 2, 1]


async def test_call_subqueries(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 3)
    importing_with = (
        f"MATCH (n:{label}) CALL {{ WITH n MATCH (n)-[r]-() RETURN count(r) AS degree }} "
        "RETURN n.key AS key, degree ORDER BY key"
    )
    expected = [{"key": "k1", "degree": 1}, {"key": "k2", "degree": 2}, {"key": "k3", "degree": 1}]
    assert await bolt.query(importing_with) == expected
    # The variable-scope form needs Neo4j >= 5.23.
    scoped = importing_with.replace("CALL { WITH n ", "CALL (n) { ")
    assert await bolt.query(scoped) == expected
    union = (
        f"CALL {{ MATCH (n:{label}) RETURN n.key AS key ORDER BY key LIMIT 1 "
        f"UNION MATCH (n:{label}) RETURN n.key AS key ORDER BY key DESC LIMIT 1 }} "
        "RETURN key ORDER BY key"
    )
    assert await bolt.query(union) == [{"key": "k1"}, {"key": "k3"}]


async def test_list_of_maps_parameter_and_aggregations(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Entity")
    rows = [{"key": f"e{i}", "kind": "wallet" if i % 2 else "org", "score": i} for i in range(1, 8)]
    await bolt.query(f"UNWIND $rows AS r CREATE (n:{label}) SET n = r", rows=rows)
    assert await bolt.query(
        f"MATCH (n:{label}) WITH n ORDER BY n.key "
        "RETURN n.kind AS kind, count(*) AS n, sum(n.score) AS total, collect(n.key) AS keys ORDER BY kind"
    ) == [
        {"kind": "org", "n": 3, "total": 12, "keys": ["e2", "e4", "e6"]},
        {"kind": "wallet", "n": 4, "total": 16, "keys": ["e1", "e3", "e5", "e7"]},
    ]
    assert await bolt.query(
        f"MATCH (n:{label}) RETURN n.key AS key ORDER BY n.score DESC SKIP 2 LIMIT 3"
    ) == [{"key": "e5"}, {"key": "e4"}, {"key": "e3"}]
    assert await bolt.query(
        f"MATCH (n:{label}) WHERE n.key IN $keys RETURN count(DISTINCT n.kind) AS kinds, "
        "min(n.score) AS lo, max(n.score) AS hi, avg(n.score) AS mean",
        keys=["e1", "e2", "missing"],
    ) == [{"kinds": 2, "lo": 1, "hi": 2, "mean": 1.5}]


async def test_labels_type_properties_and_node_identity(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 2)
    (row,) = await bolt.query(
        f"MATCH (a:{label} {{key: 'k1'}})-[r]->(b) "
        "RETURN labels(a) AS labels, type(r) AS type, properties(r) AS props, elementId(a) AS eid, a, r"
    )
    assert row["labels"] == [label] and row["type"] == "LINK" and row["props"] == {"key": "k1>k2"}
    assert isinstance(row["eid"], str)
    # elementId round-trips within a session's lifetime; the store still
    # identifies nodes by `key` (ArcadeDB's id() values are huge, RID-based).
    assert await bolt.query("MATCH (n) WHERE elementId(n) = $eid RETURN n.key AS key", eid=row["eid"]) == [
        {"key": "k1"}
    ]
    records, _, _ = await bolt.driver.execute_query(
        f"MATCH p = (a:{label} {{key: 'k1'}})-[r]->(b) RETURN a, r, p", database_=bolt.database
    )
    node, rel, path = records[0]["a"], records[0]["r"], records[0]["p"]
    assert isinstance(node, neo4j.graph.Node) and node.labels == {label} and node["key"] == "k1"
    assert isinstance(rel, neo4j.graph.Relationship) and rel.type == "LINK" and dict(rel) == {"key": "k1>k2"}
    assert rel.start_node is not None and rel.start_node.element_id == node.element_id
    assert [n["key"] for n in path.nodes] == ["k1", "k2"]


async def test_expressions_the_queries_use(bolt: GraphBackend, scratch: Scratch) -> None:
    label = scratch.label("Node")
    await _chain(bolt, label, 3)
    (row,) = await bolt.query(
        f"MATCH (n:{label} {{key: 'k1'}}) "
        "FOREACH (x IN [1, 2] | SET n.hits = coalesce(n.hits, 0) + x) "
        "RETURN n {.key, .hits} AS projected, [(n)-[:LINK]->(m) | m.key] AS next, "
        "CASE WHEN n.hits > 2 THEN 'hot' ELSE 'cold' END AS heat, "
        "toLower('ABC') STARTS WITH 'a' AND 'abc' CONTAINS 'b' AS strings, "
        "reduce(s = 0, x IN range(1, 3) | s + x) AS total, any(x IN [1, 2] WHERE x > 1) AS some, "
        "datetime('2024-01-02T03:04:05Z') AS at"
    )
    assert row["projected"] == {"key": "k1", "hits": 3}
    assert row["next"] == ["k2"] and row["heat"] == "hot" and row["strings"] is True
    assert row["total"] == 6 and row["some"] is True
    assert row["at"] == neo4j.time.DateTime(2024, 1, 2, 3, 4, 5, tzinfo=row["at"].tzinfo)


# -- the embedded server itself ------------------------------------------------------


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets process ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since we listed it
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    addresses = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                addresses.add(local.split(":")[0])
    return addresses


async def test_embedded_server_listens_on_loopback_only(arcadedb: EmbeddedArcadeDB) -> None:
    assert arcadedb.pid is not None
    addresses = _listening_addresses(arcadedb.pid)
    ipv4_loopback = "0100007F"
    ipv6_mapped_loopback = "0000000000000000FFFF00000100007F"
    assert len(addresses) >= 1
    assert addresses <= {ipv4_loopback, ipv6_mapped_loopback}, addresses


async def test_embedded_server_keeps_its_password_private(arcadedb: EmbeddedArcadeDB) -> None:
    assert arcadedb.pid is not None and arcadedb.endpoint is not None
    password_file = arcadedb.root / PASSWORD_FILE
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text() == arcadedb.endpoint.password
    assert arcadedb.endpoint.password.encode() not in Path(f"/proc/{arcadedb.pid}/cmdline").read_bytes()
    assert arcadedb.rss_bytes > 0


async def test_embedded_server_refuses_cypher_file_access(bolt: GraphBackend) -> None:
    if bolt.backend != "arcadedb":
        pytest.skip("LOAD CSV is configured by EmbeddedArcadeDB only")
    with pytest.raises(neo4j.exceptions.ClientError) as refused:
        await bolt.query("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row LIMIT 1")
    assert refused.value.code == "Neo.ClientError.Security.Forbidden"


async def test_embedded_restart_reuses_password_and_data(tmp_path: Path) -> None:
    server = EmbeddedArcadeDB(tmp_path / "graph", database="restart", heap="256m", max_page_ram_mb=64)
    first = await server.start()
    try:
        async with neo4j.AsyncGraphDatabase.driver(first.uri, auth=(first.user, first.password)) as driver:
            await driver.execute_query("CREATE (:Kept {key: 'k'})", database_=first.database)
    finally:
        await server.stop()
    assert server.pid is None
    second = await server.start()
    try:
        assert second.password == first.password
        async with neo4j.AsyncGraphDatabase.driver(second.uri, auth=(second.user, second.password)) as driver:
            records, _, _ = await driver.execute_query(
                "MATCH (n:Kept) RETURN n.key AS key", database_=second.database
            )
        assert [r["key"] for r in records] == ["k"]
    finally:
        await server.stop()


async def test_embedded_start_failure_quotes_the_log(tmp_path: Path) -> None:
    server = EmbeddedArcadeDB(tmp_path / "graph", heap="not-a-size")
    with pytest.raises(RuntimeError, match="(?s)exited with status.*Invalid maximum heap size"):
        await server.start(timeout=30)
    assert server.pid is None


async def test_embedded_start_retries_when_a_port_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A port picked free can be taken before the JVM binds it.

    ArcadeDB then logs the failure but its JVM stays up, so the launcher must
    notice from the log, not wait for an exit or the timeout.
    """
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        picks = iter([free_port(), taken.getsockname()[1]])  # HTTP, then Bolt (bound first)
        monkeypatch.setattr(embedded, "free_loopback_port", lambda: next(picks, None) or free_port())
        server = EmbeddedArcadeDB(tmp_path / "graph", heap="256m", max_page_ram_mb=64)
        endpoint = await server.start(timeout=30)
        try:
            assert str(taken.getsockname()[1]) not in endpoint.uri
            assert "Unable to listen" in (tmp_path / "graph" / "arcadedb.log.1").read_text()
        finally:
            await server.stop()
