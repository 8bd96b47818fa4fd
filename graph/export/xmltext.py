"""Escaping for the XML formats (GraphML, GEXF), written by hand so that nodes and edges stream.

Text has already passed `meta.clean()` (no characters XML 1.0 cannot carry). What is left to
do is escaping, and keeping whitespace a parser would otherwise normalise: a carriage return
in text, and tab/newline/return in attribute values, are written as character references.
"""

from __future__ import annotations

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def text(value: str) -> str:
    return value.translate(_TEXT)


def attr(value: str) -> str:
    """An attribute value, quotes included."""
    return f'"{value.translate(_ATTR)}"'
