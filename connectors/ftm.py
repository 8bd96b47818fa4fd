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
  per relationship entity (Ownership, Directorship, Payment, Sanction, …),
  whose ends are written from the index. Every value of an end property
  counts (a Payment with two beneficiaries links its payer to both); an end
  that was a bad row is a bad row of the relationship, an end the file does
  not hold is skipped and counted, and the relationship is kept while one
  source and one target remain.

Mapping: Person → Person; Company, Organization, LegalEntity, PublicBody →
Organization; CryptoWallet → CryptoWallet (``publicKey`` on the chain its
``currency`` names; the ``holder`` CONTROLS it); Address, BankAccount as
such. Ownership → OWNS, Directorship → DIRECTS, Payment → TRANSFERRED_TO,
Family/Associate/Employment/Membership/Representation/UnknownLink/Succession
→ ASSOCIATED_WITH, Sanction → SANCTIONED_BY each of its authorities'
Organization nodes (``{kind: authority}``, e.g. US-OFAC) and the role
SANCTIONED; Identification and Passport → an ``identification`` attribute
of their holder. Topics: ``sanction`` → SANCTIONED, ``crime…``/``wanted`` →
SUSPECT, ``reg.warn`` → UNAUTHORIZED_OPERATOR.

Nothing is dropped without a word: every literal property of a thing that
is not a name or an identifier becomes an attribute under its FtM name,
every literal property of a relationship (``amountEur``, ``date``,
``purpose``, ``program`` …) goes into the link's notes, and the link's
``observed_at`` is its date. What is not imported is counted in the run's
summary: other schemata (``skipped Vessel``), references to entities we do
not model (``Payment.payerAccount references not imported``), and names or
attributes beyond the gateway's record limits.

One file because the two passes share one index of entities by id, and every FtM schema's mapping
reads from it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

from anyascii import anyascii

from connectors import wallets
from connectors.base import (
    BadRow,
    EntityDraft,
    KeyIndex,
    Options,
    RecordBuilder,
    authority_entity,
    clip,
    iter_lines,
    local_key,
    normalize_text,
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
IDENTIFICATIONS = ("Identification", "Passport")
# Properties of FtM type `entity` (references by id) on the schemata above, from followthemoney's
# schema/*.yaml. The connector follows the ends, addressEntity, holder and parent; it counts the others.
REFERENCES = frozenset({
    "addressEntity", "proof", "parent", "holder", "bank", "entity", "owner", "asset", "director", "organization",
    "payer", "payerAccount", "beneficiary", "beneficiaryAccount", "contract", "project", "employee", "employer",
    "member", "agent", "client", "person", "relative", "associate", "subject", "object", "predecessor",
    "successor",
})
NAME_PROPERTIES = ("alias", "weakAlias", "previousName", "abbreviation")
# Literal properties used as something other than an attribute of the thing.
USED_OTHERWISE = frozenset({"name", *NAME_PROPERTIES, "topics", "leiCode", "email", "iban", "publicKey"})
NOT_FACTS = frozenset({"indexText"})  # Aleph's search text, "a leaked abstraction" per the FtM schema
# Relationship properties written first in a link's notes, in this order; the others follow as found.
NOTE_ORDER = ("role", "relationship", "percentage", "ownershipType", "amount", "currency", "amountEur",
              "amountUsd", "date", "startDate", "endDate", "purpose", "program", "programId", "reason",
              "listingDate", "status")
LINK_DATES = ("date", "startDate", "listingDate")  # the first that parses is the link's observed_at
ROLE_TOPICS = (("sanction", pb.ENTITY_ROLE_SANCTIONED), ("crime", pb.ENTITY_ROLE_SUSPECT),
               ("wanted", pb.ENTITY_ROLE_SUSPECT), ("reg.warn", pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR))
# The gateway's record limits (docs/api.md, "Record limits"): a record over them is refused whole, so
# an entity with more names or facts keeps the first ones and the run counts the rest.
MAX_ALIASES = 100
MAX_ATTRIBUTES = 200
MAX_ENDS = 900  # entities of one relationship record (the gateway allows 1,000 per record)
# Sanctioning bodies as FtM's Sanction.authority names them (in English or in their own language)
# → authority keys (graph/resolve/authority.py).
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
    "金融庁": "JP-FSA",
    "ministry of finance, japan": "JP-MOF",
    "ministry of finance of japan": "JP-MOF",
    "財務省": "JP-MOF",
    "national security and defense council": "UA-NSDC",
    "рада національної безпеки і оборони україни": "UA-NSDC",
    "державна служба фінансового моніторингу україни": "UA-SFMS",
    "state financial monitoring service of ukraine": "UA-SFMS",
    "федеральная служба по финансовому мониторингу": "RU-ROSFINMONITORING",
    "росфинмониторинг": "RU-ROSFINMONITORING",
    "министерство юстиции российской федерации": "RU-MINJUST",
    "агентство республики казахстан по финансовому мониторингу": "KZ-AFM",
}
# Words left out of an acronym, English and (transliterated) Ukrainian, Russian and Belarusian.
_STOPWORDS = {"of", "the", "and", "for", "on", "de", "des", "du", "la", "le",
              "i", "y", "ta", "po", "pri", "pry", "v", "u", "na", "s", "z", "dlya", "dlia"}
