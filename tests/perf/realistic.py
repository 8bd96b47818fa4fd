"""Realistic case records at scale, for benchmarks and large tests (seeded, reproducible, linear time).

tests/contract/graphgen.py draws a dozen wallets and ten names over and
over: every element is a hub and every name collides, which says little
about how the gateway and the graph behave on real supervisory traffic.
This module generates what regulators, local governments and police units
actually file, in the proportions that matter for performance:

* case shapes: unauthorized-operator warnings, consumer complaints, fraud
  traces along wallets, company profiles; organizations (some with an LEI,
  some with a Japanese corporate number, some with a domain), unauthorized
  operators, persons named in Latin and Japanese script, crypto wallets on
  several chains (ETH with EIP-55 mixed case, BSC, BTC bech32 and P2PKH,
  TRX), websites, e-mails, E.164 phones, and CONTROLS, OPERATES, USES,
  DIRECTS, OWNS, TRANSFERRED_TO links;
* a graph shape with a known skew: exactly ``hubs`` hub elements (authority
  nodes that WARNED_BY / SANCTIONED_BY links meet at, exchange hot wallets,
  exchange organizations keyed by LEI or corporate number, a payment
  domain); a fraction ``hub_share`` of records touch one of them, the others
  touch fresh elements or pooled ones whose fan-in stays within 1..5;
* TLP mostly GREEN, with CLEAR, AMBER, AMBER+STRICT and RED, and AMBER / RED
  records sometimes shared with other agencies.

Every identifier carries a valid checksum (encoded with graph.resolve's own
encoders where it has them) and passes graph.resolve, so the records are
accepted by the gateway and project with graph.project.contribution.

:func:`sanctions_list` is the other large case: one sanctions list (an OFAC
SDN import) filed by several agencies, equal in content, every record
meeting at the one ``authority:US-OFAC`` node.

Everything comes from one seeded :class:`Rng` (a ``random.Random``; no
``secrets``, no set or hash ordering), so one seed gives the same records
byte for byte, and each record costs O(1): pools and hubs are fixed-size
lists, never searched; ``records(n)`` is lazy, so a long stream holds only
them.

Use::

    gen = Realistic(seed=7)                    # agencies=AGENCIES, hubs=10, hub_share=0.3
    items = gen.items(100_000)                 # LedgerItems for a Projector; gen.records(n) for the gateway
    gen.hub_keys                               # ('authority:US-OFAC', 'wallet:ETH:0x…', …)
    sdn = [*sanctions_list("fsa-jp", 5000, seed=1), *sanctions_list("mas-sg", 5000, seed=1)]
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from stdnum.jp import cn as stdnum_jp_cn

from graph.projector import LedgerItem
from graph.resolve.keys import identifier_key
from graph.resolve.wallet import btc, eth, ltc, xrp
from graph.resolve.wallet._base58 import b58check_encode
from regulink.v1 import records_pb2 as pb

__all__ = ["AGENCIES", "EPOCH_S", "OFAC", "Hub", "Realistic", "Rng", "jp_corporate_number", "lei", "make_hubs",
           "phone", "sanctions_list", "written"]

AGENCIES = ("fsa-jp", "mas-sg", "tokyo-metro", "npa-cyber", "osaka-pref")  # as in tests/contract/graphgen.py
EPOCH_S = 1_767_225_600  # 2026-01-01T00:00:00Z: issued_at and accepted_ms count from here
OFAC = "US-OFAC"

# -- random draws -----------------------------------------------------------------------------------


class Rng(random.Random):
    """random.Random with float-based draws for the hot path.

    ``choice`` and ``randrange`` loop on ``getrandbits`` and cost about twice
    as much, which adds up at a few dozen draws per record. The bias of
    ``int(random() * n)`` (n far below 2**53 here) is beyond anything a
    benchmark could notice, and a seed still fixes every draw.
    """

    def pick(self, seq: Sequence):
        return seq[int(self.random() * len(seq))]

    def below(self, n: int) -> int:
        """0 <= x < n."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """low <= x < high, as randrange(low, high)."""
        return low + int(self.random() * (high - low))


class _Weighted:
    """A fixed weighted choice: one random() and a bisect, cheaper than random.choices per call."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative, running = [], 0.0
        for _, weight in pairs:
            running += weight
            self.cumulative.append(running)
        self.total = running

    def pick(self, rng: Rng):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# -- who files what -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """An agency's habits: its id prefix, case numbering, country and the cases it files."""

    record_prefix: str
    case_format: str  # str.format with {n}
    country: str  # phones, addresses, and how often names are Japanese
    shapes: _Weighted  # of case shapes: SUMMARIES keys, Realistic._<shape> methods


_REGULATOR = _Weighted([("operator_warning", 0.45), ("company_profile", 0.4), ("fraud_trace", 0.15)])
_LOCAL_GOVERNMENT = _Weighted([("consumer_complaint", 0.6), ("operator_warning", 0.4)])
_POLICE = _Weighted([("fraud_trace", 0.7), ("operator_warning", 0.2), ("company_profile", 0.1)])
PROFILES = {
    "fsa-jp": _Profile("FSA", "FSA-2026-{n:05d}", "JP", _REGULATOR),
    "mas-sg": _Profile("MAS", "EA-2026-{n}", "SG", _REGULATOR),
    "tokyo-metro": _Profile("TMG-CONS", "消費生活-2026-{n}", "JP", _LOCAL_GOVERNMENT),
    "npa-cyber": _Profile("NPA-CY", "サイバー-R8-{n:04d}", "JP", _POLICE),
    "osaka-pref": _Profile("OSK", "OSK-SODAN-{n}", "JP", _LOCAL_GOVERNMENT),
}


def _profile(agency: str) -> _Profile:
    """A listed agency's habits, or a regulator's for any other id (agency ids are valid record ids)."""
    country = "JP" if agency.endswith("-jp") else "SG" if agency.endswith("-sg") else "GB"
    return PROFILES.get(agency) or _Profile(agency, agency.upper() + "-{n}", country, _REGULATOR)


