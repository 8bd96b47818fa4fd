"""The investigator console in headless Chromium, against a real gateway and a real console on loopback:
each thing an investigator does (issue 17, items 1-9), through the page as a person uses it.

The gateway is the session's (tests/e2e/conftest.py); this module's records use their own names and
identifiers, so the other tests' answers do not change. npa-cyber's console holds its signing key (it may
confirm or reject candidates); tokyo-metro's does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import secrets
import sqlite3
import zipfile
from xml.etree import ElementTree

import pytest

from gateway import keys
from gateway.sdk.client import sign_for
from regulink.v1 import records_pb2
from tests.e2e.consolekit import (
    ConsoleProcess,
    add_by_search,
    canvas_keys,
    open_console,
    org,
    push,
    record,
    select,
    wallet_address,
    wallet_entity,
)

pytestmark = pytest.mark.slow
TAG = secrets.token_hex(3)


class Data:
    """The records this module pushes, and the keys the graph gives their entities."""

    def __init__(self) -> None:
        self.hub_domain = f"hoshi-{TAG}.example"
        self.hub = f"domain:{self.hub_domain}"
        self.operator = f"local:tokyo-metro/CON-HUB-{TAG}:op"
        self.hub_wallets = [wallet_address() for _ in range(8)]
        self.hub_email = f"desk@{self.hub_domain}"
        self.onward = wallet_address()
        self.latin = f"local:tokyo-metro/CON-LATIN-{TAG}:org"
        self.japanese = f"local:tokyo-metro/CON-JA-{TAG}:org"
        self.cyrillic = f"local:npa-cyber/CON-RU-{TAG}:org"
        self.person = f"local:npa-cyber/CON-TRACE-{TAG}:person"
        self.sakura_a = f"local:tokyo-metro/CON-SAKURA-A-{TAG}:org"
        self.sakura_b = f"local:npa-cyber/CON-SAKURA-B-{TAG}:org"

    def wallet_key(self, address: str) -> str:
        return f"wallet:ETH:{address.lower()}"


def records(data: Data) -> list[records_pb2.CaseRecord]:
    hub = record("tokyo-metro", f"CON-HUB-{TAG}")
    org(hub, "op", "Hoshi Hub Exchange", domain=data.hub_domain, operator=True)
    hub.entities.add(ref="mail", type=records_pb2.ENTITY_TYPE_EMAIL).identifiers.add(kind="email", value=data.hub_email)
    hub.links.add(source="op", target="mail", type=records_pb2.LINK_TYPE_USES)
    for i, address in enumerate(data.hub_wallets):
        wallet_entity(hub, f"w{i}", address)
        hub.links.add(source="op", target=f"w{i}", type=records_pb2.LINK_TYPE_CONTROLS, evidence=f"ledger page {i}")

    trace = record("npa-cyber", f"CON-TRACE-{TAG}")
    wallet_entity(trace, "w", data.hub_wallets[0])
    wallet_entity(trace, "onward", data.onward)
    trace.entities.add(ref="person", type=records_pb2.ENTITY_TYPE_PERSON, name="Taro Yamada")
    trace.links.add(source="w", target="onward", type=records_pb2.LINK_TYPE_TRANSFERRED_TO, evidence="tx 0x77…")
    trace.links.add(source="person", target="onward", type=records_pb2.LINK_TYPE_CONTROLS)

    latin = record("tokyo-metro", f"CON-LATIN-{TAG}")
    org(latin, "org", f"Mirai Coin Trading {TAG}")
    japanese = record("tokyo-metro", f"CON-JA-{TAG}")
    org(japanese, "org", "株式会社ミライコイン")
    cyrillic = record("npa-cyber", f"CON-RU-{TAG}")
    org(cyrillic, "org", "Мирай Коин")

    sakura_a = record("tokyo-metro", f"CON-SAKURA-A-{TAG}")
    org(sakura_a, "org", "Sakura Digital Exchange Co")
    sakura_b = record("npa-cyber", f"CON-SAKURA-B-{TAG}")
    org(sakura_b, "org", "Sakura Digital Exchange Ltd")
    return [hub, trace, latin, japanese, cyrillic, sakura_a, sakura_b]


@pytest.fixture(scope="module")
async def data(env) -> Data:
    found = Data()
    await push(env, *records(found))
    return found


@pytest.fixture(scope="module")
async def consoles(env, data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("console")
    key_file = folder / "npa-cyber.pem"
    keys.write_private_key(env.signing["npa-cyber"], key_file)
    npa, metro = await asyncio.gather(
        ConsoleProcess.start("npa-cyber", env.target, env.tls, folder, "--key", str(key_file),
                             "--investigator", "Aiko Tanaka"),
        ConsoleProcess.start("tokyo-metro", env.target, env.tls, folder))
    yield {"npa-cyber": npa, "tokyo-metro": metro}
    for console in (npa, metro):
        assert await console.stop() == 0


@pytest.fixture()
async def page_of(consoles, chromium):
    """Open a fresh page on an agency's console; afterwards: no console error, nothing left the origin."""
    opened = []

    async def opener(agency: str = "npa-cyber"):
        console = consoles[agency]
        opened.append(await open_console(chromium, await console.new_link()))
        return opened[-1]

    yield opener
    for page in opened:
        await page.close()
        assert page.problems() == [], page.problems()
        assert page.foreign == [], f"requests left the console's origin: {page.foreign}"
        assert all(url.startswith((page.base + "/", "blob:", "data:")) for url in page.requests)


