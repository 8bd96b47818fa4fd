"""Watches and alerts through a real gateway (issue 18): each kind of watch, the stream resumed from
the last position, triage, withdrawal on retraction, a record that becomes visible later, hidden
behaving as absent, and alerts surviving a restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time

import pytest

from gateway import errors
from gateway.sdk.client import AsyncClient, TlsFiles
from gateway.server import config
from gateway.server.app import Gateway
from regulink.v1 import records_pb2 as pb
from regulink.v1 import watch_pb2 as wpb
from tests.e2e.conftest import AGENCIES, Env, gateway_env, make_record, projected, signed

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
async def wenv(tmp_path_factory):
    """A gateway of this module's own: alert ids and streams are per agency, and other modules'
    records must not raise (or miss) these tests' alerts."""
    data = tmp_path_factory.mktemp("watch-gateway")
    async with gateway_env(config.load(data_dir=data, listen="127.0.0.1:0", origin="test.regulink/watch")) as env:
        yield env


def wallet() -> str:
    return "0x" + secrets.token_hex(20)


def record(agency: str, *, record_id: str | None = None, version: int = 1, tlp: int = pb.TLP_GREEN,
           share_with: tuple[str, ...] = (), entities=(), links=()) -> pb.CaseRecord:
    """A record with just these entities [(ref, type, name, [(kind, value, scheme)], [roles])] and links."""
    built = make_record(agency, record_id=record_id, version=version, tlp=tlp, share_with=share_with)
    del built.entities[:]
    del built.links[:]
    for ref, entity_type, name, identifiers, roles in entities:
        entity = built.entities.add(ref=ref, type=entity_type, name=name, roles=roles)
        for kind, value, scheme in identifiers:
            entity.identifiers.add(kind=kind, value=value, scheme=scheme)
    for source, target, link_type in links:
        built.links.add(source=source, target=target, type=link_type)
    return built


def wallet_entity(ref: str, address: str):
    return (ref, pb.ENTITY_TYPE_CRYPTO_WALLET, "", [("wallet", address, "ETH")], [])


def org(ref: str, name: str, *, operator: bool = False, domain: str = ""):
    identifiers = [("domain", domain, "")] if domain else []
    return (ref, pb.ENTITY_TYPE_ORGANIZATION, name, identifiers,
            [pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR] if operator else [])


def person(ref: str, name: str):
    return (ref, pb.ENTITY_TYPE_PERSON, name, [], [])


async def submit(env, built: pb.CaseRecord) -> int:
    return (await env.client(built.agency_id).submit(signed(env, built))).log_index


async def evaluated(env, index: int, timeout: float = 30) -> None:
    """Wait until the alerts are evaluated through a ledger index (the projection first)."""
    deadline = time.monotonic() + timeout
    while env.gateway.alerting.through < index:
        assert time.monotonic() < deadline, f"alerts not evaluated through {index}"
        env.gateway.projection and env.gateway.projection.wake()
        await asyncio.sleep(0.05)


async def events(env, agency: str, after: int = 0) -> list[wpb.AlertsResponse]:
    return [e async for e in env.client(agency).alerts(after)]


async def last_position(env, agency: str) -> int:
    found = await events(env, agency)
    return found[-1].position if found else 0


async def test_a_key_watch_alerts_on_a_visible_record_asserting_the_key(wenv):
    address = wallet()
    key = f"wallet:ETH:{address}"
    watch = await wenv.client("npa-cyber").add_watch(wpb.KeyRule(key=f"wallet:ETH:0x{address[2:].upper()}"),
                                                    label="seized wallet")
    assert watch.key.key == key and watch.label == "seized wallet" and watch.watch_id.startswith("w-")
    start = await last_position(wenv, "npa-cyber")
    operator = org("op", "Orbit Coin Exchange", operator=True)
    index = await submit(wenv, record("mas-sg", entities=[operator, wallet_entity("w", address)],
                                      links=[("op", "w", pb.LINK_TYPE_CONTROLS)]))
    other = await submit(wenv, record("mas-sg", entities=[wallet_entity("w", wallet())]))
    await evaluated(wenv, other)
    found = await events(wenv, "npa-cyber", start)
    assert len(found) == 1, found
    alert = found[0].alert
    assert found[0].position == alert.alert_id and alert.kind == "key" and alert.watch_id == watch.watch_id
    assert list(alert.matched_keys) == [key]
    (named,) = alert.records
    assert (named.agency_id, named.log_index, named.tlp, named.version) == ("mas-sg", index, pb.TLP_GREEN, 1)
    assert {n.key for n in alert.subgraph.nodes} >= {key}
    assert [(e.source, e.type, e.target) for e in alert.subgraph.edges][0][1:] == ("CONTROLS", key)
    assert not alert.withdrawn and alert.triage == wpb.TRIAGE_UNSPECIFIED


