"""Subgraphs for the export tests, built directly from views (no database).

`operator_network()` is a small, realistic network around an unauthorized operator: several
entity types, Japanese names and aliases, roles, four agencies, markings from CLEAR to
AMBER+STRICT. `random_subgraph(n_nodes, n_edges, seed)` makes large ones for round trips and
timing. Both are plain functions (importable as `tests.unit.export.conftest`), and
`operator_network` is also a fixture.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pytest

from graph.export import FORMATS, ExportInfo, meta
from graph.view import EdgeView, NodeView, Subgraph
from graph.visibility import AMBER, AMBER_STRICT, CLEAR, GREEN, RED, readers

VIEWER = "fsa-jp"
AGENCIES = ("fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber")
T0 = 1_764_000_000_000  # 2025-11-24T16:00:00Z, in ms


def source(agency: str, record_id: str, tlp: int, seen_ms: int, share_with: tuple[str, ...] = (VIEWER,),
           **facts) -> dict:
    """A source entry as graph.project.Source.stamp() makes it, plus the record's facts."""
    return {"record": f"{agency}/{record_id}", "agency": agency, "version": 1, "log_index": seen_ms % 100_000,
            "tlp": tlp, "readers": list(readers(agency, tlp, share_with)), "seen_ms": seen_ms,
            "facts": {k: v for k, v in facts.items() if v}}


def node(key: str, node_type: str, sources: list[dict], names: tuple[str, ...] = (), roles: tuple[str, ...] = (),
         identifiers: tuple[str, ...] = (), attributes: tuple[tuple[str, str], ...] = ()) -> NodeView:
    record = sources[0]["record"]
    return NodeView(key, node_type, sources, names={n: [record] for n in names}, roles={r: [record] for r in roles},
                    identifiers={i: [record] for i in identifiers},
                    attributes=[(name, value, [record]) for name, value in attributes])


def edge(source_key: str, edge_type: str, target_key: str, sources: list[dict], evidence: tuple[str, ...] = (),
         score: float = 0.0) -> EdgeView:
    return EdgeView(source_key, target_key, edge_type, sources,
                    evidence={e: [sources[0]["record"]] for e in evidence}, score=score)


def operator_network() -> Subgraph:
    fsa = source("fsa-jp", "warn-2025-031", GREEN, T0)
    fsa_clear = source("fsa-jp", "public-warning-2025-031", CLEAR, T0 + 1_000)
    mas = source("mas-sg", "case-7781", AMBER, T0 + 86_400_000, share_with=("fsa-jp", "npa-cyber"))
    metro = source("tokyo-metro", "consult-118", GREEN, T0 + 2 * 86_400_000)
    npa = source("npa-cyber", "inv-0042", AMBER_STRICT, T0 + 3 * 86_400_000, observed_ms=T0 - 30 * 86_400_000)

    operator = "jp_cn:5010001234567"
    director = "local:fsa-jp/warn-2025-031:director"
    nominee = "local:mas-sg/case-7781:p2"
    site = "domain:mirai-coin.example"
    mail = "email:support@mirai-coin.example"
    phone = "phone:+81312345678"
    hot = "wallet:ETH:0x52908400098527886E0F7030069857D2E4169EE7"
    cold = "wallet:BTC:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    exchange = "lei:5493001KJTIIGC8Y1R12"
    bank = "iban:GB82WEST12345698765432"
    office = "local:tokyo-metro/consult-118:a1"
    regulator = "local:fsa-jp/public-warning-2025-031:fsa"

    sub = Subgraph()
    for view in [
        node(operator, "Organization", [fsa, fsa_clear, mas], names=("株式会社ミライコイン", "Mirai Coin Ltd."),
             roles=("unauthorized_operator",), identifiers=(operator,),
             attributes=(("country", "JP"), ("note", "無登録で暗号資産交換業を行っている"))),
        node(director, "Person", [fsa], names=("山田 太郎", "Taro Yamada", "ヤマダ タロウ"), roles=("suspect",),
             attributes=(("nationality", "JP"),)),
        node(nominee, "Person", [mas], names=("Tan Wei Ming",), roles=("suspect",)),
        node(site, "Website", [fsa_clear], identifiers=(site,)),
        node(mail, "Email", [fsa], identifiers=(mail,)),
        node(phone, "Phone", [metro], identifiers=(phone,)),
        node(hot, "CryptoWallet", [mas, npa], identifiers=(hot,), attributes=(("chain", "ETH"),)),
        node(cold, "CryptoWallet", [npa], identifiers=(cold,), roles=("mixer",)),
        node(exchange, "Organization", [mas], names=("Licensed Exchange Pte. Ltd.",), roles=("licensed_exchange",),
             identifiers=(exchange,)),
        node(bank, "BankAccount", [npa], names=("口座 ミライコイン",), identifiers=(bank,)),
        node(office, "Address", [metro], names=("東京都千代田区霞が関3-2-1",)),
        node(regulator, "Organization", [fsa_clear], names=("金融庁",)),
    ]:
        sub.nodes[view.key] = view
    for view in [
        edge(director, "DIRECTS", operator, [fsa], evidence=("登記簿 (commercial register)",)),
        edge(nominee, "DIRECTS", operator, [mas]),
        edge(operator, "OPERATES", site, [fsa_clear]),
        edge(operator, "HAS_IDENTIFIER", mail, [fsa]),
        edge(operator, "HAS_IDENTIFIER", phone, [metro]),
        edge(operator, "CONTROLS", hot, [mas], evidence=("deposit address shown on the site",)),
        edge(hot, "TRANSFERRED_TO", cold, [npa], evidence=("12.5 ETH swapped and bridged",)),
        edge(hot, "TRANSFERRED_TO", exchange, [mas]),
        edge(operator, "OWNS", bank, [npa]),
        edge(operator, "LOCATED_AT", office, [metro], evidence=("相談者の申告",)),
        edge(operator, "WARNED_BY", regulator, [fsa_clear]),
        edge(director, "POSSIBLY_SAME_AS", nominee, [fsa, mas], evidence=("山田 太郎 ~ Tan Wei Ming",), score=0.71),
    ]:
        sub.add_edge(view)
    assert len(sub.edges) == 12 and sub.tlp == AMBER_STRICT
    return sub


