"""STIX 2.1 bundles → CaseRecords: one record per mapped STIX object, one per relationship.

Splitting: every mapped object (identity, threat-actor, intrusion-set,
infrastructure, location, indicator, and the observables domain-name, url,
email-addr, cryptocurrency-wallet, cryptocurrency-exchange) becomes its own
record, id ``stix:<STIX id>``; every mapped relationship becomes a record of
its own, id ``stix:relationship--…``, whose two ends refer to the objects'
nodes: by their strong identifier (a wallet, a domain …) or, for an object
without one, by the graph key its record gives it
(``local:<agency>/stix:<id>:subject``). The community crypto SCOs add two
more: a ``cryptocurrency-transaction`` is one record whose input wallets are
TRANSFERRED_TO its output wallets, and a wallet's ``holder_ref`` (or the
older ``exchange_ref``) is a record ``stix:<wallet id>:holder_ref`` saying
the holder OWNS (the exchange CONTROLS) the wallet. So a record stays small
whatever the bundle's size, a re-run yields the same ids, and a changed
object changes only its own record. An indicator whose pattern names more
than ``INDICATOR_CHUNK`` observables is split into ``stix:indicator--…``,
``…:p2``, ``…:p3`` ….

Two passes over the file (the bundle is streamed, never loaded whole):
pass 1 reads every marking definition, checks every object and remembers,
in a temporary SQLite index, each object's node references and marking refs,
and yields the records of *unmarked* objects; pass 2 yields the records of
marked objects, relationships and transactions. A marked object waits for
pass 2 because a later part of the file can define (or redefine) its
marking: a record never goes out under a guessed marking.

Markings (connectors/stix_markings.py): every TLP form real producers write
(TLP 1.0 and 2.0 ids and definitions, OpenCTI's legacy and export forms)
gives the record's TLP, the strictest when there are several; statement and
PAP markings are kept as attributes and do not decide visibility; an
unmarked object gets the run's ``--tlp``. A marking that cannot be read as
TLP (``TLP:TEST``, another scheme, a definition missing from the file)
refuses the object with a bad row naming it — or, with
``unknown_marking="red"``, imports it as RED. A relationship's record is
marked at least as strictly as both its ends.

Nothing is lost silently. Each object read ends in exactly one of the
counters ``imported`` (it gave records), ``refused`` (bad rows only),
``marking definitions``, or a ``skipped …`` bucket naming what is not
modelled and why (``skipped malware``, ``skipped relationship targets``,
``skipped relationship to a relationship`` …).

Real bundles are messy: SCOs without ``spec_version``, custom properties,
ids with upper-case hex. Each mapped object is checked with ``stix2.parse``
(``allow_custom``); one that does not parse, or whose identifiers fail their
checksums, is a bad row — the rest of the bundle goes on. Two spec rules are
not held against an object because nothing imported depends on them:
a relationship's ``stop_time`` later than its ``start_time`` (OpenCTI writes
both equal, 1900-01-01 for "unknown"), and a location's region, country or
coordinates (OpenCTI's City/Country/Region locations carry only a name).
Objects of types not modelled are counted, not checked.

One file because a bundle is read as a whole: markings, then objects, then relationships refer to
each other by id, and every mapping shares that index (the markings themselves are
connectors/stix_markings.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator
from decimal import Decimal, InvalidOperation
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
from connectors.stix_markings import MarkingBook
from regulink.v1 import records_pb2 as pb

PREFIX = "stix"
INDICATOR_CHUNK = 400
SUBJECT = "subject"
# What to do with an object whose marking cannot be read as TLP (Options.unknown_marking).
UNKNOWN_MARKING_POLICIES = ("refuse", "red")

# The outcome counters: every object read lands in exactly one of these or in a "skipped …" bucket.
IMPORTED = "imported"
REFUSED = "refused"
MARKING_DEFINITIONS = "marking definitions"

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
TRANSACTION_TYPES = frozenset({"cryptocurrency-transaction", "x-cryptocurrency-transaction"})
EXCHANGE_TYPES = frozenset({"cryptocurrency-exchange"})  # the community SCO's 2024 form: name, domain
SUSPECT_TYPES = frozenset({"threat-actor", "intrusion-set"})
MODELLED = frozenset({"identity", "threat-actor", "intrusion-set", "infrastructure", "location", "indicator",
                      "domain-name", "url", "email-addr"}) | WALLET_TYPES | EXCHANGE_TYPES
# A property of a wallet naming another object → the link from that object to the wallet. The
# community SCO's holder_ref is "the owner; for a custodial wallet, the exchange"; its older
# exchange_ref named the exchange that keeps the wallet.
REFERENCE_LINKS = {"holder_ref": pb.LINK_TYPE_OWNS, "exchange_ref": pb.LINK_TYPE_CONTROLS}
# STIX 2.1 forbids these as relationship ends; OpenCTI writes them ("indicator indicates relationship").
_EDGE_PREFIXES = ("relationship--", "sighting--")
_CHAIN_PROPERTIES = ("currency", "cryptocurrency", "cryptocurrency_type", "chain", "blockchain", "x_currency",
                     "x_chain", "x_blockchain", "symbol")


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    """Records of a STIX 2.1 bundle (.json) or of JSON lines of objects (.jsonl/.ndjson)."""
    if options.unknown_marking not in UNKNOWN_MARKING_POLICIES:
        raise ValueError(f"unknown_marking must be one of {', '.join(UNKNOWN_MARKING_POLICIES)}")
    objects = iter_json_lines if path.suffix.lower() in (".jsonl", ".ndjson") else iter_json_objects
    with KeyIndex() as index:
        reader = _Reader(path, options, index)
        for item in objects(path, options):
            if isinstance(item, BadRow):
                yield item
                return
            yield from reader.first_pass(*item)
        for item in objects(path, None):
            if isinstance(item, BadRow):
                return
            yield from reader.second_pass(*item)


class _Reader:
    """The state of one run: options, the file's marking definitions, the object index."""

    def __init__(self, path: Path, options: Options, index: KeyIndex) -> None:
        self.path = path
        self.options = options
        self.index = index
        self.prefix = options.record_prefix or PREFIX
        self.book = MarkingBook()

    def where(self, line: int) -> str:
        return f"{self.path.name}:{line}"

    def count(self, what: str) -> None:
        self.options.count(what)

    # -- pass 1: definitions, checks, the index, unmarked objects ----------------------------------

    def first_pass(self, line: int, obj) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        where = self.where(line)
        self.count("read")
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(obj.get("id"), str):
            self.count(REFUSED)
            yield BadRow(where, "not a STIX object (no type or id)")
            return
        kind, oid = obj["type"], obj["id"]
        if kind == "marking-definition":
            self.book.add(obj)
            self.count(MARKING_DEFINITIONS)
            return
        if kind == "relationship" or kind in TRANSACTION_TYPES:
            return  # pass 2: they need every object's node
        skipped = _not_modelled(obj)
        if skipped:
            self.index.put(oid, {"kind": kind})
            self.count(f"skipped {skipped}")
            return
        problem = _stix2_problem(obj)
        if problem:
            self.index.put(oid, {"kind": kind, "bad": True})
            self.count(REFUSED)
            yield BadRow(where, f"{oid}: {problem}")
            return
        marks = _marking_refs(obj)
        builders = self._object_records(obj, where, self.options.tlp, ())
        if builders is None:  # an indicator whose pattern names nothing regulink models
            self.index.put(oid, {"kind": kind})
            pattern_type = obj.get("pattern_type", "stix")
            self.count(f"skipped {kind} (pattern_type {pattern_type})" if pattern_type != "stix"
                       else f"skipped {kind} (its pattern names no wallet, domain, URL or e-mail)")
            return
        results = [r for b in builders for r in b.finish()]
        records = [r for r in results if not isinstance(r, BadRow)]
        yield from (r for r in results if isinstance(r, BadRow))  # what the records leave out, or why none
        if not records:
            self.index.put(oid, {"kind": kind, "bad": True})
            self.count(REFUSED)
            return
        entry = {"kind": kind, "refs": self._node_refs(obj), "marks": marks, "defer": bool(marks),
                 "links": [[prop, obj[prop]] for prop in REFERENCE_LINKS
                           if kind in WALLET_TYPES and isinstance(obj.get(prop), str)]}
        self.index.put(oid, entry)
        if not marks:
            yield from records
            self.count(IMPORTED)

    # -- pass 2: marked objects, relationships, transactions, reference links -----------------------

    def second_pass(self, line: int, obj) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("type"), str):
            return
        where = self.where(line)
        if obj["type"] == "relationship":
            yield from self._relationship(obj, where)
            return
        if obj["type"] in TRANSACTION_TYPES:
            yield from self._transaction(obj, where)
            return
        if obj["type"] == "marking-definition":
            return
        entry = self.index.get(obj["id"])
        if not entry or entry.get("bad") or "refs" not in entry:
            return
        if entry["defer"]:
            emitted = yield from self._marked_object(obj, where, entry)
            if not emitted:
                return
        for prop, ref in entry["links"]:
            yield from self._reference_link(obj, where, entry, prop, ref)

    def _judge(self, marks: list[str]) -> tuple[int, str | None, tuple[tuple[str, str], ...]]:
        """(TLP, why the object is refused or None, notes to keep) for an object's marking refs."""
        judgement = self.book.judge(marks)
        if judgement.unreadable:
            if self.options.unknown_marking == "red":
                return pb.TLP_RED, None, judgement.notes
            return 0, ("; ".join(judgement.unreadable) + "; refused rather than guessed (--unknown-marking red "
                       "imports it as RED)"), ()
        return judgement.tlp or self.options.tlp, None, judgement.notes

    def _marked_object(self, obj: dict, where: str,
                       entry: dict) -> Generator[tuple[str, pb.CaseRecord] | BadRow, None, bool]:
        """A marked object's records, now that every definition is known; False if it was refused."""
        tlp, refusal, notes = self._judge(entry["marks"])
        if refusal:
            self.count(REFUSED)
            yield BadRow(where, f"{obj['id']}: {refusal}")
            return False
        records = [r for b in self._object_records(obj, where, tlp, notes) or [] for r in b.finish()
                   if not isinstance(r, BadRow)]  # its bad rows were reported in pass 1
        yield from records
        self.count(IMPORTED if records else REFUSED)
        return bool(records)

    def _ends_tlp(self, oid: str, labelled_marks: list[tuple[str, list[str]]]) -> tuple[int, str | None]:
        """The strictest TLP over several objects' markings (a link is at least as restricted as its
        ends), or why one of them makes the link refused."""
        levels = []
        for label, marks in labelled_marks:
            tlp, refusal, _ = self._judge(marks)
            if refusal:
                return 0, f"{oid}: {label + ' was refused: ' if label else ''}{refusal}"
            levels.append(tlp)
        return strictest(*levels), None

    # -- objects ------------------------------------------------------------------------------------

    def _object_records(self, obj: dict, where: str, tlp: int,
                        notes: tuple[tuple[str, str], ...]) -> list[RecordBuilder] | None:
        """The record(s) of one non-relationship object, or None when nothing in it is modelled."""
        kind = obj["type"]
        options = self.options
        if kind == "indicator":
            return self._indicator(obj, where, tlp, notes)
        entity_type = _entity_type(obj)
        if entity_type is None:
            return None
        name = str(obj.get("name") or obj.get("value") or obj.get("address") or "")
        address = ", ".join(str(obj[k]) for k in ("street_address", "city", "region", "postal_code", "country")
                            if obj.get(k))
        if kind == "location" and not name:
            name = address or obj["id"]
        builder = RecordBuilder(record_id(self.prefix, obj["id"]), where, options, issued_at=_issued(obj, options),
                                tlp=tlp, case_reference=obj["id"],
                                summary=clip(f"STIX {kind} {name}".strip()
                                             + (f": {obj['description']}" if obj.get("description") else ""), 4000))
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
        elif kind in EXCHANGE_TYPES and isinstance(obj.get("domain"), str):
            entity.identifier("domain", obj["domain"], where=where)
        if kind == "location":
            entity.attribute("full", address).attribute("country", obj.get("country"))
            entity.attribute("region", obj.get("region")).attribute("location_type", obj.get("x_opencti_location_type"))
            if obj.get("latitude") is not None and obj.get("longitude") is not None:
                entity.attribute("coordinates", f"{obj['latitude']}, {obj['longitude']}")
        for key in ("aliases", "x_aliases", "x_opencti_aliases"):
            if isinstance(obj.get(key), list):
                entity.alias(*(str(a) for a in obj[key]))
        if kind in SUSPECT_TYPES:
            entity.role(pb.ENTITY_ROLE_SUSPECT)
        for key in ("description", "identity_class", "resource_level", "primary_motivation", "contact_information"):
            if isinstance(obj.get(key), str):
                entity.attribute(key, obj[key])
        for key in ("threat_actor_types", "infrastructure_types", "sectors", "roles", "goals", "labels"):
            for value in obj.get(key) or []:
                entity.attribute(key, str(value))
        for name_, value in notes:
            entity.attribute(name_, value)
        return [builder]

    def _indicator(self, obj: dict, where: str, tlp: int,
                   notes: tuple[tuple[str, str], ...]) -> list[RecordBuilder] | None:
        options = self.options
        if obj.get("pattern_type", "stix") != "stix" or not isinstance(obj.get("pattern"), str):
            return None
        base = record_id(self.prefix, obj["id"])
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
                                                 + (f": {obj['description']}" if obj.get("description") else ""),
                                                 4000))
            for n, (entity_type, kind, value, scheme) in enumerate(observables[start:start + INDICATOR_CHUNK],
                                                                   start + 1):
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
                for name_, value_ in notes:
                    entity.attribute(name_, value_)
            builders.append(builder)
        return builders

    def _node_refs(self, obj: dict) -> list[list]:
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
        key = local_key(self.options.agency_id, record_id(self.prefix, obj["id"]), SUBJECT)
        return [[entity_type, "graph_key", key, "", str(obj.get("name") or "")]]

    # -- relationships, reference links, transactions ------------------------------------------------

    def _relationship(self, obj: dict, where: str) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        oid = obj["id"]
        relationship_type = str(obj.get("relationship_type", "")).lower()
        mapping = LINKS.get(relationship_type)
        if mapping is None:
            self.count(f"skipped relationship {relationship_type}")
            return
        ends = {"source_ref": obj.get("source_ref"), "target_ref": obj.get("target_ref")}
        if any(isinstance(ref, str) and ref.startswith(_EDGE_PREFIXES) for ref in ends.values()):
            # The graph links entities; a link to a link has nowhere to go.
            self.count("skipped relationship to a relationship")
            return
        problem = _stix2_problem(obj)
        if problem:
            self.count(REFUSED)
            yield BadRow(where, f"{oid}: {problem}")
            return
        entries = []
        for end, ref in ends.items():
            entry = self.index.get(str(ref))
            if entry is None:
                self.count("skipped relationship to an object not in the file")
                return
            if entry.get("bad"):
                self.count(REFUSED)
                yield BadRow(where, f"{oid}: its {end} {ref} was a bad row")
                return
            if not entry.get("refs"):
                self.count("skipped relationship to an object not modelled")
                return
            entries.append(entry)
        tlp, refusal = self._ends_tlp(oid, [("", _marking_refs(obj)), (f"its source_ref {ends['source_ref']}",
                                                                         entries[0]["marks"]),
                                            (f"its target_ref {ends['target_ref']}", entries[1]["marks"])])
        if refusal:
            self.count(REFUSED)
            yield BadRow(where, refusal)
            return
        link_type, reverse = mapping
        source, target = (entries[1], entries[0]) if reverse else (entries[0], entries[1])
        builder = RecordBuilder(record_id(self.prefix, oid), where, self.options,
                                issued_at=_issued(obj, self.options), tlp=tlp, case_reference=oid,
                                summary=clip(f"STIX relationship {obj.get('relationship_type')} "
                                             f"{ends['source_ref']} → {ends['target_ref']}", 4000))
        sources = _add_nodes(builder, "s", source["refs"], where)
        targets = _add_nodes(builder, "t", target["refs"], where)
        if builder.entity_count > 2 * INDICATOR_CHUNK:
            self.count(REFUSED)
            yield BadRow(where, f"{oid}: joins {builder.entity_count} observables; split the indicator")
            return
        for s in sources:
            for t in targets:
                builder.link(s, t, link_type, evidence=oid, notes=str(obj.get("description") or ""))
        yield from self._settle(builder)

    def _settle(self, builder: RecordBuilder) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        """Yield what a builder gives and count its object as imported or refused."""
        results = builder.finish()
        yield from results
        self.count(IMPORTED if any(not isinstance(r, BadRow) for r in results) else REFUSED)

    def _reference_link(self, obj: dict, where: str, entry: dict, prop: str,
                        ref: str) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        """The record of a wallet's holder_ref / exchange_ref: holder OWNS (exchange CONTROLS) the wallet.
        Not an object of its own: counted apart from the outcome counters."""
        other = self.index.get(ref)
        if not other or other.get("bad") or not other.get("refs"):
            self.count(f"{prop} to an object not in the file or not modelled")
            return
        tlp, refusal = self._ends_tlp(obj["id"], [("", entry["marks"]), (f"its {prop} {ref}", other["marks"])])
        if refusal:
            yield BadRow(where, refusal)
            return
        builder = RecordBuilder(record_id(self.prefix, f"{obj['id']}:{prop}"), where, self.options,
                                issued_at=_issued(obj, self.options), tlp=tlp, case_reference=obj["id"],
                                summary=f"STIX {obj['type']} {obj['id']} {prop} {ref}")
        holders = _add_nodes(builder, "s", other["refs"], where)
        owned = _add_nodes(builder, "t", entry["refs"], where)
        for s in holders:
            for t in owned:
                builder.link(s, t, REFERENCE_LINKS[prop], evidence=f"{obj['id']} {prop}")
        yield from builder.finish()

    def _transaction(self, obj: dict, where: str) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
        """A cryptocurrency-transaction SCO: each input wallet TRANSFERRED_TO each output wallet."""
        oid = obj["id"]
        problem = _stix2_problem(obj)
        if problem:
            self.count(REFUSED)
            yield BadRow(where, f"{oid}: {problem}")
            return
        if isinstance(obj.get("exchange_ref"), str):  # the 2024 form: no link type joins an exchange to a transfer
            self.count("exchange_ref of a transaction (not modelled)")
        tx_hash = str(obj.get("value") or obj.get("hash") or "").strip()
        symbol = str(obj.get("symbol") or "").strip()
        legs: dict[str, list[tuple[dict, str]]] = {"input": [], "output": []}
        missing = 0
        for side, found in legs.items():
            for leg in obj.get(side) or []:
                wallet_id = leg.get("address_ref") if isinstance(leg, dict) else None
                entry = self.index.get(wallet_id) if isinstance(wallet_id, str) else None
                if entry is not None and entry.get("bad"):
                    self.count(REFUSED)
                    yield BadRow(where, f"{oid}: its {side} wallet {wallet_id} was a bad row")
                    return
                if entry is None or not entry.get("refs"):
                    missing += 1
                    continue
                found.append((entry, _amount(leg.get("amount"), symbol)))
        if not legs["input"] and not legs["output"]:
            self.count(f"skipped {obj['type']} without a wallet in the file")
            return
        tlp, refusal = self._ends_tlp(oid, [("", _marking_refs(obj))] + [
            (f"one of its {side} wallets", entry["marks"]) for side, found in legs.items() for entry, _ in found])
        if refusal:
            self.count(REFUSED)
            yield BadRow(where, refusal)
            return
        summary = f"STIX {obj['type']} {tx_hash or oid}" + (f" ({symbol})" if symbol else "")
        if missing:
            summary += f"; {missing} of its wallets are not in the file"
        builder = RecordBuilder(record_id(self.prefix, oid), where, self.options, issued_at=_issued(obj, self.options),
                                tlp=tlp, case_reference=oid, summary=summary)
        refs: dict[str, list[str]] = {"input": [], "output": []}
        amounts: dict[str, list[str]] = {"input": [], "output": []}
        seen: dict[tuple, str] = {}
        for side, found in legs.items():
            for entry, amount in found:
                for entity_type, kind, value, scheme, name in entry["refs"]:
                    ref = seen.get((kind, value, scheme))
                    if ref is None:
                        ref = seen[(kind, value, scheme)] = f"w{len(seen) + 1}"
                        builder.entity(ref, entity_type, name).identifier(kind, value, scheme, where=where)
                    builder.entity(ref, entity_type).attribute(f"transaction_{side}",
                                                               f"{tx_hash or oid} {amount}".strip())
                    refs[side].append(ref)
                amounts[side].append(amount)
        observed = _date(obj.get("execution_time"))
        notes = (f"{symbol} transaction; in: {', '.join(a for a in amounts['input'] if a) or '?'}; "
                 f"out: {', '.join(a for a in amounts['output'] if a) or '?'}")
        for s in refs["input"]:
            for t in refs["output"]:
                builder.link(s, t, pb.LINK_TYPE_TRANSFERRED_TO, evidence=tx_hash or oid, notes=notes,
                             observed_at=observed)
        yield from self._settle(builder)


