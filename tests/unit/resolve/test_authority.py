"""The authority identifier: CC-NAME with an ISO 3166 country or a supranational prefix."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph import resolve
from graph.resolve import authority
from graph.resolve.keys import identifier_key


@pytest.mark.parametrize("raw, key", [
    ("US-OFAC", "US-OFAC"), (" us ofac ", "US-OFAC"), ("jp_fsa", "JP-FSA"), ("ＪＰ－ＦＳＡ".replace("－", "-"), "JP-FSA"),
    ("EU-ESMA", "EU-ESMA"), ("UN-UNSC", "UN-UNSC"), ("JP-13-METRO", "JP-13-METRO"),
])
def test_valid_authorities_normalize(raw, key):
    assert authority.validate(raw) == key


@pytest.mark.parametrize("raw", ["OFAC", "XX-OFAC", "USA-OFAC", "US-", "-OFAC", "US-OF AC!", "US-財務省", ""])
def test_invalid_authorities_are_refused(raw):
    with pytest.raises(resolve.InvalidFormat):
        authority.validate(raw)


def test_authority_is_an_organization_merge_key():
    assert identifier_key("authority", "us ofac") == "authority:US-OFAC"
    assert identifier_key("graph_key", "authority:US-OFAC") == "authority:US-OFAC"


@given(st.text(max_size=40))
def test_normalization_is_idempotent(text):
    if authority.is_valid(text):
        key = authority.validate(text)
        assert authority.validate(key) == key
