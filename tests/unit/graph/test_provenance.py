"""The stored layout of source entries: compact, lossless, deterministic."""

import orjson
from hypothesis import given
from hypothesis import strategies as st

from graph import provenance

agency = st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)
text = st.text(max_size=30)
facts = st.dictionaries(st.sampled_from(["name", "aliases", "evidence", "notes", "observed_ms"]),
                        st.one_of(text, st.lists(text, max_size=3), st.integers(0, 2**53)), max_size=4)


@st.composite
def entries(draw):
    author = draw(agency)
    return {"record": f"{author}/{draw(st.from_regex(r'[A-Za-z0-9._:-]{1,40}', fullmatch=True))}",
            "agency": author, "version": draw(st.integers(1, 2**31)), "log_index": draw(st.integers(0, 2**53)),
            "tlp": draw(st.integers(1, 5)), "readers": draw(st.lists(agency, min_size=1, max_size=4)),
            "seen_ms": draw(st.integers(0, 2**53)), "facts": draw(facts)}


@given(entries())
def test_an_entry_comes_back_as_it_went_in(entry):
    assert provenance.decode(provenance.encode(entry)) == entry


@given(entries())
def test_the_stored_text_is_deterministic_and_smaller_than_the_keyed_object(entry):
    shuffled = {**entry, "facts": dict(reversed(list(entry["facts"].items())))}
    assert provenance.encode(shuffled) == provenance.encode(entry)
    assert len(provenance.encode(entry)) < len(orjson.dumps(entry))


def test_the_layout_is_the_documented_array():
    entry = {"record": "fsa-jp/r-17", "agency": "fsa-jp", "version": 2, "log_index": 4711, "tlp": 3,
             "readers": ["fsa-jp", "npa-cyber"], "seen_ms": 1764000000000, "facts": {"name": "Lumen Crest"}}
    assert provenance.encode(entry) == (
        '["fsa-jp/r-17",2,4711,3,["fsa-jp","npa-cyber"],1764000000000,{"name":"Lumen Crest"}]')
