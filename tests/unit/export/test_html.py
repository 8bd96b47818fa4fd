"""The interactive HTML page: one self-contained file that loads nothing, shows the marking, and
keeps hostile names as text.

Two layers: checks on the bytes (no browser), then the page opened in headless Chromium
through Playwright (Debian's /usr/bin/chromium, no downloaded browser): the graph renders,
nothing is requested but the file itself, no console errors, search and the side panel work.
The browser tests are skipped, saying why, when Playwright or Chromium is missing.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from graph.export import FORMATS, ExportInfo, html
from graph.view import Subgraph
from graph.visibility import CLEAR, GREEN
from tests.unit.export.conftest import edge, export_bytes, info_for, node, random_subgraph, source

OPERATOR = "jp_cn:5010001234567"
DATA_OPEN = '<script type="application/json" id="regulink-data">'

HOSTILE = [
    "</script><script>window.__pwned=1</script>",
    "<!--<script>window.__pwned=2</script>",
    '<img src="x" onerror="window.__pwned=3">',
    "line\u2028separator\u2029paragraph",
    "]]> & &amp; \" ' `${window.__pwned=4}`",
]


def hostile_network() -> Subgraph:
    src = source("mas-sg", "case-<b>1</b>", GREEN, 1_764_000_000_000)
    sub = Subgraph()
    keys = []
    for i, name in enumerate(HOSTILE):
        key = f"local:mas-sg/case-x:{i}</script>"
        sub.nodes[key] = node(key, "Person", [src], names=(name,), roles=("unauthorized_operator",),
                              attributes=(("note", name),))
        keys.append(key)
    for a, b in zip(keys, keys[1:]):
        sub.add_edge(edge(a, "ASSOCIATED_WITH", b, [src], evidence=(HOSTILE[0],)))
    return sub


def page_data(page: bytes) -> dict:
    text = page.decode("utf-8")
    start = text.index(DATA_OPEN) + len(DATA_OPEN)
    return json.loads(text[start:text.index("</script>", start)])


# --- the bytes --------------------------------------------------------------------------------


def test_registered_as_html():
    assert FORMATS["html"].writer is html.write
    assert FORMATS["html"].extension == "html" and FORMATS["html"].media_type.startswith("text/html")


def test_one_file_that_loads_nothing(operator_network):
    page = export_bytes("html", operator_network).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    head = page[:page.index("<script")]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert csp and "default-src 'none'" in csp.group(1) and "img-src data:" in csp.group(1)
    # No element that could fetch anything: no src/href attributes, no <link>, <iframe>, <object>.
    outside_scripts = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"<(link|iframe|object|embed|img|base)\b", outside_scripts, re.I)
    assert not re.search(r"\s(src|href|action)\s*=", outside_scripts, re.I)
    # The vendored library is inlined whole, once.
    assert page.count(html._cytoscape_js().decode()) == 1


def test_marking_title_viewer_and_date_are_static_html(operator_network):
    page = export_bytes("html", operator_network).decode("utf-8")
    body = page[:page.index("<script")]
    assert body.count("TLP:AMBER+STRICT") >= 3  # <title>, top banner, bottom banner
    assert "may not pass this on outside its own organisation" in body
    assert "color:#FFC000" in body  # TLP 2.0 amber on black
    assert "Mirai Coin network / ミライコイン" in body and "fsa-jp" in body and "2025-12-01 09:30 UTC" in body


def test_data_carries_positions_flags_and_panel_fields(operator_network):
    data = page_data(export_bytes("html", operator_network))
    assert data["info"]["tlp"] == "TLP:AMBER+STRICT" and data["info"]["viewer"] == "fsa-jp"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == set(operator_network.nodes)
    assert len(data["edges"]) == len(operator_network.edges)
    operator = nodes[OPERATOR]
    assert operator["flags"] == ["unauthorized operator"]
    assert operator["agencies"] == ["fsa-jp", "mas-sg"] and operator["tlp"] == "TLP:AMBER"
    assert "株式会社ミライコイン" in operator["names"] and operator["degree"] == 9
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert sum("flags" in n for n in data["nodes"]) == 1
    assert data["types"]["CryptoWallet"] == {"color": "#dd8452", "shape": "diamond"}
    assert data["links"]["POSSIBLY_SAME_AS"].startswith("possibly the same")


def test_sanctioned_by_link_flags_its_source():
    src = source("fsa-jp", "r1", CLEAR, 1_764_000_000_000)
    sub = Subgraph()
    sub.nodes["w"] = node("w", "CryptoWallet", [src], identifiers=("w",))
    sub.nodes["ofac"] = node("ofac", "Organization", [src], names=("OFAC",))
    sub.add_edge(edge("w", "SANCTIONED_BY", "ofac", [src]))
    assert html.flags(sub) == {"w": ["sanctioned"]}


def test_hostile_names_cannot_leave_the_data_element():
    sub = hostile_network()
    page = export_bytes("html", sub).decode("utf-8")
    text = page[page.index(DATA_OPEN) + len(DATA_OPEN):]
    data_section = text[:text.index("</script>")]
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in data_section
    # ... and the strings come back intact through JSON.
    data = page_data(page.encode("utf-8"))
    names = sorted(name for n in data["nodes"] for name in n["names"])
    assert names == sorted(HOSTILE)
    assert data["edges"][0]["evidence"] == [HOSTILE[0]]
    assert any(n["id"].endswith(":0</script>") for n in data["nodes"])
    # The page's <title> and heading escape a hostile title too.
    info = ExportInfo.for_subgraph(sub, "</title><script>x()</script>", "fsa-jp")
    assert "</title><script>" not in export_bytes("html", sub, info).decode("utf-8")


def test_same_input_same_bytes(operator_network):
    assert export_bytes("html", operator_network) == export_bytes("html", operator_network)


def test_streams_head_library_then_data(operator_network):
    writes: list[bytes] = []

    class Recorder(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            writes.append(bytes(b))
            return len(b)

    sub = random_subgraph(3000, 6000, seed=5)
    html.write(sub, info_for(sub), Recorder())
    assert len(writes) > 10
    assert writes[0].startswith(b"<!DOCTYPE html>") and writes[1] == html._cytoscape_js()
    assert DATA_OPEN.encode() in writes[2]


def test_refuses_to_understate_the_marking(operator_network):
    info = ExportInfo.for_subgraph(operator_network, "x", "fsa-jp")
    with pytest.raises(ValueError):
        html.write(operator_network, ExportInfo(info.title, info.viewer, info.generated_at, GREEN), io.BytesIO())


def test_empty_subgraph_is_a_valid_page():
    data = page_data(export_bytes("html", Subgraph()))
    assert data["nodes"] == [] and data["edges"] == [] and data["info"]["tlp"] == "TLP:CLEAR"


def test_vendored_library_and_its_licence_ship_with_the_package():
    vendor = Path(html.__file__).parent / "vendor"
    assert (vendor / "cytoscape.min.js").read_bytes().startswith(b"/**\n * Copyright (c) 2016-")
    assert "Permission is hereby granted" in (vendor / "cytoscape.LICENSE").read_text()
    assert b"</script" not in (vendor / "cytoscape.min.js").read_bytes().lower()
    # The page's own files (graph/export/page/) ship too, and can close neither element they go in.
    assert "</script" not in html._page_file("export.js").lower() and "</" not in html._page_file("export.css")


def test_ten_thousand_nodes_within_three_seconds():
    sub = random_subgraph(10_000, 30_000, seed=1)
    info = info_for(sub)
    out = io.BytesIO()
    # CPU time of this process: the work is single-threaded here, and other load on the machine
    # (parallel test runs) does not count against it.
    began = time.process_time()
    html.write(sub, info, out)
    elapsed = time.process_time() - began
    assert elapsed < 3.0, f"HTML export of 10k nodes / 30k edges took {elapsed:.2f} s of CPU"
    assert len(page_data(out.getvalue())["nodes"]) == 10_000


# --- in a browser -----------------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("REGULINK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium found (Debian: apt-get install -y chromium; or set REGULINK_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        # Playwright gives each launch a fresh temporary --user-data-dir.
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class Opened:
    """A page with what it logged and requested."""

    def __init__(self, browser, path: Path):
        self.url = path.as_uri()
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.console.append((message.type, message.text)))
        self.page.on("pageerror", lambda error: self.console.append(("pageerror", str(error))))
        self.page.goto(self.url)
        self.page.wait_for_function("window.regulink && window.regulink.ready", timeout=60_000)
        self.page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def problems(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "warning", "pageerror")]

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def open_page(browser, tmp_path):
    opened: list[Opened] = []

    def opener(subgraph: Subgraph, info: ExportInfo | None = None) -> Opened:
        path = tmp_path / f"page{len(opened)}.html"
        path.write_bytes(export_bytes("html", subgraph, info))
        opened.append(Opened(browser, path))
        return opened[-1]

    yield opener
    for page in opened:
        page.close()


def test_browser_renders_every_element_silently_and_offline(open_page, operator_network):
    opened = open_page(operator_network)
    page = opened.page
    assert page.evaluate("regulink.cy.nodes().length") == len(operator_network.nodes)
    assert page.evaluate("regulink.cy.edges().length") == len(operator_network.edges)
    assert page.evaluate("regulink.cy.nodes('.flagged').map(n => n.id())") == [OPERATOR]
    # Drawn, on screen: every node's rendered position inside the canvas.
    inside = page.evaluate("""() => { const cy = regulink.cy, w = cy.width(), h = cy.height();
        return cy.nodes().every(n => { const p = n.renderedPosition();
                                       return p.x > 0 && p.y > 0 && p.x < w && p.y < h; }); }""")
    assert inside
    assert opened.problems() == []
    assert opened.requests == [opened.url]


def test_browser_shows_the_marking_banner(open_page, operator_network):
    page = open_page(operator_network).page
    banner = page.locator(".tlp").first
    assert banner.is_visible()
    assert "TLP:AMBER+STRICT" in banner.inner_text()
    assert "may not pass this on outside its own organisation" in banner.inner_text()
    assert page.eval_on_selector(".tlp-label", "e => getComputedStyle(e).color") == "rgb(255, 192, 0)"
    assert page.eval_on_selector(".tlp", "e => getComputedStyle(e).backgroundColor") == "rgb(0, 0, 0)"
    assert page.title().startswith("TLP:AMBER+STRICT")


def test_browser_search_finds_highlights_and_selects(open_page, operator_network):
    page = open_page(operator_network).page
    page.fill("#search", "mirai coin ltd")
    page.wait_for_selector("#results li[role=option]")
    assert page.locator("#results li[role=option]").count() == 1
    assert "株式会社ミライコイン" in page.locator("#results").inner_text()
    assert page.evaluate("regulink.cy.nodes('.match').map(n => n.id())") == [OPERATOR]
    page.press("#search", "Enter")
    page.wait_for_function(f"regulink.cy.getElementById({json.dumps(OPERATOR)}).selected()")
    assert "株式会社ミライコイン" in page.locator("#panel h2").inner_text()
    # by identifier, full-width digits folded (NFKC)
    assert page.evaluate("regulink.search('５０１０００１２３４５６７')") == 1
    assert page.evaluate("regulink.search('0x52908400098527886e0f')") == 1
    assert page.evaluate("regulink.search('no such thing')") == 0
    assert "No visible node matches" in page.locator("#results").inner_text()


def test_browser_click_on_a_node_opens_its_panel(open_page, operator_network):
    page = open_page(operator_network).page
    point = page.evaluate(f"""() => {{ const box = document.getElementById('cy').getBoundingClientRect();
        const p = regulink.cy.getElementById({json.dumps(OPERATOR)}).renderedPosition();
        return {{x: box.left + p.x, y: box.top + p.y}}; }}""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function(f"regulink.cy.getElementById({json.dumps(OPERATOR)}).selected()")
    panel = page.locator("#panel").inner_text()
    for expected in ("株式会社ミライコイン", "Mirai Coin Ltd.", "jp_cn:5010001234567", "fsa-jp", "mas-sg",
                     "fsa-jp/warn-2025-031", "mas-sg/case-7781", "TLP:AMBER", "2025-11-24 16:00 UTC",
                     "country=JP"):
        assert expected in panel, expected
    assert page.locator("#panel .flag").inner_text().lower() == "unauthorized operator"
    assert page.locator("#panel a").count() >= 9  # one per link, to its other end
    # An edge through the panel's own link, then the page background clears the panel.
    page.locator("#panel a", has_text="controls").first.click()
    panel = page.locator("#panel").inner_text()
    assert "deposit address shown on the site" in panel and "mas-sg/case-7781" in panel
    page.mouse.click(60, 600)  # the empty canvas, far from any node
    page.wait_for_function("regulink.cy.$(':selected').length === 0")
    assert "Click a node or a link" in page.locator("#panel").inner_text()


