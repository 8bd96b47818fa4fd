"""All Cypher of the project, with $parameters; labels and relationship types
come only from graph/model (never from input), so formatting them in is safe.

Written to what both ArcadeDB (embedded default) and Neo4j 5 run; the few
statements that differ are in graph.dialect. Every read that answers an
agency filters with VISIBLE on nodes and relationships.
"""

from __future__ import annotations

# An element is visible to $agency when one record asserting it is (readers
# holds "*" for CLEAR/GREEN, else the author and share_with).
VISIBLE = "('*' IN {var}.readers OR $agency IN {var}.readers)"


def visible(var: str) -> str:
    return VISIBLE.format(var=var)


# -- projection (one writer) -------------------------------------------------------------

WATERMARK = "MATCH (m:Meta {key: 'projection'}) RETURN m.log_index AS log_index"
# The watermark keeps the leaf hash of its ledger entry, so a graph can tell it was projected from another
# ledger (an older copy restored under it) before it takes that ledger's entries for its own.
SET_WATERMARK = ("MERGE (m:Meta {key: 'projection'}) SET m.log_index = $log_index, m.format = $format, "
                 "m.leaf = $leaf")
# What a projector checks before it continues a graph: the watermark and its leaf, whether the graph holds
# anything, and the mark of a rebuild under way (a :Rebuild node, a label clear() leaves alone). Ages are
# measured on the database's clock, the one every writer of the mark shares.
PROJECTION_STATE = """
OPTIONAL MATCH (m:Meta {key: 'projection'})
OPTIONAL MATCH (r:Rebuild {key: 'rebuild'})
OPTIONAL MATCH (n:Entity) WITH m, r, n LIMIT 1
RETURN m.log_index AS log_index, m.leaf AS leaf, n IS NOT NULL AS filled, r.owner AS rebuild_owner,
       r.reason AS rebuild_reason, r.started_ms AS rebuild_started_ms, timestamp() - r.heartbeat_ms AS rebuild_age_ms
"""
BEGIN_REBUILD = """
MERGE (r:Rebuild {key: 'rebuild'})
SET r.owner = $owner, r.reason = $reason, r.started_ms = timestamp(), r.heartbeat_ms = timestamp()
"""
REBUILD_HEARTBEAT = "MATCH (r:Rebuild {key: 'rebuild'}) WHERE r.owner = $owner SET r.heartbeat_ms = timestamp()"
END_REBUILD = "MATCH (r:Rebuild {key: 'rebuild'}) DELETE r"
# The layout the projection was written in (graph.provenance.FORMAT), and whether it holds anything.
PROJECTION_FORMAT = """
OPTIONAL MATCH (m:Meta {key: 'projection'})
OPTIONAL MATCH (n:Entity) WITH m, n LIMIT 1
RETURN m.format AS format, n IS NOT NULL AS filled
"""

LOAD_RECORDS = """
UNWIND $keys AS k MATCH (r:Record {key: k})
RETURN r.key AS key, r.version AS version, r.nodes AS nodes, r.node_pages AS node_pages, r.edges AS edges,
       r.edge_pages AS edge_pages
"""
LOAD_NODES = """
UNWIND $keys AS k MATCH (n:Entity {key: k})
RETURN n.key AS key, labels(n) AS labels, n.src AS src, n.pages AS pages, n.tally AS tally
"""
LOAD_EDGES = """
UNWIND $rows AS row
MATCH (a:Entity {key: row.source})-[r]->(b:Entity {key: row.target})
WHERE type(r) = row.type
RETURN row.source AS source, row.type AS type, row.target AS target, r.src AS src, r.pages AS pages,
       r.tally AS tally
"""
LOAD_PAGES = "UNWIND $keys AS k MATCH (p:SrcPage {key: k}) RETURN p.key AS key, p.src AS src"
DELETE_NODES = "UNWIND $keys AS k MATCH (n:Entity {key: k}) DETACH DELETE n"

# Nodes, edges, pages and records are CREATEd when the projector knows they are new and
# MATCHed by key to be updated otherwise: MERGE on a two-label node is not served by the key
# index on ArcadeDB (~2 ms a row against 0.05 ms for CREATE, docs/benchmarks.md).
_ELEMENT = "readers: row.readers, src: row.src, pages: row.pages, tally: row.tally, counts: row.counts"
_ELEMENT_SET = "SET {v}.readers = row.readers, {v}.src = row.src, {v}.pages = row.pages, {v}.tally = row.tally, " \
               "{v}.counts = row.counts"
_NODE_PROPERTIES = f"key: row.key, {_ELEMENT}, names: row.names, agency_count: row.agency_count"


def create_nodes(label: str) -> str:
    return f"UNWIND $rows AS row CREATE (n:Entity:{label} {{{_NODE_PROPERTIES}}})"