async def hit_keys(page) -> list[str]:
    return await page.page.evaluate("[...document.querySelectorAll('#search-results li[data-key]')]"
                                    ".map(li => li.dataset.key)")


async def search(page, text: str, expect: str | None = None) -> list[str]:
    await page.page.fill("#search-input", "")
    await page.page.type("#search-input", text, delay=5)  # type-ahead: no Enter pressed
    answered = '#search-results[aria-busy="false"]'
    if expect is not None:
        await page.page.wait_for_selector(f'{answered} li[data-key="{expect}"]', timeout=20_000)
    else:
        await page.page.wait_for_selector(f"{answered} li", timeout=20_000)
    return await hit_keys(page)


# -- 1. search with type-ahead -----------------------------------------------------------------------

async def test_search_types_ahead_names_in_any_script_and_identifiers_in_any_form(data, page_of):
    page = await page_of()
    assert data.latin in await search(page, f"MIRAI COIN TRADING {TAG.upper()}", data.latin)
    # Japanese and Cyrillic names, found in their script and transliterated (as the candidates compare them).
    assert data.japanese in await search(page, "ミライコイン", data.japanese)
    assert data.japanese in await search(page, "miraikoin", data.japanese)
    assert data.cyrillic in await search(page, "Мирай", data.cyrillic)
    assert data.cyrillic in await search(page, "miray koin", data.cyrillic)
    # Identifiers in any case or form the resolver takes: a wallet upper-cased, a URL for a domain, an e-mail.
    wallet = data.wallet_key(data.hub_wallets[3])
    assert wallet in await search(page, data.hub_wallets[3].upper().replace("0X", "0x"), wallet)
    assert data.hub in await search(page, f"HTTPS://{data.hub_domain.upper()}/contact?x=1", data.hub)
    email = f"email:{data.hub_email}"
    assert email in await search(page, data.hub_email.upper(), email)
    # A hit shows the type, the marking and the reporting agencies.
    row = await page.page.inner_text(f'#search-results li[data-key="{email}"]')
    assert "Email" in row and "TLP:GREEN" in row and "tokyo-metro" in row
    # Nothing matches: the list says so, and an unrelated name finds none of this module's entities.
    hits = await search(page, f"zzqx nothing {TAG}")
    assert hits == [] and "nothing you may see" in await page.page.inner_text("#search-results")


# -- 2. canvas: add, expand with type filter and cap, remove, pin, re-layout, undo ---------------------------

