"""FollowTheMoney / OpenSanctions entities (JSON lines) → CaseRecords.

Each line is one entity: ``{"id", "schema", "properties": {name: [str, …]},
"first_seen", "last_change", …}``. Entities refer to each other by id, and
the referred entity may come on a later line.

Approach — two passes over the file, memory bounded by a temporary SQLite
index, not by the file:

* pass 1 reads every line, builds each mapped entity's record (without
  yielding it) and stores in the index how other records must refer to its
  node: its strong identifier when it has one that is a merge key of its
  type (a wallet, an LEI …), else the graph key its own record gives it
  (``local:<agency>/ftm:<id>:subject``); a bad entity is marked bad;
* pass 2 yields, in file order, one record per entity (``ftm:<id>``) and one
  per relationship entity (Ownership, Directorship, Sanction, …), whose ends
  are written from the index. A relationship to an entity that was a bad
  row is a bad row itself; one to an id the file does not hold is skipped
  and counted.

Mapping: Person → Person; Company, Organization, LegalEntity, PublicBody →
Organization; CryptoWallet → CryptoWallet (``publicKey`` on the chain its
``currency`` names; the ``holder`` CONTROLS it); Address, BankAccount as
such. Ownership → OWNS, Directorship → DIRECTS, Payment → TRANSFERRED_TO,
Family/Associate/Employment/Membership/Representation/UnknownLink/Succession
→ ASSOCIATED_WITH, Sanction → SANCTIONED_BY the authority's Organization
node (``{kind: authority}``, e.g. US-OFAC) and the role SANCTIONED. Topics:
``sanction`` → SANCTIONED, ``crime…``/``wanted`` → SUSPECT, ``reg.warn`` →
UNAUTHORIZED_OPERATOR. Other schemata are counted and skipped.
"""

from __future__ import annotations

import json
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
    clip,
    iter_lines,
    local_key,
    parse_date,
    record_id,
)
from graph import resolve, schema
from regulink.v1 import records_pb2 as pb

PREFIX = "ftm"
SUBJECT = "subject"
THINGS = {
    "Person": pb.ENTITY_TYPE_PERSON,
    "Company": pb.ENTITY_TYPE_ORGANIZATION,
    "Organization": pb.ENTITY_TYPE_ORGANIZATION,
    "LegalEntity": pb.ENTITY_TYPE_ORGANIZATION,
    "PublicBody": pb.ENTITY_TYPE_ORGANIZATION,
    "CryptoWallet": pb.ENTITY_TYPE_CRYPTO_WALLET,
    "Address": pb.ENTITY_TYPE_ADDRESS,
    "BankAccount": pb.ENTITY_TYPE_BANK_ACCOUNT,
}
# schema → (source property, target property, link type)
RELATIONSHIPS = {
    "Ownership": ("owner", "asset", pb.LINK_TYPE_OWNS),
    "Directorship": ("director", "organization", pb.LINK_TYPE_DIRECTS),
    "Payment": ("payer", "beneficiary", pb.LINK_TYPE_TRANSFERRED_TO),
    "Employment": ("employee", "employer", pb.LINK_TYPE_ASSOCIATED_WITH),
    "Membership": ("member", "organization", pb.LINK_TYPE_ASSOCIATED_WITH),
    "Representation": ("agent", "client", pb.LINK_TYPE_ASSOCIATED_WITH),
    "Family": ("person", "relative", pb.LINK_TYPE_ASSOCIATED_WITH),
    "Associate": ("person", "associate", pb.LINK_TYPE_ASSOCIATED_WITH),
    "UnknownLink": ("subject", "object", pb.LINK_TYPE_ASSOCIATED_WITH),
    "Succession": ("predecessor", "successor", pb.LINK_TYPE_ASSOCIATED_WITH),
}
NAME_PROPERTIES = ("alias", "weakAlias", "previousName", "abbreviation")
ATTRIBUTES = ("country", "nationality", "citizenship", "jurisdiction", "birthDate", "birthPlace", "deathDate",
              "gender", "position", "legalForm", "incorporationDate", "dissolutionDate", "status", "sector",
              "address", "program", "notes", "summary", "sourceUrl", "idNumber", "taxNumber", "innCode",
              "registrationNumber", "swiftBic", "accountNumber", "bankName", "balance", "currency", "street",
              "city", "postalCode", "full")