UPDATE_NODES = f"""
UNWIND $rows AS row MATCH (n:Entity {{key: row.key}})
{_ELEMENT_SET.format(v='n')}, n.names = row.names, n.agency_count = row.agency_count
"""

CREATE_PAGES = "UNWIND $rows AS row CREATE (p:SrcPage {key: row.key, readers: row.readers, src: row.src})"
UPDATE_PAGES = "UNWIND $rows AS row MATCH (p:SrcPage {key: row.key}) SET p.readers = row.readers, p.src = row.src"
DELETE_PAGES = "UNWIND $keys AS k MATCH (p:SrcPage {key: k}) DELETE p"

_RECORD = """r.version = row.version, r.log_index = row.log_index, r.nodes = row.nodes, r.node_pages = row.node_pages,
    r.edges = row.edges, r.edge_pages = row.edge_pages, r.retracted = row.retracted, r.readers = row.readers,
    r.case = row.case"""
CREATE_RECORDS = f"UNWIND $rows AS row CREATE (r:Record {{key: row.key}}) SET {_RECORD}"
UPDATE_RECORDS = f"UNWIND $rows AS row MATCH (r:Record {{key: row.key}}) SET {_RECORD}"
CREATE_NAME_BLOCKS = "UNWIND $keys AS k CREATE (:NameBlock {key: k})"
CREATE_NAMED = """
UNWIND $rows AS row MATCH (n:Entity {key: row.key})
UNWIND row.blocks AS b
MATCH (k:NameBlock {key: b})
CREATE (n)-[:NAMED]->(k)
"""


def create_edges(rel_type: str) -> str:
    """New edges only (the projector knows which exist): CREATE, because MERGE on a
    relationship scans the hub's relationships and turns a busy wallet quadratic."""
    return f"""
UNWIND $rows AS row
MATCH (a:Entity {{key: row.source}}) MATCH (b:Entity {{key: row.target}})
CREATE (a)-[r:{rel_type} {{{_ELEMENT}}}]->(b)
"""


def update_edges(rel_type: str) -> str:
    return f"""
UNWIND $rows AS row
MATCH (a:Entity {{key: row.source}})-[r:{rel_type}]->(b:Entity {{key: row.target}})
{_ELEMENT_SET.format(v='r')}
"""


def delete_edges(rel_type: str) -> str:
    return f"""
UNWIND $rows AS row
MATCH (a:Entity {{key: row.source}})-[r:{rel_type}]->(b:Entity {{key: row.target}})
DELETE r
"""


# Name blocks: index nodes that let candidates be found by indexed lookups, never part of answers
# (traversals only step onto :Entity nodes).
UNSET_NAMED = """
UNWIND $rows AS row MATCH (n:Entity {key: row.key})-[r:NAMED]->(k:NameBlock)
WHERE k.key IN row.blocks DELETE r
"""
SET_NAMED = """
UNWIND $rows AS row MATCH (n:Entity {key: row.key})
UNWIND row.blocks AS b
MERGE (k:NameBlock {key: b})
CREATE (n)-[:NAMED]->(k)
"""

CLEAR_ALL = ("MATCH (n) WHERE n:Entity OR n:Record OR n:Meta OR n:NameBlock OR n:SrcPage OR n:Unprojectable "
             "DETACH DELETE n")
# Ledger entries the projector had to leave out (gateway.server.projection.worker), with why.
SET_ASIDE = "UNWIND $rows AS row CREATE (:Unprojectable {log_index: row.log_index, reason: row.reason})"
COUNT_SET_ASIDE = "MATCH (u:Unprojectable) RETURN count(u) AS n"
DUMP_NODES = """
MATCH (n:Entity) RETURN n.key AS key, labels(n) AS labels, n.readers AS readers, n.src AS src, n.tally AS tally,
n.names AS names, n.agency_count AS agency_count
"""
DUMP_EDGES = """
MATCH (a:Entity)-[r]->(b:Entity)
RETURN a.key AS source, type(r) AS type, b.key AS target, r.readers AS readers, r.src AS src, r.tally AS tally
"""
DUMP_PAGES = "MATCH (p:SrcPage) RETURN p.key AS key, p.readers AS readers, p.src AS src"


# -- investigator reads (always filtered for $agency) ----------------------------------------
#
# Each answers one row holding lists (collect) rather than a row per element: ArcadeDB spends
# ~35 us on every row it streams over Bolt, so a hub's 201 neighbours cost 10 ms as rows and
# 3.4 ms as one list (docs/benchmarks.md). GraphStore.read_items turns the lists back into
# one dict per element, with the field names below.