async def test_canvas_expands_with_a_cap_that_says_what_it_cut_and_undoes(data, page_of):
    page = await page_of()
    await add_by_search(page, "Hoshi Hub Exchange", data.operator)
    await select(page, data.operator)
    await page.page.fill("#expand-cap", "4")
    await page.page.click("#expand")
    await page.until("document.getElementById('status').textContent.includes('neighbours shown')")
    status = await page.page.inner_text("#status")
    # 8 wallets, the e-mail and the website: 10 neighbours, 4 kept, 6 cut.
    assert status.startswith("4 neighbours shown; 6 more cut by the cap of 4"), status
    assert len(await canvas_keys(page)) == 5
    # A type filter: only wallets.
    await page.page.click("#undo")
    await page.until("window.regulink.canvas.cy.nodes().length === 1")
    await page.page.select_option("#expand-type", "CryptoWallet")
    await page.page.fill("#expand-cap", "50")
    await select(page, data.operator)
    await page.page.click("#expand")
    await page.until("window.regulink.canvas.cy.nodes().length === 9")
    types = set(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => n.data('type'))"))
    assert types == {"CryptoWallet", "Organization"}
    # Pin one node, lay out again: the pinned node stays where it was, the others move.
    pinned = data.wallet_key(data.hub_wallets[1])
    await select(page, pinned)
    await page.page.click("#pin")
    before = await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => [n.id(), n.position()])")
    await page.page.click("#relayout")
    after = dict(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => [n.id(), n.position()])"))
    assert dict(before)[pinned] == after[pinned]
    assert any(dict(before)[k] != after[k] for k in after if k != pinned)
    assert await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{pinned}').locked()")
    # Remove two nodes, then undo: they are back.
    gone = data.wallet_key(data.hub_wallets[2])
    await select(page, gone, pinned)
    await page.page.click("#remove")
    assert gone not in await canvas_keys(page) and pinned not in await canvas_keys(page)
    await page.page.click("#undo")
    assert {gone, pinned} <= await canvas_keys(page)
    assert await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{pinned}').locked()")


# -- 3. the card: each value's agencies and records, each record's proof checked -----------------------------

async def test_card_names_every_values_records_and_verifies_each_in_the_log(data, page_of, env):
    page = await page_of()
    wallet = data.wallet_key(data.hub_wallets[0])  # reported by tokyo-metro and npa-cyber
    await add_by_search(page, data.hub_wallets[0], wallet)
    await page.until("document.querySelectorAll('.proof.verified').length === 2", timeout=30)
    card = await page.page.inner_text("#card")
    assert "reported by npa-cyber, tokyo-metro" in card
    assert f"from tokyo-metro/CON-HUB-{TAG} (TLP:GREEN)" in card and f"from npa-cyber/CON-TRACE-{TAG} (TLP:GREEN)" in card
    head = await env.client("npa-cyber").tree_head()
    for row in await page.page.query_selector_all(".proof.verified"):
        text = await row.inner_text()
        assert "✓ verified" in text and "signed by" in text
        size = int(text.split("log of size ")[1].split()[0])
        assert 0 < size <= head.tree_size
    # The console checked them with the log key it pinned, which is the gateway's.
    log_key, _ = await env.client("npa-cyber").log_key()
    assert keys.key_id(log_key)[:16] in card
    # The "linked to" list adds a neighbour to the canvas.
    await page.page.click("#card button.linkbtn >> text=Hoshi Hub Exchange")
    await page.until(f"window.regulink.canvas.has('{data.operator}')")


# -- 4. paths, operators near, overlaps, analyze -----------------------------------------------------------------

async def test_paths_operators_overlaps_and_analyze(data, page_of):
    page = await page_of()
    await add_by_search(page, "Taro Yamada", data.person)
    operator = data.operator
    await add_by_search(page, "Hoshi Hub Exchange", operator)
    await select(page, data.person, operator)
    await page.page.click("#paths")
    await page.until("document.getElementById('status').textContent.includes('shortest path')")
    assert "1 shortest path(s) of 3 hops" in await page.page.inner_text("#status")
    path_keys = set(await page.page.evaluate("window.regulink.canvas.cy.nodes('.path').map(n => n.id())"))
    assert path_keys == {data.person, data.wallet_key(data.onward), data.wallet_key(data.hub_wallets[0]), operator}

    await select(page, data.person)
    await page.page.click("#operators")
    await page.until("document.getElementById('status').textContent.includes('unauthorized operator')")
    assert "1 unauthorized operator(s) within 3 hops" in await page.page.inner_text("#status")
    assert await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{operator}').hasClass('operator')")
    assert "Hoshi Hub Exchange" in await page.page.inner_text("#card")

    await page.page.click("#overlaps")
    await page.until("document.getElementById('status').textContent.includes('reported by two agencies')")
    overlaps = await page.page.inner_text("#card")
    assert data.hub_wallets[0] in overlaps and "npa-cyber, tokyo-metro" in overlaps

    await select(page, operator)
    await page.page.click("#analyze")
    await page.until("document.getElementById('status').textContent.includes('communities')")
    coloured = set(await page.page.evaluate("window.regulink.canvas.cy.nodes('[ccolor]').map(n => n.id())"))
    sizes = set(await page.page.evaluate("window.regulink.canvas.cy.nodes('[csize]').map(n => n.data('csize'))"))
    # Everything within two hops of the operator is coloured by community and sized by rank; the person,
    # three hops away, is outside the analysed neighbourhood.
    assert {operator, data.wallet_key(data.hub_wallets[0]), data.wallet_key(data.onward)} <= coloured
    assert data.person not in coloured and len(sizes) > 1


