"""Watchlists: what an agency watches, and the index that finds the few watches a record concerns.

Pure functions and in-memory structures, no database: the gateway keeps the
watches (gateway.server.alerts.store) and evaluates each projected record through
this index (gateway.server.alerts.engine). Four kinds of rule:

    key            a graph key: a record asserts the node or links to it
    name           a person's or organization's name: a record names one alike
                   (graph.names: the name candidates' normalization and score)
    neighbourhood  an unauthorized operator appears within k <= 3 hops of a key
    cross_agency   another agency reports a node the watching agency reported

A record is looked up by what it contributes (graph.project.contribution),
never by scanning the watches: its node keys in `by_key`, its names' blocks
(graph.names.block_keys, as candidates are found) in `by_block`, its node
keys in `by_ball` and `by_rim` (the nodes the last evaluation of a
neighbourhood watch walked: a new operator within k hops of the key comes
with a record that touches a node nearer than k, or flags one at k), and its
agency among the few agencies with cross-agency watches. A hit is only a candidate: the record must be one the
watcher may see (graph.visibility, the query rule), and what needs the graph
(the k-hop walk, what the watcher itself reported) is checked by the caller
with graph.watchgraph, as the watcher sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from graph import names, resolve
from graph.investigate import identifier_keys
from graph.project import Contribution
from graph.projector import LedgerItem
from graph.resolve.keys import GRAPH_KEY, identifier_key
from graph.visibility import readable_by

KINDS = ("key", "name", "neighbourhood", "cross_agency")
NAME_TYPES = ("Person", "Organization")
MAX_HOPS = 3
MIN_SCORE = 50.0
AGENCY_KINDS = ("regulator", "local-government", "law-enforcement", "other")
OPERATOR_ROLE = "unauthorized_operator"
ALIKE_NAMES = 50_000  # record names whose alike name watches are remembered (WatchIndex._alike)


class BadRule(ValueError):
    """A rule that cannot be watched; `field` names the part that is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rule:
    kind: str
    key: str = ""
    name: str = ""
    min_score: float = 0.0
    types: tuple[str, ...] = ()
    hops: int = 0
    different_kind: bool = False
    agency_kinds: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items() if v}

    @classmethod
    def from_json(cls, data: dict) -> Rule:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    @property
    def blocks(self) -> frozenset[str]:
        return frozenset(names.block_keys(self.name)) if self.kind == "name" else frozenset()


# -- rules from what an agency asks ------------------------------------------------------------