NODE_FIELDS = ("key", "labels", "src", "pages", "counts")
EDGE_FIELDS = ("source", "type", "target", "rsrc", "rpages", "rcounts")
# One link of an expansion and the node at its other end; `source` is the link's start node.
NEIGHBOUR_FIELDS = ("source", "type", "rsrc", "rpages", "rcounts", "key", "labels", "src", "pages", "counts")
_NODE_ITEM = "[{v}.key, labels({v}), {v}.src, {v}.pages, {v}.counts]"
_EDGE_ITEM_OF = "[{a}.key, type({r}), {b}.key, {r}.src, {r}.pages, {r}.counts]"
_EDGE_ITEM = _EDGE_ITEM_OF.format(a="a", r="r", b="b")
_NEIGHBOUR_ITEM = ("[startNode({r}).key, type({r}), {r}.src, {r}.pages, {r}.counts, {b}.key, labels({b}), {b}.src, "
              "{b}.pages, {b}.counts]")

NODES_BY_KEY = f"""
UNWIND $keys AS k MATCH (n:Entity {{key: k}}) WHERE {visible('n')}
RETURN collect({_NODE_ITEM.format(v='n')}) AS items
"""

# One hop from each frontier node, at most $fanout + 1 neighbours each (the +1 tells truncation),
# each link and neighbour as `item` gives it.
_EXPAND_AS = """
UNWIND $keys AS k
MATCH (a:Entity {{key: k}})
CALL {{
  WITH a
  MATCH (a)-[r]-(b:Entity)
  WHERE {visible_r} AND {visible_b}
  WITH r, b LIMIT $fanout_plus_one
  RETURN collect({item}) AS items
}}
RETURN a.key AS origin, items
"""
EXPAND = _EXPAND_AS.format(visible_r=visible("r"), visible_b=visible("b"), item=_NEIGHBOUR_ITEM.format(r="r", b="b"))

# The same from one node: a plain MATCH … WITH … LIMIT rather than a subquery per origin.
EXPAND_ONE = f"""
MATCH (a:Entity {{key: $key}})-[r]-(b:Entity)
WHERE {visible('r')} AND {visible('b')}
WITH a, r, b LIMIT $fanout_plus_one
RETURN a.key AS origin, collect({_NEIGHBOUR_ITEM.format(r='r', b='b')}) AS items
"""

# EXPAND, light: per link, its start node, type and the neighbour's key, and whether the neighbour
# may be an unauthorized operator (a source of it names the role, or it has overflow pages to look
# in): a neighbourhood watch's walk reads views only of those and of the paths to them
# (graph.watchgraph). The same match, filter and limit as EXPAND, so the same links in the same order.
EXPAND_KEYS = _EXPAND_AS.format(
    visible_r=visible("r"), visible_b=visible("b"),
    item="[startNode(r).key, type(r), b.key, coalesce(b.pages, 0) > 0 OR any(s IN b.src WHERE s CONTAINS $role)]")
EXPANDED_KEY_FIELDS = ("source", "type", "key", "maybe")

# Two hops from a node in one round trip: the first hop as items, each with the second hop from it
# (`around`, NEIGHBOUR_FIELDS items; graph.investigate reads those of the nodes its walk expands), and
# the visible links among the second hop's new nodes (`among`, EDGE_FIELDS items), walked from those
# nodes rather than looked up again by key, unless there are more than $among_cap of them (`among`
# is then null and the caller asks for the few its answer keeps).
EXPAND_TWICE = f"""
MATCH (a:Entity {{key: $key}}) WHERE {visible('a')}
CALL {{
  WITH a
  MATCH (a)-[r]-(b:Entity)
  WHERE {visible('r')} AND {visible('b')}
  RETURN r, b LIMIT $fanout_plus_one
}}
CALL {{
  WITH b
  MATCH (b)-[r2]-(c:Entity)
  WHERE {visible('r2')} AND {visible('c')}
  WITH r2, c LIMIT $fanout_plus_one
  RETURN collect({_NEIGHBOUR_ITEM.format(r='r2', b='c')}) AS around, collect(c) AS cs
}}
WITH a, collect({_NEIGHBOUR_ITEM.format(r='r', b='b')[:-1]}, around]) AS items, collect(b) AS bs, collect(cs) AS css
WITH a, items, [c IN reduce(acc = [], hop IN css | acc + hop) WHERE c <> a AND NOT c IN bs] AS last
CALL {{
  WITH last
  WITH last WHERE size(last) <= $among_cap
  UNWIND last AS x
  WITH DISTINCT x, last
  MATCH (x)-[r3]->(y:Entity)
  WHERE y IN last AND {visible('r3')}
  RETURN collect({_EDGE_ITEM_OF.format(a='x', r='r3', b='y')}) AS among
}}
RETURN a.key AS origin, items, CASE WHEN size(last) <= $among_cap THEN among END AS among
"""