# TLP 2.0 as agencies use it: mostly GREEN; AMBER+STRICT is "our organization only", so never shared.
_TLP = _Weighted([(pb.TLP_CLEAR, 0.15), (pb.TLP_GREEN, 0.5), (pb.TLP_AMBER, 0.2), (pb.TLP_AMBER_STRICT, 0.05),
                  (pb.TLP_RED, 0.1)])
_SHAREABLE = frozenset({pb.TLP_AMBER, pb.TLP_RED})

# Each case shape's summary line: (Japanese, English).
SUMMARIES = {
    "operator_warning": ("無登録で暗号資産交換業を行う者に関する警告",
                         "Unregistered crypto-asset service soliciting residents; deposits to listed wallets."),
    "consumer_complaint": ("相談者からの申出: 高利回りをうたう暗号資産投資の勧誘", "Consumer complaint: crypto investment scheme."),
    "fraud_trace": ("被害金の送金先ウォレットの追跡", "Victim funds traced through wallets."),
    "company_profile": ("登録事業者の概要", "Profile of a registered entity."),
}

# -- names --------------------------------------------------------------------------------------------

# (kanji, romaji): a Japanese name with the Latin spelling other agencies file it under.
JP_FAMILY = [
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"), ("伊藤", "Ito"),
    ("渡辺", "Watanabe"), ("山本", "Yamamoto"), ("中村", "Nakamura"), ("小林", "Kobayashi"), ("加藤", "Kato"),
    ("吉田", "Yoshida"), ("山田", "Yamada"), ("佐々木", "Sasaki"), ("山口", "Yamaguchi"), ("松本", "Matsumoto"),
    ("井上", "Inoue"), ("木村", "Kimura"), ("林", "Hayashi"), ("斎藤", "Saito"), ("清水", "Shimizu"),
    ("山崎", "Yamazaki"), ("森", "Mori"), ("池田", "Ikeda"), ("橋本", "Hashimoto"), ("阿部", "Abe"),
    ("石川", "Ishikawa"), ("山下", "Yamashita"), ("中島", "Nakajima"), ("石井", "Ishii"), ("小川", "Ogawa"),
    ("前田", "Maeda"), ("岡田", "Okada"), ("長谷川", "Hasegawa"), ("藤田", "Fujita"), ("後藤", "Goto"),
    ("近藤", "Kondo"), ("村上", "Murakami"), ("遠藤", "Endo"), ("青木", "Aoki"), ("坂本", "Sakamoto"),
    ("荒巻", "Aramaki"), ("西村", "Nishimura"), ("福田", "Fukuda"), ("太田", "Ota"), ("三浦", "Miura"),
    ("藤井", "Fujii"), ("岡本", "Okamoto"), ("松田", "Matsuda"), ("中川", "Nakagawa"), ("中野", "Nakano"),
]
JP_GIVEN = [
    ("健二", "Kenji"), ("翔太", "Shota"), ("大輔", "Daisuke"), ("拓也", "Takuya"), ("直樹", "Naoki"),
    ("浩", "Hiroshi"), ("誠", "Makoto"), ("亮", "Ryo"), ("悠斗", "Yuto"), ("蓮", "Ren"), ("大翔", "Hiroto"),
    ("健太", "Kenta"), ("和也", "Kazuya"), ("隆", "Takashi"), ("裕子", "Yuko"), ("美咲", "Misaki"),
    ("陽子", "Yoko"), ("恵", "Megumi"), ("愛", "Ai"), ("結衣", "Yui"), ("真由美", "Mayumi"), ("さくら", "Sakura"),
    ("花子", "Hanako"), ("美穂", "Miho"), ("綾", "Aya"), ("由美", "Yumi"), ("奈々", "Nana"), ("麻衣", "Mai"),
    ("千尋", "Chihiro"), ("修", "Osamu"), ("学", "Manabu"), ("剛", "Tsuyoshi"), ("聡", "Satoshi"),
    ("慎一", "Shinichi"), ("雄一", "Yuichi"), ("美香", "Mika"), ("智子", "Tomoko"), ("明美", "Akemi"),
    ("香織", "Kaori"), ("大樹", "Daiki"),
]
LATIN_GIVEN = [
    "Daniel", "Michael", "Sarah", "Wei Ming", "Mei Ling", "Arjun", "Priya", "Ahmad", "Nurul", "Olga", "Dmitri",
    "Ivan", "Elena", "Carlos", "Maria", "John", "Emily", "Chen", "Hui Min", "Rajesh", "Siti", "Farid", "Anna",
    "Lukas", "Sofia", "Mohammed", "Aisha", "Jun Hao", "Kevin", "Grace", "Tomasz", "Viktor", "Yusuf", "Leila",
    "Marco", "Chloe", "Ethan", "Nadia", "Omar", "Hannah",
]
LATIN_FAMILY = [
    "Lim", "Tan", "Ng", "Wong", "Lee", "Chua", "Goh", "Koh", "Ong", "Teo", "Okafor", "Smith", "Johnson", "Brown",
    "Kumar", "Singh", "Rahman", "Abdullah", "Petrov", "Ivanov", "Sokolov", "Garcia", "Rodriguez", "Muller",
    "Schmidt", "Rossi", "Nguyen", "Tran", "Pham", "Kim", "Park", "Choi", "Haddad", "Hassan", "Novak",
    "Kowalski", "Silva", "Santos", "Fischer", "O'Brien",
]
# (Latin, katakana): brand words, so a Japanese filing "株式会社ルーメンクレスト" can meet "Lumen Crest".
BRAND_WORDS = [
    ("Lumen", "ルーメン"), ("Crest", "クレスト"), ("Aurora", "オーロラ"), ("Orbit", "オービット"), ("Harbor", "ハーバー"),
    ("Nova", "ノヴァ"), ("Zenith", "ゼニス"), ("Apex", "エイペックス"), ("Summit", "サミット"), ("Vertex", "バーテックス"),
    ("Sakura", "サクラ"), ("Fuji", "フジ"), ("Blue", "ブルー"), ("Golden", "ゴールデン"), ("Silver", "シルバー"),
    ("Phoenix", "フェニックス"), ("Falcon", "ファルコン"), ("Titan", "タイタン"), ("Quantum", "クォンタム"),
    ("Stellar", "ステラ"), ("Luna", "ルナ"), ("Sol", "ソル"), ("Neo", "ネオ"), ("Prime", "プライム"), ("Alpha", "アルファ"),
    ("Omega", "オメガ"), ("Delta", "デルタ"), ("Polar", "ポーラー"), ("Crystal", "クリスタル"), ("Ocean", "オーシャン"),
    ("River", "リバー"), ("Maple", "メープル"), ("Cedar", "シーダー"), ("Atlas", "アトラス"), ("Echo", "エコー"),
    ("Pulse", "パルス"), ("Nexus", "ネクサス"), ("Vector", "ベクター"), ("Horizon", "ホライズン"), ("Cosmo", "コスモ"),
]
SECTORS = [
    ("Exchange", "エクスチェンジ", "ex"), ("Capital", "キャピタル", "cap"), ("Trading", "トレーディング", "trade"),
    ("Digital", "デジタル", "digital"), ("Finance", "ファイナンス", "fin"), ("Wallet", "ウォレット", "wallet"),
    ("Coin", "コイン", "coin"), ("Markets", "マーケッツ", "markets"), ("Holdings", "ホールディングス", "hd"),
    ("Invest", "インベスト", "invest"), ("Labs", "ラボ", "labs"), ("Pay", "ペイ", "pay"), ("Asset", "アセット", "asset"),
    ("Global", "グローバル", "global"), ("Crypto", "クリプト", "crypto"),
]
# Joined once at import, so a name is one draw in the hot path, not two draws and an f-string.
JP_PERSONS = [(f"{family} {given}", f"{given_latin} {family_latin}")  # (name, its Latin alias)
              for family, family_latin in JP_FAMILY for given, given_latin in JP_GIVEN]
