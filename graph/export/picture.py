"""Static pictures of a visible subgraph: PNG, SVG and PDF with matplotlib (docs/exports.md).

The same deterministic layout as the HTML page (graph.export.layout), nodes coloured and
shaped by type from graph/model, unauthorized operators and sanctioned entities ringed in
red, a legend, the title, viewer and date, and the TLP marking as a banner at the top and
the bottom of the picture. Small networks get every label and link label; big ones label
their most important nodes only (flagged first, then the most linked).

matplotlib is used through its object API (`Figure`, no pyplot), so nothing global is
touched but the font list (the bundled CJK font is registered once) and the Agg renderer
draws the PNG. SVG keeps its text as text (searchable) and, like the PDF, carries no
creation date, so the same subgraph and info give the same bytes.

Names in Japanese, Chinese, Korean or Cyrillic are drawn with the fonts of
graph.export.fonts (DejaVu Sans, then Noto Sans CJK JP from a PyPI dependency): no
system font is needed. The SVG draws text that needs the CJK font as outlines (with a
transparent copy as text, so it stays searchable); the PDF draws it as Type 3 outlines
(see fonts.py and `_fallback_text_as_paths` for why).
"""

from __future__ import annotations

import copy
import math
import unicodedata
import warnings
from collections import Counter
from typing import BinaryIO

import matplotlib
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnchoredOffsetbox, HPacker, TextArea
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from graph import schema
from graph.export import fonts, layout, meta
from graph.export.html import TLP_COLOURS, flags
from graph.view import Subgraph
from graph.visibility import RED

WIDTH, HEIGHT, DPI = 1600, 1200, 100  # default size in pixels (PNG), and dots per inch
LABELS_ALL_UP_TO = 80  # nodes; bigger pictures label their MAX_LABELS most important nodes
MAX_LABELS = 40
EDGE_LABELS_UP_TO = 40  # links
FLAG_COLOUR = "#d0021b"
INK, MUTED = "#1d2430", "#5b6675"

# Cytoscape.js shape names (graph/model) -> matplotlib markers.
MARKERS = {"ellipse": "o", "round-rectangle": "s", "rectangle": "s", "diamond": "D", "triangle": "^",
           "hexagon": "h", "vee": "v", "tag": "p", "star": "*", "pentagon": "p", "octagon": "8"}



def _rc() -> dict:
    return {"font.family": list(fonts.families()), "svg.fonttype": "none", "svg.hashsalt": "regulink",
            "pdf.fonttype": 42, "path.simplify": True, "agg.path.chunksize": 20000}


def render(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO, fmt: str = "png", width: int = WIDTH,
           height: int = HEIGHT, dpi: int = DPI) -> None:
    """Draw the subgraph as `fmt` ("png", "svg" or "pdf"), `width` x `height` pixels at `dpi`."""
    info = meta.checked(subgraph, info)
    if width < 400 or height < 300:
        raise ValueError("a picture needs at least 400 x 300 pixels")
    with matplotlib.rc_context(_rc()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        figure = _draw(subgraph, info, width, height, dpi)
        metadata = {"png": {"Software": "regulink"}, "svg": {"Date": None, "Creator": "regulink"},
                    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "regulink", "Producer": "regulink",
                            "Title": meta.clean(info.title)}}[fmt]
        if fmt == "pdf":
            fonttype = fonts.pdf_fonttype(t.get_text() for t in figure.findobj(Text))
            with matplotlib.rc_context({"pdf.fonttype": fonttype}):
                figure.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
        else:
            if fmt == "svg":
                _fallback_text_as_paths(figure)
            figure.savefig(out, format=fmt, dpi=dpi, metadata=metadata)


