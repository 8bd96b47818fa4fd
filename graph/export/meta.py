"""What every export shares: its metadata (title, viewer, TLP), the format registry, and one
flattening of nodes and edges into plain fields so that all formats say the same thing.

A writer is a pure function of an already visibility-filtered `graph.view.Subgraph` and an
`ExportInfo`; it writes to a binary file-like object as it goes:

    writer(subgraph: Subgraph, info: ExportInfo, out: BinaryIO) -> None

Modules register their formats with `register()` when imported; `graph.export` imports them
all, so `graph.export.FORMATS` is complete once the package is imported.

Every export states its marking (docs/visibility.md): `ExportInfo.tlp` is the most restrictive
marking among what it shows, and `checked()` refuses an `ExportInfo` that would understate it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import BinaryIO, NamedTuple

from graph import schema
from graph.view import EdgeView, NodeView, Subgraph
from graph.visibility import AMBER, AMBER_STRICT, CLEAR, GREEN, NAMES, RED, tlp_name

# TLP 2.0 (FIRST, https://www.first.org/tlp/): what the recipient may do with the export.
TLP_STATEMENTS = {
    CLEAR: "TLP:CLEAR — disclosure is not limited: the recipient may spread this to the world, "
           "and it may leave the gateway (subject to copyright rules).",
    GREEN: "TLP:GREEN — limited disclosure: the recipient may share this with peers and partner "
           "organisations within its community, but not via publicly accessible channels.",
    AMBER: "TLP:AMBER — limited disclosure: the recipient may share this only on a need-to-know basis "
           "within its own organisation and with its clients.",
    AMBER_STRICT: "TLP:AMBER+STRICT — the recipient may not pass this on outside its own organisation.",
    RED: "TLP:RED — for the eyes and ears of the individual recipients only: no further disclosure.",
}

LIST_SEPARATOR = "; "  # how flat formats (GraphML, GEXF, CSV) join list fields

DEFAULT_STYLE = ("#999999", "ellipse")  # colour and shape for a type the model does not know




def tlp_statement(tlp: int) -> str:
    return TLP_STATEMENTS.get(tlp, TLP_STATEMENTS[RED])


@dataclass(frozen=True)
class ExportInfo:
    title: str
    viewer: str  # the agency id the export is made for (its visibility filtered the subgraph)
    generated_at: datetime  # UTC
    tlp: int  # the most restrictive marking in the content (= subgraph.tlp)
    description: str = ""

    @classmethod
    def for_subgraph(cls, subgraph: Subgraph, title: str, viewer: str, generated_at: datetime | None = None,
                     description: str = "") -> ExportInfo:
        return cls(title, viewer, generated_at or datetime.now(UTC), subgraph.tlp, description)

    @property
    def tlp_name(self) -> str:
        return tlp_name(self.tlp)

    @property
    def tlp_statement(self) -> str:
        return tlp_statement(self.tlp)

    @property
    def generated_iso(self) -> str:
        at = self.generated_at if self.generated_at.tzinfo else self.generated_at.replace(tzinfo=UTC)
        return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def header(self, subgraph: Subgraph | None = None) -> dict[str, str | int | bool]:
        """Graph-level fields every format writes (graph attributes, JSON `data`, README)."""
        fields: dict[str, str | int | bool] = {
            "title": clean(self.title), "description": clean(self.description), "viewer": clean(self.viewer),
            "generated_at": self.generated_iso, "tlp": self.tlp_name, "tlp_statement": self.tlp_statement,
        }
        if subgraph is not None:
            fields.update(nodes=len(subgraph.nodes), edges=len(subgraph.edges), truncated=subgraph.truncated)
        return fields


def checked(subgraph: Subgraph, info: ExportInfo) -> ExportInfo:
    """The info a writer uses: refuses a marking less restrictive than the content's."""
    if info.tlp not in NAMES:
        raise ValueError(f"unknown TLP marking {info.tlp}")
    if subgraph.nodes or subgraph.edges:
        content = subgraph.tlp
        if info.tlp < content:
            raise ValueError(f"export marked {tlp_name(info.tlp)} shows {tlp_name(content)} content")
    return info


# --- the format registry ---------------------------------------------------------------

Writer = Callable[[Subgraph, ExportInfo, BinaryIO], None]


class Format(NamedTuple):
    writer: Writer
    media_type: str
    extension: str  # without the dot
    description: str = ""


FORMATS: dict[str, Format] = {}


def register(name: str, writer: Writer, media_type: str, extension: str, description: str = "") -> Writer:
    if name in FORMATS and FORMATS[name].writer is not writer:
        raise ValueError(f"export format {name!r} is already registered")
    FORMATS[name] = Format(writer, media_type, extension, description)
    return writer


