"""Pictures people can read: every character the demo exports has a glyph, on a machine with no CJK font.

The bundled font (PyPI `noto-cjk-sans-jp-regular`) is the only CJK font these tests rely on; the
checks go through matplotlib's own glyph lookup (TextPath) and compare with the .notdef box.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager, image
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from graph import schema
from graph.export import ExportInfo, fonts, meta, picture
from graph.view import NodeView, Subgraph
from graph.visibility import CLEAR, NAMES
from regulink.v1 import records_pb2
from tests.unit.export.conftest import export_bytes, operator_network, source

ROOT = Path(__file__).parents[3]
NOTDEF = "\U000f0000"  # a private-use code point no font here maps: drawn as the .notdef box
# matplotlib's own final fallback: it draws a box per Unicode block for characters no font has.
LAST_RESORT = "Last Resort High-Efficiency"


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def demo_labels() -> list[str]:
    """Every text the demo's pictures can show: the sample records' strings (names, aliases,
    identifiers, attributes, evidence), the export title, agency names, link labels, types, markings."""
    texts = []
    for sample in sorted((ROOT / "gateway" / "samples").glob("*.jsonl")):
        for line in sample.read_text(encoding="utf-8").splitlines():
            texts += _strings(json.loads(line))
    demo = (ROOT / "gateway" / "cli" / "demo.py").read_text(encoding="utf-8")
    texts += re.findall(r'title="([^"]+)"', demo) + re.findall(r'\("[a-z-]+", "([^"]+)"', demo)
    texts += [meta.link_label(records_pb2.LinkType.Name(proto).removeprefix("LINK_TYPE_"))
              for proto in schema.LINK_TYPES]
    texts += [kind.name for kind in schema.BY_NAME.values()] + [meta.tlp_statement(level) for level in NAMES]
    return texts


def glyph(char: str, families: tuple[str, ...]) -> np.ndarray:
    """The outline matplotlib draws for `char` with `families` (its own fallback, glyph by glyph)."""
    return TextPath((0, 0), char, prop=FontProperties(family=list(families)), size=20).vertices


def is_box(char: str, families: tuple[str, ...]) -> bool:
    """True when matplotlib draws `char` as a box: the .notdef glyph, or its last-resort font's box."""
    drawn = glyph(char, families)
    for box in (glyph(char, (LAST_RESORT,)), glyph(NOTDEF, (fonts.LATIN_FAMILY,))):
        if drawn.shape == box.shape and np.allclose(drawn, box):
            return True
    return False


def chosen_font(char: str, families: tuple[str, ...]) -> str | None:
    """The file matplotlib's own fallback list draws `char` from (FreeType's charmap), None for none."""
    for path in font_manager.fontManager._find_fonts_by_props(FontProperties(family=list(families))):
        if font_manager.get_font(path).get_char_index(ord(char)):
            return Path(path).name
    return None


