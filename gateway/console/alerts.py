"""Alerts: the agency's alert stream, followed for the console and told to every open page.

The console opens with `WatchService/AlertSummary` (where the agency's stream ends, its alert and
untriaged counts, its newest KEPT alerts as they stand) and follows `WatchService/Alerts` from there
with the agency's identity, as live.py follows Subscribe, resuming after the last position it handled
when the stream breaks: an agency with a year of alerts opens as fast as one with ten. It keeps the
newest KEPT alerts whole and the counts up to date, and tells the pages of each change through the
live feed (live.Feed, the page's one event stream). An event about an older alert than those kept
(withdrawn, or triaged elsewhere, long after) may change the counts in a way only the gateway knows:
the console then opens again from a new summary. Changes are numbered (`revision`): a page that
missed one (a slow page's queue drops the oldest) asks for the list again.

Only this agency's alerts ever come here: the gateway decides which, as for every answer. They are
kept in memory only; the log gets counts and error codes, never what an alert says.

A triage made in this console is applied from AckAlert's answer at once; one made elsewhere
(`regulink alerts --ack`, another console) comes as an event of the stream.
"""

from __future__ import annotations

import asyncio
import logging

from gateway import errors
from gateway.console import views
from gateway.console.link import GatewayLink
from gateway.console.live import Feed, Following

log = logging.getLogger("regulink.console")
KEPT = 500  # alerts the panel lists, newest first; older ones still count in the badge
RETRY_MOST = 30.0


def _merged(before: dict, after: dict) -> dict:
    """Two views of one alert, the newest state of each part: a withdrawal is for good, and the later
    triage wins (a stream event read before a triage may arrive after AckAlert's answer)."""
    merged = dict(after)
    if before["withdrawn"] and not after["withdrawn"]:
        merged.update(withdrawn=True, withdrawn_ms=before["withdrawn_ms"])
    if before["triaged_ms"] > after["triaged_ms"]:
        merged.update(triage=before["triage"], note=before["note"], triaged_ms=before["triaged_ms"])
    return merged


def _open(view: dict) -> bool:
    """Neither triaged nor withdrawn: what the badge counts."""
    return not (view["triage"] or view["withdrawn"])


class AlertBook(Following):
    TASK = "console-alerts"

    def __init__(self, link: GatewayLink, feed: Feed) -> None:
        self.link, self.feed = link, feed
        self.position = 0  # the last stream position handled
        self.revision = 0  # changes told to the pages
        self.loaded = False  # opened from a summary at least once
        self.problem = ""
        self.total = 0  # the agency's alerts, withdrawn ones included
        self.untriaged = 0  # of those, neither triaged nor withdrawn
        self._stale = False  # an older alert than those kept changed: the counts need the gateway's word
        self._views: dict[int, dict] = {}
        self._elements: dict[int, tuple[list[str], list[str]]] = {}

    # -- what the pages ask ---------------------------------------------------------------------

    def counts(self) -> dict:
        return {"revision": self.revision, "untriaged": self.untriaged, "total": self.total,
                "kept": KEPT, "loaded": self.loaded, "problem": self.problem}

    def listing(self) -> dict:
        return {"alerts": [self._views[i] for i in sorted(self._views, reverse=True)], **self.counts()}

    def get(self, alert_id: int) -> dict | None:
        return self._views.get(alert_id)

    def elements(self, alert_id: int) -> tuple[list[str], list[str]] | None:
        return self._elements.get(alert_id)

    # -- changes ----------------------------------------------------------------------------------

    def apply(self, message) -> dict:
        """An alert as it stands (a stream event's, or AckAlert's answer): kept, counted, told."""
        view = views.alert(message)
        alert_id = view["alert_id"]
        kept = alert_id in self._views
        if kept:
            view = _merged(self._views[alert_id], view)
            self.untriaged += _open(view) - _open(self._views[alert_id])
        elif alert_id > max(self._views, default=0):  # newer than the newest kept: a new alert
            kept = True
            self.total += 1
            self.untriaged += _open(view)
        else:
            self._stale = True  # older than those kept: was it counted as untriaged? only the gateway knows
        if kept:
            self._views[alert_id] = view
            self._elements[alert_id] = views.alert_elements(message)
        while len(self._views) > KEPT:
            oldest = min(self._views)
            del self._views[oldest], self._elements[oldest]
        self._tell({"alert": view} if alert_id in self._views else {})
        return view

    def _opened(self, summary) -> None:
        """Start again from a summary: its counts, its newest alerts, its position."""
        self._views.clear()
        self._elements.clear()
        for message in reversed(summary.newest):  # oldest first, as the stream would have told them
            view = views.alert(message)
            self._views[view["alert_id"]] = view
            self._elements[view["alert_id"]] = views.alert_elements(message)
        self.position, self.total, self.untriaged = summary.position, summary.alerts, summary.untriaged
        self._stale = False
        self.loaded = True
        self._tell({})

    def _tell(self, what: dict) -> None:
        self.revision += 1
        self.feed.publish({"type": "alerts", **what, **self.counts()})

    def _state(self, *, problem: str) -> None:
        if problem != self.problem:
            self.problem = problem
            self._tell({})

    # -- the stream ---------------------------------------------------------------------------

    async def _follow(self) -> None:
        delay = 1.0
        while True:
            client = self.link.client()
            try:
                if not self.loaded or self._stale:
                    self._opened(await client.alert_summary(KEPT))
                    log.info("alerts: %d, %d not triaged", self.total, self.untriaged)
                self._state(problem="")
                stream = client.alerts(self.position, follow=True)
                try:
                    async for event in stream:
                        delay = 1.0
                        self._take(event)
                        if self._stale:
                            break
                finally:
                    await stream.aclose()
                if self._stale:
                    continue  # open again from a summary, at once
            except errors.RegulinkError as exc:
                # The gateway's words (no graph, too many streams, away): the panel shows them; the
                # reachability banner stays the live feed's business.
                self._state(problem=f"alerts cannot be read now: {exc}")
                log.warning("the alert stream stopped (%s)", exc.code)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MOST)

    def _take(self, event) -> None:
        try:
            self.apply(event.alert)
        except Exception as exc:  # noqa: BLE001  (one odd event must not stop the panel; its words may quote contents)
            log.warning("the alert stream skipped the event at position %s (%s)", event.position, type(exc).__name__)
        self.position = event.position
