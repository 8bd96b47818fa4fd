"""Static pictures: PNG of the asked size, SVG that parses and keeps its text, PDF; the marking on each."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib import image

from graph.export import FORMATS, ExportInfo, picture
from graph.view import Subgraph
from graph.visibility import GREEN
from tests.unit.export.conftest import export_bytes, info_for, random_subgraph

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


def test_registered_formats():
    assert {fmt: (FORMATS[fmt].media_type, FORMATS[fmt].extension) for fmt in ("png", "svg", "pdf")} == {
        "png": ("image/png", "png"), "svg": ("image/svg+xml", "svg"), "pdf": ("application/pdf", "pdf")}


def test_png_has_the_default_size_and_the_marking_banner(operator_network):
    data = export_bytes("png", operator_network)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (picture.HEIGHT, picture.WIDTH) == (1200, 1600)
    # A black TLP banner across the top and the bottom, with text in amber (#FFC000) in the top one.
    assert np.allclose(pixels[5, 800, :3], 0) and np.allclose(pixels[-5, 5, :3], 0)
    top = pixels[:34, :400, :3]
    amber = (np.abs(top[..., 0] - 1.0) < 0.05) & (np.abs(top[..., 1] - 0.75) < 0.06) & (top[..., 2] < 0.1)
    assert amber.sum() > 50
    # Something drawn in the network area: the node colours of the model appear.
    body = pixels[150:-40, :-300, :3]
    assert (np.abs(body - np.array([0x55, 0xA8, 0x68]) / 255).max(axis=-1) < 0.02).sum() > 100  # Organization


@pytest.mark.parametrize(("width", "height", "dpi"), [(800, 600, 100), (1000, 700, 200), (2400, 1800, 150)])
def test_png_of_any_size(operator_network, width, height, dpi):
    out = io.BytesIO()
    picture.render(operator_network, info_for(operator_network), out, "png", width, height, dpi)
    assert image.imread(io.BytesIO(out.getvalue()), format="png").shape[:2] == (height, width)


def test_too_small_is_refused(operator_network):
    with pytest.raises(ValueError, match="at least"):
        picture.render(operator_network, info_for(operator_network), io.BytesIO(), "png", 200, 100)


def test_svg_parses_and_keeps_title_marking_viewer_and_labels_as_text(operator_network):
    data = export_bytes("svg", operator_network)
    text = svg_text(data)
    for expected in ("Mirai Coin network / ミライコイン", "TLP:AMBER+STRICT", "may not pass this on", "fsa-jp",
                     "2025-12-01 09:30 UTC", "株式会社ミライコイン", "Legend", "controls",
                     "unauthorized / sanctioned"):
        assert expected in text, expected
    assert text.count("TLP:AMBER+STRICT") == 2  # top and bottom banners


def test_svg_escapes_hostile_text():
    from tests.unit.export.test_html import HOSTILE, hostile_network

    sub = hostile_network()
    info = ExportInfo.for_subgraph(sub, "</svg><script>x()</script> & <!--", "fsa-jp")
    data = export_bytes("svg", sub, info)
    root = ET.fromstring(data)  # still well-formed XML
    assert not list(root.iter(f"{SVG_NS}script"))
    text = svg_text(data)
    assert "</svg><script>x()</script> & <!--" in text
    assert all(picture._short(name) in text for name in HOSTILE)


def test_pdf(operator_network):
    data = export_bytes("pdf", operator_network)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"regulink" in data


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_input_same_bytes(operator_network, fmt):
    assert export_bytes(fmt, operator_network) == export_bytes(fmt, operator_network)


def test_big_pictures_label_only_the_most_important_nodes():
    sub = random_subgraph(1500, 3000, seed=8)
    text = svg_text(export_bytes("svg", sub)).splitlines()
    labels = [line for line in text if any(line == picture._short(n.caption) for n in sub.nodes.values())]
    assert 5 <= len(labels) <= picture.MAX_LABELS


def test_empty_subgraph_still_carries_its_marking():
    text = svg_text(export_bytes("svg", Subgraph()))
    assert "TLP:CLEAR" in text and "nothing visible to draw" in text


def test_refuses_to_understate_the_marking(operator_network):
    info = info_for(operator_network)
    with pytest.raises(ValueError):
        FORMATS["png"].writer(operator_network, ExportInfo(info.title, info.viewer, info.generated_at, GREEN),
                              io.BytesIO())


def test_writers_take_the_export_requests_width_and_height(operator_network):
    """gateway/server/services/export.py passes width/height to writers whose signature names them."""
    import inspect

    for fmt in ("png", "svg", "pdf"):
        assert {"width", "height"} <= set(inspect.signature(FORMATS[fmt].writer).parameters)
    out = io.BytesIO()
    FORMATS["png"].writer(operator_network, info_for(operator_network), out, width=900, height=500)
    assert image.imread(io.BytesIO(out.getvalue()), format="png").shape[:2] == (500, 900)