def _fallback_text_as_paths(figure: Figure) -> None:
    """SVG: draw text that needs the CJK font as outlines, with a transparent copy kept as text.

    SVG text is drawn by the viewer's fonts, and a viewer without a CJK font draws boxes. An
    embedded @font-face subset was tried: Chromium lays out the first text runs before the font
    is decoded and never redraws them (boxes again). Outlines from our own font always render;
    the invisible twin keeps the name searchable and selectable.
    """
    for text in list(figure.findobj(Text)):
        if not text.get_visible() or not fonts.needs_fallback(text.get_text()):
            continue
        twin = copy.copy(text)
        twin.set_alpha(0)
        twin.set_bbox(None)
        twin.set_path_effects([])
        text.set_path_effects([patheffects.Normal()])  # a path effect makes every backend draw paths
        (text.axes or figure).add_artist(twin)


def _draw(subgraph: Subgraph, info: meta.ExportInfo, width: int, height: int, dpi: int) -> Figure:
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    px_w, px_h = 1.0 / width, 1.0 / height  # one pixel in figure fractions
    k = 100 / dpi  # sizes in points below are for 100 dpi: the picture looks the same at any dpi
    _banner(figure, info, top=True, height=34 * px_h, k=k)
    _banner(figure, info, top=False, height=26 * px_h, k=k)

    header = info.header(subgraph)
    y = 1 - 34 * px_h - 14 * px_h
    figure.text(20 * px_w, y, meta.clean(info.title), fontsize=17 * k, fontweight="bold",
                color=INK, va="top")
    generated = f'{header["generated_at"][:10]} {header["generated_at"][11:16]} UTC'
    facts = (f"Prepared for {header['viewer']} · generated {generated} · {len(subgraph.nodes):,} nodes · "
             f"{len(subgraph.edges):,} links" + (" · truncated: more exists" if subgraph.truncated else ""))
    lines = [header["description"], facts] if header["description"] else [facts]
    for i, line in enumerate(lines):
        figure.text(20 * px_w, y - (30 + 19 * i) * px_h, line, fontsize=11.5 * k, color=MUTED, va="top")

    top = 1 - (34 + 14 + 30 + 19 * len(lines) + 16) * px_h
    bottom = (26 + 16) * px_h
    legend_w = 290 * px_w
    axes = figure.add_axes((20 * px_w, bottom, 1 - 40 * px_w - legend_w, top - bottom))
    axes.set_axis_off()
    _network(axes, subgraph, figure, k)
    _legend(figure, subgraph, legend_w, top, k)
    return figure


def _banner(figure: Figure, info: meta.ExportInfo, top: bool, height: float, k: float) -> None:
    y0 = 1 - height if top else 0.0
    figure.patches.append(Rectangle((0, y0), 1, height, transform=figure.transFigure, facecolor="black",
                                    edgecolor="none", zorder=10))
    colour = TLP_COLOURS.get(info.tlp, TLP_COLOURS[RED])
    statement = info.tlp_statement.removeprefix(f"{info.tlp_name} — ")
    line = HPacker(children=[
        TextArea(info.tlp_name, textprops={"color": colour, "fontsize": (13 if top else 11) * k, "fontweight": "bold"}),
        TextArea(statement, textprops={"color": "#eeeeee", "fontsize": (11 if top else 10) * k}),
    ], align="baseline", pad=0, sep=12 * k)
    box = AnchoredOffsetbox(loc="center left" if top else "center", child=line, frameon=False, pad=0, borderpad=0,
                            bbox_to_anchor=(20 / figure.bbox.width if top else 0.5, y0 + height / 2),
                            bbox_transform=figure.transFigure)
    box.set_zorder(11)
    figure.add_artist(box)


