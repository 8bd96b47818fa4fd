"""Escaping for the XML formats (GraphML, GEXF), written by hand so that nodes and edges stream.

Text has already passed `meta.clean()` (no characters XML 1.0 cannot carry). What is left to
do is escaping, and keeping whitespace a parser would otherwise normalise: a carriage return
in text, and tab/newline/return in attribute values, are written as character references.
Most values need nothing, so a search comes before the translation.
"""

from __future__ import annotations

import re

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
_TEXT_SPECIAL = re.compile("[&<>\r]").search
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r]').search


def text(value: str) -> str:
    return value.translate(_TEXT) if _TEXT_SPECIAL(value) else value


def attr(value: str) -> str:
    """An attribute value, quotes included."""
    return f'"{value.translate(_ATTR)}"' if _ATTR_SPECIAL(value) else f'"{value}"'