async def test_a_key_is_checked_for_its_form_only(wenv):
    client = wenv.client("npa-cyber")
    with pytest.raises(errors.InvalidArgument) as caught:  # an EVM address is valid on every EVM chain
        await client.add_watch(wpb.KeyRule(key=wallet()))
    assert caught.value.field == "key" and "wallet:BSC:" in str(caught.value)
    with pytest.raises(errors.InvalidArgument) as caught:
        await client.add_watch(wpb.KeyRule(key="wallet:ETH:0x1234"))
    assert caught.value.field == "key"
    with pytest.raises(errors.InvalidArgument) as caught:
        await client.add_watch(wpb.NeighbourhoodRule(key="domain:example.org", hops=4))
    assert caught.value.field == "hops"
    with pytest.raises(errors.InvalidArgument) as caught:
        await client.add_watch(wpb.NameRule(name="KK"))
    assert caught.value.field == "name"
    with pytest.raises(errors.InvalidArgument) as caught:  # a bare word is more likely a name than a domain
        await client.add_watch(wpb.KeyRule(key="lumen"))
    assert caught.value.field == "key" and "as a name" in str(caught.value)


async def test_a_name_watch_alerts_on_a_similar_name_in_any_script(wenv):
    watch = await wenv.client("tokyo-metro").add_watch(wpb.NameRule(name="Lumen Crest Exchange", types=["Organization"]))
    start = await last_position(wenv, "tokyo-metro")
    await submit(wenv, record("fsa-jp", entities=[org("a", "Sakura Digital Holdings")]))
    await submit(wenv, record("fsa-jp", entities=[person("p", "Lumen Crest Exchange")]))  # a person: not watched
    index = await submit(wenv, record("npa-cyber", entities=[org("a", "LUMEN CREST EXCHANGE PTE. LTD.")]))
    await evaluated(wenv, index)
    found = await events(wenv, "tokyo-metro", start)
    assert [e.alert.records[0].log_index for e in found] == [index]
    alert = found[0].alert
    assert alert.watch_id == watch.watch_id and alert.kind == "name" and alert.score >= 85
    assert alert.subgraph.nodes[0].caption == "LUMEN CREST EXCHANGE PTE. LTD."


async def test_a_neighbourhood_watch_alerts_when_an_operator_appears_within_k_hops(wenv):
    address = wallet()
    key = f"wallet:ETH:{address}"
    client = wenv.client("npa-cyber")
    # Already near the key when the watch is added: not news.
    await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address), org("o", "Old Operator", operator=True,
                                                                                      domain="old-op.example")],
                              links=[("o", "w", pb.LINK_TYPE_USES)]))
    await projected(wenv)
    watch = await client.add_watch(wpb.NeighbourhoodRule(key=key, hops=2))
    assert watch.neighbourhood.hops == 2
    start = await last_position(wenv, "npa-cyber")
    # A person next to the wallet, then an operator next to the person: two hops away.
    await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address), person("p", "Kenji Aramaki")],
                              links=[("p", "w", pb.LINK_TYPE_CONTROLS)]))
    await projected(wenv)
    found = await events(wenv, "npa-cyber", start)
    assert not found
    people = [n.key for n in (await client.neighbourhood(key, hops=1)).nodes if n.type == "Person"]
    far = await submit(wenv, record("mas-sg", entities=[
        ("p", pb.ENTITY_TYPE_PERSON, "Kenji Aramaki", [("graph_key", people[0], "")], []),
        org("o", "Neo Wallet Services", operator=True, domain=f"neo-{secrets.token_hex(3)}.example"),
        org("o2", "Three Hops Away", operator=False, domain=f"far-{secrets.token_hex(3)}.example")],
        links=[("o", "p", pb.LINK_TYPE_DIRECTS), ("o2", "o", pb.LINK_TYPE_OWNS)]))
    await evaluated(wenv, far)
    found = await events(wenv, "npa-cyber", start)
    assert len(found) == 1, [e.alert.summary for e in found]
    alert = found[0].alert
    assert alert.kind == "neighbourhood" and len(alert.matched_keys) == 1
    assert alert.matched_keys[0] == f"local:mas-sg/{alert.records[0].record_id}:o"  # an organization keyed by no LEI
    assert [r.agency_id for r in alert.records] == ["mas-sg"] and alert.records[0].log_index == far
    assert {n.key for n in alert.subgraph.nodes} == {key, people[0], alert.matched_keys[0]}
    assert len(alert.subgraph.edges) == 2


