"""`regulink query …` (investigators) and `regulink graph …` / `regulink query-log` (operator)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import neo4j
import typer
from google.protobuf import json_format
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.tree import Tree

from gateway.cli.common import As, ConfigFile, DataDirOverride, Target, TlsDir, console, fail, out, with_client
from gateway.sdk.client import AsyncClient
from gateway.server import config
from graph.visibility import NAMES as TLP_NAMES
from graph.visibility import tlp_level

query_app = typer.Typer(help="Ask the graph: search, entity cards, neighbourhoods, paths, overlaps, operators "
                        "near a wallet, communities. Every answer shows only what your agency may see.",
                        no_args_is_help=True)
graph_app = typer.Typer(help="Operate the graph projection (on the gateway host).", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print the raw answer as JSON (for scripts).")]


def _records(value) -> str:
    """The records behind a sourced value, each with its agency (record ids are unique per agency only)."""
    return escape(", ".join(f"{r.agency_id}/{r.record_id}" for r in value.records) or ", ".join(value.record_ids))


def _ask(as_agency: str, target: str, tls_dir: Path | None, call):
    return with_client(as_agency, target, tls_dir, call)


def _emit(message, as_json: bool) -> bool:
    if as_json:
        out.print_json(json_format.MessageToJson(message, ensure_ascii=False))
    return as_json


def _node_table(nodes, title: str) -> Table:
    table = Table("key", "type", "caption", "agencies", "TLP", title=title)
    for node in nodes:
        table.add_row(*map(escape, (node.key, node.type, node.caption, ", ".join(node.agencies))),
                      TLP_NAMES.get(node.tlp, ""))
    return table


def _subgraph(subgraph, title: str) -> None:
    out.print(_node_table(subgraph.nodes, f"{title}: {len(subgraph.nodes)} nodes, {len(subgraph.edges)} edges"
                                          f"{' (truncated)' if subgraph.truncated else ''}, "
                                          f"{TLP_NAMES.get(subgraph.tlp, '')}"))
    table = Table("source", "link", "target", "agencies")
    for edge in subgraph.edges:
        table.add_row(*map(escape, (edge.source, edge.type, edge.target, ", ".join(edge.agencies))))
    out.print(table)


@query_app.command()
def search(text: str, as_agency: As, types: Annotated[Optional[list[str]], typer.Option("--type")] = None,
           target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False) -> None:
    """Find entities by name (fuzzy, transliterated) or identifier (wallet, domain, e-mail, phone, LEI …).

    Example: regulink query search "Lumen Crest" --as npa-cyber
    """
    answer = _ask(as_agency, target, tls_dir, lambda c: c.search(text, types=types or ()))
    if not _emit(answer, as_json):
        out.print(_node_table([h.node for h in answer.hits], f"{len(answer.hits)} hits for {text!r}"))


@query_app.command()
def entity(key: str, as_agency: As, target: Target = "localhost:7443", tls_dir: TlsDir = None,
           as_json: Json = False) -> None:
    """An entity card: names, identifiers, attributes with their sources, reporting agencies, links.

    Example: regulink query entity wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed --as fsa-jp
    """
    answer = _ask(as_agency, target, tls_dir, lambda c: c.entity(key))
    if _emit(answer, as_json):
        return
    node = answer.node
    tree = Tree(f"[bold]{escape(node.caption)}[/bold] ({node.type}, {TLP_NAMES.get(node.tlp, '')})")
    for label, values in (("names", node.names), ("identifiers", node.identifiers), ("roles", node.roles)):
        if values:
            branch = tree.add(label)
            for v in values:
                branch.add(f"{escape(v.value)}  [dim]from {_records(v)}[/dim]")
    if node.attributes:
        branch = tree.add("attributes")
        for a in node.attributes:
            branch.add(f"{escape(a.name)}: {escape(a.value)}  [dim]from {_records(a)}[/dim]")
    for caution in node.cautions:
        tree.add(f"[bold red]caution[/bold red] {escape(caution)}")
    sources = tree.add("reported by")
    for s in node.sources:
        sources.add(escape(f"{s.agency_id} {s.record_id} v{s.version} ({TLP_NAMES.get(s.tlp, '')})"))
    links = tree.add(f"linked to ({len(answer.neighbours.nodes) - 1})")
    for edge in answer.neighbours.edges:
        links.add(escape(f"{edge.source} -[{edge.type}]-> {edge.target}"))
    out.print(tree)


@query_app.command()
def neighbourhood(key: str, as_agency: As, hops: int = 2,
                  node_type: Annotated[Optional[list[str]], typer.Option(help="Keep only these types.")] = None,
                  link_type: Annotated[Optional[list[str]], typer.Option(help="Follow only these links.")] = None,
                  limit: Annotated[int, typer.Option(help="At most this many nodes (≤ 2000).")] = 200,
                  target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False) -> None:
    """Everything within HOPS links of an entity. Example: regulink query neighbourhood KEY --as fsa-jp --hops 2"""
    answer = _ask(as_agency, target, tls_dir, lambda c: c.neighbourhood(
        key, hops=hops, node_types=node_type or [], edge_types=link_type or [], node_limit=limit))
    if not _emit(answer, as_json):
        _subgraph(answer, f"{hops}-hop neighbourhood of {key}")


@query_app.command()
def paths(from_key: str, to_key: str, as_agency: As, max_hops: int = 6, all_shortest: bool = False,
          target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False) -> None:
    """Shortest path(s) between two entities over what you may see. Example: regulink query paths A B --as fsa-jp"""
    answer = _ask(as_agency, target, tls_dir, lambda c: c.paths(from_key, to_key, max_hops=max_hops,
                                                                all_shortest=all_shortest))
    if _emit(answer, as_json):
        return
    if not answer.paths:
        out.print("no path")
    for path in answer.paths:
        out.print(" → ".join(path.node_keys))


@query_app.command()
def overlaps(as_agency: As, min_agencies: int = 2,
             different_kinds: Annotated[bool, typer.Option(help="Only across agency kinds.")] = False,
             target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False) -> None:
    """Entities and wallets reported by several agencies. Example: regulink query overlaps --as fsa-jp"""
    answer = _ask(as_agency, target, tls_dir, lambda c: c.overlaps(min_agencies=min_agencies,
                                                                   different_kinds=different_kinds))
    if _emit(answer, as_json):
        return
    table = Table("key", "type", "agencies", "kinds", title=f"{len(answer.overlaps)} overlaps")
    for o in answer.overlaps:
        table.add_row(*map(escape, (o.node.key, o.node.type, ", ".join(o.agencies), ", ".join(o.agency_kinds))))
    out.print(table)


@query_app.command()
def operators(key: str, as_agency: As, hops: int = 3, target: Target = "localhost:7443", tls_dir: TlsDir = None,
              as_json: Json = False) -> None:
    """Unauthorized operators within HOPS of a wallet or person, with the path to each.

    Example: regulink query operators wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed --as npa-cyber
    """
    answer = _ask(as_agency, target, tls_dir, lambda c: c.operators_near(key, hops))
    if _emit(answer, as_json):
        return
    table = Table("operator", "reported by", "hops", "path", title=f"unauthorized operators near {key}")
    for o in answer.operators:
        table.add_row(escape(o.operator.caption), ", ".join(o.operator.agencies), str(o.distance),
                      " → ".join(o.path.node_keys))
    out.print(table)


@query_app.command()
def analyze(key: str, as_agency: As, hops: int = 2, target: Target = "localhost:7443", tls_dir: TlsDir = None,
            as_json: Json = False) -> None:
    """Communities and centrality ranking of a neighbourhood. Example: regulink query analyze KEY --as fsa-jp"""
    answer = _ask(as_agency, target, tls_dir, lambda c: c.analyze(key, hops=hops))
    if _emit(answer, as_json):
        return
    table = Table("node", "betweenness", "pagerank", "degree", title="centrality")
    for c in answer.ranking[:20]:
        table.add_row(escape(c.node_key), f"{c.betweenness:.3f}", f"{c.pagerank:.3f}", f"{c.degree:.3f}")
    out.print(table)
    for i, community in enumerate(answer.communities, 1):
        out.print(f"community {i}: {', '.join(community.node_keys)}")


@query_app.command()
def decide(
    verdict: Annotated[str, typer.Argument(help="same or different")],
    key_a: str,
    key_b: str,
    as_agency: As,
    key: Annotated[Path, typer.Option(envvar="REGULINK_KEY", help="Your Ed25519 private key (PEM).")],
    evidence: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
    tlp: Annotated[str, typer.Option(help="CLEAR, GREEN, AMBER, AMBER_STRICT or RED.")] = "AMBER",
    share_with: Annotated[Optional[list[str]], typer.Option(help="Agencies that may see the decision.")] = None,
    target: Target = "localhost:7443", tls_dir: TlsDir = None,
) -> None:
    """Confirm or reject a POSSIBLY_SAME_AS candidate with a signed decision in the ledger (survives rebuilds).

    Example: regulink query decide same local:mas-sg/MAS-2026-0412:op local:tokyo-metro/TMG-CONS-2026-1187:op
    --as npa-cyber --key keys/npa-cyber.pem --evidence "same director and office"
    """

    from gateway import keys as keyfiles
    from gateway.sdk.client import sign_for
    from gateway.sdk.decisions import VERDICTS, decision_record

    if verdict not in VERDICTS:
        fail("the verdict is `same` or `different`")
    marking = tlp_level(tlp)
    if marking is None:
        fail(f"unknown TLP {tlp!r}; use CLEAR, GREEN, AMBER, AMBER+STRICT or RED")

    async def run(client: AsyncClient):
        cards = [(await client.entity(k)).node for k in (key_a, key_b)]
        record = decision_record(as_agency, cards, verdict, evidence, marking, share_with or [])
        return await client.submit(sign_for(record, [keyfiles.load_private_key(key)]))

    receipt = _ask(as_agency, target, tls_dir, run)
    out.print(f"decision {receipt.record_id} recorded at log index {receipt.log_index}")


def query_log(data_dir: Annotated[Path, typer.Option("--data-dir",
                                                     envvar="REGULINK_DATA_DIR")] = config.DEFAULT_DATA_DIR,
              agency: Annotated[Optional[str], typer.Option(help="Only this agency's questions.")] = None,
              investigator: Annotated[Optional[str], typer.Option(
                  help="Only this person's questions (the name an investigator console sends with each call).")]
              = None,
              limit: int = 50) -> None:
    """The query audit trail: who asked what, when, and how many results (operator). The
    investigator column names the person when the agency's tool says who asked (the console does).

    Example: regulink query-log --agency npa-cyber
    """
    from gateway.server.audit import AuditLog

    log = AuditLog(config.Settings(data_dir=data_dir).data_dir / "audit.db")
    table = Table("time", "agency", "investigator", "call", "parameters", "results", "outcome")
    for row in log.recent(limit, agency, investigator):
        when = dt.datetime.fromtimestamp(row["at_ms"] / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(when, row["agency_id"], escape(row["investigator"]), row["call"], escape(row["params"]),
                      str(row["results"]), row["outcome"])
    out.print(table)


@graph_app.command()
def rebuild(
    config_file: ConfigFile = None,
    data_dir: DataDirOverride = None,
    graph: Annotated[Optional[str], typer.Option(help="embedded, or a bolt:// / neo4j:// URI; overrides the config "
                                                 "(env REGULINK_GRAPH; user and password from the config or "
                                                 "REGULINK_GRAPH_USER / _PASSWORD).")] = None,
) -> None:
    """Empty the graph and replay the whole ledger into it (stop the gateway first when embedded).

    The graph is marked incomplete until the replay has finished: if the rebuild is interrupted, run it
    again, or start the gateway, which then empties the graph and replays the ledger into it by itself.

    Also how to move to Neo4j: regulink graph rebuild --graph neo4j://neo4j.internal:7687
    """
    from gateway.ledger.stores import open_store
    from gateway.server.collector import BatchCollector
    from gateway.server.projection import rebuild as graph_rebuild
    from graph.embedded import BoltEndpoint, EmbeddedArcadeDB
    from graph.store import GraphStore

    try:
        settings = config.load(config_file, data_dir=data_dir, graph=graph)
    except config.ConfigError as exc:
        fail(str(exc))
    # The fold holds the whole graph in memory, none of it garbage: traced at every full collection,
    # it cost a third of a rebuild's time (docs/benchmarks.md).
    BatchCollector()

    async def run() -> graph_rebuild.Rebuilt:
        embedded = None
        if settings.graph == "embedded":
            embedded = EmbeddedArcadeDB(settings.data_dir / "graph", heap=settings.graph_heap)
            endpoint = await embedded.start()
        else:
            endpoint = BoltEndpoint(settings.graph, settings.graph_user, settings.graph_password,
                                    settings.graph_database or None)
        store = await GraphStore.connect(endpoint)
        ledger = open_store(settings.ledger_location)
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          console=console) as progress:
                task = progress.add_task("folding the ledger", total=ledger.size())
                # Plain lines too: they show where a rebuild was when it stopped, also in a log file.
                return await graph_rebuild.rebuild(
                    store, ledger, exclusive=embedded is not None, say=console.print,
                    progress=lambda done, total: progress.update(task, completed=done, total=total))
        finally:
            ledger.close()
            await store.close()
            if embedded is not None:
                await embedded.stop()

    try:
        rebuilt = asyncio.run(run())
    except graph_rebuild.RebuildRunning as exc:
        fail(f"cannot rebuild: {exc}; let it finish (a rebuild that died stops refreshing its mark, and "
             f"after {graph_rebuild.STALE_SECONDS}s this command takes it over)")
    except (OSError, RuntimeError, neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
        fail(f"cannot rebuild: {type(exc).__name__}: {exc}")
    for row in rebuilt.set_aside[:10]:  # records over the record limits, left out as live projection does
        console.print(f"[yellow]left out[/] ledger entry {row['log_index']}: {row['reason']}")
    total, seconds = rebuilt.entries, rebuilt.seconds
    out.print(f"replayed {total} ledger entries in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f}/s)")
