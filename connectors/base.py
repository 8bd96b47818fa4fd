"""What every connector shares: bad rows, run options, a record builder that validates as it goes.

A connector is a generator over one source file (or folder) yielding, in
source order, either ``(location, CaseRecord)`` or a :class:`BadRow`.
Nothing here speaks gRPC: the CLI (gateway/cli/ingest.py) signs and pushes.

The builder checks every identifier with :func:`graph.resolve.keys.identifier_key`,
the very function the gateway uses, so a record that leaves a connector
passes the gateway's identifier checks. A bad identifier never costs its
record (an OFAC entry is not lost for one mistyped address): the value is
left out and reported as a bad row at its own location, and the record goes
out with everything else it says (see :meth:`RecordBuilder.finish`).

One file because the record builder, the bad rows and the run options are used together by every
connector; the record rules themselves are graph/rules.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp

from connectors.dates import When, parse_date, parse_when  # noqa: F401  (the connectors' date readers)
from graph import schema
from graph.rules import (  # the gateway's own rules (graph/rules.py)
    ENTITY_REF,
    FUTURE_SKEW_SECONDS,
    MAX_SUMMARY,
    MAX_TEXT,
    RECORD_ID,
    identifier_problem,
)
from graph.visibility import tlp_level
from regulink.v1 import records_pb2

# The record rules are the gateway's own (graph.rules): what a connector builds, the gateway takes.
# Well under the gateway's default max_envelope_bytes (1 MiB, gateway/server/config.py), leaving
# room for the DSSE envelope and several signatures; a stream message carries 32 of these.
MAX_RECORD_BYTES = 256 * 1024

def parse_tlp(text: str) -> int:
    """'GREEN', 'tlp:amber+strict', 'white' … → the Tlp enum value (ValueError if unknown);
    graph.visibility.tlp_level is the one reading of a marking."""
    marking = tlp_level(text)
    if marking is None:
        raise ValueError(f"{text!r} is not a TLP marking; use CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
    return marking


def strictest(*markings: int) -> int:
    """The most restrictive marking (the enum is ordered CLEAR < GREEN < AMBER < AMBER+STRICT < RED)."""
    return max((m for m in markings if m), default=records_pb2.TLP_UNSPECIFIED)


@dataclass(frozen=True)
class BadRow:
    """A source row, line or object that gives no record, and why ("sdn.csv:17", "bad checksum …")."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class Options:
    """What a run decides rather than the source: author, marking, dates, policy."""

    agency_id: str
    tlp: int = records_pb2.TLP_GREEN  # for source items without a marking of their own
    share_with: tuple[str, ...] = ()
    issued_at: dt.datetime | None = None  # for undated source items; default: the file's date
    version: int = 1
    record_prefix: str = ""  # default: the connector's own ("stix", "ofac-sdn", …)
    case_reference: str = ""
    skip_bad_identifiers: bool = True  # ignored: leaving a bad identifier out (reported) is what every run does
    unknown_marking: str = "refuse"  # STIX: an object whose marking is not readable as TLP: "refuse" or "red"
    encoding: str = "utf-8"  # CSV files (e.g. cp932 for Shift-JIS)
    sheet: str | None = None  # XLSX: the sheet to read (default: the first)
    # Warnings lists: the authority that published them ("JP-FSA") and its display name.
    authority: str = ""
    authority_name: str = ""
    progress: Callable[[int], None] | None = None  # called with bytes read since the last call
    stats: Counter = field(default_factory=Counter)  # read, skipped …, filled by the connector

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] += n

    def advance(self, nbytes: int) -> None:
        if self.progress is not None and nbytes:
            self.progress(nbytes)


# -- ids, dates, text ---------------------------------------------------------------------


def record_id(prefix: str, source_id: str) -> str:
    """`prefix:source_id` when that is a valid record id, else `prefix:h:` and a hash of the source id."""
    candidate = f"{prefix}:{source_id}"
    if RECORD_ID.fullmatch(candidate):
        return candidate
    return f"{prefix}:h:{digest(source_id)}"