async def test_a_cross_agency_watch_alerts_on_another_kind_reporting_what_the_agency_reported(wenv):
    domain = f"shared-{secrets.token_hex(4)}.example"
    client = wenv.client("fsa-jp")
    watch = await client.add_watch(wpb.CrossAgencyRule(different_kind=True))
    start = await last_position(wenv, "fsa-jp")
    await submit(wenv, record("fsa-jp", entities=[org("o", "Blue Harbor Trading", domain=domain)]))
    await submit(wenv, record("mas-sg", entities=[org("o", "Blue Harbor", domain=domain)]))  # a regulator too
    police = await submit(wenv, record("npa-cyber", entities=[org("o", "BH Trading", domain=domain)]))
    again = await submit(wenv, record("npa-cyber", entities=[org("o", "BH Trading", domain=domain)]))
    await evaluated(wenv, again)
    found = await events(wenv, "fsa-jp", start)
    assert [e.alert.records[0].log_index for e in found] == [police], [e.alert.summary for e in found]
    alert = found[0].alert
    assert alert.watch_id == watch.watch_id and list(alert.matched_keys) == [f"domain:{domain}"]
    assert "npa-cyber (law-enforcement)" in alert.summary


async def test_the_stream_resumes_after_the_last_position_and_follows(wenv):
    address = wallet()
    client = wenv.client("mas-sg")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "mas-sg")
    first = await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address)]))
    await evaluated(wenv, first)
    (one,) = await events(wenv, "mas-sg", start)

    async def follow(after: int) -> wpb.AlertsResponse:
        async for event in client.alerts(after, follow=True):
            return event

    waiting = asyncio.ensure_future(follow(one.position))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    second = await submit(wenv, record("tokyo-metro", entities=[wallet_entity("w", address)]))
    event = await asyncio.wait_for(waiting, 30)
    assert event.position > one.position and event.alert.records[0].log_index == second
    assert [e.position for e in await events(wenv, "mas-sg", start)] == [one.position, event.position]


async def test_triage_confirms_or_dismisses_an_alert_of_the_agency_only(wenv):
    address = wallet()
    client = wenv.client("tokyo-metro")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "tokyo-metro")
    await evaluated(wenv, await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address)])))
    (event,) = await events(wenv, "tokyo-metro", start)
    acked = await client.ack_alert(event.alert.alert_id, wpb.TRIAGE_CONFIRMED, "same wallet as case 12")
    assert acked.triage == wpb.TRIAGE_CONFIRMED and acked.note == "same wallet as case 12"
    acked = await client.ack_alert(event.alert.alert_id, wpb.TRIAGE_DISMISSED, "")
    assert acked.triage == wpb.TRIAGE_DISMISSED and acked.HasField("triaged_at")
    replayed = (await events(wenv, "tokyo-metro", start))[0].alert
    assert replayed.triage == wpb.TRIAGE_DISMISSED
    with pytest.raises(errors.InvalidArgument):
        await client.ack_alert(event.alert.alert_id, wpb.TRIAGE_UNSPECIFIED)
    with pytest.raises(errors.NotFound):
        await client.ack_alert(10**9, wpb.TRIAGE_CONFIRMED)
    # Ids are per agency: another agency's ack of the same number is about its own alert, if any.
    try:
        await wenv.client("fsa-jp").ack_alert(event.alert.alert_id, wpb.TRIAGE_CONFIRMED, "not theirs")
    except errors.NotFound:
        pass
    replayed = (await events(wenv, "tokyo-metro", start))[0].alert
    assert (replayed.triage, replayed.note) == (wpb.TRIAGE_DISMISSED, "")


