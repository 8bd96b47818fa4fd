"""graph.watchlist: rules checked for their form only, and an index that finds a record's watches
without looking at the others (issue 18)."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import names
from graph.project import contribution
from graph.projector import LedgerItem
from graph.watchlist import BadRule, Incoming, Rule, Watch, WatchIndex, check_rule, watch_key
from regulink.v1 import records_pb2 as pb

ADDRESS = "0x52908400098527886e0f7030069857d2e4169ee7"
KINDS = {"fsa-jp": "regulator", "mas-sg": "regulator", "npa-cyber": "law-enforcement",
         "tokyo-metro": "local-government"}


def record(agency: str = "mas-sg", *, tlp: int = pb.TLP_GREEN, share_with=(), entities=(), links=(),
           record_id: str = "r-1") -> pb.CaseRecord:
    built = pb.CaseRecord(record_id=record_id, agency_id=agency, version=1, tlp=tlp, share_with=list(share_with))
    for ref, entity_type, name, identifiers, roles in entities:
        entity = built.entities.add(ref=ref, type=entity_type, name=name, roles=roles)
        for kind, value, scheme in identifiers:
            entity.identifiers.add(kind=kind, value=value, scheme=scheme)
    for source, target, link_type in links:
        built.links.add(source=source, target=target, type=link_type)
    return built


def contributed(built: pb.CaseRecord, log_index: int = 10) -> Incoming:
    """What the index is asked with: as the projector reports it (through JSON, as it travels)."""
    return Incoming.from_json(orjson.loads(orjson.dumps(
        Incoming.of(LedgerItem(log_index, 0, built), contribution(built, log_index, 0)).to_json())))


def wallet_record(agency: str = "mas-sg", **kwargs) -> pb.CaseRecord:
    return record(agency, entities=[("w", pb.ENTITY_TYPE_CRYPTO_WALLET, "", [("wallet", ADDRESS, "ETH")], [])],
                  **kwargs)


def index_of(*watches: Watch) -> WatchIndex:
    index = WatchIndex()
    for watch in watches:
        index.add(watch)
    return index


# -- rules ------------------------------------------------------------------------------------

def test_a_key_is_normalized_as_on_ingest():
    assert watch_key(f"wallet:ETH:{ADDRESS.upper().replace('0X', '0x')}") == f"wallet:ETH:{ADDRESS}"
    assert watch_key("lei:213800kud8lajwsq9d15") == "lei:213800KUD8LAJWSQ9D15"
    assert watch_key("Example.COM") == "domain:example.com"
    assert watch_key("local:fsa-jp/r-1:op") == "local:fsa-jp/r-1:op"


@pytest.mark.parametrize("text, why", [
    ("", "required"), (ADDRESS, "could be any of"), ("wallet:ETH:0x1234", "not a valid wallet key"),
    ("lumen", "as a name"), ("x" * 401, "400"),
])
def test_a_key_that_cannot_be_watched_is_refused_with_the_reason(text, why):
    with pytest.raises(BadRule) as caught:
        watch_key(text)
    assert caught.value.field == "key" and why in str(caught.value)


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_key_or_a_bad_rule_never_another_error(text):
    try:
        key = watch_key(text)
    except BadRule:
        return
    assert watch_key(key) == key  # a watched key is its own normal form


def test_rules_are_checked_and_defaulted():
    assert check_rule(Rule("neighbourhood", key="example.com")) == Rule("neighbourhood", key="domain:example.com",
                                                                        hops=3)
    assert check_rule(Rule("name", name="  Lumen   Crest ")).min_score == names.THRESHOLD
    for rule, field in [(Rule("neighbourhood", key="example.com", hops=4), "hops"),
                        (Rule("name", name="Lumen", min_score=20), "min_score"),
                        (Rule("name", name="Lumen", types=("CryptoWallet",)), "types"),
                        (Rule("name", name="Co. Ltd"), "name"),
                        (Rule("cross_agency", agency_kinds=("ministry",)), "agency_kinds"),
                        (Rule(""), "rule")]:
        with pytest.raises(BadRule) as caught:
            check_rule(rule)
        assert caught.value.field == field
    rule = check_rule(Rule("name", name="Lumen Crest", types=("Person", "Organization", "Person")))
    assert Rule.from_json(rule.to_json()) == rule


# -- the index --------------------------------------------------------------------------------

def test_a_key_watch_hits_a_record_its_agency_may_see_from_its_start_on():
    watch = Watch("npa-cyber", 1, Rule("key", key=f"wallet:ETH:{ADDRESS}"), from_index=5)
    index = index_of(watch)
    assert [h.keys for h in index.hits(contributed(wallet_record()), KINDS)] == [(f"wallet:ETH:{ADDRESS}",)]
    assert not list(index.hits(contributed(wallet_record(), log_index=4), KINDS))  # before the watch
    hidden = wallet_record(tlp=pb.TLP_AMBER, share_with=["fsa-jp"])
    assert not list(index.hits(contributed(hidden), KINDS))
    shared = wallet_record(tlp=pb.TLP_RED, share_with=["npa-cyber"])
    assert len(list(index.hits(contributed(shared), KINDS))) == 1
    index.remove(watch.ref)
    assert not list(index.hits(contributed(wallet_record()), KINDS)) and not index.by_key


def test_a_name_watch_meets_the_name_in_another_script_and_legal_form():
    index = index_of(Watch("fsa-jp", 1, check_rule(Rule("name", name="Lumen Crest Pte. Ltd.")), 0),
                     Watch("fsa-jp", 2, check_rule(Rule("name", name="Lumen Crest", types=("Person",))), 0))
    org = record(entities=[("o", pb.ENTITY_TYPE_ORGANIZATION, "株式会社ルーメンクレスト", [], [])])
    hits = list(index.hits(contributed(org), KINDS))
    assert [h.watch.number for h in hits] == [1] and hits[0].score >= names.THRESHOLD
    other = record(entities=[("o", pb.ENTITY_TYPE_ORGANIZATION, "Sakura Digital Holdings", [], [])])
    assert not list(index.hits(contributed(other), KINDS))
    wallet_named = record(entities=[("w", pb.ENTITY_TYPE_CRYPTO_WALLET, "Lumen Crest Exchange",
                                     [("wallet", ADDRESS, "ETH")], [])])
    assert not list(index.hits(contributed(wallet_named), KINDS))  # only persons and organizations


NAME_POOL = ("Lumen Crest Pte. Ltd.", "株式会社ルーメンクレスト", "Lumen Crest Exchange", "Sakura Digital Holdings",
             "Sakura Digital", "Orbitex Global", "Orbitex Global Exchange Ltd", "Grace Petrov", "Grace Petrova")


@settings(max_examples=60, deadline=None)  # the first Japanese name loads Janome's dictionary
@given(st.lists(st.tuples(st.booleans(), st.integers(0, len(NAME_POOL) - 1), st.sampled_from([0, 80.0, 95.0]),
                          st.sampled_from(["fsa-jp", "npa-cyber"])), min_size=1, max_size=12),
       st.lists(st.integers(0, len(NAME_POOL) - 1), min_size=1, max_size=6))
def test_name_hits_follow_the_watches_as_they_come_and_go(changes, named):
    """The index remembers which name watches a record's name scores for: after any sequence of name
    watches added and removed, its hits are those of an index built afresh with the same watches."""
    index, live = WatchIndex(), {}
    records = [record(entities=[("o", pb.ENTITY_TYPE_ORGANIZATION, NAME_POOL[i], [], [])]) for i in named]
    for number, (adding, which, score, agency) in enumerate(changes):
        if adding or not live:
            watch = Watch(agency, number, check_rule(Rule("name", name=NAME_POOL[which], min_score=score)), 0)
            index.add(watch)
            live[watch.ref] = watch
        else:
            ref = sorted(live)[which % len(live)]
            del live[ref]
            index.remove(ref)
        afresh = index_of(*live.values())
        for built in records:
            assert [(h.watch.ref, h.keys, h.score, h.names) for h in index.hits(contributed(built), KINDS)] == \
                [(h.watch.ref, h.keys, h.score, h.names) for h in afresh.hits(contributed(built), KINDS)]


def test_a_neighbourhood_watch_is_filed_under_the_nodes_its_walk_saw():
    watch = Watch("npa-cyber", 1, Rule("neighbourhood", key="domain:example.com", hops=2), 0)
    index = index_of(watch)
    assert index.by_ball == {"domain:example.com": {watch.ref}}  # the key itself, whatever is there
    wallet = f"wallet:ETH:{ADDRESS}"
    index.set_ball(watch, [wallet, "domain:example.com"])
    assert [h.keys for h in index.hits(contributed(wallet_record()), KINDS)] == [(wallet,)]
    # At the walk's last hop, only a record flagging the node as an operator can bring news.
    index.set_ball(watch, ["domain:example.com"], rim=[wallet])
    assert not list(index.hits(contributed(wallet_record()), KINDS))
    flagging = record(entities=[("w", pb.ENTITY_TYPE_CRYPTO_WALLET, "", [("wallet", ADDRESS, "ETH")],
                                 [pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR])])
    assert [h.keys for h in index.hits(contributed(flagging), KINDS)] == [(wallet,)]
    index.set_ball(watch, [])
    assert not list(index.hits(contributed(flagging), KINDS))
    assert index.by_ball == {"domain:example.com": {watch.ref}} and not index.by_rim
    index.set_ball(watch, ["domain:example.com"], rim=[wallet])
    index.remove(watch.ref)
    assert not index.by_ball and not index.by_rim


def test_a_cross_agency_watch_hears_other_agencies_of_the_kinds_it_asks():
    index = index_of(Watch("fsa-jp", 1, Rule("cross_agency"), 0),
                     Watch("fsa-jp", 2, Rule("cross_agency", different_kind=True), 0),
                     Watch("fsa-jp", 3, Rule("cross_agency", agency_kinds=("local-government",)), 0))
    heard = {a: [h.watch.number for h in index.hits(contributed(wallet_record(a)), KINDS)] for a in KINDS}
    assert heard == {"fsa-jp": [], "mas-sg": [1], "npa-cyber": [1, 2], "tokyo-metro": [1, 2, 3]}


def test_hits_come_in_an_order_of_the_watches_not_of_how_the_index_grew():
    key = f"wallet:ETH:{ADDRESS}"
    watches = [Watch(f"agency-{i}", i, Rule("key", key=key), 0) for i in range(50)]
    forward, backward = index_of(*watches), index_of(*reversed(watches))
    for i in range(0, 50, 3):  # removals and additions reshuffle a set's internal order
        backward.remove(watches[i].ref)
        backward.add(watches[i])
    assert [h.watch.ref for h in forward.hits(contributed(wallet_record()), {})] == \
        [h.watch.ref for h in backward.hits(contributed(wallet_record()), {})] == sorted(w.ref for w in watches)


class CountingDict(dict):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.looked_up = 0

    def get(self, key, default=None):
        self.looked_up += 1
        return super().get(key, default)


def test_a_record_looks_at_its_own_watches_only_never_at_all_of_them():
    index = WatchIndex()
    for i in range(10_000):
        index.add(Watch(f"agency-{i % 40}", i, Rule("key", key=f"domain:site-{i}.example"), 0))
    for i in range(2_000):
        index.add(Watch(f"agency-{i % 40}", 10_000 + i, check_rule(Rule("name", name=f"Company Number{i} Trading")),
                        0))
    index.add(Watch("npa-cyber", 99_999, Rule("key", key=f"wallet:ETH:{ADDRESS}"), 0))
    index.watches = CountingDict(index.watches)
    built = record(entities=[("w", pb.ENTITY_TYPE_CRYPTO_WALLET, "", [("wallet", ADDRESS, "ETH")], []),
                             ("o", pb.ENTITY_TYPE_ORGANIZATION, "Sakura Digital", [("domain", "site-7.example", "")],
                              [])],
                   links=[("o", "w", pb.LINK_TYPE_CONTROLS)])
    hits = list(index.hits(contributed(built), KINDS))
    assert sorted(h.watch.number for h in hits) == [7, 99_999]
    assert index.watches.looked_up <= 4, index.watches.looked_up


def test_what_the_projector_reports_of_a_record_is_what_the_engine_would_compute():
    """Incoming travels from the projector as JSON: whole (every field, in order), for every kind of
    record the realistic generator makes, a supersede and a retraction among them."""
    from tests.perf.realistic import Realistic

    built = list(Realistic(seed=11, agencies=("fsa-jp", "mas-sg")).records(300))
    newer = pb.CaseRecord()
    newer.CopyFrom(built[0])
    newer.version, newer.supersedes.record_id = 2, built[1].record_id
    retraction = pb.CaseRecord(record_id="r-x", agency_id=built[2].agency_id, version=1)
    retraction.retracts.record_id = built[2].record_id
    named = 0
    for log_index, one in enumerate([*built, newer, retraction]):
        item = LedgerItem(log_index, 1_700_000_000_000 + log_index, one)
        direct = Incoming.of(item, None if one.HasField("retracts") else contribution(one, log_index, item.accepted_ms))
        assert Incoming.from_json(orjson.loads(orjson.dumps(direct.to_json()))) == direct
        named += len(direct.names)
        assert all(normalized == names.normalize(name) for _, _, name, normalized in direct.names)
    assert named > 300
    assert Incoming.of(LedgerItem(0, 0, newer), contribution(newer, 0, 0)).withdraws == tuple(
        sorted({built[0].record_id, built[1].record_id}))
    gone = Incoming.of(LedgerItem(0, 0, retraction), None)
    assert gone.touch is None and gone.withdraws == tuple(sorted({"r-x", built[2].record_id}))
    assert not list(WatchIndex().hits(gone, KINDS))
