"""A regulator's published list of warned unregistered operators (CSV or XLSX) → CaseRecords.

**One record per warning** (per row). The operator is an Organization with
the role UNAUTHORIZED_OPERATOR; each of its websites a Website it OPERATES;
the warning a WARNED_BY link to the authority's node (``{kind:
authority}``), dated by the warning. Every warning of one operator in one
authority's list points at **one operator node**: its LEI when the row gives
a valid one, else the list's own key for that name,
``local:<agency>/warn:<authority>:op:<hash of the name>:operator`` (names are
compared after NFKC, case folding and collapsing spaces). So an operator the
FSA warned in 2020 and again in 2023 is one node with two WARNED_BY
assertions, each with its date, from two records; names alone never merge
across lists (another authority's list has another key).

Record id: ``warn:<authority>:<date at its precision>:<hash of the name>``
(``…:undated:…`` without a date) — the warning's identity, so a re-run or a
re-download gives the same ids, and a corrected address or note is the
*same* record with new content (reported as "differs"). When one list holds
two different rows with the same name and date, the later ones get ``:2``,
``:3`` … in file order; a row repeated word for word is one warning, counted
as "skipped duplicate row".

Dates keep their precision (connectors/dates.py): ``令和２年６月`` is the
month 2020-06. The operator's ``warned_on`` attribute says ``2020-06``
(ISO 8601 at the source's precision) and ``warned_on_as_published`` keeps
the publisher's text when it differs; ``issued_at`` and the link's
``observed_at``, which are instants, hold the first instant of the period.
A row without a date of its own takes its "last update" date, else
``--issued-at``, else it is a bad row: never the file's modification time.

Headers are matched by meaning (``COLUMNS`` below; docs/connectors.md lists
the spellings of ESMA, the FSA, the FCA, IOSCO and others). Columns that
match nothing are kept as attributes under their header and named in the
run's summary. A row naming its own authority (ESMA's register names the
national authority that decided, e.g. ``… (CONSOB)`` with ``IT``) is
WARNED_BY that authority when it reads as ``CC-ACRONYM``; ``--authority``
names the list and is the default. URLs written defanged (``hxxp://``,
``example[.]com``) or with a mangled scheme (``ttps://``, ``https:/``) are
restored; several per cell may be separated by spaces, new lines, commas,
``|`` or 、. A website or e-mail that cannot be read is reported as a bad
row and the warning is pushed without it: a typo in one URL must not lose
the warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from connectors.base import (
    AUTHORITY_NAMES,
    BadRow,
    KeyIndex,
    Options,
    RecordBuilder,
    authority_entity,
    digest,
    identifier_problem,
    local_key,
    normalize_text,
    record_id,
)
from connectors.dates import PRECISIONS, When, parse_when
from connectors.tabular import Columns, records_from_table
from graph import resolve
from regulink.v1 import records_pb2 as pb

PREFIX = "warn"
COLUMNS = Columns(
    {
        "name": ("operator", "operator name", "company", "company name", "entity", "entity name", "entity_name",
                 "firm", "firm name", "legal name", "name of company", "name of entity", "name of firm",
                 "ae_lei_name", "名称", "商号", "業者名", "業者名等", "名称又は商号", "名称・商号", "商号・名称等",
                 "名称・商号等", "事業者名", "法人名", "名称等"),
        "trade_name": ("trade name", "trading name", "trading names", "commercial name", "ae_commercial_name",
                       "also known as", "aka", "屋号", "通称"),
        "address": ("location", "registered address", "head office", "ae_address", "所在地", "住所",
                    "所在地・住所", "所在地等", "所在地又は住所", "本店所在地"),
        "website": ("websites", "url", "urls", "web", "web site", "web address", "site", "homepage", "domain",
                    "domains", "website_domains", "ae_website", "ウェブサイト", "ホームページ", "サイト", "url等",
                    "ウェブサイト等", "ホームページアドレス", "ホームページアドレス等"),
        "date": ("date of warning", "warning date", "warned on", "date warned", "published", "published date",
                 "publication date", "date of publication", "date added", "alert date", "date of alert",
                 "decision date", "ae_decision_date", "effective_date", "effective date",
                 "警告日", "警告年月日", "警告年月", "警告を行った日", "警告書発出日", "警告書の発出日", "発出日",
                 "公表日", "公表年月日", "公表年月", "年月日"),
        "updated": ("last update", "last updated", "updated", "ae_lastupdate", "更新日"),
        "notes": ("note", "remarks", "comment", "comments", "details", "reason", "ae_reason", "ae_comments",
                  "other information", "additional information", "services", "備考", "概要", "内容", "摘要"),
        "phone": ("telephone", "tel", "phone number", "telephone number", "電話番号", "電話"),
        "email": ("e-mail", "mail", "email address", "e-mail address", "メール", "メールアドレス"),
        "country": ("country", "ae_lei_cou_code", "国", "国・地域", "所在国"),
        "authority_name": ("regulator", "authority", "competent authority", "issuing authority",
                           "ae_competentauthority", "警告当局"),
        "authority_country": ("ae_homememberstate", "home member state", "jurisdiction", "regulator country"),
        "lei": ("ae_lei", "lei code", "legal entity identifier"),
        "reference": ("reference", "reference_id", "reference number", "ref", "整理番号"),
        "representative": ("representative", "代表者", "代表者名", "代表者氏名"),
        "status": ("register_status", "status"),
        "register": ("registry", "register"),
        "source_url": ("source", "source url", "出典"),
    },
    required=("name",),
    # Lists that are not warnings at all: importing licensed firms as warned operators would be a
    # harmful falsehood, so these headers stop the file with the reason.
    foreign={
        "ac_authorisationNotificationDate": "ESMA's register of *authorised* crypto-asset service providers "
                                            "(CASPS.csv), not a warning list",
        "wp_url": "an ESMA register of crypto-asset white papers (OTHER, ARTZZ or EMTWP.csv), not a warning list",
    },
)
_SPLIT = re.compile(r"[\s,;、，；|｜]+")
# A scheme mangled by hand: "ttps://", "https:/", "http//", "htps://".
_SCHEME_TYPO = re.compile(r"(?i)^h?t{1,2}p(s?)(?::/{0,3}|/{2,3})(?=[^/])")
# "Commissione … (CONSOB)" → CONSOB: the acronym a body names itself by.
_ACRONYM = re.compile(r"\(\s*([A-Z][A-Za-z0-9&]{1,15})\s*\)\s*$")
# What a written date looks like, as opposed to a bare reference number.
_WRITTEN_DATE = re.compile(r"\D")
DUPLICATE = "skipped duplicate row"


def refang(url: str) -> str:
    """Undo the defanging regulators apply to published URLs (hxxp://, [.], (.)) and mangled schemes."""
    text = re.sub(r"^hxxp", "http", url.strip(), flags=re.I)
    text = text.replace("[.]", ".").replace("(.)", ".").replace("[:]", ":")
    typo = _SCHEME_TYPO.match(text)
    return f"http{typo.group(1).lower()}://{text[typo.end():]}" if typo else text


def split_urls(cell: str) -> list[str]:
    return [refang(u) for u in _SPLIT.split(cell) if u.strip()]


def site_problem(url: str) -> str | None:
    """Why a website text is not a public website (graph.resolve.url: no top-level domain …), or None."""
    return identifier_problem("url", url)


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    if not options.authority:
        raise ValueError("a warnings list needs --authority, the body that issued the warnings (e.g. JP-FSA)")
    with KeyIndex() as given:  # record id → digests of the records given under it (bounded memory)

        def make(where, row, extra, options, prefix):
            return _warning(where, row, extra, options, prefix, given)

        yield from records_from_table(path, options, COLUMNS, make, options.record_prefix or PREFIX)


def _lines(value: str | None) -> list[str]:
    """The values of a column (two headers meaning one column are joined by new lines)."""
    return [v for v in (normalize_text(line) for line in (value or "").split("\n")) if v]


def _first(row: dict[str, str], column: str) -> str:
    values = _lines(row.get(column))
    return values[0] if values else ""


def _warning_date(row: dict[str, str]) -> When | None:
    """The date of the warning, at its precision; raises ValueError for an unreadable one.

    A re-publisher may write a month as its first day (Takame's 2020-06-01 beside the FSA's own
    令和２年６月 in reference_id): when a written reference date names the same first instant more
    coarsely, the coarser one is what the publisher said.
    """
    when = parse_when(_first(row, "date"))
    reference = _first(row, "reference")
    if when is None or not _WRITTEN_DATE.search(reference):
        return when
    try:
        written = parse_when(reference)
    except ValueError:
        return when  # a reference that is not a date is just a reference
    if written and written.moment == when.moment and \
            PRECISIONS.index(written.precision) < PRECISIONS.index(when.precision):
        return written
    return when


def _row_authority(row: dict[str, str], options: Options) -> tuple[str, str, str]:
    """(authority key, display name, the row's own authority text when it could not be keyed)."""
    default = options.authority_name or AUTHORITY_NAMES.get(options.authority, options.authority)
    named = _first(row, "authority_name")
    country = _first(row, "authority_country")
    acronym = _ACRONYM.search(named)
    if named and acronym and country:
        try:
            return resolve.normalize("authority", f"{country}-{acronym.group(1)}"), named, ""
        except resolve.InvalidIdentifier:
            pass
    return options.authority, default, named


def _warning(where: str, row: dict[str, str], extra: dict[str, str], options: Options, prefix: str,
             given: KeyIndex):
    names = _lines(row.get("name"))
    if not names:
        yield BadRow(where, "no operator name")
        return
    name = names[0]
    try:
        warned = _warning_date(row)
    except ValueError as exc:
        yield BadRow(where, f"date of warning: {exc}")
        return
    try:
        updated = parse_when(_first(row, "updated"))
    except ValueError as exc:
        yield BadRow(where, f"last update: {exc}")
        return
    authority, authority_name, named = _row_authority(row, options)
    day = warned.iso() if warned else ""
    base_id = record_id(prefix, f"{options.authority}:{day or 'undated'}:{digest(name, size=16)}")
    summary = (f"Warned by {authority_name}" + (f" ({day})" if day else "")
               + f" as an unregistered operator: {name}")
    issued = warned or updated
    builder = RecordBuilder(base_id, where, options, issued_at=issued.moment if issued else None, summary=summary)
    # Record content never names the file: a renamed download must give the same bytes.
    evidence = f"{options.authority} warning list" + (f", {day}" if day else "")
    if authority != options.authority:
        evidence += f" (decision of {authority})"
    operator = _operator(builder, row, options, prefix, name)
    operator.alias(*names[1:], *_lines(row.get("trade_name")))
    operator.attribute("warned_on", day or None)
    if warned and warned.text != day:
        operator.attribute("warned_on_as_published", warned.text)
    operator.attribute("last_updated", updated.iso() if updated else None)
    for column in ("address", "country", "notes", "representative", "reference", "status", "register",
                   "source_url"):
        operator.attribute(column, row.get(column))
    if authority == options.authority:  # the row's authority columns, when they gave no key, kept as written
        operator.attribute("authority_named", named or None).attribute("jurisdiction", row.get("authority_country"))
    for header, value in extra.items():
        operator.attribute(header, value)
    problems = list(_contacts(operator, row, options, where))
    sites = 0
    for url in dict.fromkeys(split_urls(row.get("website", ""))):
        problem = site_problem(url)
        if problem is not None:
            problems.append(BadRow(where, f"website {url[:80]!r}: {problem}; the warning is pushed without it"))
            operator.attribute("website_unreadable", url)
            continue
        sites += 1
        site = builder.entity(f"site{sites}", pb.ENTITY_TYPE_WEBSITE)
        site.identifier("url", url, where=where)
        site.attribute("url", url)
        builder.link("operator", site.ref, pb.LINK_TYPE_OPERATES, evidence=evidence)
    authority_entity(builder, authority, authority_name)
    builder.link("operator", "authority", pb.LINK_TYPE_WARNED_BY, evidence=evidence,
                 observed_at=warned.moment if warned else None, notes=row.get("notes", ""))
    results = builder.finish()
    records = [item for item in results if not isinstance(item, BadRow)]
    if records and not _unique(records[0][1], given, options):
        return  # a row repeated word for word: said once, counted
    yield from problems
    yield from results


def _operator(builder: RecordBuilder, row: dict[str, str], options: Options, prefix: str, name: str):
    """The operator entity: keyed by its LEI when the row gives a valid one, else by the list's key for its name."""
    lei = _first(row, "lei")
    if lei and identifier_problem("lei", lei) is None:
        operator = builder.entity("operator", pb.ENTITY_TYPE_ORGANIZATION, name)
        operator.identifier("lei", lei)
    else:
        key = local_key(options.agency_id, f"{prefix}:{options.authority}:op:{digest(name, size=16)}", "operator")
        operator = builder.reference("operator", pb.ENTITY_TYPE_ORGANIZATION, key, name)
        operator.attribute("lei", lei or None)
    return operator.role(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)


def _contacts(operator, row: dict[str, str], options: Options, where: str) -> Iterator[BadRow]:
    """E-mails and phones as identifiers; one that does not read is reported and kept as an attribute."""
    for value in _SPLIT.split(row.get("email", "")):
        if value and not operator.try_identifier("email", value):
            yield BadRow(where, f"e-mail {value[:80]!r}: {identifier_problem('email', value)}; "
                                "the warning is pushed without it")
            operator.attribute("email_unreadable", value)
    region = "JP" if options.authority.startswith("JP") else ""
    for value in re.split(r"[,;、\n]+", row.get("phone", "")):
        if value.strip() and not operator.try_identifier("phone", value, region):
            operator.attribute("phone", value)


def _unique(record: pb.CaseRecord, given: KeyIndex, options: Options) -> bool:
    """Give each different warning its own id (…:2, …:3 for the same name and date); drop exact repeats."""
    content = hashlib.sha256(record.SerializeToString()).hexdigest()[:16]
    base = record.record_id
    seen = given.get(base) or []
    if content in seen:
        options.count(DUPLICATE)
        return False
    if seen:
        record.record_id = f"{base}:{len(seen) + 1}"
    given.put(base, [*seen, content])
    return True
