"""`regulink watch …` and `regulink alerts`: an agency's watchlist and the alerts it raises (issue 18)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from google.protobuf import json_format
from rich.markup import escape
from rich.table import Table

from gateway.cli.common import As, Target, TlsDir, console, fail, out, with_client
from gateway.sdk.client import AsyncClient
from graph.visibility import NAMES as TLP_NAMES
from regulink.v1 import watch_pb2 as wpb

watch_app = typer.Typer(help="Watch keys, names, neighbourhoods and your own reports; alerts come as records are "
                        "projected, only on what your agency may see.", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print the raw answer as JSON (one object a line for alerts).")]


def _run(as_agency: str, target: str, tls_dir: Path | None, work):
    return with_client(as_agency, target, tls_dir, work)


def describe(watch: wpb.Watch) -> str:
    rule = watch.WhichOneof("rule")
    if rule == "key":
        return f"key {watch.key.key}"
    if rule == "name":
        types = f", {' and '.join(watch.name.types)}" if watch.name.types else ""
        return f"name {watch.name.name!r} (score ≥ {watch.name.min_score:g}{types})"
    if rule == "neighbourhood":
        return f"operators within {watch.neighbourhood.hops} hops of {watch.neighbourhood.key}"
    kinds = f" of kind {', '.join(watch.cross_agency.agency_kinds)}" if watch.cross_agency.agency_kinds else ""
    other = " of another kind than yours" if watch.cross_agency.different_kind else ""
    return f"what you reported, reported by agencies{kinds}{other}"


@watch_app.command("add")
def add(
    as_agency: As,
    key: Annotated[Optional[str], typer.Option(help="A graph key (wallet:ETH:0x…, lei:…, domain:…) or an "
                                              "identifier: alert when a record asserts it or links to it.")] = None,
    name: Annotated[Optional[str], typer.Option(help="A person's or organization's name, in any script: alert "
                                               "when a record names one alike.")] = None,
    around: Annotated[Optional[str], typer.Option(help="A key: alert when an unauthorized operator appears "
                                                 "within --hops of it.")] = None,
    cross_agency: Annotated[bool, typer.Option("--cross-agency", help="Alert when another agency reports "
                                               "something your agency reported.")] = False,
    hops: Annotated[int, typer.Option(help="With --around: 1 to 3.")] = 3,
    min_score: Annotated[float, typer.Option(help="With --name: least similarity, 50-100 (0: 85, as "
                                             "name candidates).")] = 0.0,
    entity_type: Annotated[Optional[list[str]], typer.Option("--type", help="With --name: Person or "
                                                             "Organization (none: both).")] = None,
    different_kind: Annotated[bool, typer.Option(help="With --cross-agency: only agencies of another kind than "
                                                 "yours (a regulator hearing from police).")] = False,
    agency_kind: Annotated[Optional[list[str]], typer.Option(help="With --cross-agency: only agencies of this "
                                                             "kind (repeatable).")] = None,
    label: Annotated[str, typer.Option(help="Your own words for the watch (≤ 200 characters).")] = "",
    target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False,
) -> None:
    """Watch one thing: --key, --name, --around or --cross-agency.

    Nothing tells whether it exists: a watch on something your agency may not see behaves as a
    watch on something absent (docs/visibility.md).

    Example:
    regulink watch add --key wallet:ETH:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed --label "case 12" --as npa-cyber
    """
    chosen = [r for r in (key is not None and wpb.KeyRule(key=key),
                          name is not None and wpb.NameRule(name=name, min_score=min_score, types=entity_type or []),
                          around is not None and wpb.NeighbourhoodRule(key=around, hops=hops),
                          cross_agency and wpb.CrossAgencyRule(different_kind=different_kind,
                                                               agency_kinds=agency_kind or [])) if r]
    if len(chosen) != 1:
        fail("give exactly one of --key, --name, --around, --cross-agency")
    watch = _run(as_agency, target, tls_dir, lambda c: c.add_watch(chosen[0], label=label))
    if as_json:
        out.print_json(json_format.MessageToJson(watch, ensure_ascii=False))
        return
    out.print(f"watch {watch.watch_id}: {escape(describe(watch))}; alerts from ledger entry {watch.from_index} "
              f"on (`regulink alerts --follow --as {as_agency}`)")


@watch_app.command("list")
def list_watches(as_agency: As, target: Target = "localhost:7443", tls_dir: TlsDir = None,
                 as_json: Json = False) -> None:
    """Your agency's watches. Example: regulink watch list --as npa-cyber"""
    watches = _run(as_agency, target, tls_dir, lambda c: c.watches())
    if as_json:
        for watch in watches:
            out.print(json_format.MessageToJson(watch, ensure_ascii=False, indent=None))
        return
    table = Table("id", "watches", "label", "since", title=f"{len(watches)} watches of {as_agency}")
    for watch in watches:
        table.add_row(watch.watch_id, escape(describe(watch)), escape(watch.label),
                      watch.created_at.ToDatetime(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@watch_app.command("remove")
def remove(watch_id: str, as_agency: As, target: Target = "localhost:7443", tls_dir: TlsDir = None) -> None:
    """Stop a watch (its alerts stay). Example: regulink watch remove w-3 --as npa-cyber"""
    _run(as_agency, target, tls_dir, lambda c: c.remove_watch(watch_id))
    out.print(f"watch {watch_id} removed; its alerts stay")


Confirm = Annotated[bool, typer.Option("--confirm", help="Triage: the alert is relevant.")]
Dismiss = Annotated[bool, typer.Option("--dismiss", help="Triage: the alert is not relevant.")]
Note = Annotated[str, typer.Option(help="Why (kept with the triage, ≤ 2000 characters).")]


def _triage(confirm: bool, dismiss: bool) -> int:
    if confirm == dismiss:
        fail("give one of --confirm and --dismiss")
    return wpb.TRIAGE_CONFIRMED if confirm else wpb.TRIAGE_DISMISSED


def alert_line(event: wpb.AlertsResponse) -> str:
    alert = event.alert
    state = "WITHDRAWN " if alert.withdrawn else ""
    state += {wpb.TRIAGE_CONFIRMED: "confirmed ", wpb.TRIAGE_DISMISSED: "dismissed "}.get(alert.triage, "")
    records = ", ".join(f"{r.agency_id}/{r.record_id} v{r.version} @{r.log_index} {TLP_NAMES.get(r.tlp, '')}"
                        for r in alert.records)
    return (f"[bold]#{alert.alert_id}[/bold] {escape(state)}[dim]{alert.watch_id} {alert.kind}[/dim] "
            f"{escape(alert.summary)} [dim]({escape(records)})[/dim]")


def alerts(
    as_agency: As,
    after: Annotated[int, typer.Option(help="Start after this position (the last one you handled; "
                                       "0: every alert).")] = 0,
    follow: Annotated[bool, typer.Option("--follow", help="Keep waiting for new alerts (Ctrl-C ends).")] = False,
    newest: Annotated[int, typer.Option(help="Instead of every event: your alert and untriaged counts and the newest "
                                          "N alerts as they stand (≤ 1000); with --follow, what comes next.",
                                     min=0, max=1000)] = 0,
    ack: Annotated[Optional[int], typer.Option(help="Triage this alert instead of listing: with --confirm or "
                                               "--dismiss and a --note.")] = None,
    confirm: Confirm = False, dismiss: Dismiss = False, note: Note = "",
    target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False,
) -> None:
    """Your agency's alerts in order, one a line.

    A withdrawn alert (its record retracted, superseded or replaced by a new version) comes again,
    marked WITHDRAWN, when that happens. Keep the last position you handled and pass it as --after.

    Example: regulink alerts --follow --as npa-cyber
    (where you stand: regulink alerts --newest 20 --as npa-cyber;
    triage: regulink alerts --ack 7 --confirm --note "seen" --as npa-cyber)
    """
    if ack is not None:
        acknowledge(ack, as_agency, confirm, dismiss, note, target, tls_dir, as_json)
        return
    if newest and after:
        fail("give --after or --newest, not both: the summary says where the stream stands")

    def show(event: wpb.AlertsResponse) -> None:
        if as_json:
            out.print(json_format.MessageToJson(event, ensure_ascii=False, indent=None), soft_wrap=True)
        else:
            out.print(alert_line(event), soft_wrap=True)

    async def stream(client: AsyncClient) -> int:
        shown, start = 0, after
        if newest:
            summary = await client.alert_summary(newest)
            if as_json:  # one object: the counts, the position to follow from, the newest alerts
                out.print(json_format.MessageToJson(summary, ensure_ascii=False, indent=None), soft_wrap=True)
            else:
                console.print(f"{summary.alerts} alert{'s' if summary.alerts != 1 else ''}, {summary.untriaged} "
                              f"not triaged; the newest {len(summary.newest)} as they stand (stream position "
                              f"{summary.position}):")
                for alert in reversed(summary.newest):  # oldest first, as the stream tells them
                    out.print(alert_line(wpb.AlertsResponse(alert=alert)), soft_wrap=True)
            if not follow:
                return len(summary.newest)
            start = summary.position
        async for event in client.alerts(start, follow=follow):
            shown += 1
            show(event)
        return shown

    shown = _run(as_agency, target, tls_dir, stream)
    if not shown and not as_json and not newest:
        console.print(f"no alerts after position {after}")


@watch_app.command("ack")
def acknowledge(alert_id: int, as_agency: As, confirm: Confirm = False, dismiss: Dismiss = False, note: Note = "",
                target: Target = "localhost:7443", tls_dir: TlsDir = None, as_json: Json = False) -> None:
    """Triage an alert: --confirm or --dismiss, with a --note.

    Example: regulink watch ack 7 --confirm --note "our case 12" --as npa-cyber
    """
    triage = _triage(confirm, dismiss)
    alert = _run(as_agency, target, tls_dir, lambda c: c.ack_alert(alert_id, triage, note))
    if as_json:
        out.print_json(json_format.MessageToJson(alert, ensure_ascii=False))
        return
    out.print(f"alert #{alert.alert_id} {'confirmed' if triage == wpb.TRIAGE_CONFIRMED else 'dismissed'}")


watch_app.command("alerts")(alerts)
