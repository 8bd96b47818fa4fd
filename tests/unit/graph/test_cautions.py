"""Names that do not show what they are get a caution in words; ordinary names in any script get none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph import cautions
from graph.export import meta
from graph.view import NodeView


@pytest.mark.parametrize("name,why", [
    ("Lum\u0435n Crest", "Latin and Cyrillic"),  # Cyrillic e
    ("P\u0430yPal", "Latin and Cyrillic"),
    ("\u03a9mega Ltd", "Latin and Greek"),
    ("exe.\u202etnemyap", "bidirectional"),
    ("Lumen\u2066 Crest", "bidirectional"),
    ("Pay\u200bPal", "invisible"),
    ("Lumen\ufeffCrest", "invisible"),
])
def test_disguised_names_are_marked(name, why):
    found = cautions.cautions(name)
    assert found and why in " ".join(found)


@pytest.mark.parametrize("name", ["Lumen Crest Exchange Pte Ltd", "株式会社ルーメンクレスト", "ООО Ромашка",
                                  "Müller GmbH", "Ω Holdings", "Δ Capital", "合同会社ネオウォレット Neo",
                                  "محمد علي", "Nguyễn Văn A", "O'Brien & Sons (UK) Ltd."])
def test_ordinary_names_in_any_script_are_not(name):
    assert cautions.cautions(name) == ()


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Zs", "Nd"),
                                      max_codepoint=0x024F), max_size=40))
def test_latin_text_alone_never_gets_a_caution(name):
    assert cautions.cautions(name) == ()


@given(st.text(alphabet=st.sampled_from(sorted(cautions.BIDI_CONTROLS | cautions.INVISIBLE) + list("Pay Lumen"))
               | st.characters(), max_size=30))
def test_the_ascii_shortcut_says_what_the_whole_check_says(name):
    """ASCII names skip the look at each letter: the look itself finds nothing in them."""
    assert cautions.cautions(name) == cautions._cautions(name)
    ascii_only = "".join(c for c in name if c.isascii())
    assert cautions._cautions(ascii_only) == cautions.cautions(ascii_only) == ()


def test_a_node_carries_its_visible_names_cautions_into_every_export():
    entry = {"record": "a/r1", "agency": "a", "version": 1, "log_index": 0, "tlp": 1, "readers": ["*"],
             "seen_ms": 0, "facts": {"name": "exe.\u202etnemyap"}}
    view = NodeView("local:a/r1:x", "Organization", [entry], names={"exe.\u202etnemyap": ["a/r1"]})
    assert view.cautions and "\\u202e" in view.cautions[0]  # the name is escaped in the caution
    assert meta.node_fields(view)["cautions"] == view.cautions