def digest(*parts: str, size: int = 24) -> str:
    """A short stable hash of normalized parts (hex)."""
    text = "\x1f".join(normalize_text(p).casefold() for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def local_key(agency_id: str, rec_id: str, ref: str) -> str:
    """The graph key of an entity without a strong key (graph/project.py: local:<agency>/<record>:<ref>)."""
    return f"local:{agency_id}/{rec_id}:{ref}"


def normalize_text(value: str) -> str:
    """NFKC, whitespace runs collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def clip(value: str, limit: int = MAX_TEXT) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def timestamp(moment: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.timezone.utc))
    stamp.nanos = (stamp.nanos // 1_000_000) * 1_000_000  # millisecond precision: stable across sources
    return stamp


# -- the record builder -------------------------------------------------------------------


@dataclass
class _Entity:
    ref: str
    type: int
    name: str = ""
    aliases: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)
    dropped: bool = False


class EntityDraft:
    """One entity of a record under construction; identifiers are checked when added."""

    def __init__(self, builder: RecordBuilder, entity: _Entity) -> None:
        self._builder = builder
        self._entity = entity

    @property
    def ref(self) -> str:
        return self._entity.ref

    def alias(self, *names: str) -> EntityDraft:
        for name in names:
            name = clip(normalize_text(name))
            if name and name != self._entity.name and name not in self._entity.aliases:
                self._entity.aliases.append(name)
        return self

    def attribute(self, name: str, value: str | None) -> EntityDraft:
        if value is None:
            return self
        value = clip(normalize_text(str(value)))
        pair = (name[:128], value)
        if value and pair not in self._entity.attributes:
            self._entity.attributes.append(pair)
        return self

    def role(self, *roles: int) -> EntityDraft:
        for role in roles:
            if role not in self._entity.roles:
                self._entity.roles.append(role)
        return self

    def identifier(self, kind: str, value: str, scheme: str = "", *, where: str = "") -> bool:
        """Add a strong or free-form identifier; a bad one is left out and reported (False)."""
        value = value.strip()
        problem = identifier_problem(kind, value, scheme)
        if problem is None:
            triple = (kind, value, scheme)
            if triple not in self._entity.identifiers:
                self._entity.identifiers.append(triple)
            return True
        label = f"{kind} {scheme + ' ' if scheme else ''}{clip(value, 80)!r}"
        self._builder.problem(f"{label}: {problem}", where=where, entity=self._entity)
        return False

    def try_identifier(self, kind: str, value: str, scheme: str = "") -> bool:
        """Add the identifier if it is valid; otherwise leave it to the caller (False), no problem noted."""
        if identifier_problem(kind, value.strip(), scheme) is not None:
            return False
        return self.identifier(kind, value, scheme)


class RecordBuilder:
    """Collects entities and links of one CaseRecord; `finish()` gives the record or the bad rows."""

    def __init__(self, rec_id: str, location: str, options: Options, *, issued_at: dt.datetime | None,
                 tlp: int = 0, summary: str = "", case_reference: str = "") -> None:
        self.record_id = rec_id
        self.location = location
        self.options = options
        self.issued_at = issued_at
        self.tlp = tlp or options.tlp
        self.summary = summary
        self.case_reference = case_reference or options.case_reference
        self._entities: dict[str, _Entity] = {}
        self._links: list[tuple[str, str, int, str, str, dt.datetime | None]] = []
        self._problems: list[tuple[str, _Entity | None, str]] = []

    def entity(self, ref: str, type_: int, name: str = "") -> EntityDraft:
        if not ENTITY_REF.fullmatch(ref):
            raise ValueError(f"bad entity ref {ref!r}")  # a connector bug, not a source problem
        if ref in self._entities:
            return EntityDraft(self, self._entities[ref])
        entity = _Entity(ref, type_, clip(normalize_text(name)))
        self._entities[ref] = entity
        return EntityDraft(self, entity)

    def has(self, ref: str) -> bool:
        return ref in self._entities

    def reference(self, ref: str, type_: int, node_key: str, name: str = "") -> EntityDraft:
        """An entity standing for a node another record asserts, by its graph key."""
        draft = self.entity(ref, type_, name)
        draft.identifier("graph_key", node_key)
        return draft

    def link(self, source: str, target: str, type_: int, *, evidence: str = "", notes: str = "",
             observed_at: dt.datetime | None = None) -> None:
        item = (source, target, type_, clip(normalize_text(evidence)), clip(normalize_text(notes)), observed_at)
        if item not in self._links:
            self._links.append(item)

    def problem(self, reason: str, *, where: str = "", entity: _Entity | None = None) -> None:
        """Something of the source this record leaves out, and why: one bad row, the record still goes."""
        self._problems.append((where or self.location, entity, reason))

    @property
    def entity_count(self) -> int:
        return len(self._entities)

    def finish(self) -> list[tuple[str, records_pb2.CaseRecord] | BadRow]:
        """[(location, record)] with everything sound, plus a BadRow per problem (what was left out).

        A problem never holds the record back by itself. What goes with a bad value: an entity
        that *is* its identifier and lost it (a wallet without its address — the gateway refuses
        those —, a website or e-mail node whose only key was bad) and the links to it. A record
        with problems that is left with no entity of its own and no link gives only those bad rows.
        """
        bad = [BadRow(where, reason) for where, _, reason in self._problems]
        troubled = {id(e) for _, e, _ in self._problems if e is not None}
        for entity in self._entities.values() if bad else ():
            kind = schema.ENTITY_TYPES.get(entity.type)
            keys = {*(kind.merge_keys if kind else ()), "graph_key"}
            if any(k in keys for k, _, _ in entity.identifiers):
                continue
            # A wallet without its address cannot be sent at all; a website or e-mail node whose only
            # key was bad has nothing left to be.
            if entity.type == records_pb2.ENTITY_TYPE_CRYPTO_WALLET or (
                    id(entity) in troubled and kind is not None and kind.identifier_node):
                entity.dropped = True
        entities = [e for e in self._entities.values() if not e.dropped]
        refs = {e.ref for e in entities}
        record = records_pb2.CaseRecord(
            record_id=self.record_id, agency_id=self.options.agency_id, case_reference=clip(self.case_reference),
            version=self.options.version, tlp=self.tlp, summary=clip(self.summary, MAX_SUMMARY),
        )
        if self.tlp in (records_pb2.TLP_AMBER, records_pb2.TLP_AMBER_STRICT, records_pb2.TLP_RED):
            record.share_with.extend(self.options.share_with)
        issued = self.issued_at or self.options.issued_at
        if issued is None:
            return [*bad, BadRow(self.location, "no issue date (pass --issued-at)")]
        if issued.timestamp() > time.time() + FUTURE_SKEW_SECONDS:
            return [*bad, BadRow(self.location, f"dated {issued.date()}, in the future")]
        record.issued_at.CopyFrom(timestamp(issued))
        if not RECORD_ID.fullmatch(self.record_id):
            return [*bad, BadRow(self.location, f"record id {self.record_id!r} is not 1-128 of [A-Za-z0-9._:-]")]
        for e in entities:
            entity = record.entities.add(ref=e.ref, type=e.type, name=e.name, aliases=e.aliases, roles=e.roles)
            for kind, value, scheme in e.identifiers:
                entity.identifiers.add(kind=kind, value=value, scheme=scheme)
            for name, value in e.attributes:
                entity.attributes.add(name=name, value=value)
        for source, target, type_, evidence, notes, observed in self._links:
            if source in refs and target in refs and source != target:
                link = record.links.add(source=source, target=target, type=type_, evidence=evidence, notes=notes)
                if observed is not None:
                    link.observed_at.CopyFrom(timestamp(observed))
        own = [e for e in record.entities if not any(i.kind == "graph_key" for i in e.identifiers)]
        if not record.entities or (bad and not own and not record.links):
            return bad  # its problems say why nothing is left
        size = record.ByteSize()
        if size > MAX_RECORD_BYTES:
            return [*bad, BadRow(self.location, f"the record would have {size} bytes (limit {MAX_RECORD_BYTES})")]
        return [*bad, (self.location, record)]


# -- authorities ----------------------------------------------------------------------------

AUTHORITY_NAMES = {
    "US-OFAC": "Office of Foreign Assets Control (US Department of the Treasury)",
    "JP-FSA": "Financial Services Agency of Japan (金融庁)",
    "JP-MOF": "Ministry of Finance, Japan (財務省)",
    "GB-OFSI": "Office of Financial Sanctions Implementation (HM Treasury)",
    "GB-FCA": "Financial Conduct Authority",
    "SG-MAS": "Monetary Authority of Singapore",
    "UN-UNSC": "United Nations Security Council",
    "EU-COUNCIL": "Council of the European Union",
    "EU-ESMA": "European Securities and Markets Authority",
}


def authority_entity(builder: RecordBuilder, key: str, name: str = "", ref: str = "authority") -> EntityDraft:
    """The Organization node of a public body, merged across records by its {kind: authority} identifier."""
    draft = builder.entity(ref, records_pb2.ENTITY_TYPE_ORGANIZATION, name or AUTHORITY_NAMES.get(key, key))
    draft.identifier("authority", key)
    return draft


# -- an index that keeps memory bounded ------------------------------------------------------


class KeyIndex:
    """source id → a small JSON value, in a temporary SQLite file: two-pass connectors remember
    every entity of a large file (its type and key) without holding the file in memory."""

    def __init__(self) -> None:
        handle, self._path = tempfile.mkstemp(prefix="regulink-ingest-", suffix=".db")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE k (id TEXT PRIMARY KEY, v TEXT)")
        self._pending: dict[str, str] = {}

    def put(self, source_id: str, value) -> None:
        self._pending[source_id] = json.dumps(value, separators=(",", ":"))
        if len(self._pending) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT OR REPLACE INTO k VALUES (?, ?)", self._pending.items())
            self._pending.clear()

    def get(self, source_id: str):
        text = self._pending.get(source_id)
        if text is None:
            row = self._db.execute("SELECT v FROM k WHERE id = ?", (source_id,)).fetchone()
            text = row[0] if row else None
        return None if text is None else json.loads(text)

    def __len__(self) -> int:
        self.flush()
        return self._db.execute("SELECT count(*) FROM k").fetchone()[0]

    def close(self) -> None:
        self._db.close()
        try:
            os.unlink(self._path)
        except OSError:
            pass

    def __enter__(self) -> KeyIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- reading text line by line, counting bytes -----------------------------------------------


def iter_lines(path: Path, options: Options, *, encoding: str | None = None) -> Iterator[tuple[int, str | None]]:
    """(line number, text with its line end) for each physical line; text is None when the line
    does not decode in the chosen encoding (the caller reports it). A UTF-8 BOM is dropped."""
    encoding = encoding or options.encoding
    with open(path, "rb") as source:
        for number, raw in enumerate(source, 1):
            options.advance(len(raw))
            if number == 1 and raw.startswith(b"\xef\xbb\xbf") and encoding.replace("-", "").lower() in (
                    "utf8", "utf8sig"):
                raw = raw[3:]
            try:
                yield number, raw.decode(encoding)
            except UnicodeDecodeError:
                yield number, None


def encoding_hint(path: Path, number: int, encoding: str) -> str:
    """Why a line did not decode, with the likely fix."""
    hint = ""
    if encoding.replace("-", "").lower().startswith("utf8"):
        with open(path, "rb") as source:
            sample = source.read(1 << 16)
        try:
            sample.decode("cp932")
            hint = "; it looks like Shift-JIS (cp932): save the file as UTF-8 or pass --encoding cp932"
        except UnicodeDecodeError:
            hint = "; save the file as UTF-8 or pass its --encoding"
    return f"line {number} is not valid {encoding}{hint}"