ROLE_TOPICS = (("sanction", pb.ENTITY_ROLE_SANCTIONED), ("crime", pb.ENTITY_ROLE_SUSPECT),
               ("wanted", pb.ENTITY_ROLE_SUSPECT), ("reg.warn", pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR))
# Sanctioning bodies as FtM's Sanction.authority names them → authority keys (graph/resolve/authority.py).
AUTHORITIES = {
    "office of foreign assets control": "US-OFAC",
    "ofac": "US-OFAC",
    "council of the european union": "EU-COUNCIL",
    "european union": "EU-COUNCIL",
    "united nations security council": "UN-UNSC",
    "un security council": "UN-UNSC",
    "office of financial sanctions implementation": "GB-OFSI",
    "hm treasury": "GB-OFSI",
    "state secretariat for economic affairs": "CH-SECO",
    "department of foreign affairs and trade": "AU-DFAT",
    "monetary authority of singapore": "SG-MAS",
    "financial services agency": "JP-FSA",
    "ministry of finance, japan": "JP-MOF",
    "ministry of finance of japan": "JP-MOF",
}
_STOPWORDS = {"of", "the", "and", "for", "on", "de", "des", "du", "la", "le"}


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    prefix = options.record_prefix or PREFIX
    with KeyIndex() as index:
        for where, entity in _entities(path, options, count=False):
            if isinstance(entity, BadRow) or entity["schema"] not in THINGS:
                continue
            builder = _thing(entity, where, options, prefix, index=None)
            results = builder.finish()
            records = [x[1] for x in results if not isinstance(x, BadRow)]
            if records:
                index.put(entity["id"], {"ref": node_reference(records[0], SUBJECT, options.agency_id)})
            else:
                index.put(entity["id"], {"bad": True})
        for where, entity in _entities(path, options, count=True):
            if isinstance(entity, BadRow):
                yield entity
                continue
            kind = entity["schema"]
            if kind in THINGS:
                yield from _thing(entity, where, options, prefix, index).finish()
            elif kind in RELATIONSHIPS or kind == "Sanction":
                yield from _relationship(entity, where, options, prefix, index)
            else:
                options.count(f"skipped {kind}")


def node_reference(record: pb.CaseRecord, ref: str, agency_id: str) -> list:
    """[entity type, identifier kind, value, scheme, name] that makes another record's entity the same
    node as `ref` of `record`: its first merge-key identifier in the type's priority, else its graph key."""
    entity = next(e for e in record.entities if e.ref == ref)
    for kind in schema.ENTITY_TYPES[entity.type].merge_keys:
        for identifier in entity.identifiers:
            if identifier.kind == kind:
                return [entity.type, identifier.kind, identifier.value, identifier.scheme, entity.name]
    return [entity.type, "graph_key", local_key(agency_id, record.record_id, ref), "", entity.name]


def _entities(path: Path, options: Options, *, count: bool) -> Iterator[tuple[str, dict | BadRow]]:
    quiet = Options(agency_id=options.agency_id)
    for number, text in iter_lines(path, options if count else quiet, encoding="utf-8"):
        where = f"{path.name}:{number}"
        if text is None:
            yield where, BadRow(where, "not UTF-8")
            continue
        if not text.strip():
            continue
        if count:
            options.count("read")
        try:
            entity = json.loads(text)
        except json.JSONDecodeError as exc:
            yield where, BadRow(where, f"not JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(entity, dict) or not isinstance(entity.get("id"), str) or not isinstance(
                entity.get("schema"), str):
            yield where, BadRow(where, "not a FollowTheMoney entity (needs id and schema)")
            continue
        properties = entity.get("properties", {})
        if not isinstance(properties, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in properties.values()):
            yield where, BadRow(where, f"{entity['id']}: properties must map names to lists of strings")
            continue
        entity["properties"] = properties
        yield where, entity


