"""The console's alert book without a browser: an alert as the panel gets it, the newest state of each
part winning (a stale stream event after a triage, a withdrawal for good), the badge's count, the
numbered changes the pages follow, the newest KEPT listed, the book opened from the gateway's summary
and opened again when an older alert than those kept changes, and the stream resumed after the last
position it handled when it breaks. (tests/e2e/test_console_alerts.py runs it against a real gateway.)"""

from __future__ import annotations

import asyncio

import pytest

from gateway import errors
from gateway.console import alerts as book_module
from gateway.console import views
from gateway.console.alerts import AlertBook
from gateway.console.live import Feed
from regulink.v1 import records_pb2, watch_pb2


class Link:
    """What the book and the feed use of a GatewayLink: a client, and reachability callbacks."""

    def __init__(self, client=None) -> None:
        self._client = client

    def watch(self, callback) -> None:
        pass

    def client(self, person: str = ""):
        return self._client


def alert(alert_id: int, *, triage: int = 0, triaged_ms: int = 0, note: str = "", withdrawn_ms: int = 0,
          tlp: int = records_pb2.TLP_GREEN) -> watch_pb2.Alert:
    message = watch_pb2.Alert(alert_id=alert_id, watch_id="w-1", kind="key", summary=f"wallet:ETH:0xab in mas-sg/R{alert_id}",
                              matched_keys=["wallet:ETH:0xab"], triage=triage, note=note)
    message.records.add(agency_id="mas-sg", record_id=f"R{alert_id}", version=1, log_index=alert_id, tlp=tlp)
    message.subgraph.nodes.add(key="wallet:ETH:0xab", type="CryptoWallet", caption="0xAB")
    message.subgraph.nodes.add(key="local:mas-sg/R:op", type="Organization", caption="Orbit <b>Coin</b>")
    message.subgraph.edges.add(source="local:mas-sg/R:op", target="wallet:ETH:0xab", type="CONTROLS")
    message.raised_at.FromMilliseconds(1_000 * alert_id)
    if triaged_ms:
        message.triaged_at.FromMilliseconds(triaged_ms)
    if withdrawn_ms:
        message.withdrawn = True
        message.withdrawn_at.FromMilliseconds(withdrawn_ms)
    return message


def fresh() -> tuple[AlertBook, asyncio.Queue]:
    feed = Feed(Link())
    book = AlertBook(Link(), feed)
    queue: asyncio.Queue = asyncio.Queue()
    feed.pages.add(queue)  # an open page
    return book, queue


def test_an_alert_reaches_the_page_as_text_with_its_records_and_what_matched():
    view = views.alert(alert(3))
    assert view["summary"] == "wallet:ETH:0xab in mas-sg/R3" and view["tlp"] == "TLP:GREEN"
    assert view["matched"] == [{"key": "wallet:ETH:0xab", "label": "0xAB", "type": "CryptoWallet"}]
    assert view["records"] == [{"agency": "mas-sg", "record_id": "R3", "version": 1, "log_index": 3,
                                "tlp": "TLP:GREEN", "accepted_ms": 0}]
    assert (view["nodes"], view["edges"], view["triage"], view["withdrawn"]) == (2, 1, "", False)
    assert views.alert_elements(alert(3)) == (["wallet:ETH:0xab", "local:mas-sg/R:op"],
                                              ["local:mas-sg/R:op|CONTROLS|wallet:ETH:0xab"])


def test_a_marking_or_triage_the_console_does_not_know_is_shown_as_the_strictest_and_as_triaged():
    odd = alert(1, tlp=0)
    odd.records.add(agency_id="fsa-jp", record_id="X", tlp=records_pb2.TLP_AMBER)
    odd.triage = 7
    view = views.alert(odd)
    assert view["records"][0]["tlp"] == "TLP:RED" and view["tlp"] == "TLP:RED" and view["triage"] == "triaged"


def test_each_change_is_numbered_and_told_with_the_counts():
    book, queue = fresh()
    book.apply(alert(1))
    book.apply(alert(2))
    told = [queue.get_nowait(), queue.get_nowait()]
    assert [t["revision"] for t in told] == [1, 2] and [t["alert"]["alert_id"] for t in told] == [1, 2]
    assert told[-1]["untriaged"] == 2 and told[-1]["total"] == 2 and told[-1]["type"] == "alerts"
    book.apply(alert(1, triage=watch_pb2.TRIAGE_CONFIRMED, triaged_ms=5_000, note="ours"))
    assert queue.get_nowait()["untriaged"] == 1
    book.apply(alert(2, withdrawn_ms=6_000))  # withdrawn: nothing left to triage
    assert book.counts()["untriaged"] == 0 and book.counts()["total"] == 2
    assert [a["alert_id"] for a in book.listing()["alerts"]] == [2, 1]  # newest first


