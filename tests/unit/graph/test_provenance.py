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


@st.composite
def sourced(draw):
    """An entry as the projector makes it: readers "*" or the author and distinct recipients."""
    entry = draw(entries())
    others = draw(st.lists(agency, max_size=3, unique=True))
    entry["readers"] = ["*"] if draw(st.booleans()) else [entry["agency"], *sorted(set(others) - {entry["agency"]})]
    entry["facts"] = {"name": draw(st.sampled_from(["", "Lumen Crest", "ルーメン"])),
                      "aliases": draw(st.lists(st.sampled_from(["LC", "Lumen"]), max_size=2, unique=True))}
    return entry


@given(st.lists(sourced(), max_size=25), st.data())
def test_a_tally_adds_up_its_entries_whatever_comes_and_goes(kept, data):
    """Add entries, remove some again (in any order): the tally equals a recount of what stayed,
    and survives its stored form."""
    removed = data.draw(st.lists(sourced(), max_size=10))
    tally = provenance.Tally()
    for entry in [*kept, *removed]:
        tally.add(entry)
    for entry in data.draw(st.permutations(removed)):
        tally.remove(entry)
    recount = provenance.Tally()
    for entry in kept:
        recount.add(entry)
    assert tally.seen == recount.seen and tally.names == recount.names
    again = provenance.Tally.from_json(tally.to_json())
    assert again.seen == tally.seen and again.names == tally.names
    for viewer in {"someone-else", *(r for e in kept for r in e["readers"])}:
        count, agencies = provenance.visible_tally(tally.counts(), viewer)
        visible = [e for e in kept if "*" in e["readers"] or viewer in e["readers"]]
        assert count == len(visible) and agencies == sorted({e["agency"] for e in visible})