def filename(info: ExportInfo, fmt: str) -> str:
    """A file name that carries the marking: regulink-<title>-TLP_AMBER+STRICT-<time>.<ext>."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", info.title).strip("-")[:60] or "export"
    stamp = info.generated_iso.replace(":", "").replace("-", "")
    extension = FORMATS[fmt].extension if fmt in FORMATS else fmt
    return f"regulink-{slug}-{info.tlp_name.replace(':', '_')}-{stamp}.{extension}"


# --- one flattening for every format --------------------------------------------------

# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
# They are dropped from every field of every format, so all formats show the same text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def iso_ms(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _link_labels() -> dict[str, str]:
    path = Path(str(resources.files("graph") / "model" / "links.yaml"))
    return {link.name: link.label for link in schema._load_links(path)}  # implicit links included


LINK_LABELS = _link_labels()


def style(node_type: str) -> tuple[str, str]:
    """(colour "#rrggbb", shape) of an entity type, from graph/model/<Type>.yaml."""
    kind = schema.BY_NAME.get(node_type)
    return (kind.color, kind.shape) if kind else DEFAULT_STYLE


def link_label(edge_type: str) -> str:
    return LINK_LABELS.get(edge_type) or edge_type.lower().replace("_", " ")


def edge_id(edge: EdgeView) -> str:
    return f"{edge.source}|{edge.type}|{edge.target}"  # graph.project.edge_key


def _records(sources: Iterable[dict]) -> list[str]:
    return sorted({s["record"] for s in sources})


# Field name -> (type, meaning). Order is the column order of flat formats; types are
# "string", "int", "double", "boolean"; a "list" field is a list of strings (joined with
# LIST_SEPARATOR where the format has no lists).
NODE_FIELDS: dict[str, tuple[str, str]] = {
    "type": ("string", "entity type (graph/model/<Type>.yaml)"),
    "label": ("string", "display name: a name, else the identifier (the view's caption)"),
    "names": ("list", "every visible name and alias"),
    "roles": ("list", "roles asserted, e.g. unauthorized_operator"),
    "identifiers": ("list", "strong identifiers as graph keys (wallet:ETH:0x…, domain:…)"),
    "attributes": ("list", "other attributes as name=value"),
    "agencies": ("list", "agencies whose visible records assert the node"),
    "records": ("list", "visible records asserting the node (agency/record_id)"),
    "tlp": ("string", "most restrictive marking among those records"),
    "first_seen": ("string", "first time a visible record asserted it (ISO 8601, UTC)"),
    "last_seen": ("string", "last time a visible record asserted it (ISO 8601, UTC)"),
    "color": ("string", "the type's colour from the model"),
    "shape": ("string", "the type's shape from the model"),
    "cautions": ("list", "names that may not show what they are: bidirectional controls, invisible "
                         "characters, look-alike letters (graph/cautions.py)"),
}

EDGE_FIELDS: dict[str, tuple[str, str]] = {
    "type": ("string", "link type (graph/model/links.yaml)"),
    "label": ("string", "the link type's label"),
    "evidence": ("list", "evidence and notes from the visible records"),
    "score": ("double", "similarity score of a possibly_same_as candidate, else 0"),
    "observed_at": ("string", "earliest time the link was observed, when a record says (ISO 8601, UTC)"),
    "agencies": ("list", "agencies whose visible records assert the link"),
    "records": ("list", "visible records asserting the link"),
    "tlp": ("string", "most restrictive marking among those records"),
    "first_seen": ("string", "first time a visible record asserted it (ISO 8601, UTC)"),
    "last_seen": ("string", "last time a visible record asserted it (ISO 8601, UTC)"),
}


def node_fields(node: NodeView) -> dict[str, str | list[str]]:
    """A node as plain fields (lists kept), cleaned of characters XML cannot carry."""
    color, shape = style(node.type)
    return {
        "type": node.type,
        "label": clean(node.caption),
        "names": [clean(n) for n in node.names],
        "roles": [clean(r) for r in node.roles],
        "identifiers": [clean(i) for i in node.identifiers],
        "attributes": [clean(f"{name}={value}") for name, value, _ in node.attributes],
        "agencies": [clean(a) for a in node.agencies],
        "records": [clean(r) for r in _records(node.sources)],
        "tlp": tlp_name(node.tlp),
        "first_seen": iso_ms(node.first_ms),
        "last_seen": iso_ms(node.last_ms),
        "color": color,
        "shape": shape,
        "cautions": [clean(c) for c in node.cautions],
    }


def edge_fields(edge: EdgeView) -> dict[str, str | float | list[str]]:
    seen = [s["seen_ms"] for s in edge.sources]
    observed = [s.get("facts", {}).get("observed_ms") for s in edge.sources]
    observed = [o for o in observed if o is not None]
    return {
        "type": edge.type,
        "label": link_label(edge.type),
        "evidence": [clean(e) for e in edge.evidence],
        "score": float(edge.score),
        "observed_at": iso_ms(min(observed)) if observed else "",
        "agencies": [clean(a) for a in edge.agencies],
        "records": [clean(r) for r in _records(edge.sources)],
        "tlp": tlp_name(edge.tlp),
        "first_seen": iso_ms(min(seen)) if seen else "",
        "last_seen": iso_ms(max(seen)) if seen else "",
    }


class TextSink:
    """Text written to a binary file-like in UTF-8, in chunks of about `size` characters.

    Writers build small strings per node or edge; joining them in chunks keeps memory flat
    and the number of writes to `out` small.
    """

    def __init__(self, out: BinaryIO, size: int = 1 << 16, encoding: str = "utf-8"):
        self.out, self.size, self.encoding = out, size, encoding
        self.parts: list[str] = []
        self.pending = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.pending += len(text)
        if self.pending >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write("".join(self.parts).encode(self.encoding))
            self.parts.clear()
            self.pending = 0


def flat(fields: dict) -> dict[str, str | int | float | bool]:
    """Lists joined with LIST_SEPARATOR, for formats without lists."""
    return {k: LIST_SEPARATOR.join(v) if isinstance(v, list) else v for k, v in fields.items()}
