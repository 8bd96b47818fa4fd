"""STIX marking definitions → TLP: every form real producers write, the non-TLP ones, the unreadable ones,
and properties — an unreadable marking never yields CLEAR or GREEN, a readable one never less than it says."""

from __future__ import annotations

import json
import uuid

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.stix_markings import TLP_2_0_EXTENSION, WELL_KNOWN, MarkingBook, read_definition, tlp_level
from regulink.v1 import records_pb2 as pb

from .helpers import run

CLEAR, GREEN, AMBER, STRICT, RED = pb.TLP_CLEAR, pb.TLP_GREEN, pb.TLP_AMBER, pb.TLP_AMBER_STRICT, pb.TLP_RED
OCTI_EXTENSION = "extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba"


def definition(**fields) -> dict:
    return {"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uuid.uuid4()}",
            "created": "2020-02-25T09:02:29.040Z", **fields}


# (what, marking-definition fields, expected TLP)
READABLE = [
    ("OpenCTI legacy RED", {"definition_type": "TLP", "definition": {"TLP": "TLP:RED"}}, RED),
    ("OpenCTI legacy AMBER", {"definition_type": "TLP", "definition": {"TLP": "TLP:AMBER"}}, AMBER),
    ("OpenCTI legacy AMBER+STRICT", {"definition_type": "TLP", "definition": {"TLP": "TLP:AMBER+STRICT"}}, STRICT),
    ("OpenCTI legacy GREEN", {"definition_type": "TLP", "definition": {"TLP": "TLP:GREEN"}}, GREEN),
    ("OpenCTI legacy WHITE is CLEAR", {"definition_type": "TLP", "definition": {"TLP": "TLP:WHITE"}}, CLEAR),
    ("OpenCTI legacy CLEAR", {"definition_type": "TLP", "definition": {"TLP": "TLP:CLEAR"}}, CLEAR),
    ("TLP 1.0 definition", {"definition_type": "tlp", "definition": {"tlp": "red"}}, RED),
    ("TLP 1.0, upper-case value", {"definition_type": "tlp", "definition": {"tlp": "AMBER"}}, AMBER),
    ("OpenCTI 4 export (prefix stripped, upper case)", {"definition_type": "tlp", "definition": {"tlp": "RED"},
                                                         "name": "TLP:RED"}, RED),
    ("TLP 2.0 extension", {"name": "TLP:AMBER+STRICT", "extensions": {TLP_2_0_EXTENSION: {
        "extension_type": "property-extension", "tlp_2_0": "amber+strict"}}}, STRICT),
    ("TLP 2.0 extension, free-text name", {"name": "TLP:AMBER (partner feed)", "extensions": {TLP_2_0_EXTENSION: {
        "extension_type": "property-extension", "tlp_2_0": "amber"}}}, AMBER),
    ("OpenCTI 5 export: name only", {"name": "TLP:AMBER+STRICT", "definition_type": "TLP", "extensions": {
        OCTI_EXTENSION: {"extension_type": "property-extension", "order": 3, "color": "#d84315"}}}, STRICT),
    ("pycti", {"x_opencti_definition_type": "TLP", "x_opencti_definition": "TLP:AMBER"}, AMBER),
    ("level as definition_type", {"definition_type": "TLP:CLEAR"}, CLEAR),
    ("AMBER_STRICT", {"definition_type": "TLP", "definition": {"TLP": "TLP:AMBER_STRICT"}}, STRICT),
    ("amber strict, lower case", {"definition_type": "tlp", "definition": {"tlp": "amber strict"}}, STRICT),
    ("full-width", {"definition_type": "TLP", "definition": {"TLP": "ＴＬＰ：ＲＥＤ"}}, RED),
    ("name and extension disagree: the stricter", {"name": "TLP:RED", "extensions": {TLP_2_0_EXTENSION: {
        "extension_type": "property-extension", "tlp_2_0": "green"}}}, RED),
]


@pytest.mark.parametrize("what, fields, tlp", READABLE, ids=[r[0] for r in READABLE])
def test_every_tlp_form_real_producers_write(what, fields, tlp):
    marking = read_definition(definition(**fields))
    assert (marking.tlp, marking.unreadable) == (tlp, "")


