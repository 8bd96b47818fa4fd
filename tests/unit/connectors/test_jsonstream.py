"""The bundle reader yields what json.load would, one object at a time, with line numbers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import jsonstream
from connectors.base import BadRow

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(allow_nan=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                           inner, max_size=4),
                      max_leaves=12)
objects = st.lists(st.dictionaries(st.text(max_size=8), values, max_size=5), max_size=8)


def read(tmp_path, text: str, chunk: int, monkeypatch):
    monkeypatch.setattr(jsonstream, "_CHUNK", chunk)
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    return list(jsonstream.iter_json_objects(path))


@settings(max_examples=60, deadline=None)
@given(objects=objects, indent=st.sampled_from([None, 0, 2, 4]), chunk=st.integers(1, 64),
       objects_first=st.booleans())
def test_bundle_objects_match_json_load(tmp_path_factory, monkeypatch_session, objects, indent, chunk, objects_first):
    bundle = {"objects": objects, "type": "bundle", "id": "bundle--1"} if objects_first else \
        {"type": "bundle", "id": "bundle--1", "objects": objects}
    text = json.dumps(bundle, indent=indent, ensure_ascii=False)
    items = read(tmp_path_factory.mktemp("j"), text, chunk, monkeypatch_session)
    assert [obj for _, obj in items] == objects
    lines = text.split("\n")
    for line, _ in items:  # each object starts on the line reported
        assert lines[line - 1].lstrip().startswith("{")


@pytest.fixture(scope="module")
def monkeypatch_session():
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_top_level_array_and_single_object(tmp_path, monkeypatch):
    assert [o for _, o in read(tmp_path, '[{"a": 1}, {"b": 2}]', 3, monkeypatch)] == [{"a": 1}, {"b": 2}]
    assert [o for _, o in read(tmp_path, '{"type": "indicator", "id": "x"}', 3, monkeypatch)] == [
        {"type": "indicator", "id": "x"}]


@pytest.mark.parametrize("text, line", [
    ('{"type": "bundle", "objects": [\n{"a": 1},\n{"b": 2,,}\n]}', 3),
    ('{"type": "bundle", "objects": [\n{"a": 1}\n', 3),
    ('{"type": "bundle", "objects": [{"a": 1}]} trailing', 1),
    ('not json at all', 1),
])
def test_broken_json_ends_with_one_line_numbered_bad_row(tmp_path, monkeypatch, text, line):
    items = read(tmp_path, text, 4, monkeypatch)
    assert isinstance(items[-1], BadRow) and items[-1].location == f"b.json:{line}"
    assert sum(isinstance(i, BadRow) for i in items) == 1


def test_json_lines(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text('{"id": "a"}\n\n{"type": "bundle", "objects": [{"id": "b"}, {"id": "c"}]}\n{broken\n')
    items = list(jsonstream.iter_json_lines(path))
    assert [i[1]["id"] for i in items[:3]] == ["a", "b", "c"] and [i[0] for i in items[:3]] == [1, 3, 3]
    assert isinstance(items[3], BadRow) and items[3].location == "o.jsonl:4"
