"""WatchService: an agency's watches and its alert stream (issue 18), its own alone.

Adding a watch checks only the rule's form: whether the watched key exists,
or is hidden from the agency, plays no part in any answer (a watch on
something hidden is a watch on something absent). The rules, the index and
the evaluation are in graph.watchlist, graph.watchgraph and gateway.server.alerts.engine;
the store in gateway.server.alerts.store. Adding, removing and triaging are written to
the query audit trail, like the questions investigators ask.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from google.protobuf import json_format

from gateway.errors import InvalidArgument, NotFound, TooManyWatches, Unavailable
from gateway.server.admission.identity import caller_agency
from gateway.server.alerts.store import StoredAlert, StoredWatch
from gateway.server.audit import investigator_name
from graph.watchlist import BadRule, Rule, check_rule
from regulink.v1 import watch_pb2 as pb

if TYPE_CHECKING:
    from gateway.server.app import Gateway

MAX_WATCHES = 10_000  # per agency
MAX_LABEL = 200
MAX_NOTE = 2000
PAGE = 200
MAX_NEWEST = 1000  # alerts an AlertSummary may carry
WATCH_ID = re.compile(r"w-([1-9][0-9]{0,9})")


def rule_of(request: pb.AddWatchRequest) -> Rule:
    which = request.WhichOneof("rule")
    if which == "key":
        return Rule("key", key=request.key.key)
    if which == "name":
        return Rule("name", name=request.name.name, min_score=request.name.min_score,
                    types=tuple(request.name.types))
    if which == "neighbourhood":
        return Rule("neighbourhood", key=request.neighbourhood.key, hops=request.neighbourhood.hops)
    if which == "cross_agency":
        return Rule("cross_agency", different_kind=request.cross_agency.different_kind,
                    agency_kinds=tuple(request.cross_agency.agency_kinds))
    return Rule("")


def watch_message(stored: StoredWatch) -> pb.Watch:
    rule = Rule.from_json(stored.rule)
    message = pb.Watch(watch_id=f"w-{stored.number}", label=stored.label, from_index=stored.from_index)
    message.created_at.FromMilliseconds(stored.created_ms)
    if rule.kind == "key":
        message.key.key = rule.key
    elif rule.kind == "name":
        message.name.CopyFrom(pb.NameRule(name=rule.name, min_score=rule.min_score, types=rule.types))
    elif rule.kind == "neighbourhood":
        message.neighbourhood.CopyFrom(pb.NeighbourhoodRule(key=rule.key, hops=rule.hops))
    elif rule.kind == "cross_agency":
        message.cross_agency.CopyFrom(pb.CrossAgencyRule(different_kind=rule.different_kind,
                                                         agency_kinds=rule.agency_kinds))
    return message


def alert_message(stored: StoredAlert) -> pb.Alert:
    """The alert as raised, with what has happened to it since (withdrawn, triaged)."""
    message = pb.Alert.FromString(stored.body)
    message.alert_id = stored.alert_id
    if stored.withdrawn_ms is not None:
        message.withdrawn = True
        message.withdrawn_at.FromMilliseconds(stored.withdrawn_ms)
    message.triage = stored.triage
    message.note = stored.note
    if stored.triaged_ms is not None:
        message.triaged_at.FromMilliseconds(stored.triaged_ms)
    return message


def _watch_number(watch_id: str) -> int:
    found = WATCH_ID.fullmatch(watch_id)
    if found is None:
        raise InvalidArgument("a watch id as AddWatch or ListWatches gave it, e.g. w-3", field="watch_id")
    return int(found.group(1))


class WatchService:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    @property
    def alerting(self):
        alerting = self.gateway.alerting
        if alerting is None:
            raise Unavailable("watches need the gateway's graph; this gateway runs without one")
        return alerting

    def _caller(self, context) -> str:
        return caller_agency(context, self.gateway.registry.snapshot())

    def _audit(self, caller: str, call: str, request, context):
        """The call's audit line, with the person the console or CLI names (as every query's)."""
        params = json_format.MessageToDict(request, preserving_proto_field_name=True)
        return self.gateway.audit.call(caller, call, params, investigator_name(context.invocation_metadata()))

    async def AddWatch(self, request: pb.AddWatchRequest, context) -> pb.AddWatchResponse:
        caller = self._caller(context)
        async with self._audit(caller, "AddWatch", request, context) as line:
            if len(request.label) > MAX_LABEL:
                raise InvalidArgument(f"at most {MAX_LABEL} characters", field="label")
            try:
                rule = check_rule(rule_of(request))
            except BadRule as exc:
                raise InvalidArgument(str(exc), field=exc.field) from None
            stored = await self.alerting.add_watch(caller, rule, request.label, MAX_WATCHES)
            if stored is None:
                raise TooManyWatches(f"at most {MAX_WATCHES} watches per agency; remove some with RemoveWatch")
            line.results = 1
        return pb.AddWatchResponse(watch=watch_message(stored))

    async def ListWatches(self, request: pb.ListWatchesRequest, context) -> pb.ListWatchesResponse:
        caller = self._caller(context)
        found = await asyncio.to_thread(self.alerting.store.watches, caller)
        return pb.ListWatchesResponse(watches=[watch_message(w) for w in found])

    async def RemoveWatch(self, request: pb.RemoveWatchRequest, context) -> pb.RemoveWatchResponse:
        caller = self._caller(context)
        async with self._audit(caller, "RemoveWatch", request, context) as line:
            if not await self.alerting.remove_watch(caller, _watch_number(request.watch_id)):
                raise NotFound(f"no watch {request.watch_id[:40]!r}", field="watch_id")
            line.results = 1
        return pb.RemoveWatchResponse()

    async def Alerts(self, request: pb.AlertsRequest, context):
        caller = self._caller(context)
        alerting = self.alerting
        with self.gateway.agency_limits.stream(caller):
            position = request.after
            while True:
                grown = alerting.events_for(caller)  # before reading: an event stored meanwhile wakes it
                events = await asyncio.to_thread(alerting.store.events, caller, position, PAGE)
                for position, stored in events:
                    yield pb.AlertsResponse(position=position, alert=alert_message(stored))
                if len(events) == PAGE:
                    continue
                if not request.follow:
                    return
                await grown.wait()

    async def AlertSummary(self, request: pb.AlertSummaryRequest, context) -> pb.AlertSummaryResponse:
        caller = self._caller(context)
        if request.newest > MAX_NEWEST:
            raise InvalidArgument(f"at most {MAX_NEWEST}", field="newest")
        position, alerts, untriaged, newest = await asyncio.to_thread(self.alerting.store.summary, caller,
                                                                      request.newest)
        return pb.AlertSummaryResponse(position=position, alerts=alerts, untriaged=untriaged,
                                       newest=[alert_message(a) for a in newest])

    async def AckAlert(self, request: pb.AckAlertRequest, context) -> pb.AckAlertResponse:
        caller = self._caller(context)
        async with self._audit(caller, "AckAlert", request, context) as line:
            if request.triage not in (pb.TRIAGE_CONFIRMED, pb.TRIAGE_DISMISSED):
                raise InvalidArgument("TRIAGE_CONFIRMED or TRIAGE_DISMISSED", field="triage")
            if len(request.note) > MAX_NOTE:
                raise InvalidArgument(f"at most {MAX_NOTE} characters", field="note")
            stored = await asyncio.to_thread(self.alerting.store.ack, caller, request.alert_id, request.triage,
                                             request.note)
            if stored is None:
                raise NotFound(f"no alert {request.alert_id}", field="alert_id")
            line.results = 1
        self.alerting.notify([caller])  # the triage is an event of the caller's stream
        return pb.AckAlertResponse(alert=alert_message(stored))