# One hop from one node and every visible link among it and the neighbours found (`among`, EDGE_FIELDS
# items), in one round trip: the links are walked from the nodes the hop holds, not looked up again by
# key (around a hub, 200 index lookups were half of the answer's time). The start's own links are
# scanned too: when its fan-out is cut, a second link to a neighbour may lie beyond the cut.
EXPAND_ONE_AMONG = f"""
MATCH (a:Entity {{key: $key}})-[r]-(b:Entity)
WHERE {visible('r')} AND {visible('b')}
WITH a, r, b LIMIT $fanout_plus_one
WITH a, collect({_NEIGHBOUR_ITEM.format(r='r', b='b')}) AS items, collect(DISTINCT b) + [a] AS ball
CALL {{
  WITH ball
  UNWIND ball AS x
  MATCH (x)-[r2]->(y:Entity)
  WHERE y IN ball AND {visible('r2')}
  RETURN collect({_EDGE_ITEM_OF.format(a='x', r='r2', b='y')}) AS among
}}
RETURN a.key AS origin, items, among
"""

EDGES_AMONG = f"""
UNWIND $keys AS k
MATCH (a:Entity {{key: k}})-[r]->(b:Entity)
WHERE b.key IN $keys AND {visible('r')}
RETURN collect({_EDGE_ITEM}) AS items
"""

# Every visible outgoing edge of the given nodes (the caller keeps those whose end it holds):
# for large node sets, where "b.key IN $keys" would compare against the whole list per edge.
EDGES_OUT = f"""
UNWIND $keys AS k
MATCH (a:Entity {{key: k}})-[r]->(b:Entity)
WHERE {visible('r')}
RETURN collect({_EDGE_ITEM}) AS items
"""

SEARCH_NAMES = f"""
MATCH (n:Entity)
WHERE any(x IN n.names WHERE x CONTAINS $q) AND {visible('n')}
WITH n ORDER BY n.key SKIP $skip LIMIT $limit
RETURN collect({_NODE_ITEM.format(v='n')}) AS items
"""

# Members of each name block, unless it has more than $cap_plus_one - 1 the agency may see: such a
# block ("w:trading") is too common to suggest anything, and its members are not sent at all.
BLOCK_MEMBERS = f"""
UNWIND $blocks AS b
MATCH (k:NameBlock {{key: b}})
CALL {{
  WITH k
  MATCH (k)<-[:NAMED]-(m:Entity)
  WHERE {visible('m')}
  WITH m LIMIT $cap_plus_one
  RETURN collect(m) AS members
}}
WITH b, members WHERE size(members) < $cap_plus_one
RETURN b AS block, [m IN members | {_NODE_ITEM.format(v='m')}] AS items
"""

# A paged element's overflow pages the agency may read, in page order (graph.provenance).
VISIBLE_PAGES = f"""
UNWIND $keys AS k MATCH (p:SrcPage {{key: k}}) WHERE {visible('p')}
RETURN p.key AS key, p.src AS src
"""

# The records of one case the asking agency may see (a retracted record has no nodes left).
CASE_RECORDS = f"""
MATCH (r:Record {{case: $case}}) WHERE {visible('r')}
RETURN r.nodes AS nodes
"""

OVERLAP_CANDIDATES = f"""
MATCH (n:Entity)
WHERE n.agency_count >= $min_agencies AND {visible('n')}
WITH n ORDER BY n.key SKIP $skip LIMIT $limit
RETURN collect({_NODE_ITEM.format(v='n')}) AS items
"""

# The nodes among these that more than one agency asserts, whoever may see them: read once for every
# agency with a cross-agency watch, each of which then sees only its readable sources (graph.watchgraph
# filters them as graph.view does; the rows never leave the gateway).
MULTI_AGENCY_NODES = f"""
UNWIND $keys AS k MATCH (n:Entity {{key: k}}) WHERE n.agency_count >= 2
RETURN collect({_NODE_ITEM.format(v='n')}) AS items
"""

# These links, each named by (source, type, target), as far as $agency may see them (alerts draw the
# links a record added; a hub's other links are not read).
EDGES_BY_TRIPLE = f"""
UNWIND $rows AS row
MATCH (a:Entity {{key: row.source}})-[r]->(b:Entity {{key: row.target}})
WHERE type(r) = row.type AND {visible('r')}
RETURN collect({_EDGE_ITEM}) AS items
"""

# What records still place in the graph (their version and node keys, their links as JSON triples),
# in one row: alerts check that the record that matched still counts (graph.watchgraph).
RECORD_STATES = """
UNWIND $keys AS k MATCH (r:Record {key: k})
RETURN collect([r.key, r.version, r.nodes, r.edges]) AS items
"""
