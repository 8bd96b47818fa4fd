"""Saved investigations: what is kept (keys, places, pins; never contents), per agency, refused when odd."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.console.saved import BadCanvas, Investigations, check_canvas


def canvas(**extra) -> dict:
    return {"nodes": [{"key": "wallet:ETH:0xab", "x": 1.5, "y": -2, "pinned": True, "label": "Mirai", "tlp": "TLP:RED"}],
            "edges": ["a|OWNS|b"], "until_ms": 1790000000000, "title": "Mirai", **extra}


def test_only_keys_places_pins_date_and_title_are_kept(tmp_path):
    store = Investigations(tmp_path / "investigations.db", "npa-cyber")
    assert store.save("Mirai network", canvas(secret="TLP:AMBER text"), "Aiko") == {"name": "Mirai network", "nodes": 1}
    kept = store.get("Mirai network")
    assert kept == {"nodes": [{"key": "wallet:ETH:0xab", "x": 1.5, "y": -2.0, "pinned": True}], "edges": ["a|OWNS|b"],
                    "until_ms": 1790000000000, "title": "Mirai"}
    assert [(i["name"], i["saved_by"], i["nodes"]) for i in store.list()] == [("Mirai network", "Aiko", 1)]
    store.save("Mirai network", {"nodes": [], "edges": []}, "Kenji")  # saving again replaces it
    assert store.get("Mirai network")["nodes"] == [] and store.list()[0]["saved_by"] == "Kenji"
    assert store.delete("Mirai network") is True and store.delete("Mirai network") is False
    assert store.get("Mirai network") is None


def test_they_belong_to_the_agency(tmp_path):
    path = tmp_path / "investigations.db"
    Investigations(path, "npa-cyber").save("ours", canvas(), "Aiko")
    other = Investigations(path, "tokyo-metro")
    assert other.list() == [] and other.get("ours") is None and other.delete("ours") is False


@pytest.mark.parametrize("bad, field", [
    ([], "canvas"),
    ({"nodes": {}}, "canvas.nodes"),
    ({"nodes": [{"key": ""}]}, "canvas.nodes[0].key"),
    ({"nodes": [{"key": "k", "x": math.inf}]}, "canvas.nodes[0].x"),
    ({"nodes": [{"key": "k", "x": True}]}, "canvas.nodes[0].x"),
    ({"nodes": [{"key": "k", "y": "3"}]}, "canvas.nodes[0].y"),
    ({"nodes": ["k"]}, "canvas.nodes[0]"),
    ({"edges": [""]}, "canvas.edges[0]"),
    ({"nodes": [{"key": "k"}] * 2001}, "canvas.nodes"),
    ({"until_ms": "yesterday"}, "canvas.until_ms"),
    ({"title": "x" * 201}, "canvas.title"),
])
def test_odd_canvases_are_refused_naming_the_field(bad, field):
    with pytest.raises(BadCanvas) as refused:
        check_canvas(bad)
    assert refused.value.field == field


@pytest.mark.parametrize("name", [None, "", "   ", "x" * 101, "bad\u202ename", "new\nline", 3])
def test_odd_names_are_refused(tmp_path, name):
    with pytest.raises(BadCanvas):
        Investigations(tmp_path / "i.db", "a").save(name, canvas(), "Aiko")


json_values = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["nodes", "edges", "until_ms", "title", "other"]), json_values, max_size=5))
def test_any_json_is_kept_as_a_clean_canvas_or_refused(value):
    try:
        kept = check_canvas(value)
    except BadCanvas as exc:
        assert exc.field.startswith("canvas")
        return
    assert set(kept) == {"nodes", "edges", "until_ms", "title"}
    assert json.loads(json.dumps(kept, allow_nan=False)) == kept
    assert all(set(n) == {"key", "x", "y", "pinned"} for n in kept["nodes"])
