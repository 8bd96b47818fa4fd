"""`regulink export FORMAT …`: an analyst's file of what a question answers, for the agency's eyes only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from gateway.cli.common import DEFAULT_TARGET, As, Target, TlsDir, console, fail, out, with_client
from graph.export import FORMATS
from graph.visibility import NAMES as TLP_NAMES
from regulink.v1 import export_pb2, query_pb2

Option = typer.Option


def _selection(neighbourhood, hops, node_limit, paths, operators_near, community, case) -> dict:
    chosen = [name for name, value in (("--neighbourhood", neighbourhood), ("--paths", paths),
                                       ("--operators-near", operators_near), ("--community", community),
                                       ("--case", case)) if value]
    if len(chosen) != 1:
        fail("choose exactly one of --neighbourhood KEY, --paths FROM TO, --operators-near KEY, "
             f"--community KEY, --case AGENCY/CASE_REFERENCE (got {', '.join(chosen) or 'none'})")
    if neighbourhood:
        return {"neighbourhood": query_pb2.NeighbourhoodRequest(key=neighbourhood, hops=hops, node_limit=node_limit)}
    if paths:
        return {"paths": query_pb2.PathsRequest(from_key=paths[0], to_key=paths[1], all_shortest=True)}
    if operators_near:
        return {"operators_near": query_pb2.OperatorsNearRequest(key=operators_near, hops=hops)}
    if community:
        key, _, index = community.rpartition("#")
        if not key or not index.isdigit():
            fail("--community takes KEY#N: the entity to analyse and the community number (0 = largest)")
        analyze = query_pb2.AnalyzeRequest(key=key, hops=hops, node_limit=node_limit)
        return {"community": export_pb2.CommunitySelection(analyze=analyze, community=int(index))}
    agency, _, reference = case.partition("/")
    if not agency or not reference:
        fail("--case takes AGENCY/CASE_REFERENCE, e.g. mas-sg/EA-2026-117")
    return {"case_selection": export_pb2.CaseSelection(agency_id=agency, case_reference=reference)}


def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of: {', '.join(sorted(FORMATS))}.")],
    as_agency: As,
    neighbourhood: Annotated[Optional[str], Option(help="Entity key: its neighbourhood.")] = None,
    paths: Annotated[Optional[tuple[str, str]], Option(help="Two entity keys: all shortest paths.")] = None,
    operators_near: Annotated[Optional[str], Option(help="Entity key: unauthorized operators near it.")] = None,
    community: Annotated[Optional[str], Option(help="KEY#N: community N of the analysis around KEY.")] = None,
    case: Annotated[Optional[str], Option(help="AGENCY/CASE_REFERENCE: everything a case asserts.")] = None,
    hops: Annotated[int, Option(help="Hops for --neighbourhood/--operators-near/--community.")] = 2,
    node_limit: Annotated[int, Option(help="At most this many nodes [default: the gateway's, 200 for a "
                                            "neighbourhood, 500 for a community].")] = 0,
    title: Annotated[Optional[str], Option(help="Title in the file [default: what was selected].")] = None,
    width: Annotated[int, Option(help="Pictures: width in pixels.")] = 0,
    height: Annotated[int, Option(help="Pictures: height in pixels.")] = 0,
    output: Annotated[Optional[Path], Option("--output", "-o", help="File to write [default: the suggested "
                                                                     "name, which carries the TLP].")] = None,
    target: Target = DEFAULT_TARGET,
    tls_dir: TlsDir = None,
) -> None:
    """Export a neighbourhood, paths, operators near a wallet, a community or a whole case as a file.

    Formats: graphml and gexf (Gephi), cytoscape (Cytoscape.js JSON), node-link (networkx JSON),
    csv (zip of nodes.csv + edges.csv), stix (STIX 2.1 bundle), html (one self-contained interactive
    page that works offline), png, svg, pdf.

    The file shows only what your agency may see and states its TLP marking in its name and content.

    Example: regulink export html --neighbourhood wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed --as npa-cyber
    """
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(sorted(FORMATS))}")
    request = export_pb2.ExportRequest(format=fmt, title=title or "", width=width, height=height,
                                       **_selection(neighbourhood, hops, node_limit, paths, operators_near,
                                                    community, case))
    async def run(client):
        with Progress(SpinnerColumn(), TextColumn("exporting"), DownloadColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("export", total=None)
            return await client.export_to(request, output, progress=lambda done: progress.update(task,
                                                                                                 completed=done))

    try:
        header, path = with_client(as_agency, target, tls_dir, run)
    except OSError as exc:
        fail(f"cannot write the export: {exc}")
    console.print(f"{header.node_count} nodes, {header.edge_count} edges"
                  f"{' (truncated)' if header.truncated else ''}, {TLP_NAMES.get(header.tlp, '')}")
    out.print(str(path))