# -- 5. candidates: dashed with their score; confirm or reject with the signing key -----------------------------

async def test_candidates_are_dashed_and_a_signed_decision_replaces_them(data, page_of, env):
    metro = await page_of("tokyo-metro")  # no signing key: it can only read
    await add_by_search(metro, "Sakura Digital Exchange", data.sakura_a)
    await select(metro, data.sakura_a)
    await metro.page.click("#expand")
    edge = f"{min(data.sakura_a, data.sakura_b)}|POSSIBLY_SAME_AS|{max(data.sakura_a, data.sakura_b)}"
    await metro.until(f"window.regulink.canvas.has({json.dumps(edge)})")
    style = await metro.page.evaluate(f"(() => {{ const e = window.regulink.canvas.cy.getElementById({json.dumps(edge)});"
                                      "return [e.style('line-style'), e.data('display')]; })()")
    assert style == ["dashed", "possibly same · 100"]
    await metro.page.evaluate(f"void window.regulink.canvas.cy.getElementById({json.dumps(edge)}).emit('tap')")
    assert "start the console with your agency's signing key" in await metro.page.inner_text("#card")
    assert await metro.page.query_selector("#confirm") is None

    npa = await page_of("npa-cyber")
    await add_by_search(npa, "Sakura Digital Exchange", data.sakura_b)
    await select(npa, data.sakura_b)
    await npa.page.click("#expand")
    await npa.until(f"window.regulink.canvas.has({json.dumps(edge)})")
    await npa.page.evaluate(f"void window.regulink.canvas.cy.getElementById({json.dumps(edge)}).emit('tap')")
    await npa.page.fill("#decide-evidence", "different registers, different directors")
    await npa.page.select_option("#decide-tlp", "GREEN")
    size_before = (await env.client("npa-cyber").tree_head()).tree_size
    await npa.page.click("#reject")
    await npa.until("document.getElementById('status').textContent.includes('rejected')", timeout=30)
    assert not await npa.page.evaluate(f"window.regulink.canvas.has({json.dumps(edge)})")
    decided = f"{min(data.sakura_a, data.sakura_b)}|NOT_SAME_AS|{max(data.sakura_a, data.sakura_b)}"
    assert await npa.page.evaluate(f"window.regulink.canvas.has({json.dumps(decided)})")
    # The decision is a record signed with npa-cyber's key, in the log, naming the person who decided.
    entries = [e async for e in env.client("npa-cyber").subscribe(size_before, stop_at_end=True)]
    decision = next(e for e in entries if e.record_id.startswith("decision-"))
    assert decision.agency_id == "npa-cyber" and decision.record.tlp == records_pb2.TLP_GREEN
    assert "(decided by Aiko Tanaka)" in decision.record.links[0].evidence
    await env.client("npa-cyber").verify_entry(decision, "npa-cyber")


# -- 6. the time slider ---------------------------------------------------------------------------------------