async def test_a_triage_reaches_every_follower_and_the_audit_names_the_person(wenv):
    """Two people of one agency follow its alerts (two consoles, a console and the CLI): one's triage
    comes to the other as an event of the stream, and the audit line names who triaged."""
    address = wallet()
    async with AsyncClient.connect(wenv.target, TlsFiles.for_agency(wenv.tls, "npa-cyber"),
                                   investigator="Inspector Sato") as sato:
        await sato.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
        start = await last_position(wenv, "npa-cyber")
        await evaluated(wenv, await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address)])))
        (raised,) = await events(wenv, "npa-cyber", start)

        async def next_event() -> wpb.AlertsResponse:
            async for event in wenv.client("npa-cyber").alerts(raised.position, follow=True):
                return event

        following = asyncio.ensure_future(next_event())
        await asyncio.sleep(0.3)
        assert not following.done()
        await sato.ack_alert(raised.alert.alert_id, wpb.TRIAGE_CONFIRMED, "same wallet as NPA-CY-12")
        event = await asyncio.wait_for(following, 10)
    assert event.position > raised.position and event.alert.alert_id == raised.alert.alert_id
    assert (event.alert.triage, event.alert.note) == (wpb.TRIAGE_CONFIRMED, "same wallet as NPA-CY-12")
    lines = wenv.gateway.audit.recent(50, "npa-cyber", "Inspector Sato")
    assert {"AddWatch", "AckAlert"} <= {line["call"] for line in lines}


async def test_a_retraction_withdraws_the_alert_it_caused(wenv):
    address = wallet()
    client = wenv.client("npa-cyber")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "npa-cyber")
    cause = record("fsa-jp", entities=[wallet_entity("w", address)])
    await evaluated(wenv, await submit(wenv, cause))
    (raised,) = await events(wenv, "npa-cyber", start)
    retraction = pb.CaseRecord(record_id=f"ret-{secrets.token_hex(3)}", agency_id="fsa-jp", version=1,
                               tlp=pb.TLP_RED)  # a retraction npa-cyber may not read: it is told all the same
    retraction.issued_at.GetCurrentTime()
    retraction.retracts.record_id = cause.record_id
    await evaluated(wenv, await submit(wenv, retraction))
    found = await events(wenv, "npa-cyber", start)
    assert [(e.position, e.alert.alert_id, e.alert.withdrawn) for e in found] == [
        (raised.position, raised.alert.alert_id, True), (found[1].position, raised.alert.alert_id, True)]
    assert found[1].position > raised.position and found[1].alert.HasField("withdrawn_at")


async def test_a_narrower_new_version_or_a_supersede_withdraws_too(wenv):
    first, second = wallet(), wallet()
    client = wenv.client("mas-sg")
    for address in (first, second):
        await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "mas-sg")
    narrowed = record("fsa-jp", entities=[wallet_entity("w", first)])
    replaced = record("fsa-jp", entities=[wallet_entity("w", second)])
    for built in (narrowed, replaced):
        await evaluated(wenv, await submit(wenv, built))
    raised = {e.alert.matched_keys[0]: e.alert.alert_id for e in await events(wenv, "mas-sg", start)}
    assert set(raised) == {f"wallet:ETH:{first}", f"wallet:ETH:{second}"}
    version_2 = pb.CaseRecord()
    version_2.CopyFrom(narrowed)
    version_2.version, version_2.tlp = 2, pb.TLP_RED  # fsa-jp's alone now: mas-sg loses sight of it
    superseding = record("fsa-jp", tlp=pb.TLP_AMBER, share_with=("npa-cyber",),
                         entities=[wallet_entity("w", second)])
    superseding.supersedes.record_id = replaced.record_id
    await submit(wenv, version_2)
    await evaluated(wenv, await submit(wenv, superseding))
    later = await events(wenv, "mas-sg", start + 2)
    assert sorted((e.alert.alert_id, e.alert.withdrawn) for e in later) == sorted(
        (alert_id, True) for alert_id in raised.values())  # withdrawn, and nothing new it may not see


