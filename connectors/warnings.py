"""A regulator's published list of warned unregistered operators (CSV or XLSX) → CaseRecords.

One record per row: the operator as an Organization with the role
UNAUTHORIZED_OPERATOR (name, address, notes, the warning date as
attributes; phone and e-mail as identifiers), a Website entity per URL of
the row that the operator OPERATES, and a WARNED_BY link to the warning
authority's Organization node (``{kind: authority}``, from ``--authority``,
e.g. JP-FSA), dated by the warning.

Record id: ``warn:<authority>:<hash>`` of the normalized name, warning date
and websites — the row's identity — so a re-run gives the same ids, and a
correction of the notes or address of a row is the *same* record with new
content (reported as "already in the log, differs"; push it with a higher
``--version``).

Headers are matched by meaning, in English or Japanese: name (名称, 商号,
業者名 …), address (所在地, 住所), website (ウェブサイト, URL, ホームページ),
date of warning (警告日, 警告年月日, 公表日), notes (備考, 概要). URLs written
defanged (``hxxp://``, ``example[.]com``) are restored; several URLs in one
cell may be separated by spaces, new lines, commas or 、.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from connectors.base import (
    AUTHORITY_NAMES,
    BadRow,
    Options,
    RecordBuilder,
    authority_entity,
    digest,
    normalize_text,
    parse_date,
    record_id,
)
from connectors.tabular import Columns, records_from_table
from regulink.v1 import records_pb2 as pb

PREFIX = "warn"
COLUMNS = Columns(
    {
        "name": ("operator", "operator name", "company", "company name", "entity", "entity name", "firm",
                 "firm name", "trade name", "名称", "商号", "業者名", "名称又は商号", "名称・商号", "事業者名",
                 "法人名", "名称等"),
        "address": ("location", "registered address", "所在地", "住所", "所在地・住所", "所在地等"),
        "website": ("websites", "url", "urls", "web", "web site", "site", "homepage", "ウェブサイト", "ホームページ",
                    "サイト", "url等", "ウェブサイト等", "ホームページアドレス"),
        "date": ("date of warning", "warning date", "warned on", "date warned", "published", "published date",
                 "警告日", "警告年月日", "警告を行った日", "公表日", "年月日"),
        "notes": ("note", "remarks", "comment", "comments", "details", "備考", "概要", "内容", "摘要"),
        "phone": ("telephone", "tel", "phone number", "電話番号", "電話"),
        "email": ("e-mail", "mail", "email address", "メール", "メールアドレス"),
        "country": ("country", "国", "国・地域", "所在国"),
    },
    required=("name",),
)
_SPLIT = re.compile(r"[\s,;、，；|｜]+")


def refang(url: str) -> str:
    """Undo the defanging regulators apply to published URLs (hxxp://, [.], (.))."""
    text = re.sub(r"^hxxp", "http", url.strip(), flags=re.I)
    return text.replace("[.]", ".").replace("(.)", ".").replace("[:]", ":")


def split_urls(cell: str) -> list[str]:
    return [refang(u) for u in _SPLIT.split(cell) if u.strip()]


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    if not options.authority:
        raise ValueError("a warnings list needs --authority, the body that issued the warnings (e.g. JP-FSA)")
    yield from records_from_table(path, options, COLUMNS, _record, options.record_prefix or PREFIX)


def _record(where: str, row: dict[str, str], extra: dict[str, str], options: Options, prefix: str):
    name = normalize_text(row.get("name", ""))
    if not name:
        yield BadRow(where, "no operator name")
        return
    try:
        warned = parse_date(row.get("date", ""))
    except ValueError as exc:
        yield BadRow(where, f"date of warning: {exc}")
        return
    urls = split_urls(row.get("website", ""))
    day = warned.date().isoformat() if warned else ""
    rec_id = record_id(prefix, f"{options.authority}:{digest(name, day, *sorted(urls))}")
    authority_name = options.authority_name or AUTHORITY_NAMES.get(options.authority, options.authority)
    builder = RecordBuilder(rec_id, where, options, issued_at=warned,
                            summary=f"Warned by {authority_name}" + (f" on {day}" if day else "")
                            + f" as an unregistered operator: {name}")
    # Record content never names the file: a renamed download must give the same bytes.
    evidence = f"{options.authority} warning list" + (f", {day}" if day else "")
    operator = builder.entity("operator", pb.ENTITY_TYPE_ORGANIZATION, name)
    operator.role(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    operator.attribute("address", row.get("address")).attribute("country", row.get("country"))
    operator.attribute("warned_on", day or None).attribute("notes", row.get("notes"))
    for header, value in extra.items():
        operator.attribute(header, value)
    for value in _SPLIT.split(row.get("email", "")):
        if value:
            operator.identifier("email", value, where=where)
    for value in re.split(r"[,;、\n]+", row.get("phone", "")):
        if value.strip() and not operator.try_identifier("phone", value, "JP" if options.authority.startswith(
                "JP") else ""):
            operator.attribute("phone", value)
    for n, url in enumerate(urls, 1):
        site = builder.entity(f"site{n}", pb.ENTITY_TYPE_WEBSITE)
        if site.identifier("url", url, where=where):
            site.attribute("url", url)
            builder.link("operator", site.ref, pb.LINK_TYPE_OPERATES, evidence=evidence)
    authority_entity(builder, options.authority, authority_name)
    builder.link("operator", "authority", pb.LINK_TYPE_WARNED_BY, evidence=evidence,
                 observed_at=warned, notes=row.get("notes", ""))
    yield from builder.finish()
