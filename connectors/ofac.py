"""OFAC SDN list, legacy CSV (sdn.csv, add.csv, alt.csv, sdn_comments.csv) → CaseRecords.

One record per SDN entry, id ``ofac-sdn:<ent_num>``: the sanctioned person or
organization (role SANCTIONED, identifier ``{kind: ofac_sdn_uid}``, aliases
from alt.csv and the remarks' a.k.a./f.k.a., addresses and countries from
add.csv as attributes, e-mails and websites as identifiers, the registration
numbers and other identity numbers of the remarks, see below), each wallet of
its remarks as a CryptoWallet the subject USES (OFAC lists addresses
*associated* with an entry; it does not say who holds the keys), a
SANCTIONED_BY link to OFAC's Organization node (``{kind: authority, value:
US-OFAC}``, one node for all entries), and an ASSOCIATED_WITH link to every
``Linked To: NAME`` entry, referred to by its graph key. Vessels and aircraft
are counted and skipped (they carry no wallets).

**Wallets.** Every ``Digital Currency Address - TICKER ADDRESS`` item becomes
a wallet or a bad row with its reason, never nothing: tickers name
currencies, and connectors/wallets.py places the address on a chain (XBT is
bitcoin; USDT on a ``1…``/``3…`` address is Tether on Bitcoin's Omni layer,
on ``0x…`` Ethereum, on ``T…`` Tron). The ticker stays as the wallet's
``currency``; ``chain_basis`` says why when the chain is not the ticker's
own, ``address_check`` when the chain's addresses carry no checksum. A bad
address costs only itself: the entry is pushed with everything else.

**Identifiers in the remarks.** ``Registration Number 1027700070518
(Russia)`` and the other company-register numbers become ``{kind:
registration, scheme: RU}`` (the key FollowTheMoney records get for the same
company's ``registrationNumber``, so both meet at one node) when the number
passes its country's check; ``Legal Entity Number`` an LEI; tax, national
ID, passport, SWIFT/BIC and other numbers ``{kind: other, scheme:
"tax_id:RU"}`` and an attribute (free-form kinds are not graph keys).

The files as published: no header (positional columns), CRLF, a DOS EOF
byte 0x1A, sometimes a UTF-8 byte-order mark, nulls written ``-0-`` with a
trailing space, programs joined as ``DPRK3] [CYBER2``, remarks cut at
exactly 1,000 characters and continued in sdn_comments.csv by ent_num. The
parts are joined *raw* before parsing: the cut falls inside addresses and
right after ``XBT `` (stripping the parts first glued the address to its
ticker). A remark cut at 1,000 characters with no continuation (an old or
missing sdn_comments.csv) ends in a broken item: that item is a bad row, not
a truncated address.

Streaming: sdn.csv is read twice (pass 1, with sdn_comments.csv, keeps only
a name → (ent_num, strong key) index in a temporary SQLite file, so that a
``Linked To`` reaches the node its target is keyed by); the three side files are
merge-joined by ent_num, which OFAC writes in ascending order (rows out of
order are still found: the reader keeps what it read ahead until claimed).

One file because the four CSV files are joined by ent_num into each entry, and the remarks' grammar
(wallets, identifiers, links by name) is OFAC's alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pycountry

from connectors import wallets
from connectors.base import (
    BadRow,
    KeyIndex,
    Options,
    RecordBuilder,
    authority_entity,
    identifier_problem,
    local_key,
    normalize_text,
    record_id,
)
from graph import resolve
from regulink.v1 import records_pb2 as pb

PREFIX = "ofac-sdn"
AUTHORITY = "US-OFAC"
SDN_COLUMNS = ("ent_num", "name", "sdn_type", "program", "title", "call_sign", "vess_type", "tonnage", "grt",
               "vess_flag", "vess_owner", "remarks")
NULL = "-0-"
REMARKS_CUT = 1000  # OFAC's remarks column holds this many characters; the rest goes to sdn_comments.csv
BOM = b"\xef\xbb\xbf"
DOWNLOAD = "https://ofac.treasury.gov/specially-designated-nationals-list-data-formats-data-schemas"

CURRENCY = re.compile(r"(?:alt\.\s*)?Digital\s+Currency\s+Address\b", re.IGNORECASE)
WALLET = re.compile(r"(?:alt\.\s*)?Digital\s+Currency\s+Address\s*[-–]\s*([A-Za-z0-9]+)\s+(\S+?)[.,]?", re.IGNORECASE)
ALIAS = re.compile(r"(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.*)'\s*", re.IGNORECASE)
FIELD = re.compile(r"(?:alt\.\s*)?(Email Address|Website|Phone Number|DOB|POB|nationality|citizen|Gender|"
                   r"Linked To:)\s*(.+)", re.IGNORECASE)

# Identity numbers of the remarks: label (as OFAC writes it) → what it is. "registration" and "lei" are
# graph keys; the rest are kept as {kind: other, scheme: "<slug>[:CC]"} and as attributes.
_NUMBER_LABELS: dict[str, tuple[str, ...]] = {
    "registration": ("Registration Number", "Business Registration Number", "Company Number", "UK Company Number",
                     "Company Registration Number", "Commercial Registry Number", "Registration ID",
                     "Certificate of Incorporation Number", "Chamber of Commerce Number", "Enterprise Number",
                     "Unified Social Credit Code", "United Social Credit Code Certificate",
                     "Central Registration System Number", "C.R. No.", "Business Number",
                     "Public Registration Number"),
    "lei": ("Legal Entity Number", "LEI"),
    "tax_id": ("Tax ID No.", "Tax ID", "V.A.T. Number", "VAT Number", "Italian Fiscal Code", "Fiscal Code",
               "NIT #", "RUC #", "R.F.C.", "RTN"),
    "national_id": ("National ID No.", "National ID", "National Foreign ID Number", "Personal ID Card",
                    "Identification Number", "Cedula No.", "C.U.R.P.", "D.N.I.", "Kenyan ID No.",
                    "Turkish Identification Number", "Tazkira National ID Card", "Residency Number",
                    "Moroccan Personal ID No.", "Bosnian Personal ID No.", "SSN"),
    "passport": ("Passport", "Diplomatic Passport", "British National Overseas Passport", "Stateless Person Passport",
                 "Travel Document Number"),
    "swift_bic": ("SWIFT/BIC",),
    "duns": ("D-U-N-S Number",),
    "okpo": ("Government Gazette Number",),  # OFAC's name for Russia's OKPO code
    "trade_license": ("Trade License No.",),
    "economic_register": ("Economic Register Number",),
    "organization_code": ("Organization Code",),
    "folio_mercantil": ("Folio Mercantil No.",),
    "chamber_membership": ("Dubai Chamber of Commerce Membership No.", "Istanbul Chamber of Comm. No."),
    "ogrnip": ("Russian State Individual Business Registration Number Pattern",),
}
_LABEL_SLUG = {label.casefold(): slug for slug, labels in _NUMBER_LABELS.items() for label in labels}
_NUMBER = re.compile(
    r"(?:alt\.\s*)?(?P<label>" + "|".join(re.escape(label) for label in
                                          sorted({lb for lbs in _NUMBER_LABELS.values() for lb in lbs},
                                                 key=len, reverse=True)) + r")"
    r"(?:\s*\([A-Za-z]{2,8}\))?\s+(?P<value>[^()]+?)\s*(?:\((?P<country>[^()]+)\))?"
    r"(?P<rest>\s*,?\s*(?:issued|expires|expired|valid)\b.*)?", re.IGNORECASE)
# OFAC's country names pycountry does not know by that name.
_COUNTRIES = {
    "russia": "RU", "turkey": "TR", "burma": "MM", "korea, north": "KP", "korea, south": "KR",
    "congo, democratic republic of the": "CD", "congo, republic of the": "CG", "cote d ivoire": "CI",
    "macedonia": "MK", "north macedonia, the republic of": "MK", "micronesia, federated states of": "FM",
    "kosovo": "XK", "macau": "MO", "man, isle of": "IM", "holy see": "VA", "brunei": "BN", "curacao": "CW",
    "sint maarten": "SX", "u.k.": "GB", "west bank": "PS", "gaza": "PS", "palestinian": "PS",
    "palestinian authority": "PS", "bahamas, the": "BS", "gambia, the": "GM",
}


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    """Records of an SDN legacy CSV folder (or its sdn.csv, with the side files beside it)."""
    sdn = path / "sdn.csv" if path.is_dir() else path
    folder = sdn.parent
    if not sdn.exists():
        yield BadRow(str(path), f"no sdn.csv here: the ofac format reads OFAC's SDN legacy CSV folder "
                                f"(sdn.csv with add.csv, alt.csv, sdn_comments.csv; {DOWNLOAD})")
        return
    prefix = options.record_prefix or PREFIX
    with KeyIndex() as names:
        # Pass 1: how a "Linked To: NAME" refers to NAME's node: its strong key when it has one, else its ent_num.
        continuations = _SideFile(folder / "sdn_comments.csv", None)
        for line, row in _csv_rows(sdn, None):
            if len(row) == len(SDN_COLUMNS) and row[0].strip().isdigit():
                kind = _entity_type(_value(row[2]))
                _, items, _ = _remark_items(f"{sdn.name}:{line}", row, continuations.take(int(row[0])))
                names.put(_name_key(row[1]), [int(row[0]), kind or 0, _strong_key(kind, items)])
        sides = {name: _SideFile(folder / name, options) for name in ("sdn_comments.csv", "add.csv", "alt.csv")}
        for name, side in sides.items():
            if not side.exists:
                options.count(f"missing {name}")
        entries = 0
        for line, row in _csv_rows(sdn, options):
            where = f"{sdn.name}:{line}"
            options.count("read")
            if len(row) != len(SDN_COLUMNS):
                yield BadRow(where, f"expected {len(SDN_COLUMNS)} columns, found {len(row)}")
                continue
            if not row[0].strip().isdigit():
                yield BadRow(where, f"ent_num {row[0][:20]!r} is not a number")
                continue
            entries += 1
            uid = int(row[0])
            comments = sides["sdn_comments.csv"].take(uid)
            addresses = sides["add.csv"].take(uid)
            aliases = sides["alt.csv"].take(uid)
            entity_type = _entity_type(_value(row[2]))
            if entity_type is None:
                options.count(f"skipped {_value(row[2])}")
                continue
            yield from _record(uid, row, where, comments, addresses, aliases, entity_type, names, prefix, options)
        if not entries:
            yield BadRow(str(sdn), "no SDN entry in the file (an empty or broken download?)")


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
    """Decoded lines without the DOS EOF byte or a leading byte-order mark; UTF-8, or Windows-1252
    for a line that is not."""
    with open(path, "rb") as source:
        for number, raw in enumerate(source):
            if options is not None:
                options.advance(len(raw))
            if number == 0 and raw.startswith(BOM):
                raw = raw[len(BOM):]
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

    def __init__(self, path: Path, options: Options | None) -> None:
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
    """Remark items (text, location): the raw parts are joined first, then split at ';'; an item's
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