UNREADABLE = [
    ("OpenCTI TLP:TEST", {"definition_type": "TLP", "definition": {"TLP": "TLP:TEST"}}, "'TLP:TEST'"),
    ("a level that is not text", {"definition_type": "tlp", "definition": {"tlp": 3}}, "3"),
    ("a TLP definition without its tlp key", {"definition_type": "tlp", "definition": {"colour": "red"}}, "colour"),
    ("TLP by type, level nowhere", {"definition_type": "TLP"}, "does not say its level"),
    ("TLP 2.0 extension without tlp_2_0", {"extensions": {TLP_2_0_EXTENSION: {"extension_type": "x"}}},
     "does not say its level"),
    ("an unknown TLP 2.0 level", {"extensions": {TLP_2_0_EXTENSION: {"tlp_2_0": "purple"}}}, "'purple'"),
    ("a TLP-looking name only", {"name": "TLP:TEST"}, "'TLP:TEST'"),
    ("another scheme (IEP)", {"definition_type": "IEP", "definition": {"IEP": "SHARING:RESTRICTED"}}, "IEP"),
    ("a classification", {"definition_type": "classification", "definition": {"level": "SECRET"}},
     "classification"),
    ("nothing at all", {}, "no definition_type"),
    ("definition_type not text", {"definition_type": ["tlp"], "definition": {"tlp": "red"}}, "no definition_type"),
]


@pytest.mark.parametrize("what, fields, why", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_markings_say_why(what, fields, why):
    marking = read_definition(definition(**fields))
    assert marking.tlp == 0 and why in marking.unreadable


def test_statement_and_pap_are_not_visibility():
    copyright_ = read_definition(definition(definition_type="statement",
                                            definition={"statement": "Copyright 2017, The MITRE Corporation"}))
    assert (copyright_.tlp, copyright_.unreadable) == (0, "")
    assert copyright_.note == ("marking_statement", "Copyright 2017, The MITRE Corporation")
    for fields in ({"definition_type": "PAP", "definition": {"PAP": "PAP:RED"}},  # OpenCTI legacy
                   {"definition_type": "PAP", "name": "PAP:RED"},  # OpenCTI export
                   {"x_opencti_definition_type": "PAP", "x_opencti_definition": "PAP:RED"}):  # pycti
        pap = read_definition(definition(**fields))
        assert (pap.tlp, pap.unreadable, pap.note) == (0, "", ("pap", "PAP:RED")), fields


def test_the_predefined_objects_and_fixed_ids():
    for predefined, tlp in ((stix2.TLP_WHITE, CLEAR), (stix2.TLP_GREEN, GREEN), (stix2.TLP_AMBER, AMBER),
                            (stix2.TLP_RED, RED)):
        assert read_definition(json.loads(predefined.serialize())).tlp == tlp
    # A fixed id keeps its meaning even if a file's copy of the definition is garbled; a stricter copy wins.
    assert read_definition({"id": stix2.TLP_RED.id, "definition_type": "tlp", "definition": {"tlp": "??"}}).tlp == RED
    assert read_definition({"id": stix2.TLP_WHITE.id, "definition_type": "TLP",
                            "definition": {"TLP": "TLP:RED"}}).tlp == RED
    assert WELL_KNOWN["marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"] == STRICT  # OpenCTI's own


def test_a_marking_defined_twice_reads_as_the_stricter():
    book = MarkingBook()
    first = definition(definition_type="TLP", definition={"TLP": "TLP:GREEN"})
    book.add(first)
    book.add({**first, "definition": {"TLP": "TLP:RED"}})
    assert book.judge([first["id"]]).tlp == RED
    book.add({**first, "definition": {"TLP": "TLP:TEST"}})
    assert book.judge([first["id"]]).unreadable


def test_a_ref_nobody_defines_is_unreadable_unless_its_id_is_fixed():
    book = MarkingBook()
    judgement = book.judge(["marking-definition--00000000-0000-4000-8000-000000000000", stix2.TLP_AMBER.id])
    assert judgement.tlp == AMBER and len(judgement.unreadable) == 1
    assert "not defined in the file" in judgement.unreadable[0]


# -- properties -------------------------------------------------------------------------------

SPELLINGS = {CLEAR: ["CLEAR", "WHITE"], GREEN: ["GREEN"], AMBER: ["AMBER"],
             STRICT: ["AMBER+STRICT", "AMBER_STRICT", "AMBER-STRICT", "AMBER STRICT"], RED: ["RED"]}
CASES = [str.upper, str.lower, str.title]


@st.composite
def spelled_level(draw, prefixed: bool = False):
    """(level, how a producer may write it)."""
    level = draw(st.sampled_from(sorted(SPELLINGS)))
    word = draw(st.sampled_from(SPELLINGS[level]))
    prefix = draw(st.sampled_from(["TLP:", "tlp:", "TLP: "] if prefixed else ["", "TLP:", "tlp:", "TLP: "]))
    return level, draw(st.sampled_from(CASES))(prefix + word)


def _forms(text: str) -> list[dict]:
    return [
        {"definition_type": "tlp", "definition": {"tlp": text}},
        {"definition_type": "TLP", "definition": {"TLP": text}},
        {"extensions": {TLP_2_0_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": text}}},
        {"x_opencti_definition_type": "TLP", "x_opencti_definition": text},
    ]


def _prefixed_forms(text: str) -> list[dict]:
    return [{"name": text, "definition_type": "TLP"}, {"name": text}, {"definition_type": text}]


def _one_marked_object(tmp_path, marking: dict, name: str = "one.json"):
    obj = {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
           "value": "example.org", "object_marking_refs": [marking["id"]]}
    path = tmp_path / name
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [obj, marking]}))
    return path