async def test_a_record_that_becomes_visible_fires_then(wenv):
    address = wallet()
    client = wenv.client("tokyo-metro")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "tokyo-metro")
    first = record("npa-cyber", tlp=pb.TLP_AMBER, share_with=("fsa-jp",), entities=[wallet_entity("w", address)])
    await evaluated(wenv, await submit(wenv, first))
    assert not await events(wenv, "tokyo-metro", start)
    wider = pb.CaseRecord()
    wider.CopyFrom(first)
    wider.version, wider.tlp = 2, pb.TLP_GREEN
    del wider.share_with[:]
    index = await submit(wenv, wider)
    await evaluated(wenv, index)
    (event,) = await events(wenv, "tokyo-metro", start)
    assert (event.alert.records[0].version, event.alert.records[0].log_index) == (2, index)


async def test_a_watch_on_something_hidden_behaves_as_one_on_something_absent(wenv):
    hidden, absent = wallet(), wallet()
    client = wenv.client("mas-sg")
    # `hidden` is in the graph, in a record mas-sg may not see; `absent` is nowhere.
    await submit(wenv, record("fsa-jp", tlp=pb.TLP_RED, share_with=("npa-cyber",),
                              entities=[wallet_entity("w", hidden), org("o", "Hidden Op", operator=True,
                                                                          domain=f"h-{secrets.token_hex(3)}.example")],
                              links=[("o", "w", pb.LINK_TYPE_USES)]))
    await projected(wenv)
    answers = {}
    for name, address in (("hidden", hidden), ("absent", absent)):
        watches = [await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}")),
                   await client.add_watch(wpb.NeighbourhoodRule(key=f"wallet:ETH:{address}", hops=3))]
        for watch in watches:
            watch.ClearField("watch_id")
            watch.ClearField("created_at")
            watch.ClearField("from_index")
        answers[name] = [w.SerializeToString().replace(address.encode(), b"ADDRESS") for w in watches]
    assert answers["hidden"] == answers["absent"]
    start = await last_position(wenv, "mas-sg")
    # More records mas-sg may not see, on both: silence alike.
    for address in (hidden, absent):
        await submit(wenv, record("fsa-jp", tlp=pb.TLP_AMBER, entities=[
            wallet_entity("w", address), org("o", "Another Op", operator=True,
                                             domain=f"a-{secrets.token_hex(3)}.example")],
            links=[("o", "w", pb.LINK_TYPE_USES)]))
    last = await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", wallet())]))
    await evaluated(wenv, last)
    assert not await events(wenv, "mas-sg", start)
    # Seen alike once visible: a key alert each, and the operators it may see near each.
    for address in (hidden, absent):
        last = await submit(wenv, record("npa-cyber", entities=[
            wallet_entity("w", address), org("o", "Visible Op", operator=True,
                                             domain=f"v-{secrets.token_hex(3)}.example")],
            links=[("o", "w", pb.LINK_TYPE_USES)]))
    await evaluated(wenv, last)
    found = await events(wenv, "mas-sg", start)
    kinds = sorted((e.alert.kind, len(e.alert.matched_keys), len(e.alert.subgraph.nodes)) for e in found)
    assert kinds == [("key", 1, 2), ("key", 1, 2), ("neighbourhood", 1, 2), ("neighbourhood", 1, 2)]
    hidden_op = [n for e in found for n in e.alert.subgraph.nodes if "Hidden" in n.caption or "Another" in n.caption]
    assert not hidden_op


@contextlib.asynccontextmanager
async def restarted(settings: config.Settings, signing: dict):
    """The same gateway started again on its data directory (agencies and keys already registered)."""
    gateway = Gateway(settings)
    port = await gateway.start()
    env = Env(gateway, f"localhost:{port}", settings.tls, signing=dict(signing))
    try:
        yield env
    finally:
        for client in env.clients.values():
            await client.close()
        await gateway.stop(1)