def _remark_items(where: str, row: list[str], comments: list) -> tuple[list, list, tuple[str, str] | None]:
    """(raw parts, items, the broken last item of a remark cut short or None). The parts are joined raw,
    not stripped: a cut right after "XBT " keeps its space (issue 14)."""
    remark = "" if row[11].strip() == NULL else row[11]
    parts = [(where, remark)] + [(w, c[1]) for w, c in comments if len(c) >= 2]
    items = _split_remarks(parts)
    cut = items.pop() if items and _cut_short(remark, comments) else None
    return parts, items, cut


def _strong_key(entity_type: int | None, items: list[tuple[str, str]]) -> list[str] | None:
    """[kind, value, scheme] of the identifier that keys an entry's node (graph.project: an Organization's
    first LEI, else its first registration number), exactly as :func:`_number` adds them; else None."""
    if entity_type != pb.ENTITY_TYPE_ORGANIZATION:
        return None
    found: dict[str, list[str]] = {}
    for text, _ in items:
        match = _NUMBER.fullmatch(text)
        if not match or CURRENCY.match(text):
            continue
        slug, value, country = _number_parts(match)
        if slug == "lei" and "lei" not in found and _looks_like_number(value) \
                and identifier_problem("lei", value) is None:
            found["lei"] = ["lei", value, ""]
        elif slug == "registration" and "registration" not in found and country and _looks_like_number(value) \
                and identifier_problem("registration", value, country) is None:
            found["registration"] = ["registration", value, country]
    return found.get("lei") or found.get("registration")


