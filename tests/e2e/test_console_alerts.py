"""The console's Alerts panel (issue 18) in headless Chromium, against a real gateway and real consoles: an
alert arrives live with its records, opens on the canvas with what matched highlighted, is triaged from
the page (the gateway keeps it), is marked withdrawn when its record is retracted; another agency's console
never sees it, a record the watcher may not see raises nothing, hostile names stay text, and the console
logs none of it.

The gateway is the session's (tests/e2e/conftest.py); no other module watches anything on it, so
npa-cyber's alerts here are this module's. Every record and key is this module's own (TAG).
"""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest

from regulink.v1 import records_pb2
from regulink.v1 import watch_pb2 as wpb
from tests.e2e.consolekit import (
    ConsoleProcess,
    add_by_search,
    canvas_keys,
    capture_live,
    live_events,
    open_console,
    org,
    push,
    record,
    wallet_address,
    wallet_entity,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
TAG = secrets.token_hex(3)
PERSON = "Kenji Watanabe"
HOSTILE = f'<img src=x onerror="window.__pwned=1">Yamikaze Evil Trading {TAG}'
NEVER_LOGGED: list[str] = [HOSTILE, "Yamikaze"]  # and each test's record ids, keys, names and notes


@pytest.fixture(scope="module")
async def consoles(env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("console-alerts")
    npa, metro = await asyncio.gather(
        ConsoleProcess.start("npa-cyber", env.target, env.tls, folder, "--investigator", PERSON),
        ConsoleProcess.start("tokyo-metro", env.target, env.tls, folder))
    yield {"npa-cyber": npa, "tokyo-metro": metro}
    for console in (npa, metro):
        assert await console.stop() == 0
    # The console logs what it did and how it went, never what an alert or a record says.
    for console in (npa, metro):
        log = console.log()
        for word in NEVER_LOGGED:
            assert word not in log, (word, log[-2000:])


@pytest.fixture()
async def page_of(consoles, chromium):
    """A fresh page on an agency's console, its alerts read; afterwards: no console error, nothing left
    the origin."""
    opened = []

    async def opener(agency: str = "npa-cyber", *, clean: bool = True):
        page = await open_console(chromium, await consoles[agency].new_link())
        opened.append((page, clean))
        await alerts_read(page)
        return page

    yield opener
    for page, clean in opened:
        await page.close()
        assert page.foreign == [], f"requests left the console's origin: {page.foreign}"
        if clean:
            assert page.problems() == [], page.problems()


# -- helpers --------------------------------------------------------------------------------------

async def alerts_read(page) -> None:
    await page.until("window.regulink.alerts.revision !== null")


async def show_panel(page) -> None:
    if await page.page.get_attribute("#alerts-toggle", "aria-expanded") != "true":
        await page.page.click("#alerts-toggle")


async def alert_with(page, text: str, timeout: float = 45) -> int:
    """Wait until the panel lists an alert whose text holds `text`; its id."""
    return await page.until(f"""(() => {{ const li = [...document.querySelectorAll('#alert-list > li')]
        .find(li => li.textContent.includes({json.dumps(text)})); return li ? Number(li.dataset.alertId) : 0; }})()""",
                            timeout)


def item(alert_id: int) -> str:
    return f'#alert-list > li[data-alert-id="{alert_id}"]'


async def state_of(page, alert_id: int) -> str:
    return await page.page.get_attribute(item(alert_id), "data-state")


async def badge(page) -> int:
    text, hidden = await page.page.evaluate(
        "[document.getElementById('alerts-badge').textContent, document.getElementById('alerts-badge').hidden]")
    return 0 if hidden else int(text)


async def gateway_alert(env, agency: str, alert_id: int) -> wpb.Alert:
    """The alert as the gateway's stream tells it now (its last event)."""
    found = [e.alert async for e in env.client(agency).alerts(0) if e.alert.alert_id == alert_id]
    assert found, f"the gateway has no alert {alert_id} of {agency}"
    return found[-1]


def operator_record(agency: str, record_id: str, address: str, name: str, **marking) -> records_pb2.CaseRecord:
    found = record(agency, record_id, **marking)
    org(found, "op", name, operator=True)
    wallet_entity(found, "w", address)
    found.links.add(source="op", target="w", type=records_pb2.LINK_TYPE_CONTROLS, evidence=f"ledger {TAG}")
    return found


def retraction(agency: str, record_id: str, target: str) -> records_pb2.CaseRecord:
    found = record(agency, record_id)
    found.retracts.record_id = target
    return found


# -- the whole life of an alert -----------------------------------------------------------------------------

async def test_an_alert_arrives_live_opens_on_the_canvas_is_triaged_and_withdrawn(env, page_of):
    address = wallet_address()
    key = f"wallet:ETH:{address}"
    cause = f"ALERT-LIFE-{TAG}"
    operator = f"local:mas-sg/{cause}:op"
    note = f"seen at the exchange's desk {TAG}"
    NEVER_LOGGED.extend([address, cause, note, f"Orbit Coin Desk {TAG}"])
    await env.client("npa-cyber").add_watch(wpb.KeyRule(key=key), label=f"seized wallet {TAG}")

    page = await page_of()
    await page.page.evaluate("window.__sameDocument = true")  # gone if the page were loaded again
    await show_panel(page)
    untriaged = await badge(page)
    receipt, = await push(env, operator_record("mas-sg", cause, address, f"Orbit Coin Desk {TAG}"))

    # Live: the alert comes into the open page, with what matched and the record that caused it.
    alert_id = await alert_with(page, f"mas-sg/{cause}")
    assert await page.page.evaluate("window.__sameDocument") is True
    text = await page.page.inner_text(item(alert_id))
    assert await state_of(page, alert_id) == "new" and "NEW" in text.upper()
    assert f"{key} in mas-sg/{cause}" in text  # the summary
    assert key in await page.page.inner_text(f"{item(alert_id)} .alert-matched")
    assert f"mas-sg/{cause} v1 · log entry {receipt.log_index}" in text and "TLP:GREEN" in text
    assert await badge(page) == untriaged + 1
    sdk = await gateway_alert(env, "npa-cyber", alert_id)
    assert list(sdk.matched_keys) == [key] and sdk.records[0].record_id == cause

    # Open on canvas: the subgraph is drawn as an expansion is, the watched key highlighted, its card shown.
    await page.page.click(f"{item(alert_id)} .alert-open")
    edge = f"{operator}|CONTROLS|{key}"
    await page.until(f"window.regulink.canvas.has({json.dumps(edge)})")
    assert await canvas_keys(page) == {key, operator}
    highlighted = await page.page.evaluate("window.regulink.canvas.cy.nodes('.alert-match').map(n => n.id())")
    assert highlighted == [key]
    assert (await page.page.inner_text("#tlp-top")).startswith("TLP:GREEN")
    assert f"alert #{alert_id} on the canvas: 2 node(s), 1 link(s)" in await page.page.inner_text("#status")
    await page.until(f"document.querySelector('#card').textContent.includes('key {key}')")
    await page.page.click("#undo")  # one step, like any expansion
    assert await canvas_keys(page) == set()
    await page.page.click(f"{item(alert_id)} .alert-open")
    await page.until(f"window.regulink.canvas.has({json.dumps(key)})")

    # Confirm with a note: shown at once, kept by the gateway, there again after a reload.
    await page.page.click(f"{item(alert_id)} summary")
    await page.page.fill(f"#alert-note-{alert_id}", note)
    await page.page.click(f"{item(alert_id)} .alert-confirm")
    await page.until(f"document.querySelector('{item(alert_id)}').dataset.state === 'confirmed'")
    text = await page.page.inner_text(item(alert_id))
    assert "Confirmed" in text and note in text
    assert await badge(page) == untriaged
    sdk = await gateway_alert(env, "npa-cyber", alert_id)
    assert sdk.triage == wpb.TRIAGE_CONFIRMED and sdk.note == note and not sdk.withdrawn
    await page.page.reload()
    await page.ready()
    await alerts_read(page)
    await show_panel(page)
    assert await state_of(page, alert_id) == "confirmed" and note in await page.page.inner_text(item(alert_id))
    assert await badge(page) == untriaged

    # Retracted: the alert is marked withdrawn live, its triage kept; opening it draws nothing stale.
    await push(env, retraction("mas-sg", f"ALERT-LIFE-RETRACT-{TAG}", cause))
    await page.until(f"document.querySelector('{item(alert_id)}').dataset.state === 'withdrawn'", timeout=45)
    text = await page.page.inner_text(item(alert_id))
    assert "Withdrawn" in text and "no longer counts" in text and note in text
    assert await badge(page) == untriaged
    sdk = await gateway_alert(env, "npa-cyber", alert_id)
    assert sdk.withdrawn and sdk.triage == wpb.TRIAGE_CONFIRMED
    await page.page.click(f"{item(alert_id)} .alert-open")
    await page.until("document.getElementById('status').textContent.includes('nothing of it is left')")
    assert key not in await canvas_keys(page)


# -- another agency's console ---------------------------------------------------------------------------------

async def test_another_agencys_console_never_receives_these_alerts(env, page_of):
    address = wallet_address()
    key = f"wallet:ETH:{address}"
    cause = f"ALERT-AMBER-{TAG}"
    name = f"Shadow Ledger Partners {TAG}"
    NEVER_LOGGED.extend([address, cause, name])
    await env.client("npa-cyber").add_watch(wpb.KeyRule(key=key))

    other = await page_of("tokyo-metro")
    await capture_live(other)
    assert (await other.call("/api/alerts"))["body"]["total"] == 0  # tokyo-metro watches nothing
    author = await page_of("npa-cyber")
    await capture_live(author)
    # AMBER, shared with npa-cyber only: tokyo-metro may not see the record either.
    await push(env, operator_record("mas-sg", cause, address, name, tlp=records_pb2.TLP_AMBER,
                                    share_with=["npa-cyber"]))
    alert_id = await alert_with(author, f"mas-sg/{cause}")  # the control: the watcher has it
    assert "TLP:AMBER" in await author.page.inner_text(item(alert_id))
    assert any(e.get("alert", {}).get("alert_id") == alert_id for e in await live_events(author))

    # tokyo-metro's console asks for npa-cyber's alert by its number: its own (none), never npa-cyber's.
    probe = await page_of("tokyo-metro", clean=False)
    opened = await probe.call("/api/alerts/open", {"alert_id": alert_id})
    acked = await probe.call("/api/alerts/ack", {"alert_id": alert_id, "triage": "dismissed", "note": "not ours"})
    assert opened["status"] == 404 and acked["status"] == 404, (opened, acked)
    assert (await gateway_alert(env, "npa-cyber", alert_id)).triage == wpb.TRIAGE_UNSPECIFIED

    await asyncio.sleep(1.0)  # anything on its way to tokyo-metro's page has arrived
    await show_panel(other)
    assert await other.page.evaluate("document.querySelectorAll('#alert-list > li').length") == 0
    assert await badge(other) == 0
    told = await live_events(other)
    assert told and all(e["type"] != "alerts" or ("alert" not in e and e["total"] == 0) for e in told), told
    seen = "\n".join([await other.page.content(), await other.network_text(), json.dumps(told),
                      await probe.network_text()])
    for word in (cause, address, name, key):
        assert word not in seen, word
    listing = (await other.call("/api/alerts"))["body"]
    assert listing["alerts"] == [] and listing["total"] == 0 and listing["untriaged"] == 0


# -- hidden raises nothing; "watch this" from the card ---------------------------------------------------------

async def test_a_record_the_watcher_may_not_see_raises_nothing(env, page_of):
    address = wallet_address()
    key = f"wallet:ETH:{address}"
    hidden, sentinel = f"ALERT-HIDDEN-{TAG}", f"ALERT-SENTINEL-{TAG}"
    hidden_name = f"Nocturne Amber Brokers {TAG}"
    note = f"a different wallet owner {TAG}"
    NEVER_LOGGED.extend([address, hidden, sentinel, hidden_name, note])
    first = record("tokyo-metro", f"ALERT-FIRST-{TAG}")
    wallet_entity(first, "w", address)
    await push(env, first)

    # Watch it from its card: one watch, however often the button is pressed.
    page = await page_of()
    await capture_live(page)
    await show_panel(page)
    await add_by_search(page, address, key)
    await page.until("!!document.getElementById('watch-this')")
    await page.page.click("#watch-this")
    await page.until("document.querySelector('.watch-status').textContent.includes('watched (w-')")
    watch_id = (await page.page.inner_text(".watch-status")).split("(")[1].split(")")[0]
    await page.page.click("#watch-this")
    await page.until(f"document.querySelector('.watch-status').textContent.includes('already watched ({watch_id})')")
    watches = [w for w in await env.client("npa-cyber").watches() if w.WhichOneof("rule") == "key" and w.key.key == key]
    assert [w.watch_id for w in watches] == [watch_id] and PERSON in watches[0].label

    # AMBER for mas-sg alone, then a GREEN record on the same wallet: only the second raises an alert.
    await push(env, operator_record("tokyo-metro", hidden, address, hidden_name, tlp=records_pb2.TLP_AMBER,
                                    share_with=["mas-sg"]))
    untriaged = await badge(page)
    news = record("mas-sg", sentinel)
    wallet_entity(news, "w", address)
    await push(env, news)
    alert_id = await alert_with(page, f"mas-sg/{sentinel}")
    await asyncio.sleep(0.5)
    assert await page.page.evaluate(f"[...document.querySelectorAll('#alert-list > li')].filter(li => "
                                    f"li.textContent.includes({json.dumps(key)})).length") == 1
    assert await badge(page) == untriaged + 1
    seen = "\n".join([await page.page.content(), await page.network_text(), json.dumps(await live_events(page))])
    assert hidden not in seen and hidden_name not in seen
    mine = [e.alert async for e in env.client("npa-cyber").alerts(0)]
    assert not any(r.record_id == hidden for a in mine for r in a.records)

    # Dismissed with a note.
    await page.page.click(f"{item(alert_id)} summary")
    await page.page.fill(f"#alert-note-{alert_id}", note)
    await page.page.click(f"{item(alert_id)} .alert-dismiss")
    await page.until(f"document.querySelector('{item(alert_id)}').dataset.state === 'dismissed'")
    assert await badge(page) == untriaged
    sdk = await gateway_alert(env, "npa-cyber", alert_id)
    assert sdk.triage == wpb.TRIAGE_DISMISSED and sdk.note == note


# -- hostile names ----------------------------------------------------------------------------------------

async def test_hostile_names_in_an_alert_stay_text(env, page_of):
    cause = f"ALERT-HOSTILE-{TAG}"
    NEVER_LOGGED.append(cause)
    await env.client("npa-cyber").add_watch(wpb.NameRule(name=HOSTILE, types=["Organization"]))
    page = await page_of()
    await show_panel(page)
    baseline = await page.page.evaluate("document.querySelectorAll('img, svg, script, iframe, object').length")
    found = record("mas-sg", cause)
    org(found, "op", HOSTILE)
    await push(env, found)
    alert_id = await alert_with(page, f"mas-sg/{cause}")
    summary = await page.page.inner_text(f"{item(alert_id)} .alert-summary")
    assert HOSTILE in summary and " ~ " in summary  # the record's name and the watched one
    assert HOSTILE in await page.page.inner_text(f"{item(alert_id)} .alert-matched")
    await page.page.click(f"{item(alert_id)} .alert-open")
    node = f"local:mas-sg/{cause}:op"
    await page.until(f"window.regulink.canvas.has({json.dumps(node)})")
    assert await page.page.evaluate(f"window.regulink.canvas.cy.getElementById({json.dumps(node)}).hasClass('alert-match')")
    await page.until(f"document.querySelector('#card h2') && document.querySelector('#card h2').textContent === {json.dumps(HOSTILE)}")
    assert await page.page.evaluate("window.__pwned") is None
    assert await page.page.evaluate("document.querySelectorAll('img, svg, script, iframe, object').length") == baseline
    assert await page.page.evaluate("document.querySelectorAll('[onerror], [onload]').length") == 0