LATIN_PERSONS = [f"{given} {family}" for given in LATIN_GIVEN for family in LATIN_FAMILY]
BRANDS = [(f"{a} {b}", f"{a_kana}{b_kana}", f"{a}{b}".lower())  # (Latin, katakana, domain stem)
          for a, a_kana in BRAND_WORDS for b, b_kana in BRAND_WORDS if a != b]
LEGAL_FORMS = {"JP": ["K.K.", "Co., Ltd.", "G.K."], "SG": ["Pte Ltd", "Pte. Ltd.", "Limited"],
               "GB": ["Ltd", "Limited", "LLP", "Inc.", "LLC", "S.A.", "GmbH"]}
JP_ADDRESSES = ["東京都港区六本木", "東京都新宿区西新宿", "東京都渋谷区道玄坂", "大阪府大阪市北区梅田", "大阪府大阪市中央区難波",
                "福岡県福岡市中央区天神", "神奈川県横浜市西区みなとみらい", "愛知県名古屋市中区栄", "北海道札幌市中央区大通西"]
SG_STREETS = ["Raffles Place", "Cecil Street", "Robinson Road", "Anson Road", "Shenton Way", "Orchard Road"]
TLDS = _Weighted([("com", 5), ("net", 2), ("io", 1.5), ("xyz", 1.5), ("top", 1), ("online", 1), ("jp", 1),
                  ("co.jp", 0.5), ("sg", 0.5), ("com.sg", 0.5), ("vip", 0.5)])
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.co.jp", "protonmail.com", "icloud.com", "hotmail.com"]
MAIL_BOXES = ["support", "info", "contact", "kyc", "service", "help", "admin", "cs"]
PATHS = ["/", "/register", "/login", "/invest", "/signup", "/ja/", "/app/download", "/promo"]

# -- identifiers with valid checksums -----------------------------------------------------------------

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LEI_DIGITS = {c: str(i) for i, c in enumerate(_B36)}  # ISO 7064 MOD 97-10: letters count as 10..35
LEI_ISSUERS = ["5493", "2138", "5299", "3538", "9845", "2549", "8945"]  # prefixes of real LOUs, for a real look


def lei(rng: Rng) -> str:
    """An ISO 17442 LEI: issuer prefix, '00', 12 characters, two MOD 97-10 check digits."""
    body = rng.pick(LEI_ISSUERS) + "00" + "".join(rng.choices(_B36, k=12))
    remainder = int("".join(_LEI_DIGITS[c] for c in body + "00")) % 97
    return f"{body}{98 - remainder:02d}"


def jp_corporate_number(rng: Rng) -> str:
    """A 13-digit 法人番号: the check digit (NTA rule, from python-stdnum) before 12 base digits."""
    base = f"{rng.below(10**12):012d}"
    return stdnum_jp_cn.calc_check_digit(base) + base


def evm_address(rng: Rng) -> str:
    """A random EVM address in lower case; :func:`written` gives it its EIP-55 mixed case."""
    return "0x" + rng.randbytes(20).hex()


def btc_address(rng: Rng) -> str:
    """A Bitcoin mainnet address: bech32 P2WPKH or legacy base58check P2PKH, half and half."""
    if rng.random() < 0.5:
        return btc.MAINNET.encode_segwit(0, rng.randbytes(20))
    return btc.MAINNET.encode_base58(0x00, rng.randbytes(20))


def trx_address(rng: Rng) -> str:
    """A TRON address: base58check of 0x41 + a 20-byte account id ('T…')."""
    return b58check_encode(b"\x41" + rng.randbytes(20))


def ltc_address(rng: Rng) -> str:
    """A Litecoin mainnet address: bech32 'ltc1q…' or base58check P2PKH 'L…'."""
    if rng.random() < 0.5:
        return ltc.MAINNET.encode_segwit(0, rng.randbytes(20))
    return ltc.MAINNET.encode_base58(0x30, rng.randbytes(20))