def _values(entity: dict, name: str) -> list[str]:
    return [v for v in entity["properties"].get(name, []) if v.strip()]


def _issued(entity: dict, options: Options):
    for name in ("last_change", "first_seen"):
        try:
            moment = parse_date(str(entity.get(name) or ""))
        except ValueError:
            moment = None
        if moment is not None:
            return moment
    return options.issued_at


def _thing(entity: dict, where: str, options: Options, prefix: str, index: KeyIndex | None) -> RecordBuilder:
    kind = entity["schema"]
    entity_type = THINGS[kind]
    names = _values(entity, "name") or _values(entity, "full") or [str(entity.get("caption") or "")]
    builder = RecordBuilder(record_id(prefix, entity["id"]), where, options, issued_at=_issued(entity, options),
                            case_reference=entity["id"],
                            summary=clip(f"FollowTheMoney {kind} {names[0]}".strip()
                                         + (f" (datasets: {', '.join(entity['datasets'])})"
                                            if isinstance(entity.get("datasets"), list) else ""), 4000))
    subject = builder.entity(SUBJECT, entity_type, "" if kind == "CryptoWallet" else names[0])
    subject.attribute("ftm_id", entity["id"]).attribute("ftm_schema", kind)
    subject.alias(*names[1:], *(v for p in NAME_PROPERTIES for v in _values(entity, p)))
    for name in ATTRIBUTES:
        for value in _values(entity, name):
            subject.attribute(name, value)
    topics = _values(entity, "topics")
    for topic in topics:
        subject.attribute("topic", topic)
        for prefix_, role in ROLE_TOPICS:
            if topic == prefix_ or topic.startswith(prefix_ + "."):
                subject.role(role)
    for value in _values(entity, "leiCode"):
        subject.identifier("lei", value, where=where)
    for value in _values(entity, "email"):
        subject.identifier("email", value, where=where)
    for value in _values(entity, "iban"):
        subject.identifier("iban", value, where=where)
    for value in _values(entity, "website"):
        if not subject.try_identifier("url", value):
            subject.attribute("website", value)
    for value in _values(entity, "phone"):
        if not subject.try_identifier("phone", value):
            subject.attribute("phone", value)
    countries = [c.upper() for c in _values(entity, "jurisdiction") + _values(entity, "country")]
    for value in _values(entity, "registrationNumber") + _values(entity, "ogrnCode"):
        if "JP" in countries and subject.try_identifier("jp_cn", value):
            continue
        if countries:
            subject.try_identifier("registration", value, countries[0])
    if kind == "CryptoWallet":
        address = (_values(entity, "publicKey") or _values(entity, "address") or [""])[0]
        currency = (_values(entity, "currency") or _values(entity, "currencySymbol") or [""])[0]
        chain = wallets.chain_for(currency, address) if currency else wallets.guess_chain(address)
        if not address:
            builder.problem(f"{entity['id']}: a CryptoWallet without publicKey")
        elif chain is None:
            builder.problem(f"{entity['id']}: cannot tell the chain of wallet {address[:80]!r} "
                            f"(currency {currency or 'not given'})")
        else:
            subject.identifier("wallet", address, chain, where=where)
        if index is not None:
            _link_to(builder, index, entity, "holder", "h", SUBJECT, pb.LINK_TYPE_CONTROLS, reverse=True)
    elif index is not None:
        _link_to(builder, index, entity, "addressEntity", "a", SUBJECT, pb.LINK_TYPE_LOCATED_AT)
    return builder