NODE_TYPES = ("Person", "Organization", "CryptoWallet", "Website", "Email", "Phone", "BankAccount", "Address")
EDGE_TYPES = ("CONTROLS", "OWNS", "DIRECTS", "OPERATES", "TRANSFERRED_TO", "ASSOCIATED_WITH", "USES",
              "HAS_IDENTIFIER", "POSSIBLY_SAME_AS")
_FIRST = ("山田", "佐藤", "鈴木", "Tan", "Lee", "Müller", "O'Brien", "Nguyễn", "高橋")
_LAST = ("太郎", "花子", "Wei", "Ming", "Anna", "<Jr.>", "& Co", "一郎")
_ROLES = ("unauthorized_operator", "licensed_exchange", "sanctioned", "mixer", "suspect")


def _identifier_key(node_type: str, i: int, rng: random.Random) -> str:
    """A graph key shaped as graph.resolve makes it (not checksummed)."""
    if node_type == "CryptoWallet":
        chain = rng.choice(("ETH", "BTC", "TRX"))
        return f"wallet:{chain}:0x{rng.getrandbits(160):040x}" if chain == "ETH" else f"wallet:{chain}:addr{i:06d}"
    return {"Website": f"domain:site{i}.example", "Email": f"email:user{i}@mail{i % 7}.example",
            "Phone": f"phone:+8190{i:08d}", "BankAccount": f"iban:GB{i % 97:02d}WEST{i:014d}"}[node_type]


def random_subgraph(n_nodes: int, n_edges: int, seed: int = 0) -> Subgraph:
    """A random visible subgraph: mixed types, names (Japanese and XML-special), markings, agencies."""
    rng = random.Random(seed)
    sub = Subgraph()
    keys = []
    for i in range(n_nodes):
        node_type = NODE_TYPES[i % len(NODE_TYPES)]
        sources = []
        for j in range(1 + (rng.random() < 0.3)):
            agency = AGENCIES[rng.randrange(len(AGENCIES))]
            tlp = rng.choice((CLEAR, GREEN, GREEN, GREEN, AMBER, AMBER_STRICT, RED))
            sources.append(source(agency, f"r{i}-{j}", tlp, T0 + rng.randrange(10**9)))
        if node_type in ("Person", "Organization", "Address"):
            key = f"local:{sources[0]['record']}:e{i}"
            names = (f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}", f"alias {i}")[: 1 + (i % 2)]
            identifiers = ()
        else:
            key = _identifier_key(node_type, i, rng)
            names, identifiers = (), (key,)
        roles = (rng.choice(_ROLES),) if rng.random() < 0.2 else ()
        attributes = (("country", rng.choice(("JP", "SG", "US"))),) if rng.random() < 0.3 else ()
        sub.nodes[key] = node(key, node_type, sources, names, roles, identifiers, attributes)
        keys.append(key)
    while len(sub.edges) < n_edges and n_nodes > 1:
        a, b = rng.sample(keys, 2)
        edge_type = rng.choice(EDGE_TYPES)
        if (a, edge_type, b) in sub.edges:
            continue
        src = sub.nodes[a].sources[:1]
        sub.add_edge(edge(a, edge_type, b, src, evidence=("seen on chain",) if rng.random() < 0.1 else (),
                          score=round(rng.random(), 3) if edge_type == "POSSIBLY_SAME_AS" else 0.0))
    return sub


@pytest.fixture(name="operator_network")
def _operator_network_fixture() -> Subgraph:
    return operator_network()


@pytest.fixture(name="random_subgraph")
def _random_subgraph_fixture():
    """The generator itself: `random_subgraph(n_nodes, n_edges, seed)`."""
    return random_subgraph


GENERATED = datetime(2025, 12, 1, 9, 30, tzinfo=UTC)


def info_for(subgraph: Subgraph) -> ExportInfo:
    return ExportInfo.for_subgraph(subgraph, "Mirai Coin network / ミライコイン", VIEWER, GENERATED,
                                   "operators near 株式会社ミライコイン")


def export_bytes(fmt: str, subgraph: Subgraph, info: ExportInfo | None = None) -> bytes:
    """The bytes a registered writer produces (info defaults to the subgraph's own marking)."""
    info = info or info_for(subgraph)
    out = io.BytesIO()
    FORMATS[fmt].writer(subgraph, info, out)
    return out.getvalue()


def expected_flat(subgraph: Subgraph) -> tuple[dict, dict]:
    """What flat formats should say: node key -> fields, (source, type, target) -> fields (lists joined)."""
    nodes = {meta.clean(k): meta.flat(meta.node_fields(n)) for k, n in subgraph.nodes.items()}
    edges = {(meta.clean(e.source), e.type, meta.clean(e.target)): meta.flat(meta.edge_fields(e))
             for e in subgraph.edges.values()}
    return nodes, edges