def xrp_address(rng: Rng) -> str:
    """A classic XRP Ledger address ('r…', Ripple alphabet)."""
    return xrp.encode_classic(rng.randbytes(20))


# Every address comes from graph.resolve's own encoders (EIP-55, base58check, bech32), so a checksum
# is right by the very definition the gateway checks it with.
# Chains of fresh wallets in cases: USDT on TRON dominates fraud flows, then ETH, then BTC.
_CASE_CHAINS = _Weighted([("ETH", 0.4), ("TRX", 0.3), ("BTC", 0.2), ("BSC", 0.1)])
_ENCODERS = {"ETH": evm_address, "BSC": evm_address, "BTC": btc_address, "TRX": trx_address, "LTC": ltc_address,
             "XRP": xrp_address}
_CURRENCIES = {"ETH": ("ETH", "USDT", "USDC"), "BSC": ("BNB", "USDT"), "BTC": ("BTC",), "TRX": ("USDT", "TRX"),
               "LTC": ("LTC",), "XRP": ("XRP",)}
_EVM = frozenset({"ETH", "BSC"})


def written(rng: Rng, chain: str, address: str) -> str:
    """How an agency wrote the address: EVM ones in EIP-55 mixed case (graph.resolve's encoder), or
    pasted all lower case now and then (valid too: EIP-55 checks only mixed case)."""
    if chain in _EVM and rng.random() < 0.85:
        return eth.checksum_encode(address[2:])
    return address


def phone(rng: Rng, country: str) -> str:
    """An E.164 number that phonenumbers' metadata accepts (mobile ranges; Tokyo and Osaka lines)."""
    if country == "JP":
        if rng.random() < 0.75:
            return f"+81{rng.pick('789')}0{rng.between(1, 10)}{rng.below(10**7):07d}"
        return f"+81{rng.pick('36')}{rng.between(1, 10)}{rng.below(10**7):07d}"
    if country == "SG":
        return f"+65{rng.pick('89')}{rng.between(1, 9)}{rng.below(10**6):06d}"
    return f"+447{rng.pick('123')}{rng.below(10**8):08d}"


# -- hubs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hub:
    """A well-known element many cases point at, and how a case points at it."""

    entity_type: int
    name: str
    kind: str  # identifier kind
    value: str
    scheme: str
    link: int  # LinkType from the case to the hub
    via: str  # "subject": the case's subject links to it; "wallet": a wallet of the case on `scheme` pays it
    key: str  # the node key, as graph.project computes it
    role: int = pb.ENTITY_ROLE_UNSPECIFIED


AUTHORITY_NAMES = {
    "US-OFAC": "Office of Foreign Assets Control (US Department of the Treasury)",
    "JP-FSA": "Financial Services Agency of Japan (金融庁)",
    "SG-MAS": "Monetary Authority of Singapore",
    "GB-FCA": "Financial Conduct Authority",
}


def _hub(entity_type: int, name: str, kind: str, value: str, link: int, via: str = "subject", scheme: str = "",
         role: int = pb.ENTITY_ROLE_UNSPECIFIED) -> Hub:
    return Hub(entity_type, name, kind, value, scheme, link, via, identifier_key(kind, value, scheme), role)


def _authority(code: str, link: int) -> Hub:
    return _hub(pb.ENTITY_TYPE_ORGANIZATION, AUTHORITY_NAMES[code], "authority", code, link)


def _hot_wallet(rng: Rng, chain: str, name: str, role: int = pb.ENTITY_ROLE_UNSPECIFIED) -> Hub:
    return _hub(pb.ENTITY_TYPE_CRYPTO_WALLET, name, "wallet", _ENCODERS[chain](rng), pb.LINK_TYPE_TRANSFERRED_TO,
                "wallet", chain, role)


def make_hubs(count: int) -> list[Hub]:
    """The first ``count`` hubs: ten kinds of well-known elements, then more exchange hot wallets.

    Drawn from a fixed seed, not the generator's: hubs are public, well-known
    elements (the same exchange wallet in every run), so generators with
    different seeds share them, as two months of real traffic would.
    """
    rng = Rng("regulink realistic hubs")
    hubs = [
        _authority("US-OFAC", pb.LINK_TYPE_SANCTIONED_BY),
        _hot_wallet(rng, "ETH", "Orbitex hot wallet 1"),
        _authority("JP-FSA", pb.LINK_TYPE_WARNED_BY),
        _hub(pb.ENTITY_TYPE_ORGANIZATION, "Orbitex Global Exchange Ltd", "lei", lei(rng), pb.LINK_TYPE_USES,
             role=pb.ENTITY_ROLE_LICENSED_EXCHANGE),
        _hub(pb.ENTITY_TYPE_WEBSITE, "paylane-checkout.com", "domain", "paylane-checkout.com", pb.LINK_TYPE_USES),
        _hot_wallet(rng, "TRX", "Orbitex USDT-TRC20 deposit"),
        _authority("SG-MAS", pb.LINK_TYPE_WARNED_BY),
        _hot_wallet(rng, "BTC", "Kaiten mixer", pb.ENTITY_ROLE_MIXER),
        _hub(pb.ENTITY_TYPE_ORGANIZATION, "株式会社ビットミナト", "jp_cn", jp_corporate_number(rng), pb.LINK_TYPE_USES,
             role=pb.ENTITY_ROLE_LICENSED_EXCHANGE),
        _authority("GB-FCA", pb.LINK_TYPE_WARNED_BY),
    ]
    chains = ("ETH", "TRX", "BTC")
    while len(hubs) < count:  # beyond the ten: the exchanges' other hot wallets
        n = len(hubs)
        hubs.append(_hot_wallet(rng, chains[n % 3], f"Exchange hot wallet {n}"))
    return hubs[:count]


# -- pools ----------------------------------------------------------------------------------------------