@settings(max_examples=60, deadline=None)
@given(spelled=spelled_level(), prefixed=spelled_level(prefixed=True), form=st.integers(0, 6))
def test_any_form_any_spelling_gives_exactly_its_level_through_the_connector(tmp_path_factory, spelled, prefixed,
                                                                              form):
    (level, text) = spelled if form < 4 else prefixed
    fields = (_forms(text) + _prefixed_forms(text))[form]
    marking = definition(**fields)
    assert read_definition(marking).tlp == level
    # The run's default is CLEAR: a marking that fell back to it instead of being read would show.
    records, bad, _, _ = run("stix", _one_marked_object(tmp_path_factory.mktemp("m"), marking), tlp=CLEAR)
    assert not bad and [r.tlp for r in records.values()] == [level]


UNKNOWN_WORDS = st.one_of(
    st.sampled_from(["TLP:TEST", "TEST", "PURPLE", "TLP:AMBER+", "AMBER+STRICTER", "WHITE-ISH", "", "TLP:"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ:+ _", max_size=12).filter(
        lambda t: tlp_level(t) is None),
    st.integers(), st.none(), st.lists(st.just("red"), max_size=2), st.just({"tlp": "red"}))


@settings(max_examples=60, deadline=None)
@given(word=UNKNOWN_WORDS, form=st.integers(0, 3), policy=st.sampled_from(["refuse", "red"]))
def test_an_unreadable_level_is_refused_or_red_never_clear_or_green(tmp_path_factory, word, form, policy):
    marking = definition(**_forms(word)[form])
    assert read_definition(marking).unreadable
    path = _one_marked_object(tmp_path_factory.mktemp("u"), marking)
    records, bad, stats, _ = run("stix", path, tlp=CLEAR, unknown_marking=policy)
    if policy == "refuse":
        assert not records and len(bad) == 1 and marking["id"] in bad[0].reason and stats["refused"] == 1
    else:
        assert not bad and [r.tlp for r in records.values()] == [RED]


_LEVEL_WORDS = {"CLEAR": CLEAR, "WHITE": CLEAR, "GREEN": GREEN, "AMBER": AMBER, "AMBER+STRICT": STRICT, "RED": RED}


def plain_level(value) -> int | None:
    """A deliberately simple reader: the exact level words, with or without TLP:, any case."""
    if not isinstance(value, str):
        return None
    word = value.strip().upper()
    return _LEVEL_WORDS.get(word[4:].strip() if word.startswith("TLP:") else word)


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


LEVELISH = st.sampled_from(["red", "RED", "TLP:RED", "TLP:GREEN", "green", "TLP:WHITE", "clear", "amber",
                            "TLP:AMBER+STRICT", "TLP:TEST", "PAP:RED", "statement", "Copyright", "x"])
JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), LEVELISH, st.text(max_size=8)),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(st.one_of(LEVELISH, st.sampled_from(["tlp", "TLP"])),
                                                               inner, max_size=3)), max_leaves=6)