def test_the_demo_has_japanese_labels_and_the_check_sees_boxes_without_the_bundled_font():
    labels = demo_labels()
    japanese = {c for text in labels for c in text if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"}
    assert len(japanese) >= 10  # the samples' operators are Japanese companies and people
    assert fonts.bundled_font() is not None, "the noto-cjk-sans-jp-regular package is a dependency"
    # Negative control: with matplotlib's own font alone (a fresh machine before this fix) they are boxes.
    assert all(is_box(c, (fonts.LATIN_FAMILY,)) for c in japanese)


def test_every_character_of_the_demo_labels_has_a_glyph():
    chars = {c for text in demo_labels() for c in text if c.isprintable() and not c.isspace()}
    assert fonts.missing("".join(chars)) == set()
    boxes = sorted(c for c in chars if is_box(c, fonts.families()))
    assert boxes == [], f"drawn as boxes: {''.join(boxes)}"
    # Independently of fonts.py (fontTools), matplotlib's FreeType lookup finds each in a real font.
    chosen = {c: chosen_font(c, fonts.families()) for c in chars}
    assert {c for c, font in chosen.items() if font is None or font.startswith("LastResort")} == set()
    assert {chosen[c] for c in "株ン"} == {fonts.bundled_font().name}


@pytest.mark.parametrize("text", ["株式会社ミライコイン", "山田 太郎", "Дмитрий Коваленко", "한국블록체인", "中国银行",
                                  "Ελληνικά"])
def test_the_scripts_the_connectors_bring_have_glyphs(text):
    assert fonts.missing(text) == set()
    assert not any(is_box(c, fonts.families()) for c in text if not c.isspace())


def test_the_font_for_each_character():
    assert fonts.font_for("A").name == "DejaVuSans.ttf"
    assert fonts.font_for("Д").name == "DejaVuSans.ttf"  # the first font that has it
    assert fonts.font_for("株") == fonts.bundled_font()
    assert fonts.font_for(NOTDEF) is None and fonts.missing(f"a{NOTDEF}") == {NOTDEF}


def _png(text: str, families: tuple[str, ...]) -> np.ndarray:
    with matplotlib.rc_context({"font.family": list(families)}):
        figure = Figure(figsize=(4, 1), dpi=100, facecolor="white")
        figure.text(0.02, 0.3, text, fontsize=20)
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return image.imread(io.BytesIO(out.getvalue()), format="png")[..., :3]


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # the fresh-machine rendering warns, rightly
def test_a_png_of_japanese_text_is_not_boxes():
    name = "株式会社ミライコイン"
    drawn = _png(name, fonts.families())
    boxes = _png(name, (LAST_RESORT,))
    fresh_machine = _png(name, (fonts.LATIN_FAMILY,))
    assert np.abs(fresh_machine - boxes).max() < 0.01  # what an operator saw: boxes
    assert np.abs(drawn - boxes).mean() > 0.01 and (drawn < 0.5).sum() > 300  # ink, and not the boxes'


def test_the_picture_exports_draw_the_demo_names():
    network = Subgraph()
    names = ["株式会社ミライコイン", "山田 太郎", "Дмитрий Коваленко", "한국블록체인"]
    seen = source("fsa-jp", "r1", CLEAR, 1_764_000_000_000)
    for n, name in enumerate(names):
        network.nodes[f"local:fsa-jp/r1:{n}"] = NodeView(f"local:fsa-jp/r1:{n}", "Organization", [seen],
                                                         names={name: ["fsa-jp/r1"]})
    info = ExportInfo.for_subgraph(network, "ミライコイン", "fsa-jp")
    svg = export_bytes("svg", network, info).decode()
    # SVG: each name drawn as outlines (no viewer font needed) and kept as transparent text to search.
    for name in names[:2] + names[3:]:
        assert re.search(r'<text style="[^"]*opacity: 0[^"]*"[^>]*>' + re.escape(name) + "</text>", svg), name
    assert "Дмитрий Коваленко</text>" in svg  # DejaVu Sans has Cyrillic: plain text as before
    # PDF: text needing the CFF-outline CJK font is embedded as Type 3 (Type 42 would be invalid).
    pdf = export_bytes("pdf", network, info)
    assert b"/Subtype /Type3" in pdf and b"NotoSansCJKjp" in pdf
    latin = operator_network_latin()
    assert b"/CIDFontType2" in export_bytes("pdf", latin, ExportInfo.for_subgraph(latin, "Latin", "fsa-jp"))


def operator_network_latin() -> Subgraph:
    network = Subgraph()
    seen = source("fsa-jp", "r1", CLEAR, 1_764_000_000_000)
    network.nodes["local:fsa-jp/r1:a"] = NodeView("local:fsa-jp/r1:a", "Person", [seen], names={"Ann": ["fsa-jp/r1"]})
    return network


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_japanese_pictures_are_deterministic(fmt):
    network = operator_network()
    assert export_bytes(fmt, network) == export_bytes(fmt, network)


def test_labels_are_sized_by_their_script():
    assert picture._width_em("株式会社") == 4.0
    assert picture._width_em("Mirai") == pytest.approx(5 * 0.68)