def watch_key(text: str) -> str:
    """The graph key a key or neighbourhood rule watches, from a key as the Query API shows it or a
    bare identifier. Only its form is checked: whether the node exists (or is hidden) plays no part,
    so the answer never tells."""
    text = text.strip()
    if not text:
        raise BadRule("a key to watch is required, e.g. wallet:ETH:0x… or domain:example.com", "key")
    if len(text) > 400:
        raise BadRule("at most 400 characters", "key")
    if GRAPH_KEY.fullmatch(text):
        kind, _, rest = text.partition(":")
        try:
            if kind == "wallet":
                chain, _, address = rest.partition(":")
                return identifier_key("wallet", address, chain)
            if kind in ("lei", "jp_cn", "domain", "email", "phone", "iban"):
                return identifier_key(kind, rest)
        except (resolve.InvalidIdentifier, ValueError) as exc:
            raise BadRule(f"{text[:80]!r} is not a valid {kind} key: {exc}", "key") from None
        return text  # local:, registration:, authority: keys are watched as written
    # A bare word passes as a domain name ("lumen"): more likely a name, which a name rule watches.
    found = [k for k in identifier_keys(text) if not (k.startswith("domain:") and "." not in k)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise BadRule(f"{text[:80]!r} is neither a graph key (wallet:ETH:0x…, lei:…, domain:…, local:…) nor an "
                      "identifier; to watch a name, watch it as a name", "key")
    raise BadRule(f"{text[:80]!r} could be any of {', '.join(found[:10])}: name the one to watch", "key")


def check_rule(rule: Rule) -> Rule:
    """The rule as it is stored (normalized), or BadRule naming the field."""
    if rule.kind in ("key", "neighbourhood"):
        key = watch_key(rule.key)
        if rule.kind == "key":
            return Rule("key", key=key)
        hops = rule.hops or MAX_HOPS
        if not 1 <= hops <= MAX_HOPS:
            raise BadRule(f"hops must be 1 to {MAX_HOPS}", "hops")
        return Rule("neighbourhood", key=key, hops=hops)
    if rule.kind == "name":
        name = " ".join(rule.name.split())
        if not name or len(name) > 200:
            raise BadRule("a name of 1 to 200 characters is required", "name")
        if not names.block_keys(name):
            raise BadRule(f"{name[:80]!r} is too short to watch: it needs a word of three letters or more once "
                          "legal forms are removed", "name")
        score = rule.min_score or names.THRESHOLD
        if not MIN_SCORE <= score <= 100:
            raise BadRule(f"min_score must be {MIN_SCORE:g} to 100 (0: {names.THRESHOLD:g})", "min_score")
        unknown = [t for t in rule.types if t not in NAME_TYPES]
        if unknown:
            raise BadRule(f"types may be {' and '.join(NAME_TYPES)} only (got {unknown[0][:40]!r})", "types")
        return Rule("name", name=name, min_score=score, types=tuple(sorted(set(rule.types))))
    if rule.kind == "cross_agency":
        unknown = [k for k in rule.agency_kinds if k not in AGENCY_KINDS]
        if unknown:
            raise BadRule(f"agency kinds are {', '.join(AGENCY_KINDS)} (got {unknown[0][:40]!r})", "agency_kinds")
        return Rule("cross_agency", different_kind=rule.different_kind,
                    agency_kinds=tuple(sorted(set(rule.agency_kinds))))
    raise BadRule(f"a rule is required: {', '.join(KINDS)}", "rule")


# -- watches and their index ------------------------------------------------------------------

WatchRef = tuple[str, int]  # (agency, watch number)


@dataclass
class Watch:
    agency: str
    number: int
    rule: Rule
    from_index: int  # ledger entries from here on are evaluated for it
    # A neighbourhood watch's state from its last evaluation: the operators already near the key
    # (not alerted again) and the nodes the walk saw (a record touching one may bring a new operator).
    known: set[str] = field(default_factory=set)
    ball: set[str] = field(default_factory=set)  # walked nearer than `hops`: any record touching one counts
    rim: set[str] = field(default_factory=set)  # walked at `hops`: only a record flagging one as an operator
    # A cross-agency watch's "<agency>|<key>" pairs already told (once each, until withdrawn).
    announced: set[str] = field(default_factory=set)

    @property
    def ref(self) -> WatchRef:
        return (self.agency, self.number)


@dataclass(frozen=True, slots=True)
class Touch:
    """What a record touches, as the index looks it up: its log index and readers, the node keys it
    may have placed and those it flags as unauthorized operators. Strings in tuples only, so that a
    record matched ahead of the projection waits as one object the garbage collector traces rather
    than as its whole contribution (gateway.server.alerts.batch)."""

    log_index: int
    readers: tuple[str, ...]
    node_keys: tuple[str, ...]
    flagged: tuple[str, ...]

    @classmethod
    def of(cls, contribution: Contribution) -> Touch:
        return cls(contribution.source.log_index, tuple(contribution.source.readers),
                   tuple(_node_keys(contribution)), tuple(operator_keys(contribution)))


@dataclass(frozen=True, slots=True)
class Incoming:
    """What matching needs of one ledger entry's record, made from its contribution once: by the
    projector, which computes the contribution and normalizes the names for the graph anyway (and
    hands this over before it writes), or by the alert engine for entries the projector did not.

    `withdraws`: the record ids whose alerts it may withdraw (a new version, a supersede, a
    retraction; empty for a first version). `touch` is None for a retraction, which places
    nothing. `fallbacks`: (node key, the record's own local key the projector may put it at
    instead: graph.project). `names`: (node label, node key, name as written, normalized) of its
    persons' and organizations' names and aliases.
    """

    log_index: int
    accepted_ms: int
    agency: str
    record_id: str
    version: int
    tlp: int
    withdraws: tuple[str, ...]
    touch: Touch | None
    fallbacks: tuple[tuple[str, str], ...] = ()
    names: tuple[tuple[str, str, str, str], ...] = ()

    @classmethod
    def of(cls, item: LedgerItem, contributed: Contribution | None) -> Incoming:
        """From a ledger item and its contribution (None for a retraction)."""
        record = item.record
        replaced = {getattr(record, n).record_id for n in ("supersedes", "retracts") if record.HasField(n)}
        withdraws = tuple(sorted(replaced | {record.record_id})) if record.version > 1 or replaced else ()
        if contributed is None:
            return cls(item.log_index, item.accepted_ms, record.agency_id, record.record_id, record.version,
                       record.tlp, withdraws, None)
        named = tuple((node.label, node.key, name, names.normalize(name))
                      for node in contributed.nodes.values() if node.label in NAME_TYPES
                      for name in (node.facts.get("name"), *node.facts.get("aliases", ())) if name)
        return cls(item.log_index, item.accepted_ms, record.agency_id, record.record_id, record.version, record.tlp,
                   withdraws, Touch.of(contributed),
                   tuple((key, node.fallback) for key, node in contributed.nodes.items() if node.fallback), named)

    def to_json(self) -> list:
        touch = self.touch
        return [self.log_index, self.accepted_ms, self.agency, self.record_id, self.version, self.tlp,
                self.withdraws, None if touch is None else [touch.readers, touch.node_keys, touch.flagged],
                self.fallbacks, self.names]

    @classmethod
    def from_json(cls, data: list) -> Incoming:
        log_index, accepted_ms, agency, record_id, version, tlp, withdraws, touch, fallbacks, named = data
        return cls(log_index, accepted_ms, agency, record_id, version, tlp, tuple(withdraws),
                   None if touch is None else Touch(log_index, *map(tuple, touch)),
                   tuple(map(tuple, fallbacks)), tuple(map(tuple, named)))


@dataclass(frozen=True, slots=True)
class Hit:
    """A watch a record may concern. `keys`: the record's node keys that matched (the watched key,
    the persons or organizations named alike, the nodes to check for a cross-agency report)."""

    watch: Watch
    keys: tuple[str, ...] = ()
    score: float = 0.0
    names: tuple[str, ...] = ()  # name rule: the record's names that matched


class WatchIndex:
    def __init__(self) -> None:
        self.watches: dict[WatchRef, Watch] = {}
        self.by_key: dict[str, set[WatchRef]] = {}
        self.by_block: dict[str, set[WatchRef]] = {}
        self.by_ball: dict[str, set[WatchRef]] = {}
        self.by_rim: dict[str, set[WatchRef]] = {}
        self.cross: dict[str, set[WatchRef]] = {}  # agency -> its cross-agency watches
        # A record's name -> the name watches it scores enough for, whoever the record is from: the
        # same names come record after record (an exchange, an authority, a sanctioned company), and
        # scoring one against every watched name sharing a block is most of what matching costs.
        # Emptied whenever a name watch comes or goes.
        self._alike: dict[str, tuple[tuple[Watch, float], ...]] = {}

    def __len__(self) -> int:
        return len(self.watches)

    def add(self, watch: Watch) -> None:
        self.remove(watch.ref)
        self.watches[watch.ref] = watch
        rule = watch.rule
        if rule.kind == "key":
            self.by_key.setdefault(rule.key, set()).add(watch.ref)
        elif rule.kind == "name":
            self._alike.clear()
            for block in rule.blocks:
                self.by_block.setdefault(block, set()).add(watch.ref)
        elif rule.kind == "neighbourhood":
            watch.ball.add(rule.key)  # the key itself: a record that makes it visible is evaluated
            for key in watch.ball:
                self.by_ball.setdefault(key, set()).add(watch.ref)
            for key in watch.rim:
                self.by_rim.setdefault(key, set()).add(watch.ref)
        elif rule.kind == "cross_agency":
            self.cross.setdefault(watch.agency, set()).add(watch.ref)

    def remove(self, ref: WatchRef) -> Watch | None:
        watch = self.watches.pop(ref, None)
        if watch is None:
            return None
        rule = watch.rule
        if rule.kind == "key":
            _discard(self.by_key, rule.key, ref)
        elif rule.kind == "name":
            self._alike.clear()
            for block in rule.blocks:
                _discard(self.by_block, block, ref)
        elif rule.kind == "neighbourhood":
            for key in watch.ball:
                _discard(self.by_ball, key, ref)
            for key in watch.rim:
                _discard(self.by_rim, key, ref)
        elif rule.kind == "cross_agency":
            _discard(self.cross, watch.agency, ref)
        return watch

    def set_ball(self, watch: Watch, ball: Iterable[str], rim: Iterable[str] = ()) -> None:
        """A neighbourhood watch's walk changed: file it under the nodes it saw this time, those nearer
        than its hops (`ball`) and those at its hops (`rim`)."""
        for index, old, new in ((self.by_ball, watch.ball, set(ball) | {watch.rule.key}),
                                (self.by_rim, watch.rim, set(rim) - {watch.rule.key})):
            for key in old - new:
                _discard(index, key, watch.ref)
            for key in new - old:
                index.setdefault(key, set()).add(watch.ref)
        watch.ball, watch.rim = set(ball) | {watch.rule.key}, set(rim) - {watch.rule.key}

    def hits(self, incoming: Incoming, agency_kinds: dict[str, str], *, around: bool = True) -> Iterator[Hit]:
        """The watches a projected record may concern: found through the index, each one whose
        agency may see the record and which was watching when the record entered the log. In an
        order that depends on the record and the watches only (never on how the index's sets grew),
        so an agency's alerts come in the same order whatever else the gateway holds. A retraction
        (no touch) concerns none."""
        touch = incoming.touch
        if touch is None:
            return
        author, node_keys = incoming.agency, touch.node_keys

        def eligible(ref: WatchRef) -> Watch | None:
            watch = self.watches.get(ref)
            if watch is None or touch.log_index < watch.from_index or not readable_by(ref[0], touch.readers):
                return None
            return watch

        for key in node_keys:
            for ref in sorted(self.by_key.get(key, ())):
                if watch := eligible(ref):
                    yield Hit(watch, (key,))
        yield from self._name_hits(incoming, eligible)
        if around:
            yield from self.around_hits(touch)
        author_kind = agency_kinds.get(author, "other")
        for agency, refs in sorted(self.cross.items()):
            if agency == author or not node_keys:
                continue
            for ref in sorted(refs):
                watch = eligible(ref)
                if watch is None:
                    continue
                rule = watch.rule
                if rule.different_kind and author_kind == agency_kinds.get(agency, "other"):
                    continue
                if rule.agency_kinds and author_kind not in rule.agency_kinds:
                    continue
                # A node this author's reports were already told about is not news (a hub would
                # otherwise be looked up in the graph at every record that touches it), nor one
                # local to the author's own record: the watcher cannot have reported it before.
                own = f"local:{author}/"
                fresh = sorted(k for k in set(node_keys)
                               if not k.startswith(own) and f"{author}|{k}" not in watch.announced)
                if fresh:
                    yield Hit(watch, tuple(fresh))

    def around_hits(self, touch: Touch) -> Iterator[Hit]:
        """The neighbourhood watches a record may bring a new operator to: it touches a node their last
        walk reached in fewer than their hops (a link from it may lead to one), or flags as an operator
        a node the walk reached at its hops. Walks change as records come, so a caller that matches
        records ahead of evaluating them asks this part once the records before are evaluated
        (gateway.server.alerts.engine)."""
        refs = {ref for key in touch.node_keys for ref in self.by_ball.get(key, ())}
        refs |= {ref for key in touch.flagged for ref in self.by_rim.get(key, ())}
        for ref in sorted(refs):
            watch = self.watches[ref]
            if touch.log_index >= watch.from_index and readable_by(ref[0], touch.readers):
                yield Hit(watch, tuple(k for k in touch.node_keys if k in watch.ball or k in watch.rim))

    def _name_hits(self, incoming: Incoming, eligible) -> Iterator[Hit]:
        if not self.by_block:
            return
        best: dict[WatchRef, tuple[float, list[str], list[str]]] = {}
        for label, key, name, normalized in incoming.names:
            for watch, score in self._alike_watches(name, normalized):
                if (watch.rule.types and label not in watch.rule.types) or eligible(watch.ref) is None:
                    continue
                found = best.setdefault(watch.ref, (score, [], []))
                if key not in found[1]:
                    found[1].append(key)
                if name not in found[2]:
                    found[2].append(name)
                best[watch.ref] = (max(score, found[0]), found[1], found[2])
        for ref, (score, keys, matched) in sorted(best.items()):
            yield Hit(self.watches[ref], tuple(keys), score, tuple(matched))

    def _alike_watches(self, name: str, normalized: str) -> tuple[tuple[Watch, float], ...]:
        """The name watches sharing a block with `name` (`normalized`: graph.names.normalize(name))
        that it scores their minimum for, with the score."""
        found = self._alike.get(name)
        if found is not None:
            return found
        watches = [self.watches[ref] for ref in sorted({ref for block in names.block_keys(name, normalized)
                                                        for ref in self.by_block.get(block, ())})]
        scores = names.scores_at_least(name, sorted({w.rule.name for w in watches}),
                                       min(w.rule.min_score for w in watches), normalized) if watches else {}
        found = tuple((w, scores[w.rule.name]) for w in watches if scores.get(w.rule.name, 0.0) >= w.rule.min_score)
        if len(self._alike) >= ALIKE_NAMES:
            self._alike.clear()  # a bound, not an LRU: it fills again with the names that keep coming
        self._alike[name] = found
        return found


def _node_keys(contribution: Contribution) -> list[str]:
    """Every node key the record may have placed: its own, and for a reference to another agency's
    local key, the record's own local key it falls back to (graph.project: which one the projector
    used is read from the graph afterwards)."""
    keys = list(contribution.nodes)
    keys += [n.fallback for n in contribution.nodes.values() if n.fallback]
    return keys


def operator_keys(contribution: Contribution) -> list[str]:
    """The nodes a record flags as unauthorized operators (with the local keys it may fall back to)."""
    flagged = [n for n in contribution.nodes.values() if OPERATOR_ROLE in n.facts.get("roles", [])]
    return [n.key for n in flagged] + [n.fallback for n in flagged if n.fallback]


def _discard(index: dict[str, set], key: str, ref: WatchRef) -> None:
    refs = index.get(key)
    if refs is not None:
        refs.discard(ref)
        if not refs:
            del index[key]
