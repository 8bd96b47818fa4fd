"""Which connector a file is for, from its name and first bytes: the hint after a run where nothing read.

`regulink ingest` asks this only when every item of a run was a bad row
(the usual cause: the wrong FORMAT), so a guess costs nothing on a good
run. It reads at most the first 64 KiB (one sheet row of an XLSX) and
never raises: a file it cannot tell gives None.

>>> guess(Path("/nonexistent/feed.json")) is None
True
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

SAMPLE = 1 << 16
_STIX = re.compile(r'"type"\s*:\s*"(bundle|indicator|identity|relationship|marking-definition|threat-actor|'
                   r'malware|infrastructure|cryptocurrency-wallet|domain-name|url|intrusion-set)"')
_STIX_ID = re.compile(r'"id"\s*:\s*"[a-z0-9-]+--[0-9a-f-]{36}"')
_FTM = re.compile(r'"schema"\s*:\s*"[A-Z][A-Za-z]+"')


def guess(path: Path) -> tuple[str, str] | None:
    """(format, why) for a file or folder, or None when it looks like none of them."""
    try:
        if path.is_dir():
            return _folder(path)
        with open(path, "rb") as source:
            head = source.read(SAMPLE)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _table(_first_sheet_row(path), "an XLSX workbook")
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if text.startswith(("{", "[")):
        return _json(text)
    return _csv(text)


def _folder(path: Path) -> tuple[str, str] | None:
    names = {p.name.lower() for p in path.iterdir()}
    if "sdn.csv" in names:
        return "ofac", "a folder with sdn.csv"
    return None


def _json(text: str) -> tuple[str, str] | None:
    if _FTM.search(text) and '"properties"' in text:
        return "ftm", 'JSON with "schema" and "properties" (FollowTheMoney entities)'
    if _STIX.search(text) or _STIX_ID.search(text):
        return "stix", 'JSON with STIX "type" and "id" (type--uuid)'
    return None


def _csv(text: str) -> tuple[str, str] | None:
    try:
        first = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return None
    if len(first) >= 10 and first[0].strip().isdigit() and first[2].strip() in (
            "individual", "-0-", "vessel", "aircraft", ""):
        return "ofac", "OFAC's SDN legacy CSV (sdn.csv rows: ent_num, name, type …; give the folder that holds it)"
    return _table(first, "a CSV file")


def _table(header: list[str], what: str) -> tuple[str, str] | None:
    from connectors import localgov, warnings  # the alias tables are the connectors' own

    local = {localgov.COLUMNS.match(h) for h in header if h} - {None}
    warned = {warnings.COLUMNS.match(h) for h in header if h} - {None}
    if "operator_name" in local and len(local) >= 3:
        return "localgov", f"{what} with the local-government template's headers"
    if "name" in warned:
        others = sorted(warned - {"name"})[:4]
        return "warnings", f"{what} whose headers read as a warnings list (name{''.join(', ' + c for c in others)})"
    return None


def _first_sheet_row(path: Path) -> list[str]:
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a guess never fails the run it explains
        return []
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            cells = [str(c) for c in row if c is not None]
            if cells:
                return cells
        return []
    finally:
        workbook.close()

