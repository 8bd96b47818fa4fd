"""OFAC SDN list, legacy CSV (sdn.csv, add.csv, alt.csv, sdn_comments.csv) → CaseRecords.

One record per SDN entry, id ``ofac-sdn:<ent_num>``: the sanctioned person or
organization (role SANCTIONED, identifier ``{kind: ofac_sdn_uid}``, aliases
from alt.csv and the remarks' a.k.a./f.k.a., addresses and countries from
add.csv as attributes, e-mails and websites as identifiers), each wallet of
its remarks as a CryptoWallet the subject USES (OFAC lists addresses
*associated* with an entry; it does not say who holds the keys), a
SANCTIONED_BY link to OFAC's Organization node (``{kind: authority, value:
US-OFAC}``, one node for all entries), and an ASSOCIATED_WITH link to every
``Linked To: NAME`` entry, referred to by its graph key. Vessels and aircraft
are counted and skipped (they carry no wallets).

The files as published: no header (positional columns), CRLF, a DOS EOF
byte 0x1A, nulls written ``-0-`` with a trailing space, programs joined as
``DPRK3] [CYBER2``, remarks cut at 1,000 characters and continued in
sdn_comments.csv by ent_num (joined *before* parsing: the cut falls inside
addresses), tickers that name currencies (XBT is bitcoin; USDT's chain
follows from the address). An address failing its chain's checksum is a bad
row at the line it is on, and its entry is not pushed (unless the run drops
bad identifiers).

Streaming: sdn.csv is read twice (pass 1 keeps only a name → ent_num index
in a temporary SQLite file, for ``Linked To``); the three side files are
merge-joined by ent_num, which OFAC writes in ascending order (rows out of
order are still found: the reader keeps what it read ahead until claimed).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from connectors import wallets
from connectors.base import (
    BadRow,
    KeyIndex,
    Options,
    RecordBuilder,
    authority_entity,
    local_key,
    normalize_text,
    record_id,
)
from regulink.v1 import records_pb2 as pb

PREFIX = "ofac-sdn"
AUTHORITY = "US-OFAC"
SDN_COLUMNS = ("ent_num", "name", "sdn_type", "program", "title", "call_sign", "vess_type", "tonnage", "grt",
               "vess_flag", "vess_owner", "remarks")
NULL = "-0-"
WALLET = re.compile(r"(?:alt\.\s*)?Digital Currency Address\s*-\s*([A-Za-z0-9]+)\s+(\S+)\s*", re.I)
ALIAS = re.compile(r"(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.*)'\s*", re.I)
FIELD = re.compile(r"(?:alt\.\s*)?(Email Address|Website|Phone Number|DOB|POB|nationality|citizen|Gender|"
                   r"Linked To:)\s*(.+)", re.I)


def dated_by(path: Path) -> Path:
    return path / "sdn.csv" if path.is_dir() else path


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    """Records of an SDN legacy CSV folder (or its sdn.csv, with the side files beside it)."""
    sdn = path / "sdn.csv" if path.is_dir() else path
    folder = sdn.parent
    if not sdn.exists():
        yield BadRow(str(sdn), "missing sdn.csv")
        return
    prefix = options.record_prefix or PREFIX
    with KeyIndex() as names:
        for _, row in _csv_rows(sdn, None):
            if len(row) == len(SDN_COLUMNS) and row[0].strip().isdigit():
                kind = _entity_type(_value(row[2]))
                names.put(_name_key(row[1]), [int(row[0]), kind or 0])
        sides = {name: _SideFile(folder / name, options) for name in ("sdn_comments.csv", "add.csv", "alt.csv")}
        for name, side in sides.items():
            if not side.exists:
                options.count(f"missing {name}")
        for line, row in _csv_rows(sdn, options):
            where = f"{sdn.name}:{line}"
            options.count("read")
            if len(row) != len(SDN_COLUMNS):
                yield BadRow(where, f"expected {len(SDN_COLUMNS)} columns, found {len(row)}")
                continue
            if not row[0].strip().isdigit():
                yield BadRow(where, f"ent_num {row[0][:20]!r} is not a number")
                continue
            uid = int(row[0])
            comments = sides["sdn_comments.csv"].take(uid)
            addresses = sides["add.csv"].take(uid)
            aliases = sides["alt.csv"].take(uid)
            entity_type = _entity_type(_value(row[2]))
            if entity_type is None:
                options.count(f"skipped {_value(row[2])}")
                continue
            yield from _record(uid, row, where, comments, addresses, aliases, entity_type, names, prefix, options)


def _value(text: str) -> str:
    text = text.strip()
    return "" if text == NULL else text


def _name_key(name: str) -> str:
    return normalize_text(name).rstrip(".").casefold()


def _entity_type(sdn_type: str) -> int | None:
    if sdn_type == "individual":
        return pb.ENTITY_TYPE_PERSON
    if sdn_type in ("vessel", "aircraft"):
        return None
    return pb.ENTITY_TYPE_ORGANIZATION


def _lines(path: Path, options: Options | None) -> Iterator[str]:
    """Decoded lines without the DOS EOF byte; UTF-8, or Windows-1252 for a line that is not."""
    with open(path, "rb") as source:
        for raw in source:
            if options is not None:
                options.advance(len(raw))
            raw = raw.replace(b"\x1a", b"")
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("cp1252", errors="replace")


def _csv_rows(path: Path, options: Options | None) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, fields), blank rows skipped."""
    reader = csv.reader(_lines(path, options))
    start = 1
    for row in reader:
        if row and any(field.strip() for field in row):
            yield start, row
        start = reader.line_num + 1