def _link_to(builder: RecordBuilder, index: KeyIndex, entity: dict, prop: str, ref_prefix: str, ref: str,
             link_type: int, *, reverse: bool = False) -> None:
    for n, other in enumerate(_values(entity, prop), 1):
        entry = index.get(other)
        if entry is None:
            builder.options.count(f"skipped {prop} not in the file")
            continue
        if "bad" in entry:
            builder.problem(f"{entity['id']}: its {prop} {other} was a bad row")
            continue
        other_ref = f"{ref_prefix}{n}"
        _reference(builder, other_ref, entry["ref"])
        source, target = (other_ref, ref) if reverse else (ref, other_ref)
        builder.link(source, target, link_type, evidence=entity["id"])


def _reference(builder: RecordBuilder, ref: str, spec: list) -> None:
    entity_type, kind, value, scheme, name = spec
    builder.entity(ref, entity_type, name).identifier(kind, value, scheme)


def _relationship(entity: dict, where: str, options: Options, prefix: str,
                  index: KeyIndex) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    kind = entity["schema"]
    builder = RecordBuilder(record_id(prefix, entity["id"]), where, options, issued_at=_issued(entity, options),
                            case_reference=entity["id"], summary=clip(f"FollowTheMoney {kind} {entity['id']}", 4000))
    if kind == "Sanction":
        if not _sanction(entity, builder, index):
            return
    else:
        source_prop, target_prop, link_type = RELATIONSHIPS[kind]
        ends = []
        for prop in (source_prop, target_prop):
            values = _values(entity, prop)
            entry = index.get(values[0]) if values else None
            if entry is None:
                options.count(f"skipped {kind}: {prop} not in the file")
                return
            if "bad" in entry:
                yield BadRow(where, f"{entity['id']}: its {prop} {values[0]} was a bad row")
                return
            ends.append(entry["ref"])
        _reference(builder, "source", ends[0])
        _reference(builder, "target", ends[1])
        notes = "; ".join(f"{p}: {v}" for p in ("role", "relationship", "percentage", "ownershipType", "amount",
                                                "startDate", "endDate") for v in _values(entity, p))
        builder.link("source", "target", link_type, evidence=entity["id"], notes=notes)
    yield from builder.finish()


def authority_key(name: str, country: str = "") -> str | None:
    """The authority key of a sanctioning body as FtM names it ("Office of Foreign Assets Control" → US-OFAC)."""
    text = " ".join(name.split()).lower()
    if text in AUTHORITIES:
        return AUTHORITIES[text]
    for known, key in AUTHORITIES.items():
        if len(known) > 6 and known in text:
            return key
    words = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in _STOPWORDS]
    acronym = "".join(w[0] for w in words).upper() if len(words) > 1 else "".join(words).upper()
    if country and acronym:
        candidate = f"{country.upper()}-{acronym[:32]}"
        if resolve.is_valid("authority", candidate):
            return candidate
    return None


def _sanction(entity: dict, builder: RecordBuilder, index: KeyIndex) -> bool:
    """Fill the Sanction's record; False when it has nothing to say (its entity is not in the file)."""
    targets = _values(entity, "entity")
    entry = index.get(targets[0]) if targets else None
    if entry is None:
        builder.options.count("skipped Sanction: entity not in the file")
        return False
    if "bad" in entry:
        builder.problem(f"{entity['id']}: its entity {targets[0]} was a bad row")
        return True
    _reference(builder, SUBJECT, entry["ref"])
    builder.entity(SUBJECT, entry["ref"][0]).role(pb.ENTITY_ROLE_SANCTIONED)
    authority = (_values(entity, "authority") or [""])[0]
    country = (_values(entity, "country") or [""])[0]
    key = authority_key(authority, country) if authority else None
    if key is not None:
        authority_entity(builder, key, authority)
    elif authority:
        builder.entity("authority", pb.ENTITY_TYPE_ORGANIZATION, authority)
    else:
        return True
    notes = "; ".join(f"{p}: {v}" for p in ("program", "reason", "listingDate", "startDate", "endDate", "status")
                      for v in _values(entity, p))
    builder.link(SUBJECT, "authority", pb.LINK_TYPE_SANCTIONED_BY, evidence=entity["id"], notes=clip(notes))
    return True