async def test_watches_and_alerts_survive_a_backup_restore_and_restart(wenv, tmp_path):
    """deploy/backup.py copies watches.db with the ledger; a gateway started on the copy (its graph
    projected again from the ledger) has every watch and alert, and goes on numbering."""
    import subprocess
    import sys

    address = wallet()
    kept = await wenv.client("fsa-jp").add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"), label="kept")
    await evaluated(wenv, await submit(wenv, record("npa-cyber", entities=[wallet_entity("w", address)])))
    agencies = sorted(wenv.signing)
    watches = {a: [w.SerializeToString() for w in await wenv.client(a).watches()] for a in agencies}
    before = {a: await events(wenv, a) for a in agencies}
    assert all(before.values())
    backup = tmp_path / "backup"
    copied = await asyncio.to_thread(subprocess.run, [sys.executable, "deploy/backup.py", str(backup), "--data-dir",
                                                      str(wenv.gateway.settings.data_dir)],
                                     capture_output=True, text=True, timeout=120)
    assert copied.returncode == 0 and (backup / "watches.db").exists(), copied.stderr
    settings = config.load(data_dir=backup, listen="127.0.0.1:0", origin="test.regulink/watch")
    async with restarted(settings, wenv.signing) as env:
        for agency in agencies:
            assert [w.SerializeToString() for w in await env.client(agency).watches()] == watches[agency]
            assert [e.SerializeToString() for e in await events(env, agency)] == [
                e.SerializeToString() for e in before[agency]]
        index = await submit(env, record("mas-sg", entities=[wallet_entity("w", address)]))
        await evaluated(env, index, timeout=60)
        after = await events(env, "fsa-jp", before["fsa-jp"][-1].position)
        assert [(e.position, e.alert.watch_id, e.alert.records[0].log_index) for e in after] == [
            (before["fsa-jp"][-1].position + 1, kept.watch_id, index)]
        await env.client("fsa-jp").remove_watch(kept.watch_id)
        assert kept.watch_id not in {w.watch_id for w in await env.client("fsa-jp").watches()}
        with pytest.raises(errors.NotFound):
            await env.client("fsa-jp").remove_watch(kept.watch_id)


async def test_the_command_line_adds_lists_follows_triages_and_removes(wenv):
    from typer.testing import CliRunner

    from gateway.cli.main import app

    async def regulink(*args: str, check: bool = True):
        arguments = [*args, "--as", "mas-sg", "--target", wenv.target, "--tls-dir", str(wenv.tls)]
        # The command runs its own event loop: in a thread, while this loop serves the gateway.
        result = await asyncio.to_thread(CliRunner().invoke, app, arguments, env={"COLUMNS": "250"})
        if check:
            assert result.exit_code == 0, result.output
        return result

    address = wallet()
    added = await regulink("watch", "add", "--key", f"wallet:ETH:{address}", "--label", "cli case")
    watch_id = added.output.split()[1].rstrip(":")
    assert watch_id.startswith("w-") and f"key wallet:ETH:{address}" in added.output
    assert "cli case" in (await regulink("watch", "list")).output
    none = await regulink("watch", "add", check=False)
    assert none.exit_code == 1 and "exactly one of" in none.output and "Traceback" not in none.output
    start = await last_position(wenv, "mas-sg")
    index = await submit(wenv, record("fsa-jp", entities=[wallet_entity("w", address)]))
    await evaluated(wenv, index)
    listed = (await regulink("alerts", "--after", str(start))).output
    alert_id = int(listed.split()[0].lstrip("#"))
    assert f"wallet:ETH:{address}" in listed and f"@{index}" in listed and "TLP:GREEN" in listed
    assert "confirmed" in (await regulink("alerts", "--ack", str(alert_id), "--confirm", "--note", "ours")).output
    both = await regulink("watch", "ack", str(alert_id), "--confirm", "--dismiss", check=False)
    assert both.exit_code == 1 and "one of --confirm and --dismiss" in both.output
    as_json = (await regulink("watch", "alerts", "--after", str(start), "--json")).output.splitlines()
    assert '"triage": "TRIAGE_CONFIRMED"' in as_json[0] and '"note": "ours"' in as_json[0]
    summary = await wenv.client("mas-sg").alert_summary(3)
    where = (await regulink("alerts", "--newest", "3")).output
    assert f"{summary.alerts} alert" in where and f"{summary.untriaged} not triaged" in where
    shown = [int(line.split()[0].lstrip("#")) for line in where.splitlines() if line.startswith("#")]
    assert shown == sorted(a.alert_id for a in summary.newest) and f"#{alert_id} confirmed" in where  # oldest first
    both = await regulink("alerts", "--newest", "3", "--after", "2", check=False)
    assert both.exit_code == 1 and "--after or --newest" in both.output
    assert "removed" in (await regulink("watch", "remove", watch_id)).output