class _SideFile:
    """Rows of add.csv / alt.csv / sdn_comments.csv for one ent_num at a time (merge join)."""

    def __init__(self, path: Path, options: Options) -> None:
        self.name = path.name
        self.exists = path.exists()
        self._rows = _csv_rows(path, options) if self.exists else iter(())
        self._pending: dict[int, list[tuple[int, list[str]]]] = {}
        self._done = False
        self._last = -1

    def take(self, uid: int) -> list[tuple[str, list[str]]]:
        while not self._done and self._last <= uid:
            try:
                line, row = next(self._rows)
            except StopIteration:
                self._done = True
                break
            if not row[0].strip().isdigit():
                continue
            key = int(row[0])
            self._last = max(self._last, key)
            self._pending.setdefault(key, []).append((line, row))
        return [(f"{self.name}:{line}", row) for line, row in self._pending.pop(uid, [])]


def _split_remarks(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Remark items (text, location): the parts are joined first, then split at ';'; an item's
    location names the file line(s) its text came from."""
    joined = ""
    ranges = []
    for where, text in parts:
        ranges.append((len(joined), len(joined) + len(text), where))
        joined += text
    items = []
    start = 0
    for piece in joined.split(";"):
        end = start + len(piece)
        text = piece.strip()
        if text:
            first = start + len(piece) - len(piece.lstrip())
            last = first + len(text)
            owners = [w for b, e, w in ranges if b < last and e > first]
            items.append((text, "+".join(owners) or ranges[0][2]))
        start = end + 1
    if items and items[-1][0].endswith("."):
        text, where = items[-1]
        items[-1] = (text[:-1].rstrip(), where)
    return items


def _record(uid, row, where, comments, addresses, aliases, entity_type, names, prefix, options):
    name = _value(row[1])
    programs = [p.strip() for p in _value(row[3]).split("] [") if p.strip()]
    rec_id = record_id(prefix, str(uid))
    builder = RecordBuilder(rec_id, where, options, issued_at=None, case_reference=f"OFAC-SDN-{uid}",
                            summary=f"OFAC SDN list entry {uid}: {name}"
                            + (f" (programs {', '.join(programs)})" if programs else ""))
    subject = builder.entity("subject", entity_type, name)
    subject.role(pb.ENTITY_ROLE_SANCTIONED).identifier("ofac_sdn_uid", str(uid))
    subject.attribute("sdn_type", _value(row[2]) or "entity")
    for program in programs:
        subject.attribute("program", program)
    subject.attribute("title", _value(row[4]) or None)
    for _, alias in aliases:
        if len(alias) >= 4 and _value(alias[3]):
            subject.alias(_value(alias[3]))
    for _, address in addresses:
        fields = [_value(f) for f in address[2:5]] if len(address) >= 5 else []
        text = ", ".join(f for f in fields if f)
        subject.attribute("address", text or None)
        if len(fields) == 3 and fields[2]:
            subject.attribute("country", fields[2])
    parts = [(where, _value(row[11]))] + [(w, c[1]) for w, c in comments if len(c) >= 2]
    remarks = "".join(text for _, text in parts).strip()
    subject.attribute("remarks", remarks or None)
    wallet_refs: dict[tuple[str, str], str] = {}
    linked = 0
    for text, item_where in _split_remarks(parts):
        wallet = WALLET.fullmatch(text)
        if wallet:
            ticker, address = wallet.group(1).upper(), wallet.group(2).rstrip(".,")
            chain = wallets.chain_for(ticker, address)
            if chain is None:
                builder.problem(f"{ticker} address {address[:80]!r}: cannot tell its chain", where=item_where)
                continue
            if (chain, address) in wallet_refs:
                continue
            ref = f"w{len(wallet_refs) + 1}"
            wallet_refs[(chain, address)] = ref
            entity = builder.entity(ref, pb.ENTITY_TYPE_CRYPTO_WALLET)
            if entity.identifier("wallet", address, chain, where=item_where):
                entity.attribute("currency", ticker).role(pb.ENTITY_ROLE_SANCTIONED)
                builder.link("subject", ref, pb.LINK_TYPE_USES, evidence=f"OFAC SDN entry {uid}",
                             notes=f"Digital Currency Address - {ticker}")
            continue
        alias = ALIAS.fullmatch(text)
        if alias:
            subject.alias(alias.group(1))
            continue
        field = FIELD.fullmatch(text)
        if not field:
            subject.attribute("remark", text)
            continue
        label, value = field.group(1).lower(), field.group(2).strip()
        if label == "email address":
            subject.identifier("email", value, where=item_where)
        elif label == "website":
            if not subject.try_identifier("url", value):
                subject.attribute("website", value)
        elif label == "phone number":
            digits = re.sub(r"\D", "", value)
            if not (digits and subject.try_identifier("phone", "+" + digits)):
                subject.attribute("phone", value)
        elif label == "linked to:":
            target = names.get(_name_key(value))
            if not target or not target[1] or target[0] == uid:
                subject.attribute("linked_to", value)
                options.count("Linked To names not found as an entry")
                continue
            linked += 1
            ref = f"l{linked}"
            target_id = record_id(prefix, str(target[0]))
            builder.reference(ref, target[1], local_key(options.agency_id, target_id, "subject"), value)
            builder.link("subject", ref, pb.LINK_TYPE_ASSOCIATED_WITH, evidence=f"OFAC SDN entry {uid}",
                         notes=f"Linked To: {value}")
        else:
            subject.attribute({"dob": "birth_date", "pob": "birth_place"}.get(label, label), value)
    authority_entity(builder, AUTHORITY)
    builder.link("subject", "authority", pb.LINK_TYPE_SANCTIONED_BY, evidence=f"OFAC SDN entry {uid}",
                 notes=", ".join(programs))
    return builder.finish()