def test_a_stream_event_read_before_a_triage_does_not_undo_it_and_a_withdrawal_is_for_good():
    book, _ = fresh()
    book.apply(alert(4, triage=watch_pb2.TRIAGE_DISMISSED, triaged_ms=9_000, note="not ours"))  # AckAlert's answer
    book.apply(alert(4))  # the stream's copy, read a moment before
    assert (book.get(4)["triage"], book.get(4)["note"]) == ("dismissed", "not ours")
    book.apply(alert(4, withdrawn_ms=10_000))
    book.apply(alert(4, triage=watch_pb2.TRIAGE_CONFIRMED, triaged_ms=11_000, note="after all"))
    assert book.get(4)["withdrawn"] and book.get(4)["withdrawn_ms"] == 10_000
    assert (book.get(4)["triage"], book.get(4)["note"]) == ("confirmed", "after all")
    assert book.counts()["untriaged"] == 0


def test_the_newest_are_listed_and_every_one_counts(monkeypatch):
    monkeypatch.setattr(book_module, "KEPT", 3)
    book, _ = fresh()
    for alert_id in range(1, 6):
        book.apply(alert(alert_id))
    assert [a["alert_id"] for a in book.listing()["alerts"]] == [5, 4, 3]
    assert book.elements(1) is None and book.get(1) is None and book.elements(5) is not None
    assert book.counts()["untriaged"] == 5 and book.counts()["total"] == 5
    # An old one withdrawn: not listed again, and whether it was counted untriaged only the gateway
    # knows (it may have been triaged elsewhere): the book opens again from a summary.
    book.apply(alert(1, withdrawn_ms=7_000))
    assert book.get(1) is None and book._stale


class Stream:
    """An SDK client over a list of stored events: AlertSummary computed from them, and an Alerts
    stream giving those after a position, whose first `breaks` following streams break; it records
    what was asked."""

    def __init__(self, events: list[watch_pb2.AlertsResponse], breaks: int = 1) -> None:
        self.events, self.breaks, self.asked = events, breaks, []

    async def alert_summary(self, newest: int = 0) -> watch_pb2.AlertSummaryResponse:
        self.asked.append(("summary", newest))
        standing = {event.alert.alert_id: event.alert for event in self.events}
        alerts = [standing[i] for i in sorted(standing, reverse=True)]
        return watch_pb2.AlertSummaryResponse(
            position=max((e.position for e in self.events), default=0), alerts=len(alerts),
            untriaged=sum(1 for a in alerts if not a.triage and not a.withdrawn), newest=alerts[:newest])

    async def alerts(self, after: int = 0, *, follow: bool = False):
        self.asked.append((after, follow))
        if follow and self.breaks:
            self.breaks -= 1
            raise errors.Unavailable("the gateway went away")
        while True:  # following: events stored later come too
            for event in [e for e in self.events if e.position > after]:
                after = event.position
                yield event
            if not follow:
                return
            await _real_sleep(0)


async def test_the_book_opens_from_the_summary_and_resumes_after_the_last_position_it_handled(monkeypatch):
    events = [watch_pb2.AlertsResponse(position=p, alert=alert(a, withdrawn_ms=1 if p != a else 0))
              for p, a in ((1, 1), (2, 2), (3, 1), (4, 4))]
    stream = Stream(events[:2])  # what is stored when the console starts
    book = AlertBook(Link(stream), Feed(Link()))
    monkeypatch.setattr(asyncio, "sleep", _no_wait)
    book.start()
    await _until(lambda: book.problem)
    assert book.loaded and book.position == 2 and "the gateway went away" in book.problem
    assert book.counts()["total"] == 2 and book.counts()["untriaged"] == 2
    stream.events = events  # two more while it was away
    await _until(lambda: book.position == 4)
    await book.stop()
    assert stream.asked == [("summary", book_module.KEPT), (2, True), (2, True)]  # no event read twice
    assert book.get(1)["withdrawn"] and book.counts()["untriaged"] == 2 and book.counts()["total"] == 3
    assert book.problem == ""


async def test_a_change_to_an_older_alert_than_those_kept_opens_the_book_again(monkeypatch):
    monkeypatch.setattr(book_module, "KEPT", 3)
    events = [watch_pb2.AlertsResponse(position=p, alert=alert(p)) for p in range(1, 6)]
    stream = Stream(events, breaks=0)  # stored when the console starts
    book = AlertBook(Link(stream), Feed(Link()))
    book.start()
    await _until(lambda: book.position == 5 and len(stream.asked) == 2)
    assert [a["alert_id"] for a in book.listing()["alerts"]] == [5, 4, 3] and book.counts()["untriaged"] == 5
    # Alert 1, older than those kept, is triaged elsewhere (`regulink alerts --ack`): an event of the stream.
    triaged = alert(1, triage=watch_pb2.TRIAGE_DISMISSED, triaged_ms=9_000, note="CLI")
    stream.events = [*events, watch_pb2.AlertsResponse(position=6, alert=triaged)]
    await _until(lambda: book.position == 6 and len(stream.asked) == 4)
    await book.stop()
    assert stream.asked == [("summary", 3), (5, True), ("summary", 3), (6, True)]
    assert book.counts()["untriaged"] == 4 and book.counts()["total"] == 5 and book.get(1) is None


async def _until(condition) -> None:
    for _ in range(1000):
        if condition():
            return
        await _real_sleep(0)
    raise AssertionError("never happened")


_real_sleep = asyncio.sleep


async def _no_wait(delay: float) -> None:
    await _real_sleep(0)


@pytest.fixture(autouse=True)
def _quiet_log(caplog):
    caplog.set_level("ERROR", logger="regulink.console")
