"""CSV for spreadsheets: a zip of nodes.csv, edges.csv and README.txt (the TLP statement first).

Both CSV files are UTF-8 with a byte-order mark (Excel otherwise reads them in the local ANSI
code page and garbles Japanese text), comma-separated, CRLF line ends, RFC 4180 quoting.
Columns: nodes.csv = id + meta.NODE_FIELDS, edges.csv = id, source, target + meta.EDGE_FIELDS;
list fields are joined with "; ". A cell that begins with = + - @ or a tab or return gets a
leading apostrophe so that a spreadsheet shows it as text instead of running it as a formula
(OWASP "CSV injection"); README.txt says so. The zip streams: it needs no seekable output.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import BinaryIO

from graph.export import meta
from graph.view import Subgraph

MEDIA_TYPE = "application/zip"
ENCODING = "utf-8-sig"  # UTF-8 with BOM
NODE_COLUMNS = ["id", *meta.NODE_FIELDS]
EDGE_COLUMNS = ["id", "source", "target", *meta.EDGE_FIELDS]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str | float:
    if isinstance(value, list):
        value = meta.LIST_SEPARATOR.join(value)
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def readme(subgraph: Subgraph, info: meta.ExportInfo) -> str:
    header = info.header(subgraph)
    lines = [info.tlp_statement, "", f"{header['title']}", *([header["description"]] if header["description"] else []),
             "", f"Exported by regulink for {header['viewer']} at {header['generated_at']}.",
             f"Marking of this export (the most restrictive of what it shows): {header['tlp']}.",
             f"{header['nodes']} nodes, {header['edges']} edges"
             + (" (the selection was truncated: hubs have more links than shown)." if header["truncated"] else "."),
             "", "Files: nodes.csv and edges.csv, UTF-8 with a byte-order mark, comma-separated.",
             f'List fields are joined with "{meta.LIST_SEPARATOR}". Each row carries its own marking in column "tlp".',
             "A cell that began with = + - @ (a spreadsheet formula) is shown with a leading apostrophe.",
             "", "nodes.csv columns:", "  id: the node's graph key"]
    lines += [f"  {name}: {meaning}" for name, (_, meaning) in meta.NODE_FIELDS.items()]
    lines += ["", "edges.csv columns:", "  id: source|TYPE|target", "  source, target: node ids"]
    lines += [f"  {name}: {meaning}" for name, (_, meaning) in meta.EDGE_FIELDS.items()]
    return "\r\n".join(lines) + "\r\n"


def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO) -> None:
    info = meta.checked(subgraph, info)

    def member(name: str) -> zipfile.ZipInfo:
        # Dated by the export, not the clock: the same answer gives the same bytes.
        entry = zipfile.ZipInfo(name, date_time=info.generated_at.timetuple()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        return entry

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.comment = info.tlp_name.encode()
        archive.writestr(member("README.txt"), readme(subgraph, info).encode(ENCODING))
        with archive.open(member("nodes.csv"), "w") as raw, io.TextIOWrapper(raw, ENCODING, newline="") as text:
            rows = csv.writer(text)
            rows.writerow(NODE_COLUMNS)
            for key, node in subgraph.nodes.items():
                rows.writerow([cell(meta.clean(key)), *map(cell, meta.node_fields(node).values())])
        with archive.open(member("edges.csv"), "w") as raw, io.TextIOWrapper(raw, ENCODING, newline="") as text:
            rows = csv.writer(text)
            rows.writerow(EDGE_COLUMNS)
            for edge in subgraph.edges.values():
                rows.writerow([cell(meta.clean(meta.edge_id(edge))), cell(meta.clean(edge.source)),
                               cell(meta.clean(edge.target)), *map(cell, meta.edge_fields(edge).values())])


meta.register("csv", write, MEDIA_TYPE, "zip", "nodes.csv + edges.csv (UTF-8 with BOM) and README.txt in a zip")