def _cut_short(remark: str, comments: list) -> bool:
    """True when the remark stops at OFAC's cut and no continuation came with it: its last item is broken."""
    return len(remark) == REMARKS_CUT and not comments and not remark.rstrip().endswith((".", ";"))


@lru_cache(maxsize=512)
def country_code(name: str) -> str | None:
    """ISO 3166 alpha-2 code of a country as OFAC names it ("Russia", "Korea, North" …), else None."""
    text = normalize_text(name)
    if text.casefold() in _COUNTRIES:
        return _COUNTRIES[text.casefold()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


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
    parts, items, cut = _remark_items(where, row, comments)
    remarks = "".join(text for _, text in parts).strip()
    subject.attribute("remarks", remarks or None)
    if cut is not None:
        text, item_where = cut
        options.count("remarks cut at 1,000 characters without a continuation")
        builder.problem(f"{text[:80]!r}: the remark stops at OFAC's 1,000-character cut and sdn_comments.csv has "
                        "no continuation for it; this item is incomplete and left out", where=item_where)
    wallet_refs: dict[tuple[str, str], str] = {}
    linked = 0
    for text, item_where in items:
        if CURRENCY.match(text):
            _wallet(builder, uid, text, item_where, wallet_refs, options)
            continue
        alias = ALIAS.fullmatch(text)
        if alias:
            subject.alias(alias.group(1))
            continue
        number = _NUMBER.fullmatch(text)
        if number and _number(subject, entity_type, number, options):
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
            strong = target[2] if len(target) > 2 else None
            if strong:  # the node is keyed by its LEI or registration number: name it so
                builder.entity(ref, target[1], value).identifier(*strong)
            else:
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


def _wallet(builder: RecordBuilder, uid: int, text: str, where: str, seen: dict[tuple[str, str], str],
            options: Options) -> None:
    """One ``Digital Currency Address`` item: a CryptoWallet the subject USES, or a problem saying why not."""
    match = WALLET.fullmatch(text)
    if not match:
        options.count("wallet addresses refused")
        builder.problem(f"{text[:120]!r}: a Digital Currency Address item that is not 'TICKER ADDRESS'", where=where)
        return
    ticker, address = match.group(1).upper(), match.group(2)
    placed = wallets.place(ticker, address)
    if placed.chain is None:
        options.count("wallet addresses refused")
        builder.problem(f"{ticker} address {address[:80]!r}: cannot tell its chain", where=where)
        return
    try:
        key = resolve.normalize_wallet(placed.chain, address)
    except resolve.InvalidIdentifier:
        key = (placed.chain, address)  # the identifier check below reports it
    if key in seen:  # the same wallet twice in one entry (OFAC lists one 0x address as ETH, USDT and USDC)
        if builder.has(seen[key]):
            builder.entity(seen[key], pb.ENTITY_TYPE_CRYPTO_WALLET).attribute("currency", ticker)
        return
    ref = seen[key] = f"w{len(seen) + 1}"
    entity = builder.entity(ref, pb.ENTITY_TYPE_CRYPTO_WALLET)
    if not entity.identifier("wallet", address, placed.chain, where=where):
        options.count("wallet addresses refused")
        return
    options.count(f"wallet {key[0]}")
    entity.attribute("currency", ticker).role(pb.ENTITY_ROLE_SANCTIONED)
    entity.attribute("chain_basis", placed.basis or None).attribute("address_check", wallets.check_note(placed.chain))
    builder.link("subject", ref, pb.LINK_TYPE_USES, evidence=f"OFAC SDN entry {uid}",
                 notes=f"Digital Currency Address - {ticker}")


def _number_parts(match: re.Match) -> tuple[str, str, str | None]:
    """(slug, number as written, ISO country or None) of an identity-number item."""
    slug = _LABEL_SLUG[match.group("label").casefold()]
    country_name = match.group("country") or ""
    return slug, match.group("value").strip().rstrip(","), country_code(country_name) if country_name else None


def _looks_like_number(value: str) -> bool:
    """A number rather than prose ("Passport and National ID were issued in Ulm"): a digit, short, few words."""
    return any(c.isdigit() for c in value) and len(value) <= 40 and len(value.split()) <= 4


def _number(subject, entity_type: int, match: re.Match, options: Options) -> bool:
    """An identity number of the remarks as an identifier (and an attribute); False: not one after all."""
    slug, value, country = _number_parts(match)
    country_name = match.group("country") or ""
    if not _looks_like_number(value):
        return False
    shown = f"{value} ({country_name})" if country_name else value
    subject.attribute(slug, shown + (match.group("rest") or ""))
    organization = entity_type == pb.ENTITY_TYPE_ORGANIZATION
    if slug == "lei" and organization and subject.try_identifier("lei", value):
        return True
    if slug == "registration" and organization and country and subject.try_identifier("registration", value, country):
        options.count("registration numbers as keys")
        return True
    if slug in ("registration", "lei") and organization:
        options.count(f"{slug} numbers that fail their check (kept as other identifiers)")
    subject.identifier("other", value, f"{slug}:{country}" if country else slug)
    return True