def _network(axes, subgraph: Subgraph, figure: Figure, k: float) -> None:
    positions = layout.layout(subgraph)
    n = len(positions)
    if not n:
        axes.text(0.5, 0.5, "nothing visible to draw", ha="center", va="center", color=MUTED, fontsize=13 * k,
                  transform=axes.transAxes)
        return
    degree: Counter = Counter()
    for edge in subgraph.edges.values():
        degree[edge.source] += 1
        degree[edge.target] += 1
    flagged = flags(subgraph)

    # Marker size from the room each node has on the axes (points), hubs bigger.
    box = axes.get_position()
    area_pt = (box.width * figure.get_figwidth() * 72) * (box.height * figure.get_figheight() * 72)
    base = max(2.5, min(20.0, 0.3 * math.sqrt(area_pt / n)))
    line_width = max(0.25, min(1.3, base / 10))

    xs = {k: p[0] for k, p in positions.items()}
    ys = {k: p[1] for k, p in positions.items()}
    plain, dashed = [], []
    for edge in subgraph.edges.values():
        segment = ((xs[edge.source], ys[edge.source]), (xs[edge.target], ys[edge.target]))
        (dashed if edge.type in ("POSSIBLY_SAME_AS", "SAME_AS") else plain).append(segment)
    alpha = 0.85 if len(subgraph.edges) < 200 else max(0.15, 0.85 - 0.17 * math.log10(len(subgraph.edges) / 200))
    axes.add_collection(LineCollection(plain, colors="#8a96a6", linewidths=line_width, alpha=alpha, zorder=1))
    if dashed:
        axes.add_collection(LineCollection(dashed, colors="#8e44ad", linewidths=line_width * 1.3, alpha=0.9,
                                           linestyles=(0, (4, 3)), zorder=1))

    order = sorted(subgraph.nodes)  # deterministic drawing order
    by_type: dict[str, list[str]] = {}
    for key in order:
        by_type.setdefault(subgraph.nodes[key].type, []).append(key)

    def size(key: str) -> float:
        return (base * (1 + 0.18 * math.sqrt(degree[key]))) ** 2

    for node_type, keys in by_type.items():
        color, shape = meta.style(node_type)
        axes.scatter([xs[k] for k in keys], [ys[k] for k in keys], s=[size(k) for k in keys], c=color,
                     marker=MARKERS.get(shape, "o"), edgecolors="#33333366", linewidths=0.5, zorder=3)
    if flagged:
        keys = [k for k in order if k in flagged]
        axes.scatter([xs[k] for k in keys], [ys[k] for k in keys], s=[size(k) * 2.6 for k in keys],
                     facecolors="none", edgecolors=FLAG_COLOUR, linewidths=max(1.2, base / 6), zorder=4)

    # Equal scales on both axes: widen the tighter range to the axes' own proportions.
    x0, y0, x1, y1 = layout.bounds(positions)
    pad_x, pad_y = max(0.8, 0.06 * (x1 - x0)), max(0.8, 0.06 * (y1 - y0))
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    ratio = (box.width * figure.get_figwidth()) / (box.height * figure.get_figheight())
    if (x1 - x0) / (y1 - y0) < ratio:
        grow = ((y1 - y0) * ratio - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = ((x1 - x0) / ratio - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    axes.set_xlim(x0, x1)
    axes.set_ylim(y1, y0)  # y grows downwards, as in the layout and on screen

    # Labels: all of a small network; in a big one the most important nodes (flagged, then the
    # most linked) whose label does not cover one already placed.
    # A light box, not a stroke outline: path effects would turn SVG text into paths.
    backdrop = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}
    font = (10 if n <= LABELS_ALL_UP_TO else 8.5) * k
    font_px = font * figure.dpi / 72
    placed: list[tuple[float, float, float, float]] = []
    for key in sorted(order, key=lambda key_: (key_ not in flagged, -degree[key_], key_)):
        if n > LABELS_ALL_UP_TO and len(placed) >= MAX_LABELS:
            break
        text = _short(meta.clean(subgraph.nodes[key].caption))
        below = math.sqrt(size(key)) / 2 + 3
        x, y = axes.transData.transform((xs[key], ys[key]))
        y -= below * figure.dpi / 72
        half = _width_em(text) * font_px / 2
        rect = (x - half, y - font_px * 1.3, x + half, y)
        if n > LABELS_ALL_UP_TO and any(rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3]
                                        for r in placed):
            continue
        placed.append(rect)
        axes.annotate(text, (xs[key], ys[key]), xytext=(0, -below), textcoords="offset points", ha="center",
                      va="top", fontsize=font, zorder=6, bbox=backdrop,
                      color=FLAG_COLOUR if key in flagged else INK,
                      fontweight="bold" if key in flagged else "normal")
    if len(subgraph.edges) <= EDGE_LABELS_UP_TO:
        for edge in subgraph.edges.values():
            mx, my = (xs[edge.source] + xs[edge.target]) / 2, (ys[edge.source] + ys[edge.target]) / 2
            axes.text(mx, my, meta.link_label(edge.type), fontsize=8 * k, color=MUTED, ha="center", va="center",
                      zorder=2, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.85})


