"""Objects of a large JSON document one at a time, with the line each starts on.

A STIX bundle is one JSON object whose ``objects`` array can hold hundreds
of thousands of entries; reading it whole would hold all of them. This
reader walks the top level by hand and decodes one array element at a time
with :meth:`json.JSONDecoder.raw_decode`, keeping only the unread part of a
read-ahead buffer (which doubles while an element is larger than it).

Accepted shapes: ``{"type": "bundle", "objects": [...]}`` (keys in any
order), a bare array of objects, or a single object. Broken JSON ends the
file with one :class:`~connectors.base.BadRow` naming line and column.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

from connectors.base import BadRow, Options

_WHITESPACE = " \t\r\n"
_CHUNK = 1 << 16
_KEEP = 1 << 20  # compact the buffer once this much has been consumed


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line} column {column})")
        self.message, self.line, self.column = message, line, column


class _Buffer:
    def __init__(self, source, options: Options | None) -> None:
        self.source = source
        self.options = options
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.pos = 0
        self.base_line = 1  # line number of text[0]
        self.base_col = 0  # characters between the last newline before text[0] and text[0]
        self.eof = False
        self._json = json.JSONDecoder()

    def fill(self) -> bool:
        if self.eof:
            return False
        size = max(_CHUNK, len(self.text) - self.pos)
        chunk = self.source.read(size)
        if self.options is not None:
            self.options.advance(len(chunk))
        if not chunk:
            self.eof = True
            self.text += self.decoder.decode(b"", final=True)
            return False
        try:
            self.text += self.decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise JsonSyntaxError(f"not UTF-8 ({exc.reason})", *self.where(len(self.text))) from None
        return True

    def where(self, pos: int) -> tuple[int, int]:
        newlines = self.text.count("\n", 0, pos)
        if newlines:
            return self.base_line + newlines, pos - self.text.rfind("\n", 0, pos)
        return self.base_line, self.base_col + pos + 1

    def compact(self) -> None:
        if self.pos > _KEEP:
            line, column = self.where(self.pos)
            self.text = self.text[self.pos:]
            self.pos = 0
            self.base_line, self.base_col = line, column - 1

    def peek(self) -> str:
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text) or not self.fill():
                return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise JsonSyntaxError(f"expected {char!r}, found {found or 'the end of the file'!r}",
                                  *self.where(self.pos))
        self.pos += 1

    def value(self):
        self.peek()
        while True:
            try:
                value, end = self._json.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.fill():
                    continue
                raise JsonSyntaxError(exc.msg, *self.where(exc.pos)) from None
            if end == len(self.text) and not isinstance(value, (dict, list, str)) and self.fill():
                continue  # a number or literal may go on in the next chunk
            self.pos = end
            return value


def iter_json_objects(path: Path, options: Options | None = None) -> Iterator[tuple[int, dict] | BadRow]:
    """(line, object) for each element of a bundle's `objects` (or of a top-level array), or the
    single top-level object; a BadRow and the end for broken JSON."""
    name = path.name
    with open(path, "rb") as source:
        buffer = _Buffer(source, options)
        try:
            first = buffer.peek()
            if first == "[":
                yield from _array(buffer)
            elif first == "{":
                yield from _top_object(buffer)
            else:
                raise JsonSyntaxError("expected a JSON object or array", *buffer.where(buffer.pos))
            if buffer.peek():
                raise JsonSyntaxError("extra data after the document", *buffer.where(buffer.pos))
        except JsonSyntaxError as exc:
            yield BadRow(f"{name}:{exc.line}", f"not JSON: {exc.message} at column {exc.column}")


def _array(buffer: _Buffer) -> Iterator[tuple[int, dict]]:
    buffer.expect("[")
    if buffer.peek() == "]":
        buffer.pos += 1
        return
    while True:
        buffer.peek()
        line, _ = buffer.where(buffer.pos)
        yield line, buffer.value()
        buffer.compact()
        separator = buffer.peek()
        buffer.expect("," if separator == "," else "]")
        if separator != ",":
            return


def _top_object(buffer: _Buffer) -> Iterator[tuple[int, dict]]:
    buffer.expect("{")
    start_line = buffer.where(buffer.pos - 1)[0]
    top: dict = {}
    saw_objects = False
    if buffer.peek() == "}":
        buffer.pos += 1
    else:
        while True:
            if buffer.peek() != '"':
                raise JsonSyntaxError("expected a property name", *buffer.where(buffer.pos))
            key = buffer.value()
            buffer.expect(":")
            if key == "objects" and buffer.peek() == "[":
                saw_objects = True
                yield from _array(buffer)
            else:
                top[key] = buffer.value()
            separator = buffer.peek()
            buffer.expect("," if separator == "," else "}")
            if separator != ",":
                break
    if not saw_objects and top.get("type") != "bundle":
        yield start_line, top  # a single STIX object


def iter_json_lines(path: Path, options: Options | None = None) -> Iterator[tuple[int, dict] | BadRow]:
    """JSON lines: one object per line (a line holding a bundle gives its objects)."""
    from connectors.base import iter_lines

    for number, text in iter_lines(path, options or Options(agency_id=""), encoding="utf-8"):
        if text is None:
            yield BadRow(f"{path.name}:{number}", "not UTF-8")
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadRow(f"{path.name}:{number}", f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if isinstance(value, dict) and value.get("type") == "bundle" and isinstance(value.get("objects"), list):
            for obj in value["objects"]:
                yield number, obj
        else:
            yield number, value