ANY_DEFINITION = st.fixed_dictionaries({}, optional={
    "definition_type": st.one_of(st.sampled_from(["tlp", "TLP", "statement", "PAP", "IEP", "TLP:RED", "tlp:clear"]),
                                 JSONISH),
    "definition": JSONISH,
    "name": st.one_of(LEVELISH, JSONISH),
    "extensions": st.dictionaries(st.sampled_from([TLP_2_0_EXTENSION, OCTI_EXTENSION, "x"]),
                                  st.one_of(JSONISH, st.fixed_dictionaries({"tlp_2_0": JSONISH}),
                                            st.fixed_dictionaries({"definition_type": LEVELISH,
                                                                   "definition": JSONISH})), max_size=2),
    "x_opencti_definition_type": st.sampled_from(["TLP", "PAP", "x"]),
    "x_opencti_definition": JSONISH,
})


@settings(max_examples=120, deadline=None)
@given(fields=ANY_DEFINITION)
def test_any_shape_never_invents_a_level_and_never_reads_below_what_it_says(tmp_path_factory, fields):
    obj = definition(**fields)
    marking = read_definition(obj)  # never raises
    # Through the connector, with CLEAR as the run's default: refused when unreadable, else exactly the level
    # it reads (or the default for a statement or PAP, which are not TLP).
    records, bad, _, _ = run("stix", _one_marked_object(tmp_path_factory.mktemp("g"), obj), tlp=CLEAR)
    assert [r.tlp for r in records.values()] == ([] if marking.unreadable else [marking.tlp or CLEAR])
    assert bool(bad) == bool(marking.unreadable)
    said = [plain_level(s) for s in strings(fields)]
    assert bool(marking.tlp) + bool(marking.unreadable) + (not marking.tlp and not marking.unreadable) == 1
    if marking.tlp:
        # No invention: the level it gives is written somewhere in the definition …
        assert marking.tlp in {level for level in said if level} or any(
            (tlp_level(s) or 0) == marking.tlp for s in strings(fields))
        # … and no level a TLP field states plainly is read as something less strict.
        tlp_fields = []
        if str(fields.get("definition_type", "")).strip().lower() == "tlp" and isinstance(fields.get("definition"),
                                                                                         dict):
            tlp_fields += [v for k, v in fields["definition"].items() if str(k).strip().lower() == "tlp"]
        for extension in (fields.get("extensions") or {}).values():
            if isinstance(extension, dict) and "tlp_2_0" in extension:
                tlp_fields.append(extension["tlp_2_0"])
        if fields.get("x_opencti_definition_type") == "TLP":
            tlp_fields.append(fields.get("x_opencti_definition"))
        assert marking.tlp >= max((plain_level(v) or 0 for v in tlp_fields), default=0)
    if str(fields.get("definition_type", "")).strip().lower() == "tlp" or any(
            isinstance(e, dict) and "tlp_2_0" in e for e in (fields.get("extensions") or {}).values()):
        assert marking.tlp or marking.unreadable  # a TLP marking is never taken for a statement


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["red", "green", "clear", "test", "statement", "undefined", "fixed-amber"]),
                min_size=1, max_size=5))
def test_judging_several_refs(kinds):
    book = MarkingBook()
    defined = {
        "red": definition(definition_type="TLP", definition={"TLP": "TLP:RED"}),
        "green": definition(definition_type="tlp", definition={"tlp": "green"}),
        "clear": definition(name="TLP:CLEAR", extensions={TLP_2_0_EXTENSION: {"tlp_2_0": "clear"}}),
        "test": definition(definition_type="TLP", definition={"TLP": "TLP:TEST"}),
        "statement": definition(definition_type="statement", definition={"statement": "Copyright"}),
    }
    for obj in defined.values():
        book.add(obj)
    ids = {**{k: v["id"] for k, v in defined.items()}, "undefined": "marking-definition--nowhere",
           "fixed-amber": stix2.TLP_AMBER.id}
    judgement = book.judge([ids[k] for k in kinds])
    assert bool(judgement.unreadable) == bool({"test", "undefined"} & set(kinds))
    levels = {"red": RED, "green": GREEN, "clear": CLEAR, "fixed-amber": AMBER}
    assert judgement.tlp == max((levels[k] for k in kinds if k in levels), default=0)
    assert (("marking_statement", "Copyright") in judgement.notes) == ("statement" in kinds)