def _width_em(text: str) -> float:
    """Rough width of a label in ems: CJK characters are a full em, Latin ones (bold) ~0.68."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.68 for c in text)


def _short(text: str) -> str:
    """As the HTML page shortens labels: an address keeps both ends, a name its start."""
    if len(text) <= 30:
        return text
    return text[:28] + "…" if any(c.isspace() for c in text) else f"{text[:12]}…{text[-8:]}"


def _legend(figure: Figure, subgraph: Subgraph, legend_w: float, top: float, k: float) -> None:
    counts = Counter(node.type for node in subgraph.nodes.values())
    known = [kind.name for kind in sorted(schema.BY_NAME.values(), key=lambda kind: kind.proto)]
    handles, labels = [], []
    for name in known + sorted(set(counts) - set(known)):
        if counts.get(name):
            color, shape = meta.style(name)
            handles.append(Line2D([], [], linestyle="none", marker=MARKERS.get(shape, "o"), markersize=10 * k,
                                  markerfacecolor=color, markeredgecolor="#33333366"))
            labels.append(f"{name} ({counts[name]:,})")
    flagged = len(flags(subgraph))
    if flagged:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=13 * k, markerfacecolor="none",
                              markeredgecolor=FLAG_COLOUR, markeredgewidth=2 * k))
        labels.append(f"unauthorized / sanctioned ({flagged:,})")
    if any(e.type in ("POSSIBLY_SAME_AS", "SAME_AS") for e in subgraph.edges.values()):
        handles.append(Line2D([], [], color="#8e44ad", linestyle=(0, (4, 3)), linewidth=1.5 * k))
        labels.append("possibly / confirmed same")
    if handles:
        figure.legend(handles, labels, loc="upper right", bbox_to_anchor=(1 - 16 / figure.bbox.width, top),
                      bbox_transform=figure.transFigure, frameon=True, framealpha=1, edgecolor="#d9dee5",
                      title="Legend", alignment="left", fontsize=10.5 * k, title_fontsize=11 * k, borderpad=0.9,
                      labelspacing=0.7, handletextpad=0.6)


def _writer(fmt: str):
    def write(subgraph: Subgraph, info: meta.ExportInfo, out: BinaryIO, width: int = WIDTH,
              height: int = HEIGHT) -> None:
        render(subgraph, info, out, fmt, width, height)

    write.__name__ = write.__qualname__ = f"write_{fmt}"
    write.__doc__ = (f"{fmt.upper()} picture, `width` x `height` pixels (default {WIDTH} x {HEIGHT}) at {DPI} dpi; "
                     "the export service passes an ExportRequest's width and height through.")
    return write


write_png, write_svg, write_pdf = _writer("png"), _writer("svg"), _writer("pdf")
meta.register("png", write_png, "image/png", "png", f"picture, {WIDTH} x {HEIGHT} px")
meta.register("svg", write_svg, "image/svg+xml", "svg", "picture, scalable, text kept as text")
meta.register("pdf", write_pdf, "application/pdf", "pdf", "picture, one page")
