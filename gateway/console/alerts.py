"""Alerts: the agency's alert stream, followed for the console and told to every open page.

The console follows `WatchService/Alerts` with the agency's identity, as live.py follows Subscribe:
from the first position when it starts (the stored events first, then `follow` for new ones),
resuming after the last position it handled when the stream breaks. It keeps the agency's alerts as
they stand now (raised, withdrawn, triaged), the newest KEPT of them whole, and tells the pages of
each change through the live feed (live.Feed, the page's one event stream). Changes are numbered
(`revision`): a page that missed one (a slow page's queue drops the oldest) asks for the list again.

Only this agency's alerts ever come here: the gateway decides which, as for every answer. They are
kept in memory only; the log gets counts and error codes, never what an alert says.

The gateway's stream carries raises and withdrawals, not triage: a triage made in this console is
applied from AckAlert's answer at once; one made elsewhere (`regulink alerts --ack`, another console)
shows once the alert changes again, or after the console restarts.
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


class AlertBook(Following):
    TASK = "console-alerts"

    def __init__(self, link: GatewayLink, feed: Feed) -> None:
        self.link, self.feed = link, feed
        self.position = 0  # the last stream position handled
        self.revision = 0  # changes told to the pages
        self.loaded = False  # the stored events were read once
        self.problem = ""
        self._views: dict[int, dict] = {}
        self._elements: dict[int, tuple[list[str], list[str]]] = {}
        self._known: set[int] = set()
        self._untriaged: set[int] = set()  # neither triaged nor withdrawn

    # -- what the pages ask ---------------------------------------------------------------------

    def counts(self) -> dict:
        return {"revision": self.revision, "untriaged": len(self._untriaged), "total": len(self._known),
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
        if alert_id in self._views:
            view = _merged(self._views[alert_id], view)
        self._known.add(alert_id)
        if view["triage"] or view["withdrawn"]:
            self._untriaged.discard(alert_id)
        else:
            self._untriaged.add(alert_id)
        self._views[alert_id] = view
        self._elements[alert_id] = views.alert_elements(message)
        while len(self._views) > KEPT:
            oldest = min(self._views)
            del self._views[oldest], self._elements[oldest]
        self._tell({"alert": view} if alert_id in self._views else {})
        return view

    def _tell(self, what: dict) -> None:
        self.revision += 1
        self.feed.publish({"type": "alerts", **what, **self.counts()})

    def _state(self, *, loaded: bool | None = None, problem: str | None = None) -> None:
        changed = False
        if loaded is not None and loaded != self.loaded:
            self.loaded, changed = loaded, True
        if problem is not None and problem != self.problem:
            self.problem, changed = problem, True
        if changed:
            self._tell({})

    # -- the stream ---------------------------------------------------------------------------

    async def _follow(self) -> None:
        delay = 1.0
        while True:
            client = self.link.client()
            try:
                async for event in client.alerts(self.position):
                    self._take(event)
                if not self.loaded:
                    log.info("alerts: %d, %d not triaged", len(self._known), len(self._untriaged))
                self._state(loaded=True, problem="")
                async for event in client.alerts(self.position, follow=True):
                    delay = 1.0
                    self._take(event)
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