def test_browser_shows_hostile_names_as_text(open_page):
    sub = hostile_network()
    opened = open_page(sub, ExportInfo.for_subgraph(sub, '<img src="y" onerror="window.__pwned=9">', "fsa-jp"))
    page = opened.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3  # library, data, page script
    assert page.evaluate("regulink.cy.nodes().length") == len(HOSTILE)
    for key, view in sub.nodes.items():
        name = next(iter(view.names))
        assert page.evaluate("id => regulink.data.nodes.find(n => n.id === id).label", key) == name
        page.evaluate("id => regulink.select(id)", key)
        assert page.locator("#panel h2").text_content() == name
    assert page.locator("h1").text_content() == '<img src="y" onerror="window.__pwned=9">'
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert opened.requests == [opened.url]
    assert opened.problems() == []


def test_browser_two_thousand_nodes(open_page):
    sub = random_subgraph(2000, 6000, seed=2)
    began = time.perf_counter()
    opened = open_page(sub)
    elapsed = time.perf_counter() - began
    page = opened.page
    assert page.evaluate("regulink.cy.nodes().length") == 2000
    assert page.evaluate("regulink.cy.edges().length") == 6000
    assert opened.problems() == [] and opened.requests == [opened.url]
    target = next(k for k, n in sub.nodes.items() if n.type == "Person")
    label = next(iter(sub.nodes[target].names))
    assert page.evaluate("q => regulink.search(q)", label) >= 1
    assert elapsed < 60, f"2,000 nodes took {elapsed:.1f} s to show"


def test_browser_edges_whose_keys_would_collide_as_text(open_page):
    """Edge ids are the page's own: "a|T|b" + "c" and "a" + "b|T|c" would both read "a|T|b|T|c"."""
    src = source("fsa-jp", "r1", GREEN, 1_764_000_000_000)
    sub = Subgraph()
    for key in ("a|ASSOCIATED_WITH|b", "c", "a", "b|ASSOCIATED_WITH|c"):
        sub.nodes[key] = node(key, "Organization", [src], names=(f"org {key}",))
    sub.add_edge(edge("a|ASSOCIATED_WITH|b", "ASSOCIATED_WITH", "c", [src], evidence=("first",)))
    sub.add_edge(edge("a", "ASSOCIATED_WITH", "b|ASSOCIATED_WITH|c", [src], evidence=("second",)))
    opened = open_page(sub)
    page = opened.page
    assert page.evaluate("regulink.cy.edges().length") == 2
    assert opened.problems() == []
    assert page.evaluate("regulink.select('a|ASSOCIATED_WITH|b|ASSOCIATED_WITH|c')")
    assert page.locator("#panel").inner_text().count("org ") == 2
