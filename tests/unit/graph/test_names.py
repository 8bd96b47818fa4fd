"""graph.names.strip_legal_form gives what cleanco.basename gives, on any name (it only tries fewer terms);
graph.names.scores_at_least gives what score gives, for the names it keeps and the ones it drops."""

import cleanco
from cleanco import clean
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import names
from graph.project import contribution
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


# Names alike and not: brand words, families, their katakana renderings and near misses (a letter off).
_NAME = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(["ルーメン", "クレスト", "Lumen", "Lumin", "Crest",
                                                                   "Krest", "Lumencrest", "Lumen Crests"]),
                           st.text(max_size=6)), min_size=1, max_size=4).map(" ".join)


# No deadline: the first Japanese name loads Janome's dictionary (~0.6 s on a busy machine) inside an example.
@settings(max_examples=400, deadline=None)
@given(_NAME, st.lists(_NAME, max_size=12), st.sampled_from([50.0, 62.5, 80.0, 84.95, 85.0, 90.0, 100.0]))
def test_scores_at_least_is_score_with_a_cut_off(name, others, minimum):
    expected = {other: names.score(name, other) for other in others if names.score(name, other) >= minimum}
    assert names.scores_at_least(name, others, minimum) == expected


def test_scores_at_least_on_realistic_names():
    generator = realistic.Realistic(seed=5, agencies=("a", "b"))
    found = [node.facts["name"] for record in generator.records(400)
             for node in contribution(record, 0, 0).nodes.values() if node.facts.get("name")]
    watched, kept = found[::7], 0
    for name in found:
        expected = {w: names.score(name, w) for w in watched if names.score(name, w) >= names.THRESHOLD}
        assert names.scores_at_least(name, watched, names.THRESHOLD) == expected
        kept += len(expected)
    assert kept > len(watched)  # the names meet some of the watched (themselves at least)
