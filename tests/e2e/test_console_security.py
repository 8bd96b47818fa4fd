"""The console's security, in headless Chromium against a real gateway: two agencies side by side (the
second never receives the first's AMBER content, in the DOM, over the network or in a download), hostile
names rendered inert, nothing fetched from another origin, a strict CSP, no console errors, one-time
links, logins beyond loopback, a pinned log key, keyboard use, and no record contents in the console's log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import json
import secrets
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway import keys
from gateway.console.access import add_user
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
SECRET_NAME = f"Kagemusha Amber Holdings {TAG}"
SECRET_DOMAIN = f"kagemusha-{TAG}.example"
SECRET_RECORD = f"SEC-AMBER-{TAG}"
LATER_SECRET_RECORD = f"SEC-AMBER-LIVE-{TAG}"
HOSTILE = {
    "img": f'<img src=x onerror="window.__pwned=1">Evil {TAG}',
    "script": f"<script>window.__pwned=1</script>Script {TAG}",
    "quote": f'"><svg onload=window.__pwned=1>Quote {TAG}',
    "rtl": f"Payment {TAG} \u202egpj.exe",
    "zero_width": f"Lu\u200bmen Crest {TAG}",
}


class Secrets:
    def __init__(self) -> None:
        self.shared_wallet = wallet_address()  # GREEN, reported by tokyo-metro; the AMBER record links to it
        self.secret_wallet = wallet_address()
        self.secret_org = f"local:npa-cyber/{SECRET_RECORD}:org"
        self.hostile_hub = f"local:tokyo-metro/SEC-HOSTILE-{TAG}:hub"

    def words(self) -> list[str]:
        """What tokyo-metro must never receive."""
        return [SECRET_NAME, SECRET_DOMAIN, SECRET_RECORD, LATER_SECRET_RECORD, self.secret_wallet, self.secret_org]


@pytest.fixture(scope="module")
async def world(env) -> Secrets:
    found = Secrets()
    green = record("tokyo-metro", f"SEC-GREEN-{TAG}")
    wallet_entity(green, "w", found.shared_wallet)
    amber = record("npa-cyber", SECRET_RECORD, tlp=records_pb2.TLP_AMBER)
    org(amber, "org", SECRET_NAME, domain=SECRET_DOMAIN, operator=True)
    wallet_entity(amber, "mine", found.secret_wallet)
    wallet_entity(amber, "shared", found.shared_wallet)
    amber.links.add(source="org", target="mine", type=records_pb2.LINK_TYPE_CONTROLS, evidence=f"seized {TAG}")
    amber.links.add(source="mine", target="shared", type=records_pb2.LINK_TYPE_TRANSFERRED_TO)
    hostile = record("tokyo-metro", f"SEC-HOSTILE-{TAG}")
    org(hostile, "hub", f"Hostile Hub {TAG}")
    for ref, name in HOSTILE.items():
        org(hostile, ref, name)
        hostile.links.add(source="hub", target=ref, type=records_pb2.LINK_TYPE_ASSOCIATED_WITH,
                          evidence='<b onmouseover="window.__pwned=1">bold</b>')
    await push(env, green, amber, hostile)
    return found


@pytest.fixture(scope="module")
async def consoles(env, world, tmp_path_factory):
    folder = tmp_path_factory.mktemp("console-security")
    npa, metro = await asyncio.gather(ConsoleProcess.start("npa-cyber", env.target, env.tls, folder),
                                      ConsoleProcess.start("tokyo-metro", env.target, env.tls, folder))
    yield {"npa-cyber": npa, "tokyo-metro": metro}
    for console in (npa, metro):
        assert await console.stop() == 0
    # The console logs what was asked and how it went, never what the records say.
    for console in (npa, metro):
        log = console.log()
        for word in [*world.words(), *HOSTILE.values(), "Hostile Hub", world.shared_wallet]:
            assert word not in log, (word, log[-2000:])


@pytest.fixture()
async def page_of(consoles, chromium):
    opened = []

    async def opener(agency: str, *, clean: bool = True):
        opened.append((await open_console(chromium, await consoles[agency].new_link()), clean))
        return opened[-1][0]

    yield opener
    for page, clean in opened:
        await page.close()
        assert page.foreign == [], f"requests left the console's origin: {page.foreign}"
        if clean:
            assert page.problems() == [], page.problems()


# -- two agencies side by side ---------------------------------------------------------------------------

async def test_the_second_agency_never_receives_the_first_agencys_amber_content(world, page_of, env):
    author = await page_of("npa-cyber")
    await add_by_search(author, SECRET_NAME, world.secret_org)  # the control: the author sees it all
    await author.until("document.querySelectorAll('.proof.verified').length === 1", timeout=30)
    assert SECRET_RECORD in await author.page.inner_text("#card")

    other = await page_of("tokyo-metro")
    shared = f"wallet:ETH:{world.shared_wallet}"
    for text in (SECRET_NAME, "Kagemusha", world.secret_wallet, SECRET_DOMAIN):
        await other.page.fill("#search-input", text)
        await other.page.wait_for_selector('#search-results[aria-busy="false"] li', timeout=20_000)
        assert "nothing you may see" in await other.page.inner_text("#search-results"), text
    await add_by_search(other, world.shared_wallet, shared)
    await select(other, shared)
    await other.page.click("#expand")
    await other.until("document.getElementById('status').textContent.includes('neighbours shown')")
    assert await canvas_keys(other) == {shared}
    assert "0 neighbours shown" in await other.page.inner_text("#status")
    await other.until("document.querySelectorAll('.proof.verified').length === 1", timeout=30)
    # Asking for the hidden entity by its key (from a page of its own: answers may echo the question) gets
    # the words a missing one gets, and nothing else.
    probe = await page_of("tokyo-metro", clean=False)
    hidden = await probe.call("/api/entity", {"key": world.secret_org})
    missing = await probe.call("/api/entity", {"key": "local:npa-cyber/NO-SUCH-RECORD:org"})
    assert hidden["status"] == missing["status"] == 404
    assert hidden["body"]["error"].replace(world.secret_org, "K") == missing["body"]["error"].replace(
        "local:npa-cyber/NO-SUCH-RECORD:org", "K")
    paths = await probe.call("/api/paths", {"from": shared, "to": world.secret_org})
    assert paths["body"]["paths"] == [] and paths["body"]["nodes"] == []
    elements = await probe.call("/api/elements", {"node_keys": [shared, world.secret_org], "all_links": True})
    assert [n["key"] for n in elements["body"]["nodes"]] == [shared] and elements["body"]["edges"] == []
    amber_entry = (await env.client("npa-cyber").search(SECRET_NAME)).hits[0].node.sources[0].log_index
    proof = await probe.call("/api/verify", {"log_index": amber_entry, "agency": "npa-cyber",
                                             "record_id": SECRET_RECORD, "version": 1})
    assert proof["body"]["status"] == "failed" and SECRET_NAME not in json.dumps(proof)
    overlaps = await probe.call("/api/overlaps", {})
    assert world.secret_org not in json.dumps(overlaps)
    # The exports of the view, made by the gateway for tokyo-metro: the same.
    for fmt in ("graphml", "cytoscape", "csv", "html", "stix"):
        await other.download(fmt)
    smuggled = await probe.page.evaluate("""async body => {
        const r = await fetch('/api/export', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                              body: JSON.stringify(body)});
        return [r.status, await r.text()]; }""", {"format": "graphml", "node_keys": [shared, world.secret_org],
                                                    "edge_keys": [], "all_links": True})
    assert smuggled[0] == 200 and shared in smuggled[1] and world.secret_org not in smuggled[1]
    assert not any(world.secret_wallet in text or SECRET_NAME in text for text in
                   (json.dumps(hidden), json.dumps(elements), json.dumps(overlaps), smuggled[1]))

    # Live: an AMBER record of npa-cyber touching the shared wallet reaches npa-cyber's page, not
    # tokyo-metro's; a GREEN one reaches both (so the feed works).
    await add_by_search(author, world.shared_wallet, shared)
    later = record("npa-cyber", LATER_SECRET_RECORD, tlp=records_pb2.TLP_AMBER)
    wallet_entity(later, "w", world.shared_wallet)
    news = record("tokyo-metro", f"SEC-GREEN-LIVE-{TAG}")
    wallet_entity(news, "w", world.shared_wallet)
    await push(env, later, news)
    await other.until(f"document.getElementById('live-log').textContent.includes('SEC-GREEN-LIVE-{TAG}')", timeout=30)
    await author.until(f"document.getElementById('live-log').textContent.includes('{LATER_SECRET_RECORD}')", timeout=30)
    await asyncio.sleep(0.5)

    dom = await other.page.content()
    network = await other.network_text()
    downloads = b"".join(other.downloads).decode("utf-8", "replace")
    for word in world.words():
        assert word not in dom, word
        assert word not in network, word
        assert word not in downloads, word
    # The control: the same words did reach the author's page.
    assert SECRET_NAME in await author.network_text() and LATER_SECRET_RECORD in await author.page.content()


# -- hostile names -----------------------------------------------------------------------------------------

async def test_hostile_names_render_inert(world, page_of):
    page = await page_of("tokyo-metro")
    baseline = await page.page.evaluate("document.querySelectorAll('img, svg, script, iframe, object').length")
    await add_by_search(page, f"Hostile Hub {TAG}", world.hostile_hub)
    await select(page, world.hostile_hub)
    await page.page.click("#expand")
    await page.until(f"window.regulink.canvas.cy.nodes().length === {1 + len(HOSTILE)}")
    # The search list and every card, with the names as text.
    await page.page.fill("#search-input", f"Evil {TAG}")
    await page.page.wait_for_selector('#search-results[aria-busy="false"] li[data-key]', timeout=20_000)
    assert HOSTILE["img"] in await page.page.inner_text("#search-results")
    await page.page.keyboard.press("Escape")
    for ref, name in HOSTILE.items():
        key = f"local:tokyo-metro/SEC-HOSTILE-{TAG}:{ref}"
        await page.page.evaluate(f"window.regulink.card.showNode('{key}')")
        await page.until(f"document.querySelector('#card h2') && document.querySelector('#card h2').textContent === {json.dumps(name)}")
        card = await page.page.inner_text("#card")
        if ref in ("rtl", "zero_width"):
            assert "Caution:" in card
            assert ("bidirectional" if ref == "rtl" else "invisible") in card
            display = await page.page.evaluate(f"window.regulink.canvas.cy.getElementById('{key}').data('display')")
            assert display.startswith("⚠ \u2068") and display.endswith("\u2069")
    # The link card with markup in the evidence, too.
    await page.page.evaluate("void window.regulink.canvas.cy.edges()[0].emit('tap')")
    assert '<b onmouseover="window.__pwned=1">bold</b>' in await page.page.inner_text("#card")
    assert await page.page.evaluate("window.__pwned") is None
    assert await page.page.evaluate("document.querySelectorAll('img, svg, script, iframe, object').length") == baseline
    assert await page.page.evaluate("document.querySelectorAll('[onerror], [onload], [onmouseover]').length") == 0


# -- CSP, headers, and what the page may not do ---------------------------------------------------------------

async def test_a_strict_content_security_policy_and_trusted_types(consoles, page_of):
    page = await page_of("tokyo-metro", clean=False)
    response = await page.page.request.get(page.base + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert "require-trusted-types-for 'script'" in csp
    for name, value in (("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"),
                        ("x-frame-options", "DENY"), ("cross-origin-opener-policy", "same-origin")):
        assert response.headers[name] == value
    # Markup from a string, script text and script URLs are refused (Trusted Types, no policy allowed).
    for attempt in ("document.body.innerHTML += '<img src=x onerror=\"window.__pwned=1\">'",
                    "document.createElement('script').textContent = 'window.__pwned = 1'",
                    "document.createElement('script').src = 'https://cdn.example/x.js'",
                    "document.createElement('div').insertAdjacentHTML('beforeend', '<b>x</b>')"):
        refused = await page.page.evaluate(f"() => {{ try {{ {attempt}; return false; }} "
                                           "catch (e) { return e instanceof TypeError; } }")
        assert refused is True, attempt
    assert await page.page.evaluate("window.__pwned") is None


# -- one-time links, sessions, origins -------------------------------------------------------------------

def _http(base: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def test_links_open_once_and_nothing_answers_without_a_session(consoles, chromium):
    console = consoles["tokyo-metro"]
    link = await console.new_link()
    first = await open_console(chromium, link)
    assert (await first.call("/api/session"))["body"]["agency"] == "tokyo-metro"
    again = await open_console(chromium, link, ready=False)  # the same link, another browser
    text = await again.page.inner_text("body")
    assert "used already" in text and "press Enter in the terminal" in text
    assert (await again.call("/api/session"))["status"] == 401
    forged = await open_console(chromium, console.base + "/?token=" + "A" * 43, ready=False)
    assert "never issued" in await forged.page.inner_text("body")
    for opened in (first, again, forged):
        await opened.close()

    status, _, _ = await asyncio.to_thread(_http, console.base, "GET", "/")
    assert status == 401
    status, _, body = await asyncio.to_thread(_http, console.base, "POST", "/api/search",
                                              {"Content-Type": "application/json", "Origin": console.base},
                                              b'{"q": "Hoshi"}')
    assert status == 401 and json.loads(body)["code"] == "UNAUTHENTICATED"
    # A page on another origin cannot drive it, nor a DNS-rebinding name reach it.
    status, _, _ = await asyncio.to_thread(_http, console.base, "POST", "/api/search",
                                           {"Content-Type": "application/json", "Origin": "http://evil.example"},
                                           b'{"q": "Hoshi"}')
    assert status == 403
    port = console.base.rsplit(":", 1)[1]
    status, _, _ = await asyncio.to_thread(_http, console.base, "GET", "/", {"Host": f"evil.example:{port}"})
    assert status == 421


async def test_two_agencies_side_by_side_in_one_browser_keep_their_own_sessions(consoles, chromium):
    context = await chromium.new_context()
    try:
        pages = {}
        for agency in ("npa-cyber", "tokyo-metro"):
            pages[agency] = await context.new_page()
            await pages[agency].goto(await consoles[agency].new_link())
            await pages[agency].wait_for_selector("#search-input")
        for agency, page in pages.items():  # both still signed in, each as its own agency
            answer = await page.evaluate("async () => (await fetch('/api/session', {method: 'POST', "
                                         "headers: {'Content-Type': 'application/json'}, body: '{}'})).json()")
            assert answer["agency"] == agency
        assert len(await context.cookies()) == 2
    finally:
        await context.close()


# -- keyboard ----------------------------------------------------------------------------------------------

async def test_search_and_card_work_from_the_keyboard(world, page_of):
    page = await page_of("tokyo-metro")
    keyboard = page.page.keyboard
    await page.page.click("body")
    await keyboard.press("/")
    assert await page.page.evaluate("document.activeElement.id") == "search-input"
    await keyboard.type(f"Hostile Hub {TAG}")
    await page.page.wait_for_selector(f'#search-results[aria-busy="false"] li[data-key="{world.hostile_hub}"]')
    await keyboard.press("ArrowDown")
    await keyboard.press("ArrowUp")
    assert await page.page.get_attribute("#search-input", "aria-activedescendant") == "hit-0"
    await keyboard.press("Enter")
    await page.until(f"window.regulink.canvas.has('{world.hostile_hub}')")
    await page.until("document.activeElement.id === 'card'")
    await page.until("document.querySelectorAll('#card button.linkbtn').length === 5")
    for _ in range(10):  # Tab through the card to its first "linked to" entry
        await keyboard.press("Tab")
        if await page.page.evaluate("document.activeElement.classList.contains('linkbtn')"):
            break
    else:
        raise AssertionError("Tab never reached the card's links")
    await keyboard.press("Enter")
    await page.until("window.regulink.canvas.cy.nodes().length === 2")
    # The canvas: N selects the next node (its card opens), E expands it, Ctrl+Z undoes.
    await page.page.focus("#cy")
    await keyboard.press("n")
    await page.until("window.regulink.canvas.cy.nodes(':selected').length === 1")
    await select(page, world.hostile_hub)
    await page.page.focus("#cy")
    await keyboard.press("e")
    await page.until(f"window.regulink.canvas.cy.nodes().length === {1 + len(HOSTILE)}")
    await keyboard.press("Control+z")
    await page.until("window.regulink.canvas.cy.nodes().length === 2")


# -- beyond loopback: TLS and a login; each person's name in the audit ----------------------------------------

def _self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "console.test")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("console.test")]), critical=False)
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def _regulink(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", *args], capture_output=True, text=True, timeout=60,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


async def test_beyond_loopback_needs_tls_and_a_login_and_names_each_person(env, world, chromium, tmp_path):
    refused = await asyncio.to_thread(_regulink, "console", "--as", "tokyo-metro", "--target", env.target,
                                      "--tls-dir", str(env.tls), "--listen", "0.0.0.0:0")
    assert refused.returncode == 1 and "--remote" in refused.stderr
    refused = await asyncio.to_thread(_regulink, "console", "--as", "tokyo-metro", "--target", env.target,
                                      "--tls-dir", str(env.tls), "--listen", "0.0.0.0:0", "--remote")
    assert refused.returncode == 1 and "--tls-cert" in refused.stderr

    cert, key = _self_signed(tmp_path)
    users = tmp_path / "users"
    await asyncio.to_thread(add_user, users, "Kenji Sato", "correct horse battery staple")
    console = await _remote_console(env, tmp_path, cert, key, users)
    try:
        context = await chromium.new_context(ignore_https_errors=True)
        page = await context.new_page()
        messages = []
        page.on("console", lambda m: messages.append((m.type, m.text)))
        await page.goto(console + "/")
        assert page.url.endswith("/login")
        await page.fill("input[name=name]", "Kenji Sato")
        await page.fill("input[name=password]", "not the password at all")
        await page.click("button[type=submit]")
        assert "do not match" in await page.inner_text("body")
        await page.fill("input[name=name]", "Kenji Sato")
        await page.fill("input[name=password]", "correct horse battery staple")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#search-input")
        cookies = await context.cookies()
        assert [c["name"].rsplit("-", 1)[0] for c in cookies] == ["__Host-regulink-console"] and cookies[0]["secure"]
        answer = await page.evaluate("""async () => (await fetch('/api/search', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({q: 'Hostile Hub'})})).json()""")
        assert answer["hits"]
        lines = env.gateway.audit.recent(20, "tokyo-metro")
        assert any(line["call"] == "Search" and line["investigator"] == "Kenji Sato" for line in lines)
        await context.close()
        # Only the refused sign-in (401) was an error.
        assert [m[1] for m in messages if m[0] == "error"] == [
            "Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    finally:
        await console.aclose()


class _Remote(str):
    process: asyncio.subprocess.Process

    async def aclose(self) -> None:
        self.process.terminate()
        await self.process.wait()


async def _remote_console(env, folder, cert, key, users) -> _Remote:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", "console", "--as", "tokyo-metro", "--target", env.target, "--tls-dir",
        str(env.tls), "--state-dir", str(folder / "state"), "--listen", "127.0.0.1:0", "--remote", "--tls-cert",
        str(cert), "--tls-key", str(key), "--users", str(users),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"})
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        if not line:
            raise AssertionError(f"the console stopped: {await process.stdout.read()}")
        if "/login" in line:
            url = line.split(" on ", 1)[1].split("/login", 1)[0].strip()
            break
    found = _Remote(url)
    found.process = process
    return found


async def test_a_gateway_with_another_log_key_than_the_pinned_one_is_refused(env, tmp_path):
    other = keys.raw_public_key(keys.generate()).hex()
    refused = await asyncio.to_thread(_regulink, "console", "--as", "tokyo-metro", "--target", env.target,
                                      "--tls-dir", str(env.tls), "--state-dir", str(tmp_path), "--log-key", other)
    assert refused.returncode == 1 and "not the pinned" in refused.stderr
    # Trust on first use is kept per gateway: the next start compares with it.
    pins = tmp_path / "log-keys.json"
    assert not pins.exists()
    log_key, _ = await env.client("tokyo-metro").log_key()
    pins.write_text(json.dumps({env.target: {"key": other, "origin": "x", "pinned_at": 0}}))
    refused = await asyncio.to_thread(_regulink, "console", "--as", "tokyo-metro", "--target", env.target,
                                      "--tls-dir", str(env.tls), "--state-dir", str(tmp_path))
    assert refused.returncode == 1 and str(pins) in refused.stderr and keys.key_id(log_key)[:16] in refused.stderr
