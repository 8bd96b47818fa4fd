"""gateway.server.alerts.batch: a record matched ahead of the projection waits as the little that
settling asks of it, in objects the garbage collector does not trace (issue 18: thousands wait at a
time, and as whole contributions they made every full collection ~100 ms longer)."""

from __future__ import annotations

import gc

from gateway.server.alerts.batch import Candidate, placed_key
from graph.project import contribution
from graph.projector import LedgerItem
from graph.watchlist import Hit, Incoming, Rule, Touch, Watch
from regulink.v1 import records_pb2 as pb

FOREIGN = "local:fsa-jp/r-1:op"  # another agency's local node, referred to by its graph key


def record() -> pb.CaseRecord:
    record = pb.CaseRecord(record_id="r-7", agency_id="mas-sg", version=2, tlp=pb.TLP_AMBER, case_reference="C-1")
    operator = record.entities.add(ref="op", type=pb.ENTITY_TYPE_ORGANIZATION, roles=[pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR])
    operator.identifiers.add(kind="graph_key", value=FOREIGN)
    wallet = record.entities.add(ref="w", type=pb.ENTITY_TYPE_CRYPTO_WALLET)
    wallet.identifiers.add(kind="wallet", scheme="ETH", value="0x" + "5a" * 20)
    record.links.add(source="op", target="w", type=pb.LINK_TYPE_CONTROLS)
    return record


def test_a_candidate_keeps_what_settling_asks_of_its_record():
    item = LedgerItem(41, 1_700_000_000_000, record())
    contributed = contribution(item.record, item.log_index, item.accepted_ms)
    hit = Hit(Watch("npa-cyber", 3, Rule("key", key=FOREIGN), 0), (FOREIGN,))
    candidate = Candidate.of(Incoming.of(item, contributed), [hit])

    assert (candidate.key, candidate.version, candidate.tlp, candidate.log_index, candidate.accepted_ms) == (
        "mas-sg/r-7", 2, pb.TLP_AMBER, 41, 1_700_000_000_000)
    assert candidate.touch == Touch.of(contributed)
    own = "local:mas-sg/r-7:op"  # where the projector puts the reference if its author may not see it
    assert candidate.fallbacks == ((FOREIGN, own),)
    assert own in candidate.touch.node_keys and set(candidate.touch.flagged) == {FOREIGN, own}
    assert placed_key(candidate, FOREIGN, {FOREIGN, own}) == FOREIGN
    assert placed_key(candidate, FOREIGN, {own}) == own
    assert placed_key(candidate, FOREIGN, set()) is None
    wallet = next(k for k in contributed.nodes if k.startswith("wallet:"))
    assert placed_key(candidate, wallet, {wallet}) == wallet and placed_key(candidate, wallet, {own}) is None


def test_a_waiting_candidate_is_almost_nothing_for_the_garbage_collector():
    items = [LedgerItem(i, 0, record()) for i in range(50)]
    contributions = [contribution(item.record, item.log_index, 0) for item in items]
    candidates = [Candidate.of(Incoming.of(item, c), []) for item, c in zip(items, contributions)]
    del contributions
    del items
    gc.collect()  # tuples of strings are untracked once they survive collections (a nested one, the next)
    gc.collect()
    traced = [o for c in candidates for o in (*gc.get_referents(c), *gc.get_referents(c.touch))
              if gc.is_tracked(o) and not isinstance(o, type)]
    # each candidate: its touch and its (empty) list of hits; nothing of the record or its contribution
    assert sorted(type(o).__name__ for o in traced) == sorted(["Touch", "list"] * 50)