async def test_time_slider_shows_only_what_was_reported_before_a_date(data, page_of, env):
    early, late = wallet_address(), wallet_address()
    first = record("tokyo-metro", f"CON-EARLY-{TAG}")
    wallet_entity(first, "a", early)
    await push(env, first)
    await asyncio.sleep(1.2)  # the second record is seen over a second later
    second = record("tokyo-metro", f"CON-LATE-{TAG}")
    wallet_entity(second, "a", early)
    wallet_entity(second, "b", late)
    second.links.add(source="a", target="b", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    await push(env, second)

    page = await page_of()
    await add_by_search(page, early, data.wallet_key(early))
    await select(page, data.wallet_key(early))
    await page.page.click("#expand")
    await page.until(f"window.regulink.canvas.has('{data.wallet_key(late)}')")
    first_ms = await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{data.wallet_key(early)}').data('first_ms')")
    # Slide to just after the first record: the later wallet and its link go out of view.
    await page.page.evaluate(f"""(() => {{ const s = document.getElementById('time'); s.value = '{first_ms + 500}';
                                          s.dispatchEvent(new Event('input')); }})()""")
    visible = await page.page.evaluate("window.regulink.canvas.shownNodes().map(n => n.id())")
    assert visible == [data.wallet_key(early)]
    assert "UTC" in await page.page.inner_text("#time-out")
    # The export of the view keeps to that date too (the gateway applies it).
    _, graphml = await page.download("graphml")
    assert data.wallet_key(early).encode() in graphml and late.lower().encode() not in graphml
    await page.page.click("#time-all")
    assert len(await page.page.evaluate("window.regulink.canvas.shownNodes().map(n => n.id())")) == 2


# -- 7. the TLP banner, and exports of exactly the view --------------------------------------------------------

def _graphml_keys(data: bytes) -> set[str]:
    root = ElementTree.fromstring(data)
    return {n.get("id") for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")}


async def test_banner_is_the_strictest_marking_and_exports_are_exactly_the_view(data, page_of, env):
    amber_wallet = wallet_address()
    amber = record("npa-cyber", f"CON-AMBER-{TAG}", tlp=records_pb2.TLP_AMBER)
    wallet_entity(amber, "w", data.hub_wallets[5])
    wallet_entity(amber, "x", amber_wallet)
    amber.links.add(source="w", target="x", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    await push(env, amber)

    page = await page_of()
    await add_by_search(page, "Hoshi Hub Exchange", data.operator)
    assert (await page.page.inner_text("#tlp-top")).startswith("TLP:GREEN")
    # The wallet is asserted by a GREEN and an AMBER record: it is AMBER, and so is the view.
    shared = data.wallet_key(data.hub_wallets[5])
    await add_by_search(page, data.hub_wallets[5], shared)
    assert (await page.page.inner_text("#tlp-top")).startswith("TLP:AMBER")
    await select(page, shared)
    await page.page.click("#expand")
    await page.until(f"window.regulink.canvas.has('{data.wallet_key(amber_wallet)}')")
    assert (await page.page.inner_text("#tlp-top")).startswith("TLP:AMBER")
    assert (await page.page.inner_text("#tlp-bottom")).startswith("TLP:AMBER")
    view = await canvas_keys(page)
    assert view == {shared, data.operator, data.wallet_key(amber_wallet)}
    beyond = data.wallet_key(data.hub_wallets[7])  # the operator's other wallets are not on the canvas

    files = {}
    for fmt in ("graphml", "gexf", "cytoscape", "node-link", "csv", "stix", "html", "png", "svg", "pdf"):
        files[fmt] = await page.download(fmt)
    for fmt, (name, _) in files.items():
        assert "TLP_AMBER" in name, (fmt, name)
    assert _graphml_keys(files["graphml"][1]) == view
    document = json.loads(files["cytoscape"][1])
    assert {n["data"]["id"] for n in document["elements"]["nodes"]} == view and document["data"]["tlp"] == "TLP:AMBER"
    assert {n["id"] for n in json.loads(files["node-link"][1])["nodes"]} == view
    with zipfile.ZipFile(io.BytesIO(files["csv"][1])) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8-sig"))))
    assert {r["key"] if "key" in r else r["id"] for r in rows} == view
    assert files["png"][1].startswith(b"\x89PNG") and files["pdf"][1].startswith(b"%PDF")
    assert b"<svg" in files["svg"][1][:2000] and b"TLP:AMBER" in files["html"][1]
    assert b'"type": "bundle"' in files["stix"][1] or b'"type":"bundle"' in files["stix"][1]
    for fmt in ("graphml", "cytoscape", "html", "csv", "stix"):
        assert data.hub_wallets[7].encode() not in files[fmt][1], fmt  # nothing beyond the view
    assert beyond not in _graphml_keys(files["graphml"][1])

    # Remove the AMBER elements: the banner follows what is shown.
    await select(page, data.wallet_key(amber_wallet), shared)
    await page.page.click("#remove")
    assert await canvas_keys(page) == {data.operator}
    assert (await page.page.inner_text("#tlp-top")).startswith("TLP:GREEN")


# -- 8. live: a new record touching a node on the canvas highlights it ------------------------------------------

async def test_a_new_record_touching_the_canvas_highlights_its_nodes(data, page_of, env):
    page = await page_of()
    target = data.wallet_key(data.hub_wallets[6])
    await add_by_search(page, data.hub_wallets[6], target)
    assert not await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{target}').hasClass('live')")
    news = record("mas-sg", f"CON-LIVE-{TAG}")
    wallet_entity(news, "w", data.hub_wallets[6])
    await env.client("mas-sg").submit(sign_for(news, [env.signing["mas-sg"]]))
    await page.until(f"window.regulink.canvas.cy.getElementById('{target}').hasClass('live')", timeout=30)
    log = await page.page.inner_text("#live-log")
    assert f"mas-sg/CON-LIVE-{TAG}" in log and "TLP:GREEN" in log
    assert "A new record touches this entity." in await page.page.inner_text("#card")
    await page.page.click("#card .stale button")
    await page.until(f"document.getElementById('card').textContent.includes('mas-sg/CON-LIVE-{TAG}')", timeout=20)


# -- 9. saved investigations ---------------------------------------------------------------------------------

async def test_saved_investigations_reopen_as_the_agency_sees_them_now(data, page_of, consoles):
    page = await page_of()
    await add_by_search(page, "Hoshi Hub Exchange", data.operator)
    await select(page, data.operator)
    await page.page.click("#expand")
    await page.until("window.regulink.canvas.cy.nodes().length > 5")
    pinned = data.wallet_key(data.hub_wallets[4])
    await select(page, pinned)
    await page.page.click("#pin")
    saved_view = await canvas_keys(page)
    places = dict(await page.page.evaluate("window.regulink.canvas.cy.nodes().map(n => [n.id(), n.position()])"))
    await page.page.fill("#save-name", f"Hoshi {TAG}")
    await page.page.click("#save")
    await page.until("document.getElementById('status').textContent.startsWith('saved')")

    later = await page_of()  # another page, later: it lists the investigation and reopens it
    options = await later.page.inner_text("#saved-list")
    assert f"Hoshi {TAG}" in options and "Aiko Tanaka" in options
    await later.page.select_option("#saved-list", f"Hoshi {TAG}")
    await later.page.click("#open")
    await later.until("document.getElementById('status').textContent.startsWith('opened')")
    assert await canvas_keys(later) == saved_view
    reopened = dict(await later.page.evaluate("window.regulink.canvas.cy.nodes().map(n => [n.id(), n.position()])"))
    assert all(abs(reopened[k]["x"] - places[k]["x"]) < 0.01 for k in saved_view)
    assert await later.page.evaluate(f"window.regulink.canvas.cy.getElementById('{pinned}').locked()")
    # It is npa-cyber's: tokyo-metro's console does not list it.
    metro = await page_of("tokyo-metro")
    assert f"Hoshi {TAG}" not in await metro.page.inner_text("#saved-list")
    # The file keeps keys and places only, never what the records say.
    path = consoles["npa-cyber"].log_path.parent / "state-npa-cyber" / "investigations.db"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        stored = db.execute("SELECT canvas FROM investigations WHERE name = ?", (f"Hoshi {TAG}",)).fetchone()[0]
    assert data.operator in stored and "Hoshi Hub Exchange" not in stored and "TLP" not in stored
    assert set(json.loads(stored)) == {"nodes", "edges", "until_ms", "title"}


async def test_console_calls_carry_the_investigator_into_the_gateways_audit(data, page_of, env):
    page = await page_of()
    await add_by_search(page, data.hub_domain, data.hub)
    lines = env.gateway.audit.recent(50, "npa-cyber")
    assert any(line["call"] == "Search" and line["investigator"] == "Aiko Tanaka" for line in lines)
    assert any(line["call"] == "GetEntity" and line["investigator"] == "Aiko Tanaka" for line in lines)
