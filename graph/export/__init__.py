"""File exports of a visible subgraph (docs/exports.md): one module per format.

Each module registers its writers in `graph.export.meta.FORMATS` when imported; importing this
package imports them all. A writer is `writer(subgraph, info, out) -> None` and streams to the
binary file-like `out`:

    from graph.export import FORMATS, ExportInfo
    info = ExportInfo.for_subgraph(subgraph, "Operator network", viewer="fsa-jp")
    with open(filename(info, "graphml"), "wb") as out:
        FORMATS["graphml"].writer(subgraph, info, out)
"""

from __future__ import annotations

import importlib

from graph.export.meta import FORMATS, ExportInfo, Format, filename, register, tlp_statement

# Data formats (this package's own writers), then the visual ones (HTML page, pictures).
_MODULES = ("graphml", "gexf", "cytoscape", "nodelink", "csvzip", "stix", "html", "picture")

for _name in _MODULES:
    try:
        importlib.import_module(f"graph.export.{_name}")
    except ModuleNotFoundError as error:
        if error.name != f"graph.export.{_name}":
            raise  # a module that exists but lacks a dependency is an error, not an absent format


__all__ = ["FORMATS", "ExportInfo", "Format", "filename", "register", "tlp_statement"]