_PAREN_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,11})\)")


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    prefix = options.record_prefix or PREFIX
    with KeyIndex() as index:
        for where, entity in _entities(path, options, count=False):
            if isinstance(entity, BadRow) or entity["schema"] not in THINGS:
                continue
            builder = _thing(entity, where, Options(agency_id=options.agency_id, **_policy(options)), prefix,
                             index=None)
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
            elif kind in RELATIONSHIPS or kind == "Sanction" or kind in IDENTIFICATIONS:
                yield from _relationship(entity, where, options, prefix, index)
            else:
                options.count(f"skipped {kind}")


def _policy(options: Options) -> dict:
    """The options that decide whether pass 1 accepts an entity exactly as pass 2 will (not its counts)."""
    return {"tlp": options.tlp, "share_with": options.share_with, "issued_at": options.issued_at,
            "version": options.version, "skip_bad_identifiers": options.skip_bad_identifiers}


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


def _first_date(entity: dict, names: tuple[str, ...]) -> dt.datetime | None:
    """The first of `names` that holds a readable date (FtM dates may be partial: "2011-12" is kept in
    the notes but gives no observed_at until the date parser reads months)."""
    for name in names:
        for value in _values(entity, name):
            try:
                moment = parse_date(value)
            except ValueError:
                continue
            if moment is not None:
                return moment
    return None


def _thing(entity: dict, where: str, options: Options, prefix: str, index: KeyIndex | None) -> RecordBuilder:
    kind = entity["schema"]
    entity_type = THINGS[kind]
    names = _values(entity, "name") or _values(entity, "full") or [str(entity.get("caption") or "")]
    caption = entity.get("caption")
    if isinstance(caption, str) and caption in names:  # FtM's own choice of display name goes first
        names = [caption, *(n for n in names if n != caption)]
    builder = RecordBuilder(record_id(prefix, entity["id"]), where, options, issued_at=_issued(entity, options),
                            case_reference=entity["id"],
                            summary=clip(f"FollowTheMoney {kind} {names[0]}".strip()
                                         + (f" (datasets: {', '.join(entity['datasets'])})"
                                            if isinstance(entity.get("datasets"), list) else ""), 4000))
    subject = builder.entity(SUBJECT, entity_type, "" if kind == "CryptoWallet" else names[0])
    _aliases(subject, [*names[1:], *(v for p in NAME_PROPERTIES for v in _values(entity, p))], options, kind)
    attributes = [("ftm_id", entity["id"]), ("ftm_schema", kind)]
    topics = _values(entity, "topics")
    for topic in topics:
        attributes.append(("topic", topic))
        for prefix_, role in ROLE_TOPICS:
            if topic == prefix_ or topic.startswith(prefix_ + "."):
                subject.role(role)
    for prop, values in entity["properties"].items():
        if prop in REFERENCES:
            if prop not in ("addressEntity", "holder", "parent") and values:
                options.count(f"{kind}.{prop} references not imported")
        elif prop in NOT_FACTS:
            options.count(f"{kind}.{prop} not imported")
        elif prop not in USED_OTHERWISE and not (prop == "full" and not _values(entity, "name")):
            attributes.extend((prop, v) for v in values if v.strip())
    _attributes(subject, attributes, options, kind)
    for value in _values(entity, "leiCode"):
        subject.identifier("lei", value, where=where)
    for value in _values(entity, "email"):
        subject.identifier("email", value, where=where)
    for value in _values(entity, "iban"):
        subject.identifier("iban", value, where=where)
    for value in _values(entity, "website"):
        subject.try_identifier("url", value)  # kept as the attribute `website` too
    for value in _values(entity, "phone"):
        subject.try_identifier("phone", value)
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
        _link_to(builder, index, entity, "parent", "p", SUBJECT, pb.LINK_TYPE_ASSOCIATED_WITH, notes="parent")
    return builder