class _Pool:
    """Elements that come back in a few cases: fixed slots, each with a budget of further uses.

    A drawn slot hands out its element until the budget is spent, then a
    fresh one takes its place; so an element's fan-in is 1..5 however many
    records are generated, and a draw is O(1).
    """

    __slots__ = ("elements", "budgets")

    def __init__(self, size: int) -> None:
        self.elements: list = [None] * size
        self.budgets = [0] * size

    def draw(self, rng: Rng, fresh):
        slot = rng.below(len(self.elements))
        if self.budgets[slot] <= 0:
            self.elements[slot] = fresh()
            self.budgets[slot] = 1 + rng.below(4)  # further uses after this first one
        else:
            self.budgets[slot] -= 1
        return self.elements[slot]


# -- one record under construction --------------------------------------------------------------------


class _Draft:
    """A record being filled: entity refs, its subject, its wallets by chain."""

    __slots__ = ("record", "country", "jp", "subject", "subject_domain", "wallets", "used", "count")

    def __init__(self, record: pb.CaseRecord, country: str, jp: bool) -> None:
        self.record = record
        self.country = country
        self.jp = jp  # Japanese names and wording in this case
        self.subject = ""  # ref of the operator / suspect the case is about
        self.subject_domain = ""  # its domain (an organization's), for its site and e-mail addresses
        self.wallets: list[tuple[str, str]] = []  # (ref, chain)
        self.used: list = []  # pooled elements already in this record (a handful: a list is fastest)
        self.count = 0

    def entity(self, prefix: str, entity_type: int, name: str = "") -> pb.Entity:
        self.count += 1
        return self.record.entities.add(ref=f"{prefix}{self.count}", type=entity_type, name=name)

    def link(self, source: str, target: str, link_type: int, evidence: str = "") -> pb.Link:
        return self.record.links.add(source=source, target=target, type=link_type, evidence=evidence)


# -- the generator ------------------------------------------------------------------------------------


