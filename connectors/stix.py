"""STIX 2.1 bundles → CaseRecords: one record per mapped STIX object, one per relationship.

Splitting: every mapped object (identity, threat-actor, intrusion-set,
infrastructure, location, indicator, and the observables domain-name, url,
email-addr, cryptocurrency-wallet) becomes its own record, id
``stix:<STIX id>``; every mapped relationship becomes a record of its own,
id ``stix:relationship--…``, whose two ends refer to the objects' nodes:
by their strong identifier (a wallet, a domain …) or, for an object without
one, by the graph key its record gives it (``local:<agency>/stix:<id>:subject``).
So a record stays small whatever the bundle's size, a re-run yields the same
ids, and a changed object changes only its own record. An indicator whose
pattern names more than ``INDICATOR_CHUNK`` observables is split into
``stix:indicator--…``, ``…:p2``, ``…:p3`` ….

Two passes over the file (the bundle is streamed, never loaded whole):
pass 1 yields the objects' records and remembers, in a temporary SQLite
index, each object's node references and markings; pass 2 yields the
relationships, and the objects whose markings were defined later in the
file than themselves (a record never goes out under a guessed marking).

Markings: TLP 1.0 (the stix2 library's TLP_WHITE/GREEN/AMBER/RED) and TLP
2.0 (the OASIS marking-definition ids, or any marking-definition carrying
the TLP 2.0 extension) give the record's TLP, the strictest when there are
several; an unmarked object gets the run's ``--tlp``. A relationship's
record is marked at least as strictly as both its ends.

Real bundles are messy: SCOs without ``spec_version``, custom properties,
ids with upper-case hex. Each object is checked with ``stix2.parse``
(``allow_custom``); one that does not parse, or whose identifiers fail
their checksums, is a bad row — the rest of the bundle goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import stix2
from stix2.exceptions import STIXError
from stix2patterns.v21.pattern import Pattern

from connectors import wallets
from connectors.base import (
    BadRow,
    KeyIndex,
    Options,
    RecordBuilder,
    clip,
    identifier_problem,
    local_key,
    parse_date,
    record_id,
    strictest,
)
from connectors.jsonstream import iter_json_lines, iter_json_objects
from regulink.v1 import records_pb2 as pb

PREFIX = "stix"
INDICATOR_CHUNK = 400
SUBJECT = "subject"

TLP_MARKINGS = {
    # TLP 1.0, predefined by STIX 2.1 (stix2.TLP_WHITE …)
    stix2.TLP_WHITE.id: pb.TLP_CLEAR,
    stix2.TLP_GREEN.id: pb.TLP_GREEN,
    stix2.TLP_AMBER.id: pb.TLP_AMBER,
    stix2.TLP_RED.id: pb.TLP_RED,
    # TLP 2.0, as published by OASIS (cti-stix-common-objects, extension-definition tlp-2.0)
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": pb.TLP_CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": pb.TLP_GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": pb.TLP_AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": pb.TLP_AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": pb.TLP_RED,
}
_TLP_WORDS = {"white": pb.TLP_CLEAR, "clear": pb.TLP_CLEAR, "green": pb.TLP_GREEN, "amber": pb.TLP_AMBER,
              "amber+strict": pb.TLP_AMBER_STRICT, "red": pb.TLP_RED}

# relationship_type → (link type, reversed?): "A uses B" is A USES B.
LINKS = {
    "uses": (pb.LINK_TYPE_USES, False),
    "controls": (pb.LINK_TYPE_CONTROLS, False),
    "owns": (pb.LINK_TYPE_OWNS, False),
    "consists-of": (pb.LINK_TYPE_USES, False),
    "hosts": (pb.LINK_TYPE_OPERATES, False),
    "attributed-to": (pb.LINK_TYPE_ASSOCIATED_WITH, False),
    "related-to": (pb.LINK_TYPE_ASSOCIATED_WITH, False),
    "impersonates": (pb.LINK_TYPE_ASSOCIATED_WITH, False),
    "located-at": (pb.LINK_TYPE_LOCATED_AT, False),
    # "indicator X indicates actor Y": Y uses what the indicator's pattern names.
    "indicates": (pb.LINK_TYPE_USES, True),
}
WALLET_TYPES = frozenset({"cryptocurrency-wallet", "x-cryptocurrency-wallet", "crypto-wallet", "x-crypto-wallet"})
SUSPECT_TYPES = frozenset({"threat-actor", "intrusion-set"})
_CHAIN_PROPERTIES = ("currency", "cryptocurrency", "cryptocurrency_type", "chain", "blockchain", "x_currency",
                     "x_chain", "x_blockchain")


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    """Records of a STIX 2.1 bundle (.json) or of JSON lines of objects (.jsonl/.ndjson)."""
    objects = iter_json_lines if path.suffix.lower() in (".jsonl", ".ndjson") else iter_json_objects
    prefix = options.record_prefix or PREFIX
    markings = dict(TLP_MARKINGS)
    with KeyIndex() as index:
        # Pass 1: objects, indexed; records of objects whose markings are all known by now.
        for item in objects(path, options):
            if isinstance(item, BadRow):
                yield item
                return
            line, obj = item
            where = f"{path.name}:{line}"
            options.count("read")
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(
                    obj.get("id"), str):
                yield BadRow(where, "not a STIX object (no type or id)")
                continue
            kind = obj["type"]
            if kind == "marking-definition":
                tlp = _marking_tlp(obj)
                if tlp:
                    markings[obj["id"]] = tlp
                options.count("marking definitions")
                continue
            if kind in ("relationship", "bundle"):
                continue
            problem = _stix2_problem(obj)
            if problem:
                index.put(obj["id"], {"bad": True})
                yield BadRow(where, f"{obj['id']}: {problem}")
                continue
            known = all(m in markings for m in _marking_refs(obj))
            builders = _object_records(obj, where, options, prefix, markings)
            if builders is None:
                options.count(f"skipped {kind}")
                continue
            results = [r for b in builders for r in b.finish()]
            if any(isinstance(r, BadRow) for r in results):
                index.put(obj["id"], {"bad": True})
                yield from (r for r in results if isinstance(r, BadRow))
                if not options.skip_bad_identifiers:
                    continue
            refs = _node_refs(obj, prefix, options)
            index.put(obj["id"], {"refs": refs, "marks": _marking_refs(obj), "later": not known})
            if known:
                yield from (r for r in results if not isinstance(r, BadRow))
        # Pass 2: relationships, and objects whose markings came later in the file.
        for item in objects(path, None):
            if isinstance(item, BadRow):
                return
            line, obj = item
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                continue
            where = f"{path.name}:{line}"
            if obj.get("type") == "relationship":
                yield from _relationship(obj, where, options, prefix, markings, index)
            elif (entry := index.get(obj["id"])) and entry.get("later"):
                for builder in _object_records(obj, where, options, prefix, markings) or []:
                    yield from (r for r in builder.finish() if not isinstance(r, BadRow))


# -- markings -------------------------------------------------------------------------------


def _marking_refs(obj: dict) -> list[str]:
    refs = [r for r in obj.get("object_marking_refs") or [] if isinstance(r, str)]
    refs += [g.get("marking_ref") for g in obj.get("granular_markings") or []
             if isinstance(g, dict) and isinstance(g.get("marking_ref"), str)]
    return refs


def _marking_tlp(obj: dict) -> int:
    """The TLP a marking-definition object defines (TLP 1.0 definition or TLP 2.0 extension), else 0."""
    if obj.get("id") in TLP_MARKINGS:
        return TLP_MARKINGS[obj["id"]]
    definition = obj.get("definition")
    if obj.get("definition_type") == "tlp" and isinstance(definition, dict):
        return _TLP_WORDS.get(str(definition.get("tlp", "")).lower(), 0)
    for extension in (obj.get("extensions") or {}).values():
        if isinstance(extension, dict) and "tlp_2_0" in extension:
            return _TLP_WORDS.get(str(extension["tlp_2_0"]).lower(), 0)
    name = str(obj.get("name", "")).lower().removeprefix("tlp:")
    return _TLP_WORDS.get(name, 0) if str(obj.get("name", "")).upper().startswith("TLP:") else 0


def _tlp(marks: list[str], markings: dict[str, int], options: Options) -> int:
    found = [markings[m] for m in marks if m in markings]
    return strictest(*found) if found else options.tlp


# -- objects --------------------------------------------------------------------------------


def _stix2_problem(obj: dict) -> str | None:
    """What stix2 finds wrong with the object (custom properties and types allowed)."""
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return clip(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 300)
    return None


def _issued(obj: dict, options: Options) -> dt.datetime | None:
    for name in ("modified", "created"):
        try:
            moment = parse_date(str(obj.get(name) or ""))
        except ValueError:
            moment = None
        if moment is not None:
            return moment
    return options.issued_at


def _entity_type(obj: dict) -> int | None:
    kind = obj["type"]
    if kind == "identity":
        return pb.ENTITY_TYPE_PERSON if obj.get("identity_class") == "individual" else pb.ENTITY_TYPE_ORGANIZATION
    if kind == "threat-actor":
        return pb.ENTITY_TYPE_PERSON if obj.get("resource_level") == "individual" else pb.ENTITY_TYPE_ORGANIZATION
    if kind in ("intrusion-set", "infrastructure"):
        return pb.ENTITY_TYPE_ORGANIZATION
    if kind == "location":
        return pb.ENTITY_TYPE_ADDRESS
    if kind in ("domain-name", "url"):
        return pb.ENTITY_TYPE_WEBSITE
    if kind == "email-addr":
        return pb.ENTITY_TYPE_EMAIL
    if kind in WALLET_TYPES:
        return pb.ENTITY_TYPE_CRYPTO_WALLET
    return None


def _wallet_address(obj: dict) -> tuple[str, str | None]:
    """(address, chain or None) of a wallet SCO: `value` (community SCO) or the older `address`."""
    address = str(obj.get("value") or obj.get("address") or "").strip()
    for name in _CHAIN_PROPERTIES:
        if obj.get(name):
            return address, wallets.chain_for(str(obj[name]), address)
    return address, wallets.guess_chain(address)


def _observable_identifier(kind: str, value: str, chain: str | None = None) -> tuple[int, str, str, str] | None:
    """(entity type, identifier kind, value, scheme) for an observable, or None if unmapped."""
    if kind == "domain-name":
        return pb.ENTITY_TYPE_WEBSITE, "domain", value, ""
    if kind == "url":
        return pb.ENTITY_TYPE_WEBSITE, "url", value, ""
    if kind == "email-addr":
        return pb.ENTITY_TYPE_EMAIL, "email", value, ""
    if kind in WALLET_TYPES:
        return pb.ENTITY_TYPE_CRYPTO_WALLET, "wallet", value, chain or wallets.guess_chain(value) or ""
    return None


def _object_records(obj: dict, where: str, options: Options, prefix: str,
                    markings: dict[str, int]) -> list[RecordBuilder] | None:
    """The record(s) of one non-relationship object, or None when the type is not mapped."""
    kind = obj["type"]
    rec_id = record_id(prefix, obj["id"])
    tlp = _tlp(_marking_refs(obj), markings, options)
    if kind == "indicator":
        return _indicator(obj, where, options, prefix, tlp)
    entity_type = _entity_type(obj)
    if entity_type is None:
        return None
    name = str(obj.get("name") or obj.get("value") or obj.get("address") or "")
    address = ", ".join(str(obj[k]) for k in ("street_address", "city", "region", "postal_code", "country")
                        if obj.get(k))
    if kind == "location" and not name:
        name = address or obj["id"]
    builder = RecordBuilder(rec_id, where, options, issued_at=_issued(obj, options), tlp=tlp,
                            summary=clip(f"STIX {kind} {name}".strip() + (f": {obj['description']}"
                                                                           if obj.get("description") else ""), 4000),
                            case_reference=obj["id"])
    entity = builder.entity(SUBJECT, entity_type, "" if kind in WALLET_TYPES else name)
    entity.attribute("stix_id", obj["id"]).attribute("stix_type", kind)
    if kind in WALLET_TYPES:
        address, chain = _wallet_address(obj)
        if chain is None:
            builder.problem(f"{obj['id']}: cannot tell the chain of wallet {address[:80]!r}; give `currency`")
        else:
            entity.identifier("wallet", address, chain, where=where)
    elif kind in ("domain-name", "url", "email-addr"):
        _, id_kind, value, _ = _observable_identifier(kind, str(obj.get("value") or ""))
        entity.identifier(id_kind, value, where=where)
    if kind == "location":
        entity.attribute("full", address).attribute("country", obj.get("country"))
    aliases = obj.get("aliases") or obj.get("x_aliases") or []
    if isinstance(aliases, list):
        entity.alias(*(str(a) for a in aliases))
    if kind in SUSPECT_TYPES:
        entity.role(pb.ENTITY_ROLE_SUSPECT)
    for key in ("description", "identity_class", "resource_level", "primary_motivation", "contact_information"):
        if isinstance(obj.get(key), str):
            entity.attribute(key, obj[key])
    for key in ("threat_actor_types", "infrastructure_types", "sectors", "roles", "goals", "labels"):
        for value in obj.get(key) or []:
            entity.attribute(key, str(value))
    return [builder]


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _literals(op: str, text: str) -> list[str]:
    """String values of a STIX pattern comparison (= 'x' or IN ('x', 'y'))."""
    if op not in ("=", "IN"):
        return []
    return [re.sub(r"\\(.)", r"\1", m) for m in _QUOTED.findall(text)]


def pattern_observables(pattern: str) -> list[tuple[int, str, str, str]]:
    """(entity type, identifier kind, value, scheme) for every wallet/domain/URL/e-mail equality of
    a STIX pattern, in order, without duplicates. Raises ValueError for an unparsable pattern."""
    try:
        comparisons = Pattern(pattern).inspect().comparisons
    except Exception as exc:  # stix2patterns raises its own and ANTLR errors
        raise ValueError(f"pattern does not parse: {clip(str(exc), 200)}") from None
    found: list[tuple[int, str, str, str]] = []
    for kind, items in comparisons.items():
        for path, op, text in items:
            if path not in (["value"], ["address"]):
                continue
            for value in _literals(op, text):
                mapped = _observable_identifier(kind, value)
                if mapped and mapped not in found:
                    found.append(mapped)
    return found


def _indicator(obj: dict, where: str, options: Options, prefix: str, tlp: int) -> list[RecordBuilder] | None:
    if obj.get("pattern_type", "stix") != "stix" or not isinstance(obj.get("pattern"), str):
        return None
    base = record_id(prefix, obj["id"])
    try:
        observables = pattern_observables(obj["pattern"])
    except ValueError as exc:
        builder = RecordBuilder(base, where, options, issued_at=None, tlp=tlp)
        builder.problem(f"{obj['id']}: {exc}")
        return [builder]
    if not observables:
        return None
    builders = []
    for part, start in enumerate(range(0, len(observables), INDICATOR_CHUNK), 1):
        name = str(obj.get("name") or "")
        builder = RecordBuilder(base if part == 1 else f"{base}:p{part}", where, options,
                                issued_at=_issued(obj, options), tlp=tlp, case_reference=obj["id"],
                                summary=clip(f"STIX indicator {name}".strip()
                                             + (f": {obj['description']}" if obj.get("description") else ""), 4000))
        for n, (entity_type, kind, value, scheme) in enumerate(observables[start:start + INDICATOR_CHUNK], start + 1):
            entity = builder.entity(f"o{n}", entity_type)
            if kind == "wallet" and not scheme:
                builder.problem(f"{obj['id']}: cannot tell the chain of wallet {value[:80]!r}")
                continue
            entity.identifier(kind, value, scheme, where=where)
            entity.attribute("stix_indicator", obj["id"]).attribute("indicator", name)
            for label in obj.get("indicator_types") or []:
                entity.attribute("indicator_types", str(label))
            if obj.get("valid_from"):
                entity.attribute("valid_from", str(obj["valid_from"]))
        builders.append(builder)
    return builders


def _node_refs(obj: dict, prefix: str, options: Options) -> list[list]:
    """How other records refer to this object's node(s): [entity type, id kind, value, scheme, name]."""
    kind = obj["type"]
    if kind == "indicator":
        try:
            observables = pattern_observables(obj.get("pattern") or "")
        except ValueError:
            return []
        return [[t, k, v, s, ""] for t, k, v, s in observables if identifier_problem(k, v, s) is None]
    entity_type = _entity_type(obj)
    if entity_type is None:
        return []
    if kind in WALLET_TYPES:
        address, chain = _wallet_address(obj)
        return [[entity_type, "wallet", address, chain, ""]] if chain else []
    if kind in ("domain-name", "url", "email-addr"):
        _, id_kind, value, _ = _observable_identifier(kind, str(obj.get("value") or ""))
        return [[entity_type, id_kind, value, "", ""]]
    key = local_key(options.agency_id, record_id(prefix, obj["id"]), SUBJECT)
    return [[entity_type, "graph_key", key, "", str(obj.get("name") or "")]]