def _aliases(subject: EntityDraft, names: list[str], options: Options, kind: str) -> None:
    """Add the names, at most MAX_ALIASES distinct ones; count the rest (real entries carry 130)."""
    kept: list[str] = []
    for name in names:
        name = clip(normalize_text(name))
        if name and name not in kept:
            kept.append(name)
    if len(kept) > MAX_ALIASES:
        options.count(f"{kind} aliases beyond {MAX_ALIASES} not imported", len(kept) - MAX_ALIASES)
    subject.alias(*kept[:MAX_ALIASES])


def _attributes(subject: EntityDraft, pairs: list[tuple[str, str]], options: Options, kind: str) -> None:
    kept: list[tuple[str, str]] = []
    for name, value in pairs:
        pair = (name, clip(normalize_text(value)))
        if pair[1] and pair not in kept:
            kept.append(pair)
    if len(kept) > MAX_ATTRIBUTES:
        options.count(f"{kind} attributes beyond {MAX_ATTRIBUTES} not imported", len(kept) - MAX_ATTRIBUTES)
    for name, value in kept[:MAX_ATTRIBUTES]:
        subject.attribute(name, value)


def _link_to(builder: RecordBuilder, index: KeyIndex, entity: dict, prop: str, ref_prefix: str, ref: str,
             link_type: int, *, reverse: bool = False, notes: str = "") -> None:
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
        builder.link(source, target, link_type, evidence=entity["id"], notes=notes)


def _reference(builder: RecordBuilder, ref: str, spec: list) -> EntityDraft:
    entity_type, kind, value, scheme, name = spec
    draft = builder.entity(ref, entity_type, name)
    draft.identifier(kind, value, scheme)
    return draft


def _notes(entity: dict, used: set[str]) -> str:
    """Every literal property of a relationship not used otherwise, "name: value; …", known ones first."""
    properties = entity["properties"]
    order = [p for p in NOTE_ORDER if p in properties] + [p for p in properties if p not in NOTE_ORDER]
    return "; ".join(f"{p}: {v}" for p in order if p not in used and p not in REFERENCES and p not in NOT_FACTS
                     for v in _values(entity, p))


def _count_references(entity: dict, used: set[str], options: Options) -> None:
    for prop, values in entity["properties"].items():
        if prop in REFERENCES and prop not in used and values:
            options.count(f"{entity['schema']}.{prop} references not imported")


def _ends(entity: dict, prop: str, where: str, index: KeyIndex, options: Options) -> tuple[list[list], list[BadRow]]:
    """Index entries of every entity `prop` names; a bad one is a BadRow, a missing one is counted."""
    ends, bad = [], []
    for value in dict.fromkeys(_values(entity, prop)):
        entry = index.get(value)
        if entry is None:
            options.count(f"{entity['schema']}: {prop} ids not in the file")
        elif "bad" in entry:
            bad.append(BadRow(where, f"{entity['id']}: its {prop} {value} was a bad row"))
        else:
            ends.append(entry["ref"])
    return ends, bad


def _relationship(entity: dict, where: str, options: Options, prefix: str,
                  index: KeyIndex) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    kind = entity["schema"]
    builder = RecordBuilder(record_id(prefix, entity["id"]), where, options, issued_at=_issued(entity, options),
                            case_reference=entity["id"], summary=clip(f"FollowTheMoney {kind} {entity['id']}", 4000))
    if kind == "Sanction":
        used = {"entity", "authority", "country"}
        ends, bad = _ends(entity, "entity", where, index, options)
        yield from bad
        if not ends:
            if not bad:
                options.count("skipped Sanction: entity not in the file")
            return
        _sanction(entity, builder, ends[:MAX_ENDS], _notes(entity, used))
    elif kind in IDENTIFICATIONS:
        used = {"holder", "type", "number", "passportNumber", "country"}
        ends, bad = _ends(entity, "holder", where, index, options)
        yield from bad
        if not ends:
            if not bad:
                options.count(f"skipped {kind}: holder not in the file")
            return
        _identification(entity, builder, ends[:MAX_ENDS], _notes(entity, used))
    else:
        source_prop, target_prop, link_type = RELATIONSHIPS[kind]
        used = {source_prop, target_prop}
        sources, bad_sources = _ends(entity, source_prop, where, index, options)
        targets, bad_targets = _ends(entity, target_prop, where, index, options)
        yield from bad_sources + bad_targets
        for prop, ends, bad in ((source_prop, sources, bad_sources), (target_prop, targets, bad_targets)):
            if not ends:
                if not bad:
                    options.count(f"skipped {kind}: {prop} not in the file")
                return
        if len(sources) + len(targets) > MAX_ENDS:
            yield BadRow(where, f"{entity['id']}: {len(sources)} {source_prop} and {len(targets)} {target_prop} "
                                f"are more than one record holds ({MAX_ENDS})")
            return
        source_refs = [_ref("source", n) for n in range(len(sources))]
        target_refs = [_ref("target", n) for n in range(len(targets))]
        for ref, spec in zip(source_refs + target_refs, sources + targets):
            _reference(builder, ref, spec)
        notes, observed = _notes(entity, used), _first_date(entity, LINK_DATES)
        for source in source_refs:
            for target in target_refs:
                builder.link(source, target, link_type, evidence=entity["id"], notes=notes, observed_at=observed)
    _count_references(entity, used, options)
    yield from builder.finish()