class Realistic:
    """Case records of several agencies with realistic contents and a known hub structure.

    ``agencies``: the authors, drawn uniformly (the ids of PROFILES get their
    own id formats and case mix; any other id files like a regulator).
    ``hubs``: how many hub elements exist (``hub_keys``: their node keys);
    ``hub_share``: the fraction of records that touch exactly one of them,
    picked uniformly. ``pool_size`` slots of wallets and domains come back
    in later cases; a wallet or domain is drawn from them with probability
    ``reuse``, so ordinary elements have a fan-in of 1 to 5.

    ``records(n)`` and ``items(n)`` continue where the previous call ended:
    record ids stay unique per agency across calls. Every record has version 1.
    """

    def __init__(self, seed: int, agencies: Sequence[str] = AGENCIES, hubs: int = 10, hub_share: float = 0.3,
                 pool_size: int = 4000, reuse: float = 0.1) -> None:
        if not agencies or len(set(agencies)) != len(agencies):
            raise ValueError("agencies must be distinct and at least one")
        if hubs < 0 or not 0.0 <= hub_share <= 1.0 or not 0.0 <= reuse <= 1.0 or pool_size < 16:
            raise ValueError("hubs >= 0, hub_share and reuse in [0, 1], pool_size >= 16")
        self.rng = Rng(seed)
        self.agencies = tuple(agencies)
        self.hub_share = hub_share if hubs else 0.0  # no hubs: no record can touch one
        self.reuse = reuse  # chance that a wallet or domain comes from the pool rather than fresh
        self.hubs = make_hubs(hubs)
        self.hub_keys: tuple[str, ...] = tuple(h.key for h in self.hubs)
        self._profiles = [_profile(a) for a in self.agencies]
        self._shapes = {shape: getattr(self, "_" + shape) for shape in SUMMARIES}  # the case-shape methods
        self._next_record = [0] * len(self.agencies)
        self._cases = [[0, 0] for _ in self.agencies]  # per agency: case number, records left in that case
        # Three quarters wallets (one pool per chain: a reused address keeps its chain), a quarter domains.
        chains = _CASE_CHAINS.items
        self._wallet_pools = {chain: _Pool(pool_size * 3 // 4 // len(chains)) for chain in chains}
        self._domain_pool = _Pool(pool_size - pool_size * 3 // 4)
        self._serial = 0  # records generated: the issued_at clock
        self._fresh = 0  # fresh domains and mailboxes made: keeps them unique

    # -- public API ------------------------------------------------------------------------------------

    def records(self, n: int) -> Iterator[pb.CaseRecord]:
        """The next n records (lazily: a long run holds only the pools and hubs)."""
        for _ in range(n):
            yield self._record()

    def items(self, n: int, start_index: int = 0) -> list[LedgerItem]:
        """The next n records as ledger entries: consecutive log indexes, accepted a second apart."""
        return [LedgerItem(start_index + i, (EPOCH_S + start_index + i) * 1000 + 500, record)
                for i, record in enumerate(self.records(n))]

    # -- one record ------------------------------------------------------------------------------------

    def _record(self) -> pb.CaseRecord:
        rng = self.rng
        which = rng.below(len(self.agencies))
        agency, profile = self.agencies[which], self._profiles[which]
        self._next_record[which] += 1
        tlp = _TLP.pick(rng)
        record = pb.CaseRecord(
            record_id=f"{profile.record_prefix}-{self._next_record[which]:07d}", agency_id=agency, version=1,
            case_reference=profile.case_format.format(n=self._case_number(which)), tlp=tlp,
            share_with=self._share_with(which, tlp))
        # Written up to a day before it was pushed; the clock advances a second per record.
        record.issued_at.seconds = EPOCH_S + self._serial - rng.below(86_400)
        self._serial += 1
        draft = _Draft(record, profile.country, profile.country == "JP" and rng.random() < 0.6)
        shape = profile.shapes.pick(rng)
        record.summary = SUMMARIES[shape][0 if draft.jp else 1]
        self._shapes[shape](draft)
        if self.hub_share and rng.random() < self.hub_share:
            self._attach_hub(draft, self.hubs[rng.below(len(self.hubs))])
        return record

    def _case_number(self, which: int) -> int:
        """Cases run over 1-4 records of their agency; numbers skip cases filed elsewhere."""
        case = self._cases[which]
        if case[1] <= 0:
            case[0] += 1 + self.rng.below(3)
            case[1] = 1 + self.rng.below(4)
        case[1] -= 1
        return case[0]

    def _share_with(self, which: int, tlp: int) -> list[str]:
        """AMBER and RED records are shared with one or two other agencies about half the time."""
        if tlp not in _SHAREABLE or len(self.agencies) < 2 or self.rng.random() < 0.5:
            return []
        count = min(len(self.agencies) - 1, 1 + self.rng.below(2))
        # One more than needed, then drop the author: O(count), however many agencies there are.
        picked = [a for a in self.rng.sample(self.agencies, count + 1) if a != self.agencies[which]]
        return sorted(picked[:count])

    # -- case shapes -------------------------------------------------------------------------------------

    def _operator_warning(self, d: _Draft) -> None:
        """A regulator's warning: an unlicensed operator, its site, deposit wallets, contacts."""
        rng = self.rng
        op, d.subject_domain = self._organization(d, operator=True, domain_listed=0.6)
        d.subject = op
        self._website(d, op, d.subject_domain)
        for _ in range(rng.below(3)):
            d.link(op, self._wallet(d), pb.LINK_TYPE_CONTROLS, "deposit instructions on the operator's site")
        self._contacts(d, op)
        if rng.random() < 0.3:
            d.link(self._person(d), op, pb.LINK_TYPE_DIRECTS, "corporate registry extract")

    def _consumer_complaint(self, d: _Draft) -> None:
        """A local government's consumer counter: a site and a phone number, sometimes a wallet."""
        rng = self.rng
        op, d.subject_domain = self._organization(d, operator=True, domain_listed=0.3)
        d.subject = op
        self._website(d, op, d.subject_domain)
        if rng.random() < 0.7:
            tel = d.entity("tel", pb.ENTITY_TYPE_PHONE)
            tel.identifiers.add(kind="phone", value=phone(rng, d.country))
            d.link(op, tel.ref, pb.LINK_TYPE_USES)
        if rng.random() < 0.4:
            d.link(op, self._wallet(d), pb.LINK_TYPE_CONTROLS, "相談者の振込記録" if d.jp else "complainant's transfer")

    def _fraud_trace(self, d: _Draft) -> None:
        """A police trace: a suspect's wallet, the hops the money took, the suspect's contacts."""
        rng = self.rng
        suspect = self._person(d, pb.ENTITY_ROLE_SUSPECT)
        d.subject = suspect
        chain = _CASE_CHAINS.pick(rng)
        hop = self._wallet(d, chain)
        d.link(suspect, hop, pb.LINK_TYPE_CONTROLS, "seized device")
        for _ in range(1 + rng.below(3)):
            if rng.random() < 0.2:  # swapped or bridged to another chain
                chain = _CASE_CHAINS.pick(rng)
            nxt = self._wallet(d, chain)
            link = d.link(hop, nxt, pb.LINK_TYPE_TRANSFERRED_TO, "tx 0x" + rng.randbytes(32).hex())
            link.observed_at.seconds = d.record.issued_at.seconds - rng.below(90 * 86_400)
            hop = nxt
        self._contacts(d, suspect)
        if rng.random() < 0.2:
            front, _ = self._organization(d, operator=False, domain_listed=0.2)
            d.link(suspect, front, pb.LINK_TYPE_DIRECTS, "bank account opening documents")

    def _company_profile(self, d: _Draft) -> None:
        """A regulator's file on a registered company: LEI or corporate number, directors, site."""
        rng = self.rng
        org, d.subject_domain = self._organization(d, operator=False, domain_listed=0.5, registered=True)
        d.subject = org
        for _ in range(1 + rng.below(2)):
            link = pb.LINK_TYPE_DIRECTS if rng.random() < 0.7 else pb.LINK_TYPE_OWNS
            d.link(self._person(d), org, link, "registry filing")
        if rng.random() < 0.6:
            self._website(d, org, d.subject_domain)
        if rng.random() < 0.3:
            d.link(org, self._wallet(d), pb.LINK_TYPE_CONTROLS, "on-site inspection")

    # -- entities ----------------------------------------------------------------------------------------

    def _person(self, d: _Draft, role: int = 0) -> str:
        rng = self.rng
        if d.jp:
            name, latin = rng.pick(JP_PERSONS)
            entity = d.entity("p", pb.ENTITY_TYPE_PERSON, name)
            if rng.random() < 0.4:
                entity.aliases.append(latin)
            nationality = "JP"
        else:
            entity = d.entity("p", pb.ENTITY_TYPE_PERSON, rng.pick(LATIN_PERSONS))
            nationality = d.country if rng.random() < 0.6 else rng.pick(("CN", "MY", "IN", "RU", "NG", "VN"))
        if rng.random() < 0.5:
            entity.attributes.add(name="nationality", value=nationality)
        if rng.random() < 0.2:
            entity.attributes.add(name="birth_date", value=f"{rng.between(1955, 2004)}-{rng.between(1, 13):02d}-"
                                                           f"{rng.between(1, 29):02d}")
        if role:
            entity.roles.append(role)
        return entity.ref

    def _organization(self, d: _Draft, operator: bool, domain_listed: float,
                      registered: bool = False) -> tuple[str, str]:
        """An organization named in Latin or Japanese (with its Latin alias); returns (ref, its domain).

        Its domain follows its brand; with probability ``domain_listed`` the
        record also lists it as the organization's identifier (which links
        the organization to the domain node).
        """
        rng = self.rng
        (brand, kana, stem), sector = rng.pick(BRANDS), rng.pick(SECTORS)
        latin = f"{brand} {sector[0]}"
        if d.jp:
            name = f"{rng.pick(('株式会社', '合同会社'))}{kana}" if rng.random() < 0.8 else f"{kana}株式会社"
            entity = d.entity("org", pb.ENTITY_TYPE_ORGANIZATION, name)
            if rng.random() < 0.5:
                entity.aliases.append(latin)
        else:
            entity = d.entity("org", pb.ENTITY_TYPE_ORGANIZATION,
                              f"{latin} {rng.pick(LEGAL_FORMS.get(d.country, LEGAL_FORMS['GB']))}")
        if operator:
            entity.roles.append(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
        elif registered and rng.random() < 0.3:
            entity.roles.append(pb.ENTITY_ROLE_LICENSED_EXCHANGE)
        if registered or rng.random() < 0.1:
            self._registration(d, entity)
        domain = self._domain(d, f"{stem}-{sector[2]}")
        if rng.random() < domain_listed:
            entity.identifiers.add(kind="domain", value=domain)
        if rng.random() < 0.4:
            entity.attributes.add(name="address", value=self._address(d))
        return entity.ref, domain

    def _registration(self, d: _Draft, entity: pb.Entity) -> None:
        """Registered companies carry an LEI, a Japanese corporate number, or both."""
        rng = self.rng
        roll = rng.random()
        if d.country == "JP" and roll < 0.6:
            entity.identifiers.add(kind="jp_cn", value=jp_corporate_number(rng))
        if roll > 0.4 or d.country != "JP":
            entity.identifiers.add(kind="lei", value=lei(rng))

    def _address(self, d: _Draft) -> str:
        rng = self.rng
        if d.country == "JP":
            return f"{rng.pick(JP_ADDRESSES)}{rng.between(1, 9)}-{rng.between(1, 30)}-{rng.between(1, 20)}"
        return f"{rng.between(1, 200)} {rng.pick(SG_STREETS)}, Singapore {rng.between(10**5, 10**6)}"

    def _domain(self, d: _Draft, stem: str) -> str:
        """A pooled domain (low probability) or a fresh one made from the operator's brand."""
        if self.rng.random() < self.reuse:
            pooled = self._domain_pool.draw(self.rng, lambda: self._fresh_domain(stem))
            if pooled not in d.used:
                d.used.append(pooled)
                return pooled
        return self._fresh_domain(stem)

    def _fresh_domain(self, stem: str) -> str:
        self._fresh += 1
        rng = self.rng
        if rng.random() < 0.03:  # a Japanese IDN, keyed as xn--…
            return f"{rng.pick(BRAND_WORDS)[1]}{self._fresh}.jp"
        return f"{stem}{self._fresh:x}.{TLDS.pick(rng)}"

    def _website(self, d: _Draft, owner: str, domain: str) -> None:
        """The owner's site, filed by its domain or by the URL seen."""
        rng = self.rng
        site = d.entity("site", pb.ENTITY_TYPE_WEBSITE, domain)
        if rng.random() < 0.3:
            site.identifiers.add(kind="url", value=f"https://{domain}{rng.pick(PATHS)}")
        else:
            site.identifiers.add(kind="domain", value=domain)
        d.link(owner, site.ref, pb.LINK_TYPE_OPERATES, "WHOIS and site imprint")

    def _contacts(self, d: _Draft, owner: str) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            mail = d.entity("mail", pb.ENTITY_TYPE_EMAIL)
            mail.identifiers.add(kind="email", value=self._email(d))
            d.link(owner, mail.ref, pb.LINK_TYPE_USES)
        if rng.random() < 0.4:
            tel = d.entity("tel", pb.ENTITY_TYPE_PHONE)
            tel.identifiers.add(kind="phone", value=phone(rng, d.country))
            d.link(owner, tel.ref, pb.LINK_TYPE_USES)

    def _email(self, d: _Draft) -> str:
        """A mailbox at the operator's domain, or a free-mail address unique to this case."""
        rng = self.rng
        if d.subject_domain and rng.random() < 0.7:
            return f"{rng.pick(MAIL_BOXES)}@{d.subject_domain}"
        self._fresh += 1
        family = rng.pick(JP_FAMILY)[1] if d.jp else rng.pick(LATIN_FAMILY).replace("'", "")
        return f"{family.lower()}.{self._fresh:x}@{rng.pick(FREE_MAIL)}"

    def _wallet(self, d: _Draft, chain: str = "") -> str:
        """A wallet entity: pooled (low probability, same chain only) or fresh; returns its ref."""
        rng = self.rng
        chain = chain or _CASE_CHAINS.pick(rng)
        encode = _ENCODERS[chain]
        address = ""
        if rng.random() < self.reuse:
            pooled = self._wallet_pools[chain].draw(rng, lambda: encode(rng))
            if pooled not in d.used:  # the same wallet twice in one case would be one node, a lost hop
                d.used.append(pooled)
                address = pooled
        address = address or encode(rng)
        entity = d.entity("w", pb.ENTITY_TYPE_CRYPTO_WALLET)
        entity.identifiers.add(kind="wallet", scheme=chain, value=written(rng, chain, address))
        if rng.random() < 0.5:
            entity.attributes.add(name="currency", value=rng.pick(_CURRENCIES[chain]))
        d.wallets.append((entity.ref, chain))
        return entity.ref

    # -- hubs --------------------------------------------------------------------------------------------

    def _attach_hub(self, d: _Draft, hub: Hub) -> None:
        """Put the hub in the case and link it the way such cases do."""
        entity = d.entity("hub", hub.entity_type, hub.name)
        value = written(self.rng, hub.scheme, hub.value) if hub.kind == "wallet" else hub.value
        entity.identifiers.add(kind=hub.kind, value=value, scheme=hub.scheme)
        if hub.role:
            entity.roles.append(hub.role)
        if hub.via == "wallet":  # money paid into an exchange (or mixer) wallet: from a wallet on its chain
            source = next((ref for ref, chain in reversed(d.wallets) if chain == hub.scheme), "")
            if not source:
                source = self._wallet(d, hub.scheme)
                d.link(d.subject, source, pb.LINK_TYPE_CONTROLS, "transaction history")
            link = d.link(source, entity.ref, pb.LINK_TYPE_TRANSFERRED_TO, "tx " + self.rng.randbytes(32).hex())
            link.observed_at.seconds = d.record.issued_at.seconds - self.rng.below(30 * 86_400)
        else:
            evidence = {pb.LINK_TYPE_WARNED_BY: "published warning", pb.LINK_TYPE_SANCTIONED_BY: "SDN list entry",
                        pb.LINK_TYPE_USES: "account statement"}[hub.link]
            d.link(d.subject, entity.ref, hub.link, evidence)


# -- a sanctions list imported by several agencies ----------------------------------------------------

SDN_PROGRAMS = ["CYBER2", "DPRK3", "RUSSIA-EO14024", "SDGT", "IRAN-EO13846", "ILLICIT-DRUGS-EO14059", "TCO"]
SDN_COUNTRIES = ["RU", "KP", "IR", "CN", "AE", "SY", "VE", "MX", "TR", "HK"]
SDN_GIVEN = ["Aleksandr", "Dmitriy", "Sergey", "Igor", "Yevgeniy", "Ali", "Hossein", "Reza", "Mohammad", "Kim",
             "Pak", "Ri", "Jong Chol", "Wang", "Li", "Carlos", "Jose", "Ahmed", "Khalid", "Maksim"]
SDN_FAMILY = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Karimi", "Rahimi", "Mousavi", "Hashemi", "Kim",
              "Ri", "Pak", "Zhang", "Chen", "Guzman", "Ramirez", "Al-Masri", "Haddad", "Yilmaz", "Petrenko"]
SDN_FORMS = ["LLC", "OOO", "Trading FZE", "Co., Ltd.", "Limited", "JSC", "General Trading LLC", "Holding Ltd"]
_SDN_CHAINS = _Weighted([("BTC", 0.35), ("ETH", 0.3), ("TRX", 0.2), ("XRP", 0.08), ("LTC", 0.07)])
SDN_LIST_DATE_S = EPOCH_S - 30 * 86_400  # the list's publication: the same for every importer


def sanctions_list(agency: str, n: int, seed: int) -> Iterator[pb.CaseRecord]:
    """n records of one SDN-like list as ``agency`` imports it.

    The content depends on ``seed`` only: two agencies importing the same
    list get records equal but for agency_id (ids ``sdn-<uid>``, the uids
    ascending with gaps like OFAC's). Each subject is SANCTIONED and linked
    SANCTIONED_BY to the one ``authority:US-OFAC`` organization; about a
    fifth list wallets (valid checksums), which the subject USES.
    """
    rng = Rng(seed)
    uid = 10_000
    for _ in range(n):
        uid += 1 + rng.below(7)
        yield _sdn_record(rng, agency, uid)


def _sdn_record(rng: Rng, agency: str, uid: int) -> pb.CaseRecord:
    programs = sorted(rng.sample(SDN_PROGRAMS, 2 if rng.random() < 0.2 else 1))
    record = pb.CaseRecord(record_id=f"sdn-{uid}", agency_id=agency, version=1, case_reference=f"OFAC-SDN-{uid}",
                           tlp=pb.TLP_CLEAR)  # a public list
    record.issued_at.seconds = SDN_LIST_DATE_S
    subject = _sdn_subject(rng, record, uid)
    for program in programs:
        subject.attributes.add(name="program", value=program)
    record.summary = f"OFAC SDN list entry {uid}: {subject.name} (programs {', '.join(programs)})"
    if rng.random() < 0.2:
        for i in range(1 + rng.below(3)):
            chain = _SDN_CHAINS.pick(rng)
            wallet = record.entities.add(ref=f"w{i + 1}", type=pb.ENTITY_TYPE_CRYPTO_WALLET,
                                         roles=[pb.ENTITY_ROLE_SANCTIONED])
            wallet.identifiers.add(kind="wallet", scheme=chain, value=written(rng, chain, _ENCODERS[chain](rng)))
            currency = _CURRENCIES[chain][0]
            wallet.attributes.add(name="currency", value=currency)
            record.links.add(source="subject", target=wallet.ref, type=pb.LINK_TYPE_USES,
                             evidence=f"OFAC SDN entry {uid}", notes=f"Digital Currency Address - {currency}")
    authority = record.entities.add(ref="authority", type=pb.ENTITY_TYPE_ORGANIZATION, name=AUTHORITY_NAMES[OFAC])
    authority.identifiers.add(kind="authority", value=OFAC)
    record.links.add(source="subject", target="authority", type=pb.LINK_TYPE_SANCTIONED_BY,
                     evidence=f"OFAC SDN entry {uid}", notes=", ".join(programs))
    return record


def _sdn_subject(rng: Rng, record: pb.CaseRecord, uid: int) -> pb.Entity:
    """The listed person (60 %) or organization, with a.k.a. names now and then."""
    if rng.random() < 0.6:
        family, given = rng.pick(SDN_FAMILY), rng.pick(SDN_GIVEN)
        subject = record.entities.add(ref="subject", type=pb.ENTITY_TYPE_PERSON, name=f"{family.upper()}, {given}")
        if rng.random() < 0.4:
            subject.aliases.append(f"{given} {family}")
        subject.attributes.add(name="birth_date", value=f"{rng.between(1950, 2000)}-{rng.between(1, 13):02d}-"
                                                        f"{rng.between(1, 29):02d}")
        sdn_type = "individual"
    else:
        w1, w2 = rng.pick(BRAND_WORDS)[0], rng.pick(SDN_FAMILY)
        subject = record.entities.add(ref="subject", type=pb.ENTITY_TYPE_ORGANIZATION,
                                      name=f"{w1.upper()} {w2.upper()} {rng.pick(SDN_FORMS).upper()}")
        if rng.random() < 0.3:
            subject.aliases.append(f"{w1} {w2}")
        sdn_type = "entity"
    subject.roles.append(pb.ENTITY_ROLE_SANCTIONED)
    subject.identifiers.add(kind="ofac_sdn_uid", value=str(uid))  # free-form: an attribute, not a merge key
    subject.attributes.add(name="sdn_type", value=sdn_type)
    subject.attributes.add(name="country", value=rng.pick(SDN_COUNTRIES))
    return subject
