"""graph.names.strip_legal_form gives what cleanco.basename gives, on any name (it only tries fewer terms)."""

import cleanco
from cleanco import clean
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import names
from tests.perf import realistic

# cleanco's own terms in their written forms, so generated names end (and begin) with real legal forms.
TERMS = sorted({t for terms in (*clean.terms_by_type.values(), *clean.terms_by_country.values()) for t in terms})
WORDS = [*(w for pair in realistic.BRAND_WORDS for w in pair), *realistic.LATIN_FAMILY, "Trading", "Holdings", "&", "Co", "株式会社", "Ltd."]


@settings(max_examples=600)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(TERMS), st.text(max_size=8)), max_size=6),
       st.sampled_from(["", " ", ", ", ". ", " - "]))
def test_same_as_cleanco(words, separator):
    name = separator.join(words)
    assert names.strip_legal_form(name) == cleanco.basename(name)


def test_real_company_names():
    for name in ["Garantex Europe OU", "Suex OTC, s.r.o.", "Chatex Ltd", "Blue Harbor Trading Pte. Ltd.",
                 "Lumen Crest Exchange Holdings Limited", "Foo GmbH & Co. KG", "ABC Ltd Ltd", "Limited", "",
                 "株式会社ルーメンクレスト", "Orbit Exchange Inc.", "SAKURA DIGITAL CO., LTD."]:
        assert names.strip_legal_form(name) == cleanco.basename(name), name