def _ref(base: str, n: int) -> str:
    """"source", "source2", "source3" …: the first end keeps the plain name."""
    return base if n == 0 else f"{base}{n + 1}"


def authority_key(name: str, country: str = "") -> str | None:
    """The authority key of a sanctioning body as FtM names it ("Office of Foreign Assets Control" → US-OFAC).

    Known names (English or the body's own language) first; then an acronym the name gives in
    parentheses; then the initials of its words, transliterated to Latin letters, under `country`.
    """
    text = " ".join(normalize_text(name).split()).casefold()
    if text in AUTHORITIES:
        return AUTHORITIES[text]
    for known, key in AUTHORITIES.items():
        if len(known) > 6 and known in text:
            return key
    if not country:
        return None
    paren = _PAREN_ACRONYM.search(name)
    if paren:
        acronym = paren.group(1)
    else:
        latin = anyascii(name)
        words = [w for w in re.findall(r"[A-Za-z]+", latin) if w.lower() not in _STOPWORDS and len(w) > 1]
        acronym = "".join(w[0] for w in words).upper() if len(words) > 1 else "".join(words).upper()
    candidate = f"{country.upper()}-{acronym[:32]}"
    if acronym and resolve.is_valid("authority", candidate):
        return candidate
    return None


def _sanction(entity: dict, builder: RecordBuilder, targets: list[list], notes: str) -> None:
    """The sanctioned entities, each SANCTIONED_BY every authority of the Sanction."""
    subjects = [_ref(SUBJECT, n) for n in range(len(targets))]
    for ref, spec in zip(subjects, targets):
        _reference(builder, ref, spec).role(pb.ENTITY_ROLE_SANCTIONED)
    country = (_values(entity, "country") or [""])[0]
    authorities: dict[str, str] = {}  # ref → name
    keys: dict[str, str] = {}  # authority key → its ref, so two names of one body make one node
    for name in dict.fromkeys(_values(entity, "authority")):
        key = authority_key(name, country)
        if key is not None and key in keys:
            builder.entity(keys[key], pb.ENTITY_TYPE_ORGANIZATION).alias(name)
            continue
        ref = _ref("authority", len(authorities))
        authorities[ref] = name
        if key is not None:
            keys[key] = ref
            authority_entity(builder, key, name, ref)
        else:
            # No key to merge on: a node of this record (names alone never merge); where it sits is kept.
            builder.entity(ref, pb.ENTITY_TYPE_ORGANIZATION, name).attribute("country", country.upper() or None)
            builder.options.count("Sanction authorities without an authority key")
    observed = _first_date(entity, ("listingDate", "startDate", "date"))
    if not authorities:
        # Nothing to link to: the sanction's own facts stay with the sanctioned entity.
        for ref in subjects:
            builder.entity(ref, 0).attribute("sanction", clip(notes) or None)
        return
    for subject in subjects:
        for ref in authorities:
            builder.link(subject, ref, pb.LINK_TYPE_SANCTIONED_BY, evidence=entity["id"], notes=notes,
                         observed_at=observed)


def _identification(entity: dict, builder: RecordBuilder, holders: list[list], notes: str) -> None:
    """An identity document or number becomes an `identification` attribute of each holder."""
    number = (_values(entity, "number") or _values(entity, "passportNumber") or [""])[0]
    label = (_values(entity, "type") or [entity["schema"]])[0]
    country = ", ".join(c.upper() for c in _values(entity, "country"))
    value = f"{label}: {number}" + (f" ({country})" if country else "") + (f"; {notes}" if notes else "")
    for n, spec in enumerate(holders):
        _reference(builder, _ref(SUBJECT, n), spec).attribute("identification", clip(value))
