"""Rows of a CSV or XLSX table with headers matched by meaning, one row at a time.

Regulators and local governments publish tables with their own headers:
``Name``, ``Company name``, ``名称``, ``商号``, ``事業者名(operator_name)`` …
:func:`read_table` maps each header to a canonical column through an alias
table (after NFKC, case folding and dropping spaces and punctuation; a key
in brackets, as the shipped template writes ``事業者名(operator_name)``,
wins), and yields ``(location, {column: value})`` per data row.

Nothing is dropped without a word: a header that names no column is kept
(the connector stores its values as attributes under that header) and
counted in ``options.stats`` as ``column not understood: <header>``, which
the run's summary prints. Cells that only say there is nothing (``None``,
``N/A``, ``-``, ``なし`` …, as ESMA writes ``None`` for "no reason") are
empty. A header that marks a different kind of list (``Columns.foreign``,
e.g. a register of *licensed* firms fed to the warnings importer) stops the
file with the reason.

CSV is read line by line in the chosen encoding (UTF-8 with or without BOM
by default): a line that does not decode is a bad row naming the likely
encoding; when it is the header the file ends there. XLSX is opened with
openpyxl in read-only mode (rows streamed, not loaded), the first sheet
unless named.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from connectors.base import BadRow, Options, encoding_hint, iter_lines

_BRACKETED = re.compile(r"[(（\[【]\s*([A-Za-z_][A-Za-z0-9_ ]*)\s*[)）\]】]")
_DROP = re.compile(r"[\s_\-./・:：()（）\[\]【】]+")
# Cells that say "nothing here" (compared case-folded, after NFKC).
NULL_WORDS = frozenset({"none", "null", "n/a", "-", "--", "—", "なし", "該当なし"})
UNMAPPED = "column not understood: "  # options.stats key prefix; the summary names these columns


def header_key(text: str) -> str:
    """Normalized form of a header for matching ('Date of warning' → 'dateofwarning')."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text or ""))).casefold()


class Columns:
    """Canonical columns and the header spellings that name them."""

    def __init__(self, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...],
                 foreign: dict[str, str] | None = None) -> None:
        self.required = required
        self.aliases = aliases
        self._lookup: dict[str, str] = {}
        for column, spellings in aliases.items():
            for spelling in (column, *spellings):
                self._lookup[header_key(spelling)] = column
        # header → what a table with it is (and why this reader refuses it)
        self.foreign = {header_key(h): why for h, why in (foreign or {}).items()}

    def refusal(self, headers: list[str]) -> str | None:
        """Why a table with these headers is not for this reader, or None."""
        return next((self.foreign[k] for k in map(header_key, headers) if k in self.foreign), None)

    def match(self, header: str) -> str | None:
        """The canonical column a header names: the key in brackets if it is one, else the whole header."""
        text = unicodedata.normalize("NFKC", str(header or ""))
        bracketed = _BRACKETED.search(text)
        if bracketed and header_key(bracketed.group(1)) in self._lookup:
            return self._lookup[header_key(bracketed.group(1))]
        return self._lookup.get(header_key(text))


def records_from_table(path: Path, options: Options, columns: Columns, make, prefix: str) -> Iterator:
    """Each data row through `make(where, row, extra, options, prefix)`; the table's BadRows as they come."""
    for item in read_table(path, options, columns, sheet=options.sheet):
        if isinstance(item, BadRow):
            yield item
            continue
        where, row, extra = item
        yield from make(where, row, extra, options, prefix)


def read_table(path: Path, options: Options, columns: Columns, *, sheet: str | None = None
               ) -> Iterator[tuple[str, dict[str, str], dict[str, str]] | BadRow]:
    """(location, {canonical column: value}, {other header: value}) per non-empty data row, or BadRows."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, options, sheet)
    else:
        rows = _csv_rows(path, options, "\t" if path.suffix.lower() == ".tsv" else ",")
    header: list[str | None] | None = None
    names: list[str] = []
    for item in rows:
        if isinstance(item, BadRow):
            yield item
            if header is None:
                return
            continue
        where, values = item
        if not any(v.strip() for v in values):
            continue
        if header is None:
            names = [v.strip() for v in values]
            header = [columns.match(v) for v in values]
            refusal = columns.refusal(names)
            if refusal:
                yield BadRow(where, f"this is {refusal} (headers found: {', '.join(n for n in names if n)})")
                return
            missing = [c for c in columns.required if c not in header]
            if missing:
                yield BadRow(where, f"missing column {', '.join(missing)} (headers found: "
                             f"{', '.join(n for n in names if n) or 'none'})")
                return
            continue
        options.count("read")
        known: dict[str, str] = {}
        extra: dict[str, str] = {}
        for i, value in enumerate(values):
            value = value.strip()
            if not value or unicodedata.normalize("NFKC", value).casefold() in NULL_WORDS:
                continue
            column = header[i] if i < len(header) else None
            if column is None:
                name = names[i] if i < len(names) and names[i] else f"column {i + 1}"
                extra[name] = value
                options.count(UNMAPPED + name)
            elif column in known:
                known[column] += "\n" + value
            else:
                known[column] = value
        yield where, known, extra


def _csv_rows(path: Path, options: Options, delimiter: str) -> Iterator[tuple[str, list[str]] | BadRow]:
    failed: list[int] = []

    def lines() -> Iterator[str]:
        for number, text in iter_lines(path, options):
            if text is None:
                failed.append(number)
                yield "\n"
            else:
                yield text

    reader = csv.reader(lines(), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield BadRow(f"{path.name}:{start}", f"not CSV: {exc}")
            return
        end = reader.line_num
        broken = [n for n in failed if n <= end]
        failed[:] = [n for n in failed if n > end]
        if broken:
            for number in broken:
                yield BadRow(f"{path.name}:{number}", encoding_hint(path, number, options.encoding))
        elif row:
            yield f"{path.name}:{start}", row
        start = end + 1


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, options: Options, sheet: str | None) -> Iterator[tuple[str, list[str]] | BadRow]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        yield BadRow(f"{path.name}", f"not an XLSX workbook: {exc}")
        return
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            yield BadRow(path.name, f"no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
            return
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        for number, row in enumerate(worksheet.iter_rows(values_only=True), 1):
            yield f"{path.name}:{worksheet.title}!{number}", [_cell(v) for v in row]
        options.advance(path.stat().st_size)
    finally:
        workbook.close()
