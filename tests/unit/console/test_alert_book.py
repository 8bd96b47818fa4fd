"""The console's alert book without a browser: an alert as the panel gets it, the newest state of each
part winning (a stale stream event after a triage, a withdrawal for good), the badge's count, the
numbered changes the pages follow, the newest KEPT listed, and the stream resumed after the last
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
    book.apply(alert(1, withdrawn_ms=7_000))  # an old one withdrawn: counted, not listed again
    assert book.counts()["untriaged"] == 4 and book.get(1) is None


class Stream:
    """An SDK client whose Alerts stream gives the events stored after a position, and whose first
    following stream breaks; it records what was asked."""

    def __init__(self, events: list[watch_pb2.AlertsResponse]) -> None:
        self.events, self.breaks, self.asked = events, 1, []

    async def alerts(self, after: int = 0, *, follow: bool = False):
        self.asked.append((after, follow))
        if follow and self.breaks:
            self.breaks -= 1
            raise errors.Unavailable("the gateway went away")
        for event in self.events:
            if event.position > after:
                yield event
        if follow:
            await asyncio.Event().wait()


async def test_the_stream_resumes_after_the_last_position_it_handled(monkeypatch):
    events = [watch_pb2.AlertsResponse(position=p, alert=alert(a, withdrawn_ms=1 if p != a else 0))
              for p, a in ((1, 1), (2, 2), (3, 1), (4, 4))]
    stream = Stream(events[:2])  # what is stored when the console starts
    book = AlertBook(Link(stream), Feed(Link()))
    monkeypatch.setattr(asyncio, "sleep", _no_wait)
    book.start()
    await _until(lambda: book.problem)
    assert book.loaded and book.position == 2 and "the gateway went away" in book.problem
    stream.events = events  # two more while it was away
    await _until(lambda: book.position == 4)
    await _until(lambda: stream.asked[-1] == (4, True))
    await book.stop()
    assert stream.asked == [(0, False), (2, True), (2, False), (4, True)]
    assert book.get(1)["withdrawn"] and book.counts()["untriaged"] == 2 and book.problem == ""


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