# -- relationships ----------------------------------------------------------------------------


def _relationship(obj: dict, where: str, options: Options, prefix: str, markings: dict[str, int],
                  index: KeyIndex) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    mapping = LINKS.get(str(obj.get("relationship_type", "")).lower())
    if mapping is None:
        options.count(f"skipped relationship {obj.get('relationship_type')}")
        return
    problem = _stix2_problem(obj)
    if problem:
        yield BadRow(where, f"{obj['id']}: {problem}")
        return
    link_type, reverse = mapping
    ends = []
    for end in ("source_ref", "target_ref"):
        entry = index.get(str(obj.get(end)))
        if entry is None or not entry.get("refs"):
            if entry is not None and entry.get("bad"):
                yield BadRow(where, f"{obj['id']}: its {end} {obj.get(end)} was a bad row")
            else:
                options.count("skipped relationship to an unmapped object")
            return
        ends.append(entry)
    source, target = (ends[1], ends[0]) if reverse else (ends[0], ends[1])
    tlp = strictest(_tlp(_marking_refs(obj), markings, options), _tlp(source["marks"], markings, options),
                    _tlp(target["marks"], markings, options))
    builder = RecordBuilder(record_id(prefix, obj["id"]), where, options, issued_at=_issued(obj, options), tlp=tlp,
                            case_reference=obj["id"],
                            summary=clip(f"STIX relationship {obj.get('relationship_type')} "
                                         f"{obj.get('source_ref')} → {obj.get('target_ref')}", 4000))
    refs = {}
    for side, entry in (("s", source), ("t", target)):
        refs[side] = []
        for n, (entity_type, kind, value, scheme, name) in enumerate(entry["refs"], 1):
            ref = f"{side}{n}"
            draft = builder.entity(ref, entity_type, name)
            draft.identifier(kind, value, scheme, where=where)
            refs[side].append(ref)
    if builder.entity_count > 2 * INDICATOR_CHUNK:
        yield BadRow(where, f"{obj['id']}: joins {builder.entity_count} observables; split the indicator")
        return
    evidence = obj["id"]
    for s in refs["s"]:
        for t in refs["t"]:
            builder.link(s, t, link_type, evidence=evidence, notes=str(obj.get("description") or ""))
    yield from builder.finish()


__all__ = ["read", "pattern_observables", "TLP_MARKINGS", "LINKS"]
