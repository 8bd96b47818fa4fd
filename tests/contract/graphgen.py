"""Random but valid case records for projection and visibility tests (seeded, reproducible)."""

from __future__ import annotations

import random
import secrets

from graph.projector import LedgerItem
from regulink.v1 import records_pb2

AGENCIES = ["fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber", "osaka-pref"]
KINDS = {"fsa-jp": "regulator", "mas-sg": "regulator", "tokyo-metro": "local-government",
         "npa-cyber": "law-enforcement", "osaka-pref": "local-government"}
TLPS = [records_pb2.TLP_CLEAR, records_pb2.TLP_GREEN, records_pb2.TLP_AMBER, records_pb2.TLP_AMBER_STRICT,
        records_pb2.TLP_RED]
NAMES = ["Lumen Crest", "Neo Wallet", "Aurora Coin", "Kenji Aramaki", "Mina Sato", "Blue Harbor Trading",
         "株式会社ルーメンクレスト", "Orbit Exchange", "Daniel Lim", "Sakura Digital"]
LINKS = [records_pb2.LINK_TYPE_CONTROLS, records_pb2.LINK_TYPE_OPERATES, records_pb2.LINK_TYPE_TRANSFERRED_TO,
         records_pb2.LINK_TYPE_ASSOCIATED_WITH, records_pb2.LINK_TYPE_USES]


class Generator:
    def __init__(self, seed: int, wallets: int = 12, domains: int = 6, *, mixed_types: bool = False) -> None:
        self.rng = random.Random(seed)
        # Some entities refer to a wallet or domain by graph_key under another type (a person, an
        # organization): one node then holds entries of several types (the visibility audit).
        self.mixed_types = mixed_types
        self.wallets = ["0x" + self.rng.randbytes(20).hex() for _ in range(wallets)]
        self.domains = [f"shop-{self.rng.randrange(10**6)}.example" for _ in range(domains)]
        self.records: dict[str, records_pb2.CaseRecord] = {}  # latest of each agency/record_id
        # Per agency, its records that are not retractions (latest versions), in first-seen order:
        # what record() picks from, kept as it goes so a long run stays linear.
        self.own: dict[str, dict[str, records_pb2.CaseRecord]] = {a: {} for a in AGENCIES}
        self.items: list[LedgerItem] = []

    def _entity(self, record: records_pb2.CaseRecord, ref: str) -> None:
        rng = self.rng
        if self.mixed_types and rng.random() < 0.2:
            e = record.entities.add(ref=ref, type=rng.choice([records_pb2.ENTITY_TYPE_PERSON,
                                                             records_pb2.ENTITY_TYPE_ORGANIZATION]),
                                    name=rng.choice(NAMES))
            key = (f"wallet:ETH:{rng.choice(self.wallets)}" if rng.random() < 0.5
                   else f"domain:{rng.choice(self.domains)}")
            e.identifiers.add(kind="graph_key", value=key)
            return
        kind = rng.choice(["wallet", "wallet", "org", "person", "site"])
        if kind == "wallet":
            e = record.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_CRYPTO_WALLET)
            e.identifiers.add(kind="wallet", scheme="ETH", value=rng.choice(self.wallets))
        elif kind == "site":
            e = record.entities.add(ref=ref, type=records_pb2.ENTITY_TYPE_WEBSITE, name="site")
            e.identifiers.add(kind="domain", value=rng.choice(self.domains))
        else:
            entity_type = records_pb2.ENTITY_TYPE_ORGANIZATION if kind == "org" else records_pb2.ENTITY_TYPE_PERSON
            e = record.entities.add(ref=ref, type=entity_type, name=rng.choice(NAMES))
            e.attributes.add(name="note", value=secrets.token_hex(3))
            if kind == "org" and rng.random() < 0.5:
                e.roles.append(records_pb2.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
            if kind == "org" and rng.random() < 0.4:
                e.identifiers.add(kind="domain", value=rng.choice(self.domains))

    def record(self) -> records_pb2.CaseRecord:
        rng = self.rng
        agency = rng.choice(AGENCIES)
        pool = self.own[agency]
        roll = rng.random()
        tlp = rng.choice(TLPS)
        share = sorted(rng.sample([a for a in AGENCIES if a != agency], rng.randrange(0, 3)))
        if pool and roll < 0.12:  # retract one of its records
            target = rng.choice(list(pool.values()))
            record = records_pb2.CaseRecord(record_id=f"ret-{len(self.items)}", agency_id=agency, version=1,
                                            tlp=records_pb2.TLP_GREEN)
            record.retracts.record_id = target.record_id
        else:
            if pool and roll < 0.3:  # a new version of one of its records
                previous = rng.choice(list(pool.values()))
                record_id, version = previous.record_id, previous.version + 1
            else:
                record_id, version = f"r-{len(self.items)}", 1
            record = records_pb2.CaseRecord(record_id=record_id, agency_id=agency, version=version, tlp=tlp,
                                            share_with=share, case_reference="C")
            if pool and roll > 0.93:
                other = rng.choice(list(pool.values()))
                if other.record_id != record_id:
                    record.supersedes.record_id = other.record_id
            refs = [f"e{i}" for i in range(rng.randrange(1, 5))]
            for ref in refs:
                self._entity(record, ref)
            for _ in range(rng.randrange(0, len(refs) + 1)):
                a, b = rng.sample(refs, 2) if len(refs) > 1 else (refs[0], refs[0])
                if a != b:
                    record.links.add(source=a, target=b, type=rng.choice(LINKS))
        record.issued_at.seconds = 1_764_000_000 + len(self.items)
        self.records[f"{agency}/{record.record_id}"] = record
        if not record.HasField("retracts"):
            pool[record.record_id] = record
        self.items.append(LedgerItem(len(self.items), 1_764_000_000_000 + len(self.items) * 1000, record))
        return record

    def run(self, count: int) -> list[LedgerItem]:
        for _ in range(count):
            self.record()
        return self.items


def active_records(items: list[LedgerItem]) -> dict[str, records_pb2.CaseRecord]:
    """The records whose contributions should be in the graph after all items: the reference model."""
    active: dict[str, records_pb2.CaseRecord] = {}
    for item in items:
        record = item.record
        key = f"{record.agency_id}/{record.record_id}"
        if record.HasField("retracts"):
            active.pop(f"{record.agency_id}/{record.retracts.record_id}", None)
            continue
        if record.HasField("supersedes"):
            active.pop(f"{record.agency_id}/{record.supersedes.record_id}", None)
        active[key] = (item, record)
    return active