# -- helpers ------------------------------------------------------------------------------------


def _not_modelled(obj: dict) -> str:
    """The 'skipped …' bucket of an object of a type regulink does not model, else ''."""
    kind = obj["type"]
    if kind not in MODELLED:
        return kind
    if kind == "identity" and obj.get("identity_class") == "class":
        return "identity of class (a sector, not an entity)"
    return ""


def _marking_refs(obj: dict) -> list[str]:
    """Object-level and granular marking refs: one record carries the whole object, so every
    marking of any part of it counts."""
    listed = obj.get("object_marking_refs")
    refs = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
    granular = obj.get("granular_markings")
    if isinstance(granular, list):
        refs += [g["marking_ref"] for g in granular if isinstance(g, dict) and isinstance(g.get("marking_ref"), str)]
    return refs


def _stix2_problem(obj: dict) -> str | None:
    """What stix2 finds wrong with the object (custom properties and types allowed), not holding
    against it the two rules nothing imported depends on (see the module docstring)."""
    checked = obj
    if obj.get("type") == "relationship" and ("start_time" in obj or "stop_time" in obj):
        checked = {k: v for k, v in obj.items() if k not in ("start_time", "stop_time")}
    if obj.get("type") == "location" and obj.get("name") and not any(
            k in obj for k in ("region", "country", "latitude", "longitude")):
        checked = {**obj, "region": "unknown"}
    try:
        stix2.parse(checked, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return clip(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 300)
    return None


def _date(value) -> dt.datetime | None:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _issued(obj: dict, options: Options) -> dt.datetime | None:
    return _date(obj.get("modified")) or _date(obj.get("created")) or options.issued_at


def _amount(value, symbol: str) -> str:
    """An amount as plain decimal text with its currency ('0.00000728 BTC'), '' when absent."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return ""
    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        text = clip(str(value), 40)
    return f"{text} {symbol}".strip()


def _entity_type(obj: dict) -> int | None:
    kind = obj["type"]
    if kind == "identity":
        return pb.ENTITY_TYPE_PERSON if obj.get("identity_class") == "individual" else pb.ENTITY_TYPE_ORGANIZATION
    if kind == "threat-actor":
        return pb.ENTITY_TYPE_PERSON if obj.get("resource_level") == "individual" else pb.ENTITY_TYPE_ORGANIZATION
    if kind in ("intrusion-set", "infrastructure") or kind in EXCHANGE_TYPES:
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


def _add_nodes(builder: RecordBuilder, side: str, refs: list[list], where: str) -> list[str]:
    """Entities standing for another record's node(s), by strong identifier or graph key."""
    names = []
    for n, (entity_type, kind, value, scheme, name) in enumerate(refs, 1):
        ref = f"{side}{n}"
        builder.entity(ref, entity_type, name).identifier(kind, value, scheme, where=where)
        names.append(ref)
    return names


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


__all__ = ["read", "pattern_observables", "LINKS", "UNKNOWN_MARKING_POLICIES", "IMPORTED",
           "REFUSED", "MARKING_DEFINITIONS"]