async def test_the_summary_is_what_the_whole_stream_adds_up_to(wenv):
    """AlertSummary (what a console opens with) against each agency's whole stream, read here: where it
    ends, how many alerts, how many neither triaged nor withdrawn, the newest as they stand; each
    agency's summary counts its own stream only."""
    address = wallet()
    client = wenv.client("fsa-jp")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    causes = [record("mas-sg", entities=[wallet_entity("w", address)]) for _ in range(3)]
    for cause in causes:
        last = await submit(wenv, cause)
    await evaluated(wenv, last)
    mine = [e.alert for e in await events(wenv, "fsa-jp") if address.lower() in " ".join(e.alert.matched_keys).lower()]
    await client.ack_alert(mine[0].alert_id, wpb.TRIAGE_CONFIRMED, "ours")
    retraction = pb.CaseRecord(record_id=f"ret-{secrets.token_hex(3)}", agency_id="mas-sg", version=1, tlp=pb.TLP_GREEN)
    retraction.issued_at.GetCurrentTime()
    retraction.retracts.record_id = causes[1].record_id
    await evaluated(wenv, await submit(wenv, retraction))
    for agency in sorted(AGENCIES):
        stream = await events(wenv, agency)
        standing = {e.alert.alert_id: e.alert for e in stream}  # each alert as its last event tells it
        summary = await wenv.client(agency).alert_summary(newest=2)
        assert summary.position == (stream[-1].position if stream else 0), agency
        assert summary.alerts == len(standing)
        assert summary.untriaged == sum(1 for a in standing.values() if not a.triage and not a.withdrawn)
        assert list(summary.newest) == [standing[i] for i in sorted(standing, reverse=True)[:2]]
    summary = await client.alert_summary(newest=1000)
    assert summary.untriaged <= summary.alerts and len(summary.newest) == min(1000, summary.alerts)
    with pytest.raises(errors.InvalidArgument) as refused:
        await client.alert_summary(newest=1001)
    assert refused.value.field == "newest"


async def test_matching_stays_within_ahead_of_a_stalled_projection_and_loses_nothing(wenv, monkeypatch):
    """While the graph falls behind, records are matched at most AHEAD entries ahead of it (all of a
    push matched at once took the cores the projector needed); once it moves again, every alert comes."""
    from gateway.server.alerts import engine

    monkeypatch.setattr(engine, "AHEAD", 3)
    address = wallet()
    client = wenv.client("tokyo-metro")
    await client.add_watch(wpb.KeyRule(key=f"wallet:ETH:{address}"))
    start = await last_position(wenv, "tokyo-metro")
    projection, alerting = wenv.gateway.projection, wenv.gateway.alerting
    await evaluated(wenv, wenv.gateway.ledger.size - 1)
    projector = projection._process.pid
    os.kill(projector, signal.SIGSTOP)  # the projector frozen: the graph stops moving
    try:
        frozen = projection.watermark
        for _ in range(12):
            last = await submit(wenv, record("mas-sg", entities=[wallet_entity("w", address)]))
        await asyncio.sleep(1.5)  # time enough to match all twelve, were it allowed
        assert projection.watermark == frozen and alerting.next_index <= frozen + 3 + 1
    finally:
        os.kill(projector, signal.SIGCONT)
    await evaluated(wenv, last)
    assert len(await events(wenv, "tokyo-metro", start)) == 12
